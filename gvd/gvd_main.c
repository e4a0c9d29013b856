/*
 * gvd_main.c - the gvirtus node daemon's main process.
 *
 * It reads gvd.ini, probes the GPUs (through a short-lived worker, so the
 * daemon itself never initialises CUDA), listens on the control port and
 * runs one event loop: accept a connection, read its HELLO within
 * hello_timeout, check version, capacity and credential, then fork+exec a
 * gvd-worker that owns the socket from then on.  SIGCHLD reaps workers;
 * SIGTERM/SIGINT stop the daemon, giving workers shutdown_timeout to exit
 * before SIGKILL.
 */
#include "config.h"

#include "gvd_config.h"
#include "gvd_server.h"
#include "gvc_log.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out,
            "usage: gvd [-c FILE] [-p PORT] [--dump-config] [--list-gpus]\n"
            "  -c, --config FILE  configuration (default %s)\n"
            "  -p, --port PORT    control port, overrides gvd.port\n"
            "      --dump-config  print the effective configuration, exit\n"
            "      --list-gpus    print the GPUs this gvd would expose, exit\n"
            "  -V, --version      print the version, exit\n"
            "Environment: GVIRTUS_GVD_<KEY> overrides a key; GVIRTUS_LOGLEVEL "
            "the log level.\n",
            GVD_SYSCONFDIR "/gvd.ini");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "config", required_argument, NULL, 'c' },
        { "port", required_argument, NULL, 'p' },
        { "dump-config", no_argument, NULL, 'D' },
        { "list-gpus", no_argument, NULL, 'L' },
        { "version", no_argument, NULL, 'V' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 }
    };
    const char *path = GVD_SYSCONFDIR "/gvd.ini", *port = NULL;
    int dump = 0, list = 0, c, rc;
    gvd_config_t cfg;
    char err[512];

    gvc_log_init("gvd", GVC_LOG_INFO);
    while ((c = getopt_long(argc, argv, "c:p:Vh", opts, NULL)) != -1) {
        switch (c) {
        case 'c': path = optarg; break;
        case 'p': port = optarg; break;
        case 'D': dump = 1; break;
        case 'L': list = 1; break;
        case 'V': printf("gvd %s\n", PACKAGE_VERSION); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        usage(stderr);
        return 2;
    }
    if (gvd_config_load(&cfg, path, err, sizeof(err)) != GVC_OK) {
        fprintf(stderr, "gvd: %s\n", err);
        if (strstr(err, "cannot open") != NULL) {
            fprintf(stderr, "gvd: give a configuration with -c FILE "
                            "(a commented sample: etc/gvd.ini)\n");
        }
        gvd_config_free(&cfg);
        return 1;
    }
    if (port != NULL &&
        gvc_cfg_set(&gvd_config_table, &cfg, "gvd", "port", port, err,
                    sizeof(err)) != GVC_OK) {
        fprintf(stderr, "gvd: --port: %s\n", err);
        gvd_config_free(&cfg);
        return 1;
    }
    if (dump) {
        gvc_cfg_dump(&gvd_config_table, &cfg, stdout);
        gvd_config_free(&cfg);
        return 0;
    }
    /* The environment wins over the file, as everywhere in gvirtus. */
    gvc_log_init("gvd", cfg.log_level);
    gvd_log_target(&cfg);
    rc = list ? gvd_list_gpus(&cfg) : gvd_server_run(&cfg);
    gvd_config_free(&cfg);
    return rc;
}
