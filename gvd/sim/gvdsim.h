/*
 * gvdsim.h - what the files of the simulated runtime (libgvdsim.so,
 * tests only) share: device memory (host memory moved up by an offset),
 * the last error, stream checks.  Single-threaded like the worker.
 */
#ifndef GVDSIM_H
#define GVDSIM_H

#include <cuda_runtime_api.h>
#include "gvx_cuda.h"

#include <stddef.h>
#include <stdint.h>

/* The simulated runtime's exports (NVIDIA's names and prototypes). */
#define SIM __attribute__((visibility("default")))

typedef struct sim_alloc {
    struct sim_alloc *next;
    void *p;              /* the host memory behind it (owned unless
                             borrowed) */
    size_t size;
    int borrowed;         /* p is a mapping of external memory */
} sim_alloc_t;

/* Record e as the last error if it is one; returns e. */
cudaError_t sim_ret(cudaError_t e);

/* Device address of host memory of an allocation, and back. */
void *sim_dev_of(const void *host);
void *sim_host_of(const void *dev);

/* Device memory over host memory the caller keeps (a buffer mapped from
 * external memory, gvdsim_ext.c); cudaFree forgets it. */
cudaError_t sim_alloc_borrow(void *host, size_t size, void **dev_p);
/* Forget the borrowed allocations inside [host, host+size). */
void sim_alloc_unborrow(const void *host, size_t size);

/* The allocation holding device range [p, p+len), or NULL. */
sim_alloc_t *sim_find(const void *p, size_t len);

/* s is 0, a special stream or one created here. */
int sim_stream_ok(cudaStream_t s);

/* Copies with arrays (gvdsim_array.c): cudaMemcpy3DAsync hands over
 * parameters naming a CUDA array. */
cudaError_t sim_copy3d_array(const struct cudaMemcpy3DParms *p);

/* The simulated driver log and notifications (gvdsim_notify.c): an
 * error a call returns is logged; a cudaMalloc beyond the simulated
 * memory is over budget by bytes. */
void sim_log_error(cudaError_t e);
void sim_over_budget(size_t bytes);

/* Destroy every graph and executable (cudaDeviceReset; gvdsim_graph.c). */
void sim_graphs_reset(void);

#endif
