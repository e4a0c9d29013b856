/*
 * cudnn_call.c - the call plumbing of libcudnn.so.9: starting calls on
 * the thread's GPU or a record's, translating further records, finishing
 * them (the one place a gvc_status_t becomes a cudnnStatus_t), and the
 * not-supported stubs' logging.  The same shape as cuBLAS's
 * (lib/cublas/cublas_call.c), with cuDNN's statuses.
 */
#include "config.h"

#include "gvdn.h"
#include "gvf_obj.h"
#include "gvc_log.h"


cudnnStatus_t gvdn_status(gvc_status_t st)
{
    switch (st) {
    case GVC_OK:
        return CUDNN_STATUS_SUCCESS;
    case GVC_ERR_INVALID:
    case GVC_ERR_OVERFLOW:
        return CUDNN_STATUS_BAD_PARAM;
    case GVC_ERR_NOMEM:
        return CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED;
    case GVC_ERR_NOT_SUPPORTED:
        return CUDNN_STATUS_NOT_SUPPORTED;
    case GVC_ERR_NO_DEVICE:
    case GVC_ERR_CONFIG:
    case GVC_ERR_DENIED:
    case GVC_ERR_VERSION:
    case GVC_ERR_FORKED: /* a forked child: CUDA cannot be used there */
        return CUDNN_STATUS_NOT_INITIALIZED;
    default:
        /* The remote GPU is gone (worker died, network down, stalled). */
        return CUDNN_STATUS_EXECUTION_FAILED;
    }
}

/* Say once per device why cuDNN calls on it fail. */
static void report_lost(gvf_dev_t *dev, gvc_status_t st)
{
    static _Atomic unsigned long reported;

    gvf_report_lost(dev, st, &reported, "cuDNN calls on it fail with "
                    "CUDNN_STATUS_EXECUTION_FAILED");
}

cudnnStatus_t gvdn_fail(cudnnStatus_t err)
{
    return err;
}

static cudnnStatus_t begin_on(gvf_call_t *c, gvf_dev_t *dev, uint32_t api,
                              size_t args_hint)
{
    return gvdn_status(gvf_call_init(c, dev, api, args_hint));
}

cudnnStatus_t gvdn_begin(gvf_call_t *c, uint32_t api, size_t args_hint)
{
    return gvdn_status(gvf_call_begin(c, api, args_hint));
}

cudnnStatus_t gvdn_begin_route(gvf_call_t *c, uint32_t api, const void *h,
                               int kind, void **remote_p, size_t args_hint)
{
    gvf_obj_t o;

    if (gvf_obj_get(h, kind, &o) != GVC_OK) {
        return CUDNN_STATUS_BAD_PARAM;
    }
    *remote_p = o.remote;
    return begin_on(c, o.dev, api, args_hint);
}

cudnnStatus_t gvdn_xlate(gvf_call_t *c, const void *h, int kind,
                         void **remote_p)
{
    gvf_obj_t o;

    if (h == NULL) {
        *remote_p = NULL;       /* the worker says what NULL means */
        return CUDNN_STATUS_SUCCESS;
    }
    if (gvf_obj_get(h, kind, &o) != GVC_OK || o.dev != c->dev) {
        return CUDNN_STATUS_BAD_PARAM;
    }
    *remote_p = o.remote;
    return CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t gvdn_abort(gvf_call_t *c, cudnnStatus_t err)
{
    gvf_call_fini(c);
    return err;
}

int gvdn_ok(const gvf_call_t *c, gvc_status_t st)
{
    return st == GVC_OK && c->reply.result == CUDNN_STATUS_SUCCESS;
}

cudnnStatus_t gvdn_end(gvf_call_t *c, gvc_status_t st)
{
    cudnnStatus_t err;

    if (st != GVC_OK) {
        err = gvdn_status(st);
        if (err == CUDNN_STATUS_EXECUTION_FAILED) {
            report_lost(c->dev, st);
        }
    } else {
        err = (cudnnStatus_t)c->reply.result;
    }
    gvf_call_fini(c);
    return err;
}

cudnnStatus_t gvdn_unsupported(const char *fn)
{
    gvf_warn_unsupported(fn, "returning CUDNN_STATUS_NOT_SUPPORTED");
    return CUDNN_STATUS_NOT_SUPPORTED;
}
