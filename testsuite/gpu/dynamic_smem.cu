// dynamic_smem: extern __shared__ arrays sized at launch. Each block reverses
// its segment for block sizes 64..1024, and a second kernel splits one
// dynamic buffer into a double array and an int array next to static smem.
#include "common.h"

#include <vector>

template <typename T>
__global__ void reverse_block(const T *in, T *out, int n)
{
    extern __shared__ unsigned char raw[];
    T *s = (T *)raw;
    int base = blockIdx.x * blockDim.x;
    int i = base + threadIdx.x;
    if (i < n)
        s[threadIdx.x] = in[i];
    __syncthreads();
    int j = blockDim.x - 1 - threadIdx.x; // reverse within the block
    if (base + j < n && i < n)
        out[i] = s[j];
}

// Dynamic buffer carved into `nd` doubles followed by `ni` ints.
__global__ void split_smem(int nd, int ni, double *dsum, int *isum)
{
    __shared__ int fixed[64];
    extern __shared__ double dyn[]; // double-aligned start
    double *dd = dyn;
    int *ii = (int *)(dyn + nd);
    for (int k = threadIdx.x; k < nd; k += blockDim.x)
        dd[k] = 0.5 * k;
    for (int k = threadIdx.x; k < ni; k += blockDim.x)
        ii[k] = 3 * k;
    if (threadIdx.x < 64)
        fixed[threadIdx.x] = 1;
    __syncthreads();
    if (threadIdx.x == 0) {
        double a = 0;
        int b = 0;
        for (int k = 0; k < nd; k++)
            a += dd[k];
        for (int k = 0; k < ni; k++)
            b += ii[k];
        for (int k = 0; k < 64; k++)
            b += fixed[k];
        *dsum = a;
        *isum = b;
    }
}

int main()
{
    test_init("dynamic_smem");
    const int n = 1 << 20;
    std::vector<int> in(n), out(n);
    Rng rng(14);
    for (auto &v : in)
        v = (int)rng.u32();
    warm_up();
    int *din, *dout;
    CHECK(cudaMalloc(&din, n * sizeof(int)));
    CHECK(cudaMalloc(&dout, n * sizeof(int)));
    CHECK(cudaMemcpy(din, in.data(), n * sizeof(int), cudaMemcpyHostToDevice));

    Timer t;
    t.start();
    int total_bad = 0;
    for (int block : {64, 128, 256, 1000, 1024}) {
        int grid = n / block; // whole blocks only: the tail is not reversed
        reverse_block<int><<<grid, block, block * sizeof(int)>>>(din, dout, grid * block);
        CHECK_LAUNCH();
        CHECK(cudaMemcpy(out.data(), dout, n * sizeof(int), cudaMemcpyDeviceToHost));
        int bad = 0;
        for (int b = 0; b < grid; b++)
            for (int k = 0; k < block; k++)
                if (out[b * block + k] != in[b * block + block - 1 - k])
                    bad++;
        printf("reverse with %d ints of dynamic smem per block: bad=%d\n", block, bad);
        total_bad += bad;
    }

    double *dd;
    int *di;
    CHECK(cudaMalloc(&dd, sizeof(double)));
    CHECK(cudaMalloc(&di, sizeof(int)));
    const int nd = 1000, ni = 3001;
    split_smem<<<1, 256, nd * sizeof(double) + ni * sizeof(int)>>>(nd, ni, dd, di);
    CHECK_LAUNCH();
    double a;
    int b;
    CHECK(cudaMemcpy(&a, dd, sizeof a, cudaMemcpyDeviceToHost));
    CHECK(cudaMemcpy(&b, di, sizeof b, cudaMemcpyDeviceToHost));
    t.stop();
    double wa = 0.5 * nd * (nd - 1) / 2;
    int wb = 3 * ni * (ni - 1) / 2 + 64;
    printf("split buffer: double sum %.1f, int sum %d (%s)\n", a, b,
           a == wa && b == wb ? "correct" : "wrong");

    CHECK(cudaFree(din));
    CHECK(cudaFree(dout));
    CHECK(cudaFree(dd));
    CHECK(cudaFree(di));
    EXPECT(total_bad == 0 && a == wa && b == wb, "wrong results");
    t.report();
    return test_pass();
}
