/*
 * gvdsim_pool.c - memory pools and memory-range hints of the simulated
 * runtime (tests only): pools are records with an access flag and a
 * release threshold; their allocations are plain simulated memory.
 * Locations must name device 0 (the simulator's only device) or the
 * host, as a one-GPU machine would say.
 */
#include "gvdsim.h"

#include <stdlib.h>
#include <string.h>

#define POOL_MAGIC 0x504f4f4cu

typedef struct sim_pool {
    uint32_t magic;
    enum cudaMemAccessFlags access;
    unsigned long long threshold;
} sim_pool_t;

static sim_pool_t def_pool = { POOL_MAGIC, cudaMemAccessFlagsProtReadWrite,
                               0 };
static sim_pool_t *cur_pool = &def_pool;

static int pool_ok(cudaMemPool_t p)
{
    return p != NULL && ((sim_pool_t *)p)->magic == POOL_MAGIC;
}

/* A location of the simulated machine: device 0 or the host. */
static cudaError_t loc_check(const struct cudaMemLocation *l)
{
    if (l == NULL) {
        return cudaErrorInvalidValue;
    }
    if (l->type == cudaMemLocationTypeDevice) {
        return l->id == 0 ? cudaSuccess : cudaErrorInvalidDevice;
    }
    return l->type == cudaMemLocationTypeHost ? cudaSuccess
                                              : cudaErrorInvalidValue;
}

SIM cudaError_t cudaDeviceGetDefaultMemPool(cudaMemPool_t *p, int dev)
{
    if (p == NULL || dev != 0) {
        return sim_ret(p == NULL ? cudaErrorInvalidValue
                                 : cudaErrorInvalidDevice);
    }
    *p = (cudaMemPool_t)&def_pool;
    return cudaSuccess;
}

SIM cudaError_t cudaDeviceGetMemPool(cudaMemPool_t *p, int dev)
{
    if (p == NULL || dev != 0) {
        return sim_ret(p == NULL ? cudaErrorInvalidValue
                                 : cudaErrorInvalidDevice);
    }
    *p = (cudaMemPool_t)cur_pool;
    return cudaSuccess;
}

SIM cudaError_t cudaDeviceSetMemPool(int dev, cudaMemPool_t p)
{
    if (dev != 0 || !pool_ok(p)) {
        return sim_ret(dev != 0 ? cudaErrorInvalidDevice
                                : cudaErrorInvalidValue);
    }
    cur_pool = (sim_pool_t *)p;
    return cudaSuccess;
}

SIM cudaError_t cudaMemPoolCreate(cudaMemPool_t *p,
                                  const struct cudaMemPoolProps *props)
{
    sim_pool_t *pool;
    cudaError_t r;

    if (p == NULL || props == NULL ||
        props->allocType != cudaMemAllocationTypePinned) {
        return sim_ret(cudaErrorInvalidValue);
    }
    r = loc_check(&props->location);
    if (r != cudaSuccess) {
        return sim_ret(r);
    }
    pool = calloc(1, sizeof(*pool));
    if (pool == NULL) {
        return sim_ret(cudaErrorMemoryAllocation);
    }
    pool->magic = POOL_MAGIC;
    pool->access = cudaMemAccessFlagsProtReadWrite;
    *p = (cudaMemPool_t)pool;
    return cudaSuccess;
}

SIM cudaError_t cudaMemPoolDestroy(cudaMemPool_t p)
{
    sim_pool_t *pool = (sim_pool_t *)p;

    if (!pool_ok(p) || pool == &def_pool) {
        return sim_ret(cudaErrorInvalidValue);
    }
    if (cur_pool == pool) {
        cur_pool = &def_pool;
    }
    pool->magic = 0;
    free(pool);
    return cudaSuccess;
}

SIM cudaError_t cudaMemPoolSetAccess(cudaMemPool_t p,
                                     const struct cudaMemAccessDesc *d,
                                     size_t n)
{
    if (!pool_ok(p) || d == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    for (size_t i = 0; i < n; i++) {
        cudaError_t r = loc_check(&d[i].location);
        if (r != cudaSuccess) {
            return sim_ret(r);
        }
        ((sim_pool_t *)p)->access = d[i].flags;
    }
    return cudaSuccess;
}

SIM cudaError_t cudaMemPoolGetAccess(enum cudaMemAccessFlags *flags,
                                     cudaMemPool_t p,
                                     struct cudaMemLocation *l)
{
    cudaError_t r = loc_check(l);

    if (flags == NULL || !pool_ok(p) || r != cudaSuccess) {
        return sim_ret(r != cudaSuccess ? r : cudaErrorInvalidValue);
    }
    *flags = ((sim_pool_t *)p)->access;
    return cudaSuccess;
}

SIM cudaError_t cudaMemPoolSetAttribute(cudaMemPool_t p,
                                        enum cudaMemPoolAttr a, void *v)
{
    if (!pool_ok(p) || v == NULL || a != cudaMemPoolAttrReleaseThreshold) {
        return sim_ret(cudaErrorInvalidValue);
    }
    memcpy(&((sim_pool_t *)p)->threshold, v, sizeof(unsigned long long));
    return cudaSuccess;
}

SIM cudaError_t cudaMemPoolGetAttribute(cudaMemPool_t p,
                                        enum cudaMemPoolAttr a, void *v)
{
    if (!pool_ok(p) || v == NULL || a != cudaMemPoolAttrReleaseThreshold) {
        return sim_ret(cudaErrorInvalidValue);
    }
    memcpy(v, &((sim_pool_t *)p)->threshold, sizeof(unsigned long long));
    return cudaSuccess;
}

SIM cudaError_t cudaMemPoolTrimTo(cudaMemPool_t p, size_t keep)
{
    (void)keep;
    return pool_ok(p) ? cudaSuccess : sim_ret(cudaErrorInvalidValue);
}

static cudaError_t pool_at(cudaMemPool_t *p, struct cudaMemLocation *l,
                           enum cudaMemAllocationType t, int current)
{
    cudaError_t r = loc_check(l);

    if (p == NULL || t != cudaMemAllocationTypePinned) {
        return sim_ret(cudaErrorInvalidValue);
    }
    if (r != cudaSuccess || l->type != cudaMemLocationTypeDevice) {
        return sim_ret(r != cudaSuccess ? r : cudaErrorNotSupported);
    }
    *p = (cudaMemPool_t)(current ? cur_pool : &def_pool);
    return cudaSuccess;
}

SIM cudaError_t cudaMemGetDefaultMemPool(cudaMemPool_t *p,
                                         struct cudaMemLocation *l,
                                         enum cudaMemAllocationType t)
{
    return pool_at(p, l, t, 0);
}

SIM cudaError_t cudaMemGetMemPool(cudaMemPool_t *p,
                                  struct cudaMemLocation *l,
                                  enum cudaMemAllocationType t)
{
    return pool_at(p, l, t, 1);
}

SIM cudaError_t cudaMemSetMemPool(struct cudaMemLocation *l,
                                  enum cudaMemAllocationType t,
                                  cudaMemPool_t p)
{
    cudaError_t r = loc_check(l);

    if (r != cudaSuccess || t != cudaMemAllocationTypePinned ||
        !pool_ok(p)) {
        return sim_ret(r != cudaSuccess ? r : cudaErrorInvalidValue);
    }
    cur_pool = (sim_pool_t *)p;
    return cudaSuccess;
}

SIM cudaError_t cudaMallocFromPoolAsync(void **ptr, size_t size,
                                        cudaMemPool_t p, cudaStream_t s)
{
    if (!pool_ok(p) || !sim_stream_ok(s)) {
        return sim_ret(cudaErrorInvalidValue);
    }
    return cudaMalloc(ptr, size);
}

/* ---- memory-range hints: simulated memory is everywhere at once ---------- */

SIM cudaError_t cudaMemAdvise(const void *p, size_t n,
                              enum cudaMemoryAdvise a,
                              struct cudaMemLocation l)
{
    cudaError_t r = loc_check(&l);

    (void)a;
    if (sim_find(p, n) == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    return sim_ret(r);
}

SIM cudaError_t cudaMemPrefetchAsync(const void *p, size_t n,
                                     struct cudaMemLocation l,
                                     unsigned int flags, cudaStream_t s)
{
    (void)flags;
    if (!sim_stream_ok(s) || sim_find(p, n) == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    return sim_ret(loc_check(&l));
}

/* The last prefetch location of every range: device 0. */
SIM cudaError_t cudaMemRangeGetAttribute(void *data, size_t size,
                                         enum cudaMemRangeAttribute a,
                                         const void *p, size_t n)
{
    if (data == NULL || size < sizeof(int) || sim_find(p, n) == NULL ||
        a != cudaMemRangeAttributeLastPrefetchLocation) {
        return sim_ret(cudaErrorInvalidValue);
    }
    memset(data, 0, sizeof(int));
    return cudaSuccess;
}
