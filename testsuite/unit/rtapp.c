/*
 * rtapp.c - runtime-API program (no kernels) for the functions issue 4
 * added to our libcudart.so.13: peer answers, device lists, pools and
 * memory locations, arrays and their copies, texture and surface
 * objects, IPC, graph nodes, user objects, libraries, driver logs and
 * notifications, external memory and semaphores, fork() before and after
 * the first CUDA call.  Driven by test_gvd_rt.c against gvd's simulated
 * device.
 *
 *   rtapp MODE
 *
 * Each mode prints "OK MODE" and exits 0 when every result was right; a
 * failure prints one line saying what differed.
 */
#include "config.h"

#include <cuda_runtime_api.h>
#include "gvx_cuda.h"
#include "libapp.h" /* FAIL, RT, CHECK, TRUE (macros only) */

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

static void fill(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(i * 11 + seed + (i >> 9));
    }
}

/* Peer access between remote GPUs: CUDA's answers for GPUs that cannot
 * reach each other; device lists. */
static int mode_peer(void)
{
    enum cudaAtomicOperation ops[2] = { cudaAtomicOperationIntegerAdd,
                                        cudaAtomicOperationFloatAdd };
    unsigned caps[2] = { 7, 7 };
    int can = -1, v = -1, dev = -1, list[2] = { 0, 0 };

    CHECK(cudaDeviceCanAccessPeer(&can, 0, 0));
    TRUE(can == 0);
    RT(cudaDeviceCanAccessPeer(&can, 0, 3), cudaErrorInvalidDevice);
    RT(cudaDeviceCanAccessPeer(NULL, 0, 0), cudaErrorInvalidValue);
    RT(cudaDeviceEnablePeerAccess(0, 0), cudaErrorInvalidDevice);
    RT(cudaDeviceEnablePeerAccess(5, 0), cudaErrorInvalidDevice);
    RT(cudaDeviceDisablePeerAccess(0), cudaErrorPeerAccessNotEnabled);
    RT(cudaDeviceGetP2PAttribute(&v, cudaDevP2PAttrAccessSupported, 0, 0),
           cudaErrorInvalidDevice);
    RT(cudaDeviceGetP2PAttribute(&v, (enum cudaDeviceP2PAttr)99, 0, 0),
           cudaErrorInvalidValue);
    RT(cudaDeviceGetP2PAtomicCapabilities(caps, ops, 2, 0, 0),
           cudaErrorInvalidDevice);
    /* Device lists: the first valid one becomes the default. */
    CHECK(cudaSetValidDevices(list, 1));
    RT(cudaSetValidDevices(list, 2), cudaErrorInvalidValue);
    list[0] = 4;
    RT(cudaSetValidDevices(list, 1), cudaErrorInvalidDevice);
    CHECK(cudaSetValidDevices(NULL, 0));
    CHECK(cudaGetDevice(&dev));
    TRUE(dev == 0);
    (void)cudaGetLastError();
    return 0;
}

/* Pools named by memory locations (device ordinals translated by the
 * client), pool allocations in the client's map, range hints. */
static int mode_pools(void)
{
    struct cudaMemPoolProps props;
    struct cudaMemAccessDesc acc;
    struct cudaMemLocation loc = { cudaMemLocationTypeDevice, 0 };
    enum cudaMemAccessFlags flags = cudaMemAccessFlagsProtNone;
    cudaMemPool_t def = NULL, pool = NULL, p2 = NULL;
    cudaMemPool_t forged = (cudaMemPool_t)(uintptr_t)0xbad000ull;
    unsigned long long thr = 1 << 20, got = 0;
    uint8_t h[4096], back[4096];
    cudaStream_t s;
    int where = -5;
    void *d = NULL;

    CHECK(cudaStreamCreate(&s));
    CHECK(cudaDeviceGetDefaultMemPool(&def, 0));
    CHECK(cudaMemGetDefaultMemPool(&p2, &loc, cudaMemAllocationTypePinned));
    TRUE(p2 == def);
    memset(&props, 0, sizeof(props));
    props.allocType = cudaMemAllocationTypePinned;
    props.location = loc;
    CHECK(cudaMemPoolCreate(&pool, &props));
    props.location.id = 3;
    RT(cudaMemPoolCreate(&p2, &props), cudaErrorInvalidDevice);
    acc.location = loc;
    acc.flags = cudaMemAccessFlagsProtReadWrite;
    CHECK(cudaMemPoolSetAccess(pool, &acc, 1));
    acc.location.id = 9;
    RT(cudaMemPoolSetAccess(pool, &acc, 1), cudaErrorInvalidDevice);
    CHECK(cudaMemPoolGetAccess(&flags, pool, &loc));
    TRUE(flags == cudaMemAccessFlagsProtReadWrite);
    CHECK(cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold,
                                  &thr));
    CHECK(cudaMemPoolGetAttribute(pool, cudaMemPoolAttrReleaseThreshold,
                                  &got));
    TRUE(got == thr);
    CHECK(cudaMemSetMemPool(&loc, cudaMemAllocationTypePinned, pool));
    CHECK(cudaMemGetMemPool(&p2, &loc, cudaMemAllocationTypePinned));
    TRUE(p2 == pool);
    CHECK(cudaDeviceSetMemPool(0, def));
    /* A pool allocation is device memory to cudaMemcpyDefault. */
    CHECK(cudaMallocFromPoolAsync(&d, sizeof(h), pool, s));
    fill(h, sizeof(h), 5);
    CHECK(cudaMemcpyAsync(d, h, sizeof(h), cudaMemcpyDefault, s));
    CHECK(cudaMemcpyAsync(back, d, sizeof(back), cudaMemcpyDefault, s));
    CHECK(cudaStreamSynchronize(s));
    TRUE(memcmp(h, back, sizeof(h)) == 0);
    CHECK(cudaMemAdvise(d, sizeof(h), cudaMemAdviseSetReadMostly, loc));
    CHECK(cudaMemPrefetchAsync(d, sizeof(h), loc, 0, s));
    CHECK(cudaMemRangeGetAttribute(&where, sizeof(where),
                                   cudaMemRangeAttributeLastPrefetchLocation,
                                   d, sizeof(h)));
    TRUE(where == 0);
    /* Forged values: the worker refuses them, late for one-way calls. */
    RT(cudaMallocFromPoolAsync(&d, 64, forged, s),
           cudaErrorInvalidResourceHandle);
    RT(cudaMemAdvise((char *)d + 4000, 200, cudaMemAdviseSetReadMostly,
                         loc), cudaErrorInvalidValue);
    CHECK(cudaMemPrefetchAsync((char *)d + 4000, 200, loc, 0, s));
    RT(cudaStreamSynchronize(s), cudaErrorInvalidValue);
    loc.id = 2;
    RT(cudaMemPrefetchAsync(d, 16, loc, 0, s), cudaErrorInvalidDevice);
    CHECK(cudaFreeAsync(d, s));
    CHECK(cudaStreamSynchronize(s));
    CHECK(cudaMemPoolDestroy(pool));
    RT(cudaMemPoolTrimTo(pool, 0), cudaErrorInvalidResourceHandle);
    CHECK(cudaStreamDestroy(s));
    (void)cudaGetLastError();
    return 0;
}

/* Arrays: 2D, linear (row-wrapping) and 3D copies with host memory,
 * device memory and other arrays; offsets; forged and freed arrays. */
static int mode_arrays(void)
{
    struct cudaChannelFormatDesc f32 = { 32, 0, 0, 0, cudaChannelFormatKindFloat };
    struct cudaChannelFormatDesc u4 = { 8, 8, 8, 8, cudaChannelFormatKindUnsigned };
    struct cudaChannelFormatDesc d2;
    struct cudaExtent ext;
    struct cudaMemcpy3DParms m;
    struct cudaMemcpy3DPeerParms pm;
    cudaArray_t a, b, c3, forged = (cudaArray_t)(uintptr_t)0xabc0000ull;
    uint8_t h[8 * 64], back[8 * 64], sub[3 * 100], lin[200], vol[3 * 4 * 32];
    uint8_t vback[3 * 4 * 32];
    /* The source of a copy one row longer than the array: the buffer must
     * hold it (the client sends the rows before the worker can refuse). */
    uint8_t big[9 * 64] = { 0 };
    unsigned flags = 9;
    cudaStream_t s;
    void *d;

    CHECK(cudaStreamCreate(&s));
    CHECK(cudaMallocArray(&a, &f32, 16, 8, 0)); /* 64 bytes x 8 rows */
    CHECK(cudaArrayGetInfo(&d2, &ext, &flags, a));
    TRUE(d2.x == 32 && ext.width == 16 && ext.height == 8 && flags == 0);
    fill(h, sizeof(h), 1);
    CHECK(cudaMemcpy2DToArray(a, 0, 0, h, 64, 64, 8,
                              cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy2DFromArray(back, 64, a, 0, 0, 64, 8,
                                cudaMemcpyDeviceToHost));
    TRUE(memcmp(h, back, sizeof(h)) == 0);
    /* A sub-rectangle from a host pitch that is not packed. */
    fill(sub, sizeof(sub), 2);
    CHECK(cudaMemcpy2DToArrayAsync(a, 8, 2, sub, 100, 16, 3,
                                   cudaMemcpyHostToDevice, s));
    CHECK(cudaStreamSynchronize(s));
    CHECK(cudaMemcpy2DFromArray(back, 64, a, 0, 0, 64, 8,
                                cudaMemcpyDefault));
    for (int y = 0; y < 3; y++) {
        memcpy(h + (2 + y) * 64 + 8, sub + y * 100, 16);
    }
    TRUE(memcmp(h, back, sizeof(h)) == 0);
    /* Linear: 200 bytes from (16, 1), wrapping at the end of each row. */
    fill(lin, sizeof(lin), 3);
    CHECK(cudaMemcpyToArray(a, 16, 1, lin, sizeof(lin),
                            cudaMemcpyHostToDevice));
    memcpy(h + 64 + 16, lin, sizeof(lin));
    memset(back, 0, sizeof(back));
    CHECK(cudaMemcpyFromArrayAsync(back, a, 16, 1, sizeof(lin),
                                   cudaMemcpyDeviceToHost, s));
    CHECK(cudaStreamSynchronize(s));
    TRUE(memcmp(back, lin, sizeof(lin)) == 0);
    CHECK(cudaMemcpyFromArray(back, a, 0, 0, sizeof(back),
                              cudaMemcpyDeviceToHost));
    TRUE(memcmp(h, back, sizeof(h)) == 0);
    /* Device memory and a second array. */
    CHECK(cudaMalloc(&d, sizeof(h)));
    CHECK(cudaMemcpy2DFromArray(d, 64, a, 0, 0, 64, 8,
                                cudaMemcpyDeviceToDevice));
    CHECK(cudaMallocArray(&b, &f32, 16, 8, 0));
    CHECK(cudaMemcpy2DToArrayAsync(b, 0, 0, d, 64, 64, 8,
                                   cudaMemcpyDeviceToDevice, s));
    CHECK(cudaStreamSynchronize(s));
    memset(back, 0, sizeof(back));
    CHECK(cudaMemcpy2DFromArray(back, 64, b, 0, 0, 64, 8,
                                cudaMemcpyDeviceToHost));
    TRUE(memcmp(h, back, sizeof(h)) == 0);
    CHECK(cudaMemset(d, 0, sizeof(h)));
    CHECK(cudaMemcpyToArray(b, 0, 0, d, sizeof(h), cudaMemcpyDefault));
    CHECK(cudaMemcpy2DArrayToArray(b, 0, 0, a, 0, 0, 32, 8,
                                   cudaMemcpyDeviceToDevice));
    CHECK(cudaMemcpyArrayToArray(b, 32, 7, a, 32, 7, 32,
                                 cudaMemcpyDefault));
    CHECK(cudaMemcpyFromArray(back, b, 0, 0, sizeof(back),
                              cudaMemcpyDeviceToHost));
    for (int y = 0; y < 8; y++) {
        TRUE(memcmp(back + y * 64, h + y * 64, 32) == 0);
        TRUE(y == 7 ? memcmp(back + y * 64 + 32, h + y * 64 + 32, 32) == 0
                    : back[y * 64 + 40] == 0);
    }
    /* 3D: a 8 x 4 x 3 array of 4-byte elements, through cudaMemcpy3D. */
    CHECK(cudaMalloc3DArray(&c3, &u4, gvx_extent(8, 4, 3), 0));
    fill(vol, sizeof(vol), 4);
    memset(&m, 0, sizeof(m));
    m.srcPtr = gvx_pitched(vol, 32, 32, 4);
    m.dstArray = c3;
    m.extent = gvx_extent(8, 4, 3);
    m.kind = cudaMemcpyHostToDevice;
    CHECK(cudaMemcpy3D(&m));
    memset(&m, 0, sizeof(m));
    memset(vback, 0, sizeof(vback));
    m.srcArray = c3;
    m.srcPos.x = 2;              /* elements of the array */
    m.srcPos.z = 1;
    m.dstPtr = gvx_pitched(vback, 32, 32, 4);
    m.dstPos.x = 2;              /* the array's elements (as the H100) */
    m.extent = gvx_extent(4, 4, 2);
    m.kind = cudaMemcpyDeviceToHost;
    CHECK(cudaMemcpy3DAsync(&m, s));
    CHECK(cudaStreamSynchronize(s));
    for (int z = 0; z < 2; z++) {
        for (int y = 0; y < 4; y++) {
            TRUE(memcmp(vback + (z * 4 + y) * 32 + 8,
                        vol + ((z + 1) * 4 + y) * 32 + 8, 16) == 0);
        }
    }
    /* A 3D peer copy on one device is a 3D copy. */
    memset(&pm, 0, sizeof(pm));
    pm.srcArray = a;
    pm.dstArray = b;
    pm.extent = gvx_extent(16, 8, 1);
    CHECK(cudaMemcpy3DPeer(&pm));
    pm.dstDevice = 1;
    RT(cudaMemcpy3DPeer(&pm), cudaErrorInvalidDevice);
    /* What the worker or the array refuses. */
    RT(cudaMemcpy2DToArray(forged, 0, 0, h, 64, 64, 8,
                               cudaMemcpyHostToDevice),
           cudaErrorInvalidResourceHandle);
    RT(cudaMemcpy2DToArray(a, 3, 0, h, 64, 8, 1,
                               cudaMemcpyHostToDevice),
           cudaErrorInvalidValue);      /* not a whole element */
    RT(cudaMemcpy2DToArray(a, 0, 0, big, 64, 64, 9,
                               cudaMemcpyHostToDevice),
           cudaErrorInvalidValue);      /* past the last row */
    RT(cudaMemcpy2DFromArray(back, 64, a, 0, 0, 64, 8,
                                 cudaMemcpyHostToDevice),
           cudaErrorInvalidMemcpyDirection);
    RT(cudaMemcpy2DToArray(a, 0, 0, (char *)d + 400, 64, 64, 8,
                               cudaMemcpyDeviceToDevice),
           cudaErrorInvalidValue);      /* beyond the allocation */
    CHECK(cudaFreeArray(b));
    RT(cudaMemcpyToArray(b, 0, 0, h, 16, cudaMemcpyHostToDevice),
           cudaErrorInvalidResourceHandle);
    RT(cudaFreeArray(b), cudaErrorInvalidResourceHandle);
    CHECK(cudaFreeArray(a));
    CHECK(cudaFreeArray(c3));
    CHECK(cudaFree(d));
    CHECK(cudaStreamDestroy(s));
    (void)cudaGetLastError();
    return 0;
}

/* Texture and surface objects over arrays, mipmapped arrays and device
 * memory; what their descriptors name must be the client's. */
static int mode_textures(void)
{
    struct cudaChannelFormatDesc f32 = { 32, 0, 0, 0, cudaChannelFormatKindFloat };
    struct cudaResourceDesc rd, got;
    struct cudaTextureDesc td, tgot;
    cudaArray_t a, lv1;
    cudaMipmappedArray_t mm;
    cudaTextureObject_t t1 = 0, t2 = 0, t3 = 0;
    cudaSurfaceObject_t s1 = 0;
    float h[16 * 8], back[8 * 4];
    void *d;

    CHECK(cudaMallocArray(&a, &f32, 16, 8, cudaArraySurfaceLoadStore));
    memset(&rd, 0, sizeof(rd));
    rd.resType = cudaResourceTypeArray;
    rd.res.array.array = a;
    memset(&td, 0, sizeof(td));
    td.addressMode[0] = cudaAddressModeClamp;
    td.filterMode = cudaFilterModePoint;
    td.readMode = cudaReadModeElementType;
    CHECK(cudaCreateTextureObject(&t1, &rd, &td, NULL));
    CHECK(cudaGetTextureObjectResourceDesc(&got, t1));
    TRUE(got.resType == cudaResourceTypeArray && got.res.array.array == a);
    CHECK(cudaGetTextureObjectTextureDesc(&tgot, t1));
    TRUE(tgot.addressMode[0] == cudaAddressModeClamp);
    CHECK(cudaCreateSurfaceObject(&s1, &rd));
    CHECK(cudaGetSurfaceObjectResourceDesc(&got, s1));
    TRUE(got.res.array.array == a);
    /* Linear memory: within an allocation, not beyond. */
    CHECK(cudaMalloc(&d, 1024));
    memset(&rd, 0, sizeof(rd));
    rd.resType = cudaResourceTypeLinear;
    rd.res.linear.devPtr = d;
    rd.res.linear.desc = f32;
    rd.res.linear.sizeInBytes = 1024;
    CHECK(cudaCreateTextureObject(&t2, &rd, &td, NULL));
    rd.res.linear.sizeInBytes = 2048;
    RT(cudaCreateTextureObject(&t3, &rd, &td, NULL),
           cudaErrorInvalidValue);
    rd.resType = cudaResourceTypeArray;
    rd.res.array.array = (cudaArray_t)(uintptr_t)0xfeed000ull;
    RT(cudaCreateTextureObject(&t3, &rd, &td, NULL),
           cudaErrorInvalidValue);
    /* Mipmapped arrays: levels are arrays of their own. */
    CHECK(cudaMallocMipmappedArray(&mm, &f32, gvx_extent(16, 8, 0), 3, 0));
    CHECK(cudaGetMipmappedArrayLevel(&lv1, mm, 1));
    for (int i = 0; i < 16 * 8; i++) {
        h[i] = (float)i * 0.5f;
    }
    CHECK(cudaMemcpy2DToArray(lv1, 0, 0, h, 32, 32, 4,
                              cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy2DFromArray(back, 32, lv1, 0, 0, 32, 4,
                                cudaMemcpyDeviceToHost));
    TRUE(memcmp(h, back, sizeof(back)) == 0);
    RT(cudaGetMipmappedArrayLevel(&lv1, mm, 7), cudaErrorInvalidValue);
    memset(&rd, 0, sizeof(rd));
    rd.resType = cudaResourceTypeMipmappedArray;
    rd.res.mipmap.mipmap = mm;
    td.mipmapFilterMode = cudaFilterModePoint;
    td.maxMipmapLevelClamp = 2;
    CHECK(cudaCreateTextureObject(&t3, &rd, &td, NULL));
    CHECK(cudaDestroyTextureObject(t3));
    CHECK(cudaDestroyTextureObject(t1));
    CHECK(cudaDestroyTextureObject(t2));
    RT(cudaDestroyTextureObject(t2), cudaErrorInvalidResourceHandle);
    RT(cudaGetTextureObjectResourceDesc(&got, t1),
           cudaErrorInvalidResourceHandle);
    CHECK(cudaDestroySurfaceObject(s1));
    CHECK(cudaFreeMipmappedArray(mm));
    RT(cudaFreeMipmappedArray(mm), cudaErrorInvalidResourceHandle);
    CHECK(cudaFreeArray(a));
    CHECK(cudaFree(d));
    (void)cudaGetLastError();
    return 0;
}

/* Batched copies: in stream order, never on the legacy stream. */
static int mode_batch(void)
{
    struct cudaChannelFormatDesc u1 = { 8, 0, 0, 0, cudaChannelFormatKindUnsigned };
    struct cudaMemcpyAttributes at;
    struct cudaMemcpy3DBatchOp ops[2];
    uint8_t h[3000], back[3000], img[32 * 6], iback[32 * 6];
    void *dsts[3], *d1, *d2;
    const void *srcs[3];
    size_t sizes[3], idx = 0;
    cudaArray_t a;
    cudaStream_t s;

    CHECK(cudaStreamCreate(&s));
    CHECK(cudaMalloc(&d1, sizeof(h)));
    CHECK(cudaMalloc(&d2, sizeof(h)));
    fill(h, sizeof(h), 6);
    memset(back, 0, sizeof(back));
    dsts[0] = d1, srcs[0] = h, sizes[0] = sizeof(h);
    dsts[1] = d2, srcs[1] = d1, sizes[1] = sizeof(h);
    dsts[2] = back, srcs[2] = d2, sizes[2] = sizeof(h);
    memset(&at, 0, sizeof(at));
    at.srcAccessOrder = cudaMemcpySrcAccessOrderStream;
    CHECK(cudaMemcpyBatchAsync(dsts, srcs, sizes, 3, &at, &idx, 1, s));
    CHECK(cudaStreamSynchronize(s));
    TRUE(memcmp(h, back, sizeof(h)) == 0);
    RT(cudaMemcpyBatchAsync(dsts, srcs, sizes, 3, &at, &idx, 1, NULL),
           cudaErrorInvalidValue);
    at.srcAccessOrder = cudaMemcpySrcAccessOrderInvalid;
    RT(cudaMemcpyBatchAsync(dsts, srcs, sizes, 3, &at, &idx, 1, s),
           cudaErrorInvalidValue);
    /* 3D: host rows of 40 bytes into a 32 x 6 array, back into device
     * memory. */
    CHECK(cudaMallocArray(&a, &u1, 32, 6, 0));
    memset(ops, 0, sizeof(ops));
    ops[0].src.type = cudaMemcpyOperandTypePointer;
    ops[0].src.op.ptr.ptr = h;
    ops[0].src.op.ptr.rowLength = 40;
    ops[0].dst.type = cudaMemcpyOperandTypeArray;
    ops[0].dst.op.array.array = a;
    ops[0].extent = gvx_extent(32, 6, 1);
    ops[0].srcAccessOrder = cudaMemcpySrcAccessOrderStream;
    ops[1].src.type = cudaMemcpyOperandTypeArray;
    ops[1].src.op.array.array = a;
    ops[1].dst.type = cudaMemcpyOperandTypePointer;
    ops[1].dst.op.ptr.ptr = d1;
    ops[1].extent = gvx_extent(32, 6, 1);
    ops[1].srcAccessOrder = cudaMemcpySrcAccessOrderStream;
    CHECK(cudaMemcpy3DBatchAsync(1, &ops[0], 0, s));
    CHECK(cudaMemcpy3DBatchAsync(1, &ops[1], 0, s));
    CHECK(cudaMemcpyAsync(iback, d1, sizeof(iback), cudaMemcpyDeviceToHost,
                          s));
    CHECK(cudaStreamSynchronize(s));
    for (int y = 0; y < 6; y++) {
        memcpy(img + y * 32, h + y * 40, 32);
    }
    TRUE(memcmp(img, iback, sizeof(img)) == 0);
    RT(cudaMemcpy3DBatchAsync(2, ops, 1, s), cudaErrorInvalidValue);
    CHECK(cudaFreeArray(a));
    CHECK(cudaFree(d1));
    CHECK(cudaFree(d2));
    CHECK(cudaStreamDestroy(s));
    (void)cudaGetLastError();
    return 0;
}

/* IPC: the simulator has none (each worker is its own process), so the
 * calls answer not supported cleanly; file-descriptor pool handles are
 * refused here (they would be the GPU host's). */
static int mode_ipc(void)
{
    struct cudaMemPoolProps props;
    cudaIpcMemHandle_t mh;
    cudaMemPool_t pool;
    int fd = -1;
    void *d, *o = NULL;

    CHECK(cudaMalloc(&d, 256));
    RT(cudaIpcGetMemHandle(&mh, d), cudaErrorNotSupported);
    memset(&mh, 0, sizeof(mh));
    RT(cudaIpcOpenMemHandle(&o, mh, cudaIpcMemLazyEnablePeerAccess),
           cudaErrorNotSupported);
    RT(cudaIpcCloseMemHandle(d), cudaErrorNotSupported);
    memset(&props, 0, sizeof(props));
    props.allocType = cudaMemAllocationTypePinned;
    props.location.type = cudaMemLocationTypeDevice;
    CHECK(cudaMemPoolCreate(&pool, &props));
    RT(cudaMemPoolExportToShareableHandle(
               &fd, pool, cudaMemHandleTypePosixFileDescriptor, 0),
           cudaErrorNotSupported);
    RT(cudaMemPoolImportFromShareableHandle(
               &pool, &fd, cudaMemHandleTypePosixFileDescriptor, 0),
           cudaErrorNotSupported);
    CHECK(cudaMemPoolDestroy(pool));
    CHECK(cudaFree(d));
    (void)cudaGetLastError();
    return 0;
}

static volatile int runs_a, runs_b, destroyed;

static void CUDART_CB node_a(void *arg)
{
    runs_a += *(int *)arg;
}

static void CUDART_CB node_b(void *arg)
{
    (void)arg;
    runs_b++;
}

static void CUDART_CB uobj_gone(void *arg)
{
    destroyed = *(int *)arg;
}

/* Graph nodes made through the client: host nodes run here at every
 * launch, memcpy/memset nodes on device memory, allocation and kernel
 * nodes refused where the simulator (or the client) must, user objects'
 * destructors run here, the DOT file written here. */
static int mode_graphs(void)
{
    struct cudaGraphNodeParams gp;
    struct cudaHostNodeParams hp = { node_a, NULL }, got;
    struct cudaKernelNodeParams kp;
    struct cudaMemAllocNodeParams ap;
    struct cudaMemcpy3DParms cp;
    cudaGraphNode_t n1, n2, n3, n4, bogus = (cudaGraphNode_t)0x5150000ull;
    cudaGraph_t g;
    cudaGraphExec_t e;
    cudaUserObject_t uo;
    cudaStream_t s;
    int one = 1, ten = 10, token = 42;
    uint8_t h[512], back[512];
    char path[64], dot[256];
    void *d1, *d2;
    FILE *fp;

    CHECK(cudaStreamCreate(&s));
    CHECK(cudaMalloc(&d1, sizeof(h)));
    CHECK(cudaMalloc(&d2, sizeof(h)));
    fill(h, sizeof(h), 7);
    CHECK(cudaMemcpy(d1, h, sizeof(h), cudaMemcpyHostToDevice));
    CHECK(cudaGraphCreate(&g, 0));
    hp.userData = &one;
    CHECK(cudaGraphAddHostNode(&n1, g, NULL, 0, &hp));
    CHECK(cudaGraphAddMemcpyNode1D(&n2, g, &n1, 1, d2, d1, 256,
                                   cudaMemcpyDeviceToDevice));
    memset(&gp, 0, sizeof(gp));
    gp.type = cudaGraphNodeTypeMemset;
    gp.memset.dst = (char *)d2 + 256;
    gp.memset.value = 0x3c;
    gp.memset.elementSize = 1;
    gp.memset.width = 256;
    gp.memset.height = 1;
    CHECK(cudaGraphAddNode(&n3, g, &n2, NULL, 1, &gp));
    memset(&gp, 0, sizeof(gp));
    gp.type = cudaGraphNodeTypeHost;
    gp.host.fn = node_b;
    CHECK(cudaGraphAddNode(&n4, g, &n3, NULL, 1, &gp));
    CHECK(cudaGraphHostNodeGetParams(n1, &got));
    TRUE(got.fn == node_a && got.userData == &one);
    CHECK(cudaGraphMemcpyNodeGetParams(n2, &cp));
    TRUE(cp.dstPtr.ptr == d2 && cp.extent.width == 256);
    CHECK(cudaGraphInstantiate(&e, g, 0));
    for (int i = 0; i < 3; i++) {
        CHECK(cudaGraphLaunch(e, s));
    }
    CHECK(cudaStreamSynchronize(s));
    TRUE(runs_a == 3 && runs_b == 3);
    CHECK(cudaMemcpy(back, d2, sizeof(back), cudaMemcpyDeviceToHost));
    TRUE(memcmp(back, h, 256) == 0 && back[300] == 0x3c);
    /* New parameters: in the graph, then in the executable only. */
    hp.userData = &ten;
    CHECK(cudaGraphExecHostNodeSetParams(e, n1, &hp));
    CHECK(cudaGraphLaunch(e, s));
    CHECK(cudaStreamSynchronize(s));
    TRUE(runs_a == 13);
    CHECK(cudaGraphHostNodeSetParams(n1, &hp));
    CHECK(cudaGraphHostNodeGetParams(n1, &got));
    TRUE(got.userData == &ten);
    /* What cannot be a node here. */
    RT(cudaGraphAddMemcpyNode1D(&n2, g, NULL, 0, back, d1, 16,
                                    cudaMemcpyDeviceToHost),
           cudaErrorInvalidValue);     /* host memory of the client */
    memset(&cp, 0, sizeof(cp));
    cp.srcPtr = gvx_pitched(d1, 512, 512, 1);
    cp.dstPtr = gvx_pitched((char *)d2 + 256, 512, 512, 1);
    cp.extent = gvx_extent(512, 1, 1);
    cp.kind = cudaMemcpyDefault;
    RT(cudaGraphAddMemcpyNode(&n2, g, NULL, 0, &cp),
           cudaErrorInvalidValue);     /* past the allocation */
    memset(&kp, 0, sizeof(kp));
    kp.func = (void *)mode_graphs;
    kp.gridDim = (dim3){ 1, 1, 1 };
    kp.blockDim = (dim3){ 1, 1, 1 };
    RT(cudaGraphAddKernelNode(&n2, g, NULL, 0, &kp),
           cudaErrorInvalidDeviceFunction);
    memset(&ap, 0, sizeof(ap));
    ap.poolProps.allocType = cudaMemAllocationTypePinned;
    ap.poolProps.location.type = cudaMemLocationTypeDevice;
    ap.poolProps.location.id = 4;
    ap.bytesize = 1 << 20;
    RT(cudaGraphAddMemAllocNode(&n2, g, NULL, 0, &ap),
           cudaErrorInvalidDevice);
    ap.poolProps.location.id = 0;
    RT(cudaGraphAddMemAllocNode(&n2, g, NULL, 0, &ap),
           cudaErrorNotSupported);     /* the simulator has none */
    RT(cudaGraphAddHostNode(&n2, g, &bogus, 1, &hp),
           cudaErrorInvalidResourceHandle);
    RT(cudaGraphAddHostNode(&n2, (cudaGraph_t)bogus, NULL, 0, &hp),
           cudaErrorInvalidResourceHandle);
    /* The DOT text lands in a file of this host. */
    snprintf(path, sizeof(path), "/tmp/rtapp-dot-%d.txt", (int)getpid());
    CHECK(cudaGraphDebugDotPrint(g, path, 0));
    fp = fopen(path, "r");
    TRUE(fp != NULL && fgets(dot, sizeof(dot), fp) != NULL &&
         strstr(dot, "digraph") != NULL);
    fclose(fp);
    unlink(path);
    /* A user object moved into the graph: its destructor runs here once
     * the graph lets it go. */
    CHECK(cudaUserObjectCreate(&uo, &token, uobj_gone, 1,
                               cudaUserObjectNoDestructorSync));
    CHECK(cudaUserObjectRetain(uo, 1));
    CHECK(cudaGraphRetainUserObject(g, uo, 2, cudaGraphUserObjectMove));
    RT(cudaUserObjectRelease(uo, 1), cudaErrorInvalidResourceHandle);
    CHECK(cudaGraphExecDestroy(e));
    CHECK(cudaGraphDestroy(g));
    for (int i = 0; i < 200 && destroyed == 0; i++) {
        usleep(10000);
    }
    TRUE(destroyed == 42);
    CHECK(cudaFree(d1));
    CHECK(cudaFree(d2));
    CHECK(cudaStreamDestroy(s));
    (void)cudaGetLastError();
    return 0;
}

/* Libraries go through our libcuda.so.1 (the simulator has no module
 * loader: not supported, cleanly); a library kernel nobody loaded is
 * refused. */
static int mode_library(void)
{
    static const char ptx[] = ".version 8.0\n.target sm_80\n"
                              ".address_size 64\n";
    cudaLibrary_t lib = NULL;
    cudaKernel_t k = NULL;
    unsigned n = 7;
    void *d = NULL;
    size_t bytes = 0;
    dim3 one = { 1, 1, 1 };

    RT(cudaLibraryLoadData(&lib, ptx, NULL, NULL, 0, NULL, NULL, 0),
           cudaErrorNotSupported);
    RT(cudaLibraryLoadFromFile(&lib, "/nonexistent/x.cubin", NULL, NULL,
                                   0, NULL, NULL, 0),
           cudaErrorFileNotFound);
    /* Forged handles never reach a driver: refused by the worker (the
     * simulator has no library calls at all: not supported). */
    lib = (cudaLibrary_t)(uintptr_t)0x4242000ull;
    TRUE(cudaLibraryGetKernelCount(&n, lib) != cudaSuccess && n == 7);
    TRUE(cudaLibraryGetKernel(&k, lib, "f") != cudaSuccess && k == NULL);
    TRUE(cudaLibraryGetGlobal(&d, &bytes, lib, "g") != cudaSuccess &&
         d == NULL);
    TRUE(cudaLibraryUnload(lib) != cudaSuccess);
    TRUE(cudaLaunchKernel((const void *)(uintptr_t)0x777000ull, one, one,
                          NULL, 0, NULL) != cudaSuccess);
    (void)cudaGetLastError();
    return 0;
}

/* Driver logs and notifications of the GPU host: the simulated driver
 * logs every error and sends an over-budget notification for a
 * cudaMalloc beyond its memory; callbacks run here (the service
 * thread), dumps come back, the file is written here. */
static pthread_mutex_t nlock = PTHREAD_MUTEX_INITIALIZER;
static char last_log[256];
static int n_logs, n_async, log_level = -1;
static unsigned long long over;
static void *async_user, *async_handle;

static void CUDART_CB log_cb(void *data, cudaLogLevel level, char *msg,
                             size_t len)
{
    pthread_mutex_lock(&nlock);
    snprintf(last_log, sizeof(last_log), "%.*s", (int)len, msg);
    log_level = (int)level;
    n_logs += *(int *)data;
    pthread_mutex_unlock(&nlock);
}

static void async_cb(cudaAsyncNotificationInfo_t *info, void *data,
                     cudaAsyncCallbackHandle_t h)
{
    pthread_mutex_lock(&nlock);
    if (info->type == cudaAsyncNotificationTypeOverBudget) {
        over = info->info.overBudget.bytesOverBudget;
    }
    async_user = data;
    async_handle = h;
    n_async++;
    pthread_mutex_unlock(&nlock);
}

/* Wait up to 2 s for *counter to reach want. */
static int wait_for(int *counter, int want)
{
    int got = 0;

    for (int i = 0; i < 200; i++) {
        pthread_mutex_lock(&nlock);
        got = *counter;
        pthread_mutex_unlock(&nlock);
        if (got >= want) {
            break;
        }
        usleep(10000);
    }
    return got;
}

static int mode_notify(void)
{
    static const char want[] = "[gvdsim][E] error 2\n"; /* out of memory */
    cudaLogsCallbackHandle lh;
    cudaAsyncCallbackHandle_t ah;
    cudaLogIterator it = 99, it2;
    char buf[512], path[64], line[128];
    size_t size;
    int one = 1, token = 5;
    void *p;
    FILE *fp;

    CHECK(cudaLogsRegisterCallback(log_cb, &one, &lh));
    CHECK(cudaDeviceRegisterAsyncNotification(0, async_cb, &token, &ah));
    CHECK(cudaLogsCurrent(&it, 0));
    RT(cudaMalloc(&p, (size_t)1 << 40), cudaErrorMemoryAllocation);
    TRUE(wait_for(&n_logs, 1) == 1 && wait_for(&n_async, 1) == 1);
    pthread_mutex_lock(&nlock);
    TRUE(strcmp(last_log, want) == 0 && log_level == cudaLogLevelError);
    TRUE(over > 0 && async_user == &token && async_handle == ah);
    pthread_mutex_unlock(&nlock);
    /* The log from the iterator: the one line; then nothing new. */
    it2 = it;
    size = sizeof(buf);
    CHECK(cudaLogsDumpToMemory(&it, buf, &size, 0));
    TRUE(size == strlen(want) && strcmp(buf, want) == 0 && it == it2 + 1);
    size = sizeof(buf);
    CHECK(cudaLogsDumpToMemory(&it, buf, &size, 0));
    TRUE(size == 0 && buf[0] == '\0');
    /* Too small for any line. */
    size = 8;
    it = it2;
    RT(cudaLogsDumpToMemory(&it, buf, &size, 0), cudaErrorInvalidValue);
    /* The file is written on this host. */
    it = it2;
    snprintf(path, sizeof(path), "/tmp/rtapp-logs-%d.txt", (int)getpid());
    CHECK(cudaLogsDumpToFile(&it, path, 0));
    fp = fopen(path, "r");
    TRUE(fp != NULL && fgets(line, sizeof(line), fp) != NULL &&
         strcmp(line, want) == 0 && fgets(line, sizeof(line), fp) == NULL);
    fclose(fp);
    unlink(path);
    RT(cudaLogsDumpToFile(&it, NULL, 0), cudaErrorInvalidValue);
    /* Unregistered: no more calls. */
    CHECK(cudaLogsUnregisterCallback(lh));
    RT(cudaLogsUnregisterCallback(lh), cudaErrorInvalidValue);
    RT(cudaDeviceUnregisterAsyncNotification(1, ah),
           cudaErrorInvalidDevice);
    CHECK(cudaDeviceUnregisterAsyncNotification(0, ah));
    RT(cudaDeviceUnregisterAsyncNotification(0, ah),
           cudaErrorInvalidValue);
    RT(cudaMalloc(&p, (size_t)1 << 40), cudaErrorMemoryAllocation);
    usleep(100000);
    TRUE(wait_for(&n_logs, 2) == 1 && wait_for(&n_async, 2) == 1);
    RT(cudaDeviceRegisterAsyncNotification(3, async_cb, NULL, &ah),
           cudaErrorInvalidDevice);
    RT(cudaLogsRegisterCallback(NULL, NULL, &lh), cudaErrorInvalidValue);
    (void)cudaGetLastError();
    return 0;
}

/* A memfd of size bytes (the test's side of external resources). */
static int memfd(const char *name, size_t size)
{
    int fd = memfd_create(name, MFD_CLOEXEC);

    if (fd < 0 || ftruncate(fd, (off_t)size) != 0) {
        printf("FAIL memfd %s\n", name);
        exit(1);
    }
    return fd;
}

/* External memory and semaphores from file descriptors, handed to the
 * worker (this host): the simulator maps our memfds, so what the device
 * writes shows up here and the other way round. */
static int mode_external(void)
{
    struct cudaExternalMemoryHandleDesc md;
    struct cudaExternalMemoryBufferDesc bd;
    struct cudaExternalMemoryMipmappedArrayDesc mmd;
    struct cudaExternalSemaphoreHandleDesc sd;
    struct cudaExternalSemaphoreSignalParams sp[2];
    struct cudaExternalSemaphoreWaitParams wp[2];
    struct cudaExternalSemaphoreSignalNodeParams sn, sgot;
    struct cudaExternalSemaphoreWaitNodeParams wn, wgot;
    cudaExternalMemory_t em;
    cudaExternalSemaphore_t es[2],
        forged = (cudaExternalSemaphore_t)(uintptr_t)0xe5e5000ull;
    cudaMipmappedArray_t mm;
    cudaGraphNode_t n1, n2;
    cudaGraph_t g;
    cudaGraphExec_t e;
    cudaStream_t s;
    uint8_t back[2048], *shared;
    volatile uint64_t *tval, *bval;
    int mfd, tfd, bfd;
    void *d;

    CHECK(cudaStreamCreate(&s));
    mfd = memfd("rtapp-extmem", 4096);
    shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
    TRUE(shared != MAP_FAILED);
    fill(shared, 4096, 9);
    memset(&md, 0, sizeof(md));
    md.type = cudaExternalMemoryHandleTypeOpaqueFd;
    md.handle.fd = dup(mfd);
    md.size = 4096;
    CHECK(cudaImportExternalMemory(&em, &md));
    TRUE(fcntl(md.handle.fd, F_GETFD) == -1); /* CUDA's now: closed here */
    memset(&bd, 0, sizeof(bd));
    bd.offset = 1024;
    bd.size = sizeof(back);
    CHECK(cudaExternalMemoryGetMappedBuffer(&d, em, &bd));
    CHECK(cudaMemcpy(back, d, sizeof(back), cudaMemcpyDeviceToHost));
    TRUE(memcmp(back, shared + 1024, sizeof(back)) == 0);
    CHECK(cudaMemset(d, 0x5a, 16));            /* lands in our memfd */
    TRUE(shared[1024] == 0x5a && shared[1039] == 0x5a && shared[1040] != 0x5a);
    shared[1100] = 0x77;                       /* and the other way */
    CHECK(cudaMemcpy(back, d, 128, cudaMemcpyDefault));
    TRUE(back[0] == 0x5a && back[76] == 0x77);
    bd.offset = 4000;
    bd.size = 200;
    RT(cudaExternalMemoryGetMappedBuffer(&d, em, &bd),
           cudaErrorInvalidValue);             /* past the end */
    memset(&mmd, 0, sizeof(mmd));
    mmd.formatDesc.x = 32;
    mmd.formatDesc.f = cudaChannelFormatKindFloat;
    mmd.extent = gvx_extent(16, 16, 0);
    mmd.numLevels = 1;
    RT(cudaExternalMemoryGetMappedMipmappedArray(&mm, em, &mmd),
           cudaErrorNotSupported);             /* not simulated */
    CHECK(cudaFree(d));
    CHECK(cudaDestroyExternalMemory(em));
    RT(cudaDestroyExternalMemory(em), cudaErrorInvalidResourceHandle);
    /* What is not a file descriptor, or not one. */
    md.type = cudaExternalMemoryHandleTypeOpaqueWin32;
    RT(cudaImportExternalMemory(&em, &md), cudaErrorNotSupported);
    md.type = cudaExternalMemoryHandleTypeOpaqueFd;
    md.handle.fd = -1;
    RT(cudaImportExternalMemory(&em, &md), cudaErrorInvalidValue);
    munmap(shared, 4096);
    close(mfd);

    /* A timeline and a binary semaphore: 8-byte memfds here. */
    tfd = memfd("rtapp-timeline", 8);
    bfd = memfd("rtapp-binary", 8);
    tval = mmap(NULL, 8, PROT_READ | PROT_WRITE, MAP_SHARED, tfd, 0);
    bval = mmap(NULL, 8, PROT_READ | PROT_WRITE, MAP_SHARED, bfd, 0);
    TRUE(tval != MAP_FAILED && bval != MAP_FAILED);
    memset(&sd, 0, sizeof(sd));
    sd.type = cudaExternalSemaphoreHandleTypeTimelineSemaphoreFd;
    sd.handle.fd = dup(tfd);
    CHECK(cudaImportExternalSemaphore(&es[0], &sd));
    sd.type = cudaExternalSemaphoreHandleTypeOpaqueFd;
    sd.handle.fd = dup(bfd);
    CHECK(cudaImportExternalSemaphore(&es[1], &sd));
    memset(sp, 0, sizeof(sp));
    memset(wp, 0, sizeof(wp));
    sp[0].params.fence.value = 7;
    CHECK(cudaSignalExternalSemaphoresAsync(es, sp, 2, s));
    CHECK(cudaStreamSynchronize(s));
    TRUE(*tval == 7 && *bval == 1);
    wp[0].params.fence.value = 7;
    CHECK(cudaWaitExternalSemaphoresAsync(es, wp, 2, s));
    CHECK(cudaStreamSynchronize(s));
    TRUE(*tval == 7 && *bval == 0);            /* the binary one taken */
    CHECK(cudaSignalExternalSemaphoresAsync(&forged, sp, 1, s));
    RT(cudaStreamSynchronize(s), cudaErrorInvalidResourceHandle);

    /* Graph nodes: new parameters in the graph, then the executable. */
    CHECK(cudaGraphCreate(&g, 0));
    sp[0].params.fence.value = 11;
    sn.extSemArray = es;
    sn.paramsArray = sp;
    sn.numExtSems = 1;
    CHECK(cudaGraphAddExternalSemaphoresSignalNode(&n1, g, NULL, 0, &sn));
    wp[0].params.fence.value = 11;
    wn.extSemArray = es;
    wn.paramsArray = wp;
    wn.numExtSems = 2;
    RT(cudaGraphAddExternalSemaphoresWaitNode(&n2, g, &n1, 1, &wn),
           cudaSuccess);
    sp[0].params.fence.value = 12;
    sn.numExtSems = 2;                         /* and the binary one */
    CHECK(cudaGraphExternalSemaphoresSignalNodeSetParams(n1, &sn));
    wp[0].params.fence.value = 12;
    CHECK(cudaGraphExternalSemaphoresWaitNodeSetParams(n2, &wn));
    CHECK(cudaGraphExternalSemaphoresSignalNodeGetParams(n1, &sgot));
    TRUE(sgot.numExtSems == 2 && sgot.extSemArray[0] == es[0] &&
         sgot.extSemArray[1] == es[1] &&
         sgot.paramsArray[0].params.fence.value == 12);
    CHECK(cudaGraphExternalSemaphoresWaitNodeGetParams(n2, &wgot));
    TRUE(wgot.numExtSems == 2 && wgot.paramsArray[0].params.fence.value == 12);
    CHECK(cudaGraphInstantiate(&e, g, 0));
    sp[0].params.fence.value = 13;
    wp[0].params.fence.value = 13;
    CHECK(cudaGraphExecExternalSemaphoresSignalNodeSetParams(e, n1, &sn));
    CHECK(cudaGraphExecExternalSemaphoresWaitNodeSetParams(e, n2, &wn));
    CHECK(cudaGraphLaunch(e, s));
    CHECK(cudaStreamSynchronize(s));
    TRUE(*tval == 13 && *bval == 0);
    CHECK(cudaGraphExternalSemaphoresSignalNodeGetParams(n1, &sgot));
    TRUE(sgot.paramsArray[0].params.fence.value == 12); /* the graph's */
    sn.extSemArray = &forged;
    sn.numExtSems = 1;
    RT(cudaGraphExternalSemaphoresSignalNodeSetParams(n1, &sn),
           cudaErrorInvalidResourceHandle);
    CHECK(cudaGraphExecDestroy(e));
    CHECK(cudaGraphDestroy(g));
    CHECK(cudaDestroyExternalSemaphore(es[0]));
    CHECK(cudaDestroyExternalSemaphore(es[1]));
    RT(cudaDestroyExternalSemaphore(es[0]),
           cudaErrorInvalidResourceHandle);
    sd.type = cudaExternalSemaphoreHandleTypeKeyedMutex;
    RT(cudaImportExternalSemaphore(&es[0], &sd), cudaErrorNotSupported);
    munmap((void *)tval, 8);
    munmap((void *)bval, 8);
    close(tfd);
    close(bfd);
    CHECK(cudaStreamDestroy(s));
    (void)cudaGetLastError();
    return 0;
}

/* Copy n bytes there and back through the GPU, D2D in between. */
static void round_trip(size_t n, unsigned seed)
{
    uint8_t *h = malloc(n), *back = malloc(n);
    void *d = NULL, *d2 = NULL;

    TRUE(h != NULL && back != NULL);
    fill(h, n, seed);
    memset(back, 0, n);
    CHECK(cudaMalloc(&d, n));
    CHECK(cudaMalloc(&d2, n));
    CHECK(cudaMemcpy(d, h, n, cudaMemcpyHostToDevice));
    CHECK(cudaMemcpy(d2, d, n, cudaMemcpyDeviceToDevice));
    CHECK(cudaMemcpy(back, d2, n, cudaMemcpyDeviceToHost));
    CHECK(cudaDeviceSynchronize());
    TRUE(memcmp(h, back, n) == 0);
    CHECK(cudaFree(d));
    CHECK(cudaFree(d2));
    free(h);
    free(back);
}

/* Wait for child pid; 0 when it exited 0 (it printed why not). */
static int child_ok(pid_t pid)
{
    int st = 0;

    TRUE(pid > 0);
    TRUE(waitpid(pid, &st, 0) == pid);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        printf("FAIL the child ended with status %#x\n", st);
        return 1;
    }
    return 0;
}

/*
 * fork() after the first CUDA call (a DataLoader worker, multiprocessing):
 * in the child every call fails with cudaErrorInitializationError, as
 * native CUDA's do there, pinned memory of the parent's included; its
 * exit() runs the atexit handlers, which must not flush, send or read on
 * the parent's connection.  The parent then carries on: had the child
 * sent anything, the worker would have dropped the connection (a sequence
 * number it already saw) and the parent's calls would fail
 * (test_gvd_rt also checks the worker logged no such thing).
 */
static int mode_fork(void)
{
    uint8_t h[8192], back[8192];
    void *d = NULL, *dc = NULL, *pin = NULL;
    int n = -1;
    pid_t pid;

    fill(h, sizeof(h), 5);
    CHECK(cudaMalloc(&d, sizeof(h)));
    CHECK(cudaMallocHost(&pin, sizeof(h)));
    CHECK(cudaMemcpy(d, h, sizeof(h), cudaMemcpyHostToDevice));
    /* Left in flight (one-way) when the process forks. */
    CHECK(cudaMemsetAsync(d, 0x5a, 16, NULL));
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        /* The count it knew, as NVIDIA's runtime answers there. */
        RT(cudaGetDeviceCount(&n), cudaSuccess);
        if (n != 1) {
            printf("FAIL forked child counts %d devices\n", n);
            exit(1);
        }
        RT(cudaMalloc(&dc, 64), cudaErrorInitializationError);
        RT(cudaMemcpy(back, d, sizeof(back), cudaMemcpyDeviceToHost),
               cudaErrorInitializationError);
        RT(cudaMemsetAsync(d, 0, 16, NULL),
               cudaErrorInitializationError);
        RT(cudaFreeHost(pin), cudaErrorInitializationError);
        RT(cudaFree(d), cudaErrorInitializationError);
        RT(cudaDeviceSynchronize(), cudaErrorInitializationError);
        RT(cudaGetLastError(), cudaErrorInitializationError);
        RT(cudaSetDevice(0), cudaErrorInitializationError);
        exit(0);
    }
    if (child_ok(pid) != 0) {
        return 1;
    }
    /* The parent's session is whole: its memory, copies both ways,
     * pinned memory, new allocations. */
    CHECK(cudaDeviceSynchronize());
    memset(h, 0x5a, 16);
    memset(back, 0, sizeof(back));
    CHECK(cudaMemcpy(back, d, sizeof(back), cudaMemcpyDeviceToHost));
    TRUE(memcmp(h, back, sizeof(h)) == 0);
    memcpy(pin, h, sizeof(h));
    ((uint8_t *)pin)[0] ^= 0xff;
    CHECK(cudaMemcpyAsync(d, pin, sizeof(h), cudaMemcpyHostToDevice, NULL));
    CHECK(cudaMemcpyAsync(back, d, sizeof(h), cudaMemcpyDeviceToHost, NULL));
    CHECK(cudaDeviceSynchronize());
    TRUE(memcmp(pin, back, sizeof(h)) == 0);
    CHECK(cudaGetDeviceCount(&n));
    TRUE(n == 1);
    round_trip(100000, 9);
    CHECK(cudaFree(d));
    CHECK(cudaFreeHost(pin));
    return 0;
}

/* fork() before any CUDA call: the child sets up a session of its own,
 * and so does the parent afterwards. */
static int mode_forkfirst(void)
{
    int n = -1;
    pid_t pid;

    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        CHECK(cudaGetDeviceCount(&n));
        TRUE(n == 1);
        round_trip(70000, 3);
        exit(0);
    }
    if (child_ok(pid) != 0) {
        return 1;
    }
    CHECK(cudaGetDeviceCount(&n));
    TRUE(n == 1);
    round_trip(70000, 4);
    return 0;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(void);
    } modes[] = {
        { "peer", mode_peer },
        { "pools", mode_pools },
        { "arrays", mode_arrays },
        { "textures", mode_textures },
        { "batch", mode_batch },
        { "ipc", mode_ipc },
        { "graphs", mode_graphs },
        { "library", mode_library },
        { "notify", mode_notify },
        { "external", mode_external },
        { "fork", mode_fork },
        { "forkfirst", mode_forkfirst },
    };
    const char *m = argc > 1 ? argv[1] : "";

    setvbuf(stdout, NULL, _IOLBF, 0);
    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        if (strcmp(m, modes[i].name) == 0) {
            int r = modes[i].fn();
            if (r == 0) {
                printf("OK %s\n", m);
            }
            return r;
        }
    }
    fprintf(stderr, "usage: rtapp MODE\n");
    return 2;
}
