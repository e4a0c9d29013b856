// drv_kernels.cu: kernels the driver-API programs load as PTX, cubin and
// fatbin (Makefile.gpu builds drv_kernels.ptx/.cubin/.fatbin with nvcc).
// extern "C" keeps the names plain for cuModuleGetFunction.
#include "drv_kernels.h"

__device__ float g_data[256];
__device__ int g_counter;

extern "C" __global__ void vadd(const float *a, const float *b, float *c,
                                int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        c[i] = a[i] + b[i];
}

extern "C" __global__ void scale_global(float s)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < 256) {
        g_data[i] *= s;
        atomicAdd(&g_counter, 1);
    }
}

extern "C" __global__ void mixed(Mixed m, long long x, char y, short z,
                                 double *out)
{
    if (blockIdx.x == 0 && threadIdx.x == 0) {
        out[0] = m.c;
        out[1] = m.d;
        out[2] = m.i;
        out[3] = m.f[0] + m.f[1] + m.f[2];
        out[4] = (double)x;
        out[5] = y;
        out[6] = z;
    }
}

extern "C" __global__ void fill_u32(unsigned *p, unsigned v,
                                    unsigned long long n)
{
    for (unsigned long long i = blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (unsigned long long)gridDim.x * blockDim.x)
        p[i] = v + (unsigned)i;
}
