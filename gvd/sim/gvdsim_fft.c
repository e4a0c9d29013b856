/*
 * gvdsim_fft.c - a simulated cuFFT in libgvdsim.so (tests only), so that
 * `make check` drives the cuFFT marshalling end to end: plans (ints,
 * handed out from 0 as a real library may), their streams, work areas
 * and automatic allocation, and single-precision C2C, R2C and C2R
 * transforms of rank 1 to 3 with batches, computed on the host memory
 * behind the simulated device memory by a naive DFT in double.
 *
 * Layouts are the default ones only (contiguous batches: no inembed,
 * onembed, strides or distances but the natural ones), enough for the
 * test program.  A plan made with automatic allocation off reports a
 * work size and refuses to run (CUFFT_EXEC_FAILED) until a work area is
 * set.  Memory a transform would touch outside the client's allocations
 * fails with CUFFT_EXEC_FAILED, as a faulting kernel would.  Everything
 * else is absent (the worker answers CUFFT_NOT_SUPPORTED).
 */
#include "gvdsim.h"

#include <cufft.h>
#include <cufftXt.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SIM_FFT_PLANS 64

typedef struct sim_plan {
    int used, made;
    int rank;
    long long n[3];
    long long batch;
    cufftType type;
    int autoalloc;
    void *work;                 /* device memory set as the work area */
    cudaStream_t stream;
} sim_plan_t;

static sim_plan_t plans[SIM_FFT_PLANS];

static sim_plan_t *plan_of(cufftHandle h)
{
    return h >= 0 && h < SIM_FFT_PLANS && plans[h].used ? &plans[h] : NULL;
}

/* Host memory behind device range [p, p + len), or NULL. */
static void *host_range(const void *p, size_t len)
{
    return p != NULL && sim_find(p, len) != NULL ? sim_host_of(p) : NULL;
}

/* Elements of one transform: all of them, and the last dimension's
 * complex half (n / 2 + 1) for the real transforms' complex side. */
static long long elems(const sim_plan_t *p)
{
    long long e = 1;

    for (int d = 0; d < p->rank; d++) {
        e *= p->n[d];
    }
    return e;
}

static long long half_elems(const sim_plan_t *p)
{
    return elems(p) / p->n[p->rank - 1] * (p->n[p->rank - 1] / 2 + 1);
}

/* What a real cuFFT needs as scratch for this plan: a made-up but
 * nonzero size, so that work areas are exercised. */
static size_t work_size(const sim_plan_t *p)
{
    return (size_t)(elems(p) * 8);
}

/* Make p: rank 1..3, sizes >= 1, types of single precision. */
static cufftResult make(sim_plan_t *p, int rank, const long long *n,
                        cufftType type, long long batch, size_t *ws)
{
    long long total = 1;

    if (rank < 1 || rank > 3 || n == NULL || batch < 1) {
        return CUFFT_INVALID_SIZE;
    }
    for (int d = 0; d < rank; d++) {
        if (n[d] < 1 || n[d] > 4096) {
            return CUFFT_INVALID_SIZE;
        }
        total *= n[d];
    }
    if (total * batch > (1ll << 22)) {
        return CUFFT_INVALID_SIZE;
    }
    if (type != CUFFT_C2C && type != CUFFT_R2C && type != CUFFT_C2R) {
        return CUFFT_NOT_SUPPORTED;
    }
    p->rank = rank;
    memcpy(p->n, n, sizeof(*n) * (size_t)rank);
    p->type = type;
    p->batch = batch;
    p->made = 1;
    if (ws != NULL) {
        *ws = work_size(p);
    }
    return CUFFT_SUCCESS;
}

/* ---- plans --------------------------------------------------------------- */

SIM cufftResult cufftCreate(cufftHandle *handle)
{
    if (handle == NULL) {
        return CUFFT_INVALID_VALUE;
    }
    for (int i = 0; i < SIM_FFT_PLANS; i++) {
        if (!plans[i].used) {
            memset(&plans[i], 0, sizeof(plans[i]));
            plans[i].used = 1;
            plans[i].autoalloc = 1;
            *handle = i;
            return CUFFT_SUCCESS;
        }
    }
    return CUFFT_ALLOC_FAILED;
}

SIM cufftResult cufftDestroy(cufftHandle plan)
{
    sim_plan_t *p = plan_of(plan);

    if (p == NULL) {
        return CUFFT_INVALID_PLAN;
    }
    p->used = 0;
    return CUFFT_SUCCESS;
}

SIM cufftResult cufftPlan1d(cufftHandle *plan, int nx, cufftType type,
                            int batch)
{
    long long n[1] = { nx };
    cufftResult r = cufftCreate(plan);

    if (r == CUFFT_SUCCESS &&
        (r = make(&plans[*plan], 1, n, type, batch, NULL)) != CUFFT_SUCCESS) {
        cufftDestroy(*plan);
    }
    return r;
}

SIM cufftResult cufftPlan2d(cufftHandle *plan, int nx, int ny,
                            cufftType type)
{
    long long n[2] = { nx, ny };
    cufftResult r = cufftCreate(plan);

    if (r == CUFFT_SUCCESS &&
        (r = make(&plans[*plan], 2, n, type, 1, NULL)) != CUFFT_SUCCESS) {
        cufftDestroy(*plan);
    }
    return r;
}

SIM cufftResult cufftMakePlan1d(cufftHandle plan, int nx, cufftType type,
                                int batch, size_t *workSize)
{
    sim_plan_t *p = plan_of(plan);
    long long n[1] = { nx };

    return p == NULL ? CUFFT_INVALID_PLAN
                     : make(p, 1, n, type, batch, workSize);
}

/* Only the default layout: no embeddings. */
SIM cufftResult cufftPlanMany(cufftHandle *plan, int rank, int *n,
                              int *inembed, int istride, int idist,
                              int *onembed, int ostride, int odist,
                              cufftType type, int batch)
{
    long long nn[3];
    cufftResult r;

    (void)istride, (void)idist, (void)ostride, (void)odist;
    if (inembed != NULL || onembed != NULL || n == NULL || rank < 1 ||
        rank > 3) {
        return CUFFT_INVALID_VALUE;
    }
    for (int d = 0; d < rank; d++) {
        nn[d] = n[d];
    }
    r = cufftCreate(plan);
    if (r == CUFFT_SUCCESS &&
        (r = make(&plans[*plan], rank, nn, type, batch, NULL)) !=
            CUFFT_SUCCESS) {
        cufftDestroy(*plan);
    }
    return r;
}

/* PyTorch's call: types as cudaDataType (single precision only). */
SIM cufftResult cufftXtMakePlanMany(cufftHandle plan, int rank,
                                    long long int *n,
                                    long long int *inembed,
                                    long long int istride,
                                    long long int idist,
                                    cudaDataType inputtype,
                                    long long int *onembed,
                                    long long int ostride,
                                    long long int odist,
                                    cudaDataType outputtype,
                                    long long int batch, size_t *workSize,
                                    cudaDataType executiontype)
{
    sim_plan_t *p = plan_of(plan);
    cufftType type;

    (void)istride, (void)idist, (void)ostride, (void)odist;
    if (p == NULL) {
        return CUFFT_INVALID_PLAN;
    }
    if (inembed != NULL || onembed != NULL) {
        return CUFFT_INVALID_VALUE;
    }
    if (inputtype == CUDA_C_32F && outputtype == CUDA_C_32F &&
        executiontype == CUDA_C_32F) {
        type = CUFFT_C2C;
    } else if (inputtype == CUDA_R_32F && outputtype == CUDA_C_32F &&
               executiontype == CUDA_C_32F) {
        type = CUFFT_R2C;
    } else if (inputtype == CUDA_C_32F && outputtype == CUDA_R_32F &&
               executiontype == CUDA_C_32F) {
        type = CUFFT_C2R;
    } else {
        return CUFFT_INVALID_TYPE;
    }
    return make(p, rank, n, type, batch, workSize);
}

SIM cufftResult cufftGetSize(cufftHandle handle, size_t *workSize)
{
    sim_plan_t *p = plan_of(handle);

    if (p == NULL) {
        return CUFFT_INVALID_PLAN;
    }
    if (workSize == NULL) {
        return CUFFT_INVALID_VALUE;
    }
    *workSize = p->made ? work_size(p) : 0;
    return CUFFT_SUCCESS;
}

SIM cufftResult cufftEstimate1d(int nx, cufftType type, int batch,
                                size_t *workSize)
{
    (void)type, (void)batch;
    if (nx < 1 || workSize == NULL) {
        return CUFFT_INVALID_VALUE;
    }
    *workSize = (size_t)nx * 8;
    return CUFFT_SUCCESS;
}

/* ---- settings ------------------------------------------------------------ */

SIM cufftResult cufftSetAutoAllocation(cufftHandle plan, int autoAllocate)
{
    sim_plan_t *p = plan_of(plan);

    if (p == NULL) {
        return CUFFT_INVALID_PLAN;
    }
    p->autoalloc = autoAllocate != 0;
    return CUFFT_SUCCESS;
}

SIM cufftResult cufftSetWorkArea(cufftHandle plan, void *workArea)
{
    sim_plan_t *p = plan_of(plan);

    if (p == NULL) {
        return CUFFT_INVALID_PLAN;
    }
    p->work = workArea;
    return CUFFT_SUCCESS;
}

SIM cufftResult cufftSetStream(cufftHandle plan, cudaStream_t stream)
{
    sim_plan_t *p = plan_of(plan);

    if (p == NULL) {
        return CUFFT_INVALID_PLAN;
    }
    if (!sim_stream_ok(stream)) {
        return CUFFT_INVALID_VALUE;
    }
    p->stream = stream;
    return CUFFT_SUCCESS;
}

/* ---- transforms ---------------------------------------------------------- */

/* One unnormalised DFT of rank dims n over the complex doubles in[]
 * (elements in row-major order): out[k] = sum_j in[j] e^(sign 2 pi i
 * sum_d k_d j_d / n_d). */
static void dft(const sim_plan_t *p, const double *in, double *out,
                int sign)
{
    long long e = elems(p);

    for (long long k = 0; k < e; k++) {
        double re = 0, im = 0;

        for (long long j = 0; j < e; j++) {
            double ph = 0;
            long long kk = k, jj = j;

            for (int d = p->rank - 1; d >= 0; d--) {
                ph += (double)((kk % p->n[d]) * (jj % p->n[d]) % p->n[d]) /
                      (double)p->n[d];
                kk /= p->n[d];
                jj /= p->n[d];
            }
            ph *= sign * 2.0 * M_PI;
            re += in[2 * j] * cos(ph) - in[2 * j + 1] * sin(ph);
            im += in[2 * j] * sin(ph) + in[2 * j + 1] * cos(ph);
        }
        out[2 * k] = re;
        out[2 * k + 1] = im;
    }
}

/* The full spectrum's element k (row-major over n) from a half spectrum
 * (last dimension n / 2 + 1): Hermitian symmetry past the half. */
static void half_get(const sim_plan_t *p, const float *h, long long k,
                     double *re, double *im)
{
    long long last = p->n[p->rank - 1], hl = last / 2 + 1;
    long long kl = k % last, rest = k / last, mirror = 0, m = 1;

    if (kl < hl) {
        *re = h[2 * (rest * hl + kl)];
        *im = h[2 * (rest * hl + kl) + 1];
        return;
    }
    /* (-k) mod n in every dimension. */
    for (int d = p->rank - 2; d >= 0; d--) {
        long long kd = rest % p->n[d];

        mirror += ((p->n[d] - kd) % p->n[d]) * m;
        m *= p->n[d];
        rest /= p->n[d];
    }
    kl = (last - kl) % last;
    *re = h[2 * (mirror * hl + kl)];
    *im = -h[2 * (mirror * hl + kl) + 1];
}

/* Run p over idata -> odata with sign (-1 forward, +1 inverse). */
static cufftResult run(const sim_plan_t *p, cufftType want, const void *idata,
                       void *odata, int sign)
{
    long long e = elems(p), he = half_elems(p);
    size_t isz, osz;
    const float *in;
    float *out;
    double *a, *b;

    if (!p->made || p->type != want) {
        return CUFFT_INVALID_PLAN;
    }
    if (!p->autoalloc &&
        host_range(p->work, work_size(p)) == NULL) {
        return CUFFT_EXEC_FAILED;   /* no work area to run in */
    }
    isz = (size_t)(want == CUFFT_R2C ? e : want == CUFFT_C2R ? 2 * he
                                                             : 2 * e);
    osz = (size_t)(want == CUFFT_C2R ? e : want == CUFFT_R2C ? 2 * he
                                                             : 2 * e);
    in = host_range(idata, isz * sizeof(float) * (size_t)p->batch);
    out = host_range(odata, osz * sizeof(float) * (size_t)p->batch);
    if (in == NULL || out == NULL) {
        return CUFFT_EXEC_FAILED;
    }
    a = malloc(sizeof(double) * 2 * (size_t)e);
    b = malloc(sizeof(double) * 2 * (size_t)e);
    if (a == NULL || b == NULL) {
        free(a);
        free(b);
        return CUFFT_ALLOC_FAILED;
    }
    for (long long t = 0; t < p->batch; t++) {
        const float *x = in + (size_t)t * isz;
        float *y = out + (size_t)t * osz;

        for (long long k = 0; k < e; k++) {
            if (want == CUFFT_R2C) {
                a[2 * k] = x[k];
                a[2 * k + 1] = 0;
            } else if (want == CUFFT_C2R) {
                half_get(p, x, k, &a[2 * k], &a[2 * k + 1]);
            } else {
                a[2 * k] = x[2 * k];
                a[2 * k + 1] = x[2 * k + 1];
            }
        }
        dft(p, a, b, sign);
        /* In place: the input was read whole before this write. */
        if (want == CUFFT_C2R) {
            for (long long k = 0; k < e; k++) {
                y[k] = (float)b[2 * k];
            }
        } else if (want == CUFFT_R2C) {
            long long last = p->n[p->rank - 1], hl = last / 2 + 1;

            for (long long k = 0; k < he; k++) {
                long long src = k / hl * last + k % hl;

                y[2 * k] = (float)b[2 * src];
                y[2 * k + 1] = (float)b[2 * src + 1];
            }
        } else {
            for (long long k = 0; k < 2 * e; k++) {
                y[k] = (float)b[k];
            }
        }
    }
    free(a);
    free(b);
    return CUFFT_SUCCESS;
}

SIM cufftResult cufftExecC2C(cufftHandle plan, cufftComplex *idata,
                             cufftComplex *odata, int direction)
{
    sim_plan_t *p = plan_of(plan);

    if (p == NULL) {
        return CUFFT_INVALID_PLAN;
    }
    if (direction != CUFFT_FORWARD && direction != CUFFT_INVERSE) {
        return CUFFT_INVALID_VALUE;
    }
    return run(p, CUFFT_C2C, idata, odata, direction);
}

SIM cufftResult cufftExecR2C(cufftHandle plan, cufftReal *idata,
                             cufftComplex *odata)
{
    sim_plan_t *p = plan_of(plan);

    return p == NULL ? CUFFT_INVALID_PLAN
                     : run(p, CUFFT_R2C, idata, odata, CUFFT_FORWARD);
}

SIM cufftResult cufftExecC2R(cufftHandle plan, cufftComplex *idata,
                             cufftReal *odata)
{
    sim_plan_t *p = plan_of(plan);

    return p == NULL ? CUFFT_INVALID_PLAN
                     : run(p, CUFFT_C2R, idata, odata, CUFFT_INVERSE);
}

/* The plan's type says which transform; direction matters for C2C. */
SIM cufftResult cufftXtExec(cufftHandle plan, void *input, void *output,
                            int direction)
{
    sim_plan_t *p = plan_of(plan);

    if (p == NULL) {
        return CUFFT_INVALID_PLAN;
    }
    if (p->type == CUFFT_C2C) {
        return cufftExecC2C(plan, input, output, direction);
    }
    return p->type == CUFFT_R2C ? cufftExecR2C(plan, input, output)
                                : cufftExecC2R(plan, input, output);
}
