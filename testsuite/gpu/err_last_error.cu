// err_last_error: cudaPeekAtLastError keeps the last error, cudaGetLastError
// returns and clears it, a later successful call does not clear it, and the
// last error belongs to the host thread that caused it.
#include "common.h"

#include <thread>

__global__ void nop() {}

int main()
{
    test_init("err_last_error");
    warm_up();
    int ok = 1;
    Timer t;
    t.start();
    printf("initially: %s\n", cudaGetErrorName(cudaGetLastError()));

    nop<<<1, 2048>>>();
    cudaError_t p1 = cudaPeekAtLastError(), p2 = cudaPeekAtLastError();
    cudaError_t g1 = cudaGetLastError(), g2 = cudaGetLastError();
    printf("bad launch: peek %s, peek %s, get %s, get %s\n", cudaGetErrorName(p1),
           cudaGetErrorName(p2), cudaGetErrorName(g1), cudaGetErrorName(g2));
    ok &= is_launch_config_error(p1) && p2 == p1 && g1 == p1 && g2 == cudaSuccess;

    // An API error stays the last error across later successful calls.
    void *huge = nullptr, *small = nullptr;
    cudaError_t m = cudaMalloc(&huge, 1ull << 50);
    CHECK(cudaMalloc(&small, 256));
    nop<<<1, 1>>>();
    CHECK(cudaDeviceSynchronize());
    CHECK(cudaFree(small));
    cudaError_t kept = cudaPeekAtLastError();
    cudaError_t got = cudaGetLastError();
    printf("failed cudaMalloc %s; after successful calls: peek %s, get %s, then %s\n",
           cudaGetErrorName(m), cudaGetErrorName(kept), cudaGetErrorName(got),
           cudaGetErrorName(cudaGetLastError()));
    ok &= m == cudaErrorMemoryAllocation && kept == m && got == m;

    // Per-thread: an error raised in another thread is not seen here.
    cudaError_t other_seen = cudaSuccess;
    std::thread th([&] {
        nop<<<1, 4096>>>();
        other_seen = cudaGetLastError();
    });
    th.join();
    cudaError_t mine = cudaGetLastError();
    printf("other thread's bad launch: it saw %s, main thread sees %s\n",
           cudaGetErrorName(other_seen), cudaGetErrorName(mine));
    ok &= is_launch_config_error(other_seen) && mine == cudaSuccess;
    t.stop();
    EXPECT(ok, "unexpected last-error behaviour");
    t.report();
    return test_pass();
}
