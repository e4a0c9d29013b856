/*
 * gvx_cuda.h - C versions of the CUDA runtime's make_cuda* helpers
 * (driver_functions.h is internal and drags in internal headers).
 */
#ifndef GVX_CUDA_H
#define GVX_CUDA_H

#include <cuda_runtime_api.h>

static inline struct cudaPitchedPtr gvx_pitched(void *p, size_t pitch,
                                                size_t xsize, size_t ysize)
{
    struct cudaPitchedPtr r = { p, pitch, xsize, ysize };

    return r;
}

static inline struct cudaExtent gvx_extent(size_t w, size_t h, size_t d)
{
    struct cudaExtent r = { w, h, d };

    return r;
}

#endif
