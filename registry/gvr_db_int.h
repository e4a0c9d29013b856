/*
 * gvr_db_int.h - what the gvr_db_*.c files share: the connection record
 * and small SQLite helpers.  Not for use outside registry/.
 */
#ifndef GVR_DB_INT_H
#define GVR_DB_INT_H

#include "gvr_db.h"

#include <sqlite3.h>

struct gvr_db {
    sqlite3 *h;               /* owned */
    pthread_mutex_t *wlock;   /* not owned; NULL: none */
    int locked;               /* we hold wlock (inside a write tx) */
};

/* Write transaction: writer mutex, then BEGIN IMMEDIATE. */
gvc_status_t db_begin_write(gvr_db_t *db, char *err, size_t errlen);
/* Read transaction: a consistent snapshot, no write lock. */
gvc_status_t db_begin_read(gvr_db_t *db);
gvc_status_t db_commit(gvr_db_t *db, char *err, size_t errlen);
void db_rollback(gvr_db_t *db);

/* Prepare sql; NULL (and err filled) on failure. */
sqlite3_stmt *db_prepare(gvr_db_t *db, const char *sql, char *err,
                         size_t errlen);
/* Run sql that returns no rows. */
gvc_status_t db_exec(gvr_db_t *db, const char *sql, char *err,
                     size_t errlen);
/* Fill err with "what: sqlite's message" and return GVC_ERR_IO. */
gvc_status_t db_fail(gvr_db_t *db, const char *what, char *err,
                     size_t errlen);

/* Copy a text column into a fixed array ("" for NULL). */
void db_col_text(sqlite3_stmt *s, int col, char *dst, size_t cap);

/* Append an audit row inside the current transaction.  Failure to audit
 * fails the transaction: an unrecorded change is not made. */
gvc_status_t db_audit(gvr_db_t *db, const gvr_actor_t *who,
                      const char *action, const char *object,
                      gvc_status_t result, const char *detail);

/* Append an audit row in a write transaction of its own (for refusals,
 * whose own transaction was rolled back). */
void db_audit_tx(gvr_db_t *db, const gvr_actor_t *who, const char *action,
                 const char *object, gvc_status_t result,
                 const char *detail);

/* Read job's lease (whatever its expiry) with credential and servers,
 * inside the caller's transaction.  GVC_ERR_NOT_FOUND: none. */
gvc_status_t db_lease_read(gvr_db_t *db, const char *job,
                           gvr_lease_rep_t *rep);

/* Read a lease's GPUs (ordered by position) into lease->gpus. */
gvc_status_t db_lease_gpus(gvr_db_t *db, gvr_lease_t *lease);
/* Fill a lease record from a leases row selected as
 * id, job, uid, user, mode, mem_cap, created, expires. */
void db_lease_row(sqlite3_stmt *s, gvr_lease_t *lease);

/* Expire leases and mark silent nodes down, inside the caller's write
 * transaction (gvr_db_sweep's body; alloc runs it first too). */
gvc_status_t db_sweep_locked(gvr_db_t *db, const gvr_actor_t *who,
                             int64_t heartbeat_timeout_ms,
                             uint32_t *expired_p, uint32_t *downed_p);

#define DB_LEASE_COLS "id, job, uid, user, mode, mem_cap, created, expires"

#endif
