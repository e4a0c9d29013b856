/*
 * cufft_core.c - the plan numbers of our libcufft.so.12 (gvfft.h).
 *
 * cufftHandle is an int, so the program cannot hold a record's address
 * as it does with cuBLAS or cuDNN handles.  It holds a number of ours
 * instead: slot (number - 1) of this table keeps the address of the
 * plan's record (gvf_obj.h), which names the GPU and the worker's plan.
 * A number that is not a live slot (never handed out, destroyed, or the
 * program's own guess) is refused with CUFFT_INVALID_PLAN before
 * anything is sent.  The lowest free slot is taken, so numbers stay
 * small, as cuFFT's own plans are.
 */
#include "config.h"

#include "gvfft.h"
#include "gvf_obj.h"

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void **slots;            /* records by number - 1, NULL: free; owned */
static size_t n_slots;          /* slots allocated */

/* Under the lock: a free slot's index (grown when none), or -1 when out
 * of memory or numbers. */
static long free_slot(void)
{
    size_t n, old = n_slots;
    void **grown;

    for (size_t i = 0; i < n_slots; i++) {
        if (slots[i] == NULL) {
            return (long)i;
        }
    }
    n = n_slots == 0 ? 16 : n_slots * 2;
    if (n > (size_t)INT_MAX) {
        return -1;
    }
    grown = realloc(slots, n * sizeof(*slots));
    if (grown == NULL) {
        return -1;
    }
    for (size_t i = n_slots; i < n; i++) {
        grown[i] = NULL;
    }
    slots = grown;
    n_slots = n;
    return (long)old;
}

cufftResult gvfft_wrap(const gvf_call_t *c, cufftHandle *plan_p)
{
    void *rec;
    long i;

    if (plan_p == NULL) {
        return CUFFT_INVALID_VALUE;
    }
    if (gvf_obj_new(GVFFT_K_PLAN, c->dev, (void *)(intptr_t)*plan_p,
                    &rec) != GVC_OK) {
        *plan_p = CUFFT_PLAN_NULL;
        return CUFFT_ALLOC_FAILED;
    }
    pthread_mutex_lock(&lock);
    i = free_slot();
    if (i >= 0) {
        slots[i] = rec;
    }
    pthread_mutex_unlock(&lock);
    if (i < 0) {
        gvf_obj_free(rec, GVFFT_K_PLAN);
        *plan_p = CUFFT_PLAN_NULL;
        return CUFFT_ALLOC_FAILED;
    }
    *plan_p = (cufftHandle)(i + 1);
    return CUFFT_SUCCESS;
}

cufftResult gvfft_lookup(cufftHandle plan, gvf_dev_t **dev_p,
                         void **remote_p)
{
    gvf_obj_t o;
    int found = 0;

    pthread_mutex_lock(&lock);
    if (plan >= 1 && (size_t)plan <= n_slots && slots[plan - 1] != NULL) {
        found = gvf_obj_get(slots[plan - 1], GVFFT_K_PLAN, &o) == GVC_OK;
    }
    pthread_mutex_unlock(&lock);
    if (!found) {
        return CUFFT_INVALID_PLAN;
    }
    *dev_p = o.dev;
    *remote_p = o.remote;
    return CUFFT_SUCCESS;
}

cufftResult gvfft_forget(cufftHandle plan)
{
    void *rec = NULL;

    pthread_mutex_lock(&lock);
    if (plan >= 1 && (size_t)plan <= n_slots) {
        rec = slots[plan - 1];
        slots[plan - 1] = NULL;
    }
    pthread_mutex_unlock(&lock);
    if (rec != NULL) {
        gvf_obj_free(rec, GVFFT_K_PLAN);
    }
    return CUFFT_SUCCESS;
}
