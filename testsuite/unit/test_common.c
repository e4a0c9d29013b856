/*
 * test_common.c - lib/common: wire codec, configuration, logging, status,
 * hashes.
 */
#include "config.h"

#include "gvtest.h"
#include "gvc_config.h"
#include "gvc_ctl.h"
#include "gvc_hash.h"
#include "gvc_log.h"
#include "gvc_proto.h"
#include "gvc_report.h"
#include "gvc_status.h"
#include "gvc_wire.h"

#include <float.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- wire header ---------------------------------------------------------*/

static void test_hdr_round_trip(void)
{
    gvc_wire_hdr_t a, b;
    uint8_t buf[GVC_WIRE_HDR_SIZE];

    gvc_wire_hdr_init(&a, 0x1234, GVC_WF_REPLY, 0x1122334455667788ull);
    a.args_len = 77;
    a.data_len = (uint64_t)5 << 30;
    a.result = -42;
    a.seq_err = 719;
    a.seq = 0xfffffffe;
    gvc_wire_hdr_pack(&a, buf);
    CU_ASSERT_EQUAL(gvc_wire_hdr_unpack(buf, sizeof(buf), &b), GVC_OK);
    CU_ASSERT_EQUAL(b.magic, GVC_WIRE_MAGIC);
    CU_ASSERT_EQUAL(b.version, GVC_WIRE_VERSION);
    CU_ASSERT_EQUAL(b.flags, GVC_WF_REPLY);
    CU_ASSERT_EQUAL(b.api_id, 0x1234);
    CU_ASSERT_EQUAL(b.call_id, 0x1122334455667788ull);
    CU_ASSERT_EQUAL(b.args_len, 77);
    CU_ASSERT_EQUAL(b.data_len, (uint64_t)5 << 30);
    CU_ASSERT_EQUAL(b.result, -42);
    CU_ASSERT_EQUAL(b.seq_err, 719);
    CU_ASSERT_EQUAL(b.seq, 0xfffffffe);
}

static void test_hdr_layout_is_little_endian(void)
{
    gvc_wire_hdr_t a;
    uint8_t buf[GVC_WIRE_HDR_SIZE];

    gvc_wire_hdr_init(&a, 0x01020304, 0, 0);
    gvc_wire_hdr_pack(&a, buf);
    CU_ASSERT_EQUAL(memcmp(buf, "GVR1", 4), 0);
    CU_ASSERT_EQUAL(buf[8], 0x04);
    CU_ASSERT_EQUAL(buf[11], 0x01);
}

static void test_hdr_rejects_truncated(void)
{
    gvc_wire_hdr_t a, b;
    uint8_t buf[GVC_WIRE_HDR_SIZE];

    gvc_wire_hdr_init(&a, 1, 0, 1);
    gvc_wire_hdr_pack(&a, buf);
    for (size_t n = 0; n < GVC_WIRE_HDR_SIZE; n++) {
        CU_ASSERT_EQUAL(gvc_wire_hdr_unpack(buf, n, &b), GVC_ERR_TRUNCATED);
    }
    CU_ASSERT_EQUAL(gvc_wire_hdr_unpack(NULL, 100, &b), GVC_ERR_TRUNCATED);
}

static void test_hdr_rejects_bad_magic(void)
{
    gvc_wire_hdr_t a, b;
    uint8_t buf[GVC_WIRE_HDR_SIZE];

    gvc_wire_hdr_init(&a, 1, 0, 1);
    gvc_wire_hdr_pack(&a, buf);
    buf[0] ^= 0xff;
    CU_ASSERT_EQUAL(gvc_wire_hdr_unpack(buf, sizeof(buf), &b), GVC_ERR_PROTO);
}

static void test_hdr_reports_version_mismatch(void)
{
    gvc_wire_hdr_t a, b;
    uint8_t buf[GVC_WIRE_HDR_SIZE];

    gvc_wire_hdr_init(&a, 1, 0, 1);
    a.version = GVC_WIRE_VERSION + 1;
    gvc_wire_hdr_pack(&a, buf);
    CU_ASSERT_EQUAL(gvc_wire_hdr_unpack(buf, sizeof(buf), &b),
                    GVC_ERR_VERSION);
    CU_ASSERT_EQUAL(b.version, GVC_WIRE_VERSION + 1);
}

static void test_hdr_rejects_oversized_lengths(void)
{
    gvc_wire_hdr_t a, b;
    uint8_t buf[GVC_WIRE_HDR_SIZE];

    gvc_wire_hdr_init(&a, 1, 0, 1);
    a.args_len = GVC_WIRE_MAX_ARGS + 1;
    gvc_wire_hdr_pack(&a, buf);
    CU_ASSERT_EQUAL(gvc_wire_hdr_unpack(buf, sizeof(buf), &b), GVC_ERR_PROTO);
    gvc_wire_hdr_init(&a, 1, 0, 1);
    a.data_len = GVC_WIRE_MAX_DATA + 1;
    gvc_wire_hdr_pack(&a, buf);
    CU_ASSERT_EQUAL(gvc_wire_hdr_unpack(buf, sizeof(buf), &b), GVC_ERR_PROTO);
}

static void test_hdr_rejects_bad_flags(void)
{
    gvc_wire_hdr_t a, b;
    uint8_t buf[GVC_WIRE_HDR_SIZE];

    gvc_wire_hdr_init(&a, 1, 0x8000, 1);
    gvc_wire_hdr_pack(&a, buf);
    CU_ASSERT_EQUAL(gvc_wire_hdr_unpack(buf, sizeof(buf), &b), GVC_ERR_PROTO);
    gvc_wire_hdr_init(&a, 1, GVC_WF_ONEWAY | GVC_WF_REPLY, 1);
    gvc_wire_hdr_pack(&a, buf);
    CU_ASSERT_EQUAL(gvc_wire_hdr_unpack(buf, sizeof(buf), &b), GVC_ERR_PROTO);
}

/* ---- batches ----------------------------------------------------------- */

/* Build a batch of three items (no args, args and data, an odd length
 * that needs padding) into buf; returns its length. */
static size_t make_batch(uint8_t *buf)
{
    static const uint8_t args[] = { 1, 2, 3, 4, 5 };
    static const uint8_t data[] = "payload";
    gvc_wire_hdr_t h;
    size_t off = 0;

    for (uint32_t i = 0; i < 3; i++) {
        gvc_wire_hdr_init(&h, 100 + i, i == 2 ? 0 : GVC_WF_ONEWAY, i);
        h.args_len = i == 0 ? 0 : (uint32_t)sizeof(args) - i;
        h.data_len = i == 1 ? sizeof(data) : 0;
        h.seq = 7 + i;
        gvc_wire_batch_put(buf + off, &h, args, data);
        off += gvc_wire_batch_item_size(h.args_len, h.data_len);
    }
    return off;
}

static void test_batch_round_trip(void)
{
    uint8_t buf[512];
    size_t len = make_batch(buf), off = 0;
    const void *args, *data;
    gvc_wire_hdr_t h;

    CU_ASSERT_EQUAL(len % GVC_WIRE_BATCH_ALIGN, 0);
    for (uint32_t i = 0; i < 3; i++) {
        CU_ASSERT_EQUAL_FATAL(gvc_wire_batch_next(buf, len, &off, &h, &args,
                                                  &data), GVC_OK);
        CU_ASSERT_EQUAL(h.api_id, 100 + i);
        CU_ASSERT_EQUAL(h.seq, 7 + i);
        CU_ASSERT_EQUAL(h.flags, i == 2 ? 0 : GVC_WF_ONEWAY);
        CU_ASSERT_EQUAL(h.args_len, i == 0 ? 0 : 5 - i);
        if (h.args_len > 0) {
            CU_ASSERT_EQUAL(((const uint8_t *)args)[0], 1);
        }
        if (i == 1) {
            CU_ASSERT_EQUAL(h.data_len, 8);
            CU_ASSERT_STRING_EQUAL((const char *)data, "payload");
        }
    }
    CU_ASSERT_EQUAL(off, len);
    CU_ASSERT_EQUAL(gvc_wire_batch_next(buf, len, &off, &h, &args, &data),
                    GVC_ERR_TRUNCATED);
}

/* Every cut of a batch is refused where it cuts an item, never read
 * past. */
static void test_batch_rejects_every_truncation(void)
{
    uint8_t buf[512];
    size_t len = make_batch(buf), ends[3], n = 0, off = 0;
    const void *args, *data;
    gvc_wire_hdr_t h;

    while (gvc_wire_batch_next(buf, len, &off, &h, &args, &data) ==
           GVC_OK) {
        ends[n++] = off;
    }
    CU_ASSERT_EQUAL_FATAL(n, 3);
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *copy = malloc(cut > 0 ? cut : 1);
        size_t k = 0;
        gvc_status_t st;

        memcpy(copy, buf, cut);
        off = 0;
        while ((st = gvc_wire_batch_next(copy, cut, &off, &h, &args,
                                         &data)) == GVC_OK) {
            CU_ASSERT(off == ends[k]);
            k++;
        }
        CU_ASSERT_EQUAL(st, GVC_ERR_TRUNCATED);
        CU_ASSERT(off <= cut);
        free(copy);
    }
}

/* Only requests travel in batches: replies, parts, events, nested
 * batches and args-in-data items are protocol errors; so are lengths
 * that point past the batch. */
static void test_batch_rejects_foreign_items(void)
{
    static const uint16_t bad[] = { GVC_WF_REPLY, GVC_WF_PART, GVC_WF_EVENT,
                                    GVC_WF_BATCH, GVC_WF_ARGS_IN_DATA,
                                    GVC_WF_ONEWAY | GVC_WF_BATCH };
    const void *args, *data;
    uint8_t buf[256] = { 0 };
    gvc_wire_hdr_t h;
    size_t off;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        gvc_wire_hdr_init(&h, 1, bad[i], 1);
        gvc_wire_batch_put(buf, &h, NULL, NULL);
        off = 0;
        CU_ASSERT_EQUAL(gvc_wire_batch_next(buf, sizeof(buf), &off, &h,
                                            &args, &data), GVC_ERR_PROTO);
        CU_ASSERT_EQUAL(off, 0);
    }
    gvc_wire_hdr_init(&h, 1, GVC_WF_ONEWAY, 1);
    h.args_len = 200; /* 48 + 200 > 240 left */
    gvc_wire_hdr_pack(&h, buf + 16);
    off = 16;
    CU_ASSERT_EQUAL(gvc_wire_batch_next(buf, sizeof(buf), &off, &h, &args,
                                        &data), GVC_ERR_TRUNCATED);
    h.args_len = 8;
    h.data_len = GVC_WIRE_MAX_DATA; /* huge, but under the header limit */
    gvc_wire_hdr_pack(&h, buf + 16);
    CU_ASSERT_EQUAL(gvc_wire_batch_next(buf, sizeof(buf), &off, &h, &args,
                                        &data), GVC_ERR_TRUNCATED);
    buf[16] ^= 0xff;
    CU_ASSERT_EQUAL(gvc_wire_batch_next(buf, sizeof(buf), &off, &h, &args,
                                        &data), GVC_ERR_PROTO);
    CU_ASSERT_EQUAL(gvc_wire_batch_next(NULL, 0, &off, &h, &args, &data),
                    GVC_ERR_TRUNCATED);
}

/* Flip every bit of a valid header: never a crash, and never accepted
 * with the magic destroyed. */
static void test_hdr_garbled_bits(void)
{
    gvc_wire_hdr_t a, b;
    uint8_t buf[GVC_WIRE_HDR_SIZE], g[GVC_WIRE_HDR_SIZE];

    gvc_wire_hdr_init(&a, 9, GVC_WF_ONEWAY, 3);
    gvc_wire_hdr_pack(&a, buf);
    for (size_t bit = 0; bit < 8 * sizeof(buf); bit++) {
        gvc_status_t st;

        memcpy(g, buf, sizeof(g));
        g[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        st = gvc_wire_hdr_unpack(g, sizeof(g), &b);
        if (bit < 32) {
            CU_ASSERT_EQUAL(st, GVC_ERR_PROTO);
        } else if (bit < 48) {
            CU_ASSERT_EQUAL(st, GVC_ERR_VERSION);
        }
    }
}

/* ---- short headers --------------------------------------------------------*/

/* A request and a reply in short form read back as the full headers they
 * stand for, with args_len taken from the length given. */
static void test_short_hdr_round_trip(void)
{
    gvc_wire_hdr_t a, b;
    uint8_t buf[GVC_WIRE_SHORT_SIZE + 8] = { 0 };
    size_t size = 0;

    gvc_wire_hdr_init(&a, 0xabcdef01, GVC_WF_ONEWAY, 0xfffffff0u);
    a.args_len = 8;
    a.seq = 0x80000001u;
    CU_ASSERT_TRUE(gvc_wire_hdr_short_ok(&a));
    gvc_wire_hdr_pack_short(&a, buf);
    CU_ASSERT_EQUAL(buf[0], 'g');
    CU_ASSERT_EQUAL(gvc_wire_hdr_unpack_any(buf, sizeof(buf), &b, &size),
                    GVC_OK);
    CU_ASSERT_EQUAL(size, GVC_WIRE_SHORT_SIZE);
    CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof(a)), 0);

    gvc_wire_hdr_init(&a, 0, GVC_WF_REPLY, 77);
    a.result = INT32_MIN;
    a.seq = 5;
    CU_ASSERT_TRUE(gvc_wire_hdr_short_ok(&a));
    gvc_wire_hdr_pack_short(&a, buf);
    CU_ASSERT_EQUAL(gvc_wire_hdr_unpack_any(buf, GVC_WIRE_SHORT_SIZE, &b,
                                            &size), GVC_OK);
    CU_ASSERT_EQUAL(memcmp(&a, &b, sizeof(a)), 0);
    a.result = INT32_MAX;
    gvc_wire_hdr_pack_short(&a, buf);
    CU_ASSERT_EQUAL(gvc_wire_hdr_unpack_any(buf, GVC_WIRE_SHORT_SIZE, &b,
                                            &size), GVC_OK);
    CU_ASSERT_EQUAL(b.result, INT32_MAX);
}

/* What the short form cannot say sends a message in full form. */
static void test_short_hdr_only_where_it_fits(void)
{
    gvc_wire_hdr_t a;

    gvc_wire_hdr_init(&a, 1, 0, 1);
    CU_ASSERT_TRUE(gvc_wire_hdr_short_ok(&a));
    a.data_len = 1;
    CU_ASSERT_FALSE(gvc_wire_hdr_short_ok(&a));
    gvc_wire_hdr_init(&a, 1, 0, (uint64_t)UINT32_MAX + 1);
    CU_ASSERT_FALSE(gvc_wire_hdr_short_ok(&a));
    gvc_wire_hdr_init(&a, 1, 0, 1);
    a.result = 1; /* a request carries none */
    CU_ASSERT_FALSE(gvc_wire_hdr_short_ok(&a));
    gvc_wire_hdr_init(&a, 1, GVC_WF_REPLY, 1);
    a.result = (int64_t)INT32_MAX + 1;
    CU_ASSERT_FALSE(gvc_wire_hdr_short_ok(&a));
    a.result = (int64_t)INT32_MIN - 1;
    CU_ASSERT_FALSE(gvc_wire_hdr_short_ok(&a));
    a.result = 0;
    a.seq_err = 3;
    CU_ASSERT_FALSE(gvc_wire_hdr_short_ok(&a));
    for (unsigned f = GVC_WF_EVENT; f <= GVC_WF_BATCH; f <<= 1) {
        gvc_wire_hdr_init(&a, 1, (uint16_t)f, 1);
        CU_ASSERT_FALSE(gvc_wire_hdr_short_ok(&a));
    }
}

/* unpack_any reads full headers as gvc_wire_hdr_unpack does, and refuses
 * a short one that is truncated, of another version or with flags the
 * short form may not carry. */
static void test_short_hdr_rejects_bad_input(void)
{
    gvc_wire_hdr_t a, b;
    uint8_t full[GVC_WIRE_HDR_SIZE], sh[GVC_WIRE_SHORT_SIZE];
    size_t size = 0;

    gvc_wire_hdr_init(&a, 9, GVC_WF_PART | GVC_WF_REPLY, 3);
    a.data_len = 100;
    gvc_wire_hdr_pack(&a, full);
    CU_ASSERT_EQUAL(gvc_wire_hdr_unpack_any(full, sizeof(full), &b, &size),
                    GVC_OK);
    CU_ASSERT_EQUAL(size, GVC_WIRE_HDR_SIZE);
    CU_ASSERT_EQUAL(b.data_len, 100);
    CU_ASSERT_EQUAL(gvc_wire_hdr_unpack_any(full, 20, &b, &size),
                    GVC_ERR_TRUNCATED);
    CU_ASSERT_EQUAL(gvc_wire_hdr_unpack_any(NULL, 20, &b, &size),
                    GVC_ERR_TRUNCATED);
    CU_ASSERT_EQUAL(gvc_wire_hdr_unpack_any(full, 0, &b, &size),
                    GVC_ERR_TRUNCATED);

    gvc_wire_hdr_init(&a, 9, 0, 3);
    gvc_wire_hdr_pack_short(&a, sh);
    for (size_t n = 1; n < sizeof(sh); n++) {
        CU_ASSERT_EQUAL(gvc_wire_hdr_unpack_any(sh, n, &b, &size),
                        GVC_ERR_TRUNCATED);
    }
    sh[1] = GVC_WIRE_VERSION + 1;
    CU_ASSERT_EQUAL(gvc_wire_hdr_unpack_any(sh, sizeof(sh), &b, &size),
                    GVC_ERR_VERSION);
    CU_ASSERT_EQUAL(b.version, GVC_WIRE_VERSION + 1);
    for (unsigned f = 1; f < 0x10000; f <<= 1) {
        gvc_wire_hdr_pack_short(&a, sh);
        sh[2] = (uint8_t)f;
        sh[3] = (uint8_t)(f >> 8);
        CU_ASSERT_EQUAL(gvc_wire_hdr_unpack_any(sh, sizeof(sh), &b, &size),
                        f <= GVC_WF_REPLY ? GVC_OK : GVC_ERR_PROTO);
    }
    sh[2] = GVC_WF_ONEWAY | GVC_WF_REPLY;
    sh[3] = 0;
    CU_ASSERT_EQUAL(gvc_wire_hdr_unpack_any(sh, sizeof(sh), &b, &size),
                    GVC_ERR_PROTO);
}

/* ---- encoder / decoder ----------------------------------------------------*/

static void test_scalars_round_trip(void)
{
    uint8_t buf[128];
    gvc_enc_t e;
    gvc_dec_t d;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;
    uint64_t u64;
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
    void *p;

    gvc_enc_init(&e, buf, sizeof(buf));
    gvc_enc_u8(&e, 0xab);
    gvc_enc_u16(&e, 0xbeef);
    gvc_enc_u32(&e, 0xdeadbeef);
    gvc_enc_u64(&e, UINT64_MAX - 1);
    gvc_enc_i32(&e, INT32_MIN);
    gvc_enc_i64(&e, INT64_MIN + 5);
    gvc_enc_f32(&e, -1.5f);
    gvc_enc_f64(&e, DBL_MAX);
    gvc_enc_ptr(&e, (void *)0x7f0012345678);
    CU_ASSERT_EQUAL(e.status, GVC_OK);
    CU_ASSERT_EQUAL(e.len, 1 + 2 + 4 + 8 + 4 + 8 + 4 + 8 + 8);

    gvc_dec_init(&d, buf, e.len);
    gvc_dec_u8(&d, &u8);
    gvc_dec_u16(&d, &u16);
    gvc_dec_u32(&d, &u32);
    gvc_dec_u64(&d, &u64);
    gvc_dec_i32(&d, &i32);
    gvc_dec_i64(&d, &i64);
    gvc_dec_f32(&d, &f32);
    gvc_dec_f64(&d, &f64);
    gvc_dec_ptr(&d, &p);
    CU_ASSERT_EQUAL(gvc_dec_finish(&d), GVC_OK);
    CU_ASSERT_EQUAL(u8, 0xab);
    CU_ASSERT_EQUAL(u16, 0xbeef);
    CU_ASSERT_EQUAL(u32, 0xdeadbeef);
    CU_ASSERT_EQUAL(u64, UINT64_MAX - 1);
    CU_ASSERT_EQUAL(i32, INT32_MIN);
    CU_ASSERT_EQUAL(i64, INT64_MIN + 5);
    CU_ASSERT_EQUAL(f32, -1.5f);
    CU_ASSERT_EQUAL(f64, DBL_MAX);
    CU_ASSERT_PTR_EQUAL(p, (void *)0x7f0012345678);
}

static void test_bytes_str_array_round_trip(void)
{
    static const double arr[3] = { 1.0, -2.5, 1e300 };
    uint8_t buf[256];
    const void *bp, *ap;
    const char *s, *sn, *se;
    size_t bn;
    uint32_t an;
    double out[3];
    gvc_enc_t e;
    gvc_dec_t d;

    gvc_enc_init(&e, buf, sizeof(buf));
    gvc_enc_bytes(&e, "xyz", 3);
    gvc_enc_str(&e, "hello");
    gvc_enc_str(&e, NULL);
    gvc_enc_str(&e, "");
    gvc_enc_array(&e, arr, 3, sizeof(double));
    CU_ASSERT_EQUAL(e.status, GVC_OK);

    gvc_dec_init(&d, buf, e.len);
    gvc_dec_bytes(&d, &bp, &bn, 100);
    gvc_dec_str(&d, &s, 100);
    gvc_dec_str(&d, &sn, 100);
    gvc_dec_str(&d, &se, 100);
    gvc_dec_array(&d, &ap, &an, sizeof(double), 10);
    CU_ASSERT_EQUAL(gvc_dec_finish(&d), GVC_OK);
    CU_ASSERT_EQUAL(bn, 3);
    CU_ASSERT_EQUAL(memcmp(bp, "xyz", 3), 0);
    CU_ASSERT_STRING_EQUAL(s, "hello");
    CU_ASSERT_PTR_NULL(sn);
    CU_ASSERT_STRING_EQUAL(se, "");
    CU_ASSERT_EQUAL(an, 3);
    memcpy(out, ap, sizeof(out));
    CU_ASSERT_EQUAL(memcmp(out, arr, sizeof(arr)), 0);
}

static void test_null_bytes_and_array_are_absent(void)
{
    uint8_t buf[64];
    const void *p = (void *)1;
    size_t n = 9;
    uint32_t c = 9;
    gvc_enc_t e;
    gvc_dec_t d;

    gvc_enc_init(&e, buf, sizeof(buf));
    gvc_enc_bytes(&e, NULL, 5);
    gvc_enc_array(&e, NULL, 5, 4);
    gvc_dec_init(&d, buf, e.len);
    gvc_dec_bytes(&d, &p, &n, 100);
    CU_ASSERT_PTR_NULL(p);
    CU_ASSERT_EQUAL(n, 0);
    gvc_dec_array(&d, &p, &c, 4, 100);
    CU_ASSERT_PTR_NULL(p);
    CU_ASSERT_EQUAL(c, 0);
    CU_ASSERT_EQUAL(gvc_dec_finish(&d), GVC_OK);
}

static void test_encoder_overflow_is_sticky(void)
{
    uint8_t buf[6];
    gvc_enc_t e;

    gvc_enc_init(&e, buf, sizeof(buf));
    gvc_enc_u32(&e, 1);
    CU_ASSERT_EQUAL(e.status, GVC_OK);
    gvc_enc_u32(&e, 2);
    CU_ASSERT_EQUAL(e.status, GVC_ERR_OVERFLOW);
    gvc_enc_u8(&e, 3); /* would fit, but the encoder already failed */
    CU_ASSERT_EQUAL(e.status, GVC_ERR_OVERFLOW);
    CU_ASSERT_EQUAL(e.len, 4);
    CU_ASSERT_PTR_NULL(gvc_enc_reserve(&e, 1));
}

static void test_encoder_null_buffer_fails(void)
{
    gvc_enc_t e;

    gvc_enc_init(&e, NULL, 100);
    gvc_enc_u8(&e, 1);
    CU_ASSERT_EQUAL(e.status, GVC_ERR_OVERFLOW);
}

/* Build a message of every kind of field, then decode each prefix of it:
 * every truncation must be reported, none may read past the end. */
static size_t build_mixed(uint8_t *buf, size_t cap)
{
    static const uint16_t a16[4] = { 1, 2, 3, 4 };
    gvc_enc_t e;

    gvc_enc_init(&e, buf, cap);
    gvc_enc_u32(&e, 7);
    gvc_enc_bytes(&e, "abcdef", 6);
    gvc_enc_str(&e, "kernel_name");
    gvc_enc_array(&e, a16, 4, sizeof(uint16_t));
    gvc_enc_u64(&e, 99);
    return e.len;
}

static gvc_status_t decode_mixed(const uint8_t *buf, size_t len)
{
    const void *p;
    const char *s;
    uint32_t u32, n;
    uint64_t u64;
    size_t bn;
    gvc_dec_t d;

    gvc_dec_init(&d, buf, len);
    gvc_dec_u32(&d, &u32);
    gvc_dec_bytes(&d, &p, &bn, 1000);
    gvc_dec_str(&d, &s, 1000);
    gvc_dec_array(&d, &p, &n, sizeof(uint16_t), 1000);
    gvc_dec_u64(&d, &u64);
    return gvc_dec_finish(&d);
}

static void test_decoder_rejects_every_truncation(void)
{
    uint8_t buf[256];
    size_t len = build_mixed(buf, sizeof(buf));

    CU_ASSERT_EQUAL(decode_mixed(buf, len), GVC_OK);
    for (size_t n = 0; n < len; n++) {
        /* Copy so a read past n would be caught by ASan/valgrind. */
        uint8_t *cut = malloc(n ? n : 1);
        memcpy(cut, buf, n);
        CU_ASSERT_NOT_EQUAL(decode_mixed(cut, n), GVC_OK);
        free(cut);
    }
}

static void test_decoder_rejects_trailing_bytes(void)
{
    uint8_t buf[256];
    size_t len = build_mixed(buf, sizeof(buf));

    CU_ASSERT_EQUAL(decode_mixed(buf, len + 1), GVC_ERR_PROTO);
}

static void test_decoder_rejects_huge_lengths(void)
{
    uint8_t buf[32];
    const void *p;
    const char *s;
    size_t n;
    uint32_t c;
    gvc_enc_t e;
    gvc_dec_t d;

    /* bytes: length far beyond the buffer */
    gvc_enc_init(&e, buf, sizeof(buf));
    gvc_enc_u64(&e, UINT64_MAX - 1);
    gvc_dec_init(&d, buf, e.len);
    gvc_dec_bytes(&d, &p, &n, SIZE_MAX);
    CU_ASSERT_NOT_EQUAL(d.status, GVC_OK);
    CU_ASSERT_PTR_NULL(p);

    /* bytes: over the caller's maximum */
    gvc_enc_init(&e, buf, sizeof(buf));
    gvc_enc_bytes(&e, "0123456789", 10);
    gvc_dec_init(&d, buf, e.len);
    gvc_dec_bytes(&d, &p, &n, 9);
    CU_ASSERT_EQUAL(d.status, GVC_ERR_OVERFLOW);

    /* string longer than the maximum */
    gvc_enc_init(&e, buf, sizeof(buf));
    gvc_enc_str(&e, "long string");
    gvc_dec_init(&d, buf, e.len);
    gvc_dec_str(&d, &s, 4);
    CU_ASSERT_EQUAL(d.status, GVC_ERR_OVERFLOW);

    /* array count whose byte size overflows size_t */
    gvc_enc_init(&e, buf, sizeof(buf));
    gvc_enc_u32(&e, 0xfffffff0u);
    gvc_dec_init(&d, buf, e.len);
    gvc_dec_array(&d, &p, &c, (size_t)1 << 40, UINT32_MAX - 1);
    CU_ASSERT_NOT_EQUAL(d.status, GVC_OK);

    /* array over the element limit */
    gvc_enc_init(&e, buf, sizeof(buf));
    gvc_enc_u32(&e, 1000);
    gvc_dec_init(&d, buf, e.len);
    gvc_dec_array(&d, &p, &c, 1, 999);
    CU_ASSERT_EQUAL(d.status, GVC_ERR_OVERFLOW);
}

static void test_decoder_rejects_bad_strings(void)
{
    uint8_t buf[32];
    const char *s;
    gvc_enc_t e;
    gvc_dec_t d;

    /* no terminating NUL */
    gvc_enc_init(&e, buf, sizeof(buf));
    gvc_enc_u32(&e, 3);
    gvc_enc_raw(&e, "abcd", 4);
    gvc_dec_init(&d, buf, e.len);
    gvc_dec_str(&d, &s, 100);
    CU_ASSERT_EQUAL(d.status, GVC_ERR_PROTO);
    CU_ASSERT_PTR_NULL(s);

    /* embedded NUL */
    gvc_enc_init(&e, buf, sizeof(buf));
    gvc_enc_u32(&e, 3);
    gvc_enc_raw(&e, "a\0c", 4);
    gvc_dec_init(&d, buf, e.len);
    gvc_dec_str(&d, &s, 100);
    CU_ASSERT_EQUAL(d.status, GVC_ERR_PROTO);
}

static void test_decoder_failure_zeroes_outputs(void)
{
    uint8_t buf[2] = { 1, 2 };
    uint64_t v = 5;
    void *p = (void *)5;
    gvc_dec_t d;

    gvc_dec_init(&d, buf, sizeof(buf));
    gvc_dec_u64(&d, &v);
    gvc_dec_ptr(&d, &p);
    CU_ASSERT_EQUAL(v, 0);
    CU_ASSERT_PTR_NULL(p);
    CU_ASSERT_EQUAL(d.status, GVC_ERR_TRUNCATED);
}

/* Random garbage must never crash the decoder. */
static void test_decoder_survives_garbage(void)
{
    uint8_t buf[64];
    unsigned seed = 12345;

    for (int round = 0; round < 20000; round++) {
        size_t len = (size_t)(rand_r(&seed) % sizeof(buf));
        for (size_t i = 0; i < len; i++) {
            buf[i] = (uint8_t)rand_r(&seed);
        }
        (void)decode_mixed(buf, len);
    }
    CU_PASS("no crash");
}

/* ---- configuration ----------------------------------------------------------*/

typedef struct tcfg {
    char *name;
    long port;
    size_t cache;
    int enabled;
    int level;
    long timeout;
} tcfg_t;

static const gvc_cfg_field_t tfields[] = {
    { "main", "name", GVC_CFG_STR, "gvd", offsetof(tcfg_t, name), 1, 0,
      NULL, "a name" },
    { "main", "port", GVC_CFG_INT, "4000", offsetof(tcfg_t, port), 1, 65535,
      NULL, "a port" },
    { "main", "cache", GVC_CFG_SIZE, "1G", offsetof(tcfg_t, cache), 1, 0,
      NULL, "a size" },
    { "main", "enabled", GVC_CFG_BOOL, "no", offsetof(tcfg_t, enabled), 1, 0,
      NULL, "a flag" },
    { "log", "level", GVC_CFG_LOGLVL, "info", offsetof(tcfg_t, level), 1, 0,
      "GVTEST_LEVEL", "log level" },
    { "net", "timeout", GVC_CFG_MSEC, "5s", offsetof(tcfg_t, timeout), 0,
      3600000, NULL, "a timeout" },
};
static const gvc_cfg_table_t ttable = GVC_CFG_TABLE(tfields, NULL);

static void test_config_defaults(void)
{
    tcfg_t c = { 0 };

    CU_ASSERT_EQUAL(gvc_cfg_defaults(&ttable, &c), GVC_OK);
    CU_ASSERT_STRING_EQUAL(c.name, "gvd");
    CU_ASSERT_EQUAL(c.port, 4000);
    CU_ASSERT_EQUAL(c.cache, (size_t)1 << 30);
    CU_ASSERT_EQUAL(c.enabled, 0);
    CU_ASSERT_EQUAL(c.level, GVC_LOG_INFO);
    CU_ASSERT_EQUAL(c.timeout, 5000);
    gvc_cfg_free(&ttable, &c);
    CU_ASSERT_PTR_NULL(c.name);
}

static void test_config_parses_file(void)
{
    const char *text = "; comment\n[main]\nname = node7\nport=4100\n"
                       "cache = 64MiB\nenabled = yes\n\n[log]\nlevel = 10000\n"
                       "[net]\ntimeout = 250ms\n";
    char err[256];
    tcfg_t c = { 0 };

    gvc_cfg_defaults(&ttable, &c);
    CU_ASSERT_EQUAL(gvc_cfg_load_string(&ttable, &c, text, "t.ini", err,
                                        sizeof(err)), GVC_OK);
    CU_ASSERT_STRING_EQUAL(c.name, "node7");
    CU_ASSERT_EQUAL(c.port, 4100);
    CU_ASSERT_EQUAL(c.cache, (size_t)64 << 20);
    CU_ASSERT_EQUAL(c.enabled, 1);
    CU_ASSERT_EQUAL(c.level, 10000);
    CU_ASSERT_EQUAL(c.timeout, 250);
    gvc_cfg_free(&ttable, &c);
}

static void expect_config_error(const char *text, const char *needle)
{
    char err[256] = "";
    tcfg_t c = { 0 };

    gvc_cfg_defaults(&ttable, &c);
    CU_ASSERT_EQUAL(gvc_cfg_load_string(&ttable, &c, text, "bad.ini", err,
                                        sizeof(err)), GVC_ERR_CONFIG);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, needle));
    if (strstr(err, needle) == NULL) {
        printf("\n      got '%s', wanted '%s'\n", err, needle);
    }
    gvc_cfg_free(&ttable, &c);
}

static void test_config_errors_name_file_and_line(void)
{
    expect_config_error("[main]\nport = 1\nbogus = 2\n",
                        "bad.ini:3: unknown key 'bogus'");
    expect_config_error("[main]\n\nport = seven\n", "bad.ini:3:");
    expect_config_error("[main]\nport = 70000\n", "outside 1..65535");
    expect_config_error("[main]\ncache = 12Q\n", "not a size");
    expect_config_error("[main]\nenabled = maybe\n", "not yes/no");
    expect_config_error("[log]\nlevel = loud\n", "not a log level");
    expect_config_error("[net]\ntimeout = soon\n", "not a duration");
    expect_config_error("[main\nport = 1\n", "bad.ini:1: syntax error");
    expect_config_error("[other]\nport = 1\n", "section [other]");
}

static void test_config_missing_file_is_io_error(void)
{
    char err[256];
    tcfg_t c = { 0 };

    gvc_cfg_defaults(&ttable, &c);
    CU_ASSERT_EQUAL(gvc_cfg_load_file(&ttable, &c, "/nonexistent/x.ini", err,
                                      sizeof(err)), GVC_ERR_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/x.ini"));
    gvc_cfg_free(&ttable, &c);
}

static void test_config_env_overrides(void)
{
    char err[256];
    tcfg_t c = { 0 };

    gvc_cfg_defaults(&ttable, &c);
    setenv("GVIRTUS_MAIN_PORT", "4242", 1);
    setenv("GVTEST_LEVEL", "debug", 1);
    CU_ASSERT_EQUAL(gvc_cfg_apply_env(&ttable, &c, err, sizeof(err)), GVC_OK);
    CU_ASSERT_EQUAL(c.port, 4242);
    CU_ASSERT_EQUAL(c.level, GVC_LOG_DEBUG);
    setenv("GVIRTUS_MAIN_PORT", "x", 1);
    CU_ASSERT_EQUAL(gvc_cfg_apply_env(&ttable, &c, err, sizeof(err)),
                    GVC_ERR_CONFIG);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "GVIRTUS_MAIN_PORT"));
    unsetenv("GVIRTUS_MAIN_PORT");
    unsetenv("GVTEST_LEVEL");
    gvc_cfg_free(&ttable, &c);
}

static void test_config_dump_reloads(void)
{
    char *text = NULL, err[256];
    size_t len = 0;
    tcfg_t a = { 0 }, b = { 0 };
    FILE *fp;

    gvc_cfg_defaults(&ttable, &a);
    gvc_cfg_set(&ttable, &a, "main", "port", "5555", err, sizeof(err));
    fp = open_memstream(&text, &len);
    gvc_cfg_dump(&ttable, &a, fp);
    fclose(fp);
    gvc_cfg_defaults(&ttable, &b);
    CU_ASSERT_EQUAL(gvc_cfg_load_string(&ttable, &b, text, "dump", err,
                                        sizeof(err)), GVC_OK);
    CU_ASSERT_EQUAL(b.port, 5555);
    CU_ASSERT_EQUAL(b.cache, a.cache);
    CU_ASSERT_EQUAL(b.timeout, a.timeout);
    free(text);
    gvc_cfg_free(&ttable, &a);
    gvc_cfg_free(&ttable, &b);
}

static int extra_cb(void *obj, const char *section, const char *key,
                    const char *value, char *err, size_t errlen)
{
    int *count = (int *)((tcfg_t *)obj + 1);

    if (strncmp(section, "node:", 5) != 0) {
        return 0;
    }
    if (strcmp(key, "host") != 0) {
        snprintf(err, errlen, "bad node key %s", key);
        return -1;
    }
    (*count)++;
    return 1;
}

static void test_config_extra_sections(void)
{
    static const gvc_cfg_table_t xt = GVC_CFG_TABLE(tfields, extra_cb);
    struct { tcfg_t c; int count; } x = { { 0 }, 0 };
    char err[256];

    gvc_cfg_defaults(&xt, &x);
    CU_ASSERT_EQUAL(gvc_cfg_load_string(&xt, &x, "[node:a]\nhost = a\n"
                                        "[node:b]\nhost = b\n", "x", err,
                                        sizeof(err)), GVC_OK);
    CU_ASSERT_EQUAL(x.count, 2);
    CU_ASSERT_EQUAL(gvc_cfg_load_string(&xt, &x, "[node:c]\nport = 1\n", "x",
                                        err, sizeof(err)), GVC_ERR_CONFIG);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "x:2: bad node key port"));
    gvc_cfg_free(&xt, &x);
}

static void test_parse_helpers(void)
{
    size_t sz;
    long ms;
    int b;

    CU_ASSERT_EQUAL(gvc_parse_size("0", &sz), 0);
    CU_ASSERT_EQUAL(sz, 0);
    CU_ASSERT_EQUAL(gvc_parse_size("4k", &sz), 0);
    CU_ASSERT_EQUAL(sz, 4096);
    CU_ASSERT_EQUAL(gvc_parse_size("2GB", &sz), 0);
    CU_ASSERT_EQUAL(sz, (size_t)2 << 30);
    CU_ASSERT_NOT_EQUAL(gvc_parse_size("-1", &sz), 0);
    CU_ASSERT_NOT_EQUAL(gvc_parse_size("99999999999T", &sz), 0);
    CU_ASSERT_NOT_EQUAL(gvc_parse_size("", &sz), 0);
    CU_ASSERT_EQUAL(gvc_parse_msec("3s", &ms), 0);
    CU_ASSERT_EQUAL(ms, 3000);
    CU_ASSERT_EQUAL(gvc_parse_msec("2m", &ms), 0);
    CU_ASSERT_EQUAL(ms, 120000);
    CU_ASSERT_NOT_EQUAL(gvc_parse_msec("3h", &ms), 0);
    CU_ASSERT_EQUAL(gvc_parse_bool("On", &b), 0);
    CU_ASSERT_EQUAL(b, 1);
    CU_ASSERT_NOT_EQUAL(gvc_parse_bool("2", &b), 0);
}

static void test_parse_hostport(void)
{
    static const struct {
        const char *text, *host;
        int port;
    } ok[] = {
        { "127.0.0.1:9400", "127.0.0.1", 9400 }, { "[::1]:1", "::1", 1 },
        { "*:9400", "", 9400 }, { ":65535", "", 65535 },
        { "gpu01.cluster:9999", "gpu01.cluster", 9999 },
    };
    static const char *bad[] = { "host", "host:", "host:0", "host:70000",
                                 "::1:9400", "h:12x", "[::1]9400", "" };
    char host[16];
    int port;

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        CU_ASSERT_EQUAL(gvc_parse_hostport(ok[i].text, host, sizeof(host),
                                           &port), 0);
        CU_ASSERT_STRING_EQUAL(host, ok[i].host);
        CU_ASSERT_EQUAL(port, ok[i].port);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        CU_ASSERT_EQUAL(gvc_parse_hostport(bad[i], host, sizeof(host),
                                           &port), -1);
    }
    /* A host longer than the buffer is refused, not cut. */
    CU_ASSERT_EQUAL(gvc_parse_hostport("a-very-long-host-name:1", host,
                                       sizeof(host), &port), -1);
}

/* ---- logging, status, hash -----------------------------------------------------*/

static char last_line[1024];
static int last_level = -1;

static void capture(int level, const char *line, void *arg)
{
    (void)arg;
    last_level = level;
    snprintf(last_line, sizeof(last_line), "%s", line);
}

static void test_log_levels_and_env(void)
{
    int lvl;

    CU_ASSERT_EQUAL(gvc_log_parse_level("20000", &lvl), 0);
    CU_ASSERT_EQUAL(lvl, 20000);
    CU_ASSERT_EQUAL(gvc_log_parse_level("TRACE", &lvl), 0);
    CU_ASSERT_EQUAL(lvl, 0);
    CU_ASSERT_NOT_EQUAL(gvc_log_parse_level("70000", &lvl), 0);
    CU_ASSERT_NOT_EQUAL(gvc_log_parse_level("12x", &lvl), 0);
    setenv("GVIRTUS_LOGLEVEL", "40000", 1);
    gvc_log_init("test", GVC_LOG_INFO);
    CU_ASSERT_EQUAL(gvc_log_level(), GVC_LOG_ERROR);
    setenv("GVIRTUS_LOGLEVEL", "nonsense", 1);
    gvc_log_set_sink(capture, NULL);
    gvc_log_init("test", GVC_LOG_INFO);
    CU_ASSERT_EQUAL(gvc_log_level(), GVC_LOG_INFO);
    CU_ASSERT_PTR_NOT_NULL(strstr(last_line, "GVIRTUS_LOGLEVEL"));
    unsetenv("GVIRTUS_LOGLEVEL");
    gvc_log_set_sink(NULL, NULL);
}

static void test_log_filters_and_formats(void)
{
    gvc_log_init("unit", GVC_LOG_WARN);
    gvc_log_set_sink(capture, NULL);
    last_level = -1;
    gvc_info("hidden %d", 1);
    CU_ASSERT_EQUAL(last_level, -1);
    gvc_log_set_context("client 7");
    gvc_error("shown %d", 2);
    CU_ASSERT_EQUAL(last_level, GVC_LOG_ERROR);
    CU_ASSERT_PTR_NOT_NULL(strstr(last_line, "unit["));
    CU_ASSERT_PTR_NOT_NULL(strstr(last_line, "ERROR [client 7]: shown 2"));
    gvc_log_set_context(NULL);
    gvc_log_set_sink(NULL, NULL);
}

/* A worker's line: context, then the call it executes. */
static void test_log_call_name_and_target(void)
{
    int t = -1;

    gvc_log_init("unit", GVC_LOG_WARN);
    gvc_log_set_sink(capture, NULL);
    gvc_log_set_context("client 7 12@cpu1 job 42");
    gvc_log_set_call("cudaMalloc");
    gvc_warn("refused %d", 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(last_line, "WARN [client 7 12@cpu1 job 42]"
                                             " cudaMalloc: refused 3"));
    gvc_log_set_context(NULL);
    gvc_warn("alone");
    CU_ASSERT_PTR_NOT_NULL(strstr(last_line, "WARN cudaMalloc: alone"));
    gvc_log_set_call(NULL);
    gvc_warn("plain");
    CU_ASSERT_PTR_NOT_NULL(strstr(last_line, "WARN: plain"));
    gvc_log_set_sink(NULL, NULL);
    CU_ASSERT_EQUAL(gvc_log_parse_target("syslog", &t), 0);
    CU_ASSERT_EQUAL(t, GVC_LOG_TO_SYSLOG);
    CU_ASSERT_EQUAL(gvc_log_parse_target("STDERR", &t), 0);
    CU_ASSERT_EQUAL(t, GVC_LOG_TO_STDERR);
    CU_ASSERT_EQUAL(gvc_log_parse_target("journal", &t), -1);
    CU_ASSERT_EQUAL(gvc_log_parse_target(NULL, &t), -1);
}

static void test_status_strings(void)
{
    for (int s = GVC_INPROGRESS; s > GVC_ERR_LAST_; s--) {
        CU_ASSERT_STRING_NOT_EQUAL(gvc_status_str((gvc_status_t)s),
                                   "unknown status");
        CU_ASSERT_STRING_NOT_EQUAL(gvc_status_name((gvc_status_t)s),
                                   "GVC_UNKNOWN");
    }
    CU_ASSERT_STRING_EQUAL(gvc_status_str((gvc_status_t)-999),
                           "unknown status");
}

static void test_hash_known_vector(void)
{
    uint8_t h[GVC_HASH_LEN];
    char hex[GVC_HASH_HEX_LEN];

    CU_ASSERT_EQUAL(gvc_hash("abc", 3, h), GVC_OK);
    gvc_hash_hex(h, hex);
    CU_ASSERT_STRING_EQUAL(hex, "ba7816bf8f01cfea414140de5dae2223"
                                "b00361a396177a9cb410ff61f20015ad");
}

/* A full-size lease credential travels in HELLO; one byte more is
 * refused rather than truncated. */
static void test_hello_carries_a_full_lease(void)
{
    static char cred[GVC_PROTO_MAX_CRED + 2];
    static uint8_t buf[GVC_PROTO_MAX_ADDR + 2 * GVC_PROTO_MAX_CRED];
    const uint8_t addr[3] = { 1, 2, 3 };
    gvc_hello_t h = { .client_host = "node1", .job_id = "42", .gpu = 1,
                      .version = "x", .ucx_addr = addr, .ucx_addr_len = 3 };
    gvc_hello_t o;
    size_t len;

    memset(cred, 'c', GVC_PROTO_MAX_CRED);
    h.credential = cred;
    CU_ASSERT_EQUAL_FATAL(gvc_hello_pack(&h, buf, sizeof(buf), &len), GVC_OK);
    CU_ASSERT_EQUAL_FATAL(gvc_hello_unpack(buf, len, &o), GVC_OK);
    CU_ASSERT_EQUAL(strlen(o.credential), GVC_PROTO_MAX_CRED);
    CU_ASSERT_STRING_EQUAL(o.job_id, "42");
    CU_ASSERT_EQUAL(o.gpu, 1);
    cred[GVC_PROTO_MAX_CRED] = 'c';
    CU_ASSERT_EQUAL_FATAL(gvc_hello_pack(&h, buf, sizeof(buf), &len), GVC_OK);
    CU_ASSERT_NOT_EQUAL(gvc_hello_unpack(buf, len, &o), GVC_OK);
}

/* ---- status report (gvc_report) -------------------------------------------*/

static void report_fill(gvc_report_t *r, uint32_t n_clients)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->node, sizeof(r->node), "gpu01");
    snprintf(r->version, sizeof(r->version), "0.1.0");
    snprintf(r->device, sizeof(r->device), "sim");
    r->uptime_ms = 123456;
    r->max_clients = 64;
    r->clients_omitted = 2;
    r->n_gpus = 2;
    r->gpus = calloc(2, sizeof(*r->gpus));
    for (int i = 0; i < 2; i++) {
        gvc_report_gpu_t *g = &r->gpus[i];
        g->index = i;
        snprintf(g->name, sizeof(g->name), "GPU %d", i);
        snprintf(g->uuid, sizeof(g->uuid), "GPU-%d", i);
        g->mem_total = (uint64_t)80 << 30;
        g->clients = (uint32_t)i;
        g->clients_served = 10 + (uint64_t)i;
        for (int k = 0; k < GVC_CTR_MAX; k++) {
            g->ctr[k] = ((uint64_t)1 << 40) + (uint64_t)(100 * i + k);
        }
    }
    r->n_clients = n_clients;
    r->clients = calloc(n_clients ? n_clients : 1, sizeof(*r->clients));
    for (uint32_t i = 0; i < n_clients; i++) {
        gvc_report_client_t *c = &r->clients[i];
        c->id = 7 + i;
        snprintf(c->peer, sizeof(c->peer), "10.0.0.%u:4000", i);
        snprintf(c->host, sizeof(c->host), "cpu%u", i);
        c->pid = 1000 + i;
        c->uid = 500;
        snprintf(c->job, sizeof(c->job), "job%u", i);
        c->gpu = (int32_t)(i % 2);
        c->worker_pid = 2000 + i;
        c->uptime_ms = 5000 + i;
        for (int k = 0; k < GVC_CTR_MAX; k++) {
            c->ctr[k] = (uint64_t)(i * 1000 + (uint32_t)k);
        }
    }
}

static void test_report_round_trip(void)
{
    static uint8_t buf[GVC_CTL_MAX_ARGS];
    gvc_report_t a, b;
    size_t len;

    report_fill(&a, 3);
    CU_ASSERT_EQUAL_FATAL(gvc_report_pack(&a, buf, sizeof(buf), &len),
                          GVC_OK);
    CU_ASSERT_EQUAL_FATAL(gvc_report_unpack(buf, len, &b), GVC_OK);
    CU_ASSERT_EQUAL(b.format, GVC_REPORT_FORMAT);
    CU_ASSERT_STRING_EQUAL(b.node, "gpu01");
    CU_ASSERT_STRING_EQUAL(b.version, "0.1.0");
    CU_ASSERT_STRING_EQUAL(b.device, "sim");
    CU_ASSERT_EQUAL(b.uptime_ms, 123456);
    CU_ASSERT_EQUAL(b.max_clients, 64);
    CU_ASSERT_EQUAL(b.clients_omitted, 2);
    CU_ASSERT_EQUAL_FATAL(b.n_gpus, 2);
    CU_ASSERT_EQUAL(memcmp(a.gpus, b.gpus, 2 * sizeof(*a.gpus)), 0);
    CU_ASSERT_EQUAL_FATAL(b.n_clients, 3);
    CU_ASSERT_EQUAL(memcmp(a.clients, b.clients, 3 * sizeof(*a.clients)),
                    0);
    gvc_report_free(&b);
    CU_ASSERT_PTR_NULL(b.gpus);
    gvc_report_free(&a);
}

/* Clients that do not fit are left out from the end and counted. */
static void test_report_drops_clients_that_do_not_fit(void)
{
    static uint8_t buf[GVC_CTL_MAX_ARGS];
    gvc_report_t a, b;
    size_t len, full;

    report_fill(&a, 5);
    CU_ASSERT_EQUAL_FATAL(gvc_report_pack(&a, buf, sizeof(buf), &full),
                          GVC_OK);
    CU_ASSERT_EQUAL_FATAL(gvc_report_pack(&a, buf, full - 1, &len), GVC_OK);
    CU_ASSERT(len < full);
    CU_ASSERT_EQUAL_FATAL(gvc_report_unpack(buf, len, &b), GVC_OK);
    CU_ASSERT_EQUAL(b.n_clients, 4);
    CU_ASSERT_EQUAL(b.clients_omitted, 3);
    CU_ASSERT_EQUAL(b.clients[3].id, 10);
    gvc_report_free(&b);
    /* Not even the GPUs fit. */
    CU_ASSERT_EQUAL(gvc_report_pack(&a, buf, 40, &len), GVC_ERR_OVERFLOW);
    gvc_report_free(&a);
}

static void test_report_rejects_every_truncation(void)
{
    static uint8_t buf[GVC_CTL_MAX_ARGS];
    gvc_report_t a, b;
    size_t len;

    report_fill(&a, 2);
    CU_ASSERT_EQUAL_FATAL(gvc_report_pack(&a, buf, sizeof(buf), &len),
                          GVC_OK);
    for (size_t n = 0; n < len; n++) {
        CU_ASSERT_NOT_EQUAL(gvc_report_unpack(buf, n, &b), GVC_OK);
        CU_ASSERT_PTR_NULL(b.gpus);
        CU_ASSERT_PTR_NULL(b.clients);
    }
    buf[len] = 0;
    CU_ASSERT_EQUAL(gvc_report_unpack(buf, len + 1, &b), GVC_ERR_PROTO);
    gvc_report_free(&a);
}

/* A minimal report with n_ctrs counters per GPU, by hand, as another
 * version of gvd would send it. */
static size_t report_by_hand(uint8_t *buf, size_t cap, uint32_t format,
                             uint32_t n_ctrs, uint32_t n_gpus)
{
    gvc_enc_t e;

    gvc_enc_init(&e, buf, cap);
    gvc_enc_u32(&e, format);
    gvc_enc_str(&e, "n");
    gvc_enc_str(&e, "v");
    gvc_enc_str(&e, "sim");
    gvc_enc_u64(&e, 1);
    gvc_enc_u32(&e, 8);
    gvc_enc_u32(&e, n_ctrs);
    gvc_enc_u32(&e, n_gpus);
    for (uint32_t g = 0; g < n_gpus && g < 1; g++) {
        gvc_enc_i32(&e, 0);
        gvc_enc_str(&e, "name");
        gvc_enc_str(&e, "uuid");
        gvc_enc_u64(&e, 1);
        gvc_enc_u32(&e, 0);
        gvc_enc_u64(&e, 0);
        for (uint32_t k = 0; k < n_ctrs; k++) {
            gvc_enc_u64(&e, 100 + k);
        }
    }
    gvc_enc_u32(&e, 0);
    gvc_enc_u32(&e, 0);
    return e.status == GVC_OK ? e.len : 0;
}

static void test_report_counters_forward_compatible(void)
{
    uint8_t buf[1024];
    gvc_report_t r;
    size_t len;

    /* Newer gvd: two counters more, skipped. */
    len = report_by_hand(buf, sizeof(buf), GVC_REPORT_FORMAT,
                         GVC_CTR_MAX + 2, 1);
    CU_ASSERT_EQUAL_FATAL(gvc_report_unpack(buf, len, &r), GVC_OK);
    CU_ASSERT_EQUAL(r.gpus[0].ctr[GVC_CTR_MAX - 1], 100 + GVC_CTR_MAX - 1);
    gvc_report_free(&r);
    /* Older gvd: two counters only, the rest read as 0. */
    len = report_by_hand(buf, sizeof(buf), GVC_REPORT_FORMAT, 2, 1);
    CU_ASSERT_EQUAL_FATAL(gvc_report_unpack(buf, len, &r), GVC_OK);
    CU_ASSERT_EQUAL(r.gpus[0].ctr[GVC_CTR_ERRORS], 101);
    CU_ASSERT_EQUAL(r.gpus[0].ctr[GVC_CTR_H2D_BYTES], 0);
    gvc_report_free(&r);
    /* Another record format, a hostile count. */
    len = report_by_hand(buf, sizeof(buf), GVC_REPORT_FORMAT + 1, 2, 1);
    CU_ASSERT_EQUAL(gvc_report_unpack(buf, len, &r), GVC_ERR_VERSION);
    len = report_by_hand(buf, sizeof(buf), GVC_REPORT_FORMAT, 2, 1000000);
    CU_ASSERT_EQUAL(gvc_report_unpack(buf, len, &r), GVC_ERR_PROTO);
    len = report_by_hand(buf, sizeof(buf), GVC_REPORT_FORMAT, 100000, 1);
    CU_ASSERT_EQUAL(gvc_report_unpack(buf, len, &r), GVC_ERR_PROTO);
}

static void test_status_req_round_trip(void)
{
    uint8_t buf[256];
    const char *cred;
    uint32_t flags;
    size_t len;

    CU_ASSERT_EQUAL_FATAL(gvc_status_req_pack("s3cr3t", 0, buf, sizeof(buf),
                                              &len), GVC_OK);
    CU_ASSERT_EQUAL_FATAL(gvc_status_req_unpack(buf, len, &cred, &flags),
                          GVC_OK);
    CU_ASSERT_STRING_EQUAL(cred, "s3cr3t");
    CU_ASSERT_EQUAL(flags, 0);
    CU_ASSERT_EQUAL(gvc_status_req_unpack(buf, len - 1, &cred, &flags),
                    GVC_ERR_PROTO);
    CU_ASSERT_PTR_NULL(cred);
    CU_ASSERT_EQUAL(gvc_status_req_unpack(buf, 0, &cred, &flags),
                    GVC_ERR_PROTO);
    /* Every counter has a name, a column, a metric and a help line. */
    for (int i = 0; i < GVC_CTR_MAX; i++) {
        CU_ASSERT_PTR_NOT_NULL(gvc_ctr_desc[i].key);
        CU_ASSERT_PTR_NOT_NULL(gvc_ctr_desc[i].column);
        CU_ASSERT_PTR_NOT_NULL(gvc_ctr_desc[i].metric);
        CU_ASSERT_PTR_NOT_NULL(gvc_ctr_desc[i].help);
    }
}

static const gvtest_case_t wire_cases[] = {
    { "hdr_round_trip", test_hdr_round_trip },
    { "hdr_layout_is_little_endian", test_hdr_layout_is_little_endian },
    { "hdr_rejects_truncated", test_hdr_rejects_truncated },
    { "hdr_rejects_bad_magic", test_hdr_rejects_bad_magic },
    { "hdr_reports_version_mismatch", test_hdr_reports_version_mismatch },
    { "hdr_rejects_oversized_lengths", test_hdr_rejects_oversized_lengths },
    { "hdr_rejects_bad_flags", test_hdr_rejects_bad_flags },
    { "hdr_garbled_bits", test_hdr_garbled_bits },
    { "short_hdr_round_trip", test_short_hdr_round_trip },
    { "short_hdr_only_where_it_fits", test_short_hdr_only_where_it_fits },
    { "short_hdr_rejects_bad_input", test_short_hdr_rejects_bad_input },
    { "batch_round_trip", test_batch_round_trip },
    { "batch_rejects_every_truncation", test_batch_rejects_every_truncation },
    { "batch_rejects_foreign_items", test_batch_rejects_foreign_items },
    { "scalars_round_trip", test_scalars_round_trip },
    { "bytes_str_array_round_trip", test_bytes_str_array_round_trip },
    { "null_bytes_and_array_are_absent",
      test_null_bytes_and_array_are_absent },
    { "encoder_overflow_is_sticky", test_encoder_overflow_is_sticky },
    { "encoder_null_buffer_fails", test_encoder_null_buffer_fails },
    { "decoder_rejects_every_truncation",
      test_decoder_rejects_every_truncation },
    { "decoder_rejects_trailing_bytes", test_decoder_rejects_trailing_bytes },
    { "decoder_rejects_huge_lengths", test_decoder_rejects_huge_lengths },
    { "decoder_rejects_bad_strings", test_decoder_rejects_bad_strings },
    { "decoder_failure_zeroes_outputs", test_decoder_failure_zeroes_outputs },
    { "decoder_survives_garbage", test_decoder_survives_garbage },
    { NULL, NULL }
};

static const gvtest_case_t report_cases[] = {
    { "round_trip", test_report_round_trip },
    { "drops_clients_that_do_not_fit",
      test_report_drops_clients_that_do_not_fit },
    { "rejects_every_truncation", test_report_rejects_every_truncation },
    { "counters_forward_compatible",
      test_report_counters_forward_compatible },
    { "status_req_round_trip", test_status_req_round_trip },
    { NULL, NULL }
};

static const gvtest_case_t config_cases[] = {
    { "defaults", test_config_defaults },
    { "parses_file", test_config_parses_file },
    { "errors_name_file_and_line", test_config_errors_name_file_and_line },
    { "missing_file_is_io_error", test_config_missing_file_is_io_error },
    { "env_overrides", test_config_env_overrides },
    { "dump_reloads", test_config_dump_reloads },
    { "extra_sections", test_config_extra_sections },
    { "parse_helpers", test_parse_helpers },
    { "parse_hostport", test_parse_hostport },
    { NULL, NULL }
};

static const gvtest_case_t misc_cases[] = {
    { "log_levels_and_env", test_log_levels_and_env },
    { "log_filters_and_formats", test_log_filters_and_formats },
    { "log_call_name_and_target", test_log_call_name_and_target },
    { "status_strings", test_status_strings },
    { "hash_known_vector", test_hash_known_vector },
    { "hello_carries_a_full_lease", test_hello_carries_a_full_lease },
    { NULL, NULL }
};

int main(int argc, char **argv)
{
    static const gvtest_suite_t suites[] = {
        { "wire", NULL, NULL, wire_cases },
        { "report", NULL, NULL, report_cases },
        { "config", NULL, NULL, config_cases },
        { "misc", NULL, NULL, misc_cases },
        { NULL, NULL, NULL, NULL }
    };

    return gvtest_main(argc, argv, suites);
}
