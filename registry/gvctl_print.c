/*
 * gvctl_print.c - gvctl's output: aligned tables for people, JSON (one
 * document per command, arrays of objects for lists) for scripts.
 */
#include "config.h"

#include "gvctl.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void gvctl_json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (; s != NULL && *s != '\0'; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            fprintf(out, "\\%c", ch);
        } else if (ch < 0x20) {
            fprintf(out, "\\u%04x", ch);
        } else {
            fputc(ch, out);
        }
    }
    fputc('"', out);
}

const char *gvctl_pr_size(uint64_t b, char *buf, size_t len)
{
    static const char units[] = "KMGTP";
    double v = (double)b;
    int u = -1;

    if (b == 0) {
        return "-";
    }
    while (v >= 1024.0 && u < 4) {
        v /= 1024.0;
        u++;
    }
    if (u < 0) {
        snprintf(buf, len, "%" PRIu64 "B", b);
    } else {
        snprintf(buf, len, "%.*f%c", v < 10 ? 1 : 0, v, units[u]);
    }
    return buf;
}

const char *gvctl_pr_span(int64_t ms, char *buf, size_t len)
{
    int64_t s = ms / 1000;

    if (s < 0) {
        s = 0;
    }
    if (s < 60) {
        snprintf(buf, len, "%" PRId64 "s", s);
    } else if (s < 3600) {
        snprintf(buf, len, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
    } else if (s < 86400) {
        snprintf(buf, len, "%" PRId64 "h%02" PRId64 "m", s / 3600,
                 s / 60 % 60);
    } else {
        snprintf(buf, len, "%" PRId64 "d%02" PRId64 "h", s / 86400,
                 s / 3600 % 24);
    }
    return buf;
}

void gvctl_print_status(gvctl_t *g, const gvr_status_rep_t *s, int open)
{
    char up[32];

    if (g->json) {
        fprintf(g->out, "{\"version\": ");
        gvctl_json_str(g->out, s->version);
        fprintf(g->out, ", \"uptime_s\": %" PRId64 ", \"clients\": %u,"
                " \"nodes\": {\"up\": %u, \"down\": %u, \"drained\": %u},"
                " \"gpus\": {\"total\": %u, \"free\": %u, \"exclusive\": %u,"
                " \"shared\": %u, \"unavailable\": %u}, \"leases\": %u",
                s->uptime_ms / 1000, s->clients, s->nodes_up, s->nodes_down,
                s->nodes_drained, s->gpus_total, s->gpus_free,
                s->gpus_exclusive, s->gpus_shared, s->gpus_unavailable,
                s->leases);
        if (!open) {
            fprintf(g->out, "}\n");
        }
        return;
    }
    fprintf(g->out, "registry  %s, up %s, %u client(s)\n", s->version,
            gvctl_pr_span(s->uptime_ms, up, sizeof(up)), s->clients);
    fprintf(g->out, "nodes     %u up, %u down, %u drained\n", s->nodes_up,
            s->nodes_down, s->nodes_drained);
    fprintf(g->out, "gpus      %u total: %u free, %u exclusive, %u shared, "
            "%u unavailable\n", s->gpus_total, s->gpus_free,
            s->gpus_exclusive, s->gpus_shared, s->gpus_unavailable);
    fprintf(g->out, "leases    %u\n", s->leases);
}

static void pr_node_json(FILE *o, const gvr_node_info_t *x, int64_t now)
{
    fprintf(o, "{\"name\": ");
    gvctl_json_str(o, x->name);
    fprintf(o, ", \"host\": ");
    gvctl_json_str(o, x->host);
    fprintf(o, ", \"port\": %u, \"nic\": ", x->port);
    gvctl_json_str(o, x->nic);
    fprintf(o, ", \"state\": \"%s\", \"static\": %s, \"gpus\": %u,"
            " \"free\": %u, \"heartbeat_age_s\": ",
            gvr_node_state_name(x->state), x->is_static ? "true" : "false",
            x->n_gpus, x->n_free);
    if (x->last_heartbeat_ms > 0) {
        fprintf(o, "%" PRId64, (now - x->last_heartbeat_ms) / 1000);
    } else {
        fprintf(o, "null");
    }
    fprintf(o, ", \"reason\": ");
    gvctl_json_str(o, x->reason);
    fputc('}', o);
}

void gvctl_print_nodes(gvctl_t *g, const gvr_node_info_t *n, uint32_t k)
{
    int64_t now = gvr_now_ms();
    char ep[GVR_HOST_MAX + 8], hb[32];

    if (g->json) {
        fputc('[', g->out);
        for (uint32_t i = 0; i < k; i++) {
            fputs(i ? ",\n " : "", g->out);
            pr_node_json(g->out, &n[i], now);
        }
        fputs("]\n", g->out);
        return;
    }
    fprintf(g->out, "%-16s %-24s %-8s %4s %4s %-9s %-8s %s\n", "NODE",
            "ENDPOINT", "STATE", "GPUS", "FREE", "HEARTBEAT", "NIC",
            "REASON");
    for (uint32_t i = 0; i < k; i++) {
        const gvr_node_info_t *x = &n[i];
        snprintf(ep, sizeof(ep), "%s:%u", x->host, x->port);
        if (x->last_heartbeat_ms > 0) {
            gvctl_pr_span(now - x->last_heartbeat_ms, hb, sizeof(hb));
            strncat(hb, " ago", sizeof(hb) - strlen(hb) - 1);
        } else {
            snprintf(hb, sizeof(hb), "%s", x->is_static ? "static" : "never");
        }
        fprintf(g->out, "%-16s %-24s %-8s %4u %4u %-9s %-8s %s\n", x->name,
                ep, gvr_node_state_name(x->state), x->n_gpus, x->n_free, hb,
                x->nic[0] ? x->nic : "-", x->reason);
    }
}

static const char *pr_gpu_use(const gvr_gpu_row_t *r, char *buf, size_t len)
{
    char m[32];

    if (!r->present) {
        snprintf(buf, len, "gone%s", r->n_leases ? " (leased)" : "");
    } else if (r->exclusive) {
        snprintf(buf, len, "exclusive");
    } else if (r->n_leases > 0) {
        snprintf(buf, len, "shared x%u (%s)", r->n_leases,
                 gvctl_pr_size(r->mem_leased, m, sizeof(m)));
    } else {
        snprintf(buf, len, "free");
    }
    return buf;
}

static void pr_gpu_json(FILE *o, const gvr_gpu_row_t *r)
{
    fprintf(o, "{\"node\": ");
    gvctl_json_str(o, r->node);
    fprintf(o, ", \"index\": %u, \"uuid\": ", r->gpu.index);
    gvctl_json_str(o, r->gpu.uuid);
    fprintf(o, ", \"name\": ");
    gvctl_json_str(o, r->gpu.name);
    fprintf(o, ", \"mem_bytes\": %" PRIu64 ", \"sm_count\": %u,"
            " \"numa_node\": %d, \"nic\": ", r->gpu.mem_bytes,
            r->gpu.sm_count, r->gpu.numa_node);
    gvctl_json_str(o, r->gpu.nic);
    fprintf(o, ", \"present\": %s, \"leases\": %u, \"exclusive\": %s,"
            " \"mem_leased\": %" PRIu64 "}", r->present ? "true" : "false",
            r->n_leases, r->exclusive ? "true" : "false", r->mem_leased);
}

void gvctl_print_gpus(gvctl_t *g, const gvr_gpu_row_t *r, uint32_t k)
{
    char mem[32], use[64];

    if (g->json) {
        fputc('[', g->out);
        for (uint32_t i = 0; i < k; i++) {
            fputs(i ? ",\n " : "", g->out);
            pr_gpu_json(g->out, &r[i]);
        }
        fputs("]\n", g->out);
        return;
    }
    fprintf(g->out, "%-16s %3s %-40s %-22s %7s %4s %4s %-8s %s\n", "NODE",
            "IDX", "UUID", "NAME", "MEMORY", "SMS", "NUMA", "NIC", "USE");
    for (uint32_t i = 0; i < k; i++) {
        const gvr_gpu_row_t *x = &r[i];
        fprintf(g->out, "%-16s %3u %-40s %-22.22s %7s %4u %4d %-8s %s\n",
                x->node, x->gpu.index, x->gpu.uuid,
                x->gpu.name[0] ? x->gpu.name : "-",
                gvctl_pr_size(x->gpu.mem_bytes, mem, sizeof(mem)),
                x->gpu.sm_count, x->gpu.numa_node,
                x->gpu.nic[0] ? x->gpu.nic : "-",
                pr_gpu_use(x, use, sizeof(use)));
    }
}

static void pr_lease_json(FILE *o, const gvr_lease_t *l)
{
    fprintf(o, "{\"id\": %" PRId64 ", \"job\": ", l->id);
    gvctl_json_str(o, l->job);
    fprintf(o, ", \"uid\": %u, \"user\": ", l->uid);
    gvctl_json_str(o, l->user);
    fprintf(o, ", \"mode\": \"%s\", \"mem_cap\": %" PRIu64 ", \"created_ms\":"
            " %" PRId64 ", \"expires_ms\": %" PRId64 ", \"gpus\": [",
            gvr_lease_mode_name(l->mode), l->mem_cap, l->created_ms,
            l->expires_ms);
    for (uint32_t i = 0; i < l->n_gpus; i++) {
        const gvr_lease_gpu_t *x = &l->gpus[i];
        fprintf(o, "%s{\"node\": ", i ? ", " : "");
        gvctl_json_str(o, x->node);
        fprintf(o, ", \"host\": ");
        gvctl_json_str(o, x->host);
        fprintf(o, ", \"port\": %u, \"index\": %u, \"uuid\": ", x->port,
                x->index);
        gvctl_json_str(o, x->uuid);
        fputc('}', o);
    }
    fputs("]}", o);
}

void gvctl_print_leases(gvctl_t *g, const gvr_lease_t *l, uint32_t k)
{
    int64_t now = gvr_now_ms();
    char who[GVR_NAME_MAX + 16], mem[32], exp[32], *servers;

    if (g->json) {
        fputc('[', g->out);
        for (uint32_t i = 0; i < k; i++) {
            fputs(i ? ",\n " : "", g->out);
            pr_lease_json(g->out, &l[i]);
        }
        fputs("]\n", g->out);
        return;
    }
    fprintf(g->out, "%-12s %-20s %-9s %4s %7s %-9s %s\n", "JOB", "USER",
            "MODE", "GPUS", "MEMCAP", "EXPIRES", "SERVERS");
    for (uint32_t i = 0; i < k; i++) {
        const gvr_lease_t *x = &l[i];
        snprintf(who, sizeof(who), "%s(%u)", x->user[0] ? x->user : "?",
                 x->uid);
        if (gvr_lease_servers(x, &servers) != 0) {
            servers = NULL;
        }
        fprintf(g->out, "%-12s %-20s %-9s %4u %7s %-9s %s\n", x->job, who,
                gvr_lease_mode_name(x->mode), x->n_gpus,
                gvctl_pr_size(x->mem_cap, mem, sizeof(mem)),
                gvctl_pr_span(x->expires_ms - now, exp, sizeof(exp)),
                servers ? servers : "?");
        free(servers);
    }
}

void gvctl_print_lease(gvctl_t *g, const gvr_lease_rep_t *rep)
{
    char exp[32];

    if (g->json) {
        fprintf(g->out, "{\"lease\": ");
        pr_lease_json(g->out, &rep->lease);
        fprintf(g->out, ", \"existing\": %s, \"servers\": ",
                rep->existing ? "true" : "false");
        gvctl_json_str(g->out, rep->servers);
        fprintf(g->out, ", \"credential\": ");
        gvctl_json_str(g->out, rep->credential);
        fputs("}\n", g->out);
        return;
    }
    fprintf(g->out, "job %s: %s%u %s GPU(s) for %s (uid %u), expires in "
            "%s\nservers    %s\ncredential %s\n", rep->lease.job,
            rep->existing ? "already held " : "", rep->lease.n_gpus,
            gvr_lease_mode_name(rep->lease.mode), rep->lease.user,
            rep->lease.uid,
            gvctl_pr_span(rep->lease.expires_ms - gvr_now_ms(), exp, sizeof(exp)),
            rep->servers, rep->credential);
}

void gvctl_print_env(gvctl_t *g, const char *servers, const char *cred)
{
    if (g->json) {
        fprintf(g->out, "{\"GVIRTUS_SERVERS\": ");
        gvctl_json_str(g->out, servers);
        fprintf(g->out, ", \"GVIRTUS_LEASE\": ");
        gvctl_json_str(g->out, cred);
        fputs("}\n", g->out);
        return;
    }
    /* The TaskProlog syntax Slurm reads; also valid sh. */
    fprintf(g->out, "export GVIRTUS_SERVERS=%s\nexport GVIRTUS_LEASE=%s\n",
            servers, cred);
}
