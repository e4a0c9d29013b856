// device_reset: cudaDeviceReset destroys the context; the next calls create a
// new one: allocations, streams and kernels work again, and a __device__
// variable is back at its initial value from the module.
#include "common.h"

__device__ int d_magic = 42;

__global__ void read_magic_and_fill(int *out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        out[i] = d_magic + i;
}

static int run_once(const char *when, int want_magic)
{
    const int n = 1 << 16;
    int *d;
    cudaStream_t s;
    CHECK(cudaMalloc(&d, n * sizeof(int)));
    CHECK(cudaStreamCreate(&s));
    read_magic_and_fill<<<n / 256, 256, 0, s>>>(d, n);
    CHECK_LAUNCH();
    static int h[n];
    CHECK(cudaMemcpyAsync(h, d, sizeof h, cudaMemcpyDeviceToHost, s));
    CHECK(cudaStreamSynchronize(s));
    int bad = 0;
    for (int i = 0; i < n; i++)
        bad += h[i] != want_magic + i;
    printf("%s: magic %d, bad=%d\n", when, h[0], bad);
    CHECK(cudaStreamDestroy(s));
    CHECK(cudaFree(d));
    return bad;
}

int main()
{
    test_init("device_reset");
    warm_up();
    Timer t;
    t.start();
    int bad = run_once("before reset", 42);
    int seven = 7;
    CHECK(cudaMemcpyToSymbol(d_magic, &seven, sizeof seven));
    bad += run_once("after writing the symbol", 7);
    void *leak;
    CHECK(cudaMalloc(&leak, 64 << 20)); // freed by the reset
    CHECK(cudaDeviceReset());
    bad += run_once("after cudaDeviceReset", 42);
    CHECK(cudaDeviceReset());
    CHECK(cudaDeviceSynchronize());
    bad += run_once("after a second reset", 42);
    t.stop();
    EXPECT(bad == 0, "wrong results after reset");
    t.report();
    return test_pass();
}
