// matmul_tiled: C = A * B (M x K times K x N floats) with 16x16 tiles staged in
// shared memory and __syncthreads; sizes need not be tile multiples. Checked
// against a double-precision CPU product (sampled rows for big sizes).
#include "common.h"

#include <vector>

#define TILE 16

__global__ void matmul(const float *A, const float *B, float *C, int M, int N, int K)
{
    __shared__ float As[TILE][TILE];
    __shared__ float Bs[TILE][TILE];
    int row = blockIdx.y * TILE + threadIdx.y;
    int col = blockIdx.x * TILE + threadIdx.x;
    float acc = 0.0f;
    for (int k0 = 0; k0 < K; k0 += TILE) {
        int ka = k0 + threadIdx.x, kb = k0 + threadIdx.y;
        As[threadIdx.y][threadIdx.x] = (row < M && ka < K) ? A[(size_t)row * K + ka] : 0.0f;
        Bs[threadIdx.y][threadIdx.x] = (kb < K && col < N) ? B[(size_t)kb * N + col] : 0.0f;
        __syncthreads();
        for (int k = 0; k < TILE; k++)
            acc += As[threadIdx.y][k] * Bs[k][threadIdx.x];
        __syncthreads();
    }
    if (row < M && col < N)
        C[(size_t)row * N + col] = acc;
}

int main(int argc, char **argv)
{
    test_init("matmul_tiled");
    int M = argc > 1 ? atoi(argv[1]) : 512;
    int N = argc > 2 ? atoi(argv[2]) : M;
    int K = argc > 3 ? atoi(argv[3]) : M;
    EXPECT(M > 0 && N > 0 && K > 0, "bad sizes");
    const int reps = 10;

    std::vector<float> A((size_t)M * K), B((size_t)K * N), C((size_t)M * N);
    Rng rng(2);
    for (auto &x : A) x = rng.uniform(-1.0f, 1.0f);
    for (auto &x : B) x = rng.uniform(-1.0f, 1.0f);

    warm_up();
    float *dA, *dB, *dC;
    CHECK(cudaMalloc(&dA, A.size() * sizeof(float)));
    CHECK(cudaMalloc(&dB, B.size() * sizeof(float)));
    CHECK(cudaMalloc(&dC, C.size() * sizeof(float)));
    CHECK(cudaMemcpy(dA, A.data(), A.size() * sizeof(float), cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(dB, B.data(), B.size() * sizeof(float), cudaMemcpyHostToDevice));
    dim3 block(TILE, TILE), grid((N + TILE - 1) / TILE, (M + TILE - 1) / TILE);
    matmul<<<grid, block>>>(dA, dB, dC, M, N, K); // warm-up
    CHECK_LAUNCH();
    CHECK(cudaDeviceSynchronize());

    Timer t;
    t.start();
    for (int r = 0; r < reps; r++) {
        matmul<<<grid, block>>>(dA, dB, dC, M, N, K);
        CHECK_LAUNCH();
    }
    CHECK(cudaDeviceSynchronize());
    t.stop();
    CHECK(cudaMemcpy(C.data(), dC, C.size() * sizeof(float), cudaMemcpyDeviceToHost));

    // Keep the CPU reference under ~1e8 multiply-adds: check every row for
    // small sizes, every step-th row otherwise.
    long long work = (long long)M * N * K;
    int step = (int)(work / 100000000LL) + 1;
    int bad = 0, checked = 0;
    for (int i = 0; i < M; i += step) {
        for (int j = 0; j < N; j++) {
            double ref = 0.0, mag = 0.0;
            for (int k = 0; k < K; k++) {
                double p = (double)A[(size_t)i * K + k] * B[(size_t)k * N + j];
                ref += p;
                mag += std::fabs(p);
            }
            // float accumulation: error grows at most ~K * eps * sum|a*b|.
            if (std::fabs(C[(size_t)i * N + j] - ref) > 1.2e-7 * K * mag + 1e-6)
                bad++;
            checked++;
        }
    }
    printf("matmul %dx%dx%d reps=%d rows_step=%d checked=%d bad=%d\n", M, N, K, reps,
           step, checked, bad);
    CHECK(cudaFree(dA));
    CHECK(cudaFree(dB));
    CHECK(cudaFree(dC));
    EXPECT(bad == 0, "%d elements outside tolerance", bad);
    t.report();
    return test_pass();
}
