// memcpy3d: cudaMalloc3D, cudaMemset3D, cudaMemcpy3D from a packed host
// volume, a kernel indexing (x, y, z) through the pitched pointer, a 3D
// device->device copy and a sub-volume copied back with source offsets.
#include "common.h"

#include <vector>

__global__ void add_coords(cudaPitchedPtr p, int w, int h, int depth)
{
    int x = blockIdx.x * blockDim.x + threadIdx.x;
    int y = blockIdx.y * blockDim.y + threadIdx.y;
    int z = blockIdx.z;
    if (x < w && y < h && z < depth) {
        char *slice = (char *)p.ptr + (size_t)z * p.pitch * h;
        int *row = (int *)(slice + (size_t)y * p.pitch);
        row[x] += x + 1000 * y + 1000000 * z;
    }
}

int main()
{
    test_init("memcpy3d");
    const int W = 100, H = 37, D = 19; // width in ints
    const size_t n = (size_t)W * H * D;
    std::vector<int> host(n);
    Rng rng(6);
    for (auto &v : host)
        v = rng.range(0, 1000);

    warm_up();
    cudaExtent ext = make_cudaExtent(W * sizeof(int), H, D); // width in bytes
    cudaPitchedPtr dp, dp2;
    CHECK(cudaMalloc3D(&dp, ext));
    CHECK(cudaMalloc3D(&dp2, ext));
    printf("pitch >= row bytes: %s, xsize=%zu ysize=%zu\n",
           dp.pitch >= W * sizeof(int) ? "yes" : "no", dp.xsize, dp.ysize);

    Timer t;
    t.start();
    CHECK(cudaMemset3D(dp, 0xFF, ext)); // every int becomes -1
    CHECK(cudaMemset3D(dp2, 0, ext));

    // The first half of the depth slices from the host; the rest stays -1.
    cudaMemcpy3DParms up = {};
    up.srcPtr = make_cudaPitchedPtr(host.data(), W * sizeof(int), W, H);
    up.dstPtr = dp;
    up.extent = make_cudaExtent(W * sizeof(int), H, D / 2);
    up.kind = cudaMemcpyHostToDevice;
    CHECK(cudaMemcpy3D(&up));

    dim3 block(32, 8), grid((W + 31) / 32, (H + 7) / 8, D);
    add_coords<<<grid, block>>>(dp, W, H, D);
    CHECK_LAUNCH();

    cudaMemcpy3DParms dd = {};
    dd.srcPtr = dp;
    dd.dstPtr = dp2;
    dd.extent = ext;
    dd.kind = cudaMemcpyDeviceToDevice;
    CHECK(cudaMemcpy3D(&dd));

    // Whole volume back, packed.
    std::vector<int> back(n, 7);
    cudaMemcpy3DParms down = {};
    down.srcPtr = dp2;
    down.dstPtr = make_cudaPitchedPtr(back.data(), W * sizeof(int), W, H);
    down.extent = ext;
    down.kind = cudaMemcpyDeviceToHost;
    CHECK(cudaMemcpy3D(&down));

    // Sub-volume at (x=10, y=5, z=3), size 20 x 10 x 4, asynchronously.
    const int sx = 10, sy = 5, sz = 3, sw = 20, sh = 10, sd = 4;
    std::vector<int> sub((size_t)sw * sh * sd, 7);
    cudaMemcpy3DParms part = {};
    part.srcPtr = dp2;
    part.srcPos = make_cudaPos(sx * sizeof(int), sy, sz); // x in bytes
    part.dstPtr = make_cudaPitchedPtr(sub.data(), sw * sizeof(int), sw, sh);
    part.extent = make_cudaExtent(sw * sizeof(int), sh, sd);
    part.kind = cudaMemcpyDeviceToHost;
    cudaStream_t s;
    CHECK(cudaStreamCreate(&s));
    CHECK(cudaMemcpy3DAsync(&part, s));
    CHECK(cudaStreamSynchronize(s));
    t.stop();

    auto want = [&](int x, int y, int z) {
        int base = z < D / 2 ? host[((size_t)z * H + y) * W + x] : -1;
        return base + x + 1000 * y + 1000000 * z;
    };
    int bad = 0, badsub = 0;
    for (int z = 0; z < D; z++)
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                if (back[((size_t)z * H + y) * W + x] != want(x, y, z))
                    bad++;
    for (int z = 0; z < sd; z++)
        for (int y = 0; y < sh; y++)
            for (int x = 0; x < sw; x++)
                if (sub[((size_t)z * sh + y) * sw + x] != want(sx + x, sy + y, sz + z))
                    badsub++;
    printf("volume %dx%dx%d bad=%d, sub-volume %dx%dx%d bad=%d\n", W, H, D, bad, sw, sh,
           sd, badsub);
    CHECK(cudaStreamDestroy(s));
    CHECK(cudaFree(dp.ptr));
    CHECK(cudaFree(dp2.ptr));
    EXPECT(bad == 0 && badsub == 0, "mismatches");
    t.report();
    return test_pass();
}
