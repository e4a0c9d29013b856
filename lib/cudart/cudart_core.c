/*
 * cudart_core.c - our libcudart.so.13's backbone: starting calls,
 * finishing them (the one place a gvc_status_t becomes a cudaError_t),
 * the per-thread last error, error names and strings, and the device
 * calls that are answered locally.
 */
#include "config.h"

#include "gvrt.h"
#include "gvrt_decls.h"
#include "gvrt_dev.h"
#include "gv_api_cudart.h"
#include "gvc_log.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>


static __thread cudaError_t last_error;

void gvrt_set_last_error(cudaError_t err)
{
    /* As CUDA: failures stick until read; NotReady is not a failure. */
    if (err != cudaSuccess && err != cudaErrorNotReady) {
        last_error = err;
    }
}

void gvrt_send_done(void *arg, gvc_status_t st)
{
    (void)arg;
    (void)st;
}

cudaError_t gvrt_fail(cudaError_t err)
{
    gvrt_set_last_error(err);
    return err;
}

cudaError_t gvrt_status_to_error(gvc_status_t st)
{
    switch (st) {
    case GVC_OK:
        return cudaSuccess;
    case GVC_ERR_INVALID:
    case GVC_ERR_OVERFLOW:
        return cudaErrorInvalidValue;
    case GVC_ERR_NOMEM:
        return cudaErrorMemoryAllocation;
    case GVC_ERR_NOT_SUPPORTED:
        return cudaErrorNotSupported;
    case GVC_ERR_NO_DEVICE:
    case GVC_ERR_CONFIG:
        return cudaErrorNoDevice;
    case GVC_ERR_DENIED:
        return cudaErrorNotPermitted;
    case GVC_ERR_VERSION:
        return cudaErrorInsufficientDriver;
    case GVC_ERR_FORKED:
        /* What CUDA answers in a child forked after the parent
         * initialised it (gvf_forked). */
        return cudaErrorInitializationError;
    default:
        /* The remote GPU is gone (worker died, network down, stalled). */
        return cudaErrorDevicesUnavailable;
    }
}

/* Say once per device why it became unusable. */
static void report_lost(gvf_dev_t *dev, gvc_status_t st)
{
    static _Atomic unsigned long reported;

    gvf_report_lost(dev, st, &reported, "this and every later call on it "
                    "fail with cudaErrorDevicesUnavailable");
}

/* Start a call on the current device (current set) or on ordinal dev;
 * which one is asked after gvf_init, which makes the devices. */
static cudaError_t begin(gvf_call_t *c, uint32_t api, int current, int dev,
                         size_t args_hint)
{
    gvc_status_t st = gvf_init();
    gvf_dev_t *d;

    if (st != GVC_OK) {
        return gvrt_fail(gvrt_status_to_error(st));
    }
    d = current ? gvf_current_dev() : gvf_dev(dev);
    if (d == NULL) {
        return gvrt_fail(cudaErrorInvalidDevice);
    }
    st = gvf_call_init(c, d, api, args_hint);
    if (st != GVC_OK) {
        return gvrt_fail(gvrt_status_to_error(st));
    }
    return cudaSuccess;
}

cudaError_t gvrt_begin(gvf_call_t *c, uint32_t api, size_t args_hint)
{
    return begin(c, api, 1, 0, args_hint);
}

cudaError_t gvrt_begin_dev(gvf_call_t *c, uint32_t api, int dev,
                           size_t args_hint)
{
    return begin(c, api, 0, dev, args_hint);
}

int gvrt_ok(const gvf_call_t *c, gvc_status_t st)
{
    return st == GVC_OK && c->reply.result == cudaSuccess;
}

static cudaError_t end_common(gvf_call_t *c, gvc_status_t st, int sync)
{
    cudaError_t err;

    if (st != GVC_OK) {
        err = gvrt_status_to_error(st);
        if (err == cudaErrorDevicesUnavailable) {
            report_lost(c->dev, st);
        }
    } else {
        err = (cudaError_t)c->reply.result;
        if (err == cudaSuccess && sync) {
            /* An earlier one-way call failed: report it now, as CUDA
             * reports asynchronous errors at synchronisation. */
            err = (cudaError_t)gvf_dev_take_deferred(c->dev);
        }
    }
    gvf_call_fini(c);
    gvrt_set_last_error(err);
    return err;
}

cudaError_t gvrt_end(gvf_call_t *c, gvc_status_t st)
{
    return end_common(c, st, 0);
}

cudaError_t gvrt_end_sync(gvf_call_t *c, gvc_status_t st)
{
    return end_common(c, st, 1);
}

cudaError_t gvrt_unsupported(const char *fn)
{
    gvf_warn_unsupported(fn, "returning cudaErrorNotSupported");
    return gvrt_fail(cudaErrorNotSupported);
}

/* ---- errors ------------------------------------------------------------------ */

static const struct {
    int code;
    const char *name;
    const char *text;
} errors[] = {
#include "cudart_errors.inc"
};

static int error_index(cudaError_t e)
{
    for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
        if (errors[i].code == (int)e) {
            return (int)i;
        }
    }
    return -1;
}

GVRT_API const char *CUDARTAPI cudaGetErrorName(cudaError_t e)
{
    int i = error_index(e);

    return i >= 0 ? errors[i].name : "unrecognized error code";
}

GVRT_API const char *CUDARTAPI cudaGetErrorString(cudaError_t e)
{
    int i = error_index(e);

    return i >= 0 ? errors[i].text : "unrecognized error code";
}

GVRT_API cudaError_t CUDARTAPI cudaGetLastError(void)
{
    cudaError_t e = last_error;

    last_error = cudaSuccess;
    return e;
}

GVRT_API cudaError_t CUDARTAPI cudaPeekAtLastError(void)
{
    return last_error;
}

/* ---- devices ------------------------------------------------------------------- */

/* Every remote GPU is asked once whether it works, so a GPU host without
 * a driver answers with the real CUDA error. */
GVRT_API cudaError_t CUDARTAPI cudaGetDeviceCount(int *count)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static int checked;
    gvc_status_t st = gvf_init();
    cudaError_t err = cudaSuccess;

    if (count == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    *count = 0;
    if (st == GVC_ERR_FORKED && gvf_device_count() > 0) {
        /* NVIDIA's runtime in a child forked after it started answers
         * the count it knew (the H100's answer in gpu/fork_child), while
         * every call that needs the GPU fails. */
        *count = gvf_device_count();
        return cudaSuccess;
    }
    if (st != GVC_OK) {
        return gvrt_fail(gvrt_status_to_error(st));
    }
    pthread_mutex_lock(&lock);
    for (int i = 0; !checked && i < gvf_device_count(); i++) {
        gvf_call_t c;
        int n = 0;
        err = gvrt_begin_dev(&c, GV_API_cudaGetDeviceCount, i, 0);
        if (err != cudaSuccess) {
            break;
        }
        st = gvf_call_sync(&c);
        if (gvrt_ok(&c, st)) {
            gvc_dec_i32(&c.dec, &n);
        }
        err = gvrt_end(&c, st);
        if (err == cudaSuccess && n < 1) {
            err = gvrt_fail(cudaErrorNoDevice);
        }
        if (err != cudaSuccess) {
            break;
        }
    }
    if (err == cudaSuccess) {
        checked = 1;
        *count = gvf_device_count();
    }
    pthread_mutex_unlock(&lock);
    return err;
}

GVRT_API cudaError_t CUDARTAPI cudaSetDevice(int device)
{
    gvc_status_t st = gvf_init();

    if (st != GVC_OK) {
        return gvrt_fail(gvrt_status_to_error(st));
    }
    if (gvf_dev(device) == NULL) {
        return gvrt_fail(cudaErrorInvalidDevice);
    }
    gvf_set_current_ordinal(device);
    return cudaSuccess;
}

GVRT_API cudaError_t CUDARTAPI cudaGetDevice(int *device)
{
    gvc_status_t st = gvf_init();

    if (device == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    if (st != GVC_OK) {
        return gvrt_fail(gvrt_status_to_error(st));
    }
    *device = gvf_current_ordinal();
    return cudaSuccess;
}

GVRT_API cudaError_t CUDARTAPI cudaRuntimeGetVersion(int *v)
{
    if (v == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    *v = CUDART_VERSION;
    return cudaSuccess;
}

GVRT_API cudaError_t CUDARTAPI cudaDriverGetVersion(int *v)
{
    static int cached;
    gvf_call_t c;
    cudaError_t err;
    gvc_status_t st;
    int32_t n = 0;

    if (v == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    if (cached != 0) {
        *v = cached;
        return cudaSuccess;
    }
    err = gvrt_begin_dev(&c, GV_API_cudaDriverGetVersion, 0, 0);
    if (err != cudaSuccess) {
        *v = 0; /* as CUDA without a driver */
        return err == cudaErrorNoDevice ? cudaSuccess : err;
    }
    st = gvf_call_sync(&c);
    if (gvrt_ok(&c, st)) {
        gvc_dec_i32(&c.dec, &n);
        cached = n;
    }
    *v = n;
    return gvrt_end(&c, st);
}

GVRT_API cudaError_t CUDARTAPI cudaDeviceSynchronize(void)
{
    gvf_call_t c;
    cudaError_t err = gvrt_begin(&c, GV_API_cudaDeviceSynchronize, 0);

    if (err != cudaSuccess) {
        return err;
    }
    return gvrt_end_sync(&c, gvf_call_sync(&c));
}

GVRT_API cudaError_t CUDARTAPI cudaDeviceReset(void)
{
    gvf_call_t c;
    cudaError_t err = gvrt_begin(&c, GV_API_cudaDeviceReset, 0);
    gvf_dev_t *dev = c.dev;

    if (err != cudaSuccess) {
        return err;
    }
    err = gvrt_end(&c, gvf_call_sync(&c));
    gvrt_dev_reset(dev);
    gvf_dev_take_deferred(dev);
    return err;
}
