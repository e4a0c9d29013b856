/*
 * gvdsim_notify.c - the simulated driver log and asynchronous
 * notifications.
 *
 * Every error a simulated call returns (but cudaErrorNotReady) is a log
 * entry "[gvdsim][E] error <number>" kept in a ring of the last 64, given
 * to the log callbacks at once (as the driver does, inside the failing
 * call) and dumped by cudaLogsDumpToMemory; errors of these calls are
 * not logged.  A cudaMalloc beyond the
 * simulated memory sends an over-budget notification to the device's
 * async callbacks.
 */
#include "config.h"

#include "gvdsim.h"

#include <stdio.h>
#include <string.h>

#define RING 64
#define LINE 96
#define SLOTS 8

static char ring[RING][LINE];
static unsigned n_logged;       /* entries ever logged: the iterator */

typedef struct slot {
    void *fn;                   /* NULL: free */
    void *data;
} slot_t;

static slot_t log_slots[SLOTS], async_slots[SLOTS];

static slot_t *slot_add(slot_t *s, void *fn, void *data)
{
    for (int i = 0; i < SLOTS; i++) {
        if (s[i].fn == NULL) {
            s[i].fn = fn;
            s[i].data = data;
            return &s[i];
        }
    }
    return NULL;
}

static cudaError_t slot_del(slot_t *s, const void *h)
{
    for (int i = 0; i < SLOTS; i++) {
        if (&s[i] == h && s[i].fn != NULL) {
            s[i].fn = NULL;
            return cudaSuccess;
        }
    }
    return cudaErrorInvalidValue;
}

void sim_log_error(cudaError_t e)
{
    char *line = ring[n_logged % RING];
    size_t len;

    if (e == cudaErrorNotReady) {
        return;
    }
    len = (size_t)snprintf(line, LINE, "[gvdsim][E] error %d\n", (int)e);
    n_logged++;
    for (int i = 0; i < SLOTS; i++) {
        if (log_slots[i].fn != NULL) {
            ((cudaLogsCallback_t)log_slots[i].fn)(
                log_slots[i].data, cudaLogLevelError, line,
                len < LINE ? len : LINE - 1);
        }
    }
}

void sim_over_budget(size_t bytes)
{
    cudaAsyncNotificationInfo_t info;

    memset(&info, 0, sizeof(info));
    info.type = cudaAsyncNotificationTypeOverBudget;
    info.info.overBudget.bytesOverBudget = bytes;
    for (int i = 0; i < SLOTS; i++) {
        if (async_slots[i].fn != NULL) {
            ((cudaAsyncCallback)async_slots[i].fn)(
                &info, async_slots[i].data,
                (cudaAsyncCallbackHandle_t)&async_slots[i]);
        }
    }
}

/* The log's own calls are not logged (nor last errors). */
static cudaError_t quiet(cudaError_t e)
{
    return e;
}

SIM cudaError_t cudaLogsRegisterCallback(cudaLogsCallback_t fn, void *data,
                                         cudaLogsCallbackHandle *out)
{
    slot_t *s;

    if (fn == NULL || out == NULL) {
        return quiet(cudaErrorInvalidValue);
    }
    s = slot_add(log_slots, (void *)fn, data);
    if (s == NULL) {
        return quiet(cudaErrorMemoryAllocation);
    }
    *out = (cudaLogsCallbackHandle)s;
    return cudaSuccess;
}

SIM cudaError_t cudaLogsUnregisterCallback(cudaLogsCallbackHandle h)
{
    return quiet(slot_del(log_slots, h));
}

SIM cudaError_t cudaLogsCurrent(cudaLogIterator *it, unsigned int flags)
{
    if (it == NULL || flags != 0) {
        return quiet(cudaErrorInvalidValue);
    }
    *it = n_logged;
    return cudaSuccess;
}

/* The newest entries from *it (or all kept) that fit in *size bytes
 * with the terminating NUL; none fit: *size 0 and invalid value. */
SIM cudaError_t cudaLogsDumpToMemory(cudaLogIterator *it, char *buf,
                                     size_t *size, unsigned int flags)
{
    unsigned first = n_logged > RING ? n_logged - RING : 0, from;
    size_t used = 0;

    if (buf == NULL || size == NULL || flags != 0) {
        return quiet(cudaErrorInvalidValue);
    }
    if (it != NULL && *it > first) {
        first = *it < n_logged ? *it : n_logged;
    }
    from = n_logged;
    while (from > first &&
           used + strlen(ring[(from - 1) % RING]) + 1 <= *size) {
        from--;
        used += strlen(ring[from % RING]);
    }
    if (from == n_logged && first < n_logged) {
        *size = 0;
        return quiet(cudaErrorInvalidValue);
    }
    used = 0;
    for (unsigned i = from; i < n_logged; i++) {
        size_t n = strlen(ring[i % RING]);
        memcpy(buf + used, ring[i % RING], n);
        used += n;
    }
    if (*size > 0) {
        buf[used] = '\0';
    }
    *size = used;
    if (it != NULL) {
        *it = n_logged;
    }
    return cudaSuccess;
}

SIM cudaError_t cudaDeviceRegisterAsyncNotification(
    int dev, cudaAsyncCallback fn, void *data, cudaAsyncCallbackHandle_t *out)
{
    slot_t *s;

    if (dev != 0) {
        return quiet(cudaErrorInvalidDevice);
    }
    if (fn == NULL || out == NULL) {
        return quiet(cudaErrorInvalidValue);
    }
    s = slot_add(async_slots, (void *)fn, data);
    if (s == NULL) {
        return quiet(cudaErrorMemoryAllocation);
    }
    *out = (cudaAsyncCallbackHandle_t)s;
    return cudaSuccess;
}

SIM cudaError_t cudaDeviceUnregisterAsyncNotification(
    int dev, cudaAsyncCallbackHandle_t h)
{
    if (dev != 0) {
        return quiet(cudaErrorInvalidDevice);
    }
    return quiet(slot_del(async_slots, h));
}
