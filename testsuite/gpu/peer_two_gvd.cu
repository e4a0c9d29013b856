// peer_two_gvd: devices 0 and 1 served by two gvd (GVIRTUS_SERVERS lists
// both; gpu-host.sh run_peer).  A kernel fills device 0, cudaMemcpyPeer
// copies to device 1, a kernel on device 1 checks every word; then the
// other way with cudaMemcpyPeerAsync in a stream of the source and of the
// destination.  The copies go gvd worker to gvd worker, never through
// this process: the script compares gvd's peer counters (gvctl status)
// with the "PEER_BYTES" line printed here.  Not in the suite's manifest:
// it needs two devices.
#include "common.h"

__global__ void fill(uint32_t *p, size_t n, uint32_t seed)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x)
        p[i] = (uint32_t)(i * 2654435761u) ^ seed;
}

__global__ void verify(const uint32_t *p, size_t n, uint32_t seed,
                       unsigned long long *bad)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x)
        if (p[i] != ((uint32_t)(i * 2654435761u) ^ seed))
            atomicAdd(bad, 1ull);
}

// how: 0 cudaMemcpyPeer, 1 PeerAsync in a source stream, 2 in a
// destination stream.  Returns the bytes copied.
static size_t one(int sd, int dd, size_t words, int how, uint32_t seed)
{
    size_t n = words * 4;
    uint32_t *s, *d;
    unsigned long long *bad, nbad = 0;
    cudaStream_t st = nullptr;

    CHECK(cudaSetDevice(sd));
    CHECK(cudaMalloc(&s, n));
    fill<<<256, 256>>>(s, words, seed);
    CHECK_LAUNCH();
    CHECK(cudaSetDevice(dd));
    CHECK(cudaMalloc(&d, n));
    CHECK(cudaMemset(d, 0, n));
    CHECK(cudaMalloc(&bad, sizeof(*bad)));
    CHECK(cudaMemset(bad, 0, sizeof(*bad)));
    CHECK(cudaDeviceSynchronize());
    if (how > 0) {
        CHECK(cudaSetDevice(how == 1 ? sd : dd));
        CHECK(cudaStreamCreate(&st));
    }
    Timer t;
    t.start();
    if (how == 0) {
        CHECK(cudaMemcpyPeer(d, dd, s, sd, n));
    } else {
        CHECK(cudaMemcpyPeerAsync(d, dd, s, sd, n, st));
        CHECK(cudaStreamSynchronize(st));
        CHECK(cudaStreamDestroy(st));
    }
    t.stop();
    double us = t.us() > 0 ? (double)t.us() : 1.0;
    CHECK(cudaSetDevice(dd));
    verify<<<256, 256>>>(d, words, seed, bad);
    CHECK_LAUNCH();
    CHECK(cudaMemcpy(&nbad, bad, sizeof(nbad), cudaMemcpyDeviceToHost));
    EXPECT(nbad == 0, "%zu bytes %d -> %d (how %d): %llu words wrong", n,
           sd, dd, how, nbad);
    printf("peer %d -> %d %9zu bytes how %d: ok, %.2f GB/s\n", sd, dd, n,
           how, n / us / 1e3);
    CHECK(cudaFree(bad));
    CHECK(cudaFree(d));
    CHECK(cudaSetDevice(sd));
    CHECK(cudaFree(s));
    return n;
}

int main()
{
    test_init("peer_two_gvd");
    int count = 0;
    CHECK(cudaGetDeviceCount(&count));
    EXPECT(count == 2, "%d devices; run with GVIRTUS_SERVERS naming two gvd",
           count);
    static const size_t words[] = { 1, (1u << 18) + 3, 16u << 20,
                                    64u << 20 };
    size_t out0 = 0, out1 = 0;
    for (size_t w : words) {
        for (int how = 0; how < 3; how++) {
            out0 += one(0, 1, w, how, (uint32_t)(w + how));
            out1 += one(1, 0, w + 1, how, (uint32_t)(w * 3 + how));
        }
    }
    // An invalid range is refused and the devices still copy.
    uint32_t *a, *b;
    CHECK(cudaSetDevice(0));
    CHECK(cudaMalloc(&a, 4096));
    CHECK(cudaSetDevice(1));
    CHECK(cudaMalloc(&b, 4096));
    cudaError_t e = cudaMemcpyPeer(b, 1, a, 0, 8192);
    EXPECT(e == cudaErrorInvalidValue, "range past the end: %s",
           cudaGetErrorName(e));
    // As natively, the refusal is also this thread's last error.
    e = cudaGetLastError();
    EXPECT(e == cudaErrorInvalidValue, "last error after the refusal: %s",
           cudaGetErrorName(e));
    CHECK(cudaFree(b));
    CHECK(cudaSetDevice(0));
    CHECK(cudaFree(a));
    out0 += one(0, 1, 1000, 0, 7);
    printf("PEER_BYTES %zu %zu\n", out0, out1);
    return test_pass();
}
