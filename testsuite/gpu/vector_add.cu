// vector_add: c = a + b for n floats (argument, default 1M), compared exactly
// with the CPU. The simplest full round trip: cudaMalloc, cudaMemcpy both ways,
// a <<<>>> launch, cudaFree.
#include "common.h"

#include <vector>

__global__ void vadd(const float *a, const float *b, float *c, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        c[i] = a[i] + b[i];
}

int main(int argc, char **argv)
{
    test_init("vector_add");
    int n = argc > 1 ? atoi(argv[1]) : 1 << 20;
    EXPECT(n > 0, "bad size %d", n);
    size_t bytes = (size_t)n * sizeof(float);

    std::vector<float> a(n), b(n), c(n);
    Rng rng(1);
    for (int i = 0; i < n; i++) {
        a[i] = rng.uniform(-1.0f, 1.0f);
        b[i] = rng.uniform(-1.0f, 1.0f);
    }

    warm_up();
    float *da, *db, *dc;
    CHECK(cudaMalloc(&da, bytes));
    CHECK(cudaMalloc(&db, bytes));
    CHECK(cudaMalloc(&dc, bytes));
    vadd<<<1, 32>>>(da, db, dc, 0); // warm-up: loads the module
    CHECK_LAUNCH();
    CHECK(cudaDeviceSynchronize());

    Timer t;
    t.start();
    CHECK(cudaMemcpy(da, a.data(), bytes, cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(db, b.data(), bytes, cudaMemcpyHostToDevice));
    int threads = 256, blocks = (n + threads - 1) / threads;
    vadd<<<blocks, threads>>>(da, db, dc, n);
    CHECK_LAUNCH();
    CHECK(cudaMemcpy(c.data(), dc, bytes, cudaMemcpyDeviceToHost));
    t.stop();

    int bad = 0;
    for (int i = 0; i < n; i++)
        if (c[i] != a[i] + b[i])
            bad++;
    printf("vector_add n=%d mismatches=%d\n", n, bad);
    CHECK(cudaFree(da));
    CHECK(cudaFree(db));
    CHECK(cudaFree(dc));
    EXPECT(bad == 0, "%d mismatches", bad);
    t.report();
    return test_pass();
}
