// err_strings: cudaGetErrorName and cudaGetErrorString for a fixed list of
// error codes. These are answered by the runtime library itself, so the
// replacement library must reproduce NVIDIA's texts exactly.
#include "common.h"

int main()
{
    test_init("err_strings");
    const cudaError_t codes[] = {
        cudaSuccess,
        cudaErrorInvalidValue,
        cudaErrorMemoryAllocation,
        cudaErrorInitializationError,
        cudaErrorInvalidConfiguration,
        cudaErrorInvalidMemcpyDirection,
        cudaErrorInvalidDevice,
        cudaErrorInvalidResourceHandle,
        cudaErrorNotReady,
        cudaErrorIllegalAddress,
        cudaErrorLaunchFailure,
        cudaErrorNoDevice,
        cudaErrorNotSupported,
        cudaErrorUnsupportedLimit,
        cudaErrorInvalidDeviceFunction,
        cudaErrorStreamCaptureInvalidated,
        cudaErrorUnknown,
    };
    warm_up();
    Timer t;
    t.start();
    for (cudaError_t c : codes)
        printf("%d %s: %s\n", (int)c, cudaGetErrorName(c), cudaGetErrorString(c));
    t.stop();
    t.report();
    return test_pass();
}
