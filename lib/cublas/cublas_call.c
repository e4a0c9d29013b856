/*
 * cublas_call.c - the call plumbing libcublas.so.13 and libcublasLt.so.13
 * share (compiled into each; their symbols stay hidden): cuBLAS's
 * statuses for the plumbing every library shares (lib/gvf_libcall.h),
 * and status names.
 */
#include "config.h"

#include "gvbl.h"

/* Each library has its copy: each reports a lost device once. */
static _Atomic unsigned long lost_devs;

const gvf_lib_t gvbl_lib = {
    GVF_LIB_LOST("cuBLAS", CUBLAS_STATUS_EXECUTION_FAILED),
    .ok = CUBLAS_STATUS_SUCCESS,
    .invalid = CUBLAS_STATUS_INVALID_VALUE,
    .nomem = CUBLAS_STATUS_ALLOC_FAILED,
    GVF_LIB_UNSUPPORTED(CUBLAS_STATUS_NOT_SUPPORTED),
    .uninit = CUBLAS_STATUS_NOT_INITIALIZED,
    /* A call's first record refused, of any kind: as cuBLAS answers a
     * NULL handle.  Others (cuBLASLt's descriptors): INVALID_VALUE. */
    .handle_kind = GVBL_K_HANDLE,
    .bad_handle = CUBLAS_STATUS_NOT_INITIALIZED,
    .bad_first = CUBLAS_STATUS_NOT_INITIALIZED,
    .bad_other = CUBLAS_STATUS_INVALID_VALUE,
    /* A cublasHandle_t is also a cublasLtHandle_t, as with NVIDIA's
     * libraries (one context; PyTorch passes its cuBLAS handle to
     * cublasLtMatmul). */
    .alias_kind = GVLT_K_HANDLE,
    .alias_of = GVBL_K_HANDLE,
    .reported = &lost_devs,
};

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
