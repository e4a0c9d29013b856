/*
 * gvd_gen_curand.c - the generated cuRAND worker handlers
 * (lib/gen/out/gvd_curand_gen.c) compiled here: naming a source in
 * another directory would put its object in the source tree, which
 * breaks read-only trees (distcheck).
 */
#include "gvd_curand_gen.c"
