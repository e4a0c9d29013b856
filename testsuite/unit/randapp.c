/*
 * randapp.c - a cuRAND host API program (no kernels of its own), linked
 * against our libcurand.so.10 and libcudart.so.13.  Driven by
 * test_gvd_rand.c against gvd's simulated device, whose cuRAND computes
 * its numbers on the host (gvd/sim/gvdsim_rand.c).
 *
 *   randapp MODE
 *
 * Each mode prints "OK MODE" and exits 0 when every result was right; a
 * failure prints one line saying what differed.  The simulator's numbers
 * are not cuRAND's: what is checked is what cuRAND promises (ranges,
 * moments within loose bounds, the same numbers for the same seed, the
 * continuation of a sequence, its statuses).
 */
#include "libapp.h"

#include <cuda_runtime_api.h>
#include <curand.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ST(call, want) LIBAPP_EXPECT_NUM(curandStatus_t, call, want)

#define OK(call) ST(call, CURAND_STATUS_SUCCESS)

#define N 4096

/* Generators, streams, seeds, versions; forged, stale and NULL records
 * refused on the client; unsupported exports. */
static int mode_gens(void)
{
    curandGenerator_t g, q;
    cudaStream_t s;
    unsigned int *d;
    int v;
    long fake = 0;

    OK(curandGetVersion(&v));
    TRUE(v == CURAND_VERSION);
    OK(curandGetProperty(MAJOR_VERSION, &v));
    TRUE(v == CURAND_VER_MAJOR);
    ST(curandGetProperty(MAJOR_VERSION, NULL), CURAND_STATUS_OUT_OF_RANGE);

    OK(curandCreateGenerator(&g, CURAND_RNG_PSEUDO_PHILOX4_32_10));
    OK(curandCreateGenerator(&q, CURAND_RNG_QUASI_SOBOL32));
    TRUE(g != q);
    ST(curandCreateGenerator(&g, (curandRngType_t)12345),
       CURAND_STATUS_TYPE_ERROR);
    CHECK(cudaStreamCreate(&s));
    OK(curandSetStream(g, s));
    OK(curandSetPseudoRandomGeneratorSeed(g, 1234ull));
    OK(curandSetGeneratorOffset(g, 0));
    OK(curandSetGeneratorOrdering(g, CURAND_ORDERING_PSEUDO_DEFAULT));
    OK(curandGenerateSeeds(g));
    /* cuRAND's own answers, from the worker. */
    ST(curandSetPseudoRandomGeneratorSeed(q, 1), CURAND_STATUS_TYPE_ERROR);
    ST(curandSetQuasiRandomGeneratorDimensions(g, 2),
       CURAND_STATUS_TYPE_ERROR);
    OK(curandSetQuasiRandomGeneratorDimensions(q, 3));
    CHECK(cudaMalloc((void **)&d, N * sizeof(*d)));
    ST(curandGenerate(q, d, 100), CURAND_STATUS_LENGTH_NOT_MULTIPLE);
    OK(curandGenerate(q, d, 99));
    /* Memory not the client's, or a range past its allocation: refused
     * by the worker before cuRAND sees it. */
    ST(curandGenerate(g, (unsigned int *)(uintptr_t)0xdead0000, 16),
       CURAND_STATUS_OUT_OF_RANGE);
    ST(curandGenerate(g, d, N + 1), CURAND_STATUS_OUT_OF_RANGE);
    ST(curandGenerate(g, d, SIZE_MAX / 2), CURAND_STATUS_OUT_OF_RANGE);

    /* Forged, wrong-kind, NULL and stale records: refused here. */
    ST(curandSetStream((curandGenerator_t)&fake, NULL),
       CURAND_STATUS_NOT_INITIALIZED);
    ST(curandSetStream((curandGenerator_t)s, NULL),
       CURAND_STATUS_NOT_INITIALIZED);
    ST(curandGenerate(NULL, d, 16), CURAND_STATUS_NOT_INITIALIZED);
    OK(curandDestroyGenerator(q));
    ST(curandGenerate(q, d, 3), CURAND_STATUS_NOT_INITIALIZED);
    ST(curandDestroyGenerator(q), CURAND_STATUS_NOT_INITIALIZED);
    /* Exports gvirtus does not remote. */
    ST(curandCreateGeneratorHost(&q, CURAND_RNG_PSEUDO_DEFAULT),
       CURAND_STATUS_ARCH_MISMATCH);
    ST(curandGetScrambleConstants32(NULL), CURAND_STATUS_ARCH_MISMATCH);
    OK(curandSetStream(g, NULL));
    OK(curandDestroyGenerator(g));
    CHECK(cudaStreamDestroy(s));
    CHECK(cudaFree(d));
    CHECK(cudaDeviceSynchronize());
    return 0;
}

/* Mean and variance of n doubles. */
static void moments(const double *x, size_t n, double *mean_p, double *var_p)
{
    double m = 0.0, v = 0.0;

    for (size_t i = 0; i < n; i++) {
        m += x[i];
    }
    m /= (double)n;
    for (size_t i = 0; i < n; i++) {
        v += (x[i] - m) * (x[i] - m);
    }
    *mean_p = m;
    *var_p = v / (double)(n - 1);
}

/* Generate N numbers of kind k with g into d and back as doubles. */
static void gen(curandGenerator_t g, void *d, int k, double *out)
{
    float f[N];
    double x[N];
    unsigned int u[N];

    switch (k) {
    case 0:
        OK(curandGenerateUniform(g, (float *)d, N));
        break;
    case 1:
        OK(curandGenerateUniformDouble(g, (double *)d, N));
        break;
    case 2:
        OK(curandGenerateNormal(g, (float *)d, N, 2.0f, 3.0f));
        break;
    case 3:
        OK(curandGenerateNormalDouble(g, (double *)d, N, -1.0, 0.5));
        break;
    case 4:
        OK(curandGenerateLogNormal(g, (float *)d, N, 0.0f, 0.25f));
        break;
    case 5:
        OK(curandGenerateLogNormalDouble(g, (double *)d, N, 0.0, 0.25));
        break;
    default:
        OK(curandGeneratePoisson(g, (unsigned int *)d, N, 4.0));
        break;
    }
    if (k == 1 || k == 3 || k == 5) {
        CHECK(cudaMemcpy(x, d, sizeof(x), cudaMemcpyDeviceToHost));
        memcpy(out, x, sizeof(x));
    } else if (k == 6) {
        CHECK(cudaMemcpy(u, d, sizeof(u), cudaMemcpyDeviceToHost));
        for (int i = 0; i < N; i++) {
            out[i] = u[i];
        }
    } else {
        CHECK(cudaMemcpy(f, d, sizeof(f), cudaMemcpyDeviceToHost));
        for (int i = 0; i < N; i++) {
            out[i] = f[i];
        }
    }
}

/* Every distribution: range and moments; the same seed gives the same
 * numbers, a new seed others; an offset continues the sequence. */
static int mode_numbers(void)
{
    /* mean, variance, tolerance of each: uniform (1/2, 1/12), normal,
     * log-normal (e^(s^2/2), (e^(s^2) - 1) e^(s^2)), Poisson (l, l). */
    static const double want[7][3] = {
        { 0.5, 1.0 / 12, 0.05 }, { 0.5, 1.0 / 12, 0.05 },
        { 2.0, 9.0, 0.3 }, { -1.0, 0.25, 0.05 },
        { 1.0317434, 0.0686, 0.05 }, { 1.0317434, 0.0686, 0.05 },
        { 4.0, 4.0, 0.3 },
    };
    static double a[N], b[N];
    curandGenerator_t g, q;
    void *d;
    unsigned int u[8], u2[8];
    unsigned long long ll[4];

    CHECK(cudaMalloc(&d, N * sizeof(double)));
    OK(curandCreateGenerator(&g, CURAND_RNG_PSEUDO_XORWOW));
    for (int k = 0; k < 7; k++) {
        double m, v;

        OK(curandSetPseudoRandomGeneratorSeed(g, 42));
        OK(curandSetGeneratorOffset(g, 0));
        gen(g, d, k, a);
        moments(a, N, &m, &v);
        if (fabs(m - want[k][0]) > want[k][2] * (1 + fabs(want[k][0])) ||
            fabs(v - want[k][1]) > want[k][2] * (1 + want[k][1]) * 2) {
            FAIL("kind %d: mean %g variance %g, wanted %g %g", k, m, v,
                 want[k][0], want[k][1]);
        }
        for (int i = 0; i < N; i++) {
            TRUE(k > 1 || (a[i] > 0.0 && a[i] <= 1.0));
            TRUE(k < 4 || a[i] >= 0.0);
        }
        OK(curandSetPseudoRandomGeneratorSeed(g, 42));
        OK(curandSetGeneratorOffset(g, 0));
        gen(g, d, k, b);
        TRUE(memcmp(a, b, sizeof(a)) == 0);
        OK(curandSetPseudoRandomGeneratorSeed(g, 43));
        gen(g, d, k, b);
        TRUE(memcmp(a, b, sizeof(a)) != 0);
    }
    /* Offset 4 continues where 4 numbers of offset 0 end. */
    OK(curandSetPseudoRandomGeneratorSeed(g, 7));
    OK(curandSetGeneratorOffset(g, 0));
    OK(curandGenerate(g, (unsigned int *)d, 8));
    CHECK(cudaMemcpy(u, d, sizeof(u), cudaMemcpyDeviceToHost));
    OK(curandSetGeneratorOffset(g, 4));
    OK(curandGenerate(g, (unsigned int *)d, 4));
    CHECK(cudaMemcpy(u2, d, 4 * sizeof(*u2), cudaMemcpyDeviceToHost));
    TRUE(memcmp(u + 4, u2, 4 * sizeof(*u2)) == 0);
    /* Odd counts of normals: cuRAND makes them in pairs. */
    ST(curandGenerateNormal(g, (float *)d, 3, 0.0f, 1.0f),
       CURAND_STATUS_LENGTH_NOT_MULTIPLE);
    ST(curandGeneratePoisson(g, (unsigned int *)d, 4, -1.0),
       CURAND_STATUS_OUT_OF_RANGE);
    /* 64-bit numbers only from 64-bit quasi-random generators. */
    ST(curandGenerateLongLong(g, (unsigned long long *)d, 4),
       CURAND_STATUS_TYPE_ERROR);
    OK(curandCreateGenerator(&q, CURAND_RNG_QUASI_SOBOL64));
    OK(curandSetQuasiRandomGeneratorDimensions(q, 2));
    OK(curandGenerateLongLong(q, (unsigned long long *)d, 4));
    CHECK(cudaMemcpy(ll, d, sizeof(ll), cudaMemcpyDeviceToHost));
    TRUE(ll[0] != ll[2]);
    OK(curandGenerateUniformDouble(q, (double *)d, N));
    CHECK(cudaMemcpy(a, d, sizeof(a), cudaMemcpyDeviceToHost));
    for (int i = 0; i < N; i++) {
        TRUE(a[i] > 0.0 && a[i] <= 1.0);
    }
    OK(curandDestroyGenerator(q));
    OK(curandDestroyGenerator(g));
    CHECK(cudaFree(d));
    return 0;
}

/* Two generators never destroyed: the worker destroys them. */
static int mode_leave(void)
{
    curandGenerator_t g, q;

    OK(curandCreateGenerator(&g, CURAND_RNG_PSEUDO_DEFAULT));
    OK(curandCreateGenerator(&q, CURAND_RNG_QUASI_DEFAULT));
    CHECK(cudaDeviceSynchronize());
    return 0;
}

int main(int argc, char **argv)
{
    static const libapp_mode_t modes[] = {
        { "gens", mode_gens },
        { "numbers", mode_numbers },
        { "leave", mode_leave },
    };

    return libapp_main("randapp", argc, argv, modes,
                       sizeof(modes) / sizeof(modes[0]));
}
