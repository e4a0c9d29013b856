// launch_explicit: kernels started without <<<>>>: cudaLaunchKernel with a
// void** argument array (C and C++ forms), cudaLaunchKernelExC with a launch
// config and priority attribute, and the variadic cudaLaunchKernelEx.
#include "common.h"

#include <vector>

struct Affine {
    float mul;
    double add;
};

__global__ void affine(float *out, const float *in, int n, Affine f, int tag)
{
    extern __shared__ int dyn[]; // only used to prove dynamic smem arrives
    if (threadIdx.x == 0)
        dyn[0] = tag;
    __syncthreads();
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        out[i] = (float)(in[i] * f.mul + f.add) + (float)dyn[0];
}

static int verify(const char *what, float *dout, const std::vector<float> &in, Affine f,
                  int tag)
{
    int n = (int)in.size();
    std::vector<float> out(n);
    CHECK(cudaMemcpy(out.data(), dout, n * sizeof(float), cudaMemcpyDeviceToHost));
    int bad = 0;
    for (int i = 0; i < n; i++)
        if (!close_enough(out[i], (float)(in[i] * f.mul + f.add) + (float)tag, 1e-6, 1e-6))
            bad++;
    printf("%s: bad=%d\n", what, bad);
    CHECK(cudaMemset(dout, 0, n * sizeof(float)));
    return bad;
}

int main()
{
    test_init("launch_explicit");
    const int n = 100003;
    std::vector<float> in(n);
    Rng rng(10);
    for (auto &v : in)
        v = rng.uniform(-5.0f, 5.0f);

    warm_up();
    float *din, *dout;
    CHECK(cudaMalloc(&din, n * sizeof(float)));
    CHECK(cudaMalloc(&dout, n * sizeof(float)));
    CHECK(cudaMemcpy(din, in.data(), n * sizeof(float), cudaMemcpyHostToDevice));
    cudaStream_t s;
    CHECK(cudaStreamCreate(&s));
    dim3 grid((n + 255) / 256), block(256);
    int bad = 0;

    Timer t;
    t.start();
    // 1. C API: every argument passed by address in a void* array.
    Affine f1 = {2.0f, 0.5};
    int n_arg = n, tag1 = 1;
    void *args[] = {&dout, &din, &n_arg, &f1, &tag1};
    CHECK(cudaLaunchKernel((const void *)affine, grid, block, args, sizeof(int), s));
    CHECK(cudaStreamSynchronize(s));
    bad += verify("cudaLaunchKernel (C)", dout, in, f1, tag1);

    // 2. C++ template overload of cudaLaunchKernel, default stream.
    Affine f2 = {-1.0f, 3.25};
    int tag2 = 2;
    void *args2[] = {&dout, &din, &n_arg, &f2, &tag2};
    CHECK(cudaLaunchKernel(affine, grid, block, args2, sizeof(int), 0));
    CHECK(cudaDeviceSynchronize());
    bad += verify("cudaLaunchKernel (C++)", dout, in, f2, tag2);

    // 3. cudaLaunchKernelExC with a config and one attribute.
    int lo, hi;
    CHECK(cudaDeviceGetStreamPriorityRange(&lo, &hi));
    cudaLaunchAttribute attr[1];
    attr[0].id = cudaLaunchAttributePriority;
    attr[0].val.priority = hi;
    cudaLaunchConfig_t cfg = {};
    cfg.gridDim = grid;
    cfg.blockDim = block;
    cfg.dynamicSmemBytes = sizeof(int);
    cfg.stream = s;
    cfg.attrs = attr;
    cfg.numAttrs = 1;
    Affine f3 = {0.5f, -7.0};
    int tag3 = 3;
    void *args3[] = {&dout, &din, &n_arg, &f3, &tag3};
    CHECK(cudaLaunchKernelExC(&cfg, (const void *)affine, args3));
    CHECK(cudaStreamSynchronize(s));
    bad += verify("cudaLaunchKernelExC", dout, in, f3, tag3);

    // 4. Variadic C++ cudaLaunchKernelEx: arguments converted to the
    //    kernel's parameter types (n as long -> int, tag as short -> int).
    cfg.numAttrs = 0;
    cfg.attrs = nullptr;
    Affine f4 = {4.0f, 1.0};
    CHECK(cudaLaunchKernelEx(&cfg, affine, dout, (const float *)din, (long)n, f4, (short)4));
    CHECK(cudaStreamSynchronize(s));
    bad += verify("cudaLaunchKernelEx (C++)", dout, in, f4, 4);
    t.stop();

    CHECK(cudaStreamDestroy(s));
    CHECK(cudaFree(din));
    CHECK(cudaFree(dout));
    EXPECT(bad == 0, "wrong results");
    t.report();
    return test_pass();
}
