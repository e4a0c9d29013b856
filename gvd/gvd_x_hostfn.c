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
 *
 * Graph host nodes run at every launch of their graph: the node's
 * function is a trampoline whose argument names the client's persistent
 * registration (hnode_t); each run gets its own tag, so two launches in
 * flight wait for their own completion.  User objects' destructors ask
 * the client to run the destructor and do not wait (CUDA may call them
 * from any thread, late).
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

/* A persistent host function of the client (graph host nodes); kept
 * until the worker exits (nodes may be cloned and instantiated). */
typedef struct hnode {
    struct hnode *next;
    gvd_client_t *cl;     /* NULL once the client left */
    uint64_t id;
} hnode_t;

/* A user object's destructor: the client's one-shot registration. */
typedef struct uobj {
    struct uobj *next;
    gvd_client_t *cl;     /* NULL once the client left */
    uint64_t id;
    int64_t refs;         /* references the client holds (not graphs') */
    cudaUserObject_t obj;
} uobj_t;

/* Records waiting for the client, host nodes and user objects; shared by
 * the main thread and CUDA's callback threads. */
static pthread_mutex_t hlock = PTHREAD_MUTEX_INITIALIZER;
static hrec_t *pending;
static hnode_t *hnodes;
static uobj_t *uobjs;
static atomic_ullong run_tag = 1;

void gvd_hostfn_fini(gvd_client_t *cl)
{
    /* Wake any CUDA thread still waiting: the client is gone. */
    pthread_mutex_lock(&hlock);
    for (hrec_t *r = pending; r != NULL; r = r->next) {
        if (r->cl == cl) {
            atomic_store(&r->done, 1);
        }
    }
    for (hnode_t *h = hnodes; h != NULL; h = h->next) {
        if (h->cl == cl) {
            h->cl = NULL;
        }
    }
    for (uobj_t *u = uobjs; u != NULL; u = u->next) {
        if (u->cl == cl) {
            u->cl = NULL;
        }
    }
    pthread_mutex_unlock(&hlock);
}

/* Urgent event from the client: gvHostFnDone { stream, id, status }; a
 * run is named by both (a host node's runs share the id). */
void gvd_hostfn_done(gvd_client_t *cl, const void *args, size_t len)
{
    gvx_hostfn_t a;
    gvc_dec_t d;
    int found = 0;

    gvc_dec_init(&d, args, len);
    if (gvx_hostfn_unpack(&d, &a) != 0) {
        gvc_warn("malformed host-function completion ignored");
        return;
    }
    pthread_mutex_lock(&hlock);
    for (hrec_t *r = pending; r != NULL; r = r->next) {
        if (r->cl == cl && r->id == a.id && r->stream == a.stream) {
            atomic_store(&r->done, 1);
            found = 1;
            break;
        }
    }
    pthread_mutex_unlock(&hlock);
    if (!found) {
        gvc_warn("completion of host function %llu, which is not waiting, "
                 "ignored", (unsigned long long)a.id);
    }
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

/* Ask the client to run host function id (event, any thread). */
static gvc_status_t ask_run(gvt_conn_t *conn, uint64_t stream, uint64_t id)
{
    gvx_hostfn_t a = { .stream = stream, .id = id };
    uint8_t buf[64];
    gvc_enc_t e;
    gvt_out_t out = { .api_id = GV_API_gvHostFnRun, .flags = GVC_WF_EVENT };

    gvc_enc_init(&e, buf, sizeof(buf));
    gvx_hostfn_pack(&e, &a);
    out.args = buf;
    out.args_len = e.len;
    return gvt_send(conn, &out);
}

/* Runs on a CUDA thread when the stream reaches the host function. */
static void CUDART_CB hostfn_trampoline(void *arg)
{
    hrec_t *rec = arg;
    gvt_conn_t *conn = rec->cl->conn;
    struct timespec nap = { 0, 20000 };

    gvc_status_t st = ask_run(conn, rec->stream, rec->id);

    gvc_debug("host function %llu: asked the client to run it",
              (unsigned long long)rec->id);
    if (st == GVC_OK) {
        while (!atomic_load(&rec->done) && gvt_conn_status(conn) == GVC_OK) {
            if (gvt_conn_poll(conn) == 0) {
                nanosleep(&nap, NULL);
            }
        }
    }
    if (!atomic_load(&rec->done)) {
        /* The stream goes on without it: say why. */
        gvc_warn("host function %llu: not run (%s)",
                 (unsigned long long)rec->id,
                 gvc_status_str(st != GVC_OK ? st : gvt_conn_status(conn)));
    }
    gvc_debug("host function %llu: done", (unsigned long long)rec->id);
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

/* ---- graph host nodes ---------------------------------------------------------- */

/* A host node's function: one run of the client's registration, waited
 * for like a host function (the graph's stream is held meanwhile). */
static void CUDART_CB hostnode_trampoline(void *arg)
{
    hnode_t *h = arg;
    hrec_t *rec = calloc(1, sizeof(*rec));

    pthread_mutex_lock(&hlock);
    if (rec == NULL || h->cl == NULL) {
        pthread_mutex_unlock(&hlock);
        free(rec);
        return;
    }
    rec->cl = h->cl;
    rec->id = h->id;
    rec->stream = atomic_fetch_add(&run_tag, 1);
    rec->next = pending;
    pending = rec;
    pthread_mutex_unlock(&hlock);
    hostfn_trampoline(rec); /* unlinks and frees rec */
}

cudaHostFn_t gvd_hostnode_fn(void)
{
    return hostnode_trampoline;
}

void *gvd_hostnode_arg(gvd_client_t *cl, uint64_t id)
{
    hnode_t *h;

    pthread_mutex_lock(&hlock);
    for (h = hnodes; h != NULL; h = h->next) {
        if (h->cl == cl && h->id == id) {
            break;
        }
    }
    if (h == NULL && (h = calloc(1, sizeof(*h))) != NULL) {
        h->cl = cl;
        h->id = id;
        h->next = hnodes;
        hnodes = h;
    }
    pthread_mutex_unlock(&hlock);
    return h;
}

int gvd_hostnode_id(gvd_client_t *cl, cudaHostFn_t fn, void *arg,
                    uint64_t *id_p)
{
    int found = 0;

    if (fn != hostnode_trampoline) {
        return 0;
    }
    pthread_mutex_lock(&hlock);
    for (hnode_t *h = hnodes; h != NULL && !found; h = h->next) {
        if (h == arg && h->cl == cl) {
            *id_p = h->id;
            found = 1;
        }
    }
    pthread_mutex_unlock(&hlock);
    return found;
}

/* ---- user objects -------------------------------------------------------------- */

/* CUDA drops the last reference (any thread, maybe inside a CUDA call):
 * the client runs the destructor; nobody waits for it. */
static void CUDART_CB uobj_destroy(void *arg)
{
    uobj_t *u = arg;

    pthread_mutex_lock(&hlock);
    for (uobj_t **pp = &uobjs; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == u) {
            *pp = u->next;
            break;
        }
    }
    if (u->cl != NULL) {
        ask_run(u->cl->conn, 0, u->id);
    }
    pthread_mutex_unlock(&hlock);
    free(u);
}

static uobj_t *uobj_find(gvd_client_t *cl, cudaUserObject_t obj)
{
    for (uobj_t *u = uobjs; u != NULL; u = u->next) {
        if (u->cl == cl && u->obj == obj) {
            return u;
        }
    }
    return NULL;
}

/* gvUserObject: { u32 op, u64 id or object, u64 graph, u32 count,
 * u32 flags } -> { object } (create).  The worker counts the references
 * the client holds: at none the handle is forgotten (graphs may hold
 * more; CUDA destroys the object when they go). */
void gvd_h_user_object(gvd_call_t *c)
{
    const gvd_rt_t *rt = gvd_rt(c);
    uint64_t x, graph;
    uint32_t op, count, flags;
    cudaUserObject_t obj;
    uobj_t *u = NULL;
    int64_t r;

    gvc_dec_u32(&c->dec, &op);
    gvc_dec_u64(&c->dec, &x);
    gvc_dec_u64(&c->dec, &graph);
    gvc_dec_u32(&c->dec, &count);
    gvc_dec_u32(&c->dec, &flags);
    if (op > GVX_UO_GRAPH_RELEASE) {
        c->dec.status = GVC_ERR_PROTO;
    }
    if (gvd_args_end(c)) {
        return;
    }
    if (rt->cudaUserObjectCreate == NULL) {
        gvd_reply(c, cudaErrorNotSupported);
        return;
    }
    if (op == GVX_UO_CREATE) {
        u = calloc(1, sizeof(*u));
        if (u == NULL) {
            gvd_reply(c, cudaErrorMemoryAllocation);
            return;
        }
        u->cl = c->cl;
        u->id = x;
        u->refs = count;
        pthread_mutex_lock(&hlock);
        u->next = uobjs;
        uobjs = u;
        pthread_mutex_unlock(&hlock);
        /* On failure CUDA has not taken u: the destructor path without
         * a client to ask unlinks and frees it. */
        r = rt->cudaUserObjectCreate(&obj, u, uobj_destroy, count, flags);
        if (r == 0 && gvd_handle_add(c->cl, GVD_H_USEROBJ, obj) != 0) {
            u->cl = NULL; /* the call failed: no destructor on the client */
            rt->cudaUserObjectRelease(obj, count);
            r = cudaErrorMemoryAllocation;
        } else if (r == 0) {
            u->obj = obj;
            gvc_enc_ptr(&c->enc, obj);
        } else {
            u->cl = NULL;
            uobj_destroy(u);
        }
        gvd_reply(c, r);
        return;
    }
    obj = (cudaUserObject_t)(uintptr_t)x;
    if (!gvd_handle_ok(c->cl, GVD_H_USEROBJ, obj) ||
        (op >= GVX_UO_GRAPH_RETAIN &&
         !gvd_handle_ok(c->cl, GVD_H_GRAPH, (void *)(uintptr_t)graph))) {
        gvd_reply(c, cudaErrorInvalidResourceHandle);
        return;
    }
    pthread_mutex_lock(&hlock);
    u = uobj_find(c->cl, obj);
    pthread_mutex_unlock(&hlock);
    if (u == NULL || (op == GVX_UO_RELEASE && count > u->refs) ||
        (op == GVX_UO_GRAPH_RETAIN && (flags & cudaGraphUserObjectMove) &&
         count > u->refs)) {
        gvd_reply(c, cudaErrorInvalidValue);
        return;
    }
    switch (op) {
    case GVX_UO_RETAIN:
        r = rt->cudaUserObjectRetain(obj, count);
        u->refs += r == 0 ? count : 0;
        break;
    case GVX_UO_RELEASE:
        u->refs -= count;   /* before: the release may destroy u */
        if (u->refs == 0) {
            gvd_handle_del(c->cl, GVD_H_USEROBJ, obj);
        }
        r = rt->cudaUserObjectRelease(obj, count);
        break;
    case GVX_UO_GRAPH_RETAIN:
        if (flags & cudaGraphUserObjectMove) {
            u->refs -= count;
            if (u->refs == 0) {
                gvd_handle_del(c->cl, GVD_H_USEROBJ, obj);
            }
        }
        r = rt->cudaGraphRetainUserObject((cudaGraph_t)(uintptr_t)graph, obj,
                                          count, flags);
        break;
    default:
        r = rt->cudaGraphReleaseUserObject((cudaGraph_t)(uintptr_t)graph,
                                           obj, count);
        break;
    }
    gvd_reply(c, r);
}
