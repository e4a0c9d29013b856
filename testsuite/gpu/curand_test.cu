// curand_test: cuRAND's host API through gvirtus: Philox, XORWOW and
// Sobol (32 and 64 bit) generators on a stream of ours; uniform, normal
// and log-normal numbers in float and double, Poisson and raw 32/64-bit
// ones, each checked by range, mean and variance bounds, and by the
// same seed (or offset) giving bit-identical numbers twice.  stdout: the
// moments rounded and an FNV-1a checksum of each batch (deterministic:
// the same library on the same GPU), so native and gvirtus runs compare.
#include "common.h"

#include <curand.h>

#include <vector>

#define RAND(call)                                                         \
    do {                                                                   \
        curandStatus_t s_ = (call);                                        \
        if (s_ != CURAND_STATUS_SUCCESS)                                   \
            test_fail("line %d: %s returned %d", __LINE__, #call,          \
                      (int)s_);                                            \
    } while (0)

static const size_t N = 1 << 20;

enum Kind { U32, U64, UF, UD, NF, ND, LNF, LND, POIS };
static const char *kind_name[] = {
    "u32", "u64", "uniform", "uniform_double", "normal", "normal_double",
    "lognormal", "lognormal_double", "poisson"};

// Generate N numbers of kind k into d; copy back as doubles, and the
// bytes' checksum.
static uint64_t generate(curandGenerator_t g, void *d, Kind k,
                         std::vector<double> &out)
{
    size_t esz = (k == U64 || k == UD || k == ND || k == LND) ? 8 : 4;
    std::vector<unsigned char> h(N * esz);
    float *f = (float *)d;
    double *x = (double *)d;
    unsigned int *u = (unsigned int *)d;
    switch (k) {
    case U32: RAND(curandGenerate(g, u, N)); break;
    case U64:
        RAND(curandGenerateLongLong(g, (unsigned long long *)d, N));
        break;
    case UF: RAND(curandGenerateUniform(g, f, N)); break;
    case UD: RAND(curandGenerateUniformDouble(g, x, N)); break;
    case NF: RAND(curandGenerateNormal(g, f, N, 2.0f, 3.0f)); break;
    case ND: RAND(curandGenerateNormalDouble(g, x, N, -1.0, 0.5)); break;
    case LNF: RAND(curandGenerateLogNormal(g, f, N, 0.0f, 0.25f)); break;
    case LND: RAND(curandGenerateLogNormalDouble(g, x, N, 0.0, 0.25)); break;
    case POIS: RAND(curandGeneratePoisson(g, u, N, 4.0)); break;
    }
    CHECK(cudaMemcpy(h.data(), d, h.size(), cudaMemcpyDeviceToHost));
    out.resize(N);
    for (size_t i = 0; i < N; i++) {
        const unsigned char *p = &h[i * esz];
        unsigned int vu;
        unsigned long long vl;
        float vf;
        double vd;
        switch (k) {
        case U32: case POIS: memcpy(&vu, p, 4); out[i] = vu; break;
        case U64: memcpy(&vl, p, 8); out[i] = (double)vl; break;
        case UF: case NF: case LNF: memcpy(&vf, p, 4); out[i] = vf; break;
        default: memcpy(&vd, p, 8); out[i] = vd; break;
        }
    }
    return fnv1a(h.data(), h.size());
}

// Expected mean and variance of kind k (raw integers: of the value
// scaled to [0, 1)).
static void expected(Kind k, double *m, double *v)
{
    double s2 = 0.25 * 0.25;
    switch (k) {
    case U32: case U64: case UF: case UD: *m = 0.5; *v = 1.0 / 12; break;
    case NF: *m = 2.0; *v = 9.0; break;
    case ND: *m = -1.0; *v = 0.25; break;
    case LNF: case LND:
        *m = std::exp(s2 / 2);
        *v = (std::exp(s2) - 1) * std::exp(s2);
        break;
    case POIS: *m = 4.0; *v = 4.0; break;
    }
}

// Check one batch: range, mean and variance within 1% of the scale.
static void check_batch(const char *gen, Kind k, const std::vector<double> &x)
{
    double scale = k == U32   ? 4294967296.0
                   : k == U64 ? 18446744073709551616.0
                              : 1.0;
    double m = 0, v = 0, em = 0, ev = 0;
    for (double a : x) {
        double y = a / scale;
        if ((k == UF || k == UD) && !(y > 0.0 && y <= 1.0))
            test_fail("%s %s: %g outside (0, 1]", gen, kind_name[k], y);
        if ((k == LNF || k == LND || k == POIS) && !(y >= 0.0))
            test_fail("%s %s: %g negative", gen, kind_name[k], y);
        m += y;
    }
    m /= (double)x.size();
    for (double a : x)
        v += (a / scale - m) * (a / scale - m);
    v /= (double)(x.size() - 1);
    expected(k, &em, &ev);
    EXPECT(std::fabs(m - em) <= 0.01 * (1 + std::fabs(em)) &&
               std::fabs(v - ev) <= 0.02 * (1 + ev),
           "%s %s: mean %g variance %g, expected %g %g", gen, kind_name[k],
           m, v, em, ev);
    printf("%-8s %-17s mean %8.3f variance %8.3f\n", gen, kind_name[k], m,
           v);
}

struct Gen {
    const char *name;
    curandRngType_t type;
    bool quasi;
};

static void run(const Gen &G, void *d, cudaStream_t stream)
{
    curandGenerator_t g;
    RAND(curandCreateGenerator(&g, G.type));
    RAND(curandSetStream(g, stream));
    std::vector<Kind> kinds;
    if (G.type == CURAND_RNG_QUASI_SOBOL64)
        kinds = {U64, UD, ND};
    else if (G.quasi)
        kinds = {U32, UF, UD, NF, ND};
    else
        kinds = {U32, UF, UD, NF, ND, LNF, LND, POIS};
    if (G.quasi) {
        RAND(curandSetQuasiRandomGeneratorDimensions(g, 4));
        // N / 4 points of 4 dimensions; not a multiple of 4: refused.
        // The status goes to stdout, compared with the native run's.
        curandStatus_t s = curandGenerateUniform(g, (float *)d, 6);
        printf("%s: 6 numbers of 4 dimensions: status %d\n", G.name, (int)s);
    } else {
        // An odd count of normals: refused by some generators, not by
        // Philox on the H100 (the documentation says all refuse it).
        curandStatus_t s = curandGenerateNormal(g, (float *)d, 3, 0.0f, 1.0f);
        printf("%s: 3 normals: status %d\n", G.name, (int)s);
    }
    std::vector<double> a, b;
    for (Kind k : kinds) {
        if (!G.quasi)
            RAND(curandSetPseudoRandomGeneratorSeed(g, 20261125ULL));
        RAND(curandSetGeneratorOffset(g, 0));
        uint64_t h1 = generate(g, d, k, a);
        check_batch(G.name, k, a);
        if (!G.quasi)
            RAND(curandSetPseudoRandomGeneratorSeed(g, 20261125ULL));
        RAND(curandSetGeneratorOffset(g, 0));
        uint64_t h2 = generate(g, d, k, b);
        EXPECT(h1 == h2 && a == b, "%s %s: the same seed gave other numbers",
               G.name, kind_name[k]);
        // The next batch continues the sequence: other numbers.
        uint64_t h3 = generate(g, d, k, b);
        EXPECT(h3 != h1, "%s %s: the sequence repeated", G.name,
               kind_name[k]);
        printf("%-8s %-17s checksum %016llx\n", G.name, kind_name[k],
               (unsigned long long)h1);
    }
    RAND(curandDestroyGenerator(g));
}

int main()
{
    test_init("curand_test");
    warm_up();
    expect_library("curandCreateGenerator");
    int v = 0;
    RAND(curandGetVersion(&v));
    EXPECT(v / 1000 == CURAND_VER_MAJOR, "cuRAND version %d", v);
    const Gen gens[] = {
        {"philox", CURAND_RNG_PSEUDO_PHILOX4_32_10, false},
        {"xorwow", CURAND_RNG_PSEUDO_XORWOW, false},
        {"sobol32", CURAND_RNG_QUASI_SOBOL32, true},
        {"sobol64", CURAND_RNG_QUASI_SOBOL64, true},
    };
    void *d;
    cudaStream_t stream;
    CHECK(cudaMalloc(&d, N * sizeof(double)));
    CHECK(cudaStreamCreate(&stream));
    Timer t;
    t.start();
    for (const Gen &G : gens)
        run(G, d, stream);
    t.stop();
    t.report();
    CHECK(cudaStreamDestroy(stream));
    CHECK(cudaFree(d));
    return test_pass();
}
