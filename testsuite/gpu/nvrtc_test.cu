// nvrtc_test: NVRTC through gvirtus: a templated kernel with an
// included header compiled at run time (options, name expressions),
// once to a CUBIN for this GPU and once to PTX, each loaded with
// cuModuleLoadData, its instances found by their lowered names and
// launched with cuLaunchKernel (float and double), results exact
// against the CPU.  Also: version, supported architectures, the log of
// a failed compilation.  stdout: the lowered names and yes/no facts.
#include "drv_common.h"

#include <nvrtc.h>

#include <string>
#include <vector>

#define RTC(call)                                                          \
    do {                                                                   \
        nvrtcResult r_ = (call);                                           \
        if (r_ != NVRTC_SUCCESS)                                           \
            test_fail("line %d: %s returned %s", __LINE__, #call,          \
                      nvrtcGetErrorString(r_));                            \
    } while (0)

static const char *kSource =
    "#include \"offset.h\"\n"
    "template <typename T>\n"
    "__global__ void axpy(T a, const T *x, T *y, int n)\n"
    "{\n"
    "    int i = blockIdx.x * blockDim.x + threadIdx.x;\n"
    "    if (i < n)\n"
    "        y[i] = a * x[i] + y[i] + (T)OFFSET + (T)EXTRA;\n"
    "}\n";
static const char *kHeader = "#define OFFSET 1\n";
static const char *kExprs[] = {"axpy<float>", "axpy<double>"};

static std::string log_of(nvrtcProgram p)
{
    size_t n = 0;
    RTC(nvrtcGetProgramLogSize(p, &n));
    std::string s(n, '\0');
    RTC(nvrtcGetProgramLog(p, &s[0]));
    return s;
}

// Compile kSource for arch ("sm_90": CUBIN, "compute_90": PTX); the
// image and the lowered names of kExprs.
static std::vector<char> compile(const std::string &arch, bool cubin,
                                 std::vector<std::string> &lowered)
{
    nvrtcProgram p;
    const char *hdrs[] = {kHeader};
    const char *incs[] = {"offset.h"};
    RTC(nvrtcCreateProgram(&p, kSource, "axpy.cu", 1, hdrs, incs));
    for (const char *e : kExprs)
        RTC(nvrtcAddNameExpression(p, e));
    std::string a = "--gpu-architecture=" + arch;
    const char *opts[] = {a.c_str(), "-DEXTRA=2", "--std=c++17"};
    nvrtcResult r = nvrtcCompileProgram(p, 3, opts);
    if (r != NVRTC_SUCCESS)
        test_fail("compile for %s: %s\n%s", arch.c_str(),
                  nvrtcGetErrorString(r), log_of(p).c_str());
    size_t n = 0;
    std::vector<char> img;
    if (cubin) {
        RTC(nvrtcGetCUBINSize(p, &n));
        img.resize(n);
        RTC(nvrtcGetCUBIN(p, img.data()));
    } else {
        RTC(nvrtcGetPTXSize(p, &n));
        img.resize(n);
        RTC(nvrtcGetPTX(p, img.data()));
        EXPECT(n > 0 && img[n - 1] == '\0', "PTX not NUL-terminated");
        EXPECT(strstr(img.data(), ".entry") != nullptr, "no .entry in PTX");
    }
    EXPECT(n > 0, "empty image for %s", arch.c_str());
    lowered.clear();
    for (const char *e : kExprs) {
        const char *name = nullptr;
        RTC(nvrtcGetLoweredName(p, e, &name));
        lowered.push_back(name);
    }
    // The names stay valid until the program goes.
    const char *again = nullptr;
    RTC(nvrtcGetLoweredName(p, kExprs[0], &again));
    EXPECT(lowered[0] == again, "lowered name changed");
    RTC(nvrtcDestroyProgram(&p));
    EXPECT(p == nullptr, "program not cleared");
    return img;
}

template <typename T>
static void run(CUmodule m, const std::string &name, const char *what)
{
    const int n = 100003;
    CUfunction f;
    CU_CHECK(cuModuleGetFunction(&f, m, name.c_str()));
    std::vector<T> x(n), y(n), want(n);
    Rng rng(7);
    for (int i = 0; i < n; i++) {
        x[i] = (T)rng.range(-64, 64) / 4;
        y[i] = (T)rng.range(-64, 64) / 8;
        want[i] = (T)3 * x[i] + y[i] + (T)1 + (T)2;
    }
    T *dx, *dy;
    CHECK(cudaMalloc(&dx, n * sizeof(T)));
    CHECK(cudaMalloc(&dy, n * sizeof(T)));
    CHECK(cudaMemcpy(dx, x.data(), n * sizeof(T), cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(dy, y.data(), n * sizeof(T), cudaMemcpyHostToDevice));
    T a = 3;
    int nn = n;
    void *args[] = {&a, &dx, &dy, &nn};
    CU_CHECK(cuLaunchKernel(f, (n + 255) / 256, 1, 1, 256, 1, 1, 0, nullptr,
                            args, nullptr));
    CU_CHECK(cuCtxSynchronize());
    CHECK(cudaMemcpy(y.data(), dy, n * sizeof(T), cudaMemcpyDeviceToHost));
    int bad = 0;
    for (int i = 0; i < n; i++)
        bad += y[i] != want[i];
    EXPECT(bad == 0, "%s %s: %d of %d wrong", what, name.c_str(), bad, n);
    printf("%s %s: %d elements exact\n", what, name.c_str(), n);
    CHECK(cudaFree(dx));
    CHECK(cudaFree(dy));
}

int main()
{
    test_init("nvrtc_test");
    warm_up();
    expect_library("nvrtcCreateProgram");
    CU_CHECK(cuInit(0));
    int major = 0, minor = 0;
    RTC(nvrtcVersion(&major, &minor));
    EXPECT(major >= 13, "NVRTC %d.%d", major, minor);
    cudaDeviceProp prop;
    CHECK(cudaGetDeviceProperties(&prop, 0));
    int sm = prop.major * 10 + prop.minor, na = 0;
    RTC(nvrtcGetNumSupportedArchs(&na));
    std::vector<int> archs(na);
    RTC(nvrtcGetSupportedArchs(archs.data()));
    bool found = false;
    for (int v : archs)
        found |= v == sm;
    EXPECT(found, "sm_%d not among NVRTC's %d architectures", sm, na);
    printf("this GPU among NVRTC's architectures: yes\n");

    Timer t;
    t.start();
    std::vector<std::string> lowered;
    const char *kinds[] = {"cubin", "ptx"};
    for (int k = 0; k < 2; k++) {
        std::string arch = (k == 0 ? "sm_" : "compute_") + std::to_string(sm);
        std::vector<char> img = compile(arch, k == 0, lowered);
        for (size_t i = 0; i < lowered.size(); i++)
            printf("%s: %s lowered to %s\n", kinds[k], kExprs[i],
                   lowered[i].c_str());
        CUmodule m;
        CU_CHECK(cuModuleLoadData(&m, img.data()));
        run<float>(m, lowered[0], kinds[k]);
        run<double>(m, lowered[1], kinds[k]);
        CU_CHECK(cuModuleUnload(m));
    }
    t.stop();
    t.report();

    // A failed compilation: its status, and a log that says where.
    nvrtcProgram p;
    RTC(nvrtcCreateProgram(&p, "__global__ void k() { undeclared(); }\n",
                           "bad.cu", 0, nullptr, nullptr));
    nvrtcResult r = nvrtcCompileProgram(p, 0, nullptr);
    printf("bad program: %s\n", nvrtcGetErrorString(r));
    EXPECT(r == NVRTC_ERROR_COMPILATION, "a bad program compiled");
    std::string log = log_of(p);
    printf("its log names bad.cu: %s\n",
           log.find("bad.cu") != std::string::npos ? "yes" : "no");
    RTC(nvrtcDestroyProgram(&p));
    return test_pass();
}
