/*
 * cudnn_call.c - the call plumbing of libcudnn.so.9: cuDNN's statuses
 * for the plumbing every library shares (lib/gvf_libcall.h).
 */
#include "config.h"

#include "gvdn.h"

static _Atomic unsigned long lost_devs;

const gvf_lib_t gvdn_lib = {
    GVF_LIB_LOST("cuDNN", CUDNN_STATUS_EXECUTION_FAILED),
    .ok = CUDNN_STATUS_SUCCESS,
    .invalid = CUDNN_STATUS_BAD_PARAM,
    .nomem = CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED,
    GVF_LIB_UNSUPPORTED(CUDNN_STATUS_NOT_SUPPORTED),
    .uninit = CUDNN_STATUS_NOT_INITIALIZED,
    /* Every refused record, the handle too (cuDNN answers a NULL handle
     * so). */
    .handle_kind = GVDN_K_HANDLE,
    .bad_handle = CUDNN_STATUS_BAD_PARAM,
    .bad_first = CUDNN_STATUS_BAD_PARAM,
    .bad_other = CUDNN_STATUS_BAD_PARAM,
    .reported = &lost_devs,
};
