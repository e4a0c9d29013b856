/*
 * gvctl_cmds.c - gvctl's commands: parse their arguments, make one
 * libgvrclient call, print the result.
 */
#include "config.h"

#include "gvctl.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmd_fail(gvc_status_t st, const char *err)
{
    fprintf(stderr, "gvctl: %s\n", err);
    return gvctl_exit_code(st);
}

static int cmd_usage(const char *text)
{
    fprintf(stderr, "usage: gvctl %s\n", text);
    return GVCTL_EXIT_USAGE;
}

/* Exactly want positional arguments after the options. */
static int cmd_args(int argc, int want_min, int want_max)
{
    int n = argc - optind;

    return n >= want_min && n <= want_max;
}

#define STATUS_USAGE                                                          \
    "status [--node HOST:PORT]... [--secret-file FILE] [--timeout TIME]"

#define STATUS_MAX_NODES 256

typedef struct status_opts {
    const char *nodes[STATUS_MAX_NODES]; /* --node, in order */
    int n_nodes;
    char cred[512];                      /* status secret or "" */
    long timeout_ms;
} status_opts_t;

/* The first line of path into buf; 0, or -1 after saying why. */
static int read_first_line(const char *path, char *buf, size_t len)
{
    FILE *fp = fopen(path, "r");

    if (fp == NULL || fgets(buf, (int)len, fp) == NULL) {
        fprintf(stderr, "gvctl: cannot read %s: %s\n", path,
                fp != NULL ? "empty" : strerror(errno));
        if (fp != NULL) {
            fclose(fp);
        }
        return -1;
    }
    fclose(fp);
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

/* --secret-file, else GVIRTUS_SECRET, else GVIRTUS_SECRET_FILE (the
 * variables the client library reads for gvd's shared secret). */
static int status_secret(const char *file, status_opts_t *o)
{
    const char *env = getenv("GVIRTUS_SECRET");

    if (file == NULL && env != NULL && env[0] != '\0') {
        snprintf(o->cred, sizeof(o->cred), "%s", env);
        return 0;
    }
    if (file == NULL) {
        file = getenv("GVIRTUS_SECRET_FILE");
    }
    return file != NULL && file[0] != '\0'
               ? read_first_line(file, o->cred, sizeof(o->cred))
               : 0;
}

static int status_parse(int argc, char **argv, status_opts_t *o)
{
    static const struct option opts[] = {
        { "live", no_argument, NULL, 'l' },
        { "node", required_argument, NULL, 'n' },
        { "secret-file", required_argument, NULL, 's' },
        { "timeout", required_argument, NULL, 't' },
        { NULL, 0, NULL, 0 }
    };
    const char *file = NULL;
    int c;

    memset(o, 0, sizeof(*o));
    o->timeout_ms = 3000;
    optind = 0;
    while ((c = getopt_long(argc, argv, "+l", opts, NULL)) != -1) {
        switch (c) {
        case 'l': break; /* live counters are the default now */
        case 'n':
            if (o->n_nodes == STATUS_MAX_NODES) {
                return cmd_usage(STATUS_USAGE " (at most 256 --node)");
            }
            o->nodes[o->n_nodes++] = optarg;
            break;
        case 's': file = optarg; break;
        case 't':
            if (gvc_parse_msec(optarg, &o->timeout_ms) != 0 ||
                o->timeout_ms <= 0) {
                return cmd_usage(STATUS_USAGE " (TIME: 500ms, 3s, 1m)");
            }
            break;
        default: return cmd_usage(STATUS_USAGE);
        }
    }
    if (!cmd_args(argc, 0, 0)) {
        return cmd_usage(STATUS_USAGE);
    }
    return status_secret(file, o) == 0 ? 0 : GVCTL_EXIT_CONFIG;
}

/* --node HOST:PORT... as targets. */
static int status_direct_targets(const status_opts_t *o,
                                 gvctl_target_t *t)
{
    for (int i = 0; i < o->n_nodes; i++) {
        memset(&t[i], 0, sizeof(t[i]));
        if (gvc_parse_hostport(o->nodes[i], t[i].host, sizeof(t[i].host),
                               &t[i].port) != 0 || t[i].host[0] == '\0') {
            fprintf(stderr, "gvctl: --node %s: expected HOST:PORT\n",
                    o->nodes[i]);
            return GVCTL_EXIT_USAGE;
        }
    }
    return 0;
}

/* The registry's nodes as targets; *t_p is malloc'ed. */
static int status_registry_targets(gvctl_t *g, gvctl_target_t **t_p,
                                   uint32_t *n_p)
{
    gvr_node_info_t *nodes;
    gvctl_target_t *t;
    char err[512];
    gvc_status_t st;
    uint32_t n;

    st = gvr_list_nodes(g->cl, &nodes, &n, err, sizeof(err));
    if (st != GVC_OK) {
        return cmd_fail(st, err);
    }
    t = calloc(n ? n : 1, sizeof(*t));
    if (t == NULL) {
        free(nodes);
        return cmd_fail(GVC_ERR_NOMEM, "out of memory");
    }
    for (uint32_t i = 0; i < n; i++) {
        snprintf(t[i].name, sizeof(t[i].name), "%s", nodes[i].name);
        snprintf(t[i].host, sizeof(t[i].host), "%s", nodes[i].host);
        t[i].port = (int)nodes[i].port;
    }
    free(nodes);
    *t_p = t;
    *n_p = n;
    return 0;
}

/*
 * status: with --node, those gvds' live counters and nothing else (no
 * registry needed); otherwise the registry's summary, then the live
 * counters of every node it knows.  JSON: one object, the summary's
 * members (none with --node) and "gvd": [one object per node].
 */
int gvctl_cmd_status(gvctl_t *g, int argc, char **argv)
{
    status_opts_t o;
    gvctl_target_t *t = NULL;
    gvr_status_rep_t s;
    char err[512];
    gvc_status_t st;
    uint32_t n = 0;
    int rc;

    rc = status_parse(argc, argv, &o);
    if (rc != 0) {
        return rc;
    }
    if (o.n_nodes > 0) {
        t = calloc((size_t)o.n_nodes, sizeof(*t));
        n = (uint32_t)o.n_nodes;
        rc = t == NULL ? cmd_fail(GVC_ERR_NOMEM, "out of memory")
                       : status_direct_targets(&o, t);
    } else {
        st = gvr_status(g->cl, &s, err, sizeof(err));
        rc = st != GVC_OK ? cmd_fail(st, err)
                          : status_registry_targets(g, &t, &n);
    }
    if (rc != 0) {
        free(t);
        return rc;
    }
    gvctl_live_ask(t, n, o.cred, o.timeout_ms);
    if (o.n_nodes == 0) {
        gvctl_print_status(g, &s, 1);
        fprintf(g->out, g->json ? ", " : "\n");
    } else if (g->json) {
        fprintf(g->out, "{");
    }
    rc = gvctl_live_print(g, t, n);
    if (g->json) {
        fprintf(g->out, "}\n");
    }
    gvctl_live_free(t, n);
    free(t);
    return rc;
}

int gvctl_cmd_nodes(gvctl_t *g, int argc, char **argv)
{
    gvr_node_info_t *nodes;
    char err[512];
    gvc_status_t st;
    uint32_t n;

    if (argc != 1) {
        return cmd_usage("nodes");
    }
    st = gvr_list_nodes(g->cl, &nodes, &n, err, sizeof(err));
    if (st != GVC_OK) {
        return cmd_fail(st, err);
    }
    gvctl_print_nodes(g, nodes, n);
    free(nodes);
    return 0;
}

int gvctl_cmd_gpus(gvctl_t *g, int argc, char **argv)
{
    gvr_gpu_row_t *gpus;
    char err[512];
    gvc_status_t st;
    uint32_t n;

    if (argc > 2) {
        return cmd_usage("gpus [NODE]");
    }
    st = gvr_list_gpus(g->cl, argc == 2 ? argv[1] : "", &gpus, &n, err,
                       sizeof(err));
    if (st != GVC_OK) {
        return cmd_fail(st, err);
    }
    gvctl_print_gpus(g, gpus, n);
    free(gpus);
    return 0;
}

int gvctl_cmd_leases(gvctl_t *g, int argc, char **argv)
{
    gvr_lease_t *leases;
    char err[512];
    gvc_status_t st;
    uint32_t n;

    if (argc > 2) {
        return cmd_usage("leases [JOB]");
    }
    st = gvr_list_leases(g->cl, argc == 2 ? argv[1] : "", &leases, &n, err,
                         sizeof(err));
    if (st != GVC_OK) {
        return cmd_fail(st, err);
    }
    /* Asking for one job that has no lease is "not found" for scripts
     * (the Slurm epilog test checks it this way). */
    gvctl_print_leases(g, leases, n);
    gvr_lease_array_free(leases, n);
    return argc == 2 && n == 0 ? GVCTL_EXIT_NOTFOUND : 0;
}

/* "90", "90s", "15m", "12h", "7d" -> milliseconds; -1 if bad. */
static long long cmd_duration(const char *text)
{
    long long v, mult = 1000;
    char *end;

    errno = 0;
    v = strtoll(text, &end, 10);
    if (errno != 0 || end == text || v < 0) {
        return -1;
    }
    switch (*end) {
    case '\0':
    case 's': break;
    case 'm': mult = 60000LL; break;
    case 'h': mult = 3600000LL; break;
    case 'd': mult = 86400000LL; break;
    default:  return -1;
    }
    if (*end != '\0' && end[1] != '\0') {
        return -1;
    }
    return v > (long long)(INT64_MAX / mult) ? -1 : v * mult;
}

static int cmd_user(const char *name, gvr_alloc_req_t *req)
{
    struct passwd *pw = getpwnam(name);

    if (pw == NULL) {
        fprintf(stderr, "gvctl: unknown user '%s'\n", name);
        return -1;
    }
    req->uid = (uint32_t)pw->pw_uid;
    gvr_strlcpy(req->user, pw->pw_name, sizeof(req->user));
    return 0;
}

#define ALLOC_USAGE "alloc JOB -n N [--shared] [--mem SIZE] [--uid UID | " \
                    "--user NAME] [--ttl TIME] [--env]"

/* Parse alloc's options into req; returns 0, or an exit code. */
static int cmd_alloc_args(int argc, char **argv, gvr_alloc_req_t *req,
                          int *env_p)
{
    static const struct option opts[] = {
        { "count", required_argument, NULL, 'n' },
        { "shared", no_argument, NULL, 's' },
        { "mem", required_argument, NULL, 'm' },
        { "uid", required_argument, NULL, 'u' },
        { "user", required_argument, NULL, 'U' },
        { "ttl", required_argument, NULL, 't' },
        { "env", no_argument, NULL, 'e' },
        { NULL, 0, NULL, 0 }
    };
    long long ms;
    size_t mem;
    char *end;
    int c;

    optind = 0;
    while ((c = getopt_long(argc, argv, "n:sm:u:U:t:e", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            req->count = (uint32_t)strtoul(optarg, &end, 10);
            if (*end != '\0' || req->count == 0) {
                return cmd_usage(ALLOC_USAGE);
            }
            break;
        case 's': req->mode = GVR_LEASE_SHARED; break;
        case 'm':
            if (gvc_parse_size(optarg, &mem) != 0) {
                return cmd_usage(ALLOC_USAGE " (SIZE e.g. 8G)");
            }
            req->mem_cap = mem;
            break;
        case 'u':
            req->uid = (uint32_t)strtoul(optarg, &end, 10);
            if (*end != '\0' || *optarg == '\0') {
                return cmd_usage(ALLOC_USAGE);
            }
            break;
        case 'U':
            if (cmd_user(optarg, req) != 0) {
                return GVCTL_EXIT_USAGE;
            }
            break;
        case 't':
            ms = cmd_duration(optarg);
            if (ms < 0) {
                return cmd_usage(ALLOC_USAGE " (TIME e.g. 90s, 30m, 12h, "
                                 "7d)");
            }
            req->ttl_ms = ms;
            break;
        case 'e': *env_p = 1; break;
        default:  return cmd_usage(ALLOC_USAGE);
        }
    }
    if (!cmd_args(argc, 1, 1) || req->count == 0 ||
        gvr_strlcpy(req->job, argv[optind], sizeof(req->job)) != 0) {
        return cmd_usage(ALLOC_USAGE);
    }
    return 0;
}

int gvctl_cmd_alloc(gvctl_t *g, int argc, char **argv)
{
    gvr_alloc_req_t req;
    gvr_lease_rep_t rep;
    char err[512];
    gvc_status_t st;
    int env = 0, rc;

    memset(&req, 0, sizeof(req));
    req.uid = (uint32_t)getuid();
    rc = cmd_alloc_args(argc, argv, &req, &env);
    if (rc != 0) {
        return rc;
    }
    st = gvr_alloc(g->cl, &req, &rep, err, sizeof(err));
    if (st != GVC_OK) {
        return cmd_fail(st, err);
    }
    if (env) {
        gvctl_print_env(g, rep.servers, rep.credential);
    } else {
        gvctl_print_lease(g, &rep);
    }
    gvr_lease_rep_free(&rep);
    return 0;
}

int gvctl_cmd_release(gvctl_t *g, int argc, char **argv)
{
    char err[512];
    gvc_status_t st;
    uint32_t n = 0;

    if (argc != 2) {
        return cmd_usage("release JOB");
    }
    st = gvr_release(g->cl, argv[1], &n, err, sizeof(err));
    if (st != GVC_OK) {
        return cmd_fail(st, err);
    }
    if (g->json) {
        fprintf(g->out, "{\"job\": ");
        gvctl_json_str(g->out, argv[1]);
        fprintf(g->out, ", \"released_gpus\": %u}\n", n);
    } else {
        fprintf(g->out, "job %s: released %u GPUs\n", argv[1], n);
    }
    return 0;
}

static int cmd_state(gvctl_t *g, const char *node, gvr_node_state_t want,
                     const char *reason)
{
    gvr_node_state_t now;
    char err[512];
    gvc_status_t st;

    st = gvr_node_set_state(g->cl, node, want, reason, &now, err,
                            sizeof(err));
    if (st != GVC_OK) {
        return cmd_fail(st, err);
    }
    if (g->json) {
        fprintf(g->out, "{\"node\": ");
        gvctl_json_str(g->out, node);
        fprintf(g->out, ", \"state\": \"%s\"}\n", gvr_node_state_name(now));
    } else {
        fprintf(g->out, "node %s: %s\n", node, gvr_node_state_name(now));
    }
    return 0;
}

int gvctl_cmd_drain(gvctl_t *g, int argc, char **argv)
{
    char reason[GVR_REASON_MAX] = "";
    size_t n = 0;

    if (argc < 2) {
        return cmd_usage("drain NODE [REASON...]");
    }
    for (int i = 2; i < argc && n + 1 < sizeof(reason); i++) {
        n += (size_t)snprintf(reason + n, sizeof(reason) - n, "%s%s",
                              i > 2 ? " " : "", argv[i]);
    }
    if (reason[0] == '\0') {
        snprintf(reason, sizeof(reason), "drained by uid %u",
                 (unsigned)getuid());
    }
    return cmd_state(g, argv[1], GVR_NODE_DRAINED, reason);
}

int gvctl_cmd_resume(gvctl_t *g, int argc, char **argv)
{
    if (argc != 2) {
        return cmd_usage("resume NODE");
    }
    return cmd_state(g, argv[1], GVR_NODE_UP, "");
}

int gvctl_cmd_job_env(gvctl_t *g, int argc, char **argv)
{
    char *servers, *cred, err[512];
    gvc_status_t st;

    if (argc != 2) {
        return cmd_usage("job-env JOB");
    }
    st = gvr_job_servers(g->cl, argv[1], &servers, &cred, err, sizeof(err));
    if (st != GVC_OK) {
        return cmd_fail(st, err);
    }
    gvctl_print_env(g, servers, cred);
    free(servers);
    free(cred);
    return 0;
}
