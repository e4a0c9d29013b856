// err_launch_config: invalid launch configurations (2048 threads per block,
// 2048 in 2D, blockDim.z 65, gridDim.y 65536, empty grid) are refused, with
// cudaErrorInvalidValue on CUDA 13.0 (see common.h), and are not sticky.
#include "common.h"

__global__ void write_one(int *p)
{
    p[blockIdx.x * blockDim.x + threadIdx.x] = 1;
}

static int expect_config_error(const char *what, cudaError_t got)
{
    printf("%s: %s\n", what, cudaGetErrorName(got));
    return is_launch_config_error(got);
}

int main()
{
    test_init("err_launch_config");
    warm_up();
    int *d;
    CHECK(cudaMalloc(&d, 4096 * sizeof(int)));
    int ok = 1;

    Timer t;
    t.start();
    write_one<<<1, 2048>>>(d);
    ok &= expect_config_error("<<<1, 2048>>> cudaGetLastError", cudaGetLastError());
    printf("cudaGetLastError again: %s\n", cudaGetErrorName(cudaGetLastError()));

    write_one<<<1, dim3(32, 64)>>>(d);
    ok &= expect_config_error("<<<1, (32,64)>>> (2048 threads)", cudaGetLastError());
    write_one<<<1, dim3(1, 1, 65)>>>(d);
    ok &= expect_config_error("<<<1, (1,1,65)>>>", cudaGetLastError());
    write_one<<<dim3(1, 65536), 1>>>(d);
    ok &= expect_config_error("<<<(1,65536), 1>>>", cudaGetLastError());
    write_one<<<0, 32>>>(d);
    ok &= expect_config_error("<<<0, 32>>>", cudaGetLastError());

    // cudaLaunchKernel returns the error itself (and records it as last error).
    void *args[] = {&d};
    cudaError_t e = cudaLaunchKernel((const void *)write_one, dim3(1), dim3(2048), args, 0, 0);
    ok &= expect_config_error("cudaLaunchKernel with 2048 threads", e);
    printf("cudaGetLastError after it: %s\n", cudaGetErrorName(cudaGetLastError()));

    // Not sticky: the context still works.
    CHECK(cudaMemset(d, 0, 4096 * sizeof(int)));
    write_one<<<4, 1024>>>(d);
    CHECK_LAUNCH();
    CHECK(cudaDeviceSynchronize());
    static int h[4096];
    CHECK(cudaMemcpy(h, d, sizeof h, cudaMemcpyDeviceToHost));
    int sum = 0;
    for (int v : h)
        sum += v;
    t.stop();
    printf("valid launch afterwards wrote %d of 4096\n", sum);
    CHECK(cudaFree(d));
    EXPECT(ok && sum == 4096, "unexpected results");
    t.report();
    return test_pass();
}
