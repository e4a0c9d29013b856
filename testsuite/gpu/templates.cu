// templates: templated kernels instantiated for float, double and int, a
// kernel templated on a block size and a functor type (sum and max
// reductions), and a kernel templated on a functor passed by value.
#include "common.h"

#include <type_traits>
#include <vector>

template <typename T>
__global__ void axpy(T a, const T *x, T *y, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        y[i] = a * x[i] + y[i];
}

struct Sum {
    __device__ int operator()(int a, int b) const { return a + b; }
    static constexpr int identity = 0;
};
struct Max {
    __device__ int operator()(int a, int b) const { return a > b ? a : b; }
    static constexpr int identity = -2147483647 - 1;
};

template <int BLOCK, typename Op>
__global__ void block_reduce(const int *in, int *out, int n)
{
    __shared__ int s[BLOCK];
    Op op;
    int v = Op::identity;
    for (int i = blockIdx.x * BLOCK + threadIdx.x; i < n; i += gridDim.x * BLOCK)
        v = op(v, in[i]);
    s[threadIdx.x] = v;
    __syncthreads();
    for (int half = BLOCK / 2; half > 0; half /= 2) {
        if (threadIdx.x < half)
            s[threadIdx.x] = op(s[threadIdx.x], s[threadIdx.x + half]);
        __syncthreads();
    }
    if (threadIdx.x == 0)
        out[blockIdx.x] = s[0];
}

struct Clamp {
    float lo, hi;
    __device__ float operator()(float v) const { return v < lo ? lo : (v > hi ? hi : v); }
};

template <typename F>
__global__ void apply(F f, float *x, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        x[i] = f(x[i]);
}

template <typename T>
static int run_axpy(const char *tname, T a)
{
    const int n = 50001;
    std::vector<T> x(n), y(n), r(n);
    Rng rng(12);
    for (int i = 0; i < n; i++) {
        x[i] = (T)rng.range(-1000, 1000);
        y[i] = (T)rng.range(-1000, 1000);
    }
    T *dx, *dy;
    CHECK(cudaMalloc(&dx, n * sizeof(T)));
    CHECK(cudaMalloc(&dy, n * sizeof(T)));
    CHECK(cudaMemcpy(dx, x.data(), n * sizeof(T), cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(dy, y.data(), n * sizeof(T), cudaMemcpyHostToDevice));
    axpy<T><<<(n + 127) / 128, 128>>>(a, dx, dy, n);
    CHECK_LAUNCH();
    CHECK(cudaMemcpy(r.data(), dy, n * sizeof(T), cudaMemcpyDeviceToHost));
    int bad = 0;
    for (int i = 0; i < n; i++)
        if (r[i] != a * x[i] + y[i]) // small integers: exact in every type
            bad++;
    printf("axpy<%s>: bad=%d\n", tname, bad);
    CHECK(cudaFree(dx));
    CHECK(cudaFree(dy));
    return bad;
}

template <int BLOCK, typename Op>
static int run_reduce(const char *what, const int *din, int n, int want)
{
    const int blocks = 64;
    int *dout;
    CHECK(cudaMalloc(&dout, blocks * sizeof(int)));
    block_reduce<BLOCK, Op><<<blocks, BLOCK>>>(din, dout, n);
    CHECK_LAUNCH();
    int part[blocks];
    CHECK(cudaMemcpy(part, dout, sizeof part, cudaMemcpyDeviceToHost));
    CHECK(cudaFree(dout));
    int r = Op::identity;
    for (int p : part)
        r = std::is_same<Op, Sum>::value ? r + p : (p > r ? p : r);
    printf("block_reduce<%d, %s> = %d (%s)\n", BLOCK, what, r, r == want ? "correct" : "wrong");
    return r != want;
}

int main()
{
    test_init("templates");
    warm_up();
    Timer t;
    t.start();
    int bad = 0;
    bad += run_axpy<float>("float", 3.0f);
    bad += run_axpy<double>("double", -2.0);
    bad += run_axpy<int>("int", 7);

    const int n = 1 << 20;
    std::vector<int> v(n);
    Rng rng(13);
    int sum = 0, mx = Max::identity;
    for (int i = 0; i < n; i++) {
        v[i] = rng.range(-1000, 1000);
        sum += v[i];
        mx = v[i] > mx ? v[i] : mx;
    }
    int *dv;
    CHECK(cudaMalloc(&dv, n * sizeof(int)));
    CHECK(cudaMemcpy(dv, v.data(), n * sizeof(int), cudaMemcpyHostToDevice));
    bad += run_reduce<128, Sum>("Sum", dv, n, sum);
    bad += run_reduce<512, Sum>("Sum", dv, n, sum);
    bad += run_reduce<256, Max>("Max", dv, n, mx);
    CHECK(cudaFree(dv));

    std::vector<float> x(1000);
    for (int i = 0; i < 1000; i++)
        x[i] = (float)(i - 500);
    float *dx;
    CHECK(cudaMalloc(&dx, x.size() * sizeof(float)));
    CHECK(cudaMemcpy(dx, x.data(), x.size() * sizeof(float), cudaMemcpyHostToDevice));
    apply<<<4, 256>>>(Clamp{-100.0f, 250.0f}, dx, 1000);
    CHECK_LAUNCH();
    CHECK(cudaMemcpy(x.data(), dx, x.size() * sizeof(float), cudaMemcpyDeviceToHost));
    int cbad = 0;
    for (int i = 0; i < 1000; i++) {
        float w = (float)(i - 500);
        w = w < -100 ? -100 : (w > 250 ? 250 : w);
        cbad += x[i] != w;
    }
    printf("apply<Clamp>: bad=%d\n", cbad);
    CHECK(cudaFree(dx));
    t.stop();
    EXPECT(bad == 0 && cbad == 0, "template kernels wrong");
    t.report();
    return test_pass();
}
