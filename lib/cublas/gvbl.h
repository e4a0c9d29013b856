/*
 * gvbl.h - internals of our libcublas.so.13 shared by the hand-written
 * files and the generated stubs (lib/gen/out/cublas_client_gen.c and
 * cublas_legacy_client_gen.c).
 *
 * A cublasHandle_t the program holds is one of libgvirtus's object
 * records (gvf_obj.h, kind GVBL_K_HANDLE): the remote GPU it was made on
 * and the worker's real handle.  A stub starts its call with
 * gvbl_begin_route(), which finds the record (refusing anything else),
 * picks that GPU and gives the worker's value to send; the record also
 * keeps the handle's pointer mode, so alpha/beta/results go as host
 * values or device pointers as cuBLAS would read them.  gvbl_end() is
 * the one place a transport status or a remote result becomes the
 * cublasStatus_t returned (lib/gvf_libcall.h, with cuBLAS's descriptor).
 *
 * The descriptor (cublas_call.c) is compiled into libcublasLt.so.13
 * too, whose records (handles, descriptors) are kinds of their own in
 * the same table (gvlt.h, lib/cublaslt).
 *
 * Only cublas_api.h is included here: the generated legacy stubs include
 * cublas.h, everything else cublas_v2.h, and the two exclude each other.
 */
#ifndef GVBL_H
#define GVBL_H

#include "gvf_libcall.h"

#include <cublas_api.h>

/* Symbols we export are listed in libcublas.map; everything else stays
 * hidden (-fvisibility=hidden). */
#define GVBL_API __attribute__((visibility("default")))

/* Kinds of gvf_obj records: libgvirtus keeps one table for the process,
 * so cuBLAS's and cuBLASLt's kinds differ (a layout passed as a matmul
 * descriptor, or a cublasHandle_t as a cublasLtHandle_t, is refused). */
enum {
    GVBL_K_HANDLE = 1,          /* cublasHandle_t */
    GVLT_K_HANDLE,              /* cublasLtHandle_t */
    GVLT_K_MATMUL,              /* cublasLtMatmulDesc_t */
    GVLT_K_LAYOUT,              /* cublasLtMatrixLayout_t */
    GVLT_K_PREF,                /* cublasLtMatmulPreference_t */
    GVLT_K_TRANSFORM,           /* cublasLtMatrixTransformDesc_t */
    GVLT_K_EMUL                 /* cublasLtEmulationDesc_t */
};

/* Attributes of a handle record. */
enum { GVBL_A_PMODE = 0 };      /* cublasPointerMode_t */

/* ---- calls (cublas_call.c, lib/gvf_libcall.h) ---------------------------- */

/* The calls gvbl_begin, gvbl_begin_route, gvbl_xlate, gvbl_abort,
 * gvbl_ok, gvbl_end, gvbl_fail, gvbl_status and gvbl_unsupported
 * (gvf_libcall.h says what each does), cuBLASLt's too.
 * gvbl_begin_route refuses anything that is not a live record of the
 * kind asked with CUBLAS_STATUS_NOT_INITIALIZED (as cuBLAS answers a
 * NULL handle), gvbl_xlate with CUBLAS_STATUS_INVALID_VALUE (also a
 * record on another GPU than the call's).  A cuBLAS handle serves as a
 * cuBLASLt one (GVLT_K_HANDLE), as with NVIDIA's libraries. */
extern const gvf_lib_t gvbl_lib;
GVF_LIBCALL(gvbl, cublasStatus_t, gvbl_lib)
GVF_LIBCALL_RECORDS(gvbl, cublasStatus_t, gvbl_lib)

/* The same for functions returning no status (the legacy API): log
 * once, leave CUBLAS_STATUS_NOT_SUPPORTED for cublasGetError. */
void gvbl_unsupported_other(const char *fn);

/* NVIDIA's name and text of a status. */
const char *gvbl_status_name(cublasStatus_t status);
const char *gvbl_status_text(cublasStatus_t status);

/* The legacy API's error, cleared (cublasGetError; cublas_core.c). */
cublasStatus_t gvbl_legacy_take_error(void);

/* ---- handles (cublas_core.c) -------------------------------------------- */

/* After cublasCreate_v2 succeeded on c's GPU: *h_p holds the worker's
 * handle; replace it with a record (gvf_lib_wrap; a NULL h_p, which the
 * worker's cuBLAS refuses first, is CUBLAS_STATUS_INVALID_VALUE, never
 * written through).  On failure the worker's handle is left to the
 * worker (freed when the client leaves). */
cublasStatus_t gvbl_handle_wrap(const gvf_call_t *c, cublasHandle_t *h_p);

/* After cublasDestroy_v2: forget the record. */
cublasStatus_t gvbl_handle_forget(cublasHandle_t h);

/* 1 when h takes device pointers for scalars, 0 host values (also for
 * an unknown h: the call then fails in gvbl_begin_route). */
int gvbl_pmode(cublasHandle_t h);

/* After cublasSetPointerMode_v2 succeeded. */
cublasStatus_t gvbl_note_pmode(cublasHandle_t h, cublasPointerMode_t m);

#endif
