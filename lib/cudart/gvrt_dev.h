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

/* Forget the kernels resolved on dev (cudart_kernel.c). */
void gvrt_kernels_reset(gvf_dev_t *dev);

/* Forget everything of dev after cudaDeviceReset. */
void gvrt_dev_reset(gvf_dev_t *dev);

/* Device properties, fetched once per device. */
const struct cudaDeviceProp *gvrt_dev_prop(gvf_dev_t *dev);

#endif
