/*
 * gvd_gen_cufft.c - the generated cuFFT worker handlers
 * (lib/gen/out/gvd_cufft_gen.c) compiled here: naming a source in
 * another directory would put its object in the source tree, which
 * breaks read-only trees (distcheck).
 */
#include "gvd_cufft_gen.c"
