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

#include "gvf_libcall.h"

#include <nvrtc.h>

/* Symbols we export are listed in libnvrtc.map; everything else stays
 * hidden (-fvisibility=hidden). */
#define GVNR_API __attribute__((visibility("default")))

/* Kinds of gvf_obj records: one table for the process, shared with
 * cuBLAS's (1..7), cuDNN's (32..37) and cuRAND's (48). */
enum {
    GVNR_K_PROG = 56            /* nvrtcProgram */
};

/* ---- calls (nvrtc_call.c, lib/gvf_libcall.h) ----------------------------- */

/* The calls gvnr_begin, gvnr_begin_route, gvnr_xlate, gvnr_abort,
 * gvnr_ok, gvnr_end, gvnr_fail, gvnr_status and gvnr_unsupported
 * (gvf_libcall.h says what each does).  A value that is not a live
 * program (or lives on another GPU than the call's) is refused with
 * NVRTC_ERROR_INVALID_PROGRAM.  NVRTC has no not-supported status and
 * one status for what is none of the caller's doing: not supported, no
 * server and a lost GPU host are all NVRTC_ERROR_INTERNAL_ERROR. */
extern const gvf_lib_t gvnr_lib;
GVF_LIBCALL(gvnr, nvrtcResult, gvnr_lib)
GVF_LIBCALL_RECORDS(gvnr, nvrtcResult, gvnr_lib)

#endif
