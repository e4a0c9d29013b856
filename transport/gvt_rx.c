/*
 * gvt_rx.c - receiving: the active-message handler, payload placement and
 * in-order delivery.
 *
 * UCX calls gvt_am_cb() for each message, in the order the peer sent
 * them, from inside progress (conn->lock held).  We validate the header,
 * decide where the payload goes (the waiting call's buffer for replies,
 * the data callback's choice for requests), start a rendezvous receive if
 * the payload is large, and queue the message.  gvt_deliver() then hands
 * queued messages to their consumers strictly in sequence, each only once
 * its payload is complete, so a reply never overtakes data sent before it.
 */
#include "config.h"

#include "gvt_int.h"
#include "gvc_log.h"

#include <stdlib.h>
#include <string.h>

/* Records are recycled (lock held): no malloc on the per-call path. */
static gvt_rx_t *rx_alloc(gvt_conn_t *conn)
{
    gvt_rx_t *rx = conn->free_rx;

    if (rx != NULL) {
        conn->free_rx = rx->next;
    } else {
        rx = malloc(sizeof(*rx));
        if (rx == NULL) {
            return NULL;
        }
    }
    /* Everything but the inline args buffer. */
    memset(rx, 0, offsetof(gvt_rx_t, args_inline));
    rx->conn = conn;
    rx->args = rx->args_inline;
    return rx;
}

static void rx_free(gvt_conn_t *conn, gvt_rx_t *rx)
{
    if (rx->ucx_desc != NULL) {
        ucp_am_data_release(conn->worker, rx->ucx_desc);
    }
    free(rx->owned);
    if (rx->args != rx->args_inline) {
        free(rx->args);
    }
    rx->next = conn->free_rx;
    conn->free_rx = rx;
}

void gvt_rx_free_all(gvt_conn_t *conn)
{
    gvt_rx_t *rx, *next;

    for (rx = conn->free_rx; rx != NULL; rx = next) {
        next = rx->next;
        free(rx);
    }
    conn->free_rx = NULL;
}

/*
 * The common case of a synchronous call: a reply with its payload already
 * here and nothing ahead of it (queued, parked, or taken by a deliverer
 * and not yet delivered).  Complete the call right in the UCX callback,
 * without queueing.  Returns 1 when done.
 */
static int rx_fast_reply(gvt_conn_t *conn, const gvc_wire_hdr_t *hdr,
                         const void *args, void *data, int rndv)
{
    gvt_slot_t *slot;
    gvt_reply_t *reply;

    if ((hdr->flags & (GVC_WF_REPLY | GVC_WF_PART |
                       GVC_WF_ARGS_IN_DATA)) != GVC_WF_REPLY ||
        conn->rx_head != NULL || conn->rx_in_hand ||
        (rndv && hdr->data_len > 0) ||
        atomic_load_explicit(&conn->fast_ready, memory_order_acquire)) {
        return 0; /* something older is still to be delivered */
    }
    slot = gvt_slot_lookup(conn, hdr->call_id);
    if (slot == NULL || slot->detached || slot->reply == NULL ||
        hdr->args_len > slot->reply->args_cap ||
        hdr->data_len > slot->cap || slot->data_hi > 0) {
        return 0; /* the slow path sorts out (or reports) the rest */
    }
    reply = slot->reply;
    if (hdr->args_len > 0) {
        memcpy(reply->args, args, hdr->args_len);
    }
    if (hdr->data_len > 0) {
        memcpy(slot->data, data, hdr->data_len);
    }
    reply->args_len = hdr->args_len;
    reply->data_len = hdr->data_len;
    reply->result = hdr->result;
    reply->seq_err = hdr->seq_err;
    slot->result = hdr->result;
    slot->status = GVC_OK;
    atomic_store_explicit(&slot->done, 1, memory_order_release);
    return 1;
}

/* Bad input from the peer: the stream cannot be trusted any more. */
static ucs_status_t rx_reject(gvt_conn_t *conn, const char *why)
{
    int expected = 0;

    gvc_error("%s: dropping connection: %s", conn->name, why);
    if (atomic_compare_exchange_strong(&conn->failed, &expected,
                                       (int)GVC_ERR_PROTO)) {
        gvt_slots_fail_all(conn, GVC_ERR_PROTO);
    }
    return UCS_OK;
}

static void rx_rndv_done(void *request, ucs_status_t us, size_t length,
                         void *user_data)
{
    gvt_rx_t *rx = user_data;

    if (us != UCS_OK) {
        rx->status = GVC_ERR_TRANSPORT;
    }
    atomic_store_explicit(&rx->ready, 1, memory_order_release);
    ucp_request_free(request);
}

/* Decide where a reply or part lands: inside the call's buffer. */
static int rx_place_reply(gvt_conn_t *conn, gvt_rx_t *rx)
{
    gvt_slot_t *slot = gvt_slot_lookup(conn, rx->hdr.call_id);

    if (slot == NULL) {
        return -1;
    }
    rx->slot = slot;
    if (rx->hdr.flags & GVC_WF_PART) {
        if (rx->hdr.args_len != sizeof(uint64_t)) {
            return -1;
        }
        memcpy(&rx->offset, rx->args, sizeof(uint64_t));
    }
    if (rx->hdr.data_len == 0) {
        return 0;
    }
    if (slot->data == NULL || rx->offset > slot->cap ||
        rx->hdr.data_len > slot->cap - rx->offset) {
        return -1;
    }
    rx->data = (uint8_t *)slot->data + rx->offset;
    return 0;
}

/* Payload of a request or event: ask the owner, or allocate. */
static int rx_place_request(gvt_conn_t *conn, gvt_rx_t *rx)
{
    gvt_memh_t *memh = NULL;

    if (rx->hdr.data_len == 0) {
        return 0;
    }
    if (conn->p.data_cb != NULL) {
        rx->data = conn->p.data_cb(conn, &rx->hdr, rx->args, conn->p.arg,
                                   &memh, &rx->cookie);
    }
    if (rx->data == NULL) {
        rx->owned = malloc(rx->hdr.data_len);
        if (rx->owned == NULL) {
            return -1;
        }
        rx->data = rx->owned;
    }
    return 0;
}

static int rx_place(gvt_conn_t *conn, gvt_rx_t *rx)
{
    if (rx->hdr.flags & (GVC_WF_REPLY | GVC_WF_PART)) {
        return rx_place_reply(conn, rx);
    }
    return rx_place_request(conn, rx);
}

static int rx_copy_args(gvt_rx_t *rx, const void *src)
{
    if (rx->hdr.args_len > GVT_RX_INLINE) {
        rx->args = malloc(rx->hdr.args_len);
        if (rx->args == NULL) {
            return -1;
        }
    }
    memcpy(rx->args, src, rx->hdr.args_len);
    return 0;
}

/* A request with small arguments, no payload and nothing queued ahead:
 * park it for the deliverer (see fast_ready in gvt_int.h). */
static int rx_fast_request(gvt_conn_t *conn, const gvc_wire_hdr_t *hdr,
                           const void *args, size_t want)
{
    if ((hdr->flags & (GVC_WF_REPLY | GVC_WF_PART | GVC_WF_ARGS_IN_DATA)) ||
        want != 0 || hdr->args_len > GVT_FAST_ARGS ||
        conn->rx_head != NULL ||
        atomic_load_explicit(&conn->fast_ready, memory_order_acquire)) {
        return 0;
    }
    conn->fast_hdr = *hdr;
    memcpy(conn->fast_args, args, hdr->args_len);
    atomic_store_explicit(&conn->fast_ready, 1, memory_order_release);
    return 1;
}

static void rx_enqueue(gvt_conn_t *conn, gvt_rx_t *rx)
{
    rx->next = NULL;
    if (conn->rx_tail != NULL) {
        conn->rx_tail->next = rx;
    } else {
        conn->rx_head = rx;
    }
    conn->rx_tail = rx;
}

/*
 * Args that did not fit the UCX header travel in front of the data.  We
 * receive both into one transport buffer; once complete, split them.
 */
static int rx_split_args_in_data(gvt_conn_t *conn, gvt_rx_t *rx)
{
    uint8_t *buf = rx->owned;

    rx->owned = NULL;
    rx->data = NULL;
    if (rx_copy_args(rx, buf) != 0) {
        free(buf);
        return -1;
    }
    if (rx_place(conn, rx) != 0) {
        free(buf);
        return -1;
    }
    if (rx->hdr.data_len > 0) {
        memcpy(rx->data, buf + rx->hdr.args_len, rx->hdr.data_len);
    }
    free(buf);
    return 0;
}

/*
 * Take in one message whose header checked out and whose turn it is:
 * hdr, its inline args (when not in the data) and its payload, want
 * bytes at data (a rendezvous descriptor when rndv).
 */
static ucs_status_t rx_one(gvt_conn_t *conn, const gvc_wire_hdr_t *hdr,
                           const uint8_t *args, void *data, size_t want,
                           int rndv)
{
    ucp_request_param_t rp = {
        .op_attr_mask = UCP_OP_ATTR_FIELD_CALLBACK |
                        UCP_OP_ATTR_FIELD_USER_DATA,
        .cb.recv_am = rx_rndv_done,
    };
    int args_in_data = (hdr->flags & GVC_WF_ARGS_IN_DATA) != 0;
    ucs_status_ptr_t sp;
    gvt_rx_t *rx;

    if ((hdr->flags & GVC_WF_EVENT) && conn->p.urgent_cb != NULL &&
        !args_in_data && hdr->data_len == 0) {
        conn->p.urgent_cb(conn, hdr, args, conn->p.arg);
        return UCS_OK;
    }
    if (rx_fast_reply(conn, hdr, args, data, rndv)) {
        return UCS_OK;
    }
    if (rx_fast_request(conn, hdr, args, want)) {
        return UCS_OK;
    }
    rx = rx_alloc(conn);
    if (rx == NULL) {
        return rx_reject(conn, "out of memory");
    }
    rx->hdr = *hdr;

    if (args_in_data) {
        rx->owned = malloc(want > 0 ? want : 1);
        if (rx->owned == NULL) {
            rx_free(conn, rx);
            return rx_reject(conn, "out of memory");
        }
        if (!rndv) {
            memcpy(rx->owned, data, want);
            if (rx_split_args_in_data(conn, rx) != 0) {
                rx_free(conn, rx);
                return rx_reject(conn, "bad reply or no memory");
            }
            atomic_store(&rx->ready, 1);
            rx_enqueue(conn, rx);
            return UCS_OK;
        }
        rx->data = rx->owned; /* split when the rendezvous completes */
    } else {
        if (rx_copy_args(rx, args) != 0 ||
            rx_place(conn, rx) != 0) {
            rx_free(conn, rx);
            return rx_reject(conn, "reply to no pending call, reply larger "
                                   "than its buffer, or no memory");
        }
    }

    if (want == 0) {
        atomic_store(&rx->ready, 1);
    } else if (rndv) {
        rp.user_data = rx;
        sp = ucp_am_recv_data_nbx(conn->worker, data, rx->data, want, &rp);
        if (UCS_PTR_IS_ERR(sp)) {
            rx->status = GVC_ERR_TRANSPORT;
            atomic_store(&rx->ready, 1);
        } else if (sp == NULL) {
            atomic_store(&rx->ready, 1);
        }
    } else {
        memcpy(rx->data, data, want);
        atomic_store(&rx->ready, 1);
    }
    rx_enqueue(conn, rx);
    return UCS_OK;
}

/* A batch: take its items in as if they had come one by one. */
static ucs_status_t rx_batch(gvt_conn_t *conn, const gvc_wire_hdr_t *hdr,
                             size_t header_length, const void *data,
                             size_t length, int rndv)
{
    gvc_wire_hdr_t item;
    const void *args, *idata;
    size_t off = 0;

    if (hdr->flags != GVC_WF_BATCH || hdr->args_len != 0 ||
        header_length != GVC_WIRE_HDR_SIZE || length != hdr->data_len ||
        length == 0 || rndv) {
        return rx_reject(conn, "malformed batch");
    }
    conn->bytes_in += header_length;
    while (off < length) {
        if (gvc_wire_batch_next(data, length, &off, &item, &args,
                                &idata) != GVC_OK) {
            return rx_reject(conn, "garbled message in a batch");
        }
        if (item.seq != conn->rx_seq) {
            return rx_reject(conn, "message out of sequence in a batch");
        }
        conn->rx_seq++;
        conn->msgs_in++;
        conn->bytes_in += GVC_WIRE_HDR_SIZE + item.args_len + item.data_len;
        rx_one(conn, &item, args, (void *)idata, item.data_len, 0);
        if (gvt_conn_failed(conn) != GVC_OK) {
            break;
        }
    }
    return UCS_OK;
}

ucs_status_t gvt_am_cb(void *arg, const void *header, size_t header_length,
                       void *data, size_t length,
                       const ucp_am_recv_param_t *param)
{
    gvt_conn_t *conn = arg;
    int args_in_data, rndv;
    gvc_wire_hdr_t hdr;
    size_t want, hsize;

    if (gvt_conn_failed(conn) != GVC_OK) {
        return UCS_OK; /* drop everything once failed */
    }
    if (gvc_wire_hdr_unpack_any(header, header_length, &hdr,
                                &hsize) != GVC_OK) {
        return rx_reject(conn, "bad message header");
    }
    rndv = (param->recv_attr & UCP_AM_RECV_ATTR_FLAG_RNDV) != 0;
    if (hdr.flags & GVC_WF_BATCH) {
        return rx_batch(conn, &hdr, header_length, data, length, rndv);
    }
    args_in_data = (hdr.flags & GVC_WF_ARGS_IN_DATA) != 0;
    want = args_in_data ? hdr.args_len + hdr.data_len : hdr.data_len;
    if (header_length != hsize + (args_in_data ? 0 : hdr.args_len) ||
        length != want) {
        return rx_reject(conn, "message lengths do not match its header");
    }
    if (hdr.seq != conn->rx_seq) {
        return rx_reject(conn, "message out of sequence");
    }
    conn->rx_seq++;
    conn->msgs_in++;
    conn->bytes_in += header_length + length;
    return rx_one(conn, &hdr, (const uint8_t *)header + hsize, data, want,
                  rndv);
}

/* Hand a reply to the call that waits for it. */
static void rx_finish_reply(gvt_conn_t *conn, gvt_rx_t *rx)
{
    gvt_slot_t *slot = rx->slot;
    gvt_reply_t *reply = slot->reply;
    gvc_status_t st = rx->status;
    uint64_t end = rx->offset + rx->hdr.data_len;

    if (end > slot->data_hi) {
        slot->data_hi = end;
    }
    if (rx->hdr.flags & GVC_WF_PART) {
        if (st != GVC_OK) {
            slot->status = st;
        }
        return;
    }
    if (slot->status != GVC_OK) {
        st = slot->status;
    }
    if (reply != NULL) {
        if (rx->hdr.args_len > reply->args_cap) {
            st = GVC_ERR_PROTO;
        } else if (rx->hdr.args_len > 0) {
            memcpy(reply->args, rx->args, rx->hdr.args_len);
        }
        reply->args_len = rx->hdr.args_len;
        reply->data_len = slot->data_hi;
        reply->result = rx->hdr.result;
        reply->seq_err = rx->hdr.seq_err;
    }
    gvt_slot_finish(conn, slot, st, rx->hdr.result);
}

static void rx_deliver_one(gvt_conn_t *conn, gvt_rx_t *rx)
{
    gvt_msg_t msg;

    if ((rx->hdr.flags & GVC_WF_ARGS_IN_DATA) && rx->status == GVC_OK &&
        rx->owned != NULL && rx->data == rx->owned) {
        /* A rendezvous with args in front: split it now. */
        pthread_mutex_lock(&conn->lock);
        if (rx_split_args_in_data(conn, rx) != 0) {
            rx->status = GVC_ERR_PROTO;
        }
        pthread_mutex_unlock(&conn->lock);
    }
    if (rx->hdr.flags & (GVC_WF_REPLY | GVC_WF_PART)) {
        if (rx->slot != NULL) {
            rx_finish_reply(conn, rx);
        }
        return;
    }
    if (rx->status != GVC_OK) {
        gvt_conn_fail(conn, rx->status);
        return;
    }
    if (conn->p.recv_cb == NULL) {
        gvc_warn("%s: no handler for message %u; dropped", conn->name,
                 rx->hdr.api_id);
        return;
    }
    msg.hdr = rx->hdr;
    msg.args = rx->args;
    msg.data = rx->data;
    msg.data_cookie = rx->cookie;
    conn->p.recv_cb(conn, &msg, conn->p.arg);
}

/* Take the ready messages at the head of the queue, in order (lock held). */
static gvt_rx_t *rx_take_ready(gvt_conn_t *conn)
{
    gvt_rx_t *first = conn->rx_head, *last = NULL, *rx;

    for (rx = first; rx != NULL &&
                     atomic_load_explicit(&rx->ready, memory_order_acquire);
         rx = rx->next) {
        last = rx;
    }
    if (last == NULL) {
        return NULL;
    }
    conn->rx_head = last->next;
    if (conn->rx_head == NULL) {
        conn->rx_tail = NULL;
    }
    last->next = NULL;
    return first;
}

/* Deliver the parked request (deliver_lock held).  It is always older
 * than anything queued: a request is parked only when the queue is
 * empty, and later ones queue while it is parked. */
static unsigned deliver_fast(gvt_conn_t *conn)
{
    uint8_t args[GVT_FAST_ARGS];
    gvt_msg_t msg;

    if (!atomic_load_explicit(&conn->fast_ready, memory_order_acquire)) {
        return 0;
    }
    msg.hdr = conn->fast_hdr;
    memcpy(args, conn->fast_args, msg.hdr.args_len);
    atomic_store_explicit(&conn->fast_ready, 0, memory_order_release);
    msg.args = args;
    msg.data = NULL;
    msg.data_cookie = NULL;
    if (conn->p.recv_cb != NULL && gvt_conn_failed(conn) == GVC_OK) {
        conn->p.recv_cb(conn, &msg, conn->p.arg);
    }
    return 1;
}

unsigned gvt_deliver(gvt_conn_t *conn)
{
    gvt_rx_t *batch = NULL, *rx;
    unsigned n = 0;

    if (conn->rx_head == NULL &&
        !atomic_load_explicit(&conn->fast_ready, memory_order_relaxed)) {
        return 0; /* racy peek; the next progress call looks again */
    }
    if (pthread_mutex_trylock(&conn->deliver_lock) != 0) {
        return 0; /* another thread delivers, in order */
    }
    for (;;) {
        /* A parked request is newer than the batch just delivered (it
         * was parked when the queue was empty, i.e. after that batch was
         * taken) and older than anything still queued.  Delivering one
         * may park the next (its handler can take a while), so drain. */
        while (deliver_fast(conn)) {
            n++;
        }
        if (batch == NULL && conn->rx_head == NULL) {
            break;
        }
        pthread_mutex_lock(&conn->lock);
        while (batch != NULL) { /* recycle the batch delivered last */
            rx = batch;
            batch = batch->next;
            rx_free(conn, rx);
        }
        conn->rx_in_hand = 0;
        /* A request parked since deliver_fast looked (another thread
         * progressed meanwhile) is older than everything queued behind
         * it: it goes first. */
        if (atomic_load_explicit(&conn->fast_ready, memory_order_acquire)) {
            pthread_mutex_unlock(&conn->lock);
            continue;
        }
        batch = conn->rx_head != NULL ? rx_take_ready(conn) : NULL;
        conn->rx_in_hand = batch != NULL;
        pthread_mutex_unlock(&conn->lock);
        if (batch == NULL) {
            break;
        }
        for (rx = batch; rx != NULL; rx = rx->next) {
            rx_deliver_one(conn, rx);
            n++;
        }
    }
    pthread_mutex_unlock(&conn->deliver_lock);
    if (n > 0) {
        gvt_wake_waiters(conn);
    }
    return n;
}

/* The connection failed (lock held): drop what is queued.  Receives still
 * in flight are cancelled by UCX when the endpoint closes; their records
 * are freed then, at destroy. */
void gvt_rx_fail_all(gvt_conn_t *conn)
{
    gvt_rx_t *rx = conn->rx_head, *next, *keep = NULL, *keep_tail = NULL;

    for (; rx != NULL; rx = next) {
        next = rx->next;
        if (atomic_load(&rx->ready)) {
            rx_free(conn, rx);
            continue;
        }
        rx->next = NULL;
        if (keep_tail != NULL) {
            keep_tail->next = rx;
        } else {
            keep = rx;
        }
        keep_tail = rx;
    }
    conn->rx_head = keep;
    conn->rx_tail = keep_tail;
}
