/*
 * gvr_regd_config.h - gvregistryd's configuration: the [registryd]
 * section (a gvc_cfg table) and any number of static [node:NAME]
 * sections (the table's extra callback).  Loaded once, before threads
 * start; read-only afterwards.
 */
#ifndef GVR_REGD_CONFIG_H
#define GVR_REGD_CONFIG_H

#include "gvc_config.h"
#include "gvr_types.h"

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* A node declared in registry.ini rather than registered by its gvd. */
typedef struct gvr_static_node {
    char name[GVR_NAME_MAX];
    char host[GVR_HOST_MAX];
    uint32_t port;
    char nic[GVR_NIC_MAX];
    int heartbeat;            /* 1: down until its gvd heartbeats */
    uint32_t n_gpus;
    gvr_gpu_info_t *gpus;     /* owned; gvr_regd_config_free frees */
} gvr_static_node_t;

typedef struct gvr_regd_config {
    char *listen;             /* strings owned (gvc_cfg) */
    long port;
    char *database;
    char *auth;
    char *secret_file;
    char *lease_key_file;
    char *munge_socket;
    char *admins;             /* user names or uids, comma-separated */
    char *node_users;
    long heartbeat_timeout_ms;
    long lease_ttl_ms;
    long lease_max_ttl_ms;
    long sweep_ms;
    long client_timeout_ms;
    long max_clients;
    size_t shared_mem_default;
    int db_fsync;             /* bool: fsync every commit */
    int log_level;
    char *log_target;         /* stderr | syslog */
    gvr_static_node_t *nodes; /* owned array of n_nodes */
    size_t n_nodes;
} gvr_regd_config_t;

extern const gvc_cfg_table_t gvr_regd_cfg_table;

/*
 * Defaults, then path (may be NULL), then GVIRTUS_REGISTRYD_* overrides,
 * then cross-field checks (static nodes complete, valid auth mode).  On
 * failure err says file:line or the variable.  Free with
 * gvr_regd_config_free() in every case.
 */
gvc_status_t gvr_regd_config_load(const char *path, gvr_regd_config_t *cfg_p,
                                  char *err, size_t errlen);
void gvr_regd_config_free(gvr_regd_config_t *cfg);

/* --dump-config: the table's fields and the static nodes. */
void gvr_regd_config_dump(const gvr_regd_config_t *cfg, FILE *out);

/* Parse "root, slurm, 1001" into uids (getpwnam for names).  *uids_p is
 * malloc'ed; the caller frees it. */
gvc_status_t gvr_uid_list_parse(const char *text, uid_t **uids_p,
                                size_t *n_p, char *err, size_t errlen);

/* Parse a static GPU line "UUID[, name[, mem[, sms[, numa[, nic]]]]]". */
gvc_status_t gvr_static_gpu_parse(const char *text, uint32_t index,
                                  gvr_gpu_info_t *gpu_p, char *err,
                                  size_t errlen);

#endif
