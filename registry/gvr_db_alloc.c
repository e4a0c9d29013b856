/*
 * gvr_db_alloc.c - allocate a lease: validate the request, collect the
 * free GPUs, let gvr_alloc_plan() place it, write lease and credential,
 * all in one BEGIN IMMEDIATE transaction.
 */
#include "config.h"

#include "gvr_db_int.h"
#include "gvc_log.h"
#include "gvr_alloc.h"
#include "gvr_cred.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A free GPU as the candidate query returns it. */
typedef struct alloc_row {
    char uuid[GVR_UUID_MAX];
    char node[GVR_NAME_MAX];
    char host[GVR_HOST_MAX];
    uint32_t port;
    uint32_t index;
    int near;
    uint32_t load;
} alloc_row_t;

typedef struct alloc_ctx {
    const gvr_alloc_req_t *req;
    uint64_t mem_cap;        /* per GPU, after defaults */
    int64_t ttl_ms;
    alloc_row_t *rows;       /* owned */
    size_t n_rows;
} alloc_ctx_t;

static gvc_status_t alloc_validate(const gvr_alloc_req_t *req,
                                   const gvr_alloc_policy_t *pol,
                                   alloc_ctx_t *ctx, char *err,
                                   size_t errlen)
{
    if (!gvr_ident_ok(req->job, GVR_NAME_MAX)) {
        snprintf(err, errlen, "bad job id '%s' (letters, digits, ._:@+- "
                 "only)", req->job);
        return GVC_ERR_INVALID;
    }
    if (req->user[0] != '\0' && !gvr_ident_ok(req->user, GVR_NAME_MAX)) {
        snprintf(err, errlen, "bad user name '%s'", req->user);
        return GVC_ERR_INVALID;
    }
    if (req->count == 0 || req->count > GVR_MAX_LEASE_GPUS) {
        snprintf(err, errlen, "cannot lease %u GPUs (1..%d per job)",
                 req->count, GVR_MAX_LEASE_GPUS);
        return GVC_ERR_INVALID;
    }
    if (req->ttl_ms < 0 || req->ttl_ms > pol->max_ttl_ms) {
        snprintf(err, errlen, "lease time %" PRId64 " s is outside 0..%"
                 PRId64 " s (lease_max_ttl)", req->ttl_ms / 1000,
                 pol->max_ttl_ms / 1000);
        return GVC_ERR_INVALID;
    }
    ctx->req = req;
    ctx->ttl_ms = req->ttl_ms > 0 ? req->ttl_ms : pol->ttl_ms;
    ctx->mem_cap = req->mem_cap;
    if (req->mode == GVR_LEASE_SHARED && ctx->mem_cap == 0) {
        ctx->mem_cap = pol->shared_mem_default;
    }
    return GVC_OK;
}

/* Is this GPU usable for the request, given what already holds it? */
static int alloc_fits(const alloc_ctx_t *ctx, uint64_t mem, uint32_t nl,
                      uint32_t nx, uint64_t used)
{
    if (ctx->req->mode == GVR_LEASE_EXCLUSIVE) {
        return nl == 0 && (ctx->mem_cap == 0 || mem == 0 ||
                           ctx->mem_cap <= mem);
    }
    /* Shared: no exclusive holder, and the caps must fit in memory. */
    return nx == 0 && mem > 0 && used + ctx->mem_cap <= mem;
}

static gvc_status_t alloc_push(alloc_ctx_t *ctx, sqlite3_stmt *s)
{
    alloc_row_t *grown, *r;
    char gnic[GVR_NIC_MAX], nnic[GVR_NIC_MAX];

    grown = realloc(ctx->rows, (ctx->n_rows + 1) * sizeof(*grown));
    if (grown == NULL) {
        return GVC_ERR_NOMEM;
    }
    ctx->rows = grown;
    r = &ctx->rows[ctx->n_rows++];
    db_col_text(s, 0, r->uuid, sizeof(r->uuid));
    db_col_text(s, 1, r->node, sizeof(r->node));
    r->index = (uint32_t)sqlite3_column_int64(s, 2);
    db_col_text(s, 3, gnic, sizeof(gnic));
    db_col_text(s, 4, nnic, sizeof(nnic));
    db_col_text(s, 5, r->host, sizeof(r->host));
    r->port = (uint32_t)sqlite3_column_int64(s, 6);
    r->load = (uint32_t)sqlite3_column_int64(s, 8);
    /* Near: the GPU has a local NIC, and it is the one gvd serves on
     * (or gvd did not say which one it uses). */
    r->near = gnic[0] != '\0' && (nnic[0] == '\0' ||
                                  strcmp(gnic, nnic) == 0);
    return GVC_OK;
}

static gvc_status_t alloc_candidates(gvr_db_t *db, alloc_ctx_t *ctx,
                                     char *err, size_t errlen)
{
    sqlite3_stmt *s;
    gvc_status_t st = GVC_OK;
    int rc;

    s = db_prepare(db, "SELECT g.uuid, g.node, g.idx, g.nic, n.nic, n.host,"
                   " n.port, g.mem_bytes,"
                   " (SELECT COUNT(*) FROM lease_gpus lg WHERE lg.gpu = g.uuid),"
                   " (SELECT COUNT(*) FROM lease_gpus lg WHERE lg.gpu = g.uuid"
                   "   AND lg.exclusive = 1),"
                   " (SELECT COALESCE(SUM(lg.mem_cap), 0) FROM lease_gpus lg"
                   "   WHERE lg.gpu = g.uuid)"
                   " FROM gpus g JOIN nodes n ON n.name = g.node"
                   " WHERE n.state = 'up' AND g.present = 1"
                   " ORDER BY g.node, g.idx", err, errlen);
    if (s == NULL) {
        return GVC_ERR_IO;
    }
    while (st == GVC_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (alloc_fits(ctx, (uint64_t)sqlite3_column_int64(s, 7),
                       (uint32_t)sqlite3_column_int64(s, 8),
                       (uint32_t)sqlite3_column_int64(s, 9),
                       (uint64_t)sqlite3_column_int64(s, 10))) {
            st = alloc_push(ctx, s);
        }
    }
    sqlite3_finalize(s);
    return st;
}

static gvc_status_t alloc_insert_lease(gvr_db_t *db, const gvr_actor_t *who,
                                       const alloc_ctx_t *ctx,
                                       gvr_lease_t *lease, char *err,
                                       size_t errlen)
{
    const gvr_alloc_req_t *req = ctx->req;
    sqlite3_stmt *s;
    int rc;

    s = db_prepare(db, "INSERT INTO leases(job, uid, user, mode, mem_cap,"
                   " created, expires) VALUES (?, ?, ?, ?, ?, ?, ?)", err,
                   errlen);
    if (s == NULL) {
        return GVC_ERR_IO;
    }
    sqlite3_bind_text(s, 1, req->job, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, req->uid);
    sqlite3_bind_text(s, 3, req->user, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, gvr_lease_mode_name(req->mode), -1,
                      SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)ctx->mem_cap);
    sqlite3_bind_int64(s, 6, who->now_ms);
    sqlite3_bind_int64(s, 7, who->now_ms + ctx->ttl_ms);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        return db_fail(db, "insert lease", err, errlen);
    }
    lease->id = sqlite3_last_insert_rowid(db->h);
    gvr_strlcpy(lease->job, req->job, sizeof(lease->job));
    lease->uid = req->uid;
    gvr_strlcpy(lease->user, req->user, sizeof(lease->user));
    lease->mode = req->mode;
    lease->mem_cap = ctx->mem_cap;
    lease->created_ms = who->now_ms;
    lease->expires_ms = who->now_ms + ctx->ttl_ms;
    return GVC_OK;
}

static gvc_status_t alloc_insert_gpu(gvr_db_t *db, const alloc_ctx_t *ctx,
                                     int64_t lease, uint32_t pos,
                                     const alloc_row_t *r, char *err,
                                     size_t errlen)
{
    sqlite3_stmt *s;
    int rc;

    s = db_prepare(db, "INSERT INTO lease_gpus(lease, gpu, pos, exclusive,"
                   " mem_cap) VALUES (?, ?, ?, ?, ?)", err, errlen);
    if (s == NULL) {
        return GVC_ERR_IO;
    }
    sqlite3_bind_int64(s, 1, lease);
    sqlite3_bind_text(s, 2, r->uuid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 3, pos);
    sqlite3_bind_int(s, 4, ctx->req->mode == GVR_LEASE_EXCLUSIVE);
    sqlite3_bind_int64(s, 5, (sqlite3_int64)ctx->mem_cap);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE) {
        /* The unique index caught a double booking the checks missed. */
        gvc_error("lease of job %s: GPU %s: %s", ctx->req->job, r->uuid,
                  sqlite3_errmsg(db->h));
        db_fail(db, "insert lease GPU", err, errlen);
        return GVC_ERR_INTERNAL;
    }
    return GVC_OK;
}

static gvc_status_t alloc_store_cred(gvr_db_t *db, int64_t id,
                                     const char *cred, char *err,
                                     size_t errlen)
{
    sqlite3_stmt *s;
    int rc;

    s = db_prepare(db, "UPDATE leases SET credential = ? WHERE id = ?", err,
                   errlen);
    if (s == NULL) {
        return GVC_ERR_IO;
    }
    sqlite3_bind_text(s, 1, cred, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, id);
    rc = sqlite3_step(s);
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? GVC_OK : db_fail(db, "store credential", err,
                                                errlen);
}

/* Record the picked rows as the lease's GPUs, in placement order. */
static gvc_status_t alloc_write(gvr_db_t *db, const gvr_actor_t *who,
                                const alloc_ctx_t *ctx, const size_t *pick,
                                const gvr_alloc_policy_t *pol,
                                gvr_lease_rep_t *rep, char *err,
                                size_t errlen)
{
    gvr_lease_t *l = &rep->lease;
    gvc_status_t st;

    st = alloc_insert_lease(db, who, ctx, l, err, errlen);
    if (st != GVC_OK) {
        return st;
    }
    l->gpus = calloc(ctx->req->count, sizeof(*l->gpus));
    if (l->gpus == NULL) {
        return GVC_ERR_NOMEM;
    }
    for (uint32_t i = 0; i < ctx->req->count; i++) {
        const alloc_row_t *r = &ctx->rows[pick[i]];
        st = alloc_insert_gpu(db, ctx, l->id, i, r, err, errlen);
        if (st != GVC_OK) {
            return st;
        }
        gvr_strlcpy(l->gpus[i].node, r->node, sizeof(l->gpus[i].node));
        gvr_strlcpy(l->gpus[i].host, r->host, sizeof(l->gpus[i].host));
        gvr_strlcpy(l->gpus[i].uuid, r->uuid, sizeof(l->gpus[i].uuid));
        l->gpus[i].port = r->port;
        l->gpus[i].index = r->index;
        l->n_gpus = i + 1;
    }
    if (gvr_cred_make(pol->lease_key, l, &rep->credential) != GVC_OK ||
        gvr_lease_servers(l, &rep->servers) != 0) {
        snprintf(err, errlen, "cannot sign the lease credential");
        return GVC_ERR_INTERNAL;
    }
    return alloc_store_cred(db, l->id, rep->credential, err, errlen);
}

/* The job already holds a lease: the same request gets it back (the
 * prolog may run on every node of a job); anything else is refused. */
static gvc_status_t alloc_existing(gvr_db_t *db, const alloc_ctx_t *ctx,
                                   gvr_lease_rep_t *rep, char *err,
                                   size_t errlen)
{
    const gvr_alloc_req_t *req = ctx->req;
    gvr_lease_t *l = &rep->lease;

    if (l->uid != req->uid) {
        snprintf(err, errlen, "job %s already holds a lease owned by uid "
                 "%u", req->job, (unsigned)l->uid);
        return GVC_ERR_DENIED;
    }
    if (l->n_gpus != req->count || l->mode != req->mode ||
        l->mem_cap != ctx->mem_cap) {
        snprintf(err, errlen, "job %s already holds a different lease (%u "
                 "%s GPUs); release it first", req->job, l->n_gpus,
                 gvr_lease_mode_name(l->mode));
        return GVC_ERR_INVALID;
    }
    rep->existing = 1;
    return GVC_OK;
}

static void alloc_detail(const gvr_lease_rep_t *rep, char *buf, size_t len)
{
    snprintf(buf, len, "uid %u, %u %s GPUs, mem cap %" PRIu64 ": %.160s",
             (unsigned)rep->lease.uid, rep->lease.n_gpus,
             gvr_lease_mode_name(rep->lease.mode), rep->lease.mem_cap,
             rep->servers ? rep->servers : "");
}

static gvc_status_t alloc_plan_rows(const alloc_ctx_t *ctx, size_t *pick)
{
    gvr_cand_t *c;
    gvc_status_t st;

    if (ctx->n_rows < ctx->req->count) {
        return GVC_ERR_BUSY;
    }
    c = calloc(ctx->n_rows, sizeof(*c));
    if (c == NULL) {
        return GVC_ERR_NOMEM;
    }
    for (size_t i = 0; i < ctx->n_rows; i++) {
        c[i].node = ctx->rows[i].node;
        c[i].index = ctx->rows[i].index;
        c[i].near = ctx->rows[i].near;
        c[i].load = ctx->rows[i].load;
    }
    st = gvr_alloc_plan(c, ctx->n_rows, ctx->req->count, pick);
    free(c);
    return st;
}

/* The body of gvr_db_alloc, inside its transaction. */
static gvc_status_t alloc_locked(gvr_db_t *db, const gvr_actor_t *who,
                                 alloc_ctx_t *ctx,
                                 const gvr_alloc_policy_t *pol,
                                 gvr_lease_rep_t *rep, char *err,
                                 size_t errlen)
{
    uint32_t expired, downed;
    size_t *pick;
    gvc_status_t st;

    /* Expire and mark down first, so that stale state never decides. */
    st = db_sweep_locked(db, who, pol->heartbeat_timeout_ms, &expired,
                         &downed);
    if (st == GVC_OK) {
        st = db_lease_read(db, ctx->req->job, rep);
        if (st == GVC_OK) {
            return alloc_existing(db, ctx, rep, err, errlen);
        }
        st = st == GVC_ERR_NOT_FOUND ? GVC_OK : st;
    }
    if (st == GVC_OK) {
        st = alloc_candidates(db, ctx, err, errlen);
    }
    if (st != GVC_OK) {
        return st;
    }
    pick = calloc(ctx->req->count, sizeof(*pick));
    if (pick == NULL) {
        return GVC_ERR_NOMEM;
    }
    st = alloc_plan_rows(ctx, pick);
    if (st == GVC_ERR_BUSY) {
        snprintf(err, errlen, "cannot lease %u %s GPUs to job %s: only %zu "
                 "available", ctx->req->count,
                 gvr_lease_mode_name(ctx->req->mode), ctx->req->job,
                 ctx->n_rows);
    }
    if (st == GVC_OK) {
        st = alloc_write(db, who, ctx, pick, pol, rep, err, errlen);
    }
    free(pick);
    return st;
}

gvc_status_t gvr_db_alloc(gvr_db_t *db, const gvr_actor_t *who,
                          const gvr_alloc_req_t *req,
                          const gvr_alloc_policy_t *pol,
                          gvr_lease_rep_t *rep_p, char *err, size_t errlen)
{
    alloc_ctx_t ctx = { 0 };
    char detail[256];
    gvc_status_t st;

    memset(rep_p, 0, sizeof(*rep_p));
    st = alloc_validate(req, pol, &ctx, err, errlen);
    if (st == GVC_OK) {
        st = db_begin_write(db, err, errlen);
        if (st == GVC_OK) {
            st = alloc_locked(db, who, &ctx, pol, rep_p, err, errlen);
        }
        if (st == GVC_OK && !rep_p->existing) {
            alloc_detail(rep_p, detail, sizeof(detail));
            st = db_audit(db, who, "alloc", req->job, GVC_OK, detail);
        }
        if (st == GVC_OK) {
            st = db_commit(db, err, errlen);
        } else {
            db_rollback(db);
        }
    }
    free(ctx.rows);
    if (st != GVC_OK) {
        gvr_lease_rep_free(rep_p);
        /* Refusals are audited too, in a transaction of their own. */
        db_audit_tx(db, who, "alloc", req->job, st, err);
    }
    return st;
}
