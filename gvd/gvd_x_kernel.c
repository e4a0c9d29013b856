/*
 * gvd_x_kernel.c - modules, kernels, launches and symbols on the worker.
 *
 * A client ships each fatbin once, named by its SHA-256.  The worker
 * verifies the hash of what it received (the cache is shared between
 * clients, so a name must never be trusted), stores it in the disk cache
 * (cache_dir/<sha256>.fatbin, written atomically) and loads it.  A later
 * client, or a later process of the same job, names the hash and sends
 * nothing: the worker finds the file.  Kernels are resolved to driver
 * function handles once per client; the reply carries the parameter
 * layout from cuFuncGetParamInfo, which the client packs arguments with.
 */
#include "config.h"

#include "gvd_client.h"
#include "gvd_hand.h"
#include "gvd_rt.h"
#include "gvx.h"
#include "gvc_hash.h"
#include "gvc_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Static_assert(sizeof(cudaLaunchAttribute) == GVX_ATTR_SIZE,
               "launch attribute layout");
_Static_assert(sizeof(CUlaunchAttribute) == sizeof(cudaLaunchAttribute),
               "runtime and driver launch attributes differ");

typedef struct kmod {
    struct kmod *next;
    uint8_t hash[GVC_HASH_LEN];
    CUmodule mod;
} kmod_t;

typedef struct kstate {
    kmod_t *mods;         /* loaded modules of this client (owned) */
} kstate_t;

static kstate_t *kstate(gvd_client_t *cl)
{
    if (cl->kernels == NULL) {
        cl->kernels = calloc(1, sizeof(kstate_t));
    }
    return cl->kernels;
}

void gvd_kernels_fini(gvd_client_t *cl)
{
    kstate_t *ks = cl->kernels;

    while (ks != NULL && ks->mods != NULL) {
        kmod_t *m = ks->mods;
        ks->mods = m->next;
        free(m); /* modules die with the context at exit */
    }
    free(ks);
    cl->kernels = NULL;
}

/* After cudaDeviceReset every module handle is gone. */
void gvd_kernels_reset(gvd_client_t *cl)
{
    gvd_kernels_fini(cl);
}

/* ---- fatbin cache ------------------------------------------------------------ */

static void cache_path(const gvd_client_t *cl, const uint8_t *hash,
                       char *buf, size_t len)
{
    char hex[GVC_HASH_HEX_LEN];

    gvc_hash_hex(hash, hex);
    snprintf(buf, len, "%s/%s.fatbin", cl->cfg->cache_dir, hex);
}

/* Read a cached fatbin and check it is what its name says. */
static void *cache_read(const gvd_client_t *cl, const uint8_t *hash,
                        uint64_t size)
{
    uint8_t got[GVC_HASH_LEN];
    char path[1024];
    void *buf;
    FILE *fp;

    if (cl->cfg->cache_dir[0] == '\0') {
        return NULL;
    }
    cache_path(cl, hash, path, sizeof(path));
    fp = fopen(path, "rb");
    if (fp == NULL) {
        return NULL;
    }
    buf = malloc(size ? size : 1);
    if (buf != NULL && (fread(buf, 1, size, fp) != size || fgetc(fp) != EOF ||
                        gvc_hash(buf, size, got) != GVC_OK ||
                        memcmp(got, hash, GVC_HASH_LEN) != 0)) {
        gvc_warn("fatbin cache entry %s is damaged; ignoring it", path);
        free(buf);
        buf = NULL;
    }
    fclose(fp);
    return buf;
}

static void cache_write(const gvd_client_t *cl, const uint8_t *hash,
                        const void *data, uint64_t size)
{
    char path[1024], tmp[1100];
    int fd;

    if (cl->cfg->cache_dir[0] == '\0') {
        return;
    }
    cache_path(cl, hash, path, sizeof(path));
    snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        static int warned;
        if (!warned++) {
            gvc_warn("fatbin cache %s is not writable (%s): clients will "
                     "resend their kernels", cl->cfg->cache_dir,
                     strerror(errno));
        }
        return;
    }
    if (write(fd, data, size) != (ssize_t)size || fsync(fd) != 0) {
        close(fd);
        unlink(tmp);
        return;
    }
    close(fd);
    if (rename(tmp, path) != 0) {
        unlink(tmp);
    }
}

/* ---- handlers ------------------------------------------------------------------- */

static CUmodule module_find(kstate_t *ks, const uint8_t *hash)
{
    for (kmod_t *m = ks->mods; m != NULL; m = m->next) {
        if (memcmp(m->hash, hash, GVC_HASH_LEN) == 0) {
            return m->mod;
        }
    }
    return NULL;
}

/* gvModuleEnsure: reply args { u8 need_data, u64 module }. */
void gvd_h_module_ensure(gvd_call_t *c)
{
    gvd_client_t *cl = c->cl;
    const gvd_drv_t *drv = &cl->be->drv;
    kstate_t *ks = kstate(cl);
    uint8_t got[GVC_HASH_LEN];
    void *image = NULL;
    gvx_module_t a;
    CUmodule mod;
    kmod_t *m;
    CUresult r;

    if (gvx_module_unpack(&c->dec, &a) != 0) {
        c->dec.status = GVC_ERR_PROTO;
    }
    if (gvd_args_end(c)) {
        return;
    }
    if (drv->cuModuleLoadData == NULL || ks == NULL) {
        gvd_reply(c, ks ? cudaErrorNotSupported : cudaErrorMemoryAllocation);
        return;
    }
    mod = module_find(ks, a.hash);
    if (mod == NULL && c->msg->hdr.data_len > 0) {
        if (c->msg->hdr.data_len != a.size ||
            gvc_hash(c->msg->data, a.size, got) != GVC_OK ||
            memcmp(got, a.hash, GVC_HASH_LEN) != 0) {
            gvc_warn("fatbin does not match its SHA-256; refused");
            gvd_reply(c, cudaErrorInvalidValue);
            return;
        }
        cache_write(cl, a.hash, c->msg->data, a.size);
        image = (void *)c->msg->data;
    } else if (mod == NULL) {
        image = cache_read(cl, a.hash, a.size);
        if (image == NULL) {
            gvc_enc_u8(&c->enc, 1); /* please send it */
            gvc_enc_u64(&c->enc, 0);
            gvd_reply(c, 0);
            return;
        }
    }
    if (mod == NULL) {
        char hex[GVC_HASH_HEX_LEN];
        gvc_hash_hex(a.hash, hex);
        gvc_info("fatbin %.16s (%llu bytes) %s", hex,
                 (unsigned long long)a.size,
                 image == c->msg->data ? "sent by the client"
                                       : "from the cache: nothing sent");
        r = drv->cuModuleLoadData(&mod, image);
        if (image != c->msg->data) {
            free(image);
        }
        if (r != CUDA_SUCCESS) {
            gvd_reply(c, r);
            return;
        }
        m = calloc(1, sizeof(*m));
        if (m == NULL) {
            gvd_reply(c, cudaErrorMemoryAllocation);
            return;
        }
        memcpy(m->hash, a.hash, GVC_HASH_LEN);
        m->mod = mod;
        m->next = ks->mods;
        ks->mods = m;
        gvd_handle_add(cl, GVD_H_MODULE, mod);
    }
    gvc_enc_u8(&c->enc, 0);
    gvc_enc_u64(&c->enc, (uint64_t)(uintptr_t)mod);
    gvd_reply(c, 0);
}

static void func_attrs(const gvd_drv_t *drv, CUfunction f, int32_t *attr)
{
    for (int i = 0; i < 16; i++) {
        int v = 0;
        if (drv->cuFuncGetAttribute(&v, (CUfunction_attribute)i, f) !=
            CUDA_SUCCESS) {
            v = 0;
        }
        attr[i] = v;
    }
}

/* The request of gvKernelResolve and gvSymbolResolve, a name in one of
 * the client's modules: 0, or -1 when it was refused (the call is
 * answered). */
static int kernel_req(gvd_call_t *c, gvx_kernel_req_t *a)
{
    if (gvx_kernel_req_unpack(&c->dec, a) != 0) {
        c->dec.status = GVC_ERR_PROTO;
    }
    if (gvd_args_end(c)) {
        return -1;
    }
    if (!gvd_handle_ok(c->cl, GVD_H_MODULE, (void *)(uintptr_t)a->module)) {
        gvd_reply(c, cudaErrorInvalidResourceHandle);
        return -1;
    }
    return 0;
}

/* gvKernelResolve: module + name -> function handle and layout. */
void gvd_h_kernel_resolve(gvd_call_t *c)
{
    const gvd_drv_t *drv = &c->cl->be->drv;
    gvx_kernel_info_t *info;
    gvx_kernel_req_t a;
    CUfunction f;
    CUresult r;

    if (kernel_req(c, &a) != 0) {
        return;
    }
    r = drv->cuModuleGetFunction(&f, (CUmodule)(uintptr_t)a.module, a.name);
    if (r != CUDA_SUCCESS) {
        gvd_reply(c, r == CUDA_ERROR_NOT_FOUND ? cudaErrorInvalidDeviceFunction
                                                : (int64_t)r);
        return;
    }
    info = calloc(1, sizeof(*info));
    if (info == NULL || gvd_reply_room(c, 2 * 4 * GVX_MAX_PARAMS + 256)) {
        free(info);
        gvd_reply(c, cudaErrorMemoryAllocation);
        return;
    }
    info->func = (uint64_t)(uintptr_t)f;
    while (info->n_params < GVX_MAX_PARAMS) {
        size_t off, size;
        if (drv->cuFuncGetParamInfo(f, info->n_params, &off, &size) !=
            CUDA_SUCCESS) {
            break;
        }
        info->off[info->n_params] = (uint32_t)off;
        info->size[info->n_params] = (uint32_t)size;
        info->n_params++;
    }
    func_attrs(drv, f, info->attr);
    gvd_handle_add(c->cl, GVD_H_FUNCTION, f);
    gvx_kernel_info_pack(&c->enc, info);
    free(info);
    gvd_reply(c, 0);
}

static int64_t launch_stream(gvd_call_t *c, uint64_t s, CUstream *out)
{
    if (!gvd_handle_ok(c->cl, GVD_H_STREAM, (void *)(uintptr_t)s)) {
        return cudaErrorInvalidResourceHandle;
    }
    *out = (CUstream)(uintptr_t)s;
    return 0;
}

/* gvLaunch: the parameter buffer travels packed as the kernel expects it,
 * so it is handed to the driver whole (CU_LAUNCH_PARAM_BUFFER_POINTER). */
void gvd_h_launch(gvd_call_t *c)
{
    const gvd_drv_t *drv = &c->cl->be->drv;
    uint64_t aligned[GVX_MAX_PARAM_BYTES / 8];
    size_t plen;
    void *extra[5];
    CUlaunchConfig cfg;
    CUstream s = NULL;
    gvx_launch_t a;
    int64_t r;

    if (gvx_launch_unpack(&c->dec, &a) != 0) {
        c->dec.status = GVC_ERR_PROTO;
    }
    if (gvd_args_end(c)) {
        return;
    }
    if (drv->cuLaunchKernelEx == NULL) {
        gvd_reply(c, cudaErrorNotSupported);
        return;
    }
    if (!gvd_handle_ok(c->cl, GVD_H_FUNCTION, (void *)(uintptr_t)a.func)) {
        gvd_reply(c, cudaErrorInvalidDeviceFunction);
        return;
    }
    r = launch_stream(c, a.stream, &s);
    if (r != 0) {
        gvd_reply(c, r);
        return;
    }
    plen = a.params_len;
    memcpy(aligned, a.params, plen); /* the driver wants aligned params */
    extra[0] = CU_LAUNCH_PARAM_BUFFER_POINTER;
    extra[1] = aligned;
    extra[2] = CU_LAUNCH_PARAM_BUFFER_SIZE;
    extra[3] = &plen;
    extra[4] = CU_LAUNCH_PARAM_END;
    memset(&cfg, 0, sizeof(cfg));
    cfg.gridDimX = a.grid[0];
    cfg.gridDimY = a.grid[1];
    cfg.gridDimZ = a.grid[2];
    cfg.blockDimX = a.block[0];
    cfg.blockDimY = a.block[1];
    cfg.blockDimZ = a.block[2];
    cfg.sharedMemBytes = (unsigned)a.shmem;
    cfg.hStream = s;
    cfg.attrs = (CUlaunchAttribute *)a.attrs;
    cfg.numAttrs = a.n_attrs;
    if (a.shmem > UINT32_MAX) {
        r = cudaErrorInvalidValue;
    } else if (a.n_attrs == 0 && drv->cuLaunchKernel != NULL) {
        r = drv->cuLaunchKernel((CUfunction)(uintptr_t)a.func, a.grid[0],
                                a.grid[1], a.grid[2], a.block[0], a.block[1],
                                a.block[2], (unsigned)a.shmem, s,
                                NULL, extra);
    } else {
        CUlaunchAttribute at[64];
        memcpy(at, a.attrs, a.n_attrs * sizeof(at[0])); /* alignment */
        cfg.attrs = at;
        r = drv->cuLaunchKernelEx(&cfg, (CUfunction)(uintptr_t)a.func,
                                  NULL, extra);
    }
    gvd_reply(c, r);
}

/* gvSymbolResolve: a __device__ variable's address becomes memory the
 * client may copy to and from. */
void gvd_h_symbol_resolve(gvd_call_t *c)
{
    const gvd_drv_t *drv = &c->cl->be->drv;
    gvx_kernel_req_t a;
    gvx_symbol_t sym;
    CUdeviceptr p;
    size_t size;
    CUresult r;

    if (kernel_req(c, &a) != 0) {
        return;
    }
    r = drv->cuModuleGetGlobal(&p, &size, (CUmodule)(uintptr_t)a.module,
                               a.name);
    if (r != CUDA_SUCCESS) {
        gvd_reply(c, r == CUDA_ERROR_NOT_FOUND ? cudaErrorInvalidSymbol
                                                : (int64_t)r);
        return;
    }
    if (!gvd_mem_ok(c->cl, (void *)(uintptr_t)p, size)) {
        gvd_mem_add(c->cl, (void *)(uintptr_t)p, size, GVD_MEM_SYMBOL);
    }
    sym.dptr = p;
    sym.size = size;
    gvx_symbol_pack(&c->enc, &sym);
    gvd_reply(c, 0);
}

static int func_arg(gvd_call_t *c, CUfunction *f_p)
{
    uint64_t f;

    gvc_dec_u64(&c->dec, &f);
    *f_p = (CUfunction)(uintptr_t)f;
    return gvd_handle_ok(c->cl, GVD_H_FUNCTION, *f_p);
}

/* gvFuncGetAttrs: { func } -> int32[16] by CUfunction_attribute. */
void gvd_h_func_get_attrs(gvd_call_t *c)
{
    int32_t attr[16];
    CUfunction f;
    int ok = func_arg(c, &f);

    if (gvd_args_end(c)) {
        return;
    }
    if (!ok) {
        gvd_reply(c, cudaErrorInvalidDeviceFunction);
        return;
    }
    func_attrs(&c->cl->be->drv, f, attr);
    gvc_enc_raw(&c->enc, attr, sizeof(attr));
    gvd_reply(c, 0);
}

/* gvFuncSetAttr: { func, i32 attribute, i32 value }; also the cache
 * config when attribute is -1, the shared memory config when -2. */
void gvd_h_func_set_attr(gvd_call_t *c)
{
    const gvd_drv_t *drv = &c->cl->be->drv;
    int32_t attr, value;
    CUfunction f;
    int ok = func_arg(c, &f);

    gvc_dec_i32(&c->dec, &attr);
    gvc_dec_i32(&c->dec, &value);
    if (gvd_args_end(c)) {
        return;
    }
    if (!ok) {
        gvd_reply(c, cudaErrorInvalidDeviceFunction);
        return;
    }
    if (attr == -1) {
        gvd_reply(c, drv->cuFuncSetCacheConfig(f, (CUfunc_cache)value));
        return;
    }
    if (attr == -2) {
        gvd_reply(c, drv->cuFuncSetSharedMemConfig == NULL
                         ? cudaErrorNotSupported
                         : drv->cuFuncSetSharedMemConfig(
                               f, (CUsharedconfig)value));
        return;
    }
    gvd_reply(c, drv->cuFuncSetAttribute(f, (CUfunction_attribute)attr,
                                         value));
}

/* gvOccupancy: { func, i32 block, u64 smem, u32 flags } -> i32 blocks;
 * with flags == UINT32_MAX: { func, i32 blocks, i32 block } -> u64 smem
 * (cudaOccupancyAvailableDynamicSMemPerBlock). */
void gvd_h_occupancy(gvd_call_t *c)
{
    const gvd_drv_t *drv = &c->cl->be->drv;
    int32_t block;
    uint64_t smem;
    uint32_t flags;
    CUfunction f;
    int ok = func_arg(c, &f), n = 0;
    size_t avail = 0;
    CUresult r;

    gvc_dec_i32(&c->dec, &block);
    gvc_dec_u64(&c->dec, &smem);
    gvc_dec_u32(&c->dec, &flags);
    if (gvd_args_end(c)) {
        return;
    }
    if (!ok) {
        gvd_reply(c, cudaErrorInvalidDeviceFunction);
        return;
    }
    if (flags == UINT32_MAX) {
        r = drv->cuOccupancyAvailableDynamicSMemPerBlock(&avail, f,
                                                         (int)smem, block);
        gvc_enc_u64(&c->enc, avail);
    } else {
        r = drv->cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(
            &n, f, block, smem, flags);
        gvc_enc_i32(&c->enc, n);
    }
    gvd_reply(c, r);
}

/* gvOccupancyCluster: a launch configuration (gvx_launch_t without
 * parameters; flags GVX_OCC_*) -> i32. */
void gvd_h_occupancy_cluster(gvd_call_t *c)
{
    const gvd_drv_t *drv = &c->cl->be->drv;
    CUlaunchAttribute at[64];
    CUlaunchConfig cfg;
    gvx_launch_t a;
    CUresult (*fn)(int *, CUfunction, const CUlaunchConfig *);
    int n = 0;
    int64_t r;

    if (gvx_launch_unpack(&c->dec, &a) != 0 || a.params_len != 0) {
        c->dec.status = GVC_ERR_PROTO;
    }
    if (gvd_args_end(c)) {
        return;
    }
    fn = a.flags == GVX_OCC_ACTIVE_CLUSTERS ? drv->cuOccupancyMaxActiveClusters
         : a.flags == GVX_OCC_CLUSTER_SIZE
             ? drv->cuOccupancyMaxPotentialClusterSize
             : NULL;
    if (fn == NULL) {
        gvd_reply(c, a.flags == GVX_OCC_ACTIVE_CLUSTERS ||
                             a.flags == GVX_OCC_CLUSTER_SIZE
                         ? cudaErrorNotSupported
                         : cudaErrorInvalidValue);
        return;
    }
    if (!gvd_handle_ok(c->cl, GVD_H_FUNCTION, (void *)(uintptr_t)a.func)) {
        gvd_reply(c, cudaErrorInvalidDeviceFunction);
        return;
    }
    memset(&cfg, 0, sizeof(cfg));
    r = launch_stream(c, a.stream, &cfg.hStream);
    if (r == 0 && (a.shmem > UINT32_MAX || a.n_attrs > 64)) {
        r = cudaErrorInvalidValue;
    }
    if (r == 0) {
        cfg.gridDimX = a.grid[0];
        cfg.gridDimY = a.grid[1];
        cfg.gridDimZ = a.grid[2];
        cfg.blockDimX = a.block[0];
        cfg.blockDimY = a.block[1];
        cfg.blockDimZ = a.block[2];
        cfg.sharedMemBytes = (unsigned)a.shmem;
        memcpy(at, a.attrs, a.n_attrs * sizeof(at[0])); /* alignment */
        cfg.attrs = at;
        cfg.numAttrs = a.n_attrs;
        r = fn(&n, (CUfunction)(uintptr_t)a.func, &cfg);
    }
    if (r == 0) {
        gvc_enc_i32(&c->enc, n);
    }
    gvd_reply(c, r);
}
