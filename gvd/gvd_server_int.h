/*
 * gvd_server_int.h - the main process's state, shared by the files of
 * its event loop: gvd_server.c (accept, handshake, spawn, reap),
 * gvd_status.c (counters and the STATUS request) and gvd_metrics.c (the
 * Prometheus endpoint).  One thread owns all of it: the event loop.
 */
#ifndef GVD_SERVER_INT_H
#define GVD_SERVER_INT_H

#include "gvd_counters.h"
#include "gvd_registry.h"
#include "gvd_server.h"
#include "gvc_ctl.h"
#include "gvc_report.h"

#include <stdint.h>
#include <sys/types.h>

typedef struct gvd_metrics gvd_metrics_t;

/* A connection before its first message is handled, or (STATUS, REFUSE)
 * while gvd's answer is written to it. */
typedef struct pending {
    int fd;
    long deadline_ms;      /* closed when reached, reading or writing */
    char peer[64];
    int loopback;          /* connected from this host (127/8, ::1) */
    gvc_ctl_reader_t rd;
    unsigned char *out;    /* answer being written; owned; NULL: reading */
    size_t out_len, out_off;
} pending_t;

/* A client with a worker. */
typedef struct child {
    pid_t pid;             /* the worker */
    uint32_t id;           /* gvd's client number: logs, status */
    int gpu;               /* exposed index */
    char peer[64];
    char host[64];         /* the host name the client sent */
    uint32_t client_pid, uid;
    char job[GVR_NAME_MAX]; /* the lease's job (auth = lease); "" none */
    char job_id[GVR_NAME_MAX]; /* the job id the client sent; "" none */
    int exclusive;         /* admitted under an exclusive lease */
    long start_ms;         /* monotonic, when the worker started */
    gvd_counters_t *ctr;   /* gvd's mapping of its counter page; owned;
                              NULL when it could not be made */
} child_t;

typedef struct server {
    const gvd_config_t *cfg;
    char *cfg_text;        /* effective config handed to workers */
    int lfd, sfd, epfd;
    gvd_gpu_t gpus[GVD_MAX_GPUS];
    int n_gpus;            /* exposed */
    int no_gpu;            /* require_gpu = no and none found */
    pending_t *pend;       /* array, n_pend used */
    int n_pend, cap_pend;
    child_t *kids;
    int n_kids;
    char *secret;          /* auth = secret */
    char *status_secret;   /* status_secret_file's secret, or NULL */
    gvd_registry_t *reg;   /* registry client, or NULL; owned */
    gvd_metrics_t *metrics; /* Prometheus endpoint, or NULL; owned */
    char node[64];         /* node name shown in status */
    long start_ms;
    uint32_t next_id;      /* next client number */
    /* Per exposed GPU, the clients that left: counters and count. */
    uint64_t gone[GVD_MAX_GPUS][GVC_CTR_MAX];
    uint64_t served[GVD_MAX_GPUS];
    int no_counters_warned; /* counter pages failed once: said so */
    int stopping;
} server_t;

long gvd_now_ms(void);

/* Constant time in the secret's length: is cred the secret? */
int gvd_secret_eq(const char *secret, const char *cred);

/* Queue a control message (api_id, result, args) on p, which is closed
 * once it is written or its deadline passes.  Never blocks: the event
 * loop writes it as the peer reads.  Out of memory: p is only closed. */
void gvd_pending_send(server_t *s, pending_t *p, uint32_t api_id,
                      int64_t result, const void *args, size_t len);

/* ---- gvd_status.c ------------------------------------------------------------- */

/* The counters of every GPU and client now.  Caller frees with
 * gvc_report_free.  GVC_ERR_NOMEM. */
gvc_status_t gvd_status_report(const server_t *s, gvc_report_t *r);

/* A whole STATUS request arrived on p: answer it (STATUS_REPLY, or
 * REFUSE when its credential or the request is bad). */
void gvd_status_answer(server_t *s, pending_t *p);

/* k's worker exited: add its last counters to its GPU's totals and
 * release its page. */
void gvd_status_fold(server_t *s, child_t *k);

/* ---- gvd_metrics.c -------------------------------------------------------------- */

/*
 * Start the Prometheus endpoint on "host:port" (gvd.metrics_listen);
 * "" leaves *m_p NULL.  A connection is closed timeout_ms after it was
 * accepted.  Its sockets join epfd.  GVC_ERR_CONFIG or GVC_ERR_BUSY
 * with err.
 */
gvc_status_t gvd_metrics_create(const char *listen, long timeout_ms,
                                int epfd, gvd_metrics_t **m_p, char *err,
                                size_t errlen);
void gvd_metrics_destroy(gvd_metrics_t *m);
/* fd belongs to the endpoint: handle its event and return 1; else 0. */
int gvd_metrics_event(server_t *s, int fd, uint32_t events);
/* Close connections past their deadline (now: gvd_now_ms()). */
void gvd_metrics_expire(gvd_metrics_t *m, long now);
/* ms from now to the next deadline, or -1 when none (m may be NULL). */
long gvd_metrics_due_in(const gvd_metrics_t *m, long now);
/* The exposition text of r.  Caller frees.  NULL when out of memory. */
char *gvd_metrics_render(const gvc_report_t *r, size_t *len_p);

#endif
