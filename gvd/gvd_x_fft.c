/*
 * gvd_x_fft.c - cuFFT on the worker: loading libcufft.so.12 when a call
 * first needs it, and destroying the plans a client leaves behind.
 * Every cuFFT call is a generated handler (lib/gen/cufft.api,
 * gvd_cufft_gen.c); plans are validated against cl->handles[GVD_H_FFT]
 * (kept as plan + 1, gvd_fft.h).
 *
 * One client per worker process: the state below is the client's.
 */
#include "config.h"

#include "gvd_fft.h"
#include "gvd_blas.h"
#include "gvd_client.h"
#include "gvc_log.h"

#include <stdlib.h>

static gvd_cufft_t table;       /* all NULL until opened, or without it */
static int table_tried;

static const gvd_blas_sym_t syms[] = {
#define GVD_CUFFT_FN(ret, name, params) { #name, offsetof(gvd_cufft_t, name) },
#include "gvd_cufft_list.h"
#undef GVD_CUFFT_FN
};

const gvd_cufft_t *gvd_cufft(const gvd_call_t *c)
{
    if (!table_tried) {
        table_tried = 1;
        gvd_blas_open(c->cl->be, "libcufft.so.12", syms,
                      sizeof(syms) / sizeof(syms[0]), &table);
    }
    return &table;
}

/* The client left: destroy the plans it did not (their work areas and
 * their streams' resources go with them, before the context does). */
static void destroy_one(gvd_htype_t t, uintptr_t h)
{
    (void)t;
    if (table.cufftDestroy != NULL) {
        table.cufftDestroy((cufftHandle)(uint32_t)(h - 1)); /* plan + 1 */
    }
}

void gvd_fft_fini(gvd_client_t *cl)
{
    static const gvd_htype_t order[] = { GVD_H_FFT };
    size_t n = gvd_handles_drain(cl, order, 1, destroy_one);

    if (n > 0) {
        gvc_info("destroyed %zu cuFFT plan%s the client left", n,
                 n == 1 ? "" : "s");
    }
}
