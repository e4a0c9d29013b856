// occupancy: cudaOccupancyMaxActiveBlocksPerMultiprocessor (with and without
// dynamic shared memory), cudaOccupancyMaxPotentialBlockSize(VariableSMem) and
// cudaOccupancyAvailableDynamicSMemPerBlock; sanity-checked, then used.
#include "common.h"

__global__ void saxpy(float a, const float *x, float *y, int n)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
        y[i] = a * x[i] + y[i];
}

__global__ void smem_user(float *y, int n)
{
    extern __shared__ float tile[];
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    tile[threadIdx.x] = i < n ? y[i] : 0.0f;
    __syncthreads();
    if (i < n)
        y[i] = tile[threadIdx.x] + 1.0f;
}

// Dynamic shared memory needed for a block size: one float per thread.
struct SmemPerBlock {
    __host__ __device__ size_t operator()(int block) const { return (size_t)block * sizeof(float); }
};

static void yes(const char *what, bool ok, int *all)
{
    printf("%s: %s\n", what, ok ? "yes" : "no");
    *all &= ok;
}

int main()
{
    test_init("occupancy");
    warm_up();
    int all = 1;
    cudaDeviceProp p;
    CHECK(cudaGetDeviceProperties(&p, 0));

    Timer t;
    t.start();
    int nb = 0;
    CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&nb, saxpy, 256, 0));
    yes("saxpy 256 threads: >= 1 block per SM", nb >= 1, &all);
    yes("saxpy 256 threads: threads fit the SM", nb * 256 <= p.maxThreadsPerMultiProcessor, &all);

    int nb_smem = 0;
    const size_t smem = 32 * 1024;
    CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&nb_smem, smem_user, 128, smem));
    yes("32 KiB dynamic smem: >= 1 block per SM", nb_smem >= 1, &all);
    yes("32 KiB dynamic smem: smem fits the SM", nb_smem * smem <= p.sharedMemPerMultiprocessor, &all);
    int nb_flags = 0;
    CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(&nb_flags, saxpy, 256, 0,
                                                                 cudaOccupancyDefault));
    yes("WithFlags(Default) agrees", nb_flags == nb, &all);

    int min_grid = 0, block = 0;
    CHECK(cudaOccupancyMaxPotentialBlockSize(&min_grid, &block, saxpy, 0, 0));
    yes("potential block size in 32..1024, multiple of 32",
        block >= 32 && block <= 1024 && block % 32 == 0, &all);
    yes("min grid size >= SM count", min_grid >= p.multiProcessorCount, &all);

    int min_grid2 = 0, block2 = 0;
    CHECK(cudaOccupancyMaxPotentialBlockSizeVariableSMem(
        &min_grid2, &block2, smem_user, SmemPerBlock()));
    yes("variable-smem block size in 32..1024", block2 >= 32 && block2 <= 1024, &all);

    size_t avail = 0;
    CHECK(cudaOccupancyAvailableDynamicSMemPerBlock(&avail, smem_user, 1, 128));
    yes("available dynamic smem (1 block) >= 48 KiB", avail >= 48 * 1024, &all);

    // Use the suggested configuration.
    const int n = 1 << 22;
    float *x, *y;
    CHECK(cudaMalloc(&x, n * sizeof(float)));
    CHECK(cudaMalloc(&y, n * sizeof(float)));
    CHECK(cudaMemset(x, 0, n * sizeof(float)));
    CHECK(cudaMemset(y, 0, n * sizeof(float)));
    saxpy<<<min_grid, block>>>(2.0f, x, y, n);
    CHECK_LAUNCH();
    smem_user<<<(n + block2 - 1) / block2, block2, block2 * sizeof(float)>>>(y, n);
    CHECK_LAUNCH();
    float h[4];
    CHECK(cudaMemcpy(h, y + n - 4, sizeof h, cudaMemcpyDeviceToHost));
    t.stop();
    yes("kernels with suggested sizes ran", h[0] == 1.0f && h[3] == 1.0f, &all);
    CHECK(cudaFree(x));
    CHECK(cudaFree(y));
    EXPECT(all, "occupancy checks failed");
    t.report();
    return test_pass();
}
