/*
 * nvrtc_call.c - the call plumbing of libnvrtc.so.13: NVRTC's statuses
 * for the plumbing every library shares (lib/gvf_libcall.h).
 */
#include "config.h"

#include "gvnr.h"

static _Atomic unsigned long lost_devs;

/* NVRTC has one status for what is none of the caller's doing: not
 * supported, no server, a forked child and a lost GPU host (worker died,
 * network down, stalled) are all NVRTC_ERROR_INTERNAL_ERROR; only the
 * last is reported as a lost device. */
const gvf_lib_t gvnr_lib = {
    GVF_LIB_LOST("NVRTC", NVRTC_ERROR_INTERNAL_ERROR),
    .ok = NVRTC_SUCCESS,
    .invalid = NVRTC_ERROR_INVALID_INPUT,
    .nomem = NVRTC_ERROR_OUT_OF_MEMORY,
    GVF_LIB_UNSUPPORTED(NVRTC_ERROR_INTERNAL_ERROR),
    .uninit = NVRTC_ERROR_INTERNAL_ERROR,
    .handle_kind = GVNR_K_PROG,
    .bad_handle = NVRTC_ERROR_INVALID_PROGRAM,
    .bad_first = NVRTC_ERROR_INVALID_PROGRAM,
    .bad_other = NVRTC_ERROR_INVALID_PROGRAM,
    .reported = &lost_devs,
};
