/*
 * gvd_counters.h - one worker's live counters, shared with gvd.
 *
 * gvd creates a page for each worker before starting it (a sealed memfd:
 * the mapping survives exec, and the worker cannot shrink it under gvd),
 * keeps its own mapping, and passes the fd as GVD_COUNTERS_FD.  The
 * worker maps it and updates the counters on its call path: one writer
 * (the worker's main thread), relaxed atomic loads and stores that
 * compile to plain moves, no lock, no system call.  gvd reads them for
 * status requests and the metrics endpoint, and folds the last values
 * into per-GPU totals when the worker has exited.  gvd uses them for
 * display only: a worker is trusted no further than its own counters.
 */
#ifndef GVD_COUNTERS_H
#define GVD_COUNTERS_H

#include "gvc_report.h"

#include <stdatomic.h>
#include <stdint.h>

#define GVD_COUNTERS_FD    5
#define GVD_COUNTERS_MAGIC 0x52544347u /* "GCTR" */

typedef struct gvd_counters {
    uint32_t magic;
    uint32_t client_id;              /* set by gvd before the worker runs */
    _Atomic uint64_t v[GVC_CTR_MAX]; /* by gvc_ctr_id_t */
} gvd_counters_t;

/* ---- gvd (the main process) ---------------------------------------------- */

/* A fresh zeroed page for client_id.  *c_p is gvd's mapping (free with
 * gvd_counters_unmap), *fd_p the fd to hand to the worker (close it once
 * the worker started).  -1 with errno set on failure. */
int gvd_counters_create(uint32_t client_id, gvd_counters_t **c_p,
                        int *fd_p);
void gvd_counters_unmap(gvd_counters_t *c);
/* A snapshot (c may be NULL: all zero). */
void gvd_counters_read(const gvd_counters_t *c, uint64_t out[GVC_CTR_MAX]);

/* ---- the worker ------------------------------------------------------------- */

/* Map the page gvd passed on fd (and close fd).  Without one (fd not
 * open, a test harness) a private zeroed block: never NULL. */
gvd_counters_t *gvd_counters_attach(int fd);

/* Only the worker's main thread writes: a load and a store, not an
 * atomic read-modify-write, is enough and costs about a nanosecond. */
static inline void gvd_ctr_add(gvd_counters_t *c, gvc_ctr_id_t id,
                               uint64_t n)
{
    uint64_t v = atomic_load_explicit(&c->v[id], memory_order_relaxed);

    atomic_store_explicit(&c->v[id], v + n, memory_order_relaxed);
}

static inline void gvd_ctr_set(gvd_counters_t *c, gvc_ctr_id_t id,
                               uint64_t v)
{
    atomic_store_explicit(&c->v[id], v, memory_order_relaxed);
}

static inline uint64_t gvd_ctr_get(const gvd_counters_t *c, gvc_ctr_id_t id)
{
    return atomic_load_explicit(&c->v[id], memory_order_relaxed);
}

#endif
