// threads16: 16 host threads share the device, each with its own stream,
// device buffer and pinned buffer, doing 50 rounds of copy, kernel, event
// record/sync and copy back. Per-thread results are printed in thread order.
#include "common.h"

#include <thread>
#include <vector>

__global__ void add_value(int *x, int n, int v)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        x[i] += v;
}

static const int kThreads = 16, kRounds = 50, kN = 1 << 16;
static char g_result[kThreads][160];

#define TCHECK(call)                                                           \
    do {                                                                       \
        cudaError_t e_ = (call);                                               \
        if (e_ != cudaSuccess) {                                               \
            snprintf(g_result[id], sizeof g_result[id], "line %d: %s", __LINE__, \
                     cudaGetErrorName(e_));                                    \
            return;                                                            \
        }                                                                      \
    } while (0)

static void worker(int id)
{
    TCHECK(cudaSetDevice(0));
    cudaStream_t s;
    cudaEvent_t ev;
    int *d, *h;
    TCHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    TCHECK(cudaEventCreateWithFlags(&ev, cudaEventDisableTiming));
    TCHECK(cudaMalloc(&d, kN * sizeof(int)));
    TCHECK(cudaMallocHost(&h, kN * sizeof(int)));
    for (int i = 0; i < kN; i++)
        h[i] = id * 1000000 + i;
    int bad = 0;
    for (int r = 0; r < kRounds; r++) {
        // h holds the expected state; send it, add (id + r), bring it back.
        TCHECK(cudaMemcpyAsync(d, h, kN * sizeof(int), cudaMemcpyHostToDevice, s));
        add_value<<<kN / 256, 256, 0, s>>>(d, kN, id + r);
        TCHECK(cudaGetLastError());
        TCHECK(cudaEventRecord(ev, s));
        TCHECK(cudaEventSynchronize(ev));
        TCHECK(cudaMemcpyAsync(h, d, kN * sizeof(int), cudaMemcpyDeviceToHost, s));
        TCHECK(cudaStreamSynchronize(s));
    }
    // After all rounds: h[i] = id*1e6 + i + sum_{r}(id + r)
    int added = kRounds * id + kRounds * (kRounds - 1) / 2;
    for (int i = 0; i < kN; i++)
        if (h[i] != id * 1000000 + i + added)
            bad++;
    TCHECK(cudaGetLastError());
    TCHECK(cudaFreeHost(h));
    TCHECK(cudaFree(d));
    TCHECK(cudaEventDestroy(ev));
    TCHECK(cudaStreamDestroy(s));
    if (bad)
        snprintf(g_result[id], sizeof g_result[id], "%d mismatches", bad);
    else
        snprintf(g_result[id], sizeof g_result[id], "ok");
}

int main()
{
    test_init("threads16");
    warm_up();
    add_value<<<1, 32>>>(nullptr, 0, 0); // warm-up
    CHECK_LAUNCH();
    CHECK(cudaDeviceSynchronize());

    Timer t;
    t.start();
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; i++)
        threads.emplace_back(worker, i);
    for (auto &th : threads)
        th.join();
    t.stop();

    int ok = 1;
    for (int i = 0; i < kThreads; i++) {
        printf("thread %2d: %s\n", i, g_result[i]);
        ok &= strcmp(g_result[i], "ok") == 0;
    }
    EXPECT(ok, "some threads failed");
    t.report();
    return test_pass();
}
