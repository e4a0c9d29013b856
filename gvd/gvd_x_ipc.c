/*
 * gvd_x_ipc.c - memory of another process on this GPU host becomes the
 * client's (gvIpcOpen): cudaIpcOpenMemHandle (a handle another client's
 * worker made with cudaIpcGetMemHandle) and cudaMemPoolImportPointer (a
 * pointer exported from an imported pool).  The mapping is recorded as
 * device memory of this client, so copies and kernels may use it and
 * the matching close or free forgets it.
 */
#include "config.h"

#include "gvd_client.h"
#include "gvd_hand.h"
#include "gvd_rt.h"
#include "gvx.h"

#include <string.h>

enum { IPC_MEM = 1, IPC_POOL_PTR = 2 };

/* Record the allocation that starts at p; undo the mapping if that
 * cannot be done. */
static int64_t record(gvd_call_t *c, uint32_t op, void *p, uint64_t *size)
{
    const gvd_rt_t *rt = gvd_rt(c);
    uint64_t base = 0;
    int64_t r = gvd_drv_address_range(c, (uint64_t)(uintptr_t)p, &base,
                                       size);

    if (r == 0 && base != (uint64_t)(uintptr_t)p) {
        r = cudaErrorInvalidValue;
    }
    if (r == 0 && gvd_mem_add(c->cl, p, *size, op == IPC_MEM
                                                   ? GVD_MEM_DRIVER
                                                   : GVD_MEM_ASYNC) != 0) {
        r = cudaErrorMemoryAllocation;
    }
    if (r != 0) {
        if (op == IPC_MEM) {
            rt->cudaIpcCloseMemHandle(p);
        } else {
            rt->cudaFree(p);
        }
    }
    return r;
}

/* gvIpcOpen: { u32 op, raw cudaIpcMemHandle_t, u32 flags } or
 * { u32 op, pool, raw cudaMemPoolPtrExportData } -> { ptr, u64 size }. */
void gvd_h_ipc_open(gvd_call_t *c)
{
    const gvd_rt_t *rt = gvd_rt(c);
    cudaIpcMemHandle_t handle;
    struct cudaMemPoolPtrExportData exp;
    cudaMemPool_t pool = NULL;
    uint32_t op = 0, flags = 0;
    uint64_t size = 0;
    void *p = NULL;
    int64_t r;

    gvc_dec_u32(&c->dec, &op);
    if (op == IPC_MEM) {
        gvc_dec_raw(&c->dec, &handle, sizeof(handle));
        gvc_dec_u32(&c->dec, &flags);
    } else if (op == IPC_POOL_PTR) {
        gvc_dec_ptr(&c->dec, (void **)&pool);
        gvc_dec_raw(&c->dec, &exp, sizeof(exp));
    } else {
        c->dec.status = GVC_ERR_PROTO;
    }
    if (gvd_args_end(c)) {
        return;
    }
    if (op == IPC_MEM) {
        r = rt->cudaIpcOpenMemHandle == NULL
                ? cudaErrorNotSupported
                : rt->cudaIpcOpenMemHandle(&p, handle, flags);
    } else if (!gvd_handle_ok(c->cl, GVD_H_MEMPOOL, pool)) {
        r = cudaErrorInvalidResourceHandle;
    } else {
        r = rt->cudaMemPoolImportPointer == NULL
                ? cudaErrorNotSupported
                : rt->cudaMemPoolImportPointer(&p, pool, &exp);
    }
    if (r == 0) {
        r = record(c, op, p, &size);
    }
    if (r == 0) {
        gvc_enc_ptr(&c->enc, p);
        gvc_enc_u64(&c->enc, size);
    }
    gvd_reply(c, r);
}
