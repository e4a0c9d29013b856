/*
 * gvc_report.h - gvd's live counters as one record: what `gvctl status`
 * asks for on the control port (GVC_CTL_STATUS) and what gvd's
 * Prometheus endpoint renders.
 *
 * The counters of a client and of a GPU are one array indexed by
 * gvc_ctr_id_t; gvc_ctr_desc[] names each one once (JSON key, table
 * column, Prometheus metric, help text, counter or gauge), and the wire
 * encoding sends the array with its length, so a newer gvd's extra
 * counters are skipped by an older gvctl and missing ones read as 0.
 * The record itself carries GVC_REPORT_FORMAT; the control header
 * carries the wire protocol version as every message does.
 *
 * gvd fills a gvc_report_t from its children (gvd_status.c); gvctl
 * unpacks one per node.  Not thread-safe per object.
 */
#ifndef GVC_REPORT_H
#define GVC_REPORT_H

#include "gvc_status.h"

#include <stddef.h>
#include <stdint.h>

/* Bumped on an incompatible change of the record below. */
#define GVC_REPORT_FORMAT 1u

#define GVC_REPORT_MAX_GPUS    64
#define GVC_REPORT_MAX_CLIENTS 100000
#define GVC_REPORT_MAX_CTRS    64    /* what a reader accepts from a peer */

typedef enum gvc_ctr_id {
    GVC_CTR_CALLS,        /* requests served */
    GVC_CTR_ERRORS,       /* requests answered with a non-zero code */
    GVC_CTR_H2D_BYTES,    /* bytes copied host to device */
    GVC_CTR_D2H_BYTES,    /* bytes copied device to host */
    GVC_CTR_WIRE_IN,      /* request bytes received (arguments + data) */
    GVC_CTR_WIRE_OUT,     /* reply bytes sent (arguments + data) */
    GVC_CTR_MEM_HELD,     /* GPU memory held now (a gauge) */
    /* Appended after the gauge: an older reader takes the first
     * GVC_CTR_MAX of its own and skips these. */
    GVC_CTR_PEER_OUT,     /* bytes sent to another worker (peer copies) */
    GVC_CTR_PEER_IN,      /* bytes received from another worker */
    GVC_CTR_MAX
} gvc_ctr_id_t;

typedef struct gvc_ctr_desc {
    const char *key;      /* JSON key: "h2d_bytes" */
    const char *column;   /* table heading: "H2D" */
    const char *metric;   /* Prometheus suffix: "h2d_bytes_total" */
    const char *help;     /* one line for HELP and the manual */
    int gauge;            /* 1: goes up and down; 0: only grows */
    int bytes;            /* 1: a byte count (tables print it scaled) */
} gvc_ctr_desc_t;

extern const gvc_ctr_desc_t gvc_ctr_desc[GVC_CTR_MAX];

/* One connected client, as gvd sees it. */
typedef struct gvc_report_client {
    uint32_t id;              /* gvd's client number, also in its logs */
    char peer[64];            /* control connection "addr:port" */
    char host[64];            /* host name the client sent */
    uint32_t pid, uid;        /* as the client sent them */
    char job[64];             /* job id the client sent; "" none */
    int32_t gpu;              /* exposed GPU index */
    uint32_t worker_pid;
    uint64_t uptime_ms;       /* since its worker started */
    uint64_t ctr[GVC_CTR_MAX];
} gvc_report_client_t;

/* One exposed GPU: connected clients plus those that left. */
typedef struct gvc_report_gpu {
    int32_t index;            /* exposed index (what clients ask for) */
    char name[96];
    char uuid[48];
    uint64_t mem_total;       /* bytes */
    uint32_t clients;         /* connected now */
    uint64_t clients_served;  /* admitted since gvd started */
    uint64_t ctr[GVC_CTR_MAX]; /* MEM_HELD: connected clients only */
} gvc_report_gpu_t;

typedef struct gvc_report {
    uint32_t format;          /* GVC_REPORT_FORMAT of the sender */
    char node[64];            /* gvd's node name */
    char version[32];         /* gvd's package version */
    char device[16];          /* "cuda" or "sim" */
    uint64_t uptime_ms;
    uint32_t max_clients;
    uint32_t clients_omitted; /* connected but left out (reply too big) */
    uint32_t n_gpus;
    gvc_report_gpu_t *gpus;   /* owned; n_gpus entries */
    uint32_t n_clients;
    gvc_report_client_t *clients; /* owned; n_clients entries */
} gvc_report_t;

/* Free the arrays of r (not r itself) and zero it. */
void gvc_report_free(gvc_report_t *r);

/*
 * Pack r into buf (cap bytes); *len_p gets the size.  When the clients
 * do not all fit, the last ones are left out and counted in the packed
 * clients_omitted (r is not changed).  GVC_ERR_OVERFLOW only when not
 * even the GPUs fit.
 */
gvc_status_t gvc_report_pack(const gvc_report_t *r, void *buf, size_t cap,
                             size_t *len_p);

/* Unpack into *r (arrays allocated; caller frees with gvc_report_free).
 * GVC_ERR_PROTO on anything malformed or over the limits, GVC_ERR_VERSION
 * on another record format; *r is then empty. */
gvc_status_t gvc_report_unpack(const void *buf, size_t len,
                               gvc_report_t *r);

/* The STATUS request: a credential (the status secret, or "") and flags
 * reserved for later (0). */
gvc_status_t gvc_status_req_pack(const char *cred, uint32_t flags,
                                 void *buf, size_t cap, size_t *len_p);
/* cred_p points into buf. */
gvc_status_t gvc_status_req_unpack(const void *buf, size_t len,
                                   const char **cred_p, uint32_t *flags_p);

#endif
