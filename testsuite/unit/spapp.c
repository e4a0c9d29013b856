/*
 * spapp.c - a cuSPARSE program (no kernels of its own), linked against
 * our libcusparse.so.12 and libcudart.so.13.  Driven by
 * test_gvd_sparse.c against gvd's simulated device, whose cuSPARSE
 * computes SpMV, SpMM and SpGEMM on the host
 * (gvd/sim/gvdsim_sparse.c).
 *
 *   spapp MODE
 *
 * Each mode prints "OK MODE" and exits 0 when every result was right; a
 * failure prints one line saying what differed.  Inputs are multiples of
 * 1/4 small enough that every sum is exact in float, so results are
 * compared with the CPU's exactly.
 */
#include "libapp.h"

#include <cuda_runtime_api.h>
#define DISABLE_CUSPARSE_DEPRECATED 1
#include <cusparse.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ST(call, want) \
    LIBAPP_EXPECT(cusparseStatus_t, cusparseGetErrorName, call, want)

#define OK(call) ST(call, CUSPARSE_STATUS_SUCCESS)

/* The test matrix A (M x K, NNZ entries) in CSR, zero-based. */
enum { M = 5, K = 4, NNZ = 8, N = 3 };
static const int32_t a_off[M + 1] = { 0, 2, 3, 3, 6, 8 };
static const int32_t a_col[NNZ] = { 0, 3, 1, 0, 2, 3, 1, 2 };
static const float a_val[NNZ] = { 1, -0.5f, 2, 0.25f, 1.5f, -1, 0.75f, 3 };

/* Multiples of 1/4 in [-1.5, 1.5]. */
static void fill(float *p, size_t n, int seed)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (float)((int)((i * 7 + (size_t)seed) % 13) - 6) * 0.25f;
    }
}

static void *dev_copy(const void *host, size_t n)
{
    void *d = NULL;

    CHECK(cudaMalloc(&d, n));
    CHECK(cudaMemcpy(d, host, n, cudaMemcpyHostToDevice));
    return d;
}

static void expect(const float *got, const float *want, size_t n,
                   const char *what)
{
    for (size_t i = 0; i < n; i++) {
        if (got[i] != want[i]) {
            FAIL("%s[%zu] = %g, wanted %g", what, i, got[i], want[i]);
        }
    }
}

/* y = alpha * A x + beta * y on the CPU. */
static void spmv_cpu(const float *x, float *y, float alpha, float beta)
{
    for (int i = 0; i < M; i++) {
        float acc = 0;

        for (int k = a_off[i]; k < a_off[i + 1]; k++) {
            acc += a_val[k] * x[a_col[k]];
        }
        y[i] = alpha * acc + beta * y[i];
    }
}

/* Handles, streams, pointer modes, versions, status names, legacy
 * matrix descriptors; forged, stale and wrong-kind records refused on
 * the client; device pointers a descriptor would keep checked by the
 * worker; unsupported exports. */
static int mode_handles(void)
{
    cusparseHandle_t h, h2;
    cusparseMatDescr_t md;
    cusparseDnVecDescr_t v;
    cusparseSpMatDescr_t a;
    cusparsePointerMode_t pm;
    cudaStream_t s, got;
    int64_t rows, cols, nnz;
    float host[K];
    void *d;
    long fake = 0;
    int ver;

    OK(cusparseGetProperty(MAJOR_VERSION, &ver));
    TRUE(ver == CUSPARSE_VER_MAJOR);
    TRUE(strcmp(cusparseGetErrorName(CUSPARSE_STATUS_INVALID_VALUE),
                "CUSPARSE_STATUS_INVALID_VALUE") == 0);
    OK(cusparseCreate(&h));
    OK(cusparseCreate(&h2));
    TRUE(h != h2);
    OK(cusparseGetVersion(h, &ver));
    TRUE(ver == CUSPARSE_VERSION);
    CHECK(cudaStreamCreate(&s));
    OK(cusparseSetStream(h, s));
    OK(cusparseGetStream(h, &got));
    TRUE(got == s);
    OK(cusparseSetStream(h, NULL));
    OK(cusparseGetPointerMode(h, &pm));
    TRUE(pm == CUSPARSE_POINTER_MODE_HOST);
    OK(cusparseSetPointerMode(h, CUSPARSE_POINTER_MODE_DEVICE));
    OK(cusparseGetPointerMode(h, &pm));
    TRUE(pm == CUSPARSE_POINTER_MODE_DEVICE);
    ST(cusparseSetPointerMode(h, (cusparsePointerMode_t)7),
       CUSPARSE_STATUS_INVALID_VALUE);

    /* Legacy matrix descriptors: the Gets answer from the record. */
    OK(cusparseCreateMatDescr(&md));
    TRUE(cusparseGetMatType(md) == CUSPARSE_MATRIX_TYPE_GENERAL);
    TRUE(cusparseGetMatIndexBase(md) == CUSPARSE_INDEX_BASE_ZERO);
    OK(cusparseSetMatType(md, CUSPARSE_MATRIX_TYPE_TRIANGULAR));
    OK(cusparseSetMatFillMode(md, CUSPARSE_FILL_MODE_UPPER));
    OK(cusparseSetMatDiagType(md, CUSPARSE_DIAG_TYPE_UNIT));
    OK(cusparseSetMatIndexBase(md, CUSPARSE_INDEX_BASE_ONE));
    TRUE(cusparseGetMatType(md) == CUSPARSE_MATRIX_TYPE_TRIANGULAR);
    TRUE(cusparseGetMatFillMode(md) == CUSPARSE_FILL_MODE_UPPER);
    TRUE(cusparseGetMatDiagType(md) == CUSPARSE_DIAG_TYPE_UNIT);
    TRUE(cusparseGetMatIndexBase(md) == CUSPARSE_INDEX_BASE_ONE);
    OK(cusparseDestroyMatDescr(md));

    /* Descriptors: sizes come back as host values; a pointer that is
     * not the client's device memory is refused by the worker. */
    d = dev_copy(a_val, sizeof(a_val));
    OK(cusparseCreateDnVec(&v, K, d, CUDA_R_32F));
    ST(cusparseCreateDnVec(&v, K, host, CUDA_R_32F),
       CUSPARSE_STATUS_INVALID_VALUE);
    OK(cusparseCreateCsr(&a, M, K, 0, d, NULL, NULL, CUSPARSE_INDEX_32I,
                         CUSPARSE_INDEX_32I, CUSPARSE_INDEX_BASE_ZERO,
                         CUDA_R_32F));
    OK(cusparseSpMatGetSize(a, &rows, &cols, &nnz));
    TRUE(rows == M && cols == K && nnz == 0);
    OK(cusparseCsrSetPointers(a, d, d, d));
    ST(cusparseCsrSetPointers(a, host, d, d), CUSPARSE_STATUS_INVALID_VALUE);

    /* Forged, wrong-kind and stale records: refused here. */
    ST(cusparseSetStream((cusparseHandle_t)&fake, NULL),
       CUSPARSE_STATUS_NOT_INITIALIZED);
    ST(cusparseSetStream(NULL, NULL), CUSPARSE_STATUS_NOT_INITIALIZED);
    ST(cusparseSetStream((cusparseHandle_t)v, NULL),
       CUSPARSE_STATUS_NOT_INITIALIZED);
    ST(cusparseSpMatGetSize((cusparseConstSpMatDescr_t)v, &rows, &cols,
                            &nnz), CUSPARSE_STATUS_INVALID_VALUE);
    ST(cusparseSpMatGetSize((cusparseConstSpMatDescr_t)&fake, &rows, &cols,
                            &nnz), CUSPARSE_STATUS_INVALID_VALUE);
    ST(cusparseSpMV(h, CUSPARSE_OPERATION_NON_TRANSPOSE, d,
                    (cusparseConstSpMatDescr_t)v, v, d, v, CUDA_R_32F,
                    CUSPARSE_SPMV_ALG_DEFAULT, d),
       CUSPARSE_STATUS_INVALID_VALUE);
    OK(cusparseDestroySpMat(a));
    ST(cusparseSpMatGetSize(a, &rows, &cols, &nnz),
       CUSPARSE_STATUS_INVALID_VALUE);
    OK(cusparseDestroy(h2));
    ST(cusparseSetStream(h2, NULL), CUSPARSE_STATUS_NOT_INITIALIZED);
    /* Remoted, absent from the simulator: the worker says so. */
    ST(cusparseCreateCsc(&a, M, K, 0, d, NULL, NULL, CUSPARSE_INDEX_32I,
                         CUSPARSE_INDEX_32I, CUSPARSE_INDEX_BASE_ZERO,
                         CUDA_R_32F), CUSPARSE_STATUS_NOT_SUPPORTED);
    /* Exports gvirtus does not remote. */
    ST(cusparseScsrcolor(h, 0, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                         NULL, NULL), CUSPARSE_STATUS_NOT_SUPPORTED);
    OK(cusparseDestroyDnVec(v));
    OK(cusparseDestroy(h));
    CHECK(cudaStreamDestroy(s));
    CHECK(cudaFree(d));
    CHECK(cudaDeviceSynchronize());
    return 0;
}

/* SpMV on a CSR matrix (host, then device pointer mode) and on the same
 * matrix in one-based COO, SpMM on the CSR matrix with B and C in either
 * order, against the CPU; then one-way failures come back late. */
static int mode_compute(void)
{
    cusparseHandle_t h;
    cusparseSpMatDescr_t a, coo;
    cusparseDnVecDescr_t vx, vy;
    cusparseDnMatDescr_t mb, mc;
    int32_t rows1[NNZ], cols1[NNZ];
    float x[K], y[M], want[M], b[K * N], c[M * N], cw[M * N];
    float one = 1, zero = 0, two = 2, half = 0.5f, scal[2] = { 2, 0.5f };
    double one_d = 1;
    void *doff, *dcol, *dval, *drow1, *dcol1, *dx, *dy, *db, *dc, *buf;
    void *dscal;
    size_t bytes = 0;

    fill(x, K, 1);
    fill(y, M, 2);
    memcpy(want, y, sizeof(y));
    for (int i = 0; i < M; i++) {
        for (int k = a_off[i]; k < a_off[i + 1]; k++) {
            rows1[k] = i + 1;
            cols1[k] = a_col[k] + 1;
        }
    }
    doff = dev_copy(a_off, sizeof(a_off));
    dcol = dev_copy(a_col, sizeof(a_col));
    dval = dev_copy(a_val, sizeof(a_val));
    drow1 = dev_copy(rows1, sizeof(rows1));
    dcol1 = dev_copy(cols1, sizeof(cols1));
    dx = dev_copy(x, sizeof(x));
    dy = dev_copy(y, sizeof(y));
    dscal = dev_copy(scal, sizeof(scal));

    OK(cusparseCreate(&h));
    OK(cusparseCreateCsr(&a, M, K, NNZ, doff, dcol, dval, CUSPARSE_INDEX_32I,
                         CUSPARSE_INDEX_32I, CUSPARSE_INDEX_BASE_ZERO,
                         CUDA_R_32F));
    OK(cusparseCreateCoo(&coo, M, K, NNZ, drow1, dcol1, dval,
                         CUSPARSE_INDEX_32I, CUSPARSE_INDEX_BASE_ONE,
                         CUDA_R_32F));
    OK(cusparseCreateDnVec(&vx, K, dx, CUDA_R_32F));
    OK(cusparseCreateDnVec(&vy, M, dy, CUDA_R_32F));
    OK(cusparseSpMV_bufferSize(h, CUSPARSE_OPERATION_NON_TRANSPOSE, &one, a,
                               vx, &zero, vy, CUDA_R_32F,
                               CUSPARSE_SPMV_ALG_DEFAULT, &bytes));
    TRUE(bytes > 0);
    CHECK(cudaMalloc(&buf, bytes));

    /* Host scalars: y = A x, then y = 2 A x + y. */
    OK(cusparseSpMV(h, CUSPARSE_OPERATION_NON_TRANSPOSE, &one, a, vx, &zero,
                    vy, CUDA_R_32F, CUSPARSE_SPMV_ALG_DEFAULT, buf));
    spmv_cpu(x, want, 1, 0);
    OK(cusparseSpMV(h, CUSPARSE_OPERATION_NON_TRANSPOSE, &two, a, vx, &one,
                    vy, CUDA_R_32F, CUSPARSE_SPMV_ALG_DEFAULT, buf));
    spmv_cpu(x, want, 2, 1);
    CHECK(cudaMemcpy(y, dy, sizeof(y), cudaMemcpyDeviceToHost));
    expect(y, want, M, "csr y");
    /* COO, one-based, the same matrix: y = A x + 0.5 y. */
    OK(cusparseSpMV(h, CUSPARSE_OPERATION_NON_TRANSPOSE, &one, coo, vx,
                    &half, vy, CUDA_R_32F, CUSPARSE_SPMV_ALG_DEFAULT, buf));
    spmv_cpu(x, want, 1, 0.5f);
    /* Device pointer mode: alpha = 2, beta = 0.5 from device memory. */
    OK(cusparseSetPointerMode(h, CUSPARSE_POINTER_MODE_DEVICE));
    OK(cusparseSpMV(h, CUSPARSE_OPERATION_NON_TRANSPOSE, dscal, a, vx,
                    (char *)dscal + sizeof(float), vy, CUDA_R_32F,
                    CUSPARSE_SPMV_ALG_DEFAULT, buf));
    spmv_cpu(x, want, 2, 0.5f);
    OK(cusparseSetPointerMode(h, CUSPARSE_POINTER_MODE_HOST));
    CHECK(cudaMemcpy(y, dy, sizeof(y), cudaMemcpyDeviceToHost));
    expect(y, want, M, "coo/device-mode y");

    /* SpMM: C = A B (B column-major K x N, C row-major), then C += A B. */
    fill(b, K * N, 3);
    memset(cw, 0, sizeof(cw));
    db = dev_copy(b, sizeof(b));
    dc = dev_copy(cw, sizeof(cw));
    OK(cusparseCreateDnMat(&mb, K, N, K, db, CUDA_R_32F, CUSPARSE_ORDER_COL));
    OK(cusparseCreateDnMat(&mc, M, N, N, dc, CUDA_R_32F, CUSPARSE_ORDER_ROW));
    OK(cusparseSpMM_bufferSize(h, CUSPARSE_OPERATION_NON_TRANSPOSE,
                               CUSPARSE_OPERATION_NON_TRANSPOSE, &one, a, mb,
                               &zero, mc, CUDA_R_32F, CUSPARSE_SPMM_ALG_DEFAULT,
                               &bytes));
    TRUE(bytes > 0);
    OK(cusparseSpMM(h, CUSPARSE_OPERATION_NON_TRANSPOSE,
                    CUSPARSE_OPERATION_NON_TRANSPOSE, &one, a, mb, &zero, mc,
                    CUDA_R_32F, CUSPARSE_SPMM_ALG_DEFAULT, buf));
    OK(cusparseSpMM(h, CUSPARSE_OPERATION_NON_TRANSPOSE,
                    CUSPARSE_OPERATION_NON_TRANSPOSE, &two, a, mb, &one, mc,
                    CUDA_R_32F, CUSPARSE_SPMM_ALG_DEFAULT, buf));
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < N; j++) {
            float acc = 0;

            for (int k = a_off[i]; k < a_off[i + 1]; k++) {
                acc += a_val[k] * b[j * K + a_col[k]];
            }
            cw[i * N + j] = 3 * acc;
        }
    }
    CHECK(cudaMemcpy(c, dc, sizeof(c), cudaMemcpyDeviceToHost));
    expect(c, cw, M * N, "spmm c");

    /* One-way: a buffer that is not device memory fails on the worker,
     * and so does a compute type the simulator does not do (alpha and
     * beta then are doubles); the next synchronising call says so. */
    OK(cusparseSpMV(h, CUSPARSE_OPERATION_NON_TRANSPOSE, &one, a, vx, &zero,
                    vy, CUDA_R_32F, CUSPARSE_SPMV_ALG_DEFAULT, x));
    RT(cudaDeviceSynchronize(), cudaErrorInvalidValue);
    CHECK(cudaDeviceSynchronize());
    OK(cusparseSpMV(h, CUSPARSE_OPERATION_NON_TRANSPOSE, &one_d, a, vx,
                    &one_d, vy, CUDA_R_64F, CUSPARSE_SPMV_ALG_DEFAULT, buf));
    RT(cudaDeviceSynchronize(), cudaErrorNotSupported);
    CHECK(cudaMemcpy(y, dy, sizeof(y), cudaMemcpyDeviceToHost));
    expect(y, want, M, "y after failed calls");

    OK(cusparseDestroyDnMat(mb));
    OK(cusparseDestroyDnMat(mc));
    OK(cusparseDestroyDnVec(vx));
    OK(cusparseDestroyDnVec(vy));
    OK(cusparseDestroySpMat(a));
    OK(cusparseDestroySpMat(coo));
    OK(cusparseDestroy(h));
    void *all[] = { doff, dcol, dval, drow1, dcol1, dx, dy, db, dc, buf,
                    dscal };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        CHECK(cudaFree(all[i]));
    }
    CHECK(cudaDeviceSynchronize());
    return 0;
}

/* SpGEMM C = 2 A B with B (K x N) sparse: work estimation and compute
 * asked for their sizes with NULL buffers, C sized by SpMatGetSize, its
 * arrays set, the product copied; a buffer smaller than the size passed
 * with it is refused by the worker. */
static int mode_spgemm(void)
{
    static const int32_t b_off[K + 1] = { 0, 2, 3, 5, 6 };
    static const int32_t b_col[6] = { 0, 2, 1, 0, 2, 1 };
    static const float b_val[6] = { 0.5f, -1, 2, 1.5f, 0.25f, -0.75f };
    cusparseHandle_t h;
    cusparseSpMatDescr_t a, b, c;
    cusparseSpGEMMDescr_t g;
    float two = 2, zero = 0, want[M * N] = { 0 }, got[M * N] = { 0 };
    int32_t c_off[M + 1], *c_col;
    float *c_val;
    void *doff, *dcol, *dval, *dboff, *dbcol, *dbval, *dcoff, *dccol;
    void *dcval, *w1, *w2;
    size_t b1 = 0, b2 = 0, big;
    int64_t rows, cols, nnz, want_nnz = 0;
    const cusparseOperation_t nt = CUSPARSE_OPERATION_NON_TRANSPOSE;

    for (int i = 0; i < M; i++) {
        int hit[N] = { 0 };

        for (int k = a_off[i]; k < a_off[i + 1]; k++) {
            int r = a_col[k];

            for (int q = b_off[r]; q < b_off[r + 1]; q++) {
                want[i * N + b_col[q]] += 2 * a_val[k] * b_val[q];
                hit[b_col[q]] = 1;
            }
        }
        for (int j = 0; j < N; j++) {
            want_nnz += hit[j];
        }
    }
    doff = dev_copy(a_off, sizeof(a_off));
    dcol = dev_copy(a_col, sizeof(a_col));
    dval = dev_copy(a_val, sizeof(a_val));
    dboff = dev_copy(b_off, sizeof(b_off));
    dbcol = dev_copy(b_col, sizeof(b_col));
    dbval = dev_copy(b_val, sizeof(b_val));
    CHECK(cudaMalloc(&dcoff, sizeof(c_off)));
    OK(cusparseCreate(&h));
    OK(cusparseCreateCsr(&a, M, K, NNZ, doff, dcol, dval, CUSPARSE_INDEX_32I,
                         CUSPARSE_INDEX_32I, CUSPARSE_INDEX_BASE_ZERO,
                         CUDA_R_32F));
    OK(cusparseCreateCsr(&b, K, N, 6, dboff, dbcol, dbval,
                         CUSPARSE_INDEX_32I, CUSPARSE_INDEX_32I,
                         CUSPARSE_INDEX_BASE_ZERO, CUDA_R_32F));
    OK(cusparseCreateCsr(&c, M, N, 0, dcoff, NULL, NULL, CUSPARSE_INDEX_32I,
                         CUSPARSE_INDEX_32I, CUSPARSE_INDEX_BASE_ZERO,
                         CUDA_R_32F));
    OK(cusparseSpGEMM_createDescr(&g));
    OK(cusparseSpGEMM_workEstimation(h, nt, nt, &two, a, b, &zero, c,
                                     CUDA_R_32F, CUSPARSE_SPGEMM_DEFAULT, g,
                                     &b1, NULL));
    TRUE(b1 > 0);
    CHECK(cudaMalloc(&w1, b1));
    big = b1 + 4096;
    ST(cusparseSpGEMM_workEstimation(h, nt, nt, &two, a, b, &zero, c,
                                     CUDA_R_32F, CUSPARSE_SPGEMM_DEFAULT, g,
                                     &big, w1),
       CUSPARSE_STATUS_INVALID_VALUE);
    OK(cusparseSpGEMM_workEstimation(h, nt, nt, &two, a, b, &zero, c,
                                     CUDA_R_32F, CUSPARSE_SPGEMM_DEFAULT, g,
                                     &b1, w1));
    OK(cusparseSpGEMM_compute(h, nt, nt, &two, a, b, &zero, c, CUDA_R_32F,
                              CUSPARSE_SPGEMM_DEFAULT, g, &b2, NULL));
    TRUE(b2 > 0);
    CHECK(cudaMalloc(&w2, b2));
    OK(cusparseSpGEMM_compute(h, nt, nt, &two, a, b, &zero, c, CUDA_R_32F,
                              CUSPARSE_SPGEMM_DEFAULT, g, &b2, w2));
    OK(cusparseSpMatGetSize(c, &rows, &cols, &nnz));
    TRUE(rows == M && cols == N && nnz == want_nnz);
    CHECK(cudaMalloc(&dccol, (size_t)nnz * sizeof(int32_t)));
    CHECK(cudaMalloc(&dcval, (size_t)nnz * sizeof(float)));
    OK(cusparseCsrSetPointers(c, dcoff, dccol, dcval));
    OK(cusparseSpGEMM_copy(h, nt, nt, &two, a, b, &zero, c, CUDA_R_32F,
                           CUSPARSE_SPGEMM_DEFAULT, g));
    c_col = calloc((size_t)nnz, sizeof(*c_col));
    c_val = calloc((size_t)nnz, sizeof(*c_val));
    TRUE(c_col != NULL && c_val != NULL);
    CHECK(cudaMemcpy(c_off, dcoff, sizeof(c_off), cudaMemcpyDeviceToHost));
    CHECK(cudaMemcpy(c_col, dccol, (size_t)nnz * sizeof(*c_col),
                     cudaMemcpyDeviceToHost));
    CHECK(cudaMemcpy(c_val, dcval, (size_t)nnz * sizeof(*c_val),
                     cudaMemcpyDeviceToHost));
    TRUE(c_off[0] == 0 && c_off[M] == nnz);
    for (int i = 0; i < M; i++) {
        for (int k = c_off[i]; k < c_off[i + 1]; k++) {
            TRUE(c_col[k] >= 0 && c_col[k] < N);
            got[i * N + c_col[k]] += c_val[k];
        }
    }
    expect(got, want, M * N, "spgemm c");

    OK(cusparseSpGEMM_destroyDescr(g));
    OK(cusparseDestroySpMat(a));
    OK(cusparseDestroySpMat(b));
    OK(cusparseDestroySpMat(c));
    OK(cusparseDestroy(h));
    void *all[] = { doff, dcol, dval, dboff, dbcol, dbval, dcoff, dccol,
                    dcval, w1, w2 };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        CHECK(cudaFree(all[i]));
    }
    free(c_col);
    free(c_val);
    CHECK(cudaDeviceSynchronize());
    return 0;
}

/* Leave a handle, a sparse matrix, a dense vector and a matrix
 * descriptor for the worker to destroy. */
static int mode_leave(void)
{
    cusparseHandle_t h;
    cusparseSpMatDescr_t a;
    cusparseDnVecDescr_t v;
    cusparseMatDescr_t md;

    OK(cusparseCreate(&h));
    OK(cusparseCreateCsr(&a, 2, 2, 0, NULL, NULL, NULL, CUSPARSE_INDEX_32I,
                         CUSPARSE_INDEX_32I, CUSPARSE_INDEX_BASE_ZERO,
                         CUDA_R_32F));
    OK(cusparseCreateDnVec(&v, 0, NULL, CUDA_R_32F));
    OK(cusparseCreateMatDescr(&md));
    CHECK(cudaDeviceSynchronize());
    return 0;
}

int main(int argc, char **argv)
{
    static const libapp_mode_t modes[] = {
        { "handles", mode_handles },
        { "compute", mode_compute },
        { "spgemm", mode_spgemm },
        { "leave", mode_leave },
    };

    return libapp_main("spapp", argc, argv, modes,
                       sizeof(modes) / sizeof(modes[0]));
}
