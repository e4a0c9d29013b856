/*
 * gvrt.h - internals of our libcudart.so.13 shared by the hand-written
 * files and the generated stubs (lib/gen/out/cudart_client_gen.c).
 *
 * A stub does:
 *     gvf_call_t c;
 *     cudaError_t err = gvrt_begin(&c, GV_API_cudaFoo, 0);
 *     if (err != cudaSuccess) return err;
 *     ...encode arguments into c.enc...
 *     gvc_status_t st = gvf_call_sync(&c);        (or gvf_call_oneway)
 *     if (gvrt_ok(&c, st)) { ...decode outputs from c.dec... }
 *     return gvrt_end(&c, st);
 * gvrt_end() is the one place where a transport status or a remote
 * result becomes the cudaError_t returned, and where the thread's last
 * error is recorded.
 */
#ifndef GVRT_H
#define GVRT_H

#include "gvf.h"

#include <cuda_runtime_api.h>
#include "gvrt_decls.h"


/* Symbols we export are listed in libcudart.map; everything else stays
 * hidden (-fvisibility=hidden), so GVRT_API marks the exported ones. */
#define GVRT_API __attribute__((visibility("default")))

/* Start a call on the thread's current device.  Initialises gvirtus on
 * first use.  On failure returns the error (recorded as last error) and
 * c needs no gvrt_end(). */
cudaError_t gvrt_begin(gvf_call_t *c, uint32_t api, size_t args_hint);

/* Start a call on device ordinal dev (functions with a device argument):
 * cudaErrorInvalidDevice when out of range.  The remote side serves one
 * GPU, so stubs send device 0 in place of dev. */
cudaError_t gvrt_begin_dev(gvf_call_t *c, uint32_t api, int dev,
                           size_t args_hint);

/* True when the call reached the device and returned cudaSuccess: then
 * the stub decodes its outputs from c->dec. */
int gvrt_ok(const gvf_call_t *c, gvc_status_t st);

/* Finish a call: free it, map st/result to the cudaError_t to return,
 * record it as the thread's last error if it is one.  A synchronising
 * call also returns an error an earlier one-way call left behind. */
cudaError_t gvrt_end(gvf_call_t *c, gvc_status_t st);

/* Same for synchronising functions (stream/event/device sync, queries):
 * surfaces deferred errors of earlier one-way calls. */
cudaError_t gvrt_end_sync(gvf_call_t *c, gvc_status_t st);

/* A failure found locally (bad argument): record and return it. */
cudaError_t gvrt_fail(cudaError_t err);

/* A function gvirtus does not remote: log once, return
 * cudaErrorNotSupported (recorded as last error). */
cudaError_t gvrt_unsupported(const char *fn);

/* The one mapping of gvc_status_t to cudaError_t. */
cudaError_t gvrt_status_to_error(gvc_status_t st);

/* Every cudaMemcpy variant ends here: flags are GVX_CPY_ASYNC/_PTDS. */
cudaError_t gvrt_copy(void *dst, const void *src, size_t n,
                      enum cudaMemcpyKind kind, cudaStream_t s,
                      uint32_t flags);

/* cudaMemcpy3D* between pointers (cudart_copy.c), and where a side is
 * an array (cudart_array.c; dev < 0: the device its memory side names,
 * else the current one).  flags are GVX_CPY_ASYNC/_PTDS. */
cudaError_t gvrt_copy3d_ptr(const struct cudaMemcpy3DParms *p,
                            cudaStream_t s, uint32_t flags);
cudaError_t gvrt_copy3d_array(const struct cudaMemcpy3DParms *p, int dev,
                              cudaStream_t s, uint32_t flags);
/* Either of them, as p's sides say (dev: as gvrt_copy3d_array's). */
cudaError_t gvrt_copy3d(const struct cudaMemcpy3DParms *p, int dev,
                        cudaStream_t s, uint32_t flags);

/* Launch a kernel nvcc did not register (a library's cudaKernel_t)
 * through our libcuda.so.1 (cudart_library.c). */
cudaError_t gvrt_launch_driver(const void *func, dim3 g, dim3 b, void **args,
                               size_t shmem, cudaStream_t s,
                               const cudaLaunchAttribute *attrs,
                               unsigned n_attrs, int per_thread);

/* A done callback that does nothing: zero-copy sends whose buffer the
 * application keeps (pinned memory in asynchronous copies). */
void gvrt_send_done(void *arg, gvc_status_t st);

/* Per-thread last error (cudaGetLastError / cudaPeekAtLastError). */
void gvrt_set_last_error(cudaError_t err);

#endif
