/*
 * gvd_gen_cublaslt.c - the generated cuBLASLt worker handlers
 * (lib/gen/out/gvd_cublaslt_gen.c) compiled here: naming a source in
 * another directory would put its object in the source tree, which
 * breaks read-only trees (distcheck).
 */
#include "gvd_cublaslt_gen.c"
