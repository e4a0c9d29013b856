/*
 * gvd_gen_cusolver.c - the generated cuSOLVER worker handlers
 * (lib/gen/out/gvd_cusolver_gen.c) compiled here: naming a source in
 * another directory would put its object in the source tree, which
 * breaks read-only trees (distcheck).
 */
#include "gvd_cusolver_gen.c"
