/*
 * gvf_service.c - the client's service thread: runs host functions
 * (cudaLaunchHostFunc, stream callbacks) when a worker asks for them.
 *
 * The request arrives as an event message, delivered in order (so the
 * data of copies the stream did before it has landed) by whichever thread
 * progresses the connection; that only queues the record.  The service
 * thread runs the user's function (never inside the transport) and
 * answers "done" as an urgent event, which releases the stream on the
 * GPU even while the worker's main thread waits on that stream.  While
 * host functions are outstanding the service thread also progresses the
 * connections itself, so they run even if the application makes no CUDA
 * call meanwhile, as with native CUDA.
 */
#include "config.h"

#include "gvf_int.h"
#include "gvf_hostfn.h"
#include "gv_api_cudart.h"
#include "gvx.h"
#include "gvc_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct hrec {
    struct hrec *next;
    gvf_dev_t *dev;
    uint64_t id;
    uint64_t stream;
    gvf_hostfn_run_t run;
    void *arg;
    int ready;
    unsigned flags;       /* GVF_HOSTFN_*: persistent ones never run */
    gvf_hostfn_data_t run_data; /* NOTIFY: runs with data instead */
    void *data;           /* NOTIFY runs: the payload (owned), len bytes */
    size_t len;
} hrec_t;

/* A gvf_notify_register registration, and its runs: they run with the
 * worker's data and answer nothing. */
enum { NOTIFY = 4 };

static pthread_mutex_t slock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t scond = PTHREAD_COND_INITIALIZER;
static hrec_t *recs;          /* outstanding, newest first */
static uint64_t next_id = 1;
static int started, n_ready;
static int n_waiting;         /* outstanding one-shot, not dormant */

static void send_done(hrec_t *r)
{
    gvx_hostfn_t a = { .stream = r->stream, .id = r->id };
    gvt_out_t out = { .api_id = GV_API_gvHostFnDone, .flags = GVC_WF_EVENT };
    uint8_t buf[64];
    gvc_enc_t e;

    gvc_enc_init(&e, buf, sizeof(buf));
    gvx_hostfn_pack(&e, &a);
    out.args = buf;
    out.args_len = e.len;
    if (gvt_send(r->dev->conn, &out) != GVC_OK) {
        gvc_warn("GPU %d: cannot release the stream after a host function",
                 r->dev->ordinal);
    }
}

/* Take a ready record (lock held). */
static hrec_t *take_ready(void)
{
    for (hrec_t **pp = &recs; *pp != NULL; pp = &(*pp)->next) {
        if ((*pp)->ready) {
            hrec_t *r = *pp;
            *pp = r->next;
            n_ready--;
            return r;
        }
    }
    return NULL;
}

/* Progress every connection with outstanding host functions: often
 * while a stream waits for one, every millisecond while only dormant
 * ones (graph host nodes, destructors) may be asked for. */
static void poll_outstanding(int waiting)
{
    struct timespec nap = { 0, waiting ? 20000 : 1000000 };
    unsigned n = 0;

    for (int i = 0; i < gvf_device_count(); i++) {
        n += gvt_conn_progress(gvf_dev(i)->conn);
    }
    if (n == 0) {
        nanosleep(&nap, NULL);
    }
}

static void *service_main(void *unused)
{
    hrec_t *r;

    (void)unused;
    pthread_mutex_lock(&slock);
    for (;;) {
        while (recs == NULL) {
            pthread_cond_wait(&scond, &slock);
        }
        r = take_ready();
        if (r == NULL) {
            int waiting = n_waiting > 0;
            pthread_mutex_unlock(&slock);
            poll_outstanding(waiting);
            pthread_mutex_lock(&slock);
            continue;
        }
        if (!(r->flags & GVF_HOSTFN_DORMANT)) {
            n_waiting--;
        }
        pthread_mutex_unlock(&slock);
        if (r->flags & NOTIFY) {
            r->run_data(r->arg, r->data, r->len);
            free(r->data);
        } else {
            r->run(r->arg);
            send_done(r);
        }
        free(r);
        pthread_mutex_lock(&slock);
    }
    return NULL;
}

static hrec_t *persist_find(gvf_dev_t *dev, gvf_hostfn_run_t run,
                            void *arg, uint64_t id)
{
    for (hrec_t *r = recs; r != NULL; r = r->next) {
        if ((r->flags & GVF_HOSTFN_PERSIST) && r->dev == dev &&
            (id != 0 ? r->id == id : (r->run == run && r->arg == arg))) {
            return r;
        }
    }
    return NULL;
}

gvc_status_t gvf_hostfn_add(gvf_dev_t *dev, uint64_t stream,
                            gvf_hostfn_run_t run, void *arg, uint64_t *id_p)
{
    return gvf_hostfn_register(dev, stream, run, arg, 0, id_p);
}

int gvf_hostfn_lookup(gvf_dev_t *dev, uint64_t id, gvf_hostfn_run_t *run_p,
                      void **arg_p)
{
    hrec_t *r;

    pthread_mutex_lock(&slock);
    r = id != 0 ? persist_find(dev, NULL, NULL, id) : NULL;
    if (r != NULL) {
        *run_p = r->run;
        *arg_p = r->arg;
    }
    pthread_mutex_unlock(&slock);
    return r != NULL ? 0 : -1;
}

/* Start the service thread once (lock held). */
static gvc_status_t start_locked(void)
{
    pthread_attr_t attr;
    pthread_t th;
    int rc;

    if (started) {
        return GVC_OK;
    }
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    rc = pthread_create(&th, &attr, service_main, NULL);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        return GVC_ERR_NOMEM;
    }
    started = 1;
    return GVC_OK;
}

gvc_status_t gvf_hostfn_register(gvf_dev_t *dev, uint64_t stream,
                                 gvf_hostfn_run_t run, void *arg,
                                 unsigned flags, uint64_t *id_p)
{
    hrec_t *r = calloc(1, sizeof(*r));

    if (r == NULL) {
        return GVC_ERR_NOMEM;
    }
    r->dev = dev;
    r->stream = stream;
    r->run = run;
    r->arg = arg;
    r->flags = flags | ((flags & GVF_HOSTFN_PERSIST) ? GVF_HOSTFN_DORMANT
                                                     : 0);
    pthread_mutex_lock(&slock);
    if (flags & GVF_HOSTFN_PERSIST) {
        hrec_t *old = persist_find(dev, run, arg, 0);
        if (old != NULL) {
            *id_p = old->id;
            pthread_mutex_unlock(&slock);
            free(r);
            return GVC_OK;
        }
    }
    if (start_locked() != GVC_OK) {
        pthread_mutex_unlock(&slock);
        free(r);
        return GVC_ERR_NOMEM;
    }
    r->id = next_id++;
    r->next = recs;
    recs = r;
    n_waiting += !(r->flags & GVF_HOSTFN_DORMANT);
    *id_p = r->id;
    pthread_cond_signal(&scond);
    pthread_mutex_unlock(&slock);
    return GVC_OK;
}

gvc_status_t gvf_notify_register(gvf_dev_t *dev, gvf_hostfn_data_t run,
                                 void *arg, uint64_t *id_p)
{
    hrec_t *r = calloc(1, sizeof(*r));

    if (r == NULL) {
        return GVC_ERR_NOMEM;
    }
    r->dev = dev;
    r->run_data = run;
    r->arg = arg;
    r->flags = GVF_HOSTFN_PERSIST | GVF_HOSTFN_DORMANT | NOTIFY;
    pthread_mutex_lock(&slock);
    if (start_locked() != GVC_OK) {
        pthread_mutex_unlock(&slock);
        free(r);
        return GVC_ERR_NOMEM;
    }
    r->id = next_id++;
    r->next = recs;
    recs = r;
    *id_p = r->id;
    pthread_cond_signal(&scond);
    pthread_mutex_unlock(&slock);
    return GVC_OK;
}

void gvf_notify_unregister(gvf_dev_t *dev, uint64_t id)
{
    pthread_mutex_lock(&slock);
    for (hrec_t **pp = &recs; *pp != NULL; pp = &(*pp)->next) {
        hrec_t *r = *pp;
        if (r->id == id && r->dev == dev && (r->flags & NOTIFY) &&
            (r->flags & GVF_HOSTFN_PERSIST)) {
            *pp = r->next;
            free(r);
            break;
        }
    }
    pthread_mutex_unlock(&slock);
}

void gvf_hostfn_cancel(uint64_t id)
{
    pthread_mutex_lock(&slock);
    for (hrec_t **pp = &recs; *pp != NULL; pp = &(*pp)->next) {
        if ((*pp)->id == id) {
            hrec_t *r = *pp;
            *pp = r->next;
            n_ready -= r->ready;
            n_waiting -= !(r->flags & GVF_HOSTFN_DORMANT);
            free(r);
            break;
        }
    }
    pthread_mutex_unlock(&slock);
}

/* Device printf output from the worker: the program's stdout gets it,
 * as it would natively. */
static void write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    ssize_t r;

    fflush(stdout); /* keep our own buffered output in order */
    while (n > 0) {
        r = write(fd, c, n);
        if (r <= 0) {
            return;
        }
        c += r;
        n -= (size_t)r;
    }
}

/* gvNotify { u64 id, bytes payload }: a run of registration id with a
 * copy of the payload, queued for the service thread. */
static void notify_recv(gvf_dev_t *dev, const gvt_msg_t *msg)
{
    const void *payload = NULL;
    uint64_t id = 0;
    size_t len = 0;
    gvc_dec_t d;
    hrec_t *run;

    gvc_dec_init(&d, msg->args, msg->hdr.args_len);
    gvc_dec_u64(&d, &id);
    gvc_dec_bytes(&d, &payload, &len, GVX_MAX_LOG + 64);
    if (gvc_dec_finish(&d) != GVC_OK) {
        return;
    }
    pthread_mutex_lock(&slock);
    for (hrec_t *r = recs; r != NULL; r = r->next) {
        if (r->id != id || r->dev != dev || !(r->flags & NOTIFY) ||
            !(r->flags & GVF_HOSTFN_PERSIST)) {
            continue;
        }
        run = calloc(1, sizeof(*run));
        if (run != NULL && (run->data = malloc(len ? len : 1)) != NULL) {
            memcpy(run->data, payload, len);
            run->len = len;
            run->dev = dev;
            run->id = id;
            run->run_data = r->run_data;
            run->arg = r->arg;
            run->flags = GVF_HOSTFN_DORMANT | NOTIFY;
            run->ready = 1;
            run->next = recs;
            recs = run;
            n_ready++;
            pthread_cond_signal(&scond);
        } else {
            free(run);
        }
        break;
    }
    pthread_mutex_unlock(&slock);
}

/* A worker asks to run host function id (delivered in order: queue). */
void gvf_service_recv(gvt_conn_t *conn, gvt_msg_t *msg, void *arg)
{
    gvf_dev_t *dev = arg;
    gvx_hostfn_t a;
    gvc_dec_t d;
    int found = 0;

    (void)conn;
    if (msg->hdr.api_id == GV_API_gvStdout) {
        write_all(STDOUT_FILENO, msg->data, msg->hdr.data_len);
        return;
    }
    if (msg->hdr.api_id == GV_API_gvNotify) {
        notify_recv(dev, msg);
        return;
    }
    if (msg->hdr.api_id != GV_API_gvHostFnRun) {
        return;
    }
    gvc_dec_init(&d, msg->args, msg->hdr.args_len);
    if (gvx_hostfn_unpack(&d, &a) != 0) {
        return;
    }
    pthread_mutex_lock(&slock);
    for (hrec_t *r = recs; r != NULL; r = r->next) {
        if (r->id != a.id || r->dev != dev || r->ready) {
            continue;
        }
        found = 1;
        if (r->flags & GVF_HOSTFN_PERSIST) {
            /* One run of a persistent function: a one-shot copy, named
             * back to the worker by the run's tag (stream). */
            hrec_t *run = calloc(1, sizeof(*run));
            if (run != NULL) {
                *run = *r;
                run->stream = a.stream;
                run->flags = GVF_HOSTFN_DORMANT;
                run->ready = 1;
                run->next = recs;
                recs = run;
                n_ready++;
            }
        } else {
            r->ready = 1;
            n_ready++;
        }
        pthread_cond_signal(&scond);
        break;
    }
    pthread_mutex_unlock(&slock);
    if (!found) {
        gvc_warn("GPU %d asked for host function %llu, which is not "
                 "waiting to run", dev->ordinal, (unsigned long long)a.id);
    }
}
