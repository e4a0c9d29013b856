/*
 * gvd_rt.h (compile test only) - the runtime function table as gvd
 * defines it (gvd/gvd_rt.h), reduced to what the generated worker file
 * needs.  lib/gen/test/compile.sh puts this directory first on the
 * include path.
 */
#ifndef GVD_RT_H
#define GVD_RT_H

#include <cuda_runtime_api.h>

struct gvd_rt {
#define GVD_RT_FN(ret, name, params) ret (CUDARTAPI *name) params;
#include "gvd_rt_list.h"
#undef GVD_RT_FN
};

#endif
