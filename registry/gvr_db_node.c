/*
 * gvr_db_node.c - nodes and their GPUs: registration, heartbeats, static
 * nodes, drain/resume, and the sweep that marks silent nodes down and
 * expires forgotten leases.
 */
#include "config.h"

#include "gvr_db_int.h"
#include "gvc_log.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Upsert one GPU of node and mark it present. */
static gvc_status_t node_gpu_upsert(gvr_db_t *db, const char *node,
                                    const gvr_gpu_info_t *g, char *err,
                                    size_t errlen)
{
    sqlite3_stmt *s;
    int rc;

    s = db_prepare(db, "INSERT INTO gpus(uuid, node, idx, name, mem_bytes,"
                   " sm_count, numa_node, nic, present)"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)"
                   " ON CONFLICT(uuid) DO UPDATE SET node = excluded.node,"
                   " idx = excluded.idx, name = excluded.name,"
                   " mem_bytes = excluded.mem_bytes,"
                   " sm_count = excluded.sm_count,"
                   " numa_node = excluded.numa_node, nic = excluded.nic,"
                   " present = 1", err, errlen);
    if (s == NULL) {
        return GVC_ERR_IO;
    }
    sqlite3_bind_text(s, 1, g->uuid, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, node, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, g->index);
    sqlite3_bind_text(s, 4, g->name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)g->mem_bytes);
    sqlite3_bind_int64(s, 6, g->sm_count);
    sqlite3_bind_int64(s, 7, g->numa_node);
    sqlite3_bind_text(s, 8, g->nic, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? GVC_OK : db_fail(db, "gpu upsert", err,
                                                errlen);
}

/* Replace node's inventory with gpus[0..n).  GPUs it stopped reporting
 * become not present; those no lease holds are forgotten. */
static gvc_status_t node_set_gpus(gvr_db_t *db, const char *node,
                                  const gvr_gpu_info_t *gpus, uint32_t n,
                                  char *err, size_t errlen)
{
    sqlite3_stmt *s;
    gvc_status_t st = GVC_OK;
    int rc;

    s = db_prepare(db, "UPDATE gpus SET present = 0 WHERE node = ?", err,
                   errlen);
    if (s == NULL) {
        return GVC_ERR_IO;
    }
    sqlite3_bind_text(s, 1, node, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        return db_fail(db, "gpu update", err, errlen);
    }
    for (uint32_t i = 0; st == GVC_OK && i < n; i++) {
        st = node_gpu_upsert(db, node, &gpus[i], err, errlen);
    }
    if (st != GVC_OK) {
        return st;
    }
    return db_exec(db, "DELETE FROM gpus WHERE present = 0 AND uuid NOT IN"
                   " (SELECT gpu FROM lease_gpus)", err, errlen);
}

/* State of node, or -1 when unknown. */
static int node_state(gvr_db_t *db, const char *node)
{
    gvr_node_state_t state;
    sqlite3_stmt *s;
    int r = -1;

    s = db_prepare(db, "SELECT state FROM nodes WHERE name = ?", NULL, 0);
    if (s == NULL) {
        return -1;
    }
    sqlite3_bind_text(s, 1, node, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW &&
        gvr_node_state_parse((const char *)sqlite3_column_text(s, 0),
                             &state) == 0) {
        r = (int)state;
    }
    sqlite3_finalize(s);
    return r;
}

static gvc_status_t node_upsert_row(gvr_db_t *db, const gvr_actor_t *who,
                                    const gvr_node_req_t *req, int was,
                                    char *err, size_t errlen)
{
    sqlite3_stmt *s;
    int rc;

    s = db_prepare(db, "INSERT INTO nodes(name, host, port, nic, state,"
                   " last_heartbeat, registered) VALUES (?, ?, ?, ?, ?, ?, ?)"
                   " ON CONFLICT(name) DO UPDATE SET host = excluded.host,"
                   " port = excluded.port, nic = excluded.nic,"
                   " state = excluded.state,"
                   " reason = CASE WHEN excluded.state = 'up' THEN ''"
                   "  ELSE reason END,"
                   " last_heartbeat = excluded.last_heartbeat", err, errlen);
    if (s == NULL) {
        return GVC_ERR_IO;
    }
    sqlite3_bind_text(s, 1, req->node, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, req->host, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, req->port);
    sqlite3_bind_text(s, 4, req->nic, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, was == GVR_NODE_DRAINED ? "drained" : "up", -1,
                      SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, who->now_ms);
    sqlite3_bind_int64(s, 7, who->now_ms);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? GVC_OK : db_fail(db, "node upsert", err,
                                                errlen);
}

gvc_status_t gvr_db_node_update(gvr_db_t *db, const gvr_actor_t *who,
                                const gvr_node_req_t *req, int is_register,
                                gvr_node_state_t *state_p, char *err,
                                size_t errlen)
{
    char detail[GVR_HOST_MAX + 64];
    gvc_status_t st;
    int was;

    st = db_begin_write(db, err, errlen);
    if (st != GVC_OK) {
        return st;
    }
    was = node_state(db, req->node);
    st = node_upsert_row(db, who, req, was, err, errlen);
    if (st == GVC_OK) {
        st = node_set_gpus(db, req->node, req->gpus, req->n_gpus, err,
                           errlen);
    }
    /* Heartbeats are audited only when they change something. */
    if (st == GVC_OK && (is_register || was == GVR_NODE_DOWN || was < 0)) {
        snprintf(detail, sizeof(detail), "%s:%u, %u GPUs%s", req->host,
                 req->port, req->n_gpus,
                 was == GVR_NODE_DOWN ? ", was down" : "");
        st = db_audit(db, who, is_register ? "node-register" : "node-up",
                      req->node, GVC_OK, detail);
    }
    if (st != GVC_OK) {
        db_rollback(db);
        return st;
    }
    *state_p = was == GVR_NODE_DRAINED ? GVR_NODE_DRAINED : GVR_NODE_UP;
    return db_commit(db, err, errlen);
}

static gvc_status_t node_static_row(gvr_db_t *db, const gvr_actor_t *who,
                                    const gvr_static_node_t *n, char *err,
                                    size_t errlen)
{
    sqlite3_stmt *s;
    int rc;

    /* A static node without heartbeats is up by declaration; one with
     * heartbeats starts down until its gvd speaks. */
    s = db_prepare(db, "INSERT INTO nodes(name, host, port, nic, state,"
                   " is_static, needs_heartbeat, registered)"
                   " VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6, ?7)"
                   " ON CONFLICT(name) DO UPDATE SET host = ?2, port = ?3,"
                   " nic = ?4, is_static = 1, needs_heartbeat = ?6,"
                   " state = CASE WHEN state = 'drained' THEN 'drained'"
                   "  WHEN ?6 = 0 THEN 'up' ELSE state END", err, errlen);
    if (s == NULL) {
        return GVC_ERR_IO;
    }
    sqlite3_bind_text(s, 1, n->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, n->host, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, n->port);
    sqlite3_bind_text(s, 4, n->nic, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, n->heartbeat ? "down" : "up", -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 6, n->heartbeat ? 1 : 0);
    sqlite3_bind_int64(s, 7, who->now_ms);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? GVC_OK : db_fail(db, "static node", err,
                                                errlen);
}

gvc_status_t gvr_db_static_nodes(gvr_db_t *db, const gvr_actor_t *who,
                                 const gvr_static_node_t *nodes, size_t n,
                                 char *err, size_t errlen)
{
    gvc_status_t st;

    st = db_begin_write(db, err, errlen);
    if (st != GVC_OK) {
        return st;
    }
    /* Nodes dropped from registry.ini become ordinary (heartbeating)
     * ones: their gvd may still be alive and will keep them up. */
    st = db_exec(db, "UPDATE nodes SET is_static = 0, needs_heartbeat = 1"
                 " WHERE is_static = 1", err, errlen);
    for (size_t i = 0; st == GVC_OK && i < n; i++) {
        st = node_static_row(db, who, &nodes[i], err, errlen);
        if (st == GVC_OK) {
            st = node_set_gpus(db, nodes[i].name, nodes[i].gpus,
                               nodes[i].n_gpus, err, errlen);
        }
    }
    if (st == GVC_OK && n > 0) {
        st = db_audit(db, who, "static-nodes", "", GVC_OK, "registry.ini");
    }
    if (st != GVC_OK) {
        db_rollback(db);
        return st;
    }
    return db_commit(db, err, errlen);
}

/* On resume: up, unless a heartbeating node has been silent too. */
static gvc_status_t node_resume_state(gvr_db_t *db, const char *node,
                                      gvr_node_state_t *state_p)
{
    sqlite3_stmt *s;
    gvc_status_t st = GVC_ERR_IO;

    s = db_prepare(db, "SELECT needs_heartbeat, last_heartbeat FROM nodes"
                   " WHERE name = ?", NULL, 0);
    if (s == NULL) {
        return GVC_ERR_IO;
    }
    sqlite3_bind_text(s, 1, node, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW) {
        *state_p = sqlite3_column_int(s, 0) &&
                   sqlite3_column_int64(s, 1) == 0 ? GVR_NODE_DOWN
                                                   : GVR_NODE_UP;
        st = GVC_OK;
    }
    sqlite3_finalize(s);
    return st;
}

gvc_status_t gvr_db_node_set_state(gvr_db_t *db, const gvr_actor_t *who,
                                   const char *node, gvr_node_state_t state,
                                   const char *reason,
                                   gvr_node_state_t *state_p, char *err,
                                   size_t errlen)
{
    gvr_node_state_t now = state;
    sqlite3_stmt *s;
    gvc_status_t st;

    st = db_begin_write(db, err, errlen);
    if (st != GVC_OK) {
        return st;
    }
    if (node_state(db, node) < 0) {
        db_rollback(db);
        snprintf(err, errlen, "no node named '%s'", node);
        return GVC_ERR_NOT_FOUND;
    }
    if (state == GVR_NODE_UP) {
        st = node_resume_state(db, node, &now);
    }
    s = st == GVC_OK ? db_prepare(db, "UPDATE nodes SET state = ?,"
                                  " reason = ? WHERE name = ?", err, errlen)
                     : NULL;
    if (s != NULL) {
        sqlite3_bind_text(s, 1, gvr_node_state_name(now), -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, state == GVR_NODE_UP ? "" : reason, -1,
                          SQLITE_STATIC);
        sqlite3_bind_text(s, 3, node, -1, SQLITE_STATIC);
        st = sqlite3_step(s) == SQLITE_DONE ? GVC_OK : GVC_ERR_IO;
        sqlite3_finalize(s);
    } else {
        st = GVC_ERR_IO;
    }
    if (st == GVC_OK) {
        st = db_audit(db, who, state == GVR_NODE_UP ? "resume" : "drain",
                      node, GVC_OK, reason);
    }
    if (st != GVC_OK) {
        db_rollback(db);
        return db_fail(db, "set node state", err, errlen);
    }
    *state_p = now;
    return db_commit(db, err, errlen);
}

/* Audit each row of sql (job or node name in column 0) as action. */
static gvc_status_t sweep_audit(gvr_db_t *db, const gvr_actor_t *who,
                                const char *sql, int64_t bound,
                                const char *action, const char *detail,
                                uint32_t *n_p)
{
    sqlite3_stmt *s = db_prepare(db, sql, NULL, 0);
    gvc_status_t st = GVC_OK;
    char name[GVR_NAME_MAX];

    *n_p = 0;
    if (s == NULL) {
        return GVC_ERR_IO;
    }
    sqlite3_bind_int64(s, 1, bound);
    while (st == GVC_OK && sqlite3_step(s) == SQLITE_ROW) {
        db_col_text(s, 0, name, sizeof(name));
        st = db_audit(db, who, action, name, GVC_OK, detail);
        gvc_info("%s %s (%s)", action, name, detail);
        (*n_p)++;
    }
    sqlite3_finalize(s);
    return st;
}

static gvc_status_t sweep_apply(gvr_db_t *db, const char *sql, int64_t bound,
                                const char *text)
{
    sqlite3_stmt *s = db_prepare(db, sql, NULL, 0);
    int rc;

    if (s == NULL) {
        return GVC_ERR_IO;
    }
    sqlite3_bind_int64(s, 1, bound);
    if (text != NULL) {
        sqlite3_bind_text(s, 2, text, -1, SQLITE_STATIC);
    }
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? GVC_OK : GVC_ERR_IO;
}

gvc_status_t db_sweep_locked(gvr_db_t *db, const gvr_actor_t *who,
                             int64_t heartbeat_timeout_ms,
                             uint32_t *expired_p, uint32_t *downed_p)
{
    int64_t stale = who->now_ms - heartbeat_timeout_ms;
    char why[96];
    gvc_status_t st;

    *expired_p = 0;
    *downed_p = 0;
    snprintf(why, sizeof(why), "no heartbeat for %" PRId64 " ms",
             heartbeat_timeout_ms);
    st = sweep_audit(db, who, "SELECT job FROM leases WHERE expires <= ?",
                     who->now_ms, "expire", "lease time ran out", expired_p);
    if (st == GVC_OK && *expired_p > 0) {
        st = sweep_apply(db, "DELETE FROM leases WHERE expires <= ?",
                         who->now_ms, NULL);
    }
    if (st == GVC_OK && heartbeat_timeout_ms > 0) {
        st = sweep_audit(db, who, "SELECT name FROM nodes WHERE state = 'up'"
                         " AND needs_heartbeat = 1 AND last_heartbeat < ?",
                         stale, "node-down", why, downed_p);
    }
    if (st == GVC_OK && *downed_p > 0) {
        st = sweep_apply(db, "UPDATE nodes SET state = 'down', reason = ?2"
                         " WHERE state = 'up' AND needs_heartbeat = 1"
                         " AND last_heartbeat < ?1", stale, why);
    }
    return st;
}

gvc_status_t gvr_db_sweep(gvr_db_t *db, const gvr_actor_t *who,
                          int64_t heartbeat_timeout_ms, uint32_t *expired_p,
                          uint32_t *downed_p)
{
    uint32_t expired = 0, downed = 0;
    gvc_status_t st;

    st = db_begin_write(db, NULL, 0);
    if (st != GVC_OK) {
        return st;
    }
    st = db_sweep_locked(db, who, heartbeat_timeout_ms, &expired, &downed);
    if (st != GVC_OK) {
        db_rollback(db);
        return st;
    }
    st = db_commit(db, NULL, 0);
    if (expired_p != NULL) {
        *expired_p = expired;
    }
    if (downed_p != NULL) {
        *downed_p = downed;
    }
    return st;
}
