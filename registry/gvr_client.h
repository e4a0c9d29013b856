/*
 * gvr_client.h - libgvrclient: how gvd, the CUDA frontend and gvctl talk
 * to gvregistryd.  No CUDA, no UCX: libc, pthreads, inih, libcrypto and
 * (optionally) libmunge only.
 *
 * A gvr_client_h holds the [registry] configuration, the keys it names
 * and one TCP connection, opened on first use and reopened once when a
 * call finds it broken (every request is idempotent, so a retry is safe).
 * Calls on one handle are serialised by a mutex inside it: a gvd may share
 * one handle between its heartbeat thread and its accept path.  Nothing
 * here aborts, writes to stdout or touches signal dispositions, so the
 * frontend can call it from inside a user's program.
 *
 * Every call returns a gvc_status_t and, on failure, one line in err
 * saying what and where ("registry reg1:7700: ...").  Statuses:
 *   GVC_ERR_CONFIG     no registry address, bad auth mode, unreadable key
 *   GVC_ERR_PEER_DOWN  cannot connect / connection lost
 *   GVC_ERR_TIMEOUT    no answer within timeout
 *   GVC_ERR_DENIED     authentication or permission refused (err: why)
 *   GVC_ERR_NOT_FOUND  unknown job, node or lease
 *   GVC_ERR_BUSY       not enough free GPUs for an allocation
 *   GVC_ERR_INVALID    a request the registry finds malformed
 *   GVC_ERR_VERSION    client and registry speak different protocols
 *   GVC_ERR_PROTO      the peer is not a gvirtus registry, or garbled
 */
#ifndef GVR_CLIENT_H
#define GVR_CLIENT_H

#include "gvc_config.h"
#include "gvc_status.h"
#include "gvr_proto.h"
#include "gvr_types.h"

#include <stddef.h>
#include <stdint.h>

/* ---- configuration: the [registry] section -------------------------------*/

/* Strings are owned by the struct (gvc_cfg_free / gvr_client_config_free
 * frees them). */
typedef struct gvr_client_config {
    char *address;        /* registry host; "" = no registry */
    long port;
    char *auth;           /* "munge", "secret" or "none" */
    char *secret_file;    /* secret mode: the shared secret */
    char *lease_key_file; /* gvd: verify lease credentials offline */
    char *munge_socket;   /* "" = libmunge's default socket */
    long heartbeat_ms;    /* gvd: heartbeat period */
    long timeout_ms;      /* connect and per-request limit */
    int verify_online;    /* gvd: also ask the registry (revocation) */
} gvr_client_config_t;

/*
 * The [registry] fields, for embedding in another program's config table
 * (gvd.ini, client.ini).  T is that program's config struct and m the
 * member of type gvr_client_config_t inside it:
 *
 *   static const gvc_cfg_field_t gvd_fields[] = {
 *       { "gvd", "port", ... },
 *       GVR_CLIENT_CFG_FIELDS(gvd_config_t, registry)
 *   };
 *
 * Environment overrides are GVIRTUS_REGISTRY_<KEY> (e.g.
 * GVIRTUS_REGISTRY_ADDRESS), whichever program reads them.
 */
#define GVR_CLIENT_CFG_FIELDS(T, m)                                           \
    { "registry", "address", GVC_CFG_STR, "", offsetof(T, m.address), 1, 0,  \
      NULL, "gvregistryd host name or address; empty: no registry" },        \
    { "registry", "port", GVC_CFG_INT, "7700", offsetof(T, m.port), 1,       \
      65535, NULL, "gvregistryd TCP port" },                                 \
    { "registry", "auth", GVC_CFG_STR, "munge", offsetof(T, m.auth), 1, 0,   \
      NULL, "authentication: munge, secret (shared secret file) or none" },  \
    { "registry", "secret_file", GVC_CFG_STR, "/etc/gvirtus/registry.secret", \
      offsetof(T, m.secret_file), 1, 0, NULL,                                \
      "shared secret for auth = secret (mode 0600, owner only)" },           \
    { "registry", "lease_key_file", GVC_CFG_STR, "",                         \
      offsetof(T, m.lease_key_file), 1, 0, NULL,                             \
      "gvd: lease key to verify lease credentials offline; empty: ask the "  \
      "registry" },                                                          \
    { "registry", "munge_socket", GVC_CFG_STR, "",                           \
      offsetof(T, m.munge_socket), 1, 0, NULL,                               \
      "munged socket; empty: libmunge's default" },                          \
    { "registry", "heartbeat_interval", GVC_CFG_MSEC, "10s",                 \
      offsetof(T, m.heartbeat_ms), 100, 3600000, NULL,                       \
      "gvd: how often to heartbeat (keep well under the registry's "         \
      "heartbeat_timeout)" },                                                \
    { "registry", "timeout", GVC_CFG_MSEC, "10s", offsetof(T, m.timeout_ms), \
      100, 600000, NULL, "connect and per-request time limit" },             \
    { "registry", "verify_online", GVC_CFG_BOOL, "yes",                      \
      offsetof(T, m.verify_online), 1, 0, NULL,                              \
      "gvd: also ask the registry whether a lease is still active "          \
      "(catches released leases)" }

/* A table for a bare gvr_client_config_t.  Sections other than
 * [registry] are ignored, so any gvirtus INI file can be read with it. */
extern const gvc_cfg_table_t gvr_client_cfg_table;

/*
 * Fill cfg_p with defaults, then path (when not NULL; a missing file is
 * GVC_ERR_IO), then GVIRTUS_REGISTRY_* overrides.  The caller frees with
 * gvr_client_config_free(), also on failure.
 */
gvc_status_t gvr_client_config_load(const char *path,
                                    gvr_client_config_t *cfg_p, char *err,
                                    size_t errlen);
void gvr_client_config_free(gvr_client_config_t *cfg);

/* ---- handle ------------------------------------------------------------*/

typedef struct gvr_client *gvr_client_h;

/*
 * Create a handle from cfg (copied; cfg may be freed afterwards).  Loads
 * the secret (auth = secret) and the lease key (when configured) now, so
 * key problems surface here; connects lazily.  The handle authenticates
 * as geteuid().  GVC_ERR_CONFIG / GVC_ERR_DENIED / GVC_ERR_IO on bad
 * settings or key files.  Destroy with gvr_client_destroy().
 */
gvc_status_t gvr_client_create(const gvr_client_config_t *cfg,
                               gvr_client_h *cl_p, char *err,
                               size_t errlen);
void gvr_client_destroy(gvr_client_h cl);

/* Claim another uid (auth none or secret only; with MUNGE the registry
 * refuses a uid munged does not vouch for).  For tests and tools. */
void gvr_client_set_uid(gvr_client_h cl, uint32_t uid);

/* Connect and authenticate now (otherwise the first call does).
 * *roles_p (may be NULL) receives the GVR_ROLE_* bits granted. */
gvc_status_t gvr_client_connect(gvr_client_h cl, uint32_t *roles_p,
                                char *err, size_t errlen);

/* ---- gvd -----------------------------------------------------------------*/

/*
 * Announce (register) or refresh (heartbeat) the node: its name, the
 * host/port its gvd listens on, the NIC it serves on (NULL or "" if
 * unknown) and its GPUs.  Register at start, then heartbeat every
 * cfg->heartbeat_ms; a heartbeat also carries the inventory, so a
 * registry that lost its state relearns it.  Needs the node role.
 * *state_p (may be NULL) is the node's state afterwards (a drained node
 * stays drained).
 */
gvc_status_t gvr_node_register(gvr_client_h cl, const char *node,
                               const char *host, int port, const char *nic,
                               const gvr_gpu_info_t *gpus, size_t n_gpus,
                               gvr_node_state_t *state_p, char *err,
                               size_t errlen);
gvc_status_t gvr_node_heartbeat(gvr_client_h cl, const char *node,
                                const char *host, int port, const char *nic,
                                const gvr_gpu_info_t *gpus, size_t n_gpus,
                                gvr_node_state_t *state_p, char *err,
                                size_t errlen);

/*
 * gvd, when a client connects: may uid use GPU gpu_uuid under job's lease
 * credential?  uid is the client's uid as gvd authenticated it.
 *
 * Offline first when the handle has a lease key (signature, job, uid,
 * expiry, GPU); then, with verify_online (default), the registry confirms
 * the lease is still active.  If the registry cannot be reached and the
 * offline check passed, the answer is OK (logged once as a warning);
 * without a key and without the registry it is GVC_ERR_DENIED.
 *
 * GVC_OK fills *info_p (may be NULL) with the lease's mode and memory cap
 * (the quota to enforce).  GVC_ERR_DENIED puts the reason in reason.
 */
gvc_status_t gvr_lease_verify(gvr_client_h cl, const char *job,
                              const char *credential, const char *gpu_uuid,
                              uint32_t uid, gvr_lease_info_t *info_p,
                              char *reason, size_t reasonlen);

/* ---- the frontend --------------------------------------------------------*/

/*
 * The frontend, when GVIRTUS_SERVERS is unset and SLURM_JOB_ID is set:
 * the job's servers as "host:port#gpu,host:port#gpu" (the GVIRTUS_SERVERS
 * syntax; IPv6 hosts in []) and its lease credential (GVIRTUS_LEASE).
 * Only the lease's owner uid or an admin may ask.  Both strings are
 * malloc'ed; the caller frees them.  GVC_ERR_NOT_FOUND: no lease.
 */
gvc_status_t gvr_job_servers(gvr_client_h cl, const char *job,
                             char **servers_p, char **credential_p,
                             char *err, size_t errlen);

/* ---- administration (gvctl, the Slurm prolog/epilog) ---------------------*/

/*
 * Lease req->count GPUs to req->job.  Idempotent: asking again for a job
 * that already holds the same lease returns it (rep->existing = 1).  The
 * caller frees *rep_p's contents with gvr_lease_rep_free() (gvr_proto.h).
 */
gvc_status_t gvr_alloc(gvr_client_h cl, const gvr_alloc_req_t *req,
                       gvr_lease_rep_t *rep_p, char *err, size_t errlen);

/* End job's lease.  GVC_ERR_NOT_FOUND when it has none. */
gvc_status_t gvr_release(gvr_client_h cl, const char *job,
                         uint32_t *n_gpus_p, char *err, size_t errlen);

/* Drain (GVR_NODE_DRAINED) or resume (GVR_NODE_UP) a node. */
gvc_status_t gvr_node_set_state(gvr_client_h cl, const char *node,
                                gvr_node_state_t state, const char *reason,
                                gvr_node_state_t *state_p, char *err,
                                size_t errlen);

/* Lists (all pages).  Arrays are malloc'ed: free nodes and gpus with
 * free(), leases with gvr_lease_array_free().  filter: "" or NULL all,
 * else a node name (gpus) or a job id (leases).  Users who are not
 * admins see only their own leases. */
gvc_status_t gvr_list_nodes(gvr_client_h cl, gvr_node_info_t **nodes_p,
                            uint32_t *n_p, char *err, size_t errlen);
gvc_status_t gvr_list_gpus(gvr_client_h cl, const char *node,
                           gvr_gpu_row_t **gpus_p, uint32_t *n_p, char *err,
                           size_t errlen);
gvc_status_t gvr_list_leases(gvr_client_h cl, const char *job,
                             gvr_lease_t **leases_p, uint32_t *n_p,
                             char *err, size_t errlen);

/* Registry-level counters (nodes up/down, GPUs free/leased). */
gvc_status_t gvr_status(gvr_client_h cl, gvr_status_rep_t *status_p,
                        char *err, size_t errlen);

#endif
