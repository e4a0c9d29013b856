/*
 * cublas_call.c - the call plumbing libcublas.so.13 and libcublasLt.so.13
 * share (compiled into each; their symbols stay hidden): starting calls
 * on the thread's GPU or a record's, translating further records,
 * finishing them (the one place a gvc_status_t becomes a
 * cublasStatus_t), status names, and the not-supported stubs' logging.
 */
#include "config.h"

#include "gvbl.h"
#include "gvf_obj.h"
#include "gvc_log.h"


cublasStatus_t gvbl_status(gvc_status_t st)
{
    switch (st) {
    case GVC_OK:
        return CUBLAS_STATUS_SUCCESS;
    case GVC_ERR_INVALID:
    case GVC_ERR_OVERFLOW:
        return CUBLAS_STATUS_INVALID_VALUE;
    case GVC_ERR_NOMEM:
        return CUBLAS_STATUS_ALLOC_FAILED;
    case GVC_ERR_NOT_SUPPORTED:
        return CUBLAS_STATUS_NOT_SUPPORTED;
    case GVC_ERR_NO_DEVICE:
    case GVC_ERR_CONFIG:
    case GVC_ERR_DENIED:
    case GVC_ERR_VERSION:
    case GVC_ERR_FORKED: /* a forked child: CUDA cannot be used there */
        return CUBLAS_STATUS_NOT_INITIALIZED;
    default:
        /* The remote GPU is gone (worker died, network down, stalled). */
        return CUBLAS_STATUS_EXECUTION_FAILED;
    }
}

/* Say once per device why cuBLAS calls on it fail. */
static void report_lost(gvf_dev_t *dev, gvc_status_t st)
{
    static _Atomic unsigned long reported;

    gvf_report_lost(dev, st, &reported, "cuBLAS calls on it fail with "
                    "CUBLAS_STATUS_EXECUTION_FAILED");
}

cublasStatus_t gvbl_fail(cublasStatus_t err)
{
    return err;
}

static cublasStatus_t begin_on(gvf_call_t *c, gvf_dev_t *dev, uint32_t api,
                               size_t args_hint)
{
    return gvbl_status(gvf_call_init(c, dev, api, args_hint));
}

cublasStatus_t gvbl_begin(gvf_call_t *c, uint32_t api, size_t args_hint)
{
    return gvbl_status(gvf_call_begin(c, api, args_hint));
}

/* Whether a record of kind have serves where kind want is asked for: a
 * cublasHandle_t is also a cublasLtHandle_t, as with NVIDIA's libraries
 * (one context; PyTorch passes its cuBLAS handle to cublasLtMatmul). */
static int kind_ok(int have, int want)
{
    return have == want || (want == GVLT_K_HANDLE && have == GVBL_K_HANDLE);
}

cublasStatus_t gvbl_begin_route(gvf_call_t *c, uint32_t api, const void *h,
                                int kind, void **remote_p, size_t args_hint)
{
    gvf_obj_t o;

    if (gvf_obj_get(h, 0, &o) != GVC_OK || !kind_ok(o.kind, kind)) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    *remote_p = o.remote;
    return begin_on(c, o.dev, api, args_hint);
}

cublasStatus_t gvbl_xlate(gvf_call_t *c, const void *h, int kind,
                          void **remote_p)
{
    gvf_obj_t o;

    if (h == NULL) {
        *remote_p = NULL;       /* the worker says what NULL means */
        return CUBLAS_STATUS_SUCCESS;
    }
    if (gvf_obj_get(h, 0, &o) != GVC_OK || !kind_ok(o.kind, kind) ||
        o.dev != c->dev) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    *remote_p = o.remote;
    return CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t gvbl_abort(gvf_call_t *c, cublasStatus_t err)
{
    gvf_call_fini(c);
    return err;
}

int gvbl_ok(const gvf_call_t *c, gvc_status_t st)
{
    return st == GVC_OK && c->reply.result == CUBLAS_STATUS_SUCCESS;
}

cublasStatus_t gvbl_end(gvf_call_t *c, gvc_status_t st)
{
    cublasStatus_t err;

    if (st != GVC_OK) {
        err = gvbl_status(st);
        if (err == CUBLAS_STATUS_EXECUTION_FAILED) {
            report_lost(c->dev, st);
        }
    } else {
        err = (cublasStatus_t)c->reply.result;
    }
    gvf_call_fini(c);
    return err;
}

cublasStatus_t gvbl_unsupported(const char *fn)
{
    gvf_warn_unsupported(fn, "returning CUBLAS_STATUS_NOT_SUPPORTED");
    return CUBLAS_STATUS_NOT_SUPPORTED;
}

/* ---- status names (cublasGetStatusName, cublasLtGetStatusName, ...) ---- */

static const struct {
    cublasStatus_t s;
    const char *name;
    const char *text;
} statuses[] = {
    { CUBLAS_STATUS_SUCCESS, "CUBLAS_STATUS_SUCCESS",
      "the operation completed successfully" },
    { CUBLAS_STATUS_NOT_INITIALIZED, "CUBLAS_STATUS_NOT_INITIALIZED",
      "the library was not initialized" },
    { CUBLAS_STATUS_ALLOC_FAILED, "CUBLAS_STATUS_ALLOC_FAILED",
      "the resource allocation failed" },
    { CUBLAS_STATUS_INVALID_VALUE, "CUBLAS_STATUS_INVALID_VALUE",
      "an invalid numeric value was used as an argument" },
    { CUBLAS_STATUS_ARCH_MISMATCH, "CUBLAS_STATUS_ARCH_MISMATCH",
      "an absent device architectural feature is required" },
    { CUBLAS_STATUS_MAPPING_ERROR, "CUBLAS_STATUS_MAPPING_ERROR",
      "an access to GPU memory space failed" },
    { CUBLAS_STATUS_EXECUTION_FAILED, "CUBLAS_STATUS_EXECUTION_FAILED",
      "the GPU program failed to execute" },
    { CUBLAS_STATUS_INTERNAL_ERROR, "CUBLAS_STATUS_INTERNAL_ERROR",
      "an internal operation failed" },
    { CUBLAS_STATUS_NOT_SUPPORTED, "CUBLAS_STATUS_NOT_SUPPORTED",
      "the functionality requested is not supported" },
    { CUBLAS_STATUS_LICENSE_ERROR, "CUBLAS_STATUS_LICENSE_ERROR",
      "error detected trying to check the license" },
};

const char *gvbl_status_name(cublasStatus_t status)
{
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        if (statuses[i].s == status) {
            return statuses[i].name;
        }
    }
    return "CUBLAS_STATUS_UNKNOWN";
}

const char *gvbl_status_text(cublasStatus_t status)
{
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        if (statuses[i].s == status) {
            return statuses[i].text;
        }
    }
    return "unknown error";
}
