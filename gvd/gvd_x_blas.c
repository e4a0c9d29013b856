/*
 * gvd_x_blas.c - cuBLAS on the worker: loading libcublas.so.13 when a
 * call first needs it (gvd_blas_open serves cuBLASLt too), and
 * destroying the handles a client leaves behind.  Every cuBLAS call is a
 * generated handler (lib/gen/cublas.api, gvd_cublas_gen.c); handles are
 * validated against cl->handles[GVD_H_CUBLAS].
 *
 * One client per worker process: the state below is the client's.
 */
#include "config.h"

#include "gvd_blas.h"
#include "gvd_backend.h"
#include "gvd_client.h"
#include "gvc_log.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

static gvd_cublas_t table;      /* all NULL until opened, or without it */
static int table_tried;

static const gvd_blas_sym_t syms[] = {
#define GVD_CUBLAS_FN(ret, name, params) { #name, offsetof(gvd_cublas_t, name) },
#include "gvd_cublas_list.h"
#undef GVD_CUBLAS_FN
};

void gvd_blas_open(const struct gvd_backend *be, const char *soname,
                   const gvd_blas_sym_t *fns, size_t n, void *tbl)
{
    char path[512];
    void *lib = be->sim ? be->lib
                        : gvd_backend_dlopen(soname, path, sizeof(path));
    size_t found = 0;

    if (lib == NULL) {
        gvc_warn("%s not found (%s): its calls answer the library's "
                 "not-supported status", soname, dlerror());
        return;
    }
    if (!be->sim && dlsym(lib, "gvf_init") != NULL) {
        gvc_error("%s is gvirtus's own %s, not NVIDIA's: fix the worker's "
                  "library path", path, soname);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        void *fn = dlsym(lib, fns[i].name);
        found += fn != NULL;
        memcpy((char *)tbl + fns[i].off, &fn, sizeof(fn));
    }
    gvc_debug("%s: %zu of %zu functions", be->sim ? "simulator" : soname,
              found, n);
}

const gvd_cublas_t *gvd_cublas(const gvd_call_t *c)
{
    if (!table_tried) {
        table_tried = 1;
        gvd_blas_open(c->cl->be, "libcublas.so.13", syms,
                      sizeof(syms) / sizeof(syms[0]), &table);
    }
    return &table;
}

/* The client left: destroy the handles it did not (their workspaces
 * and streams' resources go with them, before the context does), then
 * its cuBLASLt objects. */
static void destroy_one(gvd_htype_t t, uintptr_t h)
{
    (void)t;
    if (table.cublasDestroy_v2 != NULL) {
        table.cublasDestroy_v2((cublasHandle_t)h);
    }
}

void gvd_blas_fini(gvd_client_t *cl)
{
    static const gvd_htype_t order[] = { GVD_H_CUBLAS };
    size_t n;

    gvd_blaslt_fini(cl);
    n = gvd_handles_drain(cl, order, 1, destroy_one);
    if (n > 0) {
        gvc_info("destroyed %zu cuBLAS handle%s the client left", n,
                 n == 1 ? "" : "s");
    }
}
