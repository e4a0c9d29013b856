// fork_child: fork() before the first CUDA call (the child uses the GPU on
// its own) and after it (the child's calls fail with what the runtime answers
// there, printed by name; its exit() runs the atexit handlers), then the
// parent's memory, kernels and copies work on, checked against the CPU.
#include "common.h"

#include <sys/wait.h>
#include <unistd.h>

#include <vector>

__global__ void scale(float *x, float f, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        x[i] *= f;
}

// x[i] = i * 0.5 scaled by f on the GPU and copied back: mismatches.
static int gpu_scale(int n, float f)
{
    std::vector<float> h(n), back(n);
    float *d;
    int bad = 0;

    for (int i = 0; i < n; i++)
        h[i] = (float)i * 0.5f;
    CHECK(cudaMalloc(&d, n * sizeof(float)));
    CHECK(cudaMemcpy(d, h.data(), n * sizeof(float), cudaMemcpyHostToDevice));
    scale<<<(n + 255) / 256, 256>>>(d, f, n);
    CHECK_LAUNCH();
    CHECK(cudaMemcpy(back.data(), d, n * sizeof(float),
                     cudaMemcpyDeviceToHost));
    CHECK(cudaFree(d));
    for (int i = 0; i < n; i++)
        if (back[i] != h[i] * f)
            bad++;
    return bad;
}

// The child's exit status, or 128 + its signal.
static int wait_child(pid_t pid)
{
    int st = 0;

    EXPECT(waitpid(pid, &st, 0) == pid, "waitpid failed");
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

int main()
{
    test_init("fork_child");
    const int n = 1 << 16;

    // Before any CUDA call: the child initialises CUDA for itself.
    fflush(stdout);
    pid_t pid = fork();
    EXPECT(pid >= 0, "fork failed");
    if (pid == 0) {
        int bad = gpu_scale(n, 3.0f);
        printf("child forked before init: mismatches=%d\n", bad);
        fflush(stdout);
        exit(bad == 0 ? 0 : 1);
    }
    int rc = wait_child(pid);
    printf("child forked before init: exit %d\n", rc);
    EXPECT(rc == 0, "the child forked before init failed");

    // The parent initialises CUDA and keeps memory on the GPU.
    std::vector<float> h(n), back(n);
    for (int i = 0; i < n; i++)
        h[i] = (float)(i % 1000) - 500.0f;
    float *d;
    CHECK(cudaMalloc(&d, n * sizeof(float)));
    CHECK(cudaMemcpy(d, h.data(), n * sizeof(float), cudaMemcpyHostToDevice));
    scale<<<(n + 255) / 256, 256>>>(d, 2.0f, n);
    CHECK_LAUNCH();
    CHECK(cudaDeviceSynchronize());

    // After it: CUDA cannot be used in the child.
    fflush(stdout);
    pid = fork();
    EXPECT(pid >= 0, "fork failed");
    if (pid == 0) {
        int count = -1;
        void *p = nullptr;
        float x[4];
        printf("child forked after init: cudaGetDeviceCount %s\n",
               cudaGetErrorName(cudaGetDeviceCount(&count)));
        printf("child forked after init: cudaMalloc %s\n",
               cudaGetErrorName(cudaMalloc(&p, 64)));
        printf("child forked after init: cudaMemcpy %s\n",
               cudaGetErrorName(cudaMemcpy(x, d, sizeof(x),
                                           cudaMemcpyDeviceToHost)));
        printf("child forked after init: cudaDeviceSynchronize %s\n",
               cudaGetErrorName(cudaDeviceSynchronize()));
        fflush(stdout);
        exit(0); // atexit handlers run
    }
    rc = wait_child(pid);
    printf("child forked after init: exit %d\n", rc);
    EXPECT(rc == 0, "the child forked after init failed");

    // The parent works on: its memory, a kernel on it, new allocations.
    Timer t;
    t.start();
    scale<<<(n + 255) / 256, 256>>>(d, 0.5f, n);
    CHECK_LAUNCH();
    CHECK(cudaMemcpy(back.data(), d, n * sizeof(float),
                     cudaMemcpyDeviceToHost));
    int bad = 0;
    for (int i = 0; i < n; i++)
        if (back[i] != h[i])
            bad++;
    bad += gpu_scale(n, 5.0f);
    CHECK(cudaDeviceSynchronize());
    t.stop();
    CHECK(cudaFree(d));
    printf("parent after fork: mismatches=%d\n", bad);
    EXPECT(bad == 0, "%d mismatches", bad);
    t.report();
    return test_pass();
}
