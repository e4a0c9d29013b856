/*
 * cusparse_call.c - the call plumbing of libcusparse.so.12: starting
 * calls on the thread's GPU or a record's, translating further records,
 * finishing them (the one place a gvc_status_t becomes a
 * cusparseStatus_t), and the not-supported stubs' logging.  The same
 * shape as cuDNN's (lib/cudnn/cudnn_call.c), with cuSPARSE's statuses.
 */
#include "config.h"

#include "gvsp.h"
#include "gvf_obj.h"
#include "gvc_log.h"


cusparseStatus_t gvsp_status(gvc_status_t st)
{
    switch (st) {
    case GVC_OK:
        return CUSPARSE_STATUS_SUCCESS;
    case GVC_ERR_INVALID:
    case GVC_ERR_OVERFLOW:
        return CUSPARSE_STATUS_INVALID_VALUE;
    case GVC_ERR_NOMEM:
        return CUSPARSE_STATUS_ALLOC_FAILED;
    case GVC_ERR_NOT_SUPPORTED:
        return CUSPARSE_STATUS_NOT_SUPPORTED;
    case GVC_ERR_NO_DEVICE:
    case GVC_ERR_CONFIG:
    case GVC_ERR_DENIED:
    case GVC_ERR_VERSION:
    case GVC_ERR_FORKED: /* a forked child: CUDA cannot be used there */
        return CUSPARSE_STATUS_NOT_INITIALIZED;
    default:
        /* The remote GPU is gone (worker died, network down, stalled). */
        return CUSPARSE_STATUS_EXECUTION_FAILED;
    }
}

/* Say once per device why cuSPARSE calls on it fail. */
static void report_lost(gvf_dev_t *dev, gvc_status_t st)
{
    static _Atomic unsigned long reported;

    gvf_report_lost(dev, st, &reported, "cuSPARSE calls on it fail with "
                    "CUSPARSE_STATUS_EXECUTION_FAILED");
}

cusparseStatus_t gvsp_fail(cusparseStatus_t err)
{
    return err;
}

static cusparseStatus_t begin_on(gvf_call_t *c, gvf_dev_t *dev,
                                 uint32_t api, size_t args_hint)
{
    return gvsp_status(gvf_call_init(c, dev, api, args_hint));
}

cusparseStatus_t gvsp_begin(gvf_call_t *c, uint32_t api, size_t args_hint)
{
    return gvsp_status(gvf_call_begin(c, api, args_hint));
}

cusparseStatus_t gvsp_begin_route(gvf_call_t *c, uint32_t api,
                                  const void *h, int kind, void **remote_p,
                                  size_t args_hint)
{
    gvf_obj_t o;

    if (gvf_obj_get(h, kind, &o) != GVC_OK) {
        return kind == GVSP_K_HANDLE ? CUSPARSE_STATUS_NOT_INITIALIZED
                                     : CUSPARSE_STATUS_INVALID_VALUE;
    }
    *remote_p = o.remote;
    return begin_on(c, o.dev, api, args_hint);
}

cusparseStatus_t gvsp_xlate(gvf_call_t *c, const void *h, int kind,
                            void **remote_p)
{
    gvf_obj_t o;

    if (h == NULL) {
        *remote_p = NULL;       /* the worker says what NULL means */
        return CUSPARSE_STATUS_SUCCESS;
    }
    if (gvf_obj_get(h, kind, &o) != GVC_OK || o.dev != c->dev) {
        return CUSPARSE_STATUS_INVALID_VALUE;
    }
    *remote_p = o.remote;
    return CUSPARSE_STATUS_SUCCESS;
}

cusparseStatus_t gvsp_abort(gvf_call_t *c, cusparseStatus_t err)
{
    gvf_call_fini(c);
    return err;
}

int gvsp_ok(const gvf_call_t *c, gvc_status_t st)
{
    return st == GVC_OK && c->reply.result == CUSPARSE_STATUS_SUCCESS;
}

cusparseStatus_t gvsp_end(gvf_call_t *c, gvc_status_t st)
{
    cusparseStatus_t err;

    if (st != GVC_OK) {
        err = gvsp_status(st);
        if (err == CUSPARSE_STATUS_EXECUTION_FAILED) {
            report_lost(c->dev, st);
        }
    } else {
        err = (cusparseStatus_t)c->reply.result;
    }
    gvf_call_fini(c);
    return err;
}

cusparseStatus_t gvsp_unsupported(const char *fn)
{
    gvf_warn_unsupported(fn, "returning CUSPARSE_STATUS_NOT_SUPPORTED");
    return CUSPARSE_STATUS_NOT_SUPPORTED;
}
