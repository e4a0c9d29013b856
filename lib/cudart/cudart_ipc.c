/*
 * cudart_ipc.c - IPC between processes whose GPUs are on one host: the
 * handles are the GPU host's, made by one client's worker and opened by
 * another's there (MPI ranks on CPU nodes sharing a GPU node, say).
 * Opened and imported memory becomes device memory of this process
 * (the allocation map), as cudaMalloc's.  Pool handles travel only as
 * fabric handles: a file descriptor is the GPU host's.
 */
#include "config.h"

#include "gvrt.h"
#include "gvrt_dev.h"
#include "gv_api_cudart.h"

#include <string.h>

enum { IPC_MEM = 1, IPC_POOL_PTR = 2 }; /* gvIpcOpen's operations */

/* gvIpcOpen's reply: the pointer and its allocation's size. */
static cudaError_t open_reply(gvf_call_t *c, void **out)
{
    gvc_status_t st = gvf_call_sync(c);

    if (gvrt_ok(c, st)) {
        void *p = NULL;
        uint64_t size = 0;
        gvc_dec_ptr(&c->dec, &p);
        gvc_dec_u64(&c->dec, &size);
        st = gvc_dec_finish(&c->dec);
        if (st == GVC_OK) {
            gvrt_alloc_add(c->dev, p, size);
            *out = p;
        }
    }
    return gvrt_end(c, st);
}

GVRT_API cudaError_t CUDARTAPI cudaIpcOpenMemHandle(void **devPtr,
                                                    cudaIpcMemHandle_t handle,
                                                    unsigned int flags)
{
    gvf_call_t c;
    cudaError_t err;

    if (devPtr == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = gvrt_begin(&c, GV_API_gvIpcOpen, 0);
    if (err != cudaSuccess) {
        return err;
    }
    gvc_enc_u32(&c.enc, IPC_MEM);
    gvc_enc_raw(&c.enc, &handle, sizeof(handle));
    gvc_enc_u32(&c.enc, flags);
    return open_reply(&c, devPtr);
}

/* Encoded as the generated handler decodes: { ptr }. */
GVRT_API cudaError_t CUDARTAPI cudaIpcCloseMemHandle(void *devPtr)
{
    int owner = gvrt_alloc_owner(devPtr, 0);
    gvf_dev_t *dev;
    gvf_call_t c;
    cudaError_t err = owner >= 0
                          ? gvrt_begin_dev(&c, GV_API_cudaIpcCloseMemHandle,
                                           owner, 0)
                          : gvrt_begin(&c, GV_API_cudaIpcCloseMemHandle, 0);

    if (err != cudaSuccess) {
        return err;
    }
    dev = c.dev;
    gvc_enc_ptr(&c.enc, devPtr);
    err = gvrt_end(&c, gvf_call_sync(&c));
    if (err == cudaSuccess && devPtr != NULL) {
        gvrt_alloc_del(dev, devPtr);
    }
    return err;
}

GVRT_API cudaError_t CUDARTAPI cudaMemPoolImportPointer(
    void **ptr, cudaMemPool_t memPool,
    struct cudaMemPoolPtrExportData *exportData)
{
    gvf_call_t c;
    cudaError_t err;

    if (ptr == NULL || exportData == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = gvrt_begin(&c, GV_API_gvIpcOpen, 0);
    if (err != cudaSuccess) {
        return err;
    }
    gvc_enc_u32(&c.enc, IPC_POOL_PTR);
    gvc_enc_ptr(&c.enc, memPool);
    gvc_enc_raw(&c.enc, exportData, sizeof(*exportData));
    return open_reply(&c, ptr);
}

/* A file descriptor (or Win32 handle) would be the GPU host's. */
static cudaError_t fabric_only(enum cudaMemAllocationHandleType t,
                               const char *fn)
{
    if (t == cudaMemHandleTypeFabric) {
        return cudaSuccess;
    }
    if (t == cudaMemHandleTypeNone) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    return gvrt_unsupported(fn);
}

/* { u8 present, pool, i32 type, u32 flags } -> array of the handle. */
GVRT_API cudaError_t CUDARTAPI cudaMemPoolExportToShareableHandle(
    void *shareableHandle, cudaMemPool_t memPool,
    enum cudaMemAllocationHandleType handleType, unsigned int flags)
{
    gvf_call_t c;
    gvc_status_t st;
    cudaError_t err = fabric_only(handleType,
                                  "cudaMemPoolExportToShareableHandle "
                                  "(only fabric handles leave the GPU host)");

    if (err != cudaSuccess) {
        return err;
    }
    if (shareableHandle == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = gvrt_begin(&c, GV_API_cudaMemPoolExportToShareableHandle, 0);
    if (err != cudaSuccess) {
        return err;
    }
    gvc_enc_u8(&c.enc, 1);
    gvc_enc_ptr(&c.enc, memPool);
    gvc_enc_i32(&c.enc, (int32_t)handleType);
    gvc_enc_u32(&c.enc, flags);
    st = gvf_call_sync(&c);
    if (gvrt_ok(&c, st)) {
        const void *v = NULL;
        uint32_t n = 0;
        gvc_dec_array(&c.dec, &v, &n, 1, sizeof(cudaMemFabricHandle_t));
        st = gvc_dec_finish(&c.dec);
        if (st == GVC_OK && (v == NULL || n != sizeof(cudaMemFabricHandle_t))) {
            st = GVC_ERR_PROTO;
        }
        if (st == GVC_OK) {
            memcpy(shareableHandle, v, n);
        }
    }
    return gvrt_end(&c, st);
}

/* { u8 present, array of the handle, i32 type, u32 flags } -> pool. */
GVRT_API cudaError_t CUDARTAPI cudaMemPoolImportFromShareableHandle(
    cudaMemPool_t *memPool, void *shareableHandle,
    enum cudaMemAllocationHandleType handleType, unsigned int flags)
{
    gvf_call_t c;
    gvc_status_t st;
    cudaError_t err = fabric_only(handleType,
                                  "cudaMemPoolImportFromShareableHandle "
                                  "(only fabric handles reach the GPU host)");

    if (err != cudaSuccess) {
        return err;
    }
    if (memPool == NULL || shareableHandle == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = gvrt_begin(&c, GV_API_cudaMemPoolImportFromShareableHandle, 128);
    if (err != cudaSuccess) {
        return err;
    }
    gvc_enc_u8(&c.enc, 1);
    gvc_enc_array(&c.enc, shareableHandle, sizeof(cudaMemFabricHandle_t), 1);
    gvc_enc_i32(&c.enc, (int32_t)handleType);
    gvc_enc_u32(&c.enc, flags);
    st = gvf_call_sync(&c);
    if (gvrt_ok(&c, st)) {
        void *p = NULL;
        gvc_dec_ptr(&c.dec, &p);
        st = gvc_dec_finish(&c.dec);
        if (st == GVC_OK) {
            *memPool = p;
        }
    }
    return gvrt_end(&c, st);
}
