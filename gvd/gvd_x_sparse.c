/*
 * gvd_x_sparse.c - cuSPARSE on the worker: loading libcusparse.so.12
 * when a call first needs it, and destroying the handles, descriptors
 * and info objects a client leaves behind.  Every cuSPARSE call is a
 * generated handler (lib/gen/cusparse.api, gvd_cusparse_gen.c); objects
 * are validated against the client's tables cl->handles[GVD_H_SP ...
 * GVD_H_SP_BSRSM2], and device pointers a descriptor keeps against its
 * memory, when the descriptor is made or its pointers set.
 *
 * One client per worker process: the state below is the client's.
 */
#include "config.h"

#include "gvd_sparse.h"
#include "gvd_blas.h"
#include "gvd_client.h"
#include "gvc_log.h"

#include <stdlib.h>

static gvd_cusparse_t table;    /* all NULL until opened, or without it */
static int table_tried;

static const gvd_blas_sym_t syms[] = {
#define GVD_CUSPARSE_FN(ret, name, params) \
    { #name, offsetof(gvd_cusparse_t, name) },
#include "gvd_cusparse_list.h"
#undef GVD_CUSPARSE_FN
};

const gvd_cusparse_t *gvd_cusparse(const gvd_call_t *c)
{
    if (!table_tried) {
        table_tried = 1;
        gvd_blas_open(c->cl->be, "libcusparse.so.12", syms,
                      sizeof(syms) / sizeof(syms[0]), &table);
    }
    return &table;
}

/* Destroy one object of kind t with the library's function for it. */
static void destroy_one(gvd_htype_t t, uintptr_t h)
{
    const gvd_cusparse_t *l = &table;
    void *p = (void *)h;

    switch (t) {
    case GVD_H_SP_SPGEMM:
        if (l->cusparseSpGEMM_destroyDescr != NULL) {
            l->cusparseSpGEMM_destroyDescr(p);
        }
        break;
    case GVD_H_SP_SPSV:
        if (l->cusparseSpSV_destroyDescr != NULL) {
            l->cusparseSpSV_destroyDescr(p);
        }
        break;
    case GVD_H_SP_SPSM:
        if (l->cusparseSpSM_destroyDescr != NULL) {
            l->cusparseSpSM_destroyDescr(p);
        }
        break;
    case GVD_H_SP_SPMAT:
        if (l->cusparseDestroySpMat != NULL) {
            l->cusparseDestroySpMat(p);
        }
        break;
    case GVD_H_SP_SPVEC:
        if (l->cusparseDestroySpVec != NULL) {
            l->cusparseDestroySpVec(p);
        }
        break;
    case GVD_H_SP_DNMAT:
        if (l->cusparseDestroyDnMat != NULL) {
            l->cusparseDestroyDnMat(p);
        }
        break;
    case GVD_H_SP_DNVEC:
        if (l->cusparseDestroyDnVec != NULL) {
            l->cusparseDestroyDnVec(p);
        }
        break;
    case GVD_H_SP_MATDESCR:
        if (l->cusparseDestroyMatDescr != NULL) {
            l->cusparseDestroyMatDescr(p);
        }
        break;
    case GVD_H_SP_BSRSV2:
        if (l->cusparseDestroyBsrsv2Info != NULL) {
            l->cusparseDestroyBsrsv2Info(p);
        }
        break;
    case GVD_H_SP_BSRSM2:
        if (l->cusparseDestroyBsrsm2Info != NULL) {
            l->cusparseDestroyBsrsm2Info(p);
        }
        break;
    case GVD_H_SP:
        if (l->cusparseDestroy != NULL) {
            l->cusparseDestroy(p);
        }
        break;
    default:
        break;
    }
}

/* The operation descriptors first (they may keep state about matrices),
 * then the matrices and vectors, the legacy objects, handles last. */
void gvd_sparse_fini(gvd_client_t *cl)
{
    static const gvd_htype_t order[] = {
        GVD_H_SP_SPGEMM, GVD_H_SP_SPSV, GVD_H_SP_SPSM, GVD_H_SP_SPMAT,
        GVD_H_SP_SPVEC, GVD_H_SP_DNMAT, GVD_H_SP_DNVEC, GVD_H_SP_MATDESCR,
        GVD_H_SP_BSRSV2, GVD_H_SP_BSRSM2, GVD_H_SP
    };
    size_t n = gvd_handles_drain(cl, order, sizeof(order) / sizeof(order[0]),
                                 destroy_one);

    if (n > 0) {
        gvc_info("destroyed %zu cuSPARSE handle%s and descriptor%s the "
                 "client left", n, n == 1 ? "" : "s", n == 1 ? "" : "s");
    }
}
