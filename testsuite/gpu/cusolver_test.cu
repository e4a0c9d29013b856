// cusolver_test N NRHS: cuSOLVER's dense API against CPU checks in
// double, on a stream of ours: LU (Dgetrf + Dgetrs, Sgetrf + Sgetrs),
// Cholesky (Dpotrf + Dpotrs, DpotrfBatched + DpotrsBatched with device
// arrays of device pointers), QR (Dgeqrf + Dorgqr, Q R == A and Q^T Q ==
// I), SVD (Dgesvd, and Dgesvdj with gesvdjInfo_t settings: U S V^T == A),
// the symmetric eigensolver (Dsyevd: A V == V diag(w)), and the 64-bit
// API with cusolverDnParams_t (Xgetrf + Xgetrs, Xpotrf + Xpotrs, host
// workspaces as cuSOLVER asks).  Solves are checked by their residual
// ||A x - b|| / (||A|| ||x||), factorisations by reconstruction; only
// pass/fail facts and devInfo values are printed.
#include "common.h"

#include <cusolverDn.h>

#include <algorithm>
#include <cmath>
#include <vector>

#define SOLVER(call)                                                       \
    do {                                                                   \
        cusolverStatus_t s_ = (call);                                      \
        if (s_ != CUSOLVER_STATUS_SUCCESS)                                 \
            test_fail("line %d: %s returned status %d", __LINE__, #call,   \
                      (int)s_);                                            \
    } while (0)

typedef std::vector<double> Mat;   // column-major

static int n_, nrhs_;

// A general matrix (diagonal boost keeps it well conditioned) or a
// symmetric positive definite one.
static Mat general(int n, uint64_t seed)
{
    Rng r(seed);
    Mat a((size_t)n * n);
    for (auto &v : a)
        v = r.uniform(-1, 1);
    for (int i = 0; i < n; i++)
        a[i + (size_t)i * n] += n / 4.0;
    return a;
}

static Mat spd(int n, uint64_t seed)
{
    Mat g = general(n, seed), a((size_t)n * n, 0);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int k = 0; k < n; k++)
                s += g[i + (size_t)k * n] * g[j + (size_t)k * n];
            a[i + (size_t)j * n] = s + (i == j ? n : 0);
        }
    return a;
}

static Mat rhs(int n, int nrhs, uint64_t seed)
{
    Rng r(seed);
    Mat b((size_t)n * nrhs);
    for (auto &v : b)
        v = r.uniform(-1, 1);
    return b;
}

static double norm(const Mat &a)
{
    double s = 0;
    for (double v : a)
        s += v * v;
    return std::sqrt(s);
}

// ||A X - B|| / (||A|| ||X|| + ||B||), A n x n, X and B n x nrhs.
static double residual(const Mat &a, const Mat &x, const Mat &b, int n,
                       int nrhs)
{
    Mat r(b.size());
    for (int c = 0; c < nrhs; c++)
        for (int i = 0; i < n; i++) {
            double s = -b[i + (size_t)c * n];
            for (int k = 0; k < n; k++)
                s += a[i + (size_t)k * n] * x[k + (size_t)c * n];
            r[i + (size_t)c * n] = s;
        }
    return norm(r) / (norm(a) * norm(x) + norm(b));
}

template <typename T> static T *to_device(const std::vector<T> &h)
{
    T *d;
    CHECK(cudaMalloc(&d, h.size() * sizeof(T)));
    CHECK(cudaMemcpy(d, h.data(), h.size() * sizeof(T),
                     cudaMemcpyHostToDevice));
    return d;
}

template <typename T> static std::vector<T> to_host(const T *d, size_t n)
{
    std::vector<T> h(n);
    CHECK(cudaMemcpy(h.data(), d, n * sizeof(T), cudaMemcpyDeviceToHost));
    return h;
}

static int dev_info(const int *d)
{
    return to_host(d, 1)[0];
}

static void report(const char *what, double err, double tol)
{
    EXPECT(std::isfinite(err) && err < tol, "%s: error %.3g above %.3g",
           what, err, tol);
    printf("%s: ok\n", what);
}

static void lu(cusolverDnHandle_t h, int *dinfo)
{
    int n = n_, nrhs = nrhs_, lwork = 0;
    Mat a = general(n, 1), b = rhs(n, nrhs, 2);
    double *da = to_device(a), *db = to_device(b), *work;
    int *dipiv;

    CHECK(cudaMalloc(&dipiv, n * sizeof(int)));
    SOLVER(cusolverDnDgetrf_bufferSize(h, n, n, da, n, &lwork));
    CHECK(cudaMalloc(&work, (size_t)lwork * sizeof(double)));
    SOLVER(cusolverDnDgetrf(h, n, n, da, n, work, dipiv, dinfo));
    printf("Dgetrf info %d\n", dev_info(dinfo));
    SOLVER(cusolverDnDgetrs(h, CUBLAS_OP_N, n, nrhs, da, n, dipiv, db, n,
                            dinfo));
    printf("Dgetrs info %d\n", dev_info(dinfo));
    report("Dgetrf+Dgetrs residual", residual(a, to_host(db, b.size()), b,
                                               n, nrhs), 1e-12);
    // Transposed solve with the same factors: A^T x = b.
    CHECK(cudaMemcpy(db, b.data(), b.size() * sizeof(double),
                     cudaMemcpyHostToDevice));
    SOLVER(cusolverDnDgetrs(h, CUBLAS_OP_T, n, nrhs, da, n, dipiv, db, n,
                            dinfo));
    Mat at(a.size());
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            at[j + (size_t)i * n] = a[i + (size_t)j * n];
    report("Dgetrs transposed residual",
           residual(at, to_host(db, b.size()), b, n, nrhs), 1e-12);
    CHECK(cudaFree(work));

    // Single precision.
    std::vector<float> af(a.begin(), a.end()), bf(b.begin(), b.end());
    float *fa = to_device(af), *fb = to_device(bf), *fwork;
    SOLVER(cusolverDnSgetrf_bufferSize(h, n, n, fa, n, &lwork));
    CHECK(cudaMalloc(&fwork, (size_t)lwork * sizeof(float)));
    SOLVER(cusolverDnSgetrf(h, n, n, fa, n, fwork, dipiv, dinfo));
    SOLVER(cusolverDnSgetrs(h, CUBLAS_OP_N, n, nrhs, fa, n, dipiv, fb, n,
                            dinfo));
    std::vector<float> xf = to_host(fb, bf.size());
    report("Sgetrf+Sgetrs residual",
           residual(a, Mat(xf.begin(), xf.end()), b, n, nrhs), 1e-4);
    CHECK(cudaFree(fwork));
    CHECK(cudaFree(fa));
    CHECK(cudaFree(fb));
    CHECK(cudaFree(dipiv));
    CHECK(cudaFree(da));
    CHECK(cudaFree(db));
}

static void cholesky(cusolverDnHandle_t h, int *dinfo)
{
    int n = n_, nrhs = nrhs_, lwork = 0;
    Mat a = spd(n, 3), b = rhs(n, nrhs, 4);
    double *da = to_device(a), *db = to_device(b), *work;

    SOLVER(cusolverDnDpotrf_bufferSize(h, CUBLAS_FILL_MODE_LOWER, n, da, n,
                                       &lwork));
    CHECK(cudaMalloc(&work, (size_t)lwork * sizeof(double)));
    SOLVER(cusolverDnDpotrf(h, CUBLAS_FILL_MODE_LOWER, n, da, n, work, lwork,
                            dinfo));
    printf("Dpotrf info %d\n", dev_info(dinfo));
    SOLVER(cusolverDnDpotrs(h, CUBLAS_FILL_MODE_LOWER, n, nrhs, da, n, db, n,
                            dinfo));
    report("Dpotrf+Dpotrs residual", residual(a, to_host(db, b.size()), b,
                                               n, nrhs), 1e-12);
    // Not positive definite: devInfo names the failing minor.
    Mat bad = a;
    bad[2 + (size_t)2 * n] = -1;
    CHECK(cudaMemcpy(da, bad.data(), a.size() * sizeof(double),
                     cudaMemcpyHostToDevice));
    SOLVER(cusolverDnDpotrf(h, CUBLAS_FILL_MODE_LOWER, n, da, n, work, lwork,
                            dinfo));
    printf("Dpotrf of an indefinite matrix: info %d\n", dev_info(dinfo));
    CHECK(cudaFree(work));
    CHECK(cudaFree(da));
    CHECK(cudaFree(db));

    // Batched: device arrays of device pointers, one rhs each.
    enum { BATCH = 4 };
    std::vector<Mat> as, bs;
    std::vector<double *> pa(BATCH), pb(BATCH);
    for (int i = 0; i < BATCH; i++) {
        as.push_back(spd(n, 10 + i));
        bs.push_back(rhs(n, 1, 20 + i));
        pa[i] = to_device(as[i]);
        pb[i] = to_device(bs[i]);
    }
    double **dpa = to_device(pa), **dpb = to_device(pb);
    int *dinfos, binfo = -1;
    CHECK(cudaMalloc(&dinfos, BATCH * sizeof(int)));
    SOLVER(cusolverDnDpotrfBatched(h, CUBLAS_FILL_MODE_LOWER, n, dpa, n,
                                   dinfos, BATCH));
    std::vector<int> infos = to_host(dinfos, BATCH);
    for (int i = 0; i < BATCH; i++)
        EXPECT(infos[i] == 0, "DpotrfBatched info[%d] = %d", i, infos[i]);
    SOLVER(cusolverDnDpotrsBatched(h, CUBLAS_FILL_MODE_LOWER, n, 1, dpa, n,
                                   dpb, n, dinfo, BATCH));
    binfo = dev_info(dinfo);
    printf("DpotrsBatched info %d\n", binfo);
    double worst = 0;
    for (int i = 0; i < BATCH; i++) {
        worst = std::fmax(worst, residual(as[i], to_host(pb[i], n), bs[i], n,
                                          1));
        CHECK(cudaFree(pa[i]));
        CHECK(cudaFree(pb[i]));
    }
    report("DpotrfBatched+DpotrsBatched residual", worst, 1e-12);
    CHECK(cudaFree(dpa));
    CHECK(cudaFree(dpb));
    CHECK(cudaFree(dinfos));
}

// max |A - B| / max |A|
static double rel_diff(const Mat &a, const Mat &b)
{
    double d = 0, m = 0;
    for (size_t i = 0; i < a.size(); i++) {
        d = std::fmax(d, std::fabs(a[i] - b[i]));
        m = std::fmax(m, std::fabs(a[i]));
    }
    return d / m;
}

static void qr(cusolverDnHandle_t h, int *dinfo)
{
    int m = n_ + 7, n = n_, lwork = 0, lwork2 = 0;
    Rng r(5);
    Mat a((size_t)m * n);
    for (auto &v : a)
        v = r.uniform(-1, 1);
    double *da = to_device(a), *tau, *work;

    CHECK(cudaMalloc(&tau, n * sizeof(double)));
    SOLVER(cusolverDnDgeqrf_bufferSize(h, m, n, da, m, &lwork));
    SOLVER(cusolverDnDorgqr_bufferSize(h, m, n, n, da, m, tau, &lwork2));
    lwork = std::max(lwork, lwork2);
    CHECK(cudaMalloc(&work, (size_t)lwork * sizeof(double)));
    SOLVER(cusolverDnDgeqrf(h, m, n, da, m, tau, work, lwork, dinfo));
    printf("Dgeqrf info %d\n", dev_info(dinfo));
    Mat rf = to_host(da, a.size());
    SOLVER(cusolverDnDorgqr(h, m, n, n, da, m, tau, work, lwork, dinfo));
    printf("Dorgqr info %d\n", dev_info(dinfo));
    Mat q = to_host(da, a.size()), qr((size_t)m * n, 0);
    double orth = 0;
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++) {
            double s = 0;
            for (int k = 0; k <= j; k++)
                s += q[i + (size_t)k * m] * rf[k + (size_t)j * m];
            qr[i + (size_t)j * m] = s;
        }
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) {
            double s = 0;
            for (int k = 0; k < m; k++)
                s += q[k + (size_t)i * m] * q[k + (size_t)j * m];
            orth = std::fmax(orth, std::fabs(s - (i == j)));
        }
    report("Dgeqrf+Dorgqr Q R == A", rel_diff(a, qr), 1e-12);
    report("Dorgqr Q^T Q == I", orth, 1e-12);
    CHECK(cudaFree(work));
    CHECK(cudaFree(tau));
    CHECK(cudaFree(da));
}

// U diag(s) V^T of an m x n matrix (U m x n, vt n x n, column-major).
static Mat usvt(const Mat &u, const Mat &s, const Mat &vt, int m, int n,
                int ldu, int ldvt)
{
    Mat a((size_t)m * n, 0);
    for (int j = 0; j < n; j++)
        for (int i = 0; i < m; i++) {
            double t = 0;
            for (int k = 0; k < n; k++)
                t += u[i + (size_t)k * ldu] * s[k] *
                     vt[k + (size_t)j * ldvt];
            a[i + (size_t)j * m] = t;
        }
    return a;
}

static void svd(cusolverDnHandle_t h, int *dinfo)
{
    int m = n_ + 5, n = n_, lwork = 0;
    Rng r(6);
    Mat a((size_t)m * n);
    for (auto &v : a)
        v = r.uniform(-1, 1);
    double *da = to_device(a), *ds, *du, *dvt, *work;

    CHECK(cudaMalloc(&ds, n * sizeof(double)));
    CHECK(cudaMalloc(&du, (size_t)m * m * sizeof(double)));
    CHECK(cudaMalloc(&dvt, (size_t)n * n * sizeof(double)));
    SOLVER(cusolverDnDgesvd_bufferSize(h, m, n, &lwork));
    CHECK(cudaMalloc(&work, (size_t)lwork * sizeof(double)));
    SOLVER(cusolverDnDgesvd(h, 'A', 'A', m, n, da, m, ds, du, m, dvt, n,
                            work, lwork, nullptr, dinfo));
    printf("Dgesvd info %d\n", dev_info(dinfo));
    Mat s = to_host(ds, n);
    bool sorted = true;
    for (int i = 1; i < n; i++)
        sorted = sorted && s[i] <= s[i - 1] && s[i] >= 0;
    printf("Dgesvd singular values sorted: %s\n", sorted ? "yes" : "no");
    report("Dgesvd U S V^T == A",
           rel_diff(a, usvt(to_host(du, (size_t)m * m), s,
                            to_host(dvt, (size_t)n * n), m, n, m, n)),
           1e-12);
    CHECK(cudaFree(work));

    // Jacobi, economy size, with settings of ours.
    gesvdjInfo_t params;
    double *dv;
    SOLVER(cusolverDnCreateGesvdjInfo(&params));
    SOLVER(cusolverDnXgesvdjSetTolerance(params, 1e-14));
    SOLVER(cusolverDnXgesvdjSetMaxSweeps(params, 100));
    SOLVER(cusolverDnXgesvdjSetSortEig(params, 1));
    CHECK(cudaMalloc(&dv, (size_t)n * n * sizeof(double)));
    CHECK(cudaMemcpy(da, a.data(), a.size() * sizeof(double),
                     cudaMemcpyHostToDevice));
    SOLVER(cusolverDnDgesvdj_bufferSize(h, CUSOLVER_EIG_MODE_VECTOR, 1, m, n,
                                        da, m, ds, du, m, dv, n, &lwork,
                                        params));
    CHECK(cudaMalloc(&work, (size_t)lwork * sizeof(double)));
    SOLVER(cusolverDnDgesvdj(h, CUSOLVER_EIG_MODE_VECTOR, 1, m, n, da, m, ds,
                             du, m, dv, n, work, lwork, dinfo, params));
    printf("Dgesvdj info %d\n", dev_info(dinfo));
    int sweeps = 0;
    double res = -1;
    SOLVER(cusolverDnXgesvdjGetSweeps(h, params, &sweeps));
    SOLVER(cusolverDnXgesvdjGetResidual(h, params, &res));
    printf("Dgesvdj sweeps in 1..100: %s, residual >= 0: %s\n",
           sweeps >= 1 && sweeps <= 100 ? "yes" : "no",
           res >= 0 ? "yes" : "no");
    // V (not V^T): transpose it for the reconstruction.
    Mat v = to_host(dv, (size_t)n * n), vt((size_t)n * n);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            vt[j + (size_t)i * n] = v[i + (size_t)j * n];
    report("Dgesvdj U S V^T == A",
           rel_diff(a, usvt(to_host(du, (size_t)m * n), to_host(ds, n), vt,
                            m, n, m, n)), 1e-12);
    SOLVER(cusolverDnDestroyGesvdjInfo(params));
    CHECK(cudaFree(work));
    CHECK(cudaFree(dv));
    CHECK(cudaFree(ds));
    CHECK(cudaFree(du));
    CHECK(cudaFree(dvt));
    CHECK(cudaFree(da));
}

static void eigen(cusolverDnHandle_t h, int *dinfo)
{
    int n = n_, lwork = 0;
    Mat a = spd(n, 7);
    double *da = to_device(a), *dw, *work;

    CHECK(cudaMalloc(&dw, n * sizeof(double)));
    SOLVER(cusolverDnDsyevd_bufferSize(h, CUSOLVER_EIG_MODE_VECTOR,
                                       CUBLAS_FILL_MODE_UPPER, n, da, n, dw,
                                       &lwork));
    CHECK(cudaMalloc(&work, (size_t)lwork * sizeof(double)));
    SOLVER(cusolverDnDsyevd(h, CUSOLVER_EIG_MODE_VECTOR,
                            CUBLAS_FILL_MODE_UPPER, n, da, n, dw, work,
                            lwork, dinfo));
    printf("Dsyevd info %d\n", dev_info(dinfo));
    Mat v = to_host(da, a.size()), w = to_host(dw, n);
    double err = 0, am = 0;
    for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int k = 0; k < n; k++)
                s += a[i + (size_t)k * n] * v[k + (size_t)j * n];
            err = std::fmax(err, std::fabs(s - w[j] * v[i + (size_t)j * n]));
            am = std::fmax(am, std::fabs(a[i + (size_t)j * n]));
        }
    report("Dsyevd A V == V diag(w)", err / (am * n), 1e-13);
    CHECK(cudaFree(work));
    CHECK(cudaFree(dw));
    CHECK(cudaFree(da));
}

// The 64-bit API: device and host workspaces as cuSOLVER asks.
static void x64(cusolverDnHandle_t h, int *dinfo)
{
    int64_t n = n_, nrhs = nrhs_;
    cusolverDnParams_t params;
    size_t dsize = 0, hsize = 0;
    Mat a = general((int)n, 8), b = rhs((int)n, (int)nrhs, 9);
    double *da = to_device(a), *db = to_device(b);
    int64_t *dipiv;
    void *dwork;

    SOLVER(cusolverDnCreateParams(&params));
    CHECK(cudaMalloc(&dipiv, n * sizeof(int64_t)));
    SOLVER(cusolverDnXgetrf_bufferSize(h, params, n, n, CUDA_R_64F, da, n,
                                       CUDA_R_64F, &dsize, &hsize));
    std::vector<char> hwork(hsize + 1);
    CHECK(cudaMalloc(&dwork, dsize + 1));
    SOLVER(cusolverDnXgetrf(h, params, n, n, CUDA_R_64F, da, n, dipiv,
                            CUDA_R_64F, dwork, dsize,
                            hsize ? hwork.data() : nullptr, hsize, dinfo));
    printf("Xgetrf info %d\n", dev_info(dinfo));
    SOLVER(cusolverDnXgetrs(h, params, CUBLAS_OP_N, n, nrhs, CUDA_R_64F, da,
                            n, dipiv, CUDA_R_64F, db, n, dinfo));
    printf("Xgetrs info %d\n", dev_info(dinfo));
    report("Xgetrf+Xgetrs residual",
           residual(a, to_host(db, b.size()), b, (int)n, (int)nrhs), 1e-12);
    CHECK(cudaFree(dwork));

    a = spd((int)n, 11);
    CHECK(cudaMemcpy(da, a.data(), a.size() * sizeof(double),
                     cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(db, b.data(), b.size() * sizeof(double),
                     cudaMemcpyHostToDevice));
    SOLVER(cusolverDnXpotrf_bufferSize(h, params, CUBLAS_FILL_MODE_UPPER, n,
                                       CUDA_R_64F, da, n, CUDA_R_64F, &dsize,
                                       &hsize));
    hwork.assign(hsize + 1, 0);
    CHECK(cudaMalloc(&dwork, dsize + 1));
    SOLVER(cusolverDnXpotrf(h, params, CUBLAS_FILL_MODE_UPPER, n, CUDA_R_64F,
                            da, n, CUDA_R_64F, dwork, dsize,
                            hsize ? hwork.data() : nullptr, hsize, dinfo));
    printf("Xpotrf info %d\n", dev_info(dinfo));
    SOLVER(cusolverDnXpotrs(h, params, CUBLAS_FILL_MODE_UPPER, n, nrhs,
                            CUDA_R_64F, da, n, CUDA_R_64F, db, n, dinfo));
    printf("Xpotrs info %d\n", dev_info(dinfo));
    report("Xpotrf+Xpotrs residual",
           residual(a, to_host(db, b.size()), b, (int)n, (int)nrhs), 1e-12);
    CHECK(cudaFree(dwork));
    CHECK(cudaFree(dipiv));
    CHECK(cudaFree(da));
    CHECK(cudaFree(db));
    SOLVER(cusolverDnDestroyParams(params));
}

int main(int argc, char **argv)
{
    test_init("cusolver_test");
    n_ = argc > 1 ? atoi(argv[1]) : 64;
    nrhs_ = argc > 2 ? atoi(argv[2]) : 3;
    EXPECT(n_ >= 4 && n_ <= 2048 && nrhs_ >= 1 && nrhs_ <= 64,
           "usage: cusolver_test N NRHS (4 <= N <= 2048, 1 <= NRHS <= 64)");
    printf("cusolver_test n=%d nrhs=%d\n", n_, nrhs_);

    int version = 0;
    SOLVER(cusolverGetVersion(&version));
    printf("cusolver major version %d\n", version / 1000);

    cusolverDnHandle_t h;
    cudaStream_t stream;
    int *dinfo;
    SOLVER(cusolverDnCreate(&h));
    // A blocking stream: the synchronous copies that read results wait
    // for the work queued on it.
    CHECK(cudaStreamCreate(&stream));
    SOLVER(cusolverDnSetStream(h, stream));
    cudaStream_t got = nullptr;
    SOLVER(cusolverDnGetStream(h, &got));
    EXPECT(got == stream, "cusolverDnGetStream gave another stream");
    CHECK(cudaMalloc(&dinfo, sizeof(int)));

    auto t0 = std::chrono::steady_clock::now();
    lu(h, dinfo);
    cholesky(h, dinfo);
    qr(h, dinfo);
    svd(h, dinfo);
    eigen(h, dinfo);
    x64(h, dinfo);
    CHECK(cudaStreamSynchronize(stream));
    auto t1 = std::chrono::steady_clock::now();
    fprintf(stderr, "TIME cusolver_test %lld\n",
            (long long)std::chrono::duration_cast<std::chrono::microseconds>(
                t1 - t0).count());

    CHECK(cudaFree(dinfo));
    SOLVER(cusolverDnDestroy(h));
    CHECK(cudaStreamDestroy(stream));
    return test_pass();
}
