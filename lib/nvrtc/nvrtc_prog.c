/*
 * nvrtc_prog.c - the NVRTC calls written by hand (wire format:
 * lib/gvx_rtc.h): creating a program (source, name, headers and their
 * include names), compiling it (options), destroying it, the results
 * whose size the call does not say (PTX, CUBIN, LTO IR, OptiX IR, the
 * log: the matching GetXSize first, then exactly that many bytes), the
 * supported architectures, and the lowered names.
 *
 * A lowered name is a string the program owns (valid until
 * nvrtcDestroyProgram): the client keeps a copy per program and name
 * expression, and hands out the same pointer for the same answer.  The
 * copies are freed when the program is destroyed.
 */
#include "config.h"

#include "gvnr.h"
#include "gvf_obj.h"
#include "gvx_rtc.h"
#include "gv_api_nvrtc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* ---- lowered names ------------------------------------------------------- */

typedef struct lowered {
    struct lowered *next;
    const void *prog;           /* the record (what the program holds) */
    char *expr;                 /* owned */
    char *name;                 /* owned: what the caller gets */
} lowered_t;

static pthread_mutex_t names_lock = PTHREAD_MUTEX_INITIALIZER;
static lowered_t *names;        /* under names_lock */

/* The copy of name for (prog, expr), made if needed; NULL when out of
 * memory.  The pointer stays valid until forget_names(prog). */
static const char *keep_name(const void *prog, const char *expr,
                             const char *name)
{
    const char *got = NULL;
    lowered_t *l;

    pthread_mutex_lock(&names_lock);
    for (l = names; l != NULL; l = l->next) {
        if (l->prog == prog && strcmp(l->expr, expr) == 0 &&
            strcmp(l->name, name) == 0) {
            got = l->name;
            goto out;
        }
    }
    l = calloc(1, sizeof(*l));
    if (l == NULL) {
        goto out;
    }
    l->prog = prog;
    l->expr = strdup(expr);
    l->name = strdup(name);
    if (l->expr == NULL || l->name == NULL) {
        free(l->expr);
        free(l->name);
        free(l);
        goto out;
    }
    l->next = names;
    names = l;
    got = l->name;
out:
    pthread_mutex_unlock(&names_lock);
    return got;
}

/* Free the lowered names kept for prog. */
static void forget_names(const void *prog)
{
    lowered_t **pp, *l;

    pthread_mutex_lock(&names_lock);
    for (pp = &names; *pp != NULL;) {
        l = *pp;
        if (l->prog == prog) {
            *pp = l->next;
            free(l->expr);
            free(l->name);
            free(l);
        } else {
            pp = &l->next;
        }
    }
    pthread_mutex_unlock(&names_lock);
}

/* ---- programs ------------------------------------------------------------ */

/* Bytes a string takes on the wire; SIZE_MAX past the bound. */
static size_t str_cost(const char *s)
{
    size_t n;

    if (s == NULL) {
        return 8;
    }
    n = strlen(s);
    return n > GVX_RTC_STR_MAX ? SIZE_MAX : n + 8;
}

/* Bytes of n strings of list (NULL strings refused: SIZE_MAX), added to
 * *total_p; 0 when the total passes GVX_RTC_ARGS_MAX. */
static int add_costs(const char *const *list, int n, size_t *total_p)
{
    for (int i = 0; i < n; i++) {
        size_t c = list[i] == NULL ? SIZE_MAX : str_cost(list[i]);

        if (c == SIZE_MAX || c > GVX_RTC_ARGS_MAX - *total_p) {
            return 0;
        }
        *total_p += c;
    }
    return 1;
}

GVNR_API nvrtcResult nvrtcCreateProgram(nvrtcProgram *prog, const char *src,
                                        const char *name, int numHeaders,
                                        const char *const *headers,
                                        const char *const *includeNames)
{
    size_t total = 64 + str_cost(src) + str_cost(name);
    gvf_call_t c;
    gvc_status_t st;
    nvrtcResult err;
    void *remote = NULL, *obj;

    if (prog == NULL || src == NULL || numHeaders < 0 ||
        numHeaders > GVX_RTC_LIST_MAX ||
        (numHeaders > 0 && (headers == NULL || includeNames == NULL))) {
        return NVRTC_ERROR_INVALID_INPUT;
    }
    if (total > GVX_RTC_ARGS_MAX || !add_costs(headers, numHeaders, &total) ||
        !add_costs(includeNames, numHeaders, &total)) {
        return NVRTC_ERROR_INVALID_INPUT;
    }
    err = gvnr_begin(&c, GV_API_nvrtcCreateProgram, total);
    if (err != NVRTC_SUCCESS) {
        return err;
    }
    gvc_enc_str(&c.enc, src);
    gvc_enc_str(&c.enc, name);
    gvc_enc_i32(&c.enc, numHeaders);
    for (int i = 0; i < numHeaders; i++) {
        gvc_enc_str(&c.enc, headers[i]);
        gvc_enc_str(&c.enc, includeNames[i]);
    }
    st = c.enc.status == GVC_OK ? gvf_call_sync(&c) : c.enc.status;
    if (gvnr_ok(&c, st)) {
        gvc_dec_ptr(&c.dec, &remote);
        st = gvc_dec_finish(&c.dec);
    }
    if (!gvnr_ok(&c, st)) {
        return gvnr_end(&c, st);
    }
    /* Without a record the worker's program is left to the worker
     * (destroyed when the client leaves). */
    if (gvf_obj_new(GVNR_K_PROG, c.dev, remote, &obj) != GVC_OK) {
        gvf_call_fini(&c);
        return NVRTC_ERROR_OUT_OF_MEMORY;
    }
    *prog = (nvrtcProgram)obj;
    return gvnr_end(&c, st);
}

GVNR_API nvrtcResult nvrtcDestroyProgram(nvrtcProgram *prog)
{
    gvf_call_t c;
    gvc_status_t st;
    nvrtcResult err;
    void *remote;

    if (prog == NULL) {
        return NVRTC_ERROR_INVALID_INPUT;
    }
    err = gvnr_begin_route(&c, GV_API_nvrtcDestroyProgram, *prog,
                           GVNR_K_PROG, &remote, 0);
    if (err != NVRTC_SUCCESS) {
        return err;
    }
    gvc_enc_ptr(&c.enc, remote);
    st = c.enc.status == GVC_OK ? gvf_call_sync(&c) : c.enc.status;
    err = gvnr_end(&c, st);
    if (err == NVRTC_SUCCESS) {
        forget_names(*prog);
        gvf_obj_free(*prog, GVNR_K_PROG);
        *prog = NULL;
    }
    return err;
}

GVNR_API nvrtcResult nvrtcCompileProgram(nvrtcProgram prog, int numOptions,
                                         const char *const *options)
{
    size_t total = 64;
    gvf_call_t c;
    gvc_status_t st;
    nvrtcResult err;
    void *remote;

    if (numOptions < 0 || numOptions > GVX_RTC_LIST_MAX ||
        (numOptions > 0 && options == NULL) ||
        !add_costs(options, numOptions, &total)) {
        return NVRTC_ERROR_INVALID_INPUT;
    }
    err = gvnr_begin_route(&c, GV_API_nvrtcCompileProgram, prog,
                           GVNR_K_PROG, &remote, total);
    if (err != NVRTC_SUCCESS) {
        return err;
    }
    gvc_enc_ptr(&c.enc, remote);
    gvc_enc_i32(&c.enc, numOptions);
    for (int i = 0; i < numOptions; i++) {
        gvc_enc_str(&c.enc, options[i]);
    }
    st = c.enc.status == GVC_OK ? gvf_call_sync(&c) : c.enc.status;
    return gvnr_end(&c, st);
}

/* ---- results of unknown size --------------------------------------------- */

typedef nvrtcResult (*size_fn_t)(nvrtcProgram, size_t *);

/* The result api of prog into buf, which holds what size_fn says (as
 * NVRTC's contract has it: the caller sized buf with it). */
static nvrtcResult get_blob(nvrtcProgram prog, uint32_t api,
                            size_fn_t size_fn, char *buf)
{
    size_t size = 0, got = 0;
    const void *p = NULL;
    gvf_call_t c;
    gvc_status_t st;
    nvrtcResult err;
    void *remote;

    if (gvf_obj_get(prog, GVNR_K_PROG, &(gvf_obj_t){ 0 }) != GVC_OK) {
        return NVRTC_ERROR_INVALID_PROGRAM;
    }
    if (buf == NULL) {
        return NVRTC_ERROR_INVALID_INPUT;
    }
    err = size_fn(prog, &size);
    if (err != NVRTC_SUCCESS) {
        return err;
    }
    if (size > GVX_RTC_BLOB_MAX) {
        return NVRTC_ERROR_OUT_OF_MEMORY;
    }
    err = gvnr_begin_route(&c, api, prog, GVNR_K_PROG, &remote, 0);
    if (err != NVRTC_SUCCESS) {
        return err;
    }
    gvc_enc_ptr(&c.enc, remote);
    gvc_enc_u64(&c.enc, size);
    st = c.enc.status;
    if (st == GVC_OK) {
        st = gvf_call_reply_room(&c, size + 64);
    }
    if (st == GVC_OK) {
        st = gvf_call_sync(&c);
    }
    if (gvnr_ok(&c, st)) {
        gvc_dec_bytes(&c.dec, &p, &got, size);
        st = gvc_dec_finish(&c.dec);
        if (st == GVC_OK && got == size && (size == 0 || p != NULL)) {
            memcpy(buf, p, size);
        } else if (st == GVC_OK) {
            st = GVC_ERR_PROTO;
        }
    }
    return gvnr_end(&c, st);
}

GVNR_API nvrtcResult nvrtcGetPTX(nvrtcProgram prog, char *ptx)
{
    return get_blob(prog, GV_API_nvrtcGetPTX, nvrtcGetPTXSize, ptx);
}

GVNR_API nvrtcResult nvrtcGetCUBIN(nvrtcProgram prog, char *cubin)
{
    return get_blob(prog, GV_API_nvrtcGetCUBIN, nvrtcGetCUBINSize, cubin);
}

GVNR_API nvrtcResult nvrtcGetLTOIR(nvrtcProgram prog, char *LTOIR)
{
    return get_blob(prog, GV_API_nvrtcGetLTOIR, nvrtcGetLTOIRSize, LTOIR);
}

GVNR_API nvrtcResult nvrtcGetOptiXIR(nvrtcProgram prog, char *optixir)
{
    return get_blob(prog, GV_API_nvrtcGetOptiXIR, nvrtcGetOptiXIRSize,
                    optixir);
}

GVNR_API nvrtcResult nvrtcGetProgramLog(nvrtcProgram prog, char *log)
{
    return get_blob(prog, GV_API_nvrtcGetProgramLog, nvrtcGetProgramLogSize,
                    log);
}

/* The caller's array holds what nvrtcGetNumSupportedArchs said. */
GVNR_API nvrtcResult nvrtcGetSupportedArchs(int *supportedArchs)
{
    const void *p = NULL;
    uint32_t n = 0;
    gvf_call_t c;
    gvc_status_t st;
    nvrtcResult err;

    if (supportedArchs == NULL) {
        return NVRTC_ERROR_INVALID_INPUT;
    }
    err = gvnr_begin(&c, GV_API_nvrtcGetSupportedArchs, 0);
    if (err != NVRTC_SUCCESS) {
        return err;
    }
    st = gvf_call_reply_room(&c, 64 + GVX_RTC_ARCHS_MAX * sizeof(int32_t));
    if (st == GVC_OK) {
        st = gvf_call_sync(&c);
    }
    if (gvnr_ok(&c, st)) {
        gvc_dec_array(&c.dec, &p, &n, sizeof(int32_t), GVX_RTC_ARCHS_MAX);
        st = gvc_dec_finish(&c.dec);
        if (st == GVC_OK && n > 0 && p != NULL) {
            memcpy(supportedArchs, p, n * sizeof(int32_t));
        }
    }
    return gvnr_end(&c, st);
}

GVNR_API nvrtcResult nvrtcGetLoweredName(nvrtcProgram prog,
                                         const char *const name_expression,
                                         const char **lowered_name)
{
    const char *name = NULL, *kept;
    gvf_call_t c;
    gvc_status_t st;
    nvrtcResult err;
    void *remote;

    if (name_expression == NULL || lowered_name == NULL ||
        strlen(name_expression) > GVX_RTC_STR_MAX) {
        return gvf_obj_get(prog, GVNR_K_PROG, &(gvf_obj_t){ 0 }) != GVC_OK
                   ? NVRTC_ERROR_INVALID_PROGRAM
                   : NVRTC_ERROR_INVALID_INPUT;
    }
    err = gvnr_begin_route(&c, GV_API_nvrtcGetLoweredName, prog, GVNR_K_PROG,
                           &remote, 64 + strlen(name_expression));
    if (err != NVRTC_SUCCESS) {
        return err;
    }
    gvc_enc_ptr(&c.enc, remote);
    gvc_enc_str(&c.enc, name_expression);
    st = c.enc.status;
    if (st == GVC_OK) {
        st = gvf_call_reply_room(&c, 64 + 65536);
    }
    if (st == GVC_OK) {
        st = gvf_call_sync(&c);
    }
    if (gvnr_ok(&c, st)) {
        gvc_dec_str(&c.dec, &name, GVX_RTC_STR_MAX);
        st = gvc_dec_finish(&c.dec);
        if (st == GVC_OK && name == NULL) {
            st = GVC_ERR_PROTO;
        }
    }
    if (!gvnr_ok(&c, st)) {
        return gvnr_end(&c, st);
    }
    kept = keep_name(prog, name_expression, name);
    gvf_call_fini(&c);
    if (kept == NULL) {
        return NVRTC_ERROR_OUT_OF_MEMORY;
    }
    *lowered_name = kept;
    return NVRTC_SUCCESS;
}
