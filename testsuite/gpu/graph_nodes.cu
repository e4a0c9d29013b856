// graph_nodes: graphs built node by node (memset, kernel, host, memcpy, child
// graph, event record, empty, memory allocation/free, memcpy to and from a
// symbol, cudaGraphAddNode), their queries, new parameters in the graph and in
// the executable, cudaGraphExecUpdate, disabled nodes, clones, capture into an
// existing graph, instantiation with parameters, a user object's destructor
// and cudaGraphDebugDotPrint.
#include "common.h"

#include <atomic>
#include <string>
#include <unistd.h>
#include <vector>

__device__ float g_sym[256];

__global__ void add_k(float *p, float v, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        p[i] += v;
}

__global__ void mul_k(float *p, float v, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        p[i] *= v;
}

__global__ void fill_k(float *p, float v, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        p[i] = v + (float)i;
}

static std::atomic<int> host_runs{0};
static std::atomic<int> destroyed{0};

static void CUDART_CB host_fn(void *arg)
{
    host_runs += *(int *)arg;
}

static void CUDART_CB uobj_gone(void *arg)
{
    destroyed = *(int *)arg;
}

static const char *type_name(cudaGraphNodeType t)
{
    switch (t) {
    case cudaGraphNodeTypeKernel: return "kernel";
    case cudaGraphNodeTypeMemcpy: return "memcpy";
    case cudaGraphNodeTypeMemset: return "memset";
    case cudaGraphNodeTypeHost: return "host";
    case cudaGraphNodeTypeGraph: return "graph";
    case cudaGraphNodeTypeEmpty: return "empty";
    case cudaGraphNodeTypeWaitEvent: return "wait event";
    case cudaGraphNodeTypeEventRecord: return "event record";
    case cudaGraphNodeTypeMemAlloc: return "mem alloc";
    case cudaGraphNodeTypeMemFree: return "mem free";
    default: return "other";
    }
}

static const int N = 1 << 16;
static const int B = 256;

static void expect_all(const float *d, int n, float want, const char *what)
{
    std::vector<float> h(n);
    CHECK(cudaMemcpy(h.data(), d, n * sizeof(float), cudaMemcpyDeviceToHost));
    for (int i = 0; i < n; i++)
        EXPECT(h[i] == want, "%s: [%d] = %g, want %g", what, i, h[i], want);
    printf("%s: all %g\n", what, want);
}

static cudaKernelNodeParams kernel_params(void *func, void **args, int n)
{
    cudaKernelNodeParams kp = {};
    kp.func = func;
    kp.gridDim = dim3((n + B - 1) / B);
    kp.blockDim = dim3(B);
    kp.kernelParams = args;
    return kp;
}

static void launch(cudaGraphExec_t e, cudaStream_t s, int times)
{
    for (int i = 0; i < times; i++)
        CHECK(cudaGraphLaunch(e, s));
    CHECK(cudaStreamSynchronize(s));
}

// memset -> add_k -> host -> memcpy -> child(mul_k) -> event record -> empty
static void explicit_graph(cudaStream_t s)
{
    float *dbuf, *dout;
    CHECK(cudaMalloc(&dbuf, N * sizeof(float)));
    CHECK(cudaMalloc(&dout, N * sizeof(float)));
    cudaGraph_t g, child;
    CHECK(cudaGraphCreate(&g, 0));
    CHECK(cudaGraphCreate(&child, 0));
    cudaGraphNode_t nms, nk, nh, ncp, nch, nev, nem, nck;

    cudaMemsetParams mp = {};
    mp.dst = dbuf;
    mp.value = 0;
    mp.elementSize = 4;
    mp.width = N;
    mp.height = 1;
    CHECK(cudaGraphAddMemsetNode(&nms, g, nullptr, 0, &mp));
    float v = 3.0f;
    int n = N;
    void *add_args[] = { &dbuf, &v, &n };
    cudaKernelNodeParams kp = kernel_params((void *)add_k, add_args, N);
    CHECK(cudaGraphAddKernelNode(&nk, g, &nms, 1, &kp));
    int one = 1;
    cudaHostNodeParams hp = { host_fn, &one };
    CHECK(cudaGraphAddHostNode(&nh, g, &nk, 1, &hp));
    CHECK(cudaGraphAddMemcpyNode1D(&ncp, g, &nh, 1, dout, dbuf,
                                   N * sizeof(float),
                                   cudaMemcpyDeviceToDevice));
    float two = 2.0f;
    void *mul_args[] = { &dout, &two, &n };
    cudaKernelNodeParams mk = kernel_params((void *)mul_k, mul_args, N);
    CHECK(cudaGraphAddKernelNode(&nck, child, nullptr, 0, &mk));
    CHECK(cudaGraphAddChildGraphNode(&nch, g, &ncp, 1, child));
    cudaEvent_t ev;
    CHECK(cudaEventCreate(&ev));
    CHECK(cudaGraphAddEventRecordNode(&nev, g, &nch, 1, ev));
    CHECK(cudaGraphAddEmptyNode(&nem, g, &nev, 1));

    size_t count = 0, roots = 0, edges = 0;
    CHECK(cudaGraphGetNodes(g, nullptr, &count));
    CHECK(cudaGraphGetRootNodes(g, nullptr, &roots));
    CHECK(cudaGraphGetEdges(g, nullptr, nullptr, nullptr, &edges));
    printf("nodes %zu, roots %zu, edges %zu\n", count, roots, edges);
    std::vector<cudaGraphNode_t> nodes(count);
    CHECK(cudaGraphGetNodes(g, nodes.data(), &count));
    cudaGraphNode_t mine[] = { nms, nk, nh, ncp, nch, nev, nem };
    for (cudaGraphNode_t x : mine) {
        cudaGraphNodeType t;
        CHECK(cudaGraphNodeGetType(x, &t));
        bool listed = false;
        for (cudaGraphNode_t y : nodes)
            listed = listed || x == y;
        printf("node %s listed %s\n", type_name(t), listed ? "yes" : "no");
    }
    size_t deps = 0, dependents = 0;
    CHECK(cudaGraphNodeGetDependencies(nch, nullptr, nullptr, &deps));
    cudaGraphNode_t dep;
    CHECK(cudaGraphNodeGetDependencies(nch, &dep, nullptr, &deps));
    CHECK(cudaGraphNodeGetDependentNodes(ncp, nullptr, nullptr, &dependents));
    printf("child depends on memcpy: %s, memcpy dependents %zu\n",
           dep == ncp ? "yes" : "no", dependents);
    cudaGraph_t embedded;
    CHECK(cudaGraphChildGraphNodeGetGraph(nch, &embedded));
    CHECK(cudaGraphGetNodes(embedded, nullptr, &count));
    printf("child graph nodes %zu\n", count);
    cudaEvent_t got_ev;
    CHECK(cudaGraphEventRecordNodeGetEvent(nev, &got_ev));
    printf("event record node event: %s\n", got_ev == ev ? "same" : "other");

    cudaGraphExec_t e;
    CHECK(cudaGraphInstantiate(&e, g, 0));
    unsigned long long flags = 1;
    CHECK(cudaGraphExecGetFlags(e, &flags));
    printf("exec flags %llu\n", flags);
    launch(e, s, 3);
    CHECK(cudaEventSynchronize(ev));
    printf("host node runs %d\n", host_runs.load());
    expect_all(dbuf, N, 3.0f, "launch: buf");
    expect_all(dout, N, 6.0f, "launch: out");

    // The kernel node's parameters as CUDA keeps them.
    cudaKernelNodeParams got = {};
    CHECK(cudaGraphKernelNodeGetParams(nk, &got));
    printf("kernel node: func %s, grid %u, block %u, v %g, n %d\n",
           got.func == (void *)add_k ? "add_k" : "other", got.gridDim.x,
           got.blockDim.x, *(float *)got.kernelParams[1],
           *(int *)got.kernelParams[2]);

    // New parameters in the executable only, then in the graph + update.
    float five = 5.0f, seven = 7.0f;
    void *args5[] = { &dbuf, &five, &n };
    kp = kernel_params((void *)add_k, args5, N);
    CHECK(cudaGraphExecKernelNodeSetParams(e, nk, &kp));
    launch(e, s, 1);
    expect_all(dout, N, 10.0f, "exec kernel params: out");
    void *args7[] = { &dbuf, &seven, &n };
    kp = kernel_params((void *)add_k, args7, N);
    CHECK(cudaGraphKernelNodeSetParams(nk, &kp));
    cudaGraphExecUpdateResultInfo info = {};
    CHECK(cudaGraphExecUpdate(e, g, &info));
    printf("exec update result %d\n", (int)info.result);
    launch(e, s, 1);
    expect_all(dout, N, 14.0f, "graph kernel params + update: out");

    // The memset writes 1.0f now (its 32-bit pattern), in the executable.
    float onef = 1.0f;
    memcpy(&mp.value, &onef, sizeof(onef));
    CHECK(cudaGraphExecMemsetNodeSetParams(e, nms, &mp));
    launch(e, s, 1);
    expect_all(dout, N, 16.0f, "exec memset params: out");

    // A disabled kernel node does nothing.
    CHECK(cudaGraphNodeSetEnabled(e, nk, 0));
    unsigned enabled = 9;
    CHECK(cudaGraphNodeGetEnabled(e, nk, &enabled));
    printf("kernel node enabled %u\n", enabled);
    launch(e, s, 1);
    expect_all(dout, N, 2.0f, "disabled kernel: out");
    CHECK(cudaGraphNodeSetEnabled(e, nk, 1));
    launch(e, s, 1);
    expect_all(dout, N, 16.0f, "enabled again: out");

    // A new host node argument in the executable.
    int ten = 10;
    cudaHostNodeParams hp10 = { host_fn, &ten };
    CHECK(cudaGraphExecHostNodeSetParams(e, nh, &hp10));
    launch(e, s, 2);
    printf("host node runs %d\n", host_runs.load());
    cudaHostNodeParams hgot = {};
    CHECK(cudaGraphHostNodeGetParams(nh, &hgot));
    printf("host node params: fn %s, arg %d\n",
           hgot.fn == host_fn ? "host_fn" : "other", *(int *)hgot.userData);

    // Clones: the same nodes, found by their originals.
    cudaGraph_t clone;
    CHECK(cudaGraphClone(&clone, g));
    cudaGraphNode_t in_clone;
    CHECK(cudaGraphNodeFindInClone(&in_clone, nk, clone));
    cudaGraphNodeType t;
    CHECK(cudaGraphNodeGetType(in_clone, &t));
    CHECK(cudaGraphGetNodes(clone, nullptr, &count));
    printf("clone: %zu nodes, kernel node found as %s\n", count,
           type_name(t));

    // The DOT description, written by the runtime into a file.
    std::string path = "/tmp/graph_nodes." + std::to_string(getpid()) +
                       ".dot";
    CHECK(cudaGraphDebugDotPrint(g, path.c_str(), 0));
    FILE *fp = fopen(path.c_str(), "r");
    char line[256] = "";
    bool dot = fp != nullptr && fgets(line, sizeof(line), fp) != nullptr &&
               strstr(line, "digraph") != nullptr;
    if (fp)
        fclose(fp);
    unlink(path.c_str());
    printf("dot file starts a digraph: %s\n", dot ? "yes" : "no");

    // Edges added, removed, and a node destroyed.
    cudaGraphNode_t e1, e2;
    CHECK(cudaGraphAddEmptyNode(&e1, clone, nullptr, 0));
    CHECK(cudaGraphAddEmptyNode(&e2, clone, nullptr, 0));
    CHECK(cudaGraphAddDependencies(clone, &e1, &e2, nullptr, 1));
    CHECK(cudaGraphGetEdges(clone, nullptr, nullptr, nullptr, &edges));
    printf("clone edges after adding one %zu\n", edges);
    CHECK(cudaGraphRemoveDependencies(clone, &e1, &e2, nullptr, 1));
    CHECK(cudaGraphGetEdges(clone, nullptr, nullptr, nullptr, &edges));
    printf("clone edges after removing it %zu\n", edges);
    CHECK(cudaGraphDestroyNode(e2));
    CHECK(cudaGraphGetNodes(clone, nullptr, &count));
    printf("clone nodes after destroying one %zu\n", count);

    CHECK(cudaGraphDestroy(clone));
    CHECK(cudaGraphExecDestroy(e));
    CHECK(cudaGraphDestroy(g));
    CHECK(cudaGraphDestroy(child));
    CHECK(cudaEventDestroy(ev));
    CHECK(cudaFree(dbuf));
    CHECK(cudaFree(dout));
}

// alloc -> fill_k on the graph's memory -> memcpy out -> free
static void memory_nodes(cudaStream_t s)
{
    float *dres;
    CHECK(cudaMalloc(&dres, N * sizeof(float)));
    CHECK(cudaMemset(dres, 0, N * sizeof(float)));
    cudaGraph_t g;
    CHECK(cudaGraphCreate(&g, 0));
    cudaMemAllocNodeParams ap = {};
    ap.poolProps.allocType = cudaMemAllocationTypePinned;
    ap.poolProps.location.type = cudaMemLocationTypeDevice;
    ap.poolProps.location.id = 0;
    ap.bytesize = N * sizeof(float);
    cudaGraphNode_t na, nk, nc, nf;
    CHECK(cudaGraphAddMemAllocNode(&na, g, nullptr, 0, &ap));
    float *p = (float *)ap.dptr;
    printf("alloc node pointer set: %s\n", p != nullptr ? "yes" : "no");
    float v = 1.0f;
    int n = N;
    void *args[] = { &p, &v, &n };
    cudaKernelNodeParams kp = kernel_params((void *)fill_k, args, N);
    CHECK(cudaGraphAddKernelNode(&nk, g, &na, 1, &kp));
    CHECK(cudaGraphAddMemcpyNode1D(&nc, g, &nk, 1, dres, p, N * sizeof(float),
                                   cudaMemcpyDeviceToDevice));
    CHECK(cudaGraphAddMemFreeNode(&nf, g, &nc, 1, p));
    cudaMemAllocNodeParams agot = {};
    CHECK(cudaGraphMemAllocNodeGetParams(na, &agot));
    printf("alloc node: %zu bytes, same pointer %s\n", agot.bytesize,
           agot.dptr == p ? "yes" : "no");
    void *fgot = nullptr;
    CHECK(cudaGraphMemFreeNodeGetParams(nf, &fgot));
    printf("free node: same pointer %s\n", fgot == p ? "yes" : "no");
    cudaGraphExec_t e;
    CHECK(cudaGraphInstantiate(&e, g, 0));
    launch(e, s, 2);
    std::vector<float> h(N);
    CHECK(cudaMemcpy(h.data(), dres, N * sizeof(float),
                     cudaMemcpyDeviceToHost));
    for (int i = 0; i < N; i++)
        EXPECT(h[i] == 1.0f + (float)i, "memory nodes: [%d] = %g", i, h[i]);
    printf("memory nodes: result exact\n");
    CHECK(cudaGraphExecDestroy(e));
    CHECK(cudaGraphDestroy(g));
    CHECK(cudaDeviceGraphMemTrim(0));
    CHECK(cudaFree(dres));
}

// src -> g_sym (memcpy to symbol) -> mul_k on it (cudaGraphAddNode) ->
// dst (memcpy from symbol)
static void symbol_nodes(cudaStream_t s)
{
    const int M = 256;
    float *dsrc, *ddst, *psym;
    std::vector<float> h(M), back(M);
    for (int i = 0; i < M; i++)
        h[i] = (float)(i - 50);
    CHECK(cudaMalloc(&dsrc, M * sizeof(float)));
    CHECK(cudaMalloc(&ddst, M * sizeof(float)));
    CHECK(cudaMemcpy(dsrc, h.data(), M * sizeof(float),
                     cudaMemcpyHostToDevice));
    CHECK(cudaGetSymbolAddress((void **)&psym, g_sym));
    cudaGraph_t g;
    CHECK(cudaGraphCreate(&g, 0));
    cudaGraphNode_t nto, nk, nfrom;
    CHECK(cudaGraphAddMemcpyNodeToSymbol(&nto, g, nullptr, 0, g_sym, dsrc,
                                         M * sizeof(float), 0,
                                         cudaMemcpyDeviceToDevice));
    float four = 4.0f;
    int m = M;
    void *args[] = { &psym, &four, &m };
    cudaGraphNodeParams gp = {};
    gp.type = cudaGraphNodeTypeKernel;
    gp.kernel.func = (void *)mul_k;
    gp.kernel.gridDim = dim3(1);
    gp.kernel.blockDim = dim3(M);
    gp.kernel.kernelParams = args;
    CHECK(cudaGraphAddNode(&nk, g, &nto, nullptr, 1, &gp));
    CHECK(cudaGraphAddMemcpyNodeFromSymbol(&nfrom, g, &nk, 1, ddst, g_sym,
                                           M * sizeof(float), 0,
                                           cudaMemcpyDeviceToDevice));
    cudaGraphExec_t e;
    CHECK(cudaGraphInstantiate(&e, g, 0));
    launch(e, s, 1);
    CHECK(cudaMemcpy(back.data(), ddst, M * sizeof(float),
                     cudaMemcpyDeviceToHost));
    for (int i = 0; i < M; i++)
        EXPECT(back[i] == 4.0f * h[i], "symbol nodes: [%d] = %g", i, back[i]);
    printf("symbol nodes: result exact\n");
    // Only the second half goes through the symbol now.
    CHECK(cudaMemset(ddst, 0, M * sizeof(float)));
    CHECK(cudaGraphExecMemcpyNodeSetParamsFromSymbol(
        e, nfrom, ddst, g_sym, M / 2 * sizeof(float), M / 2 * sizeof(float),
        cudaMemcpyDeviceToDevice));
    launch(e, s, 1);
    CHECK(cudaMemcpy(back.data(), ddst, M * sizeof(float),
                     cudaMemcpyDeviceToHost));
    for (int i = 0; i < M / 2; i++)
        EXPECT(back[i] == 4.0f * h[M / 2 + i], "from symbol offset: [%d] = %g",
               i, back[i]);
    printf("memcpy from symbol offset: exact\n");
    CHECK(cudaGraphExecDestroy(e));
    CHECK(cudaGraphDestroy(g));
    CHECK(cudaFree(dsrc));
    CHECK(cudaFree(ddst));
}

// A memset node, then a stream captured into the same graph after it; a
// user object moved into the graph; instantiation with an upload stream.
static void capture_and_user_object(cudaStream_t s)
{
    float *d;
    CHECK(cudaMalloc(&d, N * sizeof(float)));
    cudaGraph_t g;
    CHECK(cudaGraphCreate(&g, 0));
    cudaGraphNode_t nms;
    cudaMemsetParams mp = {};
    mp.dst = d;
    mp.elementSize = 4;
    mp.width = N;
    mp.height = 1;
    CHECK(cudaGraphAddMemsetNode(&nms, g, nullptr, 0, &mp));
    CHECK(cudaStreamBeginCaptureToGraph(s, g, &nms, nullptr, 1,
                                        cudaStreamCaptureModeGlobal));
    add_k<<<N / B, B, 0, s>>>(d, 9.0f, N);
    CHECK_LAUNCH();
    cudaGraph_t captured;
    CHECK(cudaStreamEndCapture(s, &captured));
    size_t count = 0;
    CHECK(cudaGraphGetNodes(g, nullptr, &count));
    printf("captured into the graph: %s, nodes %zu\n",
           captured == g ? "same graph" : "other graph", count);

    int token = 42;
    cudaUserObject_t uo;
    CHECK(cudaUserObjectCreate(&uo, &token, uobj_gone, 1,
                               cudaUserObjectNoDestructorSync));
    CHECK(cudaGraphRetainUserObject(g, uo, 1, cudaGraphUserObjectMove));

    cudaGraphInstantiateParams ip = {};
    ip.flags = cudaGraphInstantiateFlagUpload;
    ip.uploadStream = s;
    cudaGraphExec_t e;
    CHECK(cudaGraphInstantiateWithParams(&e, g, &ip));
    printf("instantiate result %d\n", (int)ip.result_out);
    CHECK(cudaGraphUpload(e, s));
    launch(e, s, 2);
    expect_all(d, N, 9.0f, "captured kernel after memset");
    CHECK(cudaGraphExecDestroy(e));
    CHECK(cudaGraphDestroy(g));
    // CUDA runs the destructor on its own thread, some time later.
    for (int i = 0; i < 500 && destroyed.load() == 0; i++)
        usleep(10000);
    printf("user object destructor: %d\n", destroyed.load());
    CHECK(cudaFree(d));
}

int main()
{
    test_init("graph_nodes");
    warm_up();
    cudaStream_t s;
    CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    Timer t;
    t.start();
    explicit_graph(s);
    memory_nodes(s);
    symbol_nodes(s);
    capture_and_user_object(s);
    t.stop();
    t.report();
    CHECK(cudaStreamDestroy(s));
    return test_pass();
}
