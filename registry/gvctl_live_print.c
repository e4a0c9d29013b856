/*
 * gvctl_live_print.c - live gvd counters for people (a block per node:
 * its GPUs, then its clients) and for scripts (the JSON member
 * "gvd": [...], exact numbers).  Counter columns come from gvc_ctr_desc,
 * so a counter added there shows up here without code.
 */
#include "config.h"

#include "gvctl.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* ---- JSON ---------------------------------------------------------------- */

static void json_ctrs(FILE *o, const uint64_t *ctr)
{
    for (int i = 0; i < GVC_CTR_MAX; i++) {
        fprintf(o, ", \"%s\": %" PRIu64, gvc_ctr_desc[i].key, ctr[i]);
    }
}

static void json_gpu(FILE *o, const gvc_report_gpu_t *x)
{
    fprintf(o, "{\"gpu\": %d, \"name\": ", x->index);
    gvctl_json_str(o, x->name);
    fprintf(o, ", \"uuid\": ");
    gvctl_json_str(o, x->uuid);
    fprintf(o, ", \"memory_total_bytes\": %" PRIu64 ", \"clients\": %u,"
            " \"clients_served\": %" PRIu64, x->mem_total, x->clients,
            x->clients_served);
    json_ctrs(o, x->ctr);
    fputc('}', o);
}

static void json_client(FILE *o, const gvc_report_client_t *x)
{
    fprintf(o, "{\"client\": %u, \"peer\": ", x->id);
    gvctl_json_str(o, x->peer);
    fprintf(o, ", \"host\": ");
    gvctl_json_str(o, x->host);
    fprintf(o, ", \"pid\": %u, \"uid\": %u, \"job\": ", x->pid, x->uid);
    gvctl_json_str(o, x->job);
    fprintf(o, ", \"gpu\": %d, \"worker_pid\": %u, \"uptime_ms\": %" PRIu64,
            x->gpu, x->worker_pid, x->uptime_ms);
    json_ctrs(o, x->ctr);
    fputc('}', o);
}

static void json_node(FILE *o, const gvctl_target_t *t)
{
    const gvc_report_t *r = &t->rep;

    fprintf(o, "{\"node\": ");
    gvctl_json_str(o, t->st == GVC_OK && t->name[0] == '\0' ? r->node
                                                            : t->name);
    fprintf(o, ", \"host\": ");
    gvctl_json_str(o, t->host);
    fprintf(o, ", \"port\": %d, \"ok\": %s", t->port,
            t->st == GVC_OK ? "true" : "false");
    if (t->st != GVC_OK) {
        fprintf(o, ", \"error\": ");
        gvctl_json_str(o, t->err);
        fputc('}', o);
        return;
    }
    fprintf(o, ", \"version\": ");
    gvctl_json_str(o, r->version);
    fprintf(o, ", \"device\": ");
    gvctl_json_str(o, r->device);
    fprintf(o, ", \"uptime_ms\": %" PRIu64 ", \"max_clients\": %u,"
            " \"clients_omitted\": %u, \"gpus\": [", r->uptime_ms,
            r->max_clients, r->clients_omitted);
    for (uint32_t i = 0; i < r->n_gpus; i++) {
        fprintf(o, "%s", i ? ", " : "");
        json_gpu(o, &r->gpus[i]);
    }
    fprintf(o, "], \"clients\": [");
    for (uint32_t i = 0; i < r->n_clients; i++) {
        fprintf(o, "%s", i ? ", " : "");
        json_client(o, &r->clients[i]);
    }
    fprintf(o, "]}");
}

/* ---- tables --------------------------------------------------------------- */

static void ctr_heads(FILE *o)
{
    for (int i = 0; i < GVC_CTR_MAX; i++) {
        fprintf(o, " %8s", gvc_ctr_desc[i].column);
    }
}

static void ctr_cells(FILE *o, const uint64_t *ctr)
{
    char b[32];

    for (int i = 0; i < GVC_CTR_MAX; i++) {
        if (gvc_ctr_desc[i].bytes) {
            fprintf(o, " %8s", gvctl_pr_size(ctr[i], b, sizeof(b)));
        } else {
            fprintf(o, " %8" PRIu64, ctr[i]);
        }
    }
}

static void table_node(FILE *o, const gvctl_target_t *t)
{
    const gvc_report_t *r = &t->rep;
    char up[32], mem[32], who[128];

    fprintf(o, "node %s (%s:%d): ", t->st == GVC_OK && t->name[0] == '\0'
                                         ? r->node : t->name,
            t->host, t->port);
    if (t->st != GVC_OK) {
        fprintf(o, "NO ANSWER: %s\n", t->err);
        return;
    }
    fprintf(o, "gvd %s, %s, up %s, %u client(s)%s\n", r->version, r->device,
            gvctl_pr_span((int64_t)r->uptime_ms, up, sizeof(up)),
            r->n_clients + r->clients_omitted,
            r->clients_omitted ? " (some left out: too many to list)" : "");
    fprintf(o, "  %-4s %7s %7s", "GPU", "CLIENTS", "SERVED");
    ctr_heads(o);
    fprintf(o, " %8s  %s\n", "MEMORY", "NAME");
    for (uint32_t i = 0; i < r->n_gpus; i++) {
        const gvc_report_gpu_t *g = &r->gpus[i];
        fprintf(o, "  %-4d %7u %7" PRIu64, g->index, g->clients,
                g->clients_served);
        ctr_cells(o, g->ctr);
        fprintf(o, " %8s  %s\n", gvctl_pr_size(g->mem_total, mem,
                                               sizeof(mem)), g->name);
    }
    if (r->n_clients == 0) {
        return;
    }
    fprintf(o, "  %-6s %-4s %-10s %-6s %-8s", "CLIENT", "GPU", "JOB", "UID",
            "UP");
    ctr_heads(o);
    fprintf(o, "  %-24s %-21s %s\n", "PID@HOST", "PEER", "WORKER");
    for (uint32_t i = 0; i < r->n_clients; i++) {
        const gvc_report_client_t *c = &r->clients[i];
        snprintf(who, sizeof(who), "%u@%s", c->pid, c->host);
        fprintf(o, "  %-6u %-4d %-10s %-6u %-8s", c->id, c->gpu,
                c->job[0] ? c->job : "-", c->uid,
                gvctl_pr_span((int64_t)c->uptime_ms, up, sizeof(up)));
        ctr_cells(o, c->ctr);
        fprintf(o, "  %-24s %-21s %u\n", who, c->peer, c->worker_pid);
    }
}

int gvctl_live_print(gvctl_t *g, const gvctl_target_t *t, size_t n)
{
    int rc = GVCTL_EXIT_OK;

    if (g->json) {
        fprintf(g->out, "\"gvd\": [");
    }
    for (size_t i = 0; i < n; i++) {
        if (g->json) {
            fprintf(g->out, "%s", i ? ",\n  " : "\n  ");
            json_node(g->out, &t[i]);
        } else {
            table_node(g->out, &t[i]);
        }
        if (t[i].st != GVC_OK && rc == GVCTL_EXIT_OK) {
            rc = gvctl_exit_code(t[i].st);
        }
    }
    if (g->json) {
        fprintf(g->out, "%s]", n ? "\n" : "");
    } else if (n == 0) {
        fprintf(g->out, "no gvd to ask (the registry knows no node)\n");
    }
    return rc;
}
