// rt_library: the runtime's library loading (no driver API in the program):
// drv_kernels as cubin from a file, fatbin and PTX from memory; kernels by
// name, counted and enumerated, launched with cudaLaunchKernel and
// cudaLaunchKernelExC next to a kernel nvcc registered; a library global
// read and written with cudaMemcpy; the error names of what is missing.
#include "common.h"

#include <string>
#include <unistd.h>
#include <vector>

// Registered by nvcc in this program: both kinds of launch coexist.
__global__ void twice(float *p, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        p[i] *= 2.0f;
}

// Images are built beside this program (Makefile.gpu).
static std::string image_path(const char *file)
{
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n <= 0)
        test_fail("cannot read /proc/self/exe");
    buf[n] = '\0';
    std::string s(buf);
    return s.substr(0, s.rfind('/')) + "/" + file;
}

static std::vector<char> image(const char *file)
{
    std::string path = image_path(file);
    FILE *fp = fopen(path.c_str(), "rb");
    if (fp == nullptr)
        test_fail("cannot open %s", path.c_str());
    std::vector<char> v;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
        v.insert(v.end(), buf, buf + n);
    fclose(fp);
    v.push_back('\0'); // PTX is text
    return v;
}

static const int N = 4099;

// c = a + b with the library's vadd, then c *= 2 with our own kernel.
static void run_vadd(cudaLibrary_t lib, const char *what)
{
    cudaKernel_t k;
    CHECK(cudaLibraryGetKernel(&k, lib, "vadd"));
    std::vector<float> a(N), b(N), c(N);
    Rng rng(11);
    for (int i = 0; i < N; i++) {
        a[i] = (float)rng.range(-1000, 1000);
        b[i] = (float)rng.range(-1000, 1000);
    }
    float *da, *db, *dc;
    CHECK(cudaMalloc(&da, N * sizeof(float)));
    CHECK(cudaMalloc(&db, N * sizeof(float)));
    CHECK(cudaMalloc(&dc, N * sizeof(float)));
    CHECK(cudaMemcpy(da, a.data(), N * sizeof(float), cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(db, b.data(), N * sizeof(float), cudaMemcpyHostToDevice));
    int n = N;
    void *args[] = { &da, &db, &dc, &n };
    CHECK(cudaLaunchKernel((const void *)k, dim3((N + 255) / 256), dim3(256),
                           args, 0, nullptr));
    twice<<<(N + 127) / 128, 128>>>(dc, N);
    CHECK_LAUNCH();
    CHECK(cudaMemcpy(c.data(), dc, N * sizeof(float), cudaMemcpyDeviceToHost));
    for (int i = 0; i < N; i++)
        EXPECT(c[i] == 2.0f * (a[i] + b[i]), "%s: c[%d] = %g, want %g", what,
               i, c[i], 2.0f * (a[i] + b[i]));
    printf("%s: vadd then twice exact\n", what);
    CHECK(cudaFree(da));
    CHECK(cudaFree(db));
    CHECK(cudaFree(dc));
}

// g_data through cudaLibraryGetGlobal; scale_global on a stream through
// cudaLaunchKernelExC; g_counter counts the threads that ran.
static void globals(cudaLibrary_t lib)
{
    float *g = nullptr;
    int *counter = nullptr;
    size_t bytes = 0, cbytes = 0;
    CHECK(cudaLibraryGetGlobal((void **)&g, &bytes, lib, "g_data"));
    CHECK(cudaLibraryGetGlobal((void **)&counter, &cbytes, lib, "g_counter"));
    printf("g_data: %zu bytes, g_counter: %zu bytes\n", bytes, cbytes);
    std::vector<float> h(256), back(256);
    for (int i = 0; i < 256; i++)
        h[i] = (float)(i - 100);
    CHECK(cudaMemcpy(g, h.data(), bytes, cudaMemcpyHostToDevice));
    CHECK(cudaMemset(counter, 0, sizeof(int)));
    cudaKernel_t k;
    CHECK(cudaLibraryGetKernel(&k, lib, "scale_global"));
    cudaStream_t s;
    CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    cudaLaunchConfig_t cfg = {};
    cfg.gridDim = dim3(2);
    cfg.blockDim = dim3(128);
    cfg.stream = s;
    float f = -3.0f;
    void *args[] = { &f };
    CHECK(cudaLaunchKernelExC(&cfg, (const void *)k, args));
    CHECK(cudaStreamSynchronize(s));
    CHECK(cudaMemcpy(back.data(), g, bytes, cudaMemcpyDeviceToHost));
    int count = 0;
    CHECK(cudaMemcpy(&count, counter, sizeof(int), cudaMemcpyDeviceToHost));
    for (int i = 0; i < 256; i++)
        EXPECT(back[i] == -3.0f * h[i], "g_data[%d] = %g", i, back[i]);
    printf("scale_global: g_data exact, g_counter %d\n", count);
    CHECK(cudaStreamDestroy(s));
}

// The kernel count, and every named kernel is among the enumerated ones.
static void enumerate(cudaLibrary_t lib)
{
    unsigned count = 0;
    CHECK(cudaLibraryGetKernelCount(&count, lib));
    printf("kernels: %u\n", count);
    std::vector<cudaKernel_t> all(count);
    CHECK(cudaLibraryEnumerateKernels(all.data(), count, lib));
    const char *names[] = { "vadd", "scale_global", "mixed", "fill_u32" };
    for (const char *name : names) {
        cudaKernel_t k;
        CHECK(cudaLibraryGetKernel(&k, lib, name));
        bool found = false;
        for (cudaKernel_t e : all)
            found = found || e == k;
        printf("%s enumerated: %s\n", name, found ? "yes" : "no");
    }
}

int main()
{
    test_init("rt_library");
    warm_up();
    Timer t;
    t.start();

    cudaLibrary_t lib;
    std::string cubin = image_path("drv_kernels.cubin");
    CHECK(cudaLibraryLoadFromFile(&lib, cubin.c_str(), nullptr, nullptr, 0,
                                  nullptr, nullptr, 0));
    run_vadd(lib, "cubin file");
    globals(lib);
    enumerate(lib);
    cudaKernel_t k;
    cudaError_t e = cudaLibraryGetKernel(&k, lib, "no_such_kernel");
    printf("missing kernel: %s\n", cudaGetErrorName(e));
    void *p;
    size_t bytes;
    e = cudaLibraryGetGlobal(&p, &bytes, lib, "no_such_global");
    printf("missing global: %s\n", cudaGetErrorName(e));
    (void)cudaGetLastError();
    CHECK(cudaLibraryUnload(lib));

    std::vector<char> fatbin = image("drv_kernels.fatbin");
    CHECK(cudaLibraryLoadData(&lib, fatbin.data(), nullptr, nullptr, 0,
                              nullptr, nullptr, 0));
    run_vadd(lib, "fatbin data");
    CHECK(cudaLibraryUnload(lib));

    std::vector<char> ptx = image("drv_kernels.ptx");
    CHECK(cudaLibraryLoadData(&lib, ptx.data(), nullptr, nullptr, 0,
                              nullptr, nullptr, 0));
    run_vadd(lib, "ptx data");
    globals(lib);
    CHECK(cudaLibraryUnload(lib));

    std::string none = image_path("no_such_image.cubin");
    e = cudaLibraryLoadFromFile(&lib, none.c_str(), nullptr, nullptr, 0,
                                nullptr, nullptr, 0);
    printf("missing file: %s\n", cudaGetErrorName(e));
    (void)cudaGetLastError();
    CHECK(cudaDeviceSynchronize());
    t.stop();
    t.report();
    return test_pass();
}
