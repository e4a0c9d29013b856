// cublas_bench [N [CALLS]]: cuBLAS throughput and per-call cost, printed as
// "BENCH <name> <size> <value> <unit>" lines; run natively and through
// gvirtus, testsuite/gpu-host.sh computes the ratios.
//   sgemm_tflops    N x N x N FP32 sgemms back to back on one stream, one
//                   synchronisation at the end, by the wall clock (TFLOP/s;
//                   target: gvirtus >= 99% of native)
//   sgemm_small     64 x 64 x 64 sgemms back to back, per call (us): what a
//                   call costs when the GPU is not the bottleneck
//   lt_linear       a PyTorch-style Linear forward through cuBLASLt, per call
//                   (us): matmul descriptor, three layouts and a preference
//                   made, set and destroyed around each heuristic + matmul
// Nothing in the timed loops waits for the GPU host but the final
// synchronisation: cublasSgemm and cublasLtMatmul are one-way in gvirtus.
#include "../gpu/common.h"

#include <cublasLt.h>
#include <cublas_v2.h>

#include <algorithm>
#include <vector>

#define BLAS(call)                                                         \
    do {                                                                   \
        cublasStatus_t s_ = (call);                                        \
        if (s_ != CUBLAS_STATUS_SUCCESS)                                   \
            test_fail("line %d: %s returned %s", __LINE__, #call,          \
                      cublasGetStatusName(s_));                            \
    } while (0)

static double now_s()
{
    return std::chrono::duration<double>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

static float *device_random(size_t n, uint64_t seed)
{
    std::vector<float> h(n);
    Rng rng(seed);
    for (auto &x : h) x = rng.uniform(-1.0f, 1.0f);
    float *d;
    CHECK(cudaMalloc(&d, n * sizeof(float)));
    CHECK(cudaMemcpy(d, h.data(), n * sizeof(float), cudaMemcpyHostToDevice));
    return d;
}

// N x N x N sgemms: the median of 3 runs of reps back to back.
static void bench_sgemm(cublasHandle_t h, cudaStream_t s, int n, int reps)
{
    size_t nn = (size_t)n * n;
    float *A = device_random(nn, 1), *B = device_random(nn, 2), *C;
    const float alpha = 1.0f, beta = 0.0f;
    std::vector<double> tflops;

    CHECK(cudaMalloc(&C, nn * sizeof(float)));
    for (int i = 0; i < 2; i++) // warm-up: kernels loaded, clocks up
        BLAS(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &alpha, A, n, B,
                         n, &beta, C, n));
    CHECK(cudaStreamSynchronize(s));
    for (int run = 0; run < 3; run++) {
        double t0 = now_s(), issued;
        for (int r = 0; r < reps; r++)
            BLAS(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &alpha, A,
                             n, B, n, &beta, C, n));
        issued = now_s();
        CHECK(cudaStreamSynchronize(s));
        double t = now_s() - t0;
        tflops.push_back(2.0 * n * (double)n * n * reps / t / 1e12);
        fprintf(stderr, "sgemm %d: %d calls issued in %.1f us each, %.3f s "
                "in all\n", n, reps, (issued - t0) * 1e6 / reps, t);
    }
    std::sort(tflops.begin(), tflops.end());
    printf("BENCH sgemm_tflops %d %.2f TFLOP/s\n", n, tflops[1]);
    CHECK(cudaFree(A));
    CHECK(cudaFree(B));
    CHECK(cudaFree(C));
}

// Small sgemms: per call, issue to completion.
static void bench_small(cublasHandle_t h, cudaStream_t s, int n, int calls)
{
    float *A = device_random((size_t)n * n, 3), *B = device_random((size_t)n * n, 4), *C;
    const float alpha = 1.0f, beta = 1.0f;

    CHECK(cudaMalloc(&C, (size_t)n * n * sizeof(float)));
    CHECK(cudaMemset(C, 0, (size_t)n * n * sizeof(float)));
    for (int i = 0; i < 100; i++)
        BLAS(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &alpha, A, n, B,
                         n, &beta, C, n));
    CHECK(cudaStreamSynchronize(s));
    double t0 = now_s();
    for (int i = 0; i < calls; i++)
        BLAS(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &alpha, A, n, B,
                         n, &beta, C, n));
    CHECK(cudaStreamSynchronize(s));
    printf("BENCH sgemm_small %d %.2f us\n", n, (now_s() - t0) * 1e6 / calls);
    CHECK(cudaFree(A));
    CHECK(cudaFree(B));
    CHECK(cudaFree(C));
}

// One Linear forward as PyTorch's gemm_and_bias does it: y = x W^T + b.
static void lt_linear(cublasLtHandle_t lt, cudaStream_t s, int n, const float *W,
                      const float *x, const float *bias, float *y, void *ws,
                      size_t wsize)
{
    cublasLtMatmulDesc_t md;
    cublasLtMatrixLayout_t la, lb, lc;
    cublasLtMatmulPreference_t pref;
    cublasLtMatmulHeuristicResult_t res;
    int32_t opa = CUBLAS_OP_T, opb = CUBLAS_OP_N;
    uint32_t epi = CUBLASLT_EPILOGUE_BIAS;
    uint64_t wsmax = wsize;
    const float alpha = 1.0f, beta = 0.0f;
    int nres = 0;

    BLAS(cublasLtMatmulDescCreate(&md, CUBLAS_COMPUTE_32F, CUDA_R_32F));
    BLAS(cublasLtMatmulDescSetAttribute(md, CUBLASLT_MATMUL_DESC_TRANSA, &opa, sizeof(opa)));
    BLAS(cublasLtMatmulDescSetAttribute(md, CUBLASLT_MATMUL_DESC_TRANSB, &opb, sizeof(opb)));
    BLAS(cublasLtMatmulDescSetAttribute(md, CUBLASLT_MATMUL_DESC_EPILOGUE, &epi, sizeof(epi)));
    BLAS(cublasLtMatmulDescSetAttribute(md, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias,
                                        sizeof(bias)));
    BLAS(cublasLtMatrixLayoutCreate(&la, CUDA_R_32F, n, n, n));
    BLAS(cublasLtMatrixLayoutCreate(&lb, CUDA_R_32F, n, n, n));
    BLAS(cublasLtMatrixLayoutCreate(&lc, CUDA_R_32F, n, n, n));
    BLAS(cublasLtMatmulPreferenceCreate(&pref));
    BLAS(cublasLtMatmulPreferenceSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                              &wsmax, sizeof(wsmax)));
    BLAS(cublasLtMatmulAlgoGetHeuristic(lt, md, la, lb, lc, lc, pref, 1, &res, &nres));
    EXPECT(nres == 1, "no algorithm for the Linear");
    BLAS(cublasLtMatmul(lt, md, &alpha, W, la, x, lb, &beta, y, lc, y, lc, &res.algo, ws,
                        wsize, s));
    BLAS(cublasLtMatmulPreferenceDestroy(pref));
    BLAS(cublasLtMatrixLayoutDestroy(la));
    BLAS(cublasLtMatrixLayoutDestroy(lb));
    BLAS(cublasLtMatrixLayoutDestroy(lc));
    BLAS(cublasLtMatmulDescDestroy(md));
}

static void bench_lt_linear(cublasLtHandle_t lt, cudaStream_t s, int n, int calls)
{
    size_t wsize = 4 << 20;
    float *W = device_random((size_t)n * n, 5), *x = device_random((size_t)n * n, 6);
    float *bias = device_random(n, 7), *y;
    void *ws;

    CHECK(cudaMalloc(&y, (size_t)n * n * sizeof(float)));
    CHECK(cudaMalloc(&ws, wsize));
    for (int i = 0; i < 10; i++)
        lt_linear(lt, s, n, W, x, bias, y, ws, wsize);
    CHECK(cudaStreamSynchronize(s));
    double t0 = now_s();
    for (int i = 0; i < calls; i++)
        lt_linear(lt, s, n, W, x, bias, y, ws, wsize);
    CHECK(cudaStreamSynchronize(s));
    printf("BENCH lt_linear %d %.2f us\n", n, (now_s() - t0) * 1e6 / calls);
    for (void *p : { (void *)W, (void *)x, (void *)bias, (void *)y, ws })
        CHECK(cudaFree(p));
}

int main(int argc, char **argv)
{
    test_init("cublas_bench");
    int n = argc > 1 ? atoi(argv[1]) : 8192;
    int calls = argc > 2 ? atoi(argv[2]) : 20000; // small sgemms; Linears / 10
    EXPECT(n > 0 && calls >= 10, "bad size or count");
    warm_up();
    expect_library("cublasCreate_v2");
    expect_library("cublasLtCreate");

    cublasHandle_t h;
    cublasLtHandle_t lt;
    cudaStream_t s;
    CHECK(cudaStreamCreate(&s));
    BLAS(cublasCreate(&h));
    BLAS(cublasSetStream(h, s));
    BLAS(cublasLtCreate(&lt));
    bench_sgemm(h, s, n, 20);
    bench_small(h, s, 64, calls);
    bench_lt_linear(lt, s, 256, calls / 10);
    BLAS(cublasLtDestroy(lt));
    BLAS(cublasDestroy(h));
    CHECK(cudaStreamDestroy(s));
    return 0;
}
