/*
 * cudnn_backend.c - cudnnBackendSetAttribute and cudnnBackendGetAttribute,
 * written by hand (wire format: lib/gvx_dnn.h): an attribute's elements
 * are what its cudnnBackendAttributeType_t says, which no annotation can
 * express.  Descriptors (CUDNN_TYPE_BACKEND_DESCRIPTOR) and handles
 * (CUDNN_TYPE_HANDLE) are our records: each travels as the worker's
 * value and must live on the descriptor's GPU.  Device pointers
 * (CUDNN_TYPE_VOID_PTR: a variant pack's data pointers and workspace)
 * travel as they are; the worker checks they are this client's memory.
 */
#include "config.h"

#include "gvdn.h"
#include "gvx_dnn.h"
#include "gv_api_cudnn.h"

#include <stdlib.h>
#include <string.h>

/* cuDNN 9's status for a failed host allocation. */
#define NOMEM CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED

/* Translate n records of kind in src into worker values in dst (same
 * GPU as c).  CUDNN_STATUS_BAD_PARAM when one is not ours. */
static cudnnStatus_t xlate_all(gvf_call_t *c, int kind, const void *src,
                               void **dst, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        void *h;

        memcpy(&h, (const char *)src + i * sizeof(h), sizeof(h));
        if (h == NULL || gvdn_xlate(c, h, kind, &dst[i]) !=
                             CUDNN_STATUS_SUCCESS) {
            return CUDNN_STATUS_BAD_PARAM;
        }
    }
    return CUDNN_STATUS_SUCCESS;
}

static int record_kind(cudnnBackendAttributeType_t t)
{
    return t == CUDNN_TYPE_HANDLE ? GVDN_K_HANDLE
           : t == CUDNN_TYPE_BACKEND_DESCRIPTOR ? GVDN_K_BACKEND : 0;
}

GVDN_API cudnnStatus_t
cudnnBackendSetAttribute(cudnnBackendDescriptor_t descriptor,
                         cudnnBackendAttributeName_t attributeName,
                         cudnnBackendAttributeType_t attributeType,
                         int64_t elementCount, const void *arrayOfElements)
{
    size_t esz = gvx_dnn_elem_size(attributeType);
    int kind = record_kind(attributeType);
    void **tmp = NULL;
    const void *send = arrayOfElements;
    gvf_call_t c;
    gvc_status_t st;
    cudnnStatus_t err;
    void *remote;
    size_t n;

    if (esz == 0 || elementCount < 0 ||
        (uint64_t)elementCount > GVX_DNN_ATTR_MAX / esz ||
        (elementCount > 0 && arrayOfElements == NULL)) {
        return CUDNN_STATUS_BAD_PARAM;
    }
    n = (size_t)elementCount * esz;
    err = gvdn_begin_route(&c, GV_API_cudnnBackendSetAttribute, descriptor,
                           GVDN_K_BACKEND, &remote, 64 + n);
    if (err != CUDNN_STATUS_SUCCESS) {
        return err;
    }
    if (kind != 0 && elementCount > 0) {
        tmp = malloc(n);
        if (tmp == NULL) {
            return gvdn_abort(&c, NOMEM);
        }
        err = xlate_all(&c, kind, arrayOfElements, tmp, elementCount);
        if (err != CUDNN_STATUS_SUCCESS) {
            free(tmp);
            return gvdn_abort(&c, err);
        }
        send = tmp;
    }
    gvc_enc_ptr(&c.enc, remote);
    gvc_enc_i32(&c.enc, (int32_t)attributeName);
    gvc_enc_i32(&c.enc, (int32_t)attributeType);
    gvc_enc_i64(&c.enc, elementCount);
    gvc_enc_array(&c.enc, send, (uint32_t)n, 1);
    st = c.enc.status == GVC_OK ? gvf_call_sync(&c) : c.enc.status;
    free(tmp);
    return gvdn_end(&c, st);
}

/*
 * Descriptors read back (CUDNN_TYPE_BACKEND_DESCRIPTOR) are filled into
 * descriptors the caller created beforehand, as cuDNN does: their worker
 * values travel, nothing comes back but the count.  Handles cannot be
 * read back (the worker's value has no record here): not supported.
 */
GVDN_API cudnnStatus_t
cudnnBackendGetAttribute(cudnnBackendDescriptor_t const descriptor,
                         cudnnBackendAttributeName_t attributeName,
                         cudnnBackendAttributeType_t attributeType,
                         int64_t requestedElementCount, int64_t *elementCount,
                         void *arrayOfElements)
{
    size_t esz = gvx_dnn_elem_size(attributeType);
    int descs = attributeType == CUDNN_TYPE_BACKEND_DESCRIPTOR;
    int has = arrayOfElements != NULL && requestedElementCount > 0;
    void **tmp = NULL;
    gvf_call_t c;
    gvc_status_t st;
    cudnnStatus_t err;
    void *remote;
    size_t n;

    if (esz == 0 || requestedElementCount < 0 ||
        (uint64_t)requestedElementCount > GVX_DNN_ATTR_MAX / esz) {
        return CUDNN_STATUS_BAD_PARAM;
    }
    if (attributeType == CUDNN_TYPE_HANDLE && has) {
        return gvdn_unsupported("cudnnBackendGetAttribute(CUDNN_TYPE_HANDLE)");
    }
    n = has ? (size_t)requestedElementCount * esz : 0;
    err = gvdn_begin_route(&c, GV_API_cudnnBackendGetAttribute, descriptor,
                           GVDN_K_BACKEND, &remote, 64 + (descs ? n : 0));
    if (err != CUDNN_STATUS_SUCCESS) {
        return err;
    }
    gvc_enc_ptr(&c.enc, remote);
    gvc_enc_i32(&c.enc, (int32_t)attributeName);
    gvc_enc_i32(&c.enc, (int32_t)attributeType);
    gvc_enc_i64(&c.enc, requestedElementCount);
    gvc_enc_u8(&c.enc, elementCount != NULL);
    gvc_enc_u8(&c.enc, (uint8_t)has);
    if (descs && has) {
        tmp = malloc(n);
        if (tmp == NULL) {
            return gvdn_abort(&c, NOMEM);
        }
        err = xlate_all(&c, GVDN_K_BACKEND, arrayOfElements, tmp,
                        requestedElementCount);
        if (err != CUDNN_STATUS_SUCCESS) {
            free(tmp);
            return gvdn_abort(&c, err);
        }
        gvc_enc_array(&c.enc, tmp, (uint32_t)n, 1);
        free(tmp);
    }
    st = c.enc.status;
    if (st == GVC_OK && 32 + n > GVF_INLINE_REPLY) {
        st = gvf_call_reply_room(&c, 32 + n);
    }
    st = st == GVC_OK ? gvf_call_sync(&c) : st;
    if (gvdn_ok(&c, st)) {
        gvc_dec_t *d = &c.dec;
        int64_t got = 0;

        if (elementCount != NULL) {
            gvc_dec_i64(d, &got);
            *elementCount = got;
        }
        if (has && !descs) {
            const void *p;
            uint32_t len;

            /* Only the elements cuDNN wrote come back (len <= n). */
            gvc_dec_array(d, &p, &len, 1, (uint32_t)n);
            if (d->status == GVC_OK && len % esz != 0) {
                d->status = GVC_ERR_PROTO;
            }
            if (d->status == GVC_OK) {
                memcpy(arrayOfElements, p, len);
            }
        }
        if (d->status != GVC_OK) {
            gvf_call_fini(&c);
            return CUDNN_STATUS_INTERNAL_ERROR;
        }
    }
    return gvdn_end(&c, st);
}
