/*
 * gvd_call.h - how a worker executes one request: decode, validate, call
 * the real library, reply.  Generated handlers and hand-written special
 * cases both use only this interface.
 *
 * A handler gets a gvd_call_t whose decoder holds the request's encoded
 * arguments.  It decodes them, finishes with gvd_args_end() (which
 * answers the API's invalid-value error itself when the arguments are
 * malformed), validates every handle and device pointer against what
 * this client created (gvd_handle_ok, gvd_mem_ok), calls the real
 * function through the runtime table (gvd_rt), encodes outputs into
 * c->enc and ends with exactly one gvd_reply().  For a one-way request
 * gvd_reply() sends nothing and keeps the first error for the next reply.
 *
 * Threads: the worker is single-threaded; none of this is locked.
 */
#ifndef GVD_CALL_H
#define GVD_CALL_H

#include "gvc_wire.h"
#include "gvt.h"

#include <stddef.h>
#include <stdint.h>

#define GVD_REPLY_INLINE 4096

typedef struct gvd_client gvd_client_t;
typedef struct gvd_rt gvd_rt_t;

typedef struct gvd_call {
    gvd_client_t *cl;
    const gvt_msg_t *msg;      /* the request; valid during the handler */
    gvc_dec_t dec;             /* its arguments */
    gvc_enc_t enc;             /* the reply's arguments */
    const void *rdata;         /* reply bulk data (not copied) */
    size_t rdata_len;
    gvt_memh_t *rmemh;
    int replied;
    uint8_t *heap;             /* owned: reply args beyond rbuf */
    uint8_t rbuf[GVD_REPLY_INLINE];
} gvd_call_t;

typedef void (*gvd_handler_t)(gvd_call_t *c);

/* Library of an API id, for its error codes. */
typedef enum gvd_lib {
    GVD_LIB_CUDART, GVD_LIB_CUDA, GVD_LIB_NVML, GVD_LIB_CUBLAS,
    GVD_LIB_CUBLASLT, GVD_LIB_CUDNN, GVD_LIB_CUFFT, GVD_LIB_CURAND,
    GVD_LIB_CUSPARSE, GVD_LIB_CUSOLVER, GVD_LIB_NVRTC, GVD_LIB_MAX
} gvd_lib_t;

typedef struct gvd_api {
    uint32_t id;
    const char *name;
    gvd_lib_t lib;
    gvd_handler_t handler;
} gvd_api_t;

/* The dispatch table: generated entries plus hand-written ones, sorted by
 * id (lib/gen output + gvd/gvd_dispatch.c). */
const gvd_api_t *gvd_api_find(uint32_t id);

/* ---- arguments and replies --------------------------------------------- */

/* The decoder must be exactly consumed.  If not, reply the library's
 * invalid-value code, log once, and return 1 (the handler returns). */
int gvd_args_end(gvd_call_t *c);

/* Reply with result (the API's return code) and whatever is in c->enc
 * and c->rdata.  One-way requests: keep result as the deferred error if
 * it is the first failure; send nothing. */
void gvd_reply(gvd_call_t *c, int64_t result);

/* The handler will reply later, outside this call (detached calls such
 * as asynchronous device-to-host copies): mark it answered now. */
void gvd_reply_later(gvd_call_t *c);

/* Make room for reply args larger than GVD_REPLY_INLINE. */
int gvd_reply_room(gvd_call_t *c, size_t cap);

/* Reply with bulk data (sent from p without a copy; p must stay valid
 * until gvd_reply returns). */
void gvd_reply_data(gvd_call_t *c, const void *p, size_t len,
                    gvt_memh_t *memh);

/* The library's codes for "invalid value" and "invalid handle". */
int64_t gvd_err_invalid_value(const gvd_call_t *c);
int64_t gvd_err_invalid_handle(const gvd_call_t *c);
int64_t gvd_err_not_supported(const gvd_call_t *c);
int64_t gvd_err_no_memory(const gvd_call_t *c);

/* ---- what this client owns --------------------------------------------- */

typedef enum gvd_htype {
    GVD_H_STREAM, GVD_H_EVENT, GVD_H_GRAPH, GVD_H_GRAPH_EXEC,
    GVD_H_GRAPH_NODE, GVD_H_MODULE, GVD_H_FUNCTION, GVD_H_LIBRARY,
    GVD_H_KERNEL, GVD_H_MEMPOOL, GVD_H_ARRAY, GVD_H_CONTEXT,
    GVD_H_LIBHANDLE, /* cuDNN backend descriptors */
    GVD_H_MIPMAP,    /* CUmipmappedArray */
    GVD_H_MEMHANDLE, /* CUmemGenericAllocationHandle (VMM) */
    GVD_H_TEXREF,    /* CUtexref, CUsurfref */
    GVD_H_NVML_DEVICE, /* nvmlDevice_t */
    GVD_H_TEXOBJ,    /* CUtexObject, CUsurfObject */
    GVD_H_GREENCTX,  /* CUgreenCtx */
    GVD_H_RESDESC,   /* CUdevResourceDesc */
    GVD_H_USEROBJ,   /* cudaUserObject_t, CUuserObject */
    GVD_H_EXTMEM,    /* cudaExternalMemory_t */
    GVD_H_EXTSEM,    /* cudaExternalSemaphore_t */
    GVD_H_CUBLAS,    /* cublasHandle_t */
    GVD_H_CUBLASLT,  /* cublasLtHandle_t */
    GVD_H_LT_MATMUL, /* cublasLtMatmulDesc_t */
    GVD_H_LT_LAYOUT, /* cublasLtMatrixLayout_t */
    GVD_H_LT_PREF,   /* cublasLtMatmulPreference_t */
    GVD_H_LT_TRANSFORM, /* cublasLtMatrixTransformDesc_t */
    GVD_H_LT_EMUL,   /* cublasLtEmulationDesc_t */
    GVD_H_DNN,       /* cudnnHandle_t */
    GVD_H_DNN_TENSOR, /* cudnnTensorDescriptor_t */
    GVD_H_DNN_FILTER, /* cudnnFilterDescriptor_t */
    GVD_H_DNN_CONV,  /* cudnnConvolutionDescriptor_t */
    GVD_H_DNN_ACT,   /* cudnnActivationDescriptor_t */
    GVD_H_CURAND,    /* curandGenerator_t */
    GVD_H_CUSOLVER,  /* cusolverDnHandle_t */
    GVD_H_CUSOLVER_PARAMS, /* cusolverDnParams_t */
    GVD_H_CUSOLVER_GESVDJ, /* gesvdjInfo_t */
    GVD_H_CUSOLVER_SYEVJ,  /* syevjInfo_t */
    GVD_H_FFT,       /* cufftHandle (an int: kept as plan + 1) */
    GVD_H_NVRTC,     /* nvrtcProgram */
    GVD_H_SP,        /* cusparseHandle_t */
    GVD_H_SP_SPMAT,  /* cusparse(Const)SpMatDescr_t */
    GVD_H_SP_SPVEC,  /* cusparse(Const)SpVecDescr_t */
    GVD_H_SP_DNMAT,  /* cusparse(Const)DnMatDescr_t */
    GVD_H_SP_DNVEC,  /* cusparse(Const)DnVecDescr_t */
    GVD_H_SP_SPGEMM, /* cusparseSpGEMMDescr_t */
    GVD_H_SP_SPSV,   /* cusparseSpSVDescr_t */
    GVD_H_SP_SPSM,   /* cusparseSpSMDescr_t */
    GVD_H_SP_MATDESCR, /* cusparseMatDescr_t */
    GVD_H_SP_BSRSV2, /* bsrsv2Info_t */
    GVD_H_SP_BSRSM2, /* bsrsm2Info_t */
    GVD_H_MAX
} gvd_htype_t;

/* Is h a handle of type t that this client created (streams: also the
 * special values 0, cudaStreamLegacy, cudaStreamPerThread; cuBLASLt
 * handles: also cuBLAS handles)? */
int gvd_handle_ok(gvd_client_t *cl, gvd_htype_t t, const void *h);
/* Record / forget a handle.  Add fails only when out of memory. */
int gvd_handle_add(gvd_client_t *cl, gvd_htype_t t, const void *h);
void gvd_handle_del(gvd_client_t *cl, gvd_htype_t t, const void *h);

/* The client left: every object of the kinds in order (in that order)
 * still in its tables, given to destroy and taken out; how many. */
size_t gvd_handles_drain(gvd_client_t *cl, const gvd_htype_t *order,
                         size_t n_order,
                         void (*destroy)(gvd_htype_t t, uintptr_t h));

/* Device memory this client allocated.  gvd_mem_ok: [p, p+len) lies in
 * one allocation (len 0: p inside one).  kind tells how to free it. */
enum { GVD_MEM_DEVICE, GVD_MEM_ASYNC, GVD_MEM_DRIVER, GVD_MEM_SYMBOL,
       GVD_MEM_VMM };
int gvd_mem_ok(gvd_client_t *cl, const void *p, size_t len);
int gvd_mem_add(gvd_client_t *cl, void *p, size_t len, int kind);
/* Forget the allocation starting exactly at p; returns its size, or 0
 * when p is not the start of one. */
size_t gvd_mem_del(gvd_client_t *cl, void *p);

/* The real (or simulated) runtime's function table. */
const gvd_rt_t *gvd_rt(const gvd_call_t *c);

#endif
