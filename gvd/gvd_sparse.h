/*
 * gvd_sparse.h - cuSPARSE on the worker: the table of the real
 * libcusparse.so.12 (one pointer per function gvd_cusparse_list.h
 * lists, resolved with dlsym by exact name when a call first needs it,
 * through gvd_blas_open), and the objects a client left (gvd_x_sparse.c).
 *
 * The library is opened lazily: a client that never calls cuSPARSE
 * never loads it.  Without it (a host without cuSPARSE, or the
 * simulated device, which answers a few functions) every missing entry
 * is NULL and its handler answers CUSPARSE_STATUS_NOT_SUPPORTED.
 *
 * Threads: the worker's one thread; read-only once resolved.
 */
#ifndef GVD_SPARSE_H
#define GVD_SPARSE_H

#include "gvd_call.h"

/* The legacy API's types are deprecated; we remote them all the same. */
#ifndef DISABLE_CUSPARSE_DEPRECATED
#define DISABLE_CUSPARSE_DEPRECATED 1
#endif
#include <cusparse.h>

struct gvd_cusparse {
#define GVD_CUSPARSE_FN(ret, name, params) ret (CUSPARSEAPI *name) params;
#include "gvd_cusparse_list.h"
#undef GVD_CUSPARSE_FN
};

typedef struct gvd_cusparse gvd_cusparse_t;

/* The cuSPARSE table of the call's worker; never NULL. */
const gvd_cusparse_t *gvd_cusparse(const gvd_call_t *c);

#endif
