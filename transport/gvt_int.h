/*
 * gvt_int.h - private structures of the transport.  Only the transport's .c files
 * include this.
 *
 * Locking: conn->lock guards the UCX worker and endpoint and every field
 * marked [lock].  conn->deliver_lock is held by the one thread that runs
 * callbacks, which keeps them in message order.  Slot 'done' flags are
 * atomics read without locks by waiting threads.
 */
#ifndef GVT_INT_H
#define GVT_INT_H

#include "gvt.h"

#include <pthread.h>
#include <stdatomic.h>
#include <ucp/api/ucp.h>

#define GVT_AM_ID          7      /* our one active-message id */
#define GVT_SLOT_BITS      12
#define GVT_MAX_SLOTS      (1u << GVT_SLOT_BITS) /* calls in flight */
#define GVT_TX_INLINE      512    /* header+args kept inside a tx record */
#define GVT_RX_INLINE      256    /* args kept inside an rx record */
#define GVT_FAST_ARGS      256    /* args of a request on the fast path */
#define GVT_SPIN_NS        200000 /* busy-poll this long before sleeping */
#define GVT_SPIN_CHECK     64     /* idle passes between clock readings */
#define GVT_SPIN_HOT       4096   /* idle passes polled without PAUSE */
#define GVT_BATCH_BYTES    16384  /* a batch leaves when this full, */
#define GVT_BATCH_ITEMS    64     /* or with this many messages; */
#define GVT_BATCH_ITEM_MAX 4096   /* larger messages are never batched */
#define GVT_BATCH_LINGER_NS 2000000 /* the flusher polls this long after
                                       the last batch, then sleeps */
#define GVT_BATCH_SEND_NS  800    /* batch only where a small send costs
                                     more (TCP: ~1.4 us; shared memory and
                                     RDMA: ~0.3 us) */

struct gvt_ctx {
    ucp_context_h ucp;
    char name[32];
};

struct gvt_memh {
    gvt_ctx_t *ctx;
    ucp_mem_h mh;
    void *addr;
    size_t len;
    int allocated;              /* memory is ours (gvt_mem_alloc) */
};

/* A call waiting for its reply. */
typedef struct gvt_slot {
    uint64_t call_id;           /* [lock] 0 when free */
    uint32_t gen;               /* [lock] bumped on each use */
    gvt_reply_t *reply;         /* sync calls: the caller's (its stack) */
    void *data;                 /* where reply data and parts land */
    size_t cap;
    size_t data_hi;             /* highest byte written + 1 */
    int detached;
    gvc_status_t status;        /* set before done */
    int64_t result;
    atomic_int done;            /* reply delivered (or call failed) */
    struct gvt_slot *next_free; /* [lock] */
} gvt_slot_t;

/* An outgoing message whose header must live until UCX is done with it. */
typedef struct gvt_tx {
    struct gvt_tx *next_free;   /* [lock] */
    gvt_conn_t *conn;
    gvt_done_cb_t done;
    void *done_arg;
    atomic_int *flag;           /* blocking sends: set to 1 when done */
    gvc_status_t *flag_status;
    uint8_t *hbuf;              /* header + args: inline_buf or malloc'd */
    size_t hlen;
    void *owned;                /* a batch's items, freed when done */
    void *ucx_req;
    uint8_t inline_buf[GVT_TX_INLINE];
} gvt_tx_t;

/* An incoming message, queued until its data arrived and its turn came. */
typedef struct gvt_rx {
    struct gvt_rx *next;
    gvt_conn_t *conn;
    gvc_wire_hdr_t hdr;
    uint8_t *args;              /* args_inline or malloc'd */
    void *data;                 /* destination of the payload */
    void *cookie;               /* from the data callback */
    void *ucx_desc;             /* eager UCX data to release when done */
    void *owned;                /* transport buffer to free when done */
    gvt_slot_t *slot;           /* replies and parts: the call */
    uint64_t offset;            /* parts: where in the reply data */
    atomic_int ready;           /* payload complete */
    gvc_status_t status;        /* payload receive error */
    uint8_t args_inline[GVT_RX_INLINE];
} gvt_rx_t;

struct gvt_conn {
    gvt_ctx_t *ctx;
    char name[64];
    gvt_conn_params_t p;
    ucp_worker_h worker;
    ucp_ep_h ep;                /* [lock] NULL until connected */
    int efd;
    int wake_fd;                /* eventfd: a poll-only thread took in
                                   messages for a sleeping deliverer */
    atomic_int sleeping;        /* threads about to sleep or asleep on
                                   efd (they watch wake_fd too) */
    int live_fd;                /* control socket, -1 if none */
    size_t max_hdr;             /* UCX max_am_header */
    int short_hdr;              /* send short headers where they fit
                                   (GVIRTUS_SHORT_HEADERS=0: never, for
                                   measuring what they save) */
    pthread_mutex_t lock;
    pthread_mutex_t deliver_lock;
    pthread_mutex_t sleep_lock; /* the one thread that sleeps on efd */
    pthread_mutex_t wait_mutex; /* with wait_cond: the others */
    pthread_cond_t wait_cond;
    atomic_int sleepers;
    atomic_int failed;          /* a gvc_status_t, 0 while healthy */
    uint32_t tx_seq;            /* [lock] */
    uint32_t rx_seq;            /* [lock] next seq expected to arrive */
    uint32_t deliver_seq;       /* [deliver_lock] next seq to deliver */
    gvt_rx_t *rx_head, *rx_tail;/* [lock] arrival order (= send order) */
    gvt_rx_t *free_rx;          /* [lock] recycled rx records */
    gvt_slot_t *slots;          /* GVT_MAX_SLOTS */
    gvt_slot_t *free_slots;     /* [lock] */
    gvt_tx_t *free_tx;          /* [lock] */
    int tx_inflight;            /* [lock] sends UCX has not completed */
    /* [lock] counters: updated where the lock is held anyway; read
     * without it (64-bit loads do not tear on the platforms we build). */
    uint64_t msgs_out, msgs_in, bytes_out, bytes_in;
    /* One request whose arguments came without a payload and with nothing
     * queued ahead: handed from the UCX callback [lock] to the deliverer
     * [deliver_lock] without a queue record or extra lock sections. */
    atomic_int fast_ready;
    /* [lock] A deliverer holds messages it took from the queue and has
     * not delivered all of them yet: nothing newer may bypass them. */
    int rx_in_hand;
    gvc_wire_hdr_t fast_hdr;
    uint8_t fast_args[GVT_FAST_ARGS];
    /* The last slot a finished call released, reused without the lock. */
    gvt_slot_t *_Atomic spare;
    /* Batching (gvt_batch.c); all [lock] unless said otherwise. */
    uint8_t *batch;             /* items waiting to leave, NULL when none */
    size_t batch_len;
    unsigned batch_n;
    uint8_t *batch_spare;       /* a sent batch's buffer, for the next */
    _Atomic uint64_t batch_t0;  /* when its first item came (the flusher
                                   peeks at it without the lock) */
    uint64_t send_ns;           /* running mean cost of a small send */
    uint64_t batch_last_ns;     /* when the last message was sent */
    uint64_t batch_win_ns;      /* p.batch_us in ns; 0: batching off */
    atomic_int batch_pending;   /* peeked without the lock */
    uint64_t batches_out, batched_out;
    pthread_t flusher;
    int flusher_on;             /* the flusher thread runs */
    int flusher_idle;           /* it waits on flusher_cond */
    atomic_int flusher_stop;
    pthread_cond_t flusher_cond;/* with conn->lock */
};

/* gvt_conn.c */
unsigned gvt_progress_locked(gvt_conn_t *conn);
void gvt_wake_waiters(gvt_conn_t *conn);
gvc_status_t gvt_wait_flag(gvt_conn_t *conn, atomic_int *flag,
                           long timeout_ms);
gvc_status_t gvt_conn_failed(gvt_conn_t *conn);

/* gvt_rx.c */
ucs_status_t gvt_am_cb(void *arg, const void *header, size_t header_length,
                       void *data, size_t length,
                       const ucp_am_recv_param_t *param);
unsigned gvt_deliver(gvt_conn_t *conn);
void gvt_rx_fail_all(gvt_conn_t *conn);
void gvt_rx_free_all(gvt_conn_t *conn);

/* gvt_batch.c */
int gvt_batch_take(gvt_conn_t *conn, const gvt_out_t *out,
                   gvc_status_t *st_p);
void gvt_batch_note_send(gvt_conn_t *conn, uint64_t t0);
gvc_status_t gvt_batch_flush_locked(gvt_conn_t *conn);
void gvt_batch_flush(gvt_conn_t *conn);
void gvt_batch_drop(gvt_conn_t *conn);
void gvt_batch_recycle(gvt_conn_t *conn, void *items);
gvc_status_t gvt_batch_start(gvt_conn_t *conn);
void gvt_batch_stop(gvt_conn_t *conn);

/* gvt_tx.c */
gvc_status_t gvt_tx_post_batch(gvt_conn_t *conn, uint8_t *items,
                               size_t len, uint32_t seq0);
gvt_slot_t *gvt_slot_lookup(gvt_conn_t *conn, uint64_t call_id);
void gvt_slot_finish(gvt_conn_t *conn, gvt_slot_t *slot,
                     gvc_status_t status, int64_t result);
void gvt_slots_fail_all(gvt_conn_t *conn, gvc_status_t status);
void gvt_tx_free_all(gvt_conn_t *conn);

static inline uint64_t gvt_now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

#endif
