/*
 * cublas_local.c - cuBLAS functions answered on the client: versions (of
 * the headers this library was built with), status names, the BLAS
 * error handler, the logger (cuBLAS logs where it runs, on the GPU
 * host: the settings are kept and ignored) and the undocumented exports
 * no header declares (not supported).
 */
#include "config.h"

#include "gvbl.h"

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <pthread.h>
#include <stdio.h>

GVBL_API cublasStatus_t CUBLASWINAPI cublasGetProperty(libraryPropertyType type,
                                                       int *value)
{
    return (cublasStatus_t)gvf_lib_property(&gvbl_lib, type, CUBLAS_VER_MAJOR,
                                            CUBLAS_VER_MINOR, CUBLAS_VER_PATCH,
                                            value);
}

GVBL_API size_t CUBLASWINAPI cublasGetCudartVersion(void)
{
    return CUDART_VERSION;
}

GVBL_API const char *CUBLASWINAPI cublasGetStatusName(cublasStatus_t status)
{
    return gvbl_status_name(status);
}

GVBL_API const char *CUBLASWINAPI cublasGetStatusString(cublasStatus_t status)
{
    return gvbl_status_text(status);
}

/* The BLAS error handler: on stderr (never the program's stdout). */
GVBL_API void CUBLASWINAPI cublasXerbla(const char *srName, int info)
{
    fprintf(stderr, " ** On entry to %s parameter number %d had an illegal "
            "value\n", srName != NULL ? srName : "?", info);
}

/* ---- logger: cuBLAS logs on the GPU host; kept, never called ---------------- */

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static cublasLogCallback log_cb;

GVBL_API cublasStatus_t CUBLASWINAPI cublasLoggerConfigure(int logIsOn,
                                                           int logToStdOut,
                                                           int logToStdErr,
                                                           const char *logFileName)
{
    (void)logIsOn;
    (void)logToStdOut;
    (void)logToStdErr;
    (void)logFileName;
    return CUBLAS_STATUS_SUCCESS;
}

GVBL_API cublasStatus_t CUBLASWINAPI
cublasSetLoggerCallback(cublasLogCallback userCallback)
{
    pthread_mutex_lock(&log_lock);
    log_cb = userCallback;
    pthread_mutex_unlock(&log_lock);
    return CUBLAS_STATUS_SUCCESS;
}

GVBL_API cublasStatus_t CUBLASWINAPI
cublasGetLoggerCallback(cublasLogCallback *userCallback)
{
    if (userCallback == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    pthread_mutex_lock(&log_lock);
    *userCallback = log_cb;
    pthread_mutex_unlock(&log_lock);
    return CUBLAS_STATUS_SUCCESS;
}

/* ---- exports no header declares ----------------------------------------------
 * NVIDIA's internals: their arguments are unknown and ignored (the C
 * calling convention lets a callee ignore what it is passed). */
#define UNDOCUMENTED(name)                                                    \
    GVBL_API cublasStatus_t CUBLASWINAPI name(void);                          \
    GVBL_API cublasStatus_t CUBLASWINAPI name(void)                           \
    {                                                                         \
        return gvbl_unsupported(#name);                                       \
    }

UNDOCUMENTED(cublasSbdmm)
UNDOCUMENTED(cublasDbdmm)
UNDOCUMENTED(cublasCbdmm)
UNDOCUMENTED(cublasZbdmm)
UNDOCUMENTED(cublasGetBackdoor)
UNDOCUMENTED(cublasSetBackdoor)
UNDOCUMENTED(cublasSetBackdoorEx)
