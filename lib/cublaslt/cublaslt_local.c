/*
 * cublaslt_local.c - cuBLASLt functions answered on the client: versions
 * (of the headers this library was built with), status names, the
 * logger (cuBLASLt logs where it runs, on the GPU host: the settings are
 * accepted and ignored), and the exports no header declares (typed
 * entry points, what NVIDIA's libcublas calls, contexts, the heuristics
 * cache's internals): not supported.
 */
#include "config.h"

#include "gvlt.h"

#include <cuda_runtime_api.h>
#include <stdio.h>

GVLT_API size_t CUBLASWINAPI cublasLtGetVersion(void)
{
    return CUBLAS_VERSION;
}

GVLT_API size_t CUBLASWINAPI cublasLtGetCudartVersion(void)
{
    return CUDART_VERSION;
}

GVLT_API cublasStatus_t CUBLASWINAPI
cublasLtGetProperty(libraryPropertyType type, int *value)
{
    return (cublasStatus_t)gvf_lib_property(&gvbl_lib, type, CUBLAS_VER_MAJOR,
                                            CUBLAS_VER_MINOR, CUBLAS_VER_PATCH,
                                            value);
}

GVLT_API const char *CUBLASWINAPI cublasLtGetStatusName(cublasStatus_t status)
{
    return gvbl_status_name(status);
}

GVLT_API const char *CUBLASWINAPI
cublasLtGetStatusString(cublasStatus_t status)
{
    return gvbl_status_text(status);
}

/* ---- logger: cuBLASLt logs on the GPU host; accepted, ignored ------------- */

GVLT_API cublasStatus_t CUBLASWINAPI
cublasLtLoggerSetCallback(cublasLtLoggerCallback_t callback)
{
    (void)callback;
    return CUBLAS_STATUS_SUCCESS;
}

GVLT_API cublasStatus_t CUBLASWINAPI cublasLtLoggerSetFile(FILE *file)
{
    (void)file;
    return CUBLAS_STATUS_SUCCESS;
}

GVLT_API cublasStatus_t CUBLASWINAPI cublasLtLoggerOpenFile(const char *logFile)
{
    (void)logFile;
    return CUBLAS_STATUS_SUCCESS;
}

GVLT_API cublasStatus_t CUBLASWINAPI cublasLtLoggerSetLevel(int level)
{
    (void)level;
    return CUBLAS_STATUS_SUCCESS;
}

GVLT_API cublasStatus_t CUBLASWINAPI cublasLtLoggerSetMask(int mask)
{
    (void)mask;
    return CUBLAS_STATUS_SUCCESS;
}

/* cublasLt.h declares it without a prototype: give it one. */
GVLT_API cublasStatus_t CUBLASWINAPI cublasLtLoggerForceDisable(void);
GVLT_API cublasStatus_t CUBLASWINAPI cublasLtLoggerForceDisable(void)
{
    return CUBLAS_STATUS_SUCCESS;
}

/* ---- exports no header declares ----------------------------------------------
 * NVIDIA's internals: their arguments are unknown and ignored (the C
 * calling convention lets a callee ignore what it is passed). */
#define UNDOCUMENTED(name)                                                    \
    GVLT_API cublasStatus_t CUBLASWINAPI name(void);                          \
    GVLT_API cublasStatus_t CUBLASWINAPI name(void)                           \
    {                                                                         \
        return gvbl_unsupported(#name);                                       \
    }

/* Typed matmul entry points: cublasLt<types>Matmul and its algorithms. */
#define TYPED(t)                                                              \
    UNDOCUMENTED(cublasLt##t##Matmul)                                         \
    UNDOCUMENTED(cublasLt##t##MatmulAlgoCapGetAttribute)                      \
    UNDOCUMENTED(cublasLt##t##MatmulAlgoCheck)                                \
    UNDOCUMENTED(cublasLt##t##MatmulAlgoGetHeuristic)                         \
    UNDOCUMENTED(cublasLt##t##MatmulAlgoGetIds)                               \
    UNDOCUMENTED(cublasLt##t##MatmulAlgoInit)
#define LEGACY(t) UNDOCUMENTED(cublasLtLegacyGemm##t)
#define FOR_CUBLAS(t) UNDOCUMENTED(cublasLt_for_cublas_##t)

#define TYPES(X) \
    X(ACC) X(BII) X(BSB) X(BSS) X(CCC) X(DDD) X(HHH) X(HSH) \
    X(HSS) X(KCC) X(KCK) X(SSS) X(TSS) X(TST) X(VCC) X(VCV) \
    X(ZZZ) \
    /* end */
#define LEGACY_TYPES(X) \
    X(ACC) X(BII) X(BSS) X(CCC) X(DDD) X(HHH) X(HSH) X(HSS) \
    X(SSS) X(TSS) X(TST) X(ZZZ) \
    /* end */
#define FOR_CUBLAS_TYPES(X) \
    X(BII) X(BSS) X(DDD) X(HHH) X(HSH) X(HSS) X(SSS) X(TSS) \
    X(TST) \
    /* end */

TYPES(TYPED)
LEGACY_TYPES(LEGACY)
FOR_CUBLAS_TYPES(FOR_CUBLAS)
UNDOCUMENTED(cublasLtAlgoCharacteristicGetAttribute)
UNDOCUMENTED(cublasLtClearNvjetCache)
UNDOCUMENTED(cublasLtCtxInit)
UNDOCUMENTED(cublasLtHeuristicLutSerializeEntry)
UNDOCUMENTED(cublasLtHeuristicsCacheCreate)
UNDOCUMENTED(cublasLtHeuristicsCacheDestroy)
UNDOCUMENTED(cublasLtHeuristicsCacheGet)
UNDOCUMENTED(cublasLtHeuristicsCachePut)
UNDOCUMENTED(cublasLtMatmulAlgoConfigGetAttributeRange)
UNDOCUMENTED(cublasLtShutdownCtx)
