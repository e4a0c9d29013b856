/*
 * gvd_x_cuda.c - the driver API on the worker: the table of the real
 * libcuda.so.1, contexts, module and library images, function layouts,
 * globals, pool allocations, virtual memory and pointer attributes.
 *
 * Contexts.  The worker starts in its GPU's primary context (the runtime
 * made it current).  A client thread using another context sends
 * gvCuCtxSwitch before its calls; the switch makes that context current
 * on the worker's thread and moves the staging buffers' events into it
 * (an event can only be recorded on a stream of its own context; the
 * pinned buffers are portable and stay).  Created contexts are real
 * contexts of the worker, validated per client like every handle.
 *
 * One client per worker process: the state below is the client's.
 */
#include "config.h"

#define __CUDA_API_VERSION_INTERNAL 1

#include "gvd_client.h"
#include "gvd_cuda.h"
#include "gvd_hand.h"
#include "gv_api_cuda.h"
#include "gvx.h"
#include "gvc_log.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

static gvd_cuda_t table;        /* resolved once; all NULL without a driver */
static int table_ready;

static struct {
    CUcontext primary;          /* retained once, for the client's life */
    gvc_rangeset_t reserved;    /* cuMemAddressReserve ranges */
    int reserved_init;
} S;

/* ---- the table ------------------------------------------------------------ */

static const struct {
    const char *name;
    size_t off;
} drv_syms[] = {
#define GVD_DRV_FN(ret, name, params) { #name, offsetof(gvd_cuda_t, name) },
#include "gvd_drv_list.h"
#undef GVD_DRV_FN
};

/* The real driver, or the simulator's driver functions (if it has any).
 * Never gvirtus's own libcuda.so.1 (a misconfigured library path). */
static void table_open(const gvd_backend_t *be)
{
    void *lib = be->sim ? be->lib : dlopen("libcuda.so.1",
                                           RTLD_NOW | RTLD_LOCAL);
    size_t found = 0;

    table_ready = 1;
    if (lib == NULL) {
        gvc_warn("libcuda.so.1 not found (%s): driver API calls answer "
                 "not supported", dlerror());
        return;
    }
    if (!be->sim && dlsym(lib, "gvf_init") != NULL) {
        gvc_error("libcuda.so.1 is gvirtus's own frontend, not NVIDIA's "
                  "driver: fix the worker's library path");
        return;
    }
    for (size_t i = 0; i < sizeof(drv_syms) / sizeof(drv_syms[0]); i++) {
        void *fn = dlsym(lib, drv_syms[i].name);
        found += fn != NULL;
        memcpy((char *)&table + drv_syms[i].off, &fn, sizeof(fn));
    }
    gvc_debug("driver API: %zu of %zu functions", found,
              sizeof(drv_syms) / sizeof(drv_syms[0]));
}

const gvd_cuda_t *gvd_cuda(const gvd_call_t *c)
{
    if (!table_ready) {
        table_open(c->cl->be);
    }
    return &table;
}

/* ---- contexts ----------------------------------------------------------------- */

static void events_drop(gvd_client_t *cl, gvd_pool_t *p)
{
    const gvd_rt_t *rt = &cl->be->rt;

    for (int i = 0; p->s != NULL && i < p->n; i++) {
        gvd_slot_t *s = &p->s[i];
        if (s->ev == NULL) {
            continue;
        }
        if (s->busy) {
            rt->cudaEventSynchronize(s->ev);
        }
        rt->cudaEventDestroy(s->ev);
        s->ev = NULL;
        s->busy = 0;
    }
}

static void events_make(gvd_client_t *cl, gvd_pool_t *p)
{
    const gvd_rt_t *rt = &cl->be->rt;

    for (int i = 0; p->s != NULL && i < p->n; i++) {
        gvd_slot_t *s = &p->s[i];
        if (rt->cudaEventCreateWithFlags(&s->ev, cudaEventDisableTiming) !=
            cudaSuccess) {
            s->ev = NULL; /* copies through this slot synchronise */
        }
    }
}

/* Make ctx current on the worker's thread, with the staging events. */
static CUresult ctx_enter(gvd_client_t *cl, const gvd_cuda_t *d,
                          CUcontext ctx)
{
    CUcontext cur = NULL;
    CUresult r;

    if (d->cuCtxGetCurrent(&cur) == CUDA_SUCCESS && cur == ctx) {
        return CUDA_SUCCESS;
    }
    events_drop(cl, &cl->rx);
    events_drop(cl, &cl->tx);
    r = d->cuCtxSetCurrent(ctx);
    events_make(cl, &cl->rx);
    events_make(cl, &cl->tx);
    return r;
}

static CUresult primary(gvd_client_t *cl, const gvd_cuda_t *d,
                        CUcontext *ctx_p)
{
    CUresult r;

    if (S.primary == NULL) {
        if (d->cuDevicePrimaryCtxRetain == NULL) {
            return CUDA_ERROR_NOT_SUPPORTED;
        }
        r = d->cuDevicePrimaryCtxRetain(&S.primary, 0);
        if (r != CUDA_SUCCESS) {
            S.primary = NULL;
            return r;
        }
    }
    /* (Again after a device reset emptied the tables.) */
    if (!gvd_handle_ok(cl, GVD_H_CONTEXT, S.primary) &&
        gvd_handle_add(cl, GVD_H_CONTEXT, S.primary) != 0) {
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    *ctx_p = S.primary;
    return CUDA_SUCCESS;
}

/* gvCuPrimary: {} -> { u64 ctx }: the primary context's handle. */
static void h_primary(gvd_call_t *c)
{
    CUcontext ctx = NULL;
    CUresult r;

    if (gvd_args_end(c)) {
        return;
    }
    r = primary(c->cl, gvd_cuda(c), &ctx);
    gvc_enc_u64(&c->enc, (uint64_t)(uintptr_t)ctx);
    gvd_reply(c, r);
}

/* gvCuCtxSwitch (one-way): { u64 ctx }, 0 for the primary context. */
static void h_ctx_switch(gvd_call_t *c)
{
    const gvd_cuda_t *d = gvd_cuda(c);
    CUcontext ctx;
    uint64_t h;
    CUresult r;

    gvc_dec_u64(&c->dec, &h);
    if (gvd_args_end(c)) {
        return;
    }
    if (d->cuCtxSetCurrent == NULL) {
        gvd_reply(c, CUDA_ERROR_NOT_SUPPORTED);
        return;
    }
    ctx = (CUcontext)(uintptr_t)h;
    r = h == 0 ? primary(c->cl, d, &ctx) : CUDA_SUCCESS;
    if (r == CUDA_SUCCESS && !gvd_handle_ok(c->cl, GVD_H_CONTEXT, ctx)) {
        r = CUDA_ERROR_INVALID_CONTEXT;
    }
    if (r == CUDA_SUCCESS) {
        r = ctx_enter(c->cl, d, ctx);
    }
    gvd_reply(c, r);
}

/* gvCuCtxCreate: { u32 flags } -> { u64 ctx }; the new context is
 * current, as cuCtxCreate makes it. */
static void h_ctx_create(gvd_call_t *c)
{
    const gvd_cuda_t *d = gvd_cuda(c);
    CUcontext ctx = NULL;
    uint32_t flags;
    CUresult r;

    gvc_dec_u32(&c->dec, &flags);
    if (gvd_args_end(c)) {
        return;
    }
    if (d->cuCtxCreate_v4 == NULL) {
        gvd_reply(c, CUDA_ERROR_NOT_SUPPORTED);
        return;
    }
    events_drop(c->cl, &c->cl->rx);
    events_drop(c->cl, &c->cl->tx);
    r = d->cuCtxCreate_v4(&ctx, NULL, flags, 0);
    events_make(c->cl, &c->cl->rx);
    events_make(c->cl, &c->cl->tx);
    if (r == CUDA_SUCCESS && gvd_handle_add(c->cl, GVD_H_CONTEXT, ctx) != 0) {
        r = CUDA_ERROR_OUT_OF_MEMORY;
    }
    gvc_enc_u64(&c->enc, (uint64_t)(uintptr_t)ctx);
    gvd_reply(c, r);
}

/* gvCuCtxDestroy: { u64 ctx }.  The worker goes back to the primary
 * context when the destroyed one was current. */
static void h_ctx_destroy(gvd_call_t *c)
{
    const gvd_cuda_t *d = gvd_cuda(c);
    CUcontext ctx, cur = NULL, prim;
    uint64_t h;
    CUresult r;
    int was_current;

    gvc_dec_u64(&c->dec, &h);
    if (gvd_args_end(c)) {
        return;
    }
    ctx = (CUcontext)(uintptr_t)h;
    if (d->cuCtxDestroy_v2 == NULL) {
        gvd_reply(c, CUDA_ERROR_NOT_SUPPORTED);
        return;
    }
    if (!gvd_handle_ok(c->cl, GVD_H_CONTEXT, ctx) || ctx == S.primary) {
        gvd_reply(c, CUDA_ERROR_INVALID_CONTEXT);
        return;
    }
    was_current = d->cuCtxGetCurrent(&cur) == CUDA_SUCCESS && cur == ctx;
    if (was_current) {
        events_drop(c->cl, &c->cl->rx);
        events_drop(c->cl, &c->cl->tx);
    }
    r = d->cuCtxDestroy_v2(ctx);
    if (r == CUDA_SUCCESS) {
        gvd_handle_del(c->cl, GVD_H_CONTEXT, ctx);
    }
    if (was_current) {
        if (primary(c->cl, d, &prim) == CUDA_SUCCESS) {
            d->cuCtxSetCurrent(prim);
        }
        events_make(c->cl, &c->cl->rx);
        events_make(c->cl, &c->cl->tx);
    }
    gvd_reply(c, r);
}

/* ---- modules and libraries ---------------------------------------------------- */

#define MAX_JIT_OPTS 32

/* gvCuModuleLoad: { u32 what (0 module, 1 library), u32 n,
 * n x { i32 option, u64 value } } + image bytes -> { u64 handle }.
 * Only options whose value is a number travel (the client keeps the
 * ones that name its own buffers). */
static void h_module_load(gvd_call_t *c)
{
    const gvd_cuda_t *d = gvd_cuda(c);
    CUjit_option opt[MAX_JIT_OPTS];
    void *val[MAX_JIT_OPTS];
    uint64_t h = 0;
    uint32_t what, n;
    char *image = NULL;
    size_t len = c->msg->hdr.data_len;
    CUresult r;

    gvc_dec_u32(&c->dec, &what);
    gvc_dec_u32(&c->dec, &n);
    for (uint32_t i = 0; i < n && i < MAX_JIT_OPTS; i++) {
        int32_t o = 0;
        uint64_t v = 0;
        gvc_dec_i32(&c->dec, &o);
        gvc_dec_u64(&c->dec, &v);
        opt[i] = (CUjit_option)o;
        val[i] = (void *)(uintptr_t)v;
    }
    if (n > MAX_JIT_OPTS || what > 1) {
        c->dec.status = GVC_ERR_PROTO;
    }
    if (gvd_args_end(c)) {
        return;
    }
    if ((what == 0 && d->cuModuleLoadDataEx == NULL) ||
        (what == 1 && d->cuLibraryLoadData == NULL)) {
        gvd_reply(c, CUDA_ERROR_NOT_SUPPORTED);
        return;
    }
    /* An aligned, NUL-terminated copy (PTX is text; cubins want 8-byte
     * alignment, which the transport's buffer need not have). */
    image = malloc(len + 16);
    if (image == NULL || len == 0) {
        free(image);
        gvd_reply(c, len == 0 ? CUDA_ERROR_INVALID_IMAGE
                              : CUDA_ERROR_OUT_OF_MEMORY);
        return;
    }
    memcpy(image, c->msg->data, len);
    memset(image + len, 0, 16);
    if (what == 0) {
        CUmodule m = NULL;
        r = d->cuModuleLoadDataEx(&m, image, n, n ? opt : NULL,
                                  n ? val : NULL);
        h = (uint64_t)(uintptr_t)m;
        if (r == CUDA_SUCCESS && gvd_handle_add(c->cl, GVD_H_MODULE, m)) {
            r = CUDA_ERROR_OUT_OF_MEMORY;
        }
    } else {
        CUlibrary l = NULL;
        r = d->cuLibraryLoadData(&l, image, n ? opt : NULL, n ? val : NULL,
                                 n, NULL, NULL, 0);
        h = (uint64_t)(uintptr_t)l;
        if (r == CUDA_SUCCESS && gvd_handle_add(c->cl, GVD_H_LIBRARY, l)) {
            r = CUDA_ERROR_OUT_OF_MEMORY;
        }
    }
    free(image);
    gvc_enc_u64(&c->enc, h);
    gvd_reply(c, r);
}

/* gvCuFuncInfo: { u64 function or kernel } -> str name,
 * gvx_kernel_info_t.  A kernel (context-independent) becomes the function of the
 * current context, which is what launches take. */
static void h_func_info(gvd_call_t *c)
{
    const gvd_cuda_t *d = gvd_cuda(c);
    gvx_kernel_info_t *info;
    const char *name = NULL;
    CUfunction f;
    uint64_t h;
    CUresult r = CUDA_SUCCESS;

    gvc_dec_u64(&c->dec, &h);
    if (gvd_args_end(c)) {
        return;
    }
    if (d->cuFuncGetParamInfo == NULL || d->cuFuncGetAttribute == NULL) {
        gvd_reply(c, CUDA_ERROR_NOT_SUPPORTED);
        return;
    }
    f = (CUfunction)(uintptr_t)h;
    if (gvd_handle_ok(c->cl, GVD_H_KERNEL, (void *)(uintptr_t)h)) {
        r = d->cuKernelGetFunction != NULL
                ? d->cuKernelGetFunction(&f, (CUkernel)(uintptr_t)h)
                : CUDA_ERROR_NOT_SUPPORTED;
        if (r == CUDA_SUCCESS && gvd_handle_add(c->cl, GVD_H_FUNCTION, f)) {
            r = CUDA_ERROR_OUT_OF_MEMORY;
        }
    } else if (!gvd_handle_ok(c->cl, GVD_H_FUNCTION, f)) {
        r = CUDA_ERROR_INVALID_HANDLE;
    }
    info = calloc(1, sizeof(*info));
    if (r == CUDA_SUCCESS &&
        (info == NULL || gvd_reply_room(c, 2 * 4 * GVX_MAX_PARAMS + 1280))) {
        r = CUDA_ERROR_OUT_OF_MEMORY;
    }
    if (r != CUDA_SUCCESS) {
        free(info);
        gvd_reply(c, r);
        return;
    }
    info->func = (uint64_t)(uintptr_t)f;
    while (info->n_params < GVX_MAX_PARAMS) {
        size_t off, size;
        if (d->cuFuncGetParamInfo(f, info->n_params, &off, &size) !=
            CUDA_SUCCESS) {
            break;
        }
        info->off[info->n_params] = (uint32_t)off;
        info->size[info->n_params] = (uint32_t)size;
        info->n_params++;
    }
    for (int i = 0; i < 16; i++) {
        int v = 0;
        if (d->cuFuncGetAttribute(&v, (CUfunction_attribute)i, f) !=
            CUDA_SUCCESS) {
            v = 0;
        }
        info->attr[i] = v;
    }
    if (d->cuFuncGetName == NULL || d->cuFuncGetName(&name, f) !=
                                        CUDA_SUCCESS) {
        name = NULL;
    }
    gvc_enc_str(&c->enc, name != NULL && strlen(name) < 1024 ? name : "");
    gvx_kernel_info_pack(&c->enc, info);
    free(info);
    gvd_reply(c, CUDA_SUCCESS);
}

/* gvCuGlobal: { u32 what (0 module, 1 library), u64 handle, str name }
 * -> { u64 dptr, u64 size }.  The variable becomes memory the client
 * may copy to and from. */
static void h_global(gvd_call_t *c)
{
    const gvd_cuda_t *d = gvd_cuda(c);
    const char *name = NULL;
    CUdeviceptr p = 0;
    size_t size = 0;
    uint32_t what;
    uint64_t h;
    CUresult r;

    gvc_dec_u32(&c->dec, &what);
    gvc_dec_u64(&c->dec, &h);
    gvc_dec_str(&c->dec, &name, 4096);
    if (name == NULL || what > 1) {
        c->dec.status = GVC_ERR_PROTO;
    }
    if (gvd_args_end(c)) {
        return;
    }
    if (what == 0) {
        r = !gvd_handle_ok(c->cl, GVD_H_MODULE, (void *)(uintptr_t)h)
                ? CUDA_ERROR_INVALID_HANDLE
            : d->cuModuleGetGlobal_v2 == NULL
                ? CUDA_ERROR_NOT_SUPPORTED
                : d->cuModuleGetGlobal_v2(&p, &size,
                                          (CUmodule)(uintptr_t)h, name);
    } else {
        r = !gvd_handle_ok(c->cl, GVD_H_LIBRARY, (void *)(uintptr_t)h)
                ? CUDA_ERROR_INVALID_HANDLE
            : d->cuLibraryGetGlobal == NULL
                ? CUDA_ERROR_NOT_SUPPORTED
                : d->cuLibraryGetGlobal(&p, &size,
                                        (CUlibrary)(uintptr_t)h, name);
    }
    if (r == CUDA_SUCCESS && !gvd_mem_ok(c->cl, (void *)(uintptr_t)p, size)) {
        gvd_mem_add(c->cl, (void *)(uintptr_t)p, size, GVD_MEM_SYMBOL);
    }
    gvc_enc_u64(&c->enc, p);
    gvc_enc_u64(&c->enc, size);
    gvd_reply(c, r);
}

/* ---- memory ---------------------------------------------------------------------- */

static int quota_ok(gvd_client_t *cl, size_t more)
{
    size_t limit = cl->cfg->memory_limit;

    if (limit == 0 ||
        (cl->mem.total <= limit && more <= limit - cl->mem.total)) {
        return 1;
    }
    gvc_warn("allocation of %zu bytes refused: client holds %zu of its "
             "%zu-byte limit (gvd.memory_limit)", more, cl->mem.total, limit);
    return 0;
}

/* gvCuMemAlloc: { u64 size, u64 pool, u64 stream } -> { u64 dptr }:
 * cuMemAllocFromPoolAsync. */
static void h_mem_alloc(gvd_call_t *c)
{
    const gvd_cuda_t *d = gvd_cuda(c);
    uint64_t size, pool, s;
    CUdeviceptr p = 0;
    CUresult r;

    gvc_dec_u64(&c->dec, &size);
    gvc_dec_u64(&c->dec, &pool);
    gvc_dec_u64(&c->dec, &s);
    if (gvd_args_end(c)) {
        return;
    }
    if (d->cuMemAllocFromPoolAsync == NULL) {
        r = CUDA_ERROR_NOT_SUPPORTED;
    } else if (!gvd_handle_ok(c->cl, GVD_H_MEMPOOL, (void *)(uintptr_t)pool)
               || !gvd_handle_ok(c->cl, GVD_H_STREAM, (void *)(uintptr_t)s)) {
        r = CUDA_ERROR_INVALID_HANDLE;
    } else if (!quota_ok(c->cl, size)) {
        r = CUDA_ERROR_OUT_OF_MEMORY;
    } else {
        r = d->cuMemAllocFromPoolAsync(&p, size, (CUmemoryPool)(uintptr_t)pool,
                                       (CUstream)(uintptr_t)s);
    }
    if (r == CUDA_SUCCESS && p != 0 &&
        gvd_mem_add(c->cl, (void *)(uintptr_t)p, size, GVD_MEM_ASYNC) != 0) {
        d->cuMemFreeAsync(p, (CUstream)(uintptr_t)s);
        r = CUDA_ERROR_OUT_OF_MEMORY;
    }
    gvc_enc_u64(&c->enc, p);
    gvd_reply(c, r);
}

enum { VMM_RESERVE, VMM_FREE, VMM_MAP, VMM_UNMAP, VMM_RETAIN, VMM_RELEASE };

/* Allocation handles: cuMemRetainAllocationHandle gives the value of an
 * existing one again, and each retain needs its own release; the handle
 * leaves the client's table with its last release. */
typedef struct retained {
    struct retained *next;
    uint64_t h;
    unsigned extra;          /* retains not yet released */
} retained_t;

static retained_t *retains;

static retained_t *retained_find(uint64_t h)
{
    for (retained_t *r = retains; r != NULL; r = r->next) {
        if (r->h == h) {
            return r;
        }
    }
    return NULL;
}

static CUresult mem_retain(gvd_client_t *cl, const gvd_cuda_t *d,
                           CUdeviceptr ptr, CUdeviceptr *h_p)
{
    CUmemGenericAllocationHandle h = 0;
    retained_t *r;
    CUresult res;

    if (!gvd_mem_ok(cl, (void *)(uintptr_t)ptr, 0)) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    res = d->cuMemRetainAllocationHandle(&h, (void *)(uintptr_t)ptr);
    if (res != CUDA_SUCCESS) {
        return res;
    }
    if (!gvd_handle_ok(cl, GVD_H_MEMHANDLE, (void *)(uintptr_t)h)) {
        res = gvd_handle_add(cl, GVD_H_MEMHANDLE, (void *)(uintptr_t)h)
                  ? CUDA_ERROR_OUT_OF_MEMORY : CUDA_SUCCESS;
    } else if ((r = retained_find(h)) != NULL) {
        r->extra++;
    } else if ((r = calloc(1, sizeof(*r))) != NULL) {
        r->h = h;
        r->extra = 1;
        r->next = retains;
        retains = r;
    } else {
        res = CUDA_ERROR_OUT_OF_MEMORY;
    }
    if (res != CUDA_SUCCESS) {
        d->cuMemRelease(h);
        return res;
    }
    *h_p = h;
    return CUDA_SUCCESS;
}

static CUresult mem_release(gvd_client_t *cl, const gvd_cuda_t *d,
                            uint64_t h)
{
    retained_t *r = retained_find(h);
    CUresult res;

    if (!gvd_handle_ok(cl, GVD_H_MEMHANDLE, (void *)(uintptr_t)h)) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    res = d->cuMemRelease(h);
    if (res != CUDA_SUCCESS) {
        return res;
    }
    if (r != NULL && r->extra > 0) {
        r->extra--;
    } else {
        gvd_handle_del(cl, GVD_H_MEMHANDLE, (void *)(uintptr_t)h);
    }
    return CUDA_SUCCESS;
}

static CUresult vmm(gvd_client_t *cl, const gvd_cuda_t *d, uint32_t op,
                    CUdeviceptr *ptr, size_t size, uint64_t a, uint64_t b)
{
    const gvc_range_t *rg;
    CUresult r;

    if (!S.reserved_init) {
        gvc_rangeset_init(&S.reserved);
        S.reserved_init = 1;
    }
    switch (op) {
    case VMM_RESERVE:
        if (d->cuMemAddressReserve == NULL) {
            return CUDA_ERROR_NOT_SUPPORTED;
        }
        r = d->cuMemAddressReserve(ptr, size, a, *ptr, b);
        if (r == CUDA_SUCCESS &&
            gvc_rangeset_add(&S.reserved, *ptr, size, 0) != 0) {
            d->cuMemAddressFree(*ptr, size);
            *ptr = 0;
            r = CUDA_ERROR_OUT_OF_MEMORY;
        }
        return r;
    case VMM_FREE:
        rg = gvc_rangeset_find(&S.reserved, *ptr, 0);
        if (rg == NULL || rg->base != *ptr || rg->size != size) {
            return CUDA_ERROR_INVALID_VALUE;
        }
        r = d->cuMemAddressFree(*ptr, size);
        if (r == CUDA_SUCCESS) {
            gvc_rangeset_del(&S.reserved, *ptr, NULL);
        }
        return r;
    case VMM_MAP:
        if (gvc_rangeset_find(&S.reserved, *ptr, size) == NULL ||
            !gvd_handle_ok(cl, GVD_H_MEMHANDLE, (void *)(uintptr_t)b)) {
            return CUDA_ERROR_INVALID_VALUE;
        }
        if (!quota_ok(cl, size)) {
            return CUDA_ERROR_OUT_OF_MEMORY;
        }
        r = d->cuMemMap(*ptr, size, a, (CUmemGenericAllocationHandle)b, 0);
        if (r == CUDA_SUCCESS &&
            gvd_mem_add(cl, (void *)(uintptr_t)*ptr, size, GVD_MEM_VMM)) {
            d->cuMemUnmap(*ptr, size);
            r = CUDA_ERROR_OUT_OF_MEMORY;
        }
        return r;
    case VMM_RETAIN:
        return mem_retain(cl, d, *ptr, ptr);
    case VMM_RELEASE:
        return mem_release(cl, d, b);
    case VMM_UNMAP: {
        int kind = -1;
        const gvc_range_t *m = gvc_rangeset_find(&cl->mem, *ptr, 0);
        if (m == NULL || m->base != *ptr || m->size != size ||
            m->kind != GVD_MEM_VMM) {
            return CUDA_ERROR_INVALID_VALUE;
        }
        r = d->cuMemUnmap(*ptr, size);
        if (r == CUDA_SUCCESS) {
            gvc_rangeset_del(&cl->mem, *ptr, &kind);
        }
        return r;
    }
    }
    return CUDA_ERROR_INVALID_VALUE;
}

/* gvCuVmm: { u32 op, u64 ptr, u64 size, u64 a, u64 b } -> { u64 ptr }.
 * reserve: a alignment, b flags, ptr the wanted address; map: a offset,
 * b the allocation handle; retain: ptr -> the handle (in ptr); release:
 * b the handle. */
static void h_vmm(gvd_call_t *c)
{
    const gvd_cuda_t *d = gvd_cuda(c);
    uint64_t ptr, size, a, b;
    CUdeviceptr p;
    uint32_t op;
    CUresult r;

    gvc_dec_u32(&c->dec, &op);
    gvc_dec_u64(&c->dec, &ptr);
    gvc_dec_u64(&c->dec, &size);
    gvc_dec_u64(&c->dec, &a);
    gvc_dec_u64(&c->dec, &b);
    if (op > VMM_RELEASE) {
        c->dec.status = GVC_ERR_PROTO;
    }
    if (gvd_args_end(c)) {
        return;
    }
    p = ptr;
    r = d->cuMemMap == NULL ? CUDA_ERROR_NOT_SUPPORTED
                            : vmm(c->cl, d, op, &p, size, a, b);
    gvc_enc_u64(&c->enc, p);
    gvd_reply(c, r);
}

/* gvCuPointerAttr: { i32 attribute, u64 ptr, u32 size } -> size bytes. */
static void h_pointer_attr(gvd_call_t *c)
{
    const gvd_cuda_t *d = gvd_cuda(c);
    uint64_t buf[8];
    uint64_t ptr;
    uint32_t size;
    int32_t attr;
    CUresult r;

    gvc_dec_i32(&c->dec, &attr);
    gvc_dec_u64(&c->dec, &ptr);
    gvc_dec_u32(&c->dec, &size);
    if (size == 0 || size > sizeof(buf)) {
        c->dec.status = GVC_ERR_PROTO;
    }
    if (gvd_args_end(c)) {
        return;
    }
    memset(buf, 0, sizeof(buf));
    if (!gvd_mem_ok(c->cl, (void *)(uintptr_t)ptr, 0)) {
        r = CUDA_ERROR_INVALID_VALUE;
    } else if (d->cuPointerGetAttribute == NULL) {
        r = CUDA_ERROR_NOT_SUPPORTED;
    } else {
        r = d->cuPointerGetAttribute(buf, (CUpointer_attribute)attr, ptr);
    }
    if (r == CUDA_SUCCESS) {
        gvc_enc_raw(&c->enc, buf, size);
    }
    gvd_reply(c, r);
}

/* gvCuArrayCopy: { u32 to_array, u64 array, u64 offset, u64 n,
 * u64 stream } + n bytes, or n bytes back.  Synchronous copies: the
 * host side is the transport's buffer or ours, gone when we answer. */
static void h_array_copy(gvd_call_t *c)
{
    const gvd_cuda_t *d = gvd_cuda(c);
    uint64_t array, off, n, s;
    uint32_t to_array;
    void *tmp = NULL;
    CUresult r;

    gvc_dec_u32(&c->dec, &to_array);
    gvc_dec_u64(&c->dec, &array);
    gvc_dec_u64(&c->dec, &off);
    gvc_dec_u64(&c->dec, &n);
    gvc_dec_u64(&c->dec, &s);
    if (gvd_args_end(c)) {
        return;
    }
    if (d->cuMemcpyHtoA_v2 == NULL || d->cuMemcpyAtoH_v2 == NULL) {
        r = CUDA_ERROR_NOT_SUPPORTED;
    } else if (!gvd_handle_ok(c->cl, GVD_H_ARRAY, (void *)(uintptr_t)array) ||
               !gvd_handle_ok(c->cl, GVD_H_STREAM, (void *)(uintptr_t)s)) {
        r = CUDA_ERROR_INVALID_HANDLE;
    } else if (to_array) {
        r = c->msg->hdr.data_len != n
                ? CUDA_ERROR_INVALID_VALUE
                : d->cuMemcpyHtoA_v2((CUarray)(uintptr_t)array, off,
                                     c->msg->data, n);
    } else if ((tmp = malloc(n ? n : 1)) == NULL) {
        r = CUDA_ERROR_OUT_OF_MEMORY;
    } else {
        r = d->cuMemcpyAtoH_v2(tmp, (CUarray)(uintptr_t)array, off, n);
        if (r == CUDA_SUCCESS) {
            gvd_reply_data(c, tmp, n, NULL);
        }
    }
    if (r == CUDA_SUCCESS) {
        gvd_ctr_add(c->cl->ctr, to_array ? GVC_CTR_H2D_BYTES
                                         : GVC_CTR_D2H_BYTES, n);
    }
    gvd_reply(c, r);
    free(tmp);
}

/* gvCuIpcOpen: { raw CUipcMemHandle, u32 flags } -> { u64 dptr, u64 size }:
 * memory of another client's process on this host becomes this one's. */
static void h_ipc_open(gvd_call_t *c)
{
    const gvd_cuda_t *d = gvd_cuda(c);
    CUipcMemHandle handle;
    CUdeviceptr p = 0, base = 0;
    size_t size = 0;
    uint32_t flags;
    CUresult r;

    gvc_dec_raw(&c->dec, &handle, sizeof(handle));
    gvc_dec_u32(&c->dec, &flags);
    if (gvd_args_end(c)) {
        return;
    }
    if (d->cuIpcOpenMemHandle_v2 == NULL || d->cuMemGetAddressRange_v2 == NULL) {
        gvd_reply(c, CUDA_ERROR_NOT_SUPPORTED);
        return;
    }
    r = d->cuIpcOpenMemHandle_v2(&p, handle, flags);
    if (r == CUDA_SUCCESS) {
        r = d->cuMemGetAddressRange_v2(&base, &size, p);
        if (r == CUDA_SUCCESS && base == p &&
            gvd_mem_add(c->cl, (void *)(uintptr_t)p, size, GVD_MEM_DRIVER)) {
            r = CUDA_ERROR_OUT_OF_MEMORY;
        }
        if (r != CUDA_SUCCESS) {
            d->cuIpcCloseMemHandle(p);
            p = 0;
        }
    }
    gvc_enc_u64(&c->enc, p);
    gvc_enc_u64(&c->enc, size);
    gvd_reply(c, r);
}

/* For runtime handlers (gvd_hand.h): the allocation holding p, from the
 * driver (the runtime cannot say). */
int64_t gvd_drv_address_range(const gvd_call_t *c, uint64_t p,
                              uint64_t *base_p, size_t *size_p)
{
    const gvd_cuda_t *d = gvd_cuda(c);
    CUdeviceptr base = 0;
    size_t size = 0;
    CUresult r;

    if (d->cuMemGetAddressRange_v2 == NULL) {
        return cudaErrorNotSupported;
    }
    r = d->cuMemGetAddressRange_v2(&base, &size, (CUdeviceptr)p);
    *base_p = base;
    *size_p = size;
    return r;
}

/* ---- dispatch entries ---------------------------------------------------------- */

#define H(name, fn) { GV_API_##name, #name, GVD_LIB_CUDA, fn }

const gvd_api_t gvd_cuda_hand_apis[] = {
    H(gvCuPrimary, h_primary),
    H(gvCuCtxSwitch, h_ctx_switch),
    H(gvCuCtxCreate, h_ctx_create),
    H(gvCuCtxDestroy, h_ctx_destroy),
    H(gvCuModuleLoad, h_module_load),
    H(gvCuFuncInfo, h_func_info),
    H(gvCuGlobal, h_global),
    H(gvCuMemAlloc, h_mem_alloc),
    H(gvCuVmm, h_vmm),
    H(gvCuPointerAttr, h_pointer_attr),
    H(gvCuArrayCopy, h_array_copy),
    H(gvCuIpcOpen, h_ipc_open),
};

const size_t gvd_cuda_hand_n_apis =
    sizeof(gvd_cuda_hand_apis) / sizeof(gvd_cuda_hand_apis[0]);
