/*
 * gvd_gvx.c - the hand-written RPC formats (lib/gvx.c) compiled here, so
 * the object lands in the build tree (see gvd_gen_cudart.c).
 */
#include "gvx.c"
