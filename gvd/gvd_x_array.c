/*
 * gvd_x_array.c - copies with CUDA arrays on the worker (gvMemcpyArray):
 * cudaMemcpy{2D,}{To,From}Array*, cudaMemcpy*ArrayToArray*, and
 * cudaMemcpy3D* and cudaMemcpy3DPeer* when they name arrays.
 *
 * The request is in bytes (lib/gvx.h); each array side's element size
 * comes from cudaArrayGetInfo here, so offsets and widths become the
 * elements cudaMemcpy3D wants.  Host data is the request's payload or a
 * bounce buffer sent back with the reply: such copies finish before the
 * worker answers (stronger ordering than asked for an asynchronous one,
 * never weaker); array to device copies stay in stream order.
 */
#include "config.h"

#include "gvd_client.h"
#include "gvd_hand.h"
#include "gvd_rt.h"
#include "gvx.h"
#include "gvx_cuda.h"

#include <stdlib.h>
#include <string.h>

/* One side, resolved: an array and its element size, or memory whose
 * first byte of the region is p (host: the packed buffer). */
typedef struct aside {
    uint32_t type;
    cudaArray_t array;
    size_t elem;          /* array element bytes */
    size_t row;           /* array row bytes (width * elem) */
    char *p;
    size_t pitch, ysize;
    size_t x, y, z;
} aside_t;

static int64_t array_side(gvd_call_t *c, const gvx_aside_t *w, aside_t *s)
{
    struct cudaChannelFormatDesc d;
    struct cudaExtent e;
    unsigned int flags;
    cudaError_t r;

    memset(s, 0, sizeof(*s));
    s->type = w->type;
    s->x = w->x;
    s->y = w->y;
    s->z = w->z;
    if (w->type != GVX_SIDE_ARRAY) {
        s->p = (char *)(uintptr_t)w->ptr;
        s->pitch = w->pitch;
        s->ysize = w->ysize;
        return 0;
    }
    s->array = (cudaArray_t)(uintptr_t)w->ptr;
    if (!gvd_handle_ok(c->cl, GVD_H_ARRAY, s->array)) {
        return cudaErrorInvalidResourceHandle;
    }
    if (gvd_rt(c)->cudaArrayGetInfo == NULL) {
        return cudaErrorNotSupported;
    }
    r = gvd_rt(c)->cudaArrayGetInfo(&d, &e, &flags, s->array);
    if (r != cudaSuccess) {
        return r;
    }
    s->elem = (size_t)(d.x + d.y + d.z + d.w) / 8;
    if (s->elem == 0) {
        return cudaErrorInvalidValue;
    }
    s->row = e.width * s->elem;
    return 0;
}

/* cudaMemcpy3DParms of one side for a region at (x, y, z) of width
 * bytes. */
static int64_t side_parms(const aside_t *s, size_t x, size_t y, size_t z,
                          size_t width, cudaArray_t *arr, struct cudaPos *pos,
                          struct cudaPitchedPtr *pp)
{
    if (s->type == GVX_SIDE_ARRAY) {
        if (x % s->elem != 0 || width % s->elem != 0) {
            return cudaErrorInvalidValue;
        }
        *arr = s->array;
        pos->x = x / s->elem;
    } else {
        /* x is in bytes here; the runtime would count it in the array's
         * elements, so it goes into the pointer instead. */
        *pp = gvx_pitched(s->p + x, s->pitch, width, s->ysize);
        pos->x = 0;
    }
    pos->y = y;
    pos->z = z;
    return 0;
}

/* One cudaMemcpy3DAsync of width bytes x height rows x depth slices. */
static int64_t copy_region(gvd_call_t *c, const aside_t *d, size_t dx,
                           size_t dy, size_t dz, const aside_t *s,
                           size_t sx, size_t sy, size_t sz, size_t width,
                           size_t height, size_t depth, cudaStream_t st)
{
    struct cudaMemcpy3DParms p;
    size_t elem = d->type == GVX_SIDE_ARRAY ? d->elem : s->elem;
    int64_t r;

    memset(&p, 0, sizeof(p));
    r = side_parms(d, dx, dy, dz, width, &p.dstArray, &p.dstPos, &p.dstPtr);
    if (r == 0) {
        r = side_parms(s, sx, sy, sz, width, &p.srcArray, &p.srcPos,
                       &p.srcPtr);
    }
    if (r != 0 || width == 0 || height == 0 || depth == 0) {
        return r;
    }
    if (width % elem != 0) {
        return cudaErrorInvalidValue;
    }
    p.extent = gvx_extent(width / elem, height, depth);
    p.kind = s->type == GVX_SIDE_HOST   ? cudaMemcpyHostToDevice
             : d->type == GVX_SIDE_HOST ? cudaMemcpyDeviceToHost
                                        : cudaMemcpyDeviceToDevice;
    return gvd_rt(c)->cudaMemcpy3DAsync(&p, st);
}

/* cudaMemcpyToArray and friends: n bytes in row order, each array side
 * wrapping at the end of its rows; runs of whole rows go at once. */
static int64_t copy_linear(gvd_call_t *c, const aside_t *d, const aside_t *s,
                           size_t n, cudaStream_t st)
{
    size_t dx = d->x, dy = d->y, sx = s->x, sy = s->y, done = 0;
    int64_t r = 0;

    while (r == 0 && done < n) {
        size_t seg = n - done, rows = 1;
        aside_t dl = *d, sl = *s;
        if (d->type == GVX_SIDE_ARRAY && seg > d->row - dx) {
            seg = d->row - dx;
        }
        if (s->type == GVX_SIDE_ARRAY && seg > s->row - sx) {
            seg = s->row - sx;
        }
        if (seg == 0) {
            return cudaErrorInvalidValue; /* past the end of a row */
        }
        /* Whole rows of every array side: many at once. */
        if ((d->type != GVX_SIDE_ARRAY || (dx == 0 && seg == d->row)) &&
            (s->type != GVX_SIDE_ARRAY || (sx == 0 && seg == s->row)) &&
            (d->type != GVX_SIDE_ARRAY || s->type != GVX_SIDE_ARRAY ||
             d->row == s->row)) {
            rows = (n - done) / seg;
        }
        /* The linear side: rows back to back from its current byte. */
        if (d->type != GVX_SIDE_ARRAY) {
            dl.p = d->p + done;
            dl.pitch = seg;
            dl.ysize = rows;
        }
        if (s->type != GVX_SIDE_ARRAY) {
            sl.p = s->p + done;
            sl.pitch = seg;
            sl.ysize = rows;
        }
        r = copy_region(c, &dl, d->type == GVX_SIDE_ARRAY ? dx : 0,
                        d->type == GVX_SIDE_ARRAY ? dy : 0, 0, &sl,
                        s->type == GVX_SIDE_ARRAY ? sx : 0,
                        s->type == GVX_SIDE_ARRAY ? sy : 0, 0, seg, rows, 1,
                        st);
        done += seg * rows;
        if (d->type == GVX_SIDE_ARRAY) {
            dx += seg;
            dy += (dx / d->row) + rows - 1;
            dx %= d->row;
        }
        if (s->type == GVX_SIDE_ARRAY) {
            sx += seg;
            sy += (sx / s->row) + rows - 1;
            sx %= s->row;
        }
    }
    return r;
}

/* Device memory sides must lie in this client's allocations. */
static int mem_side_ok(gvd_call_t *c, const gvx_aside_t *w,
                       const gvx_acopy_t *a)
{
    uint64_t start, rows, bytes;

    if (w->type != GVX_SIDE_DEVICE) {
        return 1;
    }
    if (a->flags & GVX_CPY_LINEAR) {
        return gvd_mem_ok(c->cl, (void *)(uintptr_t)w->ptr, a->width);
    }
    /* The region starts (z * ysize + y) * pitch + x bytes in. */
    if (w->ysize != 0 && w->z > UINT64_MAX / w->ysize) {
        return 0;
    }
    rows = w->z * w->ysize;
    if (rows > UINT64_MAX - w->y || (w->pitch != 0 &&
                                     rows + w->y > UINT64_MAX / w->pitch)) {
        return 0;
    }
    start = (rows + w->y) * w->pitch;
    if (start > UINT64_MAX - w->x) {
        return 0;
    }
    bytes = start + w->x;
    return gvd_span_ok(c->cl, w->ptr + bytes, w->pitch, w->ysize, a->width,
                       a->height, a->depth) &&
           w->ptr + bytes >= w->ptr;
}

void gvd_h_memcpy_array(gvd_call_t *c)
{
    const gvd_rt_t *rt = gvd_rt(c);
    size_t packed;
    cudaStream_t st = NULL;
    aside_t d, s;
    gvx_acopy_t a;
    void *tmp = NULL;
    int64_t r;

    if (gvx_acopy_unpack(&c->dec, &a) != 0 ||
        ((a.flags & GVX_CPY_LINEAR) && (a.height != 1 || a.depth != 1))) {
        c->dec.status = GVC_ERR_PROTO;
    }
    if (gvd_args_end(c)) {
        return;
    }
    if (rt->cudaMemcpy3DAsync == NULL) {
        gvd_reply(c, cudaErrorNotSupported);
        return;
    }
    packed = a.width * a.height * a.depth;
    r = gvd_copy_stream(c, a.stream, a.flags, &st);
    if (r == 0 && (!mem_side_ok(c, &a.dst, &a) || !mem_side_ok(c, &a.src, &a) ||
                   (a.src.type == GVX_SIDE_HOST &&
                    c->msg->hdr.data_len != packed))) {
        r = cudaErrorInvalidValue;
    }
    if (r == 0) {
        r = array_side(c, &a.dst, &d);
    }
    if (r == 0) {
        r = array_side(c, &a.src, &s);
    }
    if (r == 0 && a.src.type == GVX_SIDE_HOST) {
        s.p = (char *)c->msg->data;
        s.pitch = a.width;
        s.ysize = a.height;
        s.x = s.y = s.z = 0;
    }
    if (r == 0 && a.dst.type == GVX_SIDE_HOST) {
        tmp = malloc(packed ? packed : 1);
        if (tmp == NULL) {
            r = cudaErrorMemoryAllocation;
        }
        d.p = tmp;
        d.pitch = a.width;
        d.ysize = a.height;
        d.x = d.y = d.z = 0;
    }
    if (r == 0 && packed > 0) {
        r = (a.flags & GVX_CPY_LINEAR)
                ? copy_linear(c, &d, &s, a.width, st)
                : copy_region(c, &d, d.x, d.y, d.z, &s, s.x, s.y, s.z,
                              a.width, a.height, a.depth, st);
    }
    /* Host buffers here are the transport's or tmp: done before they go. */
    if (r == 0 && (tmp != NULL || a.src.type == GVX_SIDE_HOST ||
                   !(a.flags & GVX_CPY_ASYNC))) {
        r = rt->cudaStreamSynchronize(st);
    }
    if (r == 0 && tmp != NULL) {
        gvd_reply_data(c, tmp, packed, NULL);
    }
    gvd_reply(c, r);
    free(tmp);
}
