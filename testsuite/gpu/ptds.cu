// ptds: built with --default-stream per-thread, so stream 0 is each host
// thread's own stream (the *_ptsz entry points). Eight threads launch and copy
// on stream 0 concurrently and synchronise only their own stream.
#include "common.h"

#include <thread>
#include <vector>

__global__ void iota_plus(int *p, int n, int base)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        p[i] = base + i;
}

__global__ void twice(int *p, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        p[i] *= 2;
}

static const int kThreads = 8, kN = 1 << 18;
static char g_result[kThreads][128];

static void worker(int id)
{
    int *d = nullptr;
    std::vector<int> h(kN);
    cudaError_t e = cudaMalloc(&d, kN * sizeof(int));
    for (int r = 0; r < 20 && e == cudaSuccess; r++) {
        iota_plus<<<kN / 256, 256>>>(d, kN, id * 100000 + r); // stream 0 = per-thread
        twice<<<kN / 256, 256, 0, 0>>>(d, kN);
        e = cudaGetLastError();
        if (e == cudaSuccess)
            e = cudaMemcpyAsync(h.data(), d, kN * sizeof(int), cudaMemcpyDeviceToHost, 0);
        if (e == cudaSuccess)
            e = cudaStreamSynchronize(0);
    }
    int bad = 0;
    for (int i = 0; i < kN && e == cudaSuccess; i++)
        bad += h[i] != 2 * (id * 100000 + 19 + i);
    cudaStreamCaptureStatus st = cudaStreamCaptureStatusNone;
    if (e == cudaSuccess)
        e = cudaStreamIsCapturing(cudaStreamPerThread, &st);
    if (d)
        cudaFree(d);
    if (e != cudaSuccess)
        snprintf(g_result[id], sizeof g_result[id], "error %s", cudaGetErrorName(e));
    else
        snprintf(g_result[id], sizeof g_result[id], "%s", bad ? "wrong" : "ok");
}

int main()
{
    test_init("ptds");
    warm_up();
    iota_plus<<<1, 32>>>(nullptr, 0, 0); // warm-up
    twice<<<1, 32>>>(nullptr, 0);
    CHECK_LAUNCH();
    CHECK(cudaDeviceSynchronize());

    Timer t;
    t.start();
    std::vector<std::thread> th;
    for (int i = 0; i < kThreads; i++)
        th.emplace_back(worker, i);
    for (auto &x : th)
        x.join();
    // The main thread's per-thread stream, named explicitly.
    CHECK(cudaStreamQuery(cudaStreamPerThread));
    CHECK(cudaStreamSynchronize(cudaStreamLegacy));
    t.stop();

    int ok = 1;
    for (int i = 0; i < kThreads; i++) {
        printf("thread %d: %s\n", i, g_result[i]);
        ok &= strcmp(g_result[i], "ok") == 0;
    }
    EXPECT(ok, "a thread failed");
    t.report();
    return test_pass();
}
