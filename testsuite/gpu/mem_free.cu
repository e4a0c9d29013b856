// mem_free: prints "FREE <bytes> TOTAL <bytes>" from cudaMemGetInfo on
// device 0 (run natively by hardening-gpu.sh before and after a client
// dies, to see that its memory came back).  Not part of the suite.
#include <cuda_runtime.h>

#include <cstdio>

int main()
{
    size_t free_b = 0, total_b = 0;
    cudaError_t e = cudaMemGetInfo(&free_b, &total_b);

    if (e != cudaSuccess) {
        printf("FAIL %s\n", cudaGetErrorName(e));
        return 1;
    }
    printf("FREE %zu TOTAL %zu\n", free_b, total_b);
    return 0;
}
