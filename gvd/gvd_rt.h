/*
 * gvd_rt.h - the tables of real library functions a worker calls.
 *
 * gvd_rt_t: the CUDA runtime (or the simulated one), one pointer per
 * function listed by the generator in gvd_rt_list.h, resolved with dlsym.
 * gvd_drv_t: the few driver functions the kernel path needs, resolved
 * through cudaGetDriverEntryPointByVersion (absent on the simulator).
 * A NULL entry means the loaded library lacks the function: handlers
 * answer not-supported.
 */
#ifndef GVD_RT_H
#define GVD_RT_H

#include <cuda.h>
#include <cuda_runtime_api.h>


struct gvd_rt {
#define GVD_RT_FN(ret, name, params) ret (CUDARTAPI *name) params;
#include "gvd_rt_list.h"
#undef GVD_RT_FN
};

typedef struct gvd_rt gvd_rt_t;

#define GVD_DRV_LIST(X)                                                       \
    X(cuModuleLoadData, (CUmodule *, const void *))                           \
    X(cuModuleUnload, (CUmodule))                                             \
    X(cuModuleGetFunction, (CUfunction *, CUmodule, const char *))            \
    X(cuModuleGetGlobal, (CUdeviceptr *, size_t *, CUmodule, const char *))   \
    X(cuFuncGetParamInfo, (CUfunction, size_t, size_t *, size_t *))           \
    X(cuFuncGetAttribute, (int *, CUfunction_attribute, CUfunction))          \
    X(cuFuncSetAttribute, (CUfunction, CUfunction_attribute, int))            \
    X(cuFuncSetCacheConfig, (CUfunction, CUfunc_cache))                       \
    X(cuFuncSetSharedMemConfig, (CUfunction, CUsharedconfig))                 \
    X(cuLaunchKernel, (CUfunction, unsigned, unsigned, unsigned, unsigned,    \
                       unsigned, unsigned, unsigned, CUstream, void **,       \
                       void **))                                              \
    X(cuLaunchKernelEx, (const CUlaunchConfig *, CUfunction, void **,         \
                         void **))                                            \
    X(cuLaunchCooperativeKernel, (CUfunction, unsigned, unsigned, unsigned,   \
                                  unsigned, unsigned, unsigned, unsigned,     \
                                  CUstream, void **))                         \
    X(cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags,                   \
      (int *, CUfunction, int, size_t, unsigned))                             \
    X(cuOccupancyAvailableDynamicSMemPerBlock,                                \
      (size_t *, CUfunction, int, int))                                       \
    X(cuOccupancyMaxActiveClusters, (int *, CUfunction, const CUlaunchConfig *))\
    X(cuOccupancyMaxPotentialClusterSize,                                     \
      (int *, CUfunction, const CUlaunchConfig *))                            \
    X(cuCtxGetCurrent, (CUcontext *))                                         \
    X(cuGraphAddKernelNode, (CUgraphNode *, CUgraph, const CUgraphNode *,     \
                             size_t, const CUDA_KERNEL_NODE_PARAMS *))        \
    X(cuGraphAddNode, (CUgraphNode *, CUgraph, const CUgraphNode *,           \
                       const CUgraphEdgeData *, size_t, CUgraphNodeParams *)) \
    X(cuGraphKernelNodeSetParams, (CUgraphNode,                               \
                                   const CUDA_KERNEL_NODE_PARAMS *))          \
    X(cuGraphExecKernelNodeSetParams, (CUgraphExec, CUgraphNode,              \
                                       const CUDA_KERNEL_NODE_PARAMS *))      \
    X(cuGraphKernelNodeGetParams, (CUgraphNode, CUDA_KERNEL_NODE_PARAMS *))

typedef struct gvd_drv {
#define GVD_DRV_FIELD(name, params) CUresult (CUDAAPI *name) params;
    GVD_DRV_LIST(GVD_DRV_FIELD)
#undef GVD_DRV_FIELD
} gvd_drv_t;

#endif
