/*
 * gvf_int.h - private state of libgvirtus.
 */
#ifndef GVF_INT_H
#define GVF_INT_H

#include "gvf.h"
#include "gvr_client.h"

#include <pthread.h>
#include <stdatomic.h>

/* client.ini [client] and [registry], and the GVIRTUS_* variables. */
typedef struct gvf_config {
    char *servers;          /* host:port[#gpu],... */
    char *secret;           /* shared secret, or "" */
    char *secret_file;
    char *lease;            /* lease credential (GVIRTUS_LEASE), or "" */
    long timeout;           /* ms a reply may take; 0: no limit */
    long connect_timeout;   /* ms to reach gvd and shake hands */
    long batch_us;          /* one-way messages coalesce this long */
    int log_level;
    gvr_client_config_t registry; /* where to ask for the job's GPUs */
} gvf_config_t;

struct gvf_dev {
    int ordinal;
    char host[300];
    int port;
    int gpu;                /* index among the gvd's exposed GPUs */
    char name[320];         /* "host:port#gpu" */
    gvt_conn_t *conn;
    int ctl_fd;
    uint64_t chunk;         /* the worker's copy pipelining chunk */
    int chunks;             /* its staging buffers (chunks in flight) */
    int sim;                /* the worker runs the simulated device */
    atomic_llong deferred;  /* first error of a one-way call, or 0 */
    atomic_uint prim_gen;   /* calls that changed the primary context */
    pthread_mutex_t lock;   /* guards slots[] initialisation */
    void *slots[GVF_SLOT_MAX];
};

/* gvf_session.c */
/* Nonzero in a child forked after the session was set up: gvf_forked()
 * for libgvirtus itself, read where every call starts (gvf_call_init).
 * Hidden: not part of libgvirtus's ABI. */
extern int gvf_forked_ __attribute__((visibility("hidden")));
int gvf_parse_servers(const char *text, gvf_dev_t **devs_p, int *n_p,
                      char *err, size_t errlen);

/* gvf_call.c: transport callback for detached calls. */
void gvf_detached_done(gvt_conn_t *conn, uint64_t call_id,
                       gvc_status_t status, int64_t result, void *arg);

/* gvf_service.c: host functions requested by a worker (events). */
void gvf_service_recv(gvt_conn_t *conn, gvt_msg_t *msg, void *arg);

#endif
