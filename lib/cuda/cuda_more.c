/*
 * cuda_more.c - the rest of the driver API written by hand: answers
 * about peer access (none between remote GPUs), the CUDA 3.x copy entry
 * points (widened to today's), host data to and from CUDA arrays,
 * batched copies, IPC handles, memory pools whose locations name device
 * ordinals, and the deprecated attach/detach.
 */
#include "config.h"

#define __CUDA_API_VERSION_INTERNAL 1

#include "gvcu.h"
#include "gvf_alloc.h"
#include "gv_api_cuda.h"

#include <stdlib.h>
#include <string.h>

/* ---- peer access ----------------------------------------------------------------- */

static CUresult two_devices(CUdevice a, CUdevice b)
{
    CUresult err = gvcu_init_check();

    if (err != CUDA_SUCCESS) {
        return err;
    }
    if (gvf_dev(a) == NULL || gvf_dev(b) == NULL || a == b) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    return CUDA_SUCCESS;
}

GVCU_API CUresult CUDAAPI cuDeviceGetP2PAttribute(int *value,
                                                 CUdevice_P2PAttribute attrib,
                                                 CUdevice srcDevice,
                                                 CUdevice dstDevice)
{
    CUresult err;

    (void)attrib;
    if (value == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = two_devices(srcDevice, dstDevice);
    if (err == CUDA_SUCCESS) {
        *value = 0;
    }
    return err;
}

GVCU_API CUresult CUDAAPI cuDeviceGetP2PAtomicCapabilities(
    unsigned int *capabilities, const CUatomicOperation *operations,
    unsigned int count, CUdevice srcDevice, CUdevice dstDevice)
{
    CUresult err;

    if (capabilities == NULL || (operations == NULL && count > 0)) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = two_devices(srcDevice, dstDevice);
    if (err == CUDA_SUCCESS) {
        memset(capabilities, 0, count * sizeof(*capabilities));
    }
    return err;
}

GVCU_API CUresult CUDAAPI cuCtxEnablePeerAccess(CUcontext peerContext,
                                               unsigned int Flags)
{
    if (Flags != 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (gvcu_ctx_device(peerContext) < 0) {
        return CUDA_ERROR_INVALID_CONTEXT;
    }
    return CUDA_ERROR_PEER_ACCESS_UNSUPPORTED;
}

GVCU_API CUresult CUDAAPI cuCtxDisablePeerAccess(CUcontext peerContext)
{
    if (gvcu_ctx_device(peerContext) < 0) {
        return CUDA_ERROR_INVALID_CONTEXT;
    }
    return CUDA_ERROR_PEER_ACCESS_NOT_ENABLED;
}

/* ---- attach / detach (deprecated since CUDA 4.0) -------------------------------- */

GVCU_API CUresult CUDAAPI cuCtxAttach(CUcontext *pctx, unsigned int flags)
{
    if (flags != 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    return cuCtxGetCurrent(pctx);
}

GVCU_API CUresult CUDAAPI cuCtxDetach(CUcontext ctx)
{
    return gvcu_ctx_device(ctx) >= 0 ? CUDA_SUCCESS
                                     : CUDA_ERROR_INVALID_CONTEXT;
}

/* ---- the CUDA 3.x copy entry points ------------------------------------------- */

GVCU_API CUresult CUDAAPI cuMemcpyHtoD(CUdeviceptr_v1 dstDevice,
                                      const void *srcHost,
                                      unsigned int ByteCount)
{
    return cuMemcpyHtoD_v2(dstDevice, srcHost, ByteCount);
}

GVCU_API CUresult CUDAAPI cuMemcpyDtoH(void *dstHost, CUdeviceptr_v1 srcDevice,
                                      unsigned int ByteCount)
{
    return cuMemcpyDtoH_v2(dstHost, srcDevice, ByteCount);
}

GVCU_API CUresult CUDAAPI cuMemcpyDtoD(CUdeviceptr_v1 dstDevice,
                                      CUdeviceptr_v1 srcDevice,
                                      unsigned int ByteCount)
{
    return cuMemcpyDtoD_v2(dstDevice, srcDevice, ByteCount);
}

GVCU_API CUresult CUDAAPI cuMemcpyHtoDAsync(CUdeviceptr_v1 dstDevice,
                                           const void *srcHost,
                                           unsigned int ByteCount,
                                           CUstream hStream)
{
    return cuMemcpyHtoDAsync_v2(dstDevice, srcHost, ByteCount, hStream);
}

GVCU_API CUresult CUDAAPI cuMemcpyDtoHAsync(void *dstHost,
                                           CUdeviceptr_v1 srcDevice,
                                           unsigned int ByteCount,
                                           CUstream hStream)
{
    return cuMemcpyDtoHAsync_v2(dstHost, srcDevice, ByteCount, hStream);
}

GVCU_API CUresult CUDAAPI cuMemcpyDtoDAsync(CUdeviceptr_v1 dstDevice,
                                           CUdeviceptr_v1 srcDevice,
                                           unsigned int ByteCount,
                                           CUstream hStream)
{
    return cuMemcpyDtoDAsync_v2(dstDevice, srcDevice, ByteCount, hStream);
}

/* The v1 copy descriptors in today's form, in b; NULL where a is NULL
 * (the _v2 entry points refuse it as the v1 ones must). */
static const CUDA_MEMCPY2D *widen2d(const CUDA_MEMCPY2D_v1 *a,
                                    CUDA_MEMCPY2D *b)
{
    if (a == NULL) {
        return NULL;
    }
    memset(b, 0, sizeof(*b));
    b->srcXInBytes = a->srcXInBytes;
    b->srcY = a->srcY;
    b->srcMemoryType = a->srcMemoryType;
    b->srcHost = a->srcHost;
    b->srcDevice = a->srcDevice;
    b->srcArray = a->srcArray;
    b->srcPitch = a->srcPitch;
    b->dstXInBytes = a->dstXInBytes;
    b->dstY = a->dstY;
    b->dstMemoryType = a->dstMemoryType;
    b->dstHost = a->dstHost;
    b->dstDevice = a->dstDevice;
    b->dstArray = a->dstArray;
    b->dstPitch = a->dstPitch;
    b->WidthInBytes = a->WidthInBytes;
    b->Height = a->Height;
    return b;
}

static const CUDA_MEMCPY3D *widen3d(const CUDA_MEMCPY3D_v1 *a,
                                    CUDA_MEMCPY3D *b)
{
    if (a == NULL) {
        return NULL;
    }
    memset(b, 0, sizeof(*b));
    b->srcXInBytes = a->srcXInBytes;
    b->srcY = a->srcY;
    b->srcZ = a->srcZ;
    b->srcLOD = a->srcLOD;
    b->srcMemoryType = a->srcMemoryType;
    b->srcHost = a->srcHost;
    b->srcDevice = a->srcDevice;
    b->srcArray = a->srcArray;
    b->srcPitch = a->srcPitch;
    b->srcHeight = a->srcHeight;
    b->dstXInBytes = a->dstXInBytes;
    b->dstY = a->dstY;
    b->dstZ = a->dstZ;
    b->dstLOD = a->dstLOD;
    b->dstMemoryType = a->dstMemoryType;
    b->dstHost = a->dstHost;
    b->dstDevice = a->dstDevice;
    b->dstArray = a->dstArray;
    b->dstPitch = a->dstPitch;
    b->dstHeight = a->dstHeight;
    b->WidthInBytes = a->WidthInBytes;
    b->Height = a->Height;
    b->Depth = a->Depth;
    return b;
}

GVCU_API CUresult CUDAAPI cuMemcpy2D(const CUDA_MEMCPY2D_v1 *pCopy)
{
    CUDA_MEMCPY2D c;

    return cuMemcpy2D_v2(widen2d(pCopy, &c));
}

GVCU_API CUresult CUDAAPI cuMemcpy2DUnaligned(const CUDA_MEMCPY2D_v1 *pCopy)
{
    CUDA_MEMCPY2D c;

    return cuMemcpy2DUnaligned_v2(widen2d(pCopy, &c));
}

GVCU_API CUresult CUDAAPI cuMemcpy2DAsync(const CUDA_MEMCPY2D_v1 *pCopy,
                                         CUstream hStream)
{
    CUDA_MEMCPY2D c;

    return cuMemcpy2DAsync_v2(widen2d(pCopy, &c), hStream);
}

GVCU_API CUresult CUDAAPI cuMemcpy3D(const CUDA_MEMCPY3D_v1 *pCopy)
{
    CUDA_MEMCPY3D c;

    return cuMemcpy3D_v2(widen3d(pCopy, &c));
}

GVCU_API CUresult CUDAAPI cuMemcpy3DAsync(const CUDA_MEMCPY3D_v1 *pCopy,
                                         CUstream hStream)
{
    CUDA_MEMCPY3D c;

    return cuMemcpy3DAsync_v2(widen3d(pCopy, &c), hStream);
}

/* ---- host data and CUDA arrays --------------------------------------------------- */

/* gvCuArrayCopy: { u32 to_array, u64 array, u64 offset, u64 n, u64 stream }
 * + n bytes (to the array) or n bytes back.  The worker copies with the
 * driver's synchronous entry points (an asynchronous request is done by
 * the time it answers: stronger ordering than asked, never weaker). */
static CUresult array_copy(int to_array, CUarray array, size_t offset,
                           void *host, size_t n, CUstream s)
{
    gvf_call_t c;
    gvc_status_t st;
    CUresult err;

    if (host == NULL && n > 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = gvcu_begin(&c, GV_API_gvCuArrayCopy, 0);
    if (err != CUDA_SUCCESS) {
        return err;
    }
    gvc_enc_u32(&c.enc, (uint32_t)to_array);
    gvc_enc_u64(&c.enc, (uint64_t)(uintptr_t)array);
    gvc_enc_u64(&c.enc, offset);
    gvc_enc_u64(&c.enc, n);
    gvc_enc_u64(&c.enc, (uint64_t)(uintptr_t)s);
    if (to_array) {
        gvf_call_data_out(&c, host, n, NULL);
    } else {
        gvf_call_data_in(&c, host, n);
    }
    st = gvf_call_sync(&c);
    if (gvcu_ok(&c, st) && !to_array && c.reply.data_len != n) {
        st = GVC_ERR_PROTO;
    }
    return gvcu_end_sync(&c, st);
}

GVCU_API CUresult CUDAAPI cuMemcpyHtoA_v2(CUarray dstArray, size_t dstOffset,
                                         const void *srcHost,
                                         size_t ByteCount)
{
    return array_copy(1, dstArray, dstOffset, (void *)srcHost, ByteCount,
                      NULL);
}

GVCU_API CUresult CUDAAPI cuMemcpyHtoA_v2_ptds(CUarray dstArray,
                                              size_t dstOffset,
                                              const void *srcHost,
                                              size_t ByteCount)
{
    return array_copy(1, dstArray, dstOffset, (void *)srcHost, ByteCount,
                      CU_STREAM_PER_THREAD);
}

GVCU_API CUresult CUDAAPI cuMemcpyHtoA(CUarray dstArray,
                                      unsigned int dstOffset,
                                      const void *srcHost,
                                      unsigned int ByteCount)
{
    return cuMemcpyHtoA_v2(dstArray, dstOffset, srcHost, ByteCount);
}

GVCU_API CUresult CUDAAPI cuMemcpyAtoH_v2(void *dstHost, CUarray srcArray,
                                         size_t srcOffset, size_t ByteCount)
{
    return array_copy(0, srcArray, srcOffset, dstHost, ByteCount, NULL);
}

GVCU_API CUresult CUDAAPI cuMemcpyAtoH_v2_ptds(void *dstHost,
                                              CUarray srcArray,
                                              size_t srcOffset,
                                              size_t ByteCount)
{
    return array_copy(0, srcArray, srcOffset, dstHost, ByteCount,
                      CU_STREAM_PER_THREAD);
}

GVCU_API CUresult CUDAAPI cuMemcpyAtoH(void *dstHost, CUarray srcArray,
                                      unsigned int srcOffset,
                                      unsigned int ByteCount)
{
    return cuMemcpyAtoH_v2(dstHost, srcArray, srcOffset, ByteCount);
}

GVCU_API CUresult CUDAAPI cuMemcpyHtoAAsync_v2(CUarray dstArray,
                                              size_t dstOffset,
                                              const void *srcHost,
                                              size_t ByteCount,
                                              CUstream hStream)
{
    return array_copy(1, dstArray, dstOffset, (void *)srcHost, ByteCount,
                      hStream);
}

GVCU_API CUresult CUDAAPI cuMemcpyHtoAAsync_v2_ptsz(CUarray dstArray,
                                                   size_t dstOffset,
                                                   const void *srcHost,
                                                   size_t ByteCount,
                                                   CUstream hStream)
{
    return array_copy(1, dstArray, dstOffset, (void *)srcHost, ByteCount,
                      gvcu_ptsz(hStream));
}

GVCU_API CUresult CUDAAPI cuMemcpyHtoAAsync(CUarray dstArray,
                                           unsigned int dstOffset,
                                           const void *srcHost,
                                           unsigned int ByteCount,
                                           CUstream hStream)
{
    return cuMemcpyHtoAAsync_v2(dstArray, dstOffset, srcHost, ByteCount,
                                hStream);
}

GVCU_API CUresult CUDAAPI cuMemcpyAtoHAsync_v2(void *dstHost,
                                              CUarray srcArray,
                                              size_t srcOffset,
                                              size_t ByteCount,
                                              CUstream hStream)
{
    return array_copy(0, srcArray, srcOffset, dstHost, ByteCount, hStream);
}

GVCU_API CUresult CUDAAPI cuMemcpyAtoHAsync_v2_ptsz(void *dstHost,
                                                   CUarray srcArray,
                                                   size_t srcOffset,
                                                   size_t ByteCount,
                                                   CUstream hStream)
{
    return array_copy(0, srcArray, srcOffset, dstHost, ByteCount,
                      gvcu_ptsz(hStream));
}

GVCU_API CUresult CUDAAPI cuMemcpyAtoHAsync(void *dstHost, CUarray srcArray,
                                           unsigned int srcOffset,
                                           unsigned int ByteCount,
                                           CUstream hStream)
{
    return cuMemcpyAtoHAsync_v2(dstHost, srcArray, srcOffset, ByteCount,
                                hStream);
}

/* ---- batched copies ----------------------------------------------------------- */

/* One copy after the other, in stream order (the attributes are hints
 * about access order and locations; copies in order satisfy them). */
static CUresult batch(CUdeviceptr *dsts, CUdeviceptr *srcs, size_t *sizes,
                      size_t count, size_t *failIdx, CUstream s, int ptsz)
{
    if (dsts == NULL || srcs == NULL || sizes == NULL || count == 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    for (size_t i = 0; i < count; i++) {
        CUresult err = ptsz ? cuMemcpyAsync_ptsz(dsts[i], srcs[i], sizes[i], s)
                            : cuMemcpyAsync(dsts[i], srcs[i], sizes[i], s);
        if (err != CUDA_SUCCESS) {
            if (failIdx != NULL) {
                *failIdx = i;
            }
            return err;
        }
    }
    if (failIdx != NULL) {
        *failIdx = SIZE_MAX;
    }
    return CUDA_SUCCESS;
}

GVCU_API CUresult CUDAAPI cuMemcpyBatchAsync(
    CUdeviceptr *dsts, CUdeviceptr *srcs, size_t *sizes, size_t count,
    CUmemcpyAttributes *attrs, size_t *attrsIdxs, size_t numAttrs,
    size_t *failIdx, CUstream hStream)
{
    (void)attrs;
    (void)attrsIdxs;
    (void)numAttrs;
    return batch(dsts, srcs, sizes, count, failIdx, hStream, 0);
}

GVCU_API CUresult CUDAAPI cuMemcpyBatchAsync_ptsz(
    CUdeviceptr *dsts, CUdeviceptr *srcs, size_t *sizes, size_t count,
    CUmemcpyAttributes *attrs, size_t *attrsIdxs, size_t numAttrs,
    size_t *failIdx, CUstream hStream)
{
    (void)attrs;
    (void)attrsIdxs;
    (void)numAttrs;
    return batch(dsts, srcs, sizes, count, failIdx, hStream, 1);
}

GVCU_API CUresult CUDAAPI cuMemcpyBatchAsync_v2(
    CUdeviceptr *dsts, CUdeviceptr *srcs, size_t *sizes, size_t count,
    CUmemcpyAttributes *attrs, size_t *attrsIdxs, size_t numAttrs,
    CUstream hStream)
{
    (void)attrs;
    (void)attrsIdxs;
    (void)numAttrs;
    return batch(dsts, srcs, sizes, count, NULL, hStream, 0);
}

GVCU_API CUresult CUDAAPI cuMemcpyBatchAsync_v2_ptsz(
    CUdeviceptr *dsts, CUdeviceptr *srcs, size_t *sizes, size_t count,
    CUmemcpyAttributes *attrs, size_t *attrsIdxs, size_t numAttrs,
    CUstream hStream)
{
    (void)attrs;
    (void)attrsIdxs;
    (void)numAttrs;
    return batch(dsts, srcs, sizes, count, NULL, hStream, 1);
}

/* ---- IPC ---------------------------------------------------------------------------- */

/* gvCuIpcOpen: { raw handle, u32 flags } -> { u64 dptr, u64 size }. */
static CUresult ipc_open(CUdeviceptr *pdptr, CUipcMemHandle handle,
                         unsigned int flags)
{
    uint64_t p = 0, size = 0;
    gvf_call_t c;
    gvc_status_t st;
    CUresult err;

    if (pdptr == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = gvcu_begin(&c, GV_API_gvCuIpcOpen, 0);
    if (err != CUDA_SUCCESS) {
        return err;
    }
    gvc_enc_raw(&c.enc, &handle, sizeof(handle));
    gvc_enc_u32(&c.enc, flags);
    st = gvf_call_sync(&c);
    if (gvcu_ok(&c, st)) {
        gvc_dec_u64(&c.dec, &p);
        gvc_dec_u64(&c.dec, &size);
        gvf_alloc_add(c.dev, (void *)(uintptr_t)p, size);
    }
    err = gvcu_end(&c, st);
    if (err == CUDA_SUCCESS) {
        *pdptr = p;
    }
    return err;
}

GVCU_API CUresult CUDAAPI cuIpcOpenMemHandle(CUdeviceptr *pdptr,
                                            CUipcMemHandle handle,
                                            unsigned int Flags)
{
    return ipc_open(pdptr, handle, Flags);
}

GVCU_API CUresult CUDAAPI cuIpcOpenMemHandle_v2(CUdeviceptr *pdptr,
                                               CUipcMemHandle handle,
                                               unsigned int Flags)
{
    return ipc_open(pdptr, handle, Flags);
}

GVCU_API CUresult CUDAAPI cuIpcCloseMemHandle(CUdeviceptr dptr)
{
    int owner = gvf_alloc_owner((void *)(uintptr_t)dptr, 0);
    gvf_call_t c;
    CUresult err = owner >= 0
                       ? gvcu_begin_dev(&c, GV_API_cuIpcCloseMemHandle, owner,
                                        0)
                       : gvcu_begin(&c, GV_API_cuIpcCloseMemHandle, 0);
    gvf_dev_t *dev;

    if (err != CUDA_SUCCESS) {
        return err;
    }
    dev = c.dev;
    gvc_enc_u64(&c.enc, dptr);
    err = gvcu_end(&c, gvf_call_sync(&c));
    if (err == CUDA_SUCCESS) {
        gvf_alloc_del(dev, (void *)(uintptr_t)dptr);
    }
    return err;
}

/* ---- memory pools named by locations ------------------------------------------- */

/* Route a location (a device ordinal of ours, or the host); -1: none. */
static CUresult route(const CUmemLocation *in, CUmemLocation *out, int *dev)
{
    if (in == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    *out = *in;
    *dev = -1;
    if (in->type == CU_MEM_LOCATION_TYPE_DEVICE) {
        if (gvf_dev(in->id) == NULL) {
            return CUDA_ERROR_INVALID_DEVICE;
        }
        *dev = in->id;
        out->id = 0;
    }
    return CUDA_SUCCESS;
}

static CUresult begin_loc(gvf_call_t *c, uint32_t api, int dev, size_t hint)
{
    return dev >= 0 ? gvcu_begin_dev(c, api, dev, hint)
                    : gvcu_begin(c, api, hint);
}

/* A call whose reply is one pool handle. */
static CUresult pool_reply(gvf_call_t *c, CUmemoryPool *pool)
{
    gvc_status_t st = gvf_call_sync(c);

    if (gvcu_ok(c, st) && pool != NULL) {
        void *p = NULL;
        gvc_dec_ptr(&c->dec, &p);
        *pool = p;
        st = gvc_dec_finish(&c->dec);
    }
    return gvcu_end(c, st);
}

GVCU_API CUresult CUDAAPI cuMemPoolCreate(CUmemoryPool *pool,
                                         const CUmemPoolProps *poolProps)
{
    CUmemPoolProps p;
    gvf_call_t c;
    CUresult err;
    int dev;

    if (poolProps == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    p = *poolProps;
    err = route(&poolProps->location, &p.location, &dev);
    if (err == CUDA_SUCCESS) {
        err = begin_loc(&c, GV_API_cuMemPoolCreate, dev, 0);
    }
    if (err != CUDA_SUCCESS) {
        return err;
    }
    gvc_enc_u8(&c.enc, pool != NULL);
    gvc_enc_u8(&c.enc, 1);
    gvc_enc_raw(&c.enc, &p, sizeof(p));
    return pool_reply(&c, pool);
}

static CUresult pool_loc(uint32_t api, CUmemoryPool *pool,
                         CUmemLocation *location, CUmemAllocationType type)
{
    CUmemLocation l;
    gvf_call_t c;
    CUresult err;
    int dev;

    err = route(location, &l, &dev);
    if (err == CUDA_SUCCESS) {
        err = begin_loc(&c, api, dev, 0);
    }
    if (err != CUDA_SUCCESS) {
        return err;
    }
    gvc_enc_u8(&c.enc, pool != NULL);
    gvc_enc_u8(&c.enc, 1);
    gvc_enc_raw(&c.enc, &l, sizeof(l));
    gvc_enc_i32(&c.enc, (int32_t)type);
    return pool_reply(&c, pool);
}

GVCU_API CUresult CUDAAPI cuMemGetDefaultMemPool(CUmemoryPool *pool_out,
                                                CUmemLocation *location,
                                                CUmemAllocationType type)
{
    return pool_loc(GV_API_cuMemGetDefaultMemPool, pool_out, location, type);
}

GVCU_API CUresult CUDAAPI cuMemGetMemPool(CUmemoryPool *pool,
                                         CUmemLocation *location,
                                         CUmemAllocationType type)
{
    return pool_loc(GV_API_cuMemGetMemPool, pool, location, type);
}

GVCU_API CUresult CUDAAPI cuMemSetMemPool(CUmemLocation *location,
                                         CUmemAllocationType type,
                                         CUmemoryPool pool)
{
    CUmemLocation l;
    gvf_call_t c;
    CUresult err;
    int dev;

    err = route(location, &l, &dev);
    if (err == CUDA_SUCCESS) {
        err = begin_loc(&c, GV_API_cuMemSetMemPool, dev, 0);
    }
    if (err != CUDA_SUCCESS) {
        return err;
    }
    gvc_enc_u8(&c.enc, 1);
    gvc_enc_raw(&c.enc, &l, sizeof(l));
    gvc_enc_i32(&c.enc, (int32_t)type);
    gvc_enc_ptr(&c.enc, pool);
    return gvcu_end(&c, gvf_call_sync(&c));
}

GVCU_API CUresult CUDAAPI cuMemPoolSetAccess(CUmemoryPool pool,
                                            const CUmemAccessDesc *map,
                                            size_t count)
{
    CUmemAccessDesc *d;
    gvf_call_t c;
    CUresult err = CUDA_SUCCESS;
    int dev = -1;

    if (map == NULL || count == 0 || count > 1024) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    d = malloc(count * sizeof(*d));
    if (d == NULL) {
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    for (size_t i = 0; i < count && err == CUDA_SUCCESS; i++) {
        int di;
        d[i] = map[i];
        err = route(&map[i].location, &d[i].location, &di);
        if (err == CUDA_SUCCESS && di >= 0 && dev >= 0 && di != dev) {
            err = gvcu_unsupported("cuMemPoolSetAccess for another remote "
                                   "GPU");
        }
        if (di >= 0) {
            dev = di;
        }
    }
    if (err == CUDA_SUCCESS) {
        err = begin_loc(&c, GV_API_cuMemPoolSetAccess, dev,
                        64 + count * sizeof(*d));
    }
    if (err != CUDA_SUCCESS) {
        free(d);
        return err;
    }
    gvc_enc_ptr(&c.enc, pool);
    gvc_enc_array(&c.enc, d, (uint32_t)count, sizeof(*d));
    gvc_enc_u64(&c.enc, count);
    free(d);
    return gvcu_end(&c, gvf_call_sync(&c));
}

GVCU_API CUresult CUDAAPI cuMemPoolGetAccess(CUmemAccess_flags *flags,
                                            CUmemoryPool memPool,
                                            CUmemLocation *location)
{
    CUmemLocation l;
    gvf_call_t c;
    gvc_status_t st;
    CUresult err;
    int dev;

    err = route(location, &l, &dev);
    if (err == CUDA_SUCCESS) {
        err = begin_loc(&c, GV_API_cuMemPoolGetAccess, dev, 0);
    }
    if (err != CUDA_SUCCESS) {
        return err;
    }
    gvc_enc_u8(&c.enc, flags != NULL);
    gvc_enc_ptr(&c.enc, memPool);
    gvc_enc_u8(&c.enc, 1);
    gvc_enc_raw(&c.enc, &l, sizeof(l));
    st = gvf_call_sync(&c);
    if (gvcu_ok(&c, st) && flags != NULL) {
        int32_t v = 0;
        gvc_dec_i32(&c.dec, &v);
        *flags = (CUmemAccess_flags)v;
        st = gvc_dec_finish(&c.dec);
    }
    return gvcu_end(&c, st);
}
