/*
 * cuda_memory.c - device memory, copies, pinned host memory, virtual
 * memory management and pointer attributes of the driver API.
 *
 * Device allocations go through the runtime's RPCs (the worker records
 * them for this client, with its quota) and into libgvirtus's map
 * (gvf_alloc.h), which the runtime reads too.  Copies use the copy RPCs
 * of the runtime through gvf_copy.h.  Pinned host memory is memory of
 * this machine registered with UCX: copies from and to it are zero-copy.
 * Device ordinals inside the VMM structs are the client's: they are
 * routed and sent as the worker's device 0.
 */
#include "config.h"

#define __CUDA_API_VERSION_INTERNAL 1

#include "gvcu.h"
#include "gvf_alloc.h"
#include "gvf_copy.h"
#include "gv_api_cuda.h"
#include "gv_api_cudart.h"
#include "gvx.h"
#include "gvc_log.h"
#include "gvc_tables.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define DPTR(p) ((void *)(uintptr_t)(p))

/* ---- allocations ---------------------------------------------------------------- */

/* A call returning one device pointer (and maybe a pitch) to record. */
static CUresult alloc_call(gvf_call_t *c, CUdeviceptr *dptr, size_t *pitch,
                           size_t rows_or_size)
{
    uint64_t p = 0, pt = 0;
    gvc_status_t st = gvf_call_sync(c);

    if (gvcu_ok(c, st)) {
        gvc_dec_u64(&c->dec, &p);
        if (pitch != NULL) {
            gvc_dec_u64(&c->dec, &pt);
            *pitch = pt;
        }
        *dptr = p;
        gvf_alloc_add(c->dev, DPTR(p),
                      pitch != NULL ? pt * rows_or_size : rows_or_size);
    }
    return gvcu_end(c, st);
}

GVCU_API CUresult CUDAAPI cuMemAlloc_v2(CUdeviceptr *dptr, size_t bytesize)
{
    gvf_call_t c;
    CUresult err;

    if (dptr == NULL || bytesize == 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = gvcu_begin(&c, GV_API_cudaMalloc, 0);
    if (err != CUDA_SUCCESS) {
        return err;
    }
    gvc_enc_u64(&c.enc, bytesize);
    return alloc_call(&c, dptr, NULL, bytesize);
}

GVCU_API CUresult CUDAAPI cuMemAllocPitch_v2(CUdeviceptr *dptr,
                                            size_t *pPitch,
                                            size_t WidthInBytes,
                                            size_t Height,
                                            unsigned int ElementSizeBytes)
{
    gvf_call_t c;
    CUresult err;

    if (dptr == NULL || pPitch == NULL || WidthInBytes == 0 || Height == 0 ||
        (ElementSizeBytes != 4 && ElementSizeBytes != 8 &&
         ElementSizeBytes != 16)) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = gvcu_begin(&c, GV_API_cudaMallocPitch, 0);
    if (err != CUDA_SUCCESS) {
        return err;
    }
    gvc_enc_u64(&c.enc, WidthInBytes);
    gvc_enc_u64(&c.enc, Height);
    return alloc_call(&c, dptr, pPitch, Height);
}

GVCU_API CUresult CUDAAPI cuMemFree_v2(CUdeviceptr dptr)
{
    gvf_call_t c;
    CUresult err;
    int owner = gvf_alloc_owner(DPTR(dptr), 0);

    if (dptr == 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = owner >= 0 ? gvcu_begin_dev(&c, GV_API_cudaFree, owner, 0)
                     : gvcu_begin(&c, GV_API_cudaFree, 0);
    if (err != CUDA_SUCCESS) {
        return err;
    }
    gvc_enc_u64(&c.enc, dptr);
    {
        gvf_dev_t *dev = c.dev;
        err = gvcu_end(&c, gvf_call_sync(&c));
        if (err == CUDA_SUCCESS) {
            gvf_alloc_del(dev, DPTR(dptr));
        }
    }
    return err;
}

static CUresult alloc_async(CUdeviceptr *dptr, size_t size, CUstream s)
{
    gvf_call_t c;
    CUresult err;

    if (dptr == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = gvcu_begin(&c, GV_API_cudaMallocAsync, 0);
    if (err != CUDA_SUCCESS) {
        return err;
    }
    gvc_enc_u64(&c.enc, size);
    gvc_enc_u64(&c.enc, (uint64_t)(uintptr_t)s);
    return alloc_call(&c, dptr, NULL, size);
}

GVCU_API CUresult CUDAAPI cuMemAllocAsync(CUdeviceptr *dptr, size_t bytesize,
                                         CUstream hStream)
{
    return alloc_async(dptr, bytesize, hStream);
}

GVCU_API CUresult CUDAAPI cuMemAllocAsync_ptsz(CUdeviceptr *dptr,
                                              size_t bytesize,
                                              CUstream hStream)
{
    return alloc_async(dptr, bytesize, gvcu_ptsz(hStream));
}

static CUresult free_async(CUdeviceptr dptr, CUstream s)
{
    gvf_call_t c;
    CUresult err;

    if (gvf_alloc_owner(DPTR(dptr), 0) < 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = gvcu_begin(&c, GV_API_cudaFreeAsync, 0);
    if (err != CUDA_SUCCESS) {
        return err;
    }
    gvc_enc_u64(&c.enc, dptr);
    gvc_enc_u64(&c.enc, (uint64_t)(uintptr_t)s);
    gvf_alloc_del(c.dev, DPTR(dptr));
    return gvcu_end(&c, gvf_call_oneway(&c));
}

GVCU_API CUresult CUDAAPI cuMemFreeAsync(CUdeviceptr dptr, CUstream hStream)
{
    return free_async(dptr, hStream);
}

GVCU_API CUresult CUDAAPI cuMemFreeAsync_ptsz(CUdeviceptr dptr,
                                             CUstream hStream)
{
    return free_async(dptr, gvcu_ptsz(hStream));
}

static CUresult alloc_pool(CUdeviceptr *dptr, size_t size, CUmemoryPool pool,
                           CUstream s)
{
    gvf_call_t c;
    CUresult err;

    if (dptr == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = gvcu_begin(&c, GV_API_gvCuMemAlloc, 0);
    if (err != CUDA_SUCCESS) {
        return err;
    }
    gvc_enc_u64(&c.enc, size);
    gvc_enc_u64(&c.enc, (uint64_t)(uintptr_t)pool);
    gvc_enc_u64(&c.enc, (uint64_t)(uintptr_t)s);
    return alloc_call(&c, dptr, NULL, size);
}

GVCU_API CUresult CUDAAPI cuMemAllocFromPoolAsync(CUdeviceptr *dptr,
                                                 size_t bytesize,
                                                 CUmemoryPool pool,
                                                 CUstream hStream)
{
    return alloc_pool(dptr, bytesize, pool, hStream);
}

GVCU_API CUresult CUDAAPI cuMemAllocFromPoolAsync_ptsz(CUdeviceptr *dptr,
                                                      size_t bytesize,
                                                      CUmemoryPool pool,
                                                      CUstream hStream)
{
    return alloc_pool(dptr, bytesize, pool, gvcu_ptsz(hStream));
}

/* ---- copies -------------------------------------------------------------------- */

/* Finish a copy: the transport status or the worker's answer; a
 * synchronous copy also reports an earlier one-way call's error. */
static CUresult copy_end(gvf_dev_t *dev, gvc_status_t st, int64_t res,
                         int sync)
{
    CUresult err = st != GVC_OK ? gvcu_status_to_result(st)
                                : gvcu_from_runtime(res);

    if (err == CUDA_SUCCESS && sync) {
        err = gvcu_from_runtime(gvf_dev_take_deferred(dev));
    }
    return err;
}

/* The device a copy runs on: the current context's. */
static CUresult copy_dev(gvf_dev_t **dev_p)
{
    CUresult err = gvcu_init_check();
    CUcontext ctx;
    int o;

    if (err != CUDA_SUCCESS) {
        return err;
    }
    gvcu_ctx_current(&ctx, &o);
    *dev_p = gvf_dev(o);
    if (*dev_p == NULL) {
        return CUDA_ERROR_INVALID_CONTEXT;
    }
    return gvcu_ctx_enter(*dev_p, ctx);
}

enum { H2D, D2H, D2D };

static CUresult copy(int dir, uint64_t dst, uint64_t src, size_t n,
                     CUstream s, uint32_t flags)
{
    gvf_dev_t *dev;
    int64_t res = 0;
    gvc_status_t st;
    CUresult err = copy_dev(&dev);

    if (err != CUDA_SUCCESS) {
        return err;
    }
    if (n == 0) {
        return CUDA_SUCCESS;
    }
    switch (dir) {
    case H2D:
        st = gvf_copy_h2d(dev, dst, DPTR(src), n, (uint64_t)(uintptr_t)s,
                          flags, &res);
        break;
    case D2H:
        st = gvf_copy_d2h(dev, DPTR(dst), src, n, (uint64_t)(uintptr_t)s,
                          flags, &res);
        break;
    default:
        st = gvf_copy_d2d(dev, dst, src, n, (uint64_t)(uintptr_t)s, flags,
                          &res);
        break;
    }
    return copy_end(dev, st, res, !(flags & GVX_CPY_ASYNC));
}

#define COPY_FNS(name, dir, dtype, stype)                                      \
    GVCU_API CUresult CUDAAPI name##_v2(dtype dst, stype src, size_t n)         \
    {                                                                           \
        return copy(dir, (uint64_t)(uintptr_t)dst, (uint64_t)(uintptr_t)src,   \
                    n, NULL, 0);                                                \
    }                                                                           \
    GVCU_API CUresult CUDAAPI name##_v2_ptds(dtype dst, stype src, size_t n)    \
    {                                                                           \
        return copy(dir, (uint64_t)(uintptr_t)dst, (uint64_t)(uintptr_t)src,   \
                    n, NULL, GVX_CPY_PTDS);                                     \
    }                                                                           \
    GVCU_API CUresult CUDAAPI name##Async_v2(dtype dst, stype src, size_t n,    \
                                             CUstream s)                        \
    {                                                                           \
        return copy(dir, (uint64_t)(uintptr_t)dst, (uint64_t)(uintptr_t)src,   \
                    n, s, GVX_CPY_ASYNC);                                       \
    }                                                                           \
    GVCU_API CUresult CUDAAPI name##Async_v2_ptsz(dtype dst, stype src,         \
                                                  size_t n, CUstream s)         \
    {                                                                           \
        return copy(dir, (uint64_t)(uintptr_t)dst, (uint64_t)(uintptr_t)src,   \
                    n, gvcu_ptsz(s), GVX_CPY_ASYNC | GVX_CPY_PTDS);             \
    }

COPY_FNS(cuMemcpyHtoD, H2D, CUdeviceptr, const void *)
COPY_FNS(cuMemcpyDtoH, D2H, void *, CUdeviceptr)
COPY_FNS(cuMemcpyDtoD, D2D, CUdeviceptr, CUdeviceptr)

/* Unified copies: which side is the device is the allocation map's
 * answer, as UVA's. */
static CUresult copy_p2p(int dd, uint64_t dst, CUcontext dctx, int sd,
                         uint64_t src, CUcontext sctx, size_t n, CUstream s,
                         uint32_t flags);

static CUresult copy_unified(CUdeviceptr dst, CUdeviceptr src, size_t n,
                             CUstream s, uint32_t flags)
{
    int dd = gvf_alloc_owner(DPTR(dst), n), sd = gvf_alloc_owner(DPTR(src), n);

    if (dd >= 0 && sd >= 0) {
        if (dd != sd) {
            /* Unified addressing: each side in its device's primary
             * context (the bounce for an old gvd needs one). */
            return copy_p2p(dd, dst, NULL, sd, src, NULL, n, s, flags);
        }
        return copy(D2D, dst, src, n, s, flags);
    }
    if (dd >= 0) {
        return copy(H2D, dst, src, n, s, flags);
    }
    if (sd >= 0) {
        return copy(D2H, dst, src, n, s, flags);
    }
    if (n > 0) {
        memmove(DPTR(dst), DPTR(src), n);
    }
    return CUDA_SUCCESS;
}

GVCU_API CUresult CUDAAPI cuMemcpy(CUdeviceptr dst, CUdeviceptr src,
                                  size_t ByteCount)
{
    return copy_unified(dst, src, ByteCount, NULL, 0);
}

GVCU_API CUresult CUDAAPI cuMemcpy_ptds(CUdeviceptr dst, CUdeviceptr src,
                                       size_t ByteCount)
{
    return copy_unified(dst, src, ByteCount, NULL, GVX_CPY_PTDS);
}

GVCU_API CUresult CUDAAPI cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src,
                                       size_t ByteCount, CUstream hStream)
{
    return copy_unified(dst, src, ByteCount, hStream, GVX_CPY_ASYNC);
}

GVCU_API CUresult CUDAAPI cuMemcpyAsync_ptsz(CUdeviceptr dst,
                                            CUdeviceptr src,
                                            size_t ByteCount,
                                            CUstream hStream)
{
    return copy_unified(dst, src, ByteCount, gvcu_ptsz(hStream),
                        GVX_CPY_ASYNC | GVX_CPY_PTDS);
}

/* Between two remote devices (ordinals dd, sd): worker to worker
 * (gvf_copy_peer), done when the data is on dd, asynchronous copies
 * too; through a host buffer only when a gvd is too old for that. */
static CUresult copy_p2p(int dd, uint64_t dst, CUcontext dctx, int sd,
                         uint64_t src, CUcontext sctx, size_t n, CUstream s,
                         uint32_t flags)
{
    gvf_dev_t *ddev = gvf_dev(dd), *sdev = gvf_dev(sd);
    int64_t res = 0;
    gvc_status_t st;
    void *tmp;
    CUresult err;

    if (n == 0) {
        return CUDA_SUCCESS;
    }
    st = gvf_copy_peer(ddev, dst, sdev, src, n, (uint64_t)(uintptr_t)s,
                       flags, &res);
    if (st != GVC_ERR_NOT_SUPPORTED) {
        return copy_end(sdev, st, res, 1);
    }
    if (sctx == NULL || dctx == NULL) {
        return gvcu_unsupported("cuMemcpy between GPUs of an older gvd");
    }
    tmp = malloc(n);
    if (tmp == NULL) {
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    err = cuCtxPushCurrent_v2(sctx);
    if (err == CUDA_SUCCESS) {
        err = copy(D2H, (uint64_t)(uintptr_t)tmp, src, n, NULL, 0);
        cuCtxPopCurrent_v2(NULL);
    }
    if (err == CUDA_SUCCESS && (err = cuCtxPushCurrent_v2(dctx)) ==
                                   CUDA_SUCCESS) {
        err = copy(H2D, dst, (uint64_t)(uintptr_t)tmp, n, NULL, 0);
        cuCtxPopCurrent_v2(NULL);
    }
    free(tmp);
    return err;
}

/* Peer copies: contexts of one device are a plain copy. */
static CUresult copy_peer(CUdeviceptr dst, CUcontext dctx, CUdeviceptr src,
                          CUcontext sctx, size_t n, CUstream s,
                          uint32_t flags)
{
    int dd = gvcu_ctx_device(dctx), sd = gvcu_ctx_device(sctx);
    CUresult err = gvcu_init_check();

    if (err != CUDA_SUCCESS) {
        return err;
    }
    if (dd < 0 || sd < 0) {
        return CUDA_ERROR_INVALID_CONTEXT;
    }
    if (dd == sd) {
        return copy(D2D, dst, src, n, s, flags);
    }
    return copy_p2p(dd, dst, dctx, sd, src, sctx, n, s, flags);
}

GVCU_API CUresult CUDAAPI cuMemcpyPeer(CUdeviceptr dstDevice,
                                      CUcontext dstContext,
                                      CUdeviceptr srcDevice,
                                      CUcontext srcContext, size_t ByteCount)
{
    return copy_peer(dstDevice, dstContext, srcDevice, srcContext, ByteCount,
                     NULL, 0);
}

GVCU_API CUresult CUDAAPI cuMemcpyPeer_ptds(CUdeviceptr dstDevice,
                                           CUcontext dstContext,
                                           CUdeviceptr srcDevice,
                                           CUcontext srcContext,
                                           size_t ByteCount)
{
    return copy_peer(dstDevice, dstContext, srcDevice, srcContext, ByteCount,
                     NULL, GVX_CPY_PTDS);
}

GVCU_API CUresult CUDAAPI cuMemcpyPeerAsync(CUdeviceptr dstDevice,
                                           CUcontext dstContext,
                                           CUdeviceptr srcDevice,
                                           CUcontext srcContext,
                                           size_t ByteCount, CUstream hStream)
{
    return copy_peer(dstDevice, dstContext, srcDevice, srcContext, ByteCount,
                     hStream, GVX_CPY_ASYNC);
}

GVCU_API CUresult CUDAAPI cuMemcpyPeerAsync_ptsz(CUdeviceptr dstDevice,
                                                CUcontext dstContext,
                                                CUdeviceptr srcDevice,
                                                CUcontext srcContext,
                                                size_t ByteCount,
                                                CUstream hStream)
{
    return copy_peer(dstDevice, dstContext, srcDevice, srcContext, ByteCount,
                     gvcu_ptsz(hStream), GVX_CPY_ASYNC | GVX_CPY_PTDS);
}

/* ---- strided copies ----------------------------------------------------------- */

/* One side of a CUDA_MEMCPY3D (2D: depth 1, height = rows). */
static CUresult side(CUmemorytype type, const void *host, CUdeviceptr dev,
                     CUarray array, size_t x, size_t y, size_t z,
                     size_t pitch, size_t height, gvf_side_t *out)
{
    if (array != NULL || type == CU_MEMORYTYPE_ARRAY) {
        return gvcu_unsupported("strided copies with CUDA arrays");
    }
    if (type == CU_MEMORYTYPE_UNIFIED) {
        type = gvf_alloc_owner(DPTR(dev), 0) >= 0 ? CU_MEMORYTYPE_DEVICE
                                                  : CU_MEMORYTYPE_HOST;
        host = DPTR(dev);
    }
    if (type == CU_MEMORYTYPE_HOST) {
        out->p = (char *)host;
        out->on_dev = 0;
    } else if (type == CU_MEMORYTYPE_DEVICE) {
        out->p = DPTR(dev);
        out->on_dev = 1;
    } else {
        return CUDA_ERROR_INVALID_VALUE;
    }
    out->pitch = pitch;
    out->ysize = height;
    out->p += (z * height + y) * pitch + x;
    return CUDA_SUCCESS;
}

static CUresult copy3d(const CUDA_MEMCPY3D *p, CUstream s, uint32_t flags)
{
    gvf_side_t d, sr;
    gvf_dev_t *dev;
    int64_t res = 0;
    gvc_status_t st;
    CUresult err;

    if (p == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = side(p->srcMemoryType, p->srcHost, p->srcDevice, p->srcArray,
               p->srcXInBytes, p->srcY, p->srcZ, p->srcPitch, p->srcHeight,
               &sr);
    if (err == CUDA_SUCCESS) {
        err = side(p->dstMemoryType, p->dstHost, p->dstDevice, p->dstArray,
                   p->dstXInBytes, p->dstY, p->dstZ, p->dstPitch,
                   p->dstHeight, &d);
    }
    if (err != CUDA_SUCCESS) {
        return err;
    }
    if ((p->WidthInBytes > d.pitch && (p->Height > 1 || p->Depth > 1)) ||
        (p->WidthInBytes > sr.pitch && (p->Height > 1 || p->Depth > 1))) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (p->WidthInBytes == 0 || p->Height == 0 || p->Depth == 0) {
        return CUDA_SUCCESS;
    }
    err = copy_dev(&dev);
    if (err != CUDA_SUCCESS) {
        return err;
    }
    st = gvf_copy_3d(dev, &d, &sr, p->WidthInBytes, p->Height, p->Depth,
                     (uint64_t)(uintptr_t)s, flags, &res);
    return copy_end(dev, st, res, !(flags & GVX_CPY_ASYNC));
}

static CUresult copy2d(const CUDA_MEMCPY2D *p, CUstream s, uint32_t flags)
{
    CUDA_MEMCPY3D q;

    if (p == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    memset(&q, 0, sizeof(q));
    q.srcXInBytes = p->srcXInBytes;
    q.srcY = p->srcY;
    q.srcMemoryType = p->srcMemoryType;
    q.srcHost = p->srcHost;
    q.srcDevice = p->srcDevice;
    q.srcArray = p->srcArray;
    q.srcPitch = p->srcPitch;
    q.srcHeight = p->srcY + p->Height;
    q.dstXInBytes = p->dstXInBytes;
    q.dstY = p->dstY;
    q.dstMemoryType = p->dstMemoryType;
    q.dstHost = p->dstHost;
    q.dstDevice = p->dstDevice;
    q.dstArray = p->dstArray;
    q.dstPitch = p->dstPitch;
    q.dstHeight = p->dstY + p->Height;
    q.WidthInBytes = p->WidthInBytes;
    q.Height = p->Height;
    q.Depth = 1;
    return copy3d(&q, s, flags);
}

GVCU_API CUresult CUDAAPI cuMemcpy2D_v2(const CUDA_MEMCPY2D *pCopy)
{
    return copy2d(pCopy, NULL, 0);
}

GVCU_API CUresult CUDAAPI cuMemcpy2D_v2_ptds(const CUDA_MEMCPY2D *pCopy)
{
    return copy2d(pCopy, NULL, GVX_CPY_PTDS);
}

GVCU_API CUresult CUDAAPI cuMemcpy2DUnaligned_v2(const CUDA_MEMCPY2D *pCopy)
{
    return copy2d(pCopy, NULL, 0);
}

GVCU_API CUresult CUDAAPI
cuMemcpy2DUnaligned_v2_ptds(const CUDA_MEMCPY2D *pCopy)
{
    return copy2d(pCopy, NULL, GVX_CPY_PTDS);
}

GVCU_API CUresult CUDAAPI cuMemcpy2DAsync_v2(const CUDA_MEMCPY2D *pCopy,
                                            CUstream hStream)
{
    return copy2d(pCopy, hStream, GVX_CPY_ASYNC);
}

GVCU_API CUresult CUDAAPI cuMemcpy2DAsync_v2_ptsz(const CUDA_MEMCPY2D *pCopy,
                                                 CUstream hStream)
{
    return copy2d(pCopy, gvcu_ptsz(hStream), GVX_CPY_ASYNC | GVX_CPY_PTDS);
}

GVCU_API CUresult CUDAAPI cuMemcpy3D_v2(const CUDA_MEMCPY3D *pCopy)
{
    return copy3d(pCopy, NULL, 0);
}

GVCU_API CUresult CUDAAPI cuMemcpy3D_v2_ptds(const CUDA_MEMCPY3D *pCopy)
{
    return copy3d(pCopy, NULL, GVX_CPY_PTDS);
}

GVCU_API CUresult CUDAAPI cuMemcpy3DAsync_v2(const CUDA_MEMCPY3D *pCopy,
                                            CUstream hStream)
{
    return copy3d(pCopy, hStream, GVX_CPY_ASYNC);
}

GVCU_API CUresult CUDAAPI cuMemcpy3DAsync_v2_ptsz(const CUDA_MEMCPY3D *pCopy,
                                                 CUstream hStream)
{
    return copy3d(pCopy, gvcu_ptsz(hStream), GVX_CPY_ASYNC | GVX_CPY_PTDS);
}

/* ---- pinned host memory --------------------------------------------------------- */

/* Pinned allocations and registrations made through the driver API, with
 * their flags (kind: flags | OURS when we allocated it). */
#define OURS (1 << 30)
static pthread_mutex_t plock = PTHREAD_MUTEX_INITIALIZER;
static gvc_rangeset_t pinned;

static int pinned_find(const void *p, unsigned int *flags_p)
{
    const gvc_range_t *r;

    pthread_mutex_lock(&plock);
    r = gvc_rangeset_find(&pinned, (uintptr_t)p, 0);
    if (r != NULL && flags_p != NULL) {
        *flags_p = (unsigned)(r->kind & ~OURS);
    }
    pthread_mutex_unlock(&plock);
    return r != NULL;
}

GVCU_API CUresult CUDAAPI cuMemHostAlloc(void **pp, size_t bytesize,
                                        unsigned int Flags)
{
    gvt_memh_t *memh;
    gvc_status_t st;
    void *addr;

    if (pp == NULL || bytesize == 0 ||
        (Flags & ~(unsigned)(CU_MEMHOSTALLOC_PORTABLE |
                             CU_MEMHOSTALLOC_DEVICEMAP |
                             CU_MEMHOSTALLOC_WRITECOMBINED))) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (Flags & CU_MEMHOSTALLOC_DEVICEMAP) {
        return gvcu_unsupported("cuMemHostAlloc(CU_MEMHOSTALLOC_DEVICEMAP): "
                                "a remote GPU cannot map client memory");
    }
    st = gvf_init();
    if (st != GVC_OK) {
        return gvcu_status_to_result(st);
    }
    st = gvt_mem_alloc(gvf_ctx(), bytesize, &addr, &memh);
    if (st != GVC_OK) {
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    pthread_mutex_lock(&plock);
    gvc_rangeset_add(&pinned, (uintptr_t)addr, bytesize, (int)Flags | OURS);
    pthread_mutex_unlock(&plock);
    gvf_mem_add(addr, bytesize, memh);
    *pp = addr;
    return CUDA_SUCCESS;
}

GVCU_API CUresult CUDAAPI cuMemAllocHost_v2(void **pp, size_t bytesize)
{
    return cuMemHostAlloc(pp, bytesize, 0);
}

GVCU_API CUresult CUDAAPI cuMemAllocHost(void **pp, unsigned int bytesize)
{
    return cuMemHostAlloc(pp, bytesize, 0);
}

/* Copies in flight may still read pinned memory: let them finish on
 * every device before it goes away, as CUDA does. */
static void quiesce_all(void)
{
    for (int i = 0; i < gvf_device_count(); i++) {
        gvf_call_t c;
        if (gvf_call_init(&c, gvf_dev(i), GV_API_cudaDeviceSynchronize, 0) ==
            GVC_OK) {
            gvf_call_sync(&c);
            gvf_call_fini(&c);
        }
    }
}

static CUresult unpin(void *p, int ours)
{
    const gvc_range_t *r;
    gvt_memh_t *memh;
    int kind = 0;

    if (gvf_forked()) {
        /* The parent's UCX registration: left alone (gvf_forked). */
        return gvcu_status_to_result(GVC_ERR_FORKED);
    }
    pthread_mutex_lock(&plock);
    r = gvc_rangeset_find(&pinned, (uintptr_t)p, 0);
    if (r == NULL || r->base != (uintptr_t)p ||
        ((r->kind & OURS) != 0) != ours) {
        pthread_mutex_unlock(&plock);
        return ours ? CUDA_ERROR_INVALID_VALUE
                    : CUDA_ERROR_HOST_MEMORY_NOT_REGISTERED;
    }
    gvc_rangeset_del(&pinned, (uintptr_t)p, &kind);
    pthread_mutex_unlock(&plock);
    quiesce_all();
    memh = gvf_mem_remove(p);
    if (ours) {
        gvt_mem_free(memh);
    } else {
        gvt_mem_unregister(memh);
    }
    return CUDA_SUCCESS;
}

GVCU_API CUresult CUDAAPI cuMemFreeHost(void *p)
{
    return unpin(p, 1);
}

GVCU_API CUresult CUDAAPI cuMemHostRegister_v2(void *p, size_t bytesize,
                                              unsigned int Flags)
{
    gvt_memh_t *memh;
    gvc_status_t st;
    int dup;

    if (p == NULL || bytesize == 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (Flags & (CU_MEMHOSTREGISTER_DEVICEMAP | CU_MEMHOSTREGISTER_IOMEMORY)) {
        return gvcu_unsupported("cuMemHostRegister with DEVICEMAP or "
                                "IOMEMORY: a remote GPU cannot map client "
                                "memory");
    }
    st = gvf_init();
    if (st != GVC_OK) {
        return gvcu_status_to_result(st);
    }
    pthread_mutex_lock(&plock);
    dup = gvc_rangeset_find(&pinned, (uintptr_t)p, 0) != NULL ||
          gvc_rangeset_add(&pinned, (uintptr_t)p, bytesize, (int)Flags) != 0;
    pthread_mutex_unlock(&plock);
    if (dup) {
        return CUDA_ERROR_HOST_MEMORY_ALREADY_REGISTERED;
    }
    st = gvt_mem_register(gvf_ctx(), p, bytesize, &memh);
    if (st != GVC_OK || gvf_mem_add(p, bytesize, memh) != GVC_OK) {
        pthread_mutex_lock(&plock);
        gvc_rangeset_del(&pinned, (uintptr_t)p, NULL);
        pthread_mutex_unlock(&plock);
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    return CUDA_SUCCESS;
}

GVCU_API CUresult CUDAAPI cuMemHostRegister(void *p, size_t bytesize,
                                           unsigned int Flags)
{
    return cuMemHostRegister_v2(p, bytesize, Flags);
}

GVCU_API CUresult CUDAAPI cuMemHostUnregister(void *p)
{
    return unpin(p, 0);
}

GVCU_API CUresult CUDAAPI cuMemHostGetFlags(unsigned int *pFlags, void *p)
{
    if (pFlags == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    return pinned_find(p, pFlags) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

GVCU_API CUresult CUDAAPI cuMemHostGetDevicePointer_v2(CUdeviceptr *pdptr,
                                                      void *p,
                                                      unsigned int Flags)
{
    (void)pdptr;
    (void)p;
    (void)Flags;
    return gvcu_unsupported("cuMemHostGetDevicePointer (mapped host "
                            "memory)");
}

/* ---- virtual memory management ------------------------------------------------- */

/* A location naming a device ordinal of ours: the device, and the
 * location as its worker sees it. */
static CUresult loc_route(const CUmemLocation *in, CUmemLocation *out,
                          int *dev_p)
{
    *out = *in;
    if (in->type == CU_MEM_LOCATION_TYPE_DEVICE) {
        if (gvf_dev(in->id) == NULL) {
            return CUDA_ERROR_INVALID_DEVICE;
        }
        if (*dev_p >= 0 && *dev_p != in->id) {
            return gvcu_unsupported("VMM access from another remote GPU");
        }
        *dev_p = in->id;
        out->id = 0;
    }
    return CUDA_SUCCESS;
}

/* Start a call on dev (-1: the current context's device). */
static CUresult begin_on(gvf_call_t *c, uint32_t api, int dev, size_t hint)
{
    return dev >= 0 ? gvcu_begin_dev(c, api, dev, hint)
                    : gvcu_begin(c, api, hint);
}

/* Start a call on the device a CUmemAllocationProp's location names (the
 * current context's where it names none), with the prop the worker
 * sees in p. */
static CUresult prop_begin(gvf_call_t *c, uint32_t api,
                           const CUmemAllocationProp *prop,
                           CUmemAllocationProp *p)
{
    CUresult err;
    int dev = -1;

    if (prop == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    *p = *prop;
    err = loc_route(&prop->location, &p->location, &dev);
    return err != CUDA_SUCCESS ? err : begin_on(c, api, dev, 0);
}

GVCU_API CUresult CUDAAPI cuMemCreate(CUmemGenericAllocationHandle *handle,
                                     size_t size,
                                     const CUmemAllocationProp *prop,
                                     unsigned long long flags)
{
    CUmemAllocationProp p;
    gvf_call_t c;
    gvc_status_t st;
    CUresult err = prop_begin(&c, GV_API_cuMemCreate, prop, &p);

    if (err != CUDA_SUCCESS) {
        return err;
    }
    /* The generated worker handler's wire: out flag, values, in struct. */
    gvc_enc_u8(&c.enc, handle != NULL);
    gvc_enc_u64(&c.enc, size);
    gvc_enc_u8(&c.enc, 1);
    gvc_enc_raw(&c.enc, &p, sizeof(p));
    gvc_enc_u64(&c.enc, flags);
    st = gvf_call_sync(&c);
    if (gvcu_ok(&c, st) && handle != NULL) {
        uint64_t h = 0;
        gvc_dec_u64(&c.dec, &h);
        *handle = h;
        st = gvc_dec_finish(&c.dec);
    }
    return gvcu_end(&c, st);
}

GVCU_API CUresult CUDAAPI cuMemGetAllocationGranularity(
    size_t *granularity, const CUmemAllocationProp *prop,
    CUmemAllocationGranularity_flags option)
{
    CUmemAllocationProp p;
    gvf_call_t c;
    gvc_status_t st;
    CUresult err = prop_begin(&c, GV_API_cuMemGetAllocationGranularity,
                              prop, &p);

    if (err != CUDA_SUCCESS) {
        return err;
    }
    gvc_enc_u8(&c.enc, granularity != NULL);
    gvc_enc_u8(&c.enc, 1);
    gvc_enc_raw(&c.enc, &p, sizeof(p));
    gvc_enc_i32(&c.enc, (int32_t)option);
    st = gvf_call_sync(&c);
    if (gvcu_ok(&c, st) && granularity != NULL) {
        uint64_t g = 0;
        gvc_dec_u64(&c.dec, &g);
        *granularity = g;
        st = gvc_dec_finish(&c.dec);
    }
    return gvcu_end(&c, st);
}

GVCU_API CUresult CUDAAPI cuMemGetAllocationPropertiesFromHandle(
    CUmemAllocationProp *prop, CUmemGenericAllocationHandle handle)
{
    gvf_call_t c;
    gvc_status_t st;
    CUresult err = gvcu_begin(&c, GV_API_cuMemGetAllocationPropertiesFromHandle,
                              0);

    if (err != CUDA_SUCCESS) {
        return err;
    }
    gvc_enc_u8(&c.enc, prop != NULL);
    gvc_enc_u64(&c.enc, handle);
    st = gvf_call_sync(&c);
    if (gvcu_ok(&c, st) && prop != NULL) {
        gvc_dec_raw(&c.dec, prop, sizeof(*prop));
        if (prop->location.type == CU_MEM_LOCATION_TYPE_DEVICE) {
            prop->location.id = gvf_dev_ordinal(c.dev);
        }
        st = gvc_dec_finish(&c.dec);
    }
    return gvcu_end(&c, st);
}

GVCU_API CUresult CUDAAPI cuMemSetAccess(CUdeviceptr ptr, size_t size,
                                        const CUmemAccessDesc *desc,
                                        size_t count)
{
    CUmemAccessDesc *d;
    gvf_call_t c;
    CUresult err = CUDA_SUCCESS;
    int dev = gvf_alloc_owner(DPTR(ptr), size);

    if (desc == NULL || count == 0 || count > 1024) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    d = malloc(count * sizeof(*d));
    if (d == NULL) {
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    for (size_t i = 0; i < count && err == CUDA_SUCCESS; i++) {
        d[i] = desc[i];
        err = loc_route(&desc[i].location, &d[i].location, &dev);
    }
    if (err == CUDA_SUCCESS) {
        err = begin_on(&c, GV_API_cuMemSetAccess, dev,
                       64 + count * sizeof(*d));
    }
    if (err != CUDA_SUCCESS) {
        free(d);
        return err;
    }
    gvc_enc_u64(&c.enc, ptr);
    gvc_enc_u64(&c.enc, size);
    gvc_enc_array(&c.enc, d, (uint32_t)count, sizeof(*d));
    gvc_enc_u64(&c.enc, count);
    free(d);
    return gvcu_end(&c, gvf_call_sync(&c));
}

GVCU_API CUresult CUDAAPI cuMemGetAccess(unsigned long long *flags,
                                        const CUmemLocation *location,
                                        CUdeviceptr ptr)
{
    CUmemLocation l;
    gvf_call_t c;
    gvc_status_t st;
    CUresult err;
    int dev = gvf_alloc_owner(DPTR(ptr), 0);

    if (location == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = loc_route(location, &l, &dev);
    if (err == CUDA_SUCCESS) {
        err = begin_on(&c, GV_API_cuMemGetAccess, dev, 0);
    }
    if (err != CUDA_SUCCESS) {
        return err;
    }
    gvc_enc_u8(&c.enc, flags != NULL);
    gvc_enc_u8(&c.enc, 1);
    gvc_enc_raw(&c.enc, &l, sizeof(l));
    gvc_enc_u64(&c.enc, ptr);
    st = gvf_call_sync(&c);
    if (gvcu_ok(&c, st) && flags != NULL) {
        uint64_t v = 0;
        gvc_dec_u64(&c.dec, &v);
        *flags = v;
        st = gvc_dec_finish(&c.dec);
    }
    return gvcu_end(&c, st);
}

enum { VMM_RESERVE, VMM_FREE, VMM_MAP, VMM_UNMAP, VMM_RETAIN, VMM_RELEASE };

static CUresult vmm(int dev, uint32_t op, CUdeviceptr *ptr, size_t size,
                    uint64_t a, uint64_t b)
{
    gvf_call_t c;
    gvc_status_t st;
    CUresult err = begin_on(&c, GV_API_gvCuVmm, dev, 0);
    gvf_dev_t *d;
    uint64_t p = 0;

    if (err != CUDA_SUCCESS) {
        return err;
    }
    d = c.dev;
    gvc_enc_u32(&c.enc, op);
    gvc_enc_u64(&c.enc, *ptr);
    gvc_enc_u64(&c.enc, size);
    gvc_enc_u64(&c.enc, a);
    gvc_enc_u64(&c.enc, b);
    st = gvf_call_sync(&c);
    if (gvcu_ok(&c, st)) {
        gvc_dec_u64(&c.dec, &p);
    }
    err = gvcu_end(&c, st);
    if (err == CUDA_SUCCESS) {
        *ptr = p;
        if (op == VMM_MAP) {
            gvf_alloc_add(d, DPTR(p), size);
        } else if (op == VMM_UNMAP) {
            gvf_alloc_del(d, DPTR(p));
        }
    }
    return err;
}

GVCU_API CUresult CUDAAPI cuMemAddressReserve(CUdeviceptr *ptr, size_t size,
                                             size_t alignment,
                                             CUdeviceptr addr,
                                             unsigned long long flags)
{
    CUdeviceptr p = addr;
    CUresult err;

    if (ptr == NULL || size == 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = vmm(-1, VMM_RESERVE, &p, size, alignment, flags);
    if (err == CUDA_SUCCESS) {
        *ptr = p;
    }
    return err;
}

GVCU_API CUresult CUDAAPI cuMemAddressFree(CUdeviceptr ptr, size_t size)
{
    return vmm(-1, VMM_FREE, &ptr, size, 0, 0);
}

GVCU_API CUresult CUDAAPI cuMemMap(CUdeviceptr ptr, size_t size,
                                  size_t offset,
                                  CUmemGenericAllocationHandle handle,
                                  unsigned long long flags)
{
    if (flags != 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    return vmm(-1, VMM_MAP, &ptr, size, offset, handle);
}

GVCU_API CUresult CUDAAPI cuMemUnmap(CUdeviceptr ptr, size_t size)
{
    return vmm(gvf_alloc_owner(DPTR(ptr), 0), VMM_UNMAP, &ptr, size, 0, 0);
}

GVCU_API CUresult CUDAAPI cuMemRetainAllocationHandle(
    CUmemGenericAllocationHandle *handle, void *addr)
{
    CUdeviceptr p = (CUdeviceptr)(uintptr_t)addr;
    CUresult err;

    if (handle == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = vmm(gvf_alloc_owner(addr, 0), VMM_RETAIN, &p, 0, 0, 0);
    if (err == CUDA_SUCCESS) {
        *handle = p;
    }
    return err;
}

GVCU_API CUresult CUDAAPI cuMemRelease(CUmemGenericAllocationHandle handle)
{
    CUdeviceptr p = 0;

    return vmm(-1, VMM_RELEASE, &p, 0, 0, handle);
}

/* ---- pointer attributes ------------------------------------------------------------ */

/* Bytes of an attribute's value; 0 for one we do not know. */
static size_t attr_size(CUpointer_attribute a)
{
    switch (a) {
    case CU_POINTER_ATTRIBUTE_CONTEXT:
    case CU_POINTER_ATTRIBUTE_DEVICE_POINTER:
    case CU_POINTER_ATTRIBUTE_HOST_POINTER:
    case CU_POINTER_ATTRIBUTE_BUFFER_ID:
    case CU_POINTER_ATTRIBUTE_RANGE_START_ADDR:
    case CU_POINTER_ATTRIBUTE_RANGE_SIZE:
    case CU_POINTER_ATTRIBUTE_ALLOWED_HANDLE_TYPES:
    case CU_POINTER_ATTRIBUTE_MEMPOOL_HANDLE:
    case CU_POINTER_ATTRIBUTE_MAPPING_SIZE:
    case CU_POINTER_ATTRIBUTE_MAPPING_BASE_ADDR:
    case CU_POINTER_ATTRIBUTE_MEMORY_BLOCK_ID:
        return 8;
    case CU_POINTER_ATTRIBUTE_P2P_TOKENS:
        return sizeof(CUDA_POINTER_ATTRIBUTE_P2P_TOKENS);
    case CU_POINTER_ATTRIBUTE_MEMORY_TYPE:
    case CU_POINTER_ATTRIBUTE_SYNC_MEMOPS:
    case CU_POINTER_ATTRIBUTE_IS_MANAGED:
    case CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL:
    case CU_POINTER_ATTRIBUTE_IS_LEGACY_CUDA_IPC_CAPABLE:
    case CU_POINTER_ATTRIBUTE_MAPPED:
    case CU_POINTER_ATTRIBUTE_IS_GPU_DIRECT_RDMA_CAPABLE:
    case CU_POINTER_ATTRIBUTE_ACCESS_FLAGS:
    case CU_POINTER_ATTRIBUTE_IS_HW_DECOMPRESS_CAPABLE:
        return 4;
    default:
        return 0;
    }
}

/* Host memory: answered here, as the driver would.  -1: not an attribute
 * host memory has (the caller answers as for unknown memory). */
static CUresult host_attr(void *data, CUpointer_attribute a, CUdeviceptr p,
                          int registered)
{
    uint64_t v8 = 0;
    uint32_t v4 = 0;

    switch (a) {
    case CU_POINTER_ATTRIBUTE_MEMORY_TYPE:
        v4 = CU_MEMORYTYPE_HOST;
        break;
    case CU_POINTER_ATTRIBUTE_HOST_POINTER:
        v8 = p;
        break;
    case CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL:
        v4 = (uint32_t)gvf_current_ordinal();
        break;
    case CU_POINTER_ATTRIBUTE_IS_MANAGED:
    case CU_POINTER_ATTRIBUTE_MAPPED:
        v4 = a == CU_POINTER_ATTRIBUTE_MAPPED ? (uint32_t)registered : 0;
        break;
    default:
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (attr_size(a) == 8) {
        memcpy(data, &v8, 8);
    } else {
        memcpy(data, &v4, 4);
    }
    return CUDA_SUCCESS;
}

GVCU_API CUresult CUDAAPI cuPointerGetAttribute(void *data,
                                               CUpointer_attribute attribute,
                                               CUdeviceptr ptr)
{
    size_t size = attr_size(attribute);
    int owner = gvf_alloc_owner(DPTR(ptr), 0);
    gvf_call_t c;
    gvc_status_t st;
    CUresult err;

    if (data == NULL || size == 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = gvcu_init_check();
    if (err != CUDA_SUCCESS) {
        return err;
    }
    if (owner < 0) {
        return pinned_find(DPTR(ptr), NULL)
                   ? host_attr(data, attribute, ptr, 1)
                   : CUDA_ERROR_INVALID_VALUE;
    }
    if (attribute == CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL) {
        int32_t o = owner;
        memcpy(data, &o, 4);
        return CUDA_SUCCESS;
    }
    err = gvcu_begin_dev(&c, GV_API_gvCuPointerAttr, owner, 0);
    if (err != CUDA_SUCCESS) {
        return err;
    }
    gvc_enc_i32(&c.enc, (int32_t)attribute);
    gvc_enc_u64(&c.enc, ptr);
    gvc_enc_u32(&c.enc, (uint32_t)size);
    st = gvf_call_sync(&c);
    if (gvcu_ok(&c, st)) {
        gvc_dec_raw(&c.dec, data, size);
        st = gvc_dec_finish(&c.dec);
    }
    return gvcu_end(&c, st);
}

GVCU_API CUresult CUDAAPI cuPointerGetAttributes(
    unsigned int numAttributes, CUpointer_attribute *attributes, void **data,
    CUdeviceptr ptr)
{
    int known = gvf_alloc_owner(DPTR(ptr), 0) >= 0 ||
                pinned_find(DPTR(ptr), NULL);

    if (attributes == NULL || data == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    for (unsigned i = 0; i < numAttributes; i++) {
        size_t size = attr_size(attributes[i]);
        CUresult err;

        if (data[i] == NULL) {
            continue;
        }
        if (size == 0) {
            return CUDA_ERROR_INVALID_VALUE;
        }
        err = cuPointerGetAttribute(data[i], attributes[i], ptr);
        if (err == CUDA_ERROR_INVALID_VALUE || !known) {
            /* As CUDA for memory it does not know: zeros, and -2 for
             * the device ordinal. */
            int32_t none = -2;
            memset(data[i], 0, size);
            if (attributes[i] == CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL) {
                memcpy(data[i], &none, 4);
            }
        } else if (err != CUDA_SUCCESS) {
            return err;
        }
    }
    return CUDA_SUCCESS;
}
