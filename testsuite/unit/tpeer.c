/*
 * tpeer.c - see tpeer.h.
 */
#include "config.h"

#include "tpeer.h"
#include "gvc_log.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static int write_blob(int fd, const void *p, size_t len)
{
    uint64_t n = len;

    return write(fd, &n, sizeof(n)) == sizeof(n) &&
                   write(fd, p, len) == (ssize_t)len
               ? 0 : -1;
}

static void *read_blob(int fd, size_t *len_p)
{
    uint64_t n;
    size_t got = 0;
    char *p;
    ssize_t r;

    if (read(fd, &n, sizeof(n)) != sizeof(n) || n > (1u << 20)) {
        return NULL;
    }
    p = malloc(n ? n : 1);
    while (p != NULL && got < n) {
        r = read(fd, p + got, n - got);
        if (r <= 0) {
            free(p);
            return NULL;
        }
        got += (size_t)r;
    }
    *len_p = n;
    return p;
}

void tpeer_echo(gvt_conn_t *conn, gvt_msg_t *msg, void *arg)
{
    gvt_out_t out = {
        .api_id = msg->hdr.api_id,
        .flags = GVC_WF_REPLY,
        .call_id = msg->hdr.call_id,
        .result = (int64_t)msg->hdr.data_len,
        .args = msg->args,
        .args_len = msg->hdr.args_len,
        .data = msg->data,
        .data_len = msg->hdr.data_len,
    };

    (void)arg;
    if (msg->hdr.flags & GVC_WF_ONEWAY) {
        return;
    }
    gvt_send(conn, &out);
}

void (*tpeer_child_exit)(void);
int tpeer_child_poller;

static atomic_int poller_stop;

static void *poller_main(void *arg)
{
    while (!atomic_load(&poller_stop)) {
        gvt_conn_poll(arg);
    }
    return NULL;
}

/* The child: serve until the parent's end of the socket closes. */
static void tpeer_child(int sock, tpeer_handler_t handler,
                        gvt_data_cb_t data_cb)
{
    gvt_conn_params_t p = { .name = "tpeer-server", .recv_cb = handler,
                            .data_cb = data_cb };
    void *addr, *peer;
    size_t len, plen;
    gvt_ctx_t *ctx;
    gvt_conn_t *conn;
    pthread_t poller;

    if (gvt_ctx_create("tpeer", &ctx) != GVC_OK ||
        gvt_conn_create(ctx, &p, &conn) != GVC_OK ||
        gvt_conn_address(conn, &addr, &len) != GVC_OK) {
        _exit(3);
    }
    if (write_blob(sock, addr, len) != 0 ||
        (peer = read_blob(sock, &plen)) == NULL ||
        gvt_conn_connect(conn, peer, plen) != GVC_OK) {
        _exit(4);
    }
    free(addr);
    free(peer);
    gvt_conn_set_liveness_fd(conn, sock);
    if (tpeer_child_poller &&
        pthread_create(&poller, NULL, poller_main, conn) != 0) {
        _exit(5);
    }
    for (;;) {
        char b;

        if (gvt_conn_serve(conn, sock, 200, 1000) &&
            recv(sock, &b, 1, MSG_PEEK | MSG_DONTWAIT) <= 0) {
            break; /* parent closed: done */
        }
    }
    if (tpeer_child_poller) {
        atomic_store(&poller_stop, 1);
        pthread_join(poller, NULL);
    }
    gvt_conn_destroy(conn);
    if (tpeer_child_exit != NULL) {
        tpeer_child_exit();
    }
    gvt_ctx_destroy(ctx);
    _exit(0);
}

gvt_detached_cb_t tpeer_client_detached_cb;
unsigned tpeer_client_batch_us;
int tpeer_client_batch_always;

int tpeer_start(tpeer_t *tp, const char *tls, tpeer_handler_t handler,
                gvt_data_cb_t data_cb, long timeout_ms)
{
    gvt_conn_params_t p = { .name = "tpeer-client",
                            .timeout_ms = timeout_ms,
                            .detached_cb = tpeer_client_detached_cb,
                            .batch_us = tpeer_client_batch_us,
                            .batch_always = tpeer_client_batch_always };
    int sv[2];
    void *addr = NULL, *peer = NULL;
    size_t len, plen;

    memset(tp, 0, sizeof(*tp));
    if (tls != NULL) {
        setenv("UCX_TLS", tls, 1);
    } else {
        unsetenv("UCX_TLS");
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
        return -1;
    }
    tp->pid = fork();
    if (tp->pid < 0) {
        return -1;
    }
    if (tp->pid == 0) {
        close(sv[0]);
        tpeer_child(sv[1], handler, data_cb);
    }
    close(sv[1]);
    tp->sock = sv[0];
    if (gvt_ctx_create("tpeer-client", &tp->ctx) != GVC_OK ||
        gvt_conn_create(tp->ctx, &p, &tp->conn) != GVC_OK ||
        gvt_conn_address(tp->conn, &addr, &len) != GVC_OK ||
        (peer = read_blob(tp->sock, &plen)) == NULL ||
        write_blob(tp->sock, addr, len) != 0 ||
        gvt_conn_connect(tp->conn, peer, plen) != GVC_OK) {
        free(addr);
        free(peer);
        tpeer_stop(tp);
        return -1;
    }
    free(addr);
    free(peer);
    gvt_conn_set_liveness_fd(tp->conn, tp->sock);
    return 0;
}

int tpeer_stop(tpeer_t *tp)
{
    int status = 0;

    if (tp->conn != NULL) {
        gvt_conn_destroy(tp->conn);
        tp->conn = NULL;
    }
    if (tp->sock > 0) {
        close(tp->sock);
        tp->sock = -1;
    }
    if (tp->pid > 0) {
        waitpid(tp->pid, &status, 0);
        tp->pid = 0;
    }
    if (tp->ctx != NULL) {
        gvt_ctx_destroy(tp->ctx);
        tp->ctx = NULL;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
