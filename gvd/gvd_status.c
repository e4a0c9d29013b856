/*
 * gvd_status.c - gvd's live counters: the report of every GPU and
 * client (from the workers' counter pages and the totals of clients that
 * left), and the STATUS request on the control port.
 *
 * Who may read them: with auth = none, whoever reaches the control port
 * (they could use the GPUs as well).  Otherwise a request from this host
 * (loopback: an admin's shell, a local exporter), or one that carries
 * the status secret (status_secret_file) or, with auth = secret, the
 * clients' shared secret.  The report names clients, their uids and jobs
 * — what `squeue` shows on a cluster — but no credential.
 */
#include "config.h"

#include "gvd_server_int.h"
#include "gvc_log.h"
#include "gvc_proto.h"

#include <stdlib.h>
#include <string.h>

static void add_ctrs(uint64_t *dst, const uint64_t *src)
{
    for (int i = 0; i < GVC_CTR_MAX; i++) {
        dst[i] += src[i];
    }
}

static void report_client(const server_t *s, const child_t *k, long now,
                          gvc_report_client_t *c)
{
    memset(c, 0, sizeof(*c));
    c->id = k->id;
    snprintf(c->peer, sizeof(c->peer), "%s", k->peer);
    snprintf(c->host, sizeof(c->host), "%s", k->host);
    c->pid = k->client_pid;
    c->uid = k->uid;
    snprintf(c->job, sizeof(c->job), "%s", k->job_id);
    c->gpu = k->gpu;
    c->worker_pid = (uint32_t)k->pid;
    c->uptime_ms = (uint64_t)(now - k->start_ms);
    gvd_counters_read(k->ctr, c->ctr);
    (void)s;
}

gvc_status_t gvd_status_report(const server_t *s, gvc_report_t *r)
{
    long now = gvd_now_ms();

    memset(r, 0, sizeof(*r));
    r->format = GVC_REPORT_FORMAT;
    snprintf(r->node, sizeof(r->node), "%s", s->node);
    snprintf(r->version, sizeof(r->version), "%s", PACKAGE_VERSION);
    snprintf(r->device, sizeof(r->device), "%s", s->cfg->device);
    r->uptime_ms = (uint64_t)(now - s->start_ms);
    r->max_clients = (uint32_t)s->cfg->max_clients;
    r->gpus = calloc((size_t)s->n_gpus, sizeof(*r->gpus));
    r->clients = calloc((size_t)s->n_kids + 1, sizeof(*r->clients));
    if (r->gpus == NULL || r->clients == NULL) {
        gvc_report_free(r);
        return GVC_ERR_NOMEM;
    }
    r->n_gpus = (uint32_t)s->n_gpus;
    for (int i = 0; i < s->n_gpus; i++) {
        gvc_report_gpu_t *g = &r->gpus[i];
        g->index = i;
        snprintf(g->name, sizeof(g->name), "%s", s->gpus[i].name);
        snprintf(g->uuid, sizeof(g->uuid), "%s", s->gpus[i].uuid);
        g->mem_total = s->gpus[i].mem_bytes;
        g->clients_served = s->served[i];
        add_ctrs(g->ctr, s->gone[i]);
    }
    r->n_clients = (uint32_t)s->n_kids;
    for (int i = 0; i < s->n_kids; i++) {
        gvc_report_client_t *c = &r->clients[i];
        report_client(s, &s->kids[i], now, c);
        if (c->gpu >= 0 && c->gpu < s->n_gpus) {
            r->gpus[c->gpu].clients++;
            add_ctrs(r->gpus[c->gpu].ctr, c->ctr);
        }
    }
    return GVC_OK;
}

void gvd_status_fold(server_t *s, child_t *k)
{
    uint64_t v[GVC_CTR_MAX];

    gvd_counters_read(k->ctr, v);
    v[GVC_CTR_MEM_HELD] = 0; /* the worker's exit freed it */
    if (k->gpu >= 0 && k->gpu < s->n_gpus) {
        add_ctrs(s->gone[k->gpu], v);
    }
    gvc_info("client %u left after %.1f s: %llu calls, %llu errors, "
             "%llu bytes to the GPU, %llu bytes back", k->id,
             (double)(gvd_now_ms() - k->start_ms) / 1e3,
             (unsigned long long)v[GVC_CTR_CALLS],
             (unsigned long long)v[GVC_CTR_ERRORS],
             (unsigned long long)v[GVC_CTR_H2D_BYTES],
             (unsigned long long)v[GVC_CTR_D2H_BYTES]);
    gvd_counters_unmap(k->ctr);
    k->ctr = NULL;
}

/* May p read the counters with credential cred? */
static int status_allowed(const server_t *s, const pending_t *p,
                          const char *cred)
{
    if (strcmp(s->cfg->auth, "none") == 0 || p->loopback) {
        return 1;
    }
    if (cred[0] == '\0') {
        return 0;
    }
    return (s->status_secret != NULL &&
            gvd_secret_eq(s->status_secret, cred)) ||
           (s->secret != NULL && gvd_secret_eq(s->secret, cred));
}

static void status_refuse(server_t *s, pending_t *p, gvc_status_t st,
                          const char *msg)
{
    gvc_warn("status request from %s refused: %s", p->peer, msg);
    gvd_pending_send(s, p, GVC_CTL_REFUSE, st, msg, strlen(msg) + 1);
}

void gvd_status_answer(server_t *s, pending_t *p)
{
    gvc_report_t r;
    const char *cred;
    uint32_t flags;
    uint8_t *buf;
    size_t len;

    if (gvc_status_req_unpack(p->rd.buf + GVC_WIRE_HDR_SIZE,
                              p->rd.hdr.args_len, &cred, &flags) != GVC_OK ||
        flags != 0) {
        status_refuse(s, p, GVC_ERR_PROTO, "malformed STATUS request");
        return;
    }
    if (!status_allowed(s, p, cred)) {
        status_refuse(s, p, GVC_ERR_DENIED, "status needs the status "
                      "secret (gvd.status_secret_file; gvctl --secret-file)"
                      " or a connection from the gvd host itself");
        return;
    }
    buf = malloc(GVC_CTL_MAX_ARGS);
    if (buf == NULL || gvd_status_report(s, &r) != GVC_OK) {
        free(buf);
        status_refuse(s, p, GVC_ERR_NOMEM, "gvd is out of memory");
        return;
    }
    if (gvc_report_pack(&r, buf, GVC_CTL_MAX_ARGS, &len) != GVC_OK) {
        status_refuse(s, p, GVC_ERR_OVERFLOW, "status does not fit a reply");
    } else {
        gvc_debug("status for %s: %u client(s)", p->peer, r.n_clients);
        gvd_pending_send(s, p, GVC_CTL_STATUS_REPLY, 0, buf, len);
    }
    gvc_report_free(&r);
    free(buf);
}
