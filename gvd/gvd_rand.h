/*
 * gvd_rand.h - cuRAND on the worker: the table of the real
 * libcurand.so.10 (one pointer per function gvd_curand_list.h lists,
 * resolved with dlsym by exact name when a call first needs it, through
 * gvd_blas_open), and the generators a client leaves (gvd_x_rand.c).
 *
 * The library is opened lazily: a client that never calls cuRAND never
 * loads it.  Without it (a host without cuRAND, or the simulated device,
 * which answers a few functions) every missing entry is NULL and its
 * handler answers CURAND_STATUS_ARCH_MISMATCH (not supported).
 *
 * Threads: the worker's one thread; read-only once resolved.
 */
#ifndef GVD_RAND_H
#define GVD_RAND_H

#include "gvd_call.h"

#include <curand.h>

struct gvd_curand {
#define GVD_CURAND_FN(ret, name, params) ret (CURANDAPI *name) params;
#include "gvd_curand_list.h"
#undef GVD_CURAND_FN
};

typedef struct gvd_curand gvd_curand_t;

/* The cuRAND table of the call's worker; never NULL. */
const gvd_curand_t *gvd_curand(const gvd_call_t *c);

#endif
