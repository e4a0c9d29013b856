/*
 * gvf_mem.c - host memory registered with UCX (the application's pinned
 * buffers), found by address when it is used in a copy.
 *
 * A sorted array under a read-write lock: registrations are rare
 * (cudaMallocHost), lookups happen on every copy.
 */
#include "config.h"

#include "gvf_int.h"

#include <stdlib.h>
#include <string.h>

typedef struct reg {
    uintptr_t base;
    size_t len;
    gvt_memh_t *memh;
} reg_t;

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static reg_t *regs;
static size_t n_regs, cap_regs;

/* Index of the last registration with base <= p, or -1 (lock held). */
static long reg_floor(uintptr_t p)
{
    long lo = 0, hi = (long)n_regs - 1, best = -1;

    while (lo <= hi) {
        long mid = lo + (hi - lo) / 2;
        if (regs[mid].base <= p) {
            best = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return best;
}

gvc_status_t gvf_mem_add(void *p, size_t len, gvt_memh_t *memh)
{
    uintptr_t b = (uintptr_t)p;
    long i;

    pthread_rwlock_wrlock(&lock);
    if (n_regs == cap_regs) {
        size_t cap = cap_regs ? 2 * cap_regs : 16;
        reg_t *nr = realloc(regs, cap * sizeof(*nr));
        if (nr == NULL) {
            pthread_rwlock_unlock(&lock);
            return GVC_ERR_NOMEM;
        }
        regs = nr;
        cap_regs = cap;
    }
    i = reg_floor(b) + 1;
    memmove(&regs[i + 1], &regs[i], (n_regs - (size_t)i) * sizeof(*regs));
    regs[i] = (reg_t){ b, len, memh };
    n_regs++;
    pthread_rwlock_unlock(&lock);
    return GVC_OK;
}

gvt_memh_t *gvf_mem_remove(void *p)
{
    gvt_memh_t *m = NULL;
    long i;

    pthread_rwlock_wrlock(&lock);
    i = reg_floor((uintptr_t)p);
    if (i >= 0 && regs[i].base == (uintptr_t)p) {
        m = regs[i].memh;
        memmove(&regs[i], &regs[i + 1],
                (n_regs - (size_t)i - 1) * sizeof(*regs));
        n_regs--;
    }
    pthread_rwlock_unlock(&lock);
    return m;
}

gvt_memh_t *gvf_mem_find(const void *p, size_t len)
{
    uintptr_t x = (uintptr_t)p;
    gvt_memh_t *m = NULL;
    long i;

    pthread_rwlock_rdlock(&lock);
    i = reg_floor(x);
    if (i >= 0 && x - regs[i].base <= regs[i].len &&
        len <= regs[i].len - (x - regs[i].base)) {
        m = regs[i].memh;
    }
    pthread_rwlock_unlock(&lock);
    return m;
}
