// err_api: calls that fail with documented codes: cudaFree of a pointer never
// allocated or already freed, a bad cudaMemcpyKind, cudaSetDevice(99), a 1 PiB
// cudaMalloc, an unknown limit. None is sticky; each becomes the last error.
#include "common.h"

static int ok = 1;

static void expect(const char *what, cudaError_t got, cudaError_t want,
                   cudaError_t also = cudaSuccess)
{
    // The failing call also becomes the thread's last error.
    cudaError_t last = cudaGetLastError();
    printf("%s: %s (last error %s)\n", what, cudaGetErrorName(got), cudaGetErrorName(last));
    ok &= got == want || (also != cudaSuccess && got == also);
}

int main()
{
    test_init("err_api");
    warm_up();
    Timer t;
    t.start();
    expect("cudaFree(NULL)", cudaFree(nullptr), cudaSuccess);

    void *never = malloc(256); // a host pointer cudaMalloc never returned
    expect("cudaFree(never allocated)", cudaFree(never), cudaErrorInvalidValue);
    free(never);

    void *p = nullptr;
    CHECK(cudaMalloc(&p, 1 << 20));
    CHECK(cudaFree(p));
    expect("cudaFree(already freed)", cudaFree(p), cudaErrorInvalidValue);

    int *d;
    CHECK(cudaMalloc(&d, 64));
    int h[16] = {0};
    expect("cudaMemcpy kind 42", cudaMemcpy(d, h, sizeof h, (cudaMemcpyKind)42),
           cudaErrorInvalidMemcpyDirection);

    expect("cudaSetDevice(99)", cudaSetDevice(99), cudaErrorInvalidDevice);
    int dev = -1;
    CHECK(cudaGetDevice(&dev));
    printf("current device still %d\n", dev);
    cudaDeviceProp prop;
    expect("cudaGetDeviceProperties(99)", cudaGetDeviceProperties(&prop, 99),
           cudaErrorInvalidDevice);

    void *huge = nullptr;
    expect("cudaMalloc(1 PiB)", cudaMalloc(&huge, 1ull << 50), cudaErrorMemoryAllocation);

    // Documented as either; CUDA 13.0 answers cudaErrorInvalidValue.
    expect("cudaDeviceSetLimit(bad limit)", cudaDeviceSetLimit((cudaLimit)0x7777, 1),
           cudaErrorInvalidValue, cudaErrorUnsupportedLimit);

    // Still usable afterwards.
    for (int i = 0; i < 16; i++)
        h[i] = i * i;
    CHECK(cudaMemcpy(d, h, sizeof h, cudaMemcpyHostToDevice));
    int back[16];
    CHECK(cudaMemcpy(back, d, sizeof back, cudaMemcpyDeviceToHost));
    CHECK(cudaDeviceSynchronize());
    t.stop();
    bool same = memcmp(h, back, sizeof h) == 0;
    printf("copies after the errors: %s\n", same ? "ok" : "wrong");
    CHECK(cudaFree(d));
    EXPECT(ok && same && dev == 0, "unexpected results");
    t.report();
    return test_pass();
}
