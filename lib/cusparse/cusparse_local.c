/*
 * cusparse_local.c - cuSPARSE functions answered on the client: the
 * version (of the headers this library was built with), status names
 * and strings, the logger (cuSPARSE logs where it runs, on the GPU host:
 * settings are accepted and ignored), and the half-precision pruning
 * functions, which cusparse.h declares for C++ only: not supported.
 */
#include "config.h"

#include "gvsp.h"
#include "gvf_obj.h"

#include <stdio.h>

/* The version of the headers we were built with, for a live handle
 * (cuSPARSE asks the handle too). */
GVSP_API cusparseStatus_t CUSPARSEAPI cusparseGetVersion(
    cusparseHandle_t handle, int *version)
{
    gvf_obj_t o;

    if (gvf_obj_get(handle, GVSP_K_HANDLE, &o) != GVC_OK) {
        return CUSPARSE_STATUS_NOT_INITIALIZED;
    }
    if (version == NULL) {
        return CUSPARSE_STATUS_INVALID_VALUE;
    }
    *version = CUSPARSE_VERSION;
    return CUSPARSE_STATUS_SUCCESS;
}

GVSP_API cusparseStatus_t CUSPARSEAPI cusparseGetProperty(
    libraryPropertyType type, int *value)
{
    return (cusparseStatus_t)gvf_lib_property(&gvsp_lib, type,
                                              CUSPARSE_VER_MAJOR,
                                              CUSPARSE_VER_MINOR,
                                              CUSPARSE_VER_PATCH, value);
}

#define S(x, text) { x, #x, text }
static const struct {
    cusparseStatus_t s;
    const char *name, *text;
} statuses[] = {
    S(CUSPARSE_STATUS_SUCCESS, "success"),
    S(CUSPARSE_STATUS_NOT_INITIALIZED, "initialization error"),
    S(CUSPARSE_STATUS_ALLOC_FAILED, "out of memory"),
    S(CUSPARSE_STATUS_INVALID_VALUE, "invalid value"),
    S(CUSPARSE_STATUS_ARCH_MISMATCH, "architecture mismatch"),
    S(CUSPARSE_STATUS_MAPPING_ERROR, "mapping error"),
    S(CUSPARSE_STATUS_EXECUTION_FAILED, "execution failed"),
    S(CUSPARSE_STATUS_INTERNAL_ERROR, "internal error"),
    S(CUSPARSE_STATUS_MATRIX_TYPE_NOT_SUPPORTED,
      "matrix type not supported"),
    S(CUSPARSE_STATUS_ZERO_PIVOT, "zero pivot"),
    S(CUSPARSE_STATUS_NOT_SUPPORTED, "operation not supported"),
    S(CUSPARSE_STATUS_INSUFFICIENT_RESOURCES, "insufficient resources"),
};
#undef S

GVSP_API const char *CUSPARSEAPI cusparseGetErrorName(
    cusparseStatus_t status)
{
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        if (statuses[i].s == status) {
            return statuses[i].name;
        }
    }
    return "CUSPARSE_STATUS_UNKNOWN";
}

GVSP_API const char *CUSPARSEAPI cusparseGetErrorString(
    cusparseStatus_t status)
{
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        if (statuses[i].s == status) {
            return statuses[i].text;
        }
    }
    return "unknown error";
}

/* ---- the logger: cuSPARSE logs on the GPU host; accepted, ignored -------- */

GVSP_API cusparseStatus_t CUSPARSEAPI cusparseLoggerSetCallback(
    cusparseLoggerCallback_t callback)
{
    (void)callback;
    return CUSPARSE_STATUS_SUCCESS;
}

GVSP_API cusparseStatus_t CUSPARSEAPI cusparseLoggerSetFile(FILE *file)
{
    (void)file;
    return CUSPARSE_STATUS_SUCCESS;
}

GVSP_API cusparseStatus_t CUSPARSEAPI cusparseLoggerOpenFile(
    const char *logFile)
{
    return logFile != NULL ? CUSPARSE_STATUS_SUCCESS
                           : CUSPARSE_STATUS_INVALID_VALUE;
}

GVSP_API cusparseStatus_t CUSPARSEAPI cusparseLoggerSetLevel(int level)
{
    return level >= 0 && level <= 5 ? CUSPARSE_STATUS_SUCCESS
                                    : CUSPARSE_STATUS_INVALID_VALUE;
}

GVSP_API cusparseStatus_t CUSPARSEAPI cusparseLoggerSetMask(int mask)
{
    (void)mask;
    return CUSPARSE_STATUS_SUCCESS;
}

GVSP_API cusparseStatus_t CUSPARSEAPI cusparseLoggerForceDisable(void)
{
    return CUSPARSE_STATUS_SUCCESS;
}

/* ---- half precision pruning: declared for C++ only ------------------------
 * Their arguments are ignored (the C calling convention lets a callee
 * ignore what it is passed). */
#define HPRUNE(name)                                                          \
    GVSP_API cusparseStatus_t name(void);                                     \
    GVSP_API cusparseStatus_t name(void)                                      \
    {                                                                         \
        return gvsp_unsupported(#name);                                       \
    }

HPRUNE(cusparseHpruneCsr2csr)
HPRUNE(cusparseHpruneCsr2csrByPercentage)
HPRUNE(cusparseHpruneCsr2csrByPercentage_bufferSizeExt)
HPRUNE(cusparseHpruneCsr2csrNnz)
HPRUNE(cusparseHpruneCsr2csrNnzByPercentage)
HPRUNE(cusparseHpruneCsr2csr_bufferSizeExt)
HPRUNE(cusparseHpruneDense2csr)
HPRUNE(cusparseHpruneDense2csrByPercentage)
HPRUNE(cusparseHpruneDense2csrByPercentage_bufferSizeExt)
HPRUNE(cusparseHpruneDense2csrNnz)
HPRUNE(cusparseHpruneDense2csrNnzByPercentage)
HPRUNE(cusparseHpruneDense2csr_bufferSizeExt)
