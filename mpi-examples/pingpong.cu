/*
 * pingpong: bandwidth and latency of device-to-device traffic between two
 * ranks, staged through host memory: rank 0's device -> host -> MPI ->
 * rank 1's host -> rank 1's device (a kernel adds 1) -> and back.
 *
 * What it teaches
 *   - the full cost of moving GPU data between MPI ranks without a
 *     CUDA-aware MPI (and with gvirtus, where GPU memory is on another
 *     host and cannot be handed to MPI at all): two copies and a message
 *     per direction;
 *   - pinned (cudaMallocHost) versus pageable (malloc) staging buffers:
 *     copies from pinned memory are DMA'd directly (and through gvirtus,
 *     pinned buffers are registered with the transport for zero-copy),
 *     pageable ones go through an extra bounce buffer;
 *   - measuring: a warm-up round trip per size, then `reps` timed ones.
 *
 * Bandwidths and latencies are printed on stderr ("pingpong: pinned
 * 1048576 B: ... us per round trip, ... MB/s"); stdout only says, per
 * size, that the data came back right: rank 0's buffer must equal the
 * pattern it sent plus the number of round trips, checked on the device.
 *
 * Usage:  pingpong [pinned|pageable [max_MiB [reps]]]
 *         defaults: pinned 64 20.  Sizes 4 KiB, 16 KiB, ... up to max_MiB.
 *         Ranks 0 and 1 play; further ranks only wait.  With one rank,
 *         rank 0 does both halves itself (device round trips, no MPI).
 *
 * Run by hand (rank r uses device r % deviceCount):
 *   natively, on a GPU node (or on two nodes with a hostfile):
 *     mpirun -np 2 ./pingpong pinned 64 20
 *   through gvirtus (our libcudart.so.13 in /opt/gvirtus/lib), each rank
 *   on its own remote GPU:
 *     mpirun -np 2 -x LD_LIBRARY_PATH=/opt/gvirtus/lib \
 *         -x GVIRTUS_SERVERS=gpu1:9999#0,gpu2:9999#0 ./pingpong pinned
 * Under Slurm (gvirtus-prolog leases the GPUs asked for in the comment;
 * gvirtus-taskprolog exports GVIRTUS_SERVERS to every task):
 *     sbatch -n 2 --comment=gvgpu:2 --wrap \
 *         'LD_LIBRARY_PATH=/opt/gvirtus/lib srun ./pingpong pageable 16'
 *
 * Expected: one "size ... B: data ok after R round trips" line per size,
 * then "PASS pingpong"; the numbers are on stderr.
 */
#include "mpi_common.h"

#include <vector>

__host__ __device__ static inline uint32_t pattern(size_t i)
{
    return (uint32_t)(i * 2654435761u);
}

__global__ void fill_pattern(uint32_t *a, size_t n)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x)
        a[i] = pattern(i);
}

__global__ void add_one(uint32_t *a, size_t n)
{
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x)
        a[i] += 1;
}

__global__ void count_mismatches(const uint32_t *a, size_t n, uint32_t plus,
                                 unsigned long long *bad)
{
    unsigned long long mine = 0;
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x)
        if (a[i] != pattern(i) + plus)
            mine++;
    if (mine)
        atomicAdd(bad, mine);
}

static const int k_threads = 256, k_blocks = 1024;

// Rank 1's half of a round trip (or rank 0's, when it plays alone):
// the buffer arrives in `h`, goes to the device, gets +1, comes back to `h`.
static void bounce(uint32_t *dev, uint32_t *h, size_t n)
{
    size_t bytes = n * sizeof(uint32_t);
    MPX_CHECK(cudaMemcpy(dev, h, bytes, cudaMemcpyHostToDevice));
    add_one<<<k_blocks, k_threads>>>(dev, n);
    MPX_CHECK_LAUNCH();
    MPX_CHECK(cudaMemcpy(h, dev, bytes, cudaMemcpyDeviceToHost));
}

int main(int argc, char **argv)
{
    mpx_init(&argc, &argv, "pingpong");
    bool pinned = true;
    if (argc > 1) {
        if (strcmp(argv[1], "pageable") == 0) {
            pinned = false;
        } else if (strcmp(argv[1], "pinned") != 0) {
            mpx_say("FAIL pingpong: mode '%s' is neither pinned nor pageable\n",
                    argv[1]);
            MPI_Finalize();
            return 2;
        }
    }
    int max_mib = (int)mpx_arg(argc, argv, 2, 64, 1, 4096);
    int reps = (int)mpx_arg(argc, argv, 3, 20, 1, 1000000);
    const char *mode = pinned ? "pinned" : "pageable";
    int me = g_mpx_rank;
    bool alone = g_mpx_size == 1;
    mpx_say("pingpong %s host buffers, ranks=%d%s, up to %d MiB, %d timed "
            "round trips per size\n", mode, g_mpx_size,
            alone ? " (one rank: device round trips only)" :
            g_mpx_size > 2 ? " (ranks 0 and 1 play)" : "", max_mib, reps);
    if (mpx_pick_device() < 0) {
        MPI_Finalize();
        return 1;
    }

    size_t max_bytes = (size_t)max_mib << 20;
    size_t max_n = max_bytes / sizeof(uint32_t);
    bool playing = me < 2;
    uint32_t *dev = NULL, *dev2 = NULL, *h = NULL;
    unsigned long long *dbad = NULL;
    std::vector<uint32_t> pageable;
    if (playing) {
        MPX_CHECK(cudaMalloc(&dev, max_bytes));
        if (alone)
            MPX_CHECK(cudaMalloc(&dev2, max_bytes)); // rank 1's buffer
        MPX_CHECK(cudaMalloc(&dbad, sizeof(*dbad)));
        if (pinned) {
            MPX_CHECK(cudaMallocHost(&h, max_bytes));
        } else {
            pageable.resize(max_n);
            h = pageable.data();
        }
        // Warm-up: load the module.
        add_one<<<1, 32>>>(dev, 0);
        MPX_CHECK_LAUNCH();
        MPX_CHECK(cudaDeviceSynchronize());
    }

    bool ok = true;
    double total = 0;
    for (size_t bytes = 4096; bytes <= max_bytes; bytes *= 4) {
        size_t n = bytes / sizeof(uint32_t);
        int count = (int)n; // MPI counts are ints: at most 4 GiB of words
        int trips = 0;
        double t0 = 0, t1 = 0;
        MPI_Barrier(MPI_COMM_WORLD);
        if (me == 0) {
            fill_pattern<<<k_blocks, k_threads>>>(dev, n);
            MPX_CHECK_LAUNCH();
            for (int r = 0; r < reps + 1; r++) { // round trip 0: warm-up
                if (r == 1)
                    t0 = MPI_Wtime();
                MPX_CHECK(cudaMemcpy(h, dev, bytes, cudaMemcpyDeviceToHost));
                if (alone) {
                    bounce(dev2, h, n);
                } else {
                    MPI_Send(h, count, MPI_UINT32_T, 1, 0, MPI_COMM_WORLD);
                    MPI_Recv(h, count, MPI_UINT32_T, 1, 0, MPI_COMM_WORLD,
                             MPI_STATUS_IGNORE);
                }
                MPX_CHECK(cudaMemcpy(dev, h, bytes, cudaMemcpyHostToDevice));
                trips++;
            }
            MPX_CHECK(cudaDeviceSynchronize());
            t1 = MPI_Wtime();
            total += t1 - t0;

            unsigned long long bad = 0;
            MPX_CHECK(cudaMemset(dbad, 0, sizeof(bad)));
            count_mismatches<<<k_blocks, k_threads>>>(dev, n, (uint32_t)trips,
                                                      dbad);
            MPX_CHECK_LAUNCH();
            MPX_CHECK(cudaMemcpy(&bad, dbad, sizeof(bad),
                                 cudaMemcpyDeviceToHost));
            double us = (t1 - t0) * 1e6 / reps;
            fprintf(stderr, "pingpong: %s %zu B: %.1f us per round trip, "
                    "%.1f MB/s\n", mode, bytes, us, 2.0 * bytes / us);
            if (bad == 0)
                printf("size %zu B: data ok after %d round trips\n", bytes,
                       trips);
            else
                printf("size %zu B: %llu of %zu words wrong after %d round "
                       "trips\n", bytes, bad, n, trips);
            ok = ok && bad == 0;
        } else if (me == 1) {
            for (int r = 0; r < reps + 1; r++) {
                MPI_Recv(h, count, MPI_UINT32_T, 0, 0, MPI_COMM_WORLD,
                         MPI_STATUS_IGNORE);
                bounce(dev, h, n);
                MPI_Send(h, count, MPI_UINT32_T, 0, 0, MPI_COMM_WORLD);
            }
        }
        if (bytes > max_bytes / 4)
            break; // the next size would pass max_bytes (and may overflow)
    }

    if (playing) {
        if (pinned)
            MPX_CHECK(cudaFreeHost(h));
        MPX_CHECK(cudaFree(dev));
        if (dev2)
            MPX_CHECK(cudaFree(dev2));
        MPX_CHECK(cudaFree(dbad));
    }
    mpx_time_report(total);
    return mpx_finish(ok);
}
