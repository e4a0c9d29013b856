/*
 * gvrn.h - internals of our libcurand.so.10 shared by the hand-written
 * files and the generated stubs (lib/gen/out/curand_client_gen.c).
 *
 * Every cuRAND generator the program holds is one of libgvirtus's object
 * records (gvf_obj.h, kind GVRN_K_GEN): the remote GPU whose worker made
 * it (the thread's current device at curandCreateGenerator) and the
 * worker's real generator.  Every call about a generator goes to that
 * GPU (gvrn_begin_route).  gvrn_end() is the one place a transport
 * status or a remote result becomes the curandStatus_t returned.
 */
#ifndef GVRN_H
#define GVRN_H

#include "gvf.h"

#include <curand.h>

/* Symbols we export are listed in libcurand.map; everything else stays
 * hidden (-fvisibility=hidden). */
#define GVRN_API __attribute__((visibility("default")))

/* Kinds of gvf_obj records: one table for the process, shared with
 * cuBLAS's (gvbl.h, 1..7) and cuDNN's (gvdn.h, 32..37) kinds. */
enum {
    GVRN_K_GEN = 48             /* curandGenerator_t */
};

/* ---- calls (rand_call.c) ------------------------------------------------- */

/* Start a call on the thread's current device (no generator).  On
 * failure returns the error and c needs no gvrn_end(). */
curandStatus_t gvrn_begin(gvf_call_t *c, uint32_t api, size_t args_hint);

/* Start a call about record h of kind: on its GPU, with the worker's
 * value in *remote_p.  CURAND_STATUS_NOT_INITIALIZED for anything that
 * is not a live record of that kind (cuRAND's answer to a bad
 * generator). */
curandStatus_t gvrn_begin_route(gvf_call_t *c, uint32_t api, const void *h,
                                int kind, void **remote_p, size_t args_hint);

/* Another record of the call (NULL passes as NULL; same GPU required):
 * its worker value.  CURAND_STATUS_NOT_INITIALIZED otherwise. */
curandStatus_t gvrn_xlate(gvf_call_t *c, const void *h, int kind,
                          void **remote_p);

/* Give up a started call with err. */
curandStatus_t gvrn_abort(gvf_call_t *c, curandStatus_t err);

/* True when the call reached the worker and returned success. */
int gvrn_ok(const gvf_call_t *c, gvc_status_t st);

/* Finish a call: free it, map st / the remote result to the status. */
curandStatus_t gvrn_end(gvf_call_t *c, gvc_status_t st);

/* A failure found locally: returns err. */
curandStatus_t gvrn_fail(curandStatus_t err);

/* The one mapping of gvc_status_t to curandStatus_t. */
curandStatus_t gvrn_status(gvc_status_t st);

/* A function gvirtus does not remote: log once, and return
 * CURAND_STATUS_ARCH_MISMATCH (cuRAND has no not-supported status; this
 * one reads "GPU does not support requested feature"). */
curandStatus_t gvrn_unsupported(const char *fn);

/* ---- records (rand_local.c) ---------------------------------------------- */

/* After curandCreateGenerator succeeded on c's GPU: *gen_p holds the
 * worker's generator; replace it with a record.  On failure *gen_p
 * becomes NULL and the worker's generator is left to the worker
 * (destroyed when the client leaves). */
curandStatus_t gvrn_wrap(const gvf_call_t *c, void **gen_p);

/* After curandDestroyGenerator succeeded: forget the record. */
curandStatus_t gvrn_forget(const void *gen);

#endif
