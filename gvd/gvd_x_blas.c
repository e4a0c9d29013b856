/*
 * gvd_x_blas.c - cuBLAS on the worker: loading libcublas.so.13 when a
 * call first needs it, and destroying the handles a client leaves
 * behind.  Every cuBLAS call is a generated handler (lib/gen/cublas.api,
 * gvd_cublas_gen.c); handles are validated against cl->handles
 * [GVD_H_CUBLAS].
 *
 * One client per worker process: the state below is the client's.
 */
#include "config.h"

#include "gvd_blas.h"
#include "gvd_client.h"
#include "gvc_log.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

static gvd_cublas_t table;      /* all NULL until opened, or without it */
static int table_tried;

static const struct {
    const char *name;
    size_t off;
} syms[] = {
#define GVD_CUBLAS_FN(ret, name, params) { #name, offsetof(gvd_cublas_t, name) },
#include "gvd_cublas_list.h"
#undef GVD_CUBLAS_FN
};

/* NVIDIA's libcublas.so.13, or the simulator's few functions.  Never
 * gvirtus's own libcublas (a misconfigured library path). */
static void table_open(const gvd_backend_t *be)
{
    char path[512];
    void *lib = be->sim ? be->lib
                        : gvd_backend_dlopen("libcublas.so.13", path,
                                             sizeof(path));
    size_t found = 0;

    table_tried = 1;
    if (lib == NULL) {
        gvc_warn("libcublas.so.13 not found (%s): cuBLAS calls answer "
                 "CUBLAS_STATUS_NOT_SUPPORTED", dlerror());
        return;
    }
    if (!be->sim && dlsym(lib, "gvf_init") != NULL) {
        gvc_error("%s is gvirtus's own libcublas, not NVIDIA's: fix the "
                  "worker's library path", path);
        return;
    }
    for (size_t i = 0; i < sizeof(syms) / sizeof(syms[0]); i++) {
        void *fn = dlsym(lib, syms[i].name);
        found += fn != NULL;
        memcpy((char *)&table + syms[i].off, &fn, sizeof(fn));
    }
    gvc_debug("cuBLAS: %zu of %zu functions", found,
              sizeof(syms) / sizeof(syms[0]));
}

const gvd_cublas_t *gvd_cublas(const gvd_call_t *c)
{
    if (!table_tried) {
        table_open(c->cl->be);
    }
    return &table;
}

/* The client left: destroy the handles it did not (their workspaces
 * and streams' resources go with them, before the context does). */
void gvd_blas_fini(gvd_client_t *cl)
{
    gvc_ptrset_t *set = &cl->handles[GVD_H_CUBLAS];
    uintptr_t *hs;
    size_t n;

    if (set->count == 0 || table.cublasDestroy_v2 == NULL) {
        return;
    }
    hs = malloc(set->count * sizeof(*hs));
    if (hs == NULL) {
        return;                 /* process exit frees them anyway */
    }
    n = gvc_ptrset_values(set, hs, set->count);
    for (size_t i = 0; i < n; i++) {
        table.cublasDestroy_v2((cublasHandle_t)hs[i]);
        gvc_ptrset_del(set, hs[i]);
    }
    gvc_info("destroyed %zu cuBLAS handle%s the client left", n,
             n == 1 ? "" : "s");
    free(hs);
}
