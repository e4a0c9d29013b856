/*
 * gvdsim_blas.c - a simulated cuBLAS and cuBLASLt in libgvdsim.so (tests
 * only), so that `make check` drives the cuBLAS data path end to end:
 * handles and their settings, gemms computed on the host memory behind
 * the simulated device memory, and cuBLASLt's handles, descriptors with
 * their attributes, heuristics, algorithms and matmul.
 *
 * Only what the tests use exists: real (single and double) gemms, a
 * dot product, FP32 cuBLASLt matmuls in column order with the default,
 * bias and ReLU epilogues, FP32 matrix transforms.  Everything else is
 * absent (the worker answers CUBLAS_STATUS_NOT_SUPPORTED) or refused
 * with the status cuBLAS would give.  Memory a call would read or write
 * outside the client's allocations fails with
 * CUBLAS_STATUS_EXECUTION_FAILED, as a faulting kernel would.
 */
#include "gvdsim.h"

#include <cublas_v2.h>
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <cublasLt.h>
#pragma GCC diagnostic pop
#include "cublaslt/gvlt_attrs.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BLAS_MAGIC   0x424c4153u /* "BLAS" */
#define LT_MAGIC     0x4c54484eu
#define MATMUL_MAGIC 0x4c544d4du
#define LAYOUT_MAGIC 0x4c544c59u
#define PREF_MAGIC   0x4c545046u
#define TRANS_MAGIC  0x4c545452u
#define EMUL_MAGIC   0x4c54454du

/* Host memory behind device range [p, p + len), or NULL. */
static void *host_range(const void *p, size_t len)
{
    return p != NULL && sim_find(p, len) != NULL ? sim_host_of(p) : NULL;
}

/* ---- cuBLAS ----------------------------------------------------------------- */

typedef struct sim_blas {
    uint32_t magic;
    int env_mode;               /* cublasSetEnvironmentMode's 0/1 */
    cublasPointerMode_t pmode;
    cublasMath_t math;
    cudaStream_t stream;
} sim_blas_t;

static sim_blas_t *blas_of(cublasHandle_t h)
{
    sim_blas_t *b = (sim_blas_t *)h;

    return b != NULL && b->magic == BLAS_MAGIC ? b : NULL;
}

SIM cublasStatus_t cublasCreate_v2(cublasHandle_t *handle)
{
    sim_blas_t *b;

    if (handle == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    b = calloc(1, sizeof(*b));
    if (b == NULL) {
        return CUBLAS_STATUS_ALLOC_FAILED;
    }
    b->magic = BLAS_MAGIC;
    *handle = (cublasHandle_t)b;
    return CUBLAS_STATUS_SUCCESS;
}

SIM cublasStatus_t cublasDestroy_v2(cublasHandle_t handle)
{
    sim_blas_t *b = blas_of(handle);

    if (b == NULL) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    b->magic = 0;
    free(b);
    return CUBLAS_STATUS_SUCCESS;
}

SIM cublasStatus_t cublasGetVersion_v2(cublasHandle_t handle, int *version)
{
    if (blas_of(handle) == NULL) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (version == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    *version = CUBLAS_VERSION;
    return CUBLAS_STATUS_SUCCESS;
}

SIM cublasStatus_t cublasSetPointerMode_v2(cublasHandle_t handle,
                                           cublasPointerMode_t mode)
{
    sim_blas_t *b = blas_of(handle);

    if (b == NULL) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (mode != CUBLAS_POINTER_MODE_HOST &&
        mode != CUBLAS_POINTER_MODE_DEVICE) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    b->pmode = mode;
    return CUBLAS_STATUS_SUCCESS;
}

SIM cublasStatus_t cublasGetPointerMode_v2(cublasHandle_t handle,
                                           cublasPointerMode_t *mode)
{
    sim_blas_t *b = blas_of(handle);

    if (b == NULL) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (mode == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    *mode = b->pmode;
    return CUBLAS_STATUS_SUCCESS;
}

SIM cublasStatus_t cublasSetStream_v2(cublasHandle_t handle,
                                      cudaStream_t streamId)
{
    sim_blas_t *b = blas_of(handle);

    if (b == NULL) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (!sim_stream_ok(streamId)) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    b->stream = streamId;
    return CUBLAS_STATUS_SUCCESS;
}

SIM cublasStatus_t cublasGetStream_v2(cublasHandle_t handle,
                                      cudaStream_t *streamId)
{
    sim_blas_t *b = blas_of(handle);

    if (b == NULL) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (streamId == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    *streamId = b->stream;
    return CUBLAS_STATUS_SUCCESS;
}

SIM cublasStatus_t cublasSetMathMode(cublasHandle_t handle, cublasMath_t mode)
{
    sim_blas_t *b = blas_of(handle);

    if (b == NULL) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    b->math = mode;
    return CUBLAS_STATUS_SUCCESS;
}

SIM cublasStatus_t cublasGetMathMode(cublasHandle_t handle,
                                     cublasMath_t *mode)
{
    sim_blas_t *b = blas_of(handle);

    if (b == NULL) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (mode == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    *mode = b->math;
    return CUBLAS_STATUS_SUCCESS;
}

/* Undocumented in the headers: a 0/1 flag kept in the handle. */
SIM cublasStatus_t cublasSetEnvironmentMode(cublasHandle_t handle, int mode);
SIM cublasStatus_t cublasSetEnvironmentMode(cublasHandle_t handle, int mode)
{
    sim_blas_t *b = blas_of(handle);

    if (b == NULL) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (mode < 0 || mode > 1) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    b->env_mode = mode;
    return CUBLAS_STATUS_SUCCESS;
}

SIM cublasStatus_t cublasGetEnvironmentMode(cublasHandle_t handle,
                                            int *mode);
SIM cublasStatus_t cublasGetEnvironmentMode(cublasHandle_t handle, int *mode)
{
    sim_blas_t *b = blas_of(handle);

    if (b == NULL) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (mode == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    *mode = b->env_mode;
    return CUBLAS_STATUS_SUCCESS;
}

/* A scalar of size bytes as the handle's pointer mode says: the host
 * value itself or the host memory behind a device pointer. */
static const void *scalar_of(int dev, const void *p, size_t size)
{
    if (p == NULL) {
        return NULL;
    }
    return dev ? host_range(p, size) : p;
}

/* The simulator computes on one host thread: problems past 2^30
 * multiply-adds (seconds) are refused, so a fuzzed call cannot stall the
 * worker. */
static int too_big(int64_t m, int64_t n, int64_t k)
{
    return (double)m * (double)n * (double)(k > 0 ? k : 1) > (double)(1 << 30);
}

/* Rows and columns op(X) reads of a rows x cols result side. */
static size_t span(int64_t ld, int64_t rows, int64_t cols)
{
    return cols == 0 ? 0 : (size_t)(ld * (cols - 1) + rows);
}

/*
 * C = alpha * op(A) op(B) + beta * C, column-major, element type T, as
 * cuBLAS's argument checks order them.  One instance per type.
 */
#define GEMM(T, NAME)                                                         \
static cublasStatus_t NAME(int dev, cublasOperation_t ta,                     \
                           cublasOperation_t tb, int m, int n, int k,         \
                           const T *alpha, const T *A, int lda, const T *B,   \
                           int ldb, const T *beta, T *C, int ldc)             \
{                                                                             \
    int ar = ta == CUBLAS_OP_N ? m : k, ac = ta == CUBLAS_OP_N ? k : m;       \
    int br = tb == CUBLAS_OP_N ? k : n, bc = tb == CUBLAS_OP_N ? n : k;       \
    const T *al, *be, *a, *b;                                                 \
    T *c;                                                                     \
                                                                              \
    if ((ta != CUBLAS_OP_N && ta != CUBLAS_OP_T && ta != CUBLAS_OP_C) ||      \
        (tb != CUBLAS_OP_N && tb != CUBLAS_OP_T && tb != CUBLAS_OP_C) ||      \
        m < 0 || n < 0 || k < 0 || lda < (ar > 1 ? ar : 1) ||                 \
        ldb < (br > 1 ? br : 1) || ldc < (m > 1 ? m : 1)) {                   \
        return CUBLAS_STATUS_INVALID_VALUE;                                   \
    }                                                                         \
    if (m == 0 || n == 0) {                                                   \
        return CUBLAS_STATUS_SUCCESS;                                         \
    }                                                                         \
    if (too_big(m, n, k)) {                                                   \
        return CUBLAS_STATUS_NOT_SUPPORTED;                                   \
    }                                                                         \
    al = scalar_of(dev, alpha, sizeof(T));                                    \
    be = scalar_of(dev, beta, sizeof(T));                                     \
    a = host_range(A, span(lda, ar, ac) * sizeof(T));                         \
    b = host_range(B, span(ldb, br, bc) * sizeof(T));                         \
    c = host_range(C, span(ldc, m, n) * sizeof(T));                           \
    if (al == NULL || be == NULL || c == NULL ||                              \
        (k > 0 && (a == NULL || b == NULL))) {                                \
        return CUBLAS_STATUS_EXECUTION_FAILED;                                \
    }                                                                         \
    for (int j = 0; j < n; j++) {                                             \
        for (int i = 0; i < m; i++) {                                         \
            T s = 0;                                                          \
            for (int l = 0; l < k; l++) {                                     \
                T x = ta == CUBLAS_OP_N ? a[i + (size_t)l * lda]              \
                                        : a[l + (size_t)i * lda];             \
                T y = tb == CUBLAS_OP_N ? b[l + (size_t)j * ldb]              \
                                        : b[j + (size_t)l * ldb];             \
                s += x * y;                                                   \
            }                                                                 \
            T *d = &c[i + (size_t)j * ldc];                                   \
            *d = *al * s + (*be == 0 ? 0 : *be * *d);                         \
        }                                                                     \
    }                                                                         \
    return CUBLAS_STATUS_SUCCESS;                                             \
}

GEMM(float, sgemm)
GEMM(double, dgemm)

SIM cublasStatus_t cublasSgemm_v2(cublasHandle_t handle,
                                  cublasOperation_t transa,
                                  cublasOperation_t transb, int m, int n,
                                  int k, const float *alpha, const float *A,
                                  int lda, const float *B, int ldb,
                                  const float *beta, float *C, int ldc)
{
    sim_blas_t *b = blas_of(handle);

    if (b == NULL) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    return sgemm(b->pmode, transa, transb, m, n, k, alpha, A, lda, B, ldb,
                 beta, C, ldc);
}

SIM cublasStatus_t cublasDgemm_v2(cublasHandle_t handle,
                                  cublasOperation_t transa,
                                  cublasOperation_t transb, int m, int n,
                                  int k, const double *alpha,
                                  const double *A, int lda, const double *B,
                                  int ldb, const double *beta, double *C,
                                  int ldc)
{
    sim_blas_t *b = blas_of(handle);

    if (b == NULL) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    return dgemm(b->pmode, transa, transb, m, n, k, alpha, A, lda, B, ldb,
                 beta, C, ldc);
}

SIM cublasStatus_t cublasSgemmStridedBatched(
        cublasHandle_t handle, cublasOperation_t transa,
        cublasOperation_t transb, int m, int n, int k, const float *alpha,
        const float *A, int lda, long long int strideA, const float *B,
        int ldb, long long int strideB, const float *beta, float *C, int ldc,
        long long int strideC, int batchCount)
{
    sim_blas_t *b = blas_of(handle);
    cublasStatus_t st = CUBLAS_STATUS_SUCCESS;

    if (b == NULL) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (batchCount < 0) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    if (too_big((int64_t)m * batchCount, n, k)) {
        return CUBLAS_STATUS_NOT_SUPPORTED;
    }
    for (int i = 0; i < batchCount && st == CUBLAS_STATUS_SUCCESS; i++) {
        st = sgemm(b->pmode, transa, transb, m, n, k, alpha, A + i * strideA,
                   lda, B + i * strideB, ldb, beta, C + i * strideC, ldc);
    }
    return st;
}

/* The device pointers of a batch: the array itself is device memory. */
static const void *const *batch_of(const void *const *array, int count)
{
    return host_range(array, (size_t)count * sizeof(void *));
}

SIM cublasStatus_t cublasSgemmBatched(cublasHandle_t handle,
                                      cublasOperation_t transa,
                                      cublasOperation_t transb, int m, int n,
                                      int k, const float *alpha,
                                      const float *const Aarray[], int lda,
                                      const float *const Barray[], int ldb,
                                      const float *beta,
                                      float *const Carray[], int ldc,
                                      int batchCount)
{
    sim_blas_t *b = blas_of(handle);
    const void *const *as, *const *bs, *const *cs;
    cublasStatus_t st = CUBLAS_STATUS_SUCCESS;

    if (b == NULL) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (batchCount < 0) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    if (batchCount == 0) {
        return CUBLAS_STATUS_SUCCESS;
    }
    if (too_big((int64_t)m * batchCount, n, k)) {
        return CUBLAS_STATUS_NOT_SUPPORTED;
    }
    as = batch_of((const void *const *)Aarray, batchCount);
    bs = batch_of((const void *const *)Barray, batchCount);
    cs = batch_of((const void *const *)Carray, batchCount);
    if (as == NULL || bs == NULL || cs == NULL) {
        return CUBLAS_STATUS_EXECUTION_FAILED;
    }
    for (int i = 0; i < batchCount && st == CUBLAS_STATUS_SUCCESS; i++) {
        st = sgemm(b->pmode, transa, transb, m, n, k, alpha, as[i], lda,
                   bs[i], ldb, beta, (float *)cs[i], ldc);
    }
    return st;
}

/* A dot product; the result a host value or device memory. */
SIM cublasStatus_t cublasSdot_v2(cublasHandle_t handle, int n, const float *x,
                                 int incx, const float *y, int incy,
                                 float *result)
{
    sim_blas_t *b = blas_of(handle);
    const float *xs, *ys;
    float *r, s = 0;

    if (b == NULL) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (result == NULL || incx <= 0 || incy <= 0) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    r = b->pmode ? host_range(result, sizeof(*r)) : result;
    xs = n > 0 ? host_range(x, span(incx, 1, n) * sizeof(float)) : NULL;
    ys = n > 0 ? host_range(y, span(incy, 1, n) * sizeof(float)) : NULL;
    if (r == NULL || (n > 0 && (xs == NULL || ys == NULL))) {
        return CUBLAS_STATUS_EXECUTION_FAILED;
    }
    for (int i = 0; i < n; i++) {
        s += xs[(size_t)i * incx] * ys[(size_t)i * incy];
    }
    *r = s;
    return CUBLAS_STATUS_SUCCESS;
}

/* ---- cuBLASLt: objects with attributes ---------------------------------------- */

/* An object's attributes: their bytes as cublasLt.h documents them (our
 * libcublasLt's table) and their values, each in one 64-bit slot. */
typedef struct sim_obj {
    uint32_t magic;
    gvlt_desc_t which;          /* which attributes it has */
    uint64_t v[GVLT_ATTRS_MAX];
} sim_obj_t;

static size_t attr_bytes(const sim_obj_t *o, int attr)
{
    return attr < 0 || attr >= GVLT_ATTRS_MAX ? 0
                                              : gvlt_attr_bytes(o->which, attr);
}

static void obj_init(sim_obj_t *o, uint32_t magic, gvlt_desc_t which)
{
    memset(o, 0, sizeof(*o));
    o->magic = magic;
    o->which = which;
}

static sim_obj_t *obj_new(uint32_t magic, gvlt_desc_t which)
{
    sim_obj_t *o = malloc(sizeof(*o));

    if (o != NULL) {
        obj_init(o, magic, which);
    }
    return o;
}

static sim_obj_t *obj_of(const void *p, uint32_t magic)
{
    const sim_obj_t *o = p;

    return o != NULL && o->magic == magic ? (sim_obj_t *)o : NULL;
}

static void obj_put(sim_obj_t *o, int attr, int64_t v)
{
    o->v[attr] = (uint64_t)v;
}

/* A value as its attribute's type says (signed for 4-byte ones, which
 * are int32 or enums; the unsigned ones never exceed INT32_MAX here). */
static int64_t obj_get(const sim_obj_t *o, int attr)
{
    switch (attr_bytes(o, attr)) {
    case 1:
        return (int8_t)o->v[attr];
    case 4:
        return (int32_t)o->v[attr];
    default:
        return (int64_t)o->v[attr];
    }
}

static cublasStatus_t obj_destroy(void *p, uint32_t magic)
{
    sim_obj_t *o = obj_of(p, magic);

    if (o == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    o->magic = 0;
    free(o);
    return CUBLAS_STATUS_SUCCESS;
}

static cublasStatus_t obj_set(void *p, uint32_t magic, int attr,
                              const void *buf, size_t size)
{
    sim_obj_t *o = obj_of(p, magic);
    uint64_t v = 0;

    if (o == NULL) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (attr_bytes(o, attr) == 0 || buf == NULL ||
        size != attr_bytes(o, attr)) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    memcpy(&v, buf, size);      /* little-endian: the low bytes */
    o->v[attr] = v;
    return CUBLAS_STATUS_SUCCESS;
}

static cublasStatus_t obj_getattr(const void *p, uint32_t magic, int attr,
                                  void *buf, size_t size, size_t *written)
{
    sim_obj_t *o = obj_of(p, magic);
    size_t n;

    if (o == NULL) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    n = attr_bytes(o, attr);
    if (n == 0) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    if (size == 0 && buf == NULL) {
        if (written == NULL) {
            return CUBLAS_STATUS_INVALID_VALUE;
        }
        *written = n;
        return CUBLAS_STATUS_SUCCESS;
    }
    if (buf == NULL || size != n) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    memcpy(buf, &o->v[attr], n);
    if (written != NULL) {
        *written = n;
    }
    return CUBLAS_STATUS_SUCCESS;
}

/* Create an object through out (NULL: invalid value). */
static cublasStatus_t obj_create(void **out, uint32_t magic,
                                 gvlt_desc_t which, sim_obj_t **o_p)
{
    sim_obj_t *o;

    if (out == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    o = obj_new(magic, which);
    if (o == NULL) {
        return CUBLAS_STATUS_ALLOC_FAILED;
    }
    *out = o;
    if (o_p != NULL) {
        *o_p = o;
    }
    return CUBLAS_STATUS_SUCCESS;
}

/* ---- cuBLASLt: handles and descriptors --------------------------------------- */

static size_t heur_capacity = 8192;

/* A cuBLASLt handle: one cublasLtCreate made, or a cuBLAS handle (as with
 * NVIDIA's libraries). */
static int lt_handle_ok(const void *h)
{
    return obj_of(h, LT_MAGIC) != NULL || blas_of((cublasHandle_t)h) != NULL;
}

SIM cublasStatus_t cublasLtCreate(cublasLtHandle_t *lightHandle)
{
    return obj_create((void **)lightHandle, LT_MAGIC, GVLT_D_NONE, NULL);
}

SIM cublasStatus_t cublasLtDestroy(cublasLtHandle_t lightHandle)
{
    return obj_destroy(lightHandle, LT_MAGIC) == CUBLAS_STATUS_SUCCESS
               ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_NOT_INITIALIZED;
}

/* The handle's environment mode: a cuBLAS handle's own, else slot 0. */
static int *lt_env_mode(cublasLtHandle_t h)
{
    sim_obj_t *o = obj_of(h, LT_MAGIC);
    sim_blas_t *b = blas_of((cublasHandle_t)h);

    if (b != NULL) {
        return &b->env_mode;
    }
    return o != NULL ? (int *)&o->v[0] : NULL;
}

SIM cublasStatus_t cublasLtSetEnvironmentMode(cublasLtHandle_t lightHandle,
                                              int mode);
SIM cublasStatus_t cublasLtSetEnvironmentMode(cublasLtHandle_t lightHandle,
                                              int mode)
{
    int *m = lt_env_mode(lightHandle);

    if (m == NULL) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (mode < 0 || mode > 1) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    *m = mode;
    return CUBLAS_STATUS_SUCCESS;
}

SIM cublasStatus_t cublasLtGetEnvironmentMode(cublasLtHandle_t lightHandle,
                                              int *mode);
SIM cublasStatus_t cublasLtGetEnvironmentMode(cublasLtHandle_t lightHandle,
                                              int *mode)
{
    int *m = lt_env_mode(lightHandle);

    if (m == NULL) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (mode == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    *mode = *m;
    return CUBLAS_STATUS_SUCCESS;
}

SIM cublasStatus_t cublasLtHeuristicsCacheGetCapacity(size_t *capacity)
{
    if (capacity == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    *capacity = heur_capacity;
    return CUBLAS_STATUS_SUCCESS;
}

SIM cublasStatus_t cublasLtHeuristicsCacheSetCapacity(size_t capacity)
{
    heur_capacity = capacity;
    return CUBLAS_STATUS_SUCCESS;
}

static void matmul_defaults(sim_obj_t *o, cublasComputeType_t computeType,
                            cudaDataType_t scaleType)
{
    obj_put(o, CUBLASLT_MATMUL_DESC_COMPUTE_TYPE, computeType);
    obj_put(o, CUBLASLT_MATMUL_DESC_SCALE_TYPE, scaleType);
    obj_put(o, CUBLASLT_MATMUL_DESC_EPILOGUE, CUBLASLT_EPILOGUE_DEFAULT);
    obj_put(o, CUBLASLT_MATMUL_DESC_FILL_MODE, CUBLAS_FILL_MODE_FULL);
    obj_put(o, CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, -1);
    obj_put(o, CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_DATA_TYPE, -1);
}

SIM cublasStatus_t cublasLtMatmulDescCreate(cublasLtMatmulDesc_t *matmulDesc,
                                            cublasComputeType_t computeType,
                                            cudaDataType_t scaleType)
{
    sim_obj_t *o;
    cublasStatus_t st = obj_create((void **)matmulDesc, MATMUL_MAGIC,
                                   GVLT_D_MATMUL, &o);

    if (st == CUBLAS_STATUS_SUCCESS) {
        matmul_defaults(o, computeType, scaleType);
    }
    return st;
}

/* In place, as NVIDIA's (the worker's reserved blocks): ALLOC_FAILED
 * when size is too small.  Destroy must not be called on these. */
SIM cublasStatus_t cublasLtMatmulDescInit_internal(
        cublasLtMatmulDesc_t matmulDesc, size_t size,
        cublasComputeType_t computeType, cudaDataType_t scaleType)
{
    if (matmulDesc == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    if (size < sizeof(sim_obj_t)) {
        return CUBLAS_STATUS_ALLOC_FAILED;
    }
    obj_init((sim_obj_t *)matmulDesc, MATMUL_MAGIC, GVLT_D_MATMUL);
    matmul_defaults((sim_obj_t *)matmulDesc, computeType, scaleType);
    return CUBLAS_STATUS_SUCCESS;
}

SIM cublasStatus_t cublasLtMatmulDescDestroy(cublasLtMatmulDesc_t matmulDesc)
{
    return obj_destroy(matmulDesc, MATMUL_MAGIC);
}

SIM cublasStatus_t cublasLtMatmulDescSetAttribute(
        cublasLtMatmulDesc_t matmulDesc, cublasLtMatmulDescAttributes_t attr,
        const void *buf, size_t sizeInBytes)
{
    return obj_set(matmulDesc, MATMUL_MAGIC, attr, buf, sizeInBytes);
}

SIM cublasStatus_t cublasLtMatmulDescGetAttribute(
        cublasLtMatmulDesc_t matmulDesc, cublasLtMatmulDescAttributes_t attr,
        void *buf, size_t sizeInBytes, size_t *sizeWritten)
{
    return obj_getattr(matmulDesc, MATMUL_MAGIC, attr, buf, sizeInBytes,
                       sizeWritten);
}

static void layout_defaults(sim_obj_t *o, cudaDataType type, uint64_t rows,
                            uint64_t cols, int64_t ld)
{
    obj_put(o, CUBLASLT_MATRIX_LAYOUT_TYPE, type);
    obj_put(o, CUBLASLT_MATRIX_LAYOUT_ORDER, CUBLASLT_ORDER_COL);
    obj_put(o, CUBLASLT_MATRIX_LAYOUT_ROWS, (int64_t)rows);
    obj_put(o, CUBLASLT_MATRIX_LAYOUT_COLS, (int64_t)cols);
    obj_put(o, CUBLASLT_MATRIX_LAYOUT_LD, ld);
    obj_put(o, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, 1);
}

SIM cublasStatus_t cublasLtMatrixLayoutCreate(cublasLtMatrixLayout_t *matLayout,
                                              cudaDataType type,
                                              uint64_t rows, uint64_t cols,
                                              int64_t ld)
{
    sim_obj_t *o;
    cublasStatus_t st = obj_create((void **)matLayout, LAYOUT_MAGIC,
                                   GVLT_D_LAYOUT, &o);

    if (st == CUBLAS_STATUS_SUCCESS) {
        layout_defaults(o, type, rows, cols, ld);
    }
    return st;
}

SIM cublasStatus_t cublasLtMatrixLayoutInit_internal(
        cublasLtMatrixLayout_t matLayout, size_t size, cudaDataType type,
        uint64_t rows, uint64_t cols, int64_t ld)
{
    if (matLayout == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    if (size < sizeof(sim_obj_t)) {
        return CUBLAS_STATUS_ALLOC_FAILED;
    }
    obj_init((sim_obj_t *)matLayout, LAYOUT_MAGIC, GVLT_D_LAYOUT);
    layout_defaults((sim_obj_t *)matLayout, type, rows, cols, ld);
    return CUBLAS_STATUS_SUCCESS;
}

SIM cublasStatus_t cublasLtMatrixLayoutDestroy(cublasLtMatrixLayout_t matLayout)
{
    return obj_destroy(matLayout, LAYOUT_MAGIC);
}

SIM cublasStatus_t cublasLtMatrixLayoutSetAttribute(
        cublasLtMatrixLayout_t matLayout, cublasLtMatrixLayoutAttribute_t attr,
        const void *buf, size_t sizeInBytes)
{
    return obj_set(matLayout, LAYOUT_MAGIC, attr, buf, sizeInBytes);
}

SIM cublasStatus_t cublasLtMatrixLayoutGetAttribute(
        cublasLtMatrixLayout_t matLayout, cublasLtMatrixLayoutAttribute_t attr,
        void *buf, size_t sizeInBytes, size_t *sizeWritten)
{
    return obj_getattr(matLayout, LAYOUT_MAGIC, attr, buf, sizeInBytes,
                       sizeWritten);
}

SIM cublasStatus_t cublasLtMatmulPreferenceCreate(
        cublasLtMatmulPreference_t *pref)
{
    return obj_create((void **)pref, PREF_MAGIC, GVLT_D_PREF, NULL);
}

SIM cublasStatus_t cublasLtMatmulPreferenceInit_internal(
        cublasLtMatmulPreference_t pref, size_t size)
{
    if (pref == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    if (size < sizeof(sim_obj_t)) {
        return CUBLAS_STATUS_ALLOC_FAILED;
    }
    obj_init((sim_obj_t *)pref, PREF_MAGIC, GVLT_D_PREF);
    return CUBLAS_STATUS_SUCCESS;
}

SIM cublasStatus_t cublasLtMatmulPreferenceDestroy(
        cublasLtMatmulPreference_t pref)
{
    return obj_destroy(pref, PREF_MAGIC);
}

SIM cublasStatus_t cublasLtMatmulPreferenceSetAttribute(
        cublasLtMatmulPreference_t pref,
        cublasLtMatmulPreferenceAttributes_t attr, const void *buf,
        size_t sizeInBytes)
{
    return obj_set(pref, PREF_MAGIC, attr, buf, sizeInBytes);
}

SIM cublasStatus_t cublasLtMatmulPreferenceGetAttribute(
        cublasLtMatmulPreference_t pref,
        cublasLtMatmulPreferenceAttributes_t attr, void *buf,
        size_t sizeInBytes, size_t *sizeWritten)
{
    return obj_getattr(pref, PREF_MAGIC, attr, buf, sizeInBytes,
                       sizeWritten);
}

SIM cublasStatus_t cublasLtMatrixTransformDescCreate(
        cublasLtMatrixTransformDesc_t *transformDesc, cudaDataType scaleType)
{
    sim_obj_t *o;
    cublasStatus_t st = obj_create((void **)transformDesc, TRANS_MAGIC,
                                   GVLT_D_TRANSFORM, &o);

    if (st == CUBLAS_STATUS_SUCCESS) {
        obj_put(o, CUBLASLT_MATRIX_TRANSFORM_DESC_SCALE_TYPE, scaleType);
    }
    return st;
}

SIM cublasStatus_t cublasLtMatrixTransformDescDestroy(
        cublasLtMatrixTransformDesc_t transformDesc)
{
    return obj_destroy(transformDesc, TRANS_MAGIC);
}

SIM cublasStatus_t cublasLtMatrixTransformDescSetAttribute(
        cublasLtMatrixTransformDesc_t transformDesc,
        cublasLtMatrixTransformDescAttributes_t attr, const void *buf,
        size_t sizeInBytes)
{
    return obj_set(transformDesc, TRANS_MAGIC, attr, buf, sizeInBytes);
}

SIM cublasStatus_t cublasLtMatrixTransformDescGetAttribute(
        cublasLtMatrixTransformDesc_t transformDesc,
        cublasLtMatrixTransformDescAttributes_t attr, void *buf,
        size_t sizeInBytes, size_t *sizeWritten)
{
    return obj_getattr(transformDesc, TRANS_MAGIC, attr, buf, sizeInBytes,
                       sizeWritten);
}

SIM cublasStatus_t cublasLtEmulationDescCreate(
        cublasLtEmulationDesc_t *emulationDesc)
{
    sim_obj_t *o;
    cublasStatus_t st = obj_create((void **)emulationDesc, EMUL_MAGIC,
                                   GVLT_D_EMUL, &o);

    if (st == CUBLAS_STATUS_SUCCESS) {
        obj_put(o, CUBLASLT_EMULATION_DESC_SPECIAL_VALUES_SUPPORT, 0xffff);
    }
    return st;
}

SIM cublasStatus_t cublasLtEmulationDescDestroy(
        cublasLtEmulationDesc_t emulationDesc)
{
    return obj_destroy(emulationDesc, EMUL_MAGIC);
}

SIM cublasStatus_t cublasLtEmulationDescSetAttribute(
        cublasLtEmulationDesc_t emulationDesc,
        cublasLtEmulationDescAttributes_t attr, const void *buf,
        size_t sizeInBytes)
{
    return obj_set(emulationDesc, EMUL_MAGIC, attr, buf, sizeInBytes);
}

SIM cublasStatus_t cublasLtEmulationDescGetAttribute(
        cublasLtEmulationDesc_t emulationDesc,
        cublasLtEmulationDescAttributes_t attr, void *buf,
        size_t sizeInBytes, size_t *sizeWritten)
{
    return obj_getattr(emulationDesc, EMUL_MAGIC, attr, buf, sizeInBytes,
                       sizeWritten);
}

/* ---- cuBLASLt: algorithms (one: id 1, FP32 compute) ---------------------------- */

#define SIM_ALGO_ID 1

/* FP32 compute and scale, the matrices all FP32 or all FP16. */
static int fp32_types(int compute, int scale, int a, int b, int c, int d)
{
    return (compute == CUBLAS_COMPUTE_32F ||
            compute == CUBLAS_COMPUTE_32F_PEDANTIC ||
            compute == CUBLAS_COMPUTE_32F_FAST_TF32) &&
           scale == CUDA_R_32F && (a == CUDA_R_32F || a == CUDA_R_16F) &&
           b == a && c == a && d == a;
}

/* The matmul a descriptor and four layouts describe: shapes checked. */
typedef struct lt_op {
    const sim_obj_t *desc, *l[4];   /* A B C D */
    int ta, tb;
    int64_t m, n, k, batch;
} lt_op_t;

static cublasStatus_t lt_op(lt_op_t *op, cublasLtHandle_t h,
                            cublasLtMatmulDesc_t desc,
                            cublasLtMatrixLayout_t A, cublasLtMatrixLayout_t B,
                            cublasLtMatrixLayout_t C, cublasLtMatrixLayout_t D)
{
    const void *ls[4] = { A, B, C, D };
    int64_t ar, ac, br, bc;

    if (!lt_handle_ok(h)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    op->desc = obj_of(desc, MATMUL_MAGIC);
    for (int i = 0; i < 4; i++) {
        op->l[i] = obj_of(ls[i], LAYOUT_MAGIC);
        if (op->l[i] == NULL) {
            return CUBLAS_STATUS_INVALID_VALUE;
        }
    }
    if (op->desc == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    if (!fp32_types(obj_get(op->desc, CUBLASLT_MATMUL_DESC_COMPUTE_TYPE),
                    obj_get(op->desc, CUBLASLT_MATMUL_DESC_SCALE_TYPE),
                    obj_get(op->l[0], CUBLASLT_MATRIX_LAYOUT_TYPE),
                    obj_get(op->l[1], CUBLASLT_MATRIX_LAYOUT_TYPE),
                    obj_get(op->l[2], CUBLASLT_MATRIX_LAYOUT_TYPE),
                    obj_get(op->l[3], CUBLASLT_MATRIX_LAYOUT_TYPE))) {
        return CUBLAS_STATUS_NOT_SUPPORTED;
    }
    for (int i = 0; i < 4; i++) {
        if (obj_get(op->l[i], CUBLASLT_MATRIX_LAYOUT_ORDER) !=
            CUBLASLT_ORDER_COL) {
            return CUBLAS_STATUS_NOT_SUPPORTED;
        }
    }
    op->ta = (int)obj_get(op->desc, CUBLASLT_MATMUL_DESC_TRANSA);
    op->tb = (int)obj_get(op->desc, CUBLASLT_MATMUL_DESC_TRANSB);
    ar = obj_get(op->l[0], CUBLASLT_MATRIX_LAYOUT_ROWS);
    ac = obj_get(op->l[0], CUBLASLT_MATRIX_LAYOUT_COLS);
    br = obj_get(op->l[1], CUBLASLT_MATRIX_LAYOUT_ROWS);
    bc = obj_get(op->l[1], CUBLASLT_MATRIX_LAYOUT_COLS);
    op->m = obj_get(op->l[3], CUBLASLT_MATRIX_LAYOUT_ROWS);
    op->n = obj_get(op->l[3], CUBLASLT_MATRIX_LAYOUT_COLS);
    op->k = op->ta == CUBLAS_OP_N ? ac : ar;
    op->batch = obj_get(op->l[3], CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT);
    if ((op->ta == CUBLAS_OP_N ? ar : ac) != op->m ||
        (op->tb == CUBLAS_OP_N ? br : bc) != op->k ||
        (op->tb == CUBLAS_OP_N ? bc : br) != op->n ||
        obj_get(op->l[2], CUBLASLT_MATRIX_LAYOUT_ROWS) != op->m ||
        obj_get(op->l[2], CUBLASLT_MATRIX_LAYOUT_COLS) != op->n ||
        op->m > INT32_MAX || op->n > INT32_MAX || op->k > INT32_MAX ||
        op->batch < 1) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    for (int i = 0; i < 4; i++) {
        int64_t rows = obj_get(op->l[i], CUBLASLT_MATRIX_LAYOUT_ROWS);

        if (obj_get(op->l[i], CUBLASLT_MATRIX_LAYOUT_LD) < (rows > 1 ? rows
                                                                     : 1) ||
            obj_get(op->l[i], CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT) !=
                op->batch) {
            return CUBLAS_STATUS_INVALID_VALUE;
        }
    }
    return CUBLAS_STATUS_SUCCESS;
}

static void algo_init(cublasLtMatmulAlgo_t *algo)
{
    memset(algo, 0, sizeof(*algo));
    algo->data[0] = SIM_ALGO_ID;
    algo->data[1 + CUBLASLT_ALGO_CONFIG_ID] = SIM_ALGO_ID;
}

/* Questions the heuristics answered in this process: in reserved[0] of
 * each answer, so tests see which answers the client kept. */
static int heur_asked;

static void heur_result(cublasLtMatmulHeuristicResult_t *r)
{
    memset(r, 0, sizeof(*r));
    algo_init(&r->algo);
    r->state = CUBLAS_STATUS_SUCCESS;
    r->wavesCount = 1.0f;
    r->reserved[0] = ++heur_asked;
}

SIM cublasStatus_t cublasLtMatmulAlgoGetHeuristic(
        cublasLtHandle_t lightHandle, cublasLtMatmulDesc_t operationDesc,
        cublasLtMatrixLayout_t Adesc, cublasLtMatrixLayout_t Bdesc,
        cublasLtMatrixLayout_t Cdesc, cublasLtMatrixLayout_t Ddesc,
        cublasLtMatmulPreference_t preference, int requestedAlgoCount,
        cublasLtMatmulHeuristicResult_t heuristicResultsArray[],
        int *returnAlgoCount)
{
    lt_op_t op;
    cublasStatus_t st;

    if (requestedAlgoCount <= 0 || heuristicResultsArray == NULL ||
        returnAlgoCount == NULL || obj_of(preference, PREF_MAGIC) == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    st = lt_op(&op, lightHandle, operationDesc, Adesc, Bdesc, Cdesc, Ddesc);
    *returnAlgoCount = 0;
    if (st != CUBLAS_STATUS_SUCCESS) {
        return st;
    }
    heur_result(&heuristicResultsArray[0]);
    *returnAlgoCount = 1;
    return CUBLAS_STATUS_SUCCESS;
}

SIM cublasStatus_t cublasLtMatmulAlgoGetIds(
        cublasLtHandle_t lightHandle, cublasComputeType_t computeType,
        cudaDataType_t scaleType, cudaDataType_t Atype, cudaDataType_t Btype,
        cudaDataType_t Ctype, cudaDataType_t Dtype, int requestedAlgoCount,
        int algoIdsArray[], int *returnAlgoCount)
{
    if (!lt_handle_ok(lightHandle)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (requestedAlgoCount <= 0 || algoIdsArray == NULL ||
        returnAlgoCount == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    *returnAlgoCount = 0;
    if (fp32_types(computeType, scaleType, Atype, Btype, Ctype, Dtype)) {
        algoIdsArray[0] = SIM_ALGO_ID;
        *returnAlgoCount = 1;
    }
    return CUBLAS_STATUS_SUCCESS;
}

SIM cublasStatus_t cublasLtMatmulAlgoInit(
        cublasLtHandle_t lightHandle, cublasComputeType_t computeType,
        cudaDataType_t scaleType, cudaDataType_t Atype, cudaDataType_t Btype,
        cudaDataType_t Ctype, cudaDataType_t Dtype, int algoId,
        cublasLtMatmulAlgo_t *algo)
{
    if (!lt_handle_ok(lightHandle)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (algo == NULL || algoId != SIM_ALGO_ID) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    if (!fp32_types(computeType, scaleType, Atype, Btype, Ctype, Dtype)) {
        return CUBLAS_STATUS_NOT_SUPPORTED;
    }
    algo_init(algo);
    return CUBLAS_STATUS_SUCCESS;
}

SIM cublasStatus_t cublasLtMatmulAlgoCheck(
        cublasLtHandle_t lightHandle, cublasLtMatmulDesc_t operationDesc,
        cublasLtMatrixLayout_t Adesc, cublasLtMatrixLayout_t Bdesc,
        cublasLtMatrixLayout_t Cdesc, cublasLtMatrixLayout_t Ddesc,
        const cublasLtMatmulAlgo_t *algo,
        cublasLtMatmulHeuristicResult_t *result)
{
    lt_op_t op;
    cublasStatus_t st;

    if (algo == NULL || result == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    st = lt_op(&op, lightHandle, operationDesc, Adesc, Bdesc, Cdesc, Ddesc);
    if (st != CUBLAS_STATUS_SUCCESS) {
        return st;
    }
    if (algo->data[0] != SIM_ALGO_ID) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    heur_result(result);
    return CUBLAS_STATUS_SUCCESS;
}

/* Capabilities: a few int32 ones (all "no"), enough to see one travel. */
SIM cublasStatus_t cublasLtMatmulAlgoCapGetAttribute(
        const cublasLtMatmulAlgo_t *algo, cublasLtMatmulAlgoCapAttributes_t attr,
        void *buf, size_t sizeInBytes, size_t *sizeWritten)
{
    int32_t v = 0;

    if (algo == NULL || algo->data[0] != SIM_ALGO_ID ||
        attr > CUBLASLT_ALGO_CAP_UPLO_SUPPORT) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    if (sizeInBytes == 0 && buf == NULL && sizeWritten != NULL) {
        *sizeWritten = sizeof(v);
        return CUBLAS_STATUS_SUCCESS;
    }
    if (buf == NULL || sizeInBytes != sizeof(v)) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    memcpy(buf, &v, sizeof(v));
    if (sizeWritten != NULL) {
        *sizeWritten = sizeof(v);
    }
    return CUBLAS_STATUS_SUCCESS;
}

/* Configuration attributes 0 .. 6 (4 bytes each) in data[1 + attr]. */
SIM cublasStatus_t cublasLtMatmulAlgoConfigSetAttribute(
        cublasLtMatmulAlgo_t *algo, cublasLtMatmulAlgoConfigAttributes_t attr,
        const void *buf, size_t sizeInBytes)
{
    uint32_t v;

    if (algo == NULL || buf == NULL || sizeInBytes != sizeof(v) ||
        attr > CUBLASLT_ALGO_CONFIG_STAGES_ID) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    memcpy(&v, buf, sizeof(v));
    algo->data[1 + attr] = v;
    return CUBLAS_STATUS_SUCCESS;
}

SIM cublasStatus_t cublasLtMatmulAlgoConfigGetAttribute(
        const cublasLtMatmulAlgo_t *algo,
        cublasLtMatmulAlgoConfigAttributes_t attr, void *buf,
        size_t sizeInBytes, size_t *sizeWritten)
{
    uint32_t v;

    if (algo == NULL || buf == NULL || sizeInBytes != sizeof(v) ||
        attr > CUBLASLT_ALGO_CONFIG_STAGES_ID) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    v = (uint32_t)algo->data[1 + attr];
    memcpy(buf, &v, sizeof(v));
    if (sizeWritten != NULL) {
        *sizeWritten = sizeof(v);
    }
    return CUBLAS_STATUS_SUCCESS;
}

/* ---- cuBLASLt: matmul and transform ---------------------------------------------- */

/* IEEE half precision <-> float, rounding to nearest even (the FP16
 * matmuls; C has no half type). */
static float half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, e = (h >> 10) & 0x1f;
    uint32_t m = h & 0x3ff, bits;
    float f;

    if (e == 0 && m == 0) {
        bits = sign;
    } else if (e == 0) {                /* subnormal: normalise */
        e = 113;
        while (!(m & 0x400)) {
            m <<= 1;
            e--;
        }
        bits = sign | (e << 23) | ((m & 0x3ff) << 13);
    } else if (e == 31) {
        bits = sign | 0x7f800000 | (m << 13);
    } else {
        bits = sign | ((e + 112) << 23) | (m << 13);
    }
    memcpy(&f, &bits, sizeof(f));
    return f;
}

static uint16_t float_to_half(float f)
{
    uint32_t x, sign, m, h, rem, mid, shift;
    int32_t e;

    memcpy(&x, &f, sizeof(x));
    sign = (x >> 16) & 0x8000;
    e = (int32_t)((x >> 23) & 0xff) - 112;
    m = x & 0x7fffff;
    if (((x >> 23) & 0xff) == 0xff) {
        return (uint16_t)(sign | 0x7c00 | (m ? 0x200 : 0));
    }
    if (e >= 31) {
        return (uint16_t)(sign | 0x7c00);
    }
    if (e <= 0) {                       /* subnormal or zero */
        if (e < -10) {
            return (uint16_t)sign;
        }
        m |= 0x800000;
        shift = (uint32_t)(14 - e);
        h = m >> shift;
        rem = m & ((1u << shift) - 1);
        mid = 1u << (shift - 1);
    } else {
        h = ((uint32_t)e << 10) | (m >> 13);
        rem = m & 0x1fff;
        mid = 0x1000;
    }
    if (rem > mid || (rem == mid && (h & 1))) {
        h++;                            /* may carry into the exponent */
    }
    return (uint16_t)(sign | h);
}

/* Element i of a matrix of floats or halves, and the other way. */
static float el_get(const void *p, size_t i, int half)
{
    return half ? half_to_float(((const uint16_t *)p)[i])
                : ((const float *)p)[i];
}

static void el_put(void *p, size_t i, int half, float v)
{
    if (half) {
        ((uint16_t *)p)[i] = float_to_half(v);
    } else {
        ((float *)p)[i] = v;
    }
}

/* Host memory of one batch of a matrix of layout l at device p. */
static void *lt_matrix(const sim_obj_t *l, const void *p, int64_t b)
{
    int64_t rows = obj_get(l, CUBLASLT_MATRIX_LAYOUT_ROWS);
    int64_t cols = obj_get(l, CUBLASLT_MATRIX_LAYOUT_COLS);
    int64_t ld = obj_get(l, CUBLASLT_MATRIX_LAYOUT_LD);
    int64_t off = b * obj_get(l, CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET);
    size_t es = obj_get(l, CUBLASLT_MATRIX_LAYOUT_TYPE) == CUDA_R_16F ? 2 : 4;

    if (p == NULL) {
        return NULL;
    }
    return host_range((const char *)p + off * (int64_t)es,
                      span(ld, rows, cols) * es);
}

/* alpha and beta as the descriptor's pointer mode says (host or one
 * device value; the vector modes are not simulated). */
static cublasStatus_t lt_scalars(const sim_obj_t *desc, int pm_attr,
                                 const void *alpha, const void *beta,
                                 float *a_p, float *b_p)
{
    int pm = (int)obj_get(desc, pm_attr);
    const float *a, *b;

    if (pm != CUBLASLT_POINTER_MODE_HOST &&
        pm != CUBLASLT_POINTER_MODE_DEVICE) {
        return CUBLAS_STATUS_NOT_SUPPORTED;
    }
    a = scalar_of(pm, alpha, sizeof(float));
    b = scalar_of(pm, beta, sizeof(float));
    if (a == NULL || b == NULL) {
        return alpha == NULL || beta == NULL ? CUBLAS_STATUS_INVALID_VALUE
                                             : CUBLAS_STATUS_EXECUTION_FAILED;
    }
    *a_p = *a;
    *b_p = *b;
    return CUBLAS_STATUS_SUCCESS;
}

/* One batch of D = epilogue(alpha op(A) op(B) + beta C); half: the
 * matrices are FP16, bias_half: the bias. */
static void lt_gemm(const lt_op_t *op, const int64_t *ld, float alpha,
                    float beta, const void *a, const void *b, const void *c,
                    void *d, int half, int epi, const void *bias,
                    int bias_half)
{
    for (int64_t j = 0; j < op->n; j++) {
        for (int64_t i = 0; i < op->m; i++) {
            float s = 0, v;

            for (int64_t l = 0; l < op->k; l++) {
                float x = el_get(a, op->ta == CUBLAS_OP_N ? i + l * ld[0]
                                                          : l + i * ld[0],
                                 half);
                float y = el_get(b, op->tb == CUBLAS_OP_N ? l + j * ld[1]
                                                          : j + l * ld[1],
                                 half);
                s += x * y;
            }
            v = alpha * s +
                (beta == 0 ? 0 : beta * el_get(c, i + j * ld[2], half));
            if (epi & CUBLASLT_EPILOGUE_BIAS) {
                v += el_get(bias, i, bias_half);
            }
            if ((epi & CUBLASLT_EPILOGUE_RELU) && v < 0) {
                v = 0;
            }
            el_put(d, i + j * ld[3], half, v);
        }
    }
}

SIM cublasStatus_t cublasLtMatmul(
        cublasLtHandle_t lightHandle, cublasLtMatmulDesc_t computeDesc,
        const void *alpha, const void *A, cublasLtMatrixLayout_t Adesc,
        const void *B, cublasLtMatrixLayout_t Bdesc, const void *beta,
        const void *C, cublasLtMatrixLayout_t Cdesc, void *D,
        cublasLtMatrixLayout_t Ddesc, const cublasLtMatmulAlgo_t *algo,
        void *workspace, size_t workspaceSizeInBytes, cudaStream_t stream)
{
    lt_op_t op;
    cublasStatus_t st;
    float al, be;
    int epi, half, bias_half;
    const void *bias = NULL;
    int64_t ld[4];

    (void)workspace;
    (void)workspaceSizeInBytes;
    st = lt_op(&op, lightHandle, computeDesc, Adesc, Bdesc, Cdesc, Ddesc);
    if (st != CUBLAS_STATUS_SUCCESS) {
        return st;
    }
    if (!sim_stream_ok(stream) ||
        (algo != NULL && algo->data[0] != SIM_ALGO_ID)) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    st = lt_scalars(op.desc, CUBLASLT_MATMUL_DESC_POINTER_MODE, alpha, beta,
                    &al, &be);
    if (st != CUBLAS_STATUS_SUCCESS) {
        return st;
    }
    half = obj_get(op.l[3], CUBLASLT_MATRIX_LAYOUT_TYPE) == CUDA_R_16F;
    epi = (int)obj_get(op.desc, CUBLASLT_MATMUL_DESC_EPILOGUE);
    if (epi != CUBLASLT_EPILOGUE_DEFAULT && epi != CUBLASLT_EPILOGUE_RELU &&
        epi != CUBLASLT_EPILOGUE_BIAS && epi != CUBLASLT_EPILOGUE_RELU_BIAS) {
        return CUBLAS_STATUS_NOT_SUPPORTED;
    }
    /* The bias has D's type unless its own is set. */
    bias_half = obj_get(op.desc, CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE) == -1
                    ? half
                    : obj_get(op.desc, CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE) ==
                          CUDA_R_16F;
    if (epi & CUBLASLT_EPILOGUE_BIAS) {
        bias = host_range((const void *)(uintptr_t)obj_get(
                              op.desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER),
                          (size_t)op.m * (bias_half ? 2 : 4));
        if (bias == NULL) {
            return CUBLAS_STATUS_INVALID_VALUE;
        }
    }
    if (too_big(op.m * op.batch, op.n, op.k)) {
        return CUBLAS_STATUS_NOT_SUPPORTED;
    }
    for (int i = 0; i < 4; i++) {
        ld[i] = obj_get(op.l[i], CUBLASLT_MATRIX_LAYOUT_LD);
    }
    for (int64_t b = 0; b < op.batch; b++) {
        const void *a = lt_matrix(op.l[0], A, b);
        const void *bb = lt_matrix(op.l[1], B, b);
        const void *c = lt_matrix(op.l[2], C, b);
        void *d = lt_matrix(op.l[3], D, b);

        if (a == NULL || bb == NULL || d == NULL ||
            (be != 0 && c == NULL)) {
            return CUBLAS_STATUS_EXECUTION_FAILED;
        }
        lt_gemm(&op, ld, al, be, a, bb, c, d, half, epi, bias, bias_half);
    }
    return CUBLAS_STATUS_SUCCESS;
}

/* Whether layout l, transposed as t says, is m x n, column order, with
 * a leading dimension that holds its rows. */
static int op_shape(const sim_obj_t *l, int64_t t, int64_t m, int64_t n)
{
    int64_t rows = obj_get(l, CUBLASLT_MATRIX_LAYOUT_ROWS);
    int64_t cols = obj_get(l, CUBLASLT_MATRIX_LAYOUT_COLS);

    return obj_get(l, CUBLASLT_MATRIX_LAYOUT_TYPE) == CUDA_R_32F &&
           obj_get(l, CUBLASLT_MATRIX_LAYOUT_ORDER) == CUBLASLT_ORDER_COL &&
           obj_get(l, CUBLASLT_MATRIX_LAYOUT_LD) >= (rows > 1 ? rows : 1) &&
           (t == CUBLAS_OP_N ? rows == m && cols == n
                             : rows == n && cols == m);
}

/* C = alpha op(A) + beta op(B), FP32, column order, one batch. */
SIM cublasStatus_t cublasLtMatrixTransform(
        cublasLtHandle_t lightHandle,
        cublasLtMatrixTransformDesc_t transformDesc, const void *alpha,
        const void *A, cublasLtMatrixLayout_t Adesc, const void *beta,
        const void *B, cublasLtMatrixLayout_t Bdesc, void *C,
        cublasLtMatrixLayout_t Cdesc, cudaStream_t stream)
{
    const sim_obj_t *t = obj_of(transformDesc, TRANS_MAGIC);
    const sim_obj_t *la = obj_of(Adesc, LAYOUT_MAGIC);
    const sim_obj_t *lb = obj_of(Bdesc, LAYOUT_MAGIC);
    const sim_obj_t *lc = obj_of(Cdesc, LAYOUT_MAGIC);
    const float *a, *b;
    float al, be, *c;
    int64_t m, n, ta, tb;
    cublasStatus_t st;

    if (!lt_handle_ok(lightHandle)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (t == NULL || lc == NULL || !sim_stream_ok(stream) ||
        (A != NULL && la == NULL) || (B != NULL && lb == NULL)) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    if (obj_get(t, CUBLASLT_MATRIX_TRANSFORM_DESC_SCALE_TYPE) != CUDA_R_32F) {
        return CUBLAS_STATUS_NOT_SUPPORTED;
    }
    st = lt_scalars(t, CUBLASLT_MATRIX_TRANSFORM_DESC_POINTER_MODE, alpha,
                    beta, &al, &be);
    if (st != CUBLAS_STATUS_SUCCESS) {
        return st;
    }
    m = obj_get(lc, CUBLASLT_MATRIX_LAYOUT_ROWS);
    n = obj_get(lc, CUBLASLT_MATRIX_LAYOUT_COLS);
    ta = obj_get(t, CUBLASLT_MATRIX_TRANSFORM_DESC_TRANSA);
    tb = obj_get(t, CUBLASLT_MATRIX_TRANSFORM_DESC_TRANSB);
    if ((la != NULL && !op_shape(la, ta, m, n)) ||
        (lb != NULL && !op_shape(lb, tb, m, n)) || !op_shape(lc, 0, m, n)) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    a = la != NULL ? lt_matrix(la, A, 0) : NULL;
    b = lb != NULL ? lt_matrix(lb, B, 0) : NULL;
    c = lt_matrix(lc, C, 0);
    if ((A != NULL && a == NULL) || (B != NULL && b == NULL) || c == NULL) {
        return CUBLAS_STATUS_EXECUTION_FAILED;
    }
    for (int64_t j = 0; j < n; j++) {
        for (int64_t i = 0; i < m; i++) {
            int64_t lda = a ? obj_get(la, CUBLASLT_MATRIX_LAYOUT_LD) : 0;
            int64_t ldb = b ? obj_get(lb, CUBLASLT_MATRIX_LAYOUT_LD) : 0;
            float x = a == NULL ? 0 : ta == CUBLAS_OP_N ? a[i + j * lda]
                                                        : a[j + i * lda];
            float y = b == NULL ? 0 : tb == CUBLAS_OP_N ? b[i + j * ldb]
                                                        : b[j + i * ldb];

            c[i + j * obj_get(lc, CUBLASLT_MATRIX_LAYOUT_LD)] =
                al * x + be * y;
        }
    }
    return CUBLAS_STATUS_SUCCESS;
}
