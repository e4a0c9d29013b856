/*
 * gvr_db.h - the registry's state in SQLite (WAL mode).
 *
 * Tables: nodes, gpus, leases, lease_gpus (which GPUs a lease holds; a
 * partial unique index makes a second exclusive holder of one GPU a
 * constraint violation, a last line of defence under the allocator's own
 * checks), audit (who did what, when, with what result) and meta (schema
 * version).  docs/registry.md shows the schema.
 *
 * A gvr_db_t is one SQLite connection: use it from one thread at a time.
 * The daemon gives each connection thread its own, all sharing one
 * process-wide writer mutex (gvr_db_opts_t.wlock) so that writers of one
 * process queue on a mutex instead of SQLite's sleep-and-retry busy
 * handler.  Every state change runs in BEGIN IMMEDIATE, which takes
 * SQLite's write lock before the first read: the check ("is this GPU
 * free?") and the write ("lease it") are atomic against every other
 * connection, in this process or any other.  Each operation below is one
 * transaction and writes its audit row inside it.
 */
#ifndef GVR_DB_H
#define GVR_DB_H

#include "gvc_status.h"
#include "gvr_auth.h"
#include "gvr_proto.h"
#include "gvr_regd_config.h"
#include "gvr_types.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define GVR_DB_SCHEMA_VERSION 1

typedef struct gvr_db gvr_db_t;

typedef struct gvr_db_opts {
    int fsync;                /* synchronous=FULL (else NORMAL) */
    long busy_ms;             /* wait this long for other processes */
    pthread_mutex_t *wlock;   /* not owned; may be NULL */
} gvr_db_opts_t;

/* Who asks, from where, at what time: written into the audit trail. */
typedef struct gvr_actor {
    uint32_t uid;
    const char *peer;         /* "10.0.0.5:41234"; not owned */
    int64_t now_ms;
} gvr_actor_t;

/* Allocation settings from [registryd]. */
typedef struct gvr_alloc_policy {
    int64_t ttl_ms;           /* when the request names none */
    int64_t max_ttl_ms;
    uint64_t shared_mem_default;
    int64_t heartbeat_timeout_ms;
    const gvr_key_t *lease_key; /* signs credentials; not owned */
} gvr_alloc_policy_t;

/* Open (creating the file and schema if needed).  GVC_ERR_IO when the
 * file cannot be opened, GVC_ERR_VERSION for a foreign schema. */
gvc_status_t gvr_db_open(const char *path, const gvr_db_opts_t *opts,
                         gvr_db_t **db_p, char *err, size_t errlen);
void gvr_db_close(gvr_db_t *db);

/* ---- nodes (gvr_db_node.c) -----------------------------------------------*/

/* Register (is_register) or heartbeat a gvd node: upsert the node and its
 * GPUs, mark it up unless drained.  GPUs it no longer reports stay in the
 * table, not present, until no lease holds them. */
gvc_status_t gvr_db_node_update(gvr_db_t *db, const gvr_actor_t *who,
                                const gvr_node_req_t *req, int is_register,
                                gvr_node_state_t *state_p, char *err,
                                size_t errlen);

/* Make the database's static nodes match registry.ini. */
gvc_status_t gvr_db_static_nodes(gvr_db_t *db, const gvr_actor_t *who,
                                 const gvr_static_node_t *nodes, size_t n,
                                 char *err, size_t errlen);

/* Drain or resume.  GVC_ERR_NOT_FOUND for an unknown node. */
gvc_status_t gvr_db_node_set_state(gvr_db_t *db, const gvr_actor_t *who,
                                   const char *node, gvr_node_state_t state,
                                   const char *reason,
                                   gvr_node_state_t *state_p, char *err,
                                   size_t errlen);

/* Expire leases past their time and mark nodes that missed heartbeats
 * down.  Counts (may be NULL) say how many of each. */
gvc_status_t gvr_db_sweep(gvr_db_t *db, const gvr_actor_t *who,
                          int64_t heartbeat_timeout_ms, uint32_t *expired_p,
                          uint32_t *downed_p);

/* ---- leases (gvr_db_lease.c) ---------------------------------------------*/

/*
 * Lease GPUs per req and policy (see gvr_alloc.h for the placement).
 * GVC_OK fills *rep_p (free with gvr_unpack_free on the ALLOC reply
 * layout, i.e. gvr_lease_rep_free).  GVC_ERR_BUSY: not enough GPUs free;
 * GVC_ERR_INVALID: bad request; GVC_ERR_DENIED: the job's lease belongs
 * to another uid.
 */
gvc_status_t gvr_db_alloc(gvr_db_t *db, const gvr_actor_t *who,
                          const gvr_alloc_req_t *req,
                          const gvr_alloc_policy_t *policy,
                          gvr_lease_rep_t *rep_p, char *err, size_t errlen);

/* End a job's lease.  GVC_ERR_NOT_FOUND when it has none. */
gvc_status_t gvr_db_release(gvr_db_t *db, const gvr_actor_t *who,
                            const char *job, uint32_t *n_gpus_p, char *err,
                            size_t errlen);

/* The job's live lease with its credential and servers string.
 * GVC_ERR_NOT_FOUND when none (or expired). */
gvc_status_t gvr_db_lease_get(gvr_db_t *db, const char *job, int64_t now_ms,
                              gvr_lease_rep_t *rep_p, char *err,
                              size_t errlen);

/* Is job's lease live, issued with exactly this credential, owned by uid
 * and holding gpu_uuid?  GVC_OK fills *info_p; GVC_ERR_DENIED says why
 * not. */
gvc_status_t gvr_db_lease_check(gvr_db_t *db, const char *job,
                                const char *credential,
                                const char *gpu_uuid, uint32_t uid,
                                int64_t now_ms, gvr_lease_info_t *info_p,
                                char *err, size_t errlen);

/* ---- reads (gvr_db_list.c) -----------------------------------------------*/

/* Up to limit rows from offset; arrays malloc'ed (leases: free with
 * gvr_lease_array_free).  *more_p is 1 when rows remain. */
gvc_status_t gvr_db_list_nodes(gvr_db_t *db, uint32_t offset,
                               uint32_t limit, gvr_node_info_t **nodes_p,
                               uint32_t *n_p, int *more_p);
gvc_status_t gvr_db_list_gpus(gvr_db_t *db, const char *node,
                              uint32_t offset, uint32_t limit,
                              gvr_gpu_row_t **gpus_p, uint32_t *n_p,
                              int *more_p);
/* uid < 0: every owner's leases. */
gvc_status_t gvr_db_list_leases(gvr_db_t *db, const char *job, int64_t uid,
                                uint32_t offset, uint32_t limit,
                                gvr_lease_t **leases_p, uint32_t *n_p,
                                int *more_p);
gvc_status_t gvr_db_status(gvr_db_t *db, gvr_status_rep_t *status_p);

/* Record an event (a refusal, typically) in the audit trail, in a
 * transaction of its own.  Best effort: a failure is only logged. */
void gvr_db_audit_note(gvr_db_t *db, const gvr_actor_t *who,
                       const char *action, const char *object,
                       gvc_status_t result, const char *detail);

/* Count rows of the audit trail matching action ("" any); for tests and
 * gvctl.  -1 on error. */
long gvr_db_audit_count(gvr_db_t *db, const char *action);

#endif
