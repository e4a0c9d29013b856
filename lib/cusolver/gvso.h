/*
 * gvso.h - internals of our libcusolver.so.12 shared by the hand-written
 * files and the generated stubs (lib/gen/out/cusolver_client_gen.c).
 *
 * Every cuSOLVER object the program holds (dense handles, the 64-bit
 * API's parameters, the Jacobi settings gesvdjInfo_t and syevjInfo_t)
 * is one of libgvirtus's object records (gvf_obj.h, kinds GVSO_K_*): the
 * remote GPU whose worker made it and the worker's real object.  A stub
 * starts on the GPU of its first record (gvso_begin_route) and
 * translates the others (gvso_xlate), which must live on the same GPU.
 * gvso_end() is the one place a transport status or a remote result
 * becomes the cusolverStatus_t returned.
 *
 * Threads: everything here is thread-safe (the records' table has its
 * own lock; a call is the calling thread's).
 */
#ifndef GVSO_H
#define GVSO_H

#include "gvf.h"

/* cusolverDn.h declares cusolverDnLoggerForceDisable() without a
 * prototype. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <cusolverDn.h>
#pragma GCC diagnostic pop

/* Symbols we export are listed in libcusolver.map; everything else stays
 * hidden (-fvisibility=hidden). */
#define GVSO_API __attribute__((visibility("default")))

/* Kinds of gvf_obj records: one table for the process, shared with the
 * other libraries' kinds (cuBLAS's from 1, cuDNN's from 32, cuRAND's
 * 48, NVRTC's 56, cuFFT's 64, cuSPARSE's from 80): ours start at 96, so
 * no record of theirs passes for one of ours. */
enum {
    GVSO_K_HANDLE = 96,         /* cusolverDnHandle_t */
    GVSO_K_PARAMS,              /* cusolverDnParams_t */
    GVSO_K_GESVDJ,              /* gesvdjInfo_t */
    GVSO_K_SYEVJ                /* syevjInfo_t */
};

/* ---- calls (cusolver_call.c) --------------------------------------------- */

/* Start a call on the thread's current device (no record).  On failure
 * returns the error and c needs no gvso_end(). */
cusolverStatus_t gvso_begin(gvf_call_t *c, uint32_t api, size_t args_hint);

/* Start a call about record h of kind: on its GPU, with the worker's
 * value in *remote_p.  Anything that is not a live record of that kind
 * is refused: CUSOLVER_STATUS_NOT_INITIALIZED for a handle (cuSOLVER
 * answers a NULL handle so), CUSOLVER_STATUS_INVALID_VALUE otherwise. */
cusolverStatus_t gvso_begin_route(gvf_call_t *c, uint32_t api,
                                  const void *h, int kind, void **remote_p,
                                  size_t args_hint);

/* Another record of the call (NULL passes as NULL; same GPU required):
 * its worker value.  CUSOLVER_STATUS_INVALID_VALUE otherwise. */
cusolverStatus_t gvso_xlate(gvf_call_t *c, const void *h, int kind,
                            void **remote_p);

/* Give up a started call with err. */
cusolverStatus_t gvso_abort(gvf_call_t *c, cusolverStatus_t err);

/* True when the call reached the worker and returned success. */
int gvso_ok(const gvf_call_t *c, gvc_status_t st);

/* Finish a call: free it, map st / the remote result to the status. */
cusolverStatus_t gvso_end(gvf_call_t *c, gvc_status_t st);

/* A failure found locally: returns err. */
cusolverStatus_t gvso_fail(cusolverStatus_t err);

/* The one mapping of gvc_status_t to cusolverStatus_t. */
cusolverStatus_t gvso_status(gvc_status_t st);

/* A function gvirtus does not remote: log once, NOT_SUPPORTED. */
cusolverStatus_t gvso_unsupported(const char *fn);

/* ---- records (cusolver_core.c) ------------------------------------------- */

/* After a Create succeeded on c's GPU: *obj_p holds the worker's object;
 * replace it with a record of kind.  On failure *obj_p becomes NULL and
 * the worker's object is left to the worker (destroyed when the client
 * leaves). */
cusolverStatus_t gvso_wrap(const gvf_call_t *c, int kind, void **obj_p);

/* After a Destroy succeeded (or was sent): forget the record. */
cusolverStatus_t gvso_forget(const void *obj, int kind);

#endif
