/*
 * gvd_config.h - gvd's settings (gvd.ini: [gvd] and [registry]), shared
 * by the main process and its workers.  Loaded once at start; read-only
 * after.
 *
 * A worker receives the effective configuration as INI text (gvd_spawn.h)
 * and, for a client admitted under a lease, a [lease] section after it:
 * that section is accepted only there, never from gvd.ini.
 */
#ifndef GVD_CONFIG_H
#define GVD_CONFIG_H

#include "gvc_config.h"
#include "gvr_client.h"

/* The lease a worker's client was admitted under (gvd.auth = lease). */
typedef struct gvd_lease {
    char job[GVR_NAME_MAX];  /* the lease's job; "" when no lease */
    int exclusive;           /* 1 exclusive, 0 shared */
    size_t mem_cap;          /* the lease's memory cap in bytes; 0 none */
} gvd_lease_t;

typedef struct gvd_config {
    char *listen;          /* address to bind, "*" for all */
    long port;
    long max_clients;
    char *gpus;            /* "all" or a list of indices "0,2" */
    char *device;          /* "cuda" or "sim" (tests only) */
    int require_gpu;       /* no: start without a GPU (demos, CI) */
    char *cache_dir;       /* fatbin cache; "" disables the disk cache */
    int log_level;
    char *log_target;      /* stderr | syslog */
    char *worker;          /* gvd-worker path; "" = beside gvd */
    char *cuda_runtime;    /* real libcudart to dlopen */
    char *sim_runtime;     /* simulated runtime for device = sim */
    long spin_us;          /* busy-poll before sleeping */
    long hello_timeout;    /* ms a new client has to say HELLO */
    long shutdown_timeout; /* ms workers get to exit on SIGTERM */
    size_t memory_limit;   /* per-client GPU memory quota, 0 = none */
    size_t staging_chunk;  /* pipelining chunk for copies */
    long staging_count;    /* chunks in flight per direction */
    size_t sim_memory;     /* simulated device memory size */
    char *auth;            /* none | secret | lease */
    char *secret_file;     /* shared secret for auth = secret */
    char *status_secret_file; /* secret remote status requests carry */
    char *metrics_listen;  /* Prometheus endpoint host:port; "" off */
    char *node_name;       /* name in the registry; "" = hostname */
    char *advertise_host;  /* where clients reach gvd; "" = hostname */
    char *nic;             /* NIC gvd serves on, for the registry; "" */
    gvr_client_config_t registry; /* [registry]: gvregistryd, leases */
    gvd_lease_t lease;     /* worker only: its client's lease ([lease]) */
} gvd_config_t;

extern const gvc_cfg_table_t gvd_config_table;

/* Defaults, then the file (if path is not NULL), then GVIRTUS_GVD_*
 * variables; then checks values that depend on each other.  On error
 * returns GVC_ERR_CONFIG/IO with a message naming file and line. */
gvc_status_t gvd_config_load(gvd_config_t *cfg, const char *path,
                             char *err, size_t errlen);
/* Same from INI text (the worker receives the effective config so),
 * where a trailing [lease] section (gvd_config_lease_text) fills
 * cfg->lease. */
gvc_status_t gvd_config_load_text(gvd_config_t *cfg, const char *text,
                                  char *err, size_t errlen);
void gvd_config_free(gvd_config_t *cfg);

/* The [lease] section for a worker's config text: appended by
 * gvd_spawn_worker, read back by gvd_config_load_text.  Returns a
 * malloc'ed string (caller frees), or NULL when out of memory. */
char *gvd_config_lease_text(const gvd_lease_t *lease);

/* Send this process's log lines where cfg->log_target says (checked
 * when the configuration was loaded). */
void gvd_log_target(const gvd_config_t *cfg);

/* The registry is configured ([registry] address). */
int gvd_config_has_registry(const gvd_config_t *cfg);

/* Parse cfg->gpus against the number of GPUs present.  Fills
 * map[0..*n_p) with physical indices.  GVC_ERR_CONFIG if an index is
 * absent or repeated. */
gvc_status_t gvd_config_gpus(const gvd_config_t *cfg, int present,
                             int *map, int max, int *n_p, char *err,
                             size_t errlen);

#endif
