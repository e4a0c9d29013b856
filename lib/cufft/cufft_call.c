/*
 * cufft_call.c - the call plumbing of libcufft.so.12: cuFFT's statuses
 * for the plumbing every library shares (lib/gvf_libcall.h), and the
 * start of a call about a plan (a number of ours, not a record).
 */
#include "config.h"

#include "gvfft.h"

static _Atomic unsigned long lost_devs;

const gvf_lib_t gvfft_lib = {
    GVF_LIB_LOST("cuFFT", CUFFT_INTERNAL_ERROR),
    .ok = CUFFT_SUCCESS,
    .invalid = CUFFT_INVALID_VALUE,
    .nomem = CUFFT_ALLOC_FAILED,
    GVF_LIB_UNSUPPORTED(CUFFT_NOT_SUPPORTED),
    .uninit = CUFFT_SETUP_FAILED,
    /* Plans are not looked up here (gvfft_begin_route). */
    .reported = &lost_devs,
};

cufftResult gvfft_begin_route(gvf_call_t *c, uint32_t api, cufftHandle plan,
                              void **remote_p, size_t args_hint)
{
    gvf_dev_t *dev;
    cufftResult err = gvfft_lookup(plan, &dev, remote_p);

    if (err != CUFFT_SUCCESS) {
        return err;
    }
    return (cufftResult)gvf_lib_begin_on(&gvfft_lib, c, dev, api,
                                         args_hint);
}
