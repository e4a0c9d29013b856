/*
 * tpeer.h - a transport peer in a child process, for tests and benchmarks.
 *
 * tpeer_start() forks a child that creates its own UCX context and
 * connection, exchanges worker addresses with the parent over a socket
 * pair (which then stays open as the liveness channel, as gvd's control
 * socket does), and serves requests with the handler given until the
 * parent closes the socket.  The parent gets a connected gvt_conn_t.
 * Fork happens before the parent creates any UCX object of its own.
 */
#ifndef TPEER_H
#define TPEER_H

#include "gvt.h"

#include <sys/types.h>

typedef struct tpeer {
    pid_t pid;
    int sock;            /* parent's end of the socket pair */
    gvt_ctx_t *ctx;
    gvt_conn_t *conn;
} tpeer_t;

/* Child-side request handler; the child's connection is msg's conn. */
typedef void (*tpeer_handler_t)(gvt_conn_t *conn, gvt_msg_t *msg,
                                void *arg);

/* Start a peer.  tls (may be NULL) is put in UCX_TLS for both sides.
 * timeout_ms is the parent's call timeout.  Returns 0 or -1. */
int tpeer_start(tpeer_t *tp, const char *tls, tpeer_handler_t handler,
                gvt_data_cb_t data_cb, long timeout_ms);

/* Close the connection, reap the child.  Returns the child's exit status
 * (0 when it served cleanly), or -1 when it was killed. */
int tpeer_stop(tpeer_t *tp);

/* Test hook: detached-call callback of the next client tpeer_start()
 * creates (NULL: none). */
extern gvt_detached_cb_t tpeer_client_detached_cb;

/* Hook: run in the child after its connection is destroyed and before
 * its UCX context is (memory it registered must be freed by then, or
 * UCX aborts at cleanup). */
extern void (*tpeer_child_exit)(void);

/* Test hook: when set, the child also runs a thread that polls its
 * connection all the time (gvt_conn_poll), as CUDA's callback threads
 * do in a gvd worker while host functions wait. */
extern int tpeer_child_poller;

/* Test hooks: batch_us and batch_always of the next client
 * tpeer_start() creates. */
extern unsigned tpeer_client_batch_us;
extern int tpeer_client_batch_always;

/* The echo handler: replies with the request's args and data. */
void tpeer_echo(gvt_conn_t *conn, gvt_msg_t *msg, void *arg);

#endif
