/*
 * cudart_notify.c - callbacks the GPU host's driver makes: driver log
 * messages (cudaLogsRegisterCallback) and asynchronous notifications
 * (cudaDeviceRegisterAsyncNotification); and the driver log dumped into
 * a file of this host (cudaLogsDumpToFile).
 *
 * The worker registers a callback of its own; when the driver calls it,
 * the worker sends the message or notification as an event and the
 * service thread runs the program's function with it (gvf_notify_*).
 * The driver calls its own callbacks during the call that logs, and
 * notifications at any moment; here they run on the service thread, a
 * little later, never inside a CUDA call of the program.
 *
 * Logs are per GPU host: a log callback is registered with every remote
 * GPU's worker and the handle the program gets is ours (a group of the
 * workers' registrations).  Log dumps read the current device's log.
 */
#include "config.h"

#include "gvrt.h"
#include "gvf_hostfn.h"
#include "gv_api_cudart.h"
#include "gvx.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A registration of the program's: one worker registration per device
 * it covers (every device for logs, one for notifications). */
typedef struct creg {
    struct creg *next;
    uint32_t kind;              /* GVX_NOTIFY_LOG or GVX_NOTIFY_ASYNC */
    cudaLogsCallback_t log_fn;
    cudaAsyncCallback async_fn;
    void *user;
    int n;                      /* entries below in use */
    int ord[GVX_NOTIFY_MAX_DEVS];
    uint64_t id[GVX_NOTIFY_MAX_DEVS];     /* the service thread's */
    uint64_t remote[GVX_NOTIFY_MAX_DEVS]; /* the worker's handle */
} creg_t;

static pthread_mutex_t rlock = PTHREAD_MUTEX_INITIALIZER;
static creg_t *regs;

/* A log message: { u32 level, bytes text } (service thread). */
static void run_log(void *arg, const void *data, size_t len)
{
    creg_t *r = arg;
    gvc_dec_t d;
    uint32_t level = 0;
    const void *text = NULL;
    size_t n = 0;
    char *msg;

    gvc_dec_init(&d, data, len);
    gvc_dec_u32(&d, &level);
    gvc_dec_bytes(&d, &text, &n, GVX_MAX_LOG);
    if (gvc_dec_finish(&d) != GVC_OK || (msg = malloc(n + 1)) == NULL) {
        return;
    }
    memcpy(msg, text, n);
    msg[n] = '\0';
    r->log_fn(r->user, (cudaLogLevel)level, msg, n);
    free(msg);
}

/* A notification: the raw cudaAsyncNotificationInfo_t (service thread). */
static void run_async(void *arg, const void *data, size_t len)
{
    creg_t *r = arg;
    cudaAsyncNotificationInfo_t info;

    if (len != sizeof(info)) {
        return;
    }
    memcpy(&info, data, sizeof(info));
    r->async_fn(&info, r->user, (cudaAsyncCallbackHandle_t)r);
}

/* gvNotifyReg { u32 op, u64 id or handle } on ordinal ord; a
 * registration's reply is the worker's handle. */
static cudaError_t reg_call(int ord, uint32_t op, uint64_t x,
                            uint64_t *remote_p)
{
    gvf_call_t c;
    gvc_status_t st;
    cudaError_t err = gvrt_begin_dev(&c, GV_API_gvNotifyReg, ord, 0);

    if (err != cudaSuccess) {
        return err;
    }
    gvc_enc_u32(&c.enc, op);
    gvc_enc_u64(&c.enc, x);
    st = gvf_call_sync(&c);
    if (gvrt_ok(&c, st) && remote_p != NULL) {
        gvc_dec_u64(&c.dec, remote_p);
        st = gvc_dec_finish(&c.dec);
    }
    return gvrt_end(&c, st);
}

/* Undo the first r->n worker registrations and the service thread's. */
static void unregister_all(creg_t *r)
{
    uint32_t op = r->kind == GVX_NOTIFY_LOG ? GVX_NOTIFY_LOG_DEL
                                            : GVX_NOTIFY_ASYNC_DEL;

    for (int i = 0; i < r->n; i++) {
        (void)reg_call(r->ord[i], op, r->remote[i], NULL);
        gvf_notify_unregister(gvf_dev(r->ord[i]), r->id[i]);
    }
    r->n = 0;
}

/* Register r with ordinals [first, last]. */
static cudaError_t register_with(creg_t *r, int first, int last)
{
    uint32_t op = r->kind == GVX_NOTIFY_LOG ? GVX_NOTIFY_LOG_ADD
                                            : GVX_NOTIFY_ASYNC_ADD;
    gvf_hostfn_data_t run = r->kind == GVX_NOTIFY_LOG ? run_log : run_async;
    cudaError_t err = cudaSuccess;

    for (int o = first; o <= last && err == cudaSuccess; o++) {
        uint64_t id;
        if (gvf_notify_register(gvf_dev(o), run, r, &id) != GVC_OK) {
            err = gvrt_fail(cudaErrorMemoryAllocation);
            break;
        }
        err = reg_call(o, op, id, &r->remote[r->n]);
        if (err != cudaSuccess) {
            gvf_notify_unregister(gvf_dev(o), id);
            break;
        }
        r->ord[r->n] = o;
        r->id[r->n] = id;
        r->n++;
    }
    if (err != cudaSuccess) {
        unregister_all(r);
    }
    return err;
}

static cudaError_t add(creg_t *r, int first, int last, void **handle_p)
{
    cudaError_t err = register_with(r, first, last);

    if (err != cudaSuccess) {
        free(r);
        return err;
    }
    pthread_mutex_lock(&rlock);
    r->next = regs;
    regs = r;
    pthread_mutex_unlock(&rlock);
    *handle_p = r;
    return cudaSuccess;
}

/* Take the registration h of kind out of the list (never read through
 * an unknown value). */
static creg_t *take(const void *h, uint32_t kind)
{
    creg_t *r = NULL;

    pthread_mutex_lock(&rlock);
    for (creg_t **pp = &regs; *pp != NULL; pp = &(*pp)->next) {
        if ((const void *)*pp == h && (*pp)->kind == kind) {
            r = *pp;
            *pp = r->next;
            break;
        }
    }
    pthread_mutex_unlock(&rlock);
    return r;
}

static cudaError_t start(void)
{
    gvc_status_t st = gvf_init();

    return st == GVC_OK ? cudaSuccess : gvrt_fail(gvrt_status_to_error(st));
}

GVRT_API cudaError_t CUDARTAPI cudaLogsRegisterCallback(
    cudaLogsCallback_t callbackFunc, void *userData,
    cudaLogsCallbackHandle *callback_out)
{
    cudaError_t err = start();
    int n = gvf_device_count();
    creg_t *r;

    if (err != cudaSuccess) {
        return err;
    }
    if (callbackFunc == NULL || callback_out == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    if (n > GVX_NOTIFY_MAX_DEVS) {
        return gvrt_unsupported("cudaLogsRegisterCallback with more than "
                                "64 remote GPUs");
    }
    r = calloc(1, sizeof(*r));
    if (r == NULL) {
        return gvrt_fail(cudaErrorMemoryAllocation);
    }
    r->kind = GVX_NOTIFY_LOG;
    r->log_fn = callbackFunc;
    r->user = userData;
    return add(r, 0, n - 1, (void **)callback_out);
}

GVRT_API cudaError_t CUDARTAPI cudaLogsUnregisterCallback(
    cudaLogsCallbackHandle callback)
{
    cudaError_t err = start();
    creg_t *r;

    if (err != cudaSuccess) {
        return err;
    }
    r = take(callback, GVX_NOTIFY_LOG);
    if (r == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    unregister_all(r);
    free(r);
    return cudaSuccess;
}

GVRT_API cudaError_t CUDARTAPI cudaDeviceRegisterAsyncNotification(
    int device, cudaAsyncCallback callbackFunc, void *userData,
    cudaAsyncCallbackHandle_t *callback)
{
    cudaError_t err = start();
    creg_t *r;

    if (err != cudaSuccess) {
        return err;
    }
    if (device < 0 || device >= gvf_device_count()) {
        return gvrt_fail(cudaErrorInvalidDevice);
    }
    if (callbackFunc == NULL || callback == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    r = calloc(1, sizeof(*r));
    if (r == NULL) {
        return gvrt_fail(cudaErrorMemoryAllocation);
    }
    r->kind = GVX_NOTIFY_ASYNC;
    r->async_fn = callbackFunc;
    r->user = userData;
    return add(r, device, device, (void **)callback);
}

GVRT_API cudaError_t CUDARTAPI cudaDeviceUnregisterAsyncNotification(
    int device, cudaAsyncCallbackHandle_t callback)
{
    cudaError_t err = start();
    creg_t *r;

    if (err != cudaSuccess) {
        return err;
    }
    if (device < 0 || device >= gvf_device_count()) {
        return gvrt_fail(cudaErrorInvalidDevice);
    }
    r = take(callback, GVX_NOTIFY_ASYNC);
    if (r != NULL && r->ord[0] != device) {
        /* Another device's: put it back. */
        pthread_mutex_lock(&rlock);
        r->next = regs;
        regs = r;
        pthread_mutex_unlock(&rlock);
        r = NULL;
    }
    if (r == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    unregister_all(r);
    free(r);
    return cudaSuccess;
}

/* The current device's log from *iterator (all when NULL), written into
 * pathToFile on this host. */
GVRT_API cudaError_t CUDARTAPI cudaLogsDumpToFile(cudaLogIterator *iterator,
                                                  const char *pathToFile,
                                                  unsigned int flags)
{
    size_t size = GVX_MAX_LOG;
    char *buf;
    cudaError_t err;
    FILE *fp;

    if (pathToFile == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    buf = malloc(size + 1);
    if (buf == NULL) {
        return gvrt_fail(cudaErrorMemoryAllocation);
    }
    err = cudaLogsDumpToMemory(iterator, buf, &size, flags);
    if (err == cudaSuccess) {
        size = size < GVX_MAX_LOG ? size : GVX_MAX_LOG;
        fp = fopen(pathToFile, "w");
        if (fp == NULL || (size > 0 && fwrite(buf, 1, size, fp) != size)) {
            err = cudaErrorInvalidValue;
        }
        if (fp != NULL && fclose(fp) != 0) {
            err = cudaErrorInvalidValue;
        }
        if (err != cudaSuccess) {
            gvrt_fail(err);
        }
    }
    free(buf);
    return err;
}
