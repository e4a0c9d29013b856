/*
 * gvf_copy.c - copies with a remote GPU (see gvf_copy.h).  The same
 * protocol as cudart_copy.c: chunked host-to-device from the caller's
 * memory (zero-copy and without waiting from registered memory when
 * asynchronous), device-to-host into the destination (a detached call
 * into registered memory when asynchronous).
 */
#include "config.h"

#include "gvf_copy.h"
#include "gv_api_cudart.h"
#include "gvx.h"

#include <stdlib.h>
#include <string.h>

static void send_done(void *arg, gvc_status_t st)
{
    (void)arg;
    (void)st;
}

/* Send c; the result, or the transport status. */
static gvc_status_t finish(gvf_call_t *c, gvc_status_t st, int64_t *res_p)
{
    *res_p = st == GVC_OK ? c->reply.result : 0;
    gvf_call_fini(c);
    return st;
}

gvc_status_t gvf_copy_h2d(gvf_dev_t *dev, uint64_t dst, const void *src,
                          size_t n, uint64_t stream, uint32_t flags,
                          int64_t *res_p)
{
    gvt_memh_t *memh = gvf_mem_find(src, n);
    size_t chunk = gvf_dev_chunk(dev), off = 0;
    int pinned_async = (flags & GVX_CPY_ASYNC) && memh != NULL;
    gvc_status_t st = GVC_OK;

    *res_p = 0;
    if (chunk == 0) {
        chunk = n > 0 ? n : 1;
    }
    do {
        size_t len = n - off < chunk ? n - off : chunk;
        int last = off + len == n;
        gvx_copy_t a = { .dst = dst, .total = n, .offset = off, .len = len,
                         .stream = stream,
                         .flags = flags | (last ? GVX_CPY_LAST : 0) };
        gvf_call_t c;

        st = gvf_call_init(&c, dev, GV_API_gvMemcpyH2D, 0);
        if (st != GVC_OK) {
            return st;
        }
        gvx_copy_pack(&c.enc, &a);
        gvf_call_data_out(&c, (const char *)src + off, len, memh);
        if (pinned_async) {
            c.out.done = send_done;   /* the caller keeps the buffer */
            st = gvf_call_oneway(&c);
        } else if (last && !(flags & GVX_CPY_ASYNC)) {
            st = gvf_call_sync(&c);
        } else {
            st = gvf_call_oneway(&c); /* returns once the data left */
        }
        st = finish(&c, st, res_p);
        off += len;
    } while (st == GVC_OK && *res_p == 0 && off < n);
    return st;
}

gvc_status_t gvf_copy_d2h(gvf_dev_t *dev, void *dst, uint64_t src, size_t n,
                          uint64_t stream, uint32_t flags, int64_t *res_p)
{
    gvx_copy_t a = { .src = src, .total = n, .stream = stream,
                     .flags = flags };
    gvf_call_t c;
    gvc_status_t st = gvf_call_init(&c, dev, GV_API_gvMemcpyD2H, 0);

    *res_p = 0;
    if (st != GVC_OK) {
        return st;
    }
    gvx_copy_pack(&c.enc, &a);
    if ((flags & GVX_CPY_ASYNC) && gvf_mem_find(dst, n) != NULL) {
        return finish(&c, gvf_call_detached(&c, dst, n), res_p);
    }
    gvf_call_data_in(&c, dst, n);
    st = gvf_call_sync(&c);
    if (st == GVC_OK && c.reply.result == 0 && c.reply.data_len != n) {
        st = GVC_ERR_PROTO;
    }
    return finish(&c, st, res_p);
}

gvc_status_t gvf_copy_d2d(gvf_dev_t *dev, uint64_t dst, uint64_t src,
                          size_t n, uint64_t stream, uint32_t flags,
                          int64_t *res_p)
{
    gvx_copy_t a = { .dst = dst, .src = src, .total = n, .stream = stream,
                     .flags = flags };
    gvf_call_t c;
    gvc_status_t st = gvf_call_init(&c, dev, GV_API_gvMemcpyD2D, 0);

    *res_p = 0;
    if (st != GVC_OK) {
        return st;
    }
    gvx_copy_pack(&c.enc, &a);
    return finish(&c, flags & GVX_CPY_ASYNC ? gvf_call_oneway(&c)
                                            : gvf_call_sync(&c), res_p);
}

void gvf_host_pack(const gvf_side_t *h, char *buf, size_t w, size_t rows,
                   size_t depth, int to_buf)
{
    for (size_t z = 0; z < depth; z++) {
        for (size_t y = 0; y < rows; y++) {
            char *hp = h->p + (z * h->ysize + y) * h->pitch;
            char *bp = buf + (z * rows + y) * w;
            if (to_buf) {
                memcpy(bp, hp, w);
            } else {
                memcpy(hp, bp, w);
            }
        }
    }
}

gvc_status_t gvf_copy_3d(gvf_dev_t *dev, const gvf_side_t *dst,
                         const gvf_side_t *src, size_t w, size_t h,
                         size_t depth, uint64_t stream, uint32_t flags,
                         int64_t *res_p)
{
    gvx_copy3d_t a = { .width = w, .height = h, .depth = depth,
                       .stream = stream, .flags = flags };
    size_t packed;
    char *buf = NULL;
    gvf_call_t c;
    gvc_status_t st;

    *res_p = 0;
    if ((h != 0 && w > SIZE_MAX / h) ||
        (depth != 0 && w * h > SIZE_MAX / depth)) {
        return GVC_ERR_INVALID;
    }
    packed = w * h * depth;
    if (!dst->on_dev || !src->on_dev) {
        buf = malloc(packed ? packed : 1);
        if (buf == NULL) {
            return GVC_ERR_NOMEM;
        }
    }
    if (!dst->on_dev && !src->on_dev) {
        gvf_host_pack(src, buf, w, h, depth, 1);
        gvf_host_pack(dst, buf, w, h, depth, 0);
        free(buf);
        return GVC_OK;
    }
    st = gvf_call_init(&c, dev, GV_API_gvMemcpy3D, 0);
    if (st != GVC_OK) {
        free(buf);
        return st;
    }
    if (!src->on_dev) {
        a.kind = 1; /* cudaMemcpyHostToDevice */
        gvf_host_pack(src, buf, w, h, depth, 1);
        gvf_call_data_out(&c, buf, packed, NULL);
    } else if (!dst->on_dev) {
        a.kind = 2; /* cudaMemcpyDeviceToHost */
        gvf_call_data_in(&c, buf, packed);
    } else {
        a.kind = 3; /* cudaMemcpyDeviceToDevice */
        a.src = (uint64_t)(uintptr_t)src->p;
        a.src_pitch = src->pitch;
        a.src_ysize = src->ysize;
    }
    a.dev = (uint64_t)(uintptr_t)(dst->on_dev ? dst->p : src->p);
    a.dev_pitch = dst->on_dev ? dst->pitch : src->pitch;
    a.dev_ysize = dst->on_dev ? dst->ysize : src->ysize;
    gvx_copy3d_pack(&c.enc, &a);
    st = gvf_call_sync(&c);
    if (st == GVC_OK && c.reply.result == 0 && !dst->on_dev) {
        gvf_host_pack(dst, buf, w, h, depth, 0);
    }
    free(buf);
    return finish(&c, st, res_p);
}
