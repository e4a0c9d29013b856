/*
 * gvnv.h - internals of our libnvidia-ml.so.1 shared by nvml_core.c and
 * the generated stubs (lib/gen/out/nvml_client_gen.c).
 *
 * The devices are the client's remote GPUs, 0..N-1.  An nvmlDevice_t we
 * hand out points to one of our records (the GPU's ordinal and the
 * worker's own handle for it); gvnv_begin_route starts a call on that
 * GPU and gives the worker's handle to send.  Files of this library
 * define NVML_NO_UNVERSIONED_FUNC_DEFS before any header, so every
 * export (nvmlInit and nvmlInit_v2, ...) has its own prototype.
 */
#ifndef GVNV_H
#define GVNV_H

#ifndef NVML_NO_UNVERSIONED_FUNC_DEFS
#error "define NVML_NO_UNVERSIONED_FUNC_DEFS before any header"
#endif

#include "gvf.h"

#include <nvml.h>

#define GVNV_API __attribute__((visibility("default")))

/* Calls without a device: the first GPU's worker answers. */
nvmlReturn_t gvnv_begin(gvf_call_t *c, uint32_t api, size_t args_hint);
nvmlReturn_t gvnv_begin_dev(gvf_call_t *c, uint32_t api, int dev,
                            size_t args_hint);
/* A call about device (one of our handles): *remote_p is the worker's. */
nvmlReturn_t gvnv_begin_route(gvf_call_t *c, uint32_t api,
                              nvmlDevice_t device, void **remote_p,
                              size_t args_hint);
int gvnv_ok(const gvf_call_t *c, gvc_status_t st);
nvmlReturn_t gvnv_end(gvf_call_t *c, gvc_status_t st);
nvmlReturn_t gvnv_fail(nvmlReturn_t err);
nvmlReturn_t gvnv_unsupported(const char *fn);

#endif
