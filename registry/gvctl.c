/*
 * gvctl - command-line client of the gvirtus registry (gvctl(1)).
 *
 *   gvctl [-c FILE] [-H HOST] [-p PORT] [-a AUTH] [--json] COMMAND ...
 *
 * Reads the [registry] section of its config file (any gvirtus INI file
 * works), applies GVIRTUS_REGISTRY_* overrides and the options above,
 * then runs one command.  Exit codes: gvctl.h.
 */
#include "config.h"

#include "gvctl.h"
#include "gvc_log.h"
#include "gvr_auth.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_CONFIG SYSCONFDIR "/gvirtus/client.ini"

static const struct {
    const char *name;
    int (*fn)(gvctl_t *g, int argc, char **argv);
    const char *help;
} gvctl_cmds[] = {
    { "status", gvctl_cmd_status,
      "status [--node HOST:PORT]... [--secret-file FILE] [--timeout TIME]\n"
      "      registry summary and every gvd's live counters; with --node\n"
      "      those gvds only, without the registry" },
    { "nodes", gvctl_cmd_nodes, "nodes                  list nodes" },
    { "gpus", gvctl_cmd_gpus, "gpus [NODE]            list GPUs" },
    { "leases", gvctl_cmd_leases, "leases [JOB]           list leases" },
    { "alloc", gvctl_cmd_alloc,
      "alloc JOB -n N [--shared] [--mem SIZE] [--uid UID|--user NAME]\n"
      "      [--ttl TIME] [--env]    lease N GPUs to JOB" },
    { "release", gvctl_cmd_release, "release JOB            end JOB's lease" },
    { "drain", gvctl_cmd_drain,
      "drain NODE [REASON]    no new leases on NODE" },
    { "resume", gvctl_cmd_resume, "resume NODE            undo drain" },
    { "job-env", gvctl_cmd_job_env,
      "job-env JOB            print GVIRTUS_SERVERS/GVIRTUS_LEASE exports" },
};

#define N_CMDS (sizeof(gvctl_cmds) / sizeof(gvctl_cmds[0]))

static void gvctl_usage(FILE *out)
{
    fprintf(out, "usage: gvctl [options] COMMAND [args]\n"
            "options:\n"
            "  -c, --config FILE  read [registry] from FILE (default %s)\n"
            "  -H, --host HOST    registry address\n"
            "  -p, --port PORT    registry port\n"
            "  -a, --auth MODE    munge, secret or none\n"
            "  -j, --json         machine-readable output\n"
            "  -h, --help         this text;  -V, --version\n"
            "commands:\n", DEFAULT_CONFIG);
    for (size_t i = 0; i < N_CMDS; i++) {
        fprintf(out, "  %s\n", gvctl_cmds[i].help);
    }
    fprintf(out, "  keygen FILE            create a key file (0600)\n");
}

int gvctl_exit_code(gvc_status_t st)
{
    switch (st) {
    case GVC_OK:             return GVCTL_EXIT_OK;
    case GVC_ERR_PEER_DOWN:
    case GVC_ERR_TIMEOUT:
    case GVC_ERR_IO:         return GVCTL_EXIT_UNREACH;
    case GVC_ERR_DENIED:     return GVCTL_EXIT_DENIED;
    case GVC_ERR_NOT_FOUND:  return GVCTL_EXIT_NOTFOUND;
    case GVC_ERR_BUSY:
    case GVC_ERR_LIMIT:      return GVCTL_EXIT_NOSPACE;
    case GVC_ERR_PROTO:
    case GVC_ERR_VERSION:
    case GVC_ERR_TRUNCATED:
    case GVC_ERR_OVERFLOW:   return GVCTL_EXIT_PROTO;
    case GVC_ERR_CONFIG:
    case GVC_ERR_NOT_SUPPORTED: return GVCTL_EXIT_CONFIG;
    case GVC_ERR_INVALID:    return GVCTL_EXIT_INVALID;
    default:                 return GVCTL_EXIT_ERROR;
    }
}

typedef struct gvctl_opts {
    const char *config;
    const char *host;
    const char *port;
    const char *auth;
    int json;
} gvctl_opts_t;

/* Global options, up to the command name.  Returns the index of the
 * command, or -1 after printing usage. */
static int gvctl_parse(int argc, char **argv, gvctl_opts_t *o, int *exit_p)
{
    static const struct option opts[] = {
        { "config", required_argument, NULL, 'c' },
        { "host", required_argument, NULL, 'H' },
        { "port", required_argument, NULL, 'p' },
        { "auth", required_argument, NULL, 'a' },
        { "json", no_argument, NULL, 'j' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    int c;

    *exit_p = GVCTL_EXIT_USAGE;
    while ((c = getopt_long(argc, argv, "+c:H:p:a:jhV", opts, NULL)) != -1) {
        switch (c) {
        case 'c': o->config = optarg; break;
        case 'H': o->host = optarg; break;
        case 'p': o->port = optarg; break;
        case 'a': o->auth = optarg; break;
        case 'j': o->json = 1; break;
        case 'h': gvctl_usage(stdout); *exit_p = 0; return -1;
        case 'V': printf("gvctl %s\n", PACKAGE_VERSION); *exit_p = 0;
                  return -1;
        default:  gvctl_usage(stderr); return -1;
        }
    }
    if (optind >= argc) {
        gvctl_usage(stderr);
        return -1;
    }
    return optind;
}

/* Config file (given, or the default if it exists), environment, then
 * command-line options. */
static int gvctl_config(const gvctl_opts_t *o, gvr_client_config_t *cfg)
{
    const char *path = o->config;
    char err[512];
    gvc_status_t st;

    if (path == NULL && access(DEFAULT_CONFIG, R_OK) == 0) {
        path = DEFAULT_CONFIG;
    }
    st = gvr_client_config_load(path, cfg, err, sizeof(err));
    if (st == GVC_OK && o->host != NULL) {
        st = gvc_cfg_set(&gvr_client_cfg_table, cfg, "registry", "address",
                         o->host, err, sizeof(err));
    }
    if (st == GVC_OK && o->port != NULL) {
        st = gvc_cfg_set(&gvr_client_cfg_table, cfg, "registry", "port",
                         o->port, err, sizeof(err));
    }
    if (st == GVC_OK && o->auth != NULL) {
        st = gvc_cfg_set(&gvr_client_cfg_table, cfg, "registry", "auth",
                         o->auth, err, sizeof(err));
    }
    /* gvctl usually runs on the registry host itself. */
    if (st == GVC_OK && cfg->address[0] == '\0') {
        st = gvc_cfg_set(&gvr_client_cfg_table, cfg, "registry", "address",
                         "localhost", err, sizeof(err));
    }
    if (st != GVC_OK) {
        fprintf(stderr, "gvctl: %s\n", err);
        return GVCTL_EXIT_CONFIG;
    }
    return 0;
}

static int gvctl_keygen(int argc, char **argv)
{
    char err[512];
    gvc_status_t st;

    if (argc != 2) {
        fprintf(stderr, "usage: gvctl keygen FILE\n");
        return GVCTL_EXIT_USAGE;
    }
    st = gvr_key_generate(argv[1], err, sizeof(err));
    if (st != GVC_OK) {
        fprintf(stderr, "gvctl: %s\n", err);
        return st == GVC_ERR_BUSY ? GVCTL_EXIT_ERROR : gvctl_exit_code(st);
    }
    return 0;
}

static int gvctl_run(const gvctl_opts_t *o, int argc, char **argv)
{
    gvr_client_config_t cfg;
    gvctl_t g = { .json = o->json, .out = stdout };
    char err[512];
    int rc;

    /* status --node talks to gvds only: no registry configuration. */
    if (strcmp(argv[0], "status") == 0 && gvctl_status_is_direct(argc, argv)) {
        optind = 1;
        return gvctl_cmd_status(&g, argc, argv);
    }
    for (size_t i = 0; i < N_CMDS; i++) {
        if (strcmp(argv[0], gvctl_cmds[i].name) != 0) {
            continue;
        }
        rc = gvctl_config(o, &cfg);
        if (rc == 0 && gvr_client_create(&cfg, &g.cl, err, sizeof(err)) !=
                           GVC_OK) {
            fprintf(stderr, "gvctl: %s\n", err);
            rc = GVCTL_EXIT_CONFIG;
        }
        gvr_client_config_free(&cfg);
        if (rc == 0) {
            optind = 1;
            rc = gvctl_cmds[i].fn(&g, argc, argv);
        }
        gvr_client_destroy(g.cl);
        return rc;
    }
    fprintf(stderr, "gvctl: unknown command '%s' (gvctl --help)\n", argv[0]);
    return GVCTL_EXIT_USAGE;
}

/* People type "gvctl nodes --json": accept -j/--json anywhere before a
 * "--", and take it out of argv. */
static int gvctl_take_json(int *argc, char **argv)
{
    int found = 0, j = 1;

    for (int i = 1; i < *argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            while (i < *argc) {
                argv[j++] = argv[i++];
            }
            break;
        }
        if (strcmp(argv[i], "--json") == 0 || strcmp(argv[i], "-j") == 0) {
            found = 1;
            continue;
        }
        argv[j++] = argv[i];
    }
    *argc = j;
    argv[j] = NULL;
    return found;
}

int main(int argc, char **argv)
{
    gvctl_opts_t o = { 0 };
    int first, rc;

    gvc_log_init("gvctl", GVC_LOG_WARN);
    o.json = gvctl_take_json(&argc, argv);
    first = gvctl_parse(argc, argv, &o, &rc);
    if (first < 0) {
        return rc;
    }
    if (strcmp(argv[first], "keygen") == 0) {
        return gvctl_keygen(argc - first, argv + first);
    }
    return gvctl_run(&o, argc - first, argv + first);
}
