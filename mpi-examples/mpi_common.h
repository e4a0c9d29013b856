// mpi_common.h: helpers shared by the MPI + CUDA teaching programs.
//
// What lives here, and why:
//   mpx_init()        MPI_Init, rank/size, the program's name.
//   mpx_pick_device() rank r uses device r % cudaGetDeviceCount(); with
//                     gvirtus those devices are the remote GPUs listed in
//                     GVIRTUS_SERVERS (or leased for the Slurm job).  Every
//                     rank learns whether all ranks found a device, so a
//                     node without a GPU (and without gvirtus) ends with one
//                     clean "FAIL" line instead of an MPI_Abort storm.
//   MPX_CHECK(call)   any CUDA error mid-run: "FAIL <name>: rank R line L:
//                     <call> returned <cudaErrorX>" and MPI_Abort.  After a
//                     collective has started, aborting is the only safe way
//                     out: the other ranks may be blocked in MPI calls.
//   mpx_finish(ok)    every rank agrees on the outcome; rank 0 prints
//                     "PASS <name>" (or FAIL) last; returns the exit status.
//   mpx_time_report() "TIME <name> <us>" on stderr (slowest rank).
//
// Output rules (so native and gvirtus runs can be compared byte for byte):
// only rank 0 writes to stdout, and only deterministic things (sizes,
// exact checksums, residuals with fixed precision); device names, host names
// and timings go to stderr.
#pragma once

#include <cuda_runtime.h>
// C code only: keep the deprecated MPI C++ bindings out of .cu files (they
// need libmpi_cxx and do not build warning-free).
#define OMPI_SKIP_MPICXX 1
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

static const char *g_mpx_name = "unnamed";
static int g_mpx_rank = 0;
static int g_mpx_size = 1;

static inline void mpx_init(int *argc, char ***argv, const char *name)
{
    g_mpx_name = name;
    MPI_Init(argc, argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_mpx_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_mpx_size);
    // Line-buffered stdout: rank 0's lines reach mpirun in order and whole.
    setvbuf(stdout, NULL, _IOLBF, 0);
}

// Printed by rank 0 only.
__attribute__((format(printf, 1, 2)))
static inline void mpx_say(const char *fmt, ...)
{
    if (g_mpx_rank != 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
}

// A failure this rank cannot share with the others (a CUDA error in the
// middle of the run): say so on stdout and take the whole job down.
[[noreturn]] __attribute__((format(printf, 1, 2)))
static void mpx_abort(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("FAIL %s: rank %d: ", g_mpx_name, g_mpx_rank);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
    MPI_Abort(MPI_COMM_WORLD, 1);
    exit(1); // not reached
}

#define MPX_CHECK(call)                                                    \
    do {                                                                   \
        cudaError_t e_ = (call);                                           \
        if (e_ != cudaSuccess)                                             \
            mpx_abort("line %d: %s returned %s", __LINE__, #call,          \
                      cudaGetErrorName(e_));                               \
    } while (0)

// After a <<<>>> launch: a bad configuration shows up here.
#define MPX_CHECK_LAUNCH() MPX_CHECK(cudaGetLastError())

// True on every rank if `ok` is true on every rank.
static inline bool mpx_all(bool ok)
{
    int mine = ok ? 1 : 0, all = 0;
    MPI_Allreduce(&mine, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    return all != 0;
}

// Ends the program the same way on every rank: rank 0 prints PASS or FAIL
// (with `why` when given) as the last stdout line.  Returns the exit status
// for main().
static inline int mpx_finish(bool ok, const char *why = NULL)
{
    bool all = mpx_all(ok);
    if (g_mpx_rank == 0) {
        if (all)
            printf("PASS %s\n", g_mpx_name);
        else
            printf("FAIL %s: %s\n", g_mpx_name,
                   why && *why ? why : "a check failed (see above)");
        fflush(stdout);
    }
    MPI_Finalize();
    return all ? 0 : 1;
}

// Rank r takes device r % count.  Returns the device on success; on any
// rank's failure every rank returns -1 after rank 0 has printed the FAIL
// line (call mpx_finish(false) or just MPI_Finalize and exit 1).
static inline int mpx_pick_device()
{
    int count = 0, dev = -1;
    char msg[256] = "";
    cudaError_t e = cudaGetDeviceCount(&count);
    if (e != cudaSuccess) {
        snprintf(msg, sizeof(msg),
                 "no CUDA device (cudaGetDeviceCount: %s); natively this "
                 "needs a GPU, through gvirtus GVIRTUS_SERVERS=host:port[#gpu],...",
                 cudaGetErrorName(e));
    } else if (count < 1) {
        snprintf(msg, sizeof(msg), "cudaGetDeviceCount says 0 devices");
    } else {
        dev = g_mpx_rank % count;
        e = cudaSetDevice(dev);
        if (e == cudaSuccess)
            e = cudaFree(0); // create the context now, not in the timed part
        if (e != cudaSuccess) {
            snprintf(msg, sizeof(msg), "device %d of %d: %s", dev, count,
                     cudaGetErrorName(e));
            dev = -1;
        }
    }

    // Tell stderr where this rank runs (not deterministic: not stdout).
    char host[MPI_MAX_PROCESSOR_NAME] = "";
    int hl = 0;
    MPI_Get_processor_name(host, &hl);
    if (dev >= 0) {
        cudaDeviceProp p;
        char bus[32] = "?";
        if (cudaGetDeviceProperties(&p, dev) != cudaSuccess)
            snprintf(p.name, sizeof(p.name), "?");
        cudaDeviceGetPCIBusId(bus, sizeof(bus), dev);
        fprintf(stderr, "%s: rank %d of %d on %s: device %d of %d (%s, %s)\n",
                g_mpx_name, g_mpx_rank, g_mpx_size, host, dev, count, p.name,
                bus);
    } else {
        fprintf(stderr, "%s: rank %d of %d on %s: %s\n", g_mpx_name,
                g_mpx_rank, g_mpx_size, host, msg);
    }

    // Collect the first failing rank's reason on rank 0.
    int bad = dev < 0 ? g_mpx_rank : g_mpx_size, first = 0;
    MPI_Allreduce(&bad, &first, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    if (first == g_mpx_size)
        return dev;
    if (first != 0) {
        if (g_mpx_rank == first)
            MPI_Send(msg, (int)sizeof(msg), MPI_CHAR, 0, 99, MPI_COMM_WORLD);
        if (g_mpx_rank == 0)
            MPI_Recv(msg, (int)sizeof(msg), MPI_CHAR, first, 99,
                     MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    }
    if (g_mpx_rank == 0) {
        printf("FAIL %s: rank %d: %s\n", g_mpx_name, first, msg);
        fflush(stdout);
    }
    return -1;
}

// Rank 0 prints "TIME <name> <us>" on stderr: the slowest rank's time for
// the main work (seconds from MPI_Wtime differences).
static inline void mpx_time_report(double seconds)
{
    double worst = 0;
    MPI_Reduce(&seconds, &worst, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    if (g_mpx_rank == 0)
        fprintf(stderr, "TIME %s %lld\n", g_mpx_name,
                (long long)(worst * 1e6 + 0.5));
}

// Block distribution of n items over the ranks: this rank gets
// [*lo, *lo + *count).  The first n % size ranks get one more.
static inline void mpx_split(long long n, long long *lo, long long *count)
{
    long long base = n / g_mpx_size, extra = n % g_mpx_size, r = g_mpx_rank;
    *count = base + (r < extra ? 1 : 0);
    *lo = r * base + (r < extra ? r : extra);
}

// Parse a positive integer argument or fail (on every rank alike: all ranks
// see the same argv, so they all take the same branch).
static inline long long mpx_arg(int argc, char **argv, int i, long long def,
                                long long min, long long max)
{
    if (argc <= i)
        return def;
    char *end = NULL;
    long long v = strtoll(argv[i], &end, 10);
    if (end == argv[i] || *end != '\0' || v < min || v > max) {
        if (g_mpx_rank == 0)
            printf("FAIL %s: argument %d '%s' is not an integer in [%lld, %lld]\n",
                   g_mpx_name, i, argv[i], min, max);
        MPI_Finalize();
        exit(2);
    }
    return v;
}
