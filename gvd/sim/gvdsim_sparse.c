/*
 * gvdsim_sparse.c - a simulated cuSPARSE in libgvdsim.so (tests only),
 * so that `make check` drives the cuSPARSE marshalling end to end:
 * handles with their stream and pointer mode, CSR and COO matrix
 * descriptors (32-bit indices, FP32 values), dense vectors and matrices,
 * legacy matrix descriptors, and FP32 SpMV (CSR, COO), SpMM (CSR,
 * either dense order) and SpGEMM (CSR: work estimation, compute, copy)
 * computed on the host memory behind the simulated device memory, with
 * buffer sizes the calls then require.
 *
 * Everything else is absent (the worker answers
 * CUSPARSE_STATUS_NOT_SUPPORTED); other operations, types or formats of
 * these calls answer CUSPARSE_STATUS_NOT_SUPPORTED too.  Memory a call
 * would touch outside the client's allocations, or an index out of
 * range, fails with CUSPARSE_STATUS_EXECUTION_FAILED, as a faulting
 * kernel would.
 */
#define DISABLE_CUSPARSE_DEPRECATED 1
#include "gvdsim.h"

#include <cusparse.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define SP_MAGIC    0x53504831u /* handle */
#define SPMAT_MAGIC 0x5350534du
#define DNMAT_MAGIC 0x5350444du
#define DNVEC_MAGIC 0x53504456u
#define MAT_MAGIC   0x53504d44u /* legacy matrix descriptor */
#define GEMM_MAGIC  0x53504745u /* SpGEMM descriptor */

/* Bytes of external buffer SpMV and SpMM ask for (and then need). */
#define SIM_SP_BUFFER 256

typedef struct sim_sp {
    uint32_t magic;
    cudaStream_t stream;                /* handle */
    cusparsePointerMode_t pmode;        /* handle */
    cusparseFormat_t format;            /* sparse matrix: CSR or COO */
    int64_t rows, cols, nnz, ld;        /* ld: dense matrix */
    void *rowp, *colp, *vals;           /* device pointers */
    cusparseIndexBase_t base;
    cudaDataType type;
    cusparseOrder_t order;              /* dense matrix */
    int mtype;                          /* legacy descriptor */
    int32_t *p_off, *p_col;             /* SpGEMM: the product (owned) */
    float *p_val;
    int64_t p_nnz;
} sim_sp_t;

static sim_sp_t *sp_of(const void *p, uint32_t magic)
{
    sim_sp_t *o = (sim_sp_t *)p;

    return o != NULL && o->magic == magic ? o : NULL;
}

static cusparseStatus_t sp_new(uint32_t magic, sim_sp_t **out)
{
    sim_sp_t *o;

    if (out == NULL) {
        return CUSPARSE_STATUS_INVALID_VALUE;
    }
    o = calloc(1, sizeof(*o));
    if (o == NULL) {
        return CUSPARSE_STATUS_ALLOC_FAILED;
    }
    o->magic = magic;
    *out = o;
    return CUSPARSE_STATUS_SUCCESS;
}

static cusparseStatus_t sp_free(const void *p, uint32_t magic)
{
    sim_sp_t *o = sp_of(p, magic);

    if (o == NULL) {
        return CUSPARSE_STATUS_INVALID_VALUE;
    }
    o->magic = 0;
    free(o->p_off);
    free(o->p_col);
    free(o->p_val);
    free(o);
    return CUSPARSE_STATUS_SUCCESS;
}

/* Host memory behind device range [p, p + len), or NULL. */
static void *host_range(const void *p, size_t len)
{
    return p != NULL && sim_find(p, len) != NULL ? sim_host_of(p) : NULL;
}

/* ---- handles ------------------------------------------------------------- */

SIM cusparseStatus_t cusparseCreate(cusparseHandle_t *handle)
{
    return sp_new(SP_MAGIC, (sim_sp_t **)handle);
}

SIM cusparseStatus_t cusparseDestroy(cusparseHandle_t handle)
{
    return sp_free(handle, SP_MAGIC);
}

SIM cusparseStatus_t cusparseSetStream(cusparseHandle_t handle,
                                       cudaStream_t streamId)
{
    sim_sp_t *o = sp_of(handle, SP_MAGIC);

    if (o == NULL) {
        return CUSPARSE_STATUS_NOT_INITIALIZED;
    }
    if (!sim_stream_ok(streamId)) {
        return CUSPARSE_STATUS_INVALID_VALUE;
    }
    o->stream = streamId;
    return CUSPARSE_STATUS_SUCCESS;
}

SIM cusparseStatus_t cusparseGetStream(cusparseHandle_t handle,
                                       cudaStream_t *streamId)
{
    sim_sp_t *o = sp_of(handle, SP_MAGIC);

    if (o == NULL) {
        return CUSPARSE_STATUS_NOT_INITIALIZED;
    }
    if (streamId == NULL) {
        return CUSPARSE_STATUS_INVALID_VALUE;
    }
    *streamId = o->stream;
    return CUSPARSE_STATUS_SUCCESS;
}

SIM cusparseStatus_t cusparseSetPointerMode(cusparseHandle_t handle,
                                            cusparsePointerMode_t mode)
{
    sim_sp_t *o = sp_of(handle, SP_MAGIC);

    if (o == NULL) {
        return CUSPARSE_STATUS_NOT_INITIALIZED;
    }
    if (mode != CUSPARSE_POINTER_MODE_HOST &&
        mode != CUSPARSE_POINTER_MODE_DEVICE) {
        return CUSPARSE_STATUS_INVALID_VALUE;
    }
    o->pmode = mode;
    return CUSPARSE_STATUS_SUCCESS;
}

SIM cusparseStatus_t cusparseGetPointerMode(cusparseHandle_t handle,
                                            cusparsePointerMode_t *mode)
{
    sim_sp_t *o = sp_of(handle, SP_MAGIC);

    if (o == NULL) {
        return CUSPARSE_STATUS_NOT_INITIALIZED;
    }
    if (mode == NULL) {
        return CUSPARSE_STATUS_INVALID_VALUE;
    }
    *mode = o->pmode;
    return CUSPARSE_STATUS_SUCCESS;
}

/* ---- descriptors --------------------------------------------------------- */

static cusparseStatus_t spmat_new(cusparseSpMatDescr_t *d,
                                  cusparseFormat_t fmt, int64_t rows,
                                  int64_t cols, int64_t nnz, void *rowp,
                                  void *colp, void *vals,
                                  cusparseIndexType_t it1,
                                  cusparseIndexType_t it2,
                                  cusparseIndexBase_t base, cudaDataType t)
{
    sim_sp_t *o;
    cusparseStatus_t st;

    if (rows < 0 || cols < 0 || nnz < 0 ||
        (base != CUSPARSE_INDEX_BASE_ZERO &&
         base != CUSPARSE_INDEX_BASE_ONE)) {
        return CUSPARSE_STATUS_INVALID_VALUE;
    }
    if (it1 != CUSPARSE_INDEX_32I || it2 != CUSPARSE_INDEX_32I ||
        t != CUDA_R_32F) {
        return CUSPARSE_STATUS_NOT_SUPPORTED;
    }
    st = sp_new(SPMAT_MAGIC, &o);
    if (st != CUSPARSE_STATUS_SUCCESS) {
        return st;
    }
    o->format = fmt;
    o->rows = rows, o->cols = cols, o->nnz = nnz;
    o->rowp = rowp, o->colp = colp, o->vals = vals;
    o->base = base;
    o->type = t;
    *d = (cusparseSpMatDescr_t)o;
    return CUSPARSE_STATUS_SUCCESS;
}

SIM cusparseStatus_t cusparseCreateCsr(
    cusparseSpMatDescr_t *spMatDescr, int64_t rows, int64_t cols,
    int64_t nnz, void *csrRowOffsets, void *csrColInd, void *csrValues,
    cusparseIndexType_t csrRowOffsetsType, cusparseIndexType_t csrColIndType,
    cusparseIndexBase_t idxBase, cudaDataType valueType)
{
    if (spMatDescr == NULL) {
        return CUSPARSE_STATUS_INVALID_VALUE;
    }
    return spmat_new(spMatDescr, CUSPARSE_FORMAT_CSR, rows, cols, nnz,
                     csrRowOffsets, csrColInd, csrValues, csrRowOffsetsType,
                     csrColIndType, idxBase, valueType);
}

SIM cusparseStatus_t cusparseCreateCoo(
    cusparseSpMatDescr_t *spMatDescr, int64_t rows, int64_t cols,
    int64_t nnz, void *cooRowInd, void *cooColInd, void *cooValues,
    cusparseIndexType_t cooIdxType, cusparseIndexBase_t idxBase,
    cudaDataType valueType)
{
    if (spMatDescr == NULL) {
        return CUSPARSE_STATUS_INVALID_VALUE;
    }
    return spmat_new(spMatDescr, CUSPARSE_FORMAT_COO, rows, cols, nnz,
                     cooRowInd, cooColInd, cooValues, cooIdxType,
                     cooIdxType, idxBase, valueType);
}

SIM cusparseStatus_t cusparseDestroySpMat(cusparseConstSpMatDescr_t d)
{
    return sp_free(d, SPMAT_MAGIC);
}

SIM cusparseStatus_t cusparseSpMatGetSize(cusparseConstSpMatDescr_t d,
                                          int64_t *rows, int64_t *cols,
                                          int64_t *nnz)
{
    sim_sp_t *o = sp_of(d, SPMAT_MAGIC);

    if (o == NULL || rows == NULL || cols == NULL || nnz == NULL) {
        return CUSPARSE_STATUS_INVALID_VALUE;
    }
    *rows = o->rows, *cols = o->cols, *nnz = o->nnz;
    return CUSPARSE_STATUS_SUCCESS;
}

SIM cusparseStatus_t cusparseCsrSetPointers(cusparseSpMatDescr_t d,
                                            void *csrRowOffsets,
                                            void *csrColInd, void *csrValues)
{
    sim_sp_t *o = sp_of(d, SPMAT_MAGIC);

    if (o == NULL || o->format != CUSPARSE_FORMAT_CSR ||
        csrRowOffsets == NULL) {
        return CUSPARSE_STATUS_INVALID_VALUE;
    }
    o->rowp = csrRowOffsets, o->colp = csrColInd, o->vals = csrValues;
    return CUSPARSE_STATUS_SUCCESS;
}

SIM cusparseStatus_t cusparseCreateDnVec(cusparseDnVecDescr_t *d,
                                         int64_t size, void *values,
                                         cudaDataType valueType)
{
    sim_sp_t *o;
    cusparseStatus_t st;

    if (d == NULL || size < 0) {
        return CUSPARSE_STATUS_INVALID_VALUE;
    }
    if (valueType != CUDA_R_32F) {
        return CUSPARSE_STATUS_NOT_SUPPORTED;
    }
    st = sp_new(DNVEC_MAGIC, &o);
    if (st == CUSPARSE_STATUS_SUCCESS) {
        o->rows = size, o->vals = values, o->type = valueType;
        *d = (cusparseDnVecDescr_t)o;
    }
    return st;
}

SIM cusparseStatus_t cusparseDnVecSetValues(cusparseDnVecDescr_t d,
                                            void *values)
{
    sim_sp_t *o = sp_of(d, DNVEC_MAGIC);

    if (o == NULL || values == NULL) {
        return CUSPARSE_STATUS_INVALID_VALUE;
    }
    o->vals = values;
    return CUSPARSE_STATUS_SUCCESS;
}

SIM cusparseStatus_t cusparseDestroyDnVec(cusparseConstDnVecDescr_t d)
{
    return sp_free(d, DNVEC_MAGIC);
}

SIM cusparseStatus_t cusparseCreateDnMat(cusparseDnMatDescr_t *d,
                                         int64_t rows, int64_t cols,
                                         int64_t ld, void *values,
                                         cudaDataType valueType,
                                         cusparseOrder_t order)
{
    sim_sp_t *o;
    cusparseStatus_t st;

    if (d == NULL || rows < 0 || cols < 0 ||
        (order != CUSPARSE_ORDER_COL && order != CUSPARSE_ORDER_ROW) ||
        ld < (order == CUSPARSE_ORDER_COL ? rows : cols)) {
        return CUSPARSE_STATUS_INVALID_VALUE;
    }
    if (valueType != CUDA_R_32F) {
        return CUSPARSE_STATUS_NOT_SUPPORTED;
    }
    st = sp_new(DNMAT_MAGIC, &o);
    if (st == CUSPARSE_STATUS_SUCCESS) {
        o->rows = rows, o->cols = cols, o->ld = ld, o->vals = values;
        o->type = valueType, o->order = order;
        *d = (cusparseDnMatDescr_t)o;
    }
    return st;
}

SIM cusparseStatus_t cusparseDestroyDnMat(cusparseConstDnMatDescr_t d)
{
    return sp_free(d, DNMAT_MAGIC);
}

SIM cusparseStatus_t cusparseCreateMatDescr(cusparseMatDescr_t *d)
{
    return sp_new(MAT_MAGIC, (sim_sp_t **)d);
}

SIM cusparseStatus_t cusparseDestroyMatDescr(cusparseMatDescr_t d)
{
    return sp_free(d, MAT_MAGIC);
}

SIM cusparseStatus_t cusparseSetMatType(cusparseMatDescr_t d,
                                        cusparseMatrixType_t type)
{
    sim_sp_t *o = sp_of(d, MAT_MAGIC);

    if (o == NULL || type < CUSPARSE_MATRIX_TYPE_GENERAL ||
        type > CUSPARSE_MATRIX_TYPE_TRIANGULAR) {
        return CUSPARSE_STATUS_INVALID_VALUE;
    }
    o->mtype = type;
    return CUSPARSE_STATUS_SUCCESS;
}

/* Fill mode, diagonal type and index base: checked, not kept (the
 * simulator's calls do not read them). */
SIM cusparseStatus_t cusparseSetMatFillMode(cusparseMatDescr_t d,
                                            cusparseFillMode_t fillMode)
{
    return sp_of(d, MAT_MAGIC) != NULL &&
           (fillMode == CUSPARSE_FILL_MODE_LOWER ||
            fillMode == CUSPARSE_FILL_MODE_UPPER)
               ? CUSPARSE_STATUS_SUCCESS : CUSPARSE_STATUS_INVALID_VALUE;
}

SIM cusparseStatus_t cusparseSetMatDiagType(cusparseMatDescr_t d,
                                            cusparseDiagType_t diagType)
{
    return sp_of(d, MAT_MAGIC) != NULL &&
           (diagType == CUSPARSE_DIAG_TYPE_NON_UNIT ||
            diagType == CUSPARSE_DIAG_TYPE_UNIT)
               ? CUSPARSE_STATUS_SUCCESS : CUSPARSE_STATUS_INVALID_VALUE;
}

SIM cusparseStatus_t cusparseSetMatIndexBase(cusparseMatDescr_t d,
                                             cusparseIndexBase_t base)
{
    return sp_of(d, MAT_MAGIC) != NULL &&
           (base == CUSPARSE_INDEX_BASE_ZERO ||
            base == CUSPARSE_INDEX_BASE_ONE)
               ? CUSPARSE_STATUS_SUCCESS : CUSPARSE_STATUS_INVALID_VALUE;
}

/* ---- SpMV and SpMM ------------------------------------------------------ */

/* The host views of a sparse matrix's arrays: NULL when any lies outside
 * the client's memory. */
typedef struct sp_view {
    const int32_t *rowp, *colp;
    const float *vals;
} sp_view_t;

static int sp_view(const sim_sp_t *a, sp_view_t *v)
{
    size_t nr = a->format == CUSPARSE_FORMAT_CSR ? (size_t)a->rows + 1
                                                 : (size_t)a->nnz;

    v->rowp = host_range(a->rowp, nr * sizeof(int32_t));
    v->colp = host_range(a->colp, (size_t)a->nnz * sizeof(int32_t));
    v->vals = host_range(a->vals, (size_t)a->nnz * sizeof(float));
    return v->rowp != NULL &&
           (a->nnz == 0 || (v->colp != NULL && v->vals != NULL));
}

/* Entry k of a: its row and column (base removed); 0 when out of range. */
static int sp_entry(const sim_sp_t *a, const sp_view_t *v, int64_t k,
                    int64_t row, int64_t *r_p, int64_t *c_p)
{
    int64_t r = a->format == CUSPARSE_FORMAT_CSR ? row
                                                 : v->rowp[k] - a->base;
    int64_t c = v->colp[k] - a->base;

    *r_p = r, *c_p = c;
    return r >= 0 && r < a->rows && c >= 0 && c < a->cols;
}

/* Calls fn(r, c, value, arg) for every entry of a; 0 when an index or
 * row offset is out of range. */
static int sp_each(const sim_sp_t *a, const sp_view_t *v,
                   void (*fn)(int64_t, int64_t, float, void *), void *arg)
{
    int64_t rows = a->format == CUSPARSE_FORMAT_CSR ? a->rows : 1;

    for (int64_t i = 0; i < rows; i++) {
        int64_t lo = 0, hi = a->nnz;

        if (a->format == CUSPARSE_FORMAT_CSR) {
            lo = v->rowp[i] - a->base, hi = v->rowp[i + 1] - a->base;
            if (lo < 0 || hi < lo || hi > a->nnz) {
                return 0;
            }
        }
        for (int64_t k = lo; k < hi; k++) {
            int64_t r, c;

            if (!sp_entry(a, v, k, i, &r, &c)) {
                return 0;
            }
            fn(r, c, v->vals[k], arg);
        }
    }
    return 1;
}

/* alpha and beta as the handle's pointer mode says: NULL when a device
 * one lies outside the client's memory. */
static int sp_scalars(const sim_sp_t *h, const void *alpha,
                      const void *beta, float *a_p, float *b_p)
{
    const float *a = h->pmode ? host_range(alpha, sizeof(float)) : alpha;
    const float *b = h->pmode ? host_range(beta, sizeof(float)) : beta;

    if (a == NULL || b == NULL) {
        return 0;
    }
    *a_p = *a, *b_p = *b;
    return 1;
}

typedef struct spmv_arg {
    const float *x;
    float *acc;
} spmv_arg_t;

static void spmv_one(int64_t r, int64_t c, float v, void *arg)
{
    spmv_arg_t *m = arg;

    m->acc[r] += v * m->x[c];
}

/* Checks shared by SpMV and its buffer size: NOT_SUPPORTED for what the
 * simulator does not do. */
static cusparseStatus_t spmv_check(cusparseHandle_t handle,
                                   cusparseOperation_t opA,
                                   const sim_sp_t *a, const sim_sp_t *x,
                                   const sim_sp_t *y, cudaDataType ct)
{
    if (sp_of(handle, SP_MAGIC) == NULL) {
        return CUSPARSE_STATUS_NOT_INITIALIZED;
    }
    if (a == NULL || x == NULL || y == NULL || x->rows != a->cols ||
        y->rows != a->rows) {
        return CUSPARSE_STATUS_INVALID_VALUE;
    }
    if (opA != CUSPARSE_OPERATION_NON_TRANSPOSE || ct != CUDA_R_32F) {
        return CUSPARSE_STATUS_NOT_SUPPORTED;
    }
    return CUSPARSE_STATUS_SUCCESS;
}

SIM cusparseStatus_t cusparseSpMV_bufferSize(
    cusparseHandle_t handle, cusparseOperation_t opA, const void *alpha,
    cusparseConstSpMatDescr_t matA, cusparseConstDnVecDescr_t vecX,
    const void *beta, cusparseDnVecDescr_t vecY, cudaDataType computeType,
    cusparseSpMVAlg_t alg, size_t *bufferSize)
{
    cusparseStatus_t st = spmv_check(handle, opA, sp_of(matA, SPMAT_MAGIC),
                                     sp_of(vecX, DNVEC_MAGIC),
                                     sp_of(vecY, DNVEC_MAGIC), computeType);

    (void)alpha, (void)beta, (void)alg;
    if (st == CUSPARSE_STATUS_SUCCESS && bufferSize == NULL) {
        st = CUSPARSE_STATUS_INVALID_VALUE;
    }
    if (st == CUSPARSE_STATUS_SUCCESS) {
        *bufferSize = SIM_SP_BUFFER;
    }
    return st;
}

/* y = alpha * A x + beta * y, accumulated in float. */
SIM cusparseStatus_t cusparseSpMV(
    cusparseHandle_t handle, cusparseOperation_t opA, const void *alpha,
    cusparseConstSpMatDescr_t matA, cusparseConstDnVecDescr_t vecX,
    const void *beta, cusparseDnVecDescr_t vecY, cudaDataType computeType,
    cusparseSpMVAlg_t alg, void *externalBuffer)
{
    sim_sp_t *a = sp_of(matA, SPMAT_MAGIC), *x = sp_of(vecX, DNVEC_MAGIC);
    sim_sp_t *y = sp_of(vecY, DNVEC_MAGIC);
    cusparseStatus_t st = spmv_check(handle, opA, a, x, y, computeType);
    spmv_arg_t m;
    sp_view_t v;
    float al, be, *hy;
    int ok;

    (void)alg;
    if (st != CUSPARSE_STATUS_SUCCESS) {
        return st;
    }
    m.x = host_range(x->vals, (size_t)x->rows * sizeof(float));
    hy = host_range(y->vals, (size_t)y->rows * sizeof(float));
    if (!sp_scalars(sp_of(handle, SP_MAGIC), alpha, beta, &al, &be) ||
        host_range(externalBuffer, SIM_SP_BUFFER) == NULL ||
        !sp_view(a, &v) || m.x == NULL || hy == NULL) {
        return CUSPARSE_STATUS_EXECUTION_FAILED;
    }
    m.acc = calloc((size_t)a->rows + 1, sizeof(float));
    if (m.acc == NULL) {
        return CUSPARSE_STATUS_ALLOC_FAILED;
    }
    ok = sp_each(a, &v, spmv_one, &m);
    for (int64_t i = 0; ok && i < a->rows; i++) {
        hy[i] = al * m.acc[i] + (be != 0 ? be * hy[i] : 0);
    }
    free(m.acc);
    return ok ? CUSPARSE_STATUS_SUCCESS : CUSPARSE_STATUS_EXECUTION_FAILED;
}

typedef struct spmm_arg {
    const sim_sp_t *b;
    const float *hb;
    float *acc;                 /* rows x n, row-major */
} spmm_arg_t;

/* Element (i, j) of dense matrix d over host memory h. */
static size_t dn_at(const sim_sp_t *d, int64_t i, int64_t j)
{
    return d->order == CUSPARSE_ORDER_COL ? (size_t)(j * d->ld + i)
                                          : (size_t)(i * d->ld + j);
}

static void spmm_one(int64_t r, int64_t c, float v, void *arg)
{
    spmm_arg_t *m = arg;
    int64_t n = m->b->cols;

    for (int64_t j = 0; j < n; j++) {
        m->acc[r * n + j] += v * m->hb[dn_at(m->b, c, j)];
    }
}

/* Bytes a dense matrix spans. */
static size_t dn_span(const sim_sp_t *d)
{
    int64_t outer = d->order == CUSPARSE_ORDER_COL ? d->cols : d->rows;
    int64_t inner = d->order == CUSPARSE_ORDER_COL ? d->rows : d->cols;

    return outer == 0 ? 0
                      : ((size_t)(outer - 1) * (size_t)d->ld +
                         (size_t)inner) * sizeof(float);
}

static cusparseStatus_t spmm_check(cusparseHandle_t handle,
                                   cusparseOperation_t opA,
                                   cusparseOperation_t opB,
                                   const sim_sp_t *a, const sim_sp_t *b,
                                   const sim_sp_t *c, cudaDataType ct)
{
    if (sp_of(handle, SP_MAGIC) == NULL) {
        return CUSPARSE_STATUS_NOT_INITIALIZED;
    }
    if (a == NULL || b == NULL || c == NULL || b->rows != a->cols ||
        c->rows != a->rows || c->cols != b->cols) {
        return CUSPARSE_STATUS_INVALID_VALUE;
    }
    if (opA != CUSPARSE_OPERATION_NON_TRANSPOSE ||
        opB != CUSPARSE_OPERATION_NON_TRANSPOSE || ct != CUDA_R_32F ||
        a->format != CUSPARSE_FORMAT_CSR) {
        return CUSPARSE_STATUS_NOT_SUPPORTED;
    }
    return CUSPARSE_STATUS_SUCCESS;
}

SIM cusparseStatus_t cusparseSpMM_bufferSize(
    cusparseHandle_t handle, cusparseOperation_t opA,
    cusparseOperation_t opB, const void *alpha,
    cusparseConstSpMatDescr_t matA, cusparseConstDnMatDescr_t matB,
    const void *beta, cusparseDnMatDescr_t matC, cudaDataType computeType,
    cusparseSpMMAlg_t alg, size_t *bufferSize)
{
    cusparseStatus_t st = spmm_check(handle, opA, opB,
                                     sp_of(matA, SPMAT_MAGIC),
                                     sp_of(matB, DNMAT_MAGIC),
                                     sp_of(matC, DNMAT_MAGIC), computeType);

    (void)alpha, (void)beta, (void)alg;
    if (st == CUSPARSE_STATUS_SUCCESS && bufferSize == NULL) {
        st = CUSPARSE_STATUS_INVALID_VALUE;
    }
    if (st == CUSPARSE_STATUS_SUCCESS) {
        *bufferSize = SIM_SP_BUFFER;
    }
    return st;
}

/* C = alpha * A B + beta * C, accumulated in float. */
SIM cusparseStatus_t cusparseSpMM(
    cusparseHandle_t handle, cusparseOperation_t opA,
    cusparseOperation_t opB, const void *alpha,
    cusparseConstSpMatDescr_t matA, cusparseConstDnMatDescr_t matB,
    const void *beta, cusparseDnMatDescr_t matC, cudaDataType computeType,
    cusparseSpMMAlg_t alg, void *externalBuffer)
{
    sim_sp_t *a = sp_of(matA, SPMAT_MAGIC), *b = sp_of(matB, DNMAT_MAGIC);
    sim_sp_t *c = sp_of(matC, DNMAT_MAGIC);
    cusparseStatus_t st = spmm_check(handle, opA, opB, a, b, c,
                                     computeType);
    spmm_arg_t m;
    sp_view_t v;
    float al, be, *hc;
    int ok;

    (void)alg;
    if (st != CUSPARSE_STATUS_SUCCESS) {
        return st;
    }
    m.b = b;
    m.hb = host_range(b->vals, dn_span(b));
    hc = host_range(c->vals, dn_span(c));
    if (!sp_scalars(sp_of(handle, SP_MAGIC), alpha, beta, &al, &be) ||
        host_range(externalBuffer, SIM_SP_BUFFER) == NULL ||
        !sp_view(a, &v) || (b->rows * b->cols > 0 && m.hb == NULL) ||
        (c->rows * c->cols > 0 && hc == NULL)) {
        return CUSPARSE_STATUS_EXECUTION_FAILED;
    }
    m.acc = calloc((size_t)(a->rows * b->cols) + 1, sizeof(float));
    if (m.acc == NULL) {
        return CUSPARSE_STATUS_ALLOC_FAILED;
    }
    ok = sp_each(a, &v, spmm_one, &m);
    for (int64_t i = 0; ok && i < c->rows; i++) {
        for (int64_t j = 0; j < c->cols; j++) {
            float *o = &hc[dn_at(c, i, j)];

            *o = al * m.acc[i * c->cols + j] + (be != 0 ? be * *o : 0);
        }
    }
    free(m.acc);
    return ok ? CUSPARSE_STATUS_SUCCESS : CUSPARSE_STATUS_EXECUTION_FAILED;
}

/* ---- SpGEMM ------------------------------------------------------------- */

SIM cusparseStatus_t cusparseSpGEMM_createDescr(cusparseSpGEMMDescr_t *d)
{
    return sp_new(GEMM_MAGIC, (sim_sp_t **)d);
}

SIM cusparseStatus_t cusparseSpGEMM_destroyDescr(cusparseSpGEMMDescr_t d)
{
    return sp_free(d, GEMM_MAGIC);
}

/* Checks shared by the SpGEMM calls: C = alpha A B of CSR FP32
 * matrices, no transposes. */
static cusparseStatus_t gemm_check(cusparseHandle_t handle,
                                   cusparseOperation_t opA,
                                   cusparseOperation_t opB,
                                   const sim_sp_t *a, const sim_sp_t *b,
                                   const sim_sp_t *c, cudaDataType ct,
                                   const sim_sp_t *g)
{
    if (sp_of(handle, SP_MAGIC) == NULL) {
        return CUSPARSE_STATUS_NOT_INITIALIZED;
    }
    if (a == NULL || b == NULL || c == NULL || g == NULL ||
        a->cols != b->rows || c->rows != a->rows || c->cols != b->cols) {
        return CUSPARSE_STATUS_INVALID_VALUE;
    }
    if (opA != CUSPARSE_OPERATION_NON_TRANSPOSE ||
        opB != CUSPARSE_OPERATION_NON_TRANSPOSE || ct != CUDA_R_32F ||
        a->format != CUSPARSE_FORMAT_CSR ||
        b->format != CUSPARSE_FORMAT_CSR ||
        c->format != CUSPARSE_FORMAT_CSR) {
        return CUSPARSE_STATUS_NOT_SUPPORTED;
    }
    return CUSPARSE_STATUS_SUCCESS;
}

/* A call with a NULL buffer asks its size; otherwise the buffer must
 * hold that many bytes of device memory and at least what was asked. */
static cusparseStatus_t gemm_buffer(size_t *size, void *buf)
{
    if (size == NULL) {
        return CUSPARSE_STATUS_INVALID_VALUE;
    }
    if (buf == NULL) {
        *size = SIM_SP_BUFFER;
        return CUSPARSE_STATUS_SUCCESS;
    }
    if (*size < SIM_SP_BUFFER) {
        return CUSPARSE_STATUS_INSUFFICIENT_RESOURCES;
    }
    return host_range(buf, *size) != NULL ? CUSPARSE_STATUS_SUCCESS
                                          : CUSPARSE_STATUS_EXECUTION_FAILED;
}

SIM cusparseStatus_t cusparseSpGEMM_workEstimation(
    cusparseHandle_t handle, cusparseOperation_t opA,
    cusparseOperation_t opB, const void *alpha,
    cusparseConstSpMatDescr_t matA, cusparseConstSpMatDescr_t matB,
    const void *beta, cusparseSpMatDescr_t matC, cudaDataType computeType,
    cusparseSpGEMMAlg_t alg, cusparseSpGEMMDescr_t spgemmDescr,
    size_t *bufferSize1, void *externalBuffer1)
{
    cusparseStatus_t st = gemm_check(handle, opA, opB,
                                     sp_of(matA, SPMAT_MAGIC),
                                     sp_of(matB, SPMAT_MAGIC),
                                     sp_of(matC, SPMAT_MAGIC), computeType,
                                     sp_of(spgemmDescr, GEMM_MAGIC));

    (void)alpha, (void)beta, (void)alg;
    return st != CUSPARSE_STATUS_SUCCESS
               ? st : gemm_buffer(bufferSize1, externalBuffer1);
}

/* The product alpha A B into g (rows sorted by column), and C's nnz. */
static cusparseStatus_t gemm_product(sim_sp_t *g, const sim_sp_t *a,
                                     const sim_sp_t *b, sim_sp_t *c,
                                     float alpha)
{
    sp_view_t va, vb;
    int64_t n = b->cols, nnz = 0, cap = 16;
    float *acc = calloc((size_t)n + 1, sizeof(float));
    char *seen = calloc((size_t)n + 1, 1);
    int32_t *off = calloc((size_t)a->rows + 1, sizeof(int32_t));
    int32_t *col = malloc((size_t)cap * sizeof(int32_t));
    float *val = malloc((size_t)cap * sizeof(float));
    cusparseStatus_t st = CUSPARSE_STATUS_SUCCESS;

    if (acc == NULL || seen == NULL || off == NULL || col == NULL ||
        val == NULL) {
        st = CUSPARSE_STATUS_ALLOC_FAILED;
        goto out;
    }
    if (!sp_view(a, &va) || !sp_view(b, &vb)) {
        st = CUSPARSE_STATUS_EXECUTION_FAILED;
        goto out;
    }
    for (int64_t i = 0; i < a->rows; i++) {
        for (int64_t k = va.rowp[i] - a->base;
             k < va.rowp[i + 1] - a->base; k++) {
            int64_t r = va.colp[k] - a->base;

            if (k < 0 || k >= a->nnz || r < 0 || r >= b->rows) {
                st = CUSPARSE_STATUS_EXECUTION_FAILED;
                goto out;
            }
            for (int64_t q = vb.rowp[r] - b->base;
                 q < vb.rowp[r + 1] - b->base; q++) {
                int64_t j = vb.colp[q] - b->base;

                if (q < 0 || q >= b->nnz || j < 0 || j >= n) {
                    st = CUSPARSE_STATUS_EXECUTION_FAILED;
                    goto out;
                }
                acc[j] += va.vals[k] * vb.vals[q];
                seen[j] = 1;
            }
        }
        for (int64_t j = 0; j < n; j++) {
            if (!seen[j]) {
                continue;
            }
            if (nnz == cap) {
                int32_t *c2 = realloc(col, (size_t)cap * 2 * sizeof(*col));
                float *v2 = c2 != NULL
                                ? realloc(val, (size_t)cap * 2 * sizeof(*val))
                                : NULL;

                col = c2 != NULL ? c2 : col;
                val = v2 != NULL ? v2 : val;
                if (c2 == NULL || v2 == NULL) {
                    st = CUSPARSE_STATUS_ALLOC_FAILED;
                    goto out;
                }
                cap *= 2;
            }
            col[nnz] = (int32_t)j + c->base;
            val[nnz++] = alpha * acc[j];
            acc[j] = 0, seen[j] = 0;
        }
        off[i + 1] = (int32_t)nnz;
    }
    for (int64_t i = 0; i <= a->rows; i++) {
        off[i] += c->base;
    }
    free(g->p_off), free(g->p_col), free(g->p_val);
    g->p_off = off, g->p_col = col, g->p_val = val, g->p_nnz = nnz;
    off = NULL, col = NULL, val = NULL;
    c->nnz = nnz;
out:
    free(acc), free(seen), free(off), free(col), free(val);
    return st;
}

SIM cusparseStatus_t cusparseSpGEMM_compute(
    cusparseHandle_t handle, cusparseOperation_t opA,
    cusparseOperation_t opB, const void *alpha,
    cusparseConstSpMatDescr_t matA, cusparseConstSpMatDescr_t matB,
    const void *beta, cusparseSpMatDescr_t matC, cudaDataType computeType,
    cusparseSpGEMMAlg_t alg, cusparseSpGEMMDescr_t spgemmDescr,
    size_t *bufferSize2, void *externalBuffer2)
{
    sim_sp_t *a = sp_of(matA, SPMAT_MAGIC), *b = sp_of(matB, SPMAT_MAGIC);
    sim_sp_t *c = sp_of(matC, SPMAT_MAGIC);
    sim_sp_t *g = sp_of(spgemmDescr, GEMM_MAGIC);
    cusparseStatus_t st = gemm_check(handle, opA, opB, a, b, c, computeType,
                                     g);
    float al, be;

    (void)alg;
    if (st == CUSPARSE_STATUS_SUCCESS) {
        st = gemm_buffer(bufferSize2, externalBuffer2);
    }
    if (st != CUSPARSE_STATUS_SUCCESS || externalBuffer2 == NULL) {
        return st;
    }
    if (!sp_scalars(sp_of(handle, SP_MAGIC), alpha, beta, &al, &be)) {
        return CUSPARSE_STATUS_EXECUTION_FAILED;
    }
    return gemm_product(g, a, b, c, al);
}

/* C's arrays (set with cusparseCsrSetPointers) get the product. */
SIM cusparseStatus_t cusparseSpGEMM_copy(
    cusparseHandle_t handle, cusparseOperation_t opA,
    cusparseOperation_t opB, const void *alpha,
    cusparseConstSpMatDescr_t matA, cusparseConstSpMatDescr_t matB,
    const void *beta, cusparseSpMatDescr_t matC, cudaDataType computeType,
    cusparseSpGEMMAlg_t alg, cusparseSpGEMMDescr_t spgemmDescr)
{
    sim_sp_t *c = sp_of(matC, SPMAT_MAGIC);
    sim_sp_t *g = sp_of(spgemmDescr, GEMM_MAGIC);
    cusparseStatus_t st = gemm_check(handle, opA, opB,
                                     sp_of(matA, SPMAT_MAGIC),
                                     sp_of(matB, SPMAT_MAGIC), c,
                                     computeType, g);
    int32_t *off, *col;
    float *val;

    (void)alpha, (void)beta, (void)alg;
    if (st != CUSPARSE_STATUS_SUCCESS) {
        return st;
    }
    if (g->p_off == NULL || c->nnz != g->p_nnz) {
        return CUSPARSE_STATUS_INVALID_VALUE;   /* no compute before */
    }
    off = host_range(c->rowp, ((size_t)c->rows + 1) * sizeof(*off));
    col = host_range(c->colp, (size_t)g->p_nnz * sizeof(*col));
    val = host_range(c->vals, (size_t)g->p_nnz * sizeof(*val));
    if (off == NULL || (g->p_nnz > 0 && (col == NULL || val == NULL))) {
        return CUSPARSE_STATUS_EXECUTION_FAILED;
    }
    memcpy(off, g->p_off, ((size_t)c->rows + 1) * sizeof(*off));
    if (g->p_nnz > 0) {
        memcpy(col, g->p_col, (size_t)g->p_nnz * sizeof(*col));
        memcpy(val, g->p_val, (size_t)g->p_nnz * sizeof(*val));
    }
    return CUSPARSE_STATUS_SUCCESS;
}
