/*
 * gvr_db_lease.c - leases: read one back, allocate, release, check.
 */
#include "config.h"

#include "gvr_db_int.h"
#include "gvc_log.h"
#include "gvr_alloc.h"
#include "gvr_cred.h"

#include <inttypes.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void db_lease_row(sqlite3_stmt *s, gvr_lease_t *lease)
{
    lease->id = sqlite3_column_int64(s, 0);
    db_col_text(s, 1, lease->job, sizeof(lease->job));
    lease->uid = (uint32_t)sqlite3_column_int64(s, 2);
    db_col_text(s, 3, lease->user, sizeof(lease->user));
    if (gvr_lease_mode_parse((const char *)sqlite3_column_text(s, 4),
                             &lease->mode) != 0) {
        lease->mode = GVR_LEASE_EXCLUSIVE;
    }
    lease->mem_cap = (uint64_t)sqlite3_column_int64(s, 5);
    lease->created_ms = sqlite3_column_int64(s, 6);
    lease->expires_ms = sqlite3_column_int64(s, 7);
}

gvc_status_t db_lease_gpus(gvr_db_t *db, gvr_lease_t *lease)
{
    gvr_lease_gpu_t *gpus, *grown;
    uint32_t n = 0;
    sqlite3_stmt *s;
    int rc;

    s = db_prepare(db, "SELECT g.node, n.host, n.port, g.idx, g.uuid"
                   " FROM lease_gpus lg JOIN gpus g ON g.uuid = lg.gpu"
                   " JOIN nodes n ON n.name = g.node"
                   " WHERE lg.lease = ? ORDER BY lg.pos", NULL, 0);
    if (s == NULL) {
        return GVC_ERR_IO;
    }
    gpus = NULL;
    sqlite3_bind_int64(s, 1, lease->id);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && n < GVR_MAX_LEASE_GPUS) {
        grown = realloc(gpus, (n + 1) * sizeof(*gpus));
        if (grown == NULL) {
            free(gpus);
            sqlite3_finalize(s);
            return GVC_ERR_NOMEM;
        }
        gpus = grown;
        memset(&gpus[n], 0, sizeof(gpus[n]));
        db_col_text(s, 0, gpus[n].node, sizeof(gpus[n].node));
        db_col_text(s, 1, gpus[n].host, sizeof(gpus[n].host));
        gpus[n].port = (uint32_t)sqlite3_column_int64(s, 2);
        gpus[n].index = (uint32_t)sqlite3_column_int64(s, 3);
        db_col_text(s, 4, gpus[n].uuid, sizeof(gpus[n].uuid));
        n++;
    }
    sqlite3_finalize(s);
    free(lease->gpus);
    lease->gpus = gpus;
    lease->n_gpus = n;
    return GVC_OK;
}

gvc_status_t db_lease_read(gvr_db_t *db, const char *job,
                               gvr_lease_rep_t *rep)
{
    const unsigned char *cred;
    sqlite3_stmt *s;
    gvc_status_t st = GVC_ERR_NOT_FOUND;

    memset(rep, 0, sizeof(*rep));
    s = db_prepare(db, "SELECT " DB_LEASE_COLS ", credential FROM leases"
                   " WHERE job = ?", NULL, 0);
    if (s == NULL) {
        return GVC_ERR_IO;
    }
    sqlite3_bind_text(s, 1, job, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW) {
        db_lease_row(s, &rep->lease);
        cred = sqlite3_column_text(s, 8);
        rep->credential = strdup(cred != NULL ? (const char *)cred : "");
        st = rep->credential != NULL ? GVC_OK : GVC_ERR_NOMEM;
    }
    sqlite3_finalize(s);
    if (st == GVC_OK) {
        st = db_lease_gpus(db, &rep->lease);
    }
    if (st == GVC_OK && gvr_lease_servers(&rep->lease, &rep->servers) != 0) {
        st = GVC_ERR_NOMEM;
    }
    if (st != GVC_OK) {
        gvr_lease_rep_free(rep);
    }
    return st;
}

gvc_status_t gvr_db_lease_get(gvr_db_t *db, const char *job, int64_t now_ms,
                              gvr_lease_rep_t *rep_p, char *err,
                              size_t errlen)
{
    gvc_status_t st;

    st = db_begin_read(db);
    if (st != GVC_OK) {
        return db_fail(db, "begin", err, errlen);
    }
    st = db_lease_read(db, job, rep_p);
    db_rollback(db);
    if (st == GVC_OK && rep_p->lease.expires_ms <= now_ms) {
        gvr_lease_rep_free(rep_p);
        st = GVC_ERR_NOT_FOUND;
    }
    if (st == GVC_ERR_NOT_FOUND) {
        snprintf(err, errlen, "job %s has no active lease", job);
    } else if (st != GVC_OK) {
        snprintf(err, errlen, "cannot read the lease of job %s: %s", job,
                 gvc_status_str(st));
    }
    return st;
}

gvc_status_t gvr_db_lease_check(gvr_db_t *db, const char *job,
                                const char *credential,
                                const char *gpu_uuid, uint32_t uid,
                                int64_t now_ms, gvr_lease_info_t *info_p,
                                char *err, size_t errlen)
{
    gvr_lease_rep_t rep;
    gvc_status_t st;
    uint32_t i;

    st = gvr_db_lease_get(db, job, now_ms, &rep, err, errlen);
    if (st == GVC_ERR_NOT_FOUND) {
        snprintf(err, errlen, "job %s has no active lease (released or "
                 "expired)", job);
        return GVC_ERR_DENIED;
    }
    if (st != GVC_OK) {
        return st;
    }
    st = GVC_ERR_DENIED;
    /* Only the credential issued for this lease: an old one of an
     * earlier lease of the same job id does not count. */
    if (strlen(credential) != strlen(rep.credential) ||
        CRYPTO_memcmp(credential, rep.credential, strlen(credential)) != 0) {
        snprintf(err, errlen, "lease credential does not match the active "
                 "lease of job %s", job);
        goto out;
    }
    if (rep.lease.uid != uid) {
        snprintf(err, errlen, "lease of job %s belongs to uid %u; the client "
                 "is uid %u", job, (unsigned)rep.lease.uid, (unsigned)uid);
        goto out;
    }
    for (i = 0; i < rep.lease.n_gpus; i++) {
        if (strcmp(rep.lease.gpus[i].uuid, gpu_uuid) == 0) {
            break;
        }
    }
    if (i == rep.lease.n_gpus) {
        snprintf(err, errlen, "GPU %s is not leased to job %s", gpu_uuid,
                 job);
        goto out;
    }
    info_p->lease_id = rep.lease.id;
    gvr_strlcpy(info_p->job, rep.lease.job, sizeof(info_p->job));
    info_p->uid = rep.lease.uid;
    info_p->mode = rep.lease.mode;
    info_p->mem_cap = rep.lease.mem_cap;
    info_p->expires_ms = rep.lease.expires_ms;
    st = GVC_OK;
out:
    gvr_lease_rep_free(&rep);
    return st;
}

gvc_status_t gvr_db_release(gvr_db_t *db, const gvr_actor_t *who,
                            const char *job, uint32_t *n_gpus_p, char *err,
                            size_t errlen)
{
    gvr_lease_rep_t rep;
    sqlite3_stmt *s;
    gvc_status_t st;
    char detail[64];
    int rc;

    st = db_begin_write(db, err, errlen);
    if (st != GVC_OK) {
        return st;
    }
    st = db_lease_read(db, job, &rep);
    if (st != GVC_OK) {
        db_rollback(db);
        snprintf(err, errlen, "job %s has no lease", job);
        return st;
    }
    s = db_prepare(db, "DELETE FROM leases WHERE id = ?", err, errlen);
    rc = SQLITE_ERROR;
    if (s != NULL) {
        sqlite3_bind_int64(s, 1, rep.lease.id);
        rc = sqlite3_step(s);
        sqlite3_finalize(s);
    }
    snprintf(detail, sizeof(detail), "%u GPUs, uid %u", rep.lease.n_gpus,
             (unsigned)rep.lease.uid);
    st = rc == SQLITE_DONE ? db_audit(db, who, "release", job, GVC_OK, detail)
                           : db_fail(db, "release", err, errlen);
    if (st == GVC_OK) {
        /* GPUs their gvd no longer reports were kept for this lease. */
        st = db_exec(db, "DELETE FROM gpus WHERE present = 0 AND uuid NOT IN"
                     " (SELECT gpu FROM lease_gpus)", err, errlen);
    }
    if (st != GVC_OK) {
        db_rollback(db);
        gvr_lease_rep_free(&rep);
        return st;
    }
    *n_gpus_p = rep.lease.n_gpus;
    gvr_lease_rep_free(&rep);
    return db_commit(db, err, errlen);
}
