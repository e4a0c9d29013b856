// streams_overlap: a 16M-float job cut into chunks spread over 4 streams, each
// chunk doing async H2D copy, kernel, async D2H from pinned memory, so copies
// and kernels of different streams can overlap. Checked against the CPU.
#include "common.h"

#include <vector>

__global__ void transform(float *x, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) {
        float v = x[i];
        for (int k = 0; k < 16; k++) // some arithmetic so kernels take time
            v = v * 0.999f + 0.001f;
        x[i] = v;
    }
}

static float transform_cpu(float v)
{
    for (int k = 0; k < 16; k++)
        v = std::fma(v, 0.999f, 0.001f);
    return v;
}

int main()
{
    test_init("streams_overlap");
    const int nstreams = 4, nchunks = 16;
    const int n = 1 << 24, chunk = n / nchunks;

    warm_up();
    float *h, *d;
    CHECK(cudaMallocHost(&h, (size_t)n * sizeof(float)));
    CHECK(cudaMalloc(&d, (size_t)n * sizeof(float)));
    std::vector<float> ref(n);
    Rng rng(4);
    for (int i = 0; i < n; i++) {
        h[i] = rng.uniform(-10.0f, 10.0f);
        ref[i] = transform_cpu(h[i]);
    }
    cudaStream_t s[nstreams];
    for (int i = 0; i < nstreams; i++)
        CHECK(cudaStreamCreateWithFlags(&s[i], cudaStreamNonBlocking));
    transform<<<1, 32, 0, s[0]>>>(d, 0); // warm-up
    CHECK_LAUNCH();
    CHECK(cudaDeviceSynchronize());

    Timer t;
    t.start();
    for (int c = 0; c < nchunks; c++) {
        cudaStream_t st = s[c % nstreams];
        size_t off = (size_t)c * chunk, bytes = (size_t)chunk * sizeof(float);
        CHECK(cudaMemcpyAsync(d + off, h + off, bytes, cudaMemcpyHostToDevice, st));
        transform<<<(chunk + 255) / 256, 256, 0, st>>>(d + off, chunk);
        CHECK_LAUNCH();
        CHECK(cudaMemcpyAsync(h + off, d + off, bytes, cudaMemcpyDeviceToHost, st));
    }
    for (int i = 0; i < nstreams; i++)
        CHECK(cudaStreamSynchronize(s[i]));
    t.stop();

    // The device may or may not contract to FMA; allow a few ulps.
    int bad = 0;
    for (int i = 0; i < n; i++)
        if (!close_enough(h[i], ref[i], 1e-5, 1e-5))
            bad++;
    printf("streams=%d chunks=%d n=%d bad=%d\n", nstreams, nchunks, n, bad);
    for (int i = 0; i < nstreams; i++)
        CHECK(cudaStreamDestroy(s[i]));
    CHECK(cudaFreeHost(h));
    CHECK(cudaFree(d));
    EXPECT(bad == 0, "%d mismatches", bad);
    t.report();
    return test_pass();
}
