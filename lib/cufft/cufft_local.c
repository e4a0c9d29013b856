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
    if (value == NULL) {
        return CUFFT_INVALID_VALUE;
    }
    switch (type) {
    case MAJOR_VERSION:
        *value = CUFFT_VER_MAJOR;
        return CUFFT_SUCCESS;
    case MINOR_VERSION:
        *value = CUFFT_VER_MINOR;
        return CUFFT_SUCCESS;
    case PATCH_LEVEL:
        *value = CUFFT_VER_PATCH;
        return CUFFT_SUCCESS;
    default:
        return CUFFT_INVALID_TYPE;
    }
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
