/*
 * cublaslt_core.c - our libcublasLt.so.13's records (gvlt.h): wrapping
 * the objects a worker made, what a descriptor's record keeps (pointer
 * mode, scale type, the emulation descriptor set), and the attribute
 * calls written by hand (each encodes exactly what its generated worker
 * handler decodes): every SetAttribute, one-way when cuBLASLt only
 * stores the value, and cublasLtMatmulDescGetAttribute, because the
 * emulation descriptor attribute holds a record.
 */
#include "config.h"

#include "gvlt.h"
#include "gvlt_attrs.h"
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
    cublasStatus_t err = (cublasStatus_t)gvf_lib_wrap(&gvbl_lib, c, kind,
                                                      obj_p);

    /* A new descriptor: host pointer mode (0), the scale type given. */
    if (err == CUBLAS_STATUS_SUCCESS) {
        gvf_obj_set(*obj_p, kind, GVLT_A_SCALE, scale);
    }
    return err;
}

cublasStatus_t gvlt_forget(const void *obj, int kind)
{
    return (cublasStatus_t)gvf_lib_forget(&gvbl_lib, obj, kind);
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

/* After an attribute of descriptor desc (a record of kind) was set: what
 * the record keeps.  emul is the program's emulation descriptor. */
static void note_attr(const void *desc, int kind, int attr, const void *buf,
                      size_t size, const void *emul)
{
    int matmul = kind == GVLT_K_MATMUL;
    int pmode = matmul ? (int)CUBLASLT_MATMUL_DESC_POINTER_MODE
                       : (int)CUBLASLT_MATRIX_TRANSFORM_DESC_POINTER_MODE;
    int scale = matmul ? (int)CUBLASLT_MATMUL_DESC_SCALE_TYPE
                       : (int)CUBLASLT_MATRIX_TRANSFORM_DESC_SCALE_TYPE;

    if (kind != GVLT_K_MATMUL && kind != GVLT_K_TRANSFORM) {
        return;
    }
    if (attr == pmode) {
        gvf_obj_set(desc, kind, GVLT_A_PMODE, attr_i32(buf, size));
    } else if (attr == scale) {
        gvf_obj_set(desc, kind, GVLT_A_SCALE, attr_i32(buf, size));
    } else if (matmul && attr == CUBLASLT_MATMUL_DESC_EMULATION_DESCRIPTOR) {
        gvf_obj_set(desc, kind, GVLT_A_EMUL, (int64_t)(uintptr_t)emul);
    }
}

/*
 * Set attribute attr of descriptor desc (a record of kind; d names its
 * attribute table) to size bytes at buf, as generated for
 * `buf:in[sizeInBytes]`; the emulation descriptor attribute (a record of
 * ours) travels as the worker's value, which must live on the
 * descriptor's GPU.  One-way when the attribute is one cublasLt.h
 * documents and size is its own: cuBLASLt then only stores the value
 * (PyTorch sets several per gemm); a failure, such as a device pointer
 * that is not the client's, comes back at the next synchronising call.
 * Otherwise (no buffer, a size cuBLASLt refuses, an attribute newer than
 * our headers) the call waits and the library answers.
 */
static cublasStatus_t set_attr(uint32_t api, int kind, gvlt_desc_t d,
                               const void *desc, int attr, const void *buf,
                               size_t size)
{
    gvf_call_t c;
    gvc_status_t st;
    cublasStatus_t err;
    void *remote, *emul = NULL, *emul_remote;
    const void *send = buf;
    int oneway = buf != NULL && size > 0 && gvlt_attr_bytes(d, attr) == size;

    if (buf != NULL && size > GVLT_ATTR_MAX) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    err = gvbl_begin_route(&c, api, desc, kind, &remote,
                           64 + (buf != NULL ? size : 0));
    if (err != CUBLAS_STATUS_SUCCESS) {
        return err;
    }
    if (d == GVLT_D_MATMUL &&
        attr == CUBLASLT_MATMUL_DESC_EMULATION_DESCRIPTOR && buf != NULL &&
        size == sizeof(emul)) {
        memcpy(&emul, buf, sizeof(emul));
        err = gvbl_xlate(&c, emul, GVLT_K_EMUL, &emul_remote);
        if (err != CUBLAS_STATUS_SUCCESS) {
            return gvbl_abort(&c, err);
        }
        send = &emul_remote;
    }
    gvc_enc_ptr(&c.enc, remote);
    gvc_enc_i32(&c.enc, (int32_t)attr);
    gvc_enc_array(&c.enc, send, (uint32_t)(buf != NULL ? size : 0), 1);
    gvc_enc_u64(&c.enc, (uint64_t)size);
    st = c.enc.status;
    if (st == GVC_OK) {
        st = oneway ? gvf_call_oneway(&c) : gvf_call_sync(&c);
    }
    if (gvbl_ok(&c, st)) {
        note_attr(desc, kind, attr, buf, size, emul);
        gvlt_state_set(desc, attr, buf, size,
                       !(d == GVLT_D_MATMUL &&
                         attr == CUBLASLT_MATMUL_DESC_EMULATION_DESCRIPTOR));
    }
    return gvbl_end(&c, st);
}

GVLT_API cublasStatus_t CUBLASWINAPI cublasLtMatmulDescSetAttribute(
        cublasLtMatmulDesc_t matmulDesc, cublasLtMatmulDescAttributes_t attr,
        const void *buf, size_t sizeInBytes)
{
    return set_attr(GV_API_cublasLtMatmulDescSetAttribute, GVLT_K_MATMUL,
                    GVLT_D_MATMUL, matmulDesc, attr, buf, sizeInBytes);
}

GVLT_API cublasStatus_t CUBLASWINAPI cublasLtMatrixLayoutSetAttribute(
        cublasLtMatrixLayout_t matLayout, cublasLtMatrixLayoutAttribute_t attr,
        const void *buf, size_t sizeInBytes)
{
    return set_attr(GV_API_cublasLtMatrixLayoutSetAttribute, GVLT_K_LAYOUT,
                    GVLT_D_LAYOUT, matLayout, attr, buf, sizeInBytes);
}

GVLT_API cublasStatus_t CUBLASWINAPI cublasLtMatmulPreferenceSetAttribute(
        cublasLtMatmulPreference_t pref,
        cublasLtMatmulPreferenceAttributes_t attr, const void *buf,
        size_t sizeInBytes)
{
    return set_attr(GV_API_cublasLtMatmulPreferenceSetAttribute, GVLT_K_PREF,
                    GVLT_D_PREF, pref, attr, buf, sizeInBytes);
}

GVLT_API cublasStatus_t CUBLASWINAPI cublasLtMatrixTransformDescSetAttribute(
        cublasLtMatrixTransformDesc_t transformDesc,
        cublasLtMatrixTransformDescAttributes_t attr, const void *buf,
        size_t sizeInBytes)
{
    return set_attr(GV_API_cublasLtMatrixTransformDescSetAttribute,
                    GVLT_K_TRANSFORM, GVLT_D_TRANSFORM, transformDesc, attr,
                    buf, sizeInBytes);
}

GVLT_API cublasStatus_t CUBLASWINAPI cublasLtEmulationDescSetAttribute(
        cublasLtEmulationDesc_t emulationDesc,
        cublasLtEmulationDescAttributes_t attr, const void *buf,
        size_t sizeInBytes)
{
    return set_attr(GV_API_cublasLtEmulationDescSetAttribute, GVLT_K_EMUL,
                    GVLT_D_EMUL, emulationDesc, attr, buf, sizeInBytes);
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
