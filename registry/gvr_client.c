/*
 * gvr_client.c - the client handle: configuration, keys, one connection
 * with its HELLO/AUTH handshake, and the request/reply round trip every
 * call in gvr_client_ops.c goes through.
 */
#include "config.h"

#include "gvr_client.h"
#include "gvr_client_int.h"
#include "gvc_ctl.h"
#include "gvc_log.h"
#include "gvr_auth.h"
#include "gvr_msgio.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *dup_or_empty(const char *s)
{
    return strdup(s != NULL ? s : "");
}

static gvc_status_t client_copy_cfg(gvr_client_h cl,
                                    const gvr_client_config_t *cfg)
{
    gvr_client_config_t *c = &cl->cfg;

    *c = *cfg;
    c->address = dup_or_empty(cfg->address);
    c->auth = dup_or_empty(cfg->auth);
    c->secret_file = dup_or_empty(cfg->secret_file);
    c->lease_key_file = dup_or_empty(cfg->lease_key_file);
    c->munge_socket = dup_or_empty(cfg->munge_socket);
    if (c->address == NULL || c->auth == NULL || c->secret_file == NULL ||
        c->lease_key_file == NULL || c->munge_socket == NULL) {
        return GVC_ERR_NOMEM;
    }
    return GVC_OK;
}

static gvc_status_t client_load_keys(gvr_client_h cl, char *err,
                                     size_t errlen)
{
    gvc_status_t st;

    if (cl->mode == GVR_AUTH_SECRET) {
        st = gvr_key_load(cl->cfg.secret_file, &cl->secret, err, errlen);
        if (st != GVC_OK) {
            return st;
        }
    }
    if (cl->cfg.lease_key_file[0] != '\0') {
        st = gvr_key_load(cl->cfg.lease_key_file, &cl->lease_key, err,
                          errlen);
        if (st != GVC_OK) {
            return st;
        }
    }
    return GVC_OK;
}

gvc_status_t gvr_client_create(const gvr_client_config_t *cfg,
                               gvr_client_h *cl_p, char *err,
                               size_t errlen)
{
    gvr_client_h cl;
    gvc_status_t st;

    *cl_p = NULL;
    cl = calloc(1, sizeof(*cl));
    if (cl == NULL) {
        snprintf(err, errlen, "out of memory");
        return GVC_ERR_NOMEM;
    }
    cl->fd = -1;
    cl->uid = (uint32_t)geteuid();
    pthread_mutex_init(&cl->lock, NULL);
    st = client_copy_cfg(cl, cfg);
    if (st != GVC_OK) {
        snprintf(err, errlen, "out of memory");
        goto err_destroy;
    }
    if (gvr_auth_mode_parse(cl->cfg.auth, &cl->mode) != 0) {
        snprintf(err, errlen, "[registry] auth = '%s' is not munge, "
                 "secret or none", cl->cfg.auth);
        st = GVC_ERR_CONFIG;
        goto err_destroy;
    }
    st = client_load_keys(cl, err, errlen);
    if (st != GVC_OK) {
        goto err_destroy;
    }
    *cl_p = cl;
    return GVC_OK;

err_destroy:
    gvr_client_destroy(cl);
    return st;
}

void gvr_client_destroy(gvr_client_h cl)
{
    if (cl == NULL) {
        return;
    }
    if (cl->fd >= 0) {
        close(cl->fd);
    }
    gvr_key_clear(&cl->secret);
    gvr_key_clear(&cl->lease_key);
    free(cl->cfg.address);
    free(cl->cfg.auth);
    free(cl->cfg.secret_file);
    free(cl->cfg.lease_key_file);
    free(cl->cfg.munge_socket);
    pthread_mutex_destroy(&cl->lock);
    free(cl);
}

void gvr_client_set_uid(gvr_client_h cl, uint32_t uid)
{
    pthread_mutex_lock(&cl->lock);
    cl->uid = uid;
    if (cl->fd >= 0) {
        close(cl->fd); /* the next call authenticates as the new uid */
        cl->fd = -1;
    }
    pthread_mutex_unlock(&cl->lock);
}

/* Prefix err (already holding a reason) with the registry's address. */
static void client_where(gvr_client_h cl, char *err, size_t errlen,
                         const char *why)
{
    snprintf(err, errlen, "registry %s:%ld: %s", cl->cfg.address,
             cl->cfg.port, why);
}

static gvc_status_t client_reply(gvr_client_h cl, const gvr_msg_desc_t *d,
                                 const gvc_wire_hdr_t *hdr,
                                 const uint8_t *args, size_t len, void *rep,
                                 char *err, size_t errlen);

/* Wait for HELLO and check it is a registry speaking our protocol. */
static gvc_status_t client_hello(gvr_client_h cl, gvr_hello_t *hello,
                                 char *err, size_t errlen)
{
    gvc_wire_hdr_t hdr;
    uint8_t *args = NULL;
    size_t len = 0;
    gvc_status_t st;
    char why[256];

    st = gvr_msg_recv(cl->fd, cl->cfg.timeout_ms, &hdr, &args, &len);
    if (st == GVC_OK && hdr.api_id != GVR_MSG_HELLO) {
        st = GVC_ERR_PROTO;
    }
    if (st == GVC_OK && hdr.result < 0) {
        /* Refused before the greeting (busy, database down): say why. */
        st = client_reply(cl, gvr_msg_find(GVR_MSG_HELLO), &hdr, args, len,
                          hello, err, errlen);
        free(args);
        /* A full registry is, for this client, one it cannot reach. */
        return st == GVC_ERR_BUSY ? GVC_ERR_PEER_DOWN : st;
    }
    if (st == GVC_OK) {
        st = gvr_unpack(gvr_msg_find(GVR_MSG_HELLO)->req, args, len, hello);
    }
    free(args);
    if (st != GVC_OK) {
        snprintf(why, sizeof(why), "no registry greeting (%s): is this "
                 "the gvregistryd port?", gvc_status_str(st));
        client_where(cl, err, errlen, why);
        return st == GVC_ERR_TIMEOUT || st == GVC_ERR_PEER_DOWN ? st
                                                                : GVC_ERR_PROTO;
    }
    if (hello->proto != GVR_PROTO_VERSION) {
        snprintf(why, sizeof(why), "registry speaks protocol %u, this "
                 "client %u: upgrade the older side", hello->proto,
                 GVR_PROTO_VERSION);
        client_where(cl, err, errlen, why);
        return GVC_ERR_VERSION;
    }
    if (hello->auth != cl->mode) {
        snprintf(why, sizeof(why), "registry requires %s authentication; "
                 "this client is configured for %s ([registry] auth)",
                 gvr_auth_mode_name(hello->auth),
                 gvr_auth_mode_name(cl->mode));
        client_where(cl, err, errlen, why);
        return GVC_ERR_DENIED;
    }
    return GVC_OK;
}

static gvc_status_t client_auth(gvr_client_h cl, const gvr_hello_t *hello,
                                char *err, size_t errlen)
{
    gvr_auth_req_t req = { .mode = cl->mode, .uid = cl->uid };
    gvr_auth_rep_t rep;
    gvc_status_t st;
    char why[GVR_ERRMSG_MAX];

    st = gvr_auth_make(cl->mode, &cl->secret, cl->cfg.munge_socket,
                       hello->nonce, cl->uid, &req.cred, why, sizeof(why));
    if (st != GVC_OK) {
        client_where(cl, err, errlen, why);
        return st;
    }
    st = gvr_client_roundtrip(cl, GVR_MSG_AUTH, &req, &rep, err, errlen);
    free(req.cred);
    if (st == GVC_OK) {
        cl->roles = rep.roles;
        gvc_debug("registry %s:%ld: authenticated as uid %u (%s)",
                  cl->cfg.address, cl->cfg.port, rep.uid, rep.user);
    }
    return st;
}

/* Caller holds cl->lock. */
gvc_status_t gvr_client_connect_locked(gvr_client_h cl, char *err,
                                       size_t errlen)
{
    char why[256], *colon;
    gvr_hello_t hello;
    gvc_status_t st;

    if (cl->fd >= 0) {
        return GVC_OK;
    }
    if (cl->cfg.address[0] == '\0') {
        snprintf(err, errlen, "no registry configured ([registry] address "
                 "or GVIRTUS_REGISTRY_ADDRESS)");
        return GVC_ERR_CONFIG;
    }
    st = gvc_ctl_connect(cl->cfg.address, (int)cl->cfg.port,
                         cl->cfg.timeout_ms, &cl->fd, why, sizeof(why));
    if (st != GVC_OK) {
        /* gvc_ctl's text names gvd; keep only its cause. */
        colon = strrchr(why, ':');
        snprintf(err, errlen, "cannot connect to the registry at %s:%ld:%s",
                 cl->cfg.address, cl->cfg.port, colon ? colon + 1 : why);
        cl->fd = -1;
        return st == GVC_ERR_CONFIG ? GVC_ERR_PEER_DOWN : st;
    }
    st = client_hello(cl, &hello, err, errlen);
    if (st == GVC_OK) {
        st = client_auth(cl, &hello, err, errlen);
    }
    if (st != GVC_OK) {
        close(cl->fd);
        cl->fd = -1;
    }
    return st;
}

gvc_status_t gvr_client_connect(gvr_client_h cl, uint32_t *roles_p,
                                char *err, size_t errlen)
{
    gvc_status_t st;

    pthread_mutex_lock(&cl->lock);
    st = gvr_client_connect_locked(cl, err, errlen);
    if (st == GVC_OK && roles_p != NULL) {
        *roles_p = cl->roles;
    }
    pthread_mutex_unlock(&cl->lock);
    return st;
}

/* The registry's status travels in the header; refuse values we do not
 * know rather than hand them to callers. */
static gvc_status_t client_result(int64_t result)
{
    if (result > 0 || result <= GVC_ERR_LAST_) {
        return GVC_ERR_PROTO;
    }
    return (gvc_status_t)result;
}

static gvc_status_t client_reply(gvr_client_h cl, const gvr_msg_desc_t *d,
                                 const gvc_wire_hdr_t *hdr,
                                 const uint8_t *args, size_t len, void *rep,
                                 char *err, size_t errlen)
{
    gvr_error_t e;
    gvc_status_t st, res;

    if (hdr->api_id != (uint32_t)d->id || !(hdr->flags & GVC_WF_REPLY)) {
        client_where(cl, err, errlen, "reply does not match the request");
        return GVC_ERR_PROTO;
    }
    res = client_result(hdr->result);
    if (res == GVC_OK) {
        st = gvr_unpack(d->rep, args, len, rep);
        if (st != GVC_OK) {
            client_where(cl, err, errlen, "garbled reply");
        }
        return st;
    }
    if (gvr_unpack(&gvr_layout_error, args, len, &e) != GVC_OK) {
        snprintf(e.message, sizeof(e.message), "%s", gvc_status_str(res));
    }
    client_where(cl, err, errlen, e.message);
    return res;
}

/* One request and its reply on the open connection (lock held).  A
 * transport failure closes the connection: its state is unknown. */
gvc_status_t gvr_client_roundtrip(gvr_client_h cl, gvr_msg_id_t id,
                                  const void *req, void *rep, char *err,
                                  size_t errlen)
{
    const gvr_msg_desc_t *d = gvr_msg_find(id);
    gvc_wire_hdr_t hdr;
    uint8_t *args = NULL;
    size_t len = 0;
    gvc_status_t st;

    st = gvr_msg_send(cl->fd, id, 0, 0, d->req, req);
    if (st == GVC_ERR_INVALID || st == GVC_ERR_OVERFLOW) {
        snprintf(err, errlen, "%s request does not fit the protocol's "
                 "limits (a name too long?)", d->name);
        return GVC_ERR_INVALID;
    }
    if (st == GVC_OK) {
        st = gvr_msg_recv(cl->fd, cl->cfg.timeout_ms, &hdr, &args, &len);
    }
    if (st != GVC_OK) {
        client_where(cl, err, errlen, st == GVC_ERR_TIMEOUT
                     ? "no answer in time" : gvc_status_str(st));
        close(cl->fd);
        cl->fd = -1;
        return st;
    }
    st = client_reply(cl, d, &hdr, args, len, rep, err, errlen);
    free(args);
    return st;
}

static int client_retryable(gvc_status_t st)
{
    return st == GVC_ERR_PEER_DOWN || st == GVC_ERR_IO;
}

gvc_status_t gvr_client_call(gvr_client_h cl, gvr_msg_id_t id,
                             const void *req, void *rep, char *err,
                             size_t errlen)
{
    gvc_status_t st;
    int fresh;

    pthread_mutex_lock(&cl->lock);
    for (int attempt = 0;; attempt++) {
        fresh = cl->fd < 0;
        st = gvr_client_connect_locked(cl, err, errlen);
        if (st != GVC_OK) {
            break;
        }
        st = gvr_client_roundtrip(cl, id, req, rep, err, errlen);
        /* A kept connection may have died since its last use (registry
         * restarted): one retry on a fresh one. */
        if (!client_retryable(st) || fresh || attempt > 0) {
            break;
        }
    }
    pthread_mutex_unlock(&cl->lock);
    return st;
}
