/*
 * bench_simcalls.c - the cost of one remoted call on gvd's simulated
 * device: a synchronous call with a reply (cudaMemGetInfo), a 4-byte
 * copy each way, and one-way calls (cudaMemsetAsync) per
 * synchronisation.  Linked against our libcudart.so.13; run it against a
 * gvd with device = sim (GVIRTUS_SERVERS).  Used to check that the
 * worker's live counters cost nothing measurable (docs/operations.md).
 *
 *   bench_simcalls [ITERATIONS] [ROUNDS]
 *
 * Prints, per kind of call, the median over ROUNDS of the mean time per
 * call in a round of ITERATIONS calls, in nanoseconds.
 */
#include <cuda_runtime_api.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define MAX_ROUNDS 101

static double now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static int check(cudaError_t e, const char *what)
{
    if (e != cudaSuccess) {
        fprintf(stderr, "bench_simcalls: %s: %s\n", what,
                cudaGetErrorName(e));
        return -1;
    }
    return 0;
}

/* One round of kind k: mean ns per call. */
static double round_ns(int k, long iters, void *d, uint32_t *h)
{
    size_t f, t;
    double t0 = now_ns();

    for (long i = 0; i < iters; i++) {
        switch (k) {
        case 0:
            cudaMemGetInfo(&f, &t);
            break;
        case 1:
            cudaMemcpy(d, h, 4, cudaMemcpyHostToDevice);
            break;
        case 2:
            cudaMemcpy(h, d, 4, cudaMemcpyDeviceToHost);
            break;
        default:
            cudaMemsetAsync(d, 0, 4, 0);
            break;
        }
    }
    if (k == 3) {
        cudaDeviceSynchronize();
    }
    return (now_ns() - t0) / (double)iters;
}

int main(int argc, char **argv)
{
    static const char *names[] = { "sync call (cudaMemGetInfo)",
                                   "copy 4 B host to device",
                                   "copy 4 B device to host",
                                   "one-way call (cudaMemsetAsync)" };
    long iters = argc > 1 ? atol(argv[1]) : 20000;
    int rounds = argc > 2 ? atoi(argv[2]) : 11;
    double r[MAX_ROUNDS];
    uint32_t h = 7;
    void *d;

    if (iters < 1 || rounds < 1 || rounds > MAX_ROUNDS) {
        fprintf(stderr, "usage: bench_simcalls [ITERATIONS] [ROUNDS<=%d]\n",
                MAX_ROUNDS);
        return 2;
    }
    if (check(cudaMalloc(&d, 4096), "cudaMalloc") != 0) {
        return 1;
    }
    for (int k = 0; k < 4; k++) {
        round_ns(k, iters / 10 + 1, d, &h); /* warm up */
        for (int i = 0; i < rounds; i++) {
            r[i] = round_ns(k, iters, d, &h);
        }
        qsort(r, (size_t)rounds, sizeof(r[0]), cmp);
        printf("%-32s %9.1f ns  (min %.1f, max %.1f)\n", names[k],
               r[rounds / 2], r[0], r[rounds - 1]);
    }
    cudaFree(d);
    return 0;
}
