/*
 * gvc_wire.h - the gvirtus wire format.
 *
 * A message is a fixed 48-byte header, then args_len bytes of encoded
 * arguments, then data_len bytes of bulk payload (copy data, fatbins).
 * Over UCX the header and the arguments travel as the active-message
 * header and the bulk as its data, so bulk can go zero-copy.
 *
 * The common small request and reply (no bulk data, a 32-bit call id, a
 * result that fits 32 bits) travel with a 16-byte short header instead:
 * over shared memory a message of up to 24 bytes moves between cores in
 * one cache line with UCX's own headers, and one of 32 bytes or more
 * takes 1.3-1.5x as long (measured on the H100 host, bench_rawam).
 *
 * The encoder and decoder below are bounds-checked and sticky: after the
 * first failure every further call is a no-op, so a caller packs or
 * unpacks a whole argument list and checks the status once.  Nothing here
 * trusts a length from the wire.  Values are little-endian (configure
 * refuses big-endian hosts).  Not thread-safe per object; objects are
 * cheap and live on the stack.
 */
#ifndef GVC_WIRE_H
#define GVC_WIRE_H

#include "gvc_status.h"

#include <stddef.h>
#include <stdint.h>

#define GVC_WIRE_MAGIC    0x31525647u /* "GVR1" in memory order */
#define GVC_WIRE_VERSION  3u /* 2: batches (GVC_WF_BATCH); 3: short */
#define GVC_WIRE_HDR_SIZE 48u
#define GVC_WIRE_SHORT_SIZE 16u
#define GVC_WIRE_SHORT_TAG  0x67u /* 'g': first byte of a short header
                                     ('G' starts a full one) */

/* Largest encoded argument block and bulk payload a peer may announce. */
#define GVC_WIRE_MAX_ARGS ((uint32_t)64 << 20)
#define GVC_WIRE_MAX_DATA ((uint64_t)64 << 30)

/* Header flags. */
enum {
    GVC_WF_ONEWAY = 1u << 0, /* request: the sender waits for no reply */
    GVC_WF_REPLY  = 1u << 1, /* this message answers call_id */
    GVC_WF_EVENT  = 1u << 2, /* unsolicited message from the daemon */
    GVC_WF_PART   = 1u << 3, /* part of the reply data of call_id; args are
                                the u64 offset of this part */
    GVC_WF_ARGS_IN_DATA = 1u << 4, /* args did not fit the transport's
                                      header: they precede the data */
    GVC_WF_BATCH  = 1u << 5, /* the data is a batch of messages: see
                                gvc_wire_batch_next */
    GVC_WF_ALL    = (1u << 6) - 1
};

typedef struct gvc_wire_hdr {
    uint32_t magic;
    uint16_t version;
    uint16_t flags;     /* GVC_WF_* */
    uint32_t api_id;    /* function or control message id */
    uint32_t args_len;  /* encoded argument bytes after the header */
    uint64_t call_id;   /* matches a reply to its request */
    uint64_t data_len;  /* bulk payload bytes */
    int64_t  result;    /* replies: the API's return code */
    uint32_t seq_err;   /* replies: deferred error of an earlier one-way */
    uint32_t seq;       /* per-connection, per-direction message number */
} gvc_wire_hdr_t;

/* Write hdr to buf (GVC_WIRE_HDR_SIZE bytes). */
void gvc_wire_hdr_pack(const gvc_wire_hdr_t *hdr, void *buf);

/*
 * Read and validate a header from len bytes.  Errors: GVC_ERR_TRUNCATED
 * (len too short), GVC_ERR_PROTO (bad magic, unknown flags, reserved bits,
 * lengths over the maxima, ONEWAY with REPLY), GVC_ERR_VERSION (other protocol version; the
 * header is still filled so the caller can name both versions).
 */
gvc_status_t gvc_wire_hdr_unpack(const void *buf, size_t len,
                                 gvc_wire_hdr_t *hdr_p);

/*
 * Short headers.  Layout (little-endian): u8 tag 'g', u8 version, u16
 * flags, u32 seq, u32 call_id, then u32 api_id in a request or the
 * result as i32 in a reply.  The arguments follow; their length is what
 * is left of the transport's header.  Only plain requests (one-way or
 * not) and replies qualify: no data, no deferred error, no other flag.
 */
int gvc_wire_hdr_short_ok(const gvc_wire_hdr_t *hdr);

/* Write the short form of hdr (GVC_WIRE_SHORT_SIZE bytes); hdr must be
 * gvc_wire_hdr_short_ok. */
void gvc_wire_hdr_pack_short(const gvc_wire_hdr_t *hdr, void *buf);

/*
 * Read a message's header in either form from the len bytes that hold
 * the header and its inline arguments.  *size_p receives the header's
 * size.  A short header comes back as the full one it stands for: magic
 * and version filled, args_len = len - GVC_WIRE_SHORT_SIZE, data_len 0,
 * api_id 0 in a reply.  Errors as gvc_wire_hdr_unpack's.
 */
gvc_status_t gvc_wire_hdr_unpack_any(const void *buf, size_t len,
                                     gvc_wire_hdr_t *hdr_p, size_t *size_p);

/*
 * A batch carries several messages in one transport message: the batch's
 * own header (flags GVC_WF_BATCH, no args) is followed, as its data, by
 * items back to back, each a whole message (header, args, data) padded
 * with zeros to GVC_WIRE_BATCH_ALIGN bytes.  Only requests travel in
 * batches: one-way ones, and calls (flags 0).  Each item keeps its own
 * sequence number, so a receiver checks order exactly as for messages
 * that came one by one.
 */
#define GVC_WIRE_BATCH_ALIGN 8u

/* Bytes an item with these lengths takes in a batch. */
static inline size_t gvc_wire_batch_item_size(size_t args_len,
                                              size_t data_len)
{
    size_t n = GVC_WIRE_HDR_SIZE + args_len + data_len;

    return (n + GVC_WIRE_BATCH_ALIGN - 1) & ~(size_t)(GVC_WIRE_BATCH_ALIGN - 1);
}

/* Write an item at buf (gvc_wire_batch_item_size bytes, padding zeroed);
 * hdr's lengths must match args_len and data_len. */
void gvc_wire_batch_put(void *buf, const gvc_wire_hdr_t *hdr,
                        const void *args, const void *data);

/*
 * Read the item at *off_p of a batch of len bytes: fill *hdr_p, point
 * *args_p and *data_p into buf, and advance *off_p past it.  Errors:
 * GVC_ERR_TRUNCATED (the item runs past the end), GVC_ERR_PROTO (bad
 * header, or an item that is not a request: reply, part, event, batch,
 * args in data), GVC_ERR_VERSION.
 */
gvc_status_t gvc_wire_batch_next(const void *buf, size_t len, size_t *off_p,
                                 gvc_wire_hdr_t *hdr_p, const void **args_p,
                                 const void **data_p);

/* Fill a header for a new message. */
void gvc_wire_hdr_init(gvc_wire_hdr_t *hdr, uint32_t api_id, uint16_t flags,
                       uint64_t call_id);

/* ---- encoder -------------------------------------------------------------*/

typedef struct gvc_enc {
    uint8_t *buf;       /* not owned */
    size_t cap;
    size_t len;
    gvc_status_t status;
} gvc_enc_t;

void gvc_enc_init(gvc_enc_t *enc, void *buf, size_t cap);
void gvc_enc_u8(gvc_enc_t *enc, uint8_t v);
void gvc_enc_u16(gvc_enc_t *enc, uint16_t v);
void gvc_enc_u32(gvc_enc_t *enc, uint32_t v);
void gvc_enc_u64(gvc_enc_t *enc, uint64_t v);
void gvc_enc_i32(gvc_enc_t *enc, int32_t v);
void gvc_enc_i64(gvc_enc_t *enc, int64_t v);
void gvc_enc_f32(gvc_enc_t *enc, float v);
void gvc_enc_f64(gvc_enc_t *enc, double v);
void gvc_enc_ptr(gvc_enc_t *enc, const void *p); /* remote handles */
/* Fixed-size bytes, no length prefix (structs of known size). */
void gvc_enc_raw(gvc_enc_t *enc, const void *p, size_t n);
/* u64 length then the bytes; p may be NULL (encoded as absent). */
void gvc_enc_bytes(gvc_enc_t *enc, const void *p, size_t n);
/* u32 length (UINT32_MAX for NULL) then the bytes and a NUL. */
void gvc_enc_str(gvc_enc_t *enc, const char *s);
/* u32 count, then count * elem_size bytes; p NULL means absent. */
void gvc_enc_array(gvc_enc_t *enc, const void *p, uint32_t count,
                   size_t elem_size);
/* Reserve n bytes and return where to write them (NULL on failure). */
void *gvc_enc_reserve(gvc_enc_t *enc, size_t n);

/* ---- decoder -------------------------------------------------------------*/

typedef struct gvc_dec {
    const uint8_t *buf; /* not owned; must outlive views handed out */
    size_t len;
    size_t pos;
    gvc_status_t status;
} gvc_dec_t;

void gvc_dec_init(gvc_dec_t *dec, const void *buf, size_t len);
/* Scalars: on failure the output is set to 0. */
void gvc_dec_u8(gvc_dec_t *dec, uint8_t *v_p);
void gvc_dec_u16(gvc_dec_t *dec, uint16_t *v_p);
void gvc_dec_u32(gvc_dec_t *dec, uint32_t *v_p);
void gvc_dec_u64(gvc_dec_t *dec, uint64_t *v_p);
void gvc_dec_i32(gvc_dec_t *dec, int32_t *v_p);
void gvc_dec_i64(gvc_dec_t *dec, int64_t *v_p);
void gvc_dec_f32(gvc_dec_t *dec, float *v_p);
void gvc_dec_f64(gvc_dec_t *dec, double *v_p);
void gvc_dec_ptr(gvc_dec_t *dec, void **p_p);
void gvc_dec_raw(gvc_dec_t *dec, void *out, size_t n);
/* Views point into the decoder's buffer (no copy, maybe unaligned).
 * An absent (NULL) value gives *p_p == NULL.  max bounds the length. */
void gvc_dec_bytes(gvc_dec_t *dec, const void **p_p, size_t *n_p,
                   size_t max);
void gvc_dec_str(gvc_dec_t *dec, const char **s_p, size_t max);
void gvc_dec_array(gvc_dec_t *dec, const void **p_p, uint32_t *count_p,
                   size_t elem_size, uint32_t max_count);
/* GVC_OK when everything was consumed, GVC_ERR_PROTO on trailing bytes. */
gvc_status_t gvc_dec_finish(gvc_dec_t *dec);

#endif
