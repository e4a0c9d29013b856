// stream_priorities: stream creation with flags and priorities and the
// getters (cudaStreamGetFlags, GetPriority, GetDevice), the special handles
// cudaStreamLegacy / cudaStreamPerThread, and work on each kind of stream.
#include "common.h"

__global__ void fill(int *p, int n, int v)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        p[i] = v;
}

int main()
{
    test_init("stream_priorities");
    warm_up();
    int lo = 0, hi = 0;
    CHECK(cudaDeviceGetStreamPriorityRange(&lo, &hi));
    printf("priority range: greatest <= least: %s\n", hi <= lo ? "yes" : "no");

    cudaStream_t plain, nonblock, high, low;
    CHECK(cudaStreamCreate(&plain));
    CHECK(cudaStreamCreateWithFlags(&nonblock, cudaStreamNonBlocking));
    CHECK(cudaStreamCreateWithPriority(&high, cudaStreamNonBlocking, hi));
    CHECK(cudaStreamCreateWithPriority(&low, cudaStreamDefault, lo));

    Timer t;
    t.start();
    unsigned f1, f2, f3, f4;
    CHECK(cudaStreamGetFlags(plain, &f1));
    CHECK(cudaStreamGetFlags(nonblock, &f2));
    CHECK(cudaStreamGetFlags(high, &f3));
    CHECK(cudaStreamGetFlags(low, &f4));
    printf("flags: plain=%u nonblocking=%u high=%u low=%u\n", f1, f2, f3, f4);
    int p1, p3, p4;
    CHECK(cudaStreamGetPriority(plain, &p1));
    CHECK(cudaStreamGetPriority(high, &p3));
    CHECK(cudaStreamGetPriority(low, &p4));
    printf("priorities: plain is least: %s, high is greatest: %s, low is least: %s\n",
           p1 == lo ? "yes" : "no", p3 == hi ? "yes" : "no", p4 == lo ? "yes" : "no");
    int dev = -1;
    CHECK(cudaStreamGetDevice(high, &dev));
    printf("stream device: %d\n", dev);
    unsigned long long id1 = 0, id2 = 0;
    CHECK(cudaStreamGetId(plain, &id1));
    CHECK(cudaStreamGetId(high, &id2));
    printf("stream ids differ: %s\n", id1 != id2 ? "yes" : "no");

    const int n = 1 << 16;
    int *d;
    CHECK(cudaMalloc(&d, 6 * n * sizeof(int)));
    cudaStream_t all[] = {plain, nonblock, high, low, cudaStreamLegacy, cudaStreamPerThread};
    for (int k = 0; k < 6; k++) {
        fill<<<n / 256, 256, 0, all[k]>>>(d + k * n, n, k + 1);
        CHECK_LAUNCH();
    }
    for (cudaStream_t x : all)
        CHECK(cudaStreamSynchronize(x));
    static int h[6 * n];
    CHECK(cudaMemcpy(h, d, sizeof h, cudaMemcpyDeviceToHost));
    t.stop();
    int bad = 0;
    for (int k = 0; k < 6; k++)
        for (int i = 0; i < n; i++)
            bad += h[k * n + i] != k + 1;
    printf("kernels on 6 kinds of stream: bad=%d\n", bad);

    CHECK(cudaStreamDestroy(plain));
    CHECK(cudaStreamDestroy(nonblock));
    CHECK(cudaStreamDestroy(high));
    CHECK(cudaStreamDestroy(low));
    CHECK(cudaFree(d));
    EXPECT(bad == 0 && f1 == 0 && f2 == 1 && f3 == 1 && f4 == 0, "mismatch");
    EXPECT(p3 == hi && p4 == lo && dev == 0 && id1 != id2, "mismatch");
    t.report();
    return test_pass();
}
