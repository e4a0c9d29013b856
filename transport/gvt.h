/*
 * gvt.h - the gvirtus transport: RPC over UCX active messages.
 *
 * Objects:
 *   gvt_ctx_t   the UCX context of a process (reads UCX_* variables).  One
 *               per process side; thread-safe; outlives its connections.
 *   gvt_conn_t  one peer: its own UCX worker, endpoint, receive queue and
 *               table of calls awaiting replies.  A client has one per
 *               remote GPU; a gvd worker process has exactly one.
 *   gvt_memh_t  a host memory region registered with UCX (zero-copy).
 *
 * Messages (see gvc_wire.h) carry a header plus encoded arguments, which
 * travel as the active-message header, and an optional bulk payload,
 * which travels as its data: eager when small, rendezvous when large.
 * Incoming messages are handed to the receive callback strictly in the
 * order they were sent, each once its payload has fully arrived; the data
 * callback chooses where each payload lands (e.g. the user's buffer on
 * the client, a pinned staging buffer on gvd), so payloads are not copied.
 *
 * Threads: every function may be called from any thread.  All UCX calls of
 * a connection happen under its lock; callbacks run without it, one at a
 * time, in message order.  Waiting spins briefly, then sleeps on the UCX
 * event fd, so an idle connection burns no CPU.
 *
 * Failure: a peer that disappears (UCX error callback, or EOF on the
 * liveness fd) fails every pending and later call with GVC_ERR_PEER_DOWN.
 * A reply that does not come within the call timeout is GVC_ERR_TIMEOUT.
 */
#ifndef GVT_H
#define GVT_H

#include "gvc_status.h"
#include "gvc_wire.h"

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gvt_ctx gvt_ctx_t;
typedef struct gvt_conn gvt_conn_t;
typedef struct gvt_memh gvt_memh_t;

/* ---- context ---------------------------------------------------------- */

/* Create the process's UCX context.  name appears in logs.  Returns
 * GVC_ERR_TRANSPORT when UCX cannot start (bad UCX_TLS, no transports). */
gvc_status_t gvt_ctx_create(const char *name, gvt_ctx_t **ctx_p);

/* Destroy; every connection of it must already be destroyed. */
void gvt_ctx_destroy(gvt_ctx_t *ctx);

/* ---- registered memory -----------------------------------------------
 * Registration makes sends from and receives into a region zero-copy on
 * fabrics that need it (verbs); elsewhere it is harmless. */

/* Register [addr, addr+len).  Caller unregisters with gvt_mem_unregister. */
gvc_status_t gvt_mem_register(gvt_ctx_t *ctx, void *addr, size_t len,
                              gvt_memh_t **memh_p);
/* Allocate len bytes of page-aligned host memory and register it.
 * Caller frees with gvt_mem_free. */
gvc_status_t gvt_mem_alloc(gvt_ctx_t *ctx, size_t len, void **addr_p,
                           gvt_memh_t **memh_p);
void gvt_mem_unregister(gvt_memh_t *memh);
void gvt_mem_free(gvt_memh_t *memh); /* for gvt_mem_alloc'd memory */
void *gvt_mem_addr(const gvt_memh_t *memh);
size_t gvt_mem_len(const gvt_memh_t *memh);

/* ---- connections --------------------------------------------------------*/

/* An incoming message; valid only during the receive callback. */
typedef struct gvt_msg {
    gvc_wire_hdr_t hdr;
    const void *args;    /* hdr.args_len bytes */
    void *data;          /* hdr.data_len bytes, where the data callback
                            chose (or transport memory if it chose none) */
    void *data_cookie;   /* what the data callback returned with it */
} gvt_msg_t;

/*
 * Where the payload of an incoming request or event lands.  Called in
 * arrival order before the payload is received, from progress, under the
 * connection lock: it must not call transport functions.  Return a buffer of at least hdr->data_len bytes
 * and optionally its registration and a cookie handed back in gvt_msg_t,
 * or NULL to let the transport allocate (it frees after delivery).
 * Replies never reach this callback: they land where gvt_call said.
 */
typedef void *(*gvt_data_cb_t)(gvt_conn_t *conn, const gvc_wire_hdr_t *hdr,
                               const void *args, void *arg,
                               gvt_memh_t **memh_p, void **cookie_p);

/* Deliver one request or event, in send order.  Replies are consumed by
 * the calls that wait for them and never reach this callback. */
typedef void (*gvt_recv_cb_t)(gvt_conn_t *conn, gvt_msg_t *msg, void *arg);

/* An event message (GVC_WF_EVENT, arguments only): handed over at once,
 * from inside progress, ahead of queued messages and under the
 * connection lock, so it must not call transport functions.  For
 * notifications that must get through while the ordered stream is
 * blocked (host functions waiting on the other side). */
typedef void (*gvt_urgent_cb_t)(gvt_conn_t *conn, const gvc_wire_hdr_t *hdr,
                                const void *args, void *arg);

/* A detached call finished (see gvt_call_detached). */
typedef void (*gvt_detached_cb_t)(gvt_conn_t *conn, uint64_t call_id,
                                  gvc_status_t status, int64_t result,
                                  void *arg);

typedef struct gvt_conn_params {
    const char *name;             /* for logs, e.g. "gpu0 host:port" */
    gvt_recv_cb_t recv_cb;        /* NULL: requests are dropped (logged) */
    gvt_data_cb_t data_cb;        /* NULL: transport buffers */
    gvt_detached_cb_t detached_cb;/* NULL: results of detached calls are
                                     only logged when they are errors */
    gvt_urgent_cb_t urgent_cb;    /* NULL: events are queued like requests */
    void *arg;                    /* passed to the callbacks */
    long timeout_ms;              /* reply timeout of gvt_call; 0: none */
    unsigned batch_us;            /* coalesce one-way messages that come
                                     within this many microseconds of each
                                     other, and hold none longer (see
                                     "Batching" below); 0: send each at
                                     once */
    int batch_always;             /* batch even where sends are cheap
                                     (tests) */
} gvt_conn_params_t;

/* Create a connection's worker.  Then exchange gvt_conn_address() with the
 * peer out of band and call gvt_conn_connect(). */
gvc_status_t gvt_conn_create(gvt_ctx_t *ctx, const gvt_conn_params_t *p,
                             gvt_conn_t **conn_p);

/* This side's UCX worker address.  Caller frees *addr_p with free(). */
gvc_status_t gvt_conn_address(gvt_conn_t *conn, void **addr_p,
                              size_t *len_p);

/* Create the endpoint to the peer's worker address (from the peer's
 * gvt_conn_address()).  GVC_ERR_INVALID for a garbled address. */
gvc_status_t gvt_conn_connect(gvt_conn_t *conn, const void *peer_addr,
                              size_t len);

/* Also watch fd (the control socket): EOF or error on it marks the peer
 * down.  The transport only reads it with MSG_PEEK; the caller owns it. */
void gvt_conn_set_liveness_fd(gvt_conn_t *conn, int fd);

/* Flush outstanding sends, close the endpoint, free everything.  Pending
 * calls fail with GVC_ERR_PEER_DOWN. */
void gvt_conn_destroy(gvt_conn_t *conn);

/* GVC_OK while the peer is reachable, else the reason it is not. */
gvc_status_t gvt_conn_status(gvt_conn_t *conn);

/* Mark the peer down (e.g. after a protocol violation); pending calls fail
 * with status. */
void gvt_conn_fail(gvt_conn_t *conn, gvc_status_t status);

const char *gvt_conn_name(const gvt_conn_t *conn);
gvt_ctx_t *gvt_conn_ctx(const gvt_conn_t *conn);
void *gvt_conn_arg(const gvt_conn_t *conn);

/* Byte and message counters of a connection (for statistics). */
typedef struct gvt_stats {
    uint64_t msgs_out, msgs_in;   /* messages, batched ones included */
    uint64_t bytes_out, bytes_in; /* header + args + data */
    uint64_t batches_out;         /* batches sent (each one UCX message) */
    uint64_t batched_out;         /* messages that travelled in them */
} gvt_stats_t;
void gvt_conn_stats(gvt_conn_t *conn, gvt_stats_t *stats_p);

/* ---- sending --------------------------------------------------------------*/

/*
 * Batching.  On a connection with batch_us > 0, a one-way message without
 * a large payload that follows the previous message within batch_us is
 * not sent at once but appended to a batch, which leaves as one transport
 * message when a message that cannot wait is sent (a call joins the batch
 * when it fits, so a burst and the call that ends it travel together),
 * when the batch is full, when its first message is batch_us old (a
 * flusher thread sees to that even when the sender goes quiet), or when
 * a thread waits on, flushes or destroys the connection.  The first
 * message after a quiet spell goes at once.  Batching only starts once
 * small sends are seen to be expensive (TCP's system call): where they
 * are cheap (shared memory, RDMA) holding messages back would only
 * delay the GPU.  Order, error reporting and
 * gvt_send's contract are unchanged: a batched message's data has been
 * copied, so its done callback runs before gvt_send returns.
 */

/* Called once the data buffer of a send may be reused or freed; runs
 * under the connection lock, so it must not call transport functions. */
typedef void (*gvt_done_cb_t)(void *arg, gvc_status_t status);

typedef struct gvt_out {
    uint32_t api_id;
    uint16_t flags;        /* GVC_WF_ONEWAY, _REPLY, _EVENT or _PART */
    uint64_t call_id;      /* replies and parts: the request's id */
    int64_t result;        /* replies */
    uint32_t seq_err;      /* replies */
    const void *args;      /* copied before gvt_send returns */
    size_t args_len;
    const void *data;      /* zero-copy: must stay valid until done */
    size_t data_len;
    gvt_memh_t *memh;      /* registration of data, or NULL */
    gvt_done_cb_t done;    /* NULL: gvt_send waits until data is free */
    void *done_arg;
} gvt_out_t;

/* Send one message.  Returns once it is queued (and, when out->done is
 * NULL and there is data, once the data buffer may be reused).  done may
 * run before gvt_send returns.  Errors: GVC_ERR_PEER_DOWN, _TRANSPORT,
 * _OVERFLOW (args over GVC_WIRE_MAX_ARGS); done is not called then. */
gvc_status_t gvt_send(gvt_conn_t *conn, const gvt_out_t *out);

/* Send a reply part: len bytes of the reply data of call_id at offset. */
gvc_status_t gvt_send_part(gvt_conn_t *conn, uint64_t call_id,
                           uint64_t offset, const void *data, size_t len,
                           gvt_memh_t *memh, gvt_done_cb_t done,
                           void *done_arg);

/* Where a reply goes.  args_len and data_len report what arrived. */
typedef struct gvt_reply {
    void *args;            /* reply arguments are copied here */
    size_t args_cap;
    size_t args_len;
    void *data;            /* reply data and parts land here directly */
    size_t data_cap;
    size_t data_len;       /* highest offset + length written */
    int64_t result;        /* the API's return code */
    uint32_t seq_err;      /* deferred error reported with the reply */
} gvt_reply_t;

/*
 * Send a request and wait for its reply.  out->flags must not have
 * GVC_WF_ONEWAY; out->call_id is assigned.  The reply is delivered only
 * after every message the peer sent before it, so data of earlier calls
 * has landed too.  Errors: transport statuses, GVC_ERR_TIMEOUT,
 * GVC_ERR_PROTO (reply larger than the buffers given; the connection is
 * then failed, as the stream can no longer be trusted).
 */
gvc_status_t gvt_call(gvt_conn_t *conn, gvt_out_t *out, gvt_reply_t *reply);

/*
 * Send a request whose reply only carries data into data[0..cap) and a
 * result, and return at once.  The data lands (and detached_cb runs) when
 * the reply arrives; later calls' replies are delivered after it.
 * *call_id_p receives the id.  Out->data must stay valid until out->done.
 */
gvc_status_t gvt_call_detached(gvt_conn_t *conn, gvt_out_t *out, void *data,
                               size_t cap, uint64_t *call_id_p);

/* Progress until *flag becomes non-zero (set by a done callback, say).
 * timeout_ms 0: the connection's call timeout (none when it has none);
 * running out of that fails the connection, as a missing reply does.
 * Returns GVC_OK, the connection's failure, or GVC_ERR_TIMEOUT. */
gvc_status_t gvt_conn_wait_flag(gvt_conn_t *conn, atomic_int *flag,
                                long timeout_ms);

/* Wait until every send of this connection has completed locally. */
gvc_status_t gvt_conn_flush(gvt_conn_t *conn);

/* ---- progress, for event loops ---------------------------------------------*/

/* Make progress and deliver messages that are ready.  Returns the number
 * of events handled (0 when idle). */
unsigned gvt_conn_progress(gvt_conn_t *conn);

/* Progress the network only: urgent events are handled, nothing is
 * delivered.  For threads that must not run request handlers (CUDA's
 * callback threads).  Returns the number of events. */
unsigned gvt_conn_poll(gvt_conn_t *conn);

/* A file descriptor that becomes readable when the connection has work.
 * Call gvt_conn_arm() before sleeping on it: it returns GVC_OK when it is
 * safe to sleep, GVC_INPROGRESS when there is work to progress first. */
int gvt_conn_fd(gvt_conn_t *conn);
gvc_status_t gvt_conn_arm(gvt_conn_t *conn);

/*
 * One step of a single-threaded server loop: progress and deliver until
 * nothing happened for spin_us microseconds, then sleep on the UCX event
 * fd and on fd (if >= 0) for at most timeout_ms.  Spinning first keeps
 * the round trip at the fabric's latency while calls keep coming; the
 * sleep keeps an idle server off the CPU.  Returns 1 when fd is readable
 * (or hung up), 0 otherwise.
 */
int gvt_conn_serve(gvt_conn_t *conn, int fd, long spin_us, int timeout_ms);

/* The same over n connections (at most GVT_SERVE_MAX; more are not
 * watched): a gvd worker serves its client and its peer links (the
 * other workers of the same client) from one thread. */
#define GVT_SERVE_MAX 64
int gvt_conns_serve(gvt_conn_t **conns, int n, int fd, long spin_us,
                    int timeout_ms);

/* Largest args_len that travels in the UCX header (larger args travel
 * with the data, at the cost of a copy). */
size_t gvt_conn_max_inline_args(const gvt_conn_t *conn);

#endif
