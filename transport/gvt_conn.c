/*
 * gvt_conn.c - connection life cycle, failure, progress and waiting.
 */
#include "config.h"

#include "gvt_int.h"
#include "gvc_log.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

static void conn_fail_quiet(gvt_conn_t *conn, gvc_status_t status, int log)
{
    int expected = 0;

    if (!atomic_compare_exchange_strong(&conn->failed, &expected,
                                        (int)status)) {
        return; /* already failed: keep the first reason */
    }
    if (log) {
        gvc_warn("%s: connection failed: %s", conn->name,
                 gvc_status_str(status));
    }
    gvt_slots_fail_all(conn, status);
    gvt_rx_fail_all(conn);
    gvt_batch_drop(conn);
}

static void conn_fail_locked(gvt_conn_t *conn, gvc_status_t status)
{
    conn_fail_quiet(conn, status, 1);
}

/* UCX calls this (from progress, lock held) when the peer is gone. */
static void conn_ep_error(void *arg, ucp_ep_h ep, ucs_status_t us)
{
    gvt_conn_t *conn = arg;

    gvc_debug("%s: endpoint error: %s", conn->name, ucs_status_string(us));
    conn_fail_locked(conn, GVC_ERR_PEER_DOWN);
}

gvc_status_t gvt_conn_create(gvt_ctx_t *ctx, const gvt_conn_params_t *p,
                             gvt_conn_t **conn_p)
{
    ucp_worker_params_t wp = {
        .field_mask = UCP_WORKER_PARAM_FIELD_THREAD_MODE,
        .thread_mode = UCS_THREAD_MODE_SERIALIZED, /* we hold conn->lock */
    };
    ucp_worker_attr_t wa = {
        .field_mask = UCP_WORKER_ATTR_FIELD_MAX_AM_HEADER,
    };
    ucp_am_handler_param_t hp = {
        .field_mask = UCP_AM_HANDLER_PARAM_FIELD_ID |
                      UCP_AM_HANDLER_PARAM_FIELD_CB |
                      UCP_AM_HANDLER_PARAM_FIELD_ARG,
        .id = GVT_AM_ID,
        .cb = gvt_am_cb,
    };
    gvc_status_t st = GVC_ERR_TRANSPORT;
    const char *env;
    ucs_status_t us;
    gvt_conn_t *conn;

    conn = calloc(1, sizeof(*conn));
    if (conn == NULL) {
        return GVC_ERR_NOMEM;
    }
    conn->slots = calloc(GVT_MAX_SLOTS, sizeof(*conn->slots));
    if (conn->slots == NULL) {
        st = GVC_ERR_NOMEM;
        goto err_free;
    }
    for (unsigned i = GVT_MAX_SLOTS; i-- > 0;) {
        conn->slots[i].next_free = conn->free_slots;
        conn->free_slots = &conn->slots[i];
    }
    conn->ctx = ctx;
    conn->p = *p;
    conn->live_fd = -1;
    conn->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (conn->wake_fd < 0) {
        free(conn->slots);
        free(conn);
        return GVC_ERR_NOMEM;
    }
    snprintf(conn->name, sizeof(conn->name), "%s",
             p->name ? p->name : "conn");
    pthread_mutex_init(&conn->lock, NULL);
    pthread_mutex_init(&conn->deliver_lock, NULL);
    pthread_mutex_init(&conn->sleep_lock, NULL);
    pthread_mutex_init(&conn->wait_mutex, NULL);
    pthread_cond_init(&conn->wait_cond, NULL);

    us = ucp_worker_create(ctx->ucp, &wp, &conn->worker);
    if (us != UCS_OK) {
        gvc_error("%s: cannot create UCX worker: %s", conn->name,
                  ucs_status_string(us));
        goto err_locks;
    }
    us = ucp_worker_query(conn->worker, &wa);
    conn->max_hdr = us == UCS_OK ? wa.max_am_header : 0;
    if (conn->max_hdr < GVC_WIRE_HDR_SIZE) {
        gvc_error("%s: UCX active-message header limit %zu is too small",
                  conn->name, conn->max_hdr);
        goto err_worker;
    }
    env = getenv("GVIRTUS_SHORT_HEADERS");
    conn->short_hdr = env == NULL || strcmp(env, "0") != 0;
    us = ucp_worker_get_efd(conn->worker, &conn->efd);
    if (us != UCS_OK) {
        gvc_error("%s: no UCX event fd: %s", conn->name,
                  ucs_status_string(us));
        goto err_worker;
    }
    hp.arg = conn;
    us = ucp_worker_set_am_recv_handler(conn->worker, &hp);
    if (us != UCS_OK) {
        gvc_error("%s: cannot set AM handler: %s", conn->name,
                  ucs_status_string(us));
        goto err_worker;
    }
    *conn_p = conn;
    return GVC_OK;

err_worker:
    ucp_worker_destroy(conn->worker);
err_locks:
    pthread_cond_destroy(&conn->wait_cond);
    pthread_mutex_destroy(&conn->wait_mutex);
    pthread_mutex_destroy(&conn->sleep_lock);
    pthread_mutex_destroy(&conn->deliver_lock);
    pthread_mutex_destroy(&conn->lock);
err_free:
    close(conn->wake_fd);
    free(conn->slots);
    free(conn);
    return st;
}

gvc_status_t gvt_conn_address(gvt_conn_t *conn, void **addr_p,
                              size_t *len_p)
{
    ucp_address_t *addr;
    size_t len;
    ucs_status_t us;
    void *copy;

    pthread_mutex_lock(&conn->lock);
    us = ucp_worker_get_address(conn->worker, &addr, &len);
    if (us != UCS_OK) {
        pthread_mutex_unlock(&conn->lock);
        return GVC_ERR_TRANSPORT;
    }
    copy = malloc(len);
    if (copy != NULL) {
        memcpy(copy, addr, len);
    }
    ucp_worker_release_address(conn->worker, addr);
    pthread_mutex_unlock(&conn->lock);
    if (copy == NULL) {
        return GVC_ERR_NOMEM;
    }
    *addr_p = copy;
    *len_p = len;
    return GVC_OK;
}

gvc_status_t gvt_conn_connect(gvt_conn_t *conn, const void *peer_addr,
                              size_t len)
{
    ucp_ep_params_t ep = {
        .field_mask = UCP_EP_PARAM_FIELD_REMOTE_ADDRESS |
                      UCP_EP_PARAM_FIELD_ERR_HANDLING_MODE |
                      UCP_EP_PARAM_FIELD_ERR_HANDLER,
        .address = peer_addr,
        .err_mode = UCP_ERR_HANDLING_MODE_NONE,
        .err_handler = { .cb = conn_ep_error, .arg = conn },
    };
    const char *mode = getenv("GVIRTUS_UCX_ERR_MODE");
    ucs_status_t us;

    if (mode != NULL && strcmp(mode, "peer") == 0) {
        ep.err_mode = UCP_ERR_HANDLING_MODE_PEER;
    }

    if (peer_addr == NULL || len == 0) {
        return GVC_ERR_INVALID;
    }
    pthread_mutex_lock(&conn->lock);
    if (conn->ep != NULL) {
        pthread_mutex_unlock(&conn->lock);
        return GVC_ERR_INVALID;
    }
    us = ucp_ep_create(conn->worker, &ep, &conn->ep);
    pthread_mutex_unlock(&conn->lock);
    if (us != UCS_OK) {
        gvc_error("%s: cannot reach peer's UCX address: %s", conn->name,
                  ucs_status_string(us));
        conn->ep = NULL;
        return us == UCS_ERR_INVALID_PARAM ? GVC_ERR_INVALID
                                           : GVC_ERR_TRANSPORT;
    }
    return gvt_batch_start(conn);
}

void gvt_conn_set_liveness_fd(gvt_conn_t *conn, int fd)
{
    conn->live_fd = fd;
}

gvc_status_t gvt_conn_failed(gvt_conn_t *conn)
{
    return (gvc_status_t)atomic_load_explicit(&conn->failed,
                                              memory_order_acquire);
}

gvc_status_t gvt_conn_status(gvt_conn_t *conn)
{
    return gvt_conn_failed(conn);
}

void gvt_conn_fail(gvt_conn_t *conn, gvc_status_t status)
{
    pthread_mutex_lock(&conn->lock);
    conn_fail_locked(conn, status != GVC_OK ? status : GVC_ERR_PEER_DOWN);
    pthread_mutex_unlock(&conn->lock);
    gvt_wake_waiters(conn);
}

const char *gvt_conn_name(const gvt_conn_t *conn)
{
    return conn->name;
}

gvt_ctx_t *gvt_conn_ctx(const gvt_conn_t *conn)
{
    return conn->ctx;
}

void *gvt_conn_arg(const gvt_conn_t *conn)
{
    return conn->p.arg;
}

size_t gvt_conn_max_inline_args(const gvt_conn_t *conn)
{
    return conn->max_hdr - GVC_WIRE_HDR_SIZE;
}

void gvt_conn_stats(gvt_conn_t *conn, gvt_stats_t *s)
{
    s->msgs_out = conn->msgs_out;
    s->msgs_in = conn->msgs_in;
    s->bytes_out = conn->bytes_out;
    s->bytes_in = conn->bytes_in;
    s->batches_out = conn->batches_out;
    s->batched_out = conn->batched_out;
}

/* ---- progress ------------------------------------------------------------*/

unsigned gvt_progress_locked(gvt_conn_t *conn)
{
    /* One pass: the callers loop, and a second pass that finds nothing
     * costs as much as the first on a latency-bound path. */
    return ucp_worker_progress(conn->worker);
}

unsigned gvt_conn_progress(gvt_conn_t *conn)
{
    unsigned n = 0;

    if (pthread_mutex_trylock(&conn->lock) == 0) {
        n = gvt_progress_locked(conn);
        pthread_mutex_unlock(&conn->lock);
        if (n > 0) {
            gvt_wake_waiters(conn); /* replies may have completed inline */
        }
    }
    return n + gvt_deliver(conn);
}

/* A message is ready to deliver: parked, or complete at the head of the
 * queue (lock held). */
static int conn_has_work_locked(gvt_conn_t *conn)
{
    return atomic_load_explicit(&conn->fast_ready, memory_order_acquire) ||
           (conn->rx_head != NULL &&
            atomic_load_explicit(&conn->rx_head->ready,
                                 memory_order_acquire));
}

unsigned gvt_conn_poll(gvt_conn_t *conn)
{
    unsigned n = 0;
    int work = 0;

    if (pthread_mutex_trylock(&conn->lock) == 0) {
        n = gvt_progress_locked(conn);
        work = n > 0 && conn_has_work_locked(conn);
        pthread_mutex_unlock(&conn->lock);
        if (n > 0) {
            gvt_wake_waiters(conn);
        }
    }
    /* We took in messages that we do not deliver: a deliverer asleep on
     * the UCX event fd would not see them (their events are consumed),
     * so wake it.  It set 'sleeping' before it armed, and arming looks
     * at the queue, so one of the two always sees the other. */
    if (work && atomic_load(&conn->sleeping) > 0) {
        uint64_t one = 1;
        if (write(conn->wake_fd, &one, sizeof(one)) < 0) {
            /* EAGAIN: a wake-up is pending already */
        }
    }
    return n;
}

/* Drain wake_fd after a sleep it may have ended. */
static void conn_unwake(gvt_conn_t *conn)
{
    uint64_t v;

    if (read(conn->wake_fd, &v, sizeof(v)) < 0) {
        /* EAGAIN: nobody woke us */
    }
}

int gvt_conn_fd(gvt_conn_t *conn)
{
    return conn->efd;
}

gvc_status_t gvt_conn_arm(gvt_conn_t *conn)
{
    ucs_status_t us;

    pthread_mutex_lock(&conn->lock);
    /* Messages another thread took in wait for us: no sleep. */
    us = conn_has_work_locked(conn) ? UCS_ERR_BUSY
                                    : ucp_worker_arm(conn->worker);
    pthread_mutex_unlock(&conn->lock);
    if (us == UCS_ERR_BUSY) {
        return GVC_INPROGRESS;
    }
    return us == UCS_OK ? GVC_OK : GVC_ERR_TRANSPORT;
}

void gvt_wake_waiters(gvt_conn_t *conn)
{
    if (atomic_load_explicit(&conn->sleepers, memory_order_acquire) > 0) {
        pthread_mutex_lock(&conn->wait_mutex);
        pthread_cond_broadcast(&conn->wait_cond);
        pthread_mutex_unlock(&conn->wait_mutex);
    }
}

/* EOF or an error on the control socket means the peer is gone. */
static void conn_check_liveness(gvt_conn_t *conn)
{
    char b;
    ssize_t r;

    if (conn->live_fd < 0) {
        return;
    }
    r = recv(conn->live_fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
                   errno != EINTR)) {
        gvt_conn_fail(conn, GVC_ERR_PEER_DOWN);
    }
}

/*
 * Sleep until the connection may have work, at most max_ms.  One thread
 * sleeps in poll() on the UCX event fd (and the control socket); the
 * others wait on a condition variable that deliveries signal.
 */
static void conn_sleep(gvt_conn_t *conn, atomic_int *flag, int max_ms)
{
    struct pollfd pfd[3];
    struct timespec ts;
    int nfd = 1;

    if (pthread_mutex_trylock(&conn->sleep_lock) == 0) {
        atomic_fetch_add(&conn->sleeping, 1);
        if (gvt_conn_arm(conn) == GVC_OK && !atomic_load(flag)) {
            pfd[0].fd = conn->efd;
            pfd[0].events = POLLIN;
            pfd[1].fd = conn->wake_fd;
            pfd[1].events = POLLIN;
            nfd = 2;
            if (conn->live_fd >= 0) {
                pfd[2].fd = conn->live_fd;
                pfd[2].events = POLLIN | POLLRDHUP;
                nfd = 3;
            }
            if (poll(pfd, nfd, max_ms) > 0) {
                if (pfd[1].revents) {
                    conn_unwake(conn);
                }
                if (nfd == 3 && pfd[2].revents) {
                    conn_check_liveness(conn);
                }
            }
        }
        atomic_fetch_sub(&conn->sleeping, 1);
        pthread_mutex_unlock(&conn->sleep_lock);
        return;
    }
    atomic_fetch_add(&conn->sleepers, 1);
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec += 1000000; /* 1 ms: the sleeper in poll may be elsewhere */
    if (ts.tv_nsec >= 1000000000) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000;
    }
    pthread_mutex_lock(&conn->wait_mutex);
    if (!atomic_load(flag)) {
        pthread_cond_timedwait(&conn->wait_cond, &conn->wait_mutex, &ts);
    }
    pthread_mutex_unlock(&conn->wait_mutex);
    atomic_fetch_sub(&conn->sleepers, 1);
}

/*
 * Progress until *flag becomes non-zero.  Returns GVC_OK, the failure of
 * the connection, or GVC_ERR_TIMEOUT after timeout_ms (0: never).
 */
gvc_status_t gvt_wait_flag(gvt_conn_t *conn, atomic_int *flag,
                           long timeout_ms)
{
    uint64_t start = 0, now, spin_until = 0;
    uint64_t limit = timeout_ms > 0 ? (uint64_t)timeout_ms * 1000000u : 0;
    unsigned idle = 0;
    gvc_status_t st;
    int ms;

    /* What we wait for may follow from a message still in the batch. */
    gvt_batch_flush(conn);
    for (;;) {
        if (atomic_load_explicit(flag, memory_order_acquire)) {
            return GVC_OK;
        }
        st = gvt_conn_failed(conn);
        if (st != GVC_OK) {
            return st;
        }
        if (gvt_conn_progress(conn) > 0) {
            idle = 0;
            spin_until = 0;
            continue;
        }
        if (atomic_load_explicit(flag, memory_order_acquire)) {
            return GVC_OK;
        }
        /* The clock costs as much as a progress pass: look at it only
         * now and then while spinning.  No PAUSE in the first passes:
         * on recent x86 it takes ~100 cycles, a late reply's latency. */
        if (++idle % GVT_SPIN_CHECK != 0) {
            if (idle > GVT_SPIN_HOT) {
                __builtin_ia32_pause();
            }
            continue;
        }
        now = gvt_now_ns();
        if (start == 0) {
            start = now;
        }
        if (spin_until == 0) {
            spin_until = now + GVT_SPIN_NS;
        }
        if (limit && now - start >= limit) {
            return GVC_ERR_TIMEOUT;
        }
        if (now < spin_until) {
            __builtin_ia32_pause();
            continue;
        }
        ms = 100;
        if (limit && (limit - (now - start)) / 1000000u < 100) {
            ms = (int)((limit - (now - start)) / 1000000u) + 1;
        }
        conn_sleep(conn, flag, ms);
    }
}

int gvt_conn_serve(gvt_conn_t *conn, int fd, long spin_us, int timeout_ms)
{
    return gvt_conns_serve(&conn, 1, fd, spin_us, timeout_ms);
}

/* Progress every connection once; the events handled. */
static unsigned conns_progress(gvt_conn_t **conns, int n)
{
    unsigned k = 0;

    for (int i = 0; i < n; i++) {
        k += gvt_conn_progress(conns[i]);
    }
    return k;
}

/* Tell poll-only threads (gvt_conn_poll) that we sleep, or no more. */
static void conns_sleeping(gvt_conn_t **conns, int n, int d)
{
    for (int i = 0; i < n; i++) {
        atomic_fetch_add(&conns[i]->sleeping, d);
    }
}

/* Arm every worker; 0 when all may sleep. */
static int conns_arm(gvt_conn_t **conns, int n)
{
    for (int i = 0; i < n; i++) {
        if (gvt_conn_arm(conns[i]) != GVC_OK) {
            return -1;
        }
    }
    return 0;
}

int gvt_conns_serve(gvt_conn_t **conns, int n, int fd, long spin_us,
                    int timeout_ms)
{
    uint64_t idle_since = 0;
    uint64_t spin_ns = spin_us > 0 ? (uint64_t)spin_us * 1000u : 0;
    struct pollfd pfd[2 * GVT_SERVE_MAX + 1];
    unsigned idle = 0;
    int nfd, ready = 0;

    if (n > GVT_SERVE_MAX) {
        n = GVT_SERVE_MAX;
    }
    for (;;) {
        if (conns_progress(conns, n) > 0) {
            idle = 0;
            idle_since = 0;
            continue;
        }
        if (++idle % GVT_SPIN_CHECK != 0) {
            if (idle > GVT_SPIN_HOT) {
                __builtin_ia32_pause();
            }
            continue;
        }
        if (idle_since == 0) {
            idle_since = gvt_now_ns();
        }
        if (gvt_now_ns() - idle_since < spin_ns) {
            continue;
        }
        conns_sleeping(conns, n, 1);
        if (conns_arm(conns, n) != 0) {
            conns_sleeping(conns, n, -1);
            continue; /* events arrived meanwhile: progress them */
        }
        break;
    }
    for (nfd = 0; nfd < n; nfd++) {
        pfd[2 * nfd] = (struct pollfd){ .fd = conns[nfd]->efd,
                                        .events = POLLIN };
        pfd[2 * nfd + 1] = (struct pollfd){ .fd = conns[nfd]->wake_fd,
                                            .events = POLLIN };
    }
    nfd *= 2;
    if (fd >= 0) {
        pfd[nfd] = (struct pollfd){ .fd = fd, .events = POLLIN | POLLRDHUP };
        nfd++;
    }
    if (poll(pfd, (nfds_t)nfd, timeout_ms) > 0) {
        for (int i = 0; i < n; i++) {
            if (pfd[2 * i + 1].revents) {
                conn_unwake(conns[i]);
            }
        }
        ready = fd >= 0 && pfd[nfd - 1].revents != 0;
    }
    conns_sleeping(conns, n, -1);
    return ready;
}

gvc_status_t gvt_conn_wait_flag(gvt_conn_t *conn, atomic_int *flag,
                                long timeout_ms)
{
    gvc_status_t st;

    if (timeout_ms > 0) {
        return gvt_wait_flag(conn, flag, timeout_ms);
    }
    /* The connection's call timeout: a stalled peer fails it, as a
     * missing reply does. */
    st = gvt_wait_flag(conn, flag, conn->p.timeout_ms);
    if (st == GVC_ERR_TIMEOUT) {
        gvc_error("%s: no progress within %ld ms", conn->name,
                  conn->p.timeout_ms);
        gvt_conn_fail(conn, GVC_ERR_TIMEOUT);
    }
    return st;
}

/* ---- teardown -------------------------------------------------------------*/

static void conn_close_ep(gvt_conn_t *conn)
{
    ucp_request_param_t rp = {
        .op_attr_mask = UCP_OP_ATTR_FIELD_FLAGS,
        .flags = gvt_conn_failed(conn) ? UCP_EP_CLOSE_FLAG_FORCE : 0,
    };
    uint64_t deadline = gvt_now_ns() + 2000000000ull;
    ucs_status_ptr_t req;

    if (conn->ep == NULL) {
        return;
    }
    req = ucp_ep_close_nbx(conn->ep, &rp);
    if (UCS_PTR_IS_PTR(req)) {
        while (ucp_request_check_status(req) == UCS_INPROGRESS &&
               gvt_now_ns() < deadline) {
            ucp_worker_progress(conn->worker);
        }
        ucp_request_free(req);
    }
    conn->ep = NULL;
}

void gvt_conn_destroy(gvt_conn_t *conn)
{
    if (conn == NULL) {
        return;
    }
    gvt_batch_stop(conn);
    if (gvt_conn_failed(conn) == GVC_OK) {
        /* Let queued sends leave before the endpoint goes. */
        uint64_t deadline = gvt_now_ns() + 2000000000ull;
        pthread_mutex_lock(&conn->lock);
        while (conn->tx_inflight > 0 && gvt_now_ns() < deadline &&
               !gvt_conn_failed(conn)) {
            gvt_progress_locked(conn);
        }
        pthread_mutex_unlock(&conn->lock);
    }
    pthread_mutex_lock(&conn->lock);
    conn_fail_quiet(conn, GVC_ERR_PEER_DOWN, 0);
    conn_close_ep(conn);
    /* Force-closing cancels outstanding sends; their callbacks run here. */
    for (int i = 0; i < 1000 && conn->tx_inflight > 0; i++) {
        ucp_worker_progress(conn->worker);
    }
    gvt_rx_fail_all(conn);
    gvt_rx_free_all(conn);
    gvt_tx_free_all(conn);
    gvt_batch_drop(conn); /* sends cancelled above gave their buffers back */
    ucp_worker_destroy(conn->worker);
    pthread_mutex_unlock(&conn->lock);
    pthread_cond_destroy(&conn->wait_cond);
    pthread_mutex_destroy(&conn->wait_mutex);
    pthread_mutex_destroy(&conn->sleep_lock);
    pthread_mutex_destroy(&conn->deliver_lock);
    pthread_mutex_destroy(&conn->lock);
    close(conn->wake_fd);
    free(conn->slots);
    free(conn);
}
