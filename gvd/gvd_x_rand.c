/*
 * gvd_x_rand.c - cuRAND on the worker: loading libcurand.so.10 when a
 * call first needs it, and destroying the generators a client leaves
 * behind.  Every cuRAND call is a generated handler (lib/gen/curand.api,
 * gvd_curand_gen.c); generators are validated against
 * cl->handles[GVD_H_CURAND].
 *
 * One client per worker process: the state below is the client's.
 */
#include "config.h"

#include "gvd_rand.h"
#include "gvd_blas.h"
#include "gvd_client.h"
#include "gvc_log.h"

#include <stdlib.h>

static gvd_curand_t table;      /* all NULL until opened, or without it */
static int table_tried;

static const gvd_blas_sym_t syms[] = {
#define GVD_CURAND_FN(ret, name, params)                                      \
    { #name, offsetof(gvd_curand_t, name) },
#include "gvd_curand_list.h"
#undef GVD_CURAND_FN
};

const gvd_curand_t *gvd_curand(const gvd_call_t *c)
{
    if (!table_tried) {
        table_tried = 1;
        gvd_blas_open(c->cl->be, "libcurand.so.10", syms,
                      sizeof(syms) / sizeof(syms[0]), &table);
    }
    return &table;
}

/* The client left: destroy the generators it did not (their states
 * live in device memory of the context, which goes next). */
static void destroy_one(gvd_htype_t t, uintptr_t h)
{
    (void)t;
    if (table.curandDestroyGenerator != NULL) {
        table.curandDestroyGenerator((curandGenerator_t)h);
    }
}

void gvd_rand_fini(gvd_client_t *cl)
{
    static const gvd_htype_t order[] = { GVD_H_CURAND };
    size_t n = gvd_handles_drain(cl, order, 1, destroy_one);

    if (n > 0) {
        gvc_info("destroyed %zu cuRAND generator%s the client left", n,
                 n == 1 ? "" : "s");
    }
}
