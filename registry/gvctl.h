/*
 * gvctl.h - what gvctl's files share: the parsed command line, the
 * exit codes, and the printers (tables for people, JSON for scripts).
 */
#ifndef GVCTL_H
#define GVCTL_H

#include "gvr_client.h"

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
 * Hook for live gvd counters (clients, calls, bytes, GPU memory), which
 * gvd does not serve yet: `gvctl status --live` calls this.  The
 * operator-experience work fills it in (ask each node's gvd on its
 * control port); until then it says so and returns GVCTL_EXIT_ERROR.
 */
int gvctl_live_status(gvctl_t *g, const gvr_node_info_t *nodes,
                      uint32_t n);

/* Printers (gvctl_print.c). */
void gvctl_print_status(gvctl_t *g, const gvr_status_rep_t *s);
void gvctl_print_nodes(gvctl_t *g, const gvr_node_info_t *n, uint32_t k);
void gvctl_print_gpus(gvctl_t *g, const gvr_gpu_row_t *r, uint32_t k);
void gvctl_print_leases(gvctl_t *g, const gvr_lease_t *l, uint32_t k);
void gvctl_print_lease(gvctl_t *g, const gvr_lease_rep_t *rep);
void gvctl_print_env(gvctl_t *g, const char *servers, const char *cred);
/* A JSON string with its quotes and escapes. */
void gvctl_json_str(FILE *out, const char *s);

#endif
