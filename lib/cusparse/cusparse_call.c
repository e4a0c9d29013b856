/*
 * cusparse_call.c - the call plumbing of libcusparse.so.12: cuSPARSE's
 * statuses for the plumbing every library shares (lib/gvf_libcall.h).
 */
#include "config.h"

#include "gvsp.h"

static _Atomic unsigned long lost_devs;

const gvf_lib_t gvsp_lib = {
    GVF_LIB_LOST("cuSPARSE", CUSPARSE_STATUS_EXECUTION_FAILED),
    .ok = CUSPARSE_STATUS_SUCCESS,
    .invalid = CUSPARSE_STATUS_INVALID_VALUE,
    .nomem = CUSPARSE_STATUS_ALLOC_FAILED,
    GVF_LIB_UNSUPPORTED(CUSPARSE_STATUS_NOT_SUPPORTED),
    .uninit = CUSPARSE_STATUS_NOT_INITIALIZED,
    /* As cuSPARSE answers a NULL handle. */
    .handle_kind = GVSP_K_HANDLE,
    .bad_handle = CUSPARSE_STATUS_NOT_INITIALIZED,
    .bad_first = CUSPARSE_STATUS_INVALID_VALUE,
    .bad_other = CUSPARSE_STATUS_INVALID_VALUE,
    .reported = &lost_devs,
};
