/*
 * cudart_library.c - library loading (cudaLibrary*) and launches of
 * the kernels libraries give out.
 *
 * A cudaLibrary_t is the driver's CUlibrary and a cudaKernel_t its
 * CUkernel, so these are the driver API's calls: our libcuda.so.1 (found
 * next to us, as cudaGetDriverEntryPoint finds it) ships the image once
 * through the worker's module path, records library globals as device
 * memory, and keeps the kernels' layouts for launches.  Driver results
 * become runtime errors by value: the codes these calls return are the
 * same numbers in both enums (invalid value 1, out of memory 2, invalid
 * image 200, file not found 301, invalid handle 400, not found 500).
 */
#include "config.h"

#include "gvrt.h"
#include "gvc_log.h"

#include <cuda.h>
#include <dlfcn.h>
#include <pthread.h>
#include <string.h>

_Static_assert(sizeof(cudaLaunchAttribute) == sizeof(CUlaunchAttribute),
               "runtime and driver launch attributes differ");

static pthread_once_t once = PTHREAD_ONCE_INIT;
static void *drv;

static void drv_open(void)
{
    drv = dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL);
    if (drv != NULL && dlsym(drv, "gvf_init") == NULL) {
        gvc_warn("the libcuda.so.1 found is not gvirtus's: cudaLibrary* "
                 "and library kernels are not supported");
        dlclose(drv);
        drv = NULL;
    } else if (drv == NULL) {
        gvc_warn("gvirtus's libcuda.so.1 not found (%s): cudaLibrary* and "
                 "library kernels are not supported", dlerror());
    }
    if (drv != NULL) {
        /* The runtime initialises the driver implicitly; so do we. */
        CUresult (*init)(unsigned int) =
            (CUresult(*)(unsigned int))dlsym(drv, "cuInit");
        if (init != NULL) {
            init(0);
        }
    }
}

/* A function of our libcuda.so.1, or NULL. */
static void *driver_fn(const char *name)
{
    pthread_once(&once, drv_open);
    return drv != NULL ? dlsym(drv, name) : NULL;
}

/* The driver's answer as the runtime's, recorded as the last error. */
static cudaError_t result(CUresult r)
{
    return r == CUDA_SUCCESS ? cudaSuccess : gvrt_fail((cudaError_t)r);
}

#define DRIVER(type, name, fn)                                                \
    type fn = (type)driver_fn(name);                                          \
    if (fn == NULL) {                                                         \
        return gvrt_unsupported(name " (gvirtus's libcuda.so.1 needed)");     \
    }

typedef CUresult (*load_data_t)(CUlibrary *, const void *, CUjit_option *,
                                void **, unsigned, CUlibraryOption *,
                                void **, unsigned);
typedef CUresult (*load_file_t)(CUlibrary *, const char *, CUjit_option *,
                                void **, unsigned, CUlibraryOption *,
                                void **, unsigned);
typedef CUresult (*unload_t)(CUlibrary);
typedef CUresult (*get_kernel_t)(CUkernel *, CUlibrary, const char *);
typedef CUresult (*get_global_t)(CUdeviceptr *, size_t *, CUlibrary,
                                 const char *);
typedef CUresult (*count_t)(unsigned int *, CUlibrary);
typedef CUresult (*enumerate_t)(CUkernel *, unsigned int, CUlibrary);

GVRT_API cudaError_t CUDARTAPI cudaLibraryLoadData(
    cudaLibrary_t *library, const void *code, enum cudaJitOption *jitOptions,
    void **jitOptionsValues, unsigned int numJitOptions,
    enum cudaLibraryOption *libraryOptions, void **libraryOptionValues,
    unsigned int numLibraryOptions)
{
    DRIVER(load_data_t, "cuLibraryLoadData", fn);
    return result(fn((CUlibrary *)library, code, (CUjit_option *)jitOptions,
                     jitOptionsValues, numJitOptions,
                     (CUlibraryOption *)libraryOptions, libraryOptionValues,
                     numLibraryOptions));
}

GVRT_API cudaError_t CUDARTAPI cudaLibraryLoadFromFile(
    cudaLibrary_t *library, const char *fileName,
    enum cudaJitOption *jitOptions, void **jitOptionsValues,
    unsigned int numJitOptions, enum cudaLibraryOption *libraryOptions,
    void **libraryOptionValues, unsigned int numLibraryOptions)
{
    DRIVER(load_file_t, "cuLibraryLoadFromFile", fn);
    return result(fn((CUlibrary *)library, fileName,
                     (CUjit_option *)jitOptions, jitOptionsValues,
                     numJitOptions, (CUlibraryOption *)libraryOptions,
                     libraryOptionValues, numLibraryOptions));
}

GVRT_API cudaError_t CUDARTAPI cudaLibraryUnload(cudaLibrary_t library)
{
    DRIVER(unload_t, "cuLibraryUnload", fn);
    return result(fn((CUlibrary)library));
}

GVRT_API cudaError_t CUDARTAPI cudaLibraryGetKernel(cudaKernel_t *pKernel,
                                                    cudaLibrary_t library,
                                                    const char *name)
{
    DRIVER(get_kernel_t, "cuLibraryGetKernel", fn);
    return result(fn((CUkernel *)pKernel, (CUlibrary)library, name));
}

GVRT_API cudaError_t CUDARTAPI cudaLibraryGetGlobal(void **dptr,
                                                    size_t *bytes,
                                                    cudaLibrary_t library,
                                                    const char *name)
{
    CUdeviceptr p = 0;
    CUresult r;
    DRIVER(get_global_t, "cuLibraryGetGlobal", fn);

    r = fn(dptr != NULL ? &p : NULL, bytes, (CUlibrary)library, name);
    if (r == CUDA_SUCCESS && dptr != NULL) {
        *dptr = (void *)(uintptr_t)p;
    }
    return result(r);
}

GVRT_API cudaError_t CUDARTAPI cudaLibraryGetKernelCount(unsigned int *count,
                                                         cudaLibrary_t lib)
{
    DRIVER(count_t, "cuLibraryGetKernelCount", fn);
    return result(fn(count, (CUlibrary)lib));
}

GVRT_API cudaError_t CUDARTAPI cudaLibraryEnumerateKernels(
    cudaKernel_t *kernels, unsigned int numKernels, cudaLibrary_t lib)
{
    DRIVER(enumerate_t, "cuLibraryEnumerateKernels", fn);
    return result(fn((CUkernel *)kernels, numKernels, (CUlibrary)lib));
}

/* ---- launches of library kernels ------------------------------------------------- */

typedef CUresult (*launch_ex_t)(const CUlaunchConfig *, CUfunction, void **,
                                void **);

/*
 * A kernel the program did not register with nvcc's hooks: a
 * cudaKernel_t from a library (or a cudaFunction_t), launched through
 * the driver API (cudart_kernel.c hands them over).  The current
 * device's primary context is the driver's current one for a thread
 * that never made one current, as after runtime calls.
 */
cudaError_t gvrt_launch_driver(const void *func, dim3 g, dim3 b, void **args,
                               size_t shmem, cudaStream_t s,
                               const cudaLaunchAttribute *attrs,
                               unsigned n_attrs, int per_thread)
{
    CUlaunchConfig cfg;
    CUresult r;
    launch_ex_t fn = (launch_ex_t)driver_fn(per_thread
                                                ? "cuLaunchKernelEx_ptsz"
                                                : "cuLaunchKernelEx");

    if (fn == NULL) {
        return gvrt_fail(cudaErrorInvalidDeviceFunction);
    }
    memset(&cfg, 0, sizeof(cfg));
    cfg.gridDimX = g.x;
    cfg.gridDimY = g.y;
    cfg.gridDimZ = g.z;
    cfg.blockDimX = b.x;
    cfg.blockDimY = b.y;
    cfg.blockDimZ = b.z;
    if (shmem > UINT32_MAX) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    cfg.sharedMemBytes = (unsigned)shmem;
    cfg.hStream = (CUstream)s;
    cfg.attrs = (CUlaunchAttribute *)attrs;
    cfg.numAttrs = attrs != NULL ? n_attrs : 0;
    r = fn(&cfg, (CUfunction)func, args, NULL);
    if (r == CUDA_ERROR_INVALID_HANDLE) {
        /* Neither nvcc's nor a library's kernel: what CUDA says of a
         * pointer that names no kernel. */
        return gvrt_fail(cudaErrorInvalidDeviceFunction);
    }
    return result(r);
}
