/*
 * gvdsim_fft.c - a simulated cuFFT in libgvdsim.so (tests only), so that
 * `make check` drives the cuFFT marshalling end to end: plans (ints,
 * handed out from 0 as a real library may), their streams, work areas
 * and automatic allocation, and complex-to-complex, real-to-complex and
 * complex-to-real transforms (single and double precision) of rank 1 to
 * 3 with batches, computed on the host memory behind the simulated
 * device memory by a naive DFT in double.
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
    /* The naive DFT costs total^2 sines and cosines per transform: past
     * 2^26 of them (seconds; or 2^15 elements a transform) it is not worth
     * simulating, and the products below stay far from overflow. */
    if (total > (1ll << 15) || batch > (1ll << 26) / (total * total)) {
        return CUFFT_NOT_SUPPORTED;
    }
    if (type != CUFFT_C2C && type != CUFFT_R2C && type != CUFFT_C2R &&
        type != CUFFT_Z2Z && type != CUFFT_D2Z && type != CUFFT_Z2D) {
        return CUFFT_INVALID_TYPE;
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

/* cufftXtMakePlanMany's types (input, output, execution) and the
 * transform they make. */
static const struct {
    cudaDataType in, out, exec;
    cufftType type;
} xt_types[] = {
    { CUDA_C_32F, CUDA_C_32F, CUDA_C_32F, CUFFT_C2C },
    { CUDA_R_32F, CUDA_C_32F, CUDA_C_32F, CUFFT_R2C },
    { CUDA_C_32F, CUDA_R_32F, CUDA_C_32F, CUFFT_C2R },
    { CUDA_C_64F, CUDA_C_64F, CUDA_C_64F, CUFFT_Z2Z },
    { CUDA_R_64F, CUDA_C_64F, CUDA_C_64F, CUFFT_D2Z },
    { CUDA_C_64F, CUDA_R_64F, CUDA_C_64F, CUFFT_Z2D },
};

/* PyTorch's call: types as cudaDataType (no half precision here). */
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

    (void)istride, (void)idist, (void)ostride, (void)odist;
    if (p == NULL) {
        return CUFFT_INVALID_PLAN;
    }
    if (inembed != NULL || onembed != NULL) {
        return CUFFT_INVALID_VALUE;
    }
    for (size_t i = 0; i < sizeof(xt_types) / sizeof(xt_types[0]); i++) {
        if (xt_types[i].in == inputtype && xt_types[i].out == outputtype &&
            xt_types[i].exec == executiontype) {
            return make(p, rank, n, xt_types[i].type, batch, workSize);
        }
    }
    return CUFFT_INVALID_TYPE;
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

/* Element i of a buffer of floats or doubles. */
static double rd(const void *b, size_t i, int dbl)
{
    return dbl ? ((const double *)b)[i] : ((const float *)b)[i];
}

static void wr(void *b, size_t i, double v, int dbl)
{
    if (dbl) {
        ((double *)b)[i] = v;
    } else {
        ((float *)b)[i] = (float)v;
    }
}

/* The full spectrum's element k (row-major over n) from a half spectrum
 * h (last dimension n / 2 + 1): Hermitian symmetry past the half. */
static void half_get(const sim_plan_t *p, const void *h, int dbl,
                     long long k, double *re, double *im)
{
    long long last = p->n[p->rank - 1], hl = last / 2 + 1;
    long long kl = k % last, rest = k / last, mirror = 0, m = 1;

    if (kl < hl) {
        *re = rd(h, (size_t)(2 * (rest * hl + kl)), dbl);
        *im = rd(h, (size_t)(2 * (rest * hl + kl) + 1), dbl);
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
    *re = rd(h, (size_t)(2 * (mirror * hl + kl)), dbl);
    *im = -rd(h, (size_t)(2 * (mirror * hl + kl) + 1), dbl);
}

/* Complex to complex (0), real to complex (1), complex to real (2). */
static int kind_of(cufftType t)
{
    return t == CUFFT_R2C || t == CUFFT_D2Z   ? 1
           : t == CUFFT_C2R || t == CUFFT_Z2D ? 2
                                              : 0;
}

/* Run p over idata -> odata with sign (-1 forward, +1 inverse). */
static cufftResult run(const sim_plan_t *p, cufftType want, const void *idata,
                       void *odata, int sign)
{
    long long e = elems(p), he = half_elems(p);
    int kind = kind_of(want), dbl = want == CUFFT_Z2Z ||
                                    want == CUFFT_D2Z || want == CUFFT_Z2D;
    size_t isz, osz, es = dbl ? sizeof(double) : sizeof(float);
    const char *in;
    char *out;
    double *a, *b;

    if (!p->made || p->type != want) {
        return CUFFT_INVALID_PLAN;
    }
    if (!p->autoalloc &&
        host_range(p->work, work_size(p)) == NULL) {
        return CUFFT_EXEC_FAILED;   /* no work area to run in */
    }
    isz = (size_t)(kind == 1 ? e : kind == 2 ? 2 * he : 2 * e);
    osz = (size_t)(kind == 2 ? e : kind == 1 ? 2 * he : 2 * e);
    in = host_range(idata, isz * es * (size_t)p->batch);
    out = host_range(odata, osz * es * (size_t)p->batch);
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
        const void *x = in + (size_t)t * isz * es;
        void *y = out + (size_t)t * osz * es;

        for (long long k = 0; k < e; k++) {
            if (kind == 1) {
                a[2 * k] = rd(x, (size_t)k, dbl);
                a[2 * k + 1] = 0;
            } else if (kind == 2) {
                half_get(p, x, dbl, k, &a[2 * k], &a[2 * k + 1]);
            } else {
                a[2 * k] = rd(x, (size_t)(2 * k), dbl);
                a[2 * k + 1] = rd(x, (size_t)(2 * k + 1), dbl);
            }
        }
        dft(p, a, b, sign);
        /* In place: the input was read whole before this write. */
        if (kind == 2) {
            for (long long k = 0; k < e; k++) {
                wr(y, (size_t)k, b[2 * k], dbl);
            }
        } else if (kind == 1) {
            long long last = p->n[p->rank - 1], hl = last / 2 + 1;

            for (long long k = 0; k < he; k++) {
                long long src = k / hl * last + k % hl;

                wr(y, (size_t)(2 * k), b[2 * src], dbl);
                wr(y, (size_t)(2 * k + 1), b[2 * src + 1], dbl);
            }
        } else {
            for (long long k = 0; k < 2 * e; k++) {
                wr(y, (size_t)k, b[k], dbl);
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

SIM cufftResult cufftExecZ2Z(cufftHandle plan, cufftDoubleComplex *idata,
                             cufftDoubleComplex *odata, int direction)
{
    sim_plan_t *p = plan_of(plan);

    if (p == NULL) {
        return CUFFT_INVALID_PLAN;
    }
    if (direction != CUFFT_FORWARD && direction != CUFFT_INVERSE) {
        return CUFFT_INVALID_VALUE;
    }
    return run(p, CUFFT_Z2Z, idata, odata, direction);
}

SIM cufftResult cufftExecD2Z(cufftHandle plan, cufftDoubleReal *idata,
                             cufftDoubleComplex *odata)
{
    sim_plan_t *p = plan_of(plan);

    return p == NULL ? CUFFT_INVALID_PLAN
                     : run(p, CUFFT_D2Z, idata, odata, CUFFT_FORWARD);
}

SIM cufftResult cufftExecZ2D(cufftHandle plan, cufftDoubleComplex *idata,
                             cufftDoubleReal *odata)
{
    sim_plan_t *p = plan_of(plan);

    return p == NULL ? CUFFT_INVALID_PLAN
                     : run(p, CUFFT_Z2D, idata, odata, CUFFT_INVERSE);
}

/* The plan's type says which transform; direction matters for C2C. */
SIM cufftResult cufftXtExec(cufftHandle plan, void *input, void *output,
                            int direction)
{
    sim_plan_t *p = plan_of(plan);
    int kind;

    if (p == NULL) {
        return CUFFT_INVALID_PLAN;
    }
    kind = kind_of(p->type);
    if (kind == 0 && direction != CUFFT_FORWARD &&
        direction != CUFFT_INVERSE) {
        return CUFFT_INVALID_VALUE;
    }
    return run(p, p->type, input, output,
               kind == 0 ? direction : kind == 1 ? CUFFT_FORWARD
                                                 : CUFFT_INVERSE);
}
