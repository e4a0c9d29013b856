/*
 * fftapp.c - a cuFFT program (no kernels of its own), linked against our
 * libcufft.so.12 and libcudart.so.13.  Driven by test_gvd_fft.c against
 * gvd's simulated device, whose cuFFT computes transforms on the host
 * (gvd/sim/gvdsim_fft.c).
 *
 *   fftapp MODE
 *
 * Each mode prints "OK MODE" and exits 0 when every result was right; a
 * failure prints one line saying what differed.  Transforms are compared
 * with a DFT in double on the CPU, within 1e-4 of the largest magnitude
 * (single precision) or 1e-9 (double).
 */
#include "libapp.h"

#include <cuda_runtime_api.h>
#include <cufft.h>
#include <cufftXt.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ST(call, want) LIBAPP_EXPECT_NUM(cufftResult, call, want)

#define OK(call) ST(call, CUFFT_SUCCESS)

/* Deterministic values in [-1, 1]. */
static void fill(float *p, size_t n, int seed)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (float)((int)((i * 7 + (size_t)seed * 3) % 17) - 8) / 8.0f;
    }
}

static void *dev_copy(const void *host, size_t n)
{
    void *d = NULL;

    CHECK(cudaMalloc(&d, n));
    CHECK(cudaMemcpy(d, host, n, cudaMemcpyHostToDevice));
    return d;
}

/* CPU DFT in double over a row-major nx x ny grid (ny = 1: 1D) of
 * complex values, batch after batch; sign -1 forward, +1 inverse. */
static void cpu_dft(const double *in, double *out, int nx, int ny,
                    int batch, int sign)
{
    for (int b = 0; b < batch; b++) {
        const double *x = in + (size_t)2 * nx * ny * b;
        double *y = out + (size_t)2 * nx * ny * b;

        for (int k0 = 0; k0 < nx; k0++) {
            for (int k1 = 0; k1 < ny; k1++) {
                double re = 0, im = 0;

                for (int j0 = 0; j0 < nx; j0++) {
                    for (int j1 = 0; j1 < ny; j1++) {
                        double ph = sign * 2 * M_PI *
                                    ((double)(k0 * j0 % nx) / nx +
                                     (double)(k1 * j1 % ny) / ny);
                        const double *v = x + 2 * (j0 * ny + j1);

                        re += v[0] * cos(ph) - v[1] * sin(ph);
                        im += v[0] * sin(ph) + v[1] * cos(ph);
                    }
                }
                y[2 * (k0 * ny + k1)] = re;
                y[2 * (k0 * ny + k1) + 1] = im;
            }
        }
    }
}

/* got (floats) against want (doubles): within 1e-4 of the largest. */
static void near(const char *what, const float *got, const double *want,
                 size_t n)
{
    double big = 1e-30;

    for (size_t i = 0; i < n; i++) {
        big = fabs(want[i]) > big ? fabs(want[i]) : big;
    }
    for (size_t i = 0; i < n; i++) {
        if (fabs(got[i] - want[i]) > 1e-4 * big) {
            FAIL("%s: element %zu is %g, wanted %g", what, i, got[i],
                 want[i]);
        }
    }
}

/* Plans, versions, forged and stale numbers refused on the client,
 * sizes, unsupported exports. */
static int mode_plans(void)
{
    cufftHandle p1, p2, p3;
    long long n[1] = { 16 };
    size_t ws = 0;
    int v = 0;
    int gpus[1] = { 0 };

    OK(cufftGetVersion(&v));
    TRUE(v == CUFFT_VERSION);
    OK(cufftGetProperty(MAJOR_VERSION, &v));
    TRUE(v == CUFFT_VER_MAJOR);
    ST(cufftGetProperty(MAJOR_VERSION, NULL), CUFFT_INVALID_VALUE);

    OK(cufftCreate(&p1));
    OK(cufftPlan1d(&p2, 8, CUFFT_C2C, 2));
    TRUE(p1 != p2);
    OK(cufftGetSize(p2, &ws));
    TRUE(ws > 0);
    OK(cufftEstimate1d(32, CUFFT_C2C, 1, &ws));
    TRUE(ws > 0);
    OK(cufftSetAutoAllocation(p1, 0));
    OK(cufftXtMakePlanMany(p1, 1, n, NULL, 1, 16, CUDA_C_32F, NULL, 1, 16,
                           CUDA_C_32F, 4, &ws, CUDA_C_32F));
    TRUE(ws > 0);

    /* Numbers that are no plan of ours: refused before anything is
     * sent. */
    ST(cufftSetStream(12345, 0), CUFFT_INVALID_PLAN);
    ST(cufftExecC2C(-7, NULL, NULL, CUFFT_FORWARD), CUFFT_INVALID_PLAN);
    ST(cufftGetSize(0, &ws), CUFFT_INVALID_PLAN);
    ST(cufftDestroy(CUFFT_PLAN_NULL), CUFFT_INVALID_PLAN);
    OK(cufftDestroy(p2));
    ST(cufftGetSize(p2, &ws), CUFFT_INVALID_PLAN);
    ST(cufftDestroy(p2), CUFFT_INVALID_PLAN);
    /* A destroyed plan's number is handed out again. */
    OK(cufftCreate(&p3));
    TRUE(p3 == p2);

    /* What a plan here cannot do. */
    ST(cufftXtSetGPUs(p1, 1, gpus), CUFFT_NOT_SUPPORTED);
    ST(cufftXtSetCallback(p1, NULL, CUFFT_CB_LD_COMPLEX, NULL),
       CUFFT_NOT_SUPPORTED);
    ST(cufftXtMalloc(p1, NULL, CUFFT_XT_FORMAT_INPLACE), CUFFT_NOT_SUPPORTED);
    OK(cufftDestroy(p1));
    OK(cufftDestroy(p3));
    return 0;
}

/* 1D C2C forward (out of place) and inverse (in place), a 2D C2C, and
 * a batched 1D R2C then C2R. */
static int mode_transforms(void)
{
    enum { N = 24, B = 3, NX = 6, NY = 5, R = 16, RB = 3 };
    float h[2 * N * B], g[2 * N * B], hr[R * RB], gr[R * RB];
    double in[2 * N * B], want[2 * N * B], spec[2 * R * RB];
    float hc[2 * (R / 2 + 1) * RB];
    double wantc[2 * (R / 2 + 1) * RB];
    cufftHandle p;
    void *d, *e;
    int n[1] = { R };

    /* 1D C2C, batch B: forward out of place. */
    fill(h, 2 * N * B, 1);
    for (int i = 0; i < 2 * N * B; i++) {
        in[i] = h[i];
    }
    d = dev_copy(h, sizeof(h));
    CHECK(cudaMalloc(&e, sizeof(h)));
    OK(cufftPlan1d(&p, N, CUFFT_C2C, B));
    OK(cufftExecC2C(p, d, e, CUFFT_FORWARD));
    CHECK(cudaMemcpy(g, e, sizeof(g), cudaMemcpyDeviceToHost));
    cpu_dft(in, want, N, 1, B, -1);
    near("1D C2C forward", g, want, 2 * N * B);
    /* ... and back in place: N times the input (cuFFT does not
     * normalise). */
    OK(cufftExecC2C(p, e, e, CUFFT_INVERSE));
    CHECK(cudaMemcpy(g, e, sizeof(g), cudaMemcpyDeviceToHost));
    for (int i = 0; i < 2 * N * B; i++) {
        want[i] = in[i] * N;
    }
    near("1D C2C inverse", g, want, 2 * N * B);
    OK(cufftDestroy(p));

    /* 2D C2C. */
    OK(cufftPlan2d(&p, NX, NY, CUFFT_C2C));
    OK(cufftExecC2C(p, d, e, CUFFT_FORWARD));
    CHECK(cudaMemcpy(g, e, sizeof(float) * 2 * NX * NY,
                     cudaMemcpyDeviceToHost));
    cpu_dft(in, want, NX, NY, 1, -1);
    near("2D C2C forward", g, want, 2 * NX * NY);
    OK(cufftDestroy(p));
    CHECK(cudaFree(d));
    CHECK(cudaFree(e));

    /* Batched 1D R2C and back with C2R. */
    fill(hr, R * RB, 2);
    for (int i = 0; i < R * RB; i++) {
        in[2 * i] = hr[i];
        in[2 * i + 1] = 0;
    }
    cpu_dft(in, spec, R, 1, RB, -1);
    for (int b = 0; b < RB; b++) {
        for (int k = 0; k <= R / 2; k++) {
            wantc[2 * (b * (R / 2 + 1) + k)] = spec[2 * (b * R + k)];
            wantc[2 * (b * (R / 2 + 1) + k) + 1] = spec[2 * (b * R + k) + 1];
        }
    }
    d = dev_copy(hr, sizeof(hr));
    CHECK(cudaMalloc(&e, sizeof(hc)));
    OK(cufftPlanMany(&p, 1, n, NULL, 1, R, NULL, 1, R / 2 + 1, CUFFT_R2C,
                     RB));
    OK(cufftExecR2C(p, d, e));
    CHECK(cudaMemcpy(hc, e, sizeof(hc), cudaMemcpyDeviceToHost));
    near("1D R2C batched", hc, wantc, 2 * (R / 2 + 1) * RB);
    OK(cufftDestroy(p));
    OK(cufftPlanMany(&p, 1, n, NULL, 1, R / 2 + 1, NULL, 1, R, CUFFT_C2R,
                     RB));
    CHECK(cudaMemset(d, 0, sizeof(hr)));
    OK(cufftExecC2R(p, e, d));
    CHECK(cudaMemcpy(gr, d, sizeof(gr), cudaMemcpyDeviceToHost));
    for (int i = 0; i < R * RB; i++) {
        want[i] = (double)hr[i] * R;
    }
    near("1D C2R batched", gr, want, R * RB);
    OK(cufftDestroy(p));
    CHECK(cudaFree(d));
    CHECK(cudaFree(e));
    return 0;
}

/* Double precision: a 1D Z2Z forward, a batched D2Z and back with Z2D. */
static int mode_double(void)
{
    enum { N = 18, B = 2, H = N / 2 + 1 };
    double h[2 * N * B], g[2 * N * B], in[2 * N * B], want[2 * N * B];
    double hr[N * B], gr[N * B], hc[2 * H * B], wantc[2 * H * B];
    float f[2 * N * B];
    cufftHandle p;
    void *d, *e;

    fill(f, 2 * N * B, 4);
    for (int i = 0; i < 2 * N * B; i++) {
        h[i] = in[i] = f[i] / 3.0;   /* not representable in float */
    }
    d = dev_copy(h, sizeof(h));
    OK(cufftPlan1d(&p, N, CUFFT_Z2Z, B));
    OK(cufftExecZ2Z(p, d, d, CUFFT_FORWARD));
    CHECK(cudaMemcpy(g, d, sizeof(g), cudaMemcpyDeviceToHost));
    cpu_dft(in, want, N, 1, B, -1);
    for (int i = 0; i < 2 * N * B; i++) {
        TRUE(fabs(g[i] - want[i]) < 1e-9);
    }
    OK(cufftDestroy(p));
    CHECK(cudaFree(d));

    for (int i = 0; i < N * B; i++) {
        hr[i] = in[2 * i];
        in[2 * i + 1] = 0;
    }
    cpu_dft(in, want, N, 1, B, -1);
    for (int b = 0; b < B; b++) {
        for (int k = 0; k < 2 * H; k++) {
            wantc[b * 2 * H + k] = want[b * 2 * N + k];
        }
    }
    d = dev_copy(hr, sizeof(hr));
    CHECK(cudaMalloc(&e, sizeof(hc)));
    OK(cufftPlan1d(&p, N, CUFFT_D2Z, B));
    OK(cufftExecD2Z(p, d, e));
    CHECK(cudaMemcpy(hc, e, sizeof(hc), cudaMemcpyDeviceToHost));
    for (int i = 0; i < 2 * H * B; i++) {
        TRUE(fabs(hc[i] - wantc[i]) < 1e-9);
    }
    OK(cufftDestroy(p));
    OK(cufftPlan1d(&p, N, CUFFT_Z2D, B));
    OK(cufftExecZ2D(p, e, d));
    CHECK(cudaMemcpy(gr, d, sizeof(gr), cudaMemcpyDeviceToHost));
    for (int i = 0; i < N * B; i++) {
        TRUE(fabs(gr[i] - hr[i] * N) < 1e-9);
    }
    OK(cufftDestroy(p));
    CHECK(cudaFree(d));
    CHECK(cudaFree(e));
    return 0;
}

/* PyTorch's sequence: cufftCreate, no automatic allocation,
 * cufftXtMakePlanMany, a work area of the reported size, the stream,
 * cufftXtExec; then late errors of the one-way calls. */
static int mode_xt(void)
{
    enum { R = 20, B = 2, H = R / 2 + 1 };
    long long n[1] = { R };
    float hr[R * B], hc[2 * H * B];
    double in[2 * R * B], spec[2 * R * B], want[2 * H * B];
    cufftHandle p, q;
    size_t ws = 0;
    void *d, *e, *work, *small;
    cudaStream_t s;

    fill(hr, R * B, 3);
    for (int i = 0; i < R * B; i++) {
        in[2 * i] = hr[i];
        in[2 * i + 1] = 0;
    }
    cpu_dft(in, spec, R, 1, B, -1);
    for (int b = 0; b < B; b++) {
        for (int k = 0; k < H; k++) {
            want[2 * (b * H + k)] = spec[2 * (b * R + k)];
            want[2 * (b * H + k) + 1] = spec[2 * (b * R + k) + 1];
        }
    }
    CHECK(cudaStreamCreate(&s));
    OK(cufftCreate(&p));
    OK(cufftSetAutoAllocation(p, 0));
    OK(cufftXtMakePlanMany(p, 1, n, NULL, 1, R, CUDA_R_32F, NULL, 1, H,
                           CUDA_C_32F, B, &ws, CUDA_C_32F));
    TRUE(ws > 0);
    CHECK(cudaMalloc(&work, ws));
    d = dev_copy(hr, sizeof(hr));
    CHECK(cudaMalloc(&e, sizeof(hc)));
    OK(cufftSetWorkArea(p, work));
    OK(cufftSetStream(p, s));
    OK(cufftXtExec(p, d, e, CUFFT_FORWARD));
    CHECK(cudaStreamSynchronize(s));
    CHECK(cudaMemcpy(hc, e, sizeof(hc), cudaMemcpyDeviceToHost));
    near("XtExec R2C", hc, want, 2 * H * B);

    /* No work area, automatic allocation off: the transform fails on
     * the GPU host, and the next synchronising call says so. */
    OK(cufftCreate(&q));
    OK(cufftSetAutoAllocation(q, 0));
    OK(cufftXtMakePlanMany(q, 1, n, NULL, 1, R, CUDA_R_32F, NULL, 1, H,
                           CUDA_C_32F, B, &ws, CUDA_C_32F));
    OK(cufftXtExec(q, d, e, CUFFT_FORWARD));
    RT(cudaDeviceSynchronize(), cudaErrorLaunchFailure);
    CHECK(cudaDeviceSynchronize());
    /* A work area smaller than the plan's work size: refused by the
     * worker, reported late. */
    CHECK(cudaMalloc(&small, 8));
    OK(cufftSetWorkArea(q, small));
    RT(cudaDeviceSynchronize(), cudaErrorInvalidValue);
    OK(cufftSetWorkArea(q, NULL));
    CHECK(cudaDeviceSynchronize());

    OK(cufftDestroy(p));
    OK(cufftDestroy(q));
    CHECK(cudaFree(small));
    CHECK(cudaFree(work));
    CHECK(cudaFree(d));
    CHECK(cudaFree(e));
    CHECK(cudaStreamDestroy(s));
    return 0;
}

/* Three plans never destroyed: the worker destroys them. */
static int mode_leave(void)
{
    cufftHandle p;

    for (int i = 0; i < 3; i++) {
        OK(cufftPlan1d(&p, 8, CUFFT_C2C, 1));
    }
    return 0;
}

int main(int argc, char **argv)
{
    static const libapp_mode_t modes[] = {
        { "plans", mode_plans },
        { "transforms", mode_transforms },
        { "double", mode_double },
        { "xt", mode_xt },
        { "leave", mode_leave },
    };

    return libapp_main("fftapp", argc, argv, modes,
                       sizeof(modes) / sizeof(modes[0]));
}
