/*
 * gvdsim_solver.c - a simulated cuSOLVER (dense API) in libgvdsim.so
 * (tests only), so that `make check` drives the cuSOLVER marshalling end
 * to end: handles and their streams, the 64-bit API's parameters, Jacobi
 * settings, and LU and Cholesky factorisations and solves computed on
 * the host memory behind the simulated device memory.
 *
 * Only what the tests use exists: Sgetrf, Sgetrs, Spotrf, Spotrs with
 * their workspace queries, and the 64-bit Xgetrf / Xgetrs in double.
 * The simulated Xgetrf asks for a host workspace (one double per
 * column, which it fills with the pivots' magnitudes), so the host
 * workspace's way to the worker and back is exercised; NVIDIA's asks
 * for none.  Everything else is absent (the worker answers
 * CUSOLVER_STATUS_NOT_SUPPORTED).  Memory a call would touch outside the
 * client's allocations fails with CUSOLVER_STATUS_EXECUTION_FAILED, as a
 * faulting kernel would; a singular or not positive definite matrix
 * gives devInfo > 0, as LAPACK.
 */
#include "gvdsim.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <cusolverDn.h>
#pragma GCC diagnostic pop

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#define SOLVER_MAGIC 0x534f4c56u /* "SOLV" */
#define PARAMS_MAGIC 0x534f5041u
#define GESVDJ_MAGIC 0x534f474au

typedef struct sim_solver {
    uint32_t magic;
    cudaStream_t stream;        /* handle */
    int max_sweeps;             /* gesvdjInfo_t */
} sim_solver_t;

static sim_solver_t *solver_of(const void *p, uint32_t magic)
{
    sim_solver_t *s = (sim_solver_t *)p;

    return s != NULL && s->magic == magic ? s : NULL;
}

static cusolverStatus_t obj_new(uint32_t magic, void **out)
{
    sim_solver_t *s;

    if (out == NULL) {
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return CUSOLVER_STATUS_ALLOC_FAILED;
    }
    s->magic = magic;
    *out = s;
    return CUSOLVER_STATUS_SUCCESS;
}

static cusolverStatus_t obj_free(void *p, uint32_t magic)
{
    sim_solver_t *s = solver_of(p, magic);

    if (s == NULL) {
        return magic == SOLVER_MAGIC ? CUSOLVER_STATUS_NOT_INITIALIZED
                                     : CUSOLVER_STATUS_INVALID_VALUE;
    }
    s->magic = 0;
    free(s);
    return CUSOLVER_STATUS_SUCCESS;
}

/* Host memory behind device range [p, p + len), or NULL. */
static void *host_range(const void *p, size_t len)
{
    return p != NULL && sim_find(p, len) != NULL ? sim_host_of(p) : NULL;
}

/* The simulator's limit (fuzzed requests name any sizes): dimensions and
 * leading dimensions up to 2^16 (so spans and byte counts fit with room
 * to spare) and at most 2^30 multiply-adds, m * n * k.  Past it a call
 * answers CUSOLVER_STATUS_NOT_SUPPORTED. */
#define SIM_DIM_MAX (1 << 16)
#define SIM_WORK_MAX ((uint64_t)1 << 30)

static int too_big(int64_t m, int64_t n, int64_t k, int64_t lda,
                   int64_t ldb)
{
    if (m > SIM_DIM_MAX || n > SIM_DIM_MAX || k > SIM_DIM_MAX ||
        lda > SIM_DIM_MAX || ldb > SIM_DIM_MAX) {
        return 1;
    }
    return (uint64_t)m * (uint64_t)n * (uint64_t)(k > 1 ? k : 1) >
           SIM_WORK_MAX;
}

/* Elements of a column-major rows x cols matrix with leading dimension
 * ld (the caller checked ld >= rows and too_big). */
static size_t span(int64_t ld, int64_t rows, int64_t cols)
{
    return cols == 0 || rows == 0 ? 0 : (size_t)(ld * (cols - 1) + rows);
}

/* ---- handles and settings ------------------------------------------------ */

SIM cusolverStatus_t cusolverDnCreate(cusolverDnHandle_t *handle)
{
    return obj_new(SOLVER_MAGIC, (void **)handle);
}

SIM cusolverStatus_t cusolverDnDestroy(cusolverDnHandle_t handle)
{
    return obj_free(handle, SOLVER_MAGIC);
}

SIM cusolverStatus_t cusolverDnSetStream(cusolverDnHandle_t handle,
                                         cudaStream_t streamId)
{
    sim_solver_t *s = solver_of(handle, SOLVER_MAGIC);

    if (s == NULL) {
        return CUSOLVER_STATUS_NOT_INITIALIZED;
    }
    if (!sim_stream_ok(streamId)) {
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    s->stream = streamId;
    return CUSOLVER_STATUS_SUCCESS;
}

SIM cusolverStatus_t cusolverDnGetStream(cusolverDnHandle_t handle,
                                         cudaStream_t *streamId)
{
    sim_solver_t *s = solver_of(handle, SOLVER_MAGIC);

    if (s == NULL) {
        return CUSOLVER_STATUS_NOT_INITIALIZED;
    }
    if (streamId == NULL) {
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    *streamId = s->stream;
    return CUSOLVER_STATUS_SUCCESS;
}

SIM cusolverStatus_t cusolverDnCreateParams(cusolverDnParams_t *params)
{
    return obj_new(PARAMS_MAGIC, (void **)params);
}

SIM cusolverStatus_t cusolverDnDestroyParams(cusolverDnParams_t params)
{
    return obj_free(params, PARAMS_MAGIC);
}

SIM cusolverStatus_t cusolverDnCreateGesvdjInfo(gesvdjInfo_t *info)
{
    return obj_new(GESVDJ_MAGIC, (void **)info);
}

SIM cusolverStatus_t cusolverDnDestroyGesvdjInfo(gesvdjInfo_t info)
{
    return obj_free(info, GESVDJ_MAGIC);
}

SIM cusolverStatus_t cusolverDnXgesvdjSetMaxSweeps(gesvdjInfo_t info,
                                                   int max_sweeps)
{
    sim_solver_t *s = solver_of(info, GESVDJ_MAGIC);

    if (s == NULL || max_sweeps < 0) {
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    s->max_sweeps = max_sweeps;
    return CUSOLVER_STATUS_SUCCESS;
}

/* ---- LU with partial pivoting, and its solve ------------------------------
 * One instance per element type T and pivot type P (1-based pivots, as
 * LAPACK's).  *info: 0, or the first zero pivot's column (1-based). */
#define LU(T, P, NAME)                                                        \
static void NAME##_lu(int64_t m, int64_t n, T *a, int64_t lda, P *ipiv,      \
                      int *info, double *pivmag)                              \
{                                                                             \
    int64_t k = m < n ? m : n;                                                \
                                                                              \
    *info = 0;                                                                \
    for (int64_t j = 0; j < k; j++) {                                         \
        int64_t p = j;                                                        \
                                                                              \
        for (int64_t i = j + 1; i < m; i++) {                                 \
            if (fabs((double)a[i + j * lda]) >                                \
                fabs((double)a[p + j * lda])) {                               \
                p = i;                                                        \
            }                                                                 \
        }                                                                     \
        ipiv[j] = (P)(p + 1);                                                 \
        if (pivmag != NULL) {                                                 \
            pivmag[j] = fabs((double)a[p + j * lda]);                         \
        }                                                                     \
        if (a[p + j * lda] == 0) {                                            \
            if (*info == 0) {                                                 \
                *info = (int)(j + 1);                                         \
            }                                                                 \
            continue;                                                         \
        }                                                                     \
        if (p != j) {                                                         \
            for (int64_t c = 0; c < n; c++) {                                 \
                T t = a[j + c * lda];                                         \
                a[j + c * lda] = a[p + c * lda];                              \
                a[p + c * lda] = t;                                           \
            }                                                                 \
        }                                                                     \
        for (int64_t i = j + 1; i < m; i++) {                                 \
            a[i + j * lda] /= a[j + j * lda];                                 \
        }                                                                     \
        for (int64_t c = j + 1; c < n; c++) {                                 \
            for (int64_t i = j + 1; i < m; i++) {                             \
                a[i + c * lda] -= a[i + j * lda] * a[j + c * lda];            \
            }                                                                 \
        }                                                                     \
    }                                                                         \
}                                                                             \
                                                                              \
/* Solve A X = B with A's LU (trans N only); -1 for a pivot outside the  \
 * matrix (the pivots are the caller's device memory: anything). */          \
static int NAME##_lus(int64_t n, int64_t nrhs, const T *a, int64_t lda,      \
                      const P *ipiv, T *b, int64_t ldb)                       \
{                                                                             \
    for (int64_t i = 0; i < n; i++) {                                         \
        if (ipiv[i] < 1 || (int64_t)ipiv[i] > n) {                            \
            return -1;                                                        \
        }                                                                     \
    }                                                                         \
    for (int64_t r = 0; r < nrhs; r++) {                                      \
        T *x = b + r * ldb;                                                   \
                                                                              \
        for (int64_t i = 0; i < n; i++) {                                     \
            int64_t p = (int64_t)ipiv[i] - 1;                                 \
            T t = x[i];                                                       \
                                                                              \
            x[i] = x[p];                                                      \
            x[p] = t;                                                         \
        }                                                                     \
        for (int64_t i = 0; i < n; i++) {                                     \
            for (int64_t j = 0; j < i; j++) {                                 \
                x[i] -= a[i + j * lda] * x[j];                                \
            }                                                                 \
        }                                                                     \
        for (int64_t i = n - 1; i >= 0; i--) {                                \
            for (int64_t j = i + 1; j < n; j++) {                             \
                x[i] -= a[i + j * lda] * x[j];                                \
            }                                                                 \
            x[i] /= a[i + i * lda];                                           \
        }                                                                     \
    }                                                                         \
    return 0;                                                                 \
}

LU(float, int, s)
LU(double, int64_t, d)

SIM cusolverStatus_t cusolverDnSgetrf_bufferSize(cusolverDnHandle_t handle,
                                                 int m, int n, float *A,
                                                 int lda, int *Lwork)
{
    (void)A;
    if (solver_of(handle, SOLVER_MAGIC) == NULL) {
        return CUSOLVER_STATUS_NOT_INITIALIZED;
    }
    if (m < 0 || n < 0 || lda < (m > 1 ? m : 1) || Lwork == NULL) {
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    *Lwork = n > 0 ? n : 1;
    return CUSOLVER_STATUS_SUCCESS;
}

SIM cusolverStatus_t cusolverDnSgetrf(cusolverDnHandle_t handle, int m,
                                      int n, float *A, int lda,
                                      float *Workspace, int *devIpiv,
                                      int *devInfo)
{
    float *a;
    int *ipiv, *info;

    (void)Workspace;
    if (solver_of(handle, SOLVER_MAGIC) == NULL) {
        return CUSOLVER_STATUS_NOT_INITIALIZED;
    }
    if (m < 0 || n < 0 || lda < (m > 1 ? m : 1)) {
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    if (too_big(m, n, m < n ? m : n, lda, 0)) {
        return CUSOLVER_STATUS_NOT_SUPPORTED;   /* the simulator's limit */
    }
    a = host_range(A, span(lda, m, n) * sizeof(float));
    ipiv = host_range(devIpiv, (size_t)(m < n ? m : n) * sizeof(int));
    info = host_range(devInfo, sizeof(int));
    if (info == NULL || ((a == NULL || ipiv == NULL) && m > 0 && n > 0)) {
        return CUSOLVER_STATUS_EXECUTION_FAILED;
    }
    s_lu(m, n, a, lda, ipiv, info, NULL);
    return CUSOLVER_STATUS_SUCCESS;
}

SIM cusolverStatus_t cusolverDnSgetrs(cusolverDnHandle_t handle,
                                      cublasOperation_t trans, int n,
                                      int nrhs, const float *A, int lda,
                                      const int *devIpiv, float *B, int ldb,
                                      int *devInfo)
{
    const float *a;
    const int *ipiv;
    float *b;
    int *info;

    if (solver_of(handle, SOLVER_MAGIC) == NULL) {
        return CUSOLVER_STATUS_NOT_INITIALIZED;
    }
    if (trans != CUBLAS_OP_N) {
        return CUSOLVER_STATUS_NOT_SUPPORTED;   /* the simulator's limit */
    }
    if (n < 0 || nrhs < 0 || lda < (n > 1 ? n : 1) ||
        ldb < (n > 1 ? n : 1)) {
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    if (too_big(n, n, nrhs, lda, ldb)) {
        return CUSOLVER_STATUS_NOT_SUPPORTED;   /* the simulator's limit */
    }
    a = host_range(A, span(lda, n, n) * sizeof(float));
    ipiv = host_range(devIpiv, (size_t)n * sizeof(int));
    b = host_range(B, span(ldb, n, nrhs) * sizeof(float));
    info = host_range(devInfo, sizeof(int));
    if (info == NULL || ((a == NULL || ipiv == NULL) && n > 0) ||
        (b == NULL && n > 0 && nrhs > 0)) {
        return CUSOLVER_STATUS_EXECUTION_FAILED;
    }
    if (s_lus(n, nrhs, a, lda, ipiv, b, ldb) != 0) {
        return CUSOLVER_STATUS_EXECUTION_FAILED;
    }
    *info = 0;
    return CUSOLVER_STATUS_SUCCESS;
}

/* ---- Cholesky ------------------------------------------------------------ */

SIM cusolverStatus_t cusolverDnSpotrf_bufferSize(cusolverDnHandle_t handle,
                                                 cublasFillMode_t uplo,
                                                 int n, float *A, int lda,
                                                 int *Lwork)
{
    (void)A;
    if (solver_of(handle, SOLVER_MAGIC) == NULL) {
        return CUSOLVER_STATUS_NOT_INITIALIZED;
    }
    if ((uplo != CUBLAS_FILL_MODE_LOWER && uplo != CUBLAS_FILL_MODE_UPPER) ||
        n < 0 || lda < (n > 1 ? n : 1) || Lwork == NULL) {
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    *Lwork = n > 0 ? n : 1;
    return CUSOLVER_STATUS_SUCCESS;
}

/* d as a float; out of range (garbage the caller put in its matrix) as
 * infinity or NaN, never the undefined conversion. */
static float to_float(double d)
{
    if (isnan(d)) {
        return NAN;
    }
    if (d > FLT_MAX) {
        return INFINITY;
    }
    if (d < -FLT_MAX) {
        return -INFINITY;
    }
    return (float)d;
}

/* Element (i, j) of the triangle uplo keeps, i >= j (the lower view). */
static float *tri(float *a, int lda, cublasFillMode_t uplo, int i, int j)
{
    return uplo == CUBLAS_FILL_MODE_LOWER ? &a[i + j * lda] : &a[j + i * lda];
}

SIM cusolverStatus_t cusolverDnSpotrf(cusolverDnHandle_t handle,
                                      cublasFillMode_t uplo, int n,
                                      float *A, int lda, float *Workspace,
                                      int Lwork, int *devInfo)
{
    float *a;
    int *info;

    (void)Workspace;
    if (solver_of(handle, SOLVER_MAGIC) == NULL) {
        return CUSOLVER_STATUS_NOT_INITIALIZED;
    }
    if ((uplo != CUBLAS_FILL_MODE_LOWER && uplo != CUBLAS_FILL_MODE_UPPER) ||
        n < 0 || lda < (n > 1 ? n : 1) || Lwork < 0) {
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    if (too_big(n, n, n, lda, 0)) {
        return CUSOLVER_STATUS_NOT_SUPPORTED;   /* the simulator's limit */
    }
    a = host_range(A, span(lda, n, n) * sizeof(float));
    info = host_range(devInfo, sizeof(int));
    if (info == NULL || (a == NULL && n > 0)) {
        return CUSOLVER_STATUS_EXECUTION_FAILED;
    }
    *info = 0;
    for (int j = 0; j < n; j++) {
        double d = *tri(a, lda, uplo, j, j);

        for (int k = 0; k < j; k++) {
            d -= (double)*tri(a, lda, uplo, j, k) * *tri(a, lda, uplo, j, k);
        }
        if (d <= 0) {
            *info = j + 1;
            return CUSOLVER_STATUS_SUCCESS;
        }
        d = sqrt(d);
        *tri(a, lda, uplo, j, j) = to_float(d);
        for (int i = j + 1; i < n; i++) {
            double s = *tri(a, lda, uplo, i, j);

            for (int k = 0; k < j; k++) {
                s -= (double)*tri(a, lda, uplo, i, k) *
                     *tri(a, lda, uplo, j, k);
            }
            *tri(a, lda, uplo, i, j) = to_float(s / d);
        }
    }
    return CUSOLVER_STATUS_SUCCESS;
}

SIM cusolverStatus_t cusolverDnSpotrs(cusolverDnHandle_t handle,
                                      cublasFillMode_t uplo, int n,
                                      int nrhs, const float *A, int lda,
                                      float *B, int ldb, int *devInfo)
{
    float *a, *b;
    int *info;

    if (solver_of(handle, SOLVER_MAGIC) == NULL) {
        return CUSOLVER_STATUS_NOT_INITIALIZED;
    }
    if ((uplo != CUBLAS_FILL_MODE_LOWER && uplo != CUBLAS_FILL_MODE_UPPER) ||
        n < 0 || nrhs < 0 || lda < (n > 1 ? n : 1) ||
        ldb < (n > 1 ? n : 1)) {
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    if (too_big(n, n, nrhs, lda, ldb)) {
        return CUSOLVER_STATUS_NOT_SUPPORTED;   /* the simulator's limit */
    }
    a = host_range(A, span(lda, n, n) * sizeof(float));
    b = host_range(B, span(ldb, n, nrhs) * sizeof(float));
    info = host_range(devInfo, sizeof(int));
    if (info == NULL || (a == NULL && n > 0) ||
        (b == NULL && n > 0 && nrhs > 0)) {
        return CUSOLVER_STATUS_EXECUTION_FAILED;
    }
    for (int r = 0; r < nrhs; r++) {
        float *x = b + (size_t)r * ldb;

        for (int i = 0; i < n; i++) {           /* L y = b */
            for (int k = 0; k < i; k++) {
                x[i] -= *tri(a, lda, uplo, i, k) * x[k];
            }
            x[i] /= *tri(a, lda, uplo, i, i);
        }
        for (int i = n - 1; i >= 0; i--) {      /* L^T x = y */
            for (int k = i + 1; k < n; k++) {
                x[i] -= *tri(a, lda, uplo, k, i) * x[k];
            }
            x[i] /= *tri(a, lda, uplo, i, i);
        }
    }
    *info = 0;
    return CUSOLVER_STATUS_SUCCESS;
}

/* ---- the 64-bit API: LU in double ---------------------------------------- */

static int x_args_ok(cudaDataType dataTypeA, cudaDataType computeType,
                     int64_t m, int64_t n, int64_t lda)
{
    return dataTypeA == CUDA_R_64F && computeType == CUDA_R_64F && m >= 0 &&
           n >= 0 && lda >= (m > 1 ? m : 1);
}

SIM cusolverStatus_t cusolverDnXgetrf_bufferSize(
        cusolverDnHandle_t handle, cusolverDnParams_t params, int64_t m,
        int64_t n, cudaDataType dataTypeA, const void *A, int64_t lda,
        cudaDataType computeType, size_t *workspaceInBytesOnDevice,
        size_t *workspaceInBytesOnHost)
{
    (void)A;
    if (solver_of(handle, SOLVER_MAGIC) == NULL) {
        return CUSOLVER_STATUS_NOT_INITIALIZED;
    }
    if (solver_of(params, PARAMS_MAGIC) == NULL ||
        !x_args_ok(dataTypeA, computeType, m, n, lda) ||
        workspaceInBytesOnDevice == NULL || workspaceInBytesOnHost == NULL) {
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    *workspaceInBytesOnDevice = 0;
    *workspaceInBytesOnHost = (size_t)(m < n ? m : n) * sizeof(double);
    return CUSOLVER_STATUS_SUCCESS;
}

SIM cusolverStatus_t cusolverDnXgetrf(cusolverDnHandle_t handle,
                                      cusolverDnParams_t params, int64_t m,
                                      int64_t n, cudaDataType dataTypeA,
                                      void *A, int64_t lda, int64_t *ipiv,
                                      cudaDataType computeType,
                                      void *bufferOnDevice,
                                      size_t workspaceInBytesOnDevice,
                                      void *bufferOnHost,
                                      size_t workspaceInBytesOnHost,
                                      int *info)
{
    int64_t k = m < n ? m : n;
    double *a;
    int64_t *piv;
    int *inf;

    (void)bufferOnDevice;
    (void)workspaceInBytesOnDevice;
    if (solver_of(handle, SOLVER_MAGIC) == NULL) {
        return CUSOLVER_STATUS_NOT_INITIALIZED;
    }
    if (solver_of(params, PARAMS_MAGIC) == NULL ||
        !x_args_ok(dataTypeA, computeType, m, n, lda) ||
        workspaceInBytesOnHost < (size_t)k * sizeof(double) ||
        (bufferOnHost == NULL && k > 0)) {
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    if (too_big(m, n, k, lda, 0)) {
        return CUSOLVER_STATUS_NOT_SUPPORTED;   /* the simulator's limit */
    }
    a = host_range(A, span(lda, m, n) * sizeof(double));
    piv = host_range(ipiv, (size_t)k * sizeof(int64_t));
    inf = host_range(info, sizeof(int));
    if (inf == NULL || ((a == NULL || piv == NULL) && k > 0)) {
        return CUSOLVER_STATUS_EXECUTION_FAILED;
    }
    d_lu(m, n, a, lda, piv, inf, bufferOnHost);
    return CUSOLVER_STATUS_SUCCESS;
}

SIM cusolverStatus_t cusolverDnXgetrs(cusolverDnHandle_t handle,
                                      cusolverDnParams_t params,
                                      cublasOperation_t trans, int64_t n,
                                      int64_t nrhs, cudaDataType dataTypeA,
                                      const void *A, int64_t lda,
                                      const int64_t *ipiv,
                                      cudaDataType dataTypeB, void *B,
                                      int64_t ldb, int *info)
{
    const double *a;
    const int64_t *piv;
    double *b;
    int *inf;

    if (solver_of(handle, SOLVER_MAGIC) == NULL) {
        return CUSOLVER_STATUS_NOT_INITIALIZED;
    }
    if (trans != CUBLAS_OP_N) {
        return CUSOLVER_STATUS_NOT_SUPPORTED;   /* the simulator's limit */
    }
    if (solver_of(params, PARAMS_MAGIC) == NULL ||
        !x_args_ok(dataTypeA, dataTypeB, n, n, lda) || nrhs < 0 ||
        ldb < (n > 1 ? n : 1)) {
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    if (too_big(n, n, nrhs, lda, ldb)) {
        return CUSOLVER_STATUS_NOT_SUPPORTED;   /* the simulator's limit */
    }
    a = host_range(A, span(lda, n, n) * sizeof(double));
    piv = host_range(ipiv, (size_t)n * sizeof(int64_t));
    b = host_range(B, span(ldb, n, nrhs) * sizeof(double));
    inf = host_range(info, sizeof(int));
    if (inf == NULL || ((a == NULL || piv == NULL) && n > 0) ||
        (b == NULL && n > 0 && nrhs > 0)) {
        return CUSOLVER_STATUS_EXECUTION_FAILED;
    }
    if (d_lus(n, nrhs, a, lda, piv, b, ldb) != 0) {
        return CUSOLVER_STATUS_EXECUTION_FAILED;
    }
    *inf = 0;
    return CUSOLVER_STATUS_SUCCESS;
}
