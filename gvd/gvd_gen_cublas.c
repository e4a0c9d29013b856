/*
 * gvd_gen_cublas.c - the generated cuBLAS worker handlers
 * (lib/gen/out/gvd_cublas_gen.c) compiled here: naming a source in
 * another directory would put its object in the source tree, which
 * breaks read-only trees (distcheck).
 */
#include "gvd_cublas_gen.c"
