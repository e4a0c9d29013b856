/*
 * gvd_rtc.h - NVRTC on the worker: the table of the real libnvrtc.so.13
 * (one pointer per function gvd_nvrtc_list.h lists, resolved with dlsym
 * by exact name when a call first needs it, through gvd_blas_open), and
 * the hand-written calls (gvd_x_rtc.c).
 *
 * The library is opened lazily: a client that never compiles never
 * loads it.  Without it (a host without the toolkit's NVRTC, or the
 * simulated device, which answers a few functions) every missing entry
 * is NULL and its handler answers NVRTC_ERROR_INTERNAL_ERROR (not
 * supported).
 *
 * Threads: the worker's one thread; read-only once resolved.
 */
#ifndef GVD_RTC_H
#define GVD_RTC_H

#include "gvd_call.h"

#include <nvrtc.h>

struct gvd_nvrtc {
#define GVD_NVRTC_FN(ret, name, params) ret (*name) params;
#include "gvd_nvrtc_list.h"
#undef GVD_NVRTC_FN
};

typedef struct gvd_nvrtc gvd_nvrtc_t;

/* The NVRTC table of the call's worker; never NULL. */
const gvd_nvrtc_t *gvd_nvrtc(const gvd_call_t *c);

#endif
