// stress32 [SECONDS]: 32 host threads share the device for SECONDS
// (default 30), each with two streams, its own device buffer, pinned and
// pageable host buffers and two events.  Every round copies a buffer of a
// size drawn from the thread's generator (up to 8 MiB) in from pinned or
// pageable memory, runs two kernels, records an event that the second
// stream waits on, copies the result back there and checks every word
// against a CPU model; some rounds add a memset, an elapsed-time query or
// a stream synchronisation instead of an event one.  stdout: one line per
// thread, in thread order ("ok" or the first thing that went wrong);
// rounds per thread on stderr (they depend on speed).
#include "common.h"

#include <atomic>
#include <thread>
#include <vector>

__global__ void step(uint32_t *x, uint32_t n, uint32_t mul, uint32_t add)
{
    uint32_t i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        x[i] = x[i] * mul + add + i;
}

static const int kThreads = 32;
static const uint32_t kMaxN = 2u << 20; // words: 8 MiB
static char g_result[kThreads][200];
static long g_rounds[kThreads];
static double g_seconds = 30;

#define TCHECK(call)                                                           \
    do {                                                                       \
        cudaError_t e_ = (call);                                               \
        if (e_ != cudaSuccess) {                                               \
            snprintf(g_result[id], sizeof g_result[id],                        \
                     "round %ld line %d: %s", r, __LINE__,                     \
                     cudaGetErrorName(e_));                                    \
            return;                                                            \
        }                                                                      \
    } while (0)

static uint32_t model(uint32_t init, uint32_t i, long r, int id)
{
    uint32_t v = init * 3u + (uint32_t)r + i;
    return v * 5u + (uint32_t)id + i;
}

static void worker(int id)
{
    long r = 0;
    TCHECK(cudaSetDevice(0));
    cudaStream_t s1, s2;
    cudaEvent_t e1, e2;
    uint32_t *d, *pin_in, *pin_out;
    std::vector<uint32_t> page_in(kMaxN), page_out(kMaxN);
    TCHECK(cudaStreamCreateWithFlags(&s1, cudaStreamNonBlocking));
    TCHECK(cudaStreamCreateWithFlags(&s2, cudaStreamNonBlocking));
    TCHECK(cudaEventCreate(&e1));
    TCHECK(cudaEventCreate(&e2));
    TCHECK(cudaMalloc(&d, kMaxN * sizeof(uint32_t)));
    TCHECK(cudaMallocHost(&pin_in, kMaxN * sizeof(uint32_t)));
    TCHECK(cudaMallocHost(&pin_out, kMaxN * sizeof(uint32_t)));
    Rng rng(0x5eed0000u + id);
    auto t0 = std::chrono::steady_clock::now();
    for (;; r++) {
        double el = std::chrono::duration<double>(
                        std::chrono::steady_clock::now() - t0).count();
        if (el >= g_seconds)
            break;
        uint32_t n = (r % 16 == 15) ? kMaxN : 1 + rng.u32() % (kMaxN / 4);
        uint32_t seed = rng.u32();
        uint32_t *in = (r & 1) ? page_in.data() : pin_in;
        uint32_t *out = (r & 2) ? page_out.data() : pin_out;
        for (uint32_t i = 0; i < n; i++)
            in[i] = seed ^ (i * 2654435761u);
        size_t bytes = (size_t)n * sizeof(uint32_t);
        TCHECK(cudaMemcpyAsync(d, in, bytes, cudaMemcpyHostToDevice, s1));
        unsigned blocks = (n + 255) / 256;
        step<<<blocks, 256, 0, s1>>>(d, n, 3u, (uint32_t)r);
        TCHECK(cudaGetLastError());
        step<<<blocks, 256, 0, s1>>>(d, n, 5u, (uint32_t)id);
        TCHECK(cudaGetLastError());
        TCHECK(cudaEventRecord(e1, s1));
        TCHECK(cudaStreamWaitEvent(s2, e1, 0));
        TCHECK(cudaMemcpyAsync(out, d, bytes, cudaMemcpyDeviceToHost, s2));
        TCHECK(cudaEventRecord(e2, s2));
        if (r % 4 == 3) {
            TCHECK(cudaStreamSynchronize(s2));
        } else {
            TCHECK(cudaEventSynchronize(e2));
        }
        TCHECK(cudaEventQuery(e2));
        if (r % 8 == 7) {
            float ms = -1;
            TCHECK(cudaEventElapsedTime(&ms, e1, e2));
            if (!(ms >= 0)) {
                snprintf(g_result[id], sizeof g_result[id],
                         "round %ld: elapsed time %f", r, ms);
                return;
            }
        }
        for (uint32_t i = 0; i < n; i++) {
            uint32_t want = model(in[i], i, r, id);
            if (out[i] != want) {
                snprintf(g_result[id], sizeof g_result[id],
                         "round %ld: word %u of %u is %08x, want %08x", r, i,
                         n, out[i], want);
                return;
            }
        }
        if (r % 32 == 31) {
            TCHECK(cudaMemsetAsync(d, 0xa5, bytes, s1));
            TCHECK(cudaMemcpyAsync(out, d, bytes, cudaMemcpyDeviceToHost,
                                   s1));
            TCHECK(cudaStreamSynchronize(s1));
            for (uint32_t i = 0; i < n; i++) {
                if (out[i] != 0xa5a5a5a5u) {
                    snprintf(g_result[id], sizeof g_result[id],
                             "round %ld: memset word %u is %08x", r, i,
                             out[i]);
                    return;
                }
            }
        }
    }
    g_rounds[id] = r;
    TCHECK(cudaFreeHost(pin_in));
    TCHECK(cudaFreeHost(pin_out));
    TCHECK(cudaFree(d));
    TCHECK(cudaEventDestroy(e1));
    TCHECK(cudaEventDestroy(e2));
    TCHECK(cudaStreamDestroy(s1));
    TCHECK(cudaStreamDestroy(s2));
    TCHECK(cudaGetLastError());
    if (r == 0)
        snprintf(g_result[id], sizeof g_result[id], "no round finished");
    else
        snprintf(g_result[id], sizeof g_result[id], "ok");
}

int main(int argc, char **argv)
{
    test_init("stress32");
    if (argc > 1)
        g_seconds = atof(argv[1]);
    warm_up();
    step<<<1, 32>>>(nullptr, 0, 0, 0);
    CHECK_LAUNCH();
    CHECK(cudaDeviceSynchronize());

    Timer t;
    t.start();
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; i++)
        threads.emplace_back(worker, i);
    for (auto &th : threads)
        th.join();
    t.stop();

    int ok = 1;
    long total = 0, lo = -1, hi = 0;
    for (int i = 0; i < kThreads; i++) {
        printf("thread %2d: %s\n", i, g_result[i]);
        ok &= strcmp(g_result[i], "ok") == 0;
        total += g_rounds[i];
        lo = lo < 0 || g_rounds[i] < lo ? g_rounds[i] : lo;
        hi = g_rounds[i] > hi ? g_rounds[i] : hi;
    }
    fprintf(stderr, "stress32: %ld rounds in %.1f s (per thread %ld..%ld)\n",
            total, t.us() / 1e6, lo, hi);
    EXPECT(ok, "some threads failed");
    t.report();
    return test_pass();
}
