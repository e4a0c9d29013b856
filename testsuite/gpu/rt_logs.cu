// rt_logs: the driver's error log (CUDA 12.9+): a log callback, the log
// dumped from an iterator into memory and into a file after a call the
// driver refuses (cudaMalloc of 1 PiB), the callback gone once
// unregistered; an async notification callback registered and
// unregistered.  The driver's texts are not printed (they may name
// addresses): only whether there were any and that the dumps agree.
#include "common.h"

#include <mutex>
#include <string>
#include <unistd.h>

static std::mutex mu;
static int n_calls;
static std::string got;

static void CUDART_CB log_cb(void *data, cudaLogLevel level, char *msg,
                             size_t len)
{
    std::lock_guard<std::mutex> g(mu);
    (void)level;
    n_calls += *(int *)data;
    got.append(msg, strnlen(msg, len));
}

static void async_cb(cudaAsyncNotificationInfo_t *, void *,
                     cudaAsyncCallbackHandle_t)
{
}

static int calls()
{
    std::lock_guard<std::mutex> g(mu);
    return n_calls;
}

// The log from it into a string (it advances).
static std::string dump(cudaLogIterator *it)
{
    static char buf[64 * 1024];
    size_t size = sizeof(buf);
    CHECK(cudaLogsDumpToMemory(it, buf, &size, 0));
    EXPECT(size < sizeof(buf), "dump size %zu", size);
    return std::string(buf, size);
}

int main()
{
    test_init("rt_logs");
    warm_up();
    Timer t;
    t.start();
    int one = 1;
    cudaLogsCallbackHandle h;
    CHECK(cudaLogsRegisterCallback(log_cb, &one, &h));
    cudaLogIterator it = 0, start;
    CHECK(cudaLogsCurrent(&it, 0));
    start = it;

    void *p = nullptr;
    cudaError_t e = cudaMalloc(&p, (size_t)1 << 50);
    printf("cudaMalloc of 1 PiB: %s\n", cudaGetErrorName(e));
    (void)cudaGetLastError();
    std::string text = dump(&it);
    printf("the driver logged it: %s\n", text.empty() ? "no" : "yes");
    // Natively the callback ran inside the call; through gvirtus it
    // runs soon after on the service thread.
    for (int i = 0; i < 200 && !text.empty() && calls() == 0; i++)
        usleep(10000);
    printf("log callback called: %s\n", calls() > 0 ? "yes" : "no");
    {
        std::lock_guard<std::mutex> g(mu);
        bool inside = true;
        size_t from = 0;
        while (from < got.size()) {
            size_t nl = got.find('\n', from);
            std::string line = got.substr(from, nl == std::string::npos
                                                     ? std::string::npos
                                                     : nl - from);
            inside = inside && text.find(line) != std::string::npos;
            from = nl == std::string::npos ? got.size() : nl + 1;
        }
        printf("callback messages are in the dump: %s\n",
               inside ? "yes" : "no");
    }
    printf("nothing new after the dump: %s\n",
           dump(&it).empty() ? "yes" : "no");

    // The same log into a file.
    std::string path = "/tmp/rt_logs." + std::to_string(getpid()) + ".txt";
    cudaLogIterator again = start;
    CHECK(cudaLogsDumpToFile(&again, path.c_str(), 0));
    FILE *fp = fopen(path.c_str(), "r");
    bool written = fp != nullptr;
    std::string file;
    if (fp != nullptr) {
        char buf[4096];
        size_t n;
        while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
            file.append(buf, n);
        fclose(fp);
    }
    unlink(path.c_str());
    printf("file: %s, same text as the memory dump: %s\n",
           written ? "written" : "missing",
           file == text ? "yes" : "no");

    // Unregistered: the callback is not called again.
    CHECK(cudaLogsUnregisterCallback(h));
    int before = calls();
    e = cudaMalloc(&p, (size_t)1 << 50);
    (void)cudaGetLastError();
    usleep(200000);
    printf("callback after unregistering: %s\n",
           calls() == before ? "not called" : "called");

    cudaAsyncCallbackHandle_t ah;
    CHECK(cudaDeviceRegisterAsyncNotification(0, async_cb, nullptr, &ah));
    CHECK(cudaDeviceUnregisterAsyncNotification(0, ah));
    printf("async notification callback registered and unregistered\n");
    t.stop();
    t.report();
    return test_pass();
}
