/*
 * gvd_x_hostfn.c - host functions (cudaLaunchHostFunc, stream callbacks)
 * run on the client, in stream order.
 *
 * The worker enqueues its own host function on the stream.  When CUDA
 * runs it (on a CUDA thread), it asks the client to run the user's
 * function (an event message) and blocks the stream until the client says
 * it is done (another event).  Events bypass the ordered request queue,
 * so this works even while the worker's main thread is blocked in, say,
 * cudaStreamSynchronize on that very stream.  The CUDA thread only polls
 * the network; it never runs request handlers (no CUDA calls from a host
 * function).
 */
#include "config.h"

#include "gvd_client.h"
#include "gvd_hand.h"
#include "gvd_rt.h"
#include "gvx.h"
#include "gvc_log.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

typedef struct hrec {
    struct hrec *next;
    gvd_client_t *cl;
    uint64_t id;
    uint64_t stream;
    atomic_int done;
} hrec_t;

/* Records waiting for the client; shared by the main thread and CUDA's
 * callback threads. */
static pthread_mutex_t hlock = PTHREAD_MUTEX_INITIALIZER;
static hrec_t *pending;

void gvd_hostfn_fini(gvd_client_t *cl)
{
    /* Wake any CUDA thread still waiting: the client is gone. */
    pthread_mutex_lock(&hlock);
    for (hrec_t *r = pending; r != NULL; r = r->next) {
        if (r->cl == cl) {
            atomic_store(&r->done, 1);
        }
    }
    pthread_mutex_unlock(&hlock);
}

/* Urgent event from the client: gvHostFnDone { stream, id, status }. */
void gvd_hostfn_done(gvd_client_t *cl, const void *args, size_t len)
{
    gvx_hostfn_t a;
    gvc_dec_t d;

    gvc_dec_init(&d, args, len);
    if (gvx_hostfn_unpack(&d, &a) != 0) {
        gvc_warn("malformed host-function completion ignored");
        return;
    }
    pthread_mutex_lock(&hlock);
    for (hrec_t *r = pending; r != NULL; r = r->next) {
        if (r->cl == cl && r->id == a.id) {
            atomic_store(&r->done, 1);
            break;
        }
    }
    pthread_mutex_unlock(&hlock);
}

static void hrec_unlink(hrec_t *rec)
{
    pthread_mutex_lock(&hlock);
    for (hrec_t **pp = &pending; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == rec) {
            *pp = rec->next;
            break;
        }
    }
    pthread_mutex_unlock(&hlock);
}

/* Runs on a CUDA thread when the stream reaches the host function. */
static void CUDART_CB hostfn_trampoline(void *arg)
{
    hrec_t *rec = arg;
    gvt_conn_t *conn = rec->cl->conn;
    gvx_hostfn_t a = { .stream = rec->stream, .id = rec->id };
    uint8_t buf[64];
    gvc_enc_t e;
    struct timespec nap = { 0, 20000 };
    gvt_out_t out = { .api_id = GV_API_gvHostFnRun, .flags = GVC_WF_EVENT };

    gvc_enc_init(&e, buf, sizeof(buf));
    gvx_hostfn_pack(&e, &a);
    out.args = buf;
    out.args_len = e.len;
    if (gvt_send(conn, &out) == GVC_OK) {
        while (!atomic_load(&rec->done) && gvt_conn_status(conn) == GVC_OK) {
            if (gvt_conn_poll(conn) == 0) {
                nanosleep(&nap, NULL);
            }
        }
    }
    hrec_unlink(rec);
    free(rec);
}

/* gvHostFn (one-way): { stream, id } */
void gvd_h_hostfn(gvd_call_t *c)
{
    gvx_hostfn_t a;
    hrec_t *rec;
    int64_t r;

    if (gvx_hostfn_unpack(&c->dec, &a) != 0) {
        c->dec.status = GVC_ERR_PROTO;
    }
    if (gvd_args_end(c)) {
        return;
    }
    if (!gvd_handle_ok(c->cl, GVD_H_STREAM, (void *)(uintptr_t)a.stream)) {
        gvd_reply(c, cudaErrorInvalidResourceHandle);
        return;
    }
    rec = calloc(1, sizeof(*rec));
    if (rec == NULL) {
        gvd_reply(c, cudaErrorMemoryAllocation);
        return;
    }
    rec->cl = c->cl;
    rec->id = a.id;
    rec->stream = a.stream;
    pthread_mutex_lock(&hlock);
    rec->next = pending;
    pending = rec;
    pthread_mutex_unlock(&hlock);
    r = gvd_rt(c)->cudaLaunchHostFunc((cudaStream_t)(uintptr_t)a.stream,
                                      hostfn_trampoline, rec);
    if (r != 0) {
        hrec_unlink(rec);
        free(rec);
    }
    gvd_reply(c, r);
}
