// ipc: CUDA IPC between two processes of one GPU: the parent exports device
// memory and an interprocess event, a child forked before any CUDA call
// opens both, checks the data, adds 1 to every word with a kernel and
// records the event; the parent waits on the event in a stream and reads the
// child's result.  Only the parent prints; the child answers through a pipe.
#include "common.h"

#include <sys/wait.h>
#include <unistd.h>
#include <vector>

static const int N = 1 << 20;

__global__ void inc(unsigned *p, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        p[i] += 1;
}

struct Handles {
    cudaIpcMemHandle_t mem;
    cudaIpcEventHandle_t ev;
};

static bool read_all(int fd, void *p, size_t n)
{
    char *c = (char *)p;
    while (n > 0) {
        ssize_t r = read(fd, c, n);
        if (r <= 0)
            return false;
        c += r;
        n -= (size_t)r;
    }
    return true;
}

static bool write_all(int fd, const void *p, size_t n)
{
    const char *c = (const char *)p;
    while (n > 0) {
        ssize_t r = write(fd, c, n);
        if (r <= 0)
            return false;
        c += r;
        n -= (size_t)r;
    }
    return true;
}

// The child: a status byte back (0 ok, else the step that failed).
static int child(int in, int out)
{
    Handles h;
    if (!read_all(in, &h, sizeof(h)))
        return 1;
    unsigned *p = nullptr;
    cudaEvent_t ev;
    if (cudaIpcOpenMemHandle((void **)&p, h.mem,
                             cudaIpcMemLazyEnablePeerAccess) != cudaSuccess)
        return 2;
    if (cudaIpcOpenEventHandle(&ev, h.ev) != cudaSuccess)
        return 3;
    std::vector<unsigned> v(N);
    if (cudaMemcpy(v.data(), p, N * sizeof(unsigned),
                   cudaMemcpyDeviceToHost) != cudaSuccess)
        return 4;
    for (int i = 0; i < N; i++)
        if (v[i] != (unsigned)i * 2654435761u)
            return 5;
    cudaStream_t s;
    if (cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking) != cudaSuccess)
        return 6;
    inc<<<N / 256, 256, 0, s>>>(p, N);
    if (cudaGetLastError() != cudaSuccess ||
        cudaEventRecord(ev, s) != cudaSuccess)
        return 7;
    // Tell the parent the event is recorded, before waiting for it here.
    char ok = 0;
    if (!write_all(out, &ok, 1))
        return 8;
    if (cudaStreamSynchronize(s) != cudaSuccess ||
        cudaIpcCloseMemHandle(p) != cudaSuccess ||
        cudaEventDestroy(ev) != cudaSuccess)
        return 9;
    // Hold on until the parent has read the result (its memory must not
    // be reused while this process still maps it).
    if (!read_all(in, &ok, 1))
        return 10;
    return 0;
}

int main()
{
    test_init("ipc");
    int down[2], up[2];
    if (pipe(down) != 0 || pipe(up) != 0)
        test_fail("pipe");
    fflush(stdout);
    pid_t pid = fork(); // before any CUDA call, as CUDA requires
    if (pid < 0)
        test_fail("fork");
    if (pid == 0) {
        close(down[1]);
        close(up[0]);
        int rc = child(down[0], up[1]);
        if (rc != 0) {
            char bad = (char)rc;
            write_all(up[1], &bad, 1);
        }
        _exit(rc);
    }
    close(down[0]);
    close(up[1]);

    warm_up();
    Timer t;
    t.start();
    unsigned *d;
    CHECK(cudaMalloc(&d, N * sizeof(unsigned)));
    std::vector<unsigned> v(N);
    for (int i = 0; i < N; i++)
        v[i] = (unsigned)i * 2654435761u;
    CHECK(cudaMemcpy(d, v.data(), N * sizeof(unsigned),
                     cudaMemcpyHostToDevice));
    cudaEvent_t ev;
    CHECK(cudaEventCreateWithFlags(&ev, cudaEventInterprocess |
                                            cudaEventDisableTiming));
    Handles h;
    CHECK(cudaIpcGetMemHandle(&h.mem, d));
    CHECK(cudaIpcGetEventHandle(&h.ev, ev));
    if (!write_all(down[1], &h, sizeof(h)))
        test_fail("cannot send the handles");
    char st = 1;
    if (!read_all(up[0], &st, 1))
        test_fail("the child said nothing");
    if (st != 0)
        test_fail("the child failed at step %d", st);
    printf("child opened the memory and the event, data as sent\n");

    // In stream order after the child's kernel, through its event.
    cudaStream_t s;
    CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    CHECK(cudaStreamWaitEvent(s, ev, 0));
    CHECK(cudaMemcpyAsync(v.data(), d, N * sizeof(unsigned),
                          cudaMemcpyDeviceToHost, s));
    CHECK(cudaStreamSynchronize(s));
    for (int i = 0; i < N; i++)
        EXPECT(v[i] == (unsigned)i * 2654435761u + 1u, "[%d] = %u", i, v[i]);
    printf("the child's increments: all %d words\n", N);
    char go = 0;
    write_all(down[1], &go, 1);
    int status = 0;
    waitpid(pid, &status, 0);
    EXPECT(WIFEXITED(status) && WEXITSTATUS(status) == 0,
           "child exit status %d", status);
    printf("child exited cleanly\n");

    // Opening one's own handle is refused.
    void *self = nullptr;
    cudaError_t e = cudaIpcOpenMemHandle(&self, h.mem,
                                         cudaIpcMemLazyEnablePeerAccess);
    printf("opening our own handle: %s\n", cudaGetErrorName(e));
    (void)cudaGetLastError();
    t.stop();
    t.report();
    CHECK(cudaStreamDestroy(s));
    CHECK(cudaEventDestroy(ev));
    CHECK(cudaFree(d));
    return test_pass();
}
