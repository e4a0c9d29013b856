/*
 * simapp.c - a CUDA program (runtime API, no kernels) linked against our
 * libcudart.so.13, driven by test_gvd.c against gvd's simulated device.
 *
 *   simapp MODE [ARG]
 *
 * Each mode exercises one part of the data path and exits 0 when every
 * result was right; failures print one line saying what differed.
 */
#include <cuda_runtime_api.h>
#include "gvx_cuda.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK(call)                                                           \
    do {                                                                      \
        cudaError_t e_ = (call);                                              \
        if (e_ != cudaSuccess) {                                              \
            printf("FAIL %s:%d %s -> %s\n", __FILE__, __LINE__, #call,        \
                   cudaGetErrorName(e_));                                     \
            exit(1);                                                          \
        }                                                                     \
    } while (0)

#define EXPECT(call, want)                                                    \
    do {                                                                      \
        cudaError_t e_ = (call);                                              \
        if (e_ != (want)) {                                                   \
            printf("FAIL %s:%d %s -> %s, wanted %s\n", __FILE__, __LINE__,    \
                   #call, cudaGetErrorName(e_), cudaGetErrorName(want));      \
            exit(1);                                                          \
        }                                                                     \
    } while (0)

static void fill(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(i * 7 + seed + (i >> 13));
    }
}

static void round_trip(size_t n, int pinned, int async)
{
    uint8_t *h, *back;
    cudaStream_t s;
    void *d;

    if (pinned) {
        CHECK(cudaMallocHost((void **)&h, n));
        CHECK(cudaMallocHost((void **)&back, n));
    } else {
        h = malloc(n);
        back = malloc(n);
    }
    fill(h, n, (unsigned)n);
    memset(back, 0, n);
    CHECK(cudaStreamCreate(&s));
    CHECK(cudaMalloc(&d, n));
    if (async) {
        CHECK(cudaMemcpyAsync(d, h, n, cudaMemcpyHostToDevice, s));
        CHECK(cudaMemcpyAsync(back, d, n, cudaMemcpyDeviceToHost, s));
        CHECK(cudaStreamSynchronize(s));
    } else {
        CHECK(cudaMemcpy(d, h, n, cudaMemcpyHostToDevice));
        CHECK(cudaMemcpy(back, d, n, cudaMemcpyDeviceToHost));
    }
    if (memcmp(h, back, n) != 0) {
        printf("FAIL round trip of %zu bytes (pinned %d, async %d)\n", n,
               pinned, async);
        exit(1);
    }
    CHECK(cudaFree(d));
    CHECK(cudaStreamDestroy(s));
    if (pinned) {
        CHECK(cudaFreeHost(h));
        CHECK(cudaFreeHost(back));
    } else {
        free(h);
        free(back);
    }
}

static int mode_copies(void)
{
    static const size_t sizes[] = { 1, 100, 4096, 65536, 1 << 20,
                                    (8 << 20) + 3, 40 << 20 };
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        for (int k = 0; k < 4; k++) {
            round_trip(sizes[i], k & 1, k >> 1);
        }
    }
    return 0;
}

static int mode_big(size_t mib)
{
    round_trip(mib << 20, 0, 0);
    round_trip(mib << 20, 1, 1);
    return 0;
}

/* Device info, memory info, memset, D2D, Default direction, 2D/3D. */
static int mode_device(void)
{
    struct cudaDeviceProp p;
    size_t free0, free1, total, pitch;
    uint8_t h[64 * 48], back[64 * 48];
    struct cudaPitchedPtr pp;
    struct cudaMemcpy3DParms m;
    int n, dev, v;
    void *a, *b;

    CHECK(cudaGetDeviceCount(&n));
    CHECK(cudaGetDevice(&dev));
    CHECK(cudaGetDeviceProperties(&p, 0));
    CHECK(cudaDeviceGetAttribute(&v, cudaDevAttrMaxThreadsPerBlock, 0));
    if (n != 1 || dev != 0 || strstr(p.name, "simulated") == NULL ||
        v != 1024) {
        printf("FAIL device info: n=%d dev=%d name=%s maxthreads=%d\n", n,
               dev, p.name, v);
        return 1;
    }
    EXPECT(cudaSetDevice(7), cudaErrorInvalidDevice);
    CHECK(cudaMemGetInfo(&free0, &total));
    CHECK(cudaMalloc(&a, 1 << 20));
    CHECK(cudaMemGetInfo(&free1, &total));
    if (free1 + (1 << 20) != free0) {
        printf("FAIL memory info %zu -> %zu\n", free0, free1);
        return 1;
    }
    CHECK(cudaMalloc(&b, 1 << 20));
    CHECK(cudaMemset(a, 0x5a, 1 << 20));
    CHECK(cudaMemcpy(b, a, 1 << 20, cudaMemcpyDefault));
    CHECK(cudaMemcpy(h, b, sizeof(h), cudaMemcpyDefault));
    for (size_t i = 0; i < sizeof(h); i++) {
        if (h[i] != 0x5a) {
            printf("FAIL memset/D2D byte %zu = %d\n", i, h[i]);
            return 1;
        }
    }
    /* 2D: 48 rows of 64 bytes into a pitched allocation and back. */
    fill(h, sizeof(h), 9);
    CHECK(cudaFree(b));
    CHECK(cudaMallocPitch(&b, &pitch, 64, 48));
    CHECK(cudaMemcpy2D(b, pitch, h, 64, 64, 48, cudaMemcpyHostToDevice));
    memset(back, 0, sizeof(back));
    CHECK(cudaMemcpy2D(back, 64, b, pitch, 64, 48, cudaMemcpyDeviceToHost));
    if (memcmp(h, back, sizeof(h)) != 0) {
        printf("FAIL 2D round trip\n");
        return 1;
    }
    /* 3D: 64 x 6 x 8 bytes. */
    CHECK(cudaMalloc3D(&pp, gvx_extent(64, 6, 8)));
    memset(&m, 0, sizeof(m));
    m.srcPtr = gvx_pitched(h, 64, 64, 6);
    m.dstPtr = pp;
    m.extent = gvx_extent(64, 6, 8);
    m.kind = cudaMemcpyHostToDevice;
    CHECK(cudaMemcpy3D(&m));
    memset(back, 0, sizeof(back));
    m.srcPtr = pp;
    m.dstPtr = gvx_pitched(back, 64, 64, 6);
    m.kind = cudaMemcpyDeviceToHost;
    CHECK(cudaMemcpy3D(&m));
    if (memcmp(h, back, 64 * 6 * 8) != 0) {
        printf("FAIL 3D round trip\n");
        return 1;
    }
    CHECK(cudaFree(pp.ptr));
    CHECK(cudaFree(a));
    CHECK(cudaFree(b));
    return 0;
}

static int order[8];
static int n_order;

static void CUDART_CB host_fn(void *arg)
{
    order[n_order++] = (int)(intptr_t)arg;
}

/* Streams, events, host functions. */
static int mode_streams(void)
{
    cudaStream_t s1, s2;
    cudaEvent_t e1, e2;
    float ms = -1;

    CHECK(cudaStreamCreateWithFlags(&s1, cudaStreamNonBlocking));
    CHECK(cudaStreamCreate(&s2));
    CHECK(cudaEventCreate(&e1));
    CHECK(cudaEventCreate(&e2));
    CHECK(cudaEventRecord(e1, s1));
    CHECK(cudaLaunchHostFunc(s1, host_fn, (void *)1));
    CHECK(cudaLaunchHostFunc(s1, host_fn, (void *)2));
    CHECK(cudaStreamWaitEvent(s2, e1, 0));
    CHECK(cudaEventRecord(e2, s1));
    CHECK(cudaStreamSynchronize(s1));
    CHECK(cudaEventSynchronize(e2));
    CHECK(cudaEventElapsedTime(&ms, e1, e2));
    CHECK(cudaStreamQuery(s2));
    CHECK(cudaEventQuery(e2));
    CHECK(cudaDeviceSynchronize());
    if (n_order != 2 || order[0] != 1 || order[1] != 2 || ms < 0) {
        printf("FAIL host functions ran %d (%d,%d), elapsed %f\n", n_order,
               order[0], order[1], ms);
        return 1;
    }
    CHECK(cudaEventDestroy(e1));
    CHECK(cudaEventDestroy(e2));
    CHECK(cudaStreamDestroy(s1));
    CHECK(cudaStreamDestroy(s2));
    return 0;
}

static int seen[12], order12[12];
static int n12;
static int *pinned12;

static void CUDART_CB step_fn(void *arg)
{
    int i = (int)(intptr_t)arg;

    order12[n12++] = i;
    seen[i] = pinned12[i];
}

static void CUDART_CB step_cb(cudaStream_t s, cudaError_t st, void *arg)
{
    (void)s;
    (void)st;
    step_fn(arg);
}

/* Host functions interleaved with asynchronous copies (as
 * testsuite/gpu/host_callbacks): each sees the data copied before it. */
static int mode_hostfns(void)
{
    cudaStream_t s;
    int *d;

    CHECK(cudaMalloc((void **)&d, 12 * sizeof(int)));
    CHECK(cudaMallocHost((void **)&pinned12, 12 * sizeof(int)));
    CHECK(cudaStreamCreate(&s));
    for (int round = 0; round < 20; round++) {
        n12 = 0;
        for (int i = 0; i < 12; i++) {
            pinned12[i] = -1;
        }
        for (int i = 0; i < 12; i++) {
            CHECK(cudaMemsetAsync(d + i, (round + i) & 0x7f, sizeof(int), s));
            CHECK(cudaMemcpyAsync(pinned12 + i, d + i, sizeof(int),
                                  cudaMemcpyDeviceToHost, s));
            if (i % 2 == 0) {
                CHECK(cudaLaunchHostFunc(s, step_fn, (void *)(intptr_t)i));
            } else {
                CHECK(cudaStreamAddCallback(s, step_cb, (void *)(intptr_t)i,
                                            0));
            }
        }
        CHECK(cudaStreamSynchronize(s));
        for (int i = 0; i < 12; i++) {
            int b = (round + i) & 0x7f, want = b | b << 8 | b << 16 | b << 24;
            if (n12 != 12 || order12[i] != i || seen[i] != want) {
                printf("now pinned[%d] = %d\n", i, pinned12[i]);
                printf("FAIL round %d: %d host functions; step %d ran %d-th "
                       "and saw %d, not %d\n", round, n12, i, order12[i],
                       seen[i], want);
                return 1;
            }
        }
    }
    CHECK(cudaFreeHost(pinned12));
    CHECK(cudaFree(d));
    return 0;
}

/* Forged and stale handles and pointers get CUDA's errors, and the
 * worker lives on to serve the next call. */
static int mode_forged(void)
{
    void *d, *forged = (void *)(uintptr_t)0x7f0000123000ull;
    cudaStream_t bogus = (cudaStream_t)(uintptr_t)0xdeadbeef000ull;
    cudaEvent_t ev;
    uint8_t h[256];

    CHECK(cudaMalloc(&d, 1024));
    /* Through the driver path, not caught locally: a raw Default copy. */
    EXPECT(cudaMemcpy(forged, h, sizeof(h), cudaMemcpyHostToDevice),
           cudaErrorInvalidValue);
    EXPECT(cudaMemcpy(h, (char *)d + 1000, 100, cudaMemcpyDeviceToHost),
           cudaErrorInvalidValue);
    EXPECT(cudaFree(forged), cudaErrorInvalidValue);
    EXPECT(cudaStreamSynchronize(bogus), cudaErrorInvalidResourceHandle);
    /* One-way calls report late, as CUDA's asynchronous errors do: at the
     * next synchronisation. */
    CHECK(cudaMemsetAsync(d, 0, 1024, bogus));
    EXPECT(cudaDeviceSynchronize(), cudaErrorInvalidResourceHandle);
    CHECK(cudaDeviceSynchronize());
    CHECK(cudaEventCreate(&ev));
    CHECK(cudaEventDestroy(ev));
    EXPECT(cudaEventQuery(ev), cudaErrorInvalidResourceHandle);
    EXPECT(cudaMemcpy(h, d, 10, (enum cudaMemcpyKind)42),
           cudaErrorInvalidMemcpyDirection);
    CHECK(cudaFree(d));
    EXPECT(cudaFree(d), cudaErrorInvalidValue);
    EXPECT(cudaGetLastError(), cudaErrorInvalidValue);
    EXPECT(cudaGetLastError(), cudaSuccess);
    CHECK(cudaMalloc(&d, 64)); /* still alive */
    CHECK(cudaFree(d));
    return 0;
}

static int mode_quota(void)
{
    void *a, *b;

    CHECK(cudaMalloc(&a, 40 << 20));
    EXPECT(cudaMalloc(&b, 40 << 20), cudaErrorMemoryAllocation);
    CHECK(cudaFree(a));
    CHECK(cudaMalloc(&b, 40 << 20));
    CHECK(cudaFree(b));
    return 0;
}

static void *thread_main(void *arg)
{
    size_t n = (size_t)(uintptr_t)arg;
    uint8_t *h = malloc(n), *back = malloc(n);
    cudaStream_t s;
    void *d;
    long bad = 0;

    fill(h, n, (unsigned)n);
    CHECK(cudaStreamCreate(&s));
    CHECK(cudaMalloc(&d, n));
    for (int i = 0; i < 50; i++) {
        h[0] = (uint8_t)i;
        CHECK(cudaMemcpyAsync(d, h, n, cudaMemcpyHostToDevice, s));
        CHECK(cudaMemcpyAsync(back, d, n, cudaMemcpyDeviceToHost, s));
        CHECK(cudaStreamSynchronize(s));
        bad += memcmp(h, back, n) != 0;
    }
    CHECK(cudaFree(d));
    CHECK(cudaStreamDestroy(s));
    free(h);
    free(back);
    return (void *)bad;
}

static int mode_threads(void)
{
    pthread_t th[8];
    long bad = 0;
    void *r;

    for (int i = 0; i < 8; i++) {
        pthread_create(&th[i], NULL, thread_main,
                       (void *)(uintptr_t)(1000 + 37 * i * i * i));
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], &r);
        bad += (long)r;
    }
    if (bad != 0) {
        printf("FAIL %ld bad round trips in threads\n", bad);
    }
    return bad != 0;
}

/* Streams overlap: chunked asynchronous copies from and back into the
 * same pinned buffer on four streams (as testsuite/gpu/streams_overlap,
 * minus the kernels). */
static int mode_overlap(void)
{
    const size_t n = 64 << 20, chunk = n / 16;
    cudaStream_t s[4];
    uint8_t *h, *ref = malloc(n);
    uint8_t *d;

    CHECK(cudaMallocHost((void **)&h, n));
    CHECK(cudaMalloc((void **)&d, n));
    fill(h, n, 3);
    memcpy(ref, h, n);
    for (int i = 0; i < 4; i++) {
        CHECK(cudaStreamCreateWithFlags(&s[i], cudaStreamNonBlocking));
    }
    for (int c = 0; c < 16; c++) {
        cudaStream_t st = s[c % 4];
        size_t off = (size_t)c * chunk;
        CHECK(cudaMemcpyAsync(d + off, h + off, chunk, cudaMemcpyHostToDevice,
                              st));
        CHECK(cudaMemsetAsync(d + off, c, 1, st));
        CHECK(cudaMemcpyAsync(h + off, d + off, chunk, cudaMemcpyDeviceToHost,
                              st));
    }
    for (int i = 0; i < 4; i++) {
        CHECK(cudaStreamSynchronize(s[i]));
    }
    for (int c = 0; c < 16; c++) {
        ref[(size_t)c * chunk] = (uint8_t)c;
    }
    if (memcmp(h, ref, n) != 0) {
        size_t i = 0;
        while (h[i] == ref[i]) {
            i++;
        }
        printf("FAIL overlapped copies differ at %zu (chunk %zu): %d vs %d\n",
               i, i / chunk, h[i], ref[i]);
        return 1;
    }
    for (int i = 0; i < 4; i++) {
        CHECK(cudaStreamDestroy(s[i]));
    }
    CHECK(cudaFreeHost(h));
    CHECK(cudaFree(d));
    free(ref);
    return 0;
}

/* Keep copying until told to stop (killed); prints READY first. */
static int mode_busy(void)
{
    size_t n = 64 << 20;
    uint8_t *h = malloc(n);
    void *d;

    memset(h, 1, n);
    CHECK(cudaMalloc(&d, n));
    printf("READY\n");
    fflush(stdout);
    for (;;) {
        cudaError_t e = cudaMemcpy(d, h, n, cudaMemcpyHostToDevice);
        if (e != cudaSuccess) {
            printf("ERROR %s\n", cudaGetErrorName(e));
            return 3;
        }
    }
}

/* Known counters for test_gvd_status.  After READY and a line on stdin:
 * 7 calls, 3 MiB to the GPU, 1 MiB back, one refused free, 4 MiB held;
 * then DONE, and it exits (holding the 4 MiB) after another line. */
static int mode_counters(void)
{
    void *a, *b, *forged = (void *)(uintptr_t)0x7f0000123000ull;
    size_t mib = 1 << 20;
    uint8_t *h = malloc(3 * mib);
    char line[16];

    fill(h, 3 * mib, 3);
    CHECK(cudaFree(NULL)); /* connected: the test takes its baseline */
    printf("READY\n");
    if (fgets(line, sizeof(line), stdin) == NULL) {
        return 2;
    }
    CHECK(cudaMalloc(&a, 4 * mib));
    CHECK(cudaMalloc(&b, mib));
    CHECK(cudaMemcpy(a, h, 3 * mib, cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(h, a, mib, cudaMemcpyDeviceToHost));
    EXPECT(cudaFree(forged), cudaErrorInvalidValue);
    CHECK(cudaFree(b));
    CHECK(cudaDeviceSynchronize());
    printf("DONE\n");
    if (fgets(line, sizeof(line), stdin) == NULL) {
        return 2;
    }
    free(h);
    return 0;
}

/* Copy n bytes from device sd to dd with cudaMemcpyPeer (how 0),
 * cudaMemcpyPeerAsync in a stream of the source (1) or of the
 * destination (2), or cudaMemcpy with cudaMemcpyDefault (3); check. */
static int peer_one(int sd, int dd, size_t n, int how, unsigned seed)
{
    uint8_t *h = malloc(n), *back = malloc(n);
    cudaStream_t st = NULL;
    void *s, *d;

    fill(h, n, seed);
    memset(back, 0, n);
    CHECK(cudaSetDevice(sd));
    CHECK(cudaMalloc(&s, n));
    CHECK(cudaMemcpy(s, h, n, cudaMemcpyHostToDevice));
    CHECK(cudaSetDevice(dd));
    CHECK(cudaMalloc(&d, n));
    if (how == 1 || how == 2) {
        CHECK(cudaSetDevice(how == 1 ? sd : dd));
        CHECK(cudaStreamCreate(&st));
    }
    switch (how) {
    case 0: CHECK(cudaMemcpyPeer(d, dd, s, sd, n)); break;
    case 1: case 2:
        CHECK(cudaMemcpyPeerAsync(d, dd, s, sd, n, st));
        CHECK(cudaStreamSynchronize(st));
        CHECK(cudaStreamDestroy(st));
        break;
    default: CHECK(cudaMemcpy(d, s, n, cudaMemcpyDefault)); break;
    }
    CHECK(cudaSetDevice(dd));
    CHECK(cudaMemcpy(back, d, n, cudaMemcpyDeviceToHost));
    if (memcmp(h, back, n) != 0) {
        printf("FAIL peer copy of %zu bytes %d -> %d (how %d)\n", n, sd, dd,
               how);
        exit(1);
    }
    CHECK(cudaFree(d));
    CHECK(cudaSetDevice(sd));
    CHECK(cudaFree(s));
    free(h);
    free(back);
    return 0;
}

/* Two devices served by two gvd: peer copies both ways, each size and
 * API, the data checked; bad ones refused and the link still works.
 * The bytes moved (printed) are what the test reads in gvd's counters;
 * the copies never pass through here. */
static int mode_peer(void)
{
    static const size_t sizes[] = { 1, 4099, (3 << 20) + 5, 9 << 20 };
    size_t out0 = 0, out1 = 0;
    void *a, *b;
    char line[16];
    int n;

    CHECK(cudaGetDeviceCount(&n));
    if (n != 2) {
        printf("FAIL %d devices, wanted 2\n", n);
        return 1;
    }
    CHECK(cudaSetDevice(1));
    CHECK(cudaFree(NULL));
    CHECK(cudaSetDevice(0));
    CHECK(cudaFree(NULL));
    printf("READY\n");
    if (fgets(line, sizeof(line), stdin) == NULL) {
        return 2;
    }
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        for (int how = 0; how < 3; how++) {
            peer_one(0, 1, sizes[i], how, (unsigned)(i * 4 + how));
            peer_one(1, 0, sizes[i] + 1, how, (unsigned)(i * 4 + how + 1));
            out0 += sizes[i];
            out1 += sizes[i] + 1;
        }
    }
    /* Refused by a worker: ranges past the end, a pointer the other
     * device never gave; then the link still copies. */
    CHECK(cudaSetDevice(0));
    CHECK(cudaMalloc(&a, 4096));
    CHECK(cudaSetDevice(1));
    CHECK(cudaMalloc(&b, 4096));
    EXPECT(cudaMemcpyPeer(b, 1, a, 0, 4097), cudaErrorInvalidValue);
    EXPECT(cudaMemcpyPeer((char *)b + 1, 1, a, 0, 4096),
           cudaErrorInvalidValue);
    EXPECT(cudaMemcpyPeer((void *)(uintptr_t)0x7f0000123000ull, 1, a, 0,
                          16), cudaErrorInvalidValue);
    EXPECT(cudaMemcpyPeer(b, 1, (void *)(uintptr_t)0x7f0000123000ull, 0,
                          16), cudaErrorInvalidValue);
    EXPECT(cudaMemcpyPeer(b, 2, a, 0, 16), cudaErrorInvalidDevice);
    CHECK(cudaMemcpyPeer(b, 1, a, 0, 0));
    CHECK(cudaFree(b));
    CHECK(cudaSetDevice(0));
    CHECK(cudaFree(a));
    peer_one(0, 1, 1000, 0, 99);
    out0 += 1000;
    CHECK(cudaDeviceSynchronize());
    printf("PEER %zu %zu\n", out0, out1);
    printf("DONE\n");
    if (fgets(line, sizeof(line), stdin) == NULL) {
        return 2;
    }
    return 0;
}

/* The first call's error, by name (for refusal tests). */
static int mode_first_error(void)
{
    void *d = NULL;
    cudaError_t e = cudaMalloc(&d, 16);

    printf("%s\n", cudaGetErrorName(e));
    return 0;
}

int main(int argc, char **argv)
{
    const char *m = argc > 1 ? argv[1] : "";

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (strcmp(m, "copies") == 0) return mode_copies();
    if (strcmp(m, "big") == 0) return mode_big(argc > 2 ? atoi(argv[2]) : 256);
    if (strcmp(m, "device") == 0) return mode_device();
    if (strcmp(m, "streams") == 0) return mode_streams();
    if (strcmp(m, "forged") == 0) return mode_forged();
    if (strcmp(m, "quota") == 0) return mode_quota();
    if (strcmp(m, "threads") == 0) return mode_threads();
    if (strcmp(m, "busy") == 0) return mode_busy();
    if (strcmp(m, "overlap") == 0) return mode_overlap();
    if (strcmp(m, "hostfns") == 0) return mode_hostfns();
    if (strcmp(m, "first-error") == 0) return mode_first_error();
    if (strcmp(m, "counters") == 0) return mode_counters();
    if (strcmp(m, "peer") == 0) return mode_peer();
    fprintf(stderr, "usage: simapp MODE\n");
    return 2;
}
