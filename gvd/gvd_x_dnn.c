/*
 * gvd_x_dnn.c - cuDNN on the worker: loading libcudnn.so.9 when a call
 * first needs it, the backend API's attribute calls (written by hand:
 * wire format in lib/gvx_dnn.h), and destroying the handles and
 * descriptors a client leaves behind.  Every other cuDNN call is a
 * generated handler (lib/gen/cudnn.api, gvd_cudnn_gen.c).
 *
 * Objects are validated against the client's tables: cl->handles[
 * GVD_H_DNN] (handles), GVD_H_DNN_TENSOR/FILTER/CONV/ACT (legacy
 * descriptors) and GVD_H_LIBHANDLE (backend descriptors).  An attribute
 * element naming a descriptor or handle this client did not make, or a
 * device pointer outside its memory, is refused with
 * CUDNN_STATUS_BAD_PARAM before cuDNN sees it.
 *
 * One client per worker process: the state below is the client's.
 */
#include "config.h"

#include "gvd_dnn.h"
#include "gvd_blas.h"
#include "gvd_client.h"
#include "gvx_dnn.h"
#include "gv_api_cudnn.h"
#include "gvc_log.h"

#include <stdlib.h>
#include <string.h>

static gvd_cudnn_t table;       /* all NULL until opened, or without it */
static int table_tried;

static const gvd_blas_sym_t syms[] = {
#define GVD_CUDNN_FN(ret, name, params) { #name, offsetof(gvd_cudnn_t, name) },
#include "gvd_cudnn_list.h"
#undef GVD_CUDNN_FN
};

const gvd_cudnn_t *gvd_cudnn(const gvd_call_t *c)
{
    if (!table_tried) {
        table_tried = 1;
        gvd_blas_open(c->cl->be, "libcudnn.so.9", syms,
                      sizeof(syms) / sizeof(syms[0]), &table);
    }
    return &table;
}

/* Whether n elements of type t in buf (aligned) may reach cuDNN:
 * descriptors and handles this client made (never NULL), device
 * pointers in its memory (NULL passes: cuDNN says what it means). */
static int elems_ok(gvd_call_t *c, int t, const void *buf, int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        void *p;

        switch (t) {
        case CUDNN_TYPE_BACKEND_DESCRIPTOR:
        case CUDNN_TYPE_HANDLE:
        case CUDNN_TYPE_VOID_PTR:
            memcpy(&p, (const char *)buf + i * sizeof(p), sizeof(p));
            break;
        default:
            return 1;
        }
        if (t == CUDNN_TYPE_BACKEND_DESCRIPTOR &&
            !gvd_handle_ok(c->cl, GVD_H_LIBHANDLE, p)) {
            return 0;
        }
        if (t == CUDNN_TYPE_HANDLE && !gvd_handle_ok(c->cl, GVD_H_DNN, p)) {
            return 0;
        }
        if (t == CUDNN_TYPE_VOID_PTR && p != NULL &&
            !gvd_mem_ok(c->cl, p, 0)) {
            return 0;
        }
    }
    return 1;
}

/* cudnnBackendSetAttribute: see gvx_dnn.h. */
static void h_set_attr(gvd_call_t *c)
{
    void *desc = NULL;
    int32_t name = 0, type = 0;
    int64_t count = 0;
    const void *arr = NULL;
    uint32_t n = 0;
    void *buf = NULL;
    size_t esz;
    int64_t res;

    gvc_dec_ptr(&c->dec, &desc);
    gvc_dec_i32(&c->dec, &name);
    gvc_dec_i32(&c->dec, &type);
    gvc_dec_i64(&c->dec, &count);
    gvc_dec_array(&c->dec, &arr, &n, 1, (uint32_t)GVX_DNN_ATTR_MAX);
    if (gvd_args_end(c)) {
        return;
    }
    if (gvd_cudnn(c)->cudnnBackendSetAttribute == NULL) {
        gvd_reply(c, CUDNN_STATUS_NOT_SUPPORTED);
        return;
    }
    esz = gvx_dnn_elem_size(type);
    if (!gvd_handle_ok(c->cl, GVD_H_LIBHANDLE, desc) || esz == 0 ||
        count < 0 || (uint64_t)count > GVX_DNN_ATTR_MAX / esz ||
        (size_t)count * esz != n) {
        gvd_reply(c, CUDNN_STATUS_BAD_PARAM);
        return;
    }
    /* An aligned copy: the decoder's view may not be. */
    buf = malloc(n > 0 ? n : 1);
    if (buf == NULL) {
        gvd_reply(c, CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED);
        return;
    }
    if (n > 0) {
        memcpy(buf, arr, n);
    }
    if (!elems_ok(c, type, buf, count)) {
        res = CUDNN_STATUS_BAD_PARAM;
    } else {
        res = table.cudnnBackendSetAttribute(
            desc, (cudnnBackendAttributeName_t)name,
            (cudnnBackendAttributeType_t)type, count, buf);
    }
    free(buf);
    gvd_reply(c, res);
}

/* cudnnBackendGetAttribute: see gvx_dnn.h.  Descriptors to fill come
 * from the client (ones it made); handles are not read back. */
static void h_get_attr(gvd_call_t *c)
{
    void *desc = NULL;
    int32_t name = 0, type = 0;
    int64_t req = 0, count = 0;
    uint8_t want_count = 0, has = 0;
    const void *arr = NULL;
    uint32_t n = 0;
    void *buf = NULL;
    size_t esz, size = 0;
    int64_t res;

    gvc_dec_ptr(&c->dec, &desc);
    gvc_dec_i32(&c->dec, &name);
    gvc_dec_i32(&c->dec, &type);
    gvc_dec_i64(&c->dec, &req);
    gvc_dec_u8(&c->dec, &want_count);
    gvc_dec_u8(&c->dec, &has);
    if (has && type == CUDNN_TYPE_BACKEND_DESCRIPTOR) {
        gvc_dec_array(&c->dec, &arr, &n, 1, (uint32_t)GVX_DNN_ATTR_MAX);
    }
    if (gvd_args_end(c)) {
        return;
    }
    if (gvd_cudnn(c)->cudnnBackendGetAttribute == NULL) {
        gvd_reply(c, CUDNN_STATUS_NOT_SUPPORTED);
        return;
    }
    esz = gvx_dnn_elem_size(type);
    if (!gvd_handle_ok(c->cl, GVD_H_LIBHANDLE, desc) || esz == 0 ||
        req < 0 || (uint64_t)req > GVX_DNN_ATTR_MAX / esz ||
        (has && req == 0) || (has && type == CUDNN_TYPE_HANDLE)) {
        gvd_reply(c, CUDNN_STATUS_BAD_PARAM);
        return;
    }
    if (has) {
        size = (size_t)req * esz;
        if (type == CUDNN_TYPE_BACKEND_DESCRIPTOR && n != size) {
            gvd_reply(c, CUDNN_STATUS_BAD_PARAM);
            return;
        }
        buf = calloc(1, size);
        if (buf == NULL || gvd_reply_room(c, size + 32) != 0) {
            free(buf);
            gvd_reply(c, CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED);
            return;
        }
        if (arr != NULL) {
            memcpy(buf, arr, size);
        }
        if (type == CUDNN_TYPE_BACKEND_DESCRIPTOR &&
            !elems_ok(c, type, buf, req)) {
            free(buf);
            gvd_reply(c, CUDNN_STATUS_BAD_PARAM);
            return;
        }
    }
    /* The count is always asked for: only the elements cuDNN wrote
     * (fewer than requested when the attribute has fewer) go back, so
     * the client writes no more of the caller's array than cuDNN would
     * (cudnn_frontend sizes its array from an earlier count and asks
     * for more). */
    res = table.cudnnBackendGetAttribute(
        desc, (cudnnBackendAttributeName_t)name,
        (cudnnBackendAttributeType_t)type, req, &count, has ? buf : NULL);
    if (res == CUDNN_STATUS_SUCCESS) {
        if (want_count) {
            gvc_enc_i64(&c->enc, count);
        }
        if (has && type != CUDNN_TYPE_BACKEND_DESCRIPTOR) {
            size_t wrote = count >= 0 && count < req
                               ? (size_t)count * esz : size;

            gvc_enc_array(&c->enc, buf, (uint32_t)wrote, 1);
        }
    }
    free(buf);
    gvd_reply(c, res);
}

#define H(name, fn) { GV_API_##name, #name, GVD_LIB_CUDNN, fn }

const gvd_api_t gvd_dnn_hand_apis[] = {
    H(cudnnBackendSetAttribute, h_set_attr),
    H(cudnnBackendGetAttribute, h_get_attr),
};

const size_t gvd_dnn_hand_n_apis =
    sizeof(gvd_dnn_hand_apis) / sizeof(gvd_dnn_hand_apis[0]);

/* Destroy one object of kind t with the library's function for it. */
static void destroy_one(gvd_htype_t t, uintptr_t h)
{
    const gvd_cudnn_t *l = &table;

    switch (t) {
    case GVD_H_LIBHANDLE:
        if (l->cudnnBackendDestroyDescriptor != NULL) {
            l->cudnnBackendDestroyDescriptor((cudnnBackendDescriptor_t)h);
        }
        break;
    case GVD_H_DNN_TENSOR:
        if (l->cudnnDestroyTensorDescriptor != NULL) {
            l->cudnnDestroyTensorDescriptor((cudnnTensorDescriptor_t)h);
        }
        break;
    case GVD_H_DNN_FILTER:
        if (l->cudnnDestroyFilterDescriptor != NULL) {
            l->cudnnDestroyFilterDescriptor((cudnnFilterDescriptor_t)h);
        }
        break;
    case GVD_H_DNN_CONV:
        if (l->cudnnDestroyConvolutionDescriptor != NULL) {
            l->cudnnDestroyConvolutionDescriptor(
                (cudnnConvolutionDescriptor_t)h);
        }
        break;
    case GVD_H_DNN_ACT:
        if (l->cudnnDestroyActivationDescriptor != NULL) {
            l->cudnnDestroyActivationDescriptor(
                (cudnnActivationDescriptor_t)h);
        }
        break;
    case GVD_H_DNN:
        if (l->cudnnDestroy != NULL) {
            l->cudnnDestroy((cudnnHandle_t)h);
        }
        break;
    default:
        break;
    }
}

/* Descriptors first (plans name engines, variant packs, ...; cuDNN
 * keeps its own references), handles last. */
void gvd_dnn_fini(gvd_client_t *cl)
{
    static const gvd_htype_t order[] = {
        GVD_H_LIBHANDLE, GVD_H_DNN_TENSOR, GVD_H_DNN_FILTER, GVD_H_DNN_CONV,
        GVD_H_DNN_ACT, GVD_H_DNN
    };
    size_t n = gvd_handles_drain(cl, order, sizeof(order) / sizeof(order[0]),
                                 destroy_one);

    if (n > 0) {
        gvc_info("destroyed %zu cuDNN handle%s and descriptor%s the client "
                 "left", n, n == 1 ? "" : "s", n == 1 ? "" : "s");
    }
}
