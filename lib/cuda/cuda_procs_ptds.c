/*
 * cuda_procs_ptds.c - cuda_procs.c in the per-thread-default-stream view
 * (what --default-stream per-thread compiles against).
 */
#define CUDA_API_PER_THREAD_DEFAULT_STREAM 1
#define GVCU_PROCS_TABLE gvcu_procs_ptds
#include "cuda_procs.c"
