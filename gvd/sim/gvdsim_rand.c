/*
 * gvdsim_rand.c - a simulated cuRAND host API in libgvdsim.so (tests
 * only), so that `make check` drives the cuRAND marshalling end to end:
 * generators with their seed, offset, ordering, dimensions and stream,
 * and every generate call computed on the host memory behind the
 * simulated device memory.
 *
 * The numbers are not cuRAND's: a pseudo-random generator's element i is
 * splitmix64(seed, offset + i) (counter based, so offsets and successive
 * calls continue one sequence, as cuRAND's do), a quasi-random one's is
 * a van der Corput sequence per dimension.  What the tests check is what
 * cuRAND promises: ranges, moments, the same numbers for the same seed,
 * and its statuses (LENGTH_NOT_MULTIPLE, TYPE_ERROR, OUT_OF_RANGE).
 *
 * Memory a call would write outside the client's allocations fails with
 * CURAND_STATUS_LAUNCH_FAILURE, as a faulting kernel would.
 */
#include "gvdsim.h"

#include <curand.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define GEN_MAGIC 0x524e4447u

typedef struct sim_gen {
    uint32_t magic;
    curandRngType_t type;
    unsigned long long seed, offset;
    unsigned int dims;              /* quasi-random generators */
    cudaStream_t stream;
} sim_gen_t;

static sim_gen_t *gen_of(curandGenerator_t g)
{
    sim_gen_t *s = (sim_gen_t *)g;

    return s != NULL && s->magic == GEN_MAGIC ? s : NULL;
}

static int is_quasi(const sim_gen_t *g)
{
    return g->type >= CURAND_RNG_QUASI_DEFAULT &&
           g->type <= CURAND_RNG_QUASI_SCRAMBLED_SOBOL64;
}

SIM curandStatus_t curandCreateGenerator(curandGenerator_t *generator,
                                         curandRngType_t rng_type)
{
    sim_gen_t *g;

    if (generator == NULL) {
        return CURAND_STATUS_OUT_OF_RANGE;
    }
    switch (rng_type) {
    case CURAND_RNG_PSEUDO_DEFAULT:
    case CURAND_RNG_PSEUDO_XORWOW:
    case CURAND_RNG_PSEUDO_MRG32K3A:
    case CURAND_RNG_PSEUDO_MTGP32:
    case CURAND_RNG_PSEUDO_MT19937:
    case CURAND_RNG_PSEUDO_PHILOX4_32_10:
    case CURAND_RNG_QUASI_DEFAULT:
    case CURAND_RNG_QUASI_SOBOL32:
    case CURAND_RNG_QUASI_SCRAMBLED_SOBOL32:
    case CURAND_RNG_QUASI_SOBOL64:
    case CURAND_RNG_QUASI_SCRAMBLED_SOBOL64:
        break;
    default:
        return CURAND_STATUS_TYPE_ERROR;
    }
    g = calloc(1, sizeof(*g));
    if (g == NULL) {
        return CURAND_STATUS_ALLOCATION_FAILED;
    }
    g->magic = GEN_MAGIC;
    g->type = rng_type;
    g->seed = 0;
    g->dims = 1;
    *generator = (curandGenerator_t)g;
    return CURAND_STATUS_SUCCESS;
}

SIM curandStatus_t curandDestroyGenerator(curandGenerator_t generator)
{
    sim_gen_t *g = gen_of(generator);

    if (g == NULL) {
        return CURAND_STATUS_NOT_INITIALIZED;
    }
    g->magic = 0;
    free(g);
    return CURAND_STATUS_SUCCESS;
}

SIM curandStatus_t curandSetStream(curandGenerator_t generator,
                                   cudaStream_t stream)
{
    sim_gen_t *g = gen_of(generator);

    if (g == NULL) {
        return CURAND_STATUS_NOT_INITIALIZED;
    }
    if (!sim_stream_ok(stream)) {
        return CURAND_STATUS_OUT_OF_RANGE;
    }
    g->stream = stream;
    return CURAND_STATUS_SUCCESS;
}

SIM curandStatus_t curandSetPseudoRandomGeneratorSeed(
        curandGenerator_t generator, unsigned long long seed)
{
    sim_gen_t *g = gen_of(generator);

    if (g == NULL) {
        return CURAND_STATUS_NOT_INITIALIZED;
    }
    if (is_quasi(g)) {
        return CURAND_STATUS_TYPE_ERROR;
    }
    g->seed = seed;
    return CURAND_STATUS_SUCCESS;
}

SIM curandStatus_t curandSetGeneratorOffset(curandGenerator_t generator,
                                            unsigned long long offset)
{
    sim_gen_t *g = gen_of(generator);

    if (g == NULL) {
        return CURAND_STATUS_NOT_INITIALIZED;
    }
    g->offset = offset;
    return CURAND_STATUS_SUCCESS;
}

SIM curandStatus_t curandSetGeneratorOrdering(curandGenerator_t generator,
                                              curandOrdering_t order)
{
    sim_gen_t *g = gen_of(generator);

    if (g == NULL) {
        return CURAND_STATUS_NOT_INITIALIZED;
    }
    if (is_quasi(g) ? order != CURAND_ORDERING_QUASI_DEFAULT
                    : order == CURAND_ORDERING_QUASI_DEFAULT) {
        return CURAND_STATUS_OUT_OF_RANGE;
    }
    return CURAND_STATUS_SUCCESS;
}

SIM curandStatus_t curandSetQuasiRandomGeneratorDimensions(
        curandGenerator_t generator, unsigned int num_dimensions)
{
    sim_gen_t *g = gen_of(generator);

    if (g == NULL) {
        return CURAND_STATUS_NOT_INITIALIZED;
    }
    if (!is_quasi(g)) {
        return CURAND_STATUS_TYPE_ERROR;
    }
    if (num_dimensions < 1 || num_dimensions > 20000) {
        return CURAND_STATUS_OUT_OF_RANGE;
    }
    g->dims = num_dimensions;
    return CURAND_STATUS_SUCCESS;
}

SIM curandStatus_t curandGenerateSeeds(curandGenerator_t generator)
{
    return gen_of(generator) == NULL ? CURAND_STATUS_NOT_INITIALIZED
                                     : CURAND_STATUS_SUCCESS;
}

/* ---- the numbers --------------------------------------------------------- */

static uint64_t splitmix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* 64 random bits: element i of g's sequence.  Quasi-random: element i
 * is point i / dims of dimension i % dims (dimension-major blocks are
 * cuRAND's layout; the per-point order is enough for the tests), the
 * bits of the radical inverse in base 2, scrambled per dimension. */
static uint64_t bits_at(const sim_gen_t *g, uint64_t i)
{
    uint64_t point, dim, r = 0;

    if (!is_quasi(g)) {
        return splitmix64(g->seed ^ splitmix64(i));
    }
    point = i / g->dims + 1;
    dim = i % g->dims;
    for (int b = 0; b < 64; b++) {
        r = (r << 1) | ((point >> b) & 1);
    }
    return r ^ (dim * 0x5851f42d4c957f2dull >> 20);
}

/* A float in (0, 1] and a double in (0, 1], as cuRAND's ranges. */
static float unit_f(uint64_t x)
{
    return ((float)(x >> 40) + 1.0f) / 16777216.0f;
}

static double unit_d(uint64_t x)
{
    return ((double)(x >> 11) + 1.0) / 9007199254740992.0;
}

/* Where n elements of elem bytes at device pointer out live on the host,
 * or NULL when they are not inside one allocation. */
static void *host_span(const void *out, size_t n, size_t elem)
{
    if (out == NULL || n > SIZE_MAX / elem ||
        sim_find(out, n * elem) == NULL) {
        return NULL;
    }
    return sim_host_of(out);
}

/* A Poisson number of mean lambda from the bits x: by multiplication
 * of uniforms (Knuth) for the small lambdas of the tests, a rounded
 * normal for lambda > 64 (bounded time per number: a fuzzed lambda must
 * not stall the worker). */
static unsigned int poisson(double lambda, uint64_t x)
{
    double lim, p, z;
    unsigned int c = 0;

    if (lambda > 64.0) {
        z = sqrt(-2.0 * log(unit_d(x))) *
            cos(6.283185307179586 * unit_d(splitmix64(x)));
        z = floor(lambda + sqrt(lambda) * z + 0.5);
        return z <= 0.0 ? 0u : z >= 4294967295.0 ? 4294967295u
                                                   : (unsigned int)z;
    }
    lim = exp(-lambda);
    p = unit_d(x);
    while (p > lim) {
        x = splitmix64(x);
        p *= unit_d(x);
        c++;
    }
    return c;
}

enum { K_U32, K_U64, K_UF, K_UD, K_NF, K_ND, K_LNF, K_LND, K_POIS };

/* Fill out with n numbers of kind k; mean/sd or lambda as k needs. */
static curandStatus_t generate(curandGenerator_t generator, void *out,
                               size_t n, int k, double mean, double sd)
{
    static const size_t elem[] = { 4, 8, 4, 8, 4, 8, 4, 8, 4 };
    sim_gen_t *g = gen_of(generator);
    void *h;

    if (g == NULL) {
        return CURAND_STATUS_NOT_INITIALIZED;
    }
    if (is_quasi(g) && n % g->dims != 0) {
        return CURAND_STATUS_LENGTH_NOT_MULTIPLE;
    }
    if (!is_quasi(g) && k >= K_NF && k <= K_LND && n % 2 != 0) {
        return CURAND_STATUS_LENGTH_NOT_MULTIPLE;   /* pairs: Box-Muller */
    }
    if ((k == K_U64) != (g->type == CURAND_RNG_QUASI_SOBOL64 ||
                         g->type == CURAND_RNG_QUASI_SCRAMBLED_SOBOL64) &&
        (k == K_U32 || k == K_U64)) {
        return CURAND_STATUS_TYPE_ERROR;
    }
    if (k == K_POIS && !(mean > 0.0)) {
        return CURAND_STATUS_OUT_OF_RANGE;
    }
    h = host_span(out, n, elem[k]);
    if (h == NULL) {
        return CURAND_STATUS_LAUNCH_FAILURE;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t idx = g->offset + i, x = bits_at(g, idx);
        double z = 0.0;

        if (k >= K_NF && k <= K_LND) {
            /* Box-Muller on the pair (2j, 2j+1) this element is in;
             * pseudo-random bits for quasi-random generators too (a
             * radical inverse's pairs are far from independent). */
            uint64_t a = splitmix64(g->seed ^ splitmix64(idx & ~1ull));
            uint64_t b = splitmix64(g->seed ^ splitmix64(idx | 1));
            double r = sqrt(-2.0 * log(unit_d(a)));
            double t = 6.283185307179586 * unit_d(b);

            z = mean + sd * ((idx & 1) ? r * sin(t) : r * cos(t));
        }
        switch (k) {
        case K_U32:
            ((unsigned int *)h)[i] = (unsigned int)(x >> 32);
            break;
        case K_U64:
            ((unsigned long long *)h)[i] = x;
            break;
        case K_UF:
            ((float *)h)[i] = unit_f(x);
            break;
        case K_UD:
            ((double *)h)[i] = unit_d(x);
            break;
        case K_NF:
            ((float *)h)[i] = (float)z;
            break;
        case K_ND:
            ((double *)h)[i] = z;
            break;
        case K_LNF:
            ((float *)h)[i] = (float)exp(z);
            break;
        case K_LND:
            ((double *)h)[i] = exp(z);
            break;
        default:
            ((unsigned int *)h)[i] = poisson(mean, x);
            break;
        }
    }
    g->offset += n;
    return CURAND_STATUS_SUCCESS;
}

SIM curandStatus_t curandGenerate(curandGenerator_t generator,
                                  unsigned int *outputPtr, size_t num)
{
    return generate(generator, outputPtr, num, K_U32, 0, 0);
}

SIM curandStatus_t curandGenerateLongLong(curandGenerator_t generator,
                                          unsigned long long *outputPtr,
                                          size_t num)
{
    return generate(generator, outputPtr, num, K_U64, 0, 0);
}

SIM curandStatus_t curandGenerateUniform(curandGenerator_t generator,
                                         float *outputPtr, size_t num)
{
    return generate(generator, outputPtr, num, K_UF, 0, 0);
}

SIM curandStatus_t curandGenerateUniformDouble(curandGenerator_t generator,
                                               double *outputPtr, size_t num)
{
    return generate(generator, outputPtr, num, K_UD, 0, 0);
}

SIM curandStatus_t curandGenerateNormal(curandGenerator_t generator,
                                        float *outputPtr, size_t n,
                                        float mean, float stddev)
{
    return generate(generator, outputPtr, n, K_NF, mean, stddev);
}

SIM curandStatus_t curandGenerateNormalDouble(curandGenerator_t generator,
                                              double *outputPtr, size_t n,
                                              double mean, double stddev)
{
    return generate(generator, outputPtr, n, K_ND, mean, stddev);
}

SIM curandStatus_t curandGenerateLogNormal(curandGenerator_t generator,
                                           float *outputPtr, size_t n,
                                           float mean, float stddev)
{
    return generate(generator, outputPtr, n, K_LNF, mean, stddev);
}

SIM curandStatus_t curandGenerateLogNormalDouble(curandGenerator_t generator,
                                                 double *outputPtr, size_t n,
                                                 double mean, double stddev)
{
    return generate(generator, outputPtr, n, K_LND, mean, stddev);
}

SIM curandStatus_t curandGeneratePoisson(curandGenerator_t generator,
                                         unsigned int *outputPtr, size_t n,
                                         double lambda)
{
    return generate(generator, outputPtr, n, K_POIS, lambda, 0);
}
