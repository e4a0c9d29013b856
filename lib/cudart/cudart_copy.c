/*
 * cudart_copy.c - cudaMemcpy and friends.
 *
 * Host to device: the copy leaves in chunks of the worker's staging size,
 * each a message with its payload sent straight from the caller's memory,
 * so the worker copies chunk k to the GPU while chunk k+1 is on the wire.
 * A synchronous copy's last chunk waits for the reply.  From pinned
 * (registered) memory an asynchronous copy returns at once, as CUDA does;
 * from pageable memory it returns when the data has left the buffer.
 *
 * Device to host: the reply data (in parts, for large copies) lands
 * directly in the destination.  Asynchronous into pinned memory: a
 * detached call; its data lands before the reply of any later call, so a
 * later synchronisation finds it there.  Into pageable memory CUDA
 * returns only once the copy is done, and so do we.
 */
#include "config.h"

#include "gvrt.h"
#include "gvrt_dev.h"
#include "gv_api_cudart.h"
#include "gvf_copy.h"
#include "gvx.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef enum { LOC_HOST, LOC_DEV } loc_t;

static int kind_valid(enum cudaMemcpyKind k)
{
    return (unsigned)k <= cudaMemcpyDefault;
}

/* Resolve cudaMemcpyDefault (and check device pointers of the others):
 * device pointers are the ones this process allocated. */
static cudaError_t resolve(void *dst, const void *src, size_t n,
                           enum cudaMemcpyKind kind, loc_t *dl, loc_t *sl,
                           int *dev_p)
{
    int dd = gvrt_alloc_owner(dst, n), sd = gvrt_alloc_owner(src, n);

    switch (kind) {
    case cudaMemcpyHostToHost: *dl = LOC_HOST; *sl = LOC_HOST; break;
    case cudaMemcpyHostToDevice: *dl = LOC_DEV; *sl = LOC_HOST; break;
    case cudaMemcpyDeviceToHost: *dl = LOC_HOST; *sl = LOC_DEV; break;
    case cudaMemcpyDeviceToDevice: *dl = LOC_DEV; *sl = LOC_DEV; break;
    default:
        *dl = dd >= 0 ? LOC_DEV : LOC_HOST;
        *sl = sd >= 0 ? LOC_DEV : LOC_HOST;
        break;
    }
    if ((*dl == LOC_DEV && dd < 0) || (*sl == LOC_DEV && sd < 0)) {
        return cudaErrorInvalidValue;
    }
    *dev_p = *sl == LOC_DEV ? sd : (*dl == LOC_DEV ? dd : gvf_current_ordinal());
    if (*dl == LOC_DEV && *sl == LOC_DEV && dd != sd) {
        *dev_p = -1 - dd; /* a copy between two devices */
        (void)sd;
    }
    return cudaSuccess;
}

/*
 * Chunks of one copy in flight at once: enough to keep the network busy
 * while the worker copies earlier chunks to the GPU, and fewer than the
 * worker's staging buffers, so the last chunk (which waits for the reply)
 * finds one free too.  The window lives on the heap: if the connection
 * dies, completions may still arrive after we returned.
 */
typedef struct h2d_win {
    atomic_int left;      /* sends not yet completed */
    atomic_int flag;      /* set by every completion */
} h2d_win_t;

static void h2d_sent(void *arg, gvc_status_t st)
{
    h2d_win_t *w = arg;

    (void)st;
    atomic_fetch_sub(&w->left, 1);
    atomic_store(&w->flag, 1);
}

/* Wait until fewer than max sends are in flight. */
static gvc_status_t h2d_window(gvf_dev_t *d, h2d_win_t *w, int max)
{
    gvc_status_t st = GVC_OK;

    while (st == GVC_OK) {
        atomic_store(&w->flag, 0);
        if (atomic_load(&w->left) < max) {
            return GVC_OK;
        }
        st = gvt_conn_wait_flag(gvf_dev_conn(d), &w->flag, 0);
    }
    return st;
}

static cudaError_t h2d(int dev, void *dst, const void *src, size_t n,
                       cudaStream_t s, uint32_t flags)
{
    gvf_dev_t *d = gvf_dev(dev);
    gvt_memh_t *memh = gvf_mem_find(src, n);
    size_t chunk = d ? gvf_dev_chunk(d) : 0, off = 0;
    cudaError_t err = cudaSuccess;
    int pinned_async = (flags & GVX_CPY_ASYNC) && memh != NULL;
    h2d_win_t *w = NULL;

    if (d != NULL && n > chunk && !pinned_async) {
        w = calloc(1, sizeof(*w));
        if (w == NULL) {
            return gvrt_fail(cudaErrorMemoryAllocation);
        }
    }
    do {
        size_t len = n - off < chunk ? n - off : chunk;
        int last = off + len == n;
        gvx_copy_t a = { .dst = (uint64_t)(uintptr_t)dst, .total = n,
                         .offset = off, .len = len,
                         .stream = (uint64_t)(uintptr_t)s,
                         .flags = flags | (last ? GVX_CPY_LAST : 0) };
        gvf_call_t c;
        gvc_status_t st;

        err = gvrt_begin_dev(&c, GV_API_gvMemcpyH2D, dev, 0);
        if (err != cudaSuccess) {
            return err;
        }
        gvx_copy_pack(&c.enc, &a);
        gvf_call_data_out(&c, (const char *)src + off, len, memh);
        if (pinned_async) {
            /* Zero-copy and no wait: the caller keeps the buffer until
             * it synchronises, as with CUDA. */
            c.out.done = gvrt_send_done;
            st = gvf_call_oneway(&c);
        } else if (last && !(flags & GVX_CPY_ASYNC)) {
            st = gvf_call_sync(&c);
        } else if (w != NULL) {
            /* Several chunks in flight; we wait for all before return. */
            st = h2d_window(d, w, gvf_dev_chunks(d) > 2
                                      ? gvf_dev_chunks(d) - 1 : 1);
            if (st == GVC_OK) {
                atomic_fetch_add(&w->left, 1);
                c.out.done = h2d_sent;
                c.out.done_arg = w;
                st = gvf_call_oneway(&c);
                if (st != GVC_OK) {
                    atomic_fetch_sub(&w->left, 1);
                }
            }
        } else {
            st = gvf_call_oneway(&c); /* returns once the data left */
        }
        err = gvrt_end(&c, st);
        off += len;
    } while (err == cudaSuccess && off < n);
    if (w != NULL) {
        /* The caller may reuse its buffer only when every chunk left. */
        if (h2d_window(d, w, 1) == GVC_OK) {
            free(w);
        } /* else: leaked on purpose, late completions may touch it */
    }
    return err;
}

static cudaError_t d2h(int dev, void *dst, const void *src, size_t n,
                       cudaStream_t s, uint32_t flags)
{
    gvx_copy_t a = { .src = (uint64_t)(uintptr_t)src, .total = n,
                     .stream = (uint64_t)(uintptr_t)s, .flags = flags };
    gvf_call_t c;
    cudaError_t err = gvrt_begin_dev(&c, GV_API_gvMemcpyD2H, dev, 0);
    gvc_status_t st;

    if (err != cudaSuccess) {
        return err;
    }
    gvx_copy_pack(&c.enc, &a);
    if ((flags & GVX_CPY_ASYNC) && gvf_mem_find(dst, n) != NULL) {
        return gvrt_end(&c, gvf_call_detached(&c, dst, n));
    }
    gvf_call_data_in(&c, dst, n);
    st = gvf_call_sync(&c);
    if (gvrt_ok(&c, st) && c.reply.data_len != n) {
        gvf_call_fini(&c);
        return gvrt_fail(cudaErrorUnknown);
    }
    return gvrt_end(&c, st);
}

static cudaError_t d2d(int dev, void *dst, const void *src, size_t n,
                       cudaStream_t s, uint32_t flags)
{
    gvx_copy_t a = { .dst = (uint64_t)(uintptr_t)dst,
                     .src = (uint64_t)(uintptr_t)src, .total = n,
                     .stream = (uint64_t)(uintptr_t)s, .flags = flags };
    gvf_call_t c;
    cudaError_t err = gvrt_begin_dev(&c, GV_API_gvMemcpyD2D, dev, 0);

    if (err != cudaSuccess) {
        return err;
    }
    gvx_copy_pack(&c.enc, &a);
    return gvrt_end(&c, flags & GVX_CPY_ASYNC ? gvf_call_oneway(&c)
                                              : gvf_call_sync(&c));
}

/* Between two remote GPUs through this process: a gvd too old for
 * worker-to-worker copies. */
static cudaError_t bounce(int ddev, void *dst, int sdev, const void *src,
                          size_t n, uint32_t flags)
{
    void *tmp = malloc(n ? n : 1);
    cudaError_t err;

    if (tmp == NULL) {
        return gvrt_fail(cudaErrorMemoryAllocation);
    }
    err = d2h(sdev, tmp, src, n, NULL, flags & GVX_CPY_PTDS);
    if (err == cudaSuccess) {
        err = h2d(ddev, dst, tmp, n, NULL, flags & GVX_CPY_PTDS);
    }
    free(tmp);
    return err;
}

/* Between two remote GPUs: worker to worker (gvf_copy_peer), never
 * through this process.  Returns once the data is on the destination,
 * asynchronous copies too (ordered after earlier work in s). */
static cudaError_t peer(int ddev, void *dst, int sdev, const void *src,
                        size_t n, cudaStream_t s, uint32_t flags)
{
    int64_t res = 0;
    gvc_status_t st = gvf_copy_peer(gvf_dev(ddev), (uint64_t)(uintptr_t)dst,
                                    gvf_dev(sdev), (uint64_t)(uintptr_t)src,
                                    n, (uint64_t)(uintptr_t)s, flags, &res);

    if (st == GVC_ERR_NOT_SUPPORTED) {
        return bounce(ddev, dst, sdev, src, n, flags);
    }
    if (st != GVC_OK) {
        return gvrt_fail(gvrt_status_to_error(st));
    }
    return res != 0 ? gvrt_fail((cudaError_t)res) : cudaSuccess;
}

cudaError_t gvrt_copy(void *dst, const void *src, size_t n,
                      enum cudaMemcpyKind kind, cudaStream_t s,
                      uint32_t flags)
{
    gvc_status_t st = gvf_init();
    cudaError_t err;
    loc_t dl, sl;
    int dev;

    if (st != GVC_OK) {
        return gvrt_fail(gvrt_status_to_error(st));
    }
    if (!kind_valid(kind)) {
        return gvrt_fail(cudaErrorInvalidMemcpyDirection);
    }
    if (n == 0) {
        return cudaSuccess;
    }
    err = resolve(dst, src, n, kind, &dl, &sl, &dev);
    if (err != cudaSuccess) {
        return gvrt_fail(err);
    }
    if (dl == LOC_HOST && sl == LOC_HOST) {
        memmove(dst, src, n);
        return cudaSuccess;
    }
    if (dev < 0) {
        return peer(-1 - dev, dst, gvrt_alloc_owner(src, n), src, n, s,
                    flags);
    }
    if (sl == LOC_HOST) {
        return h2d(dev, dst, src, n, s, flags);
    }
    if (dl == LOC_HOST) {
        return d2h(dev, dst, src, n, s, flags);
    }
    return d2d(dev, dst, src, n, s, flags);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpy(void *dst, const void *src,
                                          size_t n, enum cudaMemcpyKind k)
{
    return gvrt_copy(dst, src, n, k, NULL, 0);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpy_ptds(void *dst, const void *src,
                                               size_t n,
                                               enum cudaMemcpyKind k)
{
    return gvrt_copy(dst, src, n, k, NULL, GVX_CPY_PTDS);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpyAsync(void *dst, const void *src,
                                               size_t n,
                                               enum cudaMemcpyKind k,
                                               cudaStream_t s)
{
    return gvrt_copy(dst, src, n, k, s, GVX_CPY_ASYNC);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpyAsync_ptsz(void *dst,
                                                    const void *src,
                                                    size_t n,
                                                    enum cudaMemcpyKind k,
                                                    cudaStream_t s)
{
    return gvrt_copy(dst, src, n, k, s, GVX_CPY_ASYNC | GVX_CPY_PTDS);
}

static cudaError_t peer_copy(void *dst, int ddev, const void *src, int sdev,
                             size_t n, cudaStream_t s, uint32_t flags)
{
    gvc_status_t st = gvf_init();

    if (st != GVC_OK) {
        return gvrt_fail(gvrt_status_to_error(st));
    }
    if (gvf_dev(ddev) == NULL || gvf_dev(sdev) == NULL) {
        return gvrt_fail(cudaErrorInvalidDevice);
    }
    if (n == 0) {
        return cudaSuccess;
    }
    if (ddev == sdev) {
        return d2d(ddev, dst, src, n, s, flags);
    }
    return peer(ddev, dst, sdev, src, n, s, flags);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpyPeer(void *dst, int ddev,
                                              const void *src, int sdev,
                                              size_t n)
{
    return peer_copy(dst, ddev, src, sdev, n, NULL, 0);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpyPeerAsync(void *dst, int ddev,
                                                   const void *src, int sdev,
                                                   size_t n, cudaStream_t s)
{
    return peer_copy(dst, ddev, src, sdev, n, s, GVX_CPY_ASYNC);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpyPeerAsync_ptsz(void *dst, int ddev,
                                                        const void *src,
                                                        int sdev, size_t n,
                                                        cudaStream_t s)
{
    return peer_copy(dst, ddev, src, sdev, n, s,
                     GVX_CPY_ASYNC | GVX_CPY_PTDS);
}

/* ---- strided copies ---------------------------------------------------------- */

/* One side of a strided copy: base pointer already offset to the first
 * byte, pitch between rows, rows per slice. */
typedef struct side {
    char *p;
    size_t pitch, ysize;
    loc_t loc;
} side_t;

static void host_pack(const side_t *h, char *buf, size_t w, size_t rows,
                      size_t depth, int to_buf)
{
    gvf_side_t s = { h->p, h->pitch, h->ysize, 0 };

    gvf_host_pack(&s, buf, w, rows, depth, to_buf);
}

static cudaError_t copy3d(side_t dst, side_t src, size_t w, size_t h,
                          size_t depth, cudaStream_t s, uint32_t flags,
                          int dev)
{
    gvx_copy3d_t a = { .width = w, .height = h, .depth = depth,
                       .stream = (uint64_t)(uintptr_t)s, .flags = flags };
    size_t packed = w * h * depth;
    char *buf = NULL;
    gvf_call_t c;
    gvc_status_t st;
    cudaError_t err;

    if (dst.loc == LOC_HOST && src.loc == LOC_HOST) {
        buf = malloc(packed ? packed : 1);
        if (buf == NULL) {
            return gvrt_fail(cudaErrorMemoryAllocation);
        }
        host_pack(&src, buf, w, h, depth, 1);
        host_pack(&dst, buf, w, h, depth, 0);
        free(buf);
        return cudaSuccess;
    }
    err = gvrt_begin_dev(&c, GV_API_gvMemcpy3D, dev, 0);
    if (err != cudaSuccess) {
        return err;
    }
    if (src.loc == LOC_HOST || dst.loc == LOC_HOST) {
        buf = malloc(packed ? packed : 1);
        if (buf == NULL) {
            gvf_call_fini(&c);
            return gvrt_fail(cudaErrorMemoryAllocation);
        }
    }
    if (src.loc == LOC_HOST) {
        a.kind = cudaMemcpyHostToDevice;
        host_pack(&src, buf, w, h, depth, 1);
        gvf_call_data_out(&c, buf, packed, NULL);
    } else if (dst.loc == LOC_HOST) {
        a.kind = cudaMemcpyDeviceToHost;
        gvf_call_data_in(&c, buf, packed);
    } else {
        a.kind = cudaMemcpyDeviceToDevice;
        a.src = (uint64_t)(uintptr_t)src.p;
        a.src_pitch = src.pitch;
        a.src_ysize = src.ysize;
    }
    a.dev = (uint64_t)(uintptr_t)(dst.loc == LOC_DEV ? dst.p : src.p);
    a.dev_pitch = dst.loc == LOC_DEV ? dst.pitch : src.pitch;
    a.dev_ysize = dst.loc == LOC_DEV ? dst.ysize : src.ysize;
    gvx_copy3d_pack(&c.enc, &a);
    st = gvf_call_sync(&c);
    if (gvrt_ok(&c, st) && dst.loc == LOC_HOST) {
        host_pack(&dst, buf, w, h, depth, 0);
    }
    free(buf);
    return gvrt_end(&c, st);
}

/* Which device a strided device pointer lives on; -1 if unknown.  Only the
 * first byte is checked here: the worker checks the whole span. */
static cudaError_t side_loc(side_t *sd, enum cudaMemcpyKind k, int is_dst,
                            int *dev)
{
    int owner = gvrt_alloc_owner(sd->p, 0);
    int want_dev;

    switch (k) {
    case cudaMemcpyHostToHost: want_dev = 0; break;
    case cudaMemcpyHostToDevice: want_dev = is_dst; break;
    case cudaMemcpyDeviceToHost: want_dev = !is_dst; break;
    case cudaMemcpyDeviceToDevice: want_dev = 1; break;
    default: want_dev = owner >= 0; break;
    }
    sd->loc = want_dev ? LOC_DEV : LOC_HOST;
    if (want_dev && owner < 0) {
        return cudaErrorInvalidValue;
    }
    if (want_dev) {
        *dev = owner;
    }
    return cudaSuccess;
}

static cudaError_t copy2d(void *dst, size_t dpitch, const void *src,
                          size_t spitch, size_t w, size_t h,
                          enum cudaMemcpyKind k, cudaStream_t s,
                          uint32_t flags)
{
    side_t ds = { dst, dpitch, h, LOC_HOST };
    side_t ss = { (char *)src, spitch, h, LOC_HOST };
    int dev = gvf_current_ordinal();
    gvc_status_t st = gvf_init();
    cudaError_t err;

    if (st != GVC_OK) {
        return gvrt_fail(gvrt_status_to_error(st));
    }
    if (!kind_valid(k)) {
        return gvrt_fail(cudaErrorInvalidMemcpyDirection);
    }
    if (w > dpitch || w > spitch) {
        return gvrt_fail(cudaErrorInvalidPitchValue);
    }
    if (w == 0 || h == 0) {
        return cudaSuccess;
    }
    err = side_loc(&ss, k, 0, &dev);
    if (err == cudaSuccess) {
        err = side_loc(&ds, k, 1, &dev);
    }
    if (err != cudaSuccess) {
        return gvrt_fail(err);
    }
    return copy3d(ds, ss, w, h, 1, s, flags, dev);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpy2D(void *dst, size_t dpitch,
                                            const void *src, size_t spitch,
                                            size_t w, size_t h,
                                            enum cudaMemcpyKind k)
{
    return copy2d(dst, dpitch, src, spitch, w, h, k, NULL, 0);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpy2D_ptds(void *dst, size_t dpitch,
                                                 const void *src,
                                                 size_t spitch, size_t w,
                                                 size_t h,
                                                 enum cudaMemcpyKind k)
{
    return copy2d(dst, dpitch, src, spitch, w, h, k, NULL, GVX_CPY_PTDS);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpy2DAsync(void *dst, size_t dpitch,
                                                 const void *src,
                                                 size_t spitch, size_t w,
                                                 size_t h,
                                                 enum cudaMemcpyKind k,
                                                 cudaStream_t s)
{
    return copy2d(dst, dpitch, src, spitch, w, h, k, s, GVX_CPY_ASYNC);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpy2DAsync_ptsz(
    void *dst, size_t dpitch, const void *src, size_t spitch, size_t w,
    size_t h, enum cudaMemcpyKind k, cudaStream_t s)
{
    return copy2d(dst, dpitch, src, spitch, w, h, k, s,
                  GVX_CPY_ASYNC | GVX_CPY_PTDS);
}

static side_t pitched_side(struct cudaPitchedPtr pp, struct cudaPos pos)
{
    side_t sd = { (char *)pp.ptr, pp.pitch, pp.ysize, LOC_HOST };

    sd.p += (pos.z * pp.ysize + pos.y) * pp.pitch + pos.x;
    return sd;
}

/* cudaMemcpy3D between pointers (gvrt.h). */
cudaError_t gvrt_copy3d_ptr(const struct cudaMemcpy3DParms *p,
                            cudaStream_t s, uint32_t flags)
{
    int dev = gvf_current_ordinal();
    gvc_status_t st = gvf_init();
    side_t ds, ss;
    cudaError_t err;

    if (st != GVC_OK) {
        return gvrt_fail(gvrt_status_to_error(st));
    }
    if (p == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    if (!kind_valid(p->kind)) {
        return gvrt_fail(cudaErrorInvalidMemcpyDirection);
    }
    if (p->extent.width == 0 || p->extent.height == 0 ||
        p->extent.depth == 0) {
        return cudaSuccess;
    }
    ds = pitched_side(p->dstPtr, p->dstPos);
    ss = pitched_side(p->srcPtr, p->srcPos);
    if (p->extent.width > ds.pitch || p->extent.width > ss.pitch) {
        return gvrt_fail(cudaErrorInvalidPitchValue);
    }
    err = side_loc(&ss, p->kind, 0, &dev);
    if (err == cudaSuccess) {
        err = side_loc(&ds, p->kind, 1, &dev);
    }
    if (err != cudaSuccess) {
        return gvrt_fail(err);
    }
    return copy3d(ds, ss, p->extent.width, p->extent.height, p->extent.depth,
                  s, flags, dev);
}

/* Arrays are cudart_array.c's. */
/* Any cudaMemcpy3D (gvrt.h). */
cudaError_t gvrt_copy3d(const struct cudaMemcpy3DParms *p, int dev,
                        cudaStream_t s, uint32_t flags)
{
    if (p != NULL && (p->srcArray != NULL || p->dstArray != NULL)) {
        return gvrt_copy3d_array(p, dev, s, flags);
    }
    return gvrt_copy3d_ptr(p, s, flags);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpy3D(const struct cudaMemcpy3DParms *p)
{
    return gvrt_copy3d(p, -1, NULL, 0);
}

GVRT_API cudaError_t CUDARTAPI
cudaMemcpy3D_ptds(const struct cudaMemcpy3DParms *p)
{
    return gvrt_copy3d(p, -1, NULL, GVX_CPY_PTDS);
}

GVRT_API cudaError_t CUDARTAPI
cudaMemcpy3DAsync(const struct cudaMemcpy3DParms *p, cudaStream_t s)
{
    return gvrt_copy3d(p, -1, s, GVX_CPY_ASYNC);
}

GVRT_API cudaError_t CUDARTAPI
cudaMemcpy3DAsync_ptsz(const struct cudaMemcpy3DParms *p, cudaStream_t s)
{
    return gvrt_copy3d(p, -1, s, GVX_CPY_ASYNC | GVX_CPY_PTDS);
}
