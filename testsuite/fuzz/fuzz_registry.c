/*
 * fuzz_registry.c - the registry protocol: the record codec (gvr_unpack
 * over every layout) and gvregistryd's request handling, in process: a
 * real gvr_server (auth = none, an in-memory SQLite database per
 * connection) serves each input as one connection through a socket pair,
 * from HELLO through every handler.
 *
 * Input: one mode byte.
 *   mode & 0xc0 == 0x40  codec: u8 picks a layout (requests, replies,
 *                        the error record), the rest is the record; a
 *                        record that unpacks must pack to a size
 *                        gvr_packed_size() predicts and round-trip.
 *   mode & 0xc0 == 0x80  raw: the rest is sent to the server as is.
 *   otherwise            a session: bit 0 authenticates first with
 *                        auth = none as uid 0 (admin), else bit 1 as
 *                        uid 2 (a node user), else bit 2 as uid 1000;
 *                        none of them: unauthenticated.  Then messages
 *                          u8 message (index from GVR_MSG_HELLO; 0xff:
 *                             a raw u32 id follows), u8 wire flags,
 *                          u16 length, that many argument bytes,
 *                        each framed with a valid wire header.
 */
#include "config.h"

#include "fuzz.h"
#include "gvr_auth.h"
#include "gvr_msgio.h"
#include "gvr_proto.h"
#include "gvr_server_int.h"
#include "gvc_ctl.h"
#include "gvc_log.h"
#include "gvc_wire.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_STREAM (256u << 10)

static gvr_regd_config_t cfg;
static gvr_server_t *srv;
static char dir[256];
static uint8_t stream[MAX_STREAM + 4096];
static uint8_t b1[GVC_CTL_MAX_ARGS], b2[GVC_CTL_MAX_ARGS];

static void die(const char *what, const char *err)
{
    fprintf(stderr, "fuzz_registry: %s: %s\n", what, err);
    exit(1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char ini[512], key[300], text[1024], err[512];
    const char *tmp = getenv("TMPDIR");
    FILE *fp;

    (void)argc;
    (void)argv;
    gvc_log_init("fuzz", getenv("FUZZ_VERBOSE") ? GVC_LOG_DEBUG
                                                : GVC_LOG_OFF);
    snprintf(dir, sizeof(dir), "%s/fuzzreg.XXXXXX", tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        die("mkdtemp", strerror(errno));
    }
    snprintf(key, sizeof(key), "%s/lease.key", dir);
    snprintf(ini, sizeof(ini), "%s/registry.ini", dir);
    if (gvr_key_generate(key, err, sizeof(err)) != GVC_OK) {
        die("lease key", err);
    }
    /* Every connection opens its own database: ":memory:" gives each
     * input a fresh, empty one. */
    snprintf(text, sizeof(text), "[registryd]\nport = 0\nlisten = 127.0.0.1\n"
             "database = :memory:\nauth = none\nlease_key_file = %s\n"
             "admins = 0\nnode_users = 2\nclient_timeout = 2s\n", key);
    fp = fopen(ini, "w");
    if (fp == NULL || fputs(text, fp) < 0 || fclose(fp) != 0) {
        die(ini, strerror(errno));
    }
    if (gvr_regd_config_load(ini, &cfg, err, sizeof(err)) != GVC_OK) {
        die("config", err);
    }
    if (gvr_server_create(&cfg, &srv, err, sizeof(err)) != GVC_OK) {
        die("server", err);
    }
    unlink(key);
    unlink(ini);
    rmdir(dir);
    return 0;
}

/* ---- codec ----------------------------------------------------------------- */

static void fuzz_codec(fz_t *f)
{
    static uint8_t obj[1 << 16], obj2[1 << 16];
    size_t n_l = 2 * gvr_n_msgs + 1, len1, len2;
    uint8_t pick = fz_u8(f);
    const gvr_layout_t *l;

    if (pick % n_l == 2 * gvr_n_msgs) {
        l = &gvr_layout_error;
    } else if (pick % 2 == 0) {
        l = gvr_msgs[(pick % n_l) / 2].req;
    } else {
        l = gvr_msgs[(pick % n_l) / 2].rep;
    }
    FZ_CHECK(l->size <= sizeof(obj));
    if (gvr_unpack(l, f->p, f->n, obj) != GVC_OK) {
        return;
    }
    FZ_CHECK(gvr_pack(l, obj, b1, sizeof(b1), &len1) == GVC_OK);
    FZ_CHECK(gvr_packed_size(l, obj) == len1);
    FZ_CHECK(gvr_unpack(l, b1, len1, obj2) == GVC_OK);
    FZ_CHECK(gvr_pack(l, obj2, b2, sizeof(b2), &len2) == GVC_OK);
    FZ_CHECK(len1 == len2 && memcmp(b1, b2, len1) == 0);
    gvr_unpack_free(l, obj);
    gvr_unpack_free(l, obj2);
}

/* ---- sessions -------------------------------------------------------------- */

typedef struct peer {
    int fd;
    const uint8_t *out;
    size_t len;
} peer_t;

/* The client side: write the stream while reading (and dropping) the
 * server's replies, then read until the server closes. */
static void *peer_main(void *arg)
{
    peer_t *p = arg;
    struct pollfd pf = { .fd = p->fd };
    uint8_t sink[65536];
    size_t off = 0;
    ssize_t n;

    fcntl(p->fd, F_SETFL, O_NONBLOCK);
    for (;;) {
        pf.events = POLLIN | (off < p->len ? POLLOUT : 0);
        if (poll(&pf, 1, 5000) <= 0) {
            break;
        }
        if ((pf.revents & POLLOUT) && off < p->len) {
            n = write(p->fd, p->out + off, p->len - off);
            if (n > 0) {
                off += (size_t)n;
            } else if (n < 0 && errno != EAGAIN) {
                off = p->len;
            }
            if (off == p->len) {
                shutdown(p->fd, SHUT_WR);
            }
        }
        if (pf.revents & (POLLIN | POLLHUP | POLLERR)) {
            n = read(p->fd, sink, sizeof(sink));
            if (n == 0 || (n < 0 && errno != EAGAIN)) {
                break;
            }
        }
    }
    if (off < p->len) {
        shutdown(p->fd, SHUT_WR);
    }
    return NULL;
}

/* Serve one connection of stream[0..len) as gvr_server_run would. */
static void serve(size_t len)
{
    peer_t p = { .out = stream, .len = len };
    gvr_conn_t *c;
    pthread_t th;
    int sv[2];

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        return;
    }
    if (len == 0) {
        shutdown(sv[1], SHUT_WR);
    }
    c = calloc(1, sizeof(*c));
    FZ_CHECK(c != NULL);
    c->srv = srv;
    c->fd = sv[0];
    snprintf(c->peer, sizeof(c->peer), "fuzz");
    pthread_mutex_lock(&srv->lock);
    c->next = srv->conns;
    srv->conns = c;
    srv->n_conns++;
    pthread_mutex_unlock(&srv->lock);
    p.fd = sv[1];
    FZ_CHECK(pthread_create(&th, NULL, peer_main, &p) == 0);
    gvr_conn_main(c); /* closes sv[0] and frees c */
    pthread_join(th, NULL);
    close(sv[1]);
}

/* Append one framed message; returns the new length. */
static size_t frame(size_t at, uint32_t id, uint16_t flags, const void *args,
                    size_t n)
{
    gvc_wire_hdr_t h;

    if (at + GVC_WIRE_HDR_SIZE + n > sizeof(stream)) {
        return at;
    }
    gvc_wire_hdr_init(&h, id, flags, 0);
    h.args_len = (uint32_t)n;
    gvc_wire_hdr_pack(&h, stream + at);
    memcpy(stream + at + GVC_WIRE_HDR_SIZE, args, n);
    return at + GVC_WIRE_HDR_SIZE + n;
}

static size_t auth_none(size_t at, uint32_t uid)
{
    gvr_auth_req_t a = { .mode = GVR_AUTH_NONE, .uid = uid, .cred = "" };
    size_t n;

    if (gvr_pack(gvr_msg_find(GVR_MSG_AUTH)->req, &a, b1, sizeof(b1), &n) !=
        GVC_OK) {
        abort();
    }
    return frame(at, GVR_MSG_AUTH, 0, b1, n);
}

static void fuzz_session(uint8_t mode, fz_t *f)
{
    size_t at = 0, got;

    if (mode & 1) {
        at = auth_none(at, 0);
    } else if (mode & 2) {
        at = auth_none(at, 2);
    } else if (mode & 4) {
        at = auth_none(at, 1000);
    }
    while (f->n > 0 && at < MAX_STREAM) {
        uint8_t m = fz_u8(f);
        uint32_t id = m == 0xff ? fz_u32(f)
                                : (uint32_t)GVR_MSG_HELLO +
                                      m % (uint32_t)(GVR_MSG_END_ -
                                                     GVR_MSG_HELLO);
        uint16_t flags = fz_u8(f) & GVC_WF_ALL;
        size_t n = fz_u16(f);
        const uint8_t *args = fz_take(f, n, &got);

        at = frame(at, id, flags, args, got);
    }
    serve(at);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_t f = { data, size };
    uint8_t mode = fz_u8(&f);

    switch (mode & 0xc0) {
    case 0x40:
        fuzz_codec(&f);
        break;
    case 0x80:
        if (f.n <= MAX_STREAM) {
            memcpy(stream, f.p, f.n);
            serve(f.n);
        }
        break;
    default:
        fuzz_session(mode, &f);
        break;
    }
    return 0;
}
