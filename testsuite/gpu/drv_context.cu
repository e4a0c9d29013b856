// drv_context: created contexts next to the primary one.  cuCtxCreate makes
// a context current; memory, a module and launches in it; cuCtxPush/Pop
// of the primary context in between (its own allocation and copy);
// cuCtxGetCurrent/GetDevice/GetApiVersion/Synchronize; cuCtxDestroy.
#include "drv_common.h"

static void fill_and_check(CUmodule m, const char *what)
{
    const unsigned long long n = 100000;
    CUfunction f;
    CUdeviceptr d;
    CU_CHECK(cuModuleGetFunction(&f, m, "fill_u32"));
    CU_CHECK(cuMemAlloc(&d, n * 4));
    unsigned v = 7;
    unsigned long long nn = n;
    void *args[] = { &d, &v, &nn };
    CU_CHECK(cuLaunchKernel(f, 64, 1, 1, 128, 1, 1, 0, nullptr, args,
                            nullptr));
    CU_CHECK(cuCtxSynchronize());
    std::vector<unsigned> h(n);
    CU_CHECK(cuMemcpyDtoH(h.data(), d, n * 4));
    for (unsigned long long i = 0; i < n; i++)
        EXPECT(h[i] == 7 + (unsigned)i, "%s: [%llu] = %u", what, i, h[i]);
    CU_CHECK(cuMemFree(d));
    printf("%s: fill of %llu words ok\n", what, n);
}

int main()
{
    test_init("drv_context");
    CUdevice dev;
    CUcontext prim = drv_init(&dev);
    std::vector<char> ptx = drv_image("drv_kernels.ptx");
    Timer t;
    t.start();

    CUcontext ctx, cur = nullptr;
    CU_CHECK(cuCtxCreate(&ctx, nullptr, 0, dev));
    CU_CHECK(cuCtxGetCurrent(&cur));
    printf("created context is current: %s\n", cur == ctx ? "yes" : "no");
    printf("created context differs from the primary: %s\n",
           ctx != prim ? "yes" : "no");
    CUdevice d2 = -1;
    CU_CHECK(cuCtxGetDevice(&d2));
    printf("its device: %d\n", (int)d2);
    unsigned ver = 0;
    CU_CHECK(cuCtxGetApiVersion(ctx, &ver));
    printf("api version >= 3020: %s\n", ver >= 3020 ? "yes" : "no");

    CUmodule m;
    CU_CHECK(cuModuleLoadData(&m, ptx.data()));
    fill_and_check(m, "created context");

    // The primary context on top for a while.
    CU_CHECK(cuCtxPushCurrent(prim));
    CUmodule pm;
    CU_CHECK(cuModuleLoadData(&pm, ptx.data()));
    fill_and_check(pm, "primary context pushed");
    CU_CHECK(cuModuleUnload(pm));
    CUcontext popped = nullptr;
    CU_CHECK(cuCtxPopCurrent(&popped));
    printf("popped the primary: %s\n", popped == prim ? "yes" : "no");
    CU_CHECK(cuCtxGetCurrent(&cur));
    printf("created context current again: %s\n", cur == ctx ? "yes" : "no");
    fill_and_check(m, "created context again");

    CU_CHECK(cuModuleUnload(m));
    CU_CHECK(cuCtxDestroy(ctx));
    CU_CHECK(cuCtxSetCurrent(prim));
    CUmodule m2;
    CU_CHECK(cuModuleLoadData(&m2, ptx.data()));
    fill_and_check(m2, "primary after destroy");
    CU_CHECK(cuModuleUnload(m2));
    t.stop();
    t.report();
    return test_pass();
}
