/*
 * gvr_conn.c - one registry connection: HELLO, AUTH, then a loop of
 * request -> checks -> handler -> reply.
 *
 * Everything from the peer is suspect.  Framing errors (bad magic, wrong
 * wire version, a message over GVC_CTL_MAX_ARGS, a stall mid-message)
 * get an error reply when possible and end the connection, since the
 * stream can no longer be trusted; a well-framed request with bad
 * arguments gets an error reply and the connection goes on.  Nothing a
 * peer sends can stop the daemon.
 */
#include "config.h"

#include "gvr_server_int.h"
#include "gvc_log.h"
#include "gvr_msgio.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void gvr_conn_actor(const gvr_conn_t *c, gvr_actor_t *who_p)
{
    who_p->uid = c->uid;
    who_p->peer = c->peer;
    who_p->now_ms = gvr_now_ms();
}

void gvr_conn_finish(gvr_conn_t *c)
{
    gvr_server_t *srv = c->srv;
    gvr_conn_t **pp;

    pthread_mutex_lock(&srv->lock);
    for (pp = &srv->conns; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == c) {
            *pp = c->next;
            break;
        }
    }
    srv->n_conns--;
    pthread_cond_broadcast(&srv->cond);
    pthread_mutex_unlock(&srv->lock);
    close(c->fd);
    gvr_db_close(c->db);
    free(c);
}

static gvc_status_t conn_hello(gvr_conn_t *c)
{
    gvr_hello_t h;

    memset(&h, 0, sizeof(h));
    h.proto = GVR_PROTO_VERSION;
    h.auth = c->srv->auth;
    snprintf(h.server, sizeof(h.server), "gvregistryd %s", PACKAGE_VERSION);
    if (gvr_random(c->nonce, sizeof(c->nonce)) != GVC_OK) {
        return GVC_ERR_INTERNAL;
    }
    memcpy(h.nonce, c->nonce, sizeof(h.nonce));
    return gvr_msg_send(c->fd, GVR_MSG_HELLO, GVC_WF_EVENT, 0,
                        gvr_msg_find(GVR_MSG_HELLO)->req, &h);
}

static int conn_has(const uid_t *uids, size_t n, uint32_t uid)
{
    for (size_t i = 0; i < n; i++) {
        if ((uint32_t)uids[i] == uid) {
            return 1;
        }
    }
    return 0;
}

/* After a good credential: who is this and what may they do? */
static void conn_grant(gvr_conn_t *c, uint32_t uid)
{
    struct passwd pw, *res = NULL;
    char buf[4096];

    c->authed = 1;
    c->uid = uid;
    c->roles = GVR_ROLE_USER;
    if (conn_has(c->srv->node_users, c->srv->n_node_users, uid)) {
        c->roles |= GVR_ROLE_NODE;
    }
    if (conn_has(c->srv->admins, c->srv->n_admins, uid)) {
        c->roles |= GVR_ROLE_ADMIN;
    }
    if (getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &res) == 0 &&
        res != NULL) {
        gvr_strlcpy(c->user, pw.pw_name, sizeof(c->user));
    } else {
        snprintf(c->user, sizeof(c->user), "uid%u", (unsigned)uid);
    }
    snprintf(buf, sizeof(buf), "%s %s", c->user, c->peer);
    gvc_log_set_context(buf);
}

/* Handle AUTH; returns 0 to go on, -1 to end the connection. */
static int conn_auth(gvr_conn_t *c, const void *args, size_t len)
{
    const gvr_msg_desc_t *d = gvr_msg_find(GVR_MSG_AUTH);
    gvr_auth_req_t req;
    gvr_auth_rep_t rep;
    gvr_actor_t who;
    char err[GVR_ERRMSG_MAX];
    uint32_t uid = 0;
    gvc_status_t st;

    st = gvr_unpack(d->req, args, len, &req);
    if (st != GVC_OK) {
        snprintf(err, sizeof(err), "malformed auth request (%s)",
                 gvc_status_str(st));
        st = GVC_ERR_PROTO;
    } else {
        st = gvr_auth_check(c->srv->auth, &c->srv->secret,
                            c->srv->cfg->munge_socket, c->nonce, req.mode,
                            req.uid, req.cred, &uid, err, sizeof(err));
        gvr_unpack_free(d->req, &req);
    }
    if (st != GVC_OK) {
        gvc_warn("%s: authentication refused: %s", c->peer, err);
        gvr_conn_actor(c, &who);
        who.uid = req.uid;
        gvr_db_audit_note(c->db, &who, "auth", "", st, err);
        gvr_msg_send_error(c->fd, GVR_MSG_AUTH, st, err);
        return -1;
    }
    conn_grant(c, uid);
    memset(&rep, 0, sizeof(rep));
    rep.uid = uid;
    rep.roles = c->roles;
    gvr_strlcpy(rep.user, c->user, sizeof(rep.user));
    gvc_debug("authenticated (roles 0x%x)", c->roles);
    return gvr_msg_send(c->fd, GVR_MSG_AUTH, GVC_WF_REPLY, 0, d->rep,
                        &rep) == GVC_OK ? 0 : -1;
}

static const char *conn_role_names(uint32_t roles)
{
    if (roles & GVR_ROLE_USER) {
        return "any user";
    }
    if (roles == GVR_ROLE_ADMIN) {
        return "an admin ([registryd] admins)";
    }
    return "a gvd node user or an admin ([registryd] node_users, admins)";
}

/* Run an authenticated, permitted request and send its reply. */
static int conn_call(gvr_conn_t *c, const gvr_msg_desc_t *d,
                     const void *args, size_t len)
{
    char err[GVR_ERRMSG_MAX] = "";
    void *req, *rep;
    gvc_status_t st;
    int r = 0;

    req = calloc(1, d->req->size);
    rep = calloc(1, d->rep->size);
    if (req == NULL || rep == NULL) {
        free(req);
        free(rep);
        return gvr_msg_send_error(c->fd, d->id, GVC_ERR_NOMEM, NULL) == GVC_OK
                   ? 0 : -1;
    }
    st = gvr_unpack(d->req, args, len, req);
    if (st != GVC_OK) {
        snprintf(err, sizeof(err), "malformed %s request: %s", d->name,
                 gvc_status_str(st));
        gvc_warn("%s", err);
        st = GVC_ERR_PROTO;
    } else {
        st = gvr_handler_for(d->id)(c, req, rep, err, sizeof(err));
        gvr_unpack_free(d->req, req);
    }
    if (st == GVC_OK) {
        st = gvr_msg_send(c->fd, d->id, GVC_WF_REPLY, 0, d->rep, rep);
        r = st == GVC_OK ? 0 : -1;
    } else {
        gvc_debug("%s: %s", d->name, err);
        r = gvr_msg_send_error(c->fd, d->id, st, err) == GVC_OK ? 0 : -1;
    }
    gvr_unpack_free(d->rep, rep);
    free(req);
    free(rep);
    return r;
}

/* Route one well-framed message; returns 0 to go on, -1 to end. */
static int conn_dispatch(gvr_conn_t *c, const gvc_wire_hdr_t *hdr,
                         const void *args, size_t len)
{
    const gvr_msg_desc_t *d = gvr_msg_find(hdr->api_id);
    char why[GVR_ERRMSG_MAX];
    gvr_actor_t who;

    if (d == NULL ||
        (gvr_handler_for(hdr->api_id) == NULL && d->id != GVR_MSG_AUTH)) {
        snprintf(why, sizeof(why), "unknown request 0x%08x",
                 (unsigned)hdr->api_id);
        return gvr_msg_send_error(c->fd, hdr->api_id, GVC_ERR_NOT_SUPPORTED,
                                  why) == GVC_OK ? 0 : -1;
    }
    if (hdr->flags & (GVC_WF_REPLY | GVC_WF_ONEWAY | GVC_WF_PART |
                      GVC_WF_ARGS_IN_DATA)) {
        gvr_msg_send_error(c->fd, hdr->api_id, GVC_ERR_PROTO,
                           "unexpected message flags");
        return -1;
    }
    if (!c->authed) {
        if (d->id == GVR_MSG_AUTH) {
            return conn_auth(c, args, len);
        }
        gvr_msg_send_error(c->fd, hdr->api_id, GVC_ERR_DENIED,
                           "not authenticated: answer HELLO with AUTH first");
        return -1;
    }
    if (d->roles == 0) {
        return gvr_msg_send_error(c->fd, d->id, GVC_ERR_PROTO,
                                  "already authenticated") == GVC_OK ? 0
                                                                     : -1;
    }
    if ((d->roles & c->roles) == 0) {
        snprintf(why, sizeof(why), "%s (uid %u) may not %s: that needs %s",
                 c->user, (unsigned)c->uid, d->name,
                 conn_role_names(d->roles));
        gvc_warn("refused: %s", why);
        gvr_conn_actor(c, &who);
        gvr_db_audit_note(c->db, &who, d->name, "", GVC_ERR_DENIED, why);
        return gvr_msg_send_error(c->fd, d->id, GVC_ERR_DENIED, why) ==
                       GVC_OK ? 0 : -1;
    }
    return conn_call(c, d, args, len);
}

/* A framing error: say what was wrong if the socket still works. */
static void conn_bad_frame(gvr_conn_t *c, gvc_status_t st,
                           const gvc_wire_hdr_t *hdr)
{
    char why[160];

    if (st == GVC_ERR_VERSION) {
        snprintf(why, sizeof(why), "wire protocol version %u; this registry "
                 "speaks %u", hdr->version, GVC_WIRE_VERSION);
    } else {
        snprintf(why, sizeof(why), "bad message (%s): closing",
                 gvc_status_str(st));
    }
    gvc_warn("%s: %s", c->peer, why);
    gvr_msg_send_error(c->fd, hdr->api_id, st, why);
}

static void conn_loop(gvr_conn_t *c)
{
    gvc_wire_hdr_t hdr;
    uint8_t *args;
    size_t len;
    gvc_status_t st;
    int r;

    for (;;) {
        memset(&hdr, 0, sizeof(hdr));
        st = gvr_msg_recv(c->fd, c->srv->cfg->client_timeout_ms, &hdr, &args,
                          &len);
        if (st == GVC_ERR_PEER_DOWN || st == GVC_ERR_IO) {
            return;
        }
        if (st == GVC_ERR_TIMEOUT) {
            gvc_debug("%s: idle for client_timeout; closing", c->peer);
            return;
        }
        if (st != GVC_OK) {
            conn_bad_frame(c, st, &hdr);
            return;
        }
        r = conn_dispatch(c, &hdr, args, len);
        free(args);
        if (r != 0) {
            return;
        }
    }
}

void *gvr_conn_main(void *arg)
{
    gvr_conn_t *c = arg;
    char err[256];

    gvc_log_set_context(c->peer);
    if (gvr_db_open(c->srv->cfg->database, &c->srv->db_opts, &c->db, err,
                    sizeof(err)) != GVC_OK) {
        gvc_error("%s", err);
        gvr_msg_send_error(c->fd, GVR_MSG_HELLO, GVC_ERR_IO,
                           "registry database unavailable");
    } else if (conn_hello(c) == GVC_OK) {
        conn_loop(c);
    }
    /* The server may exit as soon as this connection is off its list. */
    gvr_crypto_thread_done();
    gvr_conn_finish(c);
    return NULL;
}
