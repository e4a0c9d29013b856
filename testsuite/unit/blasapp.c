/*
 * blasapp.c - a cuBLAS and cuBLASLt program (no kernels of its own),
 * linked against our libcublas.so.13, libcublasLt.so.13 and
 * libcudart.so.13.  Driven by test_gvd_blas.c against gvd's simulated
 * device, whose cuBLAS computes on the host (gvd/sim/gvdsim_blas.c).
 *
 *   blasapp MODE
 *
 * Each mode prints "OK MODE" and exits 0 when every result was right; a
 * failure prints one line saying what differed.  The matrices hold
 * multiples of 1/4 small enough that every sum is exact in float, so
 * results are compared with the CPU's exactly.
 */
#include "libapp.h"

#include <cuda_runtime_api.h>
#include <cublas_v2.h>
#include <cublasXt.h>
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <cublasLt.h>
#pragma GCC diagnostic pop

#include <stdint.h>
#include <stdio.h>

/* NVIDIA's libraries export these without declaring them. */
cublasStatus_t cublasSetEnvironmentMode(cublasHandle_t handle, int mode);
cublasStatus_t cublasGetEnvironmentMode(cublasHandle_t handle, int *mode);
cublasStatus_t cublasLtSetEnvironmentMode(cublasLtHandle_t handle, int mode);
cublasStatus_t cublasLtGetEnvironmentMode(cublasLtHandle_t handle, int *mode);
cublasStatus_t cublasLtSSSMatmul(void);
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ST(call, want) \
    LIBAPP_EXPECT(cublasStatus_t, cublasGetStatusName, call, want)

#define OK(call) ST(call, CUBLAS_STATUS_SUCCESS)

/* Multiples of 1/4 in [-1.5, 1.5]. */
static void fill(float *p, size_t n, int seed)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (float)((int)((i * 7 + (size_t)seed) % 13) - 6) * 0.25f;
    }
}

static void fill_d(double *p, size_t n, int seed)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (double)((int)((i * 5 + (size_t)seed) % 11) - 5) * 0.25;
    }
}

/* C = alpha op(A) op(B) + beta C, column-major. */
#define REF_GEMM(T, NAME)                                                     \
static void NAME(int ta, int tb, int m, int n, int k, T alpha, const T *A,    \
                 int lda, const T *B, int ldb, T beta, T *C, int ldc)         \
{                                                                             \
    for (int j = 0; j < n; j++) {                                             \
        for (int i = 0; i < m; i++) {                                         \
            T s = 0;                                                          \
            for (int l = 0; l < k; l++) {                                     \
                T x = ta ? A[l + (size_t)i * lda] : A[i + (size_t)l * lda];   \
                T y = tb ? B[j + (size_t)l * ldb] : B[l + (size_t)j * ldb];   \
                s += x * y;                                                   \
            }                                                                 \
            C[i + (size_t)j * ldc] = alpha * s + beta * C[i + (size_t)j * ldc]; \
        }                                                                     \
    }                                                                         \
}

REF_GEMM(float, ref_sgemm)
REF_GEMM(double, ref_dgemm)

static void *dev_copy(const void *host, size_t n)
{
    void *d = NULL;

    CHECK(cudaMalloc(&d, n));
    CHECK(cudaMemcpy(d, host, n, cudaMemcpyHostToDevice));
    return d;
}

static void same(const float *got, const float *want, size_t n,
                 const char *what)
{
    for (size_t i = 0; i < n; i++) {
        if (got[i] != want[i]) {
            FAIL("%s: element %zu is %g, wanted %g", what, i, got[i],
                 want[i]);
        }
    }
}

/* ---- cuBLAS --------------------------------------------------------------------- */

/* Handles, their settings, forged and stale values, what is not
 * supported. */
static int mode_handles(void)
{
    cublasHandle_t h, forged;
    cublasLtHandle_t lt;
    cublasPointerMode_t pm;
    cublasMath_t math;
    cudaStream_t s, got;
    cublasXtHandle_t xt;
    int v = 0;
    float x = 0;

    OK(cublasCreate(&h));
    OK(cublasGetVersion(h, &v));
    TRUE(v == CUBLAS_VERSION);
    OK(cublasGetPointerMode(h, &pm));
    TRUE(pm == CUBLAS_POINTER_MODE_HOST);
    OK(cublasSetPointerMode(h, CUBLAS_POINTER_MODE_DEVICE));
    OK(cublasGetPointerMode(h, &pm));
    TRUE(pm == CUBLAS_POINTER_MODE_DEVICE);
    ST(cublasSetPointerMode(h, (cublasPointerMode_t)7),
       CUBLAS_STATUS_INVALID_VALUE);
    OK(cublasGetPointerMode(h, &pm));
    TRUE(pm == CUBLAS_POINTER_MODE_DEVICE);
    OK(cublasSetPointerMode(h, CUBLAS_POINTER_MODE_HOST));
    ST(cublasGetPointerMode(h, NULL), CUBLAS_STATUS_INVALID_VALUE);
    /* One-way settings, read back by synchronous calls. */
    CHECK(cudaStreamCreate(&s));
    OK(cublasSetStream(h, s));
    OK(cublasGetStream(h, &got));
    TRUE(got == s);
    OK(cublasSetMathMode(h, CUBLAS_TF32_TENSOR_OP_MATH));
    OK(cublasGetMathMode(h, &math));
    TRUE(math == CUBLAS_TF32_TENSOR_OP_MATH);
    OK(cublasSetStream(h, NULL));
    CHECK(cudaStreamDestroy(s));
    OK(cublasSetEnvironmentMode(h, 1));
    OK(cublasGetEnvironmentMode(h, &v));
    TRUE(v == 1);
    ST(cublasSetEnvironmentMode(h, 2), CUBLAS_STATUS_INVALID_VALUE);
    CHECK(cudaDeviceSynchronize());

    /* Forged and stale handles never reach the GPU host. */
    forged = (cublasHandle_t)&v;
    ST(cublasSetPointerMode(forged, CUBLAS_POINTER_MODE_HOST),
       CUBLAS_STATUS_NOT_INITIALIZED);
    ST(cublasGetPointerMode(forged, &pm), CUBLAS_STATUS_NOT_INITIALIZED);
    ST(cublasSgemm(forged, CUBLAS_OP_N, CUBLAS_OP_N, 1, 1, 1, &x, NULL, 1,
                   NULL, 1, &x, NULL, 1), CUBLAS_STATUS_NOT_INITIALIZED);
    ST(cublasGetVersion(NULL, &v), CUBLAS_STATUS_NOT_INITIALIZED);
    OK(cublasLtCreate(&lt));
    ST(cublasSetMathMode((cublasHandle_t)lt, CUBLAS_DEFAULT_MATH),
       CUBLAS_STATUS_NOT_INITIALIZED);
    OK(cublasLtDestroy(lt));
    OK(cublasDestroy(h));
    ST(cublasDestroy(h), CUBLAS_STATUS_NOT_INITIALIZED);
    ST(cublasSdot(h, 1, NULL, 1, NULL, 1, &x), CUBLAS_STATUS_NOT_INITIALIZED);
    ST(cublasCreate(NULL), CUBLAS_STATUS_INVALID_VALUE);

    /* Not supported: cublasXt; answered here: names. */
    ST(cublasXtCreate(&xt), CUBLAS_STATUS_NOT_SUPPORTED);
    TRUE(strcmp(cublasGetStatusName(CUBLAS_STATUS_NOT_SUPPORTED),
                "CUBLAS_STATUS_NOT_SUPPORTED") == 0);
    OK(cublasGetProperty(MAJOR_VERSION, &v));
    TRUE(v == CUBLAS_VER_MAJOR);
    return 0;
}

/* Single and double gemms, both pointer modes, batched and strided
 * batched, a dot product both ways; compared with the CPU. */
static int mode_gemm(void)
{
    enum { M = 37, N = 29, K = 41, LDA = 45, LDB = 43, LDC = 40, BATCH = 3 };
    static float a[LDA * 45], b[LDB * 45], c[BATCH * LDC * N], want[BATCH * LDC * N];
    static double da[LDA * K], db[LDB * N], dc[LDC * N], dwant[LDC * N];
    float alpha = 1.5f, beta = -0.5f, *dA, *dB, *dC, *dS, r = 0;
    float *pa[BATCH], *pb[BATCH], *pc[BATCH], **dpa, **dpb, **dpc;
    double dalpha = -0.75, dbeta = 2.0, *ddA, *ddB, *ddC;
    cublasHandle_t h;

    OK(cublasCreate(&h));
    fill(a, sizeof(a) / sizeof(a[0]), 1);
    fill(b, sizeof(b) / sizeof(b[0]), 2);
    dA = dev_copy(a, sizeof(a));
    dB = dev_copy(b, sizeof(b));
    /* Every transpose combination, host pointer mode. */
    for (int t = 0; t < 4; t++) {
        int ta = t & 1, tb = t >> 1;

        fill(c, LDC * N, 3 + t);
        memcpy(want, c, LDC * N * sizeof(float));
        dC = dev_copy(c, LDC * N * sizeof(float));
        OK(cublasSgemm(h, ta ? CUBLAS_OP_T : CUBLAS_OP_N,
                       tb ? CUBLAS_OP_T : CUBLAS_OP_N, M, N, K, &alpha, dA,
                       LDA, dB, LDB, &beta, dC, LDC));
        CHECK(cudaMemcpy(c, dC, LDC * N * sizeof(float),
                         cudaMemcpyDeviceToHost));
        ref_sgemm(ta, tb, M, N, K, alpha, a, LDA, b, LDB, beta, want, LDC);
        same(c, want, LDC * N, "sgemm");
        CHECK(cudaFree(dC));
    }

    /* Device pointer mode: alpha and beta in device memory. */
    fill(c, LDC * N, 9);
    memcpy(want, c, LDC * N * sizeof(float));
    dC = dev_copy(c, LDC * N * sizeof(float));
    {
        float ab[2] = { alpha, beta };
        dS = dev_copy(ab, sizeof(ab));
    }
    OK(cublasSetPointerMode(h, CUBLAS_POINTER_MODE_DEVICE));
    OK(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, M, N, K, dS, dA, LDA, dB,
                   LDB, dS + 1, dC, LDC));
    /* A dot product into device memory. */
    OK(cublasSdot(h, K, dA, 1, dB, 1, dS));
    OK(cublasSetPointerMode(h, CUBLAS_POINTER_MODE_HOST));
    CHECK(cudaMemcpy(c, dC, LDC * N * sizeof(float), cudaMemcpyDeviceToHost));
    ref_sgemm(0, 0, M, N, K, alpha, a, LDA, b, LDB, beta, want, LDC);
    same(c, want, LDC * N, "sgemm, device pointer mode");
    CHECK(cudaMemcpy(&r, dS, sizeof(r), cudaMemcpyDeviceToHost));
    {
        float d = 0;
        for (int i = 0; i < K; i++) {
            d += a[i] * b[i];
        }
        TRUE(r == d);
        /* ... and into host memory (the call waits for it). */
        r = -1;
        OK(cublasSdot(h, K, dA, 1, dB, 1, &r));
        TRUE(r == d);
    }
    CHECK(cudaFree(dC));
    CHECK(cudaFree(dS));

    /* Strided batched: BATCH products of K-row slices. */
    fill(c, BATCH * LDC * N, 4);
    memcpy(want, c, sizeof(c));
    dC = dev_copy(c, sizeof(c));
    OK(cublasSgemmStridedBatched(h, CUBLAS_OP_N, CUBLAS_OP_N, M, N, 13,
                                 &alpha, dA, LDA, 13 * LDA, dB, LDB, 13,
                                 &beta, dC, LDC, LDC * N, BATCH));
    CHECK(cudaMemcpy(c, dC, sizeof(c), cudaMemcpyDeviceToHost));
    for (int i = 0; i < BATCH; i++) {
        ref_sgemm(0, 0, M, N, 13, alpha, a + i * 13 * LDA, LDA, b + i * 13,
                  LDB, beta, want + i * LDC * N, LDC);
    }
    same(c, want, BATCH * LDC * N, "sgemm strided batched");

    /* Batched: arrays of device pointers, in device memory. */
    fill(c, BATCH * LDC * N, 5);
    memcpy(want, c, sizeof(c));
    CHECK(cudaMemcpy(dC, c, sizeof(c), cudaMemcpyHostToDevice));
    for (int i = 0; i < BATCH; i++) {
        pa[i] = dA + i * 11 * LDA;
        pb[i] = dB + i * 11;
        pc[i] = dC + (BATCH - 1 - i) * LDC * N;
    }
    dpa = dev_copy(pa, sizeof(pa));
    dpb = dev_copy(pb, sizeof(pb));
    dpc = dev_copy(pc, sizeof(pc));
    OK(cublasSgemmBatched(h, CUBLAS_OP_N, CUBLAS_OP_N, M, N, 11, &alpha,
                          (const float *const *)dpa, LDA,
                          (const float *const *)dpb, LDB, &beta, dpc, LDC,
                          BATCH));
    CHECK(cudaMemcpy(c, dC, sizeof(c), cudaMemcpyDeviceToHost));
    for (int i = 0; i < BATCH; i++) {
        ref_sgemm(0, 0, M, N, 11, alpha, a + i * 11 * LDA, LDA, b + i * 11,
                  LDB, beta, want + (BATCH - 1 - i) * LDC * N, LDC);
    }
    same(c, want, BATCH * LDC * N, "sgemm batched");
    CHECK(cudaFree(dpa));
    CHECK(cudaFree(dpb));
    CHECK(cudaFree(dpc));
    CHECK(cudaFree(dC));

    /* Double, transposed A. */
    fill_d(da, LDA * K, 6);
    fill_d(db, LDB * N, 7);
    fill_d(dc, LDC * N, 8);
    memcpy(dwant, dc, sizeof(dc));
    ddA = dev_copy(da, sizeof(da));
    ddB = dev_copy(db, sizeof(db));
    ddC = dev_copy(dc, sizeof(dc));
    OK(cublasDgemm(h, CUBLAS_OP_T, CUBLAS_OP_N, 30, N, K - 10, &dalpha, ddA,
                   LDA, ddB, LDB, &dbeta, ddC, LDC));
    CHECK(cudaMemcpy(dc, ddC, sizeof(dc), cudaMemcpyDeviceToHost));
    ref_dgemm(1, 0, 30, N, K - 10, dalpha, da, LDA, db, LDB, dbeta, dwant,
              LDC);
    for (int i = 0; i < LDC * N; i++) {
        TRUE(dc[i] == dwant[i]);
    }
    CHECK(cudaFree(ddA));
    CHECK(cudaFree(ddB));
    CHECK(cudaFree(ddC));
    CHECK(cudaFree(dA));
    CHECK(cudaFree(dB));
    OK(cublasDestroy(h));
    return 0;
}

/* One-way calls: what cuBLAS refuses at once natively comes back at
 * the next synchronising call, as a CUDA error (lib/README.md). */
static int mode_late(void)
{
    float one = 1, host[16], *d;
    cublasHandle_t h;

    OK(cublasCreate(&h));
    CHECK(cudaMalloc((void **)&d, 64 * sizeof(float)));
    /* lda < m: refused by the library on the GPU host. */
    OK(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, 4, 4, 4, &one, d, 1, d, 4,
                   &one, d, 4));
    RT(cudaDeviceSynchronize(), cudaErrorInvalidValue);
    (void)cudaGetLastError();
    CHECK(cudaDeviceSynchronize());
    /* C in host memory: refused by the worker (not the client's GPU
     * memory). */
    OK(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, 4, 4, 4, &one, d, 4, d, 4,
                   &one, host, 4));
    RT(cudaDeviceSynchronize(), cudaErrorInvalidValue);
    (void)cudaGetLastError();
    /* Still usable. */
    OK(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, 4, 4, 4, &one, d, 4, d, 4,
                   &one, d + 16, 4));
    CHECK(cudaDeviceSynchronize());
    CHECK(cudaFree(d));
    OK(cublasDestroy(h));
    return 0;
}

/* ---- cuBLASLt --------------------------------------------------------------------- */

/* Descriptors, layouts, preferences, emulation and transform
 * descriptors, their attributes; algorithms; versions. */
static int mode_ltdesc(void)
{
    cublasLtHandle_t lt;
    cublasLtMatmulDesc_t md;
    cublasLtMatrixLayout_t l;
    cublasLtMatmulPreference_t p;
    cublasLtEmulationDesc_t em, got_em = NULL;
    cublasLtMatrixTransformDesc_t td;
    cublasLtMatmulAlgo_t algo;
    cublasLtMatmulHeuristicResult_t res;
    int32_t op = CUBLAS_OP_T, i32 = 0, ids[4] = { 0 }, nids = 0;
    uint32_t u32 = 0;
    uint64_t u64 = 0, ws = 1 << 20;
    size_t written = 0, cap = 0;
    int v = 0;

    TRUE(cublasLtGetVersion() == CUBLAS_VERSION);
    OK(cublasLtGetProperty(MAJOR_VERSION, &v));
    TRUE(v == CUBLAS_VER_MAJOR);
    TRUE(strcmp(cublasLtGetStatusString(CUBLAS_STATUS_INVALID_VALUE),
                cublasGetStatusString(CUBLAS_STATUS_INVALID_VALUE)) == 0);
    OK(cublasLtLoggerSetLevel(2));

    OK(cublasLtCreate(&lt));
    OK(cublasLtSetEnvironmentMode(lt, 1));
    OK(cublasLtGetEnvironmentMode(lt, &v));
    TRUE(v == 1);
    OK(cublasLtMatmulDescCreate(&md, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    OK(cublasLtMatmulDescSetAttribute(md, CUBLASLT_MATMUL_DESC_TRANSA, &op,
                                      sizeof(op)));
    OK(cublasLtMatmulDescGetAttribute(md, CUBLASLT_MATMUL_DESC_TRANSA, &i32,
                                      sizeof(i32), &written));
    TRUE(i32 == CUBLAS_OP_T && written == sizeof(i32));
    written = 0;
    OK(cublasLtMatmulDescGetAttribute(md, CUBLASLT_MATMUL_DESC_SCALE_TYPE,
                                      NULL, 0, &written));
    TRUE(written == sizeof(int32_t));
    OK(cublasLtMatmulDescGetAttribute(md, CUBLASLT_MATMUL_DESC_SCALE_TYPE,
                                      &i32, sizeof(i32), NULL));
    TRUE(i32 == CUDA_R_32F);
    ST(cublasLtMatmulDescSetAttribute(md, CUBLASLT_MATMUL_DESC_TRANSA, &op,
                                      2), CUBLAS_STATUS_INVALID_VALUE);
    ST(cublasLtMatmulDescGetAttribute(md, CUBLASLT_MATMUL_DESC_TRANSA, &u64,
                                      sizeof(u64), NULL),
       CUBLAS_STATUS_INVALID_VALUE);
    ST(cublasLtMatmulDescSetAttribute(md, (cublasLtMatmulDescAttributes_t)39,
                                      &op, sizeof(op)),
       CUBLAS_STATUS_INVALID_VALUE);

    /* The emulation descriptor attribute holds a descriptor: the program
     * reads back its own value. */
    OK(cublasLtEmulationDescCreate(&em));
    i32 = 1;
    OK(cublasLtEmulationDescSetAttribute(em, CUBLASLT_EMULATION_DESC_STRATEGY,
                                         &i32, sizeof(i32)));
    i32 = 0;
    OK(cublasLtEmulationDescGetAttribute(em, CUBLASLT_EMULATION_DESC_STRATEGY,
                                         &i32, sizeof(i32), NULL));
    TRUE(i32 == 1);
    OK(cublasLtMatmulDescSetAttribute(md,
                                      CUBLASLT_MATMUL_DESC_EMULATION_DESCRIPTOR,
                                      &em, sizeof(em)));
    OK(cublasLtMatmulDescGetAttribute(md,
                                      CUBLASLT_MATMUL_DESC_EMULATION_DESCRIPTOR,
                                      &got_em, sizeof(got_em), NULL));
    TRUE(got_em == em);
    got_em = em;
    em = NULL;
    OK(cublasLtMatmulDescSetAttribute(md,
                                      CUBLASLT_MATMUL_DESC_EMULATION_DESCRIPTOR,
                                      &em, sizeof(em)));
    OK(cublasLtMatmulDescGetAttribute(md,
                                      CUBLASLT_MATMUL_DESC_EMULATION_DESCRIPTOR,
                                      &em, sizeof(em), NULL));
    TRUE(em == NULL);
    OK(cublasLtEmulationDescDestroy(got_em));

    OK(cublasLtMatrixLayoutCreate(&l, CUDA_R_32F, 4, 5, 6));
    OK(cublasLtMatrixLayoutGetAttribute(l, CUBLASLT_MATRIX_LAYOUT_ROWS, &u64,
                                        sizeof(u64), &written));
    TRUE(u64 == 4 && written == sizeof(u64));
    i32 = 3;
    OK(cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT,
                                        &i32, sizeof(i32)));
    i32 = 0;
    OK(cublasLtMatrixLayoutGetAttribute(l, CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT,
                                        &i32, sizeof(i32), NULL));
    TRUE(i32 == 3);
    ST(cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_ROWS, NULL,
                                        8), CUBLAS_STATUS_INVALID_VALUE);

    OK(cublasLtMatmulPreferenceCreate(&p));
    OK(cublasLtMatmulPreferenceSetAttribute(
        p, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws, sizeof(ws)));
    u64 = 0;
    OK(cublasLtMatmulPreferenceGetAttribute(
        p, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &u64, sizeof(u64),
        NULL));
    TRUE(u64 == ws);

    OK(cublasLtMatrixTransformDescCreate(&td, CUDA_R_32F));
    i32 = CUBLASLT_POINTER_MODE_DEVICE;
    OK(cublasLtMatrixTransformDescSetAttribute(
        td, CUBLASLT_MATRIX_TRANSFORM_DESC_POINTER_MODE, &i32, sizeof(i32)));
    i32 = 0;
    OK(cublasLtMatrixTransformDescGetAttribute(
        td, CUBLASLT_MATRIX_TRANSFORM_DESC_POINTER_MODE, &i32, sizeof(i32),
        NULL));
    TRUE(i32 == CUBLASLT_POINTER_MODE_DEVICE);

    /* Algorithms: ids, one initialised, configured, checked. */
    OK(cublasLtMatmulAlgoGetIds(lt, CUBLAS_COMPUTE_32F, CUDA_R_32F,
                                CUDA_R_32F, CUDA_R_32F, CUDA_R_32F,
                                CUDA_R_32F, 4, ids, &nids));
    TRUE(nids >= 1);
    OK(cublasLtMatmulAlgoInit(lt, CUBLAS_COMPUTE_32F, CUDA_R_32F, CUDA_R_32F,
                              CUDA_R_32F, CUDA_R_32F, CUDA_R_32F, ids[0],
                              &algo));
    u32 = 2;
    OK(cublasLtMatmulAlgoConfigSetAttribute(&algo,
                                            CUBLASLT_ALGO_CONFIG_SPLITK_NUM,
                                            &u32, sizeof(u32)));
    u32 = 0;
    OK(cublasLtMatmulAlgoConfigGetAttribute(&algo,
                                            CUBLASLT_ALGO_CONFIG_SPLITK_NUM,
                                            &u32, sizeof(u32), &written));
    TRUE(u32 == 2);
    OK(cublasLtMatmulAlgoCapGetAttribute(&algo,
                                         CUBLASLT_ALGO_CAP_SPLITK_SUPPORT,
                                         NULL, 0, &written));
    TRUE(written == sizeof(int32_t));
    {
        cublasLtMatrixLayout_t sq;

        OK(cublasLtMatrixLayoutCreate(&sq, CUDA_R_32F, 4, 4, 4));
        OK(cublasLtMatmulAlgoCheck(lt, md, sq, sq, sq, sq, &algo, &res));
        TRUE(res.state == CUBLAS_STATUS_SUCCESS);
        OK(cublasLtMatrixLayoutDestroy(sq));
    }
    OK(cublasLtHeuristicsCacheGetCapacity(&cap));
    OK(cublasLtHeuristicsCacheSetCapacity(cap + 1));
    OK(cublasLtHeuristicsCacheGetCapacity(&written));
    TRUE(written == cap + 1);

    OK(cublasLtMatrixTransformDescDestroy(td));
    OK(cublasLtMatmulPreferenceDestroy(p));
    OK(cublasLtMatrixLayoutDestroy(l));
    OK(cublasLtMatmulDescDestroy(md));
    OK(cublasLtDestroy(lt));
    ST(cublasLtMatrixLayoutDestroy(l), CUBLAS_STATUS_NOT_INITIALIZED);
    return 0;
}

/* One FP32 matmul D = epilogue(alpha op(A) op(B) + beta C) through a
 * heuristic's algorithm, compared with the CPU. */
typedef struct lt_case {
    int ta, tb, m, n, k, batch;
    int device_scalars;         /* alpha, beta in device memory */
    int relu_bias;              /* CUBLASLT_EPILOGUE_RELU_BIAS */
    int in_place;               /* C == D */
} lt_case_t;

static void lt_run(cublasLtHandle_t lt, cudaStream_t stream,
                   const lt_case_t *t)
{
    int ar = t->ta ? t->k : t->m, ac = t->ta ? t->m : t->k;
    int br = t->tb ? t->n : t->k, bc = t->tb ? t->k : t->n;
    int64_t sa = (int64_t)ar * ac, sb = (int64_t)br * bc;
    int64_t sc = (int64_t)t->m * t->n;
    size_t na = (size_t)(sa * t->batch), nb = (size_t)(sb * t->batch);
    size_t nc = (size_t)(sc * t->batch);
    float *a = malloc(na * sizeof(float)), *b = malloc(nb * sizeof(float));
    float *c = malloc(nc * sizeof(float)), *want = malloc(nc * sizeof(float));
    float *got = malloc(nc * sizeof(float)), bias[64], ab[2] = { 0.75f, -1.25f };
    float *dA, *dB, *dC, *dD, *dBias = NULL, *dS = NULL;
    void *ws = NULL;
    cublasLtMatmulDesc_t md;
    cublasLtMatrixLayout_t la, lb, lc;
    cublasLtMatmulPreference_t p;
    cublasLtMatmulHeuristicResult_t res[3];
    int32_t opa = t->ta ? CUBLAS_OP_T : CUBLAS_OP_N;
    int32_t opb = t->tb ? CUBLAS_OP_T : CUBLAS_OP_N;
    uint64_t wsmax = 1 << 20;
    int nres = 0;

    TRUE(a && b && c && want && got && t->m <= 64);
    fill(a, na, 11);
    fill(b, nb, 12);
    fill(c, nc, 13);
    fill(bias, 64, 14);
    memcpy(want, c, nc * sizeof(float));
    dA = dev_copy(a, na * sizeof(float));
    dB = dev_copy(b, nb * sizeof(float));
    dC = dev_copy(c, nc * sizeof(float));
    CHECK(cudaMalloc((void **)&dD, nc * sizeof(float)));
    if (t->in_place) {
        CHECK(cudaFree(dD));
        dD = dC;
    }
    CHECK(cudaMalloc(&ws, wsmax));

    OK(cublasLtMatmulDescCreate(&md, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    OK(cublasLtMatmulDescSetAttribute(md, CUBLASLT_MATMUL_DESC_TRANSA, &opa,
                                      sizeof(opa)));
    OK(cublasLtMatmulDescSetAttribute(md, CUBLASLT_MATMUL_DESC_TRANSB, &opb,
                                      sizeof(opb)));
    if (t->relu_bias) {
        uint32_t epi = CUBLASLT_EPILOGUE_RELU_BIAS;

        dBias = dev_copy(bias, sizeof(bias));
        OK(cublasLtMatmulDescSetAttribute(md, CUBLASLT_MATMUL_DESC_EPILOGUE,
                                          &epi, sizeof(epi)));
        OK(cublasLtMatmulDescSetAttribute(md,
                                          CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                                          &dBias, sizeof(dBias)));
    }
    if (t->device_scalars) {
        int32_t pm = CUBLASLT_POINTER_MODE_DEVICE;

        dS = dev_copy(ab, sizeof(ab));
        OK(cublasLtMatmulDescSetAttribute(md,
                                          CUBLASLT_MATMUL_DESC_POINTER_MODE,
                                          &pm, sizeof(pm)));
    }
    OK(cublasLtMatrixLayoutCreate(&la, CUDA_R_32F, ar, ac, ar));
    OK(cublasLtMatrixLayoutCreate(&lb, CUDA_R_32F, br, bc, br));
    OK(cublasLtMatrixLayoutCreate(&lc, CUDA_R_32F, t->m, t->n, t->m));
    if (t->batch > 1) {
        int32_t bc32 = t->batch;
        cublasLtMatrixLayout_t ls[3] = { la, lb, lc };
        int64_t strides[3] = { sa, sb, sc };

        for (int i = 0; i < 3; i++) {
            OK(cublasLtMatrixLayoutSetAttribute(
                ls[i], CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT, &bc32,
                sizeof(bc32)));
            OK(cublasLtMatrixLayoutSetAttribute(
                ls[i], CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET,
                &strides[i], sizeof(strides[i])));
        }
    }
    OK(cublasLtMatmulPreferenceCreate(&p));
    OK(cublasLtMatmulPreferenceSetAttribute(
        p, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &wsmax, sizeof(wsmax)));
    OK(cublasLtMatmulAlgoGetHeuristic(lt, md, la, lb, lc, lc, p, 3, res,
                                      &nres));
    TRUE(nres >= 1 && res[0].state == CUBLAS_STATUS_SUCCESS &&
         res[0].workspaceSize <= wsmax);
    OK(cublasLtMatmul(lt, md, t->device_scalars ? (void *)dS : (void *)&ab[0],
                      dA, la, dB, lb,
                      t->device_scalars ? (void *)(dS + 1) : (void *)&ab[1],
                      dC, lc, dD, lc, &res[0].algo, ws, wsmax, stream));
    CHECK(cudaStreamSynchronize(stream));
    CHECK(cudaMemcpy(got, dD, nc * sizeof(float), cudaMemcpyDeviceToHost));
    for (int i = 0; i < t->batch; i++) {
        float *w = want + i * sc;

        ref_sgemm(t->ta, t->tb, t->m, t->n, t->k, ab[0], a + i * sa, ar,
                  b + i * sb, br, ab[1], w, t->m);
        for (int j = 0; t->relu_bias && j < t->m * t->n; j++) {
            w[j] += bias[j % t->m];
            w[j] = w[j] < 0 ? 0 : w[j];
        }
    }
    same(got, want, nc, "cublasLtMatmul");

    OK(cublasLtMatmulPreferenceDestroy(p));
    OK(cublasLtMatrixLayoutDestroy(la));
    OK(cublasLtMatrixLayoutDestroy(lb));
    OK(cublasLtMatrixLayoutDestroy(lc));
    OK(cublasLtMatmulDescDestroy(md));
    CHECK(cudaFree(dA));
    CHECK(cudaFree(dB));
    CHECK(cudaFree(dC));
    if (!t->in_place) {
        CHECK(cudaFree(dD));
    }
    CHECK(cudaFree(ws));
    if (dBias != NULL) {
        CHECK(cudaFree(dBias));
    }
    if (dS != NULL) {
        CHECK(cudaFree(dS));
    }
    free(a);
    free(b);
    free(c);
    free(want);
    free(got);
}

/* Matmuls of several shapes and settings; a matrix transform; a
 * matmul the GPU host refuses, reported late. */
static int mode_ltmatmul(void)
{
    static const lt_case_t cases[] = {
        { 0, 0, 33, 17, 45, 1, 0, 0, 0 },
        { 1, 0, 20, 31, 7, 1, 0, 0, 1 },
        { 0, 1, 16, 16, 16, 1, 1, 0, 0 },
        { 1, 1, 9, 12, 30, 1, 0, 1, 0 },
        { 0, 0, 24, 8, 10, 3, 1, 1, 0 },
    };
    cublasLtHandle_t lt;
    cudaStream_t s;
    cublasHandle_t h;

    OK(cublasLtCreate(&lt));
    CHECK(cudaStreamCreate(&s));
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        lt_run(lt, i % 2 ? s : NULL, &cases[i]);
    }
    /* With a cuBLAS handle, as PyTorch calls it. */
    OK(cublasCreate(&h));
    lt_run((cublasLtHandle_t)h, s, &cases[3]);
    OK(cublasDestroy(h));

    /* C = alpha A^T + beta B, alpha and beta in device memory. */
    {
        enum { M = 6, N = 5 };
        float a[N * M], b[M * N], c[M * N], ab[2] = { 2.0f, -0.5f };
        float *dA = NULL, *dB, *dC, *dS;
        cublasLtMatrixTransformDesc_t td;
        cublasLtMatrixLayout_t la, lb;
        int32_t v = CUBLASLT_POINTER_MODE_DEVICE;

        fill(a, N * M, 21);
        fill(b, M * N, 22);
        dA = dev_copy(a, sizeof(a));
        dB = dev_copy(b, sizeof(b));
        dS = dev_copy(ab, sizeof(ab));
        CHECK(cudaMalloc((void **)&dC, sizeof(c)));
        OK(cublasLtMatrixTransformDescCreate(&td, CUDA_R_32F));
        OK(cublasLtMatrixTransformDescSetAttribute(
            td, CUBLASLT_MATRIX_TRANSFORM_DESC_POINTER_MODE, &v, sizeof(v)));
        v = CUBLAS_OP_T;
        OK(cublasLtMatrixTransformDescSetAttribute(
            td, CUBLASLT_MATRIX_TRANSFORM_DESC_TRANSA, &v, sizeof(v)));
        OK(cublasLtMatrixLayoutCreate(&la, CUDA_R_32F, N, M, N));
        OK(cublasLtMatrixLayoutCreate(&lb, CUDA_R_32F, M, N, M));
        OK(cublasLtMatrixTransform(lt, td, dS, dA, la, dS + 1, dB, lb, dC,
                                   lb, s));
        CHECK(cudaMemcpy(c, dC, sizeof(c), cudaMemcpyDeviceToHost));
        for (int j = 0; j < N; j++) {
            for (int i = 0; i < M; i++) {
                TRUE(c[i + j * M] ==
                     ab[0] * a[j + i * N] + ab[1] * b[i + j * M]);
            }
        }
        OK(cublasLtMatrixLayoutDestroy(la));
        OK(cublasLtMatrixLayoutDestroy(lb));
        OK(cublasLtMatrixTransformDescDestroy(td));
        CHECK(cudaFree(dA));
        CHECK(cudaFree(dB));
        CHECK(cudaFree(dC));
        CHECK(cudaFree(dS));
    }

    /* Shapes that do not agree: one-way, refused on the GPU host, seen
     * at the next synchronising call. */
    {
        cublasLtMatmulDesc_t md;
        cublasLtMatrixLayout_t l4, l5;
        float one = 1, *d;

        CHECK(cudaMalloc((void **)&d, 64 * sizeof(float)));
        OK(cublasLtMatmulDescCreate(&md, CUBLAS_COMPUTE_32F, CUDA_R_32F));
        OK(cublasLtMatrixLayoutCreate(&l4, CUDA_R_32F, 4, 4, 4));
        OK(cublasLtMatrixLayoutCreate(&l5, CUDA_R_32F, 5, 4, 5));
        OK(cublasLtMatmul(lt, md, &one, d, l5, d, l4, &one, d, l4, d, l4,
                          NULL, NULL, 0, NULL));
        RT(cudaDeviceSynchronize(), cudaErrorInvalidValue);
        (void)cudaGetLastError();
        OK(cublasLtMatrixLayoutDestroy(l4));
        OK(cublasLtMatrixLayoutDestroy(l5));
        OK(cublasLtMatmulDescDestroy(md));
        CHECK(cudaFree(d));
    }
    CHECK(cudaStreamDestroy(s));
    OK(cublasLtDestroy(lt));
    return 0;
}

/* Forged, stale and wrong-kind records; what is not supported; device
 * pointers in attributes that are not the client's memory. */
static int mode_lterrors(void)
{
    cublasLtHandle_t lt, forged_h;
    cublasLtMatmulDesc_t md, forged_d;
    cublasLtMatrixLayout_t l;
    cublasLtMatmulPreference_t p;
    cublasLtMatmulHeuristicResult_t res;
    cublasLtMatmulDescOpaque_t mine;
    cublasHandle_t h;
    int32_t v = 0;
    float one = 1, *d, host[4];
    void *bad = host;
    int n = 0;

    OK(cublasLtCreate(&lt));
    OK(cublasLtMatmulDescCreate(&md, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    OK(cublasLtMatrixLayoutCreate(&l, CUDA_R_32F, 4, 4, 4));
    OK(cublasLtMatmulPreferenceCreate(&p));
    CHECK(cudaMalloc((void **)&d, 64 * sizeof(float)));

    /* Made-up values: the call's first record says NOT_INITIALIZED, the
     * others INVALID_VALUE, and nothing reaches the GPU host. */
    forged_h = (cublasLtHandle_t)&v;
    forged_d = (cublasLtMatmulDesc_t)&mine;
    ST(cublasLtMatmulAlgoGetHeuristic(forged_h, md, l, l, l, l, p, 1, &res,
                                      &n), CUBLAS_STATUS_NOT_INITIALIZED);
    ST(cublasLtMatmulAlgoGetHeuristic(lt, forged_d, l, l, l, l, p, 1, &res,
                                      &n), CUBLAS_STATUS_INVALID_VALUE);
    ST(cublasLtMatmulDescSetAttribute(forged_d, CUBLASLT_MATMUL_DESC_TRANSA,
                                      &v, sizeof(v)),
       CUBLAS_STATUS_NOT_INITIALIZED);
    ST(cublasLtMatmul(lt, forged_d, &one, d, l, d, l, &one, d, l, d, l, NULL,
                      NULL, 0, NULL), CUBLAS_STATUS_INVALID_VALUE);
    /* Another kind's record. */
    ST(cublasLtMatmulDescSetAttribute((cublasLtMatmulDesc_t)l,
                                      CUBLASLT_MATMUL_DESC_TRANSA, &v,
                                      sizeof(v)),
       CUBLAS_STATUS_NOT_INITIALIZED);
    ST(cublasLtMatmulAlgoGetHeuristic(lt, md, l, l, (cublasLtMatrixLayout_t)p,
                                      l, p, 1, &res, &n),
       CUBLAS_STATUS_INVALID_VALUE);
    /* A cublasHandle_t serves as a cublasLtHandle_t, as with NVIDIA's
     * libraries, but cublasLtDestroy does not take it. */
    OK(cublasCreate(&h));
    OK(cublasLtMatmulAlgoGetHeuristic((cublasLtHandle_t)h, md, l, l, l, l, p,
                                      1, &res, &n));
    TRUE(n == 1);
    ST(cublasLtDestroy((cublasLtHandle_t)h), CUBLAS_STATUS_INVALID_VALUE);
    OK(cublasDestroy(h));
    /* An emulation descriptor that is not one. */
    ST(cublasLtMatmulDescSetAttribute(md,
                                      CUBLASLT_MATMUL_DESC_EMULATION_DESCRIPTOR,
                                      &forged_d, sizeof(forged_d)),
       CUBLAS_STATUS_INVALID_VALUE);
    /* Device pointers in attributes must be the client's GPU memory: the
     * worker refuses one, and as the set is one-way (lib/README.md) the
     * next synchronising call says so. */
    OK(cublasLtMatmulDescSetAttribute(md, CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                                      &bad, sizeof(bad)));
    RT(cudaDeviceSynchronize(), cudaErrorInvalidValue);
    (void)cudaGetLastError();
    bad = d;
    OK(cublasLtMatmulDescSetAttribute(md, CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                                      &bad, sizeof(bad)));
    /* Stale records. */
    OK(cublasLtMatrixLayoutDestroy(l));
    ST(cublasLtMatrixLayoutSetAttribute(l, CUBLASLT_MATRIX_LAYOUT_LD, &v,
                                        sizeof(v)),
       CUBLAS_STATUS_NOT_INITIALIZED);
    ST(cublasLtMatmulAlgoGetHeuristic(lt, md, l, l, l, l, p, 1, &res, &n),
       CUBLAS_STATUS_INVALID_VALUE);
    /* Not supported. */
    ST(cublasLtMatmulDescInit_internal(forged_d, sizeof(mine),
                                       CUBLAS_COMPUTE_32F, CUDA_R_32F),
       CUBLAS_STATUS_NOT_SUPPORTED);
    ST(cublasLtSSSMatmul(), CUBLAS_STATUS_NOT_SUPPORTED);

    OK(cublasLtMatmulPreferenceDestroy(p));
    OK(cublasLtMatmulDescDestroy(md));
    OK(cublasLtDestroy(lt));
    ST(cublasLtDestroy(lt), CUBLAS_STATUS_NOT_INITIALIZED);
    CHECK(cudaFree(d));
    return 0;
}

/* Leave a cuBLAS handle and cuBLASLt objects to the worker. */
static int mode_leave(void)
{
    cublasHandle_t h;
    cublasLtHandle_t lt;
    cublasLtMatmulDesc_t md;
    cublasLtMatrixLayout_t l1, l2;
    cublasLtMatmulPreference_t p;

    OK(cublasCreate(&h));
    OK(cublasLtCreate(&lt));
    OK(cublasLtMatmulDescCreate(&md, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    OK(cublasLtMatrixLayoutCreate(&l1, CUDA_R_32F, 4, 4, 4));
    OK(cublasLtMatrixLayoutCreate(&l2, CUDA_R_32F, 4, 4, 4));
    OK(cublasLtMatmulPreferenceCreate(&p));
    /* A type the pool leaves to the library: a real Create. */
    OK(cublasLtMatrixLayoutCreate(&l2, CUDA_R_8U, 4, 4, 4));
    return 0;
}

/* Descriptors from the device's pool (lib/cublaslt/cublaslt_pool.c):
 * more than one reservation's worth, blocks given back and initialised
 * again with other values, records of other kinds refused, the types
 * the pool leaves to the library answered by it. */
static int mode_ltpool(void)
{
    enum { N = 100 };
    cublasLtMatrixLayout_t l[N];
    cublasLtMatmulDesc_t md;
    cublasLtMatmulPreference_t p;
    uint64_t rows = 0;
    int32_t i32 = 0;
    size_t written = 0;

    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < N; i++) {
            OK(cublasLtMatrixLayoutCreate(&l[i], CUDA_R_32F,
                                          (uint64_t)(round * 1000 + i), 4,
                                          round * 1000 + i + 1));
        }
        for (int i = 0; i < N; i++) {
            OK(cublasLtMatrixLayoutGetAttribute(l[i],
                                                CUBLASLT_MATRIX_LAYOUT_ROWS,
                                                &rows, sizeof(rows),
                                                &written));
            TRUE(rows == (uint64_t)(round * 1000 + i));
        }
        for (int i = 0; i < N; i++) {
            OK(cublasLtMatrixLayoutDestroy(l[i]));
        }
    }
    /* The heuristics' answers kept on the client (cublaslt_heur.c): the
     * simulator numbers its answers in reserved[0]. */
    {
        cublasLtHandle_t lt;
        cublasLtMatmulHeuristicResult_t r[3];
        int got = 0;
        uint64_t ws = 1 << 20;

        OK(cublasLtCreate(&lt));
        for (int i = 0; i < 3; i++) {
            cublasLtMatmulDesc_t d;
            cublasLtMatrixLayout_t a, b, c;
            cublasLtMatmulPreference_t pr;

            OK(cublasLtMatmulDescCreate(&d, CUBLAS_COMPUTE_32F, CUDA_R_32F));
            OK(cublasLtMatrixLayoutCreate(&a, CUDA_R_32F, 8, 4, 8));
            OK(cublasLtMatrixLayoutCreate(&b, CUDA_R_32F, 4, 2, 4));
            OK(cublasLtMatrixLayoutCreate(&c, CUDA_R_32F, 8, 2, 8));
            OK(cublasLtMatmulPreferenceCreate(&pr));
            if (i == 2) {       /* another preference: asked again */
                OK(cublasLtMatmulPreferenceSetAttribute(
                    pr, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &ws,
                    sizeof(ws)));
            }
            memset(&r[i], 0, sizeof(r[i]));
            OK(cublasLtMatmulAlgoGetHeuristic(lt, d, a, b, c, c, pr, 1, &r[i],
                                              &got));
            TRUE(got == 1 && r[i].state == CUBLAS_STATUS_SUCCESS);
            OK(cublasLtMatmulPreferenceDestroy(pr));
            OK(cublasLtMatrixLayoutDestroy(c));
            OK(cublasLtMatrixLayoutDestroy(b));
            OK(cublasLtMatrixLayoutDestroy(a));
            OK(cublasLtMatmulDescDestroy(d));
        }
        TRUE(r[1].reserved[0] == r[0].reserved[0]);     /* kept */
        TRUE(memcmp(&r[1], &r[0], sizeof(r[0])) == 0);
        TRUE(r[2].reserved[0] == r[0].reserved[0] + 1); /* asked */
        OK(cublasLtDestroy(lt));
    }
    /* A destroyed record is gone, though its block lives on. */
    ST(cublasLtMatrixLayoutDestroy(l[0]), CUBLAS_STATUS_NOT_INITIALIZED);
    OK(cublasLtMatmulDescCreate(&md, CUBLAS_COMPUTE_64F, CUDA_R_64F));
    OK(cublasLtMatmulDescGetAttribute(md, CUBLASLT_MATMUL_DESC_SCALE_TYPE,
                                      &i32, sizeof(i32), NULL));
    TRUE(i32 == CUDA_R_64F);
    ST(cublasLtMatrixLayoutDestroy((cublasLtMatrixLayout_t)md),
       CUBLAS_STATUS_NOT_INITIALIZED);
    OK(cublasLtMatmulDescDestroy(md));
    OK(cublasLtMatmulPreferenceCreate(&p));
    OK(cublasLtMatmulPreferenceDestroy(p));
    /* Not from the pool: a compute type it does not know, decided by the
     * library (the simulator's accepts it). */
    OK(cublasLtMatmulDescCreate(&md, (cublasComputeType_t)99, CUDA_R_32F));
    OK(cublasLtMatmulDescDestroy(md));
    ST(cublasLtMatrixLayoutCreate(NULL, CUDA_R_32F, 1, 1, 1),
       CUBLAS_STATUS_INVALID_VALUE);
    CHECK(cudaDeviceSynchronize());
    return 0;
}

/* fork() after cublasCreate: in the child cuBLAS answers
 * CUBLAS_STATUS_NOT_INITIALIZED (the runtime its initialisation error)
 * for new handles and the parent's alike, sending nothing; the parent's
 * handle and memory work on. */
static int mode_fork(void)
{
    enum { M = 8, N = 6, K = 5 };
    float a[M * K], b[K * N], c[M * N], want[M * N];
    float alpha = 1.25f, beta = 0.0f, *dA, *dB, *dC;
    cublasHandle_t h, h2 = NULL;
    int st = 0;
    pid_t pid;

    OK(cublasCreate(&h));
    fill(a, M * K, 4);
    fill(b, K * N, 5);
    memset(c, 0, sizeof(c));
    dA = dev_copy(a, sizeof(a));
    dB = dev_copy(b, sizeof(b));
    dC = dev_copy(c, sizeof(c));
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        ST(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, M, N, K, &alpha, dA, M,
                       dB, K, &beta, dC, M),
           CUBLAS_STATUS_NOT_INITIALIZED);
        ST(cublasSetStream(h, NULL), CUBLAS_STATUS_NOT_INITIALIZED);
        ST(cublasCreate(&h2), CUBLAS_STATUS_NOT_INITIALIZED);
        ST(cublasDestroy(h), CUBLAS_STATUS_NOT_INITIALIZED);
        RT(cudaFree(dA), cudaErrorInitializationError);
        exit(0);
    }
    TRUE(pid > 0 && waitpid(pid, &st, 0) == pid);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        FAIL("the child ended with status %#x", st);
    }
    OK(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, M, N, K, &alpha, dA, M, dB,
                   K, &beta, dC, M));
    CHECK(cudaMemcpy(c, dC, sizeof(c), cudaMemcpyDeviceToHost));
    memset(want, 0, sizeof(want));
    ref_sgemm(0, 0, M, N, K, alpha, a, M, b, K, beta, want, M);
    same(c, want, M * N, "sgemm after fork");
    OK(cublasDestroy(h));
    CHECK(cudaFree(dA));
    CHECK(cudaFree(dB));
    CHECK(cudaFree(dC));
    return 0;
}

int main(int argc, char **argv)
{
    static const libapp_mode_t modes[] = {
        { "handles", mode_handles },
        { "gemm", mode_gemm },
        { "late", mode_late },
        { "ltdesc", mode_ltdesc },
        { "ltmatmul", mode_ltmatmul },
        { "lterrors", mode_lterrors },
        { "leave", mode_leave },
        { "ltpool", mode_ltpool },
        { "fork", mode_fork },
    };

    return libapp_main("blasapp", argc, argv, modes,
                       sizeof(modes) / sizeof(modes[0]));
}
