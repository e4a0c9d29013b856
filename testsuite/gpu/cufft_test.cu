// cufft_test: cuFFT through gvirtus, each transform against a DFT in
// double on the CPU (within a tolerance of the largest magnitude):
//   1D C2C forward out of place and inverse in place (n not a power of
//   two, batched), 2D C2C, 1D R2C and C2R batched (cufftPlanMany), a
//   double Z2Z, and PyTorch's sequence: cufftCreate, cufftSetAutoAllocation
//   (0), cufftXtMakePlanMany (long long sizes, NULL embeddings), a work
//   area of the reported size (cufftSetWorkArea), cufftSetStream,
//   cufftXtExec, for C2C and R2C.
// stdout: one line per case with its sizes and "ok" (no numbers that
// could differ in the last bits), so native and gvirtus runs compare.
#include "common.h"

#include <cufft.h>
#include <cufftXt.h>

#include <vector>

#define FFT(call)                                                          \
    do {                                                                   \
        cufftResult s_ = (call);                                           \
        if (s_ != CUFFT_SUCCESS)                                           \
            test_fail("line %d: %s returned %d", __LINE__, #call,          \
                      (int)s_);                                            \
    } while (0)

typedef std::vector<double> Vec; // interleaved complex (re, im, ...)

// Unnormalised DFT over a row-major nx x ny grid (ny = 1: 1D) of
// complex values, batch after batch; sign -1 forward, +1 inverse.
static Vec cpu_dft(const Vec &in, int nx, int ny, int batch, int sign)
{
    Vec out(in.size());
    size_t e = (size_t)nx * ny;
    for (int b = 0; b < batch; b++) {
        const double *x = &in[2 * e * b];
        double *y = &out[2 * e * b];
        for (int k0 = 0; k0 < nx; k0++)
            for (int k1 = 0; k1 < ny; k1++) {
                double re = 0, im = 0;
                for (int j0 = 0; j0 < nx; j0++)
                    for (int j1 = 0; j1 < ny; j1++) {
                        double ph = sign * 2 * M_PI *
                                    ((double)((long)k0 * j0 % nx) / nx +
                                     (double)((long)k1 * j1 % ny) / ny);
                        const double *v = x + 2 * (j0 * ny + j1);
                        double c = cos(ph), s = sin(ph);
                        re += v[0] * c - v[1] * s;
                        im += v[0] * s + v[1] * c;
                    }
                y[2 * (k0 * ny + k1)] = re;
                y[2 * (k0 * ny + k1) + 1] = im;
            }
    }
    return out;
}

// got against want: every element within tol of the largest magnitude.
template <typename T>
static void compare(const char *what, const T *got, const Vec &want,
                    double tol)
{
    double big = 1e-300;
    for (double w : want)
        big = fabs(w) > big ? fabs(w) : big;
    for (size_t i = 0; i < want.size(); i++)
        EXPECT(fabs((double)got[i] - want[i]) <= tol * big,
               "%s: element %zu is %.9g, wanted %.9g", what, i,
               (double)got[i], want[i]);
}

static Vec random_complex(size_t n, uint64_t seed)
{
    Rng r(seed);
    Vec v(2 * n);
    for (double &x : v)
        x = r.uniform(-1.0f, 1.0f);
    return v;
}

static std::vector<float> to_float(const Vec &v)
{
    return std::vector<float>(v.begin(), v.end());
}

// The half spectrum (n / 2 + 1 per batch) of full complex spectra.
static Vec half(const Vec &full, int n, int batch)
{
    int h = n / 2 + 1;
    Vec out(2 * (size_t)h * batch);
    for (int b = 0; b < batch; b++)
        for (int k = 0; k < h; k++) {
            out[2 * ((size_t)b * h + k)] = full[2 * ((size_t)b * n + k)];
            out[2 * ((size_t)b * h + k) + 1] =
                full[2 * ((size_t)b * n + k) + 1];
        }
    return out;
}

static void c2c_1d(int n, int batch)
{
    Vec in = random_complex((size_t)n * batch, 1);
    std::vector<float> h = to_float(in), g(h.size());
    size_t bytes = h.size() * sizeof(float);
    void *d, *e;
    cufftHandle p;

    CHECK(cudaMalloc(&d, bytes));
    CHECK(cudaMalloc(&e, bytes));
    CHECK(cudaMemcpy(d, h.data(), bytes, cudaMemcpyHostToDevice));
    FFT(cufftPlan1d(&p, n, CUFFT_C2C, batch));
    FFT(cufftExecC2C(p, (cufftComplex *)d, (cufftComplex *)e,
                     CUFFT_FORWARD));
    CHECK(cudaMemcpy(g.data(), e, bytes, cudaMemcpyDeviceToHost));
    Vec want = cpu_dft(in, n, 1, batch, -1);
    compare("1D C2C forward", g.data(), want, 1e-4);
    // Back in place: n times the input (cuFFT does not normalise).
    FFT(cufftExecC2C(p, (cufftComplex *)e, (cufftComplex *)e,
                     CUFFT_INVERSE));
    CHECK(cudaMemcpy(g.data(), e, bytes, cudaMemcpyDeviceToHost));
    for (double &x : in)
        x *= n;
    compare("1D C2C inverse", g.data(), in, 1e-4);
    FFT(cufftDestroy(p));
    CHECK(cudaFree(d));
    CHECK(cudaFree(e));
    printf("c2c_1d n=%d batch=%d forward ok inverse ok\n", n, batch);
}

static void c2c_2d(int nx, int ny)
{
    Vec in = random_complex((size_t)nx * ny, 2);
    std::vector<float> h = to_float(in), g(h.size());
    size_t bytes = h.size() * sizeof(float);
    void *d;
    cufftHandle p;

    CHECK(cudaMalloc(&d, bytes));
    CHECK(cudaMemcpy(d, h.data(), bytes, cudaMemcpyHostToDevice));
    FFT(cufftPlan2d(&p, nx, ny, CUFFT_C2C));
    FFT(cufftExecC2C(p, (cufftComplex *)d, (cufftComplex *)d,
                     CUFFT_FORWARD));
    CHECK(cudaMemcpy(g.data(), d, bytes, cudaMemcpyDeviceToHost));
    compare("2D C2C forward", g.data(), cpu_dft(in, nx, ny, 1, -1), 1e-4);
    FFT(cufftDestroy(p));
    CHECK(cudaFree(d));
    printf("c2c_2d %dx%d forward ok\n", nx, ny);
}

static void r2c_c2r_1d(int n, int batch)
{
    int hn = n / 2 + 1;
    Vec in = random_complex((size_t)n * batch, 3);
    for (size_t i = 1; i < in.size(); i += 2)
        in[i] = 0;
    std::vector<float> hr((size_t)n * batch), gr(hr.size());
    for (size_t i = 0; i < hr.size(); i++)
        hr[i] = (float)in[2 * i];
    std::vector<float> hc(2 * (size_t)hn * batch);
    int nn[1] = {n};
    void *d, *e;
    cufftHandle p, q;

    CHECK(cudaMalloc(&d, hr.size() * sizeof(float)));
    CHECK(cudaMalloc(&e, hc.size() * sizeof(float)));
    CHECK(cudaMemcpy(d, hr.data(), hr.size() * sizeof(float),
                     cudaMemcpyHostToDevice));
    FFT(cufftPlanMany(&p, 1, nn, NULL, 1, n, NULL, 1, hn, CUFFT_R2C,
                      batch));
    FFT(cufftExecR2C(p, (cufftReal *)d, (cufftComplex *)e));
    CHECK(cudaMemcpy(hc.data(), e, hc.size() * sizeof(float),
                     cudaMemcpyDeviceToHost));
    compare("1D R2C", hc.data(), half(cpu_dft(in, n, 1, batch, -1), n,
                                      batch), 1e-4);
    FFT(cufftPlanMany(&q, 1, nn, NULL, 1, hn, NULL, 1, n, CUFFT_C2R,
                      batch));
    CHECK(cudaMemset(d, 0, hr.size() * sizeof(float)));
    FFT(cufftExecC2R(q, (cufftComplex *)e, (cufftReal *)d));
    CHECK(cudaMemcpy(gr.data(), d, gr.size() * sizeof(float),
                     cudaMemcpyDeviceToHost));
    Vec want(hr.size());
    for (size_t i = 0; i < want.size(); i++)
        want[i] = (double)hr[i] * n;
    compare("1D C2R", gr.data(), want, 1e-4);
    FFT(cufftDestroy(p));
    FFT(cufftDestroy(q));
    CHECK(cudaFree(d));
    CHECK(cudaFree(e));
    printf("r2c_c2r_1d n=%d batch=%d r2c ok c2r ok\n", n, batch);
}

static void z2z_1d(int n, int batch)
{
    Vec in = random_complex((size_t)n * batch, 4), g(in.size());
    size_t bytes = in.size() * sizeof(double);
    void *d;
    cufftHandle p;

    CHECK(cudaMalloc(&d, bytes));
    CHECK(cudaMemcpy(d, in.data(), bytes, cudaMemcpyHostToDevice));
    FFT(cufftPlan1d(&p, n, CUFFT_Z2Z, batch));
    FFT(cufftExecZ2Z(p, (cufftDoubleComplex *)d, (cufftDoubleComplex *)d,
                     CUFFT_FORWARD));
    CHECK(cudaMemcpy(g.data(), d, bytes, cudaMemcpyDeviceToHost));
    compare("1D Z2Z forward", g.data(), cpu_dft(in, n, 1, batch, -1),
            1e-10);
    FFT(cufftDestroy(p));
    CHECK(cudaFree(d));
    printf("z2z_1d n=%d batch=%d forward ok\n", n, batch);
}

// PyTorch's way (aten/src/ATen/native/cuda/CuFFTPlanCache.h): a plan
// without automatic allocation, made by cufftXtMakePlanMany, run by
// cufftXtExec on a stream with a work area the caller allocates.
static void xt(bool real, int n, int batch)
{
    int hn = real ? n / 2 + 1 : n;
    long long nn[1] = {n};
    Vec in = random_complex((size_t)n * batch, 5);
    if (real)
        for (size_t i = 1; i < in.size(); i += 2)
            in[i] = 0;
    std::vector<float> hi(real ? (size_t)n * batch : in.size());
    for (size_t i = 0; i < hi.size(); i++)
        hi[i] = (float)(real ? in[2 * i] : in[i]);
    std::vector<float> ho(2 * (size_t)hn * batch);
    size_t ws = 0;
    void *d, *e, *work = NULL;
    cudaStream_t s;
    cufftHandle p;

    CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    FFT(cufftCreate(&p));
    FFT(cufftSetAutoAllocation(p, 0));
    FFT(cufftXtMakePlanMany(p, 1, nn, NULL, 1, n,
                            real ? CUDA_R_32F : CUDA_C_32F, NULL, 1, hn,
                            CUDA_C_32F, batch, &ws, CUDA_C_32F));
    if (ws > 0)
        CHECK(cudaMalloc(&work, ws));
    CHECK(cudaMalloc(&d, hi.size() * sizeof(float)));
    CHECK(cudaMalloc(&e, ho.size() * sizeof(float)));
    CHECK(cudaMemcpy(d, hi.data(), hi.size() * sizeof(float),
                     cudaMemcpyHostToDevice));
    FFT(cufftSetWorkArea(p, work));
    FFT(cufftSetStream(p, s));
    FFT(cufftXtExec(p, d, e, CUFFT_FORWARD));
    CHECK(cudaStreamSynchronize(s));
    CHECK(cudaMemcpy(ho.data(), e, ho.size() * sizeof(float),
                     cudaMemcpyDeviceToHost));
    Vec want = cpu_dft(in, n, 1, batch, -1);
    compare(real ? "XtExec R2C" : "XtExec C2C", ho.data(),
            real ? half(want, n, batch) : want, 1e-4);
    FFT(cufftDestroy(p));
    CHECK(cudaFree(d));
    CHECK(cudaFree(e));
    if (work != NULL)
        CHECK(cudaFree(work));
    CHECK(cudaStreamDestroy(s));
    printf("xt_%s n=%d batch=%d work area %s ok\n", real ? "r2c" : "c2c",
           n, batch, ws > 0 ? "set" : "empty");
}

int main()
{
    test_init("cufft_test");
    expect_library("cufftCreate");
    int v = 0;
    FFT(cufftGetVersion(&v));
    EXPECT(v / 1000 == CUFFT_VER_MAJOR, "cufftGetVersion says %d", v);
    warm_up();
    // The time includes the CPU reference (the same in both runs).
    Timer t;
    t.start();
    c2c_1d(1000, 4);
    c2c_1d(256, 1);
    c2c_2d(64, 48);
    r2c_c2r_1d(512, 8);
    r2c_c2r_1d(90, 3);
    z2z_1d(243, 2);
    xt(false, 384, 3);
    xt(true, 384, 3);
    xt(true, 4096, 2);
    t.stop();
    t.report();
    return test_pass();
}
