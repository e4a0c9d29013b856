/*
 * cusolver_call.c - the call plumbing of libcusolver.so.12: cuSOLVER's
 * statuses for the plumbing every library shares (lib/gvf_libcall.h).
 */
#include "config.h"

#include "gvso.h"

static _Atomic unsigned long lost_devs;

const gvf_lib_t gvso_lib = {
    GVF_LIB_LOST("cuSOLVER", CUSOLVER_STATUS_EXECUTION_FAILED),
    .ok = CUSOLVER_STATUS_SUCCESS,
    .invalid = CUSOLVER_STATUS_INVALID_VALUE,
    .nomem = CUSOLVER_STATUS_ALLOC_FAILED,
    GVF_LIB_UNSUPPORTED(CUSOLVER_STATUS_NOT_SUPPORTED),
    .uninit = CUSOLVER_STATUS_NOT_INITIALIZED,
    /* cuSOLVER answers a NULL handle so. */
    .handle_kind = GVSO_K_HANDLE,
    .bad_handle = CUSOLVER_STATUS_NOT_INITIALIZED,
    .bad_first = CUSOLVER_STATUS_INVALID_VALUE,
    .bad_other = CUSOLVER_STATUS_INVALID_VALUE,
    .reported = &lost_devs,
};
