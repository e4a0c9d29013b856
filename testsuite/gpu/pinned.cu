// pinned: page-locked host memory three ways (cudaMallocHost, cudaHostAlloc,
// cudaHostRegister on malloc'd memory), each used for async H2D copy, kernel,
// async D2H back into the same buffer on a stream, then checked.
#include "common.h"

__global__ void negate_add(unsigned *x, size_t n, unsigned k)
{
    size_t i = (size_t)blockIdx.x * blockDim.x + threadIdx.x;
    for (; i < n; i += (size_t)gridDim.x * blockDim.x)
        x[i] = ~x[i] + k;
}

static long long g_gpu_us; // time spent in copies and kernels only

// Fill, round-trip through the device on stream s, verify.
static int round_trip(const char *what, unsigned *h, unsigned *d, size_t n, unsigned k,
                      cudaStream_t s)
{
    Rng rng(8);
    for (size_t i = 0; i < n; i++)
        h[i] = rng.u32();
    Timer t;
    t.start();
    CHECK(cudaMemcpyAsync(d, h, n * sizeof(unsigned), cudaMemcpyHostToDevice, s));
    negate_add<<<1024, 256, 0, s>>>(d, n, k);
    CHECK_LAUNCH();
    CHECK(cudaMemcpyAsync(h, d, n * sizeof(unsigned), cudaMemcpyDeviceToHost, s));
    CHECK(cudaStreamSynchronize(s));
    t.stop();
    g_gpu_us += t.us();
    Rng again(8);
    size_t bad = 0;
    for (size_t i = 0; i < n; i++)
        if (h[i] != ~again.u32() + k)
            bad++;
    printf("%s: %zu words, bad=%zu\n", what, n, bad);
    return bad == 0;
}

int main(int argc, char **argv)
{
    test_init("pinned");
    size_t mib = argc > 1 ? (size_t)atoi(argv[1]) : 64;
    size_t bytes = mib << 20, n = bytes / sizeof(unsigned);

    warm_up();
    unsigned *d;
    CHECK(cudaMalloc(&d, bytes));
    cudaStream_t s;
    CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));

    unsigned *h1, *h2, *h3;
    CHECK(cudaMallocHost(&h1, bytes));
    CHECK(cudaHostAlloc(&h2, bytes, cudaHostAllocPortable));
    h3 = (unsigned *)aligned_alloc(4096, bytes);
    EXPECT(h3 != nullptr, "out of host memory");
    CHECK(cudaHostRegister(h3, bytes, cudaHostRegisterDefault));
    negate_add<<<1, 32, 0, s>>>(d, 0, 0); // warm-up
    CHECK_LAUNCH();
    CHECK(cudaStreamSynchronize(s));

    int ok = round_trip("cudaMallocHost", h1, d, n, 1, s);
    ok &= round_trip("cudaHostAlloc(Portable)", h2, d, n, 2, s);
    ok &= round_trip("cudaHostRegister", h3, d, n, 3, s);

    CHECK(cudaHostUnregister(h3));
    free(h3);
    CHECK(cudaFreeHost(h1));
    CHECK(cudaFreeHost(h2));
    CHECK(cudaStreamDestroy(s));
    CHECK(cudaFree(d));
    EXPECT(ok, "data mismatch");
    Timer::report_time(g_gpu_us);
    return test_pass();
}
