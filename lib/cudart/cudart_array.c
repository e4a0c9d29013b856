/*
 * cudart_array.c - copies with CUDA arrays: cudaMemcpy{2D,}{To,From}Array
 * (sync and async), cudaMemcpy{2D,}ArrayToArray, cudaMemcpy3D* naming
 * arrays, and cudaMemcpy3DPeer*.
 *
 * Arrays are handles of the worker; the copy travels as one gvMemcpyArray
 * request in bytes (lib/gvx.h) and the worker finds the element sizes.
 * Host data goes packed with the request (rows back to back) or comes
 * packed with the reply, as the strided copies of cudart_copy.c do: a
 * copy with host memory has finished when it returns, asynchronous or
 * not (CUDA allows it; pageable memory behaves so natively too).  Array
 * to device and array to array copies that are asynchronous are one-way
 * messages in stream order.
 */
#include "config.h"

#include "gvrt.h"
#include "gvrt_dev.h"
#include "gv_api_cudart.h"
#include "gvf_copy.h"
#include "gvx.h"
#include "gvx_cuda.h"

#include <stdlib.h>
#include <string.h>

/* Host memory of a copy: where its region starts, bytes between rows,
 * rows between slices (on_dev 0). */
typedef gvf_side_t hside_t;

static cudaError_t kind_check(enum cudaMemcpyKind k)
{
    return (unsigned)k <= cudaMemcpyDefault ? cudaSuccess
                                            : cudaErrorInvalidMemcpyDirection;
}

/*
 * The memory side of a copy with an array: device memory of ours or host
 * memory, as the kind says (Default: as the allocation map says).  is_dst
 * tells which side it is.  *dev_p becomes the owner of device memory.
 */
static cudaError_t mem_side(const void *p, enum cudaMemcpyKind k, int is_dst,
                            gvx_aside_t *w, int *dev_p)
{
    int owner = gvrt_alloc_owner(p, 0), on_dev;

    switch (k) {
    case cudaMemcpyHostToDevice: on_dev = is_dst; break;
    case cudaMemcpyDeviceToHost: on_dev = !is_dst; break;
    case cudaMemcpyDeviceToDevice: on_dev = 1; break;
    case cudaMemcpyDefault: on_dev = owner >= 0; break;
    default: return cudaErrorInvalidMemcpyDirection;
    }
    /* The other side is an array, which is device memory. */
    if ((k == cudaMemcpyHostToDevice && is_dst) ||
        (k == cudaMemcpyDeviceToHost && !is_dst)) {
        return cudaErrorInvalidMemcpyDirection;
    }
    memset(w, 0, sizeof(*w));
    if (on_dev) {
        if (owner < 0) {
            return cudaErrorInvalidValue;
        }
        w->type = GVX_SIDE_DEVICE;
        w->ptr = (uint64_t)(uintptr_t)p;
        *dev_p = owner;
    } else {
        w->type = GVX_SIDE_HOST;
    }
    return cudaSuccess;
}

static void array_side(gvx_aside_t *w, const void *array, size_t x,
                       size_t y, size_t z)
{
    memset(w, 0, sizeof(*w));
    w->type = GVX_SIDE_ARRAY;
    w->ptr = (uint64_t)(uintptr_t)array;
    w->x = x;
    w->y = y;
    w->z = z;
}

/* Send a filled gvx_acopy_t to dev; h is the host side, if there is
 * one.  Host data rows that are already packed travel without a copy. */
static cudaError_t acopy(gvx_acopy_t *a, const hside_t *h, int dev)
{
    int from_host = a->src.type == GVX_SIDE_HOST;
    int to_host = a->dst.type == GVX_SIDE_HOST;
    size_t packed, w = a->width;
    char *buf = NULL;
    gvf_call_t c;
    gvc_status_t st;
    cudaError_t err;

    if ((a->height != 0 && w > SIZE_MAX / a->height) ||
        (a->depth != 0 && w * a->height > SIZE_MAX / a->depth)) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    packed = w * a->height * a->depth;
    if (packed == 0) {
        return cudaSuccess;
    }
    if ((from_host || to_host) && h->pitch < w) {
        return gvrt_fail(cudaErrorInvalidPitchValue);
    }
    err = gvrt_begin_dev(&c, GV_API_gvMemcpyArray, dev, 0);
    if (err != cudaSuccess) {
        return err;
    }
    if ((from_host || to_host) &&
        (h->pitch != w || (a->depth > 1 && h->ysize != a->height))) {
        buf = malloc(packed);
        if (buf == NULL) {
            gvf_call_fini(&c);
            return gvrt_fail(cudaErrorMemoryAllocation);
        }
    }
    gvx_acopy_pack(&c.enc, a);
    if (from_host) {
        if (buf != NULL) {
            gvf_host_pack(h, buf, w, a->height, a->depth, 1);
        }
        gvf_call_data_out(&c, buf != NULL ? buf : h->p, packed,
                          buf != NULL ? NULL : gvf_mem_find(h->p, packed));
    } else if (to_host) {
        gvf_call_data_in(&c, buf != NULL ? buf : h->p, packed);
    }
    if (!from_host && !to_host && (a->flags & GVX_CPY_ASYNC)) {
        free(buf);
        return gvrt_end(&c, gvf_call_oneway(&c));
    }
    st = gvf_call_sync(&c);
    if (gvrt_ok(&c, st) && to_host) {
        if (c.reply.data_len != packed) {
            st = GVC_ERR_PROTO;
        } else if (buf != NULL) {
            gvf_host_pack(h, buf, w, a->height, a->depth, 0);
        }
    }
    free(buf);
    return gvrt_end(&c, st);
}

/* Where a copy runs: the owner of its device memory, else the current
 * device (arrays belong to the device that made them, which a program
 * makes current to use them). */
static int route(int owner)
{
    return owner >= 0 ? owner : gvf_current_ordinal();
}

static cudaError_t start(enum cudaMemcpyKind k)
{
    gvc_status_t st = gvf_init();

    if (st != GVC_OK) {
        return gvrt_status_to_error(st);
    }
    return kind_check(k);
}

/* ---- 2D ---------------------------------------------------------------------- */

/*
 * A copy between memory (host or device, as mem_side decides) and an
 * array; a holds the extent, stream and flags.  The memory side's rows
 * are pitch bytes apart; a linear copy (GVX_CPY_LINEAR) runs in row order
 * and leaves the pitch of that side unset on the wire.
 */
static cudaError_t mem_array(gvx_acopy_t *a, int to_array,
                             const void *array, size_t wo, size_t ho,
                             void *mem, size_t pitch, enum cudaMemcpyKind k)
{
    gvx_aside_t *m = to_array ? &a->src : &a->dst;
    hside_t h = { mem, pitch, a->height, 0 };
    int owner = -1;
    cudaError_t err = start(k);

    if (err == cudaSuccess) {
        err = mem_side(mem, k, !to_array, m, &owner);
    }
    if (err == cudaSuccess && a->width > pitch) {
        err = cudaErrorInvalidPitchValue;
    }
    if (err != cudaSuccess) {
        return gvrt_fail(err);
    }
    if (!(a->flags & GVX_CPY_LINEAR)) {
        m->pitch = pitch;
        m->ysize = a->height;
    }
    array_side(to_array ? &a->dst : &a->src, array, wo, ho, 0);
    return acopy(a, &h, route(owner));
}

static cudaError_t to_array_2d(cudaArray_t dst, size_t wo, size_t ho,
                               const void *src, size_t spitch, size_t width,
                               size_t height, enum cudaMemcpyKind k,
                               cudaStream_t s, uint32_t flags)
{
    gvx_acopy_t a = { .width = width, .height = height, .depth = 1,
                      .stream = (uint64_t)(uintptr_t)s, .flags = flags };

    return mem_array(&a, 1, dst, wo, ho, (void *)src, spitch, k);
}

static cudaError_t from_array_2d(void *dst, size_t dpitch,
                                 cudaArray_const_t src, size_t wo, size_t ho,
                                 size_t width, size_t height,
                                 enum cudaMemcpyKind k, cudaStream_t s,
                                 uint32_t flags)
{
    gvx_acopy_t a = { .width = width, .height = height, .depth = 1,
                      .stream = (uint64_t)(uintptr_t)s, .flags = flags };

    return mem_array(&a, 0, src, wo, ho, dst, dpitch, k);
}

static cudaError_t array_to_array(cudaArray_t dst, size_t wod, size_t hod,
                                  cudaArray_const_t src, size_t wos,
                                  size_t hos, size_t width, size_t height,
                                  enum cudaMemcpyKind k, uint32_t flags)
{
    gvx_acopy_t a = { .width = width, .height = height, .depth = 1,
                      .flags = flags };
    cudaError_t err = start(k);

    if (err == cudaSuccess && k != cudaMemcpyDeviceToDevice &&
        k != cudaMemcpyDefault) {
        err = cudaErrorInvalidMemcpyDirection;
    }
    if (err != cudaSuccess) {
        return gvrt_fail(err);
    }
    array_side(&a.dst, dst, wod, hod, 0);
    array_side(&a.src, src, wos, hos, 0);
    return acopy(&a, NULL, route(-1));
}

#define PTDS GVX_CPY_PTDS
#define ASYNC GVX_CPY_ASYNC

static cudaStream_t ptsz(cudaStream_t s)
{
    return s == NULL ? cudaStreamPerThread : s;
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpy2DToArray(
    cudaArray_t dst, size_t wOffset, size_t hOffset, const void *src,
    size_t spitch, size_t width, size_t height, enum cudaMemcpyKind kind)
{
    return to_array_2d(dst, wOffset, hOffset, src, spitch, width, height,
                       kind, NULL, 0);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpy2DToArray_ptds(
    cudaArray_t dst, size_t wOffset, size_t hOffset, const void *src,
    size_t spitch, size_t width, size_t height, enum cudaMemcpyKind kind)
{
    return to_array_2d(dst, wOffset, hOffset, src, spitch, width, height,
                       kind, NULL, PTDS);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpy2DToArrayAsync(
    cudaArray_t dst, size_t wOffset, size_t hOffset, const void *src,
    size_t spitch, size_t width, size_t height, enum cudaMemcpyKind kind,
    cudaStream_t stream)
{
    return to_array_2d(dst, wOffset, hOffset, src, spitch, width, height,
                       kind, stream, ASYNC);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpy2DToArrayAsync_ptsz(
    cudaArray_t dst, size_t wOffset, size_t hOffset, const void *src,
    size_t spitch, size_t width, size_t height, enum cudaMemcpyKind kind,
    cudaStream_t stream)
{
    return to_array_2d(dst, wOffset, hOffset, src, spitch, width, height,
                       kind, ptsz(stream), ASYNC | PTDS);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpy2DFromArray(
    void *dst, size_t dpitch, cudaArray_const_t src, size_t wOffset,
    size_t hOffset, size_t width, size_t height, enum cudaMemcpyKind kind)
{
    return from_array_2d(dst, dpitch, src, wOffset, hOffset, width, height,
                         kind, NULL, 0);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpy2DFromArray_ptds(
    void *dst, size_t dpitch, cudaArray_const_t src, size_t wOffset,
    size_t hOffset, size_t width, size_t height, enum cudaMemcpyKind kind)
{
    return from_array_2d(dst, dpitch, src, wOffset, hOffset, width, height,
                         kind, NULL, PTDS);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpy2DFromArrayAsync(
    void *dst, size_t dpitch, cudaArray_const_t src, size_t wOffset,
    size_t hOffset, size_t width, size_t height, enum cudaMemcpyKind kind,
    cudaStream_t stream)
{
    return from_array_2d(dst, dpitch, src, wOffset, hOffset, width, height,
                         kind, stream, ASYNC);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpy2DFromArrayAsync_ptsz(
    void *dst, size_t dpitch, cudaArray_const_t src, size_t wOffset,
    size_t hOffset, size_t width, size_t height, enum cudaMemcpyKind kind,
    cudaStream_t stream)
{
    return from_array_2d(dst, dpitch, src, wOffset, hOffset, width, height,
                         kind, ptsz(stream), ASYNC | PTDS);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpy2DArrayToArray(
    cudaArray_t dst, size_t wOffsetDst, size_t hOffsetDst,
    cudaArray_const_t src, size_t wOffsetSrc, size_t hOffsetSrc,
    size_t width, size_t height, enum cudaMemcpyKind kind)
{
    return array_to_array(dst, wOffsetDst, hOffsetDst, src, wOffsetSrc,
                          hOffsetSrc, width, height, kind, 0);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpy2DArrayToArray_ptds(
    cudaArray_t dst, size_t wOffsetDst, size_t hOffsetDst,
    cudaArray_const_t src, size_t wOffsetSrc, size_t hOffsetSrc,
    size_t width, size_t height, enum cudaMemcpyKind kind)
{
    return array_to_array(dst, wOffsetDst, hOffsetDst, src, wOffsetSrc,
                          hOffsetSrc, width, height, kind, PTDS);
}

/* ---- linear (deprecated, still common in older code) -------------------------- */

static cudaError_t to_array_lin(cudaArray_t dst, size_t wo, size_t ho,
                                const void *src, size_t count,
                                enum cudaMemcpyKind k, cudaStream_t s,
                                uint32_t flags)
{
    gvx_acopy_t a = { .width = count, .height = 1, .depth = 1,
                      .stream = (uint64_t)(uintptr_t)s,
                      .flags = flags | GVX_CPY_LINEAR };

    return mem_array(&a, 1, dst, wo, ho, (void *)src, count, k);
}

static cudaError_t from_array_lin(void *dst, cudaArray_const_t src,
                                  size_t wo, size_t ho, size_t count,
                                  enum cudaMemcpyKind k, cudaStream_t s,
                                  uint32_t flags)
{
    gvx_acopy_t a = { .width = count, .height = 1, .depth = 1,
                      .stream = (uint64_t)(uintptr_t)s,
                      .flags = flags | GVX_CPY_LINEAR };

    return mem_array(&a, 0, src, wo, ho, dst, count, k);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpyToArray(cudaArray_t dst,
                                                 size_t wOffset,
                                                 size_t hOffset,
                                                 const void *src,
                                                 size_t count,
                                                 enum cudaMemcpyKind kind)
{
    return to_array_lin(dst, wOffset, hOffset, src, count, kind, NULL, 0);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpyToArray_ptds(
    cudaArray_t dst, size_t wOffset, size_t hOffset, const void *src,
    size_t count, enum cudaMemcpyKind kind)
{
    return to_array_lin(dst, wOffset, hOffset, src, count, kind, NULL, PTDS);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpyToArrayAsync(
    cudaArray_t dst, size_t wOffset, size_t hOffset, const void *src,
    size_t count, enum cudaMemcpyKind kind, cudaStream_t stream)
{
    return to_array_lin(dst, wOffset, hOffset, src, count, kind, stream,
                        ASYNC);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpyToArrayAsync_ptsz(
    cudaArray_t dst, size_t wOffset, size_t hOffset, const void *src,
    size_t count, enum cudaMemcpyKind kind, cudaStream_t stream)
{
    return to_array_lin(dst, wOffset, hOffset, src, count, kind,
                        ptsz(stream), ASYNC | PTDS);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpyFromArray(void *dst,
                                                   cudaArray_const_t src,
                                                   size_t wOffset,
                                                   size_t hOffset,
                                                   size_t count,
                                                   enum cudaMemcpyKind kind)
{
    return from_array_lin(dst, src, wOffset, hOffset, count, kind, NULL, 0);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpyFromArray_ptds(
    void *dst, cudaArray_const_t src, size_t wOffset, size_t hOffset,
    size_t count, enum cudaMemcpyKind kind)
{
    return from_array_lin(dst, src, wOffset, hOffset, count, kind, NULL,
                          PTDS);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpyFromArrayAsync(
    void *dst, cudaArray_const_t src, size_t wOffset, size_t hOffset,
    size_t count, enum cudaMemcpyKind kind, cudaStream_t stream)
{
    return from_array_lin(dst, src, wOffset, hOffset, count, kind, stream,
                          ASYNC);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpyFromArrayAsync_ptsz(
    void *dst, cudaArray_const_t src, size_t wOffset, size_t hOffset,
    size_t count, enum cudaMemcpyKind kind, cudaStream_t stream)
{
    return from_array_lin(dst, src, wOffset, hOffset, count, kind,
                          ptsz(stream), ASYNC | PTDS);
}

static cudaError_t array_to_array_lin(cudaArray_t dst, size_t wod,
                                      size_t hod, cudaArray_const_t src,
                                      size_t wos, size_t hos, size_t count,
                                      enum cudaMemcpyKind k, uint32_t flags)
{
    gvx_acopy_t a = { .width = count, .height = 1, .depth = 1,
                      .flags = flags | GVX_CPY_LINEAR };
    cudaError_t err = start(k);

    if (err == cudaSuccess && k != cudaMemcpyDeviceToDevice &&
        k != cudaMemcpyDefault) {
        err = cudaErrorInvalidMemcpyDirection;
    }
    if (err != cudaSuccess) {
        return gvrt_fail(err);
    }
    array_side(&a.dst, dst, wod, hod, 0);
    array_side(&a.src, src, wos, hos, 0);
    return acopy(&a, NULL, route(-1));
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpyArrayToArray(
    cudaArray_t dst, size_t wOffsetDst, size_t hOffsetDst,
    cudaArray_const_t src, size_t wOffsetSrc, size_t hOffsetSrc,
    size_t count, enum cudaMemcpyKind kind)
{
    return array_to_array_lin(dst, wOffsetDst, hOffsetDst, src, wOffsetSrc,
                              hOffsetSrc, count, kind, 0);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpyArrayToArray_ptds(
    cudaArray_t dst, size_t wOffsetDst, size_t hOffsetDst,
    cudaArray_const_t src, size_t wOffsetSrc, size_t hOffsetSrc,
    size_t count, enum cudaMemcpyKind kind)
{
    return array_to_array_lin(dst, wOffsetDst, hOffsetDst, src, wOffsetSrc,
                              hOffsetSrc, count, kind, PTDS);
}

/* ---- 3D ------------------------------------------------------------------------ */

/* Bytes of one element of an array (asked of its worker). */
static cudaError_t elem_size(cudaArray_const_t a, size_t *elem)
{
    struct cudaChannelFormatDesc d;
    struct cudaExtent e;
    unsigned int flags;
    cudaError_t err = cudaArrayGetInfo(&d, &e, &flags, (cudaArray_t)a);

    if (err != cudaSuccess) {
        return err;
    }
    *elem = (size_t)(d.x + d.y + d.z + d.w) / 8;
    return *elem != 0 ? cudaSuccess : cudaErrorInvalidValue;
}

/* One side of a cudaMemcpy3DParms: x of an array in elements becomes
 * bytes (the wire's unit).  So does x of a pointer: with an array in the
 * copy, the runtime counts the pointer's x in the array's elements too
 * (the H100 refuses x = 8 into a 48-byte pitch for 8 floats, accepts it
 * into 64), so xscale is that array's element size. */
static cudaError_t side3d(cudaArray_t array, struct cudaPos pos,
                          struct cudaPitchedPtr pp, enum cudaMemcpyKind k,
                          int is_dst, size_t xscale, gvx_aside_t *w,
                          hside_t *h, size_t *elem, int *owner)
{
    cudaError_t err;

    if (array != NULL) {
        /* *elem is known already when the caller asked (one RPC less). */
        err = *elem != 0 ? cudaSuccess : elem_size(array, elem);
        if (err == cudaSuccess) {
            array_side(w, array, pos.x * *elem, pos.y, pos.z);
        }
        return err;
    }
    err = mem_side(pp.ptr, k, is_dst, w, owner);
    if (err != cudaSuccess) {
        return err;
    }
    pos.x *= xscale;
    if (w->type == GVX_SIDE_HOST) {
        h->p = (char *)pp.ptr + (pos.z * pp.ysize + pos.y) * pp.pitch + pos.x;
        h->pitch = pp.pitch;
        h->ysize = pp.ysize;
    } else {
        w->pitch = pp.pitch;
        w->ysize = pp.ysize;
        w->x = pos.x;
        w->y = pos.y;
        w->z = pos.z;
    }
    return cudaSuccess;
}

/* cudaMemcpy3D* where a side is an array (cudart_copy.c sends the rest);
 * dev < 0: the device the memory side names, else the current one. */
cudaError_t gvrt_copy3d_array(const struct cudaMemcpy3DParms *p, int dev,
                              cudaStream_t s, uint32_t flags)
{
    gvx_acopy_t a = { .height = p->extent.height, .depth = p->extent.depth,
                      .stream = (uint64_t)(uintptr_t)s, .flags = flags };
    hside_t h = { NULL, 0, 0, 0 };
    size_t de = 0, se = 0;
    int owner = -1;
    cudaError_t err = start(p->kind);

    if (err == cudaSuccess) {
        /* The array's element size scales the other side's x. */
        err = elem_size(p->dstArray != NULL ? p->dstArray : p->srcArray,
                        p->dstArray != NULL ? &de : &se);
    }
    if (err == cudaSuccess) {
        err = side3d(p->dstArray, p->dstPos, p->dstPtr, p->kind, 1,
                     se, &a.dst, &h, &de, &owner);
    }
    if (err == cudaSuccess) {
        err = side3d(p->srcArray, p->srcPos, p->srcPtr, p->kind, 0,
                     de, &a.src, &h, &se, &owner);
    }
    if (err != cudaSuccess) {
        return gvrt_fail(err);
    }
    /* The extent counts elements of the array (the destination's when
     * both are arrays). */
    a.width = p->extent.width * (p->dstArray != NULL ? de : se);
    return acopy(&a, &h, dev >= 0 ? dev : route(owner));
}

/* ---- between devices ------------------------------------------------------------ */

/* Bytes of one element of a side: an array's, or 1 for memory. */
static cudaError_t side_elem(cudaArray_const_t a, size_t *elem)
{
    *elem = 1;
    return a != NULL ? elem_size(a, elem) : cudaSuccess;
}

/*
 * A 3D copy between two devices: from the source into a host buffer,
 * then from there into the destination (remote GPUs have no path to
 * each other); on one device, a plain 3D copy.
 */
static cudaError_t peer3d(const struct cudaMemcpy3DPeerParms *p,
                          cudaStream_t s, uint32_t flags)
{
    struct cudaMemcpy3DParms q;
    struct cudaExtent e;
    size_t w = 0, se = 1, de = 1, packed;
    gvc_status_t st = gvf_init();
    cudaError_t err;
    char *buf;

    if (st != GVC_OK) {
        return gvrt_fail(gvrt_status_to_error(st));
    }
    if (p == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    if (gvf_dev(p->srcDevice) == NULL || gvf_dev(p->dstDevice) == NULL) {
        return gvrt_fail(cudaErrorInvalidDevice);
    }
    memset(&q, 0, sizeof(q));
    q.srcArray = p->srcArray;
    q.srcPos = p->srcPos;
    q.srcPtr = p->srcPtr;
    q.dstArray = p->dstArray;
    q.dstPos = p->dstPos;
    q.dstPtr = p->dstPtr;
    q.extent = p->extent;
    q.kind = cudaMemcpyDeviceToDevice;
    e = p->extent;
    if (p->srcDevice == p->dstDevice) {
        return gvrt_copy3d(&q, p->srcDevice, s, flags);
    }
    if (e.width == 0 || e.height == 0 || e.depth == 0) {
        return cudaSuccess;
    }
    /* The host buffer holds the region packed, w bytes per row; the
     * extent counts the destination array's elements when both sides
     * are arrays (as gvrt_copy3d_array). */
    err = side_elem(p->srcArray, &se);
    if (err == cudaSuccess) {
        err = side_elem(p->dstArray, &de);
    }
    if (err != cudaSuccess) {
        return gvrt_fail(err);
    }
    if (e.width > SIZE_MAX / (p->dstArray != NULL ? de : se)) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    w = e.width * (p->dstArray != NULL ? de : se);
    if (w % se != 0 || w % de != 0 || e.height > SIZE_MAX / w ||
        e.depth > SIZE_MAX / (w * e.height)) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    packed = w * e.height * e.depth;
    buf = malloc(packed);
    if (buf == NULL) {
        return gvrt_fail(cudaErrorMemoryAllocation);
    }
    q.dstArray = NULL;
    q.dstPos = (struct cudaPos){ 0, 0, 0 };
    q.dstPtr = gvx_pitched(buf, w, w, e.height);
    q.kind = cudaMemcpyDeviceToHost;
    q.extent.width = w / se;
    err = gvrt_copy3d(&q, p->srcDevice, NULL, flags & PTDS);
    if (err == cudaSuccess) {
        q.srcArray = NULL;
        q.srcPos = (struct cudaPos){ 0, 0, 0 };
        q.srcPtr = gvx_pitched(buf, w, w, e.height);
        q.dstArray = p->dstArray;
        q.dstPos = p->dstPos;
        q.dstPtr = p->dstPtr;
        q.kind = cudaMemcpyHostToDevice;
        q.extent.width = w / de;
        err = gvrt_copy3d(&q, p->dstDevice, NULL, flags & PTDS);
    }
    free(buf);
    return err;
}

GVRT_API cudaError_t CUDARTAPI
cudaMemcpy3DPeer(const struct cudaMemcpy3DPeerParms *p)
{
    return peer3d(p, NULL, 0);
}

GVRT_API cudaError_t CUDARTAPI
cudaMemcpy3DPeer_ptds(const struct cudaMemcpy3DPeerParms *p)
{
    return peer3d(p, NULL, PTDS);
}

GVRT_API cudaError_t CUDARTAPI
cudaMemcpy3DPeerAsync(const struct cudaMemcpy3DPeerParms *p, cudaStream_t s)
{
    return peer3d(p, s, ASYNC);
}

GVRT_API cudaError_t CUDARTAPI
cudaMemcpy3DPeerAsync_ptsz(const struct cudaMemcpy3DPeerParms *p,
                           cudaStream_t s)
{
    return peer3d(p, ptsz(s), ASYNC | PTDS);
}
