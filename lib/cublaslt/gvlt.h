/*
 * gvlt.h - internals of our libcublasLt.so.13 shared by the hand-written
 * files and the generated stubs (lib/gen/out/cublaslt_client_gen.c).
 *
 * Every cuBLASLt handle and descriptor the program holds is one of
 * libgvirtus's object records (gvf_obj.h, kinds GVLT_K_* in gvbl.h): the
 * remote GPU whose worker made it and the worker's real object.  Calls
 * go through cuBLAS's plumbing (gvbl.h, lib/gvf_libcall.h; cuBLAS's
 * descriptor, lib/cublas/cublas_call.c, is compiled into this library
 * too): a stub starts on the GPU of its first record and translates the
 * others, which must live on the same GPU.
 *
 * A matmul or transform descriptor's record also keeps its pointer mode
 * and scale type (noted at creation and by SetAttribute), which say how
 * alpha and beta travel: host values of the scale type's size, or
 * device pointers.
 */
#ifndef GVLT_H
#define GVLT_H

#include "gvbl.h"

/* cublasLt.h declares cublasLtLoggerForceDisable() without a prototype
 * (-Wstrict-prototypes); it has #pragma once, so including it here first
 * covers the generated stubs' include too. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <cublasLt.h>
#pragma GCC diagnostic pop

/* Symbols we export are listed in libcublasLt.map; everything else stays
 * hidden (-fvisibility=hidden). */
#define GVLT_API __attribute__((visibility("default")))

/* Attributes of descriptor records (gvf_obj_t.attr). */
enum {
    GVLT_A_PMODE = 0,           /* cublasLtPointerMode_t */
    GVLT_A_SCALE = 1,           /* cudaDataType of alpha and beta */
    GVLT_A_EMUL = 2,            /* matmul: the emulation descriptor set
                                 * (the program's value, as an integer) */
    GVLT_A_POOL = 3             /* 1: a block of the device's pool
                                 * (cublaslt_pool.c) */
};

/* After a Create succeeded on c's GPU: *obj_p holds the worker's object;
 * replace it with a record of kind.  scale: the descriptor's scale type
 * (matmul, transform), -1 for the others.  On failure *obj_p becomes NULL
 * and the worker's object is left to the worker (destroyed when the
 * client leaves). */
cublasStatus_t gvlt_wrap(const gvf_call_t *c, int kind, void **obj_p,
                         int scale);

/* After a Destroy succeeded: forget the record. */
cublasStatus_t gvlt_forget(const void *obj, int kind);

/* A descriptor record's pointer mode and scale type; for anything that
 * is not one (the call then fails in gvbl_begin_route / gvbl_xlate):
 * host mode, scale type -1. */
int gvlt_pmode(const void *desc, int kind);
int gvlt_scale_type(const void *desc, int kind);

/* The state of a matmul, layout or preference record, for the
 * heuristics cache (cublaslt_heur.c): made (the values it was made
 * with), an attribute set (cacheable 0: never cache with it), gone. */
void gvlt_state_new(const void *rec, const void *args, size_t n);
void gvlt_state_set(const void *rec, int attr, const void *buf, size_t size,
                    int cacheable);
void gvlt_state_drop(const void *rec);

#endif
