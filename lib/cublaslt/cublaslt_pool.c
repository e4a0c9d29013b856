/*
 * cublaslt_pool.c - matmul, matrix layout and preference descriptors
 * without a round trip.  PyTorch makes and destroys a matmul descriptor,
 * three or four layouts and a preference around every cublasLtMatmul; a
 * synchronous Create each cost one round trip (six per gemm over TCP).
 *
 * cuBLASLt descriptors are plain host memory on the worker (cublasLt.h's
 * *Opaque_t types, initialised in place by the *Init_internal functions
 * behind cublasLtMatrixLayoutInit() and friends).  So each device keeps a
 * pool of blocks its worker reserved for this process (gvLtReserve, one
 * synchronous call per GVX_LT_RESERVE blocks), a Create takes one and
 * sends gvLtInit one-way, and a Destroy gives the block back to the pool
 * without a message: the next Create initialises it again.  Calls of one
 * device travel on one connection in order, so a block's next gvLtInit
 * reaches the worker after every call that used it before.
 *
 * Values cuBLASLt may refuse go the synchronous way (the worker's
 * generated Create handler), so the library still answers them; so does
 * everything when the worker's cuBLASLt cannot initialise in place.  A
 * gvLtInit the library refuses anyway fails like any one-way call: at the
 * next synchronising call.
 */
#include "config.h"

#include "gvlt.h"
#include "gvf_obj.h"
#include "gvx.h"
#include "gv_api_cublaslt.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* What a pooled record keeps in attr[GVLT_A_POOL]. */
#define POOLED 1

typedef struct {
    void **blk;                 /* worker blocks free for this process */
    size_t n, cap;
} freelist_t;

typedef struct {
    pthread_mutex_t lock;
    int off;                    /* the worker cannot: Creates wait */
    freelist_t free[GVX_LT_KINDS];
} ltpool_t;

static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;

static ltpool_t *pool_of(gvf_dev_t *dev)
{
    ltpool_t *p = gvf_dev_slot(dev, GVF_SLOT_CUBLASLT);

    if (p != NULL) {
        return p;
    }
    pthread_mutex_lock(&slot_lock);
    p = gvf_dev_slot(dev, GVF_SLOT_CUBLASLT);
    if (p == NULL && (p = calloc(1, sizeof(*p))) != NULL) {
        pthread_mutex_init(&p->lock, NULL);
        gvf_dev_set_slot(dev, GVF_SLOT_CUBLASLT, p);
    }
    pthread_mutex_unlock(&slot_lock);
    return p;
}

static int push(freelist_t *f, void *blk)
{
    if (f->n == f->cap) {
        size_t cap = f->cap != 0 ? f->cap * 2 : GVX_LT_RESERVE;
        void **b = realloc(f->blk, cap * sizeof(*b));

        if (b == NULL) {
            return -1;
        }
        f->blk = b;
        f->cap = cap;
    }
    f->blk[f->n++] = blk;
    return 0;
}

/* Ask the worker of the current device for GVX_LT_RESERVE blocks of
 * kind k into p's free list (p->lock held).  CUBLAS_STATUS_NOT_SUPPORTED
 * turns the pool off for good. */
static cublasStatus_t reserve(ltpool_t *p, int k)
{
    gvf_call_t c;
    gvc_status_t st;
    cublasStatus_t err = gvbl_begin(&c, GV_API_gvLtReserve, 16);

    if (err != CUBLAS_STATUS_SUCCESS) {
        return err;
    }
    gvc_enc_i32(&c.enc, k);
    gvc_enc_u32(&c.enc, GVX_LT_RESERVE);
    st = c.enc.status;
    if (st == GVC_OK) {
        st = gvf_call_reply_room(&c, 32 + GVX_LT_RESERVE * 8);
    }
    st = st == GVC_OK ? gvf_call_sync(&c) : st;
    if (gvbl_ok(&c, st)) {
        for (int i = 0; i < GVX_LT_RESERVE && c.dec.status == GVC_OK; i++) {
            void *blk = NULL;

            gvc_dec_ptr(&c.dec, &blk);
            if (c.dec.status == GVC_OK && blk != NULL &&
                push(&p->free[k], blk) != 0) {
                /* Blocks not kept stay reserved on the worker until the
                 * process ends. */
                gvf_call_fini(&c);
                return CUBLAS_STATUS_ALLOC_FAILED;
            }
        }
        st = gvc_dec_finish(&c.dec);
    }
    err = gvbl_end(&c, st);
    if (err == CUBLAS_STATUS_NOT_SUPPORTED) {
        p->off = 1;
    }
    return err;
}

/* A block of kind k for the current device, in *blk; NOT_SUPPORTED when
 * this device has no pool (the caller waits for a real Create). */
static cublasStatus_t take(int k, void **blk)
{
    gvf_dev_t *dev;
    ltpool_t *p;
    cublasStatus_t err = CUBLAS_STATUS_SUCCESS;

    if (gvf_init() != GVC_OK || (dev = gvf_current_dev()) == NULL ||
        (p = pool_of(dev)) == NULL) {
        return CUBLAS_STATUS_NOT_SUPPORTED;
    }
    pthread_mutex_lock(&p->lock);
    if (p->off) {
        err = CUBLAS_STATUS_NOT_SUPPORTED;
    } else if (p->free[k].n == 0) {
        err = reserve(p, k);
        if (err == CUBLAS_STATUS_SUCCESS && p->free[k].n == 0) {
            err = CUBLAS_STATUS_ALLOC_FAILED;
        }
    }
    if (err == CUBLAS_STATUS_SUCCESS) {
        *blk = p->free[k].blk[--p->free[k].n];
    }
    pthread_mutex_unlock(&p->lock);
    return err;
}

/* Block blk of kind k back to dev's free list.  If that fails (no
 * memory), the block stays reserved on the worker until the process
 * ends. */
static void give_back(gvf_dev_t *dev, int k, void *blk)
{
    ltpool_t *p = pool_of(dev);

    if (p != NULL) {
        pthread_mutex_lock(&p->lock);
        (void)push(&p->free[k], blk);
        pthread_mutex_unlock(&p->lock);
    }
}

/* A new record's state for the heuristics cache: what it was made with. */
static void note_made(const void *rec, int record_kind, int32_t a, int32_t b,
                      uint64_t rows, uint64_t cols, int64_t ld)
{
    struct {
        int32_t kind, a, b, pad;
        uint64_t rows, cols;
        int64_t ld;
    } m = { record_kind, a, b, 0, rows, cols, ld };

    gvlt_state_new(rec, &m, sizeof(m));
}

/* Create through the pool: block of kind k initialised one-way with
 * (a, b, rows, cols, ld) as gvx.h says, wrapped as a record of
 * record_kind in *out.  NOT_SUPPORTED: no pool here, nothing done. */
static cublasStatus_t create_pooled(int k, int record_kind, int scale,
                                    int32_t a, int32_t b, uint64_t rows,
                                    uint64_t cols, int64_t ld, void **out)
{
    gvf_call_t c;
    gvc_status_t st;
    cublasStatus_t err, post = CUBLAS_STATUS_SUCCESS;
    void *blk = NULL;

    err = take(k, &blk);
    if (err != CUBLAS_STATUS_SUCCESS) {
        return err == CUBLAS_STATUS_NOT_SUPPORTED ? err : gvbl_fail(err);
    }
    err = gvbl_begin(&c, GV_API_gvLtInit, 64);
    if (err != CUBLAS_STATUS_SUCCESS) {
        return err;             /* the block is lost to this process */
    }
    gvc_enc_i32(&c.enc, k);
    gvc_enc_ptr(&c.enc, blk);
    gvc_enc_i32(&c.enc, a);
    gvc_enc_i32(&c.enc, b);
    gvc_enc_u64(&c.enc, rows);
    gvc_enc_u64(&c.enc, cols);
    gvc_enc_i64(&c.enc, ld);
    st = c.enc.status == GVC_OK ? gvf_call_oneway(&c) : c.enc.status;
    if (gvbl_ok(&c, st)) {
        *out = blk;
        post = gvlt_wrap(&c, record_kind, out, scale);
        if (post == CUBLAS_STATUS_SUCCESS) {
            gvf_obj_set(*out, record_kind, GVLT_A_POOL, POOLED);
            note_made(*out, record_kind, a, b, rows, cols, ld);
        } else {
            give_back(c.dev, k, blk);
        }
    } else {
        give_back(c.dev, k, blk);
    }
    err = gvbl_end(&c, st);
    return err == CUBLAS_STATUS_SUCCESS ? post : err;
}

/* Destroy a record of kind record_kind (block kind k): a pooled one goes
 * back to its device's pool without a message, any other is destroyed
 * one-way by the worker (api). */
static cublasStatus_t destroy(uint32_t api, int k, int record_kind,
                              const void *desc)
{
    gvf_call_t c;
    gvc_status_t st;
    gvf_obj_t o;
    cublasStatus_t err;
    void *remote;

    if (gvf_obj_get(desc, record_kind, &o) == GVC_OK &&
        o.attr[GVLT_A_POOL] == POOLED) {
        if (gvf_obj_free(desc, record_kind) == GVC_OK) {
            gvlt_state_drop(desc);
            give_back(o.dev, k, o.remote);
        }
        return CUBLAS_STATUS_SUCCESS;
    }
    err = gvbl_begin_route(&c, api, desc, record_kind, &remote, 0);
    if (err != CUBLAS_STATUS_SUCCESS) {
        return err;
    }
    gvc_enc_ptr(&c.enc, remote);
    st = c.enc.status == GVC_OK ? gvf_call_oneway(&c) : c.enc.status;
    if (gvbl_ok(&c, st)) {
        gvlt_forget(desc, record_kind);
        gvlt_state_drop(desc);
    }
    return gvbl_end(&c, st);
}

/* The synchronous Create the worker's generated handler answers: u8
 * "out given", then the arguments; reply: the worker's object. */
static cublasStatus_t create_sync(uint32_t api, int record_kind, int scale,
                                  void **out, int nargs, const int32_t *i32,
                                  uint64_t rows, uint64_t cols, int64_t ld)
{
    gvf_call_t c;
    gvc_status_t st;
    cublasStatus_t err, post = CUBLAS_STATUS_SUCCESS;

    err = gvbl_begin(&c, api, 0);
    if (err != CUBLAS_STATUS_SUCCESS) {
        return err;
    }
    gvc_enc_u8(&c.enc, out != NULL);
    for (int i = 0; i < nargs; i++) {
        gvc_enc_i32(&c.enc, i32[i]);
    }
    if (record_kind == GVLT_K_LAYOUT) {
        gvc_enc_u64(&c.enc, rows);
        gvc_enc_u64(&c.enc, cols);
        gvc_enc_i64(&c.enc, ld);
    }
    st = c.enc.status == GVC_OK ? gvf_call_sync(&c) : c.enc.status;
    if (gvbl_ok(&c, st)) {
        if (out != NULL) {
            gvc_dec_ptr(&c.dec, out);
        }
        st = gvc_dec_finish(&c.dec);
    }
    if (gvbl_ok(&c, st)) {
        post = gvlt_wrap(&c, record_kind, out, scale);
        if (post == CUBLAS_STATUS_SUCCESS) {
            note_made(*out, record_kind, nargs > 0 ? i32[0] : 0,
                      nargs > 1 ? i32[1] : 0, rows, cols, ld);
        }
    }
    err = gvbl_end(&c, st);
    return err == CUBLAS_STATUS_SUCCESS ? post : err;
}

/* Types whose descriptors cuBLASLt makes without complaint: these take
 * the pool; anything else waits for the library's answer. */
static int plain_dtype(int t)
{
    switch ((cudaDataType)t) {
    case CUDA_R_16F: case CUDA_R_16BF: case CUDA_R_32F: case CUDA_R_64F:
    case CUDA_C_32F: case CUDA_C_64F: case CUDA_R_8I: case CUDA_R_32I:
    case CUDA_R_8F_E4M3: case CUDA_R_8F_E5M2:
        return 1;
    default:
        return 0;
    }
}

static int plain_compute(int t)
{
    switch ((cublasComputeType_t)t) {
    case CUBLAS_COMPUTE_16F: case CUBLAS_COMPUTE_16F_PEDANTIC:
    case CUBLAS_COMPUTE_32F: case CUBLAS_COMPUTE_32F_PEDANTIC:
    case CUBLAS_COMPUTE_32F_FAST_16F: case CUBLAS_COMPUTE_32F_FAST_16BF:
    case CUBLAS_COMPUTE_32F_FAST_TF32: case CUBLAS_COMPUTE_64F:
    case CUBLAS_COMPUTE_64F_PEDANTIC: case CUBLAS_COMPUTE_32I:
    case CUBLAS_COMPUTE_32I_PEDANTIC:
        return 1;
    default:
        return 0;
    }
}

GVLT_API cublasStatus_t CUBLASWINAPI cublasLtMatmulDescCreate(
        cublasLtMatmulDesc_t *matmulDesc, cublasComputeType_t computeType,
        cudaDataType_t scaleType)
{
    int32_t args[2] = { (int32_t)computeType, (int32_t)scaleType };
    cublasStatus_t err = CUBLAS_STATUS_NOT_SUPPORTED;

    if (matmulDesc != NULL && plain_compute(computeType) &&
        plain_dtype(scaleType)) {
        err = create_pooled(GVX_LT_MATMUL, GVLT_K_MATMUL, scaleType,
                            args[0], args[1], 0, 0, 0, (void **)matmulDesc);
    }
    if (err != CUBLAS_STATUS_NOT_SUPPORTED) {
        return err;
    }
    return create_sync(GV_API_cublasLtMatmulDescCreate, GVLT_K_MATMUL,
                       scaleType, (void **)matmulDesc, 2, args, 0, 0, 0);
}

GVLT_API cublasStatus_t CUBLASWINAPI cublasLtMatrixLayoutCreate(
        cublasLtMatrixLayout_t *matLayout, cudaDataType type, uint64_t rows,
        uint64_t cols, int64_t ld)
{
    int32_t args[1] = { (int32_t)type };
    cublasStatus_t err = CUBLAS_STATUS_NOT_SUPPORTED;

    if (matLayout != NULL && plain_dtype(type)) {
        err = create_pooled(GVX_LT_LAYOUT, GVLT_K_LAYOUT, -1, args[0], 0,
                            rows, cols, ld, (void **)matLayout);
    }
    if (err != CUBLAS_STATUS_NOT_SUPPORTED) {
        return err;
    }
    return create_sync(GV_API_cublasLtMatrixLayoutCreate, GVLT_K_LAYOUT, -1,
                       (void **)matLayout, 1, args, rows, cols, ld);
}

GVLT_API cublasStatus_t CUBLASWINAPI cublasLtMatmulPreferenceCreate(
        cublasLtMatmulPreference_t *pref)
{
    cublasStatus_t err = CUBLAS_STATUS_NOT_SUPPORTED;

    if (pref != NULL) {
        err = create_pooled(GVX_LT_PREF, GVLT_K_PREF, -1, 0, 0, 0, 0, 0,
                            (void **)pref);
    }
    if (err != CUBLAS_STATUS_NOT_SUPPORTED) {
        return err;
    }
    return create_sync(GV_API_cublasLtMatmulPreferenceCreate, GVLT_K_PREF,
                       -1, (void **)pref, 0, NULL, 0, 0, 0);
}

GVLT_API cublasStatus_t CUBLASWINAPI cublasLtMatmulDescDestroy(
        cublasLtMatmulDesc_t matmulDesc)
{
    return destroy(GV_API_cublasLtMatmulDescDestroy, GVX_LT_MATMUL,
                   GVLT_K_MATMUL, matmulDesc);
}

GVLT_API cublasStatus_t CUBLASWINAPI cublasLtMatrixLayoutDestroy(
        cublasLtMatrixLayout_t matLayout)
{
    return destroy(GV_API_cublasLtMatrixLayoutDestroy, GVX_LT_LAYOUT,
                   GVLT_K_LAYOUT, matLayout);
}

GVLT_API cublasStatus_t CUBLASWINAPI cublasLtMatmulPreferenceDestroy(
        cublasLtMatmulPreference_t pref)
{
    return destroy(GV_API_cublasLtMatmulPreferenceDestroy, GVX_LT_PREF,
                   GVLT_K_PREF, pref);
}

/* Descriptors in the program's own memory: the object would live on the
 * client, the GPU on the host (the worker calls these on blocks of its
 * own, see above). */
GVLT_API cublasStatus_t CUBLASWINAPI cublasLtMatmulDescInit_internal(
        cublasLtMatmulDesc_t matmulDesc, size_t size,
        cublasComputeType_t computeType, cudaDataType_t scaleType)
{
    (void)matmulDesc, (void)size, (void)computeType, (void)scaleType;
    return gvbl_unsupported("cublasLtMatmulDescInit_internal");
}

GVLT_API cublasStatus_t CUBLASWINAPI cublasLtMatrixLayoutInit_internal(
        cublasLtMatrixLayout_t matLayout, size_t size, cudaDataType type,
        uint64_t rows, uint64_t cols, int64_t ld)
{
    (void)matLayout, (void)size, (void)type, (void)rows, (void)cols, (void)ld;
    return gvbl_unsupported("cublasLtMatrixLayoutInit_internal");
}

GVLT_API cublasStatus_t CUBLASWINAPI cublasLtMatmulPreferenceInit_internal(
        cublasLtMatmulPreference_t pref, size_t size)
{
    (void)pref, (void)size;
    return gvbl_unsupported("cublasLtMatmulPreferenceInit_internal");
}
