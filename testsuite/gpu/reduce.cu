// reduce: three reductions over n values (argument, default 16M): an integer
// sum with a shared-memory tree, the same with warp shuffles, and float
// min/max. Integer results are exact, so they are printed and compared.
#include "common.h"

#include <vector>

// Tree in shared memory: each block writes one partial sum.
__global__ void sum_shared(const int *in, long long *partial, int n)
{
    extern __shared__ long long s[];
    long long v = 0;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
        v += in[i];
    s[threadIdx.x] = v;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {
        if (threadIdx.x < half)
            s[threadIdx.x] += s[threadIdx.x + half];
        __syncthreads();
    }
    if (threadIdx.x == 0)
        partial[blockIdx.x] = s[0];
}

// Warp shuffles, then one atomicAdd per warp.
__global__ void sum_shuffle(const int *in, unsigned long long *total, int n)
{
    long long v = 0;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
        v += in[i];
    for (int off = 16; off > 0; off /= 2)
        v += __shfl_down_sync(0xffffffffu, v, off);
    if ((threadIdx.x & 31) == 0)
        atomicAdd(total, (unsigned long long)v);
}

// Float min and max per block via shared memory; final step on the CPU.
__global__ void minmax(const float *in, float2 *partial, int n)
{
    __shared__ float smin[256], smax[256];
    float lo = INFINITY, hi = -INFINITY;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) {
        lo = fminf(lo, in[i]);
        hi = fmaxf(hi, in[i]);
    }
    smin[threadIdx.x] = lo;
    smax[threadIdx.x] = hi;
    __syncthreads();
    for (int half = blockDim.x / 2; half > 0; half /= 2) {
        if (threadIdx.x < half) {
            smin[threadIdx.x] = fminf(smin[threadIdx.x], smin[threadIdx.x + half]);
            smax[threadIdx.x] = fmaxf(smax[threadIdx.x], smax[threadIdx.x + half]);
        }
        __syncthreads();
    }
    if (threadIdx.x == 0)
        partial[blockIdx.x] = make_float2(smin[0], smax[0]);
}

int main(int argc, char **argv)
{
    test_init("reduce");
    int n = argc > 1 ? atoi(argv[1]) : 1 << 24;
    EXPECT(n > 0, "bad size");
    const int threads = 256, blocks = 512;

    std::vector<int> vi(n);
    std::vector<float> vf(n);
    Rng rng(3);
    long long ref_sum = 0;
    float ref_min = INFINITY, ref_max = -INFINITY;
    for (int i = 0; i < n; i++) {
        vi[i] = rng.range(-1000000, 1000000);
        vf[i] = rng.uniform(-1000.0f, 1000.0f);
        ref_sum += vi[i];
        ref_min = std::fmin(ref_min, vf[i]);
        ref_max = std::fmax(ref_max, vf[i]);
    }

    warm_up();
    int *di;
    float *df;
    long long *dpart;
    unsigned long long *dtotal;
    float2 *dmm;
    CHECK(cudaMalloc(&di, (size_t)n * sizeof(int)));
    CHECK(cudaMalloc(&df, (size_t)n * sizeof(float)));
    CHECK(cudaMalloc(&dpart, blocks * sizeof(long long)));
    CHECK(cudaMalloc(&dtotal, sizeof(unsigned long long)));
    CHECK(cudaMalloc(&dmm, blocks * sizeof(float2)));
    CHECK(cudaMemcpy(di, vi.data(), (size_t)n * sizeof(int), cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(df, vf.data(), (size_t)n * sizeof(float), cudaMemcpyHostToDevice));

    Timer t;
    t.start();
    sum_shared<<<blocks, threads, threads * sizeof(long long)>>>(di, dpart, n);
    CHECK_LAUNCH();
    CHECK(cudaMemset(dtotal, 0, sizeof(unsigned long long)));
    sum_shuffle<<<blocks, threads>>>(di, dtotal, n);
    CHECK_LAUNCH();
    minmax<<<blocks, threads>>>(df, dmm, n);
    CHECK_LAUNCH();
    std::vector<long long> part(blocks);
    std::vector<float2> mm(blocks);
    unsigned long long total;
    CHECK(cudaMemcpy(part.data(), dpart, blocks * sizeof(long long), cudaMemcpyDeviceToHost));
    CHECK(cudaMemcpy(&total, dtotal, sizeof total, cudaMemcpyDeviceToHost));
    CHECK(cudaMemcpy(mm.data(), dmm, blocks * sizeof(float2), cudaMemcpyDeviceToHost));
    t.stop();

    long long s1 = 0;
    for (long long p : part)
        s1 += p;
    long long s2 = (long long)total;
    float gmin = INFINITY, gmax = -INFINITY;
    for (const float2 &p : mm) {
        gmin = std::fmin(gmin, p.x);
        gmax = std::fmax(gmax, p.y);
    }
    printf("n=%d cpu_sum=%lld shared_sum=%lld shuffle_sum=%lld\n", n, ref_sum, s1, s2);
    printf("min matches: %s, max matches: %s\n", gmin == ref_min ? "yes" : "no",
           gmax == ref_max ? "yes" : "no");
    CHECK(cudaFree(di));
    CHECK(cudaFree(df));
    CHECK(cudaFree(dpart));
    CHECK(cudaFree(dtotal));
    CHECK(cudaFree(dmm));
    EXPECT(s1 == ref_sum && s2 == ref_sum, "sum mismatch");
    EXPECT(gmin == ref_min && gmax == ref_max, "min/max mismatch");
    t.report();
    return test_pass();
}
