// func_attrs: cudaFuncGetAttributes (static shared size, arch versions),
// cudaFuncSetAttribute to opt in to 96 KiB of dynamic shared memory and a
// launch that uses it, cache/carveout preferences, and the over-limit error.
#include "common.h"

__global__ void static_smem(float *out)
{
    __shared__ float buf[1024]; // 4096 bytes of static shared memory
    buf[threadIdx.x] = (float)threadIdx.x;
    __syncthreads();
    out[threadIdx.x] = buf[blockDim.x - 1 - threadIdx.x];
}

// Fills a big dynamic shared buffer, then each thread sums a stripe of it.
__global__ void big_dynamic(int *out, int words)
{
    extern __shared__ int sm[];
    for (int i = threadIdx.x; i < words; i += blockDim.x)
        sm[i] = i;
    __syncthreads();
    long long s = 0;
    for (int i = threadIdx.x; i < words; i += blockDim.x)
        s += sm[words - 1 - i];
    atomicAdd(out, (int)s);
}

int main()
{
    test_init("func_attrs");
    warm_up();
    Timer t;
    t.start();
    cudaFuncAttributes a;
    CHECK(cudaFuncGetAttributes(&a, static_smem));
    printf("static_smem: sharedSizeBytes=%zu binaryVersion=%d ptxVersion=%d\n",
           a.sharedSizeBytes, a.binaryVersion, a.ptxVersion);
    printf("static_smem: maxThreadsPerBlock in 1..1024: %s, numRegs in 1..255: %s\n",
           a.maxThreadsPerBlock >= 1 && a.maxThreadsPerBlock <= 1024 ? "yes" : "no",
           a.numRegs >= 1 && a.numRegs <= 255 ? "yes" : "no");
    EXPECT(a.sharedSizeBytes == 4096, "wrong static shared size");

    CHECK(cudaFuncGetAttributes(&a, big_dynamic));
    printf("big_dynamic: sharedSizeBytes=%zu default maxDynamicSharedSizeBytes=%d\n",
           a.sharedSizeBytes, a.maxDynamicSharedSizeBytes);

    const int dyn = 96 * 1024;
    CHECK(cudaFuncSetAttribute(big_dynamic, cudaFuncAttributeMaxDynamicSharedMemorySize, dyn));
    CHECK(cudaFuncGetAttributes(&a, big_dynamic));
    printf("after opt-in: maxDynamicSharedSizeBytes=%d\n", a.maxDynamicSharedSizeBytes);
    EXPECT(a.maxDynamicSharedSizeBytes == dyn, "opt-in not visible");

    int *dsum;
    CHECK(cudaMalloc(&dsum, sizeof(int)));
    CHECK(cudaMemset(dsum, 0, sizeof(int)));
    const int words = dyn / 4;
    big_dynamic<<<1, 256, dyn>>>(dsum, words);
    CHECK_LAUNCH();
    int sum = 0;
    CHECK(cudaMemcpy(&sum, dsum, sizeof sum, cudaMemcpyDeviceToHost));
    int want = words * (words - 1) / 2;
    printf("96 KiB dynamic shared launch: sum %s\n", sum == want ? "correct" : "wrong");

    // Preferences: accepted, results unchanged.
    CHECK(cudaFuncSetCacheConfig(static_smem, cudaFuncCachePreferShared));
    CHECK(cudaFuncSetAttribute(static_smem, cudaFuncAttributePreferredSharedMemoryCarveout, 50));
    CHECK(cudaFuncGetAttributes(&a, static_smem));
    printf("carveout read back: %d\n", a.preferredShmemCarveout);
    float *dout;
    CHECK(cudaMalloc(&dout, 1024 * sizeof(float)));
    static_smem<<<1, 1024>>>(dout);
    CHECK_LAUNCH();
    float h[1024];
    CHECK(cudaMemcpy(h, dout, sizeof h, cudaMemcpyDeviceToHost));
    bool rev_ok = true;
    for (int i = 0; i < 1024; i++)
        rev_ok &= h[i] == (float)(1023 - i);
    printf("static shared reverse: %s\n", rev_ok ? "correct" : "wrong");

    // More than the device's opt-in maximum must be refused.
    int optin = 0;
    CHECK(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, 0));
    cudaError_t err = cudaFuncSetAttribute(big_dynamic,
                                           cudaFuncAttributeMaxDynamicSharedMemorySize,
                                           optin + 1024);
    printf("opt-in above device maximum: %s\n", cudaGetErrorName(err));
    printf("cudaGetLastError after it: %s\n", cudaGetErrorName(cudaGetLastError()));
    t.stop();

    CHECK(cudaFree(dsum));
    CHECK(cudaFree(dout));
    EXPECT(sum == want && rev_ok, "kernel results wrong");
    EXPECT(err != cudaSuccess, "over-limit opt-in accepted");
    t.report();
    return test_pass();
}
