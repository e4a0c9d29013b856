// cublaslt_matmul M N K: cuBLASLt matmuls through the heuristics' algorithm
// and a workspace, against a double-precision CPU product: FP32 in the four
// transpose combinations, the RELU_BIAS epilogue, strided batches, alpha and
// beta in device memory, FP16 inputs and output with FP32 compute; descriptor
// attributes read back, the algorithm checked; one matmul with a cuBLAS
// handle cast to a cuBLASLt handle, as PyTorch calls it.
#include "common.h"

#include <cublasLt.h>
#include <cublas_v2.h>
#include <cuda_fp16.h>

#include <vector>

#define BLAS(call)                                                         \
    do {                                                                   \
        cublasStatus_t s_ = (call);                                        \
        if (s_ != CUBLAS_STATUS_SUCCESS)                                   \
            test_fail("line %d: %s returned %s", __LINE__, #call,          \
                      cublasGetStatusName(s_));                            \
    } while (0)

static const size_t kWorkspace = 32 << 20;

struct Case {
    const char *name;
    bool ta, tb;
    int batch;
    bool relu_bias, dev_scalars, half;
};

// One matmul D = epilogue(alpha op(A) op(B) + beta C) of case c (C and D
// apart), checked against the CPU; the number of bad elements.
static int run_case(cublasLtHandle_t lt, cudaStream_t s, void *ws,
                    const Case &c, int M, int N, int K, int seed)
{
    int ar = c.ta ? K : M, ac = c.ta ? M : K, br = c.tb ? N : K, bc = c.tb ? K : N;
    size_t sa = (size_t)ar * ac, sb = (size_t)br * bc, sc = (size_t)M * N;
    size_t es = c.half ? sizeof(__half) : sizeof(float);
    std::vector<float> A(sa * c.batch), B(sb * c.batch), C(sc * c.batch), bias(M);
    Rng rng(seed);
    for (auto &x : A) x = rng.uniform(-1.0f, 1.0f);
    for (auto &x : B) x = rng.uniform(-1.0f, 1.0f);
    for (auto &x : C) x = rng.uniform(-1.0f, 1.0f);
    for (auto &x : bias) x = rng.uniform(-1.0f, 1.0f);
    // FP16 cases: the CPU uses the rounded values the GPU sees.
    std::vector<__half> Ah, Bh, Ch;
    if (c.half) {
        for (auto *v : { &A, &B, &C }) {
            std::vector<__half> &h = v == &A ? Ah : v == &B ? Bh : Ch;
            for (auto &x : *v) {
                h.push_back(__float2half(x));
                x = __half2float(h.back());
            }
        }
    }
    auto up = [&](const std::vector<float> &f, const std::vector<__half> &h) {
        void *d;
        size_t n = f.size() * es;
        CHECK(cudaMalloc(&d, n));
        CHECK(cudaMemcpy(d, c.half ? (const void *)h.data() : (const void *)f.data(),
                         n, cudaMemcpyHostToDevice));
        return d;
    };
    void *dA = up(A, Ah), *dB = up(B, Bh), *dC = up(C, Ch), *dD;
    CHECK(cudaMalloc(&dD, sc * c.batch * es));
    float ab[2] = { 0.75f, c.half ? 0.5f : -1.25f }, *dab = nullptr, *dbias = nullptr;

    cudaDataType dt = c.half ? CUDA_R_16F : CUDA_R_32F;
    cublasLtMatmulDesc_t md;
    BLAS(cublasLtMatmulDescCreate(&md, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    int32_t opa = c.ta ? CUBLAS_OP_T : CUBLAS_OP_N, opb = c.tb ? CUBLAS_OP_T : CUBLAS_OP_N;
    BLAS(cublasLtMatmulDescSetAttribute(md, CUBLASLT_MATMUL_DESC_TRANSA, &opa, sizeof(opa)));
    BLAS(cublasLtMatmulDescSetAttribute(md, CUBLASLT_MATMUL_DESC_TRANSB, &opb, sizeof(opb)));
    if (c.relu_bias) {
        // The bias has D's type (the default); FP16: the rounded values.
        uint32_t epi = CUBLASLT_EPILOGUE_RELU_BIAS;
        std::vector<__half> bh;
        for (auto &x : bias) {
            bh.push_back(__float2half(x));
            if (c.half)
                x = __half2float(bh.back());
        }
        CHECK(cudaMalloc(&dbias, M * es));
        CHECK(cudaMemcpy(dbias, c.half ? (const void *)bh.data() : (const void *)bias.data(),
                         M * es, cudaMemcpyHostToDevice));
        BLAS(cublasLtMatmulDescSetAttribute(md, CUBLASLT_MATMUL_DESC_EPILOGUE, &epi, sizeof(epi)));
        BLAS(cublasLtMatmulDescSetAttribute(md, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &dbias,
                                            sizeof(dbias)));
    }
    if (c.dev_scalars) {
        int32_t pm = CUBLASLT_POINTER_MODE_DEVICE;
        CHECK(cudaMalloc(&dab, sizeof(ab)));
        CHECK(cudaMemcpy(dab, ab, sizeof(ab), cudaMemcpyHostToDevice));
        BLAS(cublasLtMatmulDescSetAttribute(md, CUBLASLT_MATMUL_DESC_POINTER_MODE, &pm,
                                            sizeof(pm)));
    }
    // Attributes read back.
    int32_t got = -1;
    size_t written = 0;
    BLAS(cublasLtMatmulDescGetAttribute(md, CUBLASLT_MATMUL_DESC_TRANSA, &got, sizeof(got),
                                        &written));
    EXPECT(got == opa && written == sizeof(got), "TRANSA read back %d", got);

    cublasLtMatrixLayout_t la, lb, lc;
    BLAS(cublasLtMatrixLayoutCreate(&la, dt, ar, ac, ar));
    BLAS(cublasLtMatrixLayoutCreate(&lb, dt, br, bc, br));
    BLAS(cublasLtMatrixLayoutCreate(&lc, dt, M, N, M));
    if (c.batch > 1) {
        cublasLtMatrixLayout_t ls[3] = { la, lb, lc };
        int64_t strides[3] = { (int64_t)sa, (int64_t)sb, (int64_t)sc };
        int32_t bcount = c.batch;
        for (int i = 0; i < 3; i++) {
            BLAS(cublasLtMatrixLayoutSetAttribute(ls[i], CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT,
                                                  &bcount, sizeof(bcount)));
            BLAS(cublasLtMatrixLayoutSetAttribute(
                ls[i], CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET, &strides[i],
                sizeof(strides[i])));
        }
    }
    uint64_t rows = 0;
    BLAS(cublasLtMatrixLayoutGetAttribute(lc, CUBLASLT_MATRIX_LAYOUT_ROWS, &rows, sizeof(rows),
                                          nullptr));
    EXPECT(rows == (uint64_t)M, "rows read back %llu", (unsigned long long)rows);

    cublasLtMatmulPreference_t pref;
    uint64_t wsmax = kWorkspace;
    BLAS(cublasLtMatmulPreferenceCreate(&pref));
    BLAS(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                              &wsmax, sizeof(wsmax)));
    cublasLtMatmulHeuristicResult_t res[4];
    int nres = 0;
    BLAS(cublasLtMatmulAlgoGetHeuristic(lt, md, la, lb, lc, lc, pref, 4, res, &nres));
    EXPECT(nres >= 1 && res[0].state == CUBLAS_STATUS_SUCCESS &&
               res[0].workspaceSize <= kWorkspace,
           "%s: no usable algorithm (%d results)", c.name, nres);
    cublasLtMatmulHeuristicResult_t check;
    BLAS(cublasLtMatmulAlgoCheck(lt, md, la, lb, lc, lc, &res[0].algo, &check));
    EXPECT(check.state == CUBLAS_STATUS_SUCCESS, "%s: algorithm check failed", c.name);

    BLAS(cublasLtMatmul(lt, md, c.dev_scalars ? (void *)dab : (void *)&ab[0], dA, la, dB, lb,
                        c.dev_scalars ? (void *)(dab + 1) : (void *)&ab[1], dC, lc, dD, lc,
                        &res[0].algo, ws, kWorkspace, s));
    CHECK(cudaStreamSynchronize(s));

    std::vector<float> D(sc * c.batch);
    if (c.half) {
        std::vector<__half> Dh(D.size());
        CHECK(cudaMemcpy(Dh.data(), dD, Dh.size() * es, cudaMemcpyDeviceToHost));
        for (size_t i = 0; i < D.size(); i++) D[i] = __half2float(Dh[i]);
    } else {
        CHECK(cudaMemcpy(D.data(), dD, D.size() * es, cudaMemcpyDeviceToHost));
    }
    // FP32: accumulation error; FP16 output: its rounding (2^-11) too.
    double eps = c.half ? 4.9e-4 : 1.2e-7;
    int step = (int)((long long)M * N * K * c.batch / 50000000LL) + 1, bad = 0;
    for (int b = 0; b < c.batch; b++) {
        const float *a = &A[b * sa], *bb = &B[b * sb], *cc = &C[b * sc], *d = &D[b * sc];
        for (int i = 0; i < M; i += step) {
            for (int j = 0; j < N; j++) {
                double ref = 0, mag = 0;
                for (int l = 0; l < K; l++) {
                    double x = c.ta ? a[l + (size_t)i * ar] : a[i + (size_t)l * ar];
                    double y = c.tb ? bb[j + (size_t)l * br] : bb[l + (size_t)j * br];
                    ref += x * y;
                    mag += std::fabs(x * y);
                }
                ref = ab[0] * ref + ab[1] * cc[i + (size_t)j * M];
                mag = ab[0] * mag + std::fabs(ab[1] * cc[i + (size_t)j * M]);
                if (c.relu_bias) {
                    ref += bias[i];
                    mag += std::fabs(bias[i]);
                    ref = ref < 0 ? 0 : ref;
                }
                double tol = c.half ? eps * (mag + std::fabs(ref)) + 1e-3
                                    : eps * (K + 2) * mag + 1e-6;
                if (std::fabs(d[i + (size_t)j * M] - ref) > tol)
                    bad++;
            }
        }
    }
    printf("%s %dx%dx%d batch %d bad=%d\n", c.name, M, N, K, c.batch, bad);

    BLAS(cublasLtMatmulPreferenceDestroy(pref));
    BLAS(cublasLtMatrixLayoutDestroy(la));
    BLAS(cublasLtMatrixLayoutDestroy(lb));
    BLAS(cublasLtMatrixLayoutDestroy(lc));
    BLAS(cublasLtMatmulDescDestroy(md));
    for (void *p : { dA, dB, dC, dD, (void *)dab, (void *)dbias })
        if (p != nullptr)
            CHECK(cudaFree(p));
    return bad;
}

int main(int argc, char **argv)
{
    test_init("cublaslt_matmul");
    int M = argc > 1 ? atoi(argv[1]) : 256;
    int N = argc > 2 ? atoi(argv[2]) : M;
    int K = argc > 3 ? atoi(argv[3]) : M;
    EXPECT(M > 0 && N > 0 && K > 0, "bad sizes");
    static const Case cases[] = {
        { "fp32 NN", false, false, 1, false, false, false },
        { "fp32 TN", true, false, 1, false, false, false },
        { "fp32 NT", false, true, 1, false, false, false },
        { "fp32 TT", true, true, 1, false, false, false },
        { "fp32 NN relu+bias", false, false, 1, true, false, false },
        { "fp32 TN batched", true, false, 3, false, false, false },
        { "fp32 NN device scalars", false, false, 1, false, true, false },
        { "fp16 NN fp32 compute", false, false, 1, false, false, true },
        { "fp16 TN relu+bias batched", true, false, 2, true, false, true },
    };

    warm_up();
    expect_library("cublasLtCreate");
    cublasLtHandle_t lt;
    cudaStream_t s;
    void *ws;
    BLAS(cublasLtCreate(&lt));
    CHECK(cudaStreamCreate(&s));
    CHECK(cudaMalloc(&ws, kWorkspace));
    int total = 0;
    Timer timer;
    timer.start();
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        total += run_case(lt, s, ws, cases[i], M, N, K, (int)i + 1);
    timer.stop();

    // Algorithm ids and one initialised by hand.
    int ids[8], nids = 0;
    BLAS(cublasLtMatmulAlgoGetIds(lt, CUBLAS_COMPUTE_32F, CUDA_R_32F, CUDA_R_32F, CUDA_R_32F,
                                  CUDA_R_32F, CUDA_R_32F, 8, ids, &nids));
    cublasLtMatmulAlgo_t algo;
    BLAS(cublasLtMatmulAlgoInit(lt, CUBLAS_COMPUTE_32F, CUDA_R_32F, CUDA_R_32F, CUDA_R_32F,
                                CUDA_R_32F, CUDA_R_32F, ids[0], &algo));
    int32_t id = -1;
    size_t written = 0;
    BLAS(cublasLtMatmulAlgoConfigGetAttribute(&algo, CUBLASLT_ALGO_CONFIG_ID, &id, sizeof(id),
                                              &written));
    printf("algorithm ids: some: %s, the first initialises: %s\n", nids > 0 ? "yes" : "no",
           id == ids[0] ? "yes" : "no");
    total += nids <= 0 || id != ids[0];

    // A cuBLAS handle as the cuBLASLt handle (PyTorch's
    // getCurrentCUDABlasLtHandle does this).
    cublasHandle_t h;
    Case with_blas = cases[4];
    with_blas.name = "fp32 NN relu+bias, cuBLAS handle";
    BLAS(cublasCreate(&h));
    total += run_case((cublasLtHandle_t)h, s, ws, with_blas, M, N, K, 99);
    BLAS(cublasDestroy(h));

    CHECK(cudaFree(ws));
    CHECK(cudaStreamDestroy(s));
    BLAS(cublasLtDestroy(lt));
    EXPECT(total == 0, "%d results outside tolerance", total);
    timer.report();
    return test_pass();
}
