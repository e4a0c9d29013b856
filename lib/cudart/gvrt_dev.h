/*
 * gvrt_dev.h - cudart's state per remote device (gvf slot
 * GVF_SLOT_CUDART): the kernels and modules resolved on that device.
 * The device allocations (to tell device from host pointers, as UVA
 * would) are libgvirtus's map (gvf_alloc.h), shared with the driver API.
 * Created on first use; lives until exit.
 */
#ifndef GVRT_DEV_H
#define GVRT_DEV_H

#include "gvrt.h"
#include "gvf_alloc.h"
#include "gvc_tables.h"

#include <pthread.h>

typedef struct gvrt_kcache gvrt_kcache_t; /* cudart_kernel.c */

typedef struct gvrt_dev {
    pthread_mutex_t klock;      /* guards kc */
    gvrt_kcache_t *kc;
    struct cudaDeviceProp prop; /* fetched once, for launch checks */
    int have_prop;
} gvrt_dev_t;

/* The state of dev, created on first use (NULL only when out of memory). */
gvrt_dev_t *gvrt_dev(gvf_dev_t *dev);

/* Record / forget / look up device allocations of dev. */
void gvrt_alloc_add(gvf_dev_t *dev, const void *p, size_t size);
void gvrt_alloc_del(gvf_dev_t *dev, const void *p);
/* The device (ordinal) whose allocation contains [p, p+len), or -1. */
int gvrt_alloc_owner(const void *p, size_t len);

/* A kernel of the program (host stub or cudaKernel_t) resolved on dev,
 * with its arguments packed as a launch packs them: from args, or from a
 * CU_LAUNCH_PARAM_BUFFER_POINTER extra.  buf holds GVX_MAX_PARAM_BYTES;
 * *fn_p is the worker's function (cudart_kernel.c, for graph nodes). */
cudaError_t gvrt_kernel_pack(gvf_dev_t *dev, const void *func, void **args,
                             void **extra, uint8_t *buf, uint32_t *len_p,
                             uint64_t *fn_p);

/* The host stub of the kernel whose worker function on dev is fn, and
 * its parameter layout (valid until a device reset); NULL if none. */
const void *gvrt_kernel_host(gvf_dev_t *dev, uint64_t fn, uint32_t *n_p,
                             const uint32_t **off_p, const uint32_t **size_p);

/* Forget the kernels resolved on dev (cudart_kernel.c). */
void gvrt_kernels_reset(gvf_dev_t *dev);

/* Forget everything of dev after cudaDeviceReset. */
void gvrt_dev_reset(gvf_dev_t *dev);

/* Device properties, fetched once per device. */
const struct cudaDeviceProp *gvrt_dev_prop(gvf_dev_t *dev);

#endif
