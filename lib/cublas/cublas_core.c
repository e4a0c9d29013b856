/*
 * cublas_core.c - our libcublas.so.13's own state: handle records and
 * their pointer mode, and the legacy API's error.  Calls start and end
 * in the shared plumbing (lib/gvf_libcall.h) with cuBLAS's descriptor
 * (cublas_call.c, compiled into libcublasLt.so.13 too).
 */
#include "config.h"

#include "gvbl.h"
#include "gvf_obj.h"
#include "gvc_log.h"

#include <cublas_v2.h>

/* The legacy API's error (cublasGetError), per thread as cuBLAS's. */
static __thread cublasStatus_t legacy_error;

void gvbl_unsupported_other(const char *fn)
{
    gvf_warn_unsupported(fn, "cublasGetError will return "
                             "CUBLAS_STATUS_NOT_SUPPORTED");
    legacy_error = CUBLAS_STATUS_NOT_SUPPORTED;
}

/* ---- handles ------------------------------------------------------------------ */

cublasStatus_t gvbl_handle_wrap(const gvf_call_t *c, cublasHandle_t *h_p)
{
    return (cublasStatus_t)gvf_lib_wrap(&gvbl_lib, c, GVBL_K_HANDLE,
                                        (void **)h_p);
}

cublasStatus_t gvbl_handle_forget(cublasHandle_t h)
{
    return (cublasStatus_t)gvf_lib_forget(&gvbl_lib, h, GVBL_K_HANDLE);
}

int gvbl_pmode(cublasHandle_t h)
{
    gvf_obj_t o;

    if (gvf_obj_get(h, GVBL_K_HANDLE, &o) != GVC_OK) {
        return 0;
    }
    return o.attr[GVBL_A_PMODE] == CUBLAS_POINTER_MODE_DEVICE;
}

cublasStatus_t gvbl_note_pmode(cublasHandle_t h, cublasPointerMode_t m)
{
    gvf_obj_set(h, GVBL_K_HANDLE, GVBL_A_PMODE, m);
    return CUBLAS_STATUS_SUCCESS;
}

/* Answered from the record: the worker's handle has the same mode. */
GVBL_API cublasStatus_t CUBLASWINAPI
cublasGetPointerMode_v2(cublasHandle_t handle, cublasPointerMode_t *mode)
{
    gvf_obj_t o;

    if (gvf_obj_get(handle, GVBL_K_HANDLE, &o) != GVC_OK) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (mode == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    *mode = (cublasPointerMode_t)o.attr[GVBL_A_PMODE];
    return CUBLAS_STATUS_SUCCESS;
}

/* ---- the legacy API's error ------------------------------------------------------ */

cublasStatus_t gvbl_legacy_take_error(void)
{
    cublasStatus_t e = legacy_error;

    legacy_error = CUBLAS_STATUS_SUCCESS;
    return e;
}
