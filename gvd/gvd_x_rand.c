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
void gvd_rand_fini(gvd_client_t *cl)
{
    gvc_ptrset_t *set = &cl->handles[GVD_H_CURAND];
    uintptr_t *hs;
    size_t n;

    if (set->count == 0 || table.curandDestroyGenerator == NULL) {
        return;
    }
    hs = malloc(set->count * sizeof(*hs));
    if (hs == NULL) {
        return;                 /* process exit frees them anyway */
    }
    n = gvc_ptrset_values(set, hs, set->count);
    for (size_t i = 0; i < n; i++) {
        table.curandDestroyGenerator((curandGenerator_t)hs[i]);
        gvc_ptrset_del(set, hs[i]);
    }
    gvc_info("destroyed %zu cuRAND generator%s the client left", n,
             n == 1 ? "" : "s");
    free(hs);
}
