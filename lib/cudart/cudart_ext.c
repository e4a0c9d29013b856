/*
 * cudart_ext.c - external memory and semaphores: imports from file
 * descriptors, and the buffers mapped from external memory.
 *
 * CUDA imports a file descriptor (memory or a semaphore another API,
 * Vulkan say, exported).  The descriptor is handed to the worker of the
 * current device (lib/gvf_fdpass.c), which must run on this host: from
 * another one the import is not supported.  As with CUDA, the descriptor
 * belongs to CUDA once the import succeeded: it is closed here then (the
 * worker's copy is the one CUDA keeps).  Mapped buffers are device memory
 * of this process (the allocation map), freed with cudaFree.  Signals,
 * waits and destruction are generated (lib/gen/cudart.api).
 */
#include "config.h"

#include "gvrt.h"
#include "gvrt_dev.h"
#include "gv_api_cudart.h"
#include "gvx.h"

#include <string.h>
#include <unistd.h>

/* Hand fd to the current device's worker and import it there: what is
 * GVX_EXT_MEM or _SEM, desc its raw descriptor (size bytes, the fd
 * already -1 in it). */
static cudaError_t import(uint32_t what, const void *desc, size_t size,
                          int fd, void **out)
{
    gvc_status_t st = gvf_init();
    gvf_call_t c;
    uint64_t tag = 0;
    cudaError_t err;

    if (st != GVC_OK) {
        return gvrt_fail(gvrt_status_to_error(st));
    }
    if (fd < 0) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    if (gvf_current_dev() == NULL) {
        return gvrt_fail(cudaErrorInvalidDevice);
    }
    st = gvf_fd_send(gvf_current_dev(), fd, &tag);
    if (st == GVC_ERR_NOT_SUPPORTED) {
        return gvrt_fail(cudaErrorNotSupported); /* logged once there */
    }
    if (st != GVC_OK) {
        return gvrt_fail(cudaErrorInvalidValue); /* not a descriptor */
    }
    err = gvrt_begin(&c, GV_API_gvExtImport, size + 64);
    if (err != cudaSuccess) {
        return err;
    }
    gvc_enc_u32(&c.enc, what);
    gvc_enc_raw(&c.enc, desc, size);
    gvc_enc_u64(&c.enc, tag);
    st = gvf_call_sync(&c);
    if (gvrt_ok(&c, st)) {
        void *h = NULL;
        gvc_dec_ptr(&c.dec, &h);
        st = gvc_dec_finish(&c.dec);
        if (st == GVC_OK) {
            *out = h;
            close(fd); /* CUDA's now: the worker keeps its own */
        }
    }
    return gvrt_end(&c, st);
}

GVRT_API cudaError_t CUDARTAPI cudaImportExternalMemory(
    cudaExternalMemory_t *extMem_out,
    const struct cudaExternalMemoryHandleDesc *memHandleDesc)
{
    struct cudaExternalMemoryHandleDesc d;

    if (extMem_out == NULL || memHandleDesc == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    if (memHandleDesc->type != cudaExternalMemoryHandleTypeOpaqueFd) {
        return gvrt_unsupported("cudaImportExternalMemory of Win32, D3D "
                                "and NvSciBuf handles");
    }
    d = *memHandleDesc;
    d.handle.fd = -1;
    return import(GVX_EXT_MEM, &d, sizeof(d), memHandleDesc->handle.fd,
                  (void **)extMem_out);
}

GVRT_API cudaError_t CUDARTAPI cudaImportExternalSemaphore(
    cudaExternalSemaphore_t *extSem_out,
    const struct cudaExternalSemaphoreHandleDesc *semHandleDesc)
{
    struct cudaExternalSemaphoreHandleDesc d;

    if (extSem_out == NULL || semHandleDesc == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    if (semHandleDesc->type != cudaExternalSemaphoreHandleTypeOpaqueFd &&
        semHandleDesc->type !=
            cudaExternalSemaphoreHandleTypeTimelineSemaphoreFd) {
        return gvrt_unsupported("cudaImportExternalSemaphore of Win32, D3D, "
                                "keyed mutex and NvSciSync handles");
    }
    d = *semHandleDesc;
    d.handle.fd = -1;
    return import(GVX_EXT_SEM, &d, sizeof(d), semHandleDesc->handle.fd,
                  (void **)extSem_out);
}

/* Encoded as the generated handler decodes: { u8 devPtr present,
 * extMem, u8 desc present, raw desc } -> { devPtr }. */
GVRT_API cudaError_t CUDARTAPI cudaExternalMemoryGetMappedBuffer(
    void **devPtr, cudaExternalMemory_t extMem,
    const struct cudaExternalMemoryBufferDesc *bufferDesc)
{
    gvf_call_t c;
    gvc_status_t st;
    cudaError_t err;

    if (devPtr == NULL || bufferDesc == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = gvrt_begin(&c, GV_API_cudaExternalMemoryGetMappedBuffer,
                     sizeof(*bufferDesc) + 64);
    if (err != cudaSuccess) {
        return err;
    }
    gvc_enc_u8(&c.enc, 1);
    gvc_enc_ptr(&c.enc, extMem);
    gvc_enc_u8(&c.enc, 1);
    gvc_enc_raw(&c.enc, bufferDesc, sizeof(*bufferDesc));
    st = gvf_call_sync(&c);
    if (gvrt_ok(&c, st)) {
        void *p = NULL;
        gvc_dec_ptr(&c.dec, &p);
        st = gvc_dec_finish(&c.dec);
        if (st == GVC_OK) {
            *devPtr = p;
            gvrt_alloc_add(c.dev, p, bufferDesc->size);
        }
    }
    return gvrt_end(&c, st);
}
