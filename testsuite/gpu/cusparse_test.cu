// cusparse_test: cuSPARSE's generic and legacy APIs on a stream of ours,
// against the CPU: CSR SpMV (host and device pointer modes), COO SpMV,
// CSR SpMM, SpGEMM (work estimation, compute, copy into a matrix sized by
// SpMatGetSize), a triangular solve (SpSV), and the legacy calls PyTorch
// uses: Xcoo2csr, XcoosortByRow with an identity permutation, csrgeam2
// and bsrmv.  Values are multiples of 1/4 small enough that every sum is
// exact in float, so results are compared exactly (SpSV by residual);
// stdout has sizes, nnz counts and FNV-1a checksums of exact results.
#include "common.h"

// The legacy calls (bsrmv, csrgeam2, coosort) are deprecated; PyTorch
// still uses them.
#define DISABLE_CUSPARSE_DEPRECATED
#include <cusparse.h>

#include <algorithm>
#include <map>
#include <vector>

#define SPARSE(call)                                                       \
    do {                                                                   \
        cusparseStatus_t st_ = (call);                                     \
        if (st_ != CUSPARSE_STATUS_SUCCESS)                                \
            test_fail("line %d: %s returned %s", __LINE__, #call,          \
                      cusparseGetErrorName(st_));                          \
    } while (0)

// A sparse matrix on the host, CSR, zero-based, sorted columns.
struct Csr {
    int rows, cols;
    std::vector<int> off, col;
    std::vector<float> val;
    int nnz() const { return (int)col.size(); }
};

// Multiples of 1/4 in [-lim/4, lim/4], never 0.
static float quarter(Rng &r, int lim)
{
    int v = r.range(1, lim + 1);
    return (r.u32() & 1 ? v : -v) * 0.25f;
}

// A random rows x cols matrix with about per_row entries a row.
static Csr random_csr(int rows, int cols, int per_row, uint64_t seed)
{
    Rng r(seed);
    Csr a{rows, cols, {0}, {}, {}};
    for (int i = 0; i < rows; i++) {
        std::vector<int> cs;
        int n = r.range(0, 2 * per_row + 1);
        for (int k = 0; k < n; k++)
            cs.push_back(r.range(0, cols));
        std::sort(cs.begin(), cs.end());
        cs.erase(std::unique(cs.begin(), cs.end()), cs.end());
        for (int c : cs) {
            a.col.push_back(c);
            a.val.push_back(quarter(r, 8));
        }
        a.off.push_back((int)a.col.size());
    }
    return a;
}

static std::vector<float> random_vec(size_t n, uint64_t seed)
{
    Rng r(seed);
    std::vector<float> v(n);
    for (auto &x : v)
        x = quarter(r, 8);
    return v;
}

template <typename T> static T *to_dev(const std::vector<T> &h)
{
    T *d = nullptr;
    CHECK(cudaMalloc(&d, std::max<size_t>(h.size(), 1) * sizeof(T)));
    if (!h.empty())
        CHECK(cudaMemcpy(d, h.data(), h.size() * sizeof(T),
                         cudaMemcpyHostToDevice));
    return d;
}

template <typename T> static std::vector<T> to_host(const T *d, size_t n)
{
    std::vector<T> h(n);
    if (n > 0)
        CHECK(cudaMemcpy(h.data(), d, n * sizeof(T), cudaMemcpyDeviceToHost));
    return h;
}

// Dense row-major rows x cols copy of a.
static std::vector<float> dense(const Csr &a)
{
    std::vector<float> d((size_t)a.rows * a.cols, 0);
    for (int i = 0; i < a.rows; i++)
        for (int k = a.off[i]; k < a.off[i + 1]; k++)
            d[(size_t)i * a.cols + a.col[k]] += a.val[k];
    return d;
}

static void expect_equal(const std::vector<float> &got,
                         const std::vector<float> &want, const char *what)
{
    EXPECT(got.size() == want.size(), "%s: %zu values, wanted %zu", what,
           got.size(), want.size());
    for (size_t i = 0; i < got.size(); i++)
        EXPECT(got[i] == want[i], "%s[%zu] = %g, wanted %g", what, i,
               (double)got[i], (double)want[i]);
}

static void print_sum(const char *what, const std::vector<float> &v)
{
    printf("%s: %zu values, fnv1a %016llx\n", what, v.size(),
           (unsigned long long)fnv1a(v.data(), v.size() * sizeof(float)));
}

// y = alpha A x + beta y.
static void spmv_cpu(const Csr &a, const std::vector<float> &x,
                     std::vector<float> &y, float alpha, float beta)
{
    for (int i = 0; i < a.rows; i++) {
        float acc = 0;
        for (int k = a.off[i]; k < a.off[i + 1]; k++)
            acc += a.val[k] * x[a.col[k]];
        y[i] = alpha * acc + beta * y[i];
    }
}

static cusparseHandle_t h_;
static cudaStream_t s_;

struct DevCsr {
    int *off, *col;
    float *val;
    cusparseSpMatDescr_t d;
};

static DevCsr dev_csr(const Csr &a)
{
    DevCsr m;
    m.off = to_dev(a.off);
    m.col = to_dev(a.col);
    m.val = to_dev(a.val);
    SPARSE(cusparseCreateCsr(&m.d, a.rows, a.cols, a.nnz(), m.off, m.col,
                             m.val, CUSPARSE_INDEX_32I, CUSPARSE_INDEX_32I,
                             CUSPARSE_INDEX_BASE_ZERO, CUDA_R_32F));
    return m;
}

static void free_csr(DevCsr &m)
{
    SPARSE(cusparseDestroySpMat(m.d));
    CHECK(cudaFree(m.off));
    CHECK(cudaFree(m.col));
    CHECK(cudaFree(m.val));
}

// SpMV on CSR (host, then device pointer mode, then a timed loop) and on
// the same matrix in COO.
static void test_spmv(const Csr &a)
{
    std::vector<float> x = random_vec(a.cols, 11), y = random_vec(a.rows, 12);
    std::vector<float> want = y;
    DevCsr m = dev_csr(a);
    float *dx = to_dev(x), *dy = to_dev(y), *dscal;
    float alpha = 2, beta = 0.5f, one = 1, zero = 0;
    const float scal[2] = {-1, 0.25f};
    cusparseDnVecDescr_t vx, vy;
    size_t bytes = 0;
    void *buf = nullptr;

    SPARSE(cusparseCreateDnVec(&vx, a.cols, dx, CUDA_R_32F));
    SPARSE(cusparseCreateDnVec(&vy, a.rows, dy, CUDA_R_32F));
    SPARSE(cusparseSpMV_bufferSize(h_, CUSPARSE_OPERATION_NON_TRANSPOSE,
                                   &alpha, m.d, vx, &beta, vy, CUDA_R_32F,
                                   CUSPARSE_SPMV_ALG_DEFAULT, &bytes));
    CHECK(cudaMalloc(&buf, std::max<size_t>(bytes, 1)));
    SPARSE(cusparseSpMV(h_, CUSPARSE_OPERATION_NON_TRANSPOSE, &alpha, m.d,
                        vx, &beta, vy, CUDA_R_32F, CUSPARSE_SPMV_ALG_DEFAULT,
                        buf));
    spmv_cpu(a, x, want, alpha, beta);
    CHECK(cudaStreamSynchronize(s_));
    expect_equal(to_host(dy, a.rows), want, "spmv csr y");
    print_sum("spmv csr", want);

    // Device pointer mode: alpha and beta read from GPU memory.
    CHECK(cudaMalloc(&dscal, sizeof(scal)));
    CHECK(cudaMemcpy(dscal, scal, sizeof(scal), cudaMemcpyHostToDevice));
    SPARSE(cusparseSetPointerMode(h_, CUSPARSE_POINTER_MODE_DEVICE));
    SPARSE(cusparseSpMV(h_, CUSPARSE_OPERATION_NON_TRANSPOSE, dscal, m.d,
                        vx, dscal + 1, vy, CUDA_R_32F,
                        CUSPARSE_SPMV_ALG_DEFAULT, buf));
    SPARSE(cusparseSetPointerMode(h_, CUSPARSE_POINTER_MODE_HOST));
    spmv_cpu(a, x, want, scal[0], scal[1]);
    CHECK(cudaStreamSynchronize(s_));
    expect_equal(to_host(dy, a.rows), want, "spmv device-mode y");
    print_sum("spmv csr device pointer mode", want);

    // Timed: 50 products y = A x.
    Timer t;
    t.start();
    for (int i = 0; i < 50; i++)
        SPARSE(cusparseSpMV(h_, CUSPARSE_OPERATION_NON_TRANSPOSE, &one, m.d,
                            vx, &zero, vy, CUDA_R_32F,
                            CUSPARSE_SPMV_ALG_DEFAULT, buf));
    CHECK(cudaStreamSynchronize(s_));
    t.stop();
    t.report();

    // COO: the same matrix by row and column indices, y = A x - y.
    std::vector<int> rows;
    for (int i = 0; i < a.rows; i++)
        for (int k = a.off[i]; k < a.off[i + 1]; k++)
            rows.push_back(i);
    int *drows = to_dev(rows);
    cusparseSpMatDescr_t coo;
    SPARSE(cusparseCreateCoo(&coo, a.rows, a.cols, a.nnz(), drows, m.col,
                             m.val, CUSPARSE_INDEX_32I,
                             CUSPARSE_INDEX_BASE_ZERO, CUDA_R_32F));
    spmv_cpu(a, x, want, 1, 0);
    float minus = -1;
    SPARSE(cusparseSpMV_bufferSize(h_, CUSPARSE_OPERATION_NON_TRANSPOSE,
                                   &one, coo, vx, &minus, vy, CUDA_R_32F,
                                   CUSPARSE_SPMV_ALG_DEFAULT, &bytes));
    void *buf2 = nullptr;
    CHECK(cudaMalloc(&buf2, std::max<size_t>(bytes, 1)));
    SPARSE(cusparseSpMV(h_, CUSPARSE_OPERATION_NON_TRANSPOSE, &one, coo, vx,
                        &minus, vy, CUDA_R_32F, CUSPARSE_SPMV_ALG_DEFAULT,
                        buf2));
    spmv_cpu(a, x, want, 1, -1);
    CHECK(cudaStreamSynchronize(s_));
    expect_equal(to_host(dy, a.rows), want, "spmv coo y");
    print_sum("spmv coo", want);

    SPARSE(cusparseDestroySpMat(coo));
    SPARSE(cusparseDestroyDnVec(vx));
    SPARSE(cusparseDestroyDnVec(vy));
    free_csr(m);
    CHECK(cudaFree(drows));
    CHECK(cudaFree(dx));
    CHECK(cudaFree(dy));
    CHECK(cudaFree(dscal));
    CHECK(cudaFree(buf));
    CHECK(cudaFree(buf2));
    printf("spmv ok\n");
}

// C = alpha A B + beta C, B and C dense column-major.
static void test_spmm(const Csr &a, int n)
{
    std::vector<float> b = random_vec((size_t)a.cols * n, 21);
    std::vector<float> c = random_vec((size_t)a.rows * n, 22), want = c;
    DevCsr m = dev_csr(a);
    float *db = to_dev(b), *dc = to_dev(c), alpha = 1.5f, beta = -0.5f;
    cusparseDnMatDescr_t mb, mc;
    size_t bytes = 0;
    void *buf = nullptr;

    SPARSE(cusparseCreateDnMat(&mb, a.cols, n, a.cols, db, CUDA_R_32F,
                               CUSPARSE_ORDER_COL));
    SPARSE(cusparseCreateDnMat(&mc, a.rows, n, a.rows, dc, CUDA_R_32F,
                               CUSPARSE_ORDER_COL));
    SPARSE(cusparseSpMM_bufferSize(h_, CUSPARSE_OPERATION_NON_TRANSPOSE,
                                   CUSPARSE_OPERATION_NON_TRANSPOSE, &alpha,
                                   m.d, mb, &beta, mc, CUDA_R_32F,
                                   CUSPARSE_SPMM_ALG_DEFAULT, &bytes));
    CHECK(cudaMalloc(&buf, std::max<size_t>(bytes, 1)));
    SPARSE(cusparseSpMM(h_, CUSPARSE_OPERATION_NON_TRANSPOSE,
                        CUSPARSE_OPERATION_NON_TRANSPOSE, &alpha, m.d, mb,
                        &beta, mc, CUDA_R_32F, CUSPARSE_SPMM_ALG_DEFAULT,
                        buf));
    for (int j = 0; j < n; j++)
        for (int i = 0; i < a.rows; i++) {
            float acc = 0;
            for (int k = a.off[i]; k < a.off[i + 1]; k++)
                acc += a.val[k] * b[(size_t)j * a.cols + a.col[k]];
            float &o = want[(size_t)j * a.rows + i];
            o = alpha * acc + beta * o;
        }
    CHECK(cudaStreamSynchronize(s_));
    expect_equal(to_host(dc, want.size()), want, "spmm c");
    print_sum("spmm csr", want);
    SPARSE(cusparseDestroyDnMat(mb));
    SPARSE(cusparseDestroyDnMat(mc));
    free_csr(m);
    CHECK(cudaFree(db));
    CHECK(cudaFree(dc));
    CHECK(cudaFree(buf));
    printf("spmm ok\n");
}

// C = A B, all CSR, through the SpGEMM descriptor.
static void test_spgemm(const Csr &a, const Csr &b)
{
    DevCsr ma = dev_csr(a), mb = dev_csr(b);
    cusparseSpMatDescr_t mc;
    cusparseSpGEMMDescr_t g;
    float alpha = 1, beta = 0;
    size_t b1 = 0, b2 = 0;
    void *w1 = nullptr, *w2 = nullptr;
    int *coff;
    const cusparseOperation_t nt = CUSPARSE_OPERATION_NON_TRANSPOSE;

    CHECK(cudaMalloc(&coff, (a.rows + 1) * sizeof(int)));
    SPARSE(cusparseCreateCsr(&mc, a.rows, b.cols, 0, coff, nullptr, nullptr,
                             CUSPARSE_INDEX_32I, CUSPARSE_INDEX_32I,
                             CUSPARSE_INDEX_BASE_ZERO, CUDA_R_32F));
    SPARSE(cusparseSpGEMM_createDescr(&g));
    SPARSE(cusparseSpGEMM_workEstimation(h_, nt, nt, &alpha, ma.d, mb.d,
                                         &beta, mc, CUDA_R_32F,
                                         CUSPARSE_SPGEMM_DEFAULT, g, &b1,
                                         nullptr));
    CHECK(cudaMalloc(&w1, std::max<size_t>(b1, 1)));
    SPARSE(cusparseSpGEMM_workEstimation(h_, nt, nt, &alpha, ma.d, mb.d,
                                         &beta, mc, CUDA_R_32F,
                                         CUSPARSE_SPGEMM_DEFAULT, g, &b1,
                                         w1));
    SPARSE(cusparseSpGEMM_compute(h_, nt, nt, &alpha, ma.d, mb.d, &beta, mc,
                                  CUDA_R_32F, CUSPARSE_SPGEMM_DEFAULT, g,
                                  &b2, nullptr));
    CHECK(cudaMalloc(&w2, std::max<size_t>(b2, 1)));
    SPARSE(cusparseSpGEMM_compute(h_, nt, nt, &alpha, ma.d, mb.d, &beta, mc,
                                  CUDA_R_32F, CUSPARSE_SPGEMM_DEFAULT, g,
                                  &b2, w2));
    int64_t rows, cols, nnz;
    SPARSE(cusparseSpMatGetSize(mc, &rows, &cols, &nnz));
    int *ccol;
    float *cval;
    CHECK(cudaMalloc(&ccol, std::max<int64_t>(nnz, 1) * sizeof(int)));
    CHECK(cudaMalloc(&cval, std::max<int64_t>(nnz, 1) * sizeof(float)));
    SPARSE(cusparseCsrSetPointers(mc, coff, ccol, cval));
    SPARSE(cusparseSpGEMM_copy(h_, nt, nt, &alpha, ma.d, mb.d, &beta, mc,
                               CUDA_R_32F, CUSPARSE_SPGEMM_DEFAULT, g));
    CHECK(cudaStreamSynchronize(s_));

    // The CPU's product: structure (any k) and values.
    std::vector<std::map<int, float>> want(a.rows);
    for (int i = 0; i < a.rows; i++)
        for (int k = a.off[i]; k < a.off[i + 1]; k++) {
            int r = a.col[k];
            for (int q = b.off[r]; q < b.off[r + 1]; q++)
                want[i][b.col[q]] += a.val[k] * b.val[q];
        }
    int64_t want_nnz = 0;
    for (auto &row : want)
        want_nnz += (int64_t)row.size();
    EXPECT(rows == a.rows && cols == b.cols && nnz == want_nnz,
           "spgemm: %lld x %lld with %lld entries, wanted %d x %d with %lld",
           (long long)rows, (long long)cols, (long long)nnz, a.rows, b.cols,
           (long long)want_nnz);
    Csr c{a.rows, b.cols, to_host(coff, a.rows + 1), to_host(ccol, nnz),
          to_host(cval, nnz)};
    std::vector<float> got = dense(c), exp((size_t)a.rows * b.cols, 0);
    for (int i = 0; i < a.rows; i++) {
        EXPECT(c.off[i + 1] - c.off[i] == (int)want[i].size(),
               "spgemm: row %d has %d entries, wanted %zu", i,
               c.off[i + 1] - c.off[i], want[i].size());
        for (auto &e : want[i])
            exp[(size_t)i * b.cols + e.first] = e.second;
    }
    expect_equal(got, exp, "spgemm c");
    printf("spgemm: %d x %d, nnz %lld\n", a.rows, b.cols, (long long)nnz);
    print_sum("spgemm", exp);

    SPARSE(cusparseSpGEMM_destroyDescr(g));
    SPARSE(cusparseDestroySpMat(mc));
    free_csr(ma);
    free_csr(mb);
    CHECK(cudaFree(coff));
    CHECK(cudaFree(ccol));
    CHECK(cudaFree(cval));
    CHECK(cudaFree(w1));
    CHECK(cudaFree(w2));
    printf("spgemm ok\n");
}

// L y = alpha x with L lower triangular (a's lower part, diagonal 4):
// checked by residual.
static void test_spsv(const Csr &full)
{
    int n = std::min(full.rows, full.cols);
    Csr l{n, n, {0}, {}, {}};
    for (int i = 0; i < n; i++) {
        for (int k = full.off[i]; k < full.off[i + 1]; k++)
            if (full.col[k] < i) {
                l.col.push_back(full.col[k]);
                l.val.push_back(full.val[k] * 0.25f);
            }
        l.col.push_back(i);
        l.val.push_back(4);
        l.off.push_back(l.nnz());
    }
    std::vector<float> x = random_vec(n, 31);
    DevCsr m = dev_csr(l);
    float *dx = to_dev(x), *dy, alpha = 2;
    CHECK(cudaMalloc(&dy, n * sizeof(float)));
    cusparseDnVecDescr_t vx, vy;
    cusparseSpSVDescr_t sv;
    size_t bytes = 0;
    void *buf = nullptr;
    cusparseFillMode_t fill = CUSPARSE_FILL_MODE_LOWER;
    cusparseDiagType_t diag = CUSPARSE_DIAG_TYPE_NON_UNIT;

    SPARSE(cusparseSpMatSetAttribute(m.d, CUSPARSE_SPMAT_FILL_MODE, &fill,
                                     sizeof(fill)));
    SPARSE(cusparseSpMatSetAttribute(m.d, CUSPARSE_SPMAT_DIAG_TYPE, &diag,
                                     sizeof(diag)));
    SPARSE(cusparseCreateDnVec(&vx, n, dx, CUDA_R_32F));
    SPARSE(cusparseCreateDnVec(&vy, n, dy, CUDA_R_32F));
    SPARSE(cusparseSpSV_createDescr(&sv));
    SPARSE(cusparseSpSV_bufferSize(h_, CUSPARSE_OPERATION_NON_TRANSPOSE,
                                   &alpha, m.d, vx, vy, CUDA_R_32F,
                                   CUSPARSE_SPSV_ALG_DEFAULT, sv, &bytes));
    CHECK(cudaMalloc(&buf, std::max<size_t>(bytes, 1)));
    SPARSE(cusparseSpSV_analysis(h_, CUSPARSE_OPERATION_NON_TRANSPOSE,
                                 &alpha, m.d, vx, vy, CUDA_R_32F,
                                 CUSPARSE_SPSV_ALG_DEFAULT, sv, buf));
    SPARSE(cusparseSpSV_solve(h_, CUSPARSE_OPERATION_NON_TRANSPOSE, &alpha,
                              m.d, vx, vy, CUDA_R_32F,
                              CUSPARSE_SPSV_ALG_DEFAULT, sv));
    CHECK(cudaStreamSynchronize(s_));
    std::vector<float> y = to_host(dy, n);
    double worst = 0;
    for (int i = 0; i < n; i++) {
        double s = 0;
        for (int k = l.off[i]; k < l.off[i + 1]; k++)
            s += (double)l.val[k] * y[l.col[k]];
        worst = std::max(worst, std::fabs(s - alpha * x[i]) /
                                    (1 + std::fabs(alpha * x[i])));
    }
    EXPECT(worst < 1e-4, "spsv: relative residual %g", worst);
    SPARSE(cusparseSpSV_destroyDescr(sv));
    SPARSE(cusparseDestroyDnVec(vx));
    SPARSE(cusparseDestroyDnVec(vy));
    free_csr(m);
    CHECK(cudaFree(dx));
    CHECK(cudaFree(dy));
    CHECK(cudaFree(buf));
    printf("spsv: n %d, residual below 1e-4\n", n);
    printf("spsv ok\n");
}

// Legacy: COO rows to CSR offsets; a shuffled COO sorted by row with the
// permutation it applies.
static void test_coo_legacy(const Csr &a)
{
    std::vector<int> rows, cols;
    for (int i = 0; i < a.rows; i++)
        for (int k = a.off[i]; k < a.off[i + 1]; k++) {
            rows.push_back(i);
            cols.push_back(a.col[k]);
        }
    int nnz = a.nnz();
    int *drows = to_dev(rows), *doff;
    CHECK(cudaMalloc(&doff, (a.rows + 1) * sizeof(int)));
    SPARSE(cusparseXcoo2csr(h_, drows, nnz, a.rows, doff,
                            CUSPARSE_INDEX_BASE_ZERO));
    CHECK(cudaStreamSynchronize(s_));
    EXPECT(to_host(doff, a.rows + 1) == a.off, "coo2csr: offsets differ");

    // Shuffle, then sort by row on the GPU.
    std::vector<int> sr = rows, sc = cols;
    Rng r(41);
    for (int i = nnz - 1; i > 0; i--) {
        int j = r.range(0, i + 1);
        std::swap(sr[i], sr[j]);
        std::swap(sc[i], sc[j]);
    }
    int *dr = to_dev(sr), *dc = to_dev(sc), *dp;
    CHECK(cudaMalloc(&dp, std::max(nnz, 1) * sizeof(int)));
    size_t bytes = 0;
    void *buf = nullptr;
    SPARSE(cusparseXcoosort_bufferSizeExt(h_, a.rows, a.cols, nnz, dr, dc,
                                          &bytes));
    CHECK(cudaMalloc(&buf, std::max<size_t>(bytes, 1)));
    SPARSE(cusparseCreateIdentityPermutation(h_, nnz, dp));
    SPARSE(cusparseXcoosortByRow(h_, a.rows, a.cols, nnz, dr, dc, dp, buf));
    CHECK(cudaStreamSynchronize(s_));
    std::vector<int> gr = to_host(dr, nnz), gc = to_host(dc, nnz);
    std::vector<int> gp = to_host(dp, nnz), seen(nnz, 0);
    for (int i = 0; i < nnz; i++) {
        EXPECT(i == 0 || gr[i - 1] <= gr[i], "coosort: row %d before %d",
               gr[i - 1], gr[i]);
        EXPECT(gp[i] >= 0 && gp[i] < nnz && !seen[gp[i]],
               "coosort: P is not a permutation at %d", i);
        seen[gp[i]] = 1;
        EXPECT(gr[i] == sr[gp[i]] && gc[i] == sc[gp[i]],
               "coosort: entry %d is not the permuted input", i);
    }
    CHECK(cudaFree(drows));
    CHECK(cudaFree(doff));
    CHECK(cudaFree(dr));
    CHECK(cudaFree(dc));
    CHECK(cudaFree(dp));
    CHECK(cudaFree(buf));
    printf("coo2csr, coosort: nnz %d\n", nnz);
    printf("coo legacy ok\n");
}

// Legacy: C = alpha A + beta B with csrgeam2 (nnz of C into host memory).
static void test_csrgeam2(const Csr &a, const Csr &b)
{
    cusparseMatDescr_t d;
    SPARSE(cusparseCreateMatDescr(&d));
    SPARSE(cusparseSetMatType(d, CUSPARSE_MATRIX_TYPE_GENERAL));
    SPARSE(cusparseSetMatIndexBase(d, CUSPARSE_INDEX_BASE_ZERO));
    int *aoff = to_dev(a.off), *acol = to_dev(a.col);
    int *boff = to_dev(b.off), *bcol = to_dev(b.col), *coff, *ccol;
    float *aval = to_dev(a.val), *bval = to_dev(b.val), *cval;
    float alpha = 0.5f, beta = -2;
    size_t bytes = 0;
    void *buf = nullptr;
    int nnz = -1;

    CHECK(cudaMalloc(&coff, (a.rows + 1) * sizeof(int)));
    SPARSE(cusparseScsrgeam2_bufferSizeExt(
        h_, a.rows, a.cols, &alpha, d, a.nnz(), aval, aoff, acol, &beta, d,
        b.nnz(), bval, boff, bcol, d, nullptr, coff, nullptr, &bytes));
    CHECK(cudaMalloc(&buf, std::max<size_t>(bytes, 1)));
    SPARSE(cusparseXcsrgeam2Nnz(h_, a.rows, a.cols, d, a.nnz(), aoff, acol,
                                d, b.nnz(), boff, bcol, d, coff, &nnz, buf));
    std::vector<float> want = dense(a), db = dense(b);
    int want_nnz = 0;
    for (size_t i = 0; i < want.size(); i++) {
        bool any = want[i] != 0 || db[i] != 0;
        want[i] = alpha * want[i] + beta * db[i];
        want_nnz += any;
    }
    EXPECT(nnz == want_nnz, "csrgeam2: nnz %d, wanted %d", nnz, want_nnz);
    CHECK(cudaMalloc(&ccol, std::max(nnz, 1) * sizeof(int)));
    CHECK(cudaMalloc(&cval, std::max(nnz, 1) * sizeof(float)));
    SPARSE(cusparseScsrgeam2(h_, a.rows, a.cols, &alpha, d, a.nnz(), aval,
                             aoff, acol, &beta, d, b.nnz(), bval, boff, bcol,
                             d, cval, coff, ccol, buf));
    CHECK(cudaStreamSynchronize(s_));
    Csr c{a.rows, a.cols, to_host(coff, a.rows + 1), to_host(ccol, nnz),
          to_host(cval, nnz)};
    expect_equal(dense(c), want, "csrgeam2 c");
    printf("csrgeam2: nnz %d\n", nnz);
    print_sum("csrgeam2", want);
    SPARSE(cusparseDestroyMatDescr(d));
    for (void *p : {(void *)aoff, (void *)acol, (void *)boff, (void *)bcol,
                    (void *)coff, (void *)ccol, (void *)aval, (void *)bval,
                    (void *)cval, buf})
        CHECK(cudaFree(p));
    printf("csrgeam2 ok\n");
}

// Legacy: y = alpha A x + beta y with A in BSR (2x2 blocks, row-major).
static void test_bsrmv(int mb, int nb)
{
    const int bd = 2;
    Csr pat = random_csr(mb, nb, 3, 51);    // the block pattern
    Rng r(52);
    std::vector<float> blocks((size_t)pat.nnz() * bd * bd);
    for (auto &v : blocks)
        v = quarter(r, 8);
    std::vector<float> x = random_vec((size_t)nb * bd, 53);
    std::vector<float> y = random_vec((size_t)mb * bd, 54), want = y;
    float alpha = -1.5f, beta = 0.25f;
    for (int i = 0; i < mb; i++)
        for (int bi = 0; bi < bd; bi++) {
            float acc = 0;
            for (int k = pat.off[i]; k < pat.off[i + 1]; k++)
                for (int bj = 0; bj < bd; bj++)
                    acc += blocks[(size_t)k * bd * bd + bi * bd + bj] *
                           x[(size_t)pat.col[k] * bd + bj];
            float &o = want[(size_t)i * bd + bi];
            o = alpha * acc + beta * o;
        }
    cusparseMatDescr_t d;
    SPARSE(cusparseCreateMatDescr(&d));
    int *doff = to_dev(pat.off), *dcol = to_dev(pat.col);
    float *dval = to_dev(blocks), *dx = to_dev(x), *dy = to_dev(y);
    SPARSE(cusparseSbsrmv(h_, CUSPARSE_DIRECTION_ROW,
                          CUSPARSE_OPERATION_NON_TRANSPOSE, mb, nb,
                          pat.nnz(), &alpha, d, dval, doff, dcol, bd, dx,
                          &beta, dy));
    CHECK(cudaStreamSynchronize(s_));
    expect_equal(to_host(dy, y.size()), want, "bsrmv y");
    print_sum("bsrmv", want);
    SPARSE(cusparseDestroyMatDescr(d));
    CHECK(cudaFree(doff));
    CHECK(cudaFree(dcol));
    CHECK(cudaFree(dval));
    CHECK(cudaFree(dx));
    CHECK(cudaFree(dy));
    printf("bsrmv ok\n");
}

int main()
{
    test_init("cusparse_test");
    expect_library("cusparseCreate");
    int ver = 0;
    SPARSE(cusparseCreate(&h_));
    SPARSE(cusparseGetVersion(h_, &ver));
    printf("cusparse major %d\n", ver / 1000);
    CHECK(cudaStreamCreate(&s_));
    SPARSE(cusparseSetStream(h_, s_));

    Csr a = random_csr(2000, 1500, 4, 1);
    Csr b = random_csr(1500, 700, 3, 2);
    Csr a2 = random_csr(2000, 1500, 4, 3);
    printf("A: %d x %d, nnz %d; B: %d x %d, nnz %d\n", a.rows, a.cols,
           a.nnz(), b.rows, b.cols, b.nnz());

    test_spmv(a);
    test_spmm(a, 24);
    test_spgemm(a, b);
    test_spsv(a);
    test_coo_legacy(a);
    test_csrgeam2(a, a2);
    test_bsrmv(300, 250);

    SPARSE(cusparseDestroy(h_));
    CHECK(cudaStreamDestroy(s_));
    return test_pass();
}
