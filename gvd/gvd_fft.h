/*
 * gvd_fft.h - cuFFT on the worker: the table of the real libcufft.so.12
 * (one pointer per function gvd_cufft_list.h lists, resolved with dlsym
 * by exact name when a call first needs it, through gvd_blas_open), and
 * the plans a client left (gvd_x_fft.c).
 *
 * The library is opened lazily: a client that never calls cuFFT never
 * loads it.  Without it (a host without cuFFT, or the simulated device,
 * which answers a few functions) every missing entry is NULL and its
 * handler answers CUFFT_NOT_SUPPORTED.
 *
 * Plans are ints: the client's table cl->handles[GVD_H_FFT] keeps each
 * as (uint32_t)plan + 1 (the generator's rule for 32-bit handles: cuFFT
 * may hand out 0, which the table cannot hold).
 *
 * Threads: the worker's one thread; read-only once resolved.
 */
#ifndef GVD_FFT_H
#define GVD_FFT_H

#include "gvd_call.h"

#include <cufft.h>
#include <cufftXt.h>

struct gvd_cufft {
/* CUFFTAPI is a visibility attribute here, not a calling convention. */
#define GVD_CUFFT_FN(ret, name, params) ret (*name) params;
#include "gvd_cufft_list.h"
#undef GVD_CUFFT_FN
};

typedef struct gvd_cufft gvd_cufft_t;

/* The cuFFT table of the call's worker; never NULL. */
const gvd_cufft_t *gvd_cufft(const gvd_call_t *c);

#endif
