/*
 * gvd_gen_nvrtc.c - the generated NVRTC worker handlers
 * (lib/gen/out/gvd_nvrtc_gen.c) compiled here: naming a source in
 * another directory would put its object in the source tree, which
 * breaks read-only trees (distcheck).
 */
#include "gvd_nvrtc_gen.c"
