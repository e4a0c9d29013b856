/*
 * gvfft.h - internals of our libcufft.so.12 shared by the hand-written
 * files and the generated stubs (lib/gen/out/cufft_client_gen.c).
 *
 * A cuFFT plan (cufftHandle) is an int.  The program holds a number of
 * ours (1, 2, ...; a destroyed plan's number is handed out again, as
 * cuFFT's own are) that names one of libgvirtus's object records
 * (gvf_obj.h, kind GVFFT_K_PLAN): the remote GPU whose worker made the
 * plan and the worker's own plan number (what travels).  A stub starts
 * on the plan's GPU (gvfft_begin_route); calls without a plan (plan
 * creation, estimates) start on the thread's current GPU.  gvfft_end()
 * is the one place a transport status or a remote result becomes the
 * cufftResult returned.
 *
 * Threads: the plan numbers are one table under a mutex (cufft_core.c).
 */
#ifndef GVFFT_H
#define GVFFT_H

#include "gvf_libcall.h"

#include <cufft.h>
#include <cufftXt.h>

/* Symbols we export are listed in libcufft.map; everything else stays
 * hidden (-fvisibility=hidden). */
#define GVFFT_API __attribute__((visibility("default")))

/* Kind of gvf_obj records: one table for the process, shared with the
 * other libraries' kinds (cuBLAS 1.., cuDNN 32..). */
enum { GVFFT_K_PLAN = 64 };

/* ---- calls (cufft_call.c, lib/gvf_libcall.h) ----------------------------- */

/* The calls gvfft_begin, gvfft_abort, gvfft_ok, gvfft_end, gvfft_fail,
 * gvfft_status and gvfft_unsupported (gvf_libcall.h says what each
 * does).  A plan is a number, not a record: it has its own start. */
extern const gvf_lib_t gvfft_lib;
GVF_LIBCALL(gvfft, cufftResult, gvfft_lib)

/* Start a call about plan: on its GPU, with the worker's plan in
 * *remote_p.  CUFFT_INVALID_PLAN for a number that is not a live plan
 * of ours. */
cufftResult gvfft_begin_route(gvf_call_t *c, uint32_t api,
                              cufftHandle plan, void **remote_p,
                              size_t args_hint);

/* ---- plans (cufft_core.c) ----------------------------------------------- */

/* After a plan was made on c's GPU: *plan_p holds the worker's plan;
 * replace it with a number of ours.  On failure (no memory) *plan_p
 * becomes CUFFT_PLAN_NULL and the worker's plan is left to the worker
 * (destroyed when the client leaves). */
cufftResult gvfft_wrap(const gvf_call_t *c, cufftHandle *plan_p);

/* The record of plan: its GPU and the worker's plan (*remote_p, the
 * worker's int as a pointer-sized value).  CUFFT_INVALID_PLAN when plan
 * is not a live plan of ours. */
cufftResult gvfft_lookup(cufftHandle plan, gvf_dev_t **dev_p,
                         void **remote_p);

/* After cufftDestroy succeeded: forget plan's number and record. */
cufftResult gvfft_forget(cufftHandle plan);

#endif
