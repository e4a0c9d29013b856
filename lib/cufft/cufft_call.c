/*
 * cufft_call.c - the call plumbing of libcufft.so.12: starting calls on
 * the thread's GPU or a plan's, finishing them (the one place a
 * gvc_status_t becomes a cufftResult), and the not-supported stubs'
 * logging.  The same shape as cuDNN's (lib/cudnn/cudnn_call.c), with
 * cuFFT's statuses.
 */
#include "config.h"

#include "gvfft.h"
#include "gvc_log.h"


cufftResult gvfft_status(gvc_status_t st)
{
    switch (st) {
    case GVC_OK:
        return CUFFT_SUCCESS;
    case GVC_ERR_INVALID:
    case GVC_ERR_OVERFLOW:
        return CUFFT_INVALID_VALUE;
    case GVC_ERR_NOMEM:
        return CUFFT_ALLOC_FAILED;
    case GVC_ERR_NOT_SUPPORTED:
        return CUFFT_NOT_SUPPORTED;
    case GVC_ERR_NO_DEVICE:
    case GVC_ERR_CONFIG:
    case GVC_ERR_DENIED:
    case GVC_ERR_VERSION:
    case GVC_ERR_FORKED: /* a forked child: CUDA cannot be used there */
        return CUFFT_SETUP_FAILED;
    default:
        /* The remote GPU is gone (worker died, network down, stalled). */
        return CUFFT_INTERNAL_ERROR;
    }
}

/* Say once per device why cuFFT calls on it fail. */
static void report_lost(gvf_dev_t *dev, gvc_status_t st)
{
    static _Atomic unsigned long reported;

    gvf_report_lost(dev, st, &reported, "cuFFT calls on it fail with "
                    "CUFFT_INTERNAL_ERROR");
}

cufftResult gvfft_fail(cufftResult err)
{
    return err;
}

static cufftResult begin_on(gvf_call_t *c, gvf_dev_t *dev, uint32_t api,
                            size_t args_hint)
{
    return gvfft_status(gvf_call_init(c, dev, api, args_hint));
}

cufftResult gvfft_begin(gvf_call_t *c, uint32_t api, size_t args_hint)
{
    return gvfft_status(gvf_call_begin(c, api, args_hint));
}

cufftResult gvfft_begin_route(gvf_call_t *c, uint32_t api, cufftHandle plan,
                              void **remote_p, size_t args_hint)
{
    gvf_dev_t *dev;
    cufftResult err = gvfft_lookup(plan, &dev, remote_p);

    if (err != CUFFT_SUCCESS) {
        return err;
    }
    return begin_on(c, dev, api, args_hint);
}

cufftResult gvfft_abort(gvf_call_t *c, cufftResult err)
{
    gvf_call_fini(c);
    return err;
}

int gvfft_ok(const gvf_call_t *c, gvc_status_t st)
{
    return st == GVC_OK && c->reply.result == CUFFT_SUCCESS;
}

cufftResult gvfft_end(gvf_call_t *c, gvc_status_t st)
{
    cufftResult err;

    if (st != GVC_OK) {
        err = gvfft_status(st);
        if (err == CUFFT_INTERNAL_ERROR) {
            report_lost(c->dev, st);
        }
    } else {
        err = (cufftResult)c->reply.result;
    }
    gvf_call_fini(c);
    return err;
}

cufftResult gvfft_unsupported(const char *fn)
{
    gvf_warn_unsupported(fn, "returning CUFFT_NOT_SUPPORTED");
    return CUFFT_NOT_SUPPORTED;
}
