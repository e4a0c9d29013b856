/*
 * gvc_report.c - the counter names and the encoding of gvd's status
 * record (gvc_report.h).
 */
#include "config.h"

#include "gvc_report.h"
#include "gvc_proto.h"
#include "gvc_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const gvc_ctr_desc_t gvc_ctr_desc[GVC_CTR_MAX] = {
    [GVC_CTR_CALLS] = { "calls", "CALLS", "calls_total",
        "Requests served (a copy larger than staging_chunk travels as "
        "several)", 0, 0 },
    [GVC_CTR_ERRORS] = { "errors", "ERRORS", "errors_total",
        "Requests answered with an error code", 0, 0 },
    [GVC_CTR_H2D_BYTES] = { "h2d_bytes", "H2D", "h2d_bytes_total",
        "Bytes copied from client memory to the GPU", 0, 1 },
    [GVC_CTR_D2H_BYTES] = { "d2h_bytes", "D2H", "d2h_bytes_total",
        "Bytes copied from the GPU to client memory", 0, 1 },
    [GVC_CTR_WIRE_IN] = { "wire_in_bytes", "IN", "wire_in_bytes_total",
        "Request bytes received from clients (arguments and data)", 0, 1 },
    [GVC_CTR_WIRE_OUT] = { "wire_out_bytes", "OUT", "wire_out_bytes_total",
        "Reply bytes sent to clients (arguments and data)", 0, 1 },
    [GVC_CTR_MEM_HELD] = { "memory_held_bytes", "MEM", "memory_held_bytes",
        "GPU memory the clients hold now", 1, 1 },
    [GVC_CTR_PEER_OUT] = { "peer_out_bytes", "P2P-OUT",
        "peer_out_bytes_total",
        "Bytes of peer copies sent from this GPU to another gvd worker", 0,
        1 },
    [GVC_CTR_PEER_IN] = { "peer_in_bytes", "P2P-IN", "peer_in_bytes_total",
        "Bytes of peer copies received from another gvd worker and written "
        "to this GPU", 0, 1 },
};

void gvc_report_free(gvc_report_t *r)
{
    free(r->gpus);
    free(r->clients);
    memset(r, 0, sizeof(*r));
}

static void enc_ctrs(gvc_enc_t *e, const uint64_t *ctr)
{
    for (int i = 0; i < GVC_CTR_MAX; i++) {
        gvc_enc_u64(e, ctr[i]);
    }
}

static void enc_gpu(gvc_enc_t *e, const gvc_report_gpu_t *g)
{
    gvc_enc_i32(e, g->index);
    gvc_enc_str(e, g->name);
    gvc_enc_str(e, g->uuid);
    gvc_enc_u64(e, g->mem_total);
    gvc_enc_u32(e, g->clients);
    gvc_enc_u64(e, g->clients_served);
    enc_ctrs(e, g->ctr);
}

static void enc_client(gvc_enc_t *e, const gvc_report_client_t *c)
{
    gvc_enc_u32(e, c->id);
    gvc_enc_str(e, c->peer);
    gvc_enc_str(e, c->host);
    gvc_enc_u32(e, c->pid);
    gvc_enc_u32(e, c->uid);
    gvc_enc_str(e, c->job);
    gvc_enc_i32(e, c->gpu);
    gvc_enc_u32(e, c->worker_pid);
    gvc_enc_u64(e, c->uptime_ms);
    enc_ctrs(e, c->ctr);
}

/*
 * Layout: format, node, version, device, uptime_ms, max_clients,
 * n_ctrs, n_gpus, gpus, n_clients, clients, clients_omitted.  The client
 * count goes in a slot reserved before them, so clients that do not fit
 * can be dropped from the end.
 */
gvc_status_t gvc_report_pack(const gvc_report_t *r, void *buf, size_t cap,
                             size_t *len_p)
{
    uint32_t n = 0, omitted;
    uint8_t *slot;
    gvc_enc_t e;

    *len_p = 0;
    if (cap < 4) {
        return GVC_ERR_OVERFLOW;
    }
    gvc_enc_init(&e, buf, cap - 4); /* room for clients_omitted */
    gvc_enc_u32(&e, GVC_REPORT_FORMAT);
    gvc_enc_str(&e, r->node);
    gvc_enc_str(&e, r->version);
    gvc_enc_str(&e, r->device);
    gvc_enc_u64(&e, r->uptime_ms);
    gvc_enc_u32(&e, r->max_clients);
    gvc_enc_u32(&e, GVC_CTR_MAX);
    gvc_enc_u32(&e, r->n_gpus);
    for (uint32_t i = 0; i < r->n_gpus; i++) {
        enc_gpu(&e, &r->gpus[i]);
    }
    slot = gvc_enc_reserve(&e, 4);
    if (e.status != GVC_OK) {
        return e.status;
    }
    for (; n < r->n_clients; n++) {
        size_t before = e.len;
        enc_client(&e, &r->clients[n]);
        if (e.status != GVC_OK) {
            e.len = before;
            e.status = GVC_OK;
            break;
        }
    }
    memcpy(slot, &n, 4);
    omitted = r->clients_omitted + (r->n_clients - n);
    e.cap = cap;
    gvc_enc_u32(&e, omitted);
    *len_p = e.len;
    return e.status;
}

/* n counters from the wire: the first GVC_CTR_MAX kept, the rest
 * skipped, missing ones 0. */
static void dec_ctrs(gvc_dec_t *d, uint32_t n, uint64_t *ctr)
{
    uint64_t v;

    memset(ctr, 0, sizeof(uint64_t) * GVC_CTR_MAX);
    for (uint32_t i = 0; i < n; i++) {
        gvc_dec_u64(d, &v);
        if (i < GVC_CTR_MAX) {
            ctr[i] = v;
        }
    }
}

/* A string into a fixed field; longer than the field is malformed. */
static void dec_fixed(gvc_dec_t *d, char *dst, size_t size)
{
    const char *s = NULL;

    gvc_dec_str(d, &s, size - 1);
    snprintf(dst, size, "%s", s != NULL ? s : "");
    if (d->status == GVC_OK && s == NULL) {
        d->status = GVC_ERR_PROTO;
    }
}

static void dec_gpu(gvc_dec_t *d, uint32_t n_ctrs, gvc_report_gpu_t *g)
{
    gvc_dec_i32(d, &g->index);
    dec_fixed(d, g->name, sizeof(g->name));
    dec_fixed(d, g->uuid, sizeof(g->uuid));
    gvc_dec_u64(d, &g->mem_total);
    gvc_dec_u32(d, &g->clients);
    gvc_dec_u64(d, &g->clients_served);
    dec_ctrs(d, n_ctrs, g->ctr);
}

static void dec_client(gvc_dec_t *d, uint32_t n_ctrs, gvc_report_client_t *c)
{
    gvc_dec_u32(d, &c->id);
    dec_fixed(d, c->peer, sizeof(c->peer));
    dec_fixed(d, c->host, sizeof(c->host));
    gvc_dec_u32(d, &c->pid);
    gvc_dec_u32(d, &c->uid);
    dec_fixed(d, c->job, sizeof(c->job));
    gvc_dec_i32(d, &c->gpu);
    gvc_dec_u32(d, &c->worker_pid);
    gvc_dec_u64(d, &c->uptime_ms);
    dec_ctrs(d, n_ctrs, c->ctr);
}

/* Counts are checked against what the remaining bytes could hold before
 * anything is allocated: a hostile count cannot make us allocate much. */
static int count_ok(const gvc_dec_t *d, uint32_t n, uint32_t max,
                    size_t min_each)
{
    return n <= max && (size_t)n * min_each <= d->len - d->pos;
}

gvc_status_t gvc_report_unpack(const void *buf, size_t len, gvc_report_t *r)
{
    uint32_t n_ctrs = 0;
    gvc_dec_t d;

    memset(r, 0, sizeof(*r));
    gvc_dec_init(&d, buf, len);
    gvc_dec_u32(&d, &r->format);
    if (d.status == GVC_OK && r->format != GVC_REPORT_FORMAT) {
        return GVC_ERR_VERSION;
    }
    dec_fixed(&d, r->node, sizeof(r->node));
    dec_fixed(&d, r->version, sizeof(r->version));
    dec_fixed(&d, r->device, sizeof(r->device));
    gvc_dec_u64(&d, &r->uptime_ms);
    gvc_dec_u32(&d, &r->max_clients);
    gvc_dec_u32(&d, &n_ctrs);
    gvc_dec_u32(&d, &r->n_gpus);
    if (d.status != GVC_OK || n_ctrs > GVC_REPORT_MAX_CTRS ||
        !count_ok(&d, r->n_gpus, GVC_REPORT_MAX_GPUS, 4 + 4 + 4 + 8 + 4 + 8) ||
        (r->n_gpus > 0 &&
         (r->gpus = calloc(r->n_gpus, sizeof(*r->gpus))) == NULL)) {
        goto err;
    }
    for (uint32_t i = 0; i < r->n_gpus && d.status == GVC_OK; i++) {
        dec_gpu(&d, n_ctrs, &r->gpus[i]);
    }
    gvc_dec_u32(&d, &r->n_clients);
    if (d.status != GVC_OK ||
        !count_ok(&d, r->n_clients, GVC_REPORT_MAX_CLIENTS, 40) ||
        (r->n_clients > 0 &&
         (r->clients = calloc(r->n_clients, sizeof(*r->clients))) == NULL)) {
        goto err;
    }
    for (uint32_t i = 0; i < r->n_clients && d.status == GVC_OK; i++) {
        dec_client(&d, n_ctrs, &r->clients[i]);
    }
    gvc_dec_u32(&d, &r->clients_omitted);
    if (gvc_dec_finish(&d) != GVC_OK) {
        goto err;
    }
    return GVC_OK;
err:
    gvc_report_free(r);
    return GVC_ERR_PROTO;
}

gvc_status_t gvc_status_req_pack(const char *cred, uint32_t flags,
                                 void *buf, size_t cap, size_t *len_p)
{
    gvc_enc_t e;

    gvc_enc_init(&e, buf, cap);
    gvc_enc_str(&e, cred != NULL ? cred : "");
    gvc_enc_u32(&e, flags);
    *len_p = e.len;
    return e.status;
}

gvc_status_t gvc_status_req_unpack(const void *buf, size_t len,
                                   const char **cred_p, uint32_t *flags_p)
{
    gvc_dec_t d;

    gvc_dec_init(&d, buf, len);
    gvc_dec_str(&d, cred_p, GVC_PROTO_MAX_CRED);
    gvc_dec_u32(&d, flags_p);
    if (gvc_dec_finish(&d) != GVC_OK || *cred_p == NULL) {
        *cred_p = NULL;
        *flags_p = 0;
        return GVC_ERR_PROTO;
    }
    return GVC_OK;
}
