/*
 * fake_gvt.c - see fake_gvt.h.  Single-threaded, like the worker it
 * serves; everything here is process-global.
 */
#include "config.h"

#include "fake_gvt.h"
#include "fuzz.h"

#include <stdlib.h>
#include <string.h>

struct gvt_ctx {
    int unused;
};

struct gvt_memh {
    void *addr;
    size_t len;
    int allocated;
};

struct gvt_conn {
    gvt_conn_params_t p;
    gvc_status_t failed;
    gvt_stats_t stats;
};

#define MAX_LOG 4096
#define MAX_HOSTFN 64

static fake_gvt_ids_t ids;
static struct {
    uint64_t call_id;
    uint16_t flags;
} sent_log[MAX_LOG];
static unsigned n_log;
static unsigned long n_sent;
static long live_memh;
/* Host-function requests waiting for their completion event. */
static uint8_t hostfn_args[MAX_HOSTFN][64];
static size_t hostfn_len[MAX_HOSTFN];
static unsigned n_hostfn;
static volatile uint8_t sink;
static int verbose;

void fake_gvt_init(const fake_gvt_ids_t *i)
{
    ids = *i;
    verbose = getenv("FUZZ_VERBOSE") != NULL;
}

void fake_gvt_reset(void)
{
    n_log = 0;
    n_sent = 0;
    n_hostfn = 0;
}

unsigned fake_gvt_replies(uint64_t call_id)
{
    unsigned n = 0;

    for (unsigned i = 0; i < n_log; i++) {
        n += sent_log[i].call_id == call_id &&
             (sent_log[i].flags & GVC_WF_REPLY) != 0;
    }
    return n;
}

unsigned long fake_gvt_sent(void)
{
    return n_sent;
}

long fake_gvt_live_memh(void)
{
    return live_memh;
}

/* Read every byte, so a sanitizer flags memory the worker should not
 * be sending from. */
__attribute__((noinline)) static void touch(const void *p, size_t n)
{
    const volatile uint8_t *b = p;
    uint8_t x = 0;

    FZ_CHECK(p != NULL || n == 0);
    for (size_t i = 0; i < n; i++) {
        x ^= b[i];
    }
    sink ^= x;
}

/* ---- context and memory --------------------------------------------------- */

gvc_status_t gvt_ctx_create(const char *name, gvt_ctx_t **ctx_p)
{
    (void)name;
    *ctx_p = calloc(1, sizeof(**ctx_p));
    return *ctx_p ? GVC_OK : GVC_ERR_NOMEM;
}

void gvt_ctx_destroy(gvt_ctx_t *ctx)
{
    free(ctx);
}

gvc_status_t gvt_mem_register(gvt_ctx_t *ctx, void *addr, size_t len,
                              gvt_memh_t **memh_p)
{
    gvt_memh_t *m = calloc(1, sizeof(*m));

    (void)ctx;
    if (m == NULL) {
        return GVC_ERR_NOMEM;
    }
    m->addr = addr;
    m->len = len;
    live_memh++;
    *memh_p = m;
    return GVC_OK;
}

gvc_status_t gvt_mem_alloc(gvt_ctx_t *ctx, size_t len, void **addr_p,
                           gvt_memh_t **memh_p)
{
    void *p = malloc(len ? len : 1);

    if (p == NULL || gvt_mem_register(ctx, p, len, memh_p) != GVC_OK) {
        free(p);
        return GVC_ERR_NOMEM;
    }
    (*memh_p)->allocated = 1;
    *addr_p = p;
    return GVC_OK;
}

void gvt_mem_unregister(gvt_memh_t *memh)
{
    if (memh != NULL) {
        live_memh--;
        free(memh);
    }
}

void gvt_mem_free(gvt_memh_t *memh)
{
    if (memh != NULL) {
        free(memh->addr);
        gvt_mem_unregister(memh);
    }
}

void *gvt_mem_addr(const gvt_memh_t *memh)
{
    return memh->addr;
}

size_t gvt_mem_len(const gvt_memh_t *memh)
{
    return memh->len;
}

/* ---- connections ------------------------------------------------------------- */

gvc_status_t gvt_conn_create(gvt_ctx_t *ctx, const gvt_conn_params_t *p,
                             gvt_conn_t **conn_p)
{
    gvt_conn_t *c = calloc(1, sizeof(*c));

    (void)ctx;
    if (c == NULL) {
        return GVC_ERR_NOMEM;
    }
    c->p = *p;
    *conn_p = c;
    return GVC_OK;
}

gvc_status_t gvt_conn_address(gvt_conn_t *conn, void **addr_p,
                              size_t *len_p)
{
    (void)conn;
    *addr_p = strdup("fake");
    *len_p = 5;
    return *addr_p ? GVC_OK : GVC_ERR_NOMEM;
}

gvc_status_t gvt_conn_connect(gvt_conn_t *conn, const void *peer_addr,
                              size_t len)
{
    (void)conn;
    (void)peer_addr;
    (void)len;
    return GVC_OK;
}

void gvt_conn_set_liveness_fd(gvt_conn_t *conn, int fd)
{
    (void)conn;
    (void)fd;
}

void gvt_conn_destroy(gvt_conn_t *conn)
{
    free(conn);
}

gvc_status_t gvt_conn_status(gvt_conn_t *conn)
{
    return conn->failed;
}

void gvt_conn_fail(gvt_conn_t *conn, gvc_status_t status)
{
    conn->failed = status;
}

const char *gvt_conn_name(const gvt_conn_t *conn)
{
    return conn->p.name ? conn->p.name : "fake";
}

gvt_ctx_t *gvt_conn_ctx(const gvt_conn_t *conn)
{
    (void)conn;
    return NULL;
}

void *gvt_conn_arg(const gvt_conn_t *conn)
{
    return conn->p.arg;
}

void gvt_conn_stats(gvt_conn_t *conn, gvt_stats_t *stats_p)
{
    *stats_p = conn->stats;
}

/* ---- sending ----------------------------------------------------------------- */

static void log_send(const gvt_out_t *out)
{
    if (n_log < MAX_LOG) {
        sent_log[n_log].call_id = out->call_id;
        sent_log[n_log].flags = out->flags;
        n_log++;
    }
    n_sent++;
}

gvc_status_t gvt_send(gvt_conn_t *conn, const gvt_out_t *out)
{
    if (conn->failed != GVC_OK) {
        return conn->failed;
    }
    if (out->args_len > GVC_WIRE_MAX_ARGS) {
        return GVC_ERR_OVERFLOW;
    }
    /* Flags a worker may send: replies, events, parts. */
    FZ_CHECK((out->flags & ~(GVC_WF_REPLY | GVC_WF_EVENT | GVC_WF_PART)) ==
             0);
    touch(out->args, out->args_len);
    touch(out->data, out->data_len);
    if (out->memh != NULL) {
        const uint8_t *d = out->data, *m = out->memh->addr;
        FZ_CHECK(d >= m && d <= m + out->memh->len &&
                 out->data_len <= out->memh->len - (size_t)(d - m));
    }
    log_send(out);
    if (verbose) {
        fprintf(stderr, "fake_gvt: sent api %#x flags %#x call %llu result "
                "%lld args %zu data %zu\n", out->api_id, out->flags,
                (unsigned long long)out->call_id, (long long)out->result,
                out->args_len, out->data_len);
    }
    conn->stats.msgs_out++;
    conn->stats.bytes_out += out->args_len + out->data_len;
    if ((out->flags & GVC_WF_EVENT) && out->api_id == ids.hostfn_run &&
        n_hostfn < MAX_HOSTFN && out->args_len <= sizeof(hostfn_args[0])) {
        memcpy(hostfn_args[n_hostfn], out->args, out->args_len);
        hostfn_len[n_hostfn++] = out->args_len;
    }
    if (out->done != NULL) {
        out->done(out->done_arg, GVC_OK);
    }
    return GVC_OK;
}

gvc_status_t gvt_send_part(gvt_conn_t *conn, uint64_t call_id,
                           uint64_t offset, const void *data, size_t len,
                           gvt_memh_t *memh, gvt_done_cb_t done,
                           void *done_arg)
{
    gvt_out_t out = { .flags = GVC_WF_PART, .call_id = call_id,
                      .args = &offset, .args_len = sizeof(offset),
                      .data = data, .data_len = len, .memh = memh,
                      .done = done, .done_arg = done_arg };

    return gvt_send(conn, &out);
}

gvc_status_t gvt_call(gvt_conn_t *conn, gvt_out_t *out, gvt_reply_t *reply)
{
    (void)conn;
    (void)out;
    (void)reply;
    return GVC_ERR_NOT_SUPPORTED; /* a worker never calls its client */
}

gvc_status_t gvt_call_detached(gvt_conn_t *conn, gvt_out_t *out, void *data,
                               size_t cap, uint64_t *call_id_p)
{
    (void)conn;
    (void)out;
    (void)data;
    (void)cap;
    (void)call_id_p;
    return GVC_ERR_NOT_SUPPORTED;
}

gvc_status_t gvt_conn_wait_flag(gvt_conn_t *conn, atomic_int *flag,
                                long timeout_ms)
{
    (void)timeout_ms;
    while (!atomic_load(flag) && conn->failed == GVC_OK) {
        if (gvt_conn_poll(conn) == 0) {
            return GVC_ERR_TIMEOUT; /* nothing will ever set it */
        }
    }
    return conn->failed;
}

gvc_status_t gvt_conn_flush(gvt_conn_t *conn)
{
    return conn->failed;
}

/* ---- progress ------------------------------------------------------------------ */

/* Answer the host-function requests: the client ran them. */
unsigned gvt_conn_poll(gvt_conn_t *conn)
{
    unsigned n = n_hostfn;
    gvc_wire_hdr_t h;

    n_hostfn = 0;
    for (unsigned i = 0; i < n; i++) {
        gvc_wire_hdr_init(&h, ids.hostfn_done, GVC_WF_EVENT, 0);
        h.args_len = (uint32_t)hostfn_len[i];
        if (conn->p.urgent_cb != NULL) {
            conn->p.urgent_cb(conn, &h, hostfn_args[i], conn->p.arg);
        }
    }
    return n;
}

unsigned gvt_conn_progress(gvt_conn_t *conn)
{
    return gvt_conn_poll(conn);
}

int gvt_conn_fd(gvt_conn_t *conn)
{
    (void)conn;
    return -1;
}

gvc_status_t gvt_conn_arm(gvt_conn_t *conn)
{
    (void)conn;
    return GVC_OK;
}

int gvt_conn_serve(gvt_conn_t *conn, int fd, long spin_us, int timeout_ms)
{
    (void)fd;
    (void)spin_us;
    (void)timeout_ms;
    gvt_conn_poll(conn);
    return 0;
}

size_t gvt_conn_max_inline_args(const gvt_conn_t *conn)
{
    (void)conn;
    return 8192;
}
