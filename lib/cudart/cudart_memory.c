/*
 * cudart_memory.c - device allocations, pinned host memory and pointer
 * attributes.
 *
 * The process remembers its device allocations per device (gvrt_dev_t):
 * with UVA the runtime tells device from host pointers by address, and so
 * do we, for cudaMemcpyDefault and cudaPointerGetAttributes.  Pinned host
 * memory is ours (there is no GPU here): page-aligned, huge-page backed
 * memory registered with UCX, so copies from and to it are zero-copy.
 * Mapped host memory (device access to client memory) does not exist in
 * remoting: those flags get a clear cudaErrorNotSupported.
 */
#include "config.h"

#include "gvrt.h"
#include "gvrt_dev.h"
#include "gvx_cuda.h"
#include "gv_api_cudart.h"
#include "gvc_log.h"

#include <stdlib.h>
#include <string.h>

/* ---- per-device state ------------------------------------------------------- */

gvrt_dev_t *gvrt_dev(gvf_dev_t *dev)
{
    gvrt_dev_t *d = gvf_dev_slot(dev, GVF_SLOT_CUDART);
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

    if (d != NULL) {
        return d;
    }
    pthread_mutex_lock(&lock);
    d = gvf_dev_slot(dev, GVF_SLOT_CUDART);
    if (d == NULL && (d = calloc(1, sizeof(*d))) != NULL) {
        pthread_mutex_init(&d->klock, NULL);
        gvf_dev_set_slot(dev, GVF_SLOT_CUDART, d);
    }
    pthread_mutex_unlock(&lock);
    return d;
}

/* The map is libgvirtus's (gvf_alloc.h): the driver API's allocations
 * are in it too. */
void gvrt_alloc_add(gvf_dev_t *dev, const void *p, size_t size)
{
    gvf_alloc_add(dev, p, size);
}

void gvrt_alloc_del(gvf_dev_t *dev, const void *p)
{
    gvf_alloc_del(dev, p);
}

int gvrt_alloc_owner(const void *p, size_t len)
{
    return gvf_alloc_owner(p, len);
}

void gvrt_dev_reset(gvf_dev_t *dev)
{
    gvrt_dev_t *d = gvrt_dev(dev);

    if (d == NULL) {
        return;
    }
    gvf_alloc_reset(dev);
    gvrt_kernels_reset(dev);
}

const struct cudaDeviceProp *gvrt_dev_prop(gvf_dev_t *dev)
{
    gvrt_dev_t *d = gvrt_dev(dev);

    if (d == NULL) {
        return NULL;
    }
    if (!d->have_prop &&
        cudaGetDeviceProperties(&d->prop, gvf_dev_ordinal(dev)) ==
            cudaSuccess) {
        d->have_prop = 1;
    }
    return d->have_prop ? &d->prop : NULL;
}

/* ---- device allocations ------------------------------------------------------ */

/* A call returning one device pointer (and maybe a pitch) to record. */
static cudaError_t alloc_call(gvf_call_t *c, cudaError_t err, void **p,
                              size_t *pitch, size_t size_rows)
{
    uint64_t ptr = 0, pt = 0;
    gvc_status_t st;

    if (err != cudaSuccess) {
        return err;
    }
    st = gvf_call_sync(c);
    if (gvrt_ok(c, st)) {
        gvc_dec_u64(&c->dec, &ptr);
        if (pitch != NULL) {
            gvc_dec_u64(&c->dec, &pt);
            *pitch = pt;
        }
        *p = (void *)(uintptr_t)ptr;
        gvrt_alloc_add(c->dev, *p, pitch ? pt * size_rows : size_rows);
    }
    return gvrt_end(c, st);
}

GVRT_API cudaError_t CUDARTAPI cudaMalloc(void **p, size_t size)
{
    gvf_call_t c;
    cudaError_t err;

    if (p == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = gvrt_begin(&c, GV_API_cudaMalloc, 0);
    if (err == cudaSuccess) {
        gvc_enc_u64(&c.enc, size);
    }
    return alloc_call(&c, err, p, NULL, size);
}

GVRT_API cudaError_t CUDARTAPI cudaMallocPitch(void **p, size_t *pitch,
                                               size_t width, size_t height)
{
    gvf_call_t c;
    cudaError_t err;

    if (p == NULL || pitch == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = gvrt_begin(&c, GV_API_cudaMallocPitch, 0);
    if (err == cudaSuccess) {
        gvc_enc_u64(&c.enc, width);
        gvc_enc_u64(&c.enc, height);
    }
    return alloc_call(&c, err, p, pitch, height ? height : 1);
}

GVRT_API cudaError_t CUDARTAPI cudaMalloc3D(struct cudaPitchedPtr *pp,
                                            struct cudaExtent e)
{
    gvf_call_t c;
    cudaError_t err;
    size_t pitch = 0;
    void *p = NULL;

    if (pp == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = gvrt_begin(&c, GV_API_cudaMalloc3D, 0);
    if (err == cudaSuccess) {
        gvc_enc_u64(&c.enc, e.width);
        gvc_enc_u64(&c.enc, e.height);
        gvc_enc_u64(&c.enc, e.depth);
    }
    err = alloc_call(&c, err, &p, &pitch,
                     (e.height ? e.height : 1) * (e.depth ? e.depth : 1));
    if (err == cudaSuccess) {
        *pp = gvx_pitched(p, pitch, e.width, e.height);
    }
    return err;
}

GVRT_API cudaError_t CUDARTAPI cudaFree(void *p)
{
    gvf_call_t c;
    cudaError_t err = gvrt_begin(&c, GV_API_cudaFree, 0);
    gvf_dev_t *dev = c.dev;
    int owner = gvrt_alloc_owner(p, 0);

    if (err != cudaSuccess) {
        return err;
    }
    if (owner >= 0 && gvf_dev(owner) != dev) {
        /* Freed through another device's context: route it there. */
        gvf_call_fini(&c);
        dev = gvf_dev(owner);
        gvf_call_init(&c, dev, GV_API_cudaFree, 0);
    }
    gvc_enc_u64(&c.enc, (uint64_t)(uintptr_t)p);
    err = gvrt_end(&c, gvf_call_sync(&c));
    if (err == cudaSuccess && p != NULL) {
        gvrt_alloc_del(dev, p);
    }
    return err;
}

static cudaStream_t ptsz(cudaStream_t s)
{
    return s == NULL ? cudaStreamPerThread : s;
}

GVRT_API cudaError_t CUDARTAPI cudaMallocAsync(void **p, size_t size,
                                               cudaStream_t s)
{
    gvf_call_t c;
    cudaError_t err;

    if (p == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = gvrt_begin(&c, GV_API_cudaMallocAsync, 0);
    if (err == cudaSuccess) {
        gvc_enc_u64(&c.enc, size);
        gvc_enc_u64(&c.enc, (uint64_t)(uintptr_t)s);
    }
    return alloc_call(&c, err, p, NULL, size);
}

GVRT_API cudaError_t CUDARTAPI cudaMallocAsync_ptsz(void **p, size_t size,
                                                    cudaStream_t s)
{
    return cudaMallocAsync(p, size, ptsz(s));
}

GVRT_API cudaError_t CUDARTAPI cudaFreeAsync(void *p, cudaStream_t s)
{
    gvf_call_t c;
    cudaError_t err = gvrt_begin(&c, GV_API_cudaFreeAsync, 0);

    if (err != cudaSuccess) {
        return err;
    }
    if (p != NULL && gvrt_alloc_owner(p, 0) < 0) {
        gvf_call_fini(&c);
        return gvrt_fail(cudaErrorInvalidValue);
    }
    gvc_enc_u64(&c.enc, (uint64_t)(uintptr_t)p);
    gvc_enc_u64(&c.enc, (uint64_t)(uintptr_t)s);
    gvrt_alloc_del(c.dev, p);
    return gvrt_end(&c, gvf_call_oneway(&c));
}

GVRT_API cudaError_t CUDARTAPI cudaFreeAsync_ptsz(void *p, cudaStream_t s)
{
    return cudaFreeAsync(p, ptsz(s));
}

GVRT_API cudaError_t CUDARTAPI cudaMallocManaged(void **p, size_t size,
                                                 unsigned int flags)
{
    (void)p;
    (void)size;
    (void)flags;
    return gvrt_unsupported("cudaMallocManaged (managed memory cannot be "
                            "shared with a remote GPU)");
}

/* ---- pinned host memory -------------------------------------------------------- */

/* Pinned allocations and registrations of this process, with their flags
 * (kind: flags | PINNED_OURS when we allocated it). */
#define PINNED_OURS (1 << 30)
static pthread_mutex_t plock = PTHREAD_MUTEX_INITIALIZER;
static gvc_rangeset_t pinned;

/* Pinned memory may be in use by copies still in flight: let them
 * finish on every device before it goes away, as CUDA does. */
static void quiesce_all(void)
{
    for (int i = 0; i < gvf_device_count(); i++) {
        gvf_call_t c;
        if (gvrt_begin_dev(&c, GV_API_cudaDeviceSynchronize, i, 0) ==
            cudaSuccess) {
            gvf_call_sync(&c);
            gvf_call_fini(&c);
        }
    }
}

GVRT_API cudaError_t CUDARTAPI cudaHostAlloc(void **p, size_t size,
                                             unsigned int flags)
{
    gvt_memh_t *memh;
    gvc_status_t st;
    void *addr;

    if (p == NULL || (flags & ~(unsigned)(cudaHostAllocPortable |
                                          cudaHostAllocMapped |
                                          cudaHostAllocWriteCombined))) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    if (flags & cudaHostAllocMapped) {
        return gvrt_unsupported("cudaHostAlloc(cudaHostAllocMapped): "
                                "a remote GPU cannot map client memory");
    }
    st = gvf_init();
    if (st != GVC_OK) {
        return gvrt_fail(gvrt_status_to_error(st));
    }
    st = gvt_mem_alloc(gvf_ctx(), size ? size : 1, &addr, &memh);
    if (st != GVC_OK) {
        return gvrt_fail(cudaErrorMemoryAllocation);
    }
    pthread_mutex_lock(&plock);
    gvc_rangeset_add(&pinned, (uintptr_t)addr, size ? size : 1,
                     (int)flags | PINNED_OURS);
    pthread_mutex_unlock(&plock);
    gvf_mem_add(addr, size ? size : 1, memh);
    *p = addr;
    return cudaSuccess;
}

GVRT_API cudaError_t CUDARTAPI cudaMallocHost(void **p, size_t size)
{
    return cudaHostAlloc(p, size, cudaHostAllocDefault);
}

static cudaError_t unpin(void *p, int ours)
{
    gvt_memh_t *memh;
    int kind = 0;

    if (gvf_forked()) {
        /* The parent's UCX registration: left alone (gvf_forked). */
        return gvrt_fail(gvrt_status_to_error(GVC_ERR_FORKED));
    }
    pthread_mutex_lock(&plock);
    if (gvc_rangeset_find(&pinned, (uintptr_t)p, 0) == NULL ||
        ((uintptr_t)p != 0 &&
         gvc_rangeset_find(&pinned, (uintptr_t)p, 0)->base != (uintptr_t)p)) {
        pthread_mutex_unlock(&plock);
        return gvrt_fail(ours ? cudaErrorInvalidValue
                              : cudaErrorHostMemoryNotRegistered);
    }
    gvc_rangeset_del(&pinned, (uintptr_t)p, &kind);
    pthread_mutex_unlock(&plock);
    if (((kind & PINNED_OURS) != 0) != ours) {
        gvc_warn("%p was %s: freed anyway", p, ours ? "registered, not "
                 "allocated by cudaHostAlloc" : "allocated by cudaHostAlloc");
    }
    quiesce_all();
    memh = gvf_mem_remove(p);
    if (kind & PINNED_OURS) {
        gvt_mem_free(memh);
    } else {
        gvt_mem_unregister(memh);
    }
    return cudaSuccess;
}

GVRT_API cudaError_t CUDARTAPI cudaFreeHost(void *p)
{
    return p == NULL ? cudaSuccess : unpin(p, 1);
}

GVRT_API cudaError_t CUDARTAPI cudaHostRegister(void *p, size_t size,
                                                unsigned int flags)
{
    gvt_memh_t *memh;
    gvc_status_t st;
    int dup;

    if (p == NULL || size == 0) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    if (flags & cudaHostRegisterMapped) {
        return gvrt_unsupported("cudaHostRegister(cudaHostRegisterMapped): "
                                "a remote GPU cannot map client memory");
    }
    st = gvf_init();
    if (st != GVC_OK) {
        return gvrt_fail(gvrt_status_to_error(st));
    }
    pthread_mutex_lock(&plock);
    dup = gvc_rangeset_find(&pinned, (uintptr_t)p, 0) != NULL ||
          gvc_rangeset_add(&pinned, (uintptr_t)p, size, (int)flags) != 0;
    pthread_mutex_unlock(&plock);
    if (dup) {
        return gvrt_fail(cudaErrorHostMemoryAlreadyRegistered);
    }
    st = gvt_mem_register(gvf_ctx(), p, size, &memh);
    if (st != GVC_OK || gvf_mem_add(p, size, memh) != GVC_OK) {
        pthread_mutex_lock(&plock);
        gvc_rangeset_del(&pinned, (uintptr_t)p, NULL);
        pthread_mutex_unlock(&plock);
        return gvrt_fail(cudaErrorMemoryAllocation);
    }
    return cudaSuccess;
}

GVRT_API cudaError_t CUDARTAPI cudaHostUnregister(void *p)
{
    return unpin(p, 0);
}

GVRT_API cudaError_t CUDARTAPI cudaHostGetFlags(unsigned int *flags, void *p)
{
    const gvc_range_t *r;

    if (flags == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    pthread_mutex_lock(&plock);
    r = gvc_rangeset_find(&pinned, (uintptr_t)p, 0);
    if (r != NULL) {
        *flags = (unsigned)(r->kind & ~PINNED_OURS);
    }
    pthread_mutex_unlock(&plock);
    return r != NULL ? cudaSuccess : gvrt_fail(cudaErrorInvalidValue);
}

GVRT_API cudaError_t CUDARTAPI cudaHostGetDevicePointer(void **d, void *h,
                                                        unsigned int flags)
{
    (void)d;
    (void)h;
    (void)flags;
    return gvrt_unsupported("cudaHostGetDevicePointer (mapped host memory)");
}

/* Is p (len bytes) pinned memory of ours? For cudaPointerGetAttributes. */
static int pinned_find(const void *p)
{
    int hit;

    pthread_mutex_lock(&plock);
    hit = gvc_rangeset_find(&pinned, (uintptr_t)p, 0) != NULL;
    pthread_mutex_unlock(&plock);
    return hit;
}

GVRT_API cudaError_t CUDARTAPI
cudaPointerGetAttributes(struct cudaPointerAttributes *a, const void *p)
{
    int owner = gvrt_alloc_owner(p, 0);
    gvc_status_t st;
    gvf_call_t c;
    cudaError_t err;

    if (a == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    memset(a, 0, sizeof(*a));
    if (owner < 0) {
        /* Host memory: answered here, as the runtime would locally. */
        a->type = pinned_find(p) ? cudaMemoryTypeHost
                                 : cudaMemoryTypeUnregistered;
        a->device = a->type == cudaMemoryTypeHost ? gvf_current_ordinal() : -2;
        a->hostPointer = a->type == cudaMemoryTypeHost ? (void *)p : NULL;
        return cudaSuccess;
    }
    err = gvrt_begin_dev(&c, GV_API_cudaPointerGetAttributes, owner, 0);
    if (err != cudaSuccess) {
        return err;
    }
    gvc_enc_u64(&c.enc, (uint64_t)(uintptr_t)p);
    st = gvf_call_sync(&c);
    if (gvrt_ok(&c, st)) {
        gvc_dec_raw(&c.dec, a, sizeof(*a));
        a->device = owner; /* the worker sees only its one GPU */
    }
    return gvrt_end(&c, st);
}
