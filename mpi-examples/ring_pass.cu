/*
 * ring_pass: a buffer of device data travels round a ring of ranks; each
 * rank checks what it received, adds its rank number on its GPU and passes
 * the buffer on to the next rank.
 *
 * Rank 0 starts with b[i] = i on its device.  One lap visits ranks
 * 0, 1, ..., P-1 and comes back to 0, so after L laps every element has
 * grown by L * (0 + 1 + ... + P-1) = L * P(P-1)/2.  Every rank knows what
 * it must receive (i plus the ranks that came before it), and a kernel on
 * its device counts the elements that differ, so a lost, truncated,
 * reordered or stale transfer anywhere is caught where it happens.
 *
 * What it teaches
 *   - moving device data between ranks: device -> pinned host
 *     (cudaMemcpy), MPI_Send / MPI_Recv, host -> device on the other side.
 *     With gvirtus the ranks' GPUs may sit on different hosts than the
 *     ranks, and the data crosses the network three times per hop;
 *   - a dependency chain: only one rank works at a time (the ring is a
 *     token), so the time per hop is the latency of the whole path:
 *     D2H copy + MPI message + H2D copy + two kernels;
 *   - checking on the device: a mismatch-counting kernel instead of copying
 *     the data back for the CPU to look at.
 *
 * Usage:  ring_pass [n [laps]]     (defaults 1048576 ints, 3 laps;
 *                                   needs at least 2 ranks)
 *
 * Run by hand (rank r uses device r % deviceCount):
 *   natively, on a GPU node:
 *     mpirun -np 4 ./ring_pass 1048576 3
 *   through gvirtus (our libcudart.so.13 in /opt/gvirtus/lib):
 *     mpirun -np 4 -x LD_LIBRARY_PATH=/opt/gvirtus/lib \
 *         -x GVIRTUS_SERVERS=gpu1:9999#0,gpu2:9999#0 ./ring_pass
 *   With two GPUs, neighbouring ranks are on different GPUs, so every hop
 *   goes from one remote GPU to the other.
 * Under Slurm (gvirtus-prolog leases the GPUs asked for in the comment;
 * gvirtus-taskprolog exports GVIRTUS_SERVERS to every task):
 *     sbatch -n 4 --comment=gvgpu:2 --wrap \
 *         'LD_LIBRARY_PATH=/opt/gvirtus/lib srun ./ring_pass'
 *
 * Expected, with 4 ranks and 3 laps: "lap 1: back at rank 0 with
 * b[i] = i + 6" (then 12 and 18 for laps 2 and 3), "final: b[0] = 18,
 * b[1048575] = 1048593 (expected 18 and 1048593)", "mismatches seen on
 * the way: 0", then "PASS ring_pass".
 */
#include "mpi_common.h"

#include <vector>

__global__ void fill_index(int *b, int n)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += gridDim.x * blockDim.x)
        b[i] = i;
}

__global__ void add_value(int *b, int n, int v)
{
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += gridDim.x * blockDim.x)
        b[i] += v;
}

// Counts the elements with b[i] != i + offset.
__global__ void count_mismatches(const int *b, int n, long long offset,
                                 unsigned long long *bad)
{
    unsigned long long mine = 0;
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += gridDim.x * blockDim.x)
        if ((long long)b[i] != (long long)i + offset)
            mine++;
    if (mine)
        atomicAdd(bad, mine);
}

static int g_blocks = 1;
static const int k_threads = 256;

// Receive the buffer from `from` and upload it to the device.
static void recv_to_device(int *dbuf, int *hbuf, int n, int from)
{
    MPI_Recv(hbuf, n, MPI_INT, from, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPX_CHECK(cudaMemcpy(dbuf, hbuf, (size_t)n * sizeof(int),
                         cudaMemcpyHostToDevice));
}

// Download the buffer from the device and send it to `to`.
static void send_from_device(const int *dbuf, int *hbuf, int n, int to)
{
    MPX_CHECK(cudaMemcpy(hbuf, dbuf, (size_t)n * sizeof(int),
                         cudaMemcpyDeviceToHost));
    MPI_Send(hbuf, n, MPI_INT, to, 0, MPI_COMM_WORLD);
}

// Count the device buffer's mismatches against i + offset; returns them.
static unsigned long long check_on_device(const int *dbuf, int n,
                                          long long offset,
                                          unsigned long long *dbad)
{
    unsigned long long bad = 0;
    MPX_CHECK(cudaMemset(dbad, 0, sizeof(*dbad)));
    count_mismatches<<<g_blocks, k_threads>>>(dbuf, n, offset, dbad);
    MPX_CHECK_LAUNCH();
    MPX_CHECK(cudaMemcpy(&bad, dbad, sizeof(bad), cudaMemcpyDeviceToHost));
    return bad;
}

int main(int argc, char **argv)
{
    mpx_init(&argc, &argv, "ring_pass");
    int n = (int)mpx_arg(argc, argv, 1, 1 << 20, 1, 1 << 28);
    int laps = (int)mpx_arg(argc, argv, 2, 3, 1, 1000);
    int P = g_mpx_size, me = g_mpx_rank;
    mpx_say("ring_pass n=%d ints, laps=%d, ranks=%d\n", n, laps, P);
    if (P < 2) {
        mpx_say("FAIL ring_pass: a ring needs at least 2 ranks "
                "(mpirun -np 2 or more)\n");
        MPI_Finalize();
        return 2;
    }
    if (mpx_pick_device() < 0) {
        MPI_Finalize();
        return 1;
    }

    int next = (me + 1) % P, prev = (me + P - 1) % P;
    long long lap_gain = (long long)P * (P - 1) / 2; // 0 + 1 + ... + P-1
    long long before_me = (long long)me * (me - 1) / 2; // 0 + ... + me-1
    int want = (n + k_threads - 1) / k_threads;
    g_blocks = want > 1024 ? 1024 : want;

    int *dbuf, *hbuf;
    unsigned long long *dbad;
    MPX_CHECK(cudaMalloc(&dbuf, (size_t)n * sizeof(int)));
    MPX_CHECK(cudaMalloc(&dbad, sizeof(*dbad)));
    MPX_CHECK(cudaMallocHost(&hbuf, (size_t)n * sizeof(int)));
    // Warm-up: load the module before the timed part.
    add_value<<<1, 32>>>(dbuf, 0, 0);
    MPX_CHECK_LAUNCH();
    MPX_CHECK(cudaDeviceSynchronize());

    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    unsigned long long bad = 0;
    for (int lap = 0; lap < laps; lap++) {
        long long expect = lap * lap_gain + before_me; // what reaches me
        if (me == 0 && lap == 0) {
            fill_index<<<g_blocks, k_threads>>>(dbuf, n);
            MPX_CHECK_LAUNCH();
        } else {
            recv_to_device(dbuf, hbuf, n, prev);
            unsigned long long b = check_on_device(dbuf, n, expect, dbad);
            bad += b;
            if (b)
                fprintf(stderr, "ring_pass: rank %d, lap %d: %llu of %d "
                        "elements wrong on arrival\n", me, lap + 1, b, n);
            mpx_say("lap %d: back at rank 0 with b[i] = i + %lld\n", lap,
                    expect);
        }
        add_value<<<g_blocks, k_threads>>>(dbuf, n, me);
        MPX_CHECK_LAUNCH();
        send_from_device(dbuf, hbuf, n, next);
    }
    // The last lap ends where the first began.
    long long final_offset = laps * lap_gain;
    long long first = -1, last = -1;
    if (me == 0) {
        recv_to_device(dbuf, hbuf, n, prev);
        unsigned long long b = check_on_device(dbuf, n, final_offset, dbad);
        bad += b;
        mpx_say("lap %d: back at rank 0 with b[i] = i + %lld\n", laps,
                final_offset);
        first = hbuf[0];
        last = hbuf[n - 1];
    }
    double t1 = MPI_Wtime();

    unsigned long long allbad = 0;
    MPI_Allreduce(&bad, &allbad, 1, MPI_UNSIGNED_LONG_LONG, MPI_SUM,
                  MPI_COMM_WORLD);
    bool ok = allbad == 0;
    if (me == 0) {
        printf("final: b[0] = %lld, b[%d] = %lld (expected %lld and %lld)\n",
               first, n - 1, last, final_offset, (long long)n - 1 + final_offset);
        printf("mismatches seen on the way: %llu\n", allbad);
        ok = ok && first == final_offset && last == (long long)n - 1 + final_offset;
    }
    if (me == 0)
        fprintf(stderr, "ring_pass: %d hops of %zu bytes, %.1f us per hop\n",
                laps * P, (size_t)n * sizeof(int), (t1 - t0) * 1e6 / (laps * P));

    MPX_CHECK(cudaFreeHost(hbuf));
    MPX_CHECK(cudaFree(dbuf));
    MPX_CHECK(cudaFree(dbad));
    mpx_time_report(t1 - t0);
    return mpx_finish(ok);
}
