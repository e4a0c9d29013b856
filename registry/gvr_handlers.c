/*
 * gvr_handlers.c - one function per registry request.  Each gets an
 * unpacked, size-checked request from an authenticated peer whose role
 * allows the message (gvr_conn.c checked both), validates the values
 * themselves, and calls the database.
 */
#include "config.h"

#include "gvr_server_int.h"
#include "gvc_ctl.h"
#include "gvc_log.h"
#include "gvr_cred.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Replies must fit one control message; leave room for the header. */
#define PAGE_BUDGET (GVC_CTL_MAX_ARGS - 1024)

static gvc_status_t h_node_check(const gvr_node_req_t *r, char *err,
                                 size_t errlen)
{
    if (!gvr_ident_ok(r->node, GVR_NAME_MAX) || !gvr_host_ok(r->host) ||
        r->port == 0 || r->port > 65535 ||
        (r->nic[0] != '\0' && !gvr_ident_ok(r->nic, GVR_NIC_MAX))) {
        snprintf(err, errlen, "bad node record: name '%s', host '%s', port "
                 "%u, nic '%s'", r->node, r->host, r->port, r->nic);
        return GVC_ERR_INVALID;
    }
    for (uint32_t i = 0; i < r->n_gpus; i++) {
        const gvr_gpu_info_t *g = &r->gpus[i];
        if (!gvr_ident_ok(g->uuid, GVR_UUID_MAX) ||
            (g->nic[0] != '\0' && !gvr_ident_ok(g->nic, GVR_NIC_MAX))) {
            snprintf(err, errlen, "node %s: GPU %u has a bad UUID '%s' or "
                     "NIC '%s'", r->node, i, g->uuid, g->nic);
            return GVC_ERR_INVALID;
        }
        for (uint32_t j = 0; j < i; j++) {
            if (strcmp(r->gpus[j].uuid, g->uuid) == 0) {
                snprintf(err, errlen, "node %s: GPU UUID %s listed twice",
                         r->node, g->uuid);
                return GVC_ERR_INVALID;
            }
        }
    }
    return GVC_OK;
}

static gvc_status_t h_node(gvr_conn_t *c, const void *rq, void *rp,
                           char *err, size_t errlen, int is_register)
{
    const gvr_node_req_t *req = rq;
    gvr_node_rep_t *rep = rp;
    gvr_actor_t who;
    gvc_status_t st;

    st = h_node_check(req, err, errlen);
    if (st != GVC_OK) {
        return st;
    }
    gvr_conn_actor(c, &who);
    st = gvr_db_node_update(c->db, &who, req, is_register, &rep->state, err,
                            errlen);
    rep->heartbeat_timeout_ms = c->srv->cfg->heartbeat_timeout_ms;
    if (st == GVC_OK && is_register) {
        gvc_info("node %s registered: %s:%u, %u GPUs", req->node, req->host,
                 req->port, req->n_gpus);
    }
    return st;
}

static gvc_status_t h_register(gvr_conn_t *c, const void *rq, void *rp,
                               char *err, size_t errlen)
{
    return h_node(c, rq, rp, err, errlen, 1);
}

static gvc_status_t h_heartbeat(gvr_conn_t *c, const void *rq, void *rp,
                                char *err, size_t errlen)
{
    return h_node(c, rq, rp, err, errlen, 0);
}

static gvc_status_t h_set_state(gvr_conn_t *c, const void *rq, void *rp,
                                char *err, size_t errlen)
{
    const gvr_state_req_t *req = rq;
    gvr_state_rep_t *rep = rp;
    gvr_actor_t who;

    if (req->state == GVR_NODE_DOWN) {
        snprintf(err, errlen, "a node is marked down by missing heartbeats, "
                 "not by request: drain it instead");
        return GVC_ERR_INVALID;
    }
    gvr_conn_actor(c, &who);
    return gvr_db_node_set_state(c->db, &who, req->node, req->state,
                                 req->reason, &rep->state, err, errlen);
}

static gvc_status_t h_alloc(gvr_conn_t *c, const void *rq, void *rp,
                            char *err, size_t errlen)
{
    gvr_alloc_req_t req = *(const gvr_alloc_req_t *)rq;
    struct passwd pw, *res = NULL;
    char buf[4096];
    gvr_actor_t who;
    gvc_status_t st;

    /* The prolog knows the uid; the name is for people reading lists. */
    if (req.user[0] == '\0' &&
        getpwuid_r((uid_t)req.uid, &pw, buf, sizeof(buf), &res) == 0 &&
        res != NULL && gvr_ident_ok(pw.pw_name, sizeof(req.user))) {
        gvr_strlcpy(req.user, pw.pw_name, sizeof(req.user));
    }
    gvr_conn_actor(c, &who);
    st = gvr_db_alloc(c->db, &who, &req, &c->srv->policy, rp, err, errlen);
    if (st == GVC_OK) {
        gvc_info("job %s: leased %s", req.job,
                 ((gvr_lease_rep_t *)rp)->servers);
    }
    return st;
}

static gvc_status_t h_release(gvr_conn_t *c, const void *rq, void *rp,
                              char *err, size_t errlen)
{
    const gvr_job_req_t *req = rq;
    gvr_release_rep_t *rep = rp;
    gvr_actor_t who;
    gvc_status_t st;

    gvr_conn_actor(c, &who);
    st = gvr_db_release(c->db, &who, req->job, &rep->n_gpus, err, errlen);
    if (st == GVC_OK) {
        gvc_info("job %s: released %u GPUs", req->job, rep->n_gpus);
    }
    return st;
}

/* Trim a page of records so that the reply fits one message; the rest
 * comes with the next page.  Dropped records are freed with sub. */
static uint32_t h_fit(const gvr_layout_t *sub, void *items, uint32_t n,
                      size_t elem)
{
    size_t used = 64;
    uint32_t keep = 0;

    while (keep < n) {
        used += gvr_packed_size(sub, (char *)items + keep * elem);
        if (used > PAGE_BUDGET) {
            break;
        }
        keep++;
    }
    for (uint32_t i = keep; i < n; i++) {
        gvr_unpack_free(sub, (char *)items + i * elem);
    }
    return keep;
}

/* The element layout of a list reply (its ARRAY field). */
static const gvr_layout_t *h_elem_layout(gvr_msg_id_t id)
{
    const gvr_layout_t *l = gvr_msg_find(id)->rep;

    for (size_t i = 0; i < l->n_fields; i++) {
        if (l->fields[i].type == GVR_FT_ARRAY) {
            return l->fields[i].sub;
        }
    }
    return NULL;
}

/* The end of a list request: the page of n records from offset (more:
 * the database has others after them) trimmed to one message with the
 * reply's element layout; *next_p is where the next page starts (0: this
 * was the last).  Returns the records kept. */
static uint32_t h_page(gvr_msg_id_t id, void *items, size_t elem, uint32_t n,
                       int more, uint32_t offset, uint32_t *next_p)
{
    uint32_t got = h_fit(h_elem_layout(id), items, n, elem);

    *next_p = got < n || more ? offset + got : 0;
    return got;
}

static gvc_status_t h_list_failed(gvc_status_t st, const char *what,
                                  char *err, size_t errlen)
{
    snprintf(err, errlen, "cannot list %s: %s", what, gvc_status_str(st));
    return st;
}

static gvc_status_t h_list_nodes(gvr_conn_t *c, const void *rq, void *rp,
                                 char *err, size_t errlen)
{
    const gvr_list_req_t *req = rq;
    gvr_nodes_rep_t *rep = rp;
    uint32_t n;
    int more;
    gvc_status_t st;

    st = gvr_db_list_nodes(c->db, req->offset, 256, &rep->nodes, &n, &more);
    if (st != GVC_OK) {
        return h_list_failed(st, "nodes", err, errlen);
    }
    rep->n = h_page(GVR_MSG_LIST_NODES, rep->nodes, sizeof(*rep->nodes),
                    n, more, req->offset, &rep->next);
    return GVC_OK;
}

static gvc_status_t h_list_gpus(gvr_conn_t *c, const void *rq, void *rp,
                                char *err, size_t errlen)
{
    const gvr_list_req_t *req = rq;
    gvr_gpus_rep_t *rep = rp;
    uint32_t n;
    int more;
    gvc_status_t st;

    st = gvr_db_list_gpus(c->db, req->filter, req->offset, 512, &rep->gpus,
                          &n, &more);
    if (st != GVC_OK) {
        return h_list_failed(st, "GPUs", err, errlen);
    }
    rep->n = h_page(GVR_MSG_LIST_GPUS, rep->gpus, sizeof(*rep->gpus),
                    n, more, req->offset, &rep->next);
    return GVC_OK;
}

static gvc_status_t h_list_leases(gvr_conn_t *c, const void *rq, void *rp,
                                  char *err, size_t errlen)
{
    const gvr_list_req_t *req = rq;
    gvr_leases_rep_t *rep = rp;
    /* Users see their own leases; admins and gvd nodes see all. */
    int64_t uid = c->roles & (GVR_ROLE_ADMIN | GVR_ROLE_NODE)
                      ? -1 : (int64_t)c->uid;
    uint32_t n;
    int more;
    gvc_status_t st;

    st = gvr_db_list_leases(c->db, req->filter, uid, req->offset, 256,
                            &rep->leases, &n, &more);
    if (st != GVC_OK) {
        return h_list_failed(st, "leases", err, errlen);
    }
    rep->n = h_page(GVR_MSG_LIST_LEASES, rep->leases, sizeof(*rep->leases),
                    n, more, req->offset, &rep->next);
    return GVC_OK;
}

static gvc_status_t h_status(gvr_conn_t *c, const void *rq, void *rp,
                             char *err, size_t errlen)
{
    gvr_status_rep_t *rep = rp;
    gvc_status_t st;

    st = gvr_db_status(c->db, rep);
    if (st != GVC_OK) {
        snprintf(err, errlen, "cannot read status: %s", gvc_status_str(st));
        return st;
    }
    snprintf(rep->version, sizeof(rep->version), "gvregistryd %s",
             PACKAGE_VERSION);
    rep->now_ms = gvr_now_ms();
    rep->uptime_ms = rep->now_ms - c->srv->started_ms;
    pthread_mutex_lock(&c->srv->lock);
    rep->clients = c->srv->n_conns;
    pthread_mutex_unlock(&c->srv->lock);
    return GVC_OK;
}

static gvc_status_t h_job_servers(gvr_conn_t *c, const void *rq, void *rp,
                                  char *err, size_t errlen)
{
    const gvr_job_req_t *req = rq;
    gvr_lease_rep_t *rep = rp;
    gvr_actor_t who;
    gvc_status_t st;

    st = gvr_db_lease_get(c->db, req->job, gvr_now_ms(), rep, err, errlen);
    if (st != GVC_OK) {
        return st;
    }
    /* The credential is a bearer token: only its owner may read it. */
    if (rep->lease.uid != c->uid && !(c->roles & GVR_ROLE_ADMIN)) {
        snprintf(err, errlen, "the lease of job %s belongs to uid %u, not "
                 "to %s (uid %u)", req->job, (unsigned)rep->lease.uid,
                 c->user, (unsigned)c->uid);
        gvr_lease_rep_free(rep);
        gvr_conn_actor(c, &who);
        gvr_db_audit_note(c->db, &who, "job-servers", req->job,
                          GVC_ERR_DENIED, err);
        return GVC_ERR_DENIED;
    }
    return GVC_OK;
}

static gvc_status_t h_verify(gvr_conn_t *c, const void *rq, void *rp,
                             char *err, size_t errlen)
{
    const gvr_verify_req_t *req = rq;
    gvr_verify_rep_t *rep = rp;
    gvc_status_t st;

    st = gvr_db_lease_check(c->db, req->job, req->credential, req->gpu_uuid,
                            req->uid, gvr_now_ms(), &rep->info, err, errlen);
    if (st == GVC_ERR_DENIED) {
        gvc_info("lease check for job %s, uid %u, GPU %s: denied: %s",
                 req->job, (unsigned)req->uid, req->gpu_uuid, err);
    }
    return st;
}

static const struct {
    gvr_msg_id_t id;
    gvr_handler_fn fn;
} handlers[] = {
    { GVR_MSG_NODE_REGISTER, h_register },
    { GVR_MSG_NODE_HEARTBEAT, h_heartbeat },
    { GVR_MSG_NODE_SET_STATE, h_set_state },
    { GVR_MSG_ALLOC, h_alloc },
    { GVR_MSG_RELEASE, h_release },
    { GVR_MSG_LIST_NODES, h_list_nodes },
    { GVR_MSG_LIST_GPUS, h_list_gpus },
    { GVR_MSG_LIST_LEASES, h_list_leases },
    { GVR_MSG_STATUS, h_status },
    { GVR_MSG_JOB_SERVERS, h_job_servers },
    { GVR_MSG_LEASE_VERIFY, h_verify },
};

gvr_handler_fn gvr_handler_for(uint32_t id)
{
    for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
        if ((uint32_t)handlers[i].id == id) {
            return handlers[i].fn;
        }
    }
    return NULL;
}
