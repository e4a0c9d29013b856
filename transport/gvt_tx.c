/*
 * gvt_tx.c - sending: messages, calls and their reply slots.
 *
 * A message's header and arguments are packed into a tx record that lives
 * until UCX completes the send (UCX needs the header until then); the bulk
 * payload is sent from the caller's memory without a copy.  Sequence
 * numbers are taken and the send is posted under the connection lock, so
 * the peer sees messages in exactly the order they were numbered.
 *
 * A call takes a slot; the slot's index and a generation counter form the
 * call id, so a reply finds its slot in O(1) and a stale or forged id is
 * recognised.
 */
#include "config.h"

#include "gvt_int.h"
#include "gvc_log.h"

#include <stdlib.h>
#include <string.h>

/* ---- slots ------------------------------------------------------------------*/

gvt_slot_t *gvt_slot_lookup(gvt_conn_t *conn, uint64_t call_id)
{
    gvt_slot_t *slot = &conn->slots[call_id & (GVT_MAX_SLOTS - 1)];

    return slot->call_id == call_id && call_id != 0 ? slot : NULL;
}

static void slot_put_locked(gvt_conn_t *conn, gvt_slot_t *slot)
{
    slot->call_id = 0;
    slot->reply = NULL;
    slot->data = NULL;
    slot->next_free = conn->free_slots;
    conn->free_slots = slot;
}

/* Release a finished call's slot.  The common case (one call at a time
 * per thread) parks it in 'spare' without taking the lock. */
static void slot_put(gvt_conn_t *conn, gvt_slot_t *slot)
{
    gvt_slot_t *old;

    slot->call_id = 0; /* a late reply must not match it any more */
    slot->reply = NULL;
    slot->data = NULL;
    old = atomic_exchange_explicit(&conn->spare, slot, memory_order_acq_rel);
    if (old != NULL) {
        pthread_mutex_lock(&conn->lock);
        slot_put_locked(conn, old);
        pthread_mutex_unlock(&conn->lock);
    }
}

static void slot_setup(gvt_conn_t *conn, gvt_slot_t *slot, void *data,
                       size_t cap, gvt_reply_t *reply, int detached)
{
    unsigned idx = (unsigned)(slot - conn->slots);

    /* Generations wrap so that call ids stay within 32 bits and every
     * call can use a short header; a late reply could only match a call
     * 2^20 uses of its slot later. */
    slot->gen = (slot->gen + 1) & ((1u << (32 - GVT_SLOT_BITS)) - 1);
    if (slot->gen == 0) {
        slot->gen = 1;
    }
    slot->call_id = ((uint64_t)slot->gen << GVT_SLOT_BITS) | idx;
    slot->reply = reply;
    slot->data = data;
    slot->cap = data != NULL ? cap : 0;
    slot->data_hi = 0;
    slot->detached = detached;
    slot->status = GVC_OK;
    slot->result = 0;
    atomic_store_explicit(&slot->done, 0, memory_order_relaxed);
}

/* Pop a free slot (lock held); NULL when all are in flight. */
static gvt_slot_t *slot_pop_locked(gvt_conn_t *conn)
{
    gvt_slot_t *slot = atomic_exchange_explicit(&conn->spare, NULL,
                                                memory_order_acq_rel);

    if (slot != NULL) {
        return slot;
    }
    slot = conn->free_slots;
    if (slot != NULL) {
        conn->free_slots = slot->next_free;
        slot->next_free = NULL;
    }
    return slot;
}

/* Take a free slot, waiting while all are in use.  Returns NULL only when
 * the connection failed. */
static gvt_slot_t *slot_get(gvt_conn_t *conn)
{
    gvt_slot_t *slot;

    for (;;) {
        pthread_mutex_lock(&conn->lock);
        slot = slot_pop_locked(conn);
        pthread_mutex_unlock(&conn->lock);
        if (slot != NULL) {
            return slot;
        }
        if (gvt_conn_failed(conn) != GVC_OK) {
            return NULL;
        }
        /* All calls in flight: progress until replies free some. */
        gvt_conn_progress(conn);
    }
}

/* The reply was delivered (or the call failed): wake its waiter or, for a
 * detached call, report and free the slot.  Lock not held. */
void gvt_slot_finish(gvt_conn_t *conn, gvt_slot_t *slot,
                     gvc_status_t status, int64_t result)
{
    uint64_t id = slot->call_id;

    slot->status = status;
    slot->result = result;
    if (slot->detached) {
        if (conn->p.detached_cb != NULL) {
            conn->p.detached_cb(conn, id, status, result, conn->p.arg);
        } else if (status != GVC_OK || result != 0) {
            gvc_warn("%s: detached call %llu ended with %s, result %lld",
                     conn->name, (unsigned long long)id,
                     gvc_status_str(status), (long long)result);
        }
        slot_put(conn, slot);
        return;
    }
    atomic_store_explicit(&slot->done, 1, memory_order_release);
}

/* The connection failed (lock held): fail every call in flight. */
void gvt_slots_fail_all(gvt_conn_t *conn, gvc_status_t status)
{
    for (unsigned i = 0; i < GVT_MAX_SLOTS; i++) {
        gvt_slot_t *slot = &conn->slots[i];

        if (slot->call_id == 0) {
            continue;
        }
        slot->status = status;
        if (slot->detached) {
            slot_put_locked(conn, slot);
        } else {
            atomic_store_explicit(&slot->done, 1, memory_order_release);
        }
    }
}

/* ---- tx records ----------------------------------------------------------------*/

static gvt_tx_t *tx_get(gvt_conn_t *conn, size_t hlen)
{
    gvt_tx_t *tx = conn->free_tx;

    if (tx != NULL) {
        conn->free_tx = tx->next_free;
    } else {
        tx = malloc(sizeof(*tx));
        if (tx == NULL) {
            return NULL;
        }
    }
    tx->conn = conn;
    tx->hbuf = tx->inline_buf;
    if (hlen > GVT_TX_INLINE) {
        tx->hbuf = malloc(hlen);
        if (tx->hbuf == NULL) {
            tx->next_free = conn->free_tx;
            conn->free_tx = tx;
            return NULL;
        }
    }
    tx->hlen = hlen;
    tx->owned = NULL;
    tx->done = NULL;
    tx->done_arg = NULL;
    tx->flag = NULL;
    tx->flag_status = NULL;
    return tx;
}

static void tx_put(gvt_conn_t *conn, gvt_tx_t *tx)
{
    if (tx->hbuf != tx->inline_buf) {
        free(tx->hbuf);
    }
    if (tx->owned != NULL) {
        gvt_batch_recycle(conn, tx->owned);
        tx->owned = NULL;
    }
    tx->next_free = conn->free_tx;
    conn->free_tx = tx;
}

/* The send finished (lock held): tell whoever waits, recycle the record. */
static void tx_complete(gvt_conn_t *conn, gvt_tx_t *tx, gvc_status_t st)
{
    if (tx->flag != NULL) {
        *tx->flag_status = st;
        atomic_store_explicit(tx->flag, 1, memory_order_release);
    }
    if (tx->done != NULL) {
        tx->done(tx->done_arg, st);
    }
    tx_put(conn, tx);
}

static void tx_send_cb(void *request, ucs_status_t us, void *user_data)
{
    gvt_tx_t *tx = user_data;
    gvt_conn_t *conn = tx->conn;

    ucp_request_free(request);
    conn->tx_inflight--;
    tx_complete(conn, tx, us == UCS_OK ? GVC_OK : GVC_ERR_TRANSPORT);
}

void gvt_tx_free_all(gvt_conn_t *conn)
{
    gvt_tx_t *tx, *next;

    for (tx = conn->free_tx; tx != NULL; tx = next) {
        next = tx->next_free;
        free(tx);
    }
    conn->free_tx = NULL;
}

/*
 * Post one message (lock held).  *tx_p receives the record when UCX has not
 * completed it yet (so a blocking caller can detach its flag on failure).
 */
static gvc_status_t tx_post(gvt_conn_t *conn, const gvt_out_t *out,
                            atomic_int *flag, gvc_status_t *flag_status,
                            gvt_tx_t **tx_p)
{
    ucp_request_param_t rp = {
        .op_attr_mask = UCP_OP_ATTR_FIELD_CALLBACK |
                        UCP_OP_ATTR_FIELD_USER_DATA,
        .cb.send = tx_send_cb,
    };
    int inline_args = GVC_WIRE_HDR_SIZE + out->args_len <= conn->max_hdr;
    const void *data = out->data;
    size_t dlen = out->data_len, hsize, hlen;
    gvc_wire_hdr_t hdr;
    ucs_status_ptr_t sp;
    gvt_tx_t *tx;

    *tx_p = NULL;
    if (conn->ep == NULL) {
        return GVC_ERR_PEER_DOWN;
    }
    if (conn->batch_win_ns != 0) {
        gvc_status_t st;

        if (gvt_batch_take(conn, out, &st)) {
            return st;
        }
        st = gvt_batch_flush_locked(conn); /* older messages go first */
        if (st != GVC_OK) {
            return st;
        }
    }
    gvc_wire_hdr_init(&hdr, out->api_id, out->flags, out->call_id);
    if (!inline_args) {
        hdr.flags |= GVC_WF_ARGS_IN_DATA;
    }
    hdr.args_len = (uint32_t)out->args_len;
    hdr.data_len = out->data_len;
    hdr.result = out->result;
    hdr.seq_err = out->seq_err;
    hdr.seq = conn->tx_seq;
    hsize = conn->short_hdr && gvc_wire_hdr_short_ok(&hdr)
                ? GVC_WIRE_SHORT_SIZE : GVC_WIRE_HDR_SIZE;
    /* Args too large for the UCX header go in front of the data (copied:
     * rare, e.g. kernels with kilobytes of parameters). */
    hlen = hsize + (inline_args ? out->args_len
                                : out->args_len + out->data_len);
    tx = tx_get(conn, hlen);
    if (tx == NULL) {
        return GVC_ERR_NOMEM;
    }
    if (hsize == GVC_WIRE_SHORT_SIZE) {
        gvc_wire_hdr_pack_short(&hdr, tx->hbuf);
    } else {
        gvc_wire_hdr_pack(&hdr, tx->hbuf);
    }
    if (out->args_len > 0) {
        memcpy(tx->hbuf + hsize, out->args, out->args_len);
    }
    if (!inline_args) {
        if (out->data_len > 0) {
            memcpy(tx->hbuf + hsize + out->args_len, out->data,
                   out->data_len);
        }
        data = tx->hbuf + hsize;
        dlen = out->args_len + out->data_len;
        hlen = hsize;
    }
    if (out->memh != NULL && inline_args) {
        rp.op_attr_mask |= UCP_OP_ATTR_FIELD_MEMH;
        rp.memh = out->memh->mh;
    }
    tx->done = out->done;
    tx->done_arg = out->done_arg;
    tx->flag = flag;
    tx->flag_status = flag_status;
    rp.user_data = tx;

    sp = ucp_am_send_nbx(conn->ep, GVT_AM_ID, tx->hbuf, hlen, data, dlen,
                         &rp);
    if (conn->batch_win_ns != 0 && dlen <= GVT_BATCH_ITEM_MAX) {
        gvt_batch_note_send(conn, conn->batch_last_ns);
    }
    if (UCS_PTR_IS_ERR(sp)) {
        gvc_error("%s: send failed: %s", conn->name,
                  ucs_status_string(UCS_PTR_STATUS(sp)));
        tx->done = NULL;
        tx->flag = NULL;
        tx_put(conn, tx);
        /* Its sequence number is lost: the stream is broken. */
        return GVC_ERR_TRANSPORT;
    }
    conn->tx_seq++;
    conn->msgs_out++;
    conn->bytes_out += hlen + dlen;
    if (sp == NULL) {
        tx_complete(conn, tx, GVC_OK);
    } else {
        conn->tx_inflight++;
        *tx_p = tx;
    }
    return GVC_OK;
}

/* Post a batch (lock held): its items, already numbered, become one UCX
 * message.  items is ours from here on.  Errors leave the stream broken
 * (those sequence numbers are lost): GVC_ERR_TRANSPORT. */
gvc_status_t gvt_tx_post_batch(gvt_conn_t *conn, uint8_t *items,
                               size_t len, uint32_t seq0)
{
    ucp_request_param_t rp = {
        .op_attr_mask = UCP_OP_ATTR_FIELD_CALLBACK |
                        UCP_OP_ATTR_FIELD_USER_DATA |
                        UCP_OP_ATTR_FIELD_FLAGS,
        .cb.send = tx_send_cb,
        /* The receiver takes a batch apart inside its callback, which
         * only sees eager data. */
        .flags = UCP_AM_SEND_FLAG_EAGER,
    };
    gvc_wire_hdr_t hdr;
    ucs_status_ptr_t sp;
    gvt_tx_t *tx;

    if (conn->ep == NULL) {
        free(items);
        return GVC_ERR_TRANSPORT;
    }
    tx = tx_get(conn, GVC_WIRE_HDR_SIZE);
    if (tx == NULL) {
        free(items);
        return GVC_ERR_TRANSPORT;
    }
    gvc_wire_hdr_init(&hdr, 0, GVC_WF_BATCH, 0);
    hdr.data_len = len;
    hdr.seq = seq0;
    gvc_wire_hdr_pack(&hdr, tx->hbuf);
    tx->owned = items;
    rp.user_data = tx;
    sp = ucp_am_send_nbx(conn->ep, GVT_AM_ID, tx->hbuf, GVC_WIRE_HDR_SIZE,
                         items, len, &rp);
    if (UCS_PTR_IS_ERR(sp)) {
        gvc_error("%s: sending a batch failed: %s", conn->name,
                  ucs_status_string(UCS_PTR_STATUS(sp)));
        tx_put(conn, tx);
        return GVC_ERR_TRANSPORT;
    }
    conn->batches_out++;
    conn->bytes_out += GVC_WIRE_HDR_SIZE;
    if (sp == NULL) {
        tx_complete(conn, tx, GVC_OK);
    } else {
        conn->tx_inflight++;
    }
    return GVC_OK;
}

static gvc_status_t out_check(const gvt_out_t *out)
{
    if (out->args_len > GVC_WIRE_MAX_ARGS ||
        out->data_len > GVC_WIRE_MAX_DATA ||
        (out->args_len > 0 && out->args == NULL) ||
        (out->data_len > 0 && out->data == NULL) ||
        (out->flags & ~(GVC_WF_ONEWAY | GVC_WF_REPLY | GVC_WF_EVENT |
                        GVC_WF_PART)) != 0) {
        return GVC_ERR_INVALID;
    }
    return GVC_OK;
}

/* Wait for a blocking send's data to be released; on failure make sure
 * the record no longer points at the caller's stack. */
static gvc_status_t tx_wait_data(gvt_conn_t *conn, gvt_tx_t *tx,
                                 atomic_int *flag, gvc_status_t *fst)
{
    /* A peer that stalls (SIGSTOP) never takes the data: wait no longer
     * than for a reply, then give the connection up. */
    gvc_status_t st = gvt_wait_flag(conn, flag, conn->p.timeout_ms);

    if (st == GVC_ERR_TIMEOUT) {
        gvc_error("%s: a send did not complete within %ld ms", conn->name,
                  conn->p.timeout_ms);
        gvt_conn_fail(conn, GVC_ERR_TIMEOUT);
    }
    if (st != GVC_OK) {
        pthread_mutex_lock(&conn->lock);
        if (!atomic_load(flag)) {
            tx->flag = NULL;
        }
        pthread_mutex_unlock(&conn->lock);
        return st;
    }
    return *fst;
}

/* Post and, if wait_data, wait until the data buffer is free again. */
static gvc_status_t tx_send(gvt_conn_t *conn, const gvt_out_t *out,
                            int wait_data)
{
    gvc_status_t st, fst = GVC_OK;
    atomic_int flag = 0;
    gvt_tx_t *tx;

    st = out_check(out);
    if (st != GVC_OK) {
        return st;
    }
    st = gvt_conn_failed(conn);
    if (st != GVC_OK) {
        return st;
    }
    pthread_mutex_lock(&conn->lock);
    st = tx_post(conn, out, wait_data ? &flag : NULL, &fst, &tx);
    if (st == GVC_ERR_TRANSPORT) {
        pthread_mutex_unlock(&conn->lock);
        gvt_conn_fail(conn, st);
        return st;
    }
    pthread_mutex_unlock(&conn->lock);
    if (st != GVC_OK || !wait_data || tx == NULL) {
        return st != GVC_OK ? st : fst;
    }
    return tx_wait_data(conn, tx, &flag, &fst);
}

gvc_status_t gvt_send(gvt_conn_t *conn, const gvt_out_t *out)
{
    return tx_send(conn, out, out->data_len > 0 && out->done == NULL);
}

gvc_status_t gvt_send_part(gvt_conn_t *conn, uint64_t call_id,
                           uint64_t offset, const void *data, size_t len,
                           gvt_memh_t *memh, gvt_done_cb_t done,
                           void *done_arg)
{
    gvt_out_t out = {
        .flags = GVC_WF_PART,
        .call_id = call_id,
        .args = &offset,
        .args_len = sizeof(offset),
        .data = data,
        .data_len = len,
        .memh = memh,
        .done = done,
        .done_arg = done_arg,
    };

    return gvt_send(conn, &out);
}

/*
 * Take a slot and post the request in one lock section: the hot path of
 * every synchronous CUDA call.
 */
static gvt_slot_t *call_post(gvt_conn_t *conn, gvt_out_t *out, void *data,
                             size_t cap, gvt_reply_t *reply, int detached,
                             atomic_int *flag, gvc_status_t *fst,
                             gvt_tx_t **tx_p, gvc_status_t *st_p)
{
    gvt_slot_t *slot;

    *st_p = out_check(out);
    if (*st_p == GVC_OK && (out->flags & (GVC_WF_ONEWAY | GVC_WF_REPLY |
                                          GVC_WF_PART))) {
        *st_p = GVC_ERR_INVALID;
    }
    if (*st_p == GVC_OK) {
        *st_p = gvt_conn_failed(conn);
    }
    if (*st_p != GVC_OK) {
        return NULL;
    }
    pthread_mutex_lock(&conn->lock);
    slot = slot_pop_locked(conn);
    if (slot == NULL) {
        pthread_mutex_unlock(&conn->lock);
        slot = slot_get(conn);
        if (slot == NULL) {
            *st_p = gvt_conn_failed(conn);
            return NULL;
        }
        pthread_mutex_lock(&conn->lock);
    }
    slot_setup(conn, slot, data, cap, reply, detached);
    out->call_id = slot->call_id;
    *st_p = tx_post(conn, out, flag, fst, tx_p);
    if (*st_p != GVC_OK) {
        slot_put_locked(conn, slot);
        pthread_mutex_unlock(&conn->lock);
        if (*st_p == GVC_ERR_TRANSPORT) {
            gvt_conn_fail(conn, *st_p);
        }
        return NULL;
    }
    pthread_mutex_unlock(&conn->lock);
    return slot;
}

gvc_status_t gvt_call(gvt_conn_t *conn, gvt_out_t *out, gvt_reply_t *reply)
{
    int wait_data = out->data_len > 0 && out->done == NULL;
    gvc_status_t st, fst = GVC_OK;
    atomic_int flag = 0;
    gvt_tx_t *tx = NULL;
    gvt_slot_t *slot;

    reply->args_len = 0;
    reply->data_len = 0;
    slot = call_post(conn, out, reply->data, reply->data_cap, reply, 0,
                     wait_data ? &flag : NULL, &fst, &tx, &st);
    if (slot == NULL) {
        return st;
    }
    st = gvt_wait_flag(conn, &slot->done, conn->p.timeout_ms);
    if (st == GVC_ERR_TIMEOUT) {
        gvc_error("%s: no reply to call %u within %ld ms", conn->name,
                  out->api_id, conn->p.timeout_ms);
        gvt_conn_fail(conn, GVC_ERR_TIMEOUT);
    }
    if (st == GVC_OK) {
        st = slot->status;
    }
    if (wait_data && tx != NULL) {
        /* The reply means the peer has the data; the local completion
         * follows at once.  Never leave the record pointing at 'flag'. */
        gvc_status_t dst = tx_wait_data(conn, tx, &flag, &fst);
        if (st == GVC_OK) {
            st = dst;
        }
    }
    slot_put(conn, slot);
    return st;
}

gvc_status_t gvt_call_detached(gvt_conn_t *conn, gvt_out_t *out, void *data,
                               size_t cap, uint64_t *call_id_p)
{
    int wait_data = out->data_len > 0 && out->done == NULL;
    gvc_status_t st, fst = GVC_OK;
    atomic_int flag = 0;
    gvt_tx_t *tx = NULL;
    gvt_slot_t *slot;

    slot = call_post(conn, out, data, cap, NULL, 1,
                     wait_data ? &flag : NULL, &fst, &tx, &st);
    if (slot == NULL) {
        return st;
    }
    if (call_id_p != NULL) {
        *call_id_p = out->call_id;
    }
    return wait_data && tx != NULL ? tx_wait_data(conn, tx, &flag, &fst)
                                   : fst;
}

gvc_status_t gvt_conn_flush(gvt_conn_t *conn)
{
    gvc_status_t st;
    int n;

    gvt_batch_flush(conn);
    for (;;) {
        pthread_mutex_lock(&conn->lock);
        n = conn->tx_inflight;
        if (n > 0) {
            gvt_progress_locked(conn);
            n = conn->tx_inflight;
        }
        pthread_mutex_unlock(&conn->lock);
        if (n == 0) {
            return GVC_OK;
        }
        st = gvt_conn_failed(conn);
        if (st != GVC_OK) {
            return st;
        }
        gvt_deliver(conn);
    }
}
