/*
 * gvregistryd - the gvirtus registry daemon: which remote GPUs belong to
 * which job.  Runs in the foreground (systemd, or a test), logs to
 * stderr, stops on SIGTERM or SIGINT.  See gvregistryd(8).
 */
#include "config.h"

#include "gvc_log.h"
#include "gvc_notify.h"
#include "gvr_regd_config.h"
#include "gvr_server.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEFAULT_CONFIG SYSCONFDIR "/gvirtus/registry.ini"

static gvr_server_t *volatile regd_server;

static void regd_on_signal(int sig)
{
    (void)sig;
    if (regd_server != NULL) {
        gvr_server_stop(regd_server);
    }
}

static void regd_usage(FILE *out)
{
    fprintf(out,
            "usage: gvregistryd [options]\n"
            "  -c, --config FILE     registry.ini (default %s)\n"
            "  -p, --port N          listen port (overrides the file)\n"
            "  -d, --database FILE   SQLite file (overrides the file)\n"
            "      --port-file FILE  write the listening port there once "
            "ready\n"
            "      --dump-config     print the effective configuration\n"
            "      --check-config    load the configuration and exit\n"
            "  -h, --help            this text\n"
            "  -V, --version         print the version\n", DEFAULT_CONFIG);
}

typedef struct regd_args {
    const char *config;
    const char *port;
    const char *database;
    const char *port_file;
    int dump;
    int check;
} regd_args_t;

/* Returns -1 to go on, else the exit code. */
static int regd_parse_args(int argc, char **argv, regd_args_t *a)
{
    static const struct option opts[] = {
        { "config", required_argument, NULL, 'c' },
        { "port", required_argument, NULL, 'p' },
        { "database", required_argument, NULL, 'd' },
        { "port-file", required_argument, NULL, 'P' },
        { "dump-config", no_argument, NULL, 'D' },
        { "check-config", no_argument, NULL, 'C' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 }
    };
    int o;

    a->config = DEFAULT_CONFIG;
    while ((o = getopt_long(argc, argv, "c:p:d:hV", opts, NULL)) != -1) {
        switch (o) {
        case 'c': a->config = optarg; break;
        case 'p': a->port = optarg; break;
        case 'd': a->database = optarg; break;
        case 'P': a->port_file = optarg; break;
        case 'D': a->dump = 1; break;
        case 'C': a->check = 1; break;
        case 'h': regd_usage(stdout); return 0;
        case 'V': printf("gvregistryd %s\n", PACKAGE_VERSION); return 0;
        default:  regd_usage(stderr); return 2;
        }
    }
    if (optind != argc) {
        regd_usage(stderr);
        return 2;
    }
    return -1;
}

static int regd_load(const regd_args_t *a, gvr_regd_config_t *cfg)
{
    char err[512];

    if (gvr_regd_config_load(a->config, cfg, err, sizeof(err)) != GVC_OK ||
        (a->port != NULL &&
         gvc_cfg_set(&gvr_regd_cfg_table, cfg, "registryd", "port", a->port,
                     err, sizeof(err)) != GVC_OK) ||
        (a->database != NULL &&
         gvc_cfg_set(&gvr_regd_cfg_table, cfg, "registryd", "database",
                     a->database, err, sizeof(err)) != GVC_OK)) {
        fprintf(stderr, "gvregistryd: %s\n", err);
        return -1;
    }
    return 0;
}

static int regd_write_port(const char *path, int port)
{
    char tmp[4096];
    FILE *f;

    /* Write then rename: a reader never sees a half-written file. */
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    f = fopen(tmp, "w");
    if (f == NULL || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0 ||
        rename(tmp, path) != 0) {
        gvc_error("cannot write port file %s", path);
        return -1;
    }
    return 0;
}

static void regd_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = regd_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

static int regd_serve(const regd_args_t *a, const gvr_regd_config_t *cfg)
{
    gvr_server_t *srv;
    char err[512];
    gvc_status_t st;

    st = gvr_server_create(cfg, &srv, err, sizeof(err));
    if (st != GVC_OK) {
        gvc_fatal("cannot start: %s", err);
        return 1;
    }
    gvc_info("listening on %s:%d (auth %s, database %s, %zu static nodes)",
             cfg->listen, gvr_server_port(srv), cfg->auth, cfg->database,
             cfg->n_nodes);
    regd_server = srv;
    regd_signals();
    if (a->port_file != NULL &&
        regd_write_port(a->port_file, gvr_server_port(srv)) != 0) {
        gvr_server_destroy(srv);
        return 1;
    }
    /* systemd (Type=notify): the port file and this say the same. */
    gvc_notify("READY=1");
    st = gvr_server_run(srv);
    gvc_notify("STOPPING=1");
    regd_server = NULL;
    gvr_server_destroy(srv);
    gvc_info("stopped");
    return st == GVC_OK ? 0 : 1;
}

int main(int argc, char **argv)
{
    gvr_regd_config_t cfg;
    regd_args_t a = { 0 };
    int rc, target;

    gvc_log_init("gvregistryd", GVC_LOG_INFO);
    rc = regd_parse_args(argc, argv, &a);
    if (rc >= 0) {
        return rc;
    }
    if (regd_load(&a, &cfg) != 0) {
        gvr_regd_config_free(&cfg);
        return 1;
    }
    /* GVIRTUS_LOGLEVEL, when set, wins over the file. */
    gvc_log_init("gvregistryd", cfg.log_level);
    if (!a.dump && !a.check &&
        gvc_log_parse_target(cfg.log_target, &target) == 0) {
        gvc_log_set_target(target);
    }
    if (a.dump) {
        gvr_regd_config_dump(&cfg, stdout);
    }
    rc = a.dump || a.check ? 0 : regd_serve(&a, &cfg);
    gvr_regd_config_free(&cfg);
    return rc;
}
