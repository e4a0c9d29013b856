/*
 * gvr_client_ops.c - the typed calls of libgvrclient (gvr_client.h).
 */
#include "config.h"

#include "gvr_client.h"
#include "gvr_client_int.h"
#include "gvc_log.h"
#include "gvr_cred.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static gvc_status_t ops_node(gvr_client_h cl, gvr_msg_id_t id,
                             const char *node, const char *host, int port,
                             const char *nic, const gvr_gpu_info_t *gpus,
                             size_t n_gpus, gvr_node_state_t *state_p,
                             char *err, size_t errlen)
{
    gvr_node_req_t req;
    gvr_node_rep_t rep;
    gvc_status_t st;

    memset(&req, 0, sizeof(req));
    if (n_gpus > GVR_MAX_NODE_GPUS || port <= 0 || port > 65535 ||
        gvr_strlcpy(req.node, node, sizeof(req.node)) != 0 ||
        gvr_strlcpy(req.host, host, sizeof(req.host)) != 0 ||
        gvr_strlcpy(req.nic, nic, sizeof(req.nic)) != 0) {
        snprintf(err, errlen, "node %s: name, host, port or GPU count out "
                 "of range", node != NULL ? node : "(null)");
        return GVC_ERR_INVALID;
    }
    req.port = (uint32_t)port;
    req.n_gpus = (uint32_t)n_gpus;
    req.gpus = (gvr_gpu_info_t *)gpus; /* only read by the packer */
    st = gvr_client_call(cl, id, &req, &rep, err, errlen);
    if (st == GVC_OK && state_p != NULL) {
        *state_p = rep.state;
    }
    if (st == GVC_OK && cl->cfg.heartbeat_ms * 2 > rep.heartbeat_timeout_ms &&
        !atomic_exchange(&cl->warned_heartbeat, 1)) {
        gvc_warn("registry: heartbeat_interval %ld ms is more than half the "
                 "registry's heartbeat_timeout %lld ms: node %s may flap "
                 "down", cl->cfg.heartbeat_ms,
                 (long long)rep.heartbeat_timeout_ms, node);
    }
    return st;
}

gvc_status_t gvr_node_register(gvr_client_h cl, const char *node,
                               const char *host, int port, const char *nic,
                               const gvr_gpu_info_t *gpus, size_t n_gpus,
                               gvr_node_state_t *state_p, char *err,
                               size_t errlen)
{
    return ops_node(cl, GVR_MSG_NODE_REGISTER, node, host, port, nic, gpus,
                    n_gpus, state_p, err, errlen);
}

gvc_status_t gvr_node_heartbeat(gvr_client_h cl, const char *node,
                                const char *host, int port, const char *nic,
                                const gvr_gpu_info_t *gpus, size_t n_gpus,
                                gvr_node_state_t *state_p, char *err,
                                size_t errlen)
{
    return ops_node(cl, GVR_MSG_NODE_HEARTBEAT, node, host, port, nic, gpus,
                    n_gpus, state_p, err, errlen);
}

static gvc_status_t ops_verify_online(gvr_client_h cl, const char *job,
                                      const char *cred, const char *uuid,
                                      uint32_t uid, gvr_lease_info_t *info,
                                      char *reason, size_t reasonlen)
{
    gvr_verify_req_t req;
    gvr_verify_rep_t rep;
    gvc_status_t st;

    memset(&req, 0, sizeof(req));
    if (gvr_strlcpy(req.job, job, sizeof(req.job)) != 0 ||
        gvr_strlcpy(req.gpu_uuid, uuid, sizeof(req.gpu_uuid)) != 0 ||
        strlen(cred) > GVR_CRED_MAX) {
        snprintf(reason, reasonlen, "job id, GPU UUID or credential too "
                 "long");
        return GVC_ERR_DENIED;
    }
    req.credential = (char *)cred; /* only read by the packer */
    req.uid = uid;
    st = gvr_client_call(cl, GVR_MSG_LEASE_VERIFY, &req, &rep, reason,
                         reasonlen);
    if (st == GVC_OK) {
        *info = rep.info;
    }
    return st;
}

static int ops_transport_error(gvc_status_t st)
{
    return st == GVC_ERR_PEER_DOWN || st == GVC_ERR_TIMEOUT ||
           st == GVC_ERR_IO || st == GVC_ERR_CONFIG;
}

gvc_status_t gvr_lease_verify(gvr_client_h cl, const char *job,
                              const char *credential, const char *gpu_uuid,
                              uint32_t uid, gvr_lease_info_t *info_p,
                              char *reason, size_t reasonlen)
{
    gvr_lease_info_t info;
    int offline_ok = 0;
    gvc_status_t st;

    memset(&info, 0, sizeof(info));
    if (job == NULL || credential == NULL || gpu_uuid == NULL) {
        snprintf(reason, reasonlen, "no job id, lease credential or GPU");
        return GVC_ERR_DENIED;
    }
    if (cl->lease_key.len > 0) {
        st = gvr_cred_verify(&cl->lease_key, credential, job, gpu_uuid, uid,
                             gvr_now_ms(), &info, reason, reasonlen);
        if (st != GVC_OK) {
            return st;
        }
        offline_ok = 1;
    }
    if ((cl->cfg.verify_online && cl->cfg.address[0] != '\0') ||
        !offline_ok) {
        st = ops_verify_online(cl, job, credential, gpu_uuid, uid, &info,
                               reason, reasonlen);
        if (st != GVC_OK && offline_ok && ops_transport_error(st)) {
            if (!atomic_exchange(&cl->warned_offline, 1)) {
                gvc_warn("lease check: %s; trusting the offline check",
                         reason);
            }
            st = GVC_OK;
        } else if (st != GVC_OK && st != GVC_ERR_DENIED) {
            /* Without a verdict the client is refused: fail closed. */
            st = GVC_ERR_DENIED;
        }
        if (st != GVC_OK) {
            return st;
        }
    }
    if (info_p != NULL) {
        *info_p = info;
    }
    return GVC_OK;
}

gvc_status_t gvr_job_servers(gvr_client_h cl, const char *job,
                             char **servers_p, char **credential_p,
                             char *err, size_t errlen)
{
    gvr_job_req_t req;
    gvr_lease_rep_t rep;
    gvc_status_t st;

    *servers_p = NULL;
    *credential_p = NULL;
    if (gvr_strlcpy(req.job, job, sizeof(req.job)) != 0 || job[0] == '\0') {
        snprintf(err, errlen, "bad job id '%s'", job != NULL ? job : "");
        return GVC_ERR_INVALID;
    }
    st = gvr_client_call(cl, GVR_MSG_JOB_SERVERS, &req, &rep, err, errlen);
    if (st != GVC_OK) {
        return st;
    }
    *servers_p = rep.servers;
    *credential_p = rep.credential;
    rep.servers = NULL;
    rep.credential = NULL;
    gvr_lease_rep_free(&rep);
    return GVC_OK;
}

gvc_status_t gvr_alloc(gvr_client_h cl, const gvr_alloc_req_t *req,
                       gvr_lease_rep_t *rep_p, char *err, size_t errlen)
{
    memset(rep_p, 0, sizeof(*rep_p));
    return gvr_client_call(cl, GVR_MSG_ALLOC, req, rep_p, err, errlen);
}

gvc_status_t gvr_release(gvr_client_h cl, const char *job,
                         uint32_t *n_gpus_p, char *err, size_t errlen)
{
    gvr_job_req_t req;
    gvr_release_rep_t rep;
    gvc_status_t st;

    if (gvr_strlcpy(req.job, job, sizeof(req.job)) != 0) {
        snprintf(err, errlen, "job id too long");
        return GVC_ERR_INVALID;
    }
    st = gvr_client_call(cl, GVR_MSG_RELEASE, &req, &rep, err, errlen);
    if (st == GVC_OK && n_gpus_p != NULL) {
        *n_gpus_p = rep.n_gpus;
    }
    return st;
}

gvc_status_t gvr_node_set_state(gvr_client_h cl, const char *node,
                                gvr_node_state_t state, const char *reason,
                                gvr_node_state_t *state_p, char *err,
                                size_t errlen)
{
    gvr_state_req_t req;
    gvr_state_rep_t rep;
    gvc_status_t st;

    memset(&req, 0, sizeof(req));
    req.state = state;
    if (gvr_strlcpy(req.node, node, sizeof(req.node)) != 0 ||
        gvr_strlcpy(req.reason, reason, sizeof(req.reason)) != 0) {
        snprintf(err, errlen, "node name or reason too long");
        return GVC_ERR_INVALID;
    }
    st = gvr_client_call(cl, GVR_MSG_NODE_SET_STATE, &req, &rep, err,
                         errlen);
    if (st == GVC_OK && state_p != NULL) {
        *state_p = rep.state;
    }
    return st;
}

gvc_status_t gvr_status(gvr_client_h cl, gvr_status_rep_t *status_p,
                        char *err, size_t errlen)
{
    gvr_empty_t req = { 0 };

    memset(status_p, 0, sizeof(*status_p));
    return gvr_client_call(cl, GVR_MSG_STATUS, &req, status_p, err, errlen);
}
