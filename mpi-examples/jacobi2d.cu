/*
 * jacobi2d: steady-state heat on a square plate, solved with Jacobi
 * iterations on the GPUs of all ranks, rows split between ranks, halo rows
 * exchanged with MPI every iteration.
 *
 * The problem: u = 1 on the top edge, 0.5 on the left edge, 0 on the right
 * and bottom edges; inside, repeat  u_new = (up + down + left + right) / 4
 * until the largest change max |u_new - u| (the residual) is below `tol`.
 * (The continuous solution is 1/4 + 0.5/4 = 0.375 at the centre.)
 *
 * What it teaches
 *   - row decomposition: rank r owns a band of rows plus two halo rows,
 *     copies of its neighbours' edge rows;
 *   - the halo exchange through host memory: the edge rows are copied
 *     device -> pinned host (cudaMemcpyAsync), swapped with the neighbours
 *     by MPI_Sendrecv (MPI_PROC_NULL at the plate's edges, so rank 0 and
 *     the last rank need no special cases), and copied host -> device into
 *     the halos.  Remote (gvirtus) GPU pointers are not host addresses, so
 *     even a CUDA-aware MPI could not take them: stage through the host;
 *   - keeping round trips few: all copies and the kernel go on one stream,
 *     and there is one stream synchronisation per iteration (before MPI
 *     needs the edge rows); the global residual (MPI_Allreduce MAX) is only
 *     computed every `check` iterations;
 *   - determinism: a Jacobi update depends only on the previous iterate,
 *     and the max of the residual does not depend on the order it is taken
 *     in, so the result is bit for bit the same for any number of ranks.
 *     Rank 0 gathers the grid (MPI_Gatherv) and compares it, and the
 *     iteration count, with a serial CPU solve; __dadd_rn/__dmul_rn keep
 *     the compiler from fusing operations the CPU does separately.
 *
 * Usage:  jacobi2d [nx [ny [tol [max_iter [check [verify]]]]]]
 *         defaults 128 128 1e-6 100000 10 1; ranks from 1 to ny.
 *         verify=0 skips the serial CPU reference (for big grids).
 *
 * Run by hand (rank r uses device r % deviceCount):
 *   natively, on a GPU node:
 *     mpirun -np 4 ./jacobi2d 128 128 1e-6
 *   through gvirtus (our libcudart.so.13 in /opt/gvirtus/lib; the remote
 *   GPUs are devices 0..N-1 in the order of GVIRTUS_SERVERS):
 *     mpirun -np 4 -x LD_LIBRARY_PATH=/opt/gvirtus/lib \
 *         -x GVIRTUS_SERVERS=gpu1:9999#0,gpu2:9999#0 ./jacobi2d 128 128 1e-6
 * Under Slurm (gvirtus-prolog leases the GPUs asked for in the comment;
 * gvirtus-taskprolog exports GVIRTUS_SERVERS to every task):
 *     sbatch -n 4 --comment=gvgpu:2 --wrap \
 *         'LD_LIBRARY_PATH=/opt/gvirtus/lib srun ./jacobi2d 128 128 1e-6'
 *
 * Expected (defaults, any rank count): "converged after 17520 iterations",
 * the residual just under 1e-6, the centre value and grid sum, "0 of 16384
 * points differ" from the serial reference, then "PASS jacobi2d".
 */
#include "mpi_common.h"

#include <cmath>
#include <utility>
#include <vector>

#define BX 32
#define BY 8

// One Jacobi sweep over this rank's rows 1..rows (columns 1..nx) of a
// (rows + 2) x (nx + 2) array with row pitch nx + 2.  If maxdiff is given,
// also the largest |u_new - u| of the sweep, folded in with atomicMax on
// the double's bits (for values >= 0 they order like unsigned integers).
__global__ void jacobi_step(const double *u, double *unew, int rows, int nx,
                            unsigned long long *maxdiff)
{
    __shared__ double s_max[BX * BY];
    int j = blockIdx.x * BX + threadIdx.x + 1;
    int i = blockIdx.y * BY + threadIdx.y + 1;
    size_t pitch = (size_t)nx + 2;
    double d = 0;
    if (i <= rows && j <= nx) {
        size_t k = (size_t)i * pitch + j;
        // (((up + down) + left) + right) * 0.25, rounded at every step,
        // exactly as the CPU reference computes it.
        double s = __dadd_rn(__dadd_rn(__dadd_rn(u[k - pitch], u[k + pitch]),
                                       u[k - 1]), u[k + 1]);
        double v = __dmul_rn(s, 0.25);
        unew[k] = v;
        d = fabs(v - u[k]);
    }
    if (maxdiff == NULL)
        return; // uniform for the whole grid: no thread skips a barrier
    int t = threadIdx.y * BX + threadIdx.x;
    s_max[t] = d;
    __syncthreads();
    for (int n = BX * BY / 2; n > 0; n /= 2) {
        if (t < n)
            s_max[t] = fmax(s_max[t], s_max[t + n]);
        __syncthreads();
    }
    if (t == 0)
        atomicMax(maxdiff, (unsigned long long)__double_as_longlong(s_max[0]));
}

// The plate with its boundary: rows 0..ny+1, columns 0..nx+1.  Global row
// 0 is the top edge, column 0 the left edge.  Interior starts at 0.
static double initial_value(long long grow, int col, int ny, int nx)
{
    if (grow == 0)
        return 1.0;     // top edge (corners are never read)
    if (grow == ny + 1 || col == nx + 1)
        return 0.0;     // bottom and right edges
    if (col == 0)
        return 0.5;     // left edge
    return 0.0;         // interior
}

// The serial CPU solve the GPU result must equal bit for bit: same update,
// same order of additions, same convergence test at the same iterations.
static int cpu_reference(int nx, int ny, double tol, int max_iter, int check,
                         std::vector<double> &out, double *res_out)
{
    size_t pitch = (size_t)nx + 2;
    std::vector<double> a((size_t)(ny + 2) * pitch), b;
    for (int i = 0; i < ny + 2; i++)
        for (int j = 0; j < nx + 2; j++)
            a[i * pitch + j] = initial_value(i, j, ny, nx);
    b = a;
    double *u = a.data(), *v = b.data(), res = -1;
    int it;
    for (it = 1; it <= max_iter; it++) {
        double m = 0;
        for (int i = 1; i <= ny; i++)
            for (int j = 1; j <= nx; j++) {
                size_t k = i * pitch + j;
                double s = ((u[k - pitch] + u[k + pitch]) + u[k - 1]) + u[k + 1];
                double w = s * 0.25;
                v[k] = w;
                m = std::fmax(m, std::fabs(w - u[k]));
            }
        std::swap(u, v);
        if (it % check == 0 || it == max_iter) {
            res = m;
            if (m < tol)
                break;
        }
    }
    out.resize((size_t)nx * ny);
    for (int i = 0; i < ny; i++)
        for (int j = 0; j < nx; j++)
            out[(size_t)i * nx + j] = u[(i + 1) * pitch + j + 1];
    *res_out = res;
    return it > max_iter ? max_iter : it;
}

int main(int argc, char **argv)
{
    mpx_init(&argc, &argv, "jacobi2d");
    // At most 16384 x 16384: element counts stay within MPI's int counts.
    int nx = (int)mpx_arg(argc, argv, 1, 128, 1, 16384);
    int ny = (int)mpx_arg(argc, argv, 2, 128, 1, 16384);
    double tol = 1e-6;
    if (argc > 3) {
        char *end = NULL;
        tol = strtod(argv[3], &end);
        if (end == argv[3] || *end != '\0' || !(tol > 0)) {
            mpx_say("FAIL jacobi2d: tolerance '%s' is not a number > 0\n", argv[3]);
            MPI_Finalize();
            return 2;
        }
    }
    int max_iter = (int)mpx_arg(argc, argv, 4, 100000, 1, 100000000);
    int check = (int)mpx_arg(argc, argv, 5, 10, 1, 100000000);
    bool verify = mpx_arg(argc, argv, 6, 1, 0, 1) != 0;
    mpx_say("jacobi2d grid %d x %d, ranks=%d, tol=%.1e, residual every %d "
            "iterations, at most %d\n", nx, ny, g_mpx_size, tol, check, max_iter);
    if (ny < g_mpx_size) {
        mpx_say("FAIL jacobi2d: %d ranks need at least %d rows (ny)\n",
                g_mpx_size, g_mpx_size);
        MPI_Finalize();
        return 2;
    }

    if (mpx_pick_device() < 0) {
        MPI_Finalize();
        return 1;
    }

    // My band: global interior rows [lo, lo + rows), i.e. grid rows
    // lo + 1 .. lo + rows.  Neighbours above and below, or MPI_PROC_NULL.
    long long lo64, rows64;
    mpx_split(ny, &lo64, &rows64);
    int lo = (int)lo64, rows = (int)rows64;
    int up = g_mpx_rank > 0 ? g_mpx_rank - 1 : MPI_PROC_NULL;
    int down = g_mpx_rank < g_mpx_size - 1 ? g_mpx_rank + 1 : MPI_PROC_NULL;
    size_t pitch = (size_t)nx + 2, row_bytes = pitch * sizeof(double);
    size_t bytes = (size_t)(rows + 2) * row_bytes;

    // Both arrays start with the boundary and halos filled in: the sweep
    // writes interior points only, so the fixed edges stay in both.
    std::vector<double> init((size_t)(rows + 2) * pitch);
    for (int i = 0; i < rows + 2; i++)
        for (int j = 0; j < nx + 2; j++)
            init[i * pitch + j] = initial_value(lo + i, j, ny, nx);
    double *u, *unew;
    unsigned long long *d_res;
    MPX_CHECK(cudaMalloc(&u, bytes));
    MPX_CHECK(cudaMalloc(&unew, bytes));
    MPX_CHECK(cudaMalloc(&d_res, sizeof(*d_res)));
    MPX_CHECK(cudaMemcpy(u, init.data(), bytes, cudaMemcpyHostToDevice));
    MPX_CHECK(cudaMemcpy(unew, init.data(), bytes, cudaMemcpyHostToDevice));

    // Pinned host buffers for the halo traffic and the residual.
    double *send_up, *send_down, *recv_up, *recv_down, *h_res;
    MPX_CHECK(cudaMallocHost(&send_up, row_bytes));
    MPX_CHECK(cudaMallocHost(&send_down, row_bytes));
    MPX_CHECK(cudaMallocHost(&recv_up, row_bytes));
    MPX_CHECK(cudaMallocHost(&recv_down, row_bytes));
    MPX_CHECK(cudaMallocHost(&h_res, sizeof(double)));
    cudaStream_t s;
    MPX_CHECK(cudaStreamCreate(&s));

    dim3 block(BX, BY), grid((nx + BX - 1) / BX, (rows + BY - 1) / BY);
    jacobi_step<<<grid, block, 0, s>>>(u, unew, 0, nx, NULL); // load module
    MPX_CHECK_LAUNCH();
    MPX_CHECK(cudaStreamSynchronize(s));

    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    int it;
    double residual = -1;
    bool converged = false;
    for (it = 1; it <= max_iter; it++) {
        // 1. Halo exchange of u.  Skipped entirely with a single rank.
        if (up != MPI_PROC_NULL || down != MPI_PROC_NULL) {
            MPX_CHECK(cudaMemcpyAsync(send_up, u + pitch, row_bytes,
                                      cudaMemcpyDeviceToHost, s));
            MPX_CHECK(cudaMemcpyAsync(send_down, u + (size_t)rows * pitch,
                                      row_bytes, cudaMemcpyDeviceToHost, s));
            // Also guarantees last iteration's halo uploads have read
            // recv_up/recv_down before MPI overwrites them.
            MPX_CHECK(cudaStreamSynchronize(s));
            // My first row goes up; the row below my band comes from below.
            MPI_Sendrecv(send_up, (int)pitch, MPI_DOUBLE, up, 0, recv_down,
                         (int)pitch, MPI_DOUBLE, down, 0, MPI_COMM_WORLD,
                         MPI_STATUS_IGNORE);
            // My last row goes down; the row above my band comes from above.
            MPI_Sendrecv(send_down, (int)pitch, MPI_DOUBLE, down, 1, recv_up,
                         (int)pitch, MPI_DOUBLE, up, 1, MPI_COMM_WORLD,
                         MPI_STATUS_IGNORE);
            // At the plate's edges the halo is the fixed boundary: keep it.
            if (up != MPI_PROC_NULL)
                MPX_CHECK(cudaMemcpyAsync(u, recv_up, row_bytes,
                                          cudaMemcpyHostToDevice, s));
            if (down != MPI_PROC_NULL)
                MPX_CHECK(cudaMemcpyAsync(u + (size_t)(rows + 1) * pitch,
                                          recv_down, row_bytes,
                                          cudaMemcpyHostToDevice, s));
        }

        // 2. The sweep, with the residual on checking iterations.
        bool measure = it % check == 0 || it == max_iter;
        if (measure)
            MPX_CHECK(cudaMemsetAsync(d_res, 0, sizeof(*d_res), s));
        jacobi_step<<<grid, block, 0, s>>>(u, unew, rows, nx,
                                           measure ? d_res : NULL);
        MPX_CHECK_LAUNCH();
        std::swap(u, unew);

        // 3. Global residual: the largest change on any rank.
        if (measure) {
            MPX_CHECK(cudaMemcpyAsync(h_res, d_res, sizeof(double),
                                      cudaMemcpyDeviceToHost, s));
            MPX_CHECK(cudaStreamSynchronize(s));
            MPI_Allreduce(h_res, &residual, 1, MPI_DOUBLE, MPI_MAX,
                          MPI_COMM_WORLD);
            if (residual < tol) {
                converged = true;
                break;
            }
        }
    }
    if (it > max_iter)
        it = max_iter;
    MPX_CHECK(cudaStreamSynchronize(s));
    double t1 = MPI_Wtime();

    // Gather the interior (rows x nx, without halos or edges) on rank 0:
    // a 2D copy drops the boundary columns on the way out of the device.
    std::vector<double> band((size_t)rows * nx);
    MPX_CHECK(cudaMemcpy2D(band.data(), (size_t)nx * sizeof(double),
                           u + pitch + 1, row_bytes, (size_t)nx * sizeof(double),
                           rows, cudaMemcpyDeviceToHost));
    std::vector<int> counts(g_mpx_size), displs(g_mpx_size);
    int mycount = rows * nx;
    MPI_Gather(&mycount, 1, MPI_INT, counts.data(), 1, MPI_INT, 0,
               MPI_COMM_WORLD);
    std::vector<double> whole;
    if (g_mpx_rank == 0) {
        for (int r = 0, off = 0; r < g_mpx_size; off += counts[r], r++)
            displs[r] = off;
        whole.resize((size_t)nx * ny);
    }
    MPI_Gatherv(band.data(), mycount, MPI_DOUBLE, whole.data(), counts.data(),
                displs.data(), MPI_DOUBLE, 0, MPI_COMM_WORLD);

    bool ok = true;
    if (g_mpx_rank == 0) {
        double sum = 0;
        for (size_t k = 0; k < whole.size(); k++)
            sum += whole[k]; // row-major order: the same on every run
        printf("%s after %d iterations: residual %.6e\n",
               converged ? "converged" : "NOT converged", it, residual);
        printf("u near the centre (%d, %d) = %.10f\n", ny / 2, nx / 2,
               whole[(size_t)(ny / 2) * nx + nx / 2]);
        printf("sum of u = %.10e\n", sum);
        if (verify) {
            std::vector<double> ref;
            double ref_res;
            int ref_it = cpu_reference(nx, ny, tol, max_iter, check, ref, &ref_res);
            long long differ = 0;
            for (size_t k = 0; k < ref.size(); k++)
                if (ref[k] != whole[k])
                    differ++;
            printf("serial CPU reference: %d iterations, residual %.6e; "
                   "%lld of %lld points differ\n", ref_it, ref_res, differ,
                   (long long)ref.size());
            ok = differ == 0 && ref_it == it && ref_res == residual;
        } else {
            printf("serial CPU reference: skipped\n");
        }
    }

    MPX_CHECK(cudaStreamDestroy(s));
    MPX_CHECK(cudaFreeHost(send_up));
    MPX_CHECK(cudaFreeHost(send_down));
    MPX_CHECK(cudaFreeHost(recv_up));
    MPX_CHECK(cudaFreeHost(recv_down));
    MPX_CHECK(cudaFreeHost(h_res));
    MPX_CHECK(cudaFree(u));
    MPX_CHECK(cudaFree(unew));
    MPX_CHECK(cudaFree(d_res));
    mpx_time_report(t1 - t0);
    return mpx_finish(ok, "the GPU result differs from the serial reference");
}
