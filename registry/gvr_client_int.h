/*
 * gvr_client_int.h - the client handle's insides, shared by
 * gvr_client.c (connection) and gvr_client_ops.c (the calls).
 */
#ifndef GVR_CLIENT_INT_H
#define GVR_CLIENT_INT_H

#include "gvr_auth.h"
#include "gvr_client.h"

#include <pthread.h>
#include <stdatomic.h>

struct gvr_client {
    pthread_mutex_t lock;      /* serialises calls on this handle */
    gvr_client_config_t cfg;   /* strings owned (copied at create) */
    gvr_auth_mode_t mode;
    gvr_key_t secret;          /* auth = secret */
    gvr_key_t lease_key;       /* len 0: no offline verification */
    uint32_t uid;              /* the uid we authenticate as */
    uint32_t roles;            /* granted at AUTH */
    int fd;                    /* -1: not connected */
    atomic_int warned_offline; /* logged the registry-unreachable case */
    atomic_int warned_heartbeat; /* logged a too-long heartbeat interval */
};

/* Connect and authenticate if not connected.  Lock held. */
gvc_status_t gvr_client_connect_locked(gvr_client_h cl, char *err,
                                       size_t errlen);
/* One request/reply on the open connection.  Lock held. */
gvc_status_t gvr_client_roundtrip(gvr_client_h cl, gvr_msg_id_t id,
                                  const void *req, void *rep, char *err,
                                  size_t errlen);
/* Lock, (re)connect, round trip, retry once on a stale connection.  On
 * GVC_OK the caller frees rep's contents with gvr_unpack_free(). */
gvc_status_t gvr_client_call(gvr_client_h cl, gvr_msg_id_t id,
                             const void *req, void *rep, char *err,
                             size_t errlen);

#endif
