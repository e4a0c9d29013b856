/*
 * cuda_procs.c - which export a base name means today (cuGetProcAddress):
 * cuda.h's macros, expanded in the default view (this file) and in the
 * per-thread-default-stream view (cuda_procs_ptds.c).  Neither defines
 * __CUDA_API_VERSION_INTERNAL: these are the names programs call.
 */
#include "config.h"

#ifndef GVCU_PROCS_TABLE
#define GVCU_PROCS_TABLE gvcu_procs
#endif

#include "gvcu_procs.h"

#include <cuda.h>

#define GVCU_STR(x) #x
#define GVCU_XSTR(x) GVCU_STR(x)
#define P(x) { #x, GVCU_XSTR(x) },

const gvcu_proc_t GVCU_PROCS_TABLE[] = {
#include "cuda_procs.inc"
    { NULL, NULL }
};
