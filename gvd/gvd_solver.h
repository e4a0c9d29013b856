/*
 * gvd_solver.h - cuSOLVER on the worker: the table of the real
 * libcusolver.so.12 (one pointer per function gvd_cusolver_list.h lists,
 * resolved with dlsym by exact name when a call first needs it, through
 * gvd_blas_open), and the objects a client leaves (gvd_x_solver.c).
 *
 * The library is opened lazily: a client that never calls cuSOLVER never
 * loads it.  Without it (a host without cuSOLVER, or the simulated
 * device, which answers a few functions) every missing entry is NULL and
 * its handler answers CUSOLVER_STATUS_NOT_SUPPORTED.
 *
 * Threads: the worker's one thread; read-only once resolved.
 */
#ifndef GVD_SOLVER_H
#define GVD_SOLVER_H

#include "gvd_call.h"

/* cusolverDn.h declares cusolverDnLoggerForceDisable() without a
 * prototype. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <cusolverDn.h>
#pragma GCC diagnostic pop

struct gvd_cusolver {
#define GVD_CUSOLVER_FN(ret, name, params) ret (CUSOLVERAPI *name) params;
#include "gvd_cusolver_list.h"
#undef GVD_CUSOLVER_FN
};

typedef struct gvd_cusolver gvd_cusolver_t;

/* The cuSOLVER table of the call's worker; never NULL. */
const gvd_cusolver_t *gvd_cusolver(const gvd_call_t *c);

#endif
