// memcpy_async_pageable: cudaMemcpyAsync from and into pageable (malloc'd)
// host memory, for sizes from 1 byte to 32 MiB and at unaligned host
// addresses, with a kernel in between; the stream is synchronised, then checked.
#include "common.h"

#include <vector>

__global__ void xor_bytes(unsigned char *p, size_t n, unsigned char k)
{
    for (size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x)
        p[i] ^= k;
}

int main()
{
    test_init("memcpy_async_pageable");
    const size_t sizes[] = {1, 3, 4096, 4097, 65543, (3u << 20) + 5, 32u << 20};
    const size_t maxn = 32u << 20;
    warm_up();
    unsigned char *d;
    CHECK(cudaMalloc(&d, maxn));
    cudaStream_t s;
    CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    // +1 so that we can also use an odd host address.
    unsigned char *src = (unsigned char *)malloc(maxn + 1);
    unsigned char *dst = (unsigned char *)malloc(maxn + 1);
    EXPECT(src && dst, "out of host memory");
    Rng rng(15);
    for (size_t i = 0; i < maxn + 1; i++)
        src[i] = (unsigned char)rng.u32();
    xor_bytes<<<1, 32, 0, s>>>(d, 0, 0); // warm-up
    CHECK_LAUNCH();
    CHECK(cudaStreamSynchronize(s));

    int all_bad = 0;
    long long gpu_us = 0; // copies and kernels only, not the host checks
    for (size_t n : sizes) {
        for (int off = 0; off < 2; off++) {
            memset(dst, 0, maxn + 1);
            unsigned char k = (unsigned char)(0x5A + n + off);
            Timer t;
            t.start();
            CHECK(cudaMemcpyAsync(d, src + off, n, cudaMemcpyHostToDevice, s));
            xor_bytes<<<256, 256, 0, s>>>(d, n, k);
            CHECK_LAUNCH();
            CHECK(cudaMemcpyAsync(dst + off, d, n, cudaMemcpyDeviceToHost, s));
            CHECK(cudaStreamSynchronize(s));
            t.stop();
            gpu_us += t.us();
            size_t bad = 0;
            for (size_t i = 0; i < n; i++)
                if (dst[off + i] != (unsigned char)(src[off + i] ^ k))
                    bad++;
            if (off && dst[0] != 0) // byte before the copy untouched
                bad++;
            if (off + n <= maxn && dst[off + n] != 0) // byte after it untouched
                bad++;
            printf("size %zu host offset %d: bad=%zu\n", n, off, bad);
            all_bad += bad != 0;
        }
    }
    free(src);
    free(dst);
    CHECK(cudaStreamDestroy(s));
    CHECK(cudaFree(d));
    EXPECT(all_bad == 0, "%d copies wrong", all_bad);
    Timer::report_time(gpu_us);
    return test_pass();
}
