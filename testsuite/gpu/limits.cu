// limits: cudaDeviceGetLimit / SetLimit for the stack size, printf FIFO and
// malloc heap (each set value reads back as at least what was asked), then a
// kernel in 4096 threads using device-side malloc/free from the heap.
#include "common.h"

__global__ void heap_user(unsigned long long *sums, int words)
{
    int t = blockIdx.x * blockDim.x + threadIdx.x;
    unsigned *p = (unsigned *)malloc(words * sizeof(unsigned));
    if (!p) {
        sums[t] = 0;
        return;
    }
    for (int i = 0; i < words; i++)
        p[i] = t + i;
    unsigned long long s = 0;
    for (int i = 0; i < words; i++)
        s += p[i];
    free(p);
    sums[t] = s;
}

static int check_limit(const char *name, cudaLimit lim, size_t want)
{
    size_t before = 0, after = 0;
    CHECK(cudaDeviceGetLimit(&before, lim));
    CHECK(cudaDeviceSetLimit(lim, want));
    CHECK(cudaDeviceGetLimit(&after, lim));
    bool ok = before > 0 && after >= want;
    printf("%s: default > 0: %s, after setting %zu: >= requested: %s\n", name,
           before > 0 ? "yes" : "no", want, after >= want ? "yes" : "no");
    return ok;
}

int main()
{
    test_init("limits");
    warm_up();
    Timer t;
    t.start();
    int ok = 1;
    ok &= check_limit("stack size", cudaLimitStackSize, 16384);
    ok &= check_limit("printf FIFO", cudaLimitPrintfFifoSize, 8u << 20);
    ok &= check_limit("malloc heap", cudaLimitMallocHeapSize, 64u << 20);

    const int threads = 4096, words = 256; // 4 MiB from the device heap
    unsigned long long *dsums;
    CHECK(cudaMalloc(&dsums, threads * sizeof(unsigned long long)));
    heap_user<<<threads / 256, 256>>>(dsums, words);
    CHECK_LAUNCH();
    static unsigned long long sums[threads];
    CHECK(cudaMemcpy(sums, dsums, sizeof sums, cudaMemcpyDeviceToHost));
    int bad = 0;
    for (int th = 0; th < threads; th++)
        bad += sums[th] != (unsigned long long)words * th + words * (words - 1) / 2;
    printf("device malloc in %d threads: bad=%d\n", threads, bad);
    CHECK(cudaFree(dsums));
    t.stop();
    EXPECT(ok && bad == 0, "limit checks failed");
    t.report();
    return test_pass();
}
