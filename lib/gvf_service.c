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
} hrec_t;

static pthread_mutex_t slock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t scond = PTHREAD_COND_INITIALIZER;
static hrec_t *recs;          /* outstanding, newest first */
static uint64_t next_id = 1;
static int started, n_ready;

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

/* Progress every connection with outstanding host functions. */
static void poll_outstanding(void)
{
    struct timespec nap = { 0, 20000 };
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
            pthread_mutex_unlock(&slock);
            poll_outstanding();
            pthread_mutex_lock(&slock);
            continue;
        }
        pthread_mutex_unlock(&slock);
        r->run(r->arg);
        send_done(r);
        free(r);
        pthread_mutex_lock(&slock);
    }
    return NULL;
}

gvc_status_t gvf_hostfn_add(gvf_dev_t *dev, uint64_t stream,
                            gvf_hostfn_run_t run, void *arg, uint64_t *id_p)
{
    hrec_t *r = calloc(1, sizeof(*r));
    pthread_attr_t attr;
    pthread_t th;

    if (r == NULL) {
        return GVC_ERR_NOMEM;
    }
    r->dev = dev;
    r->stream = stream;
    r->run = run;
    r->arg = arg;
    pthread_mutex_lock(&slock);
    if (!started) {
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&th, &attr, service_main, NULL) != 0) {
            pthread_attr_destroy(&attr);
            pthread_mutex_unlock(&slock);
            free(r);
            return GVC_ERR_NOMEM;
        }
        pthread_attr_destroy(&attr);
        started = 1;
    }
    r->id = next_id++;
    r->next = recs;
    recs = r;
    *id_p = r->id;
    pthread_cond_signal(&scond);
    pthread_mutex_unlock(&slock);
    return GVC_OK;
}

void gvf_hostfn_cancel(uint64_t id)
{
    pthread_mutex_lock(&slock);
    for (hrec_t **pp = &recs; *pp != NULL; pp = &(*pp)->next) {
        if ((*pp)->id == id) {
            hrec_t *r = *pp;
            *pp = r->next;
            n_ready -= r->ready;
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

/* A worker asks to run host function id (delivered in order: queue). */
void gvf_service_recv(gvt_conn_t *conn, gvt_msg_t *msg, void *arg)
{
    gvf_dev_t *dev = arg;
    gvx_hostfn_t a;
    gvc_dec_t d;

    (void)conn;
    if (msg->hdr.api_id == GV_API_gvStdout) {
        write_all(STDOUT_FILENO, msg->data, msg->hdr.data_len);
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
        if (r->id == a.id && r->dev == dev && !r->ready) {
            r->ready = 1;
            n_ready++;
            pthread_cond_signal(&scond);
            break;
        }
    }
    pthread_mutex_unlock(&slock);
}
