// common.h: small helpers shared by every GPU test program.
// CHECK() turns any CUDA error into "FAIL <name>: ..." and exit 1; Rng makes
// reproducible inputs; Timer prints "TIME <name> <us>" on stderr.
#pragma once

#include <cuda_runtime.h>

#include <dlfcn.h>

#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

static const char *g_test_name = "unnamed";

static inline void test_init(const char *name)
{
    g_test_name = name;
}

// Print "FAIL <name>: <message>" on stdout and exit with status 1.
[[noreturn]] __attribute__((format(printf, 1, 2)))
static void test_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("FAIL %s: ", g_test_name);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
    exit(1);
}

static inline int test_pass()
{
    printf("PASS %s\n", g_test_name);
    fflush(stdout);
    return 0;
}

// Every CUDA call goes through CHECK: the line number and the error name
// make a failure readable and deterministic.
#define CHECK(call)                                                        \
    do {                                                                   \
        cudaError_t e_ = (call);                                           \
        if (e_ != cudaSuccess)                                             \
            test_fail("line %d: %s returned %s", __LINE__, #call,          \
                      cudaGetErrorName(e_));                               \
    } while (0)

// After a <<<>>> launch: configuration errors show up here.
#define CHECK_LAUNCH() CHECK(cudaGetLastError())

#define EXPECT(cond, ...)                                                  \
    do {                                                                   \
        if (!(cond))                                                       \
            test_fail(__VA_ARGS__);                                        \
    } while (0)

// xorshift64*: fast, reproducible, good enough for test data.
struct Rng {
    uint64_t s;
    explicit Rng(uint64_t seed) : s(seed ? seed : 0x9E3779B97F4A7C15ULL) {}
    uint64_t next()
    {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        return s * 2685821657736338717ULL;
    }
    uint32_t u32() { return (uint32_t)(next() >> 32); }
    // Uniform in [lo, hi).
    float uniform(float lo, float hi)
    {
        return lo + (hi - lo) * ((u32() >> 8) * (1.0f / 16777216.0f));
    }
    int range(int lo, int hi) { return lo + (int)(u32() % (uint32_t)(hi - lo)); }
};

// Wall-clock timer for the main work of a program (after warm-up).
struct Timer {
    std::chrono::steady_clock::time_point t0, t1;
    void start() { t0 = std::chrono::steady_clock::now(); }
    void stop() { t1 = std::chrono::steady_clock::now(); }
    long long us() const
    {
        return (long long)std::chrono::duration_cast<
                   std::chrono::microseconds>(t1 - t0).count();
    }
    void report() const { report_time(us()); }
    static void report_time(long long us)
    {
        fprintf(stderr, "TIME %s %lld\n", g_test_name, us);
    }
};

// CUDA 13.0 (driver 580, H100) answers an invalid launch configuration with
// cudaErrorInvalidValue; older runtimes said cudaErrorInvalidConfiguration.
// Programs accept both and print the name, so the comparison with a native
// run still pins the exact code down.
static inline bool is_launch_config_error(cudaError_t e)
{
    return e == cudaErrorInvalidConfiguration || e == cudaErrorInvalidValue;
}

// FNV-1a over bytes: a checksum that is easy to reproduce anywhere.
static inline uint64_t fnv1a(const void *p, size_t n, uint64_t h = 1469598103934665603ULL)
{
    const unsigned char *b = (const unsigned char *)p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 1099511628211ULL;
    }
    return h;
}

// |a - b| <= atol + rtol * |b|
static inline bool close_enough(double a, double b, double rtol, double atol)
{
    return std::fabs(a - b) <= atol + rtol * std::fabs(b);
}

// Create the context (and load nothing else) so timings exclude it.
static inline void warm_up()
{
    CHECK(cudaFree(0));
}

// The library that defines sym must be gvirtus's when GVIRTUS_SERVERS is
// set (the gvirtus run of run-suite.sh) and NVIDIA's otherwise: a library
// found elsewhere (NVIDIA's cuBLAS loaded in a gvirtus run would run
// locally on a GPU host) fails the program instead of passing unremoted.
// gvirtus's libraries depend on libgvirtus, which defines gvf_init.
// Prints "LIB <sym> <path>" on stderr.
static inline void expect_library(const char *sym)
{
    Dl_info info;
    void *fn = dlsym(RTLD_DEFAULT, sym), *h;
    bool ours, want = getenv("GVIRTUS_SERVERS") != NULL;

    if (fn == NULL || dladdr(fn, &info) == 0 || info.dli_fname == NULL)
        test_fail("no library defines %s", sym);
    h = dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD);
    ours = h != NULL && dlsym(h, "gvf_init") != NULL;
    if (h != NULL)
        dlclose(h);
    fprintf(stderr, "LIB %s %s\n", sym, info.dli_fname);
    if (ours != want)
        test_fail("%s comes from %s's library, wanted %s's", sym,
                  ours ? "gvirtus" : "NVIDIA", want ? "gvirtus" : "NVIDIA");
}

