// symbols: __device__ and __constant__ variables. cudaMemcpyToSymbol and
// FromSymbol (with offsets, sync and async), cudaGetSymbolAddress and
// cudaGetSymbolSize, kernels that read constants and count with an atomic.
#include "common.h"

#include <vector>

struct Params {
    int n;
    float scale;
};

__device__ int d_counter;
__device__ int d_initialised = 1234; // static initialiser from the module
__device__ float d_table[256];
__constant__ float c_coef[4];
__constant__ Params c_params;

// out[i] = scale * (c0 + c1 x + c2 x^2 + c3 x^3) + table[i % 256]
__global__ void poly(const float *x, float *out)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < c_params.n) {
        float v = x[i];
        float p = c_coef[0] + v * (c_coef[1] + v * (c_coef[2] + v * c_coef[3]));
        out[i] = c_params.scale * p + d_table[i % 256];
        atomicAdd(&d_counter, 1);
    }
}

int main()
{
    test_init("symbols");
    const int n = 100000;
    std::vector<float> x(n), out(n), table(256);
    Rng rng(7);
    for (auto &v : x)
        v = rng.uniform(-1.0f, 1.0f);
    for (int i = 0; i < 256; i++)
        table[i] = (float)i;
    const float coef[4] = {0.5f, -1.0f, 0.25f, 2.0f};
    const Params params = {n, 3.0f};

    warm_up();
    float *dx, *dout;
    CHECK(cudaMalloc(&dx, n * sizeof(float)));
    CHECK(cudaMalloc(&dout, n * sizeof(float)));
    CHECK(cudaMemcpy(dx, x.data(), n * sizeof(float), cudaMemcpyHostToDevice));

    Timer t;
    t.start();
    int init = 0;
    CHECK(cudaMemcpyFromSymbol(&init, d_initialised, sizeof init));
    printf("initialised __device__ int: %d\n", init);

    // Table in two halves: offset copies.
    CHECK(cudaMemcpyToSymbol(d_table, table.data(), 128 * sizeof(float)));
    CHECK(cudaMemcpyToSymbol(d_table, table.data() + 128, 128 * sizeof(float),
                             128 * sizeof(float)));
    CHECK(cudaMemcpyToSymbol(c_coef, coef, sizeof coef));
    cudaStream_t s;
    CHECK(cudaStreamCreate(&s));
    CHECK(cudaMemcpyToSymbolAsync(c_params, &params, sizeof params, 0,
                                  cudaMemcpyHostToDevice, s));
    int zero = 0;
    CHECK(cudaMemcpyToSymbolAsync(d_counter, &zero, sizeof zero, 0,
                                  cudaMemcpyHostToDevice, s));
    poly<<<(n + 255) / 256, 256, 0, s>>>(dx, dout);
    CHECK_LAUNCH();
    int counter = -1;
    CHECK(cudaMemcpyFromSymbolAsync(&counter, d_counter, sizeof counter, 0,
                                    cudaMemcpyDeviceToHost, s));
    CHECK(cudaStreamSynchronize(s));
    CHECK(cudaMemcpy(out.data(), dout, n * sizeof(float), cudaMemcpyDeviceToHost));
    t.stop();

    // Read back pieces of symbols: part of the table by offset, the constant.
    float tail[4];
    CHECK(cudaMemcpyFromSymbol(tail, d_table, sizeof tail, 252 * sizeof(float)));
    Params pback = {};
    CHECK(cudaMemcpyFromSymbol(&pback, c_params, sizeof pback));

    // The symbol's address is an ordinary device pointer.
    void *table_addr = nullptr;
    size_t table_size = 0;
    CHECK(cudaGetSymbolAddress(&table_addr, d_table));
    CHECK(cudaGetSymbolSize(&table_size, d_table));
    std::vector<float> via_ptr(256);
    CHECK(cudaMemcpy(via_ptr.data(), table_addr, 256 * sizeof(float), cudaMemcpyDeviceToHost));
    // Write through the pointer and read through the symbol.
    int *counter_addr = nullptr;
    CHECK(cudaGetSymbolAddress((void **)&counter_addr, d_counter));
    CHECK(cudaMemset(counter_addr, 0, sizeof(int)));
    int after_memset = -1;
    CHECK(cudaMemcpyFromSymbol(&after_memset, d_counter, sizeof after_memset));

    int bad = 0;
    for (int i = 0; i < n; i++) {
        float v = x[i];
        double p = coef[0] + v * (coef[1] + v * (coef[2] + (double)v * coef[3]));
        if (!close_enough(out[i], 3.0 * p + table[i % 256], 1e-5, 1e-4))
            bad++;
    }
    bool tail_ok = tail[0] == 252 && tail[3] == 255;
    bool ptr_ok = via_ptr == table;
    printf("kernel results bad=%d, counter=%d\n", bad, counter);
    printf("offset read ok: %s, constant struct n=%d scale=%.1f\n", tail_ok ? "yes" : "no",
           pback.n, pback.scale);
    printf("symbol size=%zu, read via address ok: %s, counter after memset=%d\n",
           table_size, ptr_ok ? "yes" : "no", after_memset);
    CHECK(cudaStreamDestroy(s));
    CHECK(cudaFree(dx));
    CHECK(cudaFree(dout));
    EXPECT(init == 1234, "initialiser lost");
    EXPECT(bad == 0 && counter == n && tail_ok && ptr_ok && after_memset == 0, "mismatch");
    EXPECT(pback.n == n && pback.scale == 3.0f && table_size == 1024, "mismatch");
    t.report();
    return test_pass();
}
