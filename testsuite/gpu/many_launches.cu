// many_launches: N (argument, default 20000) empty kernel launches then one
// cudaDeviceSynchronize, then N single-thread increments on one stream whose
// final count must be exactly N: no launch is lost or reordered.
#include "common.h"

__global__ void empty() {}

__global__ void increment(unsigned *c)
{
    *c += 1; // stream order makes this race-free
}

int main(int argc, char **argv)
{
    test_init("many_launches");
    int n = argc > 1 ? atoi(argv[1]) : 20000;
    EXPECT(n > 0, "bad count");
    warm_up();
    unsigned *dc;
    CHECK(cudaMalloc(&dc, sizeof *dc));
    CHECK(cudaMemset(dc, 0, sizeof *dc));
    empty<<<1, 1>>>(); // warm-up
    increment<<<1, 1>>>(dc);
    CHECK_LAUNCH();
    CHECK(cudaDeviceSynchronize());
    CHECK(cudaMemset(dc, 0, sizeof *dc));

    Timer t;
    t.start();
    for (int i = 0; i < n; i++)
        empty<<<1, 1>>>();
    CHECK_LAUNCH();
    CHECK(cudaDeviceSynchronize());
    for (int i = 0; i < n; i++)
        increment<<<1, 1>>>(dc);
    CHECK_LAUNCH();
    unsigned count = 0;
    CHECK(cudaMemcpy(&count, dc, sizeof count, cudaMemcpyDeviceToHost));
    t.stop();
    printf("%d empty launches synchronised; %d increments counted %u\n", n, n, count);
    CHECK(cudaFree(dc));
    EXPECT(count == (unsigned)n, "lost launches");
    t.report();
    return test_pass();
}
