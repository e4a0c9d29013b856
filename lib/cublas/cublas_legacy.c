/*
 * cublas_legacy.c - what the legacy API of cublas.h answers here: its
 * error and its version.  Every other legacy export is a generated
 * not-supported stub (lib/gen/out/cublas_legacy_client_gen.c) that
 * leaves CUBLAS_STATUS_NOT_SUPPORTED for cublasGetError.
 *
 * This file includes cublas.h, which excludes cublas_v2.h.
 */
#include "config.h"

#include "gvbl.h"

#include <cublas.h>

GVBL_API cublasStatus CUBLASWINAPI cublasGetError(void)
{
    return gvbl_legacy_take_error();
}

GVBL_API cublasStatus CUBLASWINAPI cublasGetVersion(int *version)
{
    if (version == NULL) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    *version = CUBLAS_VERSION;
    return CUBLAS_STATUS_SUCCESS;
}
