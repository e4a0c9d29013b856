// memset: cudaMemset and cudaMemsetAsync over whole buffers, odd offsets and
// odd lengths (only the low byte of the value is used), zero-length sets,
// all checked byte by byte on the host against a mirror.
#include "common.h"

#include <vector>

int main()
{
    test_init("memset");
    const size_t n = (8u << 20) + 13;
    warm_up();
    unsigned char *d;
    CHECK(cudaMalloc(&d, n));
    cudaStream_t s;
    CHECK(cudaStreamCreate(&s));
    std::vector<unsigned char> mirror(n), back(n);

    struct Op {
        size_t off, len;
        int value;
        bool async;
    } ops[] = {
        {0, n, 0xAB, false},          {1, 1000, 0x00, false},
        {4097, 3 << 20, 0x1234, true}, // low byte 0x34
        {n - 7, 7, 0xFF, true},       {12345, 0, 0x77, false}, // zero length
        {65536, 65536, -1, true},     {3, 5, 0x42, false},
    };

    Timer t;
    t.start();
    for (const Op &o : ops) {
        if (o.async)
            CHECK(cudaMemsetAsync(d + o.off, o.value, o.len, s));
        else
            CHECK(cudaMemset(d + o.off, o.value, o.len));
        memset(mirror.data() + o.off, o.value, o.len);
    }
    CHECK(cudaStreamSynchronize(s));
    CHECK(cudaMemcpy(back.data(), d, n, cudaMemcpyDeviceToHost));
    t.stop();

    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        bad += back[i] != mirror[i];
    printf("%zu operations on %zu bytes: checksum %016llx, bad=%zu\n",
           sizeof ops / sizeof ops[0], n, (unsigned long long)fnv1a(back.data(), n), bad);
    CHECK(cudaStreamDestroy(s));
    CHECK(cudaFree(d));
    EXPECT(bad == 0, "memset results wrong");
    t.report();
    return test_pass();
}
