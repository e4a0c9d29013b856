/*
 * gvdn.h - internals of our libcudnn.so.9 shared by the hand-written
 * files and the generated stubs (lib/gen/out/cudnn_client_gen.c).
 *
 * Every cuDNN handle and descriptor the program holds (legacy tensor,
 * filter, convolution and activation descriptors, backend descriptors)
 * is one of libgvirtus's object records (gvf_obj.h, kinds GVDN_K_*): the
 * remote GPU whose worker made it and the worker's real object.  A stub
 * starts on the GPU of its first record (gvdn_begin_route) and
 * translates the others (gvdn_xlate), which must live on the same GPU.
 * gvdn_end() is the one place a transport status or a remote result
 * becomes the cudnnStatus_t returned.
 *
 * A tensor descriptor's record also keeps its data type (noted by the
 * Set calls), which says how many bytes alpha and beta have: cuDNN reads
 * a double for DOUBLE tensors and a float otherwise, always from host
 * memory.
 */
#ifndef GVDN_H
#define GVDN_H

#include "gvf_libcall.h"

#include <cudnn.h>

/* Symbols we export are listed in libcudnn.map; everything else stays
 * hidden (-fvisibility=hidden). */
#define GVDN_API __attribute__((visibility("default")))

/* Kinds of gvf_obj records: one table for the process, shared with
 * cuBLAS's kinds (gvbl.h, 1..7), so ours start well above them. */
enum {
    GVDN_K_HANDLE = 32,         /* cudnnHandle_t */
    GVDN_K_TENSOR,              /* cudnnTensorDescriptor_t */
    GVDN_K_FILTER,              /* cudnnFilterDescriptor_t */
    GVDN_K_CONV,                /* cudnnConvolutionDescriptor_t */
    GVDN_K_ACT,                 /* cudnnActivationDescriptor_t */
    GVDN_K_BACKEND              /* cudnnBackendDescriptor_t */
};

/* Attributes of records (gvf_obj_t.attr). */
enum { GVDN_A_DTYPE = 0 };      /* tensor: cudnnDataType_t + 1 (0: unset) */

/* ---- calls (cudnn_call.c, lib/gvf_libcall.h) ----------------------------- */

/* The calls gvdn_begin, gvdn_begin_route, gvdn_xlate, gvdn_abort,
 * gvdn_ok, gvdn_end, gvdn_fail, gvdn_status and gvdn_unsupported
 * (gvf_libcall.h says what each does).  A value that is not a live
 * record of the kind asked (or lives on another GPU than the call's) is
 * refused with CUDNN_STATUS_BAD_PARAM (cuDNN answers a NULL handle so). */
extern const gvf_lib_t gvdn_lib;
GVF_LIBCALL(gvdn, cudnnStatus_t, gvdn_lib)
GVF_LIBCALL_RECORDS(gvdn, cudnnStatus_t, gvdn_lib)

/* ---- records (cudnn_core.c) ---------------------------------------------- */

/* gvdn_wrap and gvdn_forget: gvf_lib_wrap and gvf_lib_forget (after a
 * Create succeeded, after a Destroy succeeded or was sent). */
GVF_LIBCALL_WRAP(gvdn, cudnnStatus_t, gvdn_lib)

/* After a tensor descriptor's Set succeeded: note its data type (that
 * of src, for cudnnDeriveBNTensorDescriptor). */
cudnnStatus_t gvdn_note_dtype(cudnnTensorDescriptor_t t, cudnnDataType_t dt);
cudnnStatus_t gvdn_note_dtype_of(cudnnTensorDescriptor_t t,
                                 cudnnTensorDescriptor_t src);

/* Bytes of alpha and beta for tensor t: 8 for a DOUBLE tensor, else 4
 * (also for an unknown t: the call then fails in gvdn_xlate). */
size_t gvdn_scale_size(cudnnTensorDescriptor_t t);

#endif
