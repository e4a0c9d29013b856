/*
 * gvt_batch.c - coalescing one-way messages into batches (see "Batching"
 * in gvt.h).
 *
 * Why: each UCX send costs the sender a system call on TCP (~1.4 us over
 * loopback), and a PyTorch training step issues a one-way call (a kernel
 * launch, a cuBLAS call) every few microseconds: 135 sends were 20 % of
 * a step.  A batch turns a burst into one send.
 *
 * Holding messages back costs the GPU time whenever it has run dry, so
 * batching is only worth it where a send is expensive: the transport
 * keeps a running mean of what a small send costs and starts batches
 * only while it is over GVT_BATCH_SEND_NS (TCP, measured on an H100 host:
 * PyTorch's MLP step 1.9 ms unbatched, 1.5 ms with 20 us windows, 1.2 ms
 * with 200 us; over shared memory the same windows made it slower).
 *
 * How long a message may wait is bounded by batch_win_ns: the sender
 * flushes a batch that old when it appends, and a flusher thread flushes
 * it when the sender has gone quiet.  The flusher polls (sleeps
 * batch_us at a time, peeking without the lock, so the sender never
 * waits for it) while batches keep coming and only then blocks on a
 * condition variable, so a busy sender never pays for waking it.
 *
 * Each item is a whole message with its own sequence number, taken when
 * it is appended (under conn->lock, like every send), so a batch slots
 * into the stream exactly where its messages would have gone.
 */
#include "config.h"

#include "gvt_int.h"
#include "gvc_log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

static int batchable(const gvt_out_t *out)
{
    return (out->flags & ~GVC_WF_ONEWAY) == 0 &&
           gvc_wire_batch_item_size(out->args_len, out->data_len) <=
               GVT_BATCH_ITEM_MAX;
}

/* Wake the flusher if it sleeps on its condition variable (lock held). */
static void flusher_kick(gvt_conn_t *conn)
{
    if (conn->flusher_idle) {
        conn->flusher_idle = 0;
        pthread_cond_signal(&conn->flusher_cond);
    }
}

/* Append out to the batch (lock held; it fits). */
static void batch_put(gvt_conn_t *conn, const gvt_out_t *out, uint64_t now)
{
    gvc_wire_hdr_t hdr;

    gvc_wire_hdr_init(&hdr, out->api_id, out->flags, out->call_id);
    hdr.args_len = (uint32_t)out->args_len;
    hdr.data_len = out->data_len;
    hdr.seq = conn->tx_seq;
    if (conn->batch_n == 0) {
        atomic_store_explicit(&conn->batch_t0, now, memory_order_relaxed);
        atomic_store_explicit(&conn->batch_pending, 1, memory_order_relaxed);
        flusher_kick(conn);
    }
    gvc_wire_batch_put(conn->batch + conn->batch_len, &hdr, out->args,
                       out->data);
    conn->batch_len += gvc_wire_batch_item_size(out->args_len,
                                                out->data_len);
    conn->batch_n++;
    conn->tx_seq++;
    conn->msgs_out++;
    conn->batched_out++;
    conn->bytes_out += GVC_WIRE_HDR_SIZE + out->args_len + out->data_len;
}

/*
 * Offer a message to the batch (lock held).  Returns 1 when it was taken:
 * it is numbered and will leave with the batch (a call makes the batch
 * leave at once), its data was copied and its done callback has run;
 * *st_p is GVC_ERR_TRANSPORT when a flush this caused failed.  Returns 0
 * when the caller must send it itself, after gvt_batch_flush_locked.
 */
int gvt_batch_take(gvt_conn_t *conn, const gvt_out_t *out,
                   gvc_status_t *st_p)
{
    int call = (out->flags & GVC_WF_ONEWAY) == 0;
    uint64_t now = gvt_now_ns();
    int quiet = now - conn->batch_last_ns > conn->batch_win_ns;
    size_t need;

    *st_p = GVC_OK;
    conn->batch_last_ns = now;
    if (!batchable(out) ||
        (conn->batch_n == 0 &&
         (call || quiet || (conn->send_ns < GVT_BATCH_SEND_NS &&
                            !conn->p.batch_always)))) {
        return 0;
    }
    need = gvc_wire_batch_item_size(out->args_len, out->data_len);
    if (conn->batch_n > 0 && need > GVT_BATCH_BYTES - conn->batch_len) {
        if (call) {
            return 0; /* the caller flushes, then sends the call */
        }
        *st_p = gvt_batch_flush_locked(conn);
        if (*st_p != GVC_OK) {
            return 1;
        }
    }
    if (conn->batch == NULL) {
        /* The buffer of a batch UCX has finished with, if any: no
         * allocation per batch while batches keep coming. */
        conn->batch = conn->batch_spare != NULL ? conn->batch_spare
                                                : malloc(GVT_BATCH_BYTES);
        conn->batch_spare = NULL;
        if (conn->batch == NULL) {
            return 0; /* no memory for a batch: send it on its own */
        }
    }
    batch_put(conn, out, now);
    if (out->done != NULL) {
        out->done(out->done_arg, GVC_OK);
    }
    if (call || conn->batch_n >= GVT_BATCH_ITEMS ||
        GVT_BATCH_BYTES - conn->batch_len < GVC_WIRE_HDR_SIZE + 64 ||
        now - atomic_load_explicit(&conn->batch_t0, memory_order_relaxed) >=
            conn->batch_win_ns) {
        *st_p = gvt_batch_flush_locked(conn);
    }
    return 1;
}

/* A small message was just sent on its own, starting at t0 (lock held):
 * update the running mean of what that costs.  One preempted send must
 * not switch batching on by itself, so samples are capped. */
void gvt_batch_note_send(gvt_conn_t *conn, uint64_t t0)
{
    uint64_t d = gvt_now_ns() - t0;

    if (d > 4 * GVT_BATCH_SEND_NS) {
        d = 4 * GVT_BATCH_SEND_NS;
    }
    conn->send_ns = conn->send_ns - conn->send_ns / 8 + d / 8;
}

/* Send the batch, if any (lock held).  GVC_ERR_TRANSPORT when it could
 * not go: its messages are lost, so the caller must fail the
 * connection. */
gvc_status_t gvt_batch_flush_locked(gvt_conn_t *conn)
{
    uint8_t *items = conn->batch;
    size_t len = conn->batch_len;
    uint32_t seq0 = conn->tx_seq - conn->batch_n; /* items are numbered
                                                     consecutively */

    if (conn->batch_n == 0) {
        return GVC_OK;
    }
    if (gvt_conn_failed(conn) != GVC_OK) {
        gvt_batch_drop(conn);
        return gvt_conn_failed(conn);
    }
    conn->batch = NULL;
    conn->batch_len = 0;
    conn->batch_n = 0;
    atomic_store_explicit(&conn->batch_pending, 0, memory_order_relaxed);
    return gvt_tx_post_batch(conn, items, len, seq0);
}

/* Flush from outside the send path (waiting, flushing, the flusher). */
void gvt_batch_flush(gvt_conn_t *conn)
{
    gvc_status_t st;

    if (!atomic_load_explicit(&conn->batch_pending, memory_order_relaxed)) {
        return;
    }
    pthread_mutex_lock(&conn->lock);
    st = gvt_batch_flush_locked(conn);
    pthread_mutex_unlock(&conn->lock);
    if (st != GVC_OK) {
        gvt_conn_fail(conn, st);
    }
}

/* A batch's buffer is free again (lock held): keep one for the next. */
void gvt_batch_recycle(gvt_conn_t *conn, void *items)
{
    if (conn->batch_spare == NULL) {
        conn->batch_spare = items;
    } else {
        free(items);
    }
}

/* The connection failed or goes away (lock held): forget the batch. */
void gvt_batch_drop(gvt_conn_t *conn)
{
    free(conn->batch);
    free(conn->batch_spare);
    conn->batch_spare = NULL;
    conn->batch = NULL;
    conn->batch_len = 0;
    conn->batch_n = 0;
    atomic_store_explicit(&conn->batch_pending, 0, memory_order_relaxed);
}

static void add_ns(struct timespec *ts, uint64_t ns)
{
    ns += (uint64_t)ts->tv_nsec;
    ts->tv_sec += (time_t)(ns / 1000000000u);
    ts->tv_nsec = (long)(ns % 1000000000u);
}

/* Sleep until the monotonic time 'until' (ns). */
static void nap_until(uint64_t until)
{
    struct timespec ts = { 0, 0 };

    add_ns(&ts, until);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
           EINTR) {
    }
}

/* Block until a batch starts or we are stopped. */
static void flusher_sleep(gvt_conn_t *conn)
{
    pthread_mutex_lock(&conn->lock);
    conn->flusher_idle = 1;
    while (conn->flusher_idle && conn->batch_n == 0 &&
           !atomic_load(&conn->flusher_stop)) {
        pthread_cond_wait(&conn->flusher_cond, &conn->lock);
    }
    conn->flusher_idle = 0;
    pthread_mutex_unlock(&conn->lock);
}

/* Flush the batch if it is still due (its first item at least the
 * window old). */
static void flusher_flush(gvt_conn_t *conn)
{
    gvc_status_t st = GVC_OK;

    pthread_mutex_lock(&conn->lock);
    if (conn->batch_n > 0 && conn->batch_win_ns != 0 &&
        gvt_now_ns() - atomic_load(&conn->batch_t0) >= conn->batch_win_ns) {
        st = gvt_batch_flush_locked(conn);
    }
    pthread_mutex_unlock(&conn->lock);
    if (st == GVC_ERR_TRANSPORT) {
        gvt_conn_fail(conn, st);
    }
}

static void *flusher_main(void *arg)
{
    gvt_conn_t *conn = arg;
    uint64_t win = (uint64_t)conn->p.batch_us * 1000u;
    uint64_t now, t0, last_batch = 0;

#ifdef PR_SET_TIMERSLACK
    /* The default 50 us of slack would stretch short windows. */
    prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
#endif
    while (!atomic_load(&conn->flusher_stop)) {
        now = gvt_now_ns();
        if (atomic_load_explicit(&conn->batch_pending,
                                 memory_order_relaxed)) {
            last_batch = now;
            t0 = atomic_load_explicit(&conn->batch_t0, memory_order_relaxed);
            if (now - t0 < win) {
                nap_until(t0 + win);
            } else {
                flusher_flush(conn);
            }
            continue;
        }
        if (now - last_batch < GVT_BATCH_LINGER_NS &&
            gvt_conn_failed(conn) == GVC_OK) {
            nap_until(now + win);
            continue;
        }
        flusher_sleep(conn);
        last_batch = gvt_now_ns();
    }
    return NULL;
}

/* Start batching (from gvt_conn_connect, lock not held). */
gvc_status_t gvt_batch_start(gvt_conn_t *conn)
{
    int rc;

    if (conn->p.batch_us == 0 || conn->flusher_on) {
        return GVC_OK;
    }
    pthread_cond_init(&conn->flusher_cond, NULL);
    rc = pthread_create(&conn->flusher, NULL, flusher_main, conn);
    if (rc != 0) {
        gvc_warn("%s: no flusher thread (%s): messages are not batched",
                 conn->name, strerror(rc));
        pthread_cond_destroy(&conn->flusher_cond);
        return GVC_OK;
    }
    conn->flusher_on = 1;
    pthread_mutex_lock(&conn->lock);
    conn->batch_win_ns = (uint64_t)conn->p.batch_us * 1000u;
    pthread_mutex_unlock(&conn->lock);
    return GVC_OK;
}

/* Stop batching (lock not held): the batch leaves, later messages go
 * one by one, the flusher ends. */
void gvt_batch_stop(gvt_conn_t *conn)
{
    gvc_status_t st;

    if (!conn->flusher_on) {
        return;
    }
    pthread_mutex_lock(&conn->lock);
    st = gvt_batch_flush_locked(conn);
    atomic_store(&conn->flusher_stop, 1);
    conn->batch_win_ns = 0;
    pthread_cond_signal(&conn->flusher_cond);
    pthread_mutex_unlock(&conn->lock);
    if (st == GVC_ERR_TRANSPORT) {
        gvt_conn_fail(conn, st);
    }
    pthread_join(conn->flusher, NULL);
    pthread_cond_destroy(&conn->flusher_cond);
    conn->flusher_on = 0;
}
