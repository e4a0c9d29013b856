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

#include "gvf_libcall.h"

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

/* ---- calls (cusolver_call.c, lib/gvf_libcall.h) -------------------------- */

/* The calls gvso_begin, gvso_begin_route, gvso_xlate, gvso_abort,
 * gvso_ok, gvso_end, gvso_fail, gvso_status and gvso_unsupported
 * (gvf_libcall.h says what each does).  A value that is not a live
 * record of the kind asked (or lives on another GPU than the call's) is
 * refused: CUSOLVER_STATUS_NOT_INITIALIZED for the handle a call starts
 * on (cuSOLVER answers a NULL handle so), CUSOLVER_STATUS_INVALID_VALUE
 * otherwise. */
extern const gvf_lib_t gvso_lib;
GVF_LIBCALL(gvso, cusolverStatus_t, gvso_lib)
GVF_LIBCALL_RECORDS(gvso, cusolverStatus_t, gvso_lib)

/* ---- records (gvf_libcall.c) --------------------------------------------- */

/* gvso_wrap and gvso_forget: gvf_lib_wrap and gvf_lib_forget (after a
 * Create succeeded, after a Destroy succeeded or was sent). */
GVF_LIBCALL_WRAP(gvso, cusolverStatus_t, gvso_lib)

#endif
