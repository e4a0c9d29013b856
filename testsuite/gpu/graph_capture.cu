// graph_capture: record a stream's work (memset, kernels, D2D copy) into a
// CUDA graph by stream capture, instantiate it and launch it 10 times; then a
// fork/join capture over two streams joined by events, launched 5 times.
#include "common.h"

#include <vector>

__global__ void scale(const float *x, float *tmp, float k, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        tmp[i] = k * x[i];
}

__global__ void accumulate(float *acc, const float *tmp, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        acc[i] += tmp[i];
}

static const char *status_name(cudaStreamCaptureStatus s)
{
    switch (s) {
    case cudaStreamCaptureStatusNone: return "None";
    case cudaStreamCaptureStatusActive: return "Active";
    case cudaStreamCaptureStatusInvalidated: return "Invalidated";
    }
    return "?";
}

int main()
{
    test_init("graph_capture");
    const int n = 1 << 20, blocks = n / 256;
    std::vector<float> x(n), acc(n), mirror(n);
    Rng rng(9);
    for (auto &v : x)
        v = (float)rng.range(-100, 100); // integers: sums stay exact

    warm_up();
    float *dx, *dtmp, *dacc, *dmirror, *dacc2;
    CHECK(cudaMalloc(&dx, n * sizeof(float)));
    CHECK(cudaMalloc(&dtmp, n * sizeof(float)));
    CHECK(cudaMalloc(&dacc, n * sizeof(float)));
    CHECK(cudaMalloc(&dacc2, n * sizeof(float)));
    CHECK(cudaMalloc(&dmirror, n * sizeof(float)));
    CHECK(cudaMemcpy(dx, x.data(), n * sizeof(float), cudaMemcpyHostToDevice));
    CHECK(cudaMemset(dacc, 0, n * sizeof(float)));
    CHECK(cudaMemset(dacc2, 0, n * sizeof(float)));
    cudaStream_t s, s2;
    CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    CHECK(cudaStreamCreateWithFlags(&s2, cudaStreamNonBlocking));

    // --- Linear capture: tmp = 0; tmp = 2x; acc += tmp; mirror = acc.
    cudaStreamCaptureStatus st;
    CHECK(cudaStreamIsCapturing(s, &st));
    printf("before capture: %s\n", status_name(st));
    CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal));
    CHECK(cudaStreamIsCapturing(s, &st));
    printf("during capture: %s\n", status_name(st));
    CHECK(cudaMemsetAsync(dtmp, 0, n * sizeof(float), s));
    scale<<<blocks, 256, 0, s>>>(dx, dtmp, 2.0f, n);
    CHECK_LAUNCH();
    accumulate<<<blocks, 256, 0, s>>>(dacc, dtmp, n);
    CHECK_LAUNCH();
    CHECK(cudaMemcpyAsync(dmirror, dacc, n * sizeof(float), cudaMemcpyDeviceToDevice, s));
    cudaGraph_t graph;
    CHECK(cudaStreamEndCapture(s, &graph));
    CHECK(cudaStreamIsCapturing(s, &st));
    printf("after capture: %s\n", status_name(st));
    size_t nodes = 0;
    CHECK(cudaGraphGetNodes(graph, nullptr, &nodes));
    printf("linear graph nodes: %zu\n", nodes);
    cudaGraphExec_t exec;
    CHECK(cudaGraphInstantiate(&exec, graph, 0));

    // --- Fork/join: s forks to s2 via an event; s: acc2 += 3x, s2: tmp2 = 5x
    // then joins back and s: acc2 += tmp2. Net: acc2 += 8x per launch.
    float *dtmp2;
    CHECK(cudaMalloc(&dtmp2, n * sizeof(float)));
    cudaEvent_t fork, join;
    CHECK(cudaEventCreateWithFlags(&fork, cudaEventDisableTiming));
    CHECK(cudaEventCreateWithFlags(&join, cudaEventDisableTiming));
    float *dtmp3;
    CHECK(cudaMalloc(&dtmp3, n * sizeof(float)));
    CHECK(cudaStreamBeginCapture(s, cudaStreamCaptureModeGlobal));
    CHECK(cudaEventRecord(fork, s));
    CHECK(cudaStreamWaitEvent(s2, fork, 0));
    scale<<<blocks, 256, 0, s>>>(dx, dtmp3, 3.0f, n);
    CHECK_LAUNCH();
    accumulate<<<blocks, 256, 0, s>>>(dacc2, dtmp3, n);
    CHECK_LAUNCH();
    scale<<<blocks, 256, 0, s2>>>(dx, dtmp2, 5.0f, n);
    CHECK_LAUNCH();
    CHECK(cudaEventRecord(join, s2));
    CHECK(cudaStreamWaitEvent(s, join, 0));
    accumulate<<<blocks, 256, 0, s>>>(dacc2, dtmp2, n);
    CHECK_LAUNCH();
    cudaGraph_t graph2;
    CHECK(cudaStreamEndCapture(s, &graph2));
    CHECK(cudaGraphGetNodes(graph2, nullptr, &nodes));
    printf("fork/join graph nodes: %zu\n", nodes);
    cudaGraphExec_t exec2;
    CHECK(cudaGraphInstantiate(&exec2, graph2, 0));
    CHECK(cudaGraphUpload(exec2, s));
    CHECK(cudaStreamSynchronize(s));

    Timer t;
    t.start();
    for (int r = 0; r < 10; r++)
        CHECK(cudaGraphLaunch(exec, s));
    for (int r = 0; r < 5; r++)
        CHECK(cudaGraphLaunch(exec2, s));
    CHECK(cudaStreamSynchronize(s));
    t.stop();

    std::vector<float> acc2(n);
    CHECK(cudaMemcpy(acc.data(), dacc, n * sizeof(float), cudaMemcpyDeviceToHost));
    CHECK(cudaMemcpy(mirror.data(), dmirror, n * sizeof(float), cudaMemcpyDeviceToHost));
    CHECK(cudaMemcpy(acc2.data(), dacc2, n * sizeof(float), cudaMemcpyDeviceToHost));
    int bad = 0, bad2 = 0;
    for (int i = 0; i < n; i++) {
        if (acc[i] != 20.0f * x[i] || mirror[i] != acc[i])
            bad++;
        if (acc2[i] != 40.0f * x[i])
            bad2++;
    }
    printf("linear graph x10 bad=%d, fork/join graph x5 bad=%d\n", bad, bad2);

    CHECK(cudaGraphExecDestroy(exec));
    CHECK(cudaGraphExecDestroy(exec2));
    CHECK(cudaGraphDestroy(graph));
    CHECK(cudaGraphDestroy(graph2));
    CHECK(cudaEventDestroy(fork));
    CHECK(cudaEventDestroy(join));
    CHECK(cudaStreamDestroy(s));
    CHECK(cudaStreamDestroy(s2));
    for (float *p : {dx, dtmp, dacc, dacc2, dmirror, dtmp2, dtmp3})
        CHECK(cudaFree(p));
    EXPECT(bad == 0 && bad2 == 0, "graph results wrong");
    t.report();
    return test_pass();
}
