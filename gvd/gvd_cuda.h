/*
 * gvd_cuda.h - the CUDA driver API on the worker: the table of the real
 * libcuda.so.1's functions (one pointer per export the generator lists in
 * gvd_drv_list.h, resolved with dlsym by exact name, so cuMemcpyHtoD_v2
 * and cuMemcpyHtoD_v2_ptds are the functions of those names), and the
 * hand-written driver handlers (gvd_x_cuda.c).
 *
 * cuda.h is read as NVIDIA builds the driver: every file that includes
 * this header defines __CUDA_API_VERSION_INTERNAL before any CUDA header,
 * so each export is declared under its own name.  The runtime's
 * gvd_rt.h (and gvd_drv_t, the few driver calls of the kernel path) do
 * not depend on it.
 *
 * Threads: the worker's one thread; read-only after gvd_cuda_open.
 */
#ifndef GVD_CUDA_H
#define GVD_CUDA_H

#ifndef __CUDA_API_VERSION_INTERNAL
#error "define __CUDA_API_VERSION_INTERNAL before any header to include gvd_cuda.h"
#endif

#include "gvd_call.h"

#include <cuda.h>
#include <cudaProfiler.h>

struct gvd_cuda {
#define GVD_DRV_FN(ret, name, params) ret (CUDAAPI *name) params;
#include "gvd_drv_list.h"
#undef GVD_DRV_FN
};

typedef struct gvd_cuda gvd_cuda_t;

/* The driver table of the call's worker; never NULL (an empty table when
 * libcuda.so.1 is absent: every handler answers not supported). */
const gvd_cuda_t *gvd_cuda(const gvd_call_t *c);

#endif
