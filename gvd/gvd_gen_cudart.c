/*
 * gvd_gen_cudart.c - the generated worker handlers (lib/gen/out/gvd_cudart_gen.c)
 * compiled here: naming a source in another directory would put its
 * object in the source tree, which breaks read-only trees (distcheck).
 */
#include "gvd_cudart_gen.c"
