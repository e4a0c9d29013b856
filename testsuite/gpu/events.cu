// events: cudaEventRecord / Synchronize / Query / ElapsedTime around kernels
// that take a while. Only "elapsed > 0" and ordering facts are printed; the
// documented error for timing an event made with cudaEventDisableTiming too.
#include "common.h"

// Busy kernel: enough arithmetic to take a measurable time.
__global__ void busy(float *x, int n, int iters)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        float v = x[i];
        for (int k = 0; k < iters; k++)
            v = v * 0.9999f + 0.0001f;
        x[i] = v;
    }
}

int main()
{
    test_init("events");
    const int n = 1 << 20;
    warm_up();
    float *d;
    CHECK(cudaMalloc(&d, n * sizeof(float)));
    CHECK(cudaMemset(d, 0, n * sizeof(float)));

    cudaEvent_t e0, e1, e2, eblock, enotime, never;
    CHECK(cudaEventCreate(&e0));
    CHECK(cudaEventCreate(&e1));
    CHECK(cudaEventCreateWithFlags(&e2, cudaEventDefault));
    CHECK(cudaEventCreateWithFlags(&eblock, cudaEventBlockingSync));
    CHECK(cudaEventCreateWithFlags(&enotime, cudaEventDisableTiming));
    CHECK(cudaEventCreate(&never));
    busy<<<n / 256, 256>>>(d, n, 1); // warm-up
    CHECK_LAUNCH();
    CHECK(cudaDeviceSynchronize());

    // A never-recorded event counts as complete.
    printf("query never-recorded: %s\n", cudaGetErrorName(cudaEventQuery(never)));

    Timer t;
    t.start();
    CHECK(cudaEventRecord(e0, 0));
    busy<<<n / 256, 256>>>(d, n, 2000);
    CHECK_LAUNCH();
    CHECK(cudaEventRecord(e1, 0));
    busy<<<n / 256, 256>>>(d, n, 2000);
    CHECK_LAUNCH();
    CHECK(cudaEventRecord(e2, 0));
    CHECK(cudaEventRecord(eblock, 0));
    CHECK(cudaEventRecord(enotime, 0));
    CHECK(cudaEventSynchronize(e2));
    CHECK(cudaEventSynchronize(eblock)); // blocking-sync event: sleeps, not spins
    t.stop();

    printf("query after sync: %s\n", cudaGetErrorName(cudaEventQuery(e2)));
    float ms01 = 0, ms02 = 0, ms12 = 0;
    CHECK(cudaEventElapsedTime(&ms01, e0, e1));
    CHECK(cudaEventElapsedTime(&ms02, e0, e2));
    CHECK(cudaEventElapsedTime(&ms12, e1, e2));
    printf("elapsed(e0,e1) > 0: %s\n", ms01 > 0 ? "yes" : "no");
    printf("elapsed(e1,e2) > 0: %s\n", ms12 > 0 ? "yes" : "no");
    printf("elapsed(e0,e2) >= elapsed(e0,e1): %s\n", ms02 >= ms01 ? "yes" : "no");

    // Documented: timing an event created with cudaEventDisableTiming fails.
    float ms = 0;
    cudaError_t err = cudaEventElapsedTime(&ms, e0, enotime);
    printf("elapsed with DisableTiming event: %s\n", cudaGetErrorName(err));
    cudaGetLastError(); // clear it
    CHECK(cudaEventSynchronize(enotime));

    EXPECT(ms01 > 0 && ms12 > 0 && ms02 >= ms01, "bad elapsed times");
    EXPECT(err == cudaErrorInvalidResourceHandle, "unexpected %s", cudaGetErrorName(err));
    CHECK(cudaEventDestroy(e0));
    CHECK(cudaEventDestroy(e1));
    CHECK(cudaEventDestroy(e2));
    CHECK(cudaEventDestroy(eblock));
    CHECK(cudaEventDestroy(enotime));
    CHECK(cudaEventDestroy(never));
    CHECK(cudaFree(d));
    t.report();
    return test_pass();
}
