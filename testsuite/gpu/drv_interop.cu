// drv_interop: the runtime and the driver API share pointers, streams,
// events and the primary context.  cudaMalloc memory in cuMemcpy and
// cuMemsetD32; cuMemAlloc memory in a <<<>>> kernel, cudaMemcpyDefault and
// cudaPointerGetAttributes; a CUstream in a <<<>>> launch and a
// cudaStream_t in cuMemcpyHtoDAsync; cuCtxGetCurrent after cudaSetDevice;
// driver entry points from cudaGetDriverEntryPointByVersion and
// cuGetProcAddress.
#include "drv_common.h"

__global__ void twice(int *p, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        p[i] *= 2;
}

int main()
{
    test_init("drv_interop");
    const int n = 1 << 16;
    const size_t bytes = n * sizeof(int);
    std::vector<int> h(n), back(n);
    for (int i = 0; i < n; i++)
        h[i] = i - 1000;

    CHECK(cudaSetDevice(0));
    CHECK(cudaFree(0));
    CU_CHECK(cuInit(0));
    Timer t;
    t.start();

    CUcontext cur = nullptr, prim = nullptr;
    CU_CHECK(cuCtxGetCurrent(&cur));
    CU_CHECK(cuDevicePrimaryCtxRetain(&prim, 0));
    printf("current context after cudaSetDevice is the primary: %s\n",
           cur != nullptr && cur == prim ? "yes" : "no");

    // Runtime memory, driver copies.
    int *rp;
    CHECK(cudaMalloc(&rp, bytes));
    CU_CHECK(cuMemcpyHtoD((CUdeviceptr)(uintptr_t)rp, h.data(), bytes));
    twice<<<(n + 255) / 256, 256>>>(rp, n);
    CHECK_LAUNCH();
    CU_CHECK(cuMemcpyDtoH(back.data(), (CUdeviceptr)(uintptr_t)rp, bytes));
    for (int i = 0; i < n; i++)
        EXPECT(back[i] == 2 * h[i], "runtime memory [%d] = %d", i, back[i]);
    CU_CHECK(cuMemsetD32((CUdeviceptr)(uintptr_t)rp, 5, n));
    CHECK(cudaMemcpy(back.data(), rp, bytes, cudaMemcpyDeviceToHost));
    EXPECT(back[0] == 5 && back[n - 1] == 5, "cuMemsetD32 on cudaMalloc");
    printf("cudaMalloc memory in cuMemcpy/cuMemsetD32: ok\n");
    CHECK(cudaFree(rp));

    // Driver memory, runtime kernels and copies.
    CUdeviceptr d;
    CU_CHECK(cuMemAlloc(&d, bytes));
    CHECK(cudaMemcpy((void *)(uintptr_t)d, h.data(), bytes,
                     cudaMemcpyDefault));
    twice<<<(n + 255) / 256, 256>>>((int *)(uintptr_t)d, n);
    CHECK_LAUNCH();
    CHECK(cudaMemcpy(back.data(), (void *)(uintptr_t)d, bytes,
                     cudaMemcpyDefault));
    for (int i = 0; i < n; i++)
        EXPECT(back[i] == 2 * h[i], "driver memory [%d] = %d", i, back[i]);
    cudaPointerAttributes a;
    CHECK(cudaPointerGetAttributes(&a, (void *)(uintptr_t)(d + 16)));
    printf("cuMemAlloc memory seen by the runtime: type %d, device %d\n",
           (int)a.type, a.device);

    // A driver stream in a <<<>>> launch; a runtime stream in the driver.
    CUstream cs;
    CU_CHECK(cuStreamCreate(&cs, CU_STREAM_NON_BLOCKING));
    twice<<<(n + 255) / 256, 256, 0, (cudaStream_t)cs>>>((int *)(uintptr_t)d,
                                                         n);
    CHECK_LAUNCH();
    CU_CHECK(cuStreamSynchronize(cs));
    CU_CHECK(cuMemcpyDtoH(back.data(), d, bytes));
    EXPECT(back[7] == 4 * h[7], "launch on a CUstream");
    cudaStream_t rs;
    CHECK(cudaStreamCreate(&rs));
    CU_CHECK(cuMemcpyHtoDAsync(d, h.data(), bytes, (CUstream)rs));
    cudaEvent_t ev;
    CHECK(cudaEventCreate(&ev));
    CU_CHECK(cuEventRecord((CUevent)ev, (CUstream)rs));
    CHECK(cudaEventSynchronize(ev));
    CU_CHECK(cuMemcpyDtoH(back.data(), d, bytes));
    EXPECT(back[n - 1] == h[n - 1], "copy on a cudaStream_t");
    printf("streams and events across the APIs: ok\n");
    CHECK(cudaEventDestroy(ev));
    CHECK(cudaStreamDestroy(rs));
    CU_CHECK(cuStreamDestroy(cs));
    CU_CHECK(cuMemFree(d));

    // Entry points.
    void *fn = nullptr;
    cudaDriverEntryPointQueryResult q;
    CHECK(cudaGetDriverEntryPointByVersion("cuMemAlloc", &fn, 13000,
                                           cudaEnableDefault, &q));
    printf("cudaGetDriverEntryPointByVersion(cuMemAlloc): %s\n",
           q == cudaDriverEntryPointSuccess && fn ? "found" : "missing");
    typedef CUresult (*alloc_t)(CUdeviceptr *, size_t);
    typedef CUresult (*free_t)(CUdeviceptr);
    CU_CHECK(((alloc_t)fn)(&d, 4096));
    CUdriverProcAddressQueryResult cq;
    CU_CHECK(cuGetProcAddress("cuMemFree", &fn, 13000,
                              CU_GET_PROC_ADDRESS_DEFAULT, &cq));
    CU_CHECK(((free_t)fn)(d));
    CUresult e = cuGetProcAddress("cuNoSuchFunction", &fn, 13000,
                                  CU_GET_PROC_ADDRESS_DEFAULT, &cq);
    printf("unknown symbol: %s, status %d\n", cu_name(e), (int)cq);
    t.stop();
    t.report();
    return test_pass();
}
