// device_printf: printf inside kernels. One thread prints lines with many
// formats, then four one-block launches print in launch order; host lines are
// flushed around each synchronisation so the whole stdout is deterministic.
#include "common.h"

__global__ void formats(int n)
{
    for (int i = 0; i < n; i++)
        printf("device line %d: int=%d uint=%u hex=%x ll=%lld float=%.3f exp=%.2e str=%s char=%c\n",
               i, -i * 7, 4000000000u - i, 0xBEEF + i, -123456789012LL * (i + 1),
               1.0f / (i + 1), 12345.678 * i, i % 2 ? "odd" : "even", 'a' + i);
}

__global__ void hello_block(int launch)
{
    if (threadIdx.x == 0)
        printf("launch %d: block %d of %d, %d threads\n", launch, blockIdx.x, gridDim.x,
               blockDim.x);
}

int main()
{
    test_init("device_printf");
    warm_up();
    Timer t;
    t.start();
    printf("host: before kernels\n");
    fflush(stdout);
    formats<<<1, 1>>>(8);
    CHECK_LAUNCH();
    CHECK(cudaDeviceSynchronize()); // device printf output appears here
    fflush(stdout);
    for (int l = 0; l < 4; l++) {
        printf("host: launch %d\n", l);
        fflush(stdout);
        hello_block<<<1, 64>>>(l);
        CHECK_LAUNCH();
        CHECK(cudaDeviceSynchronize());
        fflush(stdout);
    }
    printf("host: after kernels\n");
    t.stop();
    t.report();
    return test_pass();
}
