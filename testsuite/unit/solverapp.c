/*
 * solverapp.c - a cuSOLVER program (no kernels of its own), linked
 * against our libcusolver.so.12 and libcudart.so.13.  Driven by
 * test_gvd_solver.c against gvd's simulated device, whose cuSOLVER
 * factorises and solves on the host (gvd/sim/gvdsim_solver.c).
 *
 *   solverapp MODE
 *
 * Each mode prints "OK MODE" and exits 0 when every result was right; a
 * failure prints one line saying what differed.  Solutions are compared
 * with the known x of b = A x (computed in double on the CPU).
 */
#include "libapp.h"

#include <cuda_runtime_api.h>
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <cusolverDn.h>
#pragma GCC diagnostic pop

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ST(call, want) LIBAPP_EXPECT_NUM(cusolverStatus_t, call, want)

#define OK(call) ST(call, CUSOLVER_STATUS_SUCCESS)

enum { N = 6, NRHS = 2 };

/* A well-conditioned n x n matrix (column-major): symmetric, diagonally
 * dominant, so positive definite; unsym adds a skew part and a small
 * first pivot so that LU must swap rows. */
static void matrix(double *a, int n, int unsym)
{
    for (int j = 0; j < n; j++) {
        for (int i = 0; i < n; i++) {
            double v = 1.0 / (1 + i + j);

            if (unsym) {
                v += 0.25 * (i - j);
            }
            a[i + j * n] = i == j ? n + v : v;
        }
    }
    if (unsym) {
        a[0] = 0.125;
    }
}

/* x = small integers, b = A x in double. */
static void rhs(const double *a, int n, int nrhs, double *x, double *b)
{
    for (int r = 0; r < nrhs; r++) {
        for (int i = 0; i < n; i++) {
            x[i + r * n] = (double)((i * 3 + r * 5) % 7 - 3);
        }
        for (int i = 0; i < n; i++) {
            double s = 0;

            for (int k = 0; k < n; k++) {
                s += a[i + k * n] * x[k + r * n];
            }
            b[i + r * n] = s;
        }
    }
}

static void *dev_copy(const void *host, size_t n)
{
    void *d = NULL;

    CHECK(cudaMalloc(&d, n));
    CHECK(cudaMemcpy(d, host, n, cudaMemcpyHostToDevice));
    return d;
}

static int dev_int(const int *d)
{
    int v = -1;

    CHECK(cudaMemcpy(&v, d, sizeof(v), cudaMemcpyDeviceToHost));
    return v;
}

/* Handles, streams, versions; forged, stale and wrong-kind records
 * refused on the client; unsupported exports. */
static int mode_handles(void)
{
    cusolverDnHandle_t h, h2;
    cusolverDnParams_t p;
    gesvdjInfo_t gj;
    cusolverDnIRSParams_t irs;
    cudaStream_t s, got;
    int v, lwork;
    long fake = 0;

    OK(cusolverGetVersion(&v));
    TRUE(v == CUSOLVER_VERSION);
    OK(cusolverGetProperty(MAJOR_VERSION, &v));
    TRUE(v == CUSOLVER_VER_MAJOR);
    OK(cusolverDnCreate(&h));
    OK(cusolverDnCreate(&h2));
    TRUE(h != h2);
    CHECK(cudaStreamCreate(&s));
    OK(cusolverDnSetStream(h, s));
    OK(cusolverDnGetStream(h, &got));
    TRUE(got == s);
    OK(cusolverDnSetStream(h, NULL));
    OK(cusolverDnCreateParams(&p));
    OK(cusolverDnCreateGesvdjInfo(&gj));
    OK(cusolverDnXgesvdjSetMaxSweeps(gj, 20));

    /* Forged, wrong-kind and stale records: refused here. */
    ST(cusolverDnSetStream((cusolverDnHandle_t)&fake, NULL),
       CUSOLVER_STATUS_NOT_INITIALIZED);
    ST(cusolverDnSetStream(NULL, NULL), CUSOLVER_STATUS_NOT_INITIALIZED);
    ST(cusolverDnSetStream((cusolverDnHandle_t)p, NULL),
       CUSOLVER_STATUS_NOT_INITIALIZED);
    ST(cusolverDnXgesvdjSetMaxSweeps((gesvdjInfo_t)h, 20),
       CUSOLVER_STATUS_INVALID_VALUE);
    ST(cusolverDnXgetrf_bufferSize(h, (cusolverDnParams_t)gj, N, N,
                                   CUDA_R_64F, NULL, N, CUDA_R_64F, NULL,
                                   NULL), CUSOLVER_STATUS_INVALID_VALUE);
    OK(cusolverDnDestroy(h2));
    ST(cusolverDnSetStream(h2, NULL), CUSOLVER_STATUS_NOT_INITIALIZED);
    /* Not in the simulator: the worker says so. */
    ST(cusolverDnDgetrf_bufferSize(h, N, N, NULL, N, &lwork),
       CUSOLVER_STATUS_NOT_SUPPORTED);
    /* An export gvirtus does not remote. */
    ST(cusolverDnIRSParamsCreate(&irs), CUSOLVER_STATUS_NOT_SUPPORTED);
    OK(cusolverDnDestroyGesvdjInfo(gj));
    OK(cusolverDnDestroyParams(p));
    OK(cusolverDnDestroy(h));
    CHECK(cudaStreamDestroy(s));
    CHECK(cudaDeviceSynchronize());
    return 0;
}

static void check_x(const float *got, const double *want, int n, int what)
{
    for (int i = 0; i < n; i++) {
        if (fabs(got[i] - want[i]) > 1e-3) {
            FAIL("%s x[%d] = %g, wanted %g", what ? "potrs" : "getrs", i,
                 got[i], want[i]);
        }
    }
}

/* Sgetrf + Sgetrs, then Spotrf + Spotrs, against the known x; then a
 * one-way failure comes back late. */
static int mode_solve(void)
{
    double a[N * N], x[N * NRHS], b[N * NRHS];
    float af[N * N], bf[N * NRHS], xf[N * NRHS];
    float *da, *db, *work;
    int *dipiv, *dinfo, lwork = 0, ipiv[N];
    cusolverDnHandle_t h;
    cudaStream_t s;

    OK(cusolverDnCreate(&h));
    CHECK(cudaStreamCreate(&s));
    OK(cusolverDnSetStream(h, s));

    matrix(a, N, 1);
    rhs(a, N, NRHS, x, b);
    for (int i = 0; i < N * N; i++) {
        af[i] = (float)a[i];
    }
    for (int i = 0; i < N * NRHS; i++) {
        bf[i] = (float)b[i];
    }
    da = dev_copy(af, sizeof(af));
    db = dev_copy(bf, sizeof(bf));
    CHECK(cudaMalloc((void **)&dipiv, N * sizeof(int)));
    CHECK(cudaMalloc((void **)&dinfo, sizeof(int)));
    OK(cusolverDnSgetrf_bufferSize(h, N, N, da, N, &lwork));
    TRUE(lwork >= 1);
    CHECK(cudaMalloc((void **)&work, (size_t)lwork * sizeof(float)));
    OK(cusolverDnSgetrf(h, N, N, da, N, work, dipiv, dinfo));
    OK(cusolverDnSgetrs(h, CUBLAS_OP_N, N, NRHS, da, N, dipiv, db, N,
                        dinfo));
    CHECK(cudaStreamSynchronize(s));
    TRUE(dev_int(dinfo) == 0);
    CHECK(cudaMemcpy(ipiv, dipiv, sizeof(ipiv), cudaMemcpyDeviceToHost));
    TRUE(ipiv[0] != 1);         /* the small first pivot was swapped */
    CHECK(cudaMemcpy(xf, db, sizeof(xf), cudaMemcpyDeviceToHost));
    check_x(xf, x, N * NRHS, 0);
    CHECK(cudaFree(work));

    /* Cholesky of the symmetric matrix, lower triangle. */
    matrix(a, N, 0);
    rhs(a, N, NRHS, x, b);
    for (int i = 0; i < N * N; i++) {
        af[i] = (float)a[i];
    }
    for (int i = 0; i < N * NRHS; i++) {
        bf[i] = (float)b[i];
    }
    CHECK(cudaMemcpy(da, af, sizeof(af), cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(db, bf, sizeof(bf), cudaMemcpyHostToDevice));
    OK(cusolverDnSpotrf_bufferSize(h, CUBLAS_FILL_MODE_LOWER, N, da, N,
                                   &lwork));
    CHECK(cudaMalloc((void **)&work, (size_t)lwork * sizeof(float)));
    OK(cusolverDnSpotrf(h, CUBLAS_FILL_MODE_LOWER, N, da, N, work, lwork,
                        dinfo));
    OK(cusolverDnSpotrs(h, CUBLAS_FILL_MODE_LOWER, N, NRHS, da, N, db, N,
                        dinfo));
    CHECK(cudaDeviceSynchronize());
    TRUE(dev_int(dinfo) == 0);
    CHECK(cudaMemcpy(xf, db, sizeof(xf), cudaMemcpyDeviceToHost));
    check_x(xf, x, N * NRHS, 1);

    /* Not positive definite: devInfo says which minor, as LAPACK. */
    af[2 + 2 * N] = -50;
    CHECK(cudaMemcpy(da, af, sizeof(af), cudaMemcpyHostToDevice));
    OK(cusolverDnSpotrf(h, CUBLAS_FILL_MODE_LOWER, N, da, N, work, lwork,
                        dinfo));
    TRUE(dev_int(dinfo) == 3);

    /* One-way: a matrix that is not device memory fails on the worker,
     * and the next synchronising call says so. */
    OK(cusolverDnSpotrf(h, CUBLAS_FILL_MODE_LOWER, N, af, N, work, lwork,
                        dinfo));
    RT(cudaDeviceSynchronize(), cudaErrorInvalidValue);
    CHECK(cudaDeviceSynchronize());

    CHECK(cudaFree(work));
    CHECK(cudaFree(da));
    CHECK(cudaFree(db));
    CHECK(cudaFree(dipiv));
    CHECK(cudaFree(dinfo));
    OK(cusolverDnDestroy(h));
    CHECK(cudaStreamDestroy(s));
    CHECK(cudaDeviceSynchronize());
    return 0;
}

/* The 64-bit API: Xgetrf (whose simulated form asks for a host
 * workspace and fills it) and Xgetrs in double. */
static int mode_x64(void)
{
    double a[N * N], x[N * NRHS], b[N * NRHS], got[N * NRHS];
    double *host_ws;
    void *da, *db, *dev_ws = NULL;
    int64_t *dipiv;
    int *dinfo;
    size_t dsize = 0, hsize = 0;
    cusolverDnHandle_t h;
    cusolverDnParams_t p;

    OK(cusolverDnCreate(&h));
    OK(cusolverDnCreateParams(&p));
    matrix(a, N, 1);
    rhs(a, N, NRHS, x, b);
    da = dev_copy(a, sizeof(a));
    db = dev_copy(b, sizeof(b));
    CHECK(cudaMalloc((void **)&dipiv, N * sizeof(int64_t)));
    CHECK(cudaMalloc((void **)&dinfo, sizeof(int)));
    OK(cusolverDnXgetrf_bufferSize(h, p, N, N, CUDA_R_64F, da, N, CUDA_R_64F,
                                   &dsize, &hsize));
    TRUE(hsize == N * sizeof(double));
    if (dsize > 0) {
        CHECK(cudaMalloc(&dev_ws, dsize));
    }
    host_ws = calloc(1, hsize);
    TRUE(host_ws != NULL);
    OK(cusolverDnXgetrf(h, p, N, N, CUDA_R_64F, da, N, dipiv, CUDA_R_64F,
                        dev_ws, dsize, host_ws, hsize, dinfo));
    /* The worker's copy of the host workspace came back. */
    for (int i = 0; i < N; i++) {
        TRUE(host_ws[i] > 0);
    }
    /* Too small a host workspace: cuSOLVER's own answer. */
    ST(cusolverDnXgetrf(h, p, N, N, CUDA_R_64F, da, N, dipiv, CUDA_R_64F,
                        dev_ws, dsize, host_ws, hsize - 1, dinfo),
       CUSOLVER_STATUS_INVALID_VALUE);
    OK(cusolverDnXgetrs(h, p, CUBLAS_OP_N, N, NRHS, CUDA_R_64F, da, N,
                        dipiv, CUDA_R_64F, db, N, dinfo));
    CHECK(cudaDeviceSynchronize());
    TRUE(dev_int(dinfo) == 0);
    CHECK(cudaMemcpy(got, db, sizeof(got), cudaMemcpyDeviceToHost));
    for (int i = 0; i < N * NRHS; i++) {
        if (fabs(got[i] - x[i]) > 1e-9) {
            FAIL("Xgetrs x[%d] = %g, wanted %g", i, got[i], x[i]);
        }
    }
    free(host_ws);
    CHECK(cudaFree(dev_ws));
    CHECK(cudaFree(da));
    CHECK(cudaFree(db));
    CHECK(cudaFree(dipiv));
    CHECK(cudaFree(dinfo));
    OK(cusolverDnDestroyParams(p));
    OK(cusolverDnDestroy(h));
    CHECK(cudaDeviceSynchronize());
    return 0;
}

/* Leave a handle, parameters and Jacobi settings for the worker. */
static int mode_leave(void)
{
    cusolverDnHandle_t h;
    cusolverDnParams_t p;
    gesvdjInfo_t gj;

    OK(cusolverDnCreate(&h));
    OK(cusolverDnCreateParams(&p));
    OK(cusolverDnCreateGesvdjInfo(&gj));
    CHECK(cudaDeviceSynchronize());
    return 0;
}

int main(int argc, char **argv)
{
    static const libapp_mode_t modes[] = {
        { "handles", mode_handles },
        { "solve", mode_solve },
        { "x64", mode_x64 },
        { "leave", mode_leave },
    };

    return libapp_main("solverapp", argc, argv, modes,
                       sizeof(modes) / sizeof(modes[0]));
}
