/*
 * gvr_server.c - gvregistryd's listener, connection threads and sweeper.
 */
#include "config.h"

#include "gvr_server_int.h"
#include "gvc_ctl.h"
#include "gvc_log.h"
#include "gvr_msgio.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static gvc_status_t server_keys(gvr_server_t *srv, char *err, size_t errlen)
{
    const gvr_regd_config_t *cfg = srv->cfg;
    gvc_status_t st;

    gvr_auth_mode_parse(cfg->auth, &srv->auth);
    if (srv->auth == GVR_AUTH_SECRET) {
        st = gvr_key_load(cfg->secret_file, &srv->secret, err, errlen);
        if (st != GVC_OK) {
            return st;
        }
    }
    if (srv->auth == GVR_AUTH_MUNGE && !gvr_munge_available()) {
        snprintf(err, errlen, "auth = munge, but MUNGE is unavailable "
                 "(built without libmunge-dev, or libmunge.so.2 missing); "
                 "use auth = secret");
        return GVC_ERR_CONFIG;
    }
    if (srv->auth == GVR_AUTH_NONE) {
        gvc_warn("auth = none: any client may claim any uid; use this only "
                 "for tests");
    }
    st = gvr_key_load(cfg->lease_key_file, &srv->lease_key, err, errlen);
    if (st != GVC_OK) {
        return st;
    }
    st = gvr_uid_list_parse(cfg->admins, &srv->admins, &srv->n_admins, err,
                            errlen);
    if (st == GVC_OK) {
        st = gvr_uid_list_parse(cfg->node_users, &srv->node_users,
                                &srv->n_node_users, err, errlen);
    }
    return st;
}

/* Apply the static nodes of registry.ini through a short-lived database
 * connection (the threads open their own). */
static gvc_status_t server_db_init(gvr_server_t *srv, char *err,
                                   size_t errlen)
{
    gvr_actor_t who = { .uid = (uint32_t)geteuid(), .peer = "registry.ini",
                        .now_ms = gvr_now_ms() };
    gvr_db_t *db;
    gvc_status_t st;

    st = gvr_db_open(srv->cfg->database, &srv->db_opts, &db, err, errlen);
    if (st != GVC_OK) {
        return st;
    }
    st = gvr_db_static_nodes(db, &who, srv->cfg->nodes, srv->cfg->n_nodes,
                             err, errlen);
    gvr_db_close(db);
    return st;
}

static void server_policy(gvr_server_t *srv)
{
    const gvr_regd_config_t *cfg = srv->cfg;

    srv->policy.ttl_ms = cfg->lease_ttl_ms;
    srv->policy.max_ttl_ms = cfg->lease_max_ttl_ms;
    srv->policy.shared_mem_default = cfg->shared_mem_default;
    srv->policy.heartbeat_timeout_ms = cfg->heartbeat_timeout_ms;
    srv->policy.lease_key = &srv->lease_key;
    srv->db_opts.fsync = cfg->db_fsync;
    srv->db_opts.busy_ms = 10000;
    srv->db_opts.wlock = &srv->wlock;
}

gvc_status_t gvr_server_create(const gvr_regd_config_t *cfg,
                               gvr_server_t **srv_p, char *err,
                               size_t errlen)
{
    gvr_server_t *srv;
    gvc_status_t st;

    *srv_p = NULL;
    srv = calloc(1, sizeof(*srv));
    if (srv == NULL) {
        snprintf(err, errlen, "out of memory");
        return GVC_ERR_NOMEM;
    }
    srv->cfg = cfg;
    srv->listen_fd = -1;
    srv->stop_pipe[0] = srv->stop_pipe[1] = -1;
    srv->started_ms = gvr_now_ms();
    pthread_mutex_init(&srv->wlock, NULL);
    pthread_mutex_init(&srv->lock, NULL);
    pthread_cond_init(&srv->cond, NULL);
    server_policy(srv);
    st = server_keys(srv, err, errlen);
    if (st == GVC_OK) {
        st = server_db_init(srv, err, errlen);
    }
    if (st == GVC_OK && pipe2(srv->stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        st = GVC_ERR_IO;
    }
    if (st == GVC_OK) {
        st = gvc_ctl_listen(cfg->listen, (int)cfg->port, 128,
                            &srv->listen_fd, &srv->port, err, errlen);
    }
    if (st != GVC_OK) {
        gvr_server_destroy(srv);
        return st;
    }
    *srv_p = srv;
    return GVC_OK;
}

int gvr_server_port(const gvr_server_t *srv)
{
    return srv->port;
}

void gvr_server_stop(gvr_server_t *srv)
{
    char c = 's';
    ssize_t r;

    r = write(srv->stop_pipe[1], &c, 1);
    (void)r; /* a full pipe already says "stop" */
}

/* ---- sweeper ---------------------------------------------------------*/

static void server_deadline(struct timespec *ts, long ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

static void *server_sweeper(void *arg)
{
    gvr_server_t *srv = arg;
    gvr_actor_t who = { .uid = (uint32_t)geteuid(), .peer = "sweeper" };
    struct timespec ts;
    gvr_db_t *db = NULL;
    char err[256];

    gvc_log_set_context("sweeper");
    if (gvr_db_open(srv->cfg->database, &srv->db_opts, &db, err,
                    sizeof(err)) != GVC_OK) {
        gvc_error("sweeper: %s; leases will not expire", err);
        return NULL;
    }
    pthread_mutex_lock(&srv->lock);
    while (!srv->stopping) {
        server_deadline(&ts, srv->cfg->sweep_ms);
        pthread_cond_timedwait(&srv->cond, &srv->lock, &ts);
        if (srv->stopping) {
            break;
        }
        pthread_mutex_unlock(&srv->lock);
        who.now_ms = gvr_now_ms();
        if (gvr_db_sweep(db, &who, srv->cfg->heartbeat_timeout_ms, NULL,
                         NULL) != GVC_OK) {
            gvc_warn("sweeper: database busy or failing; will retry");
        }
        pthread_mutex_lock(&srv->lock);
    }
    pthread_mutex_unlock(&srv->lock);
    gvr_db_close(db);
    return NULL;
}

/* ---- connections -------------------------------------------------------*/

static void server_peer_name(int fd, char *buf, size_t len)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char addr[INET6_ADDRSTRLEN] = "?";
    int port = 0;

    if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &a->sin6_addr, addr, sizeof(addr));
            port = ntohs(a->sin6_port);
        } else if (ss.ss_family == AF_INET) {
            struct sockaddr_in *a = (struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &a->sin_addr, addr, sizeof(addr));
            port = ntohs(a->sin_port);
        }
    }
    snprintf(buf, len, "%s:%d", addr, port);
}

/* Refuse a connection over max_clients with a reason, then close it. */
static void server_refuse(int fd, unsigned n)
{
    char why[128];

    snprintf(why, sizeof(why), "registry busy: %u connections (max_clients)",
             n);
    gvr_msg_send_error(fd, GVR_MSG_HELLO, GVC_ERR_BUSY, why);
    close(fd);
}

static void server_spawn(gvr_server_t *srv, int fd)
{
    pthread_attr_t attr;
    gvr_conn_t *c;
    pthread_t t;

    c = calloc(1, sizeof(*c));
    if (c == NULL) {
        close(fd);
        return;
    }
    c->srv = srv;
    c->fd = fd;
    server_peer_name(fd, c->peer, sizeof(c->peer));
    pthread_mutex_lock(&srv->lock);
    c->next = srv->conns;
    srv->conns = c;
    srv->n_conns++;
    pthread_mutex_unlock(&srv->lock);
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    if (pthread_create(&t, &attr, gvr_conn_main, c) != 0) {
        gvc_error("cannot start a thread for %s", c->peer);
        gvr_conn_finish(c);
    }
    pthread_attr_destroy(&attr);
}

static void server_accept(gvr_server_t *srv)
{
    unsigned n;
    int fd;

    fd = accept4(srv->listen_fd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0) {
        if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED) {
            gvc_warn("accept: %s", strerror(errno));
            usleep(10000); /* e.g. EMFILE: do not spin */
        }
        return;
    }
    pthread_mutex_lock(&srv->lock);
    n = srv->n_conns;
    pthread_mutex_unlock(&srv->lock);
    if (n >= (unsigned)srv->cfg->max_clients) {
        server_refuse(fd, n);
        return;
    }
    server_spawn(srv, fd);
}

/* Wake every connection thread out of its recv and wait for all. */
static void server_drain(gvr_server_t *srv)
{
    pthread_mutex_lock(&srv->lock);
    srv->stopping = 1;
    for (gvr_conn_t *c = srv->conns; c != NULL; c = c->next) {
        shutdown(c->fd, SHUT_RDWR);
    }
    pthread_cond_broadcast(&srv->cond);
    while (srv->n_conns > 0) {
        pthread_cond_wait(&srv->cond, &srv->lock);
    }
    pthread_mutex_unlock(&srv->lock);
    if (srv->sweeper_started) {
        pthread_join(srv->sweeper, NULL);
        srv->sweeper_started = 0;
    }
}

gvc_status_t gvr_server_run(gvr_server_t *srv)
{
    struct pollfd pfd[2] = { { .fd = srv->listen_fd, .events = POLLIN },
                             { .fd = srv->stop_pipe[0], .events = POLLIN } };
    gvc_status_t st = GVC_OK;

    if (pthread_create(&srv->sweeper, NULL, server_sweeper, srv) == 0) {
        srv->sweeper_started = 1;
    } else {
        gvc_error("cannot start the sweeper thread");
        return GVC_ERR_INTERNAL;
    }
    for (;;) {
        if (poll(pfd, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            gvc_error("poll: %s", strerror(errno));
            st = GVC_ERR_IO;
            break;
        }
        if (pfd[1].revents != 0) {
            break;
        }
        if (pfd[0].revents != 0) {
            server_accept(srv);
        }
    }
    server_drain(srv);
    return st;
}

void gvr_server_destroy(gvr_server_t *srv)
{
    if (srv == NULL) {
        return;
    }
    if (srv->sweeper_started || srv->n_conns > 0) {
        server_drain(srv);
    }
    if (srv->listen_fd >= 0) {
        close(srv->listen_fd);
    }
    for (int i = 0; i < 2; i++) {
        if (srv->stop_pipe[i] >= 0) {
            close(srv->stop_pipe[i]);
        }
    }
    gvr_key_clear(&srv->secret);
    gvr_key_clear(&srv->lease_key);
    free(srv->admins);
    free(srv->node_users);
    pthread_cond_destroy(&srv->cond);
    pthread_mutex_destroy(&srv->lock);
    pthread_mutex_destroy(&srv->wlock);
    free(srv);
}
