/*
 * cusolver_call.c - the call plumbing of libcusolver.so.12: starting
 * calls on the thread's GPU or a record's, translating further records,
 * finishing them (the one place a gvc_status_t becomes a
 * cusolverStatus_t), and the not-supported stubs' logging.  The same
 * shape as cuDNN's (lib/cudnn/cudnn_call.c), with cuSOLVER's statuses.
 */
#include "config.h"

#include "gvso.h"
#include "gvf_obj.h"
#include "gvc_log.h"


cusolverStatus_t gvso_status(gvc_status_t st)
{
    switch (st) {
    case GVC_OK:
        return CUSOLVER_STATUS_SUCCESS;
    case GVC_ERR_INVALID:
    case GVC_ERR_OVERFLOW:
        return CUSOLVER_STATUS_INVALID_VALUE;
    case GVC_ERR_NOMEM:
        return CUSOLVER_STATUS_ALLOC_FAILED;
    case GVC_ERR_NOT_SUPPORTED:
        return CUSOLVER_STATUS_NOT_SUPPORTED;
    case GVC_ERR_NO_DEVICE:
    case GVC_ERR_CONFIG:
    case GVC_ERR_DENIED:
    case GVC_ERR_VERSION:
    case GVC_ERR_FORKED: /* a forked child: CUDA cannot be used there */
        return CUSOLVER_STATUS_NOT_INITIALIZED;
    default:
        /* The remote GPU is gone (worker died, network down, stalled). */
        return CUSOLVER_STATUS_EXECUTION_FAILED;
    }
}

/* Say once per device why cuSOLVER calls on it fail. */
static void report_lost(gvf_dev_t *dev, gvc_status_t st)
{
    static _Atomic unsigned long reported;

    gvf_report_lost(dev, st, &reported, "cuSOLVER calls on it fail with "
                    "CUSOLVER_STATUS_EXECUTION_FAILED");
}

cusolverStatus_t gvso_fail(cusolverStatus_t err)
{
    return err;
}

static cusolverStatus_t begin_on(gvf_call_t *c, gvf_dev_t *dev,
                                 uint32_t api, size_t args_hint)
{
    return gvso_status(gvf_call_init(c, dev, api, args_hint));
}

cusolverStatus_t gvso_begin(gvf_call_t *c, uint32_t api, size_t args_hint)
{
    return gvso_status(gvf_call_begin(c, api, args_hint));
}

cusolverStatus_t gvso_begin_route(gvf_call_t *c, uint32_t api,
                                  const void *h, int kind, void **remote_p,
                                  size_t args_hint)
{
    gvf_obj_t o;

    if (gvf_obj_get(h, kind, &o) != GVC_OK) {
        return kind == GVSO_K_HANDLE ? CUSOLVER_STATUS_NOT_INITIALIZED
                                     : CUSOLVER_STATUS_INVALID_VALUE;
    }
    *remote_p = o.remote;
    return begin_on(c, o.dev, api, args_hint);
}

cusolverStatus_t gvso_xlate(gvf_call_t *c, const void *h, int kind,
                            void **remote_p)
{
    gvf_obj_t o;

    if (h == NULL) {
        *remote_p = NULL;       /* the worker says what NULL means */
        return CUSOLVER_STATUS_SUCCESS;
    }
    if (gvf_obj_get(h, kind, &o) != GVC_OK || o.dev != c->dev) {
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    *remote_p = o.remote;
    return CUSOLVER_STATUS_SUCCESS;
}

cusolverStatus_t gvso_abort(gvf_call_t *c, cusolverStatus_t err)
{
    gvf_call_fini(c);
    return err;
}

int gvso_ok(const gvf_call_t *c, gvc_status_t st)
{
    return st == GVC_OK && c->reply.result == CUSOLVER_STATUS_SUCCESS;
}

cusolverStatus_t gvso_end(gvf_call_t *c, gvc_status_t st)
{
    cusolverStatus_t err;

    if (st != GVC_OK) {
        err = gvso_status(st);
        if (err == CUSOLVER_STATUS_EXECUTION_FAILED) {
            report_lost(c->dev, st);
        }
    } else {
        err = (cusolverStatus_t)c->reply.result;
    }
    gvf_call_fini(c);
    return err;
}

cusolverStatus_t gvso_unsupported(const char *fn)
{
    gvf_warn_unsupported(fn, "returning CUSOLVER_STATUS_NOT_SUPPORTED");
    return CUSOLVER_STATUS_NOT_SUPPORTED;
}
