/*
 * cuda_module.c - modules, libraries, functions and launches of the
 * driver API.
 *
 * Images (cubin, PTX, fatbin) travel whole as bulk data; their size is
 * read from their headers (ELF, fatbin) or is the text's length (PTX).
 * A function's parameter layout comes from cuFuncGetParamInfo on the
 * worker, once per function and device (gvCuFuncInfo), and launches pack
 * kernelParams with it into one buffer, as the runtime does: a launch is
 * one one-way message (gvLaunch, the runtime's).  A CUkernel given where
 * a CUfunction is expected becomes the current context's function.
 */
#include "config.h"

#define __CUDA_API_VERSION_INTERNAL 1

#include "gvcu.h"
#include "gvf_alloc.h"
#include "gvf_fatbin.h"
#include "gvf_hostfn.h"
#include "gv_api_cuda.h"
#include "gv_api_cudart.h"
#include "gvx.h"
#include "gvc_log.h"

#include <elf.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_IMAGE     ((uint64_t)2 << 30)

/* ---- images --------------------------------------------------------------------- */

/* The extent of an ELF image: its headers and every section with bytes
 * in the file. */
static size_t elf_size(const Elf64_Ehdr *e)
{
    const Elf64_Shdr *sh = (const Elf64_Shdr *)((const char *)e + e->e_shoff);
    size_t end = sizeof(*e);

    if (e->e_ident[EI_CLASS] != ELFCLASS64) {
        return 0;
    }
    if (e->e_shoff + (size_t)e->e_shnum * e->e_shentsize > end) {
        end = e->e_shoff + (size_t)e->e_shnum * e->e_shentsize;
    }
    if (e->e_phoff + (size_t)e->e_phnum * e->e_phentsize > end) {
        end = e->e_phoff + (size_t)e->e_phnum * e->e_phentsize;
    }
    for (int i = 0; e->e_shentsize == sizeof(*sh) && i < e->e_shnum; i++) {
        if (sh[i].sh_type != SHT_NOBITS &&
            sh[i].sh_offset + sh[i].sh_size > end) {
            end = sh[i].sh_offset + sh[i].sh_size;
        }
    }
    return end;
}

/* Where an image starts and how many bytes it has; 0 if unknown. */
static size_t image_size(const void **image)
{
    const gvf_fatbin_wrapper_t *w = *image;
    const gvf_fatbin_hdr_t *f;
    const unsigned char *b;

    if (w->magic == GVF_FATBINC_MAGIC) {
        *image = w->data;
    }
    f = *image;
    b = *image;
    if (f->magic == GVF_FATBIN_MAGIC) {
        return f->fat_size <= MAX_IMAGE ? f->header_size + f->fat_size : 0;
    }
    if (memcmp(b, ELFMAG, SELFMAG) == 0) {
        return elf_size(*image);
    }
    return strnlen(*image, MAX_IMAGE) + 1; /* PTX text */
}

/* JIT options whose value is a number travel; the ones naming buffers of
 * this process (logs) are answered here: empty logs. */
static int opt_is_value(CUjit_option o)
{
    switch (o) {
    case CU_JIT_INFO_LOG_BUFFER:
    case CU_JIT_ERROR_LOG_BUFFER:
    case CU_JIT_WALL_TIME:
    case CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES:
    case CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES:
    case CU_JIT_GLOBAL_SYMBOL_NAMES:
    case CU_JIT_GLOBAL_SYMBOL_ADDRESSES:
    case CU_JIT_REFERENCED_KERNEL_NAMES:
    case CU_JIT_REFERENCED_VARIABLE_NAMES:
        return 0;
    default:
        return 1;
    }
}

static void opts_answer(unsigned n, CUjit_option *opt, void **val)
{
    for (unsigned i = 0; opt != NULL && val != NULL && i < n; i++) {
        if ((opt[i] == CU_JIT_INFO_LOG_BUFFER ||
             opt[i] == CU_JIT_ERROR_LOG_BUFFER) && val[i] != NULL) {
            *(char *)val[i] = '\0';
        } else if (opt[i] == CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES ||
                   opt[i] == CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES) {
            val[i] = (void *)(uintptr_t)0;
        } else if (opt[i] == CU_JIT_WALL_TIME) {
            float zero = 0;
            memcpy(&val[i], &zero, sizeof(zero));
        }
    }
}

/* gvCuModuleLoad for a module (what 0) or a library (what 1). */
static CUresult image_load(int what, const void *image, size_t size,
                           unsigned n, CUjit_option *opt, void **val,
                           uint64_t *h_p)
{
    gvf_call_t c;
    gvc_status_t st;
    unsigned sent = 0;
    CUresult err;

    if (image == NULL || size == 0 || size > MAX_IMAGE) {
        return CUDA_ERROR_INVALID_IMAGE;
    }
    if (n > 0 && (opt == NULL || val == NULL)) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = gvcu_begin(&c, GV_API_gvCuModuleLoad, 64 + 12 * (size_t)n);
    if (err != CUDA_SUCCESS) {
        return err;
    }
    for (unsigned i = 0; i < n; i++) {
        sent += opt_is_value(opt[i]);
    }
    gvc_enc_u32(&c.enc, (uint32_t)what);
    gvc_enc_u32(&c.enc, sent > 32 ? 33 : sent);
    for (unsigned i = 0; i < n; i++) {
        if (opt_is_value(opt[i])) {
            gvc_enc_i32(&c.enc, (int32_t)opt[i]);
            gvc_enc_u64(&c.enc, (uint64_t)(uintptr_t)val[i]);
        }
    }
    gvf_call_data_out(&c, image, size, NULL);
    st = gvf_call_sync(&c);
    if (gvcu_ok(&c, st)) {
        gvc_dec_u64(&c.dec, h_p);
    }
    err = gvcu_end(&c, st);
    if (err == CUDA_SUCCESS) {
        opts_answer(n, opt, val);
    }
    return err;
}

static CUresult module_load(CUmodule *module, const void *image,
                            unsigned n, CUjit_option *opt, void **val)
{
    uint64_t h = 0;
    size_t size;
    CUresult err;

    if (module == NULL || image == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    size = image_size(&image);
    err = image_load(0, image, size, n, opt, val, &h);
    if (err == CUDA_SUCCESS) {
        *module = (CUmodule)(uintptr_t)h;
    }
    return err;
}

GVCU_API CUresult CUDAAPI cuModuleLoadData(CUmodule *module,
                                          const void *image)
{
    return module_load(module, image, 0, NULL, NULL);
}

GVCU_API CUresult CUDAAPI cuModuleLoadDataEx(CUmodule *module,
                                            const void *image,
                                            unsigned int numOptions,
                                            CUjit_option *options,
                                            void **optionValues)
{
    return module_load(module, image, numOptions, options, optionValues);
}

GVCU_API CUresult CUDAAPI cuModuleLoadFatBinary(CUmodule *module,
                                               const void *fatCubin)
{
    return module_load(module, fatCubin, 0, NULL, NULL);
}

/* A file's bytes, NUL-terminated (PTX), on the heap. */
static CUresult read_file(const char *path, void **buf_p, size_t *len_p)
{
    FILE *fp;
    struct stat sb;
    char *buf;

    if (path == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    fp = fopen(path, "rb");
    if (fp == NULL) {
        return CUDA_ERROR_FILE_NOT_FOUND;
    }
    if (fstat(fileno(fp), &sb) != 0 || sb.st_size <= 0 ||
        (uint64_t)sb.st_size > MAX_IMAGE) {
        fclose(fp);
        return CUDA_ERROR_INVALID_IMAGE;
    }
    buf = malloc((size_t)sb.st_size + 1);
    if (buf == NULL) {
        fclose(fp);
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    if (fread(buf, 1, (size_t)sb.st_size, fp) != (size_t)sb.st_size) {
        free(buf);
        fclose(fp);
        return CUDA_ERROR_FILE_NOT_FOUND;
    }
    fclose(fp);
    buf[sb.st_size] = '\0';
    *buf_p = buf;
    *len_p = (size_t)sb.st_size + 1;
    return CUDA_SUCCESS;
}

GVCU_API CUresult CUDAAPI cuModuleLoad(CUmodule *module, const char *fname)
{
    void *buf = NULL;
    size_t len = 0;
    uint64_t h = 0;
    CUresult err;

    if (module == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = read_file(fname, &buf, &len);
    if (err == CUDA_SUCCESS) {
        err = image_load(0, buf, len, 0, NULL, NULL, &h);
    }
    free(buf);
    if (err == CUDA_SUCCESS) {
        *module = (CUmodule)(uintptr_t)h;
    }
    return err;
}

static CUresult library_load(CUlibrary *library, const void *code,
                             size_t size, unsigned n, CUjit_option *opt,
                             void **val, unsigned n_lib)
{
    uint64_t h = 0;
    CUresult err;

    if (library == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    (void)n_lib; /* library options concern host tables of this process */
    err = image_load(1, code, size, n, opt, val, &h);
    if (err == CUDA_SUCCESS) {
        *library = (CUlibrary)(uintptr_t)h;
    }
    return err;
}

GVCU_API CUresult CUDAAPI cuLibraryLoadData(
    CUlibrary *library, const void *code, CUjit_option *jitOptions,
    void **jitOptionsValues, unsigned int numJitOptions,
    CUlibraryOption *libraryOptions, void **libraryOptionValues,
    unsigned int numLibraryOptions)
{
    (void)libraryOptions;
    (void)libraryOptionValues;
    if (code == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    return library_load(library, code, image_size(&code), numJitOptions,
                        jitOptions, jitOptionsValues, numLibraryOptions);
}

GVCU_API CUresult CUDAAPI cuLibraryLoadFromFile(
    CUlibrary *library, const char *fileName, CUjit_option *jitOptions,
    void **jitOptionsValues, unsigned int numJitOptions,
    CUlibraryOption *libraryOptions, void **libraryOptionValues,
    unsigned int numLibraryOptions)
{
    void *buf = NULL;
    size_t len = 0;
    CUresult err = read_file(fileName, &buf, &len);

    (void)libraryOptions;
    (void)libraryOptionValues;
    if (err == CUDA_SUCCESS) {
        err = library_load(library, buf, len, numJitOptions, jitOptions,
                           jitOptionsValues, numLibraryOptions);
    }
    free(buf);
    return err;
}

/* ---- functions: layouts and names, per device ---------------------------------- */

typedef struct func {
    struct func *next;
    int dev;
    uint64_t handle;      /* what the program holds (function or kernel) */
    uint64_t func;        /* the worker's function for launches */
    uint32_t n_params;
    uint32_t *off, *size; /* owned, n_params each */
    uint32_t params_len;
    int32_t attr[16];
    char *name;           /* owned; lives until exit (names are returned) */
    /* The pre-4.0 launch API's state. */
    int block[3];
    unsigned shared;
    uint8_t *pbuf;        /* owned, GVX_MAX_PARAM_BYTES, lazily */
    uint32_t plen;
} func_t;

#define FHASH 256
static pthread_mutex_t flock = PTHREAD_MUTEX_INITIALIZER;
static func_t *funcs[FHASH];

static size_t fslot(uint64_t h)
{
    return (size_t)((h >> 4) ^ (h >> 14)) & (FHASH - 1);
}

void gvcu_funcs_reset(gvf_dev_t *dev)
{
    int o = gvf_dev_ordinal(dev);

    /* Layouts are forgotten; names stay (programs may hold them). */
    pthread_mutex_lock(&flock);
    for (int i = 0; i < FHASH; i++) {
        for (func_t *f = funcs[i]; f != NULL; f = f->next) {
            if (f->dev == o) {
                f->handle = 0;
            }
        }
    }
    pthread_mutex_unlock(&flock);
}

/* The record of handle on dev, fetched on first use (flock held). */
static CUresult func_fetch(gvf_dev_t *dev, uint64_t handle, func_t **f_p)
{
    int o = gvf_dev_ordinal(dev);
    gvx_kernel_info_t *info;
    const char *name = NULL;
    gvf_call_t c;
    gvc_status_t st;
    CUresult err;
    func_t *f;

    for (f = funcs[fslot(handle)]; f != NULL; f = f->next) {
        if (f->handle == handle && f->dev == o) {
            *f_p = f;
            return CUDA_SUCCESS;
        }
    }
    info = calloc(1, sizeof(*info));
    f = calloc(1, sizeof(*f));
    if (info == NULL || f == NULL) {
        free(info);
        free(f);
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    err = gvcu_begin_dev(&c, GV_API_gvCuFuncInfo, o, 0);
    if (err == CUDA_SUCCESS &&
        gvf_call_reply_room(&c, 2 * 4 * GVX_MAX_PARAMS + 1280) != GVC_OK) {
        gvf_call_fini(&c);
        err = CUDA_ERROR_OUT_OF_MEMORY;
    }
    if (err == CUDA_SUCCESS) {
        gvc_enc_u64(&c.enc, handle);
        st = gvf_call_sync(&c);
        if (gvcu_ok(&c, st)) {
            /* The name, then the layout (which ends the reply). */
            gvc_dec_str(&c.dec, &name, 1024);
            if (c.dec.status != GVC_OK ||
                gvx_kernel_info_unpack(&c.dec, info) != 0) {
                st = GVC_ERR_PROTO;
            }
        }
        if (gvcu_ok(&c, st)) {
            f->name = strdup(name != NULL ? name : "");
        }
        err = gvcu_end(&c, st);
    }
    if (err == CUDA_SUCCESS) {
        f->off = malloc(info->n_params * sizeof(uint32_t) + 1);
        f->size = malloc(info->n_params * sizeof(uint32_t) + 1);
        if (f->off == NULL || f->size == NULL || f->name == NULL) {
            err = CUDA_ERROR_OUT_OF_MEMORY;
        }
    }
    if (err != CUDA_SUCCESS) {
        free(f->off);
        free(f->size);
        free(f->name);
        free(f);
        free(info);
        return err;
    }
    f->dev = o;
    f->handle = handle;
    f->func = info->func;
    f->n_params = info->n_params;
    for (uint32_t i = 0; i < info->n_params; i++) {
        f->off[i] = info->off[i];
        f->size[i] = info->size[i];
        if (info->off[i] + info->size[i] > f->params_len) {
            f->params_len = info->off[i] + info->size[i];
        }
    }
    memcpy(f->attr, info->attr, sizeof(f->attr));
    f->next = funcs[fslot(handle)];
    funcs[fslot(handle)] = f;
    free(info);
    *f_p = f;
    return CUDA_SUCCESS;
}

/* The record of a function or kernel in the current context. */
static CUresult func_get(const void *handle, gvf_dev_t **dev_p, func_t **f_p)
{
    CUresult err = gvcu_init_check();
    CUcontext ctx;
    gvf_dev_t *dev;
    int o;

    if (err != CUDA_SUCCESS) {
        return err;
    }
    if (handle == NULL) {
        return CUDA_ERROR_INVALID_HANDLE;
    }
    gvcu_ctx_current(&ctx, &o);
    dev = gvf_dev(o);
    if (dev == NULL) {
        return CUDA_ERROR_INVALID_CONTEXT;
    }
    err = gvcu_ctx_enter(dev, ctx);
    if (err != CUDA_SUCCESS) {
        return err;
    }
    pthread_mutex_lock(&flock);
    err = func_fetch(dev, (uint64_t)(uintptr_t)handle, f_p);
    pthread_mutex_unlock(&flock);
    *dev_p = dev;
    return err;
}

GVCU_API CUresult CUDAAPI cuFuncGetName(const char **name, CUfunction hfunc)
{
    gvf_dev_t *dev;
    func_t *f;
    CUresult err;

    if (name == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = func_get(hfunc, &dev, &f);
    if (err == CUDA_SUCCESS) {
        *name = f->name;
    }
    return err;
}

GVCU_API CUresult CUDAAPI cuKernelGetName(const char **name, CUkernel hfunc)
{
    return cuFuncGetName(name, (CUfunction)hfunc);
}

/* A module or library going away: its functions' layouts go too (a new
 * function may get a freed one's handle). */
static CUresult unload(uint32_t api, const void *h)
{
    gvf_call_t c;
    CUresult err = gvcu_begin(&c, api, 0);

    if (err != CUDA_SUCCESS) {
        return err;
    }
    gvc_enc_ptr(&c.enc, h);
    {
        gvf_dev_t *dev = c.dev;
        err = gvcu_end(&c, gvf_call_sync(&c));
        if (err == CUDA_SUCCESS) {
            gvcu_funcs_reset(dev);
        }
    }
    return err;
}

GVCU_API CUresult CUDAAPI cuModuleUnload(CUmodule hmod)
{
    return unload(GV_API_cuModuleUnload, hmod);
}

GVCU_API CUresult CUDAAPI cuLibraryUnload(CUlibrary library)
{
    return unload(GV_API_cuLibraryUnload, library);
}

/* ---- globals --------------------------------------------------------------------- */

static CUresult global(uint32_t what, const void *h, const char *name,
                       CUdeviceptr *dptr, size_t *bytes)
{
    gvf_call_t c;
    gvc_status_t st;
    uint64_t p = 0, size = 0;
    CUresult err;

    if (name == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = gvcu_begin(&c, GV_API_gvCuGlobal, 64 + strlen(name));
    if (err != CUDA_SUCCESS) {
        return err;
    }
    gvc_enc_u32(&c.enc, what);
    gvc_enc_u64(&c.enc, (uint64_t)(uintptr_t)h);
    gvc_enc_str(&c.enc, name);
    st = gvf_call_sync(&c);
    if (gvcu_ok(&c, st)) {
        gvc_dec_u64(&c.dec, &p);
        gvc_dec_u64(&c.dec, &size);
        gvf_alloc_add(c.dev, (void *)(uintptr_t)p, size);
    }
    err = gvcu_end(&c, st);
    if (err == CUDA_SUCCESS) {
        if (dptr != NULL) {
            *dptr = p;
        }
        if (bytes != NULL) {
            *bytes = size;
        }
    }
    return err;
}

GVCU_API CUresult CUDAAPI cuModuleGetGlobal_v2(CUdeviceptr *dptr,
                                              size_t *bytes, CUmodule hmod,
                                              const char *name)
{
    return global(0, hmod, name, dptr, bytes);
}

GVCU_API CUresult CUDAAPI cuLibraryGetGlobal(CUdeviceptr *dptr,
                                            size_t *bytes,
                                            CUlibrary library,
                                            const char *name)
{
    return global(1, library, name, dptr, bytes);
}

/* ---- launches -------------------------------------------------------------------- */

/* Pack kernelParams (or take extra's buffer) into buf. */
static CUresult pack_params(const func_t *f, void **params, void **extra,
                            uint8_t *buf, uint32_t *len_p)
{
    if (params != NULL) {
        if (f->params_len > GVX_MAX_PARAM_BYTES) {
            return CUDA_ERROR_INVALID_VALUE;
        }
        memset(buf, 0, f->params_len);
        for (uint32_t i = 0; i < f->n_params; i++) {
            if (params[i] == NULL) {
                return CUDA_ERROR_INVALID_VALUE;
            }
            memcpy(buf + f->off[i], params[i], f->size[i]);
        }
        *len_p = f->params_len;
        return CUDA_SUCCESS;
    }
    if (extra != NULL) {
        const void *p = NULL;
        size_t size = 0;
        for (int i = 0; extra[i] != CU_LAUNCH_PARAM_END; i += 2) {
            if (extra[i] == CU_LAUNCH_PARAM_BUFFER_POINTER) {
                p = extra[i + 1];
            } else if (extra[i] == CU_LAUNCH_PARAM_BUFFER_SIZE) {
                size = *(const size_t *)extra[i + 1];
            } else {
                return CUDA_ERROR_INVALID_VALUE;
            }
        }
        if ((p == NULL && size > 0) || size > GVX_MAX_PARAM_BYTES ||
            size < f->params_len) {
            return CUDA_ERROR_INVALID_VALUE;
        }
        if (size > 0) {
            memcpy(buf, p, size);
        }
        *len_p = (uint32_t)size;
        return CUDA_SUCCESS;
    }
    *len_p = 0;
    return f->n_params == 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

static CUresult launch(const void *handle, const unsigned grid[3],
                       const unsigned block[3], unsigned shmem, CUstream s,
                       void **params, void **extra,
                       const CUlaunchAttribute *attrs, unsigned n_attrs)
{
    static uint8_t zero[1];
    uint8_t *buf;
    gvx_launch_t a;
    gvf_dev_t *dev;
    func_t *f;
    gvf_call_t c;
    uint64_t threads = (uint64_t)block[0] * block[1] * block[2];
    CUresult err;

    if (params != NULL && extra != NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = func_get(handle, &dev, &f);
    if (err != CUDA_SUCCESS) {
        return err;
    }
    if (grid[0] == 0 || grid[1] == 0 || grid[2] == 0 || threads == 0 ||
        threads > (uint64_t)f->attr[CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK] ||
        n_attrs > 64) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    buf = malloc(GVX_MAX_PARAM_BYTES);
    if (buf == NULL) {
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    memset(&a, 0, sizeof(a));
    err = pack_params(f, params, extra, buf, &a.params_len);
    if (err == CUDA_SUCCESS &&
        gvf_call_init(&c, dev, GV_API_gvLaunch,
                      a.params_len + 128 + (size_t)n_attrs * GVX_ATTR_SIZE) !=
            GVC_OK) {
        err = CUDA_ERROR_OUT_OF_MEMORY;
    }
    if (err != CUDA_SUCCESS) {
        free(buf);
        return err;
    }
    a.func = f->func;
    memcpy(a.grid, grid, sizeof(a.grid));
    memcpy(a.block, block, sizeof(a.block));
    a.shmem = shmem;
    a.stream = (uint64_t)(uintptr_t)s;
    a.params = a.params_len > 0 ? buf : zero;
    a.attrs = attrs;
    a.n_attrs = n_attrs;
    gvx_launch_pack(&c.enc, &a);
    free(buf);
    return gvcu_end(&c, gvf_call_oneway(&c));
}

static CUresult launch_kernel(CUfunction f, unsigned gx, unsigned gy,
                              unsigned gz, unsigned bx, unsigned by,
                              unsigned bz, unsigned shmem, CUstream s,
                              void **params, void **extra)
{
    unsigned g[3] = { gx, gy, gz }, b[3] = { bx, by, bz };

    return launch(f, g, b, shmem, s, params, extra, NULL, 0);
}

GVCU_API CUresult CUDAAPI cuLaunchKernel(
    CUfunction f, unsigned int gridDimX, unsigned int gridDimY,
    unsigned int gridDimZ, unsigned int blockDimX, unsigned int blockDimY,
    unsigned int blockDimZ, unsigned int sharedMemBytes, CUstream hStream,
    void **kernelParams, void **extra)
{
    return launch_kernel(f, gridDimX, gridDimY, gridDimZ, blockDimX,
                         blockDimY, blockDimZ, sharedMemBytes, hStream,
                         kernelParams, extra);
}

GVCU_API CUresult CUDAAPI cuLaunchKernel_ptsz(
    CUfunction f, unsigned int gridDimX, unsigned int gridDimY,
    unsigned int gridDimZ, unsigned int blockDimX, unsigned int blockDimY,
    unsigned int blockDimZ, unsigned int sharedMemBytes, CUstream hStream,
    void **kernelParams, void **extra)
{
    return launch_kernel(f, gridDimX, gridDimY, gridDimZ, blockDimX,
                         blockDimY, blockDimZ, sharedMemBytes,
                         gvcu_ptsz(hStream), kernelParams, extra);
}

static CUresult launch_ex(const CUlaunchConfig *cfg, CUfunction f,
                          void **params, void **extra, int ptsz)
{
    unsigned g[3], b[3];

    if (cfg == NULL || (cfg->numAttrs > 0 && cfg->attrs == NULL)) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    g[0] = cfg->gridDimX;
    g[1] = cfg->gridDimY;
    g[2] = cfg->gridDimZ;
    b[0] = cfg->blockDimX;
    b[1] = cfg->blockDimY;
    b[2] = cfg->blockDimZ;
    return launch(f, g, b, cfg->sharedMemBytes,
                  ptsz ? gvcu_ptsz(cfg->hStream) : cfg->hStream, params,
                  extra, cfg->attrs, cfg->numAttrs);
}

GVCU_API CUresult CUDAAPI cuLaunchKernelEx(const CUlaunchConfig *config,
                                          CUfunction f, void **kernelParams,
                                          void **extra)
{
    return launch_ex(config, f, kernelParams, extra, 0);
}

GVCU_API CUresult CUDAAPI cuLaunchKernelEx_ptsz(const CUlaunchConfig *config,
                                               CUfunction f,
                                               void **kernelParams,
                                               void **extra)
{
    return launch_ex(config, f, kernelParams, extra, 1);
}

static CUresult launch_coop(CUfunction f, unsigned gx, unsigned gy,
                            unsigned gz, unsigned bx, unsigned by,
                            unsigned bz, unsigned shmem, CUstream s,
                            void **params)
{
    unsigned g[3] = { gx, gy, gz }, b[3] = { bx, by, bz };
    CUlaunchAttribute at;

    memset(&at, 0, sizeof(at));
    at.id = CU_LAUNCH_ATTRIBUTE_COOPERATIVE;
    at.value.cooperative = 1;
    return launch(f, g, b, shmem, s, params, NULL, &at, 1);
}

GVCU_API CUresult CUDAAPI cuLaunchCooperativeKernel(
    CUfunction f, unsigned int gridDimX, unsigned int gridDimY,
    unsigned int gridDimZ, unsigned int blockDimX, unsigned int blockDimY,
    unsigned int blockDimZ, unsigned int sharedMemBytes, CUstream hStream,
    void **kernelParams)
{
    return launch_coop(f, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY,
                       blockDimZ, sharedMemBytes, hStream, kernelParams);
}

GVCU_API CUresult CUDAAPI cuLaunchCooperativeKernel_ptsz(
    CUfunction f, unsigned int gridDimX, unsigned int gridDimY,
    unsigned int gridDimZ, unsigned int blockDimX, unsigned int blockDimY,
    unsigned int blockDimZ, unsigned int sharedMemBytes, CUstream hStream,
    void **kernelParams)
{
    return launch_coop(f, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY,
                       blockDimZ, sharedMemBytes, gvcu_ptsz(hStream),
                       kernelParams);
}

/* ---- the pre-4.0 launch API: shapes and parameters kept here ----------------- */

static CUresult legacy(CUfunction hfunc, func_t **f_p)
{
    gvf_dev_t *dev;
    CUresult err = func_get(hfunc, &dev, f_p);

    if (err == CUDA_SUCCESS && (*f_p)->pbuf == NULL) {
        (*f_p)->pbuf = calloc(1, GVX_MAX_PARAM_BYTES);
        if ((*f_p)->pbuf == NULL) {
            return CUDA_ERROR_OUT_OF_MEMORY;
        }
    }
    return err;
}

GVCU_API CUresult CUDAAPI cuFuncSetBlockShape(CUfunction hfunc, int x, int y,
                                             int z)
{
    func_t *f;
    CUresult err = legacy(hfunc, &f);

    if (err == CUDA_SUCCESS) {
        f->block[0] = x;
        f->block[1] = y;
        f->block[2] = z;
    }
    return err;
}

GVCU_API CUresult CUDAAPI cuFuncSetSharedSize(CUfunction hfunc,
                                             unsigned int bytes)
{
    func_t *f;
    CUresult err = legacy(hfunc, &f);

    if (err == CUDA_SUCCESS) {
        f->shared = bytes;
    }
    return err;
}

GVCU_API CUresult CUDAAPI cuParamSetSize(CUfunction hfunc,
                                        unsigned int numbytes)
{
    func_t *f;
    CUresult err = legacy(hfunc, &f);

    if (err == CUDA_SUCCESS) {
        if (numbytes > GVX_MAX_PARAM_BYTES) {
            return CUDA_ERROR_INVALID_VALUE;
        }
        f->plen = numbytes;
    }
    return err;
}

GVCU_API CUresult CUDAAPI cuParamSetv(CUfunction hfunc, int offset,
                                     void *ptr, unsigned int numbytes)
{
    func_t *f;
    CUresult err = legacy(hfunc, &f);

    if (err == CUDA_SUCCESS) {
        if (offset < 0 || ptr == NULL ||
            (size_t)offset + numbytes > GVX_MAX_PARAM_BYTES) {
            return CUDA_ERROR_INVALID_VALUE;
        }
        memcpy(f->pbuf + offset, ptr, numbytes);
    }
    return err;
}

GVCU_API CUresult CUDAAPI cuParamSeti(CUfunction hfunc, int offset,
                                     unsigned int value)
{
    return cuParamSetv(hfunc, offset, &value, sizeof(value));
}

GVCU_API CUresult CUDAAPI cuParamSetf(CUfunction hfunc, int offset,
                                     float value)
{
    return cuParamSetv(hfunc, offset, &value, sizeof(value));
}

GVCU_API CUresult CUDAAPI cuParamSetTexRef(CUfunction hfunc, int texunit,
                                          CUtexref hTexRef)
{
    (void)hfunc;
    (void)texunit;
    (void)hTexRef;
    return gvcu_unsupported("cuParamSetTexRef (texture references of the "
                            "pre-4.0 launch API)");
}

static CUresult legacy_launch(CUfunction hfunc, int w, int h, CUstream s)
{
    unsigned g[3] = { (unsigned)w, (unsigned)h, 1 }, b[3];
    size_t size;
    void *extra[5];
    func_t *f;
    CUresult err = legacy(hfunc, &f);

    if (err != CUDA_SUCCESS) {
        return err;
    }
    if (w <= 0 || h <= 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    for (int i = 0; i < 3; i++) {
        b[i] = f->block[i] > 0 ? (unsigned)f->block[i] : 1;
    }
    size = f->plen;
    extra[0] = CU_LAUNCH_PARAM_BUFFER_POINTER;
    extra[1] = f->pbuf;
    extra[2] = CU_LAUNCH_PARAM_BUFFER_SIZE;
    extra[3] = &size;
    extra[4] = CU_LAUNCH_PARAM_END;
    return launch(hfunc, g, b, f->shared, s, NULL, extra, NULL, 0);
}

GVCU_API CUresult CUDAAPI cuLaunch(CUfunction f)
{
    return legacy_launch(f, 1, 1, NULL);
}

GVCU_API CUresult CUDAAPI cuLaunchGrid(CUfunction f, int grid_width,
                                      int grid_height)
{
    return legacy_launch(f, grid_width, grid_height, NULL);
}

GVCU_API CUresult CUDAAPI cuLaunchGridAsync(CUfunction f, int grid_width,
                                           int grid_height, CUstream hStream)
{
    return legacy_launch(f, grid_width, grid_height, hStream);
}

/* ---- occupancy with a callback -------------------------------------------------- */

/* As the runtime's inline cudaOccupancyMaxPotentialBlockSize: every
 * block size from the largest down, in warps, asking the GPU for the
 * occupancy of each; the callback (ours to run) gives the dynamic shared
 * memory a size needs. */
static CUresult max_potential(int *min_grid, int *block_size, CUfunction fn,
                              CUoccupancyB2DSize smem_fn, size_t smem,
                              int limit, unsigned flags)
{
    int device_max = 0, sms = 0, best_occ = 0, best_block = 0;
    gvf_dev_t *dev;
    func_t *f;
    CUresult err;

    if (min_grid == NULL || block_size == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = func_get(fn, &dev, &f);
    if (err == CUDA_SUCCESS) {
        err = cuDeviceGetAttribute(&sms,
                                   CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
                                   gvf_dev_ordinal(dev));
    }
    if (err != CUDA_SUCCESS) {
        return err;
    }
    device_max = f->attr[CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK];
    if (limit > 0 && limit < device_max) {
        device_max = limit;
    }
    for (int b = device_max; b > 0; b -= 32) {
        int blocks = 0;
        size_t s = smem_fn != NULL ? smem_fn(b) : smem;
        err = cuOccupancyMaxActiveBlocksPerMultiprocessorWithFlags(
            &blocks, fn, b, s, flags);
        if (err != CUDA_SUCCESS) {
            return err;
        }
        if (blocks * b > best_occ) {
            best_occ = blocks * b;
            best_block = b;
        }
        if (b < 32) {
            break;
        }
    }
    *block_size = best_block;
    *min_grid = best_block > 0 ? (best_occ / best_block) * sms : 0;
    return CUDA_SUCCESS;
}

GVCU_API CUresult CUDAAPI cuOccupancyMaxPotentialBlockSize(
    int *minGridSize, int *blockSize, CUfunction func,
    CUoccupancyB2DSize blockSizeToDynamicSMemSize, size_t dynamicSMemSize,
    int blockSizeLimit)
{
    return max_potential(minGridSize, blockSize, func,
                         blockSizeToDynamicSMemSize, dynamicSMemSize,
                         blockSizeLimit, 0);
}

GVCU_API CUresult CUDAAPI cuOccupancyMaxPotentialBlockSizeWithFlags(
    int *minGridSize, int *blockSize, CUfunction func,
    CUoccupancyB2DSize blockSizeToDynamicSMemSize, size_t dynamicSMemSize,
    int blockSizeLimit, unsigned int flags)
{
    return max_potential(minGridSize, blockSize, func,
                         blockSizeToDynamicSMemSize, dynamicSMemSize,
                         blockSizeLimit, flags);
}

/* ---- host functions ---------------------------------------------------------------- */

typedef struct hostfn {
    CUhostFn fn;              /* cuLaunchHostFunc, or */
    CUstreamCallback cb;      /* cuStreamAddCallback */
    CUstream stream;
    void *arg;
} hostfn_t;

static void hostfn_run(void *p)
{
    hostfn_t *h = p;

    if (h->fn != NULL) {
        h->fn(h->arg);
    } else {
        h->cb(h->stream, CUDA_SUCCESS, h->arg);
    }
    free(h);
}

/* Run on this machine, in stream order (gvHostFn, the runtime's). */
static CUresult enqueue(CUstream s, CUhostFn fn, CUstreamCallback cb,
                        void *arg)
{
    gvx_hostfn_t a = { .stream = (uint64_t)(uintptr_t)s };
    gvf_call_t c;
    hostfn_t *h;
    gvc_status_t st;
    CUresult err;

    if (fn == NULL && cb == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = gvcu_begin(&c, GV_API_gvHostFn, 0);
    if (err != CUDA_SUCCESS) {
        return err;
    }
    h = calloc(1, sizeof(*h));
    if (h == NULL ||
        gvf_hostfn_add(c.dev, a.stream, hostfn_run, h, &a.id) != GVC_OK) {
        free(h);
        gvf_call_fini(&c);
        return CUDA_ERROR_OUT_OF_MEMORY;
    }
    *h = (hostfn_t){ fn, cb, s, arg };
    gvx_hostfn_pack(&c.enc, &a);
    st = gvf_call_oneway(&c);
    if (st != GVC_OK) {
        gvf_hostfn_cancel(a.id);
        free(h);
    }
    return gvcu_end(&c, st);
}

GVCU_API CUresult CUDAAPI cuLaunchHostFunc(CUstream hStream, CUhostFn fn,
                                          void *userData)
{
    return enqueue(hStream, fn, NULL, userData);
}

GVCU_API CUresult CUDAAPI cuLaunchHostFunc_ptsz(CUstream hStream,
                                               CUhostFn fn, void *userData)
{
    return enqueue(gvcu_ptsz(hStream), fn, NULL, userData);
}

GVCU_API CUresult CUDAAPI cuStreamAddCallback(CUstream hStream,
                                             CUstreamCallback callback,
                                             void *userData,
                                             unsigned int flags)
{
    if (flags != 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    return enqueue(hStream, NULL, callback, userData);
}

GVCU_API CUresult CUDAAPI cuStreamAddCallback_ptsz(CUstream hStream,
                                                  CUstreamCallback callback,
                                                  void *userData,
                                                  unsigned int flags)
{
    if (flags != 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    return enqueue(gvcu_ptsz(hStream), NULL, callback, userData);
}
