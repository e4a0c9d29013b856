// large_copy: 256 MiB (argument) host->device->host round trip from pageable
// or pinned memory (argument). The device checksums what arrived, flips every
// word, and the returned buffer is checked word by word against the CPU.
#include "common.h"

__global__ void checksum_and_flip(unsigned *p, size_t n, unsigned long long *sum)
{
    unsigned long long s = 0;
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x) {
        s += p[i];
        p[i] = ~p[i];
    }
    atomicAdd(sum, s);
}

int main(int argc, char **argv)
{
    test_init("large_copy");
    const char *mode = argc > 1 ? argv[1] : "pageable";
    size_t mib = argc > 2 ? (size_t)atoi(argv[2]) : 256;
    bool pinned = strcmp(mode, "pinned") == 0;
    EXPECT(pinned || strcmp(mode, "pageable") == 0, "mode must be pageable or pinned");
    size_t bytes = mib << 20, n = bytes / sizeof(unsigned);

    warm_up();
    unsigned *h, *back, *d;
    unsigned long long *dsum;
    if (pinned) {
        CHECK(cudaMallocHost(&h, bytes));
        CHECK(cudaMallocHost(&back, bytes));
    } else {
        h = (unsigned *)malloc(bytes);
        back = (unsigned *)malloc(bytes);
        EXPECT(h && back, "out of host memory");
    }
    CHECK(cudaMalloc(&d, bytes));
    CHECK(cudaMalloc(&dsum, sizeof *dsum));
    Rng rng(16);
    unsigned long long ref = 0;
    for (size_t i = 0; i < n; i++) {
        h[i] = rng.u32();
        ref += h[i];
    }
    memset(back, 0, bytes);
    checksum_and_flip<<<1, 32>>>(d, 0, dsum); // warm-up
    CHECK_LAUNCH();
    CHECK(cudaMemset(dsum, 0, sizeof *dsum));
    CHECK(cudaDeviceSynchronize());

    Timer t;
    t.start();
    CHECK(cudaMemcpy(d, h, bytes, cudaMemcpyHostToDevice));
    checksum_and_flip<<<1024, 256>>>(d, n, dsum);
    CHECK_LAUNCH();
    CHECK(cudaMemcpy(back, d, bytes, cudaMemcpyDeviceToHost));
    t.stop();

    unsigned long long dev_sum = 0;
    CHECK(cudaMemcpy(&dev_sum, dsum, sizeof dev_sum, cudaMemcpyDeviceToHost));
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        if (back[i] != ~h[i])
            bad++;
    printf("%s %zu MiB: cpu checksum %llu, device checksum %llu, returned words bad=%zu\n",
           mode, mib, ref, dev_sum, bad);
    if (pinned) {
        CHECK(cudaFreeHost(h));
        CHECK(cudaFreeHost(back));
    } else {
        free(h);
        free(back);
    }
    CHECK(cudaFree(d));
    CHECK(cudaFree(dsum));
    EXPECT(dev_sum == ref && bad == 0, "data corrupted");
    t.report();
    return test_pass();
}
