/*
 * gvx.c - pack/unpack of the hand-written RPCs (see gvx.h).  Unpack
 * returns 0 when the whole buffer was exactly one valid message.
 */
#include "config.h"

#include "gvx.h"

#include <string.h>

static int dec_done(gvc_dec_t *d)
{
    return gvc_dec_finish(d) == GVC_OK ? 0 : -1;
}

/* The fixed-size fields of a message in wire order: one table per
 * message drives both the pack and the unpack loop, so the two sides
 * cannot disagree.  A number travels as u32 or u64 by its own size, raw
 * bytes as they are. */
typedef struct {
    uint32_t off;
    uint32_t size; /* bytes; a number is a uint32_t or a uint64_t */
    int raw;
} field_t;

/* A number field must be 4 or 8 bytes: anything else fails to compile
 * (an array of size -1) instead of travelling as a u64 read past it. */
#define NUM_SIZE(s) ((s) + 0 * sizeof(char[((s) == 4 || (s) == 8) ? 1 : -1]))
#define NUM(T, f) { offsetof(T, f), NUM_SIZE(sizeof(((T *)0)->f)), 0 }
#define RAW(T, f) { offsetof(T, f), sizeof(((T *)0)->f), 1 }
#define N_FIELDS(t) (sizeof(t) / sizeof((t)[0]))

static void fields_pack(gvc_enc_t *e, const void *a, const field_t *f,
                        size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *p = (const char *)a + f[i].off;

        if (f[i].raw) {
            gvc_enc_raw(e, p, f[i].size);
        } else if (f[i].size == sizeof(uint32_t)) {
            gvc_enc_u32(e, *(const uint32_t *)p);
        } else {
            gvc_enc_u64(e, *(const uint64_t *)p);
        }
    }
}

static void fields_unpack(gvc_dec_t *d, void *a, const field_t *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char *p = (char *)a + f[i].off;

        if (f[i].raw) {
            gvc_dec_raw(d, p, f[i].size);
        } else if (f[i].size == sizeof(uint32_t)) {
            gvc_dec_u32(d, (uint32_t *)p);
        } else {
            gvc_dec_u64(d, (uint64_t *)p);
        }
    }
}

/* A message of fixed-size fields alone, checked by dec_done only. */
static int fields_unpack_done(gvc_dec_t *d, void *a, const field_t *f,
                              size_t n)
{
    fields_unpack(d, a, f, n);
    return dec_done(d);
}

/* The chunk [offset, offset + len) lies within total bytes. */
static int chunk_ok(uint64_t total, uint64_t offset, uint64_t len)
{
    return offset <= total && len <= total - offset;
}

/* The packed host size of a strided copy is representable. */
static int extent_ok(uint64_t width, uint64_t height, uint64_t depth)
{
    return (!height || width <= UINT64_MAX / height) &&
           (!depth || width * height <= UINT64_MAX / depth);
}

static const field_t copy_f[] = {
    NUM(gvx_copy_t, dst),    NUM(gvx_copy_t, src),
    NUM(gvx_copy_t, total),  NUM(gvx_copy_t, offset),
    NUM(gvx_copy_t, len),    NUM(gvx_copy_t, stream),
    NUM(gvx_copy_t, flags),
};

void gvx_copy_pack(gvc_enc_t *e, const gvx_copy_t *a)
{
    fields_pack(e, a, copy_f, N_FIELDS(copy_f));
}

int gvx_copy_unpack(gvc_dec_t *d, gvx_copy_t *a)
{
    fields_unpack(d, a, copy_f, N_FIELDS(copy_f));
    if (dec_done(d) != 0 || !chunk_ok(a->total, a->offset, a->len)) {
        return -1;
    }
    return 0;
}

static const field_t copy3d_f[] = {
    NUM(gvx_copy3d_t, dev),       NUM(gvx_copy3d_t, dev_pitch),
    NUM(gvx_copy3d_t, dev_ysize), NUM(gvx_copy3d_t, src),
    NUM(gvx_copy3d_t, src_pitch), NUM(gvx_copy3d_t, src_ysize),
    NUM(gvx_copy3d_t, width),     NUM(gvx_copy3d_t, height),
    NUM(gvx_copy3d_t, depth),     NUM(gvx_copy3d_t, kind),
    NUM(gvx_copy3d_t, stream),    NUM(gvx_copy3d_t, flags),
};

void gvx_copy3d_pack(gvc_enc_t *e, const gvx_copy3d_t *a)
{
    fields_pack(e, a, copy3d_f, N_FIELDS(copy3d_f));
}

int gvx_copy3d_unpack(gvc_dec_t *d, gvx_copy3d_t *a)
{
    fields_unpack(d, a, copy3d_f, N_FIELDS(copy3d_f));
    if (dec_done(d) != 0 || !extent_ok(a->width, a->height, a->depth)) {
        return -1;
    }
    return 0;
}

/* gvx_acopy_t: its two sides, then the rest. */
static const field_t aside_f[] = {
    NUM(gvx_aside_t, type), NUM(gvx_aside_t, ptr),
    NUM(gvx_aside_t, pitch), NUM(gvx_aside_t, ysize),
    NUM(gvx_aside_t, x),    NUM(gvx_aside_t, y),
    NUM(gvx_aside_t, z),
};

static const field_t acopy_f[] = {
    NUM(gvx_acopy_t, width),  NUM(gvx_acopy_t, height),
    NUM(gvx_acopy_t, depth),  NUM(gvx_acopy_t, stream),
    NUM(gvx_acopy_t, flags),
};

void gvx_acopy_pack(gvc_enc_t *e, const gvx_acopy_t *a)
{
    fields_pack(e, &a->dst, aside_f, N_FIELDS(aside_f));
    fields_pack(e, &a->src, aside_f, N_FIELDS(aside_f));
    fields_pack(e, a, acopy_f, N_FIELDS(acopy_f));
}

int gvx_acopy_unpack(gvc_dec_t *d, gvx_acopy_t *a)
{
    fields_unpack(d, &a->dst, aside_f, N_FIELDS(aside_f));
    fields_unpack(d, &a->src, aside_f, N_FIELDS(aside_f));
    fields_unpack(d, a, acopy_f, N_FIELDS(acopy_f));
    /* Known sides, at least one array, one host side at most, a packed
     * host size that is representable. */
    if (dec_done(d) != 0 || a->dst.type > GVX_SIDE_ARRAY ||
        a->src.type > GVX_SIDE_ARRAY ||
        (a->dst.type != GVX_SIDE_ARRAY && a->src.type != GVX_SIDE_ARRAY) ||
        (a->dst.type == GVX_SIDE_HOST && a->src.type == GVX_SIDE_HOST) ||
        !extent_ok(a->width, a->height, a->depth)) {
        return -1;
    }
    return 0;
}

static const field_t module_f[] = {
    RAW(gvx_module_t, hash), NUM(gvx_module_t, size),
};

void gvx_module_pack(gvc_enc_t *e, const gvx_module_t *a)
{
    fields_pack(e, a, module_f, N_FIELDS(module_f));
}

int gvx_module_unpack(gvc_dec_t *d, gvx_module_t *a)
{
    return fields_unpack_done(d, a, module_f, N_FIELDS(module_f));
}

void gvx_kernel_req_pack(gvc_enc_t *e, const gvx_kernel_req_t *a)
{
    gvc_enc_u64(e, a->module);
    gvc_enc_str(e, a->name);
}

int gvx_kernel_req_unpack(gvc_dec_t *d, gvx_kernel_req_t *a)
{
    gvc_dec_u64(d, &a->module);
    gvc_dec_str(d, &a->name, 4096);
    return dec_done(d) == 0 && a->name != NULL ? 0 : -1;
}

void gvx_kernel_info_pack(gvc_enc_t *e, const gvx_kernel_info_t *a)
{
    gvc_enc_u64(e, a->func);
    gvc_enc_array(e, a->off, a->n_params, sizeof(uint32_t));
    gvc_enc_array(e, a->size, a->n_params, sizeof(uint32_t));
    gvc_enc_raw(e, a->attr, sizeof(a->attr));
}

int gvx_kernel_info_unpack(gvc_dec_t *d, gvx_kernel_info_t *a)
{
    const void *off, *size;
    uint32_t n1, n2;

    gvc_dec_u64(d, &a->func);
    gvc_dec_array(d, &off, &n1, sizeof(uint32_t), GVX_MAX_PARAMS);
    gvc_dec_array(d, &size, &n2, sizeof(uint32_t), GVX_MAX_PARAMS);
    gvc_dec_raw(d, a->attr, sizeof(a->attr));
    if (dec_done(d) != 0 || n1 != n2 || (n1 > 0 && (!off || !size))) {
        return -1;
    }
    a->n_params = n1;
    if (n1 > 0) { /* absent arrays (NULL views) carry no parameters */
        memcpy(a->off, off, n1 * sizeof(uint32_t));
        memcpy(a->size, size, n1 * sizeof(uint32_t));
    }
    return 0;
}

/* gvx_launch_t: these, then the parameters and the attributes. */
static const field_t launch_f[] = {
    NUM(gvx_launch_t, func),  RAW(gvx_launch_t, grid),
    RAW(gvx_launch_t, block), NUM(gvx_launch_t, shmem),
    NUM(gvx_launch_t, stream), NUM(gvx_launch_t, flags),
};

void gvx_launch_pack(gvc_enc_t *e, const gvx_launch_t *a)
{
    fields_pack(e, a, launch_f, N_FIELDS(launch_f));
    gvc_enc_bytes(e, a->params, a->params_len);
    gvc_enc_bytes(e, a->attrs, a->attrs ? (size_t)a->n_attrs * GVX_ATTR_SIZE : 0);
}

int gvx_launch_unpack(gvc_dec_t *d, gvx_launch_t *a)
{
    size_t plen, alen;

    fields_unpack(d, a, launch_f, N_FIELDS(launch_f));
    gvc_dec_bytes(d, &a->params, &plen, GVX_MAX_PARAM_BYTES);
    gvc_dec_bytes(d, &a->attrs, &alen, 64u * GVX_ATTR_SIZE);
    if (dec_done(d) != 0 || alen % GVX_ATTR_SIZE != 0) {
        return -1;
    }
    a->params_len = (uint32_t)plen;
    a->n_attrs = (uint32_t)(alen / GVX_ATTR_SIZE);
    return 0;
}

static const field_t symbol_f[] = {
    NUM(gvx_symbol_t, dptr), NUM(gvx_symbol_t, size),
};

void gvx_symbol_pack(gvc_enc_t *e, const gvx_symbol_t *a)
{
    fields_pack(e, a, symbol_f, N_FIELDS(symbol_f));
}

int gvx_symbol_unpack(gvc_dec_t *d, gvx_symbol_t *a)
{
    return fields_unpack_done(d, a, symbol_f, N_FIELDS(symbol_f));
}

static const field_t hostfn_f[] = {
    NUM(gvx_hostfn_t, stream), NUM(gvx_hostfn_t, id),
    NUM(gvx_hostfn_t, status),
};

void gvx_hostfn_pack(gvc_enc_t *e, const gvx_hostfn_t *a)
{
    fields_pack(e, a, hostfn_f, N_FIELDS(hostfn_f));
}

int gvx_hostfn_unpack(gvc_dec_t *d, gvx_hostfn_t *a)
{
    return fields_unpack_done(d, a, hostfn_f, N_FIELDS(hostfn_f));
}

/* gvx_peer_link_t: these, then the address. */
static const field_t peer_link_f[] = {
    NUM(gvx_peer_link_t, link), RAW(gvx_peer_link_t, token),
};

void gvx_peer_link_pack(gvc_enc_t *e, const gvx_peer_link_t *a)
{
    fields_pack(e, a, peer_link_f, N_FIELDS(peer_link_f));
    gvc_enc_bytes(e, a->addr, a->addr_len);
}

int gvx_peer_link_unpack(gvc_dec_t *d, gvx_peer_link_t *a)
{
    fields_unpack(d, a, peer_link_f, N_FIELDS(peer_link_f));
    gvc_dec_bytes(d, &a->addr, &a->addr_len, GVX_PEER_MAX_ADDR);
    if (dec_done(d) != 0 || a->addr == NULL || a->addr_len == 0) {
        return -1;
    }
    return 0;
}

static const field_t peer_put_f[] = {
    NUM(gvx_peer_put_t, link),   NUM(gvx_peer_put_t, dst),
    NUM(gvx_peer_put_t, src),    NUM(gvx_peer_put_t, total),
    NUM(gvx_peer_put_t, stream), NUM(gvx_peer_put_t, flags),
};

void gvx_peer_put_pack(gvc_enc_t *e, const gvx_peer_put_t *a)
{
    fields_pack(e, a, peer_put_f, N_FIELDS(peer_put_f));
}

int gvx_peer_put_unpack(gvc_dec_t *d, gvx_peer_put_t *a)
{
    return fields_unpack_done(d, a, peer_put_f, N_FIELDS(peer_put_f));
}

static const field_t peer_chunk_f[] = {
    RAW(gvx_peer_chunk_t, token),  NUM(gvx_peer_chunk_t, dst),
    NUM(gvx_peer_chunk_t, total),  NUM(gvx_peer_chunk_t, offset),
    NUM(gvx_peer_chunk_t, len),    NUM(gvx_peer_chunk_t, stream),
    NUM(gvx_peer_chunk_t, flags),
};

void gvx_peer_chunk_pack(gvc_enc_t *e, const gvx_peer_chunk_t *a)
{
    fields_pack(e, a, peer_chunk_f, N_FIELDS(peer_chunk_f));
}

int gvx_peer_chunk_unpack(gvc_dec_t *d, gvx_peer_chunk_t *a)
{
    fields_unpack(d, a, peer_chunk_f, N_FIELDS(peer_chunk_f));
    if (dec_done(d) != 0 || !chunk_ok(a->total, a->offset, a->len)) {
        return -1;
    }
    return 0;
}
