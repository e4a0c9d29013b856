/*
 * cublaslt_core.c - our libcublasLt.so.13's records (gvlt.h): wrapping
 * the objects a worker made, what a descriptor's record keeps (pointer
 * mode, scale type, the emulation descriptor set), and the two calls
 * written by hand because an attribute holds a record:
 * cublasLtMatmulDescSetAttribute and cublasLtMatmulDescGetAttribute
 * encode exactly what their generated worker handlers decode.
 */
#include "config.h"

#include "gvlt.h"
#include "gvf_obj.h"
#include "gv_api_cublaslt.h"

#include <stdint.h>
#include <string.h>

/* Largest attribute value sent or asked for (the worker refuses more
 * too): attributes are a few bytes. */
#define GVLT_ATTR_MAX ((size_t)16 << 20)

cublasStatus_t gvlt_wrap(const gvf_call_t *c, int kind, void **obj_p,
                         int scale)
{
    void *obj;

    if (obj_p == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    if (gvf_obj_new(kind, c->dev, *obj_p, &obj) != GVC_OK) {
        *obj_p = NULL;
        return CUBLAS_STATUS_ALLOC_FAILED;
    }
    /* A new descriptor: host pointer mode (0), the scale type given. */
    gvf_obj_set(obj, kind, GVLT_A_SCALE, scale);
    *obj_p = obj;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t gvlt_forget(const void *obj, int kind)
{
    gvf_obj_free(obj, kind);
    return CUBLAS_STATUS_SUCCESS;
}

int gvlt_pmode(const void *desc, int kind)
{
    gvf_obj_t o;

    if (gvf_obj_get(desc, kind, &o) != GVC_OK) {
        return CUBLASLT_POINTER_MODE_HOST;
    }
    return (int)o.attr[GVLT_A_PMODE];
}

int gvlt_scale_type(const void *desc, int kind)
{
    gvf_obj_t o;

    if (gvf_obj_get(desc, kind, &o) != GVC_OK) {
        return -1;
    }
    return (int)o.attr[GVLT_A_SCALE];
}

/* An int32 attribute value, or -1 when buf does not hold one. */
static int64_t attr_i32(const void *buf, size_t size)
{
    int32_t v;

    if (buf == NULL || size != sizeof(v)) {
        return -1;
    }
    memcpy(&v, buf, sizeof(v));
    return v;
}

cublasStatus_t gvlt_note_transform(cublasLtMatrixTransformDesc_t desc,
                                   cublasLtMatrixTransformDescAttributes_t attr,
                                   const void *buf, size_t size)
{
    if (attr == CUBLASLT_MATRIX_TRANSFORM_DESC_POINTER_MODE) {
        gvf_obj_set(desc, GVLT_K_TRANSFORM, GVLT_A_PMODE,
                    attr_i32(buf, size));
    } else if (attr == CUBLASLT_MATRIX_TRANSFORM_DESC_SCALE_TYPE) {
        gvf_obj_set(desc, GVLT_K_TRANSFORM, GVLT_A_SCALE,
                    attr_i32(buf, size));
    }
    return CUBLAS_STATUS_SUCCESS;
}

/* After a matmul descriptor's attribute was set: what the record keeps.
 * emul is the program's emulation descriptor (attribute 38). */
static void note_matmul(cublasLtMatmulDesc_t desc, int attr, const void *buf,
                        size_t size, const void *emul)
{
    if (attr == CUBLASLT_MATMUL_DESC_POINTER_MODE) {
        gvf_obj_set(desc, GVLT_K_MATMUL, GVLT_A_PMODE, attr_i32(buf, size));
    } else if (attr == CUBLASLT_MATMUL_DESC_SCALE_TYPE) {
        gvf_obj_set(desc, GVLT_K_MATMUL, GVLT_A_SCALE, attr_i32(buf, size));
    } else if (attr == CUBLASLT_MATMUL_DESC_EMULATION_DESCRIPTOR) {
        gvf_obj_set(desc, GVLT_K_MATMUL, GVLT_A_EMUL,
                    (int64_t)(uintptr_t)emul);
    }
}

/*
 * As generated for `sync ... buf:in[sizeInBytes]`, except that the
 * emulation descriptor attribute (a record of ours) travels as the
 * worker's value, which must live on the descriptor's GPU.
 */
GVLT_API cublasStatus_t CUBLASWINAPI cublasLtMatmulDescSetAttribute(
        cublasLtMatmulDesc_t matmulDesc, cublasLtMatmulDescAttributes_t attr,
        const void *buf, size_t sizeInBytes)
{
    gvf_call_t c;
    gvc_status_t st;
    cublasStatus_t err;
    void *remote, *emul = NULL, *emul_remote;
    const void *send = buf;
    int is_emul = attr == CUBLASLT_MATMUL_DESC_EMULATION_DESCRIPTOR &&
                  buf != NULL && sizeInBytes == sizeof(emul);

    if (buf != NULL && sizeInBytes > GVLT_ATTR_MAX) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    err = gvbl_begin_route(&c, GV_API_cublasLtMatmulDescSetAttribute,
                           matmulDesc, GVLT_K_MATMUL, &remote,
                           64 + (buf != NULL ? sizeInBytes : 0));
    if (err != CUBLAS_STATUS_SUCCESS) {
        return err;
    }
    if (is_emul) {
        memcpy(&emul, buf, sizeof(emul));
        err = gvbl_xlate(&c, emul, GVLT_K_EMUL, &emul_remote);
        if (err != CUBLAS_STATUS_SUCCESS) {
            return gvbl_abort(&c, err);
        }
        send = &emul_remote;
    }
    gvc_enc_ptr(&c.enc, remote);
    gvc_enc_i32(&c.enc, (int32_t)attr);
    gvc_enc_array(&c.enc, send, (uint32_t)(buf != NULL ? sizeInBytes : 0),
                  1);
    gvc_enc_u64(&c.enc, (uint64_t)sizeInBytes);
    st = c.enc.status == GVC_OK ? gvf_call_sync(&c) : c.enc.status;
    if (gvbl_ok(&c, st)) {
        note_matmul(matmulDesc, attr, buf, sizeInBytes, emul);
    }
    return gvbl_end(&c, st);
}

/* The emulation descriptor read back: the program's record, not the
 * worker's value (NULL stays NULL). */
static void emul_back(cublasLtMatmulDesc_t desc, void *buf, size_t size)
{
    gvf_obj_t o;
    void *v;

    if (buf == NULL || size != sizeof(v) ||
        gvf_obj_get(desc, GVLT_K_MATMUL, &o) != GVC_OK) {
        return;
    }
    memcpy(&v, buf, sizeof(v));
    if (v != NULL) {
        v = (void *)(uintptr_t)o.attr[GVLT_A_EMUL];
        memcpy(buf, &v, sizeof(v));
    }
}

/* Decode exactly n bytes of an array reply into dst. */
static void dec_bytes(gvc_dec_t *d, void *dst, size_t n)
{
    const void *p;
    uint32_t got;

    gvc_dec_array(d, &p, &got, 1, (uint32_t)GVLT_ATTR_MAX);
    if (d->status != GVC_OK) {
        return;
    }
    if (p == NULL || got != n) {
        d->status = GVC_ERR_PROTO;
        return;
    }
    if (n > 0) {
        memcpy(dst, p, n);
    }
}

/* As generated for `sync ... buf:out[sizeInBytes] sizeWritten:out`,
 * with the emulation descriptor attribute translated back. */
GVLT_API cublasStatus_t CUBLASWINAPI cublasLtMatmulDescGetAttribute(
        cublasLtMatmulDesc_t matmulDesc, cublasLtMatmulDescAttributes_t attr,
        void *buf, size_t sizeInBytes, size_t *sizeWritten)
{
    gvf_call_t c;
    gvc_status_t st;
    cublasStatus_t err;
    void *remote;
    size_t room = 32 + (buf != NULL ? sizeInBytes : 0) + sizeof(uint64_t);

    if (buf != NULL && sizeInBytes > GVLT_ATTR_MAX) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    err = gvbl_begin_route(&c, GV_API_cublasLtMatmulDescGetAttribute,
                           matmulDesc, GVLT_K_MATMUL, &remote, 0);
    if (err != CUBLAS_STATUS_SUCCESS) {
        return err;
    }
    gvc_enc_ptr(&c.enc, remote);
    gvc_enc_i32(&c.enc, (int32_t)attr);
    gvc_enc_u8(&c.enc, buf != NULL);
    gvc_enc_u64(&c.enc, (uint64_t)sizeInBytes);
    gvc_enc_u8(&c.enc, sizeWritten != NULL);
    st = c.enc.status;
    if (st == GVC_OK && room > GVF_INLINE_REPLY) {
        st = gvf_call_reply_room(&c, room);
    }
    st = st == GVC_OK ? gvf_call_sync(&c) : st;
    if (gvbl_ok(&c, st)) {
        uint64_t w = 0;

        if (buf != NULL) {
            dec_bytes(&c.dec, buf, sizeInBytes);
        }
        if (sizeWritten != NULL) {
            gvc_dec_u64(&c.dec, &w);
            *sizeWritten = (size_t)w;
        }
        st = gvc_dec_finish(&c.dec);
        if (st == GVC_OK && attr == CUBLASLT_MATMUL_DESC_EMULATION_DESCRIPTOR) {
            emul_back(matmulDesc, buf, sizeInBytes);
        }
    }
    return gvbl_end(&c, st);
}
