// sync_query: cudaStreamQuery / cudaEventQuery report cudaErrorNotReady while
// a stream is held back by a host function that waits for the main thread,
// and cudaSuccess after it is released; cudaDeviceSynchronize waits for all.
#include "common.h"

#include <atomic>
#include <thread>

static std::atomic<int> g_gate(0);

// Blocks its stream until main() opens the gate.
static void CUDART_CB wait_for_gate(void *)
{
    while (g_gate.load() == 0)
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

__global__ void set_flag(int *flags, int k)
{
    flags[k] = k + 1;
}

__global__ void spin_then_set(int *flags, int k, long long cycles)
{
    long long start = clock64();
    while (clock64() - start < cycles)
        ;
    flags[k] = k + 1;
}

int main()
{
    test_init("sync_query");
    warm_up();
    int *flags;
    CHECK(cudaMalloc(&flags, 8 * sizeof(int)));
    CHECK(cudaMemset(flags, 0, 8 * sizeof(int)));
    cudaStream_t s, t3[3];
    CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    for (auto &x : t3)
        CHECK(cudaStreamCreateWithFlags(&x, cudaStreamNonBlocking));
    cudaEvent_t ev;
    CHECK(cudaEventCreateWithFlags(&ev, cudaEventDisableTiming));
    set_flag<<<1, 1, 0, s>>>(flags, 7); // warm-up
    spin_then_set<<<1, 1, 0, s>>>(flags, 7, 0);
    CHECK_LAUNCH();
    CHECK(cudaDeviceSynchronize());

    Timer t;
    t.start();
    cudaError_t idle = cudaStreamQuery(s);

    // Hold the stream: host function, then a kernel and an event behind it.
    CHECK(cudaLaunchHostFunc(s, wait_for_gate, nullptr));
    set_flag<<<1, 1, 0, s>>>(flags, 0);
    CHECK_LAUNCH();
    CHECK(cudaEventRecord(ev, s));
    cudaError_t q_stream = cudaStreamQuery(s);
    cudaError_t q_event = cudaEventQuery(ev);
    cudaError_t last = cudaPeekAtLastError(); // is NotReady a "last error"?
    g_gate.store(1); // release before anything that could exit
    CHECK(cudaStreamSynchronize(s));
    cudaError_t q_stream2 = cudaStreamQuery(s);
    cudaError_t q_event2 = cudaEventQuery(ev);

    // cudaDeviceSynchronize waits for busy kernels on three streams.
    for (int k = 0; k < 3; k++)
        spin_then_set<<<1, 1, 0, t3[k]>>>(flags, 1 + k, 5000000);
    CHECK_LAUNCH();
    CHECK(cudaDeviceSynchronize());
    int h[8];
    CHECK(cudaMemcpy(h, flags, sizeof h, cudaMemcpyDeviceToHost));
    t.stop();

    printf("query idle stream: %s\n", cudaGetErrorName(idle));
    printf("query held stream: %s\n", cudaGetErrorName(q_stream));
    printf("query event behind it: %s\n", cudaGetErrorName(q_event));
    printf("cudaPeekAtLastError after NotReady: %s\n", cudaGetErrorName(last));
    printf("after release and sync: stream %s, event %s\n", cudaGetErrorName(q_stream2),
           cudaGetErrorName(q_event2));
    printf("flags after cudaDeviceSynchronize: %d %d %d %d\n", h[0], h[1], h[2], h[3]);
    bool ok = idle == cudaSuccess && q_stream == cudaErrorNotReady &&
              q_event == cudaErrorNotReady && q_stream2 == cudaSuccess &&
              q_event2 == cudaSuccess && h[0] == 1 && h[1] == 2 && h[2] == 3 && h[3] == 4;
    CHECK(cudaEventDestroy(ev));
    CHECK(cudaStreamDestroy(s));
    for (auto &x : t3)
        CHECK(cudaStreamDestroy(x));
    CHECK(cudaFree(flags));
    EXPECT(ok, "unexpected query results");
    t.report();
    return test_pass();
}
