/*
 * gvdsim_ext.c - external memory and semaphores of the simulated runtime
 * (tests only), from file descriptors: what a test hands over is a memfd.
 *
 * External memory is the descriptor mapped shared: buffers mapped from
 * it are device memory over that mapping, so what the test writes into
 * its memfd the "device" reads and the other way round.  A semaphore is
 * an 8-byte memfd holding its value: a signal stores the fence value
 * (timeline) or 1 (binary); a wait needs the value reached (a binary one
 * takes it back to 0), else cudaErrorNotReady (nothing here can wait).
 * Mipmapped arrays over external memory are not simulated.
 */
#include "config.h"

#include "gvdsim.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define EXTMEM_MAGIC 0x45584d45u
#define EXTSEM_MAGIC 0x45585345u

typedef struct sim_extmem {
    uint32_t magic;
    int fd;               /* owned once imported */
    void *map;            /* size bytes, shared */
    size_t size;
} sim_extmem_t;

typedef struct sim_extsem {
    uint32_t magic;
    int fd;               /* owned once imported */
    volatile uint64_t *value; /* the memfd's 8 bytes, shared */
    int timeline;
} sim_extsem_t;

static sim_extmem_t *extmem_of(const void *h)
{
    const sim_extmem_t *m = h;

    return m != NULL && m->magic == EXTMEM_MAGIC ? (sim_extmem_t *)m : NULL;
}

static sim_extsem_t *extsem_of(const void *h)
{
    const sim_extsem_t *s = h;

    return s != NULL && s->magic == EXTSEM_MAGIC ? (sim_extsem_t *)s : NULL;
}

SIM cudaError_t cudaImportExternalMemory(
    cudaExternalMemory_t *out, const struct cudaExternalMemoryHandleDesc *d)
{
    sim_extmem_t *m;
    void *map;

    if (out == NULL || d == NULL || d->size == 0 ||
        d->type != cudaExternalMemoryHandleTypeOpaqueFd ||
        d->handle.fd < 0) {
        return sim_ret(cudaErrorInvalidValue);
    }
    map = mmap(NULL, d->size, PROT_READ | PROT_WRITE, MAP_SHARED,
               d->handle.fd, 0);
    if (map == MAP_FAILED) {
        return sim_ret(cudaErrorInvalidValue);
    }
    m = calloc(1, sizeof(*m));
    if (m == NULL) {
        munmap(map, d->size);
        return sim_ret(cudaErrorMemoryAllocation);
    }
    m->magic = EXTMEM_MAGIC;
    m->fd = d->handle.fd;
    m->map = map;
    m->size = d->size;
    *out = (cudaExternalMemory_t)m;
    return cudaSuccess;
}

SIM cudaError_t cudaExternalMemoryGetMappedBuffer(
    void **p, cudaExternalMemory_t h,
    const struct cudaExternalMemoryBufferDesc *d)
{
    sim_extmem_t *m = extmem_of(h);

    if (p == NULL || m == NULL || d == NULL || d->size == 0 ||
        d->offset > m->size || d->size > m->size - d->offset) {
        return sim_ret(cudaErrorInvalidValue);
    }
    return sim_ret(sim_alloc_borrow((char *)m->map + d->offset, d->size, p));
}

SIM cudaError_t cudaDestroyExternalMemory(cudaExternalMemory_t h)
{
    sim_extmem_t *m = extmem_of(h);

    if (m == NULL) {
        return sim_ret(cudaErrorInvalidResourceHandle);
    }
    sim_alloc_unborrow(m->map, m->size);
    munmap(m->map, m->size);
    close(m->fd);
    m->magic = 0;
    free(m);
    return cudaSuccess;
}

SIM cudaError_t cudaImportExternalSemaphore(
    cudaExternalSemaphore_t *out,
    const struct cudaExternalSemaphoreHandleDesc *d)
{
    sim_extsem_t *s;
    void *map;

    if (out == NULL || d == NULL || d->handle.fd < 0 ||
        (d->type != cudaExternalSemaphoreHandleTypeOpaqueFd &&
         d->type != cudaExternalSemaphoreHandleTypeTimelineSemaphoreFd)) {
        return sim_ret(cudaErrorInvalidValue);
    }
    map = mmap(NULL, sizeof(uint64_t), PROT_READ | PROT_WRITE, MAP_SHARED,
               d->handle.fd, 0);
    if (map == MAP_FAILED) {
        return sim_ret(cudaErrorInvalidValue);
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL) {
        munmap(map, sizeof(uint64_t));
        return sim_ret(cudaErrorMemoryAllocation);
    }
    s->magic = EXTSEM_MAGIC;
    s->fd = d->handle.fd;
    s->value = map;
    s->timeline =
        d->type == cudaExternalSemaphoreHandleTypeTimelineSemaphoreFd;
    *out = (cudaExternalSemaphore_t)s;
    return cudaSuccess;
}

SIM cudaError_t cudaDestroyExternalSemaphore(cudaExternalSemaphore_t h)
{
    sim_extsem_t *s = extsem_of(h);

    if (s == NULL) {
        return sim_ret(cudaErrorInvalidResourceHandle);
    }
    munmap((void *)s->value, sizeof(uint64_t));
    close(s->fd);
    s->magic = 0;
    free(s);
    return cudaSuccess;
}

static cudaError_t sems_ok(const cudaExternalSemaphore_t *sems,
                           const void *params, unsigned n, cudaStream_t st)
{
    if (n > 0 && (sems == NULL || params == NULL)) {
        return cudaErrorInvalidValue;
    }
    if (!sim_stream_ok(st)) {
        return cudaErrorInvalidResourceHandle;
    }
    for (unsigned i = 0; i < n; i++) {
        if (extsem_of(sems[i]) == NULL) {
            return cudaErrorInvalidResourceHandle;
        }
    }
    return cudaSuccess;
}

SIM cudaError_t cudaSignalExternalSemaphoresAsync(
    const cudaExternalSemaphore_t *sems,
    const struct cudaExternalSemaphoreSignalParams *p, unsigned n,
    cudaStream_t st)
{
    cudaError_t r = sems_ok(sems, p, n, st);

    for (unsigned i = 0; r == cudaSuccess && i < n; i++) {
        sim_extsem_t *s = extsem_of(sems[i]);
        *s->value = s->timeline ? p[i].params.fence.value : 1;
    }
    return sim_ret(r);
}

SIM cudaError_t cudaWaitExternalSemaphoresAsync(
    const cudaExternalSemaphore_t *sems,
    const struct cudaExternalSemaphoreWaitParams *p, unsigned n,
    cudaStream_t st)
{
    cudaError_t r = sems_ok(sems, p, n, st);

    for (unsigned i = 0; r == cudaSuccess && i < n; i++) {
        sim_extsem_t *s = extsem_of(sems[i]);
        if (s->timeline ? *s->value < p[i].params.fence.value
                        : *s->value == 0) {
            r = cudaErrorNotReady;
        } else if (!s->timeline) {
            *s->value = 0;
        }
    }
    return sim_ret(r);
}
