/*
 * cudnn_local.c - cuDNN functions answered on the client: versions (of
 * the headers this library was built with), status names, the last
 * error's text, the sub-library version checks, the logging callback
 * (cuDNN logs where it runs, on the GPU host: the setting is kept and
 * never called), and the undocumented exports: not supported.
 */
#include "config.h"

#include "gvdn.h"

#include <cuda_runtime_api.h>
#include <pthread.h>
#include <stdio.h>

GVDN_API size_t cudnnGetVersion(void)
{
    return CUDNN_VERSION;
}

/* The newest architecture this cuDNN knows (cuDNN 9: Blackwell). */
GVDN_API size_t cudnnGetMaxDeviceVersion(void)
{
    return 1210;
}

GVDN_API size_t cudnnGetCudartVersion(void)
{
    return CUDART_VERSION;
}

GVDN_API cudnnStatus_t cudnnGetProperty(libraryPropertyType type, int *value)
{
    return (cudnnStatus_t)gvf_lib_property(&gvdn_lib, type, CUDNN_MAJOR,
                                           CUDNN_MINOR, CUDNN_PATCHLEVEL,
                                           value);
}

/* Our sub-libraries are this one: always in step. */
GVDN_API cudnnStatus_t cudnnGraphVersionCheck(void)
{
    return CUDNN_STATUS_SUCCESS;
}

GVDN_API cudnnStatus_t cudnnOpsVersionCheck(void)
{
    return CUDNN_STATUS_SUCCESS;
}

GVDN_API cudnnStatus_t cudnnCnnVersionCheck(void)
{
    return CUDNN_STATUS_SUCCESS;
}

GVDN_API cudnnStatus_t cudnnAdvVersionCheck(void)
{
    return CUDNN_STATUS_SUCCESS;
}

#define S(x) { x, #x }
static const struct {
    cudnnStatus_t s;
    const char *name;
} statuses[] = {
    S(CUDNN_STATUS_SUCCESS),
    S(CUDNN_STATUS_NOT_INITIALIZED),
    S(CUDNN_STATUS_SUBLIBRARY_VERSION_MISMATCH),
    S(CUDNN_STATUS_SERIALIZATION_VERSION_MISMATCH),
    S(CUDNN_STATUS_DEPRECATED),
    S(CUDNN_STATUS_LICENSE_ERROR),
    S(CUDNN_STATUS_RUNTIME_IN_PROGRESS),
    S(CUDNN_STATUS_RUNTIME_FP_OVERFLOW),
    S(CUDNN_STATUS_SUBLIBRARY_LOADING_FAILED),
    S(CUDNN_STATUS_BAD_PARAM),
    S(CUDNN_STATUS_BAD_PARAM_NULL_POINTER),
    S(CUDNN_STATUS_BAD_PARAM_MISALIGNED_POINTER),
    S(CUDNN_STATUS_BAD_PARAM_NOT_FINALIZED),
    S(CUDNN_STATUS_BAD_PARAM_OUT_OF_BOUND),
    S(CUDNN_STATUS_BAD_PARAM_SIZE_INSUFFICIENT),
    S(CUDNN_STATUS_BAD_PARAM_STREAM_MISMATCH),
    S(CUDNN_STATUS_BAD_PARAM_SHAPE_MISMATCH),
    S(CUDNN_STATUS_BAD_PARAM_DUPLICATED_ENTRIES),
    S(CUDNN_STATUS_BAD_PARAM_ATTRIBUTE_TYPE),
    S(CUDNN_STATUS_BAD_PARAM_CUDA_GRAPH_MISMATCH),
    S(CUDNN_STATUS_BAD_PARAM_DESCRIPTOR_TYPE),
    S(CUDNN_STATUS_NOT_SUPPORTED),
    S(CUDNN_STATUS_NOT_SUPPORTED_GRAPH_PATTERN),
    S(CUDNN_STATUS_NOT_SUPPORTED_SHAPE),
    S(CUDNN_STATUS_NOT_SUPPORTED_DATA_TYPE),
    S(CUDNN_STATUS_NOT_SUPPORTED_LAYOUT),
    S(CUDNN_STATUS_NOT_SUPPORTED_INCOMPATIBLE_CUDA_DRIVER),
    S(CUDNN_STATUS_NOT_SUPPORTED_INCOMPATIBLE_CUDART),
    S(CUDNN_STATUS_NOT_SUPPORTED_ARCH_MISMATCH),
    S(CUDNN_STATUS_NOT_SUPPORTED_RUNTIME_PREREQUISITE_MISSING),
    S(CUDNN_STATUS_NOT_SUPPORTED_SUBLIBRARY_UNAVAILABLE),
    S(CUDNN_STATUS_NOT_SUPPORTED_SHARED_MEMORY_INSUFFICIENT),
    S(CUDNN_STATUS_NOT_SUPPORTED_PADDING),
    S(CUDNN_STATUS_NOT_SUPPORTED_BAD_LAUNCH_PARAM),
    S(CUDNN_STATUS_NOT_SUPPORTED_CUDA_GRAPH_NATIVE_API),
    S(CUDNN_STATUS_NOT_SUPPORTED_INVALID_DYNAMIC_SHAPE),
    S(CUDNN_STATUS_INTERNAL_ERROR),
    S(CUDNN_STATUS_INTERNAL_ERROR_COMPILATION_FAILED),
    S(CUDNN_STATUS_INTERNAL_ERROR_UNEXPECTED_VALUE),
    S(CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED),
    S(CUDNN_STATUS_INTERNAL_ERROR_DEVICE_ALLOCATION_FAILED),
    S(CUDNN_STATUS_INTERNAL_ERROR_BAD_LAUNCH_PARAM),
    S(CUDNN_STATUS_INTERNAL_ERROR_TEXTURE_CREATION_FAILED),
    S(CUDNN_STATUS_EXECUTION_FAILED),
    S(CUDNN_STATUS_EXECUTION_FAILED_CUDA_DRIVER),
    S(CUDNN_STATUS_EXECUTION_FAILED_CUBLAS),
    S(CUDNN_STATUS_EXECUTION_FAILED_CUDART),
    S(CUDNN_STATUS_EXECUTION_FAILED_CURAND),
};
#undef S

GVDN_API const char *cudnnGetErrorString(cudnnStatus_t status)
{
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        if (statuses[i].s == status) {
            return statuses[i].name;
        }
    }
    return "CUDNN_STATUS_UNKNOWN";
}

/* cuDNN's last error message lives on the GPU host; we have none. */
GVDN_API void cudnnGetLastErrorString(char *message, size_t max_size)
{
    if (message != NULL && max_size > 0) {
        message[0] = '\0';
    }
}

/* ---- logging: cuDNN logs on the GPU host; the setting is kept ------------ */

static pthread_mutex_t cb_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned cb_mask;
static void *cb_udata;
static cudnnCallback_t cb_fptr;

GVDN_API cudnnStatus_t cudnnSetCallback(unsigned mask, void *udata,
                                        cudnnCallback_t fptr)
{
    pthread_mutex_lock(&cb_lock);
    cb_mask = mask;
    cb_udata = udata;
    cb_fptr = fptr;
    pthread_mutex_unlock(&cb_lock);
    return CUDNN_STATUS_SUCCESS;
}

GVDN_API cudnnStatus_t cudnnGetCallback(unsigned *mask, void **udata,
                                        cudnnCallback_t *fptr)
{
    pthread_mutex_lock(&cb_lock);
    if (mask != NULL) {
        *mask = cb_mask;
    }
    if (udata != NULL) {
        *udata = cb_udata;
    }
    if (fptr != NULL) {
        *fptr = cb_fptr;
    }
    pthread_mutex_unlock(&cb_lock);
    return CUDNN_STATUS_SUCCESS;
}

/* ---- exports no header declares -------------------------------------------
 * NVIDIA's internals: their arguments are unknown and ignored (the C
 * calling convention lets a callee ignore what it is passed). */
#define UNDOCUMENTED(name)                                                    \
    GVDN_API cudnnStatus_t name(void);                                        \
    GVDN_API cudnnStatus_t name(void)                                         \
    {                                                                         \
        return gvdn_unsupported(#name);                                       \
    }

UNDOCUMENTED(cudnnGetBackdoor)
UNDOCUMENTED(cudnnSetBackdoor)
UNDOCUMENTED(cudnnSetBackdoorEx)
UNDOCUMENTED(cudnnGetRNNDropoutLocationsInternal)
