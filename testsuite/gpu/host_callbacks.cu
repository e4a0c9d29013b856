// host_callbacks: cudaLaunchHostFunc and cudaStreamAddCallback interleaved
// with kernels and D2H copies on one stream. Each host function logs its
// index and the value the preceding copy delivered: both must be in order.
#include "common.h"

#include <atomic>

__global__ void set_value(int *d, int v)
{
    *d = v;
}

static const int kSteps = 12;
static int g_order[kSteps];
static int g_seen[kSteps];
static cudaError_t g_status[kSteps];
static std::atomic<int> g_count(0);
static int *g_pinned; // one slot per step, filled by cudaMemcpyAsync

static void record(int i, cudaError_t status)
{
    int pos = g_count.fetch_add(1);
    if (pos < kSteps) {
        g_order[pos] = i;
        g_seen[i] = g_pinned[i];
        g_status[i] = status;
    }
}

static void CUDART_CB host_fn(void *arg)
{
    record((int)(intptr_t)arg, cudaSuccess);
}

static void CUDART_CB stream_cb(cudaStream_t, cudaError_t status, void *arg)
{
    record((int)(intptr_t)arg, status);
}

int main()
{
    test_init("host_callbacks");
    warm_up();
    int *d;
    CHECK(cudaMalloc(&d, kSteps * sizeof(int)));
    CHECK(cudaMallocHost(&g_pinned, kSteps * sizeof(int)));
    for (int i = 0; i < kSteps; i++)
        g_pinned[i] = -1;
    cudaStream_t s;
    CHECK(cudaStreamCreate(&s));
    set_value<<<1, 1, 0, s>>>(d, 0); // warm-up
    CHECK_LAUNCH();
    CHECK(cudaStreamSynchronize(s));

    Timer t;
    t.start();
    for (int i = 0; i < kSteps; i++) {
        set_value<<<1, 1, 0, s>>>(d + i, 100 + i);
        CHECK_LAUNCH();
        CHECK(cudaMemcpyAsync(g_pinned + i, d + i, sizeof(int), cudaMemcpyDeviceToHost, s));
        if (i % 2 == 0)
            CHECK(cudaLaunchHostFunc(s, host_fn, (void *)(intptr_t)i));
        else
            CHECK(cudaStreamAddCallback(s, stream_cb, (void *)(intptr_t)i, 0));
    }
    CHECK(cudaStreamSynchronize(s)); // also waits for the host functions
    t.stop();

    int count = g_count.load();
    printf("host functions run: %d of %d\n", count, kSteps);
    printf("order:");
    for (int i = 0; i < count && i < kSteps; i++)
        printf(" %d", g_order[i]);
    printf("\nseen:");
    for (int i = 0; i < kSteps; i++)
        printf(" %d", g_seen[i]);
    printf("\n");
    int ok = count == kSteps;
    for (int i = 0; i < kSteps && ok; i++)
        ok = g_order[i] == i && g_seen[i] == 100 + i && g_status[i] == cudaSuccess;
    CHECK(cudaStreamDestroy(s));
    CHECK(cudaFreeHost(g_pinned));
    CHECK(cudaFree(d));
    EXPECT(ok, "host functions out of order or saw stale data");
    t.report();
    return test_pass();
}
