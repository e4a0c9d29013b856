/*
 * gvsp.h - internals of our libcusparse.so.12 shared by the hand-written
 * files and the generated stubs (lib/gen/out/cusparse_client_gen.c).
 *
 * Every cuSPARSE object the program holds (the handle, the generic API's
 * sparse and dense matrix and vector descriptors, SpGEMM, SpSV and SpSM
 * descriptors, legacy matrix descriptors, bsrsv2 and bsrsm2 infos) is
 * one of libgvirtus's object records (gvf_obj.h, kinds GVSP_K_*): the
 * remote GPU whose worker made it and the worker's real object.  A stub
 * starts on the GPU of its first record (gvsp_begin_route) and
 * translates the others (gvsp_xlate), which must live on the same GPU.
 * gvsp_end() is the one place a transport status or a remote result
 * becomes the cusparseStatus_t returned.
 *
 * A handle's record keeps its pointer mode (how alpha, beta and results
 * travel); a legacy matrix descriptor's keeps what was set on it (type,
 * fill mode, diagonal type, index base), so its Get calls answer here.
 */
#ifndef GVSP_H
#define GVSP_H

#include "gvf_libcall.h"

/* The legacy API's types are deprecated; we remote them all the same. */
#ifndef DISABLE_CUSPARSE_DEPRECATED
#define DISABLE_CUSPARSE_DEPRECATED 1
#endif
#include <cusparse.h>

/* Symbols we export are listed in libcusparse.map; everything else
 * stays hidden (-fvisibility=hidden). */
#define GVSP_API __attribute__((visibility("default")))

/* Kinds of gvf_obj records: one table for the process, shared with the
 * other libraries' kinds (cuBLAS from 1, cuDNN from 32, cuRAND 48, NVRTC
 * 56, cuFFT 64, cuSOLVER from 96): ours are 80 to 90. */
enum {
    GVSP_K_HANDLE = 80,         /* cusparseHandle_t */
    GVSP_K_SPMAT,               /* cusparse(Const)SpMatDescr_t */
    GVSP_K_SPVEC,               /* cusparse(Const)SpVecDescr_t */
    GVSP_K_DNMAT,               /* cusparse(Const)DnMatDescr_t */
    GVSP_K_DNVEC,               /* cusparse(Const)DnVecDescr_t */
    GVSP_K_SPGEMM,              /* cusparseSpGEMMDescr_t */
    GVSP_K_SPSV,                /* cusparseSpSVDescr_t */
    GVSP_K_SPSM,                /* cusparseSpSMDescr_t */
    GVSP_K_MATDESCR,            /* cusparseMatDescr_t */
    GVSP_K_BSRSV2,              /* bsrsv2Info_t */
    GVSP_K_BSRSM2               /* bsrsm2Info_t */
};

/* Attributes of records (gvf_obj_t.attr).  A handle: its pointer mode.
 * A matrix descriptor: what its Set calls set (0 is cuSPARSE's default
 * of each: general, lower, non-unit, base zero). */
enum { GVSP_A_PMODE = 0 };
enum { GVSP_A_TYPE = 0, GVSP_A_FILL, GVSP_A_DIAG, GVSP_A_BASE };

/* ---- calls (cusparse_call.c, lib/gvf_libcall.h) -------------------------- */

/* The calls gvsp_begin, gvsp_begin_route, gvsp_xlate, gvsp_abort,
 * gvsp_ok, gvsp_end, gvsp_fail, gvsp_status and gvsp_unsupported
 * (gvf_libcall.h says what each does).  A value that is not a live
 * record of the kind asked (or lives on another GPU than the call's) is
 * refused: CUSPARSE_STATUS_NOT_INITIALIZED for the handle a call starts
 * on (as cuSPARSE answers a NULL one), CUSPARSE_STATUS_INVALID_VALUE
 * otherwise. */
extern const gvf_lib_t gvsp_lib;
GVF_LIBCALL(gvsp, cusparseStatus_t, gvsp_lib)
GVF_LIBCALL_RECORDS(gvsp, cusparseStatus_t, gvsp_lib)

/* ---- records (cusparse_core.c) ------------------------------------------- */

/* gvsp_wrap and gvsp_forget: gvf_lib_wrap and gvf_lib_forget (after a
 * Create succeeded, after a Destroy succeeded or was sent). */
GVF_LIBCALL_WRAP(gvsp, cusparseStatus_t, gvsp_lib)

/* 1 when handle h takes device pointers for scalars, else 0 (also for
 * an unknown h: the call then fails in gvsp_begin_route). */
int gvsp_pmode(cusparseHandle_t h);

/* After cusparseSetPointerMode succeeded: note the mode. */
cusparseStatus_t gvsp_note_pmode(cusparseHandle_t h,
                                 cusparsePointerMode_t m);

/* After a matrix descriptor's Set call was sent: note attribute i
 * (GVSP_A_TYPE ...) as v. */
cusparseStatus_t gvsp_note_mat(cusparseMatDescr_t d, int i, int v);

#endif
