/*
 * cudart_kernel.c - fatbins, kernels, launches, symbols.
 *
 * Registration (__cudaRegisterFatBinary/Function/Var, run by the
 * program's static constructors) only records things: a program like
 * PyTorch registers thousands of kernels and launches few.  On the first
 * launch of a kernel on a device, its fatbin goes to that device once
 * (named by its SHA-256, so a warm gvd cache means nothing is sent), the
 * kernel is resolved to the worker's function handle, and the parameter
 * layout comes back from cuFuncGetParamInfo.  Every launch after that is
 * one one-way message carrying the packed parameters.
 *
 * The launch configuration is checked here against the kernel's and the
 * device's limits, so a bad launch fails at once (as in CUDA 13:
 * cudaErrorInvalidValue) rather than at the next synchronisation.
 */
#include "config.h"

#include "gvrt.h"
#include "gvrt_dev.h"
#include "gv_api_cudart.h"
#include "gvc_hash.h"
#include "gvc_log.h"
#include "gvf_fatbin.h"
#include "gvx.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define KERN_MAGIC    0x4b45524eu
#define MAX_FATBIN    ((uint64_t)2 << 30)

/* Per device: the module a fatbin became there. */
typedef struct fb_dev {
    uint64_t module;      /* 0 until loaded */
} fb_dev_t;

typedef struct fatbin {
    struct fatbin *next;
    const void *image;    /* the program's fatbin data (not owned) */
    uint64_t size;        /* 0 until measured */
    uint8_t hash[GVC_HASH_LEN];
    int hashed;
    fb_dev_t *dev;        /* gvf_device_count() entries, lazily */
} fatbin_t;

/* Per device: the worker's function handle and what we need to launch. */
typedef struct k_dev {
    atomic_int ready;
    uint64_t func;
    uint32_t n_params;
    uint32_t *off, *size; /* n_params each (owned) */
    uint32_t params_len;  /* bytes of the packed parameter buffer */
    int32_t attr[16];     /* CUfunction_attribute values */
} k_dev_t;

typedef struct kern {
    uint32_t magic;       /* a cudaKernel_t we hand out points here */
    struct kern *next;
    struct kern *next_h;  /* in handles[], by its own address */
    const void *host_fun; /* the host stub's address: the app's name */
    const char *name;     /* mangled device name (the program's string) */
    fatbin_t *fb;
    k_dev_t *dev;
} kern_t;

typedef struct var {
    struct var *next;
    const void *host_var;
    const char *name;
    fatbin_t *fb;
    size_t size;
    int managed;
    uint64_t *dptr;       /* per device; 0 until resolved */
} var_t;

/* Registration happens in static constructors, launches in any thread:
 * one lock for the tables and for resolution, which is rare. */
static pthread_mutex_t klock = PTHREAD_MUTEX_INITIALIZER;
static fatbin_t *fatbins;
#define KHASH 1024
static kern_t *kerns[KHASH];
static kern_t *handles[KHASH]; /* the same kernels, by cudaKernel_t */
static var_t *vars[KHASH];

static size_t ptr_slot(const void *p)
{
    uintptr_t x = (uintptr_t)p;

    return (size_t)((x >> 4) ^ (x >> 14)) & (KHASH - 1);
}

/* ---- registration --------------------------------------------------------------- */

GVRT_API void **CUDARTAPI __cudaRegisterFatBinary(void *fat_cubin)
{
    const gvf_fatbin_wrapper_t *w = fat_cubin;
    fatbin_t *fb = calloc(1, sizeof(*fb));

    if (fb == NULL) {
        return NULL;
    }
    if (w != NULL && w->magic == GVF_FATBINC_MAGIC) {
        fb->image = w->data;
    }
    pthread_mutex_lock(&klock);
    fb->next = fatbins;
    fatbins = fb;
    pthread_mutex_unlock(&klock);
    return (void **)fb;
}

GVRT_API void CUDARTAPI __cudaRegisterFatBinaryEnd(void **handle)
{
    (void)handle;
}

GVRT_API void CUDARTAPI __cudaUnregisterFatBinary(void **handle)
{
    /* Called from the program's destructors at exit: modules die with the
     * worker; our records stay valid for late launches. */
    (void)handle;
}

GVRT_API char CUDARTAPI __cudaInitModule(void **handle)
{
    (void)handle;
    return 1;
}

GVRT_API void CUDARTAPI __cudaRegisterFunction(
    void **handle, const char *host_fun, char *device_fun,
    const char *device_name, int thread_limit, uint3 *tid, uint3 *bid,
    dim3 *bdim, dim3 *gdim, int *wsize)
{
    kern_t *k = calloc(1, sizeof(*k));
    size_t i = ptr_slot(host_fun);

    (void)device_fun;
    (void)thread_limit;
    (void)tid;
    (void)bid;
    (void)bdim;
    (void)gdim;
    (void)wsize;
    if (k == NULL) {
        return;
    }
    k->magic = KERN_MAGIC;
    k->host_fun = host_fun;
    k->name = device_name;
    k->fb = (fatbin_t *)handle;
    pthread_mutex_lock(&klock);
    k->next = kerns[i];
    kerns[i] = k;
    k->next_h = handles[ptr_slot(k)];
    handles[ptr_slot(k)] = k;
    pthread_mutex_unlock(&klock);
}

static void register_var(void **handle, const void *host_var,
                         const char *name, size_t size, int managed)
{
    var_t *v = calloc(1, sizeof(*v));
    size_t i = ptr_slot(host_var);

    if (v == NULL) {
        return;
    }
    v->host_var = host_var;
    v->name = name;
    v->fb = (fatbin_t *)handle;
    v->size = size;
    v->managed = managed;
    pthread_mutex_lock(&klock);
    v->next = vars[i];
    vars[i] = v;
    pthread_mutex_unlock(&klock);
}

GVRT_API void CUDARTAPI __cudaRegisterVar(void **handle, char *host_var,
                                          char *device_address,
                                          const char *device_name, int ext,
                                          size_t size, int constant,
                                          int global)
{
    (void)device_address;
    (void)ext;
    (void)constant;
    (void)global;
    register_var(handle, host_var, device_name, size, 0);
}

GVRT_API void CUDARTAPI __cudaRegisterManagedVar(
    void **handle, void **host_var_ptr, char *device_address,
    const char *device_name, int ext, size_t size, int constant, int global)
{
    (void)device_address;
    (void)ext;
    (void)constant;
    (void)global;
    register_var(handle, host_var_ptr, device_name, size, 1);
}

static kern_t *kern_find(const void *host_fun)
{
    kern_t *k;

    pthread_mutex_lock(&klock);
    for (k = kerns[ptr_slot(host_fun)]; k != NULL; k = k->next) {
        if (k->host_fun == host_fun) {
            break;
        }
    }
    pthread_mutex_unlock(&klock);
    return k;
}

static var_t *var_find(const void *host_var)
{
    var_t *v;

    pthread_mutex_lock(&klock);
    for (v = vars[ptr_slot(host_var)]; v != NULL; v = v->next) {
        if (v->host_var == host_var) {
            break;
        }
    }
    pthread_mutex_unlock(&klock);
    return v;
}

/* ---- modules ------------------------------------------------------------------------ */

/* Measure and hash a fatbin once (lock held). */
static cudaError_t fatbin_prepare(fatbin_t *fb)
{
    const gvf_fatbin_hdr_t *h = fb->image;

    if (fb->hashed) {
        return cudaSuccess;
    }
    if (h == NULL || h->magic != GVF_FATBIN_MAGIC || h->header_size < 16 ||
        h->fat_size > MAX_FATBIN) {
        gvc_error("kernel image at %p is not a fatbin gvirtus understands",
                  (const void *)h);
        return cudaErrorInvalidKernelImage;
    }
    fb->size = h->header_size + h->fat_size;
    if (gvc_hash(fb->image, fb->size, fb->hash) != GVC_OK) {
        return cudaErrorUnknown;
    }
    fb->hashed = 1;
    return cudaSuccess;
}

/* gvModuleEnsure, first by name only, then with the bytes if asked. */
static cudaError_t module_load(gvf_dev_t *dev, fatbin_t *fb, uint64_t *mod)
{
    gvx_module_t a;
    cudaError_t err = cudaSuccess;
    uint8_t need = 1;

    memcpy(a.hash, fb->hash, sizeof(a.hash));
    a.size = fb->size;
    for (int send = 0; send < 2 && need && err == cudaSuccess; send++) {
        gvf_call_t c;
        gvc_status_t st;

        err = gvrt_begin_dev(&c, GV_API_gvModuleEnsure, gvf_dev_ordinal(dev),
                             0);
        if (err != cudaSuccess) {
            return err;
        }
        gvx_module_pack(&c.enc, &a);
        if (send) {
            gvf_call_data_out(&c, fb->image, fb->size, NULL);
        }
        st = gvf_call_sync(&c);
        if (gvrt_ok(&c, st)) {
            gvc_dec_u8(&c.dec, &need);
            gvc_dec_u64(&c.dec, mod);
        }
        err = gvrt_end(&c, st);
    }
    return err != cudaSuccess ? err
                              : (need ? cudaErrorInvalidKernelImage : err);
}

static cudaError_t fatbin_module(gvf_dev_t *dev, fatbin_t *fb, uint64_t *mod)
{
    int o = gvf_dev_ordinal(dev);
    cudaError_t err;

    if (fb->dev == NULL) {
        fb->dev = calloc((size_t)gvf_device_count(), sizeof(*fb->dev));
        if (fb->dev == NULL) {
            return cudaErrorMemoryAllocation;
        }
    }
    if (fb->dev[o].module != 0) {
        *mod = fb->dev[o].module;
        return cudaSuccess;
    }
    err = fatbin_prepare(fb);
    if (err == cudaSuccess) {
        err = module_load(dev, fb, &fb->dev[o].module);
    }
    *mod = fb->dev[o].module;
    return err;
}

/* ---- kernels ------------------------------------------------------------------------ */

static cudaError_t kernel_resolve_locked(gvf_dev_t *dev, kern_t *k,
                                         k_dev_t *kd)
{
    gvx_kernel_req_t rq = { .name = k->name };
    gvx_kernel_info_t *info;
    cudaError_t err;
    gvc_status_t st;
    gvf_call_t c;

    err = fatbin_module(dev, k->fb, &rq.module);
    if (err != cudaSuccess) {
        return err;
    }
    info = calloc(1, sizeof(*info));
    if (info == NULL) {
        return cudaErrorMemoryAllocation;
    }
    err = gvrt_begin_dev(&c, GV_API_gvKernelResolve, gvf_dev_ordinal(dev), 0);
    if (err != cudaSuccess || gvf_call_reply_room(&c, 2 * 4 * GVX_MAX_PARAMS +
                                                      256) != GVC_OK) {
        free(info);
        return err != cudaSuccess ? err : cudaErrorMemoryAllocation;
    }
    gvx_kernel_req_pack(&c.enc, &rq);
    st = gvf_call_sync(&c);
    if (gvrt_ok(&c, st) && gvx_kernel_info_unpack(&c.dec, info) != 0) {
        c.reply.result = cudaErrorUnknown;
    }
    err = gvrt_end(&c, st);
    if (err == cudaSuccess) {
        kd->off = malloc(info->n_params * sizeof(uint32_t) + 1);
        kd->size = malloc(info->n_params * sizeof(uint32_t) + 1);
        if (kd->off == NULL || kd->size == NULL) {
            free(kd->off);
            free(kd->size);
            free(info);
            return cudaErrorMemoryAllocation;
        }
        kd->func = info->func;
        kd->n_params = info->n_params;
        kd->params_len = 0;
        for (uint32_t i = 0; i < info->n_params; i++) {
            kd->off[i] = info->off[i];
            kd->size[i] = info->size[i];
            if (info->off[i] + info->size[i] > kd->params_len) {
                kd->params_len = info->off[i] + info->size[i];
            }
        }
        memcpy(kd->attr, info->attr, sizeof(kd->attr));
        atomic_store_explicit(&kd->ready, 1, memory_order_release);
    }
    free(info);
    return err;
}

/* The kernel's state on dev, resolving it on first use. */
static cudaError_t kernel_on(gvf_dev_t *dev, kern_t *k, k_dev_t **kd_p)
{
    int o = gvf_dev_ordinal(dev);
    cudaError_t err = cudaSuccess;
    k_dev_t *kd;

    if (k->dev != NULL &&
        atomic_load_explicit(&k->dev[o].ready, memory_order_acquire)) {
        *kd_p = &k->dev[o];
        return cudaSuccess;
    }
    pthread_mutex_lock(&klock);
    if (k->dev == NULL) {
        k->dev = calloc((size_t)gvf_device_count(), sizeof(*k->dev));
    }
    if (k->dev == NULL) {
        err = cudaErrorMemoryAllocation;
    } else if (!atomic_load(&k->dev[o].ready)) {
        err = kernel_resolve_locked(dev, k, &k->dev[o]);
    }
    pthread_mutex_unlock(&klock);
    kd = k->dev != NULL ? &k->dev[o] : NULL;
    *kd_p = kd;
    return err;
}

/* After cudaDeviceReset the device's modules and functions are gone. */
void gvrt_kernels_reset(gvf_dev_t *dev)
{
    int o = gvf_dev_ordinal(dev);

    pthread_mutex_lock(&klock);
    for (fatbin_t *fb = fatbins; fb != NULL; fb = fb->next) {
        if (fb->dev != NULL) {
            fb->dev[o].module = 0;
        }
    }
    for (int i = 0; i < KHASH; i++) {
        for (kern_t *k = kerns[i]; k != NULL; k = k->next) {
            if (k->dev != NULL) {
                atomic_store(&k->dev[o].ready, 0);
                free(k->dev[o].off);
                free(k->dev[o].size);
                k->dev[o].off = k->dev[o].size = NULL;
            }
        }
        for (var_t *v = vars[i]; v != NULL; v = v->next) {
            if (v->dptr != NULL) {
                v->dptr[o] = 0;
            }
        }
    }
    pthread_mutex_unlock(&klock);
}

/* A cudaKernel_t we handed out; never reads through an unknown value
 * (a library's kernel handle is an address of the GPU host). */
static kern_t *kern_from_handle(const void *h)
{
    kern_t *k;

    pthread_mutex_lock(&klock);
    for (k = handles[ptr_slot(h)]; k != NULL && (const void *)k != h;
         k = k->next_h) {
    }
    pthread_mutex_unlock(&klock);
    return k;
}

/* ---- launches ----------------------------------------------------------------------- */

static cudaError_t check_config(gvf_dev_t *dev, const k_dev_t *kd, dim3 g,
                                dim3 b, size_t shmem)
{
    const struct cudaDeviceProp *p = gvrt_dev_prop(dev);
    uint64_t threads = (uint64_t)b.x * b.y * b.z;

    if (g.x == 0 || g.y == 0 || g.z == 0 || threads == 0 ||
        threads > (uint64_t)kd->attr[0]) {
        return cudaErrorInvalidValue;
    }
    if (p != NULL &&
        ((int)b.x > p->maxThreadsDim[0] || (int)b.y > p->maxThreadsDim[1] ||
         (int)b.z > p->maxThreadsDim[2] || g.x > (unsigned)p->maxGridSize[0] ||
         g.y > (unsigned)p->maxGridSize[1] ||
         g.z > (unsigned)p->maxGridSize[2])) {
        return cudaErrorInvalidValue;
    }
    if (shmem > (size_t)kd->attr[8] && shmem > 48 * 1024) {
        return cudaErrorInvalidValue;
    }
    return cudaSuccess;
}

static cudaError_t launch(kern_t *k, dim3 g, dim3 b, void **args,
                          size_t shmem, cudaStream_t s,
                          const cudaLaunchAttribute *attrs,
                          unsigned n_attrs)
{
    uint8_t params[GVX_MAX_PARAM_BYTES];
    gvx_launch_t a;
    gvf_dev_t *dev;
    k_dev_t *kd;
    gvf_call_t c;
    cudaError_t err;

    if (k == NULL) {
        return gvrt_fail(cudaErrorInvalidDeviceFunction);
    }
    err = gvrt_begin(&c, GV_API_gvLaunch, 0);
    if (err != cudaSuccess) {
        return err;
    }
    dev = c.dev;
    err = kernel_on(dev, k, &kd);
    if (err == cudaSuccess) {
        err = check_config(dev, kd, g, b, shmem);
    }
    if (err == cudaSuccess && (kd->params_len > sizeof(params) ||
                               n_attrs > 64 ||
                               (kd->n_params > 0 && args == NULL))) {
        err = cudaErrorInvalidValue;
    }
    if (err == cudaSuccess &&
        gvf_call_args_room(&c, kd->params_len + 128 +
                                   (size_t)n_attrs * GVX_ATTR_SIZE) !=
            GVC_OK) {
        err = cudaErrorMemoryAllocation;
    }
    if (err != cudaSuccess) {
        gvf_call_fini(&c);
        return gvrt_fail(err);
    }
    memset(params, 0, kd->params_len);
    for (uint32_t i = 0; i < kd->n_params; i++) {
        memcpy(params + kd->off[i], args[i], kd->size[i]);
    }
    a.func = kd->func;
    a.grid[0] = g.x;
    a.grid[1] = g.y;
    a.grid[2] = g.z;
    a.block[0] = b.x;
    a.block[1] = b.y;
    a.block[2] = b.z;
    a.shmem = shmem;
    a.stream = (uint64_t)(uintptr_t)s;
    a.flags = 0;
    a.params = params;
    a.params_len = kd->params_len;
    a.attrs = attrs;
    a.n_attrs = attrs != NULL ? n_attrs : 0;
    gvx_launch_pack(&c.enc, &a);
    return gvrt_end(&c, gvf_call_oneway(&c));
}

static cudaStream_t ptsz(cudaStream_t s)
{
    return s == NULL ? cudaStreamPerThread : s;
}

GVRT_API cudaError_t CUDARTAPI __cudaGetKernel(cudaKernel_t *kernel,
                                               const void *func)
{
    kern_t *k = kern_find(func);

    if (kernel == NULL || k == NULL) {
        return gvrt_fail(cudaErrorInvalidDeviceFunction);
    }
    *kernel = (cudaKernel_t)k;
    return cudaSuccess;
}

GVRT_API cudaError_t CUDARTAPI cudaGetKernel(cudaKernel_t *kernel,
                                             const void *func)
{
    return __cudaGetKernel(kernel, func);
}

GVRT_API cudaError_t CUDARTAPI __cudaLaunchKernel(cudaKernel_t kernel,
                                                  dim3 g, dim3 b, void **args,
                                                  size_t shmem,
                                                  cudaStream_t s)
{
    return launch(kern_from_handle(kernel), g, b, args, shmem, s, NULL, 0);
}

GVRT_API cudaError_t CUDARTAPI __cudaLaunchKernel_ptsz(cudaKernel_t kernel,
                                                       dim3 g, dim3 b,
                                                       void **args,
                                                       size_t shmem,
                                                       cudaStream_t s)
{
    return launch(kern_from_handle(kernel), g, b, args, shmem, ptsz(s), NULL,
                  0);
}

/* A launch of func: a kernel nvcc registered (or its cudaKernel_t), else
 * a library's kernel, which the driver API launches (cudart_library.c). */
static cudaError_t launch_any(const void *func, dim3 g, dim3 b, void **args,
                              size_t shmem, cudaStream_t s,
                              const cudaLaunchAttribute *attrs,
                              unsigned n_attrs, int per_thread)
{
    kern_t *k = kern_find(func);

    if (k == NULL) {
        k = kern_from_handle(func);
    }
    if (k == NULL && func != NULL) {
        return gvrt_launch_driver(func, g, b, args, shmem, s, attrs, n_attrs,
                                  per_thread);
    }
    return launch(k, g, b, args, shmem, per_thread ? ptsz(s) : s, attrs,
                  n_attrs);
}

GVRT_API cudaError_t CUDARTAPI cudaLaunchKernel(const void *func, dim3 g,
                                                dim3 b, void **args,
                                                size_t shmem, cudaStream_t s)
{
    return launch_any(func, g, b, args, shmem, s, NULL, 0, 0);
}

GVRT_API cudaError_t CUDARTAPI cudaLaunchKernel_ptsz(const void *func,
                                                     dim3 g, dim3 b,
                                                     void **args,
                                                     size_t shmem,
                                                     cudaStream_t s)
{
    return launch_any(func, g, b, args, shmem, s, NULL, 0, 1);
}

static cudaError_t launch_ex(const cudaLaunchConfig_t *cfg, const void *func,
                             void **args, int per_thread)
{
    cudaStream_t s;

    if (cfg == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    s = cfg->stream;
    return launch_any(func, cfg->gridDim, cfg->blockDim, args,
                      cfg->dynamicSmemBytes, s, cfg->attrs, cfg->numAttrs,
                      per_thread);
}

GVRT_API cudaError_t CUDARTAPI cudaLaunchKernelExC(
    const cudaLaunchConfig_t *cfg, const void *func, void **args)
{
    return launch_ex(cfg, func, args, 0);
}

GVRT_API cudaError_t CUDARTAPI cudaLaunchKernelExC_ptsz(
    const cudaLaunchConfig_t *cfg, const void *func, void **args)
{
    return launch_ex(cfg, func, args, 1);
}

static cudaError_t launch_coop(const void *func, dim3 g, dim3 b,
                               void **args, size_t shmem, cudaStream_t s)
{
    cudaLaunchAttribute at;

    memset(&at, 0, sizeof(at));
    at.id = cudaLaunchAttributeCooperative;
    at.val.cooperative = 1;
    return launch_any(func, g, b, args, shmem, s, &at, 1, 0);
}

GVRT_API cudaError_t CUDARTAPI cudaLaunchCooperativeKernel(
    const void *func, dim3 g, dim3 b, void **args, size_t shmem,
    cudaStream_t s)
{
    return launch_coop(func, g, b, args, shmem, s);
}

GVRT_API cudaError_t CUDARTAPI cudaLaunchCooperativeKernel_ptsz(
    const void *func, dim3 g, dim3 b, void **args, size_t shmem,
    cudaStream_t s)
{
    return launch_coop(func, g, b, args, shmem, ptsz(s));
}

/* The call configuration of <<<...>>>: a per-thread stack, since a launch
 * argument may itself launch (it is evaluated between push and pop). */
typedef struct callcfg {
    dim3 grid, block;
    size_t shmem;
    void *stream;
} callcfg_t;

static __thread callcfg_t cfg_stack[16];
static __thread int cfg_depth;

GVRT_API unsigned CUDARTAPI __cudaPushCallConfiguration(dim3 grid, dim3 block,
                                                        size_t shmem,
                                                        void *stream)
{
    if (cfg_depth >= 16) {
        return 1;
    }
    cfg_stack[cfg_depth++] = (callcfg_t){ grid, block, shmem, stream };
    return 0;
}

GVRT_API cudaError_t CUDARTAPI __cudaPopCallConfiguration(dim3 *grid,
                                                          dim3 *block,
                                                          size_t *shmem,
                                                          void *stream)
{
    callcfg_t *cc;

    if (cfg_depth == 0) {
        return gvrt_fail(cudaErrorMissingConfiguration);
    }
    cc = &cfg_stack[--cfg_depth];
    *grid = cc->grid;
    *block = cc->block;
    *shmem = cc->shmem;
    *(void **)stream = cc->stream;
    return cudaSuccess;
}

/* ---- function attributes and occupancy ----------------------------------------- */

static cudaError_t func_on_current(const void *func, gvf_dev_t **dev_p,
                                   k_dev_t **kd_p, kern_t **k_p)
{
    gvc_status_t st = gvf_init();
    kern_t *k = kern_find(func);
    gvf_dev_t *dev;

    if (st != GVC_OK) {
        return gvrt_fail(gvrt_status_to_error(st));
    }
    if (k == NULL) {
        k = kern_from_handle(func); /* a cudaKernel_t works too */
    }
    dev = gvf_current_dev();
    if (k == NULL || dev == NULL) {
        return gvrt_fail(k ? cudaErrorInvalidDevice
                           : cudaErrorInvalidDeviceFunction);
    }
    *dev_p = dev;
    if (k_p != NULL) {
        *k_p = k;
    }
    return kernel_on(dev, k, kd_p);
}

GVRT_API cudaError_t CUDARTAPI
cudaFuncGetAttributes(struct cudaFuncAttributes *fa, const void *func)
{
    gvf_dev_t *dev;
    k_dev_t *kd;
    int32_t a[16];
    gvf_call_t c;
    gvc_status_t st;
    cudaError_t err;

    if (fa == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = func_on_current(func, &dev, &kd, NULL);
    if (err != cudaSuccess) {
        return gvrt_fail(err);
    }
    err = gvrt_begin_dev(&c, GV_API_gvFuncGetAttrs, gvf_dev_ordinal(dev), 0);
    if (err != cudaSuccess) {
        return err;
    }
    gvc_enc_u64(&c.enc, kd->func);
    st = gvf_call_sync(&c);
    if (!gvrt_ok(&c, st)) {
        return gvrt_end(&c, st);
    }
    gvc_dec_raw(&c.dec, a, sizeof(a));
    memcpy(kd->attr, a, sizeof(a));
    memset(fa, 0, sizeof(*fa));
    fa->maxThreadsPerBlock = a[0];
    fa->sharedSizeBytes = (size_t)a[1];
    fa->constSizeBytes = (size_t)a[2];
    fa->localSizeBytes = (size_t)a[3];
    fa->numRegs = a[4];
    fa->ptxVersion = a[5];
    fa->binaryVersion = a[6];
    fa->cacheModeCA = a[7];
    fa->maxDynamicSharedSizeBytes = a[8];
    fa->preferredShmemCarveout = a[9];
    fa->clusterDimMustBeSet = a[10];
    fa->requiredClusterWidth = a[11];
    fa->requiredClusterHeight = a[12];
    fa->requiredClusterDepth = a[13];
    fa->nonPortableClusterSizeAllowed = a[14];
    fa->clusterSchedulingPolicyPreference = a[15];
    return gvrt_end(&c, st);
}

static cudaError_t func_set(const void *func, int32_t attr, int32_t value)
{
    gvf_dev_t *dev;
    k_dev_t *kd;
    gvf_call_t c;
    cudaError_t err = func_on_current(func, &dev, &kd, NULL);

    if (err != cudaSuccess) {
        return gvrt_fail(err);
    }
    err = gvrt_begin_dev(&c, GV_API_gvFuncSetAttr, gvf_dev_ordinal(dev), 0);
    if (err != cudaSuccess) {
        return err;
    }
    gvc_enc_u64(&c.enc, kd->func);
    gvc_enc_i32(&c.enc, attr);
    gvc_enc_i32(&c.enc, value);
    err = gvrt_end(&c, gvf_call_sync(&c));
    if (err == cudaSuccess && attr >= 0 && attr < 16) {
        kd->attr[attr] = value; /* launches check against it */
    }
    return err;
}

GVRT_API cudaError_t CUDARTAPI cudaFuncSetAttribute(const void *func,
                                                    enum cudaFuncAttribute a,
                                                    int value)
{
    return func_set(func, (int32_t)a, value);
}

GVRT_API cudaError_t CUDARTAPI cudaFuncSetCacheConfig(const void *func,
                                                      enum cudaFuncCache cfg)
{
    return func_set(func, -1, (int32_t)cfg);
}

GVRT_API cudaError_t CUDARTAPI cudaFuncGetName(const char **name,
                                               const void *func)
{
    kern_t *k = kern_find(func);

    if (k == NULL) {
        k = kern_from_handle(func);
    }
    if (name == NULL || k == NULL) {
        return gvrt_fail(name ? cudaErrorInvalidDeviceFunction
                              : cudaErrorInvalidValue);
    }
    *name = k->name;
    return cudaSuccess;
}

GVRT_API cudaError_t CUDARTAPI cudaGetFuncBySymbol(cudaFunction_t *f,
                                                   const void *func)
{
    gvf_dev_t *dev;
    k_dev_t *kd;
    cudaError_t err;

    if (f == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = func_on_current(func, &dev, &kd, NULL);
    if (err != cudaSuccess) {
        return gvrt_fail(err);
    }
    *f = (cudaFunction_t)(uintptr_t)kd->func;
    return cudaSuccess;
}

static cudaError_t occupancy(const void *func, int32_t block, uint64_t smem,
                             uint32_t flags, void *out)
{
    gvf_dev_t *dev;
    k_dev_t *kd;
    gvf_call_t c;
    gvc_status_t st;
    cudaError_t err;

    if (out == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = func_on_current(func, &dev, &kd, NULL);
    if (err != cudaSuccess) {
        return gvrt_fail(err);
    }
    err = gvrt_begin_dev(&c, GV_API_gvOccupancy, gvf_dev_ordinal(dev), 0);
    if (err != cudaSuccess) {
        return err;
    }
    gvc_enc_u64(&c.enc, kd->func);
    gvc_enc_i32(&c.enc, block);
    gvc_enc_u64(&c.enc, smem);
    gvc_enc_u32(&c.enc, flags);
    st = gvf_call_sync(&c);
    if (gvrt_ok(&c, st) && flags == UINT32_MAX) {
        uint64_t v = 0;
        gvc_dec_u64(&c.dec, &v);
        *(size_t *)out = v;
    } else if (gvrt_ok(&c, st)) {
        gvc_dec_i32(&c.dec, (int32_t *)out);
    }
    return gvrt_end(&c, st);
}

GVRT_API cudaError_t CUDARTAPI cudaOccupancyMaxActiveBlocksPerMultiprocessor(
    int *n, const void *func, int block, size_t smem)
{
    return occupancy(func, block, smem, 0, n);
}

GVRT_API cudaError_t CUDARTAPI
cudaOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(int *n,
                                                       const void *func,
                                                       int block, size_t smem,
                                                       unsigned int flags)
{
    return occupancy(func, block, smem, flags, n);
}

GVRT_API cudaError_t CUDARTAPI cudaOccupancyAvailableDynamicSMemPerBlock(
    size_t *smem, const void *func, int n_blocks, int block)
{
    /* The smem slot carries the block count for this query. */
    return occupancy(func, block, (uint64_t)n_blocks, UINT32_MAX, smem);
}

/* The layout comes with the kernel's resolution: no round trip. */
GVRT_API cudaError_t CUDARTAPI cudaFuncGetParamInfo(const void *func,
                                                    size_t paramIndex,
                                                    size_t *paramOffset,
                                                    size_t *paramSize)
{
    gvf_dev_t *dev;
    k_dev_t *kd;
    cudaError_t err = func_on_current(func, &dev, &kd, NULL);

    if (err != cudaSuccess) {
        return gvrt_fail(err);
    }
    if (paramIndex >= kd->n_params) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    if (paramOffset != NULL) {
        *paramOffset = kd->off[paramIndex];
    }
    if (paramSize != NULL) {
        *paramSize = kd->size[paramIndex];
    }
    return cudaSuccess;
}

/* Deprecated (a no-op on current GPUs); still checked by the driver. */
GVRT_API cudaError_t CUDARTAPI
cudaFuncSetSharedMemConfig(const void *func, enum cudaSharedMemConfig config)
{
    if ((unsigned)config > cudaSharedMemBankSizeEightByte) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    return func_set(func, -2, (int32_t)config);
}

/* gvOccupancyCluster: a launch configuration without parameters (its
 * flags say which question) -> i32. */
static cudaError_t cluster_query(const void *func,
                                 const cudaLaunchConfig_t *cfg,
                                 uint32_t which, int *out)
{
    gvf_dev_t *dev;
    k_dev_t *kd;
    gvx_launch_t a;
    gvf_call_t c;
    gvc_status_t st;
    cudaError_t err;

    if (out == NULL || cfg == NULL ||
        (cfg->numAttrs > 0 && cfg->attrs == NULL) || cfg->numAttrs > 64) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = func_on_current(func, &dev, &kd, NULL);
    if (err != cudaSuccess) {
        return gvrt_fail(err);
    }
    err = gvrt_begin_dev(&c, GV_API_gvOccupancyCluster, gvf_dev_ordinal(dev),
                         128 + (size_t)cfg->numAttrs * GVX_ATTR_SIZE);
    if (err != cudaSuccess) {
        return err;
    }
    memset(&a, 0, sizeof(a));
    a.func = kd->func;
    a.grid[0] = cfg->gridDim.x;
    a.grid[1] = cfg->gridDim.y;
    a.grid[2] = cfg->gridDim.z;
    a.block[0] = cfg->blockDim.x;
    a.block[1] = cfg->blockDim.y;
    a.block[2] = cfg->blockDim.z;
    a.shmem = cfg->dynamicSmemBytes;
    a.stream = (uint64_t)(uintptr_t)cfg->stream;
    a.flags = which;
    a.attrs = cfg->attrs;
    a.n_attrs = cfg->attrs != NULL ? cfg->numAttrs : 0;
    gvx_launch_pack(&c.enc, &a);
    st = gvf_call_sync(&c);
    if (gvrt_ok(&c, st)) {
        int32_t v = 0;
        gvc_dec_i32(&c.dec, &v);
        *out = v;
    }
    return gvrt_end(&c, st);
}

GVRT_API cudaError_t CUDARTAPI cudaOccupancyMaxActiveClusters(
    int *numClusters, const void *func, const cudaLaunchConfig_t *launchConfig)
{
    return cluster_query(func, launchConfig, GVX_OCC_ACTIVE_CLUSTERS,
                         numClusters);
}

GVRT_API cudaError_t CUDARTAPI cudaOccupancyMaxPotentialClusterSize(
    int *clusterSize, const void *func, const cudaLaunchConfig_t *launchConfig)
{
    return cluster_query(func, launchConfig, GVX_OCC_CLUSTER_SIZE,
                         clusterSize);
}

/* ---- kernels in graph nodes (cudart_graph.c) ------------------------------------ */

/* CU_LAUNCH_PARAM_* of cuda.h, which this file does not include. */
#define PARAM_END ((void *)0)
#define PARAM_BUFFER_POINTER ((void *)1)
#define PARAM_BUFFER_SIZE ((void *)2)

cudaError_t gvrt_kernel_pack(gvf_dev_t *dev, const void *func, void **args,
                             void **extra, uint8_t *buf, uint32_t *len_p,
                             uint64_t *fn_p)
{
    kern_t *k = kern_find(func);
    const void *xbuf = NULL;
    size_t xlen = 0;
    k_dev_t *kd;
    cudaError_t err;

    if (k == NULL) {
        k = kern_from_handle(func);
    }
    if (k == NULL) {
        return cudaErrorInvalidDeviceFunction;
    }
    err = kernel_on(dev, k, &kd);
    if (err != cudaSuccess) {
        return err;
    }
    if (kd->params_len > GVX_MAX_PARAM_BYTES) {
        return cudaErrorInvalidValue;
    }
    memset(buf, 0, kd->params_len);
    if (args != NULL) {
        for (uint32_t i = 0; i < kd->n_params; i++) {
            memcpy(buf + kd->off[i], args[i], kd->size[i]);
        }
    } else if (extra != NULL) {
        for (size_t i = 0; extra[i] != PARAM_END; i += 2) {
            if (extra[i] == PARAM_BUFFER_POINTER) {
                xbuf = extra[i + 1];
            } else if (extra[i] == PARAM_BUFFER_SIZE) {
                xlen = *(size_t *)extra[i + 1];
            } else {
                return cudaErrorInvalidValue;
            }
        }
        if (xbuf == NULL || xlen < kd->params_len) {
            return cudaErrorInvalidValue;
        }
        memcpy(buf, xbuf, kd->params_len);
    } else if (kd->n_params > 0) {
        return cudaErrorInvalidValue;
    }
    *len_p = kd->params_len;
    *fn_p = kd->func;
    return cudaSuccess;
}

const void *gvrt_kernel_host(gvf_dev_t *dev, uint64_t fn, uint32_t *n_p,
                             const uint32_t **off_p, const uint32_t **size_p)
{
    int o = gvf_dev_ordinal(dev);
    const void *host = NULL;

    pthread_mutex_lock(&klock);
    for (int i = 0; i < KHASH && host == NULL; i++) {
        for (kern_t *k = kerns[i]; k != NULL; k = k->next) {
            if (k->dev != NULL && atomic_load(&k->dev[o].ready) &&
                k->dev[o].func == fn) {
                host = k->host_fun;
                *n_p = k->dev[o].n_params;
                *off_p = k->dev[o].off;
                *size_p = k->dev[o].size;
                break;
            }
        }
    }
    pthread_mutex_unlock(&klock);
    return host;
}

/* ---- symbols ---------------------------------------------------------------------- */

/* The device address of a __device__ variable on the current device. */
static cudaError_t symbol_on_current(const void *sym, uint64_t *dptr,
                                     size_t *size, gvf_dev_t **dev_p)
{
    gvc_status_t st = gvf_init();
    var_t *v = var_find(sym);
    gvx_kernel_req_t rq;
    gvx_symbol_t out = { 0 };
    gvf_dev_t *dev;
    cudaError_t err;
    gvf_call_t c;
    int o;

    if (st != GVC_OK) {
        return gvrt_status_to_error(st);
    }
    dev = gvf_current_dev();
    if (v == NULL || dev == NULL) {
        return v ? cudaErrorInvalidDevice : cudaErrorInvalidSymbol;
    }
    if (v->managed) {
        return cudaErrorNotSupported;
    }
    o = gvf_dev_ordinal(dev);
    *dev_p = dev;
    pthread_mutex_lock(&klock);
    if (v->dptr == NULL) {
        v->dptr = calloc((size_t)gvf_device_count(), sizeof(*v->dptr));
    }
    if (v->dptr == NULL) {
        pthread_mutex_unlock(&klock);
        return cudaErrorMemoryAllocation;
    }
    if (v->dptr[o] != 0) {
        *dptr = v->dptr[o];
        *size = v->size;
        pthread_mutex_unlock(&klock);
        return cudaSuccess;
    }
    err = fatbin_module(dev, v->fb, &rq.module);
    rq.name = v->name;
    if (err == cudaSuccess) {
        err = gvrt_begin_dev(&c, GV_API_gvSymbolResolve, o, 0);
    }
    if (err == cudaSuccess) {
        gvx_kernel_req_pack(&c.enc, &rq);
        st = gvf_call_sync(&c);
        if (gvrt_ok(&c, st) && gvx_symbol_unpack(&c.dec, &out) != 0) {
            c.reply.result = cudaErrorUnknown;
        }
        err = gvrt_end(&c, st);
    }
    if (err == cudaSuccess) {
        v->dptr[o] = out.dptr;
        v->size = out.size;
        gvrt_alloc_add(dev, (void *)(uintptr_t)out.dptr, out.size);
    }
    *dptr = v->dptr[o];
    *size = v->size;
    pthread_mutex_unlock(&klock);
    return err;
}

GVRT_API cudaError_t CUDARTAPI cudaGetSymbolAddress(void **p, const void *sym)
{
    gvf_dev_t *dev;
    uint64_t d;
    size_t size;
    cudaError_t err;

    if (p == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = symbol_on_current(sym, &d, &size, &dev);
    if (err == cudaSuccess) {
        *p = (void *)(uintptr_t)d;
    }
    return err == cudaSuccess ? err : gvrt_fail(err);
}

GVRT_API cudaError_t CUDARTAPI cudaGetSymbolSize(size_t *size,
                                                 const void *sym)
{
    gvf_dev_t *dev;
    uint64_t d;
    cudaError_t err;

    if (size == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = symbol_on_current(sym, &d, size, &dev);
    return err == cudaSuccess ? err : gvrt_fail(err);
}

/* Symbol copies are plain copies to the variable's address. */
static cudaError_t symbol_copy(const void *sym, size_t count, size_t offset,
                               void **dptr_p)
{
    gvf_dev_t *dev;
    uint64_t d;
    size_t size;
    cudaError_t err = symbol_on_current(sym, &d, &size, &dev);

    if (err != cudaSuccess) {
        return err;
    }
    if (offset > size || count > size - offset) {
        return cudaErrorInvalidValue;
    }
    *dptr_p = (void *)(uintptr_t)(d + offset);
    return cudaSuccess;
}

static cudaError_t to_symbol(const void *sym, const void *src, size_t count,
                             size_t offset, enum cudaMemcpyKind k,
                             cudaStream_t s, uint32_t flags)
{
    cudaError_t err;
    void *d;

    if (k != cudaMemcpyHostToDevice && k != cudaMemcpyDeviceToDevice &&
        k != cudaMemcpyDefault) {
        return gvrt_fail(cudaErrorInvalidMemcpyDirection);
    }
    err = symbol_copy(sym, count, offset, &d);
    if (err != cudaSuccess) {
        return gvrt_fail(err);
    }
    return gvrt_copy(d, src, count, k, s, flags);
}

static cudaError_t from_symbol(void *dst, const void *sym, size_t count,
                               size_t offset, enum cudaMemcpyKind k,
                               cudaStream_t s, uint32_t flags)
{
    cudaError_t err;
    void *d;

    if (k != cudaMemcpyDeviceToHost && k != cudaMemcpyDeviceToDevice &&
        k != cudaMemcpyDefault) {
        return gvrt_fail(cudaErrorInvalidMemcpyDirection);
    }
    err = symbol_copy(sym, count, offset, &d);
    if (err != cudaSuccess) {
        return gvrt_fail(err);
    }
    return gvrt_copy(dst, d, count, k, s, flags);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpyToSymbol(const void *sym,
                                                  const void *src,
                                                  size_t count, size_t offset,
                                                  enum cudaMemcpyKind k)
{
    return to_symbol(sym, src, count, offset, k, NULL, 0);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpyToSymbol_ptds(
    const void *sym, const void *src, size_t count, size_t offset,
    enum cudaMemcpyKind k)
{
    return to_symbol(sym, src, count, offset, k, NULL, GVX_CPY_PTDS);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpyToSymbolAsync(
    const void *sym, const void *src, size_t count, size_t offset,
    enum cudaMemcpyKind k, cudaStream_t s)
{
    return to_symbol(sym, src, count, offset, k, s, GVX_CPY_ASYNC);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpyToSymbolAsync_ptsz(
    const void *sym, const void *src, size_t count, size_t offset,
    enum cudaMemcpyKind k, cudaStream_t s)
{
    return to_symbol(sym, src, count, offset, k, s,
                     GVX_CPY_ASYNC | GVX_CPY_PTDS);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpyFromSymbol(void *dst,
                                                    const void *sym,
                                                    size_t count,
                                                    size_t offset,
                                                    enum cudaMemcpyKind k)
{
    return from_symbol(dst, sym, count, offset, k, NULL, 0);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpyFromSymbol_ptds(
    void *dst, const void *sym, size_t count, size_t offset,
    enum cudaMemcpyKind k)
{
    return from_symbol(dst, sym, count, offset, k, NULL, GVX_CPY_PTDS);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpyFromSymbolAsync(
    void *dst, const void *sym, size_t count, size_t offset,
    enum cudaMemcpyKind k, cudaStream_t s)
{
    return from_symbol(dst, sym, count, offset, k, s, GVX_CPY_ASYNC);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpyFromSymbolAsync_ptsz(
    void *dst, const void *sym, size_t count, size_t offset,
    enum cudaMemcpyKind k, cudaStream_t s)
{
    return from_symbol(dst, sym, count, offset, k, s,
                       GVX_CPY_ASYNC | GVX_CPY_PTDS);
}
