/*
 * gvf_call.c - marshalling one call: buffers, send, reply, deferred
 * errors.
 */
#include "config.h"

#include "gvf_int.h"
#include "gvc_log.h"
#include "gvc_tables.h"
#include "gv_api_cuda.h"
#include "gv_api_cudart.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

gvc_status_t gvf_call_init(gvf_call_t *c, gvf_dev_t *dev, uint32_t api,
                           size_t args_hint)
{
    c->dev = dev;
    c->heap_args = NULL;
    c->heap_reply = NULL;
    memset(&c->out, 0, sizeof(c->out));
    memset(&c->reply, 0, sizeof(c->reply));
    c->out.api_id = api;
    /* At trace level every call's id (lib/gen/out/gv_api_*.h names it):
     * the last ids before a crash say which frontend call was running. */
    gvc_trace("call %#x", (unsigned)api);
    c->reply.args = c->rbuf;
    c->reply.args_cap = sizeof(c->rbuf);
    gvc_dec_init(&c->dec, NULL, 0);
    if (__builtin_expect(gvf_forked_, 0)) {
        /* The parent's connection: this call must never be sent, even by
         * a caller that does not check (the encoder's error stops it). */
        gvc_enc_init(&c->enc, NULL, 0);
        c->enc.status = GVC_ERR_FORKED;
        return GVC_ERR_FORKED;
    }
    if (args_hint > sizeof(c->abuf)) {
        c->heap_args = malloc(args_hint);
        if (c->heap_args == NULL) {
            gvc_enc_init(&c->enc, NULL, 0);
            return GVC_ERR_NOMEM;
        }
        gvc_enc_init(&c->enc, c->heap_args, args_hint);
    } else {
        gvc_enc_init(&c->enc, c->abuf, sizeof(c->abuf));
    }
    return GVC_OK;
}

gvc_status_t gvf_call_begin(gvf_call_t *c, uint32_t api, size_t args_hint)
{
    gvc_status_t st = gvf_init();
    gvf_dev_t *dev;

    if (st != GVC_OK) {
        return st;
    }
    dev = gvf_current_dev();
    if (dev == NULL) {
        return GVC_ERR_NO_DEVICE;
    }
    return gvf_call_init(c, dev, api, args_hint);
}

void gvf_warn_unsupported(const char *fn, const char *what)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static gvc_ptrset_t seen;
    static int seen_init;
    int first;

    pthread_mutex_lock(&lock);
    if (!seen_init) {
        gvc_ptrset_init(&seen);
        seen_init = 1;
    }
    first = !gvc_ptrset_has(&seen, (uintptr_t)fn);
    if (first) {
        (void)gvc_ptrset_add(&seen, (uintptr_t)fn); /* no memory: logs again */
    }
    pthread_mutex_unlock(&lock);
    if (first) {
        gvc_warn("%s is not supported by gvirtus; %s", fn, what);
    }
}

gvc_status_t gvf_call_args_room(gvf_call_t *c, size_t cap)
{
    uint8_t *p;

    if (c->enc.status != GVC_OK) {
        return c->enc.status; /* a failed start (gvf_call_init) */
    }
    if (cap <= c->enc.cap) {
        return GVC_OK;
    }
    p = realloc(c->heap_args, cap);
    if (p == NULL) {
        return GVC_ERR_NOMEM;
    }
    if (c->heap_args == NULL) {
        memcpy(p, c->enc.buf, c->enc.len);
    }
    c->heap_args = p;
    c->enc.buf = p;
    c->enc.cap = cap;
    return GVC_OK;
}

void gvf_call_data_out(gvf_call_t *c, const void *data, size_t len,
                       gvt_memh_t *memh)
{
    c->out.data = data;
    c->out.data_len = len;
    c->out.memh = memh;
}

void gvf_call_data_in(gvf_call_t *c, void *buf, size_t cap)
{
    c->reply.data = buf;
    c->reply.data_cap = cap;
}

gvc_status_t gvf_call_reply_room(gvf_call_t *c, size_t cap)
{
    if (cap <= sizeof(c->rbuf)) {
        return GVC_OK;
    }
    free(c->heap_reply);
    c->heap_reply = malloc(cap);
    if (c->heap_reply == NULL) {
        return GVC_ERR_NOMEM;
    }
    c->reply.args = c->heap_reply;
    c->reply.args_cap = cap;
    return GVC_OK;
}

static void note_deferred(gvf_dev_t *dev, uint32_t err)
{
    long long zero = 0;

    if (err != 0) {
        atomic_compare_exchange_strong(&dev->deferred, &zero,
                                       (long long)err);
    }
}

/* Calls that change a device's primary context (its flags, or whether
 * it is active): cuDevicePrimaryCtxGetState's answer kept by libcuda
 * (cuda_ctx.c) is valid while no such call ran. */
static int changes_primary(uint32_t api)
{
    switch (api) {
    case GV_API_cudaSetDeviceFlags:
    case GV_API_cudaDeviceReset:
    case GV_API_cuDevicePrimaryCtxSetFlags:
    case GV_API_cuDevicePrimaryCtxSetFlags_v2:
    case GV_API_cuCtxSetFlags:
        return 1;
    default:
        return 0;
    }
}

unsigned gvf_dev_prim_gen(gvf_dev_t *dev)
{
    return atomic_load(&dev->prim_gen);
}

gvc_status_t gvf_call_sync(gvf_call_t *c)
{
    gvc_status_t st = c->enc.status;
    uint64_t t0 = 0;

    if (st != GVC_OK) {
        return st == GVC_ERR_OVERFLOW ? GVC_ERR_INVALID : st;
    }
    c->out.args = c->enc.buf;
    c->out.args_len = c->enc.len;
    if (gvf_stats_on()) {
        t0 = gvf_stats_now();
    }
    st = gvt_call(c->dev->conn, &c->out, &c->reply);
    if (changes_primary(c->out.api_id)) {
        /* Done or failed, the worker has run it: state read earlier is
         * stale (gvf_dev_prim_gen). */
        atomic_fetch_add(&c->dev->prim_gen, 1);
    }
    if (t0 != 0) {
        gvf_stats_record(c->out.api_id, c->out.args_len + c->out.data_len,
                         c->reply.args_len + c->reply.data_len,
                         gvf_stats_now() - t0);
    }
    if (st != GVC_OK) {
        return st;
    }
    note_deferred(c->dev, c->reply.seq_err);
    gvc_dec_init(&c->dec, c->reply.args, c->reply.args_len);
    return GVC_OK;
}

gvc_status_t gvf_call_oneway(gvf_call_t *c)
{
    gvc_status_t st = c->enc.status;

    if (st != GVC_OK) {
        return st == GVC_ERR_OVERFLOW ? GVC_ERR_INVALID : st;
    }
    c->out.flags |= GVC_WF_ONEWAY;
    c->out.args = c->enc.buf;
    c->out.args_len = c->enc.len;
    if (gvf_stats_on()) {
        gvf_stats_record(c->out.api_id, c->out.args_len + c->out.data_len,
                         0, 0);
    }
    return gvt_send(c->dev->conn, &c->out);
}

gvc_status_t gvf_call_detached(gvf_call_t *c, void *buf, size_t cap)
{
    gvc_status_t st = c->enc.status;

    if (st != GVC_OK) {
        return st == GVC_ERR_OVERFLOW ? GVC_ERR_INVALID : st;
    }
    c->out.args = c->enc.buf;
    c->out.args_len = c->enc.len;
    if (gvf_stats_on()) {
        gvf_stats_record(c->out.api_id, c->out.args_len + c->out.data_len,
                         cap, 0);
    }
    return gvt_call_detached(c->dev->conn, &c->out, buf, cap, NULL);
}

/* A detached call's reply (transport callback): keep its error. */
void gvf_detached_done(gvt_conn_t *conn, uint64_t call_id,
                       gvc_status_t status, int64_t result, void *arg)
{
    gvf_dev_t *dev = arg;

    (void)conn;
    (void)call_id;
    if (status == GVC_OK && result != 0) {
        note_deferred(dev, (uint32_t)result);
    }
}

void gvf_call_fini(gvf_call_t *c)
{
    free(c->heap_args);
    free(c->heap_reply);
    c->heap_args = NULL;
    c->heap_reply = NULL;
}
