// mem_pools: stream-ordered allocation from the default pool and from a pool
// of our own (attributes, access, trimming, the device's and a location's
// current pool), memory reused across streams through events; then batched
// copies (cudaMemcpyBatchAsync host <-> device and device <-> device,
// cudaMemcpy3DBatchAsync with pointers and an array), checked word by word.
#include "common.h"

#include <vector>

static const int N = 1 << 18;

__global__ void fill(unsigned *p, unsigned v, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        p[i] = v + (unsigned)i;
}

__global__ void addk(unsigned *p, unsigned v, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        p[i] += v;
}

static void expect_words(const unsigned *h, int n, unsigned base,
                         const char *what)
{
    for (int i = 0; i < n; i++)
        EXPECT(h[i] == base + (unsigned)i, "%s: [%d] = %u, want %u", what, i,
               h[i], base + (unsigned)i);
    printf("%s: %d words exact\n", what, n);
}

static cudaMemLocation device0()
{
    cudaMemLocation loc = {};
    loc.type = cudaMemLocationTypeDevice;
    loc.id = 0;
    return loc;
}

static void pools(cudaStream_t s1, cudaStream_t s2)
{
    std::vector<unsigned> h(N);
    cudaMemPool_t def, cur;
    CHECK(cudaDeviceGetDefaultMemPool(&def, 0));
    CHECK(cudaDeviceGetMemPool(&cur, 0));
    printf("current pool is the default: %s\n", cur == def ? "yes" : "no");
    cudaMemLocation loc = device0();
    cudaMemPool_t by_loc;
    CHECK(cudaMemGetDefaultMemPool(&by_loc, &loc, cudaMemAllocationTypePinned));
    printf("default pool by location is the same: %s\n",
           by_loc == def ? "yes" : "no");

    // The default pool: allocate on s1, fill, free; reuse on s2 after an
    // event.
    unsigned *d;
    CHECK(cudaMallocAsync(&d, N * sizeof(unsigned), s1));
    fill<<<N / 256, 256, 0, s1>>>(d, 7, N);
    CHECK_LAUNCH();
    CHECK(cudaMemcpyAsync(h.data(), d, N * sizeof(unsigned),
                          cudaMemcpyDeviceToHost, s1));
    CHECK(cudaStreamSynchronize(s1));
    expect_words(h.data(), N, 7, "default pool");
    CHECK(cudaFreeAsync(d, s1));
    cudaEvent_t ev;
    CHECK(cudaEventCreateWithFlags(&ev, cudaEventDisableTiming));
    CHECK(cudaEventRecord(ev, s1));
    CHECK(cudaStreamWaitEvent(s2, ev, 0));
    CHECK(cudaMallocAsync(&d, N * sizeof(unsigned), s2));
    fill<<<N / 256, 256, 0, s2>>>(d, 100, N);
    CHECK_LAUNCH();
    CHECK(cudaMemcpyAsync(h.data(), d, N * sizeof(unsigned),
                          cudaMemcpyDeviceToHost, s2));
    CHECK(cudaFreeAsync(d, s2));
    CHECK(cudaStreamSynchronize(s2));
    expect_words(h.data(), N, 100, "default pool after an event");

    // A pool of our own.
    cudaMemPoolProps props = {};
    props.allocType = cudaMemAllocationTypePinned;
    props.handleTypes = cudaMemHandleTypeNone;
    props.location = device0();
    cudaMemPool_t pool;
    CHECK(cudaMemPoolCreate(&pool, &props));
    unsigned long long thr = ~0ull, got = 0;
    CHECK(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold,
                                  &thr));
    CHECK(cudaMemPoolGetAttribute(pool, cudaMemPoolAttrReleaseThreshold,
                                  &got));
    printf("release threshold kept: %s\n", got == thr ? "yes" : "no");
    int reuse = -1;
    CHECK(cudaMemPoolGetAttribute(pool, cudaMemPoolReuseAllowOpportunistic,
                                  &reuse));
    printf("opportunistic reuse: %d\n", reuse);
    cudaMemAccessFlags fl;
    CHECK(cudaMemPoolGetAccess(&fl, pool, &loc));
    printf("device 0 access: %d\n", (int)fl);

    CHECK(cudaMallocFromPoolAsync((void **)&d, N * sizeof(unsigned), pool,
                                  s1));
    CHECK(cudaMemPoolGetAttribute(pool, cudaMemPoolAttrUsedMemCurrent, &got));
    printf("pool in use >= allocation: %s\n",
           got >= N * sizeof(unsigned) ? "yes" : "no");
    fill<<<N / 256, 256, 0, s1>>>(d, 3, N);
    addk<<<N / 256, 256, 0, s1>>>(d, 4, N);
    CHECK_LAUNCH();
    CHECK(cudaMemcpyAsync(h.data(), d, N * sizeof(unsigned),
                          cudaMemcpyDeviceToHost, s1));
    CHECK(cudaFreeAsync(d, s1));
    CHECK(cudaStreamSynchronize(s1));
    expect_words(h.data(), N, 7, "own pool");
    CHECK(cudaMemPoolGetAttribute(pool, cudaMemPoolAttrUsedMemCurrent, &got));
    printf("pool in use after free: %llu\n", got);
    CHECK(cudaMemPoolTrimTo(pool, 0));
    CHECK(cudaMemPoolGetAttribute(pool, cudaMemPoolAttrReservedMemCurrent,
                                  &got));
    printf("pool reserved after trim: %llu\n", got);

    // Our pool as the device's current one: cudaMallocAsync draws on it.
    CHECK(cudaDeviceSetMemPool(0, pool));
    CHECK(cudaDeviceGetMemPool(&cur, 0));
    printf("current pool is ours: %s\n", cur == pool ? "yes" : "no");
    CHECK(cudaMallocAsync(&d, N * sizeof(unsigned), s1));
    CHECK(cudaStreamSynchronize(s1));
    CHECK(cudaMemPoolGetAttribute(pool, cudaMemPoolAttrUsedMemCurrent, &got));
    printf("cudaMallocAsync drew on our pool: %s\n",
           got >= N * sizeof(unsigned) ? "yes" : "no");
    CHECK(cudaFreeAsync(d, s1));
    CHECK(cudaStreamSynchronize(s1));
    CHECK(cudaMemSetMemPool(&loc, cudaMemAllocationTypePinned, def));
    CHECK(cudaMemGetMemPool(&cur, &loc, cudaMemAllocationTypePinned));
    printf("current pool by location is the default again: %s\n",
           cur == def ? "yes" : "no");
    CHECK(cudaMemPoolDestroy(pool));
    CHECK(cudaEventDestroy(ev));
}

static void batches(cudaStream_t s)
{
    const int K = 4, M = 5000;
    std::vector<std::vector<unsigned>> in(K, std::vector<unsigned>(M)),
        out(K, std::vector<unsigned>(M));
    unsigned *d[K], *d2[K];
    void *dsts[K];
    const void *srcs[K];
    size_t sizes[K];
    for (int k = 0; k < K; k++) {
        for (int i = 0; i < M; i++)
            in[k][i] = (unsigned)(1000 * k + i);
        CHECK(cudaMalloc(&d[k], M * sizeof(unsigned)));
        CHECK(cudaMalloc(&d2[k], M * sizeof(unsigned)));
        dsts[k] = d[k];
        srcs[k] = in[k].data();
        sizes[k] = (size_t)(M - k) * sizeof(unsigned); // different sizes
    }
    cudaMemcpyAttributes attr = {};
    attr.srcAccessOrder = cudaMemcpySrcAccessOrderStream;
    size_t idx = 0;
    CHECK(cudaMemcpyBatchAsync(dsts, srcs, sizes, K, &attr, &idx, 1, s));
    // Device to device, then back to the host, in the same stream.
    for (int k = 0; k < K; k++) {
        dsts[k] = d2[k];
        srcs[k] = d[k];
    }
    CHECK(cudaMemcpyBatchAsync(dsts, srcs, sizes, K, &attr, &idx, 1, s));
    for (int k = 0; k < K; k++) {
        dsts[k] = out[k].data();
        srcs[k] = d2[k];
        std::fill(out[k].begin(), out[k].end(), 0xdeadbeefu);
    }
    CHECK(cudaMemcpyBatchAsync(dsts, srcs, sizes, K, &attr, &idx, 1, s));
    CHECK(cudaStreamSynchronize(s));
    for (int k = 0; k < K; k++)
        for (int i = 0; i < M; i++) {
            unsigned want = i < M - k ? in[k][i] : 0xdeadbeefu;
            EXPECT(out[k][i] == want, "batch %d: [%d] = %u, want %u", k, i,
                   out[k][i], want);
        }
    printf("cudaMemcpyBatchAsync: %d copies each way exact\n", K);

    // 3D batch: a 16 x 8 x 2 box of words into an array, then from the
    // array into device memory at an offset.
    const int X = 16, Y = 8, Z = 2;
    std::vector<unsigned> box(X * Y * Z), back(X * Y * Z, 0);
    for (int i = 0; i < X * Y * Z; i++)
        box[i] = 77u * (unsigned)i;
    cudaChannelFormatDesc f = cudaCreateChannelDesc<unsigned>();
    cudaArray_t a;
    CHECK(cudaMalloc3DArray(&a, &f, make_cudaExtent(X, Y, Z), 0));
    unsigned *dv;
    CHECK(cudaMalloc(&dv, X * Y * Z * sizeof(unsigned)));
    cudaMemcpy3DBatchOp op[2] = {};
    op[0].src.type = cudaMemcpyOperandTypePointer;
    op[0].src.op.ptr.ptr = box.data();
    op[0].src.op.ptr.rowLength = X;
    op[0].src.op.ptr.layerHeight = Y;
    op[0].dst.type = cudaMemcpyOperandTypeArray;
    op[0].dst.op.array.array = a;
    op[0].extent = make_cudaExtent(X, Y, Z);
    op[0].srcAccessOrder = cudaMemcpySrcAccessOrderStream;
    op[1].src.type = cudaMemcpyOperandTypeArray;
    op[1].src.op.array.array = a;
    op[1].dst.type = cudaMemcpyOperandTypePointer;
    op[1].dst.op.ptr.ptr = dv;
    op[1].dst.op.ptr.rowLength = X;
    op[1].dst.op.ptr.layerHeight = Y;
    op[1].extent = make_cudaExtent(X, Y, Z);
    op[1].srcAccessOrder = cudaMemcpySrcAccessOrderStream;
    CHECK(cudaMemcpy3DBatchAsync(1, &op[0], 0, s));
    CHECK(cudaMemcpy3DBatchAsync(1, &op[1], 0, s));
    CHECK(cudaMemcpyAsync(back.data(), dv, X * Y * Z * sizeof(unsigned),
                          cudaMemcpyDeviceToHost, s));
    CHECK(cudaStreamSynchronize(s));
    for (int i = 0; i < X * Y * Z; i++)
        EXPECT(back[i] == box[i], "3D batch: [%d] = %u", i, back[i]);
    printf("cudaMemcpy3DBatchAsync: host -> array -> device exact\n");

    // The legacy stream is refused.
    cudaError_t e = cudaMemcpyBatchAsync(dsts, srcs, sizes, K, &attr, &idx, 1,
                                         0);
    printf("batch on the legacy stream: %s\n", cudaGetErrorName(e));
    (void)cudaGetLastError();
    CHECK(cudaFreeArray(a));
    CHECK(cudaFree(dv));
    for (int k = 0; k < K; k++) {
        CHECK(cudaFree(d[k]));
        CHECK(cudaFree(d2[k]));
    }
}

int main()
{
    test_init("mem_pools");
    warm_up();
    cudaStream_t s1, s2;
    CHECK(cudaStreamCreateWithFlags(&s1, cudaStreamNonBlocking));
    CHECK(cudaStreamCreateWithFlags(&s2, cudaStreamNonBlocking));
    Timer t;
    t.start();
    pools(s1, s2);
    batches(s1);
    t.stop();
    t.report();
    CHECK(cudaStreamDestroy(s1));
    CHECK(cudaStreamDestroy(s2));
    return test_pass();
}
