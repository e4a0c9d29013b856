/*
 * gvd_x_device.c - device-level calls that need more than the generator
 * gives: allocations (tables and quota), device count, reset, sync.
 */
#include "config.h"

#include "gvd_client.h"
#include "gvd_hand.h"
#include "gvd_rt.h"
#include "gvx_cuda.h"
#include "gvc_log.h"

#include <string.h>

/* The per-client quota: gvd.memory_limit, or the memory cap of the lease
 * the client was admitted under (gvd.auth = lease), whichever is lower. */
static int quota_ok(gvd_client_t *cl, size_t more)
{
    const gvd_lease_t *lease = &cl->cfg->lease;
    size_t limit = cl->cfg->memory_limit;
    int by_lease = 0;

    if (lease->mem_cap != 0 && (limit == 0 || lease->mem_cap < limit)) {
        limit = lease->mem_cap;
        by_lease = 1;
    }
    if (limit == 0 || (cl->mem.total <= limit && more <= limit - cl->mem.total)) {
        return 1;
    }
    if (by_lease) {
        gvc_warn("allocation of %zu bytes refused: client holds %zu of its "
                 "%zu-byte limit (the memory cap of job %s's lease)", more,
                 cl->mem.total, limit, lease->job);
    } else {
        gvc_warn("allocation of %zu bytes refused: client holds %zu of its "
                 "%zu-byte limit (gvd.memory_limit)", more, cl->mem.total,
                 limit);
    }
    return 0;
}

/* gvd answers cudaGetDeviceCount for the one GPU it serves this client. */
void gvd_h_get_device_count(gvd_call_t *c)
{
    int n = 0;
    cudaError_t r;

    if (gvd_args_end(c)) {
        return;
    }
    r = gvd_rt(c)->cudaGetDeviceCount(&n);
    gvc_enc_i32(&c->enc, n);
    gvd_reply(c, r);
}

void gvd_h_driver_get_version(gvd_call_t *c)
{
    int v = 0;
    cudaError_t r;

    if (gvd_args_end(c)) {
        return;
    }
    r = gvd_rt(c)->cudaDriverGetVersion(&v);
    gvc_enc_i32(&c->enc, v);
    gvd_reply(c, r);
}

void gvd_h_device_synchronize(gvd_call_t *c)
{
    if (gvd_args_end(c)) {
        return;
    }
    gvd_reply(c, gvd_rt(c)->cudaDeviceSynchronize());
}

/* Reset destroys every handle and allocation of the context. */
void gvd_h_device_reset(gvd_call_t *c)
{
    gvd_client_t *cl = c->cl;
    cudaError_t r;

    if (gvd_args_end(c)) {
        return;
    }
    gvd_staging_fini(cl);
    r = gvd_rt(c)->cudaDeviceReset();
    for (int i = 0; i < GVD_H_MAX; i++) {
        gvc_ptrset_fini(&cl->handles[i]);
        gvc_ptrset_init(&cl->handles[i]);
    }
    gvc_rangeset_fini(&cl->mem);
    gvc_rangeset_init(&cl->mem);
    gvd_kernels_reset(cl);
    gvd_staging_init(cl);
    gvd_reply(c, r);
}

/* { u64 size } -> { u64 ptr } */
void gvd_h_malloc(gvd_call_t *c)
{
    uint64_t size;
    void *p = NULL;
    cudaError_t r;

    gvc_dec_u64(&c->dec, &size);
    if (gvd_args_end(c)) {
        return;
    }
    if (!quota_ok(c->cl, size)) {
        gvd_reply(c, cudaErrorMemoryAllocation);
        return;
    }
    r = gvd_rt(c)->cudaMalloc(&p, size);
    if (r == cudaSuccess && p != NULL &&
        gvd_mem_add(c->cl, p, size, GVD_MEM_DEVICE) != 0) {
        gvd_rt(c)->cudaFree(p);
        r = cudaErrorMemoryAllocation;
    }
    gvc_enc_u64(&c->enc, (uint64_t)(uintptr_t)p);
    gvd_reply(c, r);
}

/* a * b, or 0 with *over_p set when it does not fit a size_t. */
static size_t mul_size(uint64_t a, uint64_t b, int *over_p)
{
    if (a > SIZE_MAX || b > SIZE_MAX || (b != 0 && a > SIZE_MAX / b)) {
        *over_p = 1;
        return 0;
    }
    return (size_t)(a * b);
}

/*
 * After a pitched allocation: charge what was really allocated (pitch
 * times rows: one-byte rows cost a whole pitch each, which the request's
 * width * height did not show) and record exactly that range.  On
 * failure the allocation is freed and the error to answer returned.
 */
static cudaError_t pitched_done(gvd_call_t *c, void *p, size_t pitch,
                                uint64_t rows)
{
    int over = 0;
    size_t bytes = mul_size(pitch, rows, &over);

    if (over || !quota_ok(c->cl, bytes) ||
        gvd_mem_add(c->cl, p, bytes, GVD_MEM_DEVICE) != 0) {
        gvd_rt(c)->cudaFree(p);
        return cudaErrorMemoryAllocation;
    }
    return cudaSuccess;
}

/* { u64 width, u64 height } -> { u64 ptr, u64 pitch } */
void gvd_h_malloc_pitch(gvd_call_t *c)
{
    uint64_t w, h;
    size_t pitch = 0, want;
    void *p = NULL;
    cudaError_t r;
    int over = 0;

    gvc_dec_u64(&c->dec, &w);
    gvc_dec_u64(&c->dec, &h);
    if (gvd_args_end(c)) {
        return;
    }
    want = mul_size(w, h, &over);
    if (over || !quota_ok(c->cl, want)) {
        gvd_reply(c, cudaErrorMemoryAllocation);
        return;
    }
    r = gvd_rt(c)->cudaMallocPitch(&p, &pitch, w, h);
    if (r == cudaSuccess && p != NULL) {
        r = pitched_done(c, p, pitch, h);
        if (r != cudaSuccess) {
            p = NULL;
            pitch = 0;
        }
    }
    gvc_enc_u64(&c->enc, (uint64_t)(uintptr_t)p);
    gvc_enc_u64(&c->enc, pitch);
    gvd_reply(c, r);
}

/* { u64 width, u64 height, u64 depth } -> { u64 ptr, u64 pitch } */
void gvd_h_malloc_3d(gvd_call_t *c)
{
    struct cudaPitchedPtr pp = { 0 };
    uint64_t w, h, d;
    size_t want, rows;
    cudaError_t r;
    int over = 0;

    gvc_dec_u64(&c->dec, &w);
    gvc_dec_u64(&c->dec, &h);
    gvc_dec_u64(&c->dec, &d);
    if (gvd_args_end(c)) {
        return;
    }
    rows = mul_size(h, d, &over);
    want = mul_size(rows, w, &over);
    if (over || !quota_ok(c->cl, want)) {
        gvd_reply(c, cudaErrorMemoryAllocation);
        return;
    }
    r = gvd_rt(c)->cudaMalloc3D(&pp, gvx_extent(w, h, d));
    if (r == cudaSuccess && pp.ptr != NULL) {
        r = pitched_done(c, pp.ptr, pp.pitch, rows);
        if (r != cudaSuccess) {
            memset(&pp, 0, sizeof(pp));
        }
    }
    gvc_enc_u64(&c->enc, (uint64_t)(uintptr_t)pp.ptr);
    gvc_enc_u64(&c->enc, pp.pitch);
    gvd_reply(c, r);
}

/* { u64 ptr } */
void gvd_h_free(gvd_call_t *c)
{
    uint64_t p;
    int kind = GVD_MEM_DEVICE;

    gvc_dec_u64(&c->dec, &p);
    if (gvd_args_end(c)) {
        return;
    }
    if (p == 0) {
        gvd_reply(c, gvd_rt(c)->cudaFree(NULL));
        return;
    }
    if (gvc_rangeset_del(&c->cl->mem, (uintptr_t)p, &kind) == 0 ||
        kind == GVD_MEM_SYMBOL) {
        gvd_reply(c, cudaErrorInvalidValue);
        return;
    }
    gvd_reply(c, gvd_rt(c)->cudaFree((void *)(uintptr_t)p));
}

/* { u64 size, u64 stream } -> { u64 ptr }, stream-ordered allocation */
void gvd_h_malloc_async(gvd_call_t *c)
{
    uint64_t size, s;
    void *p = NULL;
    cudaError_t r;

    gvc_dec_u64(&c->dec, &size);
    gvc_dec_u64(&c->dec, &s);
    if (gvd_args_end(c)) {
        return;
    }
    if (!gvd_handle_ok(c->cl, GVD_H_STREAM, (void *)(uintptr_t)s)) {
        gvd_reply(c, cudaErrorInvalidResourceHandle);
        return;
    }
    if (!quota_ok(c->cl, size)) {
        gvd_reply(c, cudaErrorMemoryAllocation);
        return;
    }
    r = gvd_rt(c)->cudaMallocAsync(&p, size, (cudaStream_t)(uintptr_t)s);
    if (r == cudaSuccess && p != NULL &&
        gvd_mem_add(c->cl, p, size, GVD_MEM_ASYNC) != 0) {
        gvd_rt(c)->cudaFreeAsync(p, (cudaStream_t)(uintptr_t)s);
        r = cudaErrorMemoryAllocation;
    }
    gvc_enc_u64(&c->enc, (uint64_t)(uintptr_t)p);
    gvd_reply(c, r);
}

/* { u64 ptr, u64 stream } (one-way) */
void gvd_h_free_async(gvd_call_t *c)
{
    uint64_t p, s;

    gvc_dec_u64(&c->dec, &p);
    gvc_dec_u64(&c->dec, &s);
    if (gvd_args_end(c)) {
        return;
    }
    if (!gvd_handle_ok(c->cl, GVD_H_STREAM, (void *)(uintptr_t)s) ||
        gvd_mem_del(c->cl, (void *)(uintptr_t)p) == 0) {
        gvd_reply(c, cudaErrorInvalidValue);
        return;
    }
    gvd_reply(c, gvd_rt(c)->cudaFreeAsync((void *)(uintptr_t)p,
                                          (cudaStream_t)(uintptr_t)s));
}

/* { u64 ptr } -> struct cudaPointerAttributes (device pointers only) */
void gvd_h_pointer_attributes(gvd_call_t *c)
{
    struct cudaPointerAttributes a;
    uint64_t p;
    cudaError_t r;

    gvc_dec_u64(&c->dec, &p);
    if (gvd_args_end(c)) {
        return;
    }
    memset(&a, 0, sizeof(a));
    if (!gvd_mem_ok(c->cl, (void *)(uintptr_t)p, 0)) {
        /* Not ours: answer as CUDA does for unknown host memory. */
        a.type = cudaMemoryTypeUnregistered;
        r = cudaSuccess;
    } else {
        r = gvd_rt(c)->cudaPointerGetAttributes(&a, (void *)(uintptr_t)p);
        a.hostPointer = NULL; /* worker addresses mean nothing remotely */
    }
    gvc_enc_raw(&c->enc, &a, sizeof(a));
    gvd_reply(c, r);
}
