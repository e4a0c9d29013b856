// tex_surf: CUDA arrays and what reads and writes them: 2D and 3D arrays
// filled and read back with the array copies (2D, linear, array to array,
// 3D with offsets, async on a stream), texture objects over a 2D array (point
// and linear filtering), a 3D array, linear and pitched device memory and a
// mipmapped array (a level each), a surface object written by a kernel, and
// the descriptors CUDA gives back.
#include "common.h"

#include <vector>

static const int W = 64, H = 32;

__global__ void read2d(cudaTextureObject_t t, float *out, int w, int h,
                       float dx)
{
    int x = blockIdx.x * blockDim.x + threadIdx.x;
    int y = blockIdx.y * blockDim.y + threadIdx.y;
    if (x < w && y < h)
        out[y * w + x] = tex2D<float>(t, x + 0.5f + dx, y + 0.5f);
}

__global__ void read3d(cudaTextureObject_t t, float *out, int w, int h,
                       int d)
{
    int x = threadIdx.x, y = threadIdx.y, z = blockIdx.x;
    if (x < w && y < h && z < d)
        out[(z * h + y) * w + x] = tex3D<float>(t, x + 0.5f, y + 0.5f,
                                                z + 0.5f);
}

__global__ void read1d(cudaTextureObject_t t, float *out, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n)
        out[i] = tex1Dfetch<float>(t, i);
}

__global__ void read_lod(cudaTextureObject_t t, float *out, int w, float lod)
{
    int x = threadIdx.x, y = blockIdx.x;
    if (x < w && y < w)
        out[y * w + x] = tex2DLod<float>(t, (x + 0.5f) / w, (y + 0.5f) / w,
                                         lod);
}

__global__ void write_surf(cudaSurfaceObject_t s, int w, int h)
{
    int x = blockIdx.x * blockDim.x + threadIdx.x;
    int y = blockIdx.y * blockDim.y + threadIdx.y;
    if (x < w && y < h)
        surf2Dwrite((float)(y * 1000 + x), s, x * (int)sizeof(float), y);
}

static std::vector<float> pattern(int n, int seed)
{
    std::vector<float> v(n);
    Rng rng(seed);
    for (auto &x : v)
        x = (float)rng.range(-500, 500);
    return v;
}

static void expect_equal(const std::vector<float> &got,
                         const std::vector<float> &want, const char *what)
{
    for (size_t i = 0; i < want.size(); i++)
        EXPECT(got[i] == want[i], "%s: [%zu] = %g, want %g", what, i, got[i],
               want[i]);
    printf("%s: %zu values exact\n", what, want.size());
}

static cudaTextureObject_t array_texture(cudaArray_t a,
                                         cudaTextureFilterMode filter)
{
    cudaResourceDesc rd = {};
    rd.resType = cudaResourceTypeArray;
    rd.res.array.array = a;
    cudaTextureDesc td = {};
    td.addressMode[0] = td.addressMode[1] = td.addressMode[2] =
        cudaAddressModeClamp;
    td.filterMode = filter;
    td.readMode = cudaReadModeElementType;
    cudaTextureObject_t t;
    CHECK(cudaCreateTextureObject(&t, &rd, &td, nullptr));
    return t;
}

// A 2D array: copies in and out, point and linear texture reads.
static void arrays_2d(cudaStream_t s)
{
    cudaChannelFormatDesc f = cudaCreateChannelDesc<float>();
    cudaArray_t a, b;
    CHECK(cudaMallocArray(&a, &f, W, H, 0));
    CHECK(cudaMallocArray(&b, &f, W, H, 0));
    cudaChannelFormatDesc got;
    cudaExtent ext;
    unsigned flags = 9;
    CHECK(cudaArrayGetInfo(&got, &ext, &flags, a));
    printf("array: %d bits, kind %d, %zu x %zu x %zu, flags %u\n", got.x,
           (int)got.f, ext.width, ext.height, ext.depth, flags);
    CHECK(cudaGetChannelDesc(&got, a));
    printf("channel desc: %d %d %d %d kind %d\n", got.x, got.y, got.z, got.w,
           (int)got.f);

    std::vector<float> h = pattern(W * H, 5), back(W * H);
    const size_t row = W * sizeof(float);
    CHECK(cudaMemcpy2DToArray(a, 0, 0, h.data(), row, row, H,
                              cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy2DFromArray(back.data(), row, a, 0, 0, row, H,
                                cudaMemcpyDeviceToHost));
    expect_equal(back, h, "2D array round trip");

    // A 16 x 4 sub-rectangle at (8, 3) from a host buffer with a wide pitch.
    std::vector<float> sub = pattern(40 * 4, 6);
    CHECK(cudaMemcpy2DToArrayAsync(a, 8 * sizeof(float), 3, sub.data(),
                                   40 * sizeof(float), 16 * sizeof(float), 4,
                                   cudaMemcpyHostToDevice, s));
    CHECK(cudaStreamSynchronize(s));
    for (int y = 0; y < 4; y++)
        for (int x = 0; x < 16; x++)
            h[(3 + y) * W + 8 + x] = sub[y * 40 + x];
    CHECK(cudaMemcpy2DFromArrayAsync(back.data(), row, a, 0, 0, row, H,
                                     cudaMemcpyDeviceToHost, s));
    CHECK(cudaStreamSynchronize(s));
    expect_equal(back, h, "2D array sub-rectangle, async");

    // Array to array, whole and a rectangle; device memory to array.
    CHECK(cudaMemcpy2DArrayToArray(b, 0, 0, a, 0, 0, row, H,
                                   cudaMemcpyDeviceToDevice));
    float *d;
    CHECK(cudaMalloc(&d, W * H * sizeof(float)));
    CHECK(cudaMemcpy2DFromArray(d, row, b, 0, 0, row, H,
                                cudaMemcpyDeviceToDevice));
    CHECK(cudaMemcpy(back.data(), d, W * H * sizeof(float),
                     cudaMemcpyDeviceToHost));
    expect_equal(back, h, "array to array to device memory");
    std::vector<float> z(W * H, 0.0f);
    CHECK(cudaMemcpy(d, z.data(), W * H * sizeof(float),
                     cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy2DToArray(b, 0, 0, d, row, row, H,
                              cudaMemcpyDeviceToDevice));
    CHECK(cudaMemcpy2DArrayToArray(b, 4 * sizeof(float), 2, a,
                                   4 * sizeof(float), 2, 8 * sizeof(float),
                                   5, cudaMemcpyDefault));
    CHECK(cudaMemcpy2DFromArray(back.data(), row, b, 0, 0, row, H,
                                cudaMemcpyDeviceToHost));
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            z[y * W + x] = (y >= 2 && y < 7 && x >= 4 && x < 12)
                               ? h[y * W + x] : 0.0f;
    expect_equal(back, z, "array rectangle to array");

    // Texture reads: texel centres (point), and halfway between texels
    // (linear filtering: the mean of two neighbours).
    cudaTextureObject_t tp = array_texture(a, cudaFilterModePoint);
    cudaTextureObject_t tl = array_texture(a, cudaFilterModeLinear);
    dim3 blk(16, 8), grd(W / 16, H / 8);
    read2d<<<grd, blk>>>(tp, d, W, H, 0.0f);
    CHECK_LAUNCH();
    CHECK(cudaMemcpy(back.data(), d, W * H * sizeof(float),
                     cudaMemcpyDeviceToHost));
    expect_equal(back, h, "tex2D point");
    read2d<<<grd, blk>>>(tl, d, W, H, 0.5f);
    CHECK_LAUNCH();
    CHECK(cudaMemcpy(back.data(), d, W * H * sizeof(float),
                     cudaMemcpyDeviceToHost));
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            float r = h[y * W + (x + 1 < W ? x + 1 : x)];
            float want = 0.5f * (h[y * W + x] + r);
            EXPECT(close_enough(back[y * W + x], want, 1e-3, 1e-2),
                   "tex2D linear (%d, %d) = %g, want %g", x, y,
                   back[y * W + x], want);
        }
    printf("tex2D linear: halfway values within 1e-3\n");

    cudaResourceDesc rd = {};
    CHECK(cudaGetTextureObjectResourceDesc(&rd, tl));
    cudaTextureDesc td = {};
    CHECK(cudaGetTextureObjectTextureDesc(&td, tl));
    printf("texture: resource array %s, filter %d, address %d\n",
           rd.resType == cudaResourceTypeArray && rd.res.array.array == a
               ? "same" : "other",
           (int)td.filterMode, (int)td.addressMode[0]);
    CHECK(cudaDestroyTextureObject(tp));
    CHECK(cudaDestroyTextureObject(tl));
    CHECK(cudaFree(d));
    CHECK(cudaFreeArray(a));
    CHECK(cudaFreeArray(b));
}

// A surface written by a kernel, read back with a 2D copy.
static void surfaces()
{
    cudaChannelFormatDesc f = cudaCreateChannelDesc<float>();
    cudaArray_t a;
    CHECK(cudaMallocArray(&a, &f, W, H, cudaArraySurfaceLoadStore));
    cudaResourceDesc rd = {};
    rd.resType = cudaResourceTypeArray;
    rd.res.array.array = a;
    cudaSurfaceObject_t so;
    CHECK(cudaCreateSurfaceObject(&so, &rd));
    write_surf<<<dim3(W / 16, H / 8), dim3(16, 8)>>>(so, W, H);
    CHECK_LAUNCH();
    std::vector<float> back(W * H), want(W * H);
    CHECK(cudaMemcpy2DFromArray(back.data(), W * sizeof(float), a, 0, 0,
                                W * sizeof(float), H,
                                cudaMemcpyDeviceToHost));
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            want[y * W + x] = (float)(y * 1000 + x);
    expect_equal(back, want, "surf2Dwrite");
    cudaResourceDesc got = {};
    CHECK(cudaGetSurfaceObjectResourceDesc(&got, so));
    printf("surface: resource array %s\n",
           got.res.array.array == a ? "same" : "other");
    CHECK(cudaDestroySurfaceObject(so));
    CHECK(cudaFreeArray(a));
}

// A 3D array: cudaMemcpy3D in, tex3D, a sub-box out with offsets.
static void arrays_3d(cudaStream_t s)
{
    const int X = 16, Y = 8, Z = 4;
    cudaChannelFormatDesc f = cudaCreateChannelDesc<float>();
    cudaArray_t a;
    CHECK(cudaMalloc3DArray(&a, &f, make_cudaExtent(X, Y, Z), 0));
    std::vector<float> h = pattern(X * Y * Z, 7), back(X * Y * Z);
    cudaMemcpy3DParms m = {};
    m.srcPtr = make_cudaPitchedPtr(h.data(), X * sizeof(float), X, Y);
    m.dstArray = a;
    m.extent = make_cudaExtent(X, Y, Z);
    m.kind = cudaMemcpyHostToDevice;
    CHECK(cudaMemcpy3D(&m));
    cudaTextureObject_t t = array_texture(a, cudaFilterModePoint);
    float *d;
    CHECK(cudaMalloc(&d, X * Y * Z * sizeof(float)));
    read3d<<<Z, dim3(X, Y)>>>(t, d, X, Y, Z);
    CHECK_LAUNCH();
    CHECK(cudaMemcpy(back.data(), d, X * Y * Z * sizeof(float),
                     cudaMemcpyDeviceToHost));
    expect_equal(back, h, "tex3D point");
    // Elements (4..11, 2..5, 1..2) of the array into (2.., 0.., 0..) of a
    // host box with a wider pitch.
    // The host side's x counts the array's elements, not bytes, though
    // the documentation says a pointer's elements are bytes: on the H100
    // x = 8 with 8 floats into a 48-byte pitch is refused
    // (cudaErrorInvalidValue), into a 64-byte pitch accepted.
    const int BX = 12, BY = 6, BZ = 3;
    float *pbox;
    CHECK(cudaMallocHost(&pbox, BX * BY * BZ * sizeof(float)));
    for (int i = 0; i < BX * BY * BZ; i++)
        pbox[i] = -1.0f;
    memset(&m, 0, sizeof(m));
    m.srcArray = a;
    m.srcPos = make_cudaPos(4, 2, 1);
    m.dstPtr = make_cudaPitchedPtr(pbox, BX * sizeof(float), BX, BY);
    m.dstPos = make_cudaPos(2, 0, 0);
    m.extent = make_cudaExtent(8, 4, 2);
    m.kind = cudaMemcpyDeviceToHost;
    CHECK(cudaMemcpy3DAsync(&m, s));
    CHECK(cudaStreamSynchronize(s));
    std::vector<float> box(pbox, pbox + BX * BY * BZ);
    CHECK(cudaFreeHost(pbox));
    std::vector<float> want(BX * BY * BZ, -1.0f);
    for (int z = 0; z < 2; z++)
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 8; x++)
                want[(z * BY + y) * BX + 2 + x] =
                    h[((1 + z) * Y + 2 + y) * X + 4 + x];
    expect_equal(box, want, "3D sub-box to host");
    CHECK(cudaDestroyTextureObject(t));
    CHECK(cudaFree(d));
    CHECK(cudaFreeArray(a));
}

// Linear and pitched device memory behind texture objects.
static void linear_textures()
{
    const int n = 1000;
    std::vector<float> h = pattern(n, 8), back(n);
    float *src, *out;
    CHECK(cudaMalloc(&src, n * sizeof(float)));
    CHECK(cudaMalloc(&out, W * H * sizeof(float)));
    CHECK(cudaMemcpy(src, h.data(), n * sizeof(float),
                     cudaMemcpyHostToDevice));
    cudaResourceDesc rd = {};
    rd.resType = cudaResourceTypeLinear;
    rd.res.linear.devPtr = src;
    rd.res.linear.desc = cudaCreateChannelDesc<float>();
    rd.res.linear.sizeInBytes = n * sizeof(float);
    cudaTextureDesc td = {};
    td.readMode = cudaReadModeElementType;
    cudaTextureObject_t t;
    CHECK(cudaCreateTextureObject(&t, &rd, &td, nullptr));
    read1d<<<(n + 255) / 256, 256>>>(t, out, n);
    CHECK_LAUNCH();
    CHECK(cudaMemcpy(back.data(), out, n * sizeof(float),
                     cudaMemcpyDeviceToHost));
    expect_equal(back, h, "tex1Dfetch on linear memory");
    CHECK(cudaDestroyTextureObject(t));

    float *pitched;
    size_t pitch;
    CHECK(cudaMallocPitch(&pitched, &pitch, W * sizeof(float), H));
    std::vector<float> img = pattern(W * H, 9), iback(W * H);
    CHECK(cudaMemcpy2D(pitched, pitch, img.data(), W * sizeof(float),
                       W * sizeof(float), H, cudaMemcpyHostToDevice));
    memset(&rd, 0, sizeof(rd));
    rd.resType = cudaResourceTypePitch2D;
    rd.res.pitch2D.devPtr = pitched;
    rd.res.pitch2D.desc = cudaCreateChannelDesc<float>();
    rd.res.pitch2D.width = W;
    rd.res.pitch2D.height = H;
    rd.res.pitch2D.pitchInBytes = pitch;
    td.filterMode = cudaFilterModePoint;
    CHECK(cudaCreateTextureObject(&t, &rd, &td, nullptr));
    read2d<<<dim3(W / 16, H / 8), dim3(16, 8)>>>(t, out, W, H, 0.0f);
    CHECK_LAUNCH();
    CHECK(cudaMemcpy(iback.data(), out, W * H * sizeof(float),
                     cudaMemcpyDeviceToHost));
    expect_equal(iback, img, "tex2D on pitched memory");
    CHECK(cudaDestroyTextureObject(t));
    CHECK(cudaFree(pitched));
    CHECK(cudaFree(src));
    CHECK(cudaFree(out));
}

// A mipmapped array: each level filled through its own array, read with
// tex2DLod at that level.
static void mipmaps()
{
    const int S = 64, L = 4;
    cudaChannelFormatDesc f = cudaCreateChannelDesc<float>();
    cudaMipmappedArray_t mm;
    CHECK(cudaMallocMipmappedArray(&mm, &f, make_cudaExtent(S, S, 0), L, 0));
    std::vector<std::vector<float>> levels;
    for (int l = 0; l < L; l++) {
        int w = S >> l;
        cudaArray_t lv;
        CHECK(cudaGetMipmappedArrayLevel(&lv, mm, l));
        cudaExtent ext;
        cudaChannelFormatDesc got;
        unsigned flags;
        CHECK(cudaArrayGetInfo(&got, &ext, &flags, lv));
        std::vector<float> h = pattern(w * w, 20 + l);
        CHECK(cudaMemcpy2DToArray(lv, 0, 0, h.data(), w * sizeof(float),
                                  w * sizeof(float), w,
                                  cudaMemcpyHostToDevice));
        printf("level %d: %zu x %zu\n", l, ext.width, ext.height);
        levels.push_back(h);
    }
    cudaResourceDesc rd = {};
    rd.resType = cudaResourceTypeMipmappedArray;
    rd.res.mipmap.mipmap = mm;
    cudaTextureDesc td = {};
    td.addressMode[0] = td.addressMode[1] = cudaAddressModeClamp;
    td.filterMode = cudaFilterModePoint;
    td.mipmapFilterMode = cudaFilterModePoint;
    td.readMode = cudaReadModeElementType;
    td.normalizedCoords = 1;
    td.maxMipmapLevelClamp = (float)(L - 1);
    cudaTextureObject_t t;
    CHECK(cudaCreateTextureObject(&t, &rd, &td, nullptr));
    float *d;
    CHECK(cudaMalloc(&d, S * S * sizeof(float)));
    for (int l = 0; l < L; l++) {
        int w = S >> l;
        read_lod<<<w, w>>>(t, d, w, (float)l);
        CHECK_LAUNCH();
        std::vector<float> back(w * w);
        CHECK(cudaMemcpy(back.data(), d, w * w * sizeof(float),
                         cudaMemcpyDeviceToHost));
        char what[64];
        snprintf(what, sizeof(what), "tex2DLod level %d", l);
        expect_equal(back, levels[l], what);
    }
    CHECK(cudaDestroyTextureObject(t));
    CHECK(cudaFree(d));
    CHECK(cudaFreeMipmappedArray(mm));
}

int main()
{
    test_init("tex_surf");
    warm_up();
    cudaStream_t s;
    CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    Timer t;
    t.start();
    arrays_2d(s);
    surfaces();
    arrays_3d(s);
    linear_textures();
    mipmaps();
    t.stop();
    t.report();
    CHECK(cudaStreamDestroy(s));
    return test_pass();
}
