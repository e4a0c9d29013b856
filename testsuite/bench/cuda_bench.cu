// cuda_bench: the CUDA-level numbers gvirtus is judged by, printed as
// "BENCH <name> <size> <value> <unit>" lines.  Run it natively and
// through gvirtus; testsuite/gpu-host.sh computes the ratios.
//   sync_rtt   cudaMemsetAsync + cudaStreamSynchronize, median (us)
//   query_rtt  cudaStreamQuery on an idle stream, median (us)
//   launch     empty kernel launches, async, per launch (us)
//   h2d/d2h    copy bandwidth, pageable and pinned (GB/s)
#include <cuda_runtime.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#define CHECK(x)                                                              \
    do {                                                                      \
        cudaError_t e_ = (x);                                                 \
        if (e_ != cudaSuccess) {                                              \
            fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #x,         \
                    cudaGetErrorString(e_));                                  \
            exit(1);                                                          \
        }                                                                     \
    } while (0)

__global__ void empty_kernel() {}

static double now_us()
{
    return std::chrono::duration<double, std::micro>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

static double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

static void copy_bw(const char *name, void *dst, const void *src, size_t n,
                    cudaMemcpyKind kind, int reps)
{
    std::vector<double> t;
    CHECK(cudaMemcpy(dst, src, n, kind)); // warm
    for (int i = 0; i < reps; i++) {
        double t0 = now_us();
        CHECK(cudaMemcpy(dst, src, n, kind));
        t.push_back(now_us() - t0);
    }
    printf("BENCH %s %zu %.3f GB/s\n", name, n, n / median(t) / 1e3);
}

int main(int argc, char **argv)
{
    size_t max = argc > 1 ? strtoull(argv[1], 0, 10) << 20 : (size_t)256 << 20;
    cudaStream_t s;
    void *d, *h, *hp;
    std::vector<double> t;

    CHECK(cudaSetDevice(0));
    CHECK(cudaStreamCreate(&s));
    CHECK(cudaMalloc(&d, max));
    h = malloc(max);
    memset(h, 1, max);
    CHECK(cudaMallocHost(&hp, max));
    memset(hp, 1, max);

    for (int i = 0; i < 3000; i++) {
        double t0 = now_us();
        CHECK(cudaMemsetAsync(d, 0, 4, s));
        CHECK(cudaStreamSynchronize(s));
        if (i >= 500) t.push_back(now_us() - t0);
    }
    printf("BENCH sync_rtt 4 %.2f us\n", median(t));
    t.clear();
    for (int i = 0; i < 3000; i++) {
        double t0 = now_us();
        CHECK(cudaStreamQuery(s));
        if (i >= 500) t.push_back(now_us() - t0);
    }
    printf("BENCH query_rtt 0 %.2f us\n", median(t));

    empty_kernel<<<1, 1, 0, s>>>();
    CHECK(cudaStreamSynchronize(s));
    for (int round = 0; round < 2; round++) {
        const int n = 20000;
        double t0 = now_us();
        for (int i = 0; i < n; i++) empty_kernel<<<1, 1, 0, s>>>();
        CHECK(cudaGetLastError());
        double issue = now_us() - t0;
        CHECK(cudaStreamSynchronize(s));
        double total = now_us() - t0;
        if (round == 1) {
            printf("BENCH launch_issue %d %.3f us\n", n, issue / n);
            printf("BENCH launch %d %.3f us\n", n, total / n);
        }
    }

    for (size_t n = 4096; n <= max; n *= 4) {
        int reps = n <= (1 << 20) ? 200
                   : n <= (16 << 20) ? 20 : n <= (256 << 20) ? 5 : 3;
        copy_bw("h2d_pageable", d, h, n, cudaMemcpyHostToDevice, reps);
        copy_bw("d2h_pageable", h, d, n, cudaMemcpyDeviceToHost, reps);
        copy_bw("h2d_pinned", d, hp, n, cudaMemcpyHostToDevice, reps);
        copy_bw("d2h_pinned", hp, d, n, cudaMemcpyDeviceToHost, reps);
    }
    CHECK(cudaFreeHost(hp));
    CHECK(cudaFree(d));
    free(h);
    return 0;
}
