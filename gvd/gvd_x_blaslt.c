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
#include "gvx.h"
#include "gv_api_cublaslt.h"

#include <stdlib.h>
#include <string.h>

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

/* ---- descriptors initialised in place (lib/gvx.h, lib/cublaslt/
 * cublaslt_pool.c): blocks of ours, each in the client's handle table of
 * its kind as any descriptor, and in pooled; freed by us at the end,
 * never by cuBLASLt. */

static gvc_ptrset_t pooled;
static int pooled_init;

int gvd_blaslt_pooled(const gvd_call_t *c, const void *h)
{
    (void)c;
    return pooled_init && gvc_ptrset_has(&pooled, (uintptr_t)h);
}

static const gvd_htype_t pool_types[GVX_LT_KINDS] = {
    [GVX_LT_MATMUL] = GVD_H_LT_MATMUL,
    [GVX_LT_LAYOUT] = GVD_H_LT_LAYOUT,
    [GVX_LT_PREF] = GVD_H_LT_PREF,
};

/* Whether this cuBLASLt initialises descriptors of kind k in place. */
static int can_init(const gvd_cublaslt_t *t, int32_t k)
{
    return (k == GVX_LT_MATMUL && t->cublasLtMatmulDescInit_internal) ||
           (k == GVX_LT_LAYOUT && t->cublasLtMatrixLayoutInit_internal) ||
           (k == GVX_LT_PREF && t->cublasLtMatmulPreferenceInit_internal);
}

static void h_reserve(gvd_call_t *c)
{
    int32_t k = -1;
    uint32_t n = 0;

    gvc_dec_i32(&c->dec, &k);
    gvc_dec_u32(&c->dec, &n);
    if (gvd_args_end(c)) {
        return;
    }
    if (k < 0 || k >= GVX_LT_KINDS || n == 0 || n > GVX_LT_RESERVE_MAX) {
        gvd_reply(c, CUBLAS_STATUS_INVALID_VALUE);
        return;
    }
    if (!can_init(gvd_cublaslt(c), k)) {
        gvd_reply(c, CUBLAS_STATUS_NOT_SUPPORTED);
        return;
    }
    if (!pooled_init) {
        gvc_ptrset_init(&pooled);
        pooled_init = 1;
    }
    if (gvd_reply_room(c, 32 + (size_t)n * 8) != 0) {
        gvd_reply(c, CUBLAS_STATUS_ALLOC_FAILED);
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        void *b = aligned_alloc(64, GVX_LT_BLOCK);

        if (b == NULL || gvc_ptrset_add(&pooled, (uintptr_t)b) != 0) {
            free(b);
            gvd_reply(c, CUBLAS_STATUS_ALLOC_FAILED);
            return;             /* those made so far: freed at the end */
        }
        if (gvd_handle_add(c->cl, pool_types[k], b) != 0) {
            gvc_ptrset_del(&pooled, (uintptr_t)b);
            free(b);
            gvd_reply(c, CUBLAS_STATUS_ALLOC_FAILED);
            return;
        }
        memset(b, 0, GVX_LT_BLOCK);
        gvc_enc_ptr(&c->enc, b);
    }
    gvd_reply(c, CUBLAS_STATUS_SUCCESS);
}

static void h_init(gvd_call_t *c)
{
    const gvd_cublaslt_t *t;
    int32_t k = -1, a = 0, b = 0;
    uint64_t rows = 0, cols = 0;
    int64_t ld = 0;
    void *blk = NULL;
    int64_t res;

    gvc_dec_i32(&c->dec, &k);
    gvc_dec_ptr(&c->dec, &blk);
    gvc_dec_i32(&c->dec, &a);
    gvc_dec_i32(&c->dec, &b);
    gvc_dec_u64(&c->dec, &rows);
    gvc_dec_u64(&c->dec, &cols);
    gvc_dec_i64(&c->dec, &ld);
    if (gvd_args_end(c)) {
        return;
    }
    t = gvd_cublaslt(c);
    if (k < 0 || k >= GVX_LT_KINDS || !gvd_blaslt_pooled(c, blk) ||
        !gvd_handle_ok(c->cl, pool_types[k], blk)) {
        gvd_reply(c, CUBLAS_STATUS_INVALID_VALUE);
        return;
    }
    if (!can_init(t, k)) {
        gvd_reply(c, CUBLAS_STATUS_NOT_SUPPORTED);
        return;
    }
    switch (k) {
    case GVX_LT_MATMUL:
        res = t->cublasLtMatmulDescInit_internal(
            blk, GVX_LT_BLOCK, (cublasComputeType_t)a, (cudaDataType_t)b);
        break;
    case GVX_LT_LAYOUT:
        res = t->cublasLtMatrixLayoutInit_internal(
            blk, GVX_LT_BLOCK, (cudaDataType)a, rows, cols, ld);
        break;
    default:
        res = t->cublasLtMatmulPreferenceInit_internal(blk, GVX_LT_BLOCK);
        break;
    }
    gvd_reply(c, res);
}

#define H(name, fn) { GV_API_##name, #name, GVD_LIB_CUBLASLT, fn }

const gvd_api_t gvd_blaslt_hand_apis[] = {
    H(gvLtReserve, h_reserve),
    H(gvLtInit, h_init),
};

const size_t gvd_blaslt_hand_n_apis =
    sizeof(gvd_blaslt_hand_apis) / sizeof(gvd_blaslt_hand_apis[0]);

/* The reserved blocks: out of the handle tables, freed. */
static void free_pooled(gvd_client_t *cl)
{
    uintptr_t *bs;
    size_t n;

    if (!pooled_init || pooled.count == 0) {
        return;
    }
    bs = malloc(pooled.count * sizeof(*bs));
    if (bs == NULL) {
        return;                 /* process exit frees them anyway */
    }
    n = gvc_ptrset_values(&pooled, bs, pooled.count);
    gvc_info("freed %zu cuBLASLt descriptor block%s the client reserved",
             n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++) {
        for (int k = 0; k < GVX_LT_KINDS; k++) {
            gvc_ptrset_del(&cl->handles[pool_types[k]], bs[i]);
        }
        gvc_ptrset_del(&pooled, bs[i]);
        free((void *)bs[i]);
    }
    free(bs);
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

/* Descriptors first (a matmul descriptor may name an emulation one),
 * handles last. */
void gvd_blaslt_fini(gvd_client_t *cl)
{
    static const gvd_htype_t order[] = {
        GVD_H_LT_MATMUL, GVD_H_LT_TRANSFORM, GVD_H_LT_LAYOUT, GVD_H_LT_PREF,
        GVD_H_LT_EMUL, GVD_H_CUBLASLT
    };
    size_t n;

    free_pooled(cl);
    n = gvd_handles_drain(cl, order, sizeof(order) / sizeof(order[0]),
                          destroy_one);
    if (n > 0) {
        gvc_info("destroyed %zu cuBLASLt handle%s and descriptor%s the "
                 "client left", n, n == 1 ? "" : "s", n == 1 ? "" : "s");
    }
}
