/*
 * gvd_x_memcpy.c - memory copies on the worker: staging, pipelining,
 * asynchronous device-to-host copies.
 *
 * Host-to-device: the client sends a copy in chunks of staging_chunk
 * bytes.  Each chunk lands (via the data callback) straight in a pinned
 * staging slot, and is copied to the GPU asynchronously while the next
 * chunk is still on the network.  A slot is reused once its event fired.
 *
 * Device-to-host, synchronous: the copy is cut in chunks that run on the
 * GPU into a second ring of slots; each finished chunk goes to the client
 * as a reply part (zero-copy from the slot) while later chunks still
 * copy.  Asynchronous (pinned destination on the client): the GPU copies
 * into a bounce buffer in stream order, and the data goes out as the
 * reply of the client's detached call once the event fired — always
 * before the reply of any later call, so a later synchronisation on the
 * client sees the data.
 */
#include "config.h"

#include "gvd_client.h"
#include "gvd_hand.h"
#include "gvd_rt.h"
#include "gvx.h"
#include "gvx_cuda.h"
#include "gvc_log.h"

#include <stdlib.h>
#include <string.h>

static void d2h_free(gvd_client_t *cl, gvd_d2h_t *d);

/* ---- staging pools ---------------------------------------------------------- */

static int pool_init(gvd_client_t *cl, gvd_pool_t *p, int n, size_t size)
{
    const gvd_rt_t *rt = &cl->be->rt;

    p->s = calloc((size_t)n, sizeof(*p->s));
    if (p->s == NULL) {
        return -1;
    }
    p->n = n;
    p->size = size;
    for (int i = 0; i < n; i++) {
        gvd_slot_t *s = &p->s[i];
        /* Pinned memory when the GPU is there; plain memory otherwise
         * (the calls will fail with the real CUDA error anyway). */
        if (rt->cudaHostAlloc != NULL &&
            rt->cudaHostAlloc(&s->buf, size, cudaHostAllocPortable) ==
                cudaSuccess) {
            s->pinned = 1;
        } else if ((s->buf = malloc(size)) == NULL) {
            return -1;
        }
        if (gvt_mem_register(cl->ctx, s->buf, size, &s->memh) != GVC_OK) {
            s->memh = NULL;
        }
        if (rt->cudaEventCreateWithFlags == NULL ||
            rt->cudaEventCreateWithFlags(&s->ev, cudaEventDisableTiming) !=
                cudaSuccess) {
            s->ev = NULL;
        }
    }
    return 0;
}

static void pool_fini(gvd_client_t *cl, gvd_pool_t *p)
{
    const gvd_rt_t *rt = &cl->be->rt;

    for (int i = 0; p->s != NULL && i < p->n; i++) {
        gvd_slot_t *s = &p->s[i];
        gvt_mem_unregister(s->memh);
        if (s->ev != NULL && rt->cudaEventDestroy != NULL) {
            rt->cudaEventDestroy(s->ev);
        }
        if (s->pinned) {
            rt->cudaFreeHost(s->buf);
        } else {
            free(s->buf);
        }
    }
    free(p->s);
    memset(p, 0, sizeof(*p));
}

int gvd_staging_init(gvd_client_t *cl)
{
    int n = (int)cl->cfg->staging_count;

    if (pool_init(cl, &cl->rx, n, cl->cfg->staging_chunk) != 0 ||
        pool_init(cl, &cl->tx, n, cl->cfg->staging_chunk) != 0) {
        gvc_error("cannot allocate %d staging buffers of %zu bytes", 2 * n,
                  cl->cfg->staging_chunk);
        return -1;
    }
    return 0;
}

/* Wait until slot's GPU copy is done (never for a send: callers that
 * send from a slot wait for that themselves). */
static void slot_quiesce(gvd_client_t *cl, gvd_slot_t *s)
{
    if (s->busy && s->ev != NULL) {
        cl->be->rt.cudaEventSynchronize(s->ev);
    }
    s->busy = 0;
}

static void pool_drain(gvd_client_t *cl, gvd_pool_t *p)
{
    for (int i = 0; p->s != NULL && i < p->n; i++) {
        while (p->s[i].sending && gvt_conn_status(cl->conn) == GVC_OK) {
            gvt_conn_poll(cl->conn);
        }
        slot_quiesce(cl, &p->s[i]);
    }
}

void gvd_staging_fini(gvd_client_t *cl)
{
    pool_drain(cl, &cl->rx);
    pool_drain(cl, &cl->tx);
    if (cl->be != NULL && cl->be->rt.cudaDeviceSynchronize != NULL) {
        cl->be->rt.cudaDeviceSynchronize(); /* their host functions ran */
    }
    while (gvd_d2h_progress(cl) && gvt_conn_status(cl->conn) == GVC_OK) {
        gvt_conn_poll(cl->conn);
    }
    while (cl->d2h_head != NULL) { /* the connection is gone */
        gvd_d2h_t *d = cl->d2h_head;
        cl->d2h_head = d->next;
        d2h_free(cl, d);
    }
    pool_fini(cl, &cl->rx);
    pool_fini(cl, &cl->tx);
}

/* Where an incoming chunk lands (from the client, or from another worker
 * on a peer link: gvd_x_peer.c): the next host-to-device slot.  Runs
 * inside UCX progress; it may wait for the GPU, never for the network. */
void *gvd_staging_data_cb(gvt_conn_t *conn, const gvc_wire_hdr_t *hdr,
                          const void *args, void *arg, gvt_memh_t **memh_p,
                          void **cookie_p)
{
    gvd_client_t *cl = arg;
    gvd_slot_t *s = NULL;

    (void)conn;
    (void)args;
    if ((hdr->api_id != GV_API_gvMemcpyH2D &&
         hdr->api_id != GV_API_gvPeerChunk) || cl->rx.s == NULL ||
        hdr->data_len > cl->rx.size) {
        return NULL; /* the transport allocates */
    }
    /* Slots whose message still waits in the queue cannot be reused;
     * when all do, this chunk goes to transport memory instead. */
    for (int k = 0; k < cl->rx.n && s == NULL; k++) {
        int i = (cl->rx.next + k) % cl->rx.n;
        if (!cl->rx.s[i].queued) {
            s = &cl->rx.s[i];
            cl->rx.next = (i + 1) % cl->rx.n;
        }
    }
    if (s == NULL) {
        return NULL;
    }
    slot_quiesce(cl, s);
    s->queued = 1; /* until its handler issued the copy */
    *memh_p = s->memh;
    *cookie_p = s;
    return s->buf;
}

/* ---- helpers -------------------------------------------------------------------- */

/* The stream a copy runs on.  0 on success, else the error to answer. */
int64_t gvd_copy_stream(gvd_call_t *c, uint64_t stream, uint32_t flags,
                           cudaStream_t *s_p)
{
    cudaStream_t s = (cudaStream_t)(uintptr_t)stream;

    if (!(flags & GVX_CPY_ASYNC)) {
        s = (flags & GVX_CPY_PTDS) ? cudaStreamPerThread : cudaStreamLegacy;
    } else if (s == NULL && (flags & GVX_CPY_PTDS)) {
        s = cudaStreamPerThread;
    } else if (!gvd_handle_ok(c->cl, GVD_H_STREAM, s)) {
        return cudaErrorInvalidResourceHandle;
    }
    *s_p = s;
    return 0;
}

static int unpack_copy(gvd_call_t *c, gvx_copy_t *a)
{
    if (gvx_copy_unpack(&c->dec, a) != 0) {
        c->dec.status = GVC_ERR_PROTO;
    }
    return gvd_args_end(c);
}

/* ---- host to device ----------------------------------------------------------- */

void gvd_h_memcpy_h2d(gvd_call_t *c)
{
    const gvd_rt_t *rt = gvd_rt(c);
    gvd_slot_t *slot = c->msg->data_cookie;
    cudaStream_t s = NULL;
    int64_t r;
    gvx_copy_t a;

    if (slot != NULL) {
        slot->queued = 0;
    }
    if (unpack_copy(c, &a)) {
        return;
    }
    r = gvd_copy_stream(c, a.stream, a.flags, &s);
    if (r == 0 && (c->msg->hdr.data_len != a.len ||
                   !gvd_mem_ok(c->cl, (void *)(uintptr_t)a.dst, a.total))) {
        r = cudaErrorInvalidValue;
    }
    if (r == 0 && a.len > 0) {
        void *dst = (void *)(uintptr_t)(a.dst + a.offset);
        r = rt->cudaMemcpyAsync(dst, c->msg->data, a.len,
                                cudaMemcpyHostToDevice, s);
        if (r == 0 && slot != NULL && slot->ev != NULL) {
            /* The slot is reused once this event fired. */
            r = rt->cudaEventRecord(slot->ev, s);
            slot->busy = r == 0;
        } else if (r == 0) {
            /* No event to wait on, or transport memory freed when we
             * return: the copy must be done first. */
            r = rt->cudaStreamSynchronize(s);
        }
    }
    if (r == 0 && (a.flags & GVX_CPY_LAST) && !(a.flags & GVX_CPY_ASYNC)) {
        /* cudaMemcpy returns once the copy is complete. */
        r = rt->cudaStreamSynchronize(s);
    }
    if (r == 0) {
        gvd_ctr_add(c->cl->ctr, GVC_CTR_H2D_BYTES, a.len);
    }
    gvd_reply(c, r);
}

/* ---- device to host, synchronous ------------------------------------------------ */

static void slot_sent(void *arg, gvc_status_t st)
{
    gvd_slot_t *s = arg;

    (void)st;
    s->sending = 0;
}

/* Wait until slot s can take a new copy. */
static void tx_slot_wait(gvd_client_t *cl, gvd_slot_t *s)
{
    while (s->sending && gvt_conn_status(cl->conn) == GVC_OK) {
        gvt_conn_poll(cl->conn);
    }
    slot_quiesce(cl, s);
}

/*
 * A large copy: up to n chunks in flight on the GPU; each finished chunk
 * goes out as a reply part while the next ones copy.
 */
static int64_t d2h_pipelined(gvd_call_t *c, const uint8_t *src, size_t len,
                             cudaStream_t s)
{
    gvd_client_t *cl = c->cl;
    const gvd_rt_t *rt = gvd_rt(c);
    gvd_pool_t *p = &cl->tx;
    size_t issued = 0, sent = 0, chunk = p->size;
    int head = 0, tail = 0, inflight = 0;
    int64_t r = 0;

    while (sent < len && r == 0) {
        while (issued < len && inflight < p->n && r == 0) {
            gvd_slot_t *sl = &p->s[tail];
            size_t n = len - issued < chunk ? len - issued : chunk;
            tx_slot_wait(cl, sl);
            r = rt->cudaMemcpyAsync(sl->buf, src + issued, n,
                                    cudaMemcpyDeviceToHost, s);
            if (r == 0) {
                r = rt->cudaEventRecord(sl->ev, s);
            }
            sl->busy = 1;
            issued += n;
            tail = (tail + 1) % p->n;
            inflight++;
        }
        if (r == 0) {
            gvd_slot_t *sl = &p->s[head];
            size_t n = len - sent < chunk ? len - sent : chunk;
            r = rt->cudaEventSynchronize(sl->ev);
            sl->busy = 0;
            if (r == 0) {
                sl->sending = 1;
                if (gvt_send_part(cl->conn, c->msg->hdr.call_id, sent,
                                  sl->buf, n, sl->memh, slot_sent,
                                  sl) != GVC_OK) {
                    sl->sending = 0;
                    r = cudaErrorUnknown;
                } else {
                    gvd_ctr_add(cl->ctr, GVC_CTR_WIRE_OUT, n);
                }
            }
            sent += n;
            head = (head + 1) % p->n;
            inflight--;
        }
    }
    return r;
}

static void d2h_sync(gvd_call_t *c, const gvx_copy_t *a, cudaStream_t s)
{
    const gvd_rt_t *rt = gvd_rt(c);
    gvd_pool_t *p = &c->cl->tx;
    const uint8_t *src = (const uint8_t *)(uintptr_t)a->src;
    gvd_slot_t *sl;
    int64_t r;

    if (a->total > p->size && p->s[0].ev != NULL) {
        r = d2h_pipelined(c, src, a->total, s);
        if (r == 0) {
            gvd_ctr_add(c->cl->ctr, GVC_CTR_D2H_BYTES, a->total);
        }
        gvd_reply(c, r);
        return;
    }
    if (a->total > p->size) {
        /* No events (simulator): one bounce buffer for the whole copy. */
        void *tmp = malloc(a->total);
        r = tmp ? rt->cudaMemcpy(tmp, src, a->total, cudaMemcpyDeviceToHost)
                : cudaErrorMemoryAllocation;
        if (r == 0) {
            gvd_reply_data(c, tmp, a->total, NULL);
            gvd_ctr_add(c->cl->ctr, GVC_CTR_D2H_BYTES, a->total);
        }
        gvd_reply(c, r);
        free(tmp);
        return;
    }
    sl = &p->s[p->next];
    p->next = (p->next + 1) % p->n;
    tx_slot_wait(c->cl, sl);
    r = rt->cudaMemcpyAsync(sl->buf, src, a->total, cudaMemcpyDeviceToHost,
                            s);
    if (r == 0) {
        r = rt->cudaStreamSynchronize(s);
    }
    if (r == 0) {
        gvd_reply_data(c, sl->buf, a->total, sl->memh);
        gvd_ctr_add(c->cl->ctr, GVC_CTR_D2H_BYTES, a->total);
    }
    gvd_reply(c, r); /* sends from the slot and returns when it is free */
}

/* ---- device to host, asynchronous --------------------------------------------- */

static void d2h_free(gvd_client_t *cl, gvd_d2h_t *d)
{
    gvt_mem_unregister(d->memh);
    if (d->pinned) {
        cl->be->rt.cudaFreeHost(d->buf);
    } else {
        free(d->buf);
    }
    free(d);
}

static void d2h_sent(void *arg, gvc_status_t st)
{
    gvd_d2h_t *d = arg;

    (void)st;
    atomic_store(&d->sent, 2); /* the buffer is free */
}

/* Post the reply of d.  Any thread: no CUDA call here. */
static void d2h_post(gvd_d2h_t *d)
{
    gvt_out_t out = { .api_id = d->api_id, .flags = GVC_WF_REPLY,
                      .call_id = d->call_id, .result = d->result,
                      .done = d2h_sent, .done_arg = d };

    if (d->result == 0) {
        out.data = d->buf;
        out.data_len = d->len;
        out.memh = d->memh;
    }
    atomic_store(&d->sent, 1);
    if (gvt_send(d->cl->conn, &out) != GVC_OK) {
        atomic_store(&d->sent, 2);
    }
}

/* The host function behind each asynchronous D2H copy: the stream got
 * here, so the data is in the bounce buffer. */
static void CUDART_CB d2h_ready(void *arg)
{
    d2h_post(arg);
}

static int64_t d2h_async_start(gvd_call_t *c, const gvx_copy_t *a,
                               cudaStream_t s)
{
    gvd_client_t *cl = c->cl;
    const gvd_rt_t *rt = gvd_rt(c);
    gvd_d2h_t *d = calloc(1, sizeof(*d));
    int64_t r;

    if (d == NULL) {
        return cudaErrorMemoryAllocation;
    }
    d->cl = cl;
    d->call_id = c->msg->hdr.call_id;
    d->api_id = c->msg->hdr.api_id;
    d->len = a->total;
    if (rt->cudaHostAlloc(&d->buf, d->len ? d->len : 1,
                          cudaHostAllocPortable) == cudaSuccess) {
        d->pinned = 1;
    } else if ((d->buf = malloc(d->len ? d->len : 1)) == NULL) {
        free(d);
        return cudaErrorMemoryAllocation;
    }
    if (d->len > 0 &&
        gvt_mem_register(cl->ctx, d->buf, d->len, &d->memh) != GVC_OK) {
        d->memh = NULL;
    }
    d->next = cl->d2h_head;
    cl->d2h_head = d;
    r = rt->cudaMemcpyAsync(d->buf, (const void *)(uintptr_t)a->src, d->len,
                            cudaMemcpyDeviceToHost, s);
    if (r == 0) {
        r = rt->cudaLaunchHostFunc(s, d2h_ready, d);
    }
    if (r != 0) {
        d->result = r;
        d2h_post(d);
    } else {
        /* Counted here, on the worker's thread: d2h_post may run on
         * CUDA's callback thread, and the counters have one writer. */
        gvd_ctr_add(cl->ctr, GVC_CTR_D2H_BYTES, d->len);
        gvd_ctr_add(cl->ctr, GVC_CTR_WIRE_OUT, d->len);
    }
    return 0;
}

int gvd_d2h_progress(gvd_client_t *cl)
{
    gvd_d2h_t *d, **pp;

    for (pp = &cl->d2h_head; (d = *pp) != NULL;) {
        if (atomic_load(&d->sent) == 2) {
            *pp = d->next;
            d2h_free(cl, d);
        } else {
            pp = &d->next;
        }
    }
    return cl->d2h_head != NULL;
}

void gvd_h_memcpy_d2h(gvd_call_t *c)
{
    cudaStream_t s = NULL;
    int64_t r;
    gvx_copy_t a;

    if (unpack_copy(c, &a)) {
        return;
    }
    r = gvd_copy_stream(c, a.stream, a.flags, &s);
    if (r == 0 && !gvd_mem_ok(c->cl, (void *)(uintptr_t)a.src, a.total)) {
        r = cudaErrorInvalidValue;
    }
    if (r != 0) {
        gvd_reply(c, r);
        return;
    }
    if (!(a.flags & GVX_CPY_ASYNC)) {
        d2h_sync(c, &a, s);
        return;
    }
    r = d2h_async_start(c, &a, s);
    if (r != 0) {
        gvd_reply(c, r);
        return;
    }
    gvd_reply_later(c);
}

/* ---- device to device ---------------------------------------------------------- */

void gvd_h_memcpy_d2d(gvd_call_t *c)
{
    const gvd_rt_t *rt = gvd_rt(c);
    cudaStream_t s = NULL;
    int64_t r;
    gvx_copy_t a;

    if (unpack_copy(c, &a)) {
        return;
    }
    r = gvd_copy_stream(c, a.stream, a.flags, &s);
    if (r == 0 && (!gvd_mem_ok(c->cl, (void *)(uintptr_t)a.src, a.total) ||
                   !gvd_mem_ok(c->cl, (void *)(uintptr_t)a.dst, a.total))) {
        r = cudaErrorInvalidValue;
    }
    if (r == 0 && a.total > 0) {
        r = rt->cudaMemcpyAsync((void *)(uintptr_t)a.dst,
                                (const void *)(uintptr_t)a.src, a.total,
                                cudaMemcpyDeviceToDevice, s);
    }
    if (r == 0 && !(a.flags & GVX_CPY_ASYNC)) {
        r = rt->cudaStreamSynchronize(s);
    }
    gvd_reply(c, r);
}

/* ---- 2D / 3D ---------------------------------------------------------------------- */

/* Bytes spanned on the device side of a strided copy. */
int gvd_span_ok(gvd_client_t *cl, uint64_t p, uint64_t pitch,
                   uint64_t ysize, uint64_t width, uint64_t height,
                   uint64_t depth)
{
    uint64_t rows, span;

    if (width == 0 || height == 0 || depth == 0) {
        return 1;
    }
    if (width > pitch || (depth > 1 && height > ysize)) {
        return 0;
    }
    rows = (depth - 1) * ysize + height;
    if (rows / height < depth - 1 || pitch > UINT64_MAX / rows) {
        return 0;
    }
    span = (rows - 1) * pitch + width;
    return gvd_mem_ok(cl, (void *)(uintptr_t)p, span);
}

void gvd_h_memcpy_3d(gvd_call_t *c)
{
    const gvd_rt_t *rt = gvd_rt(c);
    struct cudaMemcpy3DParms p;
    uint64_t packed;
    cudaStream_t s = NULL;
    gvx_copy3d_t a;
    void *tmp = NULL;
    int64_t r;

    if (gvx_copy3d_unpack(&c->dec, &a) != 0) {
        c->dec.status = GVC_ERR_PROTO;
    }
    if (gvd_args_end(c)) {
        return;
    }
    packed = a.width * a.height * a.depth;
    r = gvd_copy_stream(c, a.stream, a.flags, &s);
    if (r == 0 && !gvd_span_ok(c->cl, a.dev, a.dev_pitch, a.dev_ysize, a.width,
                           a.height, a.depth)) {
        r = cudaErrorInvalidValue;
    }
    if (r == 0 && a.kind == cudaMemcpyDeviceToDevice &&
        !gvd_span_ok(c->cl, a.src, a.src_pitch, a.src_ysize, a.width, a.height,
                 a.depth)) {
        r = cudaErrorInvalidValue;
    }
    if (r == 0 && a.kind == cudaMemcpyHostToDevice &&
        c->msg->hdr.data_len != packed) {
        r = cudaErrorInvalidValue;
    }
    if (r != 0 || packed == 0) {
        gvd_reply(c, r);
        return;
    }
    memset(&p, 0, sizeof(p));
    p.extent = gvx_extent(a.width, a.height, a.depth);
    p.kind = (enum cudaMemcpyKind)a.kind;
    p.dstPtr = gvx_pitched((void *)(uintptr_t)a.dev, a.dev_pitch,
                                   a.width, a.dev_ysize);
    switch (a.kind) {
    case cudaMemcpyHostToDevice:
        p.srcPtr = gvx_pitched(c->msg->data, a.width, a.width,
                                       a.height);
        break;
    case cudaMemcpyDeviceToHost:
        tmp = malloc(packed);
        if (tmp == NULL) {
            gvd_reply(c, cudaErrorMemoryAllocation);
            return;
        }
        p.srcPtr = p.dstPtr;
        p.dstPtr = gvx_pitched(tmp, a.width, a.width, a.height);
        break;
    case cudaMemcpyDeviceToDevice:
        p.srcPtr = gvx_pitched((void *)(uintptr_t)a.src, a.src_pitch,
                                       a.width, a.src_ysize);
        break;
    default:
        gvd_reply(c, cudaErrorInvalidMemcpyDirection);
        return;
    }
    r = rt->cudaMemcpy3DAsync(&p, s);
    /* Host buffers here are the transport's or tmp: finish before they go. */
    if (r == 0 && (a.kind != cudaMemcpyDeviceToDevice ||
                   !(a.flags & GVX_CPY_ASYNC))) {
        r = rt->cudaStreamSynchronize(s);
    }
    if (r == 0 && tmp != NULL) {
        gvd_reply_data(c, tmp, packed, NULL);
    }
    if (r == 0 && a.kind != cudaMemcpyDeviceToDevice) {
        gvd_ctr_add(c->cl->ctr, a.kind == cudaMemcpyHostToDevice
                                    ? GVC_CTR_H2D_BYTES : GVC_CTR_D2H_BYTES,
                    packed);
    }
    gvd_reply(c, r);
    free(tmp);
}
