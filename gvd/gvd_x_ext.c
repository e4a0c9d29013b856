/*
 * gvd_x_ext.c - external memory and semaphores imported from file
 * descriptors the client handed over (gvd_fdpass.c): gvExtImport.  The
 * other external-resource calls are generated (lib/gen/cudart.api).
 */
#include "config.h"

#include "gvd_client.h"
#include "gvd_hand.h"
#include "gvd_rt.h"
#include "gvx.h"

#include <string.h>
#include <unistd.h>

/* Descriptor types that are file descriptors (the only ones a process
 * of another host can hand over). */
static int mem_fd_type(enum cudaExternalMemoryHandleType t)
{
    return t == cudaExternalMemoryHandleTypeOpaqueFd;
}

static int sem_fd_type(enum cudaExternalSemaphoreHandleType t)
{
    return t == cudaExternalSemaphoreHandleTypeOpaqueFd ||
           t == cudaExternalSemaphoreHandleTypeTimelineSemaphoreFd;
}

/* CUDA owns fd once an import succeeded; else it is closed here. */
static int64_t import_mem(gvd_call_t *c, struct cudaExternalMemoryHandleDesc *d,
                          int fd)
{
    const gvd_rt_t *rt = gvd_rt(c);
    cudaExternalMemory_t m = NULL;
    int64_t r;

    d->handle.fd = fd;
    r = rt->cudaImportExternalMemory(&m, d);
    if (r != 0) {
        close(fd);
        return r;
    }
    if (gvd_handle_add(c->cl, GVD_H_EXTMEM, m) != 0) {
        rt->cudaDestroyExternalMemory(m);
        return gvd_err_no_memory(c);
    }
    gvc_enc_ptr(&c->enc, m);
    return 0;
}

static int64_t import_sem(gvd_call_t *c,
                          struct cudaExternalSemaphoreHandleDesc *d, int fd)
{
    const gvd_rt_t *rt = gvd_rt(c);
    cudaExternalSemaphore_t s = NULL;
    int64_t r;

    d->handle.fd = fd;
    r = rt->cudaImportExternalSemaphore(&s, d);
    if (r != 0) {
        close(fd);
        return r;
    }
    if (gvd_handle_add(c->cl, GVD_H_EXTSEM, s) != 0) {
        rt->cudaDestroyExternalSemaphore(s);
        return gvd_err_no_memory(c);
    }
    gvc_enc_ptr(&c->enc, s);
    return 0;
}

/* gvExtImport { u32 what, raw descriptor, u64 tag } -> { handle } */
void gvd_h_ext_import(gvd_call_t *c)
{
    const gvd_rt_t *rt = gvd_rt(c);
    struct cudaExternalMemoryHandleDesc md;
    struct cudaExternalSemaphoreHandleDesc sd;
    uint32_t what = 0;
    uint64_t tag = 0;
    int fd;

    memset(&md, 0, sizeof(md));
    memset(&sd, 0, sizeof(sd));
    gvc_dec_u32(&c->dec, &what);
    if (what == GVX_EXT_MEM) {
        gvc_dec_raw(&c->dec, &md, sizeof(md));
    } else if (what == GVX_EXT_SEM) {
        gvc_dec_raw(&c->dec, &sd, sizeof(sd));
    } else {
        c->dec.status = GVC_ERR_PROTO;
    }
    gvc_dec_u64(&c->dec, &tag);
    if (gvd_args_end(c)) {
        return;
    }
    if (what == GVX_EXT_MEM ? rt->cudaImportExternalMemory == NULL
                            : rt->cudaImportExternalSemaphore == NULL) {
        gvd_reply(c, gvd_err_not_supported(c));
        return;
    }
    /* Only descriptors: anything else would be a pointer of the client
     * (a name, an NvSci object) that the driver would read here. */
    if (what == GVX_EXT_MEM ? !mem_fd_type(md.type) : !sem_fd_type(sd.type)) {
        gvd_reply(c, gvd_err_not_supported(c));
        return;
    }
    fd = gvd_fd_take(tag);
    if (fd < 0) {
        gvd_reply(c, gvd_err_invalid_value(c));
        return;
    }
    gvd_reply(c, what == GVX_EXT_MEM ? import_mem(c, &md, fd)
                                     : import_sem(c, &sd, fd));
}
