/*
 * gvd_dnn.h - cuDNN on the worker: the table of the real libcudnn.so.9
 * (one pointer per function gvd_cudnn_list.h lists, resolved with dlsym
 * by exact name when a call first needs it, through gvd_blas_open), and
 * the hand-written parts (gvd_x_dnn.c).
 *
 * The library is opened lazily: a client that never calls cuDNN never
 * loads it.  Without it (a host without cuDNN, or the simulated device,
 * which answers a few functions) every missing entry is NULL and its
 * handler answers CUDNN_STATUS_NOT_SUPPORTED.
 *
 * Threads: the worker's one thread; read-only once resolved.
 */
#ifndef GVD_DNN_H
#define GVD_DNN_H

#include "gvd_call.h"

#include <cudnn.h>

struct gvd_cudnn {
#define GVD_CUDNN_FN(ret, name, params) ret (CUDNNWINAPI *name) params;
#include "gvd_cudnn_list.h"
#undef GVD_CUDNN_FN
};

typedef struct gvd_cudnn gvd_cudnn_t;

/* The cuDNN table of the call's worker; never NULL. */
const gvd_cudnn_t *gvd_cudnn(const gvd_call_t *c);

#endif
