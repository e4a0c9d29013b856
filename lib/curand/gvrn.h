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

#include "gvf_libcall.h"

#include <curand.h>

/* Symbols we export are listed in libcurand.map; everything else stays
 * hidden (-fvisibility=hidden). */
#define GVRN_API __attribute__((visibility("default")))

/* Kinds of gvf_obj records: one table for the process, shared with
 * cuBLAS's (gvbl.h, 1..7) and cuDNN's (gvdn.h, 32..37) kinds. */
enum {
    GVRN_K_GEN = 48             /* curandGenerator_t */
};

/* ---- calls (rand_call.c, lib/gvf_libcall.h) ------------------------------ */

/* The calls gvrn_begin, gvrn_begin_route, gvrn_xlate, gvrn_abort,
 * gvrn_ok, gvrn_end, gvrn_fail, gvrn_status and gvrn_unsupported
 * (gvf_libcall.h says what each does).  A value that is not a live
 * record of the kind asked (or lives on another GPU than the call's) is
 * refused with CURAND_STATUS_NOT_INITIALIZED (cuRAND's answer to a bad
 * generator).  cuRAND has no not-supported status: gvrn_unsupported
 * returns CURAND_STATUS_ARCH_MISMATCH ("GPU does not support requested
 * feature"). */
extern const gvf_lib_t gvrn_lib;
GVF_LIBCALL(gvrn, curandStatus_t, gvrn_lib)
GVF_LIBCALL_RECORDS(gvrn, curandStatus_t, gvrn_lib)

/* ---- records (rand_local.c) ---------------------------------------------- */

/* After curandCreateGenerator succeeded on c's GPU: *gen_p holds the
 * worker's generator; replace it with a record.  On failure *gen_p
 * becomes NULL and the worker's generator is left to the worker
 * (destroyed when the client leaves). */
curandStatus_t gvrn_wrap(const gvf_call_t *c, void **gen_p);

/* After curandDestroyGenerator succeeded: forget the record. */
curandStatus_t gvrn_forget(const void *gen);

#endif
