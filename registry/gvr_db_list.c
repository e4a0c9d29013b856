/*
 * gvr_db_list.c - read-only views: node, GPU and lease lists (paged) and
 * the registry-level status counters.
 */
#include "config.h"

#include "gvr_db_int.h"

#include <stdlib.h>
#include <string.h>

/* Grow *arr by one zeroed element of size elem; NULL when out of memory
 * (the array is left as it was). */
static void *list_grow(void **arr, uint32_t n, size_t elem)
{
    char *grown = realloc(*arr, ((size_t)n + 1) * elem);

    if (grown == NULL) {
        return NULL;
    }
    memset(grown + (size_t)n * elem, 0, elem);
    *arr = grown;
    return grown + (size_t)n * elem;
}

/* Read up to limit rows of s into *arr (elements of size elem, each
 * filled by row); *more_p is 1 when s has another after them.  On
 * failure *arr holds the *n_p rows read so far, for the caller to free. */
static gvc_status_t list_rows(sqlite3_stmt *s, uint32_t limit, size_t elem,
                              void (*row)(sqlite3_stmt *s, void *x),
                              void **arr, uint32_t *n_p, int *more_p)
{
    void *x;

    while (sqlite3_step(s) == SQLITE_ROW) {
        if (*n_p == limit) {
            *more_p = 1;
            break;
        }
        x = list_grow(arr, *n_p, elem);
        if (x == NULL) {
            return GVC_ERR_NOMEM;
        }
        row(s, x);
        (*n_p)++;
    }
    return GVC_OK;
}

static void list_node_row(sqlite3_stmt *s, void *p)
{
    gvr_node_info_t *x = p;

    db_col_text(s, 0, x->name, sizeof(x->name));
    db_col_text(s, 1, x->host, sizeof(x->host));
    x->port = (uint32_t)sqlite3_column_int64(s, 2);
    db_col_text(s, 3, x->nic, sizeof(x->nic));
    if (gvr_node_state_parse((const char *)sqlite3_column_text(s, 4),
                             &x->state) != 0) {
        x->state = GVR_NODE_DOWN;
    }
    x->is_static = (uint8_t)sqlite3_column_int(s, 5);
    x->last_heartbeat_ms = sqlite3_column_int64(s, 6);
    db_col_text(s, 7, x->reason, sizeof(x->reason));
    x->n_gpus = (uint32_t)sqlite3_column_int64(s, 8);
    x->n_free = (uint32_t)sqlite3_column_int64(s, 9);
}

gvc_status_t gvr_db_list_nodes(gvr_db_t *db, uint32_t offset,
                               uint32_t limit, gvr_node_info_t **nodes_p,
                               uint32_t *n_p, int *more_p)
{
    void *arr = NULL;
    sqlite3_stmt *s;
    gvc_status_t st;

    *nodes_p = NULL;
    *n_p = 0;
    *more_p = 0;
    s = db_prepare(db, "SELECT n.name, n.host, n.port, n.nic, n.state,"
                   " n.is_static, n.last_heartbeat, n.reason,"
                   " (SELECT COUNT(*) FROM gpus g WHERE g.node = n.name"
                   "   AND g.present = 1),"
                   " (SELECT COUNT(*) FROM gpus g WHERE g.node = n.name"
                   "   AND g.present = 1 AND NOT EXISTS (SELECT 1 FROM"
                   "   lease_gpus lg WHERE lg.gpu = g.uuid))"
                   " FROM nodes n ORDER BY n.name LIMIT ? OFFSET ?", NULL, 0);
    if (s == NULL) {
        return GVC_ERR_IO;
    }
    sqlite3_bind_int64(s, 1, (sqlite3_int64)limit + 1);
    sqlite3_bind_int64(s, 2, offset);
    st = list_rows(s, limit, sizeof(gvr_node_info_t), list_node_row, &arr, n_p,
                   more_p);
    sqlite3_finalize(s);
    if (st != GVC_OK) {
        free(arr);
        *n_p = 0;
        return st;
    }
    *nodes_p = arr;
    return GVC_OK;
}

static void list_gpu_row(sqlite3_stmt *s, void *p)
{
    gvr_gpu_row_t *x = p;

    db_col_text(s, 0, x->node, sizeof(x->node));
    x->gpu.index = (uint32_t)sqlite3_column_int64(s, 1);
    db_col_text(s, 2, x->gpu.uuid, sizeof(x->gpu.uuid));
    db_col_text(s, 3, x->gpu.name, sizeof(x->gpu.name));
    x->gpu.mem_bytes = (uint64_t)sqlite3_column_int64(s, 4);
    x->gpu.sm_count = (uint32_t)sqlite3_column_int64(s, 5);
    x->gpu.numa_node = (int32_t)sqlite3_column_int64(s, 6);
    db_col_text(s, 7, x->gpu.nic, sizeof(x->gpu.nic));
    x->present = (uint8_t)sqlite3_column_int(s, 8);
    x->n_leases = (uint32_t)sqlite3_column_int64(s, 9);
    x->exclusive = sqlite3_column_int64(s, 10) > 0;
    x->mem_leased = (uint64_t)sqlite3_column_int64(s, 11);
}

gvc_status_t gvr_db_list_gpus(gvr_db_t *db, const char *node,
                              uint32_t offset, uint32_t limit,
                              gvr_gpu_row_t **gpus_p, uint32_t *n_p,
                              int *more_p)
{
    void *arr = NULL;
    sqlite3_stmt *s;
    gvc_status_t st;

    *gpus_p = NULL;
    *n_p = 0;
    *more_p = 0;
    s = db_prepare(db, "SELECT g.node, g.idx, g.uuid, g.name, g.mem_bytes,"
                   " g.sm_count, g.numa_node, g.nic, g.present,"
                   " (SELECT COUNT(*) FROM lease_gpus lg WHERE lg.gpu = g.uuid),"
                   " (SELECT COUNT(*) FROM lease_gpus lg WHERE lg.gpu = g.uuid"
                   "   AND lg.exclusive = 1),"
                   " (SELECT COALESCE(SUM(lg.mem_cap), 0) FROM lease_gpus lg"
                   "   WHERE lg.gpu = g.uuid AND lg.exclusive = 0)"
                   " FROM gpus g WHERE (?1 = '' OR g.node = ?1)"
                   " ORDER BY g.node, g.idx LIMIT ?2 OFFSET ?3", NULL, 0);
    if (s == NULL) {
        return GVC_ERR_IO;
    }
    sqlite3_bind_text(s, 1, node ? node : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, (sqlite3_int64)limit + 1);
    sqlite3_bind_int64(s, 3, offset);
    st = list_rows(s, limit, sizeof(gvr_gpu_row_t), list_gpu_row, &arr, n_p,
                   more_p);
    sqlite3_finalize(s);
    if (st != GVC_OK) {
        free(arr);
        *n_p = 0;
        return st;
    }
    *gpus_p = arr;
    return GVC_OK;
}

static void list_lease_row(sqlite3_stmt *s, void *x)
{
    db_lease_row(s, x);
}

static gvc_status_t list_leases_rows(gvr_db_t *db, sqlite3_stmt *s,
                                     uint32_t limit, gvr_lease_t **arr,
                                     uint32_t *n_p, int *more_p)
{
    gvc_status_t st = list_rows(s, limit, sizeof(**arr), list_lease_row,
                                (void **)arr, n_p, more_p);

    if (st != GVC_OK) {
        return st;
    }
    for (uint32_t i = 0; i < *n_p; i++) {
        if (db_lease_gpus(db, &(*arr)[i]) != GVC_OK) {
            return GVC_ERR_NOMEM;
        }
    }
    return GVC_OK;
}

gvc_status_t gvr_db_list_leases(gvr_db_t *db, const char *job, int64_t uid,
                                uint32_t offset, uint32_t limit,
                                gvr_lease_t **leases_p, uint32_t *n_p,
                                int *more_p)
{
    gvr_lease_t *arr = NULL;
    sqlite3_stmt *s;
    gvc_status_t st;

    *leases_p = NULL;
    *n_p = 0;
    *more_p = 0;
    if (db_begin_read(db) != GVC_OK) {
        return GVC_ERR_IO;
    }
    s = db_prepare(db, "SELECT " DB_LEASE_COLS " FROM leases"
                   " WHERE (?1 = '' OR job = ?1) AND (?2 < 0 OR uid = ?2)"
                   " ORDER BY id LIMIT ?3 OFFSET ?4", NULL, 0);
    if (s == NULL) {
        db_rollback(db);
        return GVC_ERR_IO;
    }
    sqlite3_bind_text(s, 1, job ? job : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, uid);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)limit + 1);
    sqlite3_bind_int64(s, 4, offset);
    st = list_leases_rows(db, s, limit, &arr, n_p, more_p);
    sqlite3_finalize(s);
    db_rollback(db);
    if (st != GVC_OK) {
        gvr_lease_array_free(arr, *n_p);
        *n_p = 0;
        return st;
    }
    *leases_p = arr;
    return GVC_OK;
}

/* One integer from sql (no parameters); 0 on error. */
static uint32_t list_count(gvr_db_t *db, const char *sql)
{
    sqlite3_stmt *s = db_prepare(db, sql, NULL, 0);
    uint32_t n = 0;

    if (s != NULL && sqlite3_step(s) == SQLITE_ROW) {
        n = (uint32_t)sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    return n;
}

#define LIST_UNLEASED " AND NOT EXISTS (SELECT 1 FROM lease_gpus lg" \
                      " WHERE lg.gpu = g.uuid)"

gvc_status_t gvr_db_status(gvr_db_t *db, gvr_status_rep_t *status_p)
{
    gvr_status_rep_t *x = status_p;

    if (db_begin_read(db) != GVC_OK) {
        return GVC_ERR_IO;
    }
    x->nodes_up = list_count(db, "SELECT COUNT(*) FROM nodes"
                             " WHERE state = 'up'");
    x->nodes_down = list_count(db, "SELECT COUNT(*) FROM nodes"
                               " WHERE state = 'down'");
    x->nodes_drained = list_count(db, "SELECT COUNT(*) FROM nodes"
                                  " WHERE state = 'drained'");
    x->gpus_total = list_count(db, "SELECT COUNT(*) FROM gpus"
                               " WHERE present = 1");
    x->gpus_free = list_count(db, "SELECT COUNT(*) FROM gpus g JOIN nodes n"
                              " ON n.name = g.node WHERE g.present = 1 AND"
                              " n.state = 'up'" LIST_UNLEASED);
    x->gpus_unavailable = list_count(db, "SELECT COUNT(*) FROM gpus g JOIN"
                                     " nodes n ON n.name = g.node WHERE"
                                     " g.present = 1 AND n.state != 'up'"
                                     LIST_UNLEASED);
    x->gpus_exclusive = list_count(db, "SELECT COUNT(DISTINCT gpu) FROM"
                                   " lease_gpus WHERE exclusive = 1");
    x->gpus_shared = list_count(db, "SELECT COUNT(DISTINCT gpu) FROM"
                                " lease_gpus WHERE exclusive = 0");
    x->leases = list_count(db, "SELECT COUNT(*) FROM leases");
    db_rollback(db);
    return GVC_OK;
}
