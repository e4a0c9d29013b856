// stream_wait_event: cross-stream dependencies. A slow producer kernel on
// stream A records an event; stream B waits on it (cudaStreamWaitEvent) before
// its consumer kernel reads the data. Five rounds and a three-stream chain.
#include "common.h"

#include <vector>

// Spin for about `cycles` clock cycles, then write the pattern.
__global__ void slow_produce(int *buf, int n, int pattern, long long cycles)
{
    long long start = clock64();
    while (clock64() - start < cycles)
        ;
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        buf[i] = pattern + i;
}

__global__ void consume(const int *buf, int *out, int n, int add)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        out[i] = buf[i] * 2 + add;
}

int main()
{
    test_init("stream_wait_event");
    const int n = 1 << 16, blocks = n / 256;
    const long long cycles = 20000000; // ~10 ms: a missing wait would show
    warm_up();
    int *buf, *mid, *out;
    CHECK(cudaMalloc(&buf, n * sizeof(int)));
    CHECK(cudaMalloc(&mid, n * sizeof(int)));
    CHECK(cudaMalloc(&out, n * sizeof(int)));
    cudaStream_t a, b, c;
    CHECK(cudaStreamCreateWithFlags(&a, cudaStreamNonBlocking));
    CHECK(cudaStreamCreateWithFlags(&b, cudaStreamNonBlocking));
    CHECK(cudaStreamCreateWithFlags(&c, cudaStreamNonBlocking));
    cudaEvent_t ev, ev2;
    CHECK(cudaEventCreateWithFlags(&ev, cudaEventDisableTiming));
    CHECK(cudaEventCreateWithFlags(&ev2, cudaEventDisableTiming));
    slow_produce<<<1, 32, 0, a>>>(buf, 0, 0, 0); // warm-up both kernels
    consume<<<1, 32, 0, a>>>(buf, out, 0, 0);
    CHECK_LAUNCH();
    CHECK(cudaDeviceSynchronize());

    std::vector<int> h(n);
    int bad = 0;
    Timer t;
    t.start();
    for (int r = 0; r < 5; r++) {
        CHECK(cudaMemsetAsync(out, 0, n * sizeof(int), b));
        slow_produce<<<blocks, 256, 0, a>>>(buf, n, 1000 * r, cycles);
        CHECK_LAUNCH();
        CHECK(cudaEventRecord(ev, a));
        CHECK(cudaStreamWaitEvent(b, ev, 0));
        consume<<<blocks, 256, 0, b>>>(buf, out, n, r);
        CHECK_LAUNCH();
        CHECK(cudaMemcpyAsync(h.data(), out, n * sizeof(int), cudaMemcpyDeviceToHost, b));
        CHECK(cudaStreamSynchronize(b));
        int round_bad = 0;
        for (int i = 0; i < n; i++)
            if (h[i] != (1000 * r + i) * 2 + r)
                round_bad++;
        printf("round %d: bad=%d\n", r, round_bad);
        bad += round_bad;
    }
    // Chain a -> b -> c: c's result depends on both previous stages.
    slow_produce<<<blocks, 256, 0, a>>>(buf, n, 7, cycles);
    CHECK_LAUNCH();
    CHECK(cudaEventRecord(ev, a));
    CHECK(cudaStreamWaitEvent(b, ev, 0));
    consume<<<blocks, 256, 0, b>>>(buf, mid, n, 1); // mid = 2(7+i)+1
    CHECK_LAUNCH();
    CHECK(cudaEventRecord(ev2, b));
    CHECK(cudaStreamWaitEvent(c, ev2, 0));
    consume<<<blocks, 256, 0, c>>>(mid, out, n, 3); // out = 2*mid+3
    CHECK_LAUNCH();
    CHECK(cudaMemcpyAsync(h.data(), out, n * sizeof(int), cudaMemcpyDeviceToHost, c));
    CHECK(cudaStreamSynchronize(c));
    t.stop();
    int chain_bad = 0;
    for (int i = 0; i < n; i++)
        if (h[i] != 2 * (2 * (7 + i) + 1) + 3)
            chain_bad++;
    printf("chain of three streams: bad=%d\n", chain_bad);

    CHECK(cudaEventDestroy(ev));
    CHECK(cudaEventDestroy(ev2));
    CHECK(cudaStreamDestroy(a));
    CHECK(cudaStreamDestroy(b));
    CHECK(cudaStreamDestroy(c));
    CHECK(cudaFree(buf));
    CHECK(cudaFree(mid));
    CHECK(cudaFree(out));
    EXPECT(bad == 0 && chain_bad == 0, "consumer ran before producer");
    t.report();
    return test_pass();
}
