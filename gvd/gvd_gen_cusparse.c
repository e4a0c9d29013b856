/*
 * gvd_gen_cusparse.c - the generated cuSPARSE worker handlers
 * (lib/gen/out/gvd_cusparse_gen.c) compiled here: naming a source in
 * another directory would put its object in the source tree, which
 * breaks read-only trees (distcheck).
 */
#include "gvd_cusparse_gen.c"
