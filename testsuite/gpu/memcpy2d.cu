// memcpy2d: pitched 2D memory. cudaMallocPitch, cudaMemcpy2D host->device,
// a kernel that walks rows by pitch, cudaMemset2D on a sub-rectangle,
// device->device and cudaMemcpy2DAsync of a sub-rectangle back to the host.
#include "common.h"

#include <vector>

__global__ void scale_pitched(float *p, size_t pitch, int w, int h, float k)
{
    int x = blockIdx.x * blockDim.x + threadIdx.x;
    int y = blockIdx.y * blockDim.y + threadIdx.y;
    if (x < w && y < h) {
        float *row = (float *)((char *)p + y * pitch);
        row[x] *= k;
    }
}

int main()
{
    test_init("memcpy2d");
    const int W = 1000, H = 513; // width in floats: rows are not 128-aligned
    const size_t wbytes = W * sizeof(float);

    std::vector<float> host((size_t)W * H), back((size_t)W * H);
    Rng rng(5);
    for (auto &v : host)
        v = (float)rng.range(-1000, 1000); // integers: scaling by 2 is exact

    warm_up();
    float *d, *d2;
    size_t pitch, pitch2;
    CHECK(cudaMallocPitch((void **)&d, &pitch, wbytes, H));
    CHECK(cudaMallocPitch((void **)&d2, &pitch2, wbytes, H));
    printf("pitch >= row bytes: %s, pitch multiple of 32: %s\n",
           pitch >= wbytes ? "yes" : "no", pitch % 32 == 0 ? "yes" : "no");
    EXPECT(pitch >= wbytes, "pitch too small");

    Timer t;
    t.start();
    // 1. Packed host rows -> pitched device rows.
    CHECK(cudaMemcpy2D(d, pitch, host.data(), wbytes, wbytes, H, cudaMemcpyHostToDevice));
    // 2. Double every element in place.
    dim3 block(32, 8), grid((W + 31) / 32, (H + 7) / 8);
    scale_pitched<<<grid, block>>>(d, pitch, W, H, 2.0f);
    CHECK_LAUNCH();
    // 3. Zero the rectangle x in [100,300), y in [50,150) (bytes value 0).
    const int rx = 100, rw = 200, ry = 50, rh = 100;
    CHECK(cudaMemset2D((char *)d + ry * pitch + rx * sizeof(float), pitch, 0,
                       rw * sizeof(float), rh));
    // 4. Device -> device into the second pitched buffer.
    CHECK(cudaMemcpy2D(d2, pitch2, d, pitch, wbytes, H, cudaMemcpyDeviceToDevice));
    // 5. Whole matrix back, then a sub-rectangle asynchronously into a host
    //    buffer with its own pitch (row length 64 floats).
    CHECK(cudaMemcpy2D(back.data(), wbytes, d2, pitch2, wbytes, H, cudaMemcpyDeviceToHost));
    const int sx = 90, sy = 40, sw = 40, sh = 30, hp = 64;
    std::vector<float> sub((size_t)hp * sh, -1.0f);
    cudaStream_t s;
    CHECK(cudaStreamCreate(&s));
    CHECK(cudaMemcpy2DAsync(sub.data(), hp * sizeof(float),
                            (char *)d2 + sy * pitch2 + sx * sizeof(float), pitch2,
                            sw * sizeof(float), sh, cudaMemcpyDeviceToHost, s));
    CHECK(cudaStreamSynchronize(s));
    t.stop();

    auto expect_at = [&](int x, int y) {
        bool zeroed = x >= rx && x < rx + rw && y >= ry && y < ry + rh;
        return zeroed ? 0.0f : 2.0f * host[(size_t)y * W + x];
    };
    int bad = 0;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            if (back[(size_t)y * W + x] != expect_at(x, y))
                bad++;
    int badsub = 0;
    for (int y = 0; y < sh; y++)
        for (int x = 0; x < hp; x++) {
            float want = x < sw ? expect_at(sx + x, sy + y) : -1.0f; // padding untouched
            if (sub[(size_t)y * hp + x] != want)
                badsub++;
        }
    printf("full matrix %dx%d bad=%d, sub-rectangle %dx%d bad=%d\n", W, H, bad, sw, sh, badsub);
    CHECK(cudaStreamDestroy(s));
    CHECK(cudaFree(d));
    CHECK(cudaFree(d2));
    EXPECT(bad == 0 && badsub == 0, "mismatches");
    t.report();
    return test_pass();
}
