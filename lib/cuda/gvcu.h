/*
 * gvcu.h - internals of our libcuda.so.1 (the CUDA driver API) shared by
 * the hand-written files and the generated stubs
 * (lib/gen/out/cuda_client_gen.c).
 *
 * A stub does what a cudart stub does (see lib/cudart/gvrt.h), with
 * gvcu_* in place of gvrt_*: gvcu_begin() starts a call on the device of
 * the calling thread's current context (and tells that device's worker
 * which context to run it in, when it is not the one it runs); gvcu_end()
 * is the one place where a transport status or a remote result becomes
 * the CUresult returned.
 *
 * Every file of this library defines __CUDA_API_VERSION_INTERNAL before
 * any header: cuda.h then declares each export under its own name
 * (cuMemAlloc and cuMemAlloc_v2, ...), as NVIDIA builds the driver.
 */
#ifndef GVCU_H
#define GVCU_H

#ifndef __CUDA_API_VERSION_INTERNAL
#error "define __CUDA_API_VERSION_INTERNAL before any header"
#endif

#include "gvf.h"

#include <cuda.h>

/* Symbols we export are listed in libcuda.map; everything else stays
 * hidden (-fvisibility=hidden). */
#define GVCU_API __attribute__((visibility("default")))

/* ---- calls ------------------------------------------------------------------- */

/* Start a call in the thread's current context (its device; the worker
 * switched to that context first when needed).  On failure returns the
 * error and c needs no gvcu_end(). */
CUresult gvcu_begin(gvf_call_t *c, uint32_t api, size_t args_hint);

/* Start a call on device ordinal dev (CUdevice arguments): no context is
 * needed; stubs send 0 in place of dev (a worker serves one GPU). */
CUresult gvcu_begin_dev(gvf_call_t *c, uint32_t api, int dev,
                        size_t args_hint);

/* Start a call in context ctx (a handle this process knows). */
CUresult gvcu_begin_ctx(gvf_call_t *c, uint32_t api, CUcontext ctx,
                        size_t args_hint);

/* True when the call reached the device and returned CUDA_SUCCESS. */
int gvcu_ok(const gvf_call_t *c, gvc_status_t st);

/* Finish a call: free it, map st / the result to the CUresult to return.
 * The _sync form also returns an error an earlier one-way call left. */
CUresult gvcu_end(gvf_call_t *c, gvc_status_t st);
CUresult gvcu_end_sync(gvf_call_t *c, gvc_status_t st);

/* A failure found locally: returns err (the driver has no last error). */
CUresult gvcu_fail(CUresult err);

/* A function gvirtus does not remote: log once, CUDA_ERROR_NOT_SUPPORTED. */
CUresult gvcu_unsupported(const char *fn);

/* The one mapping of gvc_status_t to CUresult. */
CUresult gvcu_status_to_result(gvc_status_t st);

/* Results of the RPCs the driver shares with cudart (copies, launches,
 * allocations): the worker answers those with the runtime's codes; the
 * few that differ from the driver's become the driver's. */
CUresult gvcu_from_runtime(int64_t err);

/* gvf_init(), and CUDA_ERROR_NOT_INITIALIZED until cuInit (or the
 * runtime) initialised the process. */
CUresult gvcu_init_check(void);

/* ---- contexts (cuda_ctx.c) ----------------------------------------------------- */

/* The calling thread's current context and its device (ordinal); with
 * no context of its own, the primary context of its current device
 * (*ctx_p may then be NULL if that one was never fetched). */
void gvcu_ctx_current(CUcontext *ctx_p, int *dev_p);

/* The device of a context this process knows, or -1. */
int gvcu_ctx_device(CUcontext ctx);

/* Before a call on dev in context ctx (NULL: the primary one): make the
 * worker run it there. */
CUresult gvcu_ctx_enter(gvf_dev_t *dev, CUcontext ctx);

/* The primary context of dev (fetched once). */
CUresult gvcu_primary(gvf_dev_t *dev, CUcontext *ctx_p);

/* After a device reset: forget dev's contexts and cached state. */
void gvcu_ctx_reset(gvf_dev_t *dev);

/* ---- kernels (cuda_module.c) -------------------------------------------------- */

/* Forget what is cached about the functions of dev (module unload). */
void gvcu_funcs_reset(gvf_dev_t *dev);

/* ---- the stream a per-thread-default-stream entry point means ------------------ */

static inline CUstream gvcu_ptsz(CUstream s)
{
    return s == NULL ? CU_STREAM_PER_THREAD : s;
}

#endif
