/*
 * gvd_x_notify.c - driver log callbacks and asynchronous notifications
 * delivered to the client (lib/cudart/cudart_notify.c).
 *
 * gvNotifyReg registers a callback of the worker's with the runtime for
 * a registration the client made on its service thread (its id).  When
 * the driver calls it (during a failing call, or on a thread of its own
 * for notifications), the message goes to the client as a gvNotify
 * event { u64 id, bytes payload }: a log is { u32 level, bytes text },
 * a notification the raw cudaAsyncNotificationInfo_t.  Nobody waits for
 * the client to run it.
 */
#include "config.h"

#include "gvd_client.h"
#include "gvd_hand.h"
#include "gvd_rt.h"
#include "gvx.h"
#include "gvc_log.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct nreg {
    struct nreg *next;
    gvd_client_t *cl;     /* NULL once the client left */
    uint64_t id;          /* the client's registration */
    uint32_t kind;        /* GVX_NOTIFY_LOG or GVX_NOTIFY_ASYNC */
    void *handle;         /* the runtime's */
} nreg_t;

/* Shared by the main thread and the driver's callback threads. */
static pthread_mutex_t nlock = PTHREAD_MUTEX_INITIALIZER;
static nreg_t *nregs;

/* The client left: its registrations are undone so the driver calls
 * them no more.  The records stay (a driver thread may be inside a
 * callback with one); without a client they send nothing. */
void gvd_notify_fini(gvd_client_t *cl)
{
    nreg_t *r;

    for (;;) {
        pthread_mutex_lock(&nlock);
        for (r = nregs; r != NULL && r->cl != cl; r = r->next) {
        }
        if (r != NULL) {
            r->cl = NULL;
        }
        pthread_mutex_unlock(&nlock);
        if (r == NULL) {
            return;
        }
        if (r->kind == GVX_NOTIFY_LOG) {
            cl->be->rt.cudaLogsUnregisterCallback(r->handle);
        } else {
            cl->be->rt.cudaDeviceUnregisterAsyncNotification(0, r->handle);
        }
    }
}

/* Send payload to r's client as a gvNotify event (any thread). */
static void notify(nreg_t *r, const void *payload, size_t len)
{
    gvt_out_t out = { .api_id = GV_API_gvNotify, .flags = GVC_WF_EVENT };
    uint8_t small[256];
    uint8_t *buf = small;
    size_t cap = len + 32;
    gvc_enc_t e;

    if (cap > sizeof(small) && (buf = malloc(cap)) == NULL) {
        return;
    }
    gvc_enc_init(&e, buf, cap);
    gvc_enc_u64(&e, r->id);
    gvc_enc_bytes(&e, payload, len);
    out.args = buf;
    out.args_len = e.len;
    pthread_mutex_lock(&nlock);
    if (r->cl != NULL && e.status == GVC_OK &&
        gvt_send(r->cl->conn, &out) != GVC_OK) {
        gvc_warn("cannot pass a driver callback on to the client");
    }
    pthread_mutex_unlock(&nlock);
    if (buf != small) {
        free(buf);
    }
}

static void CUDART_CB log_cb(void *data, cudaLogLevel level, char *message,
                             size_t length)
{
    size_t n = message != NULL ? strnlen(message, length) : 0;
    uint8_t *p;
    gvc_enc_t e;

    if (n > GVX_MAX_LOG) {
        n = GVX_MAX_LOG;
    }
    p = malloc(n + 16);
    if (p == NULL) {
        return;
    }
    gvc_enc_init(&e, p, n + 16);
    gvc_enc_u32(&e, (uint32_t)level);
    gvc_enc_bytes(&e, message, n);
    if (e.status == GVC_OK) {
        notify(data, p, e.len);
    }
    free(p);
}

static void async_cb(cudaAsyncNotificationInfo_t *info, void *data,
                     cudaAsyncCallbackHandle_t h)
{
    (void)h;
    if (info != NULL) {
        notify(data, info, sizeof(*info));
    }
}

/* The registration of handle (a kind's) of this client, or NULL. */
static nreg_t *find(gvd_client_t *cl, uint32_t kind, uint64_t handle)
{
    for (nreg_t *r = nregs; r != NULL; r = r->next) {
        if (r->cl == cl && r->kind == kind &&
            (uint64_t)(uintptr_t)r->handle == handle) {
            return r;
        }
    }
    return NULL;
}

static void unlink_free(nreg_t *r)
{
    pthread_mutex_lock(&nlock);
    for (nreg_t **pp = &nregs; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == r) {
            *pp = r->next;
            break;
        }
    }
    pthread_mutex_unlock(&nlock);
    free(r);
}

static int64_t add(gvd_call_t *c, uint32_t kind, uint64_t id)
{
    const gvd_rt_t *rt = gvd_rt(c);
    nreg_t *r = calloc(1, sizeof(*r));
    int64_t res;

    if (r == NULL) {
        return gvd_err_no_memory(c);
    }
    r->kind = kind;
    r->id = id;
    /* Linked before the runtime can call it; no client until it is
     * registered, so nothing is sent for a failed registration. */
    pthread_mutex_lock(&nlock);
    r->next = nregs;
    nregs = r;
    pthread_mutex_unlock(&nlock);
    if (kind == GVX_NOTIFY_LOG) {
        res = rt->cudaLogsRegisterCallback(
            log_cb, r, (cudaLogsCallbackHandle *)&r->handle);
    } else {
        res = rt->cudaDeviceRegisterAsyncNotification(
            0, async_cb, r, (cudaAsyncCallbackHandle_t *)&r->handle);
    }
    if (res != 0) {
        unlink_free(r);
        return res;
    }
    pthread_mutex_lock(&nlock);
    r->cl = c->cl;
    pthread_mutex_unlock(&nlock);
    gvc_enc_u64(&c->enc, (uint64_t)(uintptr_t)r->handle);
    return 0;
}

static int64_t del(gvd_call_t *c, uint32_t kind, uint64_t handle)
{
    const gvd_rt_t *rt = gvd_rt(c);
    nreg_t *r;
    int64_t res;

    pthread_mutex_lock(&nlock);
    r = find(c->cl, kind, handle);
    pthread_mutex_unlock(&nlock);
    if (r == NULL) {
        return gvd_err_invalid_value(c);
    }
    if (kind == GVX_NOTIFY_LOG) {
        res = rt->cudaLogsUnregisterCallback(r->handle);
    } else {
        res = rt->cudaDeviceUnregisterAsyncNotification(0, r->handle);
    }
    if (res == 0) {
        unlink_free(r);
    }
    return res;
}

/* gvNotifyReg: { u32 op, u64 id (add) or handle (del) } -> { handle } */
void gvd_h_notify_reg(gvd_call_t *c)
{
    const gvd_rt_t *rt = gvd_rt(c);
    uint32_t op = 0;
    uint64_t x = 0;
    int64_t res;

    gvc_dec_u32(&c->dec, &op);
    gvc_dec_u64(&c->dec, &x);
    if (op < GVX_NOTIFY_LOG_ADD || op > GVX_NOTIFY_ASYNC_DEL) {
        c->dec.status = GVC_ERR_PROTO;
    }
    if (gvd_args_end(c)) {
        return;
    }
    if (op <= GVX_NOTIFY_LOG_DEL
            ? rt->cudaLogsRegisterCallback == NULL ||
                  rt->cudaLogsUnregisterCallback == NULL
            : rt->cudaDeviceRegisterAsyncNotification == NULL ||
                  rt->cudaDeviceUnregisterAsyncNotification == NULL) {
        gvd_reply(c, gvd_err_not_supported(c));
        return;
    }
    switch (op) {
    case GVX_NOTIFY_LOG_ADD: res = add(c, GVX_NOTIFY_LOG, x); break;
    case GVX_NOTIFY_LOG_DEL: res = del(c, GVX_NOTIFY_LOG, x); break;
    case GVX_NOTIFY_ASYNC_ADD: res = add(c, GVX_NOTIFY_ASYNC, x); break;
    default: res = del(c, GVX_NOTIFY_ASYNC, x); break;
    }
    gvd_reply(c, res);
}
