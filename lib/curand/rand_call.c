/*
 * rand_call.c - the call plumbing of libcurand.so.10: starting calls on
 * the thread's GPU or a generator's, finishing them (the one place a
 * gvc_status_t becomes a curandStatus_t), and the not-supported stubs'
 * logging.  The same shape as cuDNN's (lib/cudnn/cudnn_call.c), with
 * cuRAND's statuses.
 */
#include "config.h"

#include "gvrn.h"
#include "gvf_obj.h"
#include "gvc_log.h"


curandStatus_t gvrn_status(gvc_status_t st)
{
    switch (st) {
    case GVC_OK:
        return CURAND_STATUS_SUCCESS;
    case GVC_ERR_INVALID:
    case GVC_ERR_OVERFLOW:
        return CURAND_STATUS_OUT_OF_RANGE;
    case GVC_ERR_NOMEM:
        return CURAND_STATUS_ALLOCATION_FAILED;
    case GVC_ERR_NOT_SUPPORTED:
        return CURAND_STATUS_ARCH_MISMATCH;
    case GVC_ERR_NO_DEVICE:
    case GVC_ERR_CONFIG:
    case GVC_ERR_DENIED:
    case GVC_ERR_VERSION:
    case GVC_ERR_FORKED: /* a forked child: CUDA cannot be used there */
        return CURAND_STATUS_INITIALIZATION_FAILED;
    default:
        /* The remote GPU is gone (worker died, network down, stalled). */
        return CURAND_STATUS_LAUNCH_FAILURE;
    }
}

/* Say once per device why cuRAND calls on it fail. */
static void report_lost(gvf_dev_t *dev, gvc_status_t st)
{
    static _Atomic unsigned long reported;

    gvf_report_lost(dev, st, &reported, "cuRAND calls on it fail with "
                    "CURAND_STATUS_LAUNCH_FAILURE");
}

curandStatus_t gvrn_fail(curandStatus_t err)
{
    return err;
}

static curandStatus_t begin_on(gvf_call_t *c, gvf_dev_t *dev, uint32_t api,
                               size_t args_hint)
{
    return gvrn_status(gvf_call_init(c, dev, api, args_hint));
}

curandStatus_t gvrn_begin(gvf_call_t *c, uint32_t api, size_t args_hint)
{
    return gvrn_status(gvf_call_begin(c, api, args_hint));
}

curandStatus_t gvrn_begin_route(gvf_call_t *c, uint32_t api, const void *h,
                                int kind, void **remote_p, size_t args_hint)
{
    gvf_obj_t o;

    if (gvf_obj_get(h, kind, &o) != GVC_OK) {
        return CURAND_STATUS_NOT_INITIALIZED;
    }
    *remote_p = o.remote;
    return begin_on(c, o.dev, api, args_hint);
}

curandStatus_t gvrn_xlate(gvf_call_t *c, const void *h, int kind,
                          void **remote_p)
{
    gvf_obj_t o;

    if (h == NULL) {
        *remote_p = NULL;
        return CURAND_STATUS_SUCCESS;
    }
    if (gvf_obj_get(h, kind, &o) != GVC_OK || o.dev != c->dev) {
        return CURAND_STATUS_NOT_INITIALIZED;
    }
    *remote_p = o.remote;
    return CURAND_STATUS_SUCCESS;
}

curandStatus_t gvrn_abort(gvf_call_t *c, curandStatus_t err)
{
    gvf_call_fini(c);
    return err;
}

int gvrn_ok(const gvf_call_t *c, gvc_status_t st)
{
    return st == GVC_OK && c->reply.result == CURAND_STATUS_SUCCESS;
}

curandStatus_t gvrn_end(gvf_call_t *c, gvc_status_t st)
{
    curandStatus_t err;

    if (st != GVC_OK) {
        err = gvrn_status(st);
        if (err == CURAND_STATUS_LAUNCH_FAILURE) {
            report_lost(c->dev, st);
        }
    } else {
        err = (curandStatus_t)c->reply.result;
    }
    gvf_call_fini(c);
    return err;
}

curandStatus_t gvrn_unsupported(const char *fn)
{
    gvf_warn_unsupported(fn, "returning CURAND_STATUS_ARCH_MISMATCH");
    return CURAND_STATUS_ARCH_MISMATCH;
}
