/*
 * gvd_call.c - the worker side of one call: argument checks, replies,
 * deferred errors, the client's handle and memory tables.
 */
#include "config.h"

#include "gvd_client.h"
#include "gvc_log.h"

#include <stdlib.h>
#include <string.h>

/* Per library: invalid value, invalid handle, not supported, no memory. */
static const int64_t lib_errs[GVD_LIB_MAX][4] = {
    [GVD_LIB_CUDART]   = { 1, 400, 801, 2 },
    [GVD_LIB_CUDA]     = { 1, 400, 801, 2 },
    [GVD_LIB_NVML]     = { 2, 2, 3, 20 },
    [GVD_LIB_CUBLAS]   = { 7, 7, 15, 3 },
    [GVD_LIB_CUBLASLT] = { 7, 7, 15, 3 },
    [GVD_LIB_CUDNN]    = { 2000, 2000, 3000, 4000 },
    [GVD_LIB_CUFFT]    = { 4, 1, 16, 2 },
    [GVD_LIB_CURAND]   = { 104, 101, 204, 102 },
    [GVD_LIB_CUSPARSE] = { 3, 3, 10, 2 },
    [GVD_LIB_CUSOLVER] = { 3, 3, 9, 2 },
    [GVD_LIB_NVRTC]    = { 3, 4, 11, 1 },
};

static gvd_lib_t call_lib(const gvd_call_t *c)
{
    const gvd_api_t *api = gvd_api_find(c->msg->hdr.api_id);

    return api != NULL ? api->lib : GVD_LIB_CUDART;
}

/* A cuSOLVER status as the nearest CUDA error (deferred_code). */
static int64_t solver_code(int64_t result)
{
    switch (result) {
    case 1:  /* CUSOLVER_STATUS_NOT_INITIALIZED */
        return cudaErrorInitializationError;
    case 2:  /* CUSOLVER_STATUS_ALLOC_FAILED */
        return cudaErrorMemoryAllocation;
    case 3:  /* CUSOLVER_STATUS_INVALID_VALUE */
    case 31: /* CUSOLVER_STATUS_INVALID_WORKSPACE */
        return cudaErrorInvalidValue;
    case 4:  /* CUSOLVER_STATUS_ARCH_MISMATCH */
        return cudaErrorNoKernelImageForDevice;
    case 6:  /* CUSOLVER_STATUS_EXECUTION_FAILED */
        return cudaErrorLaunchFailure;
    case 8:  /* CUSOLVER_STATUS_MATRIX_TYPE_NOT_SUPPORTED */
    case 9:  /* CUSOLVER_STATUS_NOT_SUPPORTED */
        return cudaErrorNotSupported;
    default:
        return cudaErrorUnknown;
    }
}

/* A cuFFT status as the nearest CUDA error (cufft.h's values). */
static int64_t fft_code(int64_t result)
{
    switch (result) {
    case 1:  /* CUFFT_INVALID_PLAN */
        return cudaErrorInvalidResourceHandle;
    case 2:  /* CUFFT_ALLOC_FAILED */
        return cudaErrorMemoryAllocation;
    case 3:  /* CUFFT_INVALID_TYPE */
    case 4:  /* CUFFT_INVALID_VALUE */
    case 8:  /* CUFFT_INVALID_SIZE */
    case 9:  /* CUFFT_UNALIGNED_DATA */
        return cudaErrorInvalidValue;
    case 6:  /* CUFFT_EXEC_FAILED */
        return cudaErrorLaunchFailure;
    case 11: /* CUFFT_INVALID_DEVICE */
        return cudaErrorInvalidDevice;
    case 14: /* CUFFT_NOT_IMPLEMENTED */
    case 16: /* CUFFT_NOT_SUPPORTED */
        return cudaErrorNotSupported;
    default:
        return cudaErrorUnknown;
    }
}

/* A cuSPARSE status as the nearest CUDA error (deferred_code). */
static int64_t sparse_code(int64_t result)
{
    switch (result) {
    case 1:  /* CUSPARSE_STATUS_NOT_INITIALIZED */
        return cudaErrorInitializationError;
    case 2:  /* CUSPARSE_STATUS_ALLOC_FAILED */
        return cudaErrorMemoryAllocation;
    case 3:  /* CUSPARSE_STATUS_INVALID_VALUE */
        return cudaErrorInvalidValue;
    case 4:  /* CUSPARSE_STATUS_ARCH_MISMATCH */
        return cudaErrorNoKernelImageForDevice;
    case 6:  /* CUSPARSE_STATUS_EXECUTION_FAILED */
        return cudaErrorLaunchFailure;
    case 8:  /* CUSPARSE_STATUS_MATRIX_TYPE_NOT_SUPPORTED */
    case 10: /* CUSPARSE_STATUS_NOT_SUPPORTED */
        return cudaErrorNotSupported;
    default:
        return cudaErrorUnknown;
    }
}

/*
 * A one-way call's failure, as the CUDA error a later synchronising call
 * returns (the client's runtime reads deferred errors as cudaError_t):
 * the runtime's and driver's own codes as they are, a library status as
 * the nearest CUDA error.  The first one is logged with the library's
 * own code.
 */
static int64_t deferred_code(const gvd_call_t *c, int64_t result)
{
    const gvd_api_t *api = gvd_api_find(c->msg->hdr.api_id);
    gvd_lib_t lib = api != NULL ? api->lib : GVD_LIB_CUDART;
    int64_t e;

    if (lib == GVD_LIB_CUDART || lib == GVD_LIB_CUDA) {
        return result;
    }
    if (lib == GVD_LIB_CUDNN) {
        /* cuDNN's statuses come in ranges: 2xxx bad parameter, 3xxx not
         * supported, 4xxx internal, 5xxx execution failed. */
        e = result / 1000 == 2   ? cudaErrorInvalidValue
            : result / 1000 == 3 ? cudaErrorNotSupported
            : result / 1000 == 5 ? cudaErrorLaunchFailure
                                 : cudaErrorUnknown;
        gvc_warn("%s (one-way) failed with status %lld: the client sees "
                 "%lld at its next synchronising call",
                 api != NULL ? api->name : "?", (long long)result,
                 (long long)e);
        return e;
    }
    if (lib == GVD_LIB_CUSOLVER || lib == GVD_LIB_CUSPARSE) {
        e = lib == GVD_LIB_CUSOLVER ? solver_code(result)
                                    : sparse_code(result);
        gvc_warn("%s (one-way) failed with status %lld: the client sees "
                 "%lld at its next synchronising call",
                 api != NULL ? api->name : "?", (long long)result,
                 (long long)e);
        return e;
    }
    if (lib == GVD_LIB_CUFFT) {
        e = fft_code(result);
        gvc_warn("%s (one-way) failed with status %lld: the client sees "
                 "%lld at its next synchronising call",
                 api != NULL ? api->name : "?", (long long)result,
                 (long long)e);
        return e;
    }
    switch (lib == GVD_LIB_CUBLAS || lib == GVD_LIB_CUBLASLT ? result : -1) {
    case 1:  /* CUBLAS_STATUS_NOT_INITIALIZED */
        e = cudaErrorInitializationError;
        break;
    case 3:  /* CUBLAS_STATUS_ALLOC_FAILED */
        e = cudaErrorMemoryAllocation;
        break;
    case 7:  /* CUBLAS_STATUS_INVALID_VALUE */
        e = cudaErrorInvalidValue;
        break;
    case 8:  /* CUBLAS_STATUS_ARCH_MISMATCH */
        e = cudaErrorNoKernelImageForDevice;
        break;
    case 13: /* CUBLAS_STATUS_EXECUTION_FAILED */
        e = cudaErrorLaunchFailure;
        break;
    case 15: /* CUBLAS_STATUS_NOT_SUPPORTED */
        e = cudaErrorNotSupported;
        break;
    default:
        e = cudaErrorUnknown;
        break;
    }
    gvc_warn("%s (one-way) failed with status %lld: the client sees %lld "
             "at its next synchronising call", api != NULL ? api->name : "?",
             (long long)result, (long long)e);
    return e;
}

int64_t gvd_err_invalid_value(const gvd_call_t *c)
{
    return lib_errs[call_lib(c)][0];
}

int64_t gvd_err_invalid_handle(const gvd_call_t *c)
{
    return lib_errs[call_lib(c)][1];
}

int64_t gvd_err_not_supported(const gvd_call_t *c)
{
    return lib_errs[call_lib(c)][2];
}

int64_t gvd_err_no_memory(const gvd_call_t *c)
{
    return lib_errs[call_lib(c)][3];
}

const gvd_rt_t *gvd_rt(const gvd_call_t *c)
{
    return &c->cl->be->rt;
}

int gvd_args_end(gvd_call_t *c)
{
    gvc_status_t st = gvc_dec_finish(&c->dec);

    if (st == GVC_OK) {
        return 0;
    }
    /* The log line names the call (gvd_client_recv set it). */
    gvc_warn("malformed arguments (%s); answered invalid value",
             gvc_status_str(st));
    c->enc.len = 0;
    gvd_reply(c, gvd_err_invalid_value(c));
    return 1;
}

int gvd_reply_room(gvd_call_t *c, size_t cap)
{
    uint8_t *p;

    if (cap <= sizeof(c->rbuf)) {
        return 0;
    }
    p = malloc(cap);
    if (p == NULL) {
        return -1;
    }
    memcpy(p, c->enc.buf, c->enc.len);
    free(c->heap);
    c->heap = p;
    c->enc.buf = p;
    c->enc.cap = cap;
    return 0;
}

void gvd_reply_data(gvd_call_t *c, const void *p, size_t len,
                    gvt_memh_t *memh)
{
    c->rdata = p;
    c->rdata_len = len;
    c->rmemh = memh;
}

void gvd_reply_later(gvd_call_t *c)
{
    c->replied = 1;
}

void gvd_reply(gvd_call_t *c, int64_t result)
{
    gvd_client_t *cl = c->cl;
    const gvc_wire_hdr_t *h = &c->msg->hdr;
    gvt_out_t out = {
        .api_id = h->api_id,
        .flags = GVC_WF_REPLY,
        .call_id = h->call_id,
        .result = result,
    };

    if (c->replied) {
        gvc_error("api %#x: second reply ignored (a bug)", h->api_id);
        return;
    }
    c->replied = 1;
    if (result != 0) {
        gvd_ctr_add(cl->ctr, GVC_CTR_ERRORS, 1);
    }
    if (h->flags & GVC_WF_ONEWAY) {
        if (result != 0 && cl->deferred == 0) {
            cl->deferred = deferred_code(c, result);
        }
        return;
    }
    if (c->enc.status != GVC_OK) {
        gvc_error("api %#x: reply does not fit; answered invalid value",
                  h->api_id);
        out.result = gvd_err_invalid_value(c);
        c->enc.len = 0;
        c->rdata_len = 0;
    }
    gvd_stdout_flush(cl, h->api_id); /* printf this call waited for */
    out.seq_err = (uint32_t)cl->deferred;
    cl->deferred = 0;
    out.args = c->enc.buf;
    out.args_len = c->enc.len;
    out.data = c->rdata;
    out.data_len = c->rdata_len;
    out.memh = c->rmemh;
    gvd_ctr_add(cl->ctr, GVC_CTR_WIRE_OUT, c->enc.len + c->rdata_len);
    gvt_send(cl->conn, &out);
}

/* ---- tables ----------------------------------------------------------- */

int gvd_handle_ok(gvd_client_t *cl, gvd_htype_t t, const void *h)
{
    if (t == GVD_H_STREAM &&
        (h == NULL || h == (const void *)cudaStreamLegacy ||
         h == (const void *)cudaStreamPerThread)) {
        return 1;
    }
    /* A cuBLAS handle is also a cuBLASLt one (one context in NVIDIA's
     * libraries; PyTorch passes one for the other). */
    if (t == GVD_H_CUBLASLT && h != NULL &&
        gvc_ptrset_has(&cl->handles[GVD_H_CUBLAS], (uintptr_t)h)) {
        return 1;
    }
    return h != NULL && gvc_ptrset_has(&cl->handles[t], (uintptr_t)h);
}

int gvd_handle_add(gvd_client_t *cl, gvd_htype_t t, const void *h)
{
    if (h == NULL) {
        return 0;
    }
    return gvc_ptrset_add(&cl->handles[t], (uintptr_t)h);
}

void gvd_handle_del(gvd_client_t *cl, gvd_htype_t t, const void *h)
{
    gvc_ptrset_del(&cl->handles[t], (uintptr_t)h);
}

size_t gvd_handles_drain(gvd_client_t *cl, const gvd_htype_t *order,
                         size_t n_order,
                         void (*destroy)(gvd_htype_t t, uintptr_t h))
{
    size_t total = 0;

    for (size_t k = 0; k < n_order; k++) {
        gvc_ptrset_t *set = &cl->handles[order[k]];
        uintptr_t *hs;
        size_t n;

        if (set->count == 0) {
            continue;
        }
        hs = malloc(set->count * sizeof(*hs));
        if (hs == NULL) {
            continue;           /* process exit frees them anyway */
        }
        n = gvc_ptrset_values(set, hs, set->count);
        for (size_t i = 0; i < n; i++) {
            destroy(order[k], hs[i]);
            gvc_ptrset_del(set, hs[i]);
        }
        free(hs);
        total += n;
    }
    return total;
}

int gvd_mem_ok(gvd_client_t *cl, const void *p, size_t len)
{
    return p != NULL && gvc_rangeset_find(&cl->mem, (uintptr_t)p, len) != NULL;
}

int gvd_mem_add(gvd_client_t *cl, void *p, size_t len, int kind)
{
    if (gvc_rangeset_add(&cl->mem, (uintptr_t)p, len, kind) != 0) {
        gvc_warn("device allocation %p+%zu overlaps a known one", p, len);
        return -1;
    }
    return 0;
}

size_t gvd_mem_del(gvd_client_t *cl, void *p)
{
    return gvc_rangeset_del(&cl->mem, (uintptr_t)p, NULL);
}

/* ---- dispatch ------------------------------------------------------------- */

void gvd_client_recv(gvt_conn_t *conn, gvt_msg_t *msg, void *arg)
{
    gvd_client_t *cl = arg;
    const gvd_api_t *api = gvd_api_find(msg->hdr.api_id);
    gvd_call_t c;

    (void)conn;
    c.cl = cl;
    c.msg = msg;
    c.replied = 0;
    c.heap = NULL;
    c.rdata = NULL;
    c.rdata_len = 0;
    c.rmemh = NULL;
    gvc_dec_init(&c.dec, msg->args, msg->hdr.args_len);
    gvc_enc_init(&c.enc, c.rbuf, sizeof(c.rbuf));
    gvd_ctr_add(cl->ctr, GVC_CTR_CALLS, 1);
    gvd_ctr_add(cl->ctr, GVC_CTR_WIRE_IN,
                msg->hdr.args_len + msg->hdr.data_len);
    if (api == NULL) {
        /* A newer client, or garbage: answer, never crash. */
        gvc_warn("unknown API id %#x; answered not supported",
                 msg->hdr.api_id);
        gvd_reply(&c, 801);
        return;
    }
    gvc_log_set_call(api->name); /* every line the handler logs names it */
    gvc_trace("called");
    if (gvd_stats_on()) {
        uint64_t t0 = gvd_stats_now();
        api->handler(&c);
        gvd_stats_record(api, msg->hdr.args_len + msg->hdr.data_len,
                         c.enc.len + c.rdata_len, gvd_stats_now() - t0);
    } else {
        api->handler(&c);
    }
    if (!c.replied) {
        gvc_error("handler sent no reply (a bug)");
        gvd_reply(&c, gvd_err_invalid_value(&c));
    }
    gvc_log_set_call(NULL);
    /* Allocations change in many handlers; one store here covers all. */
    gvd_ctr_set(cl->ctr, GVC_CTR_MEM_HELD, cl->mem.total);
    free(c.heap);
}
