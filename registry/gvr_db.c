/*
 * gvr_db.c - open the registry database, create its schema, and the
 * transaction and audit helpers every gvr_db_*.c uses.
 */
#include "config.h"

#include "gvr_db_int.h"
#include "gvc_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const db_schema[] = {
    "CREATE TABLE IF NOT EXISTS meta("
    " key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS nodes("
    " name TEXT PRIMARY KEY,"
    " host TEXT NOT NULL,"
    " port INTEGER NOT NULL,"
    " nic TEXT NOT NULL DEFAULT '',"
    " state TEXT NOT NULL DEFAULT 'up'"
    "  CHECK (state IN ('up', 'down', 'drained')),"
    " reason TEXT NOT NULL DEFAULT '',"
    " is_static INTEGER NOT NULL DEFAULT 0,"
    " needs_heartbeat INTEGER NOT NULL DEFAULT 1,"
    " last_heartbeat INTEGER NOT NULL DEFAULT 0,"
    " registered INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS gpus("
    " uuid TEXT PRIMARY KEY,"
    " node TEXT NOT NULL REFERENCES nodes(name),"
    " idx INTEGER NOT NULL,"
    " name TEXT NOT NULL DEFAULT '',"
    " mem_bytes INTEGER NOT NULL DEFAULT 0,"
    " sm_count INTEGER NOT NULL DEFAULT 0,"
    " numa_node INTEGER NOT NULL DEFAULT -1,"
    " nic TEXT NOT NULL DEFAULT '',"
    " present INTEGER NOT NULL DEFAULT 1)",
    "CREATE INDEX IF NOT EXISTS gpus_node ON gpus(node, idx)",
    "CREATE TABLE IF NOT EXISTS leases("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " job TEXT NOT NULL UNIQUE,"
    " uid INTEGER NOT NULL,"
    " user TEXT NOT NULL DEFAULT '',"
    " mode TEXT NOT NULL CHECK (mode IN ('exclusive', 'shared')),"
    " mem_cap INTEGER NOT NULL DEFAULT 0,"
    " created INTEGER NOT NULL,"
    " expires INTEGER NOT NULL,"
    " credential TEXT NOT NULL DEFAULT '')",
    "CREATE INDEX IF NOT EXISTS leases_expires ON leases(expires)",
    "CREATE TABLE IF NOT EXISTS lease_gpus("
    " lease INTEGER NOT NULL REFERENCES leases(id) ON DELETE CASCADE,"
    " gpu TEXT NOT NULL REFERENCES gpus(uuid),"
    " pos INTEGER NOT NULL,"
    " exclusive INTEGER NOT NULL,"
    " mem_cap INTEGER NOT NULL DEFAULT 0,"
    " PRIMARY KEY (lease, gpu))",
    "CREATE INDEX IF NOT EXISTS lease_gpus_gpu ON lease_gpus(gpu)",
    /* The allocator never double-books; this index makes sure. */
    "CREATE UNIQUE INDEX IF NOT EXISTS lease_gpus_one_exclusive"
    " ON lease_gpus(gpu) WHERE exclusive = 1",
    "CREATE TABLE IF NOT EXISTS audit("
    " id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " ts INTEGER NOT NULL,"
    " uid INTEGER NOT NULL,"
    " peer TEXT NOT NULL DEFAULT '',"
    " action TEXT NOT NULL,"
    " object TEXT NOT NULL DEFAULT '',"
    " result TEXT NOT NULL,"
    " detail TEXT NOT NULL DEFAULT '')",
    "CREATE INDEX IF NOT EXISTS audit_ts ON audit(ts)",
};

gvc_status_t db_fail(gvr_db_t *db, const char *what, char *err,
                     size_t errlen)
{
    if (err != NULL) {
        snprintf(err, errlen, "database: %s: %s", what,
                 db->h ? sqlite3_errmsg(db->h) : "not open");
    }
    return GVC_ERR_IO;
}

sqlite3_stmt *db_prepare(gvr_db_t *db, const char *sql, char *err,
                         size_t errlen)
{
    sqlite3_stmt *s = NULL;

    if (sqlite3_prepare_v2(db->h, sql, -1, &s, NULL) != SQLITE_OK) {
        db_fail(db, "prepare", err, errlen);
        gvc_error("SQL prepare failed: %s: %s", sqlite3_errmsg(db->h), sql);
        sqlite3_finalize(s);
        return NULL;
    }
    return s;
}

gvc_status_t db_exec(gvr_db_t *db, const char *sql, char *err,
                     size_t errlen)
{
    char *msg = NULL;

    if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        if (err != NULL) {
            snprintf(err, errlen, "database: %s", msg ? msg : "failed");
        }
        sqlite3_free(msg);
        return GVC_ERR_IO;
    }
    return GVC_OK;
}

gvc_status_t db_begin_write(gvr_db_t *db, char *err, size_t errlen)
{
    gvc_status_t st;

    if (db->wlock != NULL) {
        pthread_mutex_lock(db->wlock);
        db->locked = 1;
    }
    st = db_exec(db, "BEGIN IMMEDIATE", err, errlen);
    if (st != GVC_OK && db->locked) {
        db->locked = 0;
        pthread_mutex_unlock(db->wlock);
    }
    return st;
}

gvc_status_t db_begin_read(gvr_db_t *db)
{
    return db_exec(db, "BEGIN", NULL, 0);
}

static void db_unlock(gvr_db_t *db)
{
    if (db->locked) {
        db->locked = 0;
        pthread_mutex_unlock(db->wlock);
    }
}

gvc_status_t db_commit(gvr_db_t *db, char *err, size_t errlen)
{
    gvc_status_t st = db_exec(db, "COMMIT", err, errlen);

    if (st != GVC_OK) {
        db_exec(db, "ROLLBACK", NULL, 0);
    }
    db_unlock(db);
    return st;
}

void db_rollback(gvr_db_t *db)
{
    if (!sqlite3_get_autocommit(db->h)) {
        db_exec(db, "ROLLBACK", NULL, 0);
    }
    db_unlock(db);
}

void db_col_text(sqlite3_stmt *s, int col, char *dst, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(s, col);

    gvr_strlcpy(dst, t != NULL ? (const char *)t : "", cap);
}

gvc_status_t db_audit(gvr_db_t *db, const gvr_actor_t *who,
                      const char *action, const char *object,
                      gvc_status_t result, const char *detail)
{
    sqlite3_stmt *s;
    int rc;

    s = db_prepare(db, "INSERT INTO audit(ts, uid, peer, action, object,"
                   " result, detail) VALUES (?, ?, ?, ?, ?, ?, ?)", NULL, 0);
    if (s == NULL) {
        return GVC_ERR_IO;
    }
    sqlite3_bind_int64(s, 1, who->now_ms);
    sqlite3_bind_int64(s, 2, who->uid);
    sqlite3_bind_text(s, 3, who->peer ? who->peer : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, object ? object : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, gvc_status_name(result), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 7, detail ? detail : "", -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? GVC_OK : GVC_ERR_IO;
}

void db_audit_tx(gvr_db_t *db, const gvr_actor_t *who, const char *action,
                 const char *object, gvc_status_t result,
                 const char *detail)
{
    if (db_begin_write(db, NULL, 0) != GVC_OK) {
        gvc_warn("audit: cannot record %s %s", action, object);
        return;
    }
    if (db_audit(db, who, action, object, result, detail) != GVC_OK) {
        gvc_warn("audit: cannot record %s %s", action, object);
        db_rollback(db);
        return;
    }
    db_commit(db, NULL, 0);
}

void gvr_db_audit_note(gvr_db_t *db, const gvr_actor_t *who,
                       const char *action, const char *object,
                       gvc_status_t result, const char *detail)
{
    db_audit_tx(db, who, action, object, result, detail);
}

long gvr_db_audit_count(gvr_db_t *db, const char *action)
{
    sqlite3_stmt *s;
    long n = -1;

    s = db_prepare(db, "SELECT COUNT(*) FROM audit WHERE ? = '' OR "
                   "action = ?", NULL, 0);
    if (s == NULL) {
        return -1;
    }
    sqlite3_bind_text(s, 1, action ? action : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, action ? action : "", -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW) {
        n = (long)sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    return n;
}

/* Read the schema version; 0 when the database is new. */
static long db_schema_version(gvr_db_t *db)
{
    sqlite3_stmt *s;
    long v = 0;

    s = db_prepare(db, "SELECT value FROM meta WHERE key = 'schema'", NULL,
                   0);
    if (s == NULL) {
        return -1;
    }
    if (sqlite3_step(s) == SQLITE_ROW) {
        v = atol((const char *)sqlite3_column_text(s, 0));
    }
    sqlite3_finalize(s);
    return v;
}

static gvc_status_t db_create_schema(gvr_db_t *db, char *err, size_t errlen)
{
    gvc_status_t st;
    char sql[128];
    long v;

    st = db_begin_write(db, err, errlen);
    for (size_t i = 0; st == GVC_OK && i < sizeof(db_schema) /
                                           sizeof(db_schema[0]); i++) {
        st = db_exec(db, db_schema[i], err, errlen);
    }
    if (st != GVC_OK) {
        db_rollback(db);
        return st;
    }
    v = db_schema_version(db);
    if (v != 0 && v != GVR_DB_SCHEMA_VERSION) {
        snprintf(err, errlen, "database has schema version %ld; this "
                 "gvregistryd uses %d", v, GVR_DB_SCHEMA_VERSION);
        db_rollback(db);
        return GVC_ERR_VERSION;
    }
    snprintf(sql, sizeof(sql), "INSERT OR IGNORE INTO meta(key, value) "
             "VALUES ('schema', '%d')", GVR_DB_SCHEMA_VERSION);
    st = db_exec(db, sql, err, errlen);
    if (st != GVC_OK) {
        db_rollback(db);
        return st;
    }
    return db_commit(db, err, errlen);
}

static gvc_status_t db_pragmas(gvr_db_t *db, const gvr_db_opts_t *o,
                               char *err, size_t errlen)
{
    gvc_status_t st;

    sqlite3_busy_timeout(db->h, o->busy_ms > 0 ? (int)o->busy_ms : 10000);
    /* WAL: readers never block the writer and a commit is one append;
     * the mode is stored in the file, so this only acts once. */
    st = db_exec(db, "PRAGMA journal_mode = WAL", err, errlen);
    if (st == GVC_OK) {
        st = db_exec(db, o->fsync ? "PRAGMA synchronous = FULL"
                                  : "PRAGMA synchronous = NORMAL", err,
                     errlen);
    }
    if (st == GVC_OK) {
        st = db_exec(db, "PRAGMA foreign_keys = ON", err, errlen);
    }
    return st;
}

gvc_status_t gvr_db_open(const char *path, const gvr_db_opts_t *opts,
                         gvr_db_t **db_p, char *err, size_t errlen)
{
    gvr_db_t *db;
    gvc_status_t st;

    *db_p = NULL;
    db = calloc(1, sizeof(*db));
    if (db == NULL) {
        snprintf(err, errlen, "out of memory");
        return GVC_ERR_NOMEM;
    }
    db->wlock = opts->wlock;
    if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE |
                        SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open database %s: %s", path,
                 db->h ? sqlite3_errmsg(db->h) : "out of memory");
        st = GVC_ERR_IO;
        goto err_close;
    }
    st = db_pragmas(db, opts, err, errlen);
    if (st == GVC_OK) {
        st = db_create_schema(db, err, errlen);
    }
    if (st != GVC_OK) {
        goto err_close;
    }
    *db_p = db;
    return GVC_OK;

err_close:
    gvr_db_close(db);
    return st;
}

void gvr_db_close(gvr_db_t *db)
{
    if (db != NULL) {
        sqlite3_close(db->h);
        free(db);
    }
}
