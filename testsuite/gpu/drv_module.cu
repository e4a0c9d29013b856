// drv_module: the driver API's modules and launches.  Loads drv_kernels as
// PTX (cuModuleLoadData, cuModuleLoadDataEx with JIT options), cubin
// (cuModuleLoad from the file) and fatbin (cuModuleLoadFatBinary) and runs
// vadd from each; globals (cuModuleGetGlobal + copies + a kernel that uses
// them); a by-value struct parameter through kernelParams and through
// extra (CU_LAUNCH_PARAM_BUFFER_POINTER, laid out with cuFuncGetParamInfo);
// cuLaunchKernelEx, cuLaunchCooperativeKernel; libraries (cuLibraryLoadData,
// cuLibraryGetKernel, cuKernelGetFunction, cuLibraryGetModule); streams,
// events, memsets; error names.  Only stable facts are printed.
#include "drv_common.h"
#include "drv_kernels.h"

static const int N = 1000;

// c = a + b with f on stream s; checks every element.
static void run_vadd(CUfunction f, const char *what, CUstream s = nullptr)
{
    std::vector<float> a(N), b(N), c(N, -1.0f);
    Rng rng(7);
    for (int i = 0; i < N; i++) {
        a[i] = rng.uniform(-1, 1);
        b[i] = rng.uniform(-1, 1);
    }
    CUdeviceptr da, db, dc;
    size_t bytes = N * sizeof(float);
    CU_CHECK(cuMemAlloc(&da, bytes));
    CU_CHECK(cuMemAlloc(&db, bytes));
    CU_CHECK(cuMemAlloc(&dc, bytes));
    CU_CHECK(cuMemcpyHtoD(da, a.data(), bytes));
    CU_CHECK(cuMemcpyHtoD(db, b.data(), bytes));
    int n = N;
    void *args[] = { &da, &db, &dc, &n };
    CU_CHECK(cuLaunchKernel(f, (N + 255) / 256, 1, 1, 256, 1, 1, 0, s, args,
                            nullptr));
    if (s)
        CU_CHECK(cuStreamSynchronize(s));
    CU_CHECK(cuMemcpyDtoH(c.data(), dc, bytes));
    for (int i = 0; i < N; i++)
        EXPECT(c[i] == a[i] + b[i], "%s: c[%d] = %g, wanted %g", what, i,
               c[i], a[i] + b[i]);
    CU_CHECK(cuMemFree(da));
    CU_CHECK(cuMemFree(db));
    CU_CHECK(cuMemFree(dc));
    printf("%s: vadd of %d elements ok\n", what, N);
}

static void images()
{
    CUmodule m;
    CUfunction f;

    std::vector<char> ptx = drv_image("drv_kernels.ptx");
    CU_CHECK(cuModuleLoadData(&m, ptx.data()));
    CU_CHECK(cuModuleGetFunction(&f, m, "vadd"));
    run_vadd(f, "ptx");
    CU_CHECK(cuModuleUnload(m));

    char log[4096] = "x";
    CUjit_option opt[] = { CU_JIT_MAX_REGISTERS, CU_JIT_ERROR_LOG_BUFFER,
                           CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES };
    void *val[] = { (void *)(uintptr_t)64, log,
                    (void *)(uintptr_t)sizeof(log) };
    CU_CHECK(cuModuleLoadDataEx(&m, ptx.data(), 3, opt, val));
    CU_CHECK(cuModuleGetFunction(&f, m, "vadd"));
    run_vadd(f, "ptx with JIT options");
    CU_CHECK(cuModuleUnload(m));

    CU_CHECK(cuModuleLoad(&m, drv_path("drv_kernels.cubin").c_str()));
    CU_CHECK(cuModuleGetFunction(&f, m, "vadd"));
    run_vadd(f, "cubin file");
    CUresult e = cuModuleGetFunction(&f, m, "no_such_kernel");
    printf("missing kernel: %s\n", cu_name(e));
    CU_CHECK(cuModuleUnload(m));

    std::vector<char> fat = drv_image("drv_kernels.fatbin");
    CU_CHECK(cuModuleLoadFatBinary(&m, fat.data()));
    CU_CHECK(cuModuleGetFunction(&f, m, "vadd"));
    run_vadd(f, "fatbin");
    CU_CHECK(cuModuleUnload(m));

    e = cuModuleLoad(&m, drv_path("no_such_file.cubin").c_str());
    printf("missing file: %s\n", cu_name(e));
}

static void globals(CUmodule m)
{
    CUdeviceptr gd, gc;
    size_t bytes = 0, cbytes = 0;
    CU_CHECK(cuModuleGetGlobal(&gd, &bytes, m, "g_data"));
    CU_CHECK(cuModuleGetGlobal(&gc, &cbytes, m, "g_counter"));
    printf("globals: g_data %zu bytes, g_counter %zu bytes\n", bytes, cbytes);
    std::vector<float> h(256);
    for (int i = 0; i < 256; i++)
        h[i] = (float)i;
    int zero = 0;
    CU_CHECK(cuMemcpyHtoD(gd, h.data(), bytes));
    CU_CHECK(cuMemcpyHtoD(gc, &zero, sizeof(zero)));
    CUfunction f;
    CU_CHECK(cuModuleGetFunction(&f, m, "scale_global"));
    float s = 2.5f;
    void *args[] = { &s };
    CU_CHECK(cuLaunchKernel(f, 2, 1, 1, 128, 1, 1, 0, nullptr, args,
                            nullptr));
    CU_CHECK(cuCtxSynchronize());
    std::vector<float> back(256);
    int count = 0;
    CU_CHECK(cuMemcpyDtoH(back.data(), gd, bytes));
    CU_CHECK(cuMemcpyDtoH(&count, gc, sizeof(count)));
    for (int i = 0; i < 256; i++)
        EXPECT(back[i] == 2.5f * i, "g_data[%d] = %g", i, back[i]);
    printf("globals: scaled 256 values, counter %d\n", count);
    CUresult e = cuModuleGetGlobal(&gd, &bytes, m, "no_such_symbol");
    printf("missing global: %s\n", cu_name(e));
}

static void check_mixed(const double *out, const char *what)
{
    EXPECT(out[0] == 'q' && out[1] == 3.25 && out[2] == -7 &&
               out[3] == 6.0 && out[4] == 1e12 && out[5] == 'z' &&
               out[6] == -300,
           "%s: got %g %g %g %g %g %g %g", what, out[0], out[1], out[2],
           out[3], out[4], out[5], out[6]);
    printf("%s: struct and scalar parameters ok\n", what);
}

static void params(CUmodule m)
{
    CUfunction f;
    CU_CHECK(cuModuleGetFunction(&f, m, "mixed"));
    Mixed mx;
    memset(&mx, 0, sizeof(mx));
    mx.c = 'q';
    mx.d = 3.25;
    mx.i = -7;
    mx.f[0] = 1;
    mx.f[1] = 2;
    mx.f[2] = 3;
    long long x = 1000000000000LL;
    char y = 'z';
    short z = -300;
    CUdeviceptr dout;
    double out[7];
    CU_CHECK(cuMemAlloc(&dout, sizeof(out)));

    void *args[] = { &mx, &x, &y, &z, &dout };
    CU_CHECK(cuMemsetD8(dout, 0, sizeof(out)));
    CU_CHECK(cuLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, nullptr, args, nullptr));
    CU_CHECK(cuMemcpyDtoH(out, dout, sizeof(out)));
    check_mixed(out, "kernelParams");

    // The same through one buffer laid out as cuFuncGetParamInfo says.
    size_t off[5], size[5], end = 0;
    for (int i = 0; i < 5; i++) {
        CU_CHECK(cuFuncGetParamInfo(f, i, &off[i], &size[i]));
        end = off[i] + size[i] > end ? off[i] + size[i] : end;
    }
    printf("parameter sizes: %zu %zu %zu %zu %zu\n", size[0], size[1],
           size[2], size[3], size[4]);
    std::vector<unsigned char> buf(end, 0);
    for (int i = 0; i < 5; i++)
        memcpy(buf.data() + off[i], args[i], size[i]);
    size_t len = buf.size();
    void *extra[] = { CU_LAUNCH_PARAM_BUFFER_POINTER, buf.data(),
                      CU_LAUNCH_PARAM_BUFFER_SIZE, &len,
                      CU_LAUNCH_PARAM_END };
    CU_CHECK(cuMemsetD8(dout, 0, sizeof(out)));
    CU_CHECK(cuLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, nullptr, nullptr,
                            extra));
    CU_CHECK(cuMemcpyDtoH(out, dout, sizeof(out)));
    check_mixed(out, "extra buffer");

    // cuLaunchKernelEx with an attribute.
    CUlaunchAttribute at;
    memset(&at, 0, sizeof(at));
    at.id = CU_LAUNCH_ATTRIBUTE_PRIORITY;
    at.value.priority = 0;
    CUlaunchConfig cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.gridDimX = cfg.gridDimY = cfg.gridDimZ = 1;
    cfg.blockDimX = cfg.blockDimY = cfg.blockDimZ = 1;
    cfg.attrs = &at;
    cfg.numAttrs = 1;
    CU_CHECK(cuMemsetD8(dout, 0, sizeof(out)));
    CU_CHECK(cuLaunchKernelEx(&cfg, f, args, nullptr));
    CU_CHECK(cuMemcpyDtoH(out, dout, sizeof(out)));
    check_mixed(out, "cuLaunchKernelEx");

    CU_CHECK(cuMemsetD8(dout, 0, sizeof(out)));
    CU_CHECK(cuLaunchCooperativeKernel(f, 1, 1, 1, 1, 1, 1, 0, nullptr,
                                       args));
    CU_CHECK(cuMemcpyDtoH(out, dout, sizeof(out)));
    check_mixed(out, "cuLaunchCooperativeKernel");

    int maxt = 0;
    CU_CHECK(cuFuncGetAttribute(&maxt, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK,
                                f));
    printf("max threads per block > 0: %s\n", maxt > 0 ? "yes" : "no");
    CUresult e = cuLaunchKernel(f, 1, 1, 1, 4096, 1, 1, 0, nullptr, args,
                                nullptr);
    printf("block of 4096 threads: %s\n", cu_name(e));
    CU_CHECK(cuMemFree(dout));
}

static void library()
{
    std::vector<char> cubin = drv_image("drv_kernels.cubin");
    CUlibrary lib;
    CUkernel k;
    CUfunction f;
    CUmodule m;
    CU_CHECK(cuLibraryLoadData(&lib, cubin.data(), nullptr, nullptr, 0,
                               nullptr, nullptr, 0));
    CU_CHECK(cuLibraryGetKernel(&k, lib, "vadd"));
    CU_CHECK(cuKernelGetFunction(&f, k));
    run_vadd(f, "library kernel");
    // A CUkernel is a CUfunction for launches too.
    run_vadd((CUfunction)k, "library kernel as function");
    CU_CHECK(cuLibraryGetModule(&m, lib));
    CU_CHECK(cuModuleGetFunction(&f, m, "vadd"));
    run_vadd(f, "library module");
    unsigned count = 0;
    CU_CHECK(cuLibraryGetKernelCount(&count, lib));
    printf("library kernels: %u\n", count);
    CU_CHECK(cuLibraryUnload(lib));
}

static void streams_events(CUmodule m)
{
    CUstream s;
    CUevent a, b;
    CUfunction f;
    CU_CHECK(cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));
    CU_CHECK(cuEventCreate(&a, CU_EVENT_DEFAULT));
    CU_CHECK(cuEventCreate(&b, CU_EVENT_DEFAULT));
    CU_CHECK(cuModuleGetFunction(&f, m, "fill_u32"));
    const unsigned long long n = 1 << 20;
    CUdeviceptr d;
    CU_CHECK(cuMemAlloc(&d, n * 4));
    CU_CHECK(cuMemsetD32Async(d, 0xdeadbeefu, n, s));
    unsigned v = 100;
    CUdeviceptr p = d;
    unsigned long long nn = n;
    void *args[] = { &p, &v, &nn };
    CU_CHECK(cuEventRecord(a, s));
    CU_CHECK(cuLaunchKernel(f, 256, 1, 1, 256, 1, 1, 0, s, args, nullptr));
    CU_CHECK(cuEventRecord(b, s));
    CU_CHECK(cuEventSynchronize(b));
    float ms = -1;
    CU_CHECK(cuEventElapsedTime(&ms, a, b));
    printf("elapsed time >= 0: %s\n", ms >= 0 ? "yes" : "no");
    std::vector<unsigned> h(n);
    CU_CHECK(cuMemcpyDtoHAsync(h.data(), d, n * 4, s));
    CU_CHECK(cuStreamSynchronize(s));
    for (unsigned long long i = 0; i < n; i++)
        EXPECT(h[i] == 100 + (unsigned)i, "fill[%llu] = %u", i, h[i]);
    printf("stream: memset, fill and copy of %llu words ok\n", n);
    CU_CHECK(cuStreamQuery(s));
    CU_CHECK(cuMemFree(d));
    CU_CHECK(cuEventDestroy(a));
    CU_CHECK(cuEventDestroy(b));
    CU_CHECK(cuStreamDestroy(s));
}

int main()
{
    test_init("drv_module");
    drv_init();
    Timer t;
    t.start();
    images();
    std::vector<char> ptx = drv_image("drv_kernels.ptx");
    CUmodule m;
    CU_CHECK(cuModuleLoadData(&m, ptx.data()));
    globals(m);
    params(m);
    streams_events(m);
    CU_CHECK(cuModuleUnload(m));
    library();
    const char *s = nullptr;
    CU_CHECK(cuGetErrorName(CUDA_ERROR_INVALID_HANDLE, &s));
    printf("error name: %s\n", s);
    t.stop();
    t.report();
    return test_pass();
}
