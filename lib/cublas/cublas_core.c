/*
 * cublas_core.c - our libcublas.so.13's backbone: starting calls (by the
 * handle's GPU), finishing them (the one place a gvc_status_t becomes a
 * cublasStatus_t), handle records and their pointer mode, and the
 * not-supported stubs' logging.
 */
#include "config.h"

#include "gvbl.h"
#include "gvf_obj.h"
#include "gvc_log.h"

#include <cublas_v2.h>
#include <pthread.h>

/* The legacy API's error (cublasGetError), per thread as cuBLAS's. */
static __thread cublasStatus_t legacy_error;

cublasStatus_t gvbl_status(gvc_status_t st)
{
    switch (st) {
    case GVC_OK:
        return CUBLAS_STATUS_SUCCESS;
    case GVC_ERR_INVALID:
    case GVC_ERR_OVERFLOW:
        return CUBLAS_STATUS_INVALID_VALUE;
    case GVC_ERR_NOMEM:
        return CUBLAS_STATUS_ALLOC_FAILED;
    case GVC_ERR_NOT_SUPPORTED:
        return CUBLAS_STATUS_NOT_SUPPORTED;
    case GVC_ERR_NO_DEVICE:
    case GVC_ERR_CONFIG:
    case GVC_ERR_DENIED:
    case GVC_ERR_VERSION:
        return CUBLAS_STATUS_NOT_INITIALIZED;
    default:
        /* The remote GPU is gone (worker died, network down, stalled). */
        return CUBLAS_STATUS_EXECUTION_FAILED;
    }
}

/* Say once per device why cuBLAS calls on it fail. */
static void report_lost(gvf_dev_t *dev, gvc_status_t st)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static unsigned long reported; /* bit per ordinal */
    int o = gvf_dev_ordinal(dev);
    int first;

    pthread_mutex_lock(&lock);
    first = o < 64 && !(reported & (1ul << o));
    if (o < 64) {
        reported |= 1ul << o;
    }
    pthread_mutex_unlock(&lock);
    if (first) {
        gvc_error("GPU %d (%s): %s; cuBLAS calls on it fail with "
                  "CUBLAS_STATUS_EXECUTION_FAILED", o, gvf_dev_name(dev),
                  gvc_status_str(st));
    }
}

cublasStatus_t gvbl_fail(cublasStatus_t err)
{
    return err;
}

static cublasStatus_t begin_on(gvf_call_t *c, gvf_dev_t *dev, uint32_t api,
                               size_t args_hint)
{
    if (gvf_call_init(c, dev, api, args_hint) != GVC_OK) {
        return CUBLAS_STATUS_ALLOC_FAILED;
    }
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t gvbl_begin(gvf_call_t *c, uint32_t api, size_t args_hint)
{
    gvc_status_t st = gvf_init();
    gvf_dev_t *dev;

    if (st != GVC_OK) {
        return gvbl_status(st);
    }
    dev = gvf_current_dev();
    if (dev == NULL) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    return begin_on(c, dev, api, args_hint);
}

cublasStatus_t gvbl_begin_route(gvf_call_t *c, uint32_t api, const void *h,
                                int kind, void **remote_p, size_t args_hint)
{
    gvf_obj_t o;

    if (gvf_obj_get(h, kind, &o) != GVC_OK) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    *remote_p = o.remote;
    return begin_on(c, o.dev, api, args_hint);
}

cublasStatus_t gvbl_xlate(gvf_call_t *c, const void *h, int kind,
                          void **remote_p)
{
    gvf_obj_t o;

    if (h == NULL) {
        *remote_p = NULL;       /* the worker says what NULL means */
        return CUBLAS_STATUS_SUCCESS;
    }
    if (gvf_obj_get(h, kind, &o) != GVC_OK || o.dev != c->dev) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    *remote_p = o.remote;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t gvbl_abort(gvf_call_t *c, cublasStatus_t err)
{
    gvf_call_fini(c);
    return err;
}

int gvbl_ok(const gvf_call_t *c, gvc_status_t st)
{
    return st == GVC_OK && c->reply.result == CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t gvbl_end(gvf_call_t *c, gvc_status_t st)
{
    cublasStatus_t err;

    if (st != GVC_OK) {
        err = gvbl_status(st);
        if (err == CUBLAS_STATUS_EXECUTION_FAILED) {
            report_lost(c->dev, st);
        }
    } else {
        err = (cublasStatus_t)c->reply.result;
    }
    gvf_call_fini(c);
    return err;
}

/* Log the first use of each unsupported function. */
static void warn_once(const char *fn, const char *what)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static const char *seen[256];
    static int n_seen;
    int first = 1;

    pthread_mutex_lock(&lock);
    for (int i = 0; i < n_seen; i++) {
        first &= seen[i] != fn;
    }
    if (first && n_seen < 256) {
        seen[n_seen++] = fn;
    }
    pthread_mutex_unlock(&lock);
    if (first) {
        gvc_warn("%s is not supported by gvirtus; %s", fn, what);
    }
}

cublasStatus_t gvbl_unsupported(const char *fn)
{
    warn_once(fn, "returning CUBLAS_STATUS_NOT_SUPPORTED");
    return CUBLAS_STATUS_NOT_SUPPORTED;
}

void gvbl_unsupported_other(const char *fn)
{
    warn_once(fn, "cublasGetError will return CUBLAS_STATUS_NOT_SUPPORTED");
    legacy_error = CUBLAS_STATUS_NOT_SUPPORTED;
}

/* ---- handles ------------------------------------------------------------------ */

cublasStatus_t gvbl_handle_wrap(const gvf_call_t *c, cublasHandle_t *h_p)
{
    void *obj;

    if (gvf_obj_new(GVBL_K_HANDLE, c->dev, *h_p, &obj) != GVC_OK) {
        *h_p = NULL;
        return CUBLAS_STATUS_ALLOC_FAILED;
    }
    *h_p = obj;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t gvbl_handle_forget(cublasHandle_t h)
{
    gvf_obj_free(h, GVBL_K_HANDLE);
    return CUBLAS_STATUS_SUCCESS;
}

int gvbl_pmode(cublasHandle_t h)
{
    gvf_obj_t o;

    if (gvf_obj_get(h, GVBL_K_HANDLE, &o) != GVC_OK) {
        return 0;
    }
    return o.attr[GVBL_A_PMODE] == CUBLAS_POINTER_MODE_DEVICE;
}

cublasStatus_t gvbl_note_pmode(cublasHandle_t h, cublasPointerMode_t m)
{
    gvf_obj_set(h, GVBL_K_HANDLE, GVBL_A_PMODE, m);
    return CUBLAS_STATUS_SUCCESS;
}

/* Answered from the record: the worker's handle has the same mode. */
GVBL_API cublasStatus_t CUBLASWINAPI
cublasGetPointerMode_v2(cublasHandle_t handle, cublasPointerMode_t *mode)
{
    gvf_obj_t o;

    if (gvf_obj_get(handle, GVBL_K_HANDLE, &o) != GVC_OK) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (mode == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    *mode = (cublasPointerMode_t)o.attr[GVBL_A_PMODE];
    return CUBLAS_STATUS_SUCCESS;
}

/* ---- the legacy API's error ------------------------------------------------------ */

cublasStatus_t gvbl_legacy_take_error(void)
{
    cublasStatus_t e = legacy_error;

    legacy_error = CUBLAS_STATUS_SUCCESS;
    return e;
}
