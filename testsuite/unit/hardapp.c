/*
 * hardapp.c - a CUDA program (runtime API, no kernels) linked against our
 * libcudart.so.13 for the failure tests of test_hardening.c, on gvd's
 * simulated device.  It connects, prints READY, and waits for a line on
 * stdin before the part under test, so the test can break something
 * (kill or stop the worker, kill another client) in between.
 *
 *   hardapp idle   then a round trip through device memory: "DONE ok"
 *   hardapp lost [MiB]  then one copy of MiB (default 1), timed:
 *                  "FIRST <error> <ms>", and five more calls:
 *                  "LATER <error> <slowest ms>"
 */
#include <cuda_runtime_api.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int wait_go(void)
{
    char line[64];

    printf("READY\n");
    fflush(stdout);
    return fgets(line, sizeof(line), stdin) != NULL ? 0 : -1;
}

static int mode_idle(void)
{
    uint8_t in[4096], out[4096];
    void *d;

    if (cudaMalloc(&d, sizeof(in)) != cudaSuccess || wait_go() != 0) {
        printf("FAIL setup\n");
        return 1;
    }
    for (size_t i = 0; i < sizeof(in); i++) {
        in[i] = (uint8_t)(i * 3 + 1);
    }
    if (cudaMemcpy(d, in, sizeof(in), cudaMemcpyHostToDevice) !=
            cudaSuccess ||
        cudaMemcpy(out, d, sizeof(out), cudaMemcpyDeviceToHost) !=
            cudaSuccess ||
        memcmp(in, out, sizeof(in)) != 0 || cudaFree(d) != cudaSuccess) {
        printf("DONE failed\n");
        return 1;
    }
    printf("DONE ok\n");
    return 0;
}

static int mode_lost(size_t mib)
{
    size_t n = mib << 20;
    uint8_t *h = calloc(1, n);
    double t0, worst = 0;
    cudaError_t e;
    void *d, *x;

    if (h == NULL || cudaMalloc(&d, n) != cudaSuccess || wait_go() != 0) {
        printf("FAIL setup\n");
        return 1;
    }
    t0 = now_ms();
    e = cudaMemcpy(d, h, n, cudaMemcpyHostToDevice);
    printf("FIRST %s %.1f\n", cudaGetErrorName(e), now_ms() - t0);
    fflush(stdout);
    for (int i = 0; i < 5; i++) {
        t0 = now_ms();
        e = cudaMalloc(&x, 16);
        if (now_ms() - t0 > worst) {
            worst = now_ms() - t0;
        }
    }
    printf("LATER %s %.3f\n", cudaGetErrorName(e), worst);
    free(h);
    return 0;
}

int main(int argc, char **argv)
{
    const char *m = argc > 1 ? argv[1] : "";

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (strcmp(m, "idle") == 0) return mode_idle();
    if (strcmp(m, "lost") == 0) {
        return mode_lost(argc > 2 ? strtoul(argv[2], NULL, 10) : 1);
    }
    fprintf(stderr, "usage: hardapp idle|lost [MiB]\n");
    return 2;
}
