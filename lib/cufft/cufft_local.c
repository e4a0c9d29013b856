/*
 * cufft_local.c - cuFFT functions answered on the client: versions (of
 * the cuFFT headers this library was built with) and the exports no
 * header declares (not supported).
 */
#include "config.h"

#include "gvfft.h"

GVFFT_API cufftResult cufftGetVersion(int *version)
{
    if (version == NULL) {
        return CUFFT_INVALID_VALUE;
    }
    *version = CUFFT_VERSION;
    return CUFFT_SUCCESS;
}

GVFFT_API cufftResult cufftGetProperty(libraryPropertyType type, int *value)
{
    /* cuFFT tells an unknown type from a missing value. */
    if (value != NULL && type != MAJOR_VERSION && type != MINOR_VERSION &&
        type != PATCH_LEVEL) {
        return CUFFT_INVALID_TYPE;
    }
    return (cufftResult)gvf_lib_property(&gvfft_lib, type, CUFFT_VER_MAJOR,
                                         CUFFT_VER_MINOR, CUFFT_VER_PATCH,
                                         value);
}

/* ---- exports no header declares -------------------------------------------
 * NVIDIA's internals: their arguments are unknown and ignored (the C
 * calling convention lets a callee ignore what it is passed). */
#define UNDOCUMENTED(name)                                                    \
    GVFFT_API cufftResult name(void);                                         \
    GVFFT_API cufftResult name(void)                                          \
    {                                                                         \
        return gvfft_unsupported(#name);                                      \
    }

UNDOCUMENTED(cufftDebug)
UNDOCUMENTED(cufftXtMakePlanGuru64)
