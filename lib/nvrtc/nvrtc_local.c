/*
 * nvrtc_local.c - NVRTC functions answered on the client: the names of
 * NVRTC's statuses (static strings, as NVRTC's), and the one export no
 * header declares (__nvrtcCPEx, undocumented): not supported.
 */
#include "config.h"

#include "gvnr.h"

#define S(x) { x, #x }
static const struct {
    nvrtcResult r;
    const char *name;
} results[] = {
    S(NVRTC_SUCCESS),
    S(NVRTC_ERROR_OUT_OF_MEMORY),
    S(NVRTC_ERROR_PROGRAM_CREATION_FAILURE),
    S(NVRTC_ERROR_INVALID_INPUT),
    S(NVRTC_ERROR_INVALID_PROGRAM),
    S(NVRTC_ERROR_INVALID_OPTION),
    S(NVRTC_ERROR_COMPILATION),
    S(NVRTC_ERROR_BUILTIN_OPERATION_FAILURE),
    S(NVRTC_ERROR_NO_NAME_EXPRESSIONS_AFTER_COMPILATION),
    S(NVRTC_ERROR_NO_LOWERED_NAMES_BEFORE_COMPILATION),
    S(NVRTC_ERROR_NAME_EXPRESSION_NOT_VALID),
    S(NVRTC_ERROR_INTERNAL_ERROR),
    S(NVRTC_ERROR_TIME_FILE_WRITE_FAILED),
    S(NVRTC_ERROR_NO_PCH_CREATE_ATTEMPTED),
    S(NVRTC_ERROR_PCH_CREATE_HEAP_EXHAUSTED),
    S(NVRTC_ERROR_PCH_CREATE),
    S(NVRTC_ERROR_CANCELLED),
    S(NVRTC_ERROR_TIME_TRACE_FILE_WRITE_FAILED),
};
#undef S

GVNR_API const char *nvrtcGetErrorString(nvrtcResult result)
{
    for (size_t i = 0; i < sizeof(results) / sizeof(results[0]); i++) {
        if (results[i].r == result) {
            return results[i].name;
        }
    }
    return "NVRTC_ERROR unknown";
}

/* Undocumented and declared by no header (its arguments are unknown:
 * none is read).  Not supported. */
GVNR_API nvrtcResult __nvrtcCPEx(void);

GVNR_API nvrtcResult __nvrtcCPEx(void)
{
    return gvnr_unsupported("__nvrtcCPEx");
}
