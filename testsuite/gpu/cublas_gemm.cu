// cublas_gemm M N K: cuBLAS gemms against a double-precision CPU product:
// sgemm in the four transpose combinations, dgemm, sgemm with alpha and beta
// in device memory, sgemm batched (pointer arrays in device memory) and
// strided batched, all on a stream of ours; a dot product both ways.
#include "common.h"

#include <cublas_v2.h>

#include <vector>

#define BLAS(call)                                                         \
    do {                                                                   \
        cublasStatus_t s_ = (call);                                        \
        if (s_ != CUBLAS_STATUS_SUCCESS)                                   \
            test_fail("line %d: %s returned %s", __LINE__, #call,          \
                      cublasGetStatusName(s_));                            \
    } while (0)

// Elements of C (m x n, column-major, ldc) outside tolerance, against
// alpha op(A) op(B) + beta C0 computed in double; every row_step-th row.
template <typename T>
static int bad_elements(bool ta, bool tb, int m, int n, int k, T alpha,
                        const T *A, int lda, const T *B, int ldb, T beta,
                        const T *C0, const T *C, int ldc, double eps,
                        int row_step)
{
    int bad = 0;
    for (int i = 0; i < m; i += row_step) {
        for (int j = 0; j < n; j++) {
            double ref = 0, mag = 0;
            for (int l = 0; l < k; l++) {
                double a = ta ? A[l + (size_t)i * lda] : A[i + (size_t)l * lda];
                double b = tb ? B[j + (size_t)l * ldb] : B[l + (size_t)j * ldb];
                ref += a * b;
                mag += std::fabs(a * b);
            }
            double c0 = C0[i + (size_t)j * ldc];
            ref = alpha * ref + beta * c0;
            mag = std::fabs((double)alpha) * mag + std::fabs(beta * c0);
            if (std::fabs(C[i + (size_t)j * ldc] - ref) > eps * (k + 2) * mag + 1e-6)
                bad++;
        }
    }
    return bad;
}

template <typename T>
static T *to_device(const std::vector<T> &h)
{
    T *d;
    CHECK(cudaMalloc(&d, h.size() * sizeof(T)));
    CHECK(cudaMemcpy(d, h.data(), h.size() * sizeof(T), cudaMemcpyHostToDevice));
    return d;
}

template <typename T>
static std::vector<T> to_host(const T *d, size_t n)
{
    std::vector<T> h(n);
    CHECK(cudaMemcpy(h.data(), d, n * sizeof(T), cudaMemcpyDeviceToHost));
    return h;
}

template <typename T>
static std::vector<T> random_matrix(size_t n, uint64_t seed)
{
    std::vector<T> v(n);
    Rng rng(seed);
    for (auto &x : v) x = (T)rng.uniform(-1.0f, 1.0f);
    return v;
}

// The rows checked: all of them while the CPU work stays under ~5e7.
static int row_step(int m, int n, int k, int count)
{
    return (int)((long long)m * n * k * count / 50000000LL) + 1;
}

int main(int argc, char **argv)
{
    test_init("cublas_gemm");
    int M = argc > 1 ? atoi(argv[1]) : 512;
    int N = argc > 2 ? atoi(argv[2]) : M;
    int K = argc > 3 ? atoi(argv[3]) : M;
    EXPECT(M > 0 && N > 0 && K > 0, "bad sizes");
    const int batch = 4, reps = 10;
    // Leading dimensions a little larger than needed: lda != rows.
    int ld = (M > K ? M : K) + 3, ldb = (K > N ? K : N) + 5, ldc = M + 1;
    const float alpha = 1.25f, beta = -0.5f;
    int step = row_step(M, N, K, 1), bad, total_bad = 0;

    warm_up();
    expect_library("cublasCreate_v2");
    cublasHandle_t h;
    cudaStream_t s;
    BLAS(cublasCreate(&h));
    CHECK(cudaStreamCreate(&s));
    BLAS(cublasSetStream(h, s));
    int version = 0;
    BLAS(cublasGetVersion(h, &version));
    printf("cublas version >= 13.0: %s\n", version >= 130000 ? "yes" : "no");

    // A is read as M x K (N) or K x M (T): ld rows by max(M, K) columns.
    int cols = M > K ? M : K;
    std::vector<float> A = random_matrix<float>((size_t)ld * cols, 1);
    std::vector<float> B = random_matrix<float>((size_t)ldb * (K > N ? K : N), 2);
    std::vector<float> C0 = random_matrix<float>((size_t)ldc * N, 3);
    float *dA = to_device(A), *dB = to_device(B), *dC = to_device(C0);

    // sgemm, every transpose combination.
    for (int t = 0; t < 4; t++) {
        bool ta = t & 1, tb = t & 2;
        CHECK(cudaMemcpy(dC, C0.data(), C0.size() * sizeof(float),
                         cudaMemcpyHostToDevice));
        BLAS(cublasSgemm(h, ta ? CUBLAS_OP_T : CUBLAS_OP_N,
                         tb ? CUBLAS_OP_T : CUBLAS_OP_N, M, N, K, &alpha, dA,
                         ld, dB, ldb, &beta, dC, ldc));
        CHECK(cudaStreamSynchronize(s));
        std::vector<float> C = to_host(dC, C0.size());
        bad = bad_elements(ta, tb, M, N, K, alpha, A.data(), ld, B.data(), ldb,
                           beta, C0.data(), C.data(), ldc, 1.2e-7, step);
        printf("sgemm %c%c %dx%dx%d bad=%d\n", ta ? 'T' : 'N', tb ? 'T' : 'N',
               M, N, K, bad);
        total_bad += bad;
    }

    // Timed: reps sgemms back to back, one synchronisation.
    Timer timer;
    timer.start();
    for (int r = 0; r < reps; r++)
        BLAS(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, M, N, K, &alpha, dA, ld,
                         dB, ldb, &beta, dC, ldc));
    CHECK(cudaStreamSynchronize(s));
    timer.stop();

    // alpha and beta in device memory.
    {
        float ab[2] = { alpha, beta }, *dab;
        CHECK(cudaMalloc(&dab, sizeof(ab)));
        CHECK(cudaMemcpy(dab, ab, sizeof(ab), cudaMemcpyHostToDevice));
        CHECK(cudaMemcpy(dC, C0.data(), C0.size() * sizeof(float),
                         cudaMemcpyHostToDevice));
        BLAS(cublasSetPointerMode(h, CUBLAS_POINTER_MODE_DEVICE));
        cublasPointerMode_t pm;
        BLAS(cublasGetPointerMode(h, &pm));
        BLAS(cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_T, M, N, K, dab, dA, ld, dB,
                         ldb, dab + 1, dC, ldc));
        // A dot product into device memory, then into host memory.
        BLAS(cublasSdot(h, K, dA, 1, dB, 1, dab));
        BLAS(cublasSetPointerMode(h, CUBLAS_POINTER_MODE_HOST));
        CHECK(cudaStreamSynchronize(s));
        std::vector<float> C = to_host(dC, C0.size());
        bad = bad_elements(false, true, M, N, K, alpha, A.data(), ld, B.data(),
                           ldb, beta, C0.data(), C.data(), ldc, 1.2e-7, step);
        printf("sgemm NT device scalars (mode %s) bad=%d\n",
               pm == CUBLAS_POINTER_MODE_DEVICE ? "device" : "host", bad);
        total_bad += bad;
        float dot_dev = 0, dot_host = 0;
        double ref = 0, mag = 0;
        CHECK(cudaMemcpy(&dot_dev, dab, sizeof(float), cudaMemcpyDeviceToHost));
        BLAS(cublasSdot(h, K, dA, 1, dB, 1, &dot_host));
        for (int i = 0; i < K; i++) {
            ref += (double)A[i] * B[i];
            mag += std::fabs((double)A[i] * B[i]);
        }
        bool ok = std::fabs(dot_dev - ref) <= 1.2e-7 * (K + 2) * mag + 1e-6 &&
                  dot_host == dot_dev;
        printf("sdot %d device and host results agree with the CPU: %s\n", K,
               ok ? "yes" : "no");
        total_bad += !ok;
        CHECK(cudaFree(dab));
    }

    // dgemm, A transposed.
    {
        std::vector<double> dA64 = random_matrix<double>((size_t)ld * cols, 4);
        std::vector<double> dB64 = random_matrix<double>((size_t)ldb * N, 5);
        std::vector<double> dC64 = random_matrix<double>((size_t)ldc * N, 6);
        double *gA = to_device(dA64), *gB = to_device(dB64), *gC = to_device(dC64);
        double da = -0.75, db = 2.0;
        BLAS(cublasDgemm(h, CUBLAS_OP_T, CUBLAS_OP_N, M, N, K, &da, gA, ld, gB,
                         ldb, &db, gC, ldc));
        CHECK(cudaStreamSynchronize(s));
        std::vector<double> C = to_host(gC, dC64.size());
        bad = bad_elements(true, false, M, N, K, da, dA64.data(), ld,
                           dB64.data(), ldb, db, dC64.data(), C.data(), ldc,
                           2.3e-16, step);
        printf("dgemm TN %dx%dx%d bad=%d\n", M, N, K, bad);
        total_bad += bad;
        CHECK(cudaFree(gA));
        CHECK(cudaFree(gB));
        CHECK(cudaFree(gC));
    }

    // Strided batched and batched: batch products of K-row slices of one
    // (K * batch)-deep problem; C batches back to back.
    {
        int kb = K / batch > 0 ? K / batch : 1;
        int nb = K / kb < batch ? K / kb : batch;
        int bstep = row_step(M, N, kb, nb);
        std::vector<float> Cb0 = random_matrix<float>((size_t)ldc * N * batch, 7);
        float *dCb = to_device(Cb0);
        BLAS(cublasSgemmStridedBatched(h, CUBLAS_OP_N, CUBLAS_OP_N, M, N, kb,
                                       &alpha, dA, ld, (long long)kb * ld, dB,
                                       ldb, kb, &beta, dCb, ldc,
                                       (long long)ldc * N, nb));
        CHECK(cudaStreamSynchronize(s));
        std::vector<float> C = to_host(dCb, Cb0.size());
        bad = 0;
        for (int i = 0; i < nb; i++)
            bad += bad_elements(false, false, M, N, kb, alpha,
                                A.data() + (size_t)i * kb * ld, ld,
                                B.data() + (size_t)i * kb, ldb, beta,
                                Cb0.data() + (size_t)i * ldc * N,
                                C.data() + (size_t)i * ldc * N, ldc, 1.2e-7,
                                bstep);
        printf("sgemm strided batched %d x %dx%dx%d bad=%d\n", nb, M, N, kb, bad);
        total_bad += bad;

        // Batched: the same products, C batches in reverse order.
        std::vector<const float *> pa(nb), pb(nb);
        std::vector<float *> pc(nb);
        for (int i = 0; i < nb; i++) {
            pa[i] = dA + (size_t)i * kb * ld;
            pb[i] = dB + (size_t)i * kb;
            pc[i] = dCb + (size_t)(nb - 1 - i) * ldc * N;
        }
        const float **dpa = to_device(pa), **dpb = to_device(pb);
        float **dpc = to_device(pc);
        CHECK(cudaMemcpy(dCb, Cb0.data(), Cb0.size() * sizeof(float),
                         cudaMemcpyHostToDevice));
        BLAS(cublasSgemmBatched(h, CUBLAS_OP_N, CUBLAS_OP_N, M, N, kb, &alpha,
                                dpa, ld, dpb, ldb, &beta, dpc, ldc, nb));
        CHECK(cudaStreamSynchronize(s));
        C = to_host(dCb, Cb0.size());
        bad = 0;
        for (int i = 0; i < nb; i++)
            bad += bad_elements(false, false, M, N, kb, alpha,
                                A.data() + (size_t)i * kb * ld, ld,
                                B.data() + (size_t)i * kb, ldb, beta,
                                Cb0.data() + (size_t)(nb - 1 - i) * ldc * N,
                                C.data() + (size_t)(nb - 1 - i) * ldc * N, ldc,
                                1.2e-7, bstep);
        printf("sgemm batched %d x %dx%dx%d bad=%d\n", nb, M, N, kb, bad);
        total_bad += bad;
        CHECK(cudaFree(dpa));
        CHECK(cudaFree(dpb));
        CHECK(cudaFree(dpc));
        CHECK(cudaFree(dCb));
    }

    BLAS(cublasDestroy(h));
    CHECK(cudaStreamDestroy(s));
    CHECK(cudaFree(dA));
    CHECK(cudaFree(dB));
    CHECK(cudaFree(dC));
    EXPECT(total_bad == 0, "%d results outside tolerance", total_bad);
    timer.report();
    return test_pass();
}
