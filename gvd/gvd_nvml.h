/*
 * gvd_nvml.h - NVML on the worker: the table of the real
 * libnvidia-ml.so.1 (one pointer per function gvd_nvml_list.h lists,
 * resolved with dlsym by exact name) and its hand-written handlers
 * (gvd_x_nvml.c).  Files that include it define
 * NVML_NO_UNVERSIONED_FUNC_DEFS first, so every export has its own
 * prototype.
 *
 * Threads: the worker's one thread; read-only once resolved.
 */
#ifndef GVD_NVML_H
#define GVD_NVML_H

#ifndef NVML_NO_UNVERSIONED_FUNC_DEFS
#error "define NVML_NO_UNVERSIONED_FUNC_DEFS before any header to include gvd_nvml.h"
#endif

#include "gvd_call.h"

#include <nvml.h>

struct gvd_nvml {
#define GVD_NVML_FN(ret, name, params) ret (*name) params;
#include "gvd_nvml_list.h"
#undef GVD_NVML_FN
};

typedef struct gvd_nvml gvd_nvml_t;

/* The NVML table of the call's worker; never NULL.  Entries are NULL
 * when the GPU host has no libnvidia-ml.so.1 (handlers answer not
 * supported; gvNvmlInit answers NVML_ERROR_LIBRARY_NOT_FOUND). */
const gvd_nvml_t *gvd_nvml(const gvd_call_t *c);

#endif
