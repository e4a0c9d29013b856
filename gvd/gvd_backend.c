/*
 * gvd_backend.c - dlopen the runtime, fill the function tables.
 */
#include "config.h"

#include "gvd_backend.h"
#include "gvc_log.h"

#include <dlfcn.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *name;
    size_t off;
} rt_syms[] = {
#define GVD_RT_FN(ret, name, params) { #name, offsetof(gvd_rt_t, name) },
#include "gvd_rt_list.h"
#undef GVD_RT_FN
};

static const struct {
    const char *name;
    size_t off;
} drv_syms[] = {
#define GVD_DRV_SYM(name, params) { #name, offsetof(gvd_drv_t, name) },
    GVD_DRV_LIST(GVD_DRV_SYM)
#undef GVD_DRV_SYM
};

typedef cudaError_t (*entry_fn_t)(const char *, void **, unsigned int,
                                  unsigned long long,
                                  enum cudaDriverEntryPointQueryResult *);

void *gvd_backend_dlopen(const char *want, char *path, size_t len)
{
    static const char *fallback[] = {
        "/usr/local/cuda/lib64/", "/usr/local/cuda/targets/x86_64-linux/lib/"
    };
    void *lib;

    snprintf(path, len, "%s", want);
    lib = dlopen(want, RTLD_NOW | RTLD_LOCAL);
    if (lib != NULL || strchr(want, '/') != NULL) {
        return lib;
    }
    for (size_t i = 0; i < sizeof(fallback) / sizeof(fallback[0]); i++) {
        snprintf(path, len, "%s%s", fallback[i], want);
        lib = dlopen(path, RTLD_NOW | RTLD_LOCAL);
        if (lib != NULL) {
            return lib;
        }
    }
    snprintf(path, len, "%s", want);
    return NULL;
}

static void resolve_driver(gvd_backend_t *be)
{
    entry_fn_t entry = (entry_fn_t)dlsym(be->lib,
                                         "cudaGetDriverEntryPointByVersion");
    enum cudaDriverEntryPointQueryResult q;
    void *fn;

    if (entry == NULL) {
        return;
    }
    for (size_t i = 0; i < sizeof(drv_syms) / sizeof(drv_syms[0]); i++) {
        fn = NULL;
        if (entry(drv_syms[i].name, &fn, CUDA_VERSION, cudaEnableDefault,
                  &q) == cudaSuccess && q == cudaDriverEntryPointSuccess) {
            memcpy((char *)&be->drv + drv_syms[i].off, &fn, sizeof(fn));
        }
    }
}

gvc_status_t gvd_backend_open(const gvd_config_t *cfg, gvd_backend_t **be_p,
                              char *err, size_t errlen)
{
    gvd_backend_t *be = calloc(1, sizeof(*be));
    const char *want;
    size_t missing = 0;
    void *fn;

    if (be == NULL) {
        return GVC_ERR_NOMEM;
    }
    be->sim = strcmp(cfg->device, "sim") == 0;
    if (be->sim) {
        char size[32];
        snprintf(size, sizeof(size), "%zu", cfg->sim_memory);
        setenv("GVIRTUS_SIM_MEMORY", size, 1);
    }
    want = be->sim ? (cfg->sim_runtime[0] ? cfg->sim_runtime
                                          : GVD_LIBDIR "/libgvdsim.so")
                   : cfg->cuda_runtime;
    be->lib = gvd_backend_dlopen(want, be->path, sizeof(be->path));
    if (be->lib == NULL) {
        snprintf(err, errlen, "cannot load the %s runtime %s: %s",
                 be->sim ? "simulated" : "CUDA", want, dlerror());
        free(be);
        return GVC_ERR_NO_DEVICE;
    }
    if (dlsym(be->lib, "gvf_init") != NULL) { /* linked to libgvirtus */
        snprintf(err, errlen, "%s is gvirtus's own frontend, not the real "
                 "CUDA runtime; fix gvd.cuda_runtime or LD_LIBRARY_PATH",
                 be->path);
        dlclose(be->lib);
        free(be);
        return GVC_ERR_CONFIG;
    }
    for (size_t i = 0; i < sizeof(rt_syms) / sizeof(rt_syms[0]); i++) {
        fn = dlsym(be->lib, rt_syms[i].name);
        missing += fn == NULL;
        memcpy((char *)&be->rt + rt_syms[i].off, &fn, sizeof(fn));
    }
    if (!be->sim) {
        resolve_driver(be);
    }
    gvc_debug("loaded %s: %zu of %zu runtime functions", be->path,
              sizeof(rt_syms) / sizeof(rt_syms[0]) - missing,
              sizeof(rt_syms) / sizeof(rt_syms[0]));
    *be_p = be;
    return GVC_OK;
}

void gvd_backend_close(gvd_backend_t *be)
{
    if (be == NULL) {
        return;
    }
    /* Never dlclose the CUDA runtime: its atexit handlers would run on
     * unmapped code.  Process exit cleans up. */
    free(be);
}
