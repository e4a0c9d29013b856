/*
 * gvd_x_solver.c - cuSOLVER on the worker: loading libcusolver.so.12
 * when a call first needs it, and destroying the handles, parameters and
 * Jacobi settings a client leaves behind.  Every cuSOLVER call is a
 * generated handler (lib/gen/cusolver.api, gvd_cusolver_gen.c); objects
 * are validated against cl->handles[GVD_H_CUSOLVER] (handles),
 * GVD_H_CUSOLVER_PARAMS, GVD_H_CUSOLVER_GESVDJ and GVD_H_CUSOLVER_SYEVJ.
 *
 * One client per worker process: the state below is the client's.
 */
#include "config.h"

#include "gvd_solver.h"
#include "gvd_blas.h"
#include "gvd_client.h"
#include "gvc_log.h"

#include <stdlib.h>

static gvd_cusolver_t table;    /* all NULL until opened, or without it */
static int table_tried;

static const gvd_blas_sym_t syms[] = {
#define GVD_CUSOLVER_FN(ret, name, params) \
    { #name, offsetof(gvd_cusolver_t, name) },
#include "gvd_cusolver_list.h"
#undef GVD_CUSOLVER_FN
};

const gvd_cusolver_t *gvd_cusolver(const gvd_call_t *c)
{
    if (!table_tried) {
        table_tried = 1;
        gvd_blas_open(c->cl->be, "libcusolver.so.12", syms,
                      sizeof(syms) / sizeof(syms[0]), &table);
    }
    return &table;
}

/* Destroy one object of kind t with the library's function for it. */
static void destroy_one(gvd_htype_t t, uintptr_t h)
{
    const gvd_cusolver_t *l = &table;

    switch (t) {
    case GVD_H_CUSOLVER_PARAMS:
        if (l->cusolverDnDestroyParams != NULL) {
            l->cusolverDnDestroyParams((cusolverDnParams_t)h);
        }
        break;
    case GVD_H_CUSOLVER_GESVDJ:
        if (l->cusolverDnDestroyGesvdjInfo != NULL) {
            l->cusolverDnDestroyGesvdjInfo((gesvdjInfo_t)h);
        }
        break;
    case GVD_H_CUSOLVER_SYEVJ:
        if (l->cusolverDnDestroySyevjInfo != NULL) {
            l->cusolverDnDestroySyevjInfo((syevjInfo_t)h);
        }
        break;
    case GVD_H_CUSOLVER:
        if (l->cusolverDnDestroy != NULL) {
            l->cusolverDnDestroy((cusolverDnHandle_t)h);
        }
        break;
    default:
        break;
    }
}

/* Settings first, handles last (a handle's cuBLAS handle and stream
 * resources go with it, before the context does). */
void gvd_solver_fini(gvd_client_t *cl)
{
    static const gvd_htype_t order[] = {
        GVD_H_CUSOLVER_PARAMS, GVD_H_CUSOLVER_GESVDJ, GVD_H_CUSOLVER_SYEVJ,
        GVD_H_CUSOLVER
    };
    size_t n = gvd_handles_drain(cl, order, sizeof(order) / sizeof(order[0]),
                                 destroy_one);

    if (n > 0) {
        gvc_info("destroyed %zu cuSOLVER handle%s and setting%s the client "
                 "left", n, n == 1 ? "" : "s", n == 1 ? "" : "s");
    }
}
