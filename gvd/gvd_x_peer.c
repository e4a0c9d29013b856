/*
 * gvd_x_peer.c - peer copies: device memory of this worker's client
 * sent to (or received from) another worker of the same client over
 * UCX, worker to worker, never through the client.
 *
 * A link is one gvt connection with its own UCX worker, made at the
 * client's request (gvPeerOpen, gvPeerConnect: lib/gvx.h) and used in
 * both directions.  Each end makes a random token and accepts chunks
 * only when they carry it, so a UCX address that leaks is not enough to
 * write into this client's memory; the destination range must also be
 * this worker's own client's allocation.  Links live until the worker
 * exits; a link whose other end died fails, and its copies answer
 * cudaErrorDevicesUnavailable (the client then makes a new one).
 *
 * One connection per pair, not per direction: a worker waiting for the
 * acknowledgement of its own copy keeps handling the chunks the other
 * end sends it on the same link, so copies in both directions at once
 * cannot wait for each other.
 *
 * The source (gvPeerPut) reads its memory in staging chunks on the
 * copy's stream (cudaMemcpyPeerAsync: the stream may be either device's;
 * a stream this worker does not know is handed to the destination),
 * several GPU reads ahead, and sends each chunk as it lands; the last
 * one is a call the destination answers once everything is on its GPU.
 * The destination receives each chunk into a staging slot (the same
 * ring as host-to-device copies) and copies it to the GPU while the
 * next one is on the wire.  So the put completes synchronously for the
 * client, asynchronous variants included: stronger ordering than CUDA
 * asks, and always after earlier work in the source stream.
 */
#include "config.h"

#include "gvd_client.h"
#include "gvd_hand.h"
#include "gvd_rt.h"
#include "gvx.h"
#include "gvc_log.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define GVD_PEER_MAX 32              /* links per worker */
#define GVD_PEER_TIMEOUT_MS 120000   /* a stalled other end fails the link */

typedef struct link {
    gvt_conn_t *conn;                /* owned */
    uint8_t mine[GVX_PEER_TOKEN];    /* what the other end must send */
    uint8_t theirs[GVX_PEER_TOKEN];  /* what we send */
    int connected;
    int64_t err;                     /* first error of the copy arriving */
} link_t;

typedef struct gvd_peer {
    link_t *l[GVD_PEER_MAX];         /* owned; index = number - 1 */
    int n;
} gvd_peer_t;

static void peer_recv(gvt_conn_t *conn, gvt_msg_t *msg, void *arg);

static gvd_peer_t *peer_state(gvd_client_t *cl)
{
    if (cl->peer == NULL) {
        cl->peer = calloc(1, sizeof(gvd_peer_t));
    }
    return cl->peer;
}

static link_t *link_get(gvd_client_t *cl, uint32_t num)
{
    gvd_peer_t *p = cl->peer;

    if (p == NULL || num == 0 || num > (uint32_t)p->n) {
        return NULL;
    }
    return p->l[num - 1];
}

static link_t *link_of_conn(gvd_client_t *cl, gvt_conn_t *conn)
{
    gvd_peer_t *p = cl->peer;

    for (int i = 0; p != NULL && i < p->n; i++) {
        if (p->l[i] != NULL && p->l[i]->conn == conn) {
            return p->l[i];
        }
    }
    return NULL;
}

/* Token comparison in constant time: the time of a refusal says
 * nothing about how much of a guess was right. */
static int token_eq(const uint8_t *a, const uint8_t *b)
{
    unsigned d = 0;

    for (int i = 0; i < GVX_PEER_TOKEN; i++) {
        d |= (unsigned)(a[i] ^ b[i]);
    }
    return d == 0;
}

int gvd_peer_conns(gvd_client_t *cl, gvt_conn_t **out, int max)
{
    gvd_peer_t *p = cl->peer;
    int k = 0;

    for (int i = 0; p != NULL && i < p->n && k < max; i++) {
        /* A failed link has nothing more to say (its fd may stay
         * readable): leave it out of the wait. */
        if (p->l[i] != NULL && p->l[i]->connected &&
            gvt_conn_status(p->l[i]->conn) == GVC_OK) {
            out[k++] = p->l[i]->conn;
        }
    }
    return k;
}

void gvd_peer_fini(gvd_client_t *cl)
{
    gvd_peer_t *p = cl->peer;

    for (int i = 0; p != NULL && i < p->n; i++) {
        if (p->l[i] != NULL) {
            gvt_conn_destroy(p->l[i]->conn);
            free(p->l[i]);
        }
    }
    free(p);
    cl->peer = NULL;
}

/* ---- setting a link up (client requests) ---------------------------------- */

void gvd_h_peer_open(gvd_call_t *c)
{
    gvd_client_t *cl = c->cl;
    gvt_conn_params_t cp = { .recv_cb = peer_recv,
                             .data_cb = gvd_staging_data_cb,
                             .arg = cl,
                             .timeout_ms = GVD_PEER_TIMEOUT_MS };
    gvd_peer_t *p = peer_state(cl);
    gvx_peer_link_t a = { 0 };
    link_t *l = NULL;
    void *addr = NULL;
    char name[32];

    if (gvd_args_end(c)) {
        return;
    }
    if (p == NULL) {
        gvd_reply(c, cudaErrorMemoryAllocation);
        return;
    }
    if (p->n >= GVD_PEER_MAX) {
        gvc_warn("more than %d peer links asked for; refused", GVD_PEER_MAX);
        gvd_reply(c, cudaErrorTooManyPeers);
        return;
    }
    snprintf(name, sizeof(name), "peer link %d", p->n + 1);
    cp.name = name;
    l = calloc(1, sizeof(*l));
    if (l == NULL ||
        getrandom(l->mine, sizeof(l->mine), 0) != sizeof(l->mine)) {
        goto err_free;
    }
    if (gvt_conn_create(cl->ctx, &cp, &l->conn) != GVC_OK) {
        goto err_free;
    }
    if (gvt_conn_address(l->conn, &addr, &a.addr_len) != GVC_OK ||
        gvd_reply_room(c, a.addr_len + 64) != 0) {
        goto err_conn;
    }
    p->l[p->n++] = l;
    a.link = (uint32_t)p->n;
    memcpy(a.token, l->mine, sizeof(a.token));
    a.addr = addr;
    gvx_peer_link_pack(&c->enc, &a);
    gvd_reply(c, 0);
    free(addr);
    return;
err_conn:
    gvt_conn_destroy(l->conn);
err_free:
    gvc_error("cannot open a peer link");
    free(addr);
    free(l);
    gvd_reply(c, cudaErrorMemoryAllocation);
}

void gvd_h_peer_connect(gvd_call_t *c)
{
    gvx_peer_link_t a;
    link_t *l;
    int64_t r = 0;

    if (gvx_peer_link_unpack(&c->dec, &a) != 0) {
        c->dec.status = GVC_ERR_PROTO;
    }
    if (gvd_args_end(c)) {
        return;
    }
    l = link_get(c->cl, a.link);
    if (l == NULL || l->connected) {
        r = cudaErrorInvalidValue;
    } else if (gvt_conn_connect(l->conn, a.addr, a.addr_len) != GVC_OK) {
        gvc_warn("peer link %u: cannot reach the other worker", a.link);
        r = cudaErrorInvalidValue;
    } else {
        memcpy(l->theirs, a.token, sizeof(l->theirs));
        l->connected = 1;
    }
    gvd_reply(c, r);
}

/* ---- source: gvPeerPut ---------------------------------------------------- */

static void chunk_sent(void *arg, gvc_status_t st)
{
    gvd_slot_t *s = arg;

    (void)st;
    s->sending = 0;
}

/* Wait until slot s may take a new GPU read (its last send is done).
 * Progressing the link also handles what the other end sends us. */
static void slot_free_wait(gvd_client_t *cl, link_t *l, gvd_slot_t *s)
{
    while (s->sending && gvt_conn_status(l->conn) == GVC_OK) {
        gvt_conn_progress(l->conn);
    }
    if (s->busy && s->ev != NULL) {
        cl->be->rt.cudaEventSynchronize(s->ev);
    }
    s->busy = 0;
}

/* Send one chunk from slot s; the last one waits for the destination's
 * answer.  0, or the error of the copy. */
static int64_t chunk_send(gvd_client_t *cl, link_t *l, gvd_slot_t *s,
                          gvx_peer_chunk_t *ch)
{
    uint8_t args[128], rargs[64];
    gvc_enc_t e;
    gvt_out_t out = { .api_id = GV_API_gvPeerChunk, .data = s->buf,
                      .data_len = ch->len, .memh = s->memh };
    gvt_reply_t rep = { .args = rargs, .args_cap = sizeof(rargs) };
    gvc_status_t st;

    gvc_enc_init(&e, args, sizeof(args));
    memcpy(ch->token, l->theirs, sizeof(ch->token));
    gvx_peer_chunk_pack(&e, ch);
    out.args = args;
    out.args_len = e.len;
    if (!(ch->flags & GVX_CPY_LAST)) {
        out.flags = GVC_WF_ONEWAY;
        out.done = chunk_sent;
        out.done_arg = s;
        s->sending = 1;
        st = gvt_send(l->conn, &out);
        if (st != GVC_OK) {
            s->sending = 0;
            return cudaErrorDevicesUnavailable;
        }
        return 0;
    }
    st = gvt_call(l->conn, &out, &rep);
    return st != GVC_OK ? cudaErrorDevicesUnavailable : rep.result;
}

/* The copy itself: up to pool->n GPU reads ahead of the sends. */
static int64_t put_run(gvd_client_t *cl, link_t *l, const gvx_peer_put_t *a,
                       cudaStream_t s, uint64_t dstream, uint32_t dflags)
{
    const gvd_rt_t *rt = &cl->be->rt;
    gvd_pool_t *p = &cl->tx;
    const uint8_t *src = (const uint8_t *)(uintptr_t)a->src;
    size_t total = a->total, chunk = p->size, issued = 0, sent = 0;
    int head = 0, tail = 0, inflight = 0;
    int64_t r = 0;

    while (sent < total && r == 0) {
        while (issued < total && inflight < p->n && r == 0) {
            gvd_slot_t *sl = &p->s[tail];
            size_t n = total - issued < chunk ? total - issued : chunk;
            slot_free_wait(cl, l, sl);
            r = rt->cudaMemcpyAsync(sl->buf, src + issued, n,
                                    cudaMemcpyDeviceToHost, s);
            if (r == 0 && sl->ev != NULL) {
                r = rt->cudaEventRecord(sl->ev, s);
                sl->busy = r == 0;
            }
            issued += n;
            tail = (tail + 1) % p->n;
            inflight++;
        }
        if (r == 0) {
            gvd_slot_t *sl = &p->s[head];
            size_t n = total - sent < chunk ? total - sent : chunk;
            gvx_peer_chunk_t ch = { .dst = a->dst, .total = total,
                                    .offset = sent, .len = n,
                                    .stream = dstream, .flags = dflags };
            r = sl->ev != NULL ? rt->cudaEventSynchronize(sl->ev)
                               : rt->cudaStreamSynchronize(s);
            sl->busy = 0;
            if (sent + n == total) {
                ch.flags |= GVX_CPY_LAST;
            }
            if (r == 0) {
                r = chunk_send(cl, l, sl, &ch);
            }
            if (r == 0) {
                gvd_ctr_add(cl->ctr, GVC_CTR_PEER_OUT, n);
            }
            sent += n;
            head = (head + 1) % p->n;
            inflight--;
        }
    }
    /* The ring is the client's device-to-host path too: every send from
     * it must be done before we return. */
    for (int i = 0; i < p->n; i++) {
        slot_free_wait(cl, l, &p->s[i]);
    }
    return r;
}

void gvd_h_peer_put(gvd_call_t *c)
{
    gvd_client_t *cl = c->cl;
    cudaStream_t s = NULL;
    uint64_t dstream = 0;
    uint32_t dflags;
    gvx_peer_put_t a;
    link_t *l;
    int64_t r = 0;

    if (gvx_peer_put_unpack(&c->dec, &a) != 0) {
        c->dec.status = GVC_ERR_PROTO;
    }
    if (gvd_args_end(c)) {
        return;
    }
    l = link_get(cl, a.link);
    dflags = a.flags & GVX_CPY_PTDS;
    if (l == NULL || !l->connected ||
        !gvd_mem_ok(cl, (void *)(uintptr_t)a.src, a.total)) {
        r = cudaErrorInvalidValue;
    } else if (gvt_conn_status(l->conn) != GVC_OK) {
        r = cudaErrorDevicesUnavailable;
    } else if (cl->tx.s == NULL) {
        r = cudaErrorMemoryAllocation;
    } else if (gvd_copy_stream(c, a.stream, a.flags, &s) != 0) {
        /* Not our stream: the destination orders the copy in it (and
         * refuses it if it is not its stream either); we read in our
         * default stream, after earlier work there. */
        gvd_copy_stream(c, 0, a.flags & GVX_CPY_PTDS, &s);
        dstream = a.stream;
        dflags = a.flags & (GVX_CPY_ASYNC | GVX_CPY_PTDS);
    }
    if (r == 0 && a.total > 0) {
        r = put_run(cl, l, &a, s, dstream, dflags);
    }
    gvd_reply(c, r);
}

/* ---- destination: chunks arriving on a link ------------------------------ */

static void link_reply(gvt_conn_t *conn, const gvt_msg_t *msg, int64_t r)
{
    gvt_out_t out = { .api_id = msg->hdr.api_id, .flags = GVC_WF_REPLY,
                      .call_id = msg->hdr.call_id, .result = r };

    if (!(msg->hdr.flags & GVC_WF_ONEWAY)) {
        gvt_send(conn, &out);
    }
}

/* The stream a chunk is written in (as gvd_copy_stream). */
static int64_t chunk_stream(gvd_client_t *cl, const gvx_peer_chunk_t *ch,
                            cudaStream_t *s_p)
{
    cudaStream_t s = (cudaStream_t)(uintptr_t)ch->stream;

    if (!(ch->flags & GVX_CPY_ASYNC)) {
        s = (ch->flags & GVX_CPY_PTDS) ? cudaStreamPerThread
                                       : cudaStreamLegacy;
    } else if (s == NULL && (ch->flags & GVX_CPY_PTDS)) {
        s = cudaStreamPerThread;
    } else if (!gvd_handle_ok(cl, GVD_H_STREAM, s)) {
        return cudaErrorInvalidResourceHandle;
    }
    *s_p = s;
    return 0;
}

/* Copy one chunk to the GPU; the slot is reused once its event fired. */
static int64_t chunk_write(gvd_client_t *cl, const gvt_msg_t *msg,
                           const gvx_peer_chunk_t *ch, gvd_slot_t *slot,
                           cudaStream_t s)
{
    const gvd_rt_t *rt = &cl->be->rt;
    int64_t r;

    if (ch->len == 0) {
        return 0;
    }
    r = rt->cudaMemcpyAsync((void *)(uintptr_t)(ch->dst + ch->offset),
                            msg->data, ch->len, cudaMemcpyHostToDevice, s);
    if (r == 0 && slot != NULL && slot->ev != NULL) {
        r = rt->cudaEventRecord(slot->ev, s);
        slot->busy = r == 0;
    } else if (r == 0) {
        r = rt->cudaStreamSynchronize(s); /* transport memory goes now */
    }
    return r;
}

static void peer_recv(gvt_conn_t *conn, gvt_msg_t *msg, void *arg)
{
    gvd_client_t *cl = arg;
    gvd_slot_t *slot = msg->data_cookie;
    link_t *l = link_of_conn(cl, conn);
    cudaStream_t s = NULL;
    gvx_peer_chunk_t ch;
    gvc_dec_t d;
    int64_t r = 0;

    if (slot != NULL) {
        slot->queued = 0;
    }
    gvc_dec_init(&d, msg->args, msg->hdr.args_len);
    if (l == NULL || msg->hdr.api_id != GV_API_gvPeerChunk ||
        gvx_peer_chunk_unpack(&d, &ch) != 0 ||
        !token_eq(ch.token, l->mine)) {
        /* Not the other end of this link: refused, and the copy in
         * progress (if any) is not disturbed. */
        gvc_warn("peer link: a message with a bad token or format; "
                 "refused");
        link_reply(conn, msg, cudaErrorInvalidValue);
        return;
    }
    if (ch.offset == 0) {
        l->err = 0; /* a new copy (a failed one may have stopped short) */
    }
    if (msg->hdr.data_len != ch.len ||
        !gvd_mem_ok(cl, (void *)(uintptr_t)ch.dst, ch.total)) {
        r = cudaErrorInvalidValue;
    }
    if (r == 0) {
        r = chunk_stream(cl, &ch, &s);
    }
    if (r == 0 && l->err == 0) {
        r = chunk_write(cl, msg, &ch, slot, s);
        if (r == 0) {
            gvd_ctr_add(cl->ctr, GVC_CTR_PEER_IN, ch.len);
        }
    }
    if (r != 0 && l->err == 0) {
        l->err = r;
    }
    if (ch.flags & GVX_CPY_LAST) {
        /* Acknowledged once the whole copy is on this GPU. */
        r = l->err;
        if (r == 0) {
            r = cl->be->rt.cudaStreamSynchronize(s);
        }
        l->err = 0;
        link_reply(conn, msg, r);
    }
}
