/*
 * gvnr.h - internals of our libnvrtc.so.13 shared by the hand-written
 * files and the generated stubs (lib/gen/out/nvrtc_client_gen.c).
 *
 * NVRTC runs on a worker (the client machine has no toolkit in
 * general).  Every program the application holds is one of libgvirtus's
 * object records (gvf_obj.h, kind GVNR_K_PROG): the remote GPU whose
 * worker made it (the thread's current device at nvrtcCreateProgram)
 * and the worker's real program.  Every call about a program goes to
 * that worker (gvnr_begin_route); calls about none go to the thread's
 * current device.  gvnr_end() is the one place a transport status or a
 * remote result becomes the nvrtcResult returned.
 */
#ifndef GVNR_H
#define GVNR_H

#include "gvf.h"

#include <nvrtc.h>

/* Symbols we export are listed in libnvrtc.map; everything else stays
 * hidden (-fvisibility=hidden). */
#define GVNR_API __attribute__((visibility("default")))

/* Kinds of gvf_obj records: one table for the process, shared with
 * cuBLAS's (1..7), cuDNN's (32..37) and cuRAND's (48). */
enum {
    GVNR_K_PROG = 56            /* nvrtcProgram */
};

/* ---- calls (nvrtc_call.c) ------------------------------------------------ */

/* Start a call on the thread's current device (no program).  On failure
 * returns the error and c needs no gvnr_end(). */
nvrtcResult gvnr_begin(gvf_call_t *c, uint32_t api, size_t args_hint);

/* Start a call about record h of kind: on its GPU, with the worker's
 * value in *remote_p.  NVRTC_ERROR_INVALID_PROGRAM for anything that is
 * not a live record of that kind. */
nvrtcResult gvnr_begin_route(gvf_call_t *c, uint32_t api, const void *h,
                             int kind, void **remote_p, size_t args_hint);

/* Another record of the call (NULL passes as NULL; same GPU required):
 * its worker value.  NVRTC_ERROR_INVALID_PROGRAM otherwise. */
nvrtcResult gvnr_xlate(gvf_call_t *c, const void *h, int kind,
                       void **remote_p);

/* Give up a started call with err. */
nvrtcResult gvnr_abort(gvf_call_t *c, nvrtcResult err);

/* True when the call reached the worker and returned success. */
int gvnr_ok(const gvf_call_t *c, gvc_status_t st);

/* Finish a call: free it, map st / the remote result to the status. */
nvrtcResult gvnr_end(gvf_call_t *c, gvc_status_t st);

/* A failure found locally: returns err. */
nvrtcResult gvnr_fail(nvrtcResult err);

/* The one mapping of gvc_status_t to nvrtcResult. */
nvrtcResult gvnr_status(gvc_status_t st);

/* A function gvirtus does not remote: log once, and return
 * NVRTC_ERROR_INTERNAL_ERROR (NVRTC has no not-supported status). */
nvrtcResult gvnr_unsupported(const char *fn);

#endif
