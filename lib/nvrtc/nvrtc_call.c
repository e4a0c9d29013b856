/*
 * nvrtc_call.c - the call plumbing of libnvrtc.so.13: starting calls on
 * the thread's GPU or a program's, finishing them (the one place a
 * gvc_status_t becomes an nvrtcResult), and the not-supported stubs'
 * logging.  The same shape as cuRAND's (lib/curand/rand_call.c), with
 * NVRTC's statuses.
 */
#include "config.h"

#include "gvnr.h"
#include "gvf_obj.h"
#include "gvc_log.h"


nvrtcResult gvnr_status(gvc_status_t st)
{
    switch (st) {
    case GVC_OK:
        return NVRTC_SUCCESS;
    case GVC_ERR_INVALID:
    case GVC_ERR_OVERFLOW:
        return NVRTC_ERROR_INVALID_INPUT;
    case GVC_ERR_NOMEM:
        return NVRTC_ERROR_OUT_OF_MEMORY;
    default:
        /* Not supported, no server, or the remote GPU host is gone
         * (worker died, network down, stalled): NVRTC has one status
         * for what is none of the caller's doing. */
        return NVRTC_ERROR_INTERNAL_ERROR;
    }
}

/* Whether st says the remote GPU host is gone (not a refusal). */
static int is_lost(gvc_status_t st)
{
    switch (st) {
    case GVC_OK:
    case GVC_ERR_INVALID:
    case GVC_ERR_OVERFLOW:
    case GVC_ERR_NOMEM:
    case GVC_ERR_NOT_SUPPORTED:
    case GVC_ERR_NO_DEVICE:
    case GVC_ERR_CONFIG:
    case GVC_ERR_DENIED:
    case GVC_ERR_VERSION:
    case GVC_ERR_FORKED: /* a forked child; nothing is lost */
        return 0;
    default:
        return 1;
    }
}

/* Say once per device why NVRTC calls on it fail. */
static void report_lost(gvf_dev_t *dev, gvc_status_t st)
{
    static _Atomic unsigned long reported;

    gvf_report_lost(dev, st, &reported, "NVRTC calls on it fail with "
                    "NVRTC_ERROR_INTERNAL_ERROR");
}

nvrtcResult gvnr_fail(nvrtcResult err)
{
    return err;
}

static nvrtcResult begin_on(gvf_call_t *c, gvf_dev_t *dev, uint32_t api,
                               size_t args_hint)
{
    return gvnr_status(gvf_call_init(c, dev, api, args_hint));
}

nvrtcResult gvnr_begin(gvf_call_t *c, uint32_t api, size_t args_hint)
{
    return gvnr_status(gvf_call_begin(c, api, args_hint));
}

nvrtcResult gvnr_begin_route(gvf_call_t *c, uint32_t api, const void *h,
                                int kind, void **remote_p, size_t args_hint)
{
    gvf_obj_t o;

    if (gvf_obj_get(h, kind, &o) != GVC_OK) {
        return NVRTC_ERROR_INVALID_PROGRAM;
    }
    *remote_p = o.remote;
    return begin_on(c, o.dev, api, args_hint);
}

nvrtcResult gvnr_xlate(gvf_call_t *c, const void *h, int kind,
                          void **remote_p)
{
    gvf_obj_t o;

    if (h == NULL) {
        *remote_p = NULL;
        return NVRTC_SUCCESS;
    }
    if (gvf_obj_get(h, kind, &o) != GVC_OK || o.dev != c->dev) {
        return NVRTC_ERROR_INVALID_PROGRAM;
    }
    *remote_p = o.remote;
    return NVRTC_SUCCESS;
}

nvrtcResult gvnr_abort(gvf_call_t *c, nvrtcResult err)
{
    gvf_call_fini(c);
    return err;
}

int gvnr_ok(const gvf_call_t *c, gvc_status_t st)
{
    return st == GVC_OK && c->reply.result == NVRTC_SUCCESS;
}

nvrtcResult gvnr_end(gvf_call_t *c, gvc_status_t st)
{
    nvrtcResult err;

    if (st != GVC_OK) {
        err = gvnr_status(st);
        if (is_lost(st)) {
            report_lost(c->dev, st);
        }
    } else {
        err = (nvrtcResult)c->reply.result;
    }
    gvf_call_fini(c);
    return err;
}

nvrtcResult gvnr_unsupported(const char *fn)
{
    gvf_warn_unsupported(fn, "returning NVRTC_ERROR_INTERNAL_ERROR");
    return NVRTC_ERROR_INTERNAL_ERROR;
}
