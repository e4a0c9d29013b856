/*
 * cuda_ctx.c - contexts.  A context is the worker's real CUcontext (so
 * values from the runtime and the driver API mix); this process keeps
 * which device each one lives on, the primary context of each device,
 * and each thread's context stack (the current context is its top).
 *
 * A thread with no context of its own uses the primary context of its
 * current device (gvf_current_ordinal, which cudaSetDevice sets), as a
 * thread does natively after any runtime call.  The known difference: a
 * pure driver-API thread that never made a context current sees the
 * primary context where CUDA would answer CUDA_ERROR_INVALID_CONTEXT.
 *
 * Each device's worker runs calls in one context at a time.  Before a
 * call, gvcu_ctx_enter sends gvCuCtxSwitch when the calling thread's
 * context is not the one that worker runs (one message, no wait).  Two
 * threads using different contexts of one device at the very same time
 * may see a call run in the other's context; one context per device (the
 * common case, and every runtime program) never switches.
 */
#include "config.h"

#define __CUDA_API_VERSION_INTERNAL 1

#include "gvcu.h"
#include "gvf_alloc.h"
#include "gv_api_cuda.h"
#include "gv_api_cudart.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CTX 1024
#define STACK 32

typedef struct ctxrec {
    CUcontext h;         /* the worker's value */
    int dev;
    int primary;
} ctxrec_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static ctxrec_t ctxs[MAX_CTX];  /* known contexts (guarded by lock) */
static int n_ctxs;

/* Per device (by ordinal, up to 64): the primary context, its retain
 * count here, and the context the worker runs (NULL: primary). */
#define MAX_DEV 64
static CUcontext prim[MAX_DEV];
static int prim_refs[MAX_DEV];
static CUcontext running[MAX_DEV];

static __thread CUcontext stack[STACK];
static __thread int depth;

static int rec_find(CUcontext h)
{
    for (int i = 0; i < n_ctxs; i++) {
        if (ctxs[i].h == h) {
            return i;
        }
    }
    return -1;
}

static void rec_add(CUcontext h, int dev, int primary)
{
    pthread_mutex_lock(&lock);
    if (rec_find(h) < 0 && n_ctxs < MAX_CTX) {
        ctxs[n_ctxs++] = (ctxrec_t){ h, dev, primary };
    }
    pthread_mutex_unlock(&lock);
}

static void rec_del(CUcontext h)
{
    int i;

    pthread_mutex_lock(&lock);
    i = rec_find(h);
    if (i >= 0) {
        ctxs[i] = ctxs[--n_ctxs];
    }
    pthread_mutex_unlock(&lock);
}

int gvcu_ctx_device(CUcontext ctx)
{
    int i, dev;

    pthread_mutex_lock(&lock);
    i = rec_find(ctx);
    dev = i >= 0 ? ctxs[i].dev : -1;
    pthread_mutex_unlock(&lock);
    return dev;
}

void gvcu_ctx_current(CUcontext *ctx_p, int *dev_p)
{
    if (depth > 0 && stack[depth - 1] != NULL) {
        *ctx_p = stack[depth - 1];
        *dev_p = gvcu_ctx_device(*ctx_p);
        return;
    }
    *dev_p = gvf_current_ordinal();
    *ctx_p = *dev_p >= 0 && *dev_p < MAX_DEV ? prim[*dev_p] : NULL;
}

CUresult gvcu_primary(gvf_dev_t *dev, CUcontext *ctx_p)
{
    int o = gvf_dev_ordinal(dev);
    uint64_t h = 0;
    gvf_call_t c;
    gvc_status_t st;
    CUresult err;

    if (o >= MAX_DEV) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    if (prim[o] != NULL) {
        *ctx_p = prim[o];
        return CUDA_SUCCESS;
    }
    st = gvf_call_init(&c, dev, GV_API_gvCuPrimary, 0);
    if (st != GVC_OK) {
        return gvcu_status_to_result(st);
    }
    st = gvf_call_sync(&c);
    if (gvcu_ok(&c, st)) {
        gvc_dec_u64(&c.dec, &h);
    }
    err = gvcu_end(&c, st);
    if (err == CUDA_SUCCESS) {
        prim[o] = (CUcontext)(uintptr_t)h;
        rec_add(prim[o], o, 1);
        *ctx_p = prim[o];
    }
    return err;
}

CUresult gvcu_ctx_enter(gvf_dev_t *dev, CUcontext ctx)
{
    int o = gvf_dev_ordinal(dev);
    CUcontext want = ctx == prim[o] ? NULL : ctx;
    gvf_call_t c;
    gvc_status_t st;

    if (o >= MAX_DEV) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    pthread_mutex_lock(&lock);
    if (running[o] == want) {
        pthread_mutex_unlock(&lock);
        return CUDA_SUCCESS;
    }
    running[o] = want;
    pthread_mutex_unlock(&lock);
    st = gvf_call_init(&c, dev, GV_API_gvCuCtxSwitch, 0);
    if (st != GVC_OK) {
        return gvcu_status_to_result(st);
    }
    gvc_enc_u64(&c.enc, (uint64_t)(uintptr_t)want);
    return gvcu_end(&c, gvf_call_oneway(&c));
}

void gvcu_ctx_reset(gvf_dev_t *dev)
{
    int o = gvf_dev_ordinal(dev);

    pthread_mutex_lock(&lock);
    for (int i = 0; i < n_ctxs;) {
        if (ctxs[i].dev == o && !ctxs[i].primary) {
            ctxs[i] = ctxs[--n_ctxs];
        } else {
            i++;
        }
    }
    if (o < MAX_DEV) {
        running[o] = NULL;
    }
    pthread_mutex_unlock(&lock);
    gvf_alloc_reset(dev);
    gvcu_funcs_reset(dev);
}

/* ---- the thread's stack ------------------------------------------------------- */

static CUresult known(CUcontext ctx)
{
    return gvcu_ctx_device(ctx) >= 0 ? CUDA_SUCCESS
                                     : CUDA_ERROR_INVALID_CONTEXT;
}

GVCU_API CUresult CUDAAPI cuCtxSetCurrent(CUcontext ctx)
{
    CUresult err = gvcu_init_check();

    if (err != CUDA_SUCCESS) {
        return err;
    }
    if (ctx == NULL) {
        depth = 0; /* unbound: the thread falls back to its device's */
        return CUDA_SUCCESS;
    }
    if (known(ctx) != CUDA_SUCCESS) {
        return CUDA_ERROR_INVALID_CONTEXT;
    }
    if (depth == 0) {
        depth = 1;
    }
    stack[depth - 1] = ctx;
    return CUDA_SUCCESS;
}

GVCU_API CUresult CUDAAPI cuCtxGetCurrent(CUcontext *pctx)
{
    CUresult err;
    CUcontext ctx;
    int dev;

    if (pctx == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = gvcu_init_check();
    if (err != CUDA_SUCCESS) {
        return err;
    }
    gvcu_ctx_current(&ctx, &dev);
    if (ctx == NULL && gvf_dev(dev) != NULL) {
        err = gvcu_primary(gvf_dev(dev), &ctx);
    }
    *pctx = err == CUDA_SUCCESS ? ctx : NULL;
    return err;
}

GVCU_API CUresult CUDAAPI cuCtxPushCurrent_v2(CUcontext ctx)
{
    CUresult err = gvcu_init_check();

    if (err != CUDA_SUCCESS) {
        return err;
    }
    if (ctx == NULL || known(ctx) != CUDA_SUCCESS) {
        return CUDA_ERROR_INVALID_CONTEXT;
    }
    if (depth >= STACK) {
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    stack[depth++] = ctx;
    return CUDA_SUCCESS;
}

GVCU_API CUresult CUDAAPI cuCtxPushCurrent(CUcontext ctx)
{
    return cuCtxPushCurrent_v2(ctx);
}

GVCU_API CUresult CUDAAPI cuCtxPopCurrent_v2(CUcontext *pctx)
{
    CUresult err = gvcu_init_check();

    if (err != CUDA_SUCCESS) {
        return err;
    }
    if (depth == 0) {
        return CUDA_ERROR_INVALID_CONTEXT;
    }
    depth--;
    if (pctx != NULL) {
        *pctx = stack[depth];
    }
    return CUDA_SUCCESS;
}

GVCU_API CUresult CUDAAPI cuCtxPopCurrent(CUcontext *pctx)
{
    return cuCtxPopCurrent_v2(pctx);
}

GVCU_API CUresult CUDAAPI cuCtxGetDevice(CUdevice *device)
{
    CUresult err;
    CUcontext ctx;
    int dev;

    if (device == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = gvcu_init_check();
    if (err != CUDA_SUCCESS) {
        return err;
    }
    gvcu_ctx_current(&ctx, &dev);
    if (gvf_dev(dev) == NULL) {
        return CUDA_ERROR_INVALID_CONTEXT;
    }
    *device = dev;
    return CUDA_SUCCESS;
}

GVCU_API CUresult CUDAAPI cuCtxGetDevice_v2(CUdevice *device, CUcontext ctx)
{
    int dev;

    if (ctx == NULL) {
        return cuCtxGetDevice(device);
    }
    if (device == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    dev = gvcu_ctx_device(ctx);
    if (dev < 0) {
        return CUDA_ERROR_INVALID_CONTEXT;
    }
    *device = dev;
    return CUDA_SUCCESS;
}

/* ---- created contexts -------------------------------------------------------- */

static CUresult ctx_create(CUcontext *pctx, unsigned int flags, CUdevice dev)
{
    gvf_call_t c;
    gvc_status_t st;
    uint64_t h = 0;
    CUresult err;
    int o;

    if (pctx == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = gvcu_begin_dev(&c, GV_API_gvCuCtxCreate, dev, 0);
    if (err != CUDA_SUCCESS) {
        return err;
    }
    if (depth >= STACK) {
        gvf_call_fini(&c);
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    gvc_enc_u32(&c.enc, flags);
    st = gvf_call_sync(&c);
    if (gvcu_ok(&c, st)) {
        gvc_dec_u64(&c.dec, &h);
    }
    err = gvcu_end(&c, st);
    if (err != CUDA_SUCCESS) {
        return err;
    }
    *pctx = (CUcontext)(uintptr_t)h;
    rec_add(*pctx, dev, 0);
    o = dev;
    pthread_mutex_lock(&lock);
    if (o < MAX_DEV) {
        running[o] = *pctx; /* cuCtxCreate made it current there */
    }
    pthread_mutex_unlock(&lock);
    stack[depth++] = *pctx;
    return CUDA_SUCCESS;
}

GVCU_API CUresult CUDAAPI cuCtxCreate(CUcontext *pctx, unsigned int flags,
                                     CUdevice dev)
{
    return ctx_create(pctx, flags, dev);
}

GVCU_API CUresult CUDAAPI cuCtxCreate_v2(CUcontext *pctx, unsigned int flags,
                                        CUdevice dev)
{
    return ctx_create(pctx, flags, dev);
}

GVCU_API CUresult CUDAAPI cuCtxCreate_v3(CUcontext *pctx,
                                        CUexecAffinityParam *paramsArray,
                                        int numParams, unsigned int flags,
                                        CUdevice dev)
{
    if (numParams != 0 || paramsArray != NULL) {
        return gvcu_unsupported("cuCtxCreate_v3 with execution affinity");
    }
    return ctx_create(pctx, flags, dev);
}

GVCU_API CUresult CUDAAPI cuCtxCreate_v4(CUcontext *pctx,
                                        CUctxCreateParams *ctxCreateParams,
                                        unsigned int flags, CUdevice dev)
{
    if (ctxCreateParams != NULL &&
        (ctxCreateParams->execAffinityParams != NULL ||
         ctxCreateParams->cigParams != NULL)) {
        return gvcu_unsupported("cuCtxCreate_v4 with affinity or CIG "
                                "parameters");
    }
    return ctx_create(pctx, flags, dev);
}

GVCU_API CUresult CUDAAPI cuCtxDestroy_v2(CUcontext ctx)
{
    gvf_call_t c;
    CUresult err;
    int dev = gvcu_ctx_device(ctx);

    if (ctx == NULL || dev < 0) {
        return CUDA_ERROR_INVALID_CONTEXT;
    }
    err = gvcu_begin_dev(&c, GV_API_gvCuCtxDestroy, dev, 0);
    if (err != CUDA_SUCCESS) {
        return err;
    }
    gvc_enc_u64(&c.enc, (uint64_t)(uintptr_t)ctx);
    err = gvcu_end(&c, gvf_call_sync(&c));
    if (err != CUDA_SUCCESS) {
        return err;
    }
    rec_del(ctx);
    pthread_mutex_lock(&lock);
    if (dev < MAX_DEV && running[dev] == ctx) {
        running[dev] = NULL; /* the worker went back to the primary */
    }
    pthread_mutex_unlock(&lock);
    if (depth > 0 && stack[depth - 1] == ctx) {
        depth--;
    }
    return CUDA_SUCCESS;
}

GVCU_API CUresult CUDAAPI cuCtxDestroy(CUcontext ctx)
{
    return cuCtxDestroy_v2(ctx);
}

/* ---- synchronisation ----------------------------------------------------------- */

static CUresult ctx_sync(CUcontext ctx)
{
    gvf_call_t c;
    CUresult err = ctx != NULL
                       ? gvcu_begin_ctx(&c, GV_API_cudaDeviceSynchronize,
                                        ctx, 0)
                       : gvcu_begin(&c, GV_API_cudaDeviceSynchronize, 0);

    if (err != CUDA_SUCCESS) {
        return err;
    }
    return gvcu_end_sync(&c, gvf_call_sync(&c));
}

GVCU_API CUresult CUDAAPI cuCtxSynchronize(void)
{
    return ctx_sync(NULL);
}

GVCU_API CUresult CUDAAPI cuCtxSynchronize_v2(CUcontext ctx)
{
    return ctx_sync(ctx);
}

/* ---- primary contexts ----------------------------------------------------------- */

GVCU_API CUresult CUDAAPI cuDevicePrimaryCtxRetain(CUcontext *pctx,
                                                  CUdevice dev)
{
    CUresult err;
    gvf_dev_t *d;

    if (pctx == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = gvcu_init_check();
    if (err != CUDA_SUCCESS) {
        return err;
    }
    d = gvf_dev(dev);
    if (d == NULL || dev >= MAX_DEV) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    err = gvcu_primary(d, pctx);
    if (err == CUDA_SUCCESS) {
        pthread_mutex_lock(&lock);
        prim_refs[dev]++;
        pthread_mutex_unlock(&lock);
    }
    return err;
}

/*
 * The state of a device's primary context, kept once it is active: PyTorch
 * asks before nearly every operation (its device guard), a round trip
 * each.  Active stays active (the worker keeps its primary context for
 * the client's life) until a call that resets it or changes its flags
 * runs, and libgvirtus counts those (gvf_dev_prim_gen), whichever
 * library made them; an inactive state is never kept, since any runtime
 * call activates it.
 */
static struct {
    unsigned gen;
    unsigned flags;
    int valid;
} prim_state[MAX_DEV];

GVCU_API CUresult CUDAAPI cuDevicePrimaryCtxGetState(CUdevice dev,
                                                    unsigned int *flags,
                                                    int *active)
{
    gvf_call_t c;
    gvc_status_t st;
    CUresult err = gvcu_init_check();
    gvf_dev_t *d;
    unsigned gen;
    uint32_t f = 0;
    int32_t a = 0;

    if (err != CUDA_SUCCESS) {
        return err;
    }
    d = gvf_dev(dev);
    if (d == NULL || dev >= MAX_DEV) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    if (flags == NULL || active == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    gen = gvf_dev_prim_gen(d);
    pthread_mutex_lock(&lock);
    if (prim_state[dev].valid && prim_state[dev].gen == gen) {
        *flags = prim_state[dev].flags;
        *active = 1;
        pthread_mutex_unlock(&lock);
        return CUDA_SUCCESS;
    }
    pthread_mutex_unlock(&lock);
    err = gvcu_begin_dev(&c, GV_API_cuDevicePrimaryCtxGetState, dev, 0);
    if (err != CUDA_SUCCESS) {
        return err;
    }
    gvc_enc_i32(&c.enc, 0);     /* the worker's only device */
    gvc_enc_u8(&c.enc, 1);
    gvc_enc_u8(&c.enc, 1);
    st = c.enc.status == GVC_OK ? gvf_call_sync(&c) : c.enc.status;
    if (gvcu_ok(&c, st)) {
        gvc_dec_u32(&c.dec, &f);
        gvc_dec_i32(&c.dec, &a);
        st = gvc_dec_finish(&c.dec);
    }
    err = gvcu_end(&c, st);
    if (err == CUDA_SUCCESS) {
        *flags = f;
        *active = a;
        pthread_mutex_lock(&lock);
        prim_state[dev].valid = a != 0;
        prim_state[dev].gen = gen;
        prim_state[dev].flags = f;
        pthread_mutex_unlock(&lock);
    }
    return err;
}

/* The worker keeps its primary context for the client's life: a release
 * only counts. */
GVCU_API CUresult CUDAAPI cuDevicePrimaryCtxRelease_v2(CUdevice dev)
{
    CUresult err = gvcu_init_check();

    if (err != CUDA_SUCCESS) {
        return err;
    }
    if (gvf_dev(dev) == NULL || dev >= MAX_DEV) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    pthread_mutex_lock(&lock);
    if (prim_refs[dev] == 0) {
        err = CUDA_ERROR_INVALID_CONTEXT;
    } else {
        prim_refs[dev]--;
    }
    pthread_mutex_unlock(&lock);
    return err;
}

GVCU_API CUresult CUDAAPI cuDevicePrimaryCtxRelease(CUdevice dev)
{
    return cuDevicePrimaryCtxRelease_v2(dev);
}

/* A reset of the primary context is cudaDeviceReset of that device: our
 * runtime's, when loaded (it also forgets its kernels), else the RPC. */
GVCU_API CUresult CUDAAPI cuDevicePrimaryCtxReset_v2(CUdevice dev)
{
    typedef int (*reset_fn_t)(void);
    reset_fn_t rt_reset = (reset_fn_t)dlsym(RTLD_DEFAULT, "cudaDeviceReset");
    typedef int (*setdev_fn_t)(int);
    setdev_fn_t rt_setdev = (setdev_fn_t)dlsym(RTLD_DEFAULT, "cudaSetDevice");
    CUresult err = gvcu_init_check();
    gvf_dev_t *d;
    gvf_call_t c;

    if (err != CUDA_SUCCESS) {
        return err;
    }
    d = gvf_dev(dev);
    if (d == NULL) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    gvcu_ctx_enter(d, NULL);
    if (rt_reset != NULL && rt_setdev != NULL &&
        dlsym(RTLD_DEFAULT, "gvf_init") != NULL) {
        int old = gvf_current_ordinal();
        rt_setdev(dev);
        err = gvcu_from_runtime(rt_reset());
        rt_setdev(old);
    } else {
        err = gvcu_begin_dev(&c, GV_API_cudaDeviceReset, dev, 0);
        if (err == CUDA_SUCCESS) {
            err = gvcu_end(&c, gvf_call_sync(&c));
        }
        gvf_dev_take_deferred(d);
    }
    gvcu_ctx_reset(d);
    return err;
}

GVCU_API CUresult CUDAAPI cuDevicePrimaryCtxReset(CUdevice dev)
{
    return cuDevicePrimaryCtxReset_v2(dev);
}
