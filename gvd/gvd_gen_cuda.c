/*
 * gvd_gen_cuda.c - the generated worker handlers (lib/gen/out/gvd_cuda_gen.c)
 * compiled here: naming a source in another directory would put its
 * object in the source tree, which breaks read-only trees (distcheck).
 */
#include "gvd_cuda_gen.c"
