/*
 * gvr_server_int.h - the server's insides, shared by gvr_server.c
 * (listener, threads), gvr_conn.c (one connection) and gvr_handlers.c
 * (one handler per message).
 */
#ifndef GVR_SERVER_INT_H
#define GVR_SERVER_INT_H

#include "gvr_auth.h"
#include "gvr_db.h"
#include "gvr_proto.h"
#include "gvr_server.h"

#include <pthread.h>
#include <sys/types.h>

typedef struct gvr_conn gvr_conn_t;

struct gvr_server {
    const gvr_regd_config_t *cfg; /* not owned; outlives the server */
    gvr_auth_mode_t auth;
    gvr_key_t secret;             /* auth = secret */
    gvr_key_t lease_key;          /* signs lease credentials */
    uid_t *admins;                /* owned */
    size_t n_admins;
    uid_t *node_users;            /* owned */
    size_t n_node_users;
    gvr_alloc_policy_t policy;    /* points at lease_key */
    gvr_db_opts_t db_opts;        /* wlock points at wlock below */
    pthread_mutex_t wlock;        /* serialises this process's writers */
    int listen_fd;
    int port;
    int stop_pipe[2];             /* write end: gvr_server_stop */
    int64_t started_ms;

    pthread_mutex_t lock;         /* guards everything below */
    pthread_cond_t cond;          /* a connection ended; sweeper wakeup */
    gvr_conn_t *conns;            /* live connections (list) */
    unsigned n_conns;
    int stopping;
    pthread_t sweeper;
    int sweeper_started;
};

struct gvr_conn {
    gvr_server_t *srv;            /* not owned */
    int fd;                       /* owned; closed by the thread */
    char peer[64];                /* "addr:port" */
    uint8_t nonce[GVR_NONCE_LEN]; /* sent in HELLO */
    int authed;
    uint32_t uid;                 /* valid once authed */
    uint32_t roles;
    char user[GVR_NAME_MAX];
    gvr_db_t *db;                 /* owned; this thread's connection */
    gvr_conn_t *next;             /* srv->conns list, under srv->lock */
};

/* The connection thread's body (gvr_conn.c): handshake, then requests
 * until EOF, timeout, a framing error or the server stopping. */
void *gvr_conn_main(void *arg);

/* Unlist c from its server, close its socket and database, free it,
 * and wake a server waiting for its connections to end. */
void gvr_conn_finish(gvr_conn_t *c);

/* One request, already unpacked: fill rep or explain in err. */
typedef gvc_status_t (*gvr_handler_fn)(gvr_conn_t *c, const void *req,
                                       void *rep, char *err, size_t errlen);

/* The handler of a message id (gvr_handlers.c); NULL for none. */
gvr_handler_fn gvr_handler_for(uint32_t id);

/* Fill the actor record of c for the audit trail. */
void gvr_conn_actor(const gvr_conn_t *c, gvr_actor_t *who_p);

#endif
