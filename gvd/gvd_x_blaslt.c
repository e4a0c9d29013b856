/*
 * gvd_x_blaslt.c - cuBLASLt on the worker: loading libcublasLt.so.13
 * when a call first needs it, and destroying the handles and
 * descriptors a client leaves behind.  Every cuBLASLt call is a
 * generated handler (lib/gen/cublasLt.api, gvd_cublaslt_gen.c); objects
 * are validated against cl->handles[GVD_H_CUBLASLT, GVD_H_LT_*].
 *
 * One client per worker process: the state below is the client's.
 */
#include "config.h"

#include "gvd_blas.h"
#include "gvd_client.h"
#include "gvc_log.h"

#include <stdlib.h>

static gvd_cublaslt_t table;    /* all NULL until opened, or without it */
static int table_tried;

static const gvd_blas_sym_t syms[] = {
#define GVD_CUBLASLT_FN(ret, name, params) \
    { #name, offsetof(gvd_cublaslt_t, name) },
#include "gvd_cublaslt_list.h"
#undef GVD_CUBLASLT_FN
};

const gvd_cublaslt_t *gvd_cublaslt(const gvd_call_t *c)
{
    if (!table_tried) {
        table_tried = 1;
        gvd_blas_open(c->cl->be, "libcublasLt.so.13", syms,
                      sizeof(syms) / sizeof(syms[0]), &table);
    }
    return &table;
}

int gvd_blaslt_own(const gvd_call_t *c, const void *h)
{
    return gvc_ptrset_has(&c->cl->handles[GVD_H_CUBLASLT], (uintptr_t)h);
}

/* Destroy one object of kind t with the library's function for it
 * (when the library has it). */
static void destroy_one(gvd_htype_t t, uintptr_t h)
{
    const gvd_cublaslt_t *l = &table;

    switch (t) {
    case GVD_H_LT_MATMUL:
        if (l->cublasLtMatmulDescDestroy != NULL) {
            l->cublasLtMatmulDescDestroy((cublasLtMatmulDesc_t)h);
        }
        break;
    case GVD_H_LT_TRANSFORM:
        if (l->cublasLtMatrixTransformDescDestroy != NULL) {
            l->cublasLtMatrixTransformDescDestroy(
                (cublasLtMatrixTransformDesc_t)h);
        }
        break;
    case GVD_H_LT_LAYOUT:
        if (l->cublasLtMatrixLayoutDestroy != NULL) {
            l->cublasLtMatrixLayoutDestroy((cublasLtMatrixLayout_t)h);
        }
        break;
    case GVD_H_LT_PREF:
        if (l->cublasLtMatmulPreferenceDestroy != NULL) {
            l->cublasLtMatmulPreferenceDestroy((cublasLtMatmulPreference_t)h);
        }
        break;
    case GVD_H_LT_EMUL:
        if (l->cublasLtEmulationDescDestroy != NULL) {
            l->cublasLtEmulationDescDestroy((cublasLtEmulationDesc_t)h);
        }
        break;
    case GVD_H_CUBLASLT:
        if (l->cublasLtDestroy != NULL) {
            l->cublasLtDestroy((cublasLtHandle_t)h);
        }
        break;
    default:
        break;
    }
}

/* Destroy every object of kind t the client left; how many. */
static size_t destroy_all(gvd_client_t *cl, gvd_htype_t t)
{
    gvc_ptrset_t *set = &cl->handles[t];
    uintptr_t *hs;
    size_t n;

    if (set->count == 0) {
        return 0;
    }
    hs = malloc(set->count * sizeof(*hs));
    if (hs == NULL) {
        return 0;               /* process exit frees them anyway */
    }
    n = gvc_ptrset_values(set, hs, set->count);
    for (size_t i = 0; i < n; i++) {
        destroy_one(t, hs[i]);
        gvc_ptrset_del(set, hs[i]);
    }
    free(hs);
    return n;
}

/* Descriptors first (a matmul descriptor may name an emulation one),
 * handles last. */
void gvd_blaslt_fini(gvd_client_t *cl)
{
    static const gvd_htype_t order[] = {
        GVD_H_LT_MATMUL, GVD_H_LT_TRANSFORM, GVD_H_LT_LAYOUT, GVD_H_LT_PREF,
        GVD_H_LT_EMUL, GVD_H_CUBLASLT
    };
    size_t n = 0;

    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        n += destroy_all(cl, order[i]);
    }
    if (n > 0) {
        gvc_info("destroyed %zu cuBLASLt handle%s and descriptor%s the "
                 "client left", n, n == 1 ? "" : "s", n == 1 ? "" : "s");
    }
}
