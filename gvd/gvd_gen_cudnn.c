/*
 * gvd_gen_cudnn.c - the generated cuDNN worker handlers
 * (lib/gen/out/gvd_cudnn_gen.c) compiled here: naming a source in
 * another directory would put its object in the source tree, which
 * breaks read-only trees (distcheck).
 */
#include "gvd_cudnn_gen.c"
