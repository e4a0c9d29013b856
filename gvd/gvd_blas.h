/*
 * gvd_blas.h - cuBLAS and cuBLASLt on the worker: the tables of the real
 * libcublas.so.13 and libcublasLt.so.13 (one pointer per function
 * gvd_cublas_list.h / gvd_cublaslt_list.h lists, resolved with dlsym by
 * exact name when a call first needs it), and the hand-written parts
 * (gvd_x_blas.c, gvd_x_blaslt.c).
 *
 * Each library is opened lazily: a client that never calls cuBLAS never
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
/* cublasLt.h declares cublasLtLoggerForceDisable() without a prototype. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <cublasLt.h>
#pragma GCC diagnostic pop

struct gvd_cublas {
#define GVD_CUBLAS_FN(ret, name, params) ret (CUBLASWINAPI *name) params;
#include "gvd_cublas_list.h"
#undef GVD_CUBLAS_FN
};

typedef struct gvd_cublas gvd_cublas_t;

struct gvd_cublaslt {
#define GVD_CUBLASLT_FN(ret, name, params) ret (CUBLASWINAPI *name) params;
#include "gvd_cublaslt_list.h"
#undef GVD_CUBLASLT_FN
};

typedef struct gvd_cublaslt gvd_cublaslt_t;

/* The cuBLAS (cuBLASLt) table of the call's worker; never NULL. */
const gvd_cublas_t *gvd_cublas(const gvd_call_t *c);
const gvd_cublaslt_t *gvd_cublaslt(const gvd_call_t *c);

/* Resolve n functions named in syms (name, offset in table) of soname,
 * NVIDIA's (or the simulator's, be->sim), into table; those missing stay
 * NULL.  Never gvirtus's own library (a misconfigured library path).
 * cuDNN's table is loaded the same way (gvd_x_dnn.c). */
typedef struct gvd_blas_sym {
    const char *name;
    size_t off;
} gvd_blas_sym_t;

struct gvd_backend;

void gvd_blas_open(const struct gvd_backend *be, const char *soname,
                   const gvd_blas_sym_t *syms, size_t n, void *table);

/* Is h a handle cublasLtCreate made for the call's client (not a cuBLAS
 * handle, which otherwise serves as one: cublasLtDestroy must not free
 * it)? */
int gvd_blaslt_own(const gvd_call_t *c, const void *h);

/* Whether h is a block this client reserved for a descriptor initialised
 * in place (gvLtReserve): never the library's to destroy. */
int gvd_blaslt_pooled(const gvd_call_t *c, const void *h);

/* The cuBLASLt objects the client left, destroyed (gvd_x_blaslt.c). */
void gvd_blaslt_fini(gvd_client_t *cl);

#endif
