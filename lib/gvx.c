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

void gvx_copy_pack(gvc_enc_t *e, const gvx_copy_t *a)
{
    gvc_enc_u64(e, a->dst);
    gvc_enc_u64(e, a->src);
    gvc_enc_u64(e, a->total);
    gvc_enc_u64(e, a->offset);
    gvc_enc_u64(e, a->len);
    gvc_enc_u64(e, a->stream);
    gvc_enc_u32(e, a->flags);
}

int gvx_copy_unpack(gvc_dec_t *d, gvx_copy_t *a)
{
    gvc_dec_u64(d, &a->dst);
    gvc_dec_u64(d, &a->src);
    gvc_dec_u64(d, &a->total);
    gvc_dec_u64(d, &a->offset);
    gvc_dec_u64(d, &a->len);
    gvc_dec_u64(d, &a->stream);
    gvc_dec_u32(d, &a->flags);
    if (dec_done(d) != 0 || a->offset > a->total ||
        a->len > a->total - a->offset) {
        return -1;
    }
    return 0;
}

void gvx_copy3d_pack(gvc_enc_t *e, const gvx_copy3d_t *a)
{
    gvc_enc_u64(e, a->dev);
    gvc_enc_u64(e, a->dev_pitch);
    gvc_enc_u64(e, a->dev_ysize);
    gvc_enc_u64(e, a->src);
    gvc_enc_u64(e, a->src_pitch);
    gvc_enc_u64(e, a->src_ysize);
    gvc_enc_u64(e, a->width);
    gvc_enc_u64(e, a->height);
    gvc_enc_u64(e, a->depth);
    gvc_enc_u32(e, a->kind);
    gvc_enc_u64(e, a->stream);
    gvc_enc_u32(e, a->flags);
}

int gvx_copy3d_unpack(gvc_dec_t *d, gvx_copy3d_t *a)
{
    gvc_dec_u64(d, &a->dev);
    gvc_dec_u64(d, &a->dev_pitch);
    gvc_dec_u64(d, &a->dev_ysize);
    gvc_dec_u64(d, &a->src);
    gvc_dec_u64(d, &a->src_pitch);
    gvc_dec_u64(d, &a->src_ysize);
    gvc_dec_u64(d, &a->width);
    gvc_dec_u64(d, &a->height);
    gvc_dec_u64(d, &a->depth);
    gvc_dec_u32(d, &a->kind);
    gvc_dec_u64(d, &a->stream);
    gvc_dec_u32(d, &a->flags);
    /* Packed host size must be representable. */
    if (dec_done(d) != 0 || (a->height && a->width > UINT64_MAX / a->height) ||
        (a->depth && a->width * a->height > UINT64_MAX / a->depth)) {
        return -1;
    }
    return 0;
}

static void aside_pack(gvc_enc_t *e, const gvx_aside_t *s)
{
    gvc_enc_u32(e, s->type);
    gvc_enc_u64(e, s->ptr);
    gvc_enc_u64(e, s->pitch);
    gvc_enc_u64(e, s->ysize);
    gvc_enc_u64(e, s->x);
    gvc_enc_u64(e, s->y);
    gvc_enc_u64(e, s->z);
}

static void aside_unpack(gvc_dec_t *d, gvx_aside_t *s)
{
    gvc_dec_u32(d, &s->type);
    gvc_dec_u64(d, &s->ptr);
    gvc_dec_u64(d, &s->pitch);
    gvc_dec_u64(d, &s->ysize);
    gvc_dec_u64(d, &s->x);
    gvc_dec_u64(d, &s->y);
    gvc_dec_u64(d, &s->z);
}

void gvx_acopy_pack(gvc_enc_t *e, const gvx_acopy_t *a)
{
    aside_pack(e, &a->dst);
    aside_pack(e, &a->src);
    gvc_enc_u64(e, a->width);
    gvc_enc_u64(e, a->height);
    gvc_enc_u64(e, a->depth);
    gvc_enc_u64(e, a->stream);
    gvc_enc_u32(e, a->flags);
}

int gvx_acopy_unpack(gvc_dec_t *d, gvx_acopy_t *a)
{
    aside_unpack(d, &a->dst);
    aside_unpack(d, &a->src);
    gvc_dec_u64(d, &a->width);
    gvc_dec_u64(d, &a->height);
    gvc_dec_u64(d, &a->depth);
    gvc_dec_u64(d, &a->stream);
    gvc_dec_u32(d, &a->flags);
    /* Known sides, at least one array, one host side at most, a packed
     * host size that is representable. */
    if (dec_done(d) != 0 || a->dst.type > GVX_SIDE_ARRAY ||
        a->src.type > GVX_SIDE_ARRAY ||
        (a->dst.type != GVX_SIDE_ARRAY && a->src.type != GVX_SIDE_ARRAY) ||
        (a->dst.type == GVX_SIDE_HOST && a->src.type == GVX_SIDE_HOST) ||
        (a->height && a->width > UINT64_MAX / a->height) ||
        (a->depth && a->width * a->height > UINT64_MAX / a->depth)) {
        return -1;
    }
    return 0;
}

void gvx_module_pack(gvc_enc_t *e, const gvx_module_t *a)
{
    gvc_enc_raw(e, a->hash, sizeof(a->hash));
    gvc_enc_u64(e, a->size);
}

int gvx_module_unpack(gvc_dec_t *d, gvx_module_t *a)
{
    gvc_dec_raw(d, a->hash, sizeof(a->hash));
    gvc_dec_u64(d, &a->size);
    return dec_done(d);
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

void gvx_launch_pack(gvc_enc_t *e, const gvx_launch_t *a)
{
    gvc_enc_u64(e, a->func);
    gvc_enc_raw(e, a->grid, sizeof(a->grid));
    gvc_enc_raw(e, a->block, sizeof(a->block));
    gvc_enc_u64(e, a->shmem);
    gvc_enc_u64(e, a->stream);
    gvc_enc_u32(e, a->flags);
    gvc_enc_bytes(e, a->params, a->params_len);
    gvc_enc_bytes(e, a->attrs, a->attrs ? (size_t)a->n_attrs * GVX_ATTR_SIZE : 0);
}

int gvx_launch_unpack(gvc_dec_t *d, gvx_launch_t *a)
{
    size_t plen, alen;

    gvc_dec_u64(d, &a->func);
    gvc_dec_raw(d, a->grid, sizeof(a->grid));
    gvc_dec_raw(d, a->block, sizeof(a->block));
    gvc_dec_u64(d, &a->shmem);
    gvc_dec_u64(d, &a->stream);
    gvc_dec_u32(d, &a->flags);
    gvc_dec_bytes(d, &a->params, &plen, GVX_MAX_PARAM_BYTES);
    gvc_dec_bytes(d, &a->attrs, &alen, 64u * GVX_ATTR_SIZE);
    if (dec_done(d) != 0 || alen % GVX_ATTR_SIZE != 0) {
        return -1;
    }
    a->params_len = (uint32_t)plen;
    a->n_attrs = (uint32_t)(alen / GVX_ATTR_SIZE);
    return 0;
}

void gvx_symbol_pack(gvc_enc_t *e, const gvx_symbol_t *a)
{
    gvc_enc_u64(e, a->dptr);
    gvc_enc_u64(e, a->size);
}

int gvx_symbol_unpack(gvc_dec_t *d, gvx_symbol_t *a)
{
    gvc_dec_u64(d, &a->dptr);
    gvc_dec_u64(d, &a->size);
    return dec_done(d);
}

void gvx_hostfn_pack(gvc_enc_t *e, const gvx_hostfn_t *a)
{
    gvc_enc_u64(e, a->stream);
    gvc_enc_u64(e, a->id);
    gvc_enc_u32(e, a->status);
}

int gvx_hostfn_unpack(gvc_dec_t *d, gvx_hostfn_t *a)
{
    gvc_dec_u64(d, &a->stream);
    gvc_dec_u64(d, &a->id);
    gvc_dec_u32(d, &a->status);
    return dec_done(d);
}

void gvx_peer_link_pack(gvc_enc_t *e, const gvx_peer_link_t *a)
{
    gvc_enc_u32(e, a->link);
    gvc_enc_raw(e, a->token, GVX_PEER_TOKEN);
    gvc_enc_bytes(e, a->addr, a->addr_len);
}

int gvx_peer_link_unpack(gvc_dec_t *d, gvx_peer_link_t *a)
{
    gvc_dec_u32(d, &a->link);
    gvc_dec_raw(d, a->token, GVX_PEER_TOKEN);
    gvc_dec_bytes(d, &a->addr, &a->addr_len, GVX_PEER_MAX_ADDR);
    if (dec_done(d) != 0 || a->addr == NULL || a->addr_len == 0) {
        return -1;
    }
    return 0;
}

void gvx_peer_put_pack(gvc_enc_t *e, const gvx_peer_put_t *a)
{
    gvc_enc_u32(e, a->link);
    gvc_enc_u64(e, a->dst);
    gvc_enc_u64(e, a->src);
    gvc_enc_u64(e, a->total);
    gvc_enc_u64(e, a->stream);
    gvc_enc_u32(e, a->flags);
}

int gvx_peer_put_unpack(gvc_dec_t *d, gvx_peer_put_t *a)
{
    gvc_dec_u32(d, &a->link);
    gvc_dec_u64(d, &a->dst);
    gvc_dec_u64(d, &a->src);
    gvc_dec_u64(d, &a->total);
    gvc_dec_u64(d, &a->stream);
    gvc_dec_u32(d, &a->flags);
    return dec_done(d);
}

void gvx_peer_chunk_pack(gvc_enc_t *e, const gvx_peer_chunk_t *a)
{
    gvc_enc_raw(e, a->token, GVX_PEER_TOKEN);
    gvc_enc_u64(e, a->dst);
    gvc_enc_u64(e, a->total);
    gvc_enc_u64(e, a->offset);
    gvc_enc_u64(e, a->len);
    gvc_enc_u64(e, a->stream);
    gvc_enc_u32(e, a->flags);
}

int gvx_peer_chunk_unpack(gvc_dec_t *d, gvx_peer_chunk_t *a)
{
    gvc_dec_raw(d, a->token, GVX_PEER_TOKEN);
    gvc_dec_u64(d, &a->dst);
    gvc_dec_u64(d, &a->total);
    gvc_dec_u64(d, &a->offset);
    gvc_dec_u64(d, &a->len);
    gvc_dec_u64(d, &a->stream);
    gvc_dec_u32(d, &a->flags);
    if (dec_done(d) != 0 || a->offset > a->total ||
        a->len > a->total - a->offset) {
        return -1;
    }
    return 0;
}
