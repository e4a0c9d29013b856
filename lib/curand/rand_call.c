/*
 * rand_call.c - the call plumbing of libcurand.so.10: cuRAND's statuses
 * for the plumbing every library shares (lib/gvf_libcall.h).
 */
#include "config.h"

#include "gvrn.h"

static _Atomic unsigned long lost_devs;

const gvf_lib_t gvrn_lib = {
    GVF_LIB_LOST("cuRAND", CURAND_STATUS_LAUNCH_FAILURE),
    .ok = CURAND_STATUS_SUCCESS,
    .invalid = CURAND_STATUS_OUT_OF_RANGE,
    .nomem = CURAND_STATUS_ALLOCATION_FAILED,
    /* cuRAND has no not-supported status: "GPU does not support
     * requested feature" is the nearest. */
    GVF_LIB_UNSUPPORTED(CURAND_STATUS_ARCH_MISMATCH),
    .uninit = CURAND_STATUS_INITIALIZATION_FAILED,
    /* cuRAND's answer to a bad generator, for every refused record. */
    .handle_kind = GVRN_K_GEN,
    .bad_handle = CURAND_STATUS_NOT_INITIALIZED,
    .bad_first = CURAND_STATUS_NOT_INITIALIZED,
    .bad_other = CURAND_STATUS_NOT_INITIALIZED,
    .reported = &lost_devs,
};
