/*
 * cudart_stream.c - host functions and stream callbacks.  They run on
 * this machine, in stream order: the worker blocks the GPU stream until
 * our service thread has run the function (gvf_service.c).
 */
#include "config.h"

#include "gvrt.h"
#include "gvf_hostfn.h"
#include "gv_api_cudart.h"
#include "gvx.h"

#include <stdlib.h>

typedef struct hostfn {
    cudaHostFn_t fn;          /* cudaLaunchHostFunc, or */
    cudaStreamCallback_t cb;  /* cudaStreamAddCallback */
    cudaStream_t stream;
    void *arg;
} hostfn_t;

static void hostfn_run(void *p)
{
    hostfn_t *h = p;

    if (h->fn != NULL) {
        h->fn(h->arg);
    } else {
        h->cb(h->stream, cudaSuccess, h->arg);
    }
    free(h);
}

static cudaError_t enqueue(cudaStream_t s, cudaHostFn_t fn,
                           cudaStreamCallback_t cb, void *arg)
{
    gvx_hostfn_t a = { .stream = (uint64_t)(uintptr_t)s };
    gvf_call_t c;
    hostfn_t *h;
    cudaError_t err;
    gvc_status_t st;

    if (fn == NULL && cb == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = gvrt_begin(&c, GV_API_gvHostFn, 0);
    if (err != cudaSuccess) {
        return err;
    }
    h = calloc(1, sizeof(*h));
    if (h == NULL ||
        gvf_hostfn_add(c.dev, a.stream, hostfn_run, h, &a.id) != GVC_OK) {
        free(h);
        gvf_call_fini(&c);
        return gvrt_fail(cudaErrorMemoryAllocation);
    }
    *h = (hostfn_t){ fn, cb, s, arg };
    gvx_hostfn_pack(&c.enc, &a);
    st = gvf_call_oneway(&c);
    if (st != GVC_OK) {
        gvf_hostfn_cancel(a.id);
        free(h);
    }
    return gvrt_end(&c, st);
}

GVRT_API cudaError_t CUDARTAPI cudaLaunchHostFunc(cudaStream_t s,
                                                  cudaHostFn_t fn, void *arg)
{
    return enqueue(s, fn, NULL, arg);
}

GVRT_API cudaError_t CUDARTAPI cudaLaunchHostFunc_ptsz(cudaStream_t s,
                                                       cudaHostFn_t fn,
                                                       void *arg)
{
    return enqueue(s ? s : cudaStreamPerThread, fn, NULL, arg);
}

GVRT_API cudaError_t CUDARTAPI cudaStreamAddCallback(cudaStream_t s,
                                                     cudaStreamCallback_t cb,
                                                     void *arg,
                                                     unsigned int flags)
{
    if (flags != 0) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    return enqueue(s, NULL, cb, arg);
}

GVRT_API cudaError_t CUDARTAPI cudaStreamAddCallback_ptsz(
    cudaStream_t s, cudaStreamCallback_t cb, void *arg, unsigned int flags)
{
    if (flags != 0) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    return enqueue(s ? s : cudaStreamPerThread, NULL, cb, arg);
}
