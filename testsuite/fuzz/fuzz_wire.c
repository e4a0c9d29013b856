/*
 * fuzz_wire.c - the gvc wire format: header, the bounds-checked decoder
 * over arbitrary argument blobs, the control-channel handshake records
 * (HELLO is the first thing gvd parses from an unauthenticated peer) and
 * the incremental control-message reader.
 *
 * Input: one mode byte, then the mode's bytes.
 *   0  a wire header; a valid one must pack back to the same 48 bytes
 *   1  a decoder program: u8 op count, the ops, then the blob they decode;
 *      every view handed out must lie inside the blob
 *   2  HELLO  3  WELCOME: unpack; a valid one repacks to the same bytes
 *   4  control frames fed to gvc_ctl_reader_feed through a socket
 *   5  a batch's items (gvc_wire_batch_next): each lies inside the batch,
 *      is a request, and a valid one re-puts to the same bytes
 *   6  a message header in either form (gvc_wire_hdr_unpack_any) with its
 *      inline arguments; a valid short one packs back to the same 16
 *      bytes and could have been sent short
 */
#include "config.h"

#include "fuzz.h"
#include "gvc_ctl.h"
#include "gvc_log.h"
#include "gvc_proto.h"
#include "gvc_wire.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    gvc_log_init("fuzz", GVC_LOG_OFF);
    return 0;
}

static void fuzz_header(const uint8_t *p, size_t n)
{
    uint8_t back[GVC_WIRE_HDR_SIZE];
    gvc_wire_hdr_t h;
    gvc_status_t st = gvc_wire_hdr_unpack(p, n, &h);

    if (n < GVC_WIRE_HDR_SIZE) {
        FZ_CHECK(st == GVC_ERR_TRUNCATED);
        return;
    }
    if (st == GVC_OK) {
        FZ_CHECK(h.magic == GVC_WIRE_MAGIC);
        FZ_CHECK(h.version == GVC_WIRE_VERSION);
        FZ_CHECK(h.args_len <= GVC_WIRE_MAX_ARGS);
        FZ_CHECK(h.data_len <= GVC_WIRE_MAX_DATA);
        FZ_CHECK((h.flags & ~GVC_WF_ALL) == 0);
    }
    if (st == GVC_OK || st == GVC_ERR_VERSION) {
        gvc_wire_hdr_pack(&h, back);
        FZ_CHECK(memcmp(back, p, GVC_WIRE_HDR_SIZE) == 0);
    }
}

static void fuzz_header_any(const uint8_t *p, size_t n)
{
    uint8_t back[GVC_WIRE_SHORT_SIZE];
    gvc_wire_hdr_t h;
    size_t size = 0;
    gvc_status_t st = gvc_wire_hdr_unpack_any(p, n, &h, &size);

    if (size == GVC_WIRE_HDR_SIZE) {
        fuzz_header(p, n); /* the full form's own checks */
        return;
    }
    FZ_CHECK(size == GVC_WIRE_SHORT_SIZE && n > 0 && p[0] == 'g');
    if (n < GVC_WIRE_SHORT_SIZE) {
        FZ_CHECK(st == GVC_ERR_TRUNCATED);
        return;
    }
    if (st == GVC_OK) {
        FZ_CHECK(h.args_len == n - GVC_WIRE_SHORT_SIZE);
        FZ_CHECK(h.data_len == 0 && h.seq_err == 0);
        FZ_CHECK(gvc_wire_hdr_short_ok(&h));
        gvc_wire_hdr_pack_short(&h, back);
        FZ_CHECK(memcmp(back, p, GVC_WIRE_SHORT_SIZE) == 0);
    }
}

/* A view [v, v+len) must lie inside [base, base+n). */
static void view_ok(const void *v, size_t len, const uint8_t *base, size_t n)
{
    const uint8_t *p = v;

    if (v == NULL) {
        FZ_CHECK(len == 0);
        return;
    }
    FZ_CHECK(p >= base && p <= base + n);
    FZ_CHECK(len <= (size_t)(base + n - p));
}

static void fuzz_decoder(fz_t *f)
{
    uint8_t nops = fz_u8(f), raw[64];
    size_t got, len;
    const uint8_t *ops = fz_take(f, nops, &got);
    const uint8_t *blob = f->p;
    size_t n = f->n;
    const void *v;
    const char *s;
    uint64_t u;
    uint32_t cnt;
    gvc_dec_t d;

    gvc_dec_init(&d, blob, n);
    for (size_t i = 0; i < got; i++) {
        size_t before = d.pos;
        gvc_status_t was = d.status;
        /* The low bits pick the call, the high bits its bound. */
        uint32_t max = (uint32_t)1 << (ops[i] >> 4) * 2;
        switch (ops[i] & 15) {
        case 0: gvc_dec_u8(&d, (uint8_t *)&u); break;
        case 1: gvc_dec_u16(&d, (uint16_t *)&u); break;
        case 2: gvc_dec_u32(&d, (uint32_t *)&u); break;
        case 3: gvc_dec_u64(&d, &u); break;
        case 4: gvc_dec_f64(&d, (double *)&u); break;
        case 5: gvc_dec_ptr(&d, (void **)&u); break;
        case 6: gvc_dec_raw(&d, raw, (ops[i] >> 4) * 4); break;
        case 7:
            gvc_dec_bytes(&d, &v, &len, max);
            view_ok(v, len, blob, n);
            FZ_CHECK(len <= max);
            break;
        case 8:
            gvc_dec_str(&d, &s, max);
            if (s != NULL) {
                len = strlen(s);
                FZ_CHECK(len <= max);
                view_ok(s, len + 1, blob, n);
            }
            break;
        case 9:
            gvc_dec_array(&d, &v, &cnt, (ops[i] >> 4) + 1, max);
            FZ_CHECK(cnt <= max);
            view_ok(v, (size_t)cnt * ((ops[i] >> 4) + 1), blob, n);
            break;
        default:
            gvc_dec_finish(&d);
            break;
        }
        FZ_CHECK(d.pos <= d.len && d.pos >= before);
        if (was != GVC_OK) { /* sticky: once failed, nothing moves */
            FZ_CHECK(d.pos == before && d.status == was);
        }
    }
    gvc_dec_finish(&d);
}

static void fuzz_hello(const uint8_t *p, size_t n)
{
    uint8_t back[GVC_PROTO_MAX_ADDR + 4096];
    gvc_hello_t h, h2;
    size_t len;

    if (gvc_hello_unpack(p, n, &h) != GVC_OK) {
        return;
    }
    FZ_CHECK(h.ucx_addr_len > 0 && h.ucx_addr_len <= GVC_PROTO_MAX_ADDR);
    FZ_CHECK(gvc_hello_pack(&h, back, sizeof(back), &len) == GVC_OK);
    FZ_CHECK(len == n && memcmp(back, p, n) == 0);
    FZ_CHECK(gvc_hello_unpack(back, len, &h2) == GVC_OK);
    FZ_CHECK(h2.pid == h.pid && h2.gpu == h.gpu);
}

static void fuzz_welcome(const uint8_t *p, size_t n)
{
    uint8_t back[GVC_PROTO_MAX_ADDR + 4096];
    gvc_welcome_t w;
    size_t len;

    if (gvc_welcome_unpack(p, n, &w) != GVC_OK) {
        return;
    }
    FZ_CHECK(w.chunk >= 4096 && w.chunks >= 1);
    FZ_CHECK(gvc_welcome_pack(&w, back, sizeof(back), &len) == GVC_OK);
    FZ_CHECK(len == n && memcmp(back, p, n) == 0);
}

/* The bytes arrive in a socket; read messages until an error or EOF. */
static void fuzz_ctl_reader(const uint8_t *p, size_t n)
{
    gvc_ctl_reader_t r;
    gvc_status_t st;
    int sv[2];

    if (n > 200000 ||
        socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        return;
    }
    /* A socket pair holds a couple of hundred kilobytes: no thread. */
    if (write(sv[1], p, n) != (ssize_t)n) {
        close(sv[0]);
        close(sv[1]);
        return;
    }
    close(sv[1]);
    for (int msgs = 0; msgs < 1000; msgs++) {
        gvc_ctl_reader_init(&r);
        st = gvc_ctl_reader_feed(&r, sv[0]);
        if (st == GVC_OK) {
            FZ_CHECK(r.have_hdr && r.hdr.args_len <= GVC_CTL_MAX_ARGS);
            FZ_CHECK(r.have == GVC_WIRE_HDR_SIZE + r.hdr.args_len);
        }
        gvc_ctl_reader_fini(&r);
        if (st != GVC_OK) {
            break;
        }
    }
    close(sv[0]);
}

static void fuzz_batch(const uint8_t *p, size_t n)
{
    const void *args, *data;
    gvc_wire_hdr_t h;
    size_t off = 0, prev = 0, item;
    uint8_t *back;

    while (gvc_wire_batch_next(p, n, &off, &h, &args, &data) == GVC_OK) {
        item = gvc_wire_batch_item_size(h.args_len, h.data_len);
        FZ_CHECK(off == prev + item && off <= n);
        FZ_CHECK((h.flags & ~GVC_WF_ONEWAY) == 0);
        view_ok(args, h.args_len, p, n);
        view_ok(data, h.data_len, p, n);
        back = malloc(item);
        FZ_CHECK(back != NULL);
        gvc_wire_batch_put(back, &h, args, data);
        /* Everything but the padding comes back byte for byte. */
        FZ_CHECK(memcmp(back, p + prev, GVC_WIRE_HDR_SIZE + h.args_len +
                                            h.data_len) == 0);
        free(back);
        prev = off;
    }
    FZ_CHECK(off == prev && off <= n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_t f = { data, size };

    switch (fz_u8(&f) % 7) {
    case 0: fuzz_header(f.p, f.n); break;
    case 1: fuzz_decoder(&f); break;
    case 2: fuzz_hello(f.p, f.n); break;
    case 3: fuzz_welcome(f.p, f.n); break;
    case 4: fuzz_ctl_reader(f.p, f.n); break;
    case 5: fuzz_batch(f.p, f.n); break;
    case 6: fuzz_header_any(f.p, f.n); break;
    }
    return 0;
}
