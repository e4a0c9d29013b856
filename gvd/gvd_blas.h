/*
 * gvd_blas.h - cuBLAS on the worker: the table of the real
 * libcublas.so.13 (one pointer per function gvd_cublas_list.h lists,
 * resolved with dlsym by exact name when a call first needs it), and
 * the hand-written part (gvd_x_blas.c).
 *
 * The library is opened lazily: a client that never calls cuBLAS never
 * loads it.  Without it (a host without cuBLAS, or the simulated device,
 * which answers only a few functions) every missing entry is NULL and
 * its handler answers CUBLAS_STATUS_NOT_SUPPORTED.
 *
 * Threads: the worker's one thread; read-only once resolved.
 */
#ifndef GVD_BLAS_H
#define GVD_BLAS_H

#include "gvd_call.h"

#include <cublas_v2.h>

struct gvd_cublas {
#define GVD_CUBLAS_FN(ret, name, params) ret (CUBLASWINAPI *name) params;
#include "gvd_cublas_list.h"
#undef GVD_CUBLAS_FN
};

typedef struct gvd_cublas gvd_cublas_t;

/* The cuBLAS table of the call's worker; never NULL. */
const gvd_cublas_t *gvd_cublas(const gvd_call_t *c);

#endif
