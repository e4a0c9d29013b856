#include "config.h"

#include "gvc_wire.h"

#include <string.h>

/* Offsets of the header fields; the layout is the protocol, not a struct. */
enum {
    HDR_MAGIC = 0, HDR_VERSION = 4, HDR_FLAGS = 6, HDR_API = 8,
    HDR_ARGS = 12, HDR_CALL = 16, HDR_DATA = 24, HDR_RESULT = 32,
    HDR_SEQERR = 40, HDR_SEQ = 44
};

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static void put64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t get64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

void gvc_wire_hdr_init(gvc_wire_hdr_t *hdr, uint32_t api_id, uint16_t flags,
                       uint64_t call_id)
{
    memset(hdr, 0, sizeof(*hdr));
    hdr->magic = GVC_WIRE_MAGIC;
    hdr->version = GVC_WIRE_VERSION;
    hdr->flags = flags;
    hdr->api_id = api_id;
    hdr->call_id = call_id;
}

void gvc_wire_hdr_pack(const gvc_wire_hdr_t *hdr, void *buf)
{
    uint8_t *p = buf;

    put32(p + HDR_MAGIC, hdr->magic);
    put16(p + HDR_VERSION, hdr->version);
    put16(p + HDR_FLAGS, hdr->flags);
    put32(p + HDR_API, hdr->api_id);
    put32(p + HDR_ARGS, hdr->args_len);
    put64(p + HDR_CALL, hdr->call_id);
    put64(p + HDR_DATA, hdr->data_len);
    put64(p + HDR_RESULT, (uint64_t)hdr->result);
    put32(p + HDR_SEQERR, hdr->seq_err);
    put32(p + HDR_SEQ, hdr->seq);
}

/* Flags outside allowed, or a one-way reply: not a message we know. */
static int flags_bad(uint16_t flags, uint16_t allowed)
{
    return (flags & ~allowed) != 0 ||
           ((flags & GVC_WF_ONEWAY) && (flags & GVC_WF_REPLY));
}

gvc_status_t gvc_wire_hdr_unpack(const void *buf, size_t len,
                                 gvc_wire_hdr_t *hdr_p)
{
    const uint8_t *p = buf;

    memset(hdr_p, 0, sizeof(*hdr_p));
    if (buf == NULL || len < GVC_WIRE_HDR_SIZE) {
        return GVC_ERR_TRUNCATED;
    }
    hdr_p->magic = get32(p + HDR_MAGIC);
    hdr_p->version = get16(p + HDR_VERSION);
    hdr_p->flags = get16(p + HDR_FLAGS);
    hdr_p->api_id = get32(p + HDR_API);
    hdr_p->args_len = get32(p + HDR_ARGS);
    hdr_p->call_id = get64(p + HDR_CALL);
    hdr_p->data_len = get64(p + HDR_DATA);
    hdr_p->result = (int64_t)get64(p + HDR_RESULT);
    hdr_p->seq_err = get32(p + HDR_SEQERR);
    hdr_p->seq = get32(p + HDR_SEQ);
    if (hdr_p->magic != GVC_WIRE_MAGIC) {
        return GVC_ERR_PROTO;
    }
    if (hdr_p->version != GVC_WIRE_VERSION) {
        return GVC_ERR_VERSION;
    }
    if (flags_bad(hdr_p->flags, GVC_WF_ALL) ||
        hdr_p->args_len > GVC_WIRE_MAX_ARGS ||
        hdr_p->data_len > GVC_WIRE_MAX_DATA) {
        return GVC_ERR_PROTO;
    }
    return GVC_OK;
}

/* ---- short headers -------------------------------------------------------*/

enum { SH_TAG = 0, SH_VERSION = 1, SH_FLAGS = 2, SH_SEQ = 4, SH_CALL = 8,
       SH_WORD = 12 };

int gvc_wire_hdr_short_ok(const gvc_wire_hdr_t *hdr)
{
    int reply = (hdr->flags & GVC_WF_REPLY) != 0;

    return (hdr->flags & ~(GVC_WF_ONEWAY | GVC_WF_REPLY)) == 0 &&
           hdr->data_len == 0 && hdr->seq_err == 0 &&
           hdr->call_id <= UINT32_MAX &&
           (reply ? hdr->result >= INT32_MIN && hdr->result <= INT32_MAX
                  : hdr->result == 0);
}

void gvc_wire_hdr_pack_short(const gvc_wire_hdr_t *hdr, void *buf)
{
    uint8_t *p = buf;
    uint32_t word = hdr->flags & GVC_WF_REPLY ? (uint32_t)(int32_t)hdr->result
                                              : hdr->api_id;

    p[SH_TAG] = GVC_WIRE_SHORT_TAG;
    p[SH_VERSION] = GVC_WIRE_VERSION;
    put16(p + SH_FLAGS, hdr->flags);
    put32(p + SH_SEQ, hdr->seq);
    put32(p + SH_CALL, (uint32_t)hdr->call_id);
    put32(p + SH_WORD, word);
}

gvc_status_t gvc_wire_hdr_unpack_any(const void *buf, size_t len,
                                     gvc_wire_hdr_t *hdr_p, size_t *size_p)
{
    const uint8_t *p = buf;
    uint32_t word;

    *size_p = GVC_WIRE_HDR_SIZE;
    if (buf == NULL || len == 0 || p[SH_TAG] != GVC_WIRE_SHORT_TAG) {
        return gvc_wire_hdr_unpack(buf, len, hdr_p);
    }
    *size_p = GVC_WIRE_SHORT_SIZE;
    memset(hdr_p, 0, sizeof(*hdr_p));
    if (len < GVC_WIRE_SHORT_SIZE) {
        return GVC_ERR_TRUNCATED;
    }
    hdr_p->magic = GVC_WIRE_MAGIC;
    hdr_p->version = p[SH_VERSION];
    hdr_p->flags = get16(p + SH_FLAGS);
    hdr_p->seq = get32(p + SH_SEQ);
    hdr_p->call_id = get32(p + SH_CALL);
    word = get32(p + SH_WORD);
    if (hdr_p->flags & GVC_WF_REPLY) {
        hdr_p->result = (int32_t)word;
    } else {
        hdr_p->api_id = word;
    }
    if (len - GVC_WIRE_SHORT_SIZE > GVC_WIRE_MAX_ARGS) {
        return GVC_ERR_PROTO;
    }
    hdr_p->args_len = (uint32_t)(len - GVC_WIRE_SHORT_SIZE);
    if (hdr_p->version != GVC_WIRE_VERSION) {
        return GVC_ERR_VERSION;
    }
    if (flags_bad(hdr_p->flags, GVC_WF_ONEWAY | GVC_WF_REPLY)) {
        return GVC_ERR_PROTO;
    }
    return GVC_OK;
}

/* ---- batches ---------------------------------------------------------------*/

void gvc_wire_batch_put(void *buf, const gvc_wire_hdr_t *hdr,
                        const void *args, const void *data)
{
    uint8_t *p = buf;
    size_t n = GVC_WIRE_HDR_SIZE + hdr->args_len + hdr->data_len;

    gvc_wire_hdr_pack(hdr, p);
    if (hdr->args_len > 0) {
        memcpy(p + GVC_WIRE_HDR_SIZE, args, hdr->args_len);
    }
    if (hdr->data_len > 0) {
        memcpy(p + GVC_WIRE_HDR_SIZE + hdr->args_len, data, hdr->data_len);
    }
    memset(p + n, 0, gvc_wire_batch_item_size(hdr->args_len,
                                              hdr->data_len) - n);
}

gvc_status_t gvc_wire_batch_next(const void *buf, size_t len, size_t *off_p,
                                 gvc_wire_hdr_t *hdr_p, const void **args_p,
                                 const void **data_p)
{
    const uint8_t *p = (const uint8_t *)buf + *off_p;
    size_t left;
    gvc_status_t st;

    *args_p = NULL;
    *data_p = NULL;
    if (buf == NULL || *off_p >= len) {
        memset(hdr_p, 0, sizeof(*hdr_p));
        return GVC_ERR_TRUNCATED;
    }
    left = len - *off_p;
    st = gvc_wire_hdr_unpack(p, left, hdr_p);
    if (st != GVC_OK) {
        return st;
    }
    if ((hdr_p->flags & ~GVC_WF_ONEWAY) != 0) {
        return GVC_ERR_PROTO;
    }
    /* Lengths are bounded by the header check; compare without sums
     * that could wrap. */
    if (hdr_p->args_len > left - GVC_WIRE_HDR_SIZE ||
        hdr_p->data_len > left - GVC_WIRE_HDR_SIZE - hdr_p->args_len ||
        gvc_wire_batch_item_size(hdr_p->args_len, hdr_p->data_len) >
            left) {
        return GVC_ERR_TRUNCATED;
    }
    *args_p = p + GVC_WIRE_HDR_SIZE;
    *data_p = p + GVC_WIRE_HDR_SIZE + hdr_p->args_len;
    *off_p += gvc_wire_batch_item_size(hdr_p->args_len, hdr_p->data_len);
    return GVC_OK;
}

/* ---- encoder -------------------------------------------------------------*/

void gvc_enc_init(gvc_enc_t *enc, void *buf, size_t cap)
{
    enc->buf = buf;
    enc->cap = buf != NULL ? cap : 0;
    enc->len = 0;
    enc->status = GVC_OK;
}

void *gvc_enc_reserve(gvc_enc_t *enc, size_t n)
{
    void *p;

    if (enc->status != GVC_OK) {
        return NULL;
    }
    if (n > enc->cap - enc->len) {
        enc->status = GVC_ERR_OVERFLOW;
        return NULL;
    }
    p = enc->buf + enc->len;
    enc->len += n;
    return p;
}

void gvc_enc_raw(gvc_enc_t *enc, const void *p, size_t n)
{
    void *dst = gvc_enc_reserve(enc, n);

    if (dst != NULL && n > 0) {
        memcpy(dst, p, n);
    }
}

void gvc_enc_u8(gvc_enc_t *enc, uint8_t v) { gvc_enc_raw(enc, &v, 1); }
void gvc_enc_u16(gvc_enc_t *enc, uint16_t v) { gvc_enc_raw(enc, &v, 2); }
void gvc_enc_u32(gvc_enc_t *enc, uint32_t v) { gvc_enc_raw(enc, &v, 4); }
void gvc_enc_u64(gvc_enc_t *enc, uint64_t v) { gvc_enc_raw(enc, &v, 8); }
void gvc_enc_i32(gvc_enc_t *enc, int32_t v) { gvc_enc_raw(enc, &v, 4); }
void gvc_enc_i64(gvc_enc_t *enc, int64_t v) { gvc_enc_raw(enc, &v, 8); }
void gvc_enc_f32(gvc_enc_t *enc, float v) { gvc_enc_raw(enc, &v, 4); }
void gvc_enc_f64(gvc_enc_t *enc, double v) { gvc_enc_raw(enc, &v, 8); }

void gvc_enc_ptr(gvc_enc_t *enc, const void *p)
{
    gvc_enc_u64(enc, (uint64_t)(uintptr_t)p);
}

void gvc_enc_bytes(gvc_enc_t *enc, const void *p, size_t n)
{
    if (p == NULL) {
        gvc_enc_u64(enc, UINT64_MAX);
        return;
    }
    gvc_enc_u64(enc, n);
    gvc_enc_raw(enc, p, n);
}

void gvc_enc_str(gvc_enc_t *enc, const char *s)
{
    size_t n;

    if (s == NULL) {
        gvc_enc_u32(enc, UINT32_MAX);
        return;
    }
    n = strlen(s);
    if (n >= UINT32_MAX) {
        enc->status = GVC_ERR_OVERFLOW;
        return;
    }
    gvc_enc_u32(enc, (uint32_t)n);
    gvc_enc_raw(enc, s, n + 1);
}

void gvc_enc_array(gvc_enc_t *enc, const void *p, uint32_t count,
                   size_t elem_size)
{
    if (p == NULL) {
        gvc_enc_u32(enc, UINT32_MAX);
        return;
    }
    if (count == UINT32_MAX ||
        (elem_size != 0 && count > SIZE_MAX / elem_size)) {
        enc->status = GVC_ERR_OVERFLOW;
        return;
    }
    gvc_enc_u32(enc, count);
    gvc_enc_raw(enc, p, (size_t)count * elem_size);
}

/* ---- decoder -------------------------------------------------------------*/

void gvc_dec_init(gvc_dec_t *dec, const void *buf, size_t len)
{
    dec->buf = buf;
    dec->len = buf != NULL ? len : 0;
    dec->pos = 0;
    dec->status = GVC_OK;
}

/* Take n bytes; NULL (and a sticky error) when fewer remain. */
static const uint8_t *dec_take(gvc_dec_t *dec, size_t n)
{
    const uint8_t *p;

    if (dec->status != GVC_OK) {
        return NULL;
    }
    if (n > dec->len - dec->pos) {
        dec->status = GVC_ERR_TRUNCATED;
        return NULL;
    }
    p = dec->buf + dec->pos;
    dec->pos += n;
    return p;
}

void gvc_dec_raw(gvc_dec_t *dec, void *out, size_t n)
{
    const uint8_t *p = dec_take(dec, n);

    if (p != NULL) {
        memcpy(out, p, n);
    } else if (n > 0) {
        memset(out, 0, n);
    }
}

void gvc_dec_u8(gvc_dec_t *dec, uint8_t *v_p) { gvc_dec_raw(dec, v_p, 1); }
void gvc_dec_u16(gvc_dec_t *dec, uint16_t *v_p) { gvc_dec_raw(dec, v_p, 2); }
void gvc_dec_u32(gvc_dec_t *dec, uint32_t *v_p) { gvc_dec_raw(dec, v_p, 4); }
void gvc_dec_u64(gvc_dec_t *dec, uint64_t *v_p) { gvc_dec_raw(dec, v_p, 8); }
void gvc_dec_i32(gvc_dec_t *dec, int32_t *v_p) { gvc_dec_raw(dec, v_p, 4); }
void gvc_dec_i64(gvc_dec_t *dec, int64_t *v_p) { gvc_dec_raw(dec, v_p, 8); }
void gvc_dec_f32(gvc_dec_t *dec, float *v_p) { gvc_dec_raw(dec, v_p, 4); }
void gvc_dec_f64(gvc_dec_t *dec, double *v_p) { gvc_dec_raw(dec, v_p, 8); }

void gvc_dec_ptr(gvc_dec_t *dec, void **p_p)
{
    uint64_t v;

    gvc_dec_u64(dec, &v);
    *p_p = (void *)(uintptr_t)v;
}

void gvc_dec_bytes(gvc_dec_t *dec, const void **p_p, size_t *n_p,
                   size_t max)
{
    uint64_t n;

    *p_p = NULL;
    *n_p = 0;
    gvc_dec_u64(dec, &n);
    if (dec->status != GVC_OK || n == UINT64_MAX) {
        return;
    }
    if (n > max) {
        dec->status = GVC_ERR_OVERFLOW;
        return;
    }
    *p_p = dec_take(dec, (size_t)n);
    *n_p = *p_p != NULL ? (size_t)n : 0;
}

void gvc_dec_str(gvc_dec_t *dec, const char **s_p, size_t max)
{
    const uint8_t *p;
    uint32_t n;

    *s_p = NULL;
    gvc_dec_u32(dec, &n);
    if (dec->status != GVC_OK || n == UINT32_MAX) {
        return;
    }
    if (n > max) {
        dec->status = GVC_ERR_OVERFLOW;
        return;
    }
    p = dec_take(dec, (size_t)n + 1);
    if (p == NULL) {
        return;
    }
    /* Exactly n non-NUL bytes, then the NUL. */
    if (p[n] != '\0' || memchr(p, '\0', n) != NULL) {
        dec->status = GVC_ERR_PROTO;
        return;
    }
    *s_p = (const char *)p;
}

void gvc_dec_array(gvc_dec_t *dec, const void **p_p, uint32_t *count_p,
                   size_t elem_size, uint32_t max_count)
{
    uint32_t n;

    *p_p = NULL;
    *count_p = 0;
    gvc_dec_u32(dec, &n);
    if (dec->status != GVC_OK || n == UINT32_MAX) {
        return;
    }
    if (n > max_count || (elem_size != 0 && n > SIZE_MAX / elem_size)) {
        dec->status = GVC_ERR_OVERFLOW;
        return;
    }
    *p_p = dec_take(dec, (size_t)n * elem_size);
    *count_p = *p_p != NULL ? n : 0;
}

gvc_status_t gvc_dec_finish(gvc_dec_t *dec)
{
    if (dec->status == GVC_OK && dec->pos != dec->len) {
        dec->status = GVC_ERR_PROTO;
    }
    return dec->status;
}
