/*
 * gvd_x_rtc.c - NVRTC on the worker: loading libnvrtc.so.13 when a call
 * first needs it, the calls written by hand (wire format in
 * lib/gvx_rtc.h: string arrays, results whose size the call does not
 * say, lowered names, destroying), and destroying the programs a client
 * leaves behind.  The plain calls are generated handlers
 * (lib/gen/nvrtc.api, gvd_nvrtc_gen.c).
 *
 * Programs are validated against cl->handles[GVD_H_NVRTC]: a program
 * this client did not make is refused with NVRTC_ERROR_INVALID_PROGRAM
 * before NVRTC sees it.
 *
 * One client per worker process: the state below is the client's.
 */
#include "config.h"

#include "gvd_rtc.h"
#include "gvd_blas.h"
#include "gvd_client.h"
#include "gvx_rtc.h"
#include "gv_api_nvrtc.h"
#include "gvc_log.h"

#include <stdlib.h>
#include <string.h>

static gvd_nvrtc_t table;       /* all NULL until opened, or without it */
static int table_tried;

static const gvd_blas_sym_t syms[] = {
#define GVD_NVRTC_FN(ret, name, params) { #name, offsetof(gvd_nvrtc_t, name) },
#include "gvd_nvrtc_list.h"
#undef GVD_NVRTC_FN
};

const gvd_nvrtc_t *gvd_nvrtc(const gvd_call_t *c)
{
    if (!table_tried) {
        table_tried = 1;
        gvd_blas_open(c->cl->be, "libnvrtc.so.13", syms,
                      sizeof(syms) / sizeof(syms[0]), &table);
    }
    return &table;
}

/* Decode n (0..GVX_RTC_LIST_MAX) strings, pairs of them when pairs is
 * set, into a new array (the views stay in the request); NULL strings
 * are refused.  NULL on a malformed list or no memory (*nomem_p). */
static const char **dec_strs(gvd_call_t *c, int32_t n, int pairs,
                             int *nomem_p)
{
    size_t total = (size_t)n * (pairs ? 2 : 1);
    const char **v;

    *nomem_p = 0;
    if (n < 0 || n > GVX_RTC_LIST_MAX) {
        c->dec.status = GVC_ERR_PROTO;
        return NULL;
    }
    v = calloc(total > 0 ? total : 1, sizeof(*v));
    if (v == NULL) {
        *nomem_p = 1;
        return NULL;
    }
    for (size_t i = 0; i < total; i++) {
        gvc_dec_str(&c->dec, &v[i], GVX_RTC_STR_MAX);
        if (c->dec.status == GVC_OK && v[i] == NULL) {
            c->dec.status = GVC_ERR_PROTO;
        }
    }
    return v;
}

/* nvrtcCreateProgram: str src, str name, i32 n, n pairs of str. */
static void h_create(gvd_call_t *c)
{
    const char *src = NULL, *name = NULL, **hv = NULL, **inc, **v;
    const gvd_nvrtc_t *t;
    nvrtcProgram prog = NULL;
    int32_t n = 0;
    int nomem;
    int64_t res;

    gvc_dec_str(&c->dec, &src, GVX_RTC_STR_MAX);
    gvc_dec_str(&c->dec, &name, GVX_RTC_STR_MAX);
    gvc_dec_i32(&c->dec, &n);
    v = dec_strs(c, n, 1, &nomem);
    if (nomem) {
        gvd_reply(c, NVRTC_ERROR_OUT_OF_MEMORY);
        return;
    }
    if (gvd_args_end(c)) {
        free(v);
        return;
    }
    t = gvd_nvrtc(c);
    if (t->nvrtcCreateProgram == NULL) {
        free(v);
        gvd_reply(c, gvd_err_not_supported(c));
        return;
    }
    /* The wire has them as pairs; NVRTC wants two arrays. */
    hv = calloc((size_t)(n > 0 ? n : 1) * 2, sizeof(*hv));
    if (hv == NULL) {
        free(v);
        gvd_reply(c, NVRTC_ERROR_OUT_OF_MEMORY);
        return;
    }
    inc = hv + (n > 0 ? n : 1);
    for (int32_t i = 0; i < n; i++) {
        hv[i] = v[2 * i];
        inc[i] = v[2 * i + 1];
    }
    res = t->nvrtcCreateProgram(&prog, src, name, n, n > 0 ? hv : NULL,
                                n > 0 ? inc : NULL);
    free(hv);
    free(v);
    if (res == NVRTC_SUCCESS &&
        gvd_handle_add(c->cl, GVD_H_NVRTC, prog) != 0) {
        t->nvrtcDestroyProgram(&prog);
        res = NVRTC_ERROR_OUT_OF_MEMORY;
    }
    if (res == NVRTC_SUCCESS) {
        gvc_enc_ptr(&c->enc, prog);
    }
    gvd_reply(c, res);
}

/* Decode the program and end the arguments: 0 when the call goes on
 * (prog is this client's and fn exists), else replied. */
static int prog_arg_end(gvd_call_t *c, void *prog, const void *fn)
{
    if (gvd_args_end(c)) {
        return -1;
    }
    if (fn == NULL) {
        gvd_reply(c, gvd_err_not_supported(c));
        return -1;
    }
    if (!gvd_handle_ok(c->cl, GVD_H_NVRTC, prog)) {
        gvd_reply(c, NVRTC_ERROR_INVALID_PROGRAM);
        return -1;
    }
    return 0;
}

/* nvrtcDestroyProgram: ptr prog. */
static void h_destroy(gvd_call_t *c)
{
    void *prog = NULL;
    nvrtcProgram p;
    int64_t res;

    gvc_dec_ptr(&c->dec, &prog);
    if (prog_arg_end(c, prog, (const void *)gvd_nvrtc(c)->nvrtcDestroyProgram)
        != 0) {
        return;
    }
    p = (nvrtcProgram)prog;
    res = table.nvrtcDestroyProgram(&p);
    if (res == NVRTC_SUCCESS) {
        gvd_handle_del(c->cl, GVD_H_NVRTC, prog);
    }
    gvd_reply(c, res);
}

/* nvrtcCompileProgram: ptr prog, i32 n, n str. */
static void h_compile(gvd_call_t *c)
{
    void *prog = NULL;
    const char **v;
    int32_t n = 0;
    int nomem;
    int64_t res;

    gvc_dec_ptr(&c->dec, &prog);
    gvc_dec_i32(&c->dec, &n);
    v = dec_strs(c, n, 0, &nomem);
    if (nomem) {
        gvd_reply(c, NVRTC_ERROR_OUT_OF_MEMORY);
        return;
    }
    if (prog_arg_end(c, prog, (const void *)gvd_nvrtc(c)->nvrtcCompileProgram)
        != 0) {
        free(v);
        return;
    }
    res = table.nvrtcCompileProgram((nvrtcProgram)prog, n, n > 0 ? v : NULL);
    free(v);
    gvd_reply(c, res);
}

typedef nvrtcResult (*size_fn_t)(nvrtcProgram, size_t *);
typedef nvrtcResult (*get_fn_t)(nvrtcProgram, char *);

/* A result of prog: ptr prog, u64 size (the client's); the bytes back
 * when the program's size is that size. */
static void get_blob(gvd_call_t *c, size_fn_t size_fn, get_fn_t get_fn)
{
    void *prog = NULL;
    uint64_t want = 0;
    size_t size = 0;
    char *buf;
    int64_t res;

    gvc_dec_ptr(&c->dec, &prog);
    gvc_dec_u64(&c->dec, &want);
    if (prog_arg_end(c, prog, size_fn != NULL && get_fn != NULL
                                  ? (const void *)get_fn : NULL) != 0) {
        return;
    }
    res = size_fn((nvrtcProgram)prog, &size);
    if (res != NVRTC_SUCCESS) {
        gvd_reply(c, res);
        return;
    }
    if (size != want || size > GVX_RTC_BLOB_MAX) {
        gvd_reply(c, NVRTC_ERROR_INVALID_INPUT);
        return;
    }
    buf = calloc(size > 0 ? size : 1, 1);
    if (buf == NULL || gvd_reply_room(c, size + 64) != 0) {
        free(buf);
        gvd_reply(c, NVRTC_ERROR_OUT_OF_MEMORY);
        return;
    }
    res = get_fn((nvrtcProgram)prog, buf);
    if (res == NVRTC_SUCCESS) {
        gvc_enc_bytes(&c->enc, buf, size);
    }
    free(buf);
    gvd_reply(c, res);
}

static void h_get_ptx(gvd_call_t *c)
{
    const gvd_nvrtc_t *t = gvd_nvrtc(c);

    get_blob(c, t->nvrtcGetPTXSize, t->nvrtcGetPTX);
}

static void h_get_cubin(gvd_call_t *c)
{
    const gvd_nvrtc_t *t = gvd_nvrtc(c);

    get_blob(c, t->nvrtcGetCUBINSize, t->nvrtcGetCUBIN);
}

static void h_get_ltoir(gvd_call_t *c)
{
    const gvd_nvrtc_t *t = gvd_nvrtc(c);

    get_blob(c, t->nvrtcGetLTOIRSize, t->nvrtcGetLTOIR);
}

static void h_get_optixir(gvd_call_t *c)
{
    const gvd_nvrtc_t *t = gvd_nvrtc(c);

    get_blob(c, t->nvrtcGetOptiXIRSize, t->nvrtcGetOptiXIR);
}

static void h_get_log(gvd_call_t *c)
{
    const gvd_nvrtc_t *t = gvd_nvrtc(c);

    get_blob(c, t->nvrtcGetProgramLogSize, t->nvrtcGetProgramLog);
}

/* nvrtcGetLoweredName: ptr prog, str expression; str back. */
static void h_lowered(gvd_call_t *c)
{
    void *prog = NULL;
    const char *expr = NULL, *name = NULL;
    int64_t res;

    gvc_dec_ptr(&c->dec, &prog);
    gvc_dec_str(&c->dec, &expr, GVX_RTC_STR_MAX);
    if (prog_arg_end(c, prog, (const void *)gvd_nvrtc(c)->nvrtcGetLoweredName)
        != 0) {
        return;
    }
    if (expr == NULL) {
        gvd_reply(c, NVRTC_ERROR_INVALID_INPUT);
        return;
    }
    res = table.nvrtcGetLoweredName((nvrtcProgram)prog, expr, &name);
    if (res == NVRTC_SUCCESS && name == NULL) {
        res = NVRTC_ERROR_INTERNAL_ERROR;
    }
    if (res == NVRTC_SUCCESS &&
        gvd_reply_room(c, strlen(name) + 64) != 0) {
        res = NVRTC_ERROR_OUT_OF_MEMORY;
    }
    if (res == NVRTC_SUCCESS) {
        gvc_enc_str(&c->enc, name);
    }
    gvd_reply(c, res);
}

/* nvrtcGetSupportedArchs: the count from nvrtcGetNumSupportedArchs. */
static void h_archs(gvd_call_t *c)
{
    const gvd_nvrtc_t *t;
    int n = 0, *v;
    int64_t res;

    if (gvd_args_end(c)) {
        return;
    }
    t = gvd_nvrtc(c);
    if (t->nvrtcGetNumSupportedArchs == NULL ||
        t->nvrtcGetSupportedArchs == NULL) {
        gvd_reply(c, gvd_err_not_supported(c));
        return;
    }
    res = t->nvrtcGetNumSupportedArchs(&n);
    if (res != NVRTC_SUCCESS) {
        gvd_reply(c, res);
        return;
    }
    if (n < 0 || n > GVX_RTC_ARCHS_MAX) {
        gvd_reply(c, NVRTC_ERROR_INTERNAL_ERROR);
        return;
    }
    v = calloc((size_t)(n > 0 ? n : 1), sizeof(*v));
    if (v == NULL || gvd_reply_room(c, 64 + (size_t)n * sizeof(*v)) != 0) {
        free(v);
        gvd_reply(c, NVRTC_ERROR_OUT_OF_MEMORY);
        return;
    }
    res = t->nvrtcGetSupportedArchs(v);
    if (res == NVRTC_SUCCESS) {
        gvc_enc_array(&c->enc, v, (uint32_t)n, sizeof(*v));
    }
    free(v);
    gvd_reply(c, res);
}

#define H(name, fn) { GV_API_##name, #name, GVD_LIB_NVRTC, fn }

const gvd_api_t gvd_rtc_hand_apis[] = {
    H(nvrtcCreateProgram, h_create),
    H(nvrtcDestroyProgram, h_destroy),
    H(nvrtcCompileProgram, h_compile),
    H(nvrtcGetPTX, h_get_ptx),
    H(nvrtcGetCUBIN, h_get_cubin),
    H(nvrtcGetLTOIR, h_get_ltoir),
    H(nvrtcGetOptiXIR, h_get_optixir),
    H(nvrtcGetProgramLog, h_get_log),
    H(nvrtcGetLoweredName, h_lowered),
    H(nvrtcGetSupportedArchs, h_archs),
};

const size_t gvd_rtc_hand_n_apis =
    sizeof(gvd_rtc_hand_apis) / sizeof(gvd_rtc_hand_apis[0]);

/* The client left: destroy the programs it did not. */
static void destroy_one(gvd_htype_t t, uintptr_t h)
{
    nvrtcProgram p = (nvrtcProgram)h;

    (void)t;
    if (table.nvrtcDestroyProgram != NULL) {
        table.nvrtcDestroyProgram(&p);
    }
}

void gvd_rtc_fini(gvd_client_t *cl)
{
    static const gvd_htype_t order[] = { GVD_H_NVRTC };
    size_t n = gvd_handles_drain(cl, order, 1, destroy_one);

    if (n > 0) {
        gvc_info("destroyed %zu NVRTC program%s the client left", n,
                 n == 1 ? "" : "s");
    }
}
