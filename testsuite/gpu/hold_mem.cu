// hold_mem MiB: a client for the failure tests of hardening-gpu.sh (not
// part of the suite).  Allocates MiB of device memory, prints
// "READY <pid>", then copies 256 MiB host-to-device in a loop until a
// call fails; then prints "ERROR <name> <ms>" (how long the failing call
// took) and "LATER <name> <slowest ms of five more calls>" and exits 3.
#include <cuda_runtime.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

static double now_ms()
{
    return std::chrono::duration<double, std::milli>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? strtoull(argv[1], nullptr, 10) : 4096;
    size_t chunk = (size_t)256 << 20;
    char *h = (char *)malloc(chunk);
    void *d = nullptr;
    cudaError_t e;

    if (h == nullptr) {
        printf("FAIL no host memory\n");
        return 1;
    }
    memset(h, 1, chunk);
    e = cudaMalloc(&d, mib << 20);
    if (e == cudaSuccess)
        e = cudaMemset(d, 0, mib << 20);
    if (e != cudaSuccess) {
        printf("FAIL cudaMalloc %zu MiB: %s\n", mib, cudaGetErrorName(e));
        return 1;
    }
    printf("READY %d\n", (int)getpid());
    fflush(stdout);
    for (;;) {
        double t0 = now_ms();
        e = cudaMemcpy(d, h, chunk < (mib << 20) ? chunk : (mib << 20),
                       cudaMemcpyHostToDevice);
        if (e != cudaSuccess) {
            printf("ERROR %s %.1f\n", cudaGetErrorName(e), now_ms() - t0);
            break;
        }
    }
    double worst = 0;
    for (int i = 0; i < 5; i++) {
        double t0 = now_ms();
        e = cudaMemset(d, 0, 16);
        if (now_ms() - t0 > worst)
            worst = now_ms() - t0;
    }
    printf("LATER %s %.3f\n", cudaGetErrorName(e), worst);
    fflush(stdout);
    return 3;
}
