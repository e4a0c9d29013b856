/*
 * gvctl.h - what gvctl's files share: the parsed command line, the
 * exit codes, and the printers (tables for people, JSON for scripts).
 */
#ifndef GVCTL_H
#define GVCTL_H

#include "gvr_client.h"
#include "gvc_report.h"

#include <stdio.h>

/* Exit codes (gvctl(1), EXIT STATUS). */
enum {
    GVCTL_EXIT_OK        = 0,
    GVCTL_EXIT_ERROR     = 1, /* anything else; internal error */
    GVCTL_EXIT_USAGE     = 2, /* bad command line */
    GVCTL_EXIT_UNREACH   = 3, /* registry unreachable, timed out */
    GVCTL_EXIT_DENIED    = 4, /* authentication or permission refused */
    GVCTL_EXIT_NOTFOUND  = 5, /* no such job, lease or node */
    GVCTL_EXIT_NOSPACE   = 6, /* not enough free GPUs */
    GVCTL_EXIT_PROTO     = 7, /* protocol or version mismatch */
    GVCTL_EXIT_CONFIG    = 8, /* bad configuration or key file */
    GVCTL_EXIT_INVALID   = 9  /* the registry refused the request's values */
};

typedef struct gvctl {
    gvr_client_h cl;          /* owned */
    int json;                 /* --json */
    FILE *out;                /* stdout */
} gvctl_t;

/* The exit code for a status from libgvrclient. */
int gvctl_exit_code(gvc_status_t st);

/* Commands (gvctl_cmds.c): argv[0] is the command name. */
int gvctl_cmd_status(gvctl_t *g, int argc, char **argv);
int gvctl_cmd_nodes(gvctl_t *g, int argc, char **argv);
int gvctl_cmd_gpus(gvctl_t *g, int argc, char **argv);
int gvctl_cmd_leases(gvctl_t *g, int argc, char **argv);
int gvctl_cmd_alloc(gvctl_t *g, int argc, char **argv);
int gvctl_cmd_release(gvctl_t *g, int argc, char **argv);
int gvctl_cmd_drain(gvctl_t *g, int argc, char **argv);
int gvctl_cmd_resume(gvctl_t *g, int argc, char **argv);
int gvctl_cmd_job_env(gvctl_t *g, int argc, char **argv);

/*
 * Live gvd counters (gvctl_live.c): `gvctl status` asks each node's gvd
 * on its control port (STATUS), or the gvds named with --node, without
 * the registry.
 */
typedef struct gvctl_target {
    char name[GVR_NAME_MAX];  /* the registry's node name; "" for --node */
    char host[GVR_HOST_MAX];
    int port;
    gvc_status_t st;          /* GVC_OK: rep holds the answer */
    char err[320];            /* why not, when st is not GVC_OK */
    gvc_report_t rep;         /* owned; gvctl_live_free */
} gvctl_target_t;

/* Ask every target at once (a few threads), each bounded by
 * timeout_ms; cred is the status secret or "".  Fills st, err, rep. */
void gvctl_live_ask(gvctl_target_t *t, size_t n, const char *cred,
                    long timeout_ms);
/* Print the answers: a table per node, or the JSON member "gvd": [...].
 * Returns the exit code: 0 when every node answered, else that of the
 * first one that did not (3 unreachable, 4 denied, 7 protocol). */
int gvctl_live_print(gvctl_t *g, const gvctl_target_t *t, size_t n);
void gvctl_live_free(gvctl_target_t *t, size_t n);
/* argv of `status` names --node: it needs no registry. */
int gvctl_status_is_direct(int argc, char **argv);

/* Printers (gvctl_print.c).  gvctl_print_status with open leaves the
 * JSON object open for the live counters that follow. */
void gvctl_print_status(gvctl_t *g, const gvr_status_rep_t *s, int open);
void gvctl_print_nodes(gvctl_t *g, const gvr_node_info_t *n, uint32_t k);
void gvctl_print_gpus(gvctl_t *g, const gvr_gpu_row_t *r, uint32_t k);
void gvctl_print_leases(gvctl_t *g, const gvr_lease_t *l, uint32_t k);
void gvctl_print_lease(gvctl_t *g, const gvr_lease_rep_t *rep);
void gvctl_print_env(gvctl_t *g, const char *servers, const char *cred);
/* A JSON string with its quotes and escapes. */
void gvctl_json_str(FILE *out, const char *s);
/* "80.0G", "512M", "-" for 0;  "42s", "5m07s", "3h12m", "6d23h". */
const char *gvctl_pr_size(uint64_t b, char *buf, size_t len);
const char *gvctl_pr_span(int64_t ms, char *buf, size_t len);

#endif
