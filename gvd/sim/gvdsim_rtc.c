/*
 * gvdsim_rtc.c - a simulated NVRTC in libgvdsim.so (tests only), so that
 * `make check` drives the NVRTC marshalling end to end: a fake compiler
 * whose "PTX" is the source it was given with its options and headers
 * written around it, whose "CUBIN" is that text reversed, whose log
 * says what it compiled, and whose lowered names are the name
 * expressions in a made-up mangling.  A source containing "#error"
 * fails to compile (NVRTC_ERROR_COMPILATION) with the line in the log;
 * "-dlto" makes LTO IR, "--optix-ir" OptiX IR (else their size is 0).
 *
 * The PCH functions and nvrtcGetErrorString are absent (the worker
 * answers not supported; the client answers error strings itself).
 */
#include "gvdsim.h"

#include <nvrtc.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG_MAGIC 0x5254434eu
#define SIM_RTC_NAMES 64

typedef struct sim_prog {
    uint32_t magic;
    char *src;                  /* owned */
    char *name;                 /* owned */
    char *headers;              /* owned: "name=text;" for each header */
    int compiled;
    char *ptx, *cubin, *log;    /* owned, after compile (log: always) */
    size_t ptx_n, cubin_n;
    int lto, optix;
    char *expr[SIM_RTC_NAMES];  /* owned */
    char *lowered[SIM_RTC_NAMES]; /* owned, after compile */
    int n_expr;
} sim_prog_t;

static sim_prog_t *prog_of(nvrtcProgram p)
{
    sim_prog_t *s = (sim_prog_t *)p;

    return s != NULL && s->magic == PROG_MAGIC ? s : NULL;
}

/* A new string of printf's format; NULL when out of memory. */
static char *fmt(const char *f, ...)
{
    va_list ap;
    char *s;
    int n;

    va_start(ap, f);
    n = vsnprintf(NULL, 0, f, ap);
    va_end(ap);
    s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s != NULL) {
        va_start(ap, f);
        vsnprintf(s, (size_t)n + 1, f, ap);
        va_end(ap);
    }
    return s;
}

SIM nvrtcResult nvrtcVersion(int *major, int *minor)
{
    if (major == NULL || minor == NULL) {
        return NVRTC_ERROR_INVALID_INPUT;
    }
    *major = 13;
    *minor = 0;
    return NVRTC_SUCCESS;
}

static const int archs[] = { 75, 80, 90 };

SIM nvrtcResult nvrtcGetNumSupportedArchs(int *numArchs)
{
    if (numArchs == NULL) {
        return NVRTC_ERROR_INVALID_INPUT;
    }
    *numArchs = (int)(sizeof(archs) / sizeof(archs[0]));
    return NVRTC_SUCCESS;
}

SIM nvrtcResult nvrtcGetSupportedArchs(int *supportedArchs)
{
    if (supportedArchs == NULL) {
        return NVRTC_ERROR_INVALID_INPUT;
    }
    memcpy(supportedArchs, archs, sizeof(archs));
    return NVRTC_SUCCESS;
}

static void prog_free(sim_prog_t *p)
{
    free(p->src);
    free(p->name);
    free(p->headers);
    free(p->ptx);
    free(p->cubin);
    free(p->log);
    for (int i = 0; i < p->n_expr; i++) {
        free(p->expr[i]);
        free(p->lowered[i]);
    }
    p->magic = 0;
    free(p);
}

SIM nvrtcResult nvrtcCreateProgram(nvrtcProgram *prog, const char *src,
                                   const char *name, int numHeaders,
                                   const char *const *headers,
                                   const char *const *includeNames)
{
    sim_prog_t *p;

    if (prog == NULL || src == NULL || numHeaders < 0 ||
        (numHeaders > 0 && (headers == NULL || includeNames == NULL))) {
        return NVRTC_ERROR_INVALID_INPUT;
    }
    p = calloc(1, sizeof(*p));
    if (p == NULL) {
        return NVRTC_ERROR_OUT_OF_MEMORY;
    }
    p->magic = PROG_MAGIC;
    p->src = strdup(src);
    p->name = strdup(name != NULL ? name : "default_program");
    p->headers = strdup("");
    p->log = strdup("");
    for (int i = 0; i < numHeaders && p->headers != NULL; i++) {
        char *h = fmt("%s%s=%s;", p->headers, includeNames[i], headers[i]);

        free(p->headers);
        p->headers = h;
    }
    if (p->src == NULL || p->name == NULL || p->headers == NULL ||
        p->log == NULL) {
        prog_free(p);
        return NVRTC_ERROR_OUT_OF_MEMORY;
    }
    *prog = (nvrtcProgram)p;
    return NVRTC_SUCCESS;
}

SIM nvrtcResult nvrtcDestroyProgram(nvrtcProgram *prog)
{
    sim_prog_t *p = prog != NULL ? prog_of(*prog) : NULL;

    if (p == NULL) {
        return NVRTC_ERROR_INVALID_PROGRAM;
    }
    prog_free(p);
    *prog = NULL;
    return NVRTC_SUCCESS;
}

SIM nvrtcResult nvrtcAddNameExpression(nvrtcProgram prog,
                                       const char *const name_expression)
{
    sim_prog_t *p = prog_of(prog);

    if (p == NULL) {
        return NVRTC_ERROR_INVALID_PROGRAM;
    }
    if (name_expression == NULL || p->n_expr == SIM_RTC_NAMES) {
        return NVRTC_ERROR_INVALID_INPUT;
    }
    if (p->compiled) {
        return NVRTC_ERROR_NO_NAME_EXPRESSIONS_AFTER_COMPILATION;
    }
    p->expr[p->n_expr] = strdup(name_expression);
    if (p->expr[p->n_expr] == NULL) {
        return NVRTC_ERROR_OUT_OF_MEMORY;
    }
    p->n_expr++;
    return NVRTC_SUCCESS;
}

/* "_Z3simN" + the expression with every character that is not a letter
 * or digit as '_' (a made-up mangling: checkable, never NVRTC's). */
static char *lower(const char *expr)
{
    char *s = fmt("_Z3sim%zu%s", strlen(expr), expr);

    for (char *c = s != NULL ? s + 6 : NULL; c != NULL && *c; c++) {
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              (*c >= '0' && *c <= '9'))) {
            *c = '_';
        }
    }
    return s;
}

SIM nvrtcResult nvrtcCompileProgram(nvrtcProgram prog, int numOptions,
                                    const char *const *options)
{
    sim_prog_t *p = prog_of(prog);
    char *opts = strdup(""), *err;

    if (p == NULL || opts == NULL) {
        free(opts);
        return p == NULL ? NVRTC_ERROR_INVALID_PROGRAM
                         : NVRTC_ERROR_OUT_OF_MEMORY;
    }
    if (numOptions < 0 || (numOptions > 0 && options == NULL)) {
        free(opts);
        return NVRTC_ERROR_INVALID_INPUT;
    }
    for (int i = 0; i < numOptions && opts != NULL; i++) {
        char *o = fmt("%s %s", opts, options[i]);

        p->lto |= strcmp(options[i], "-dlto") == 0;
        p->optix |= strcmp(options[i], "--optix-ir") == 0;
        free(opts);
        opts = o;
    }
    if (opts == NULL) {
        return NVRTC_ERROR_OUT_OF_MEMORY;
    }
    free(p->log);
    err = strstr(p->src, "#error");
    if (err != NULL) {
        p->log = fmt("%s(1): error: %.*s\n1 error detected in the "
                     "compilation of \"%s\".\n", p->name,
                     (int)strcspn(err, "\n"), err, p->name);
        free(opts);
        return p->log != NULL ? NVRTC_ERROR_COMPILATION
                              : NVRTC_ERROR_OUT_OF_MEMORY;
    }
    free(p->ptx);
    free(p->cubin);
    p->ptx = fmt("// sim PTX of %s\n// options:%s\n// headers: %s\n%s\n",
                 p->name, opts, p->headers, p->src);
    p->log = fmt("sim: compiled %s (%zu bytes, %d options)\n", p->name,
                 strlen(p->src), numOptions);
    free(opts);
    if (p->ptx == NULL || p->log == NULL) {
        return NVRTC_ERROR_OUT_OF_MEMORY;
    }
    p->ptx_n = strlen(p->ptx) + 1;
    p->cubin_n = p->ptx_n - 1;
    p->cubin = malloc(p->cubin_n + 1);
    if (p->cubin == NULL) {
        return NVRTC_ERROR_OUT_OF_MEMORY;
    }
    for (size_t i = 0; i < p->cubin_n; i++) {
        p->cubin[i] = p->ptx[p->cubin_n - 1 - i];
    }
    for (int i = 0; i < p->n_expr; i++) {
        free(p->lowered[i]);
        p->lowered[i] = lower(p->expr[i]);
        if (p->lowered[i] == NULL) {
            return NVRTC_ERROR_OUT_OF_MEMORY;
        }
    }
    p->compiled = 1;
    return NVRTC_SUCCESS;
}

/* Bytes of what of p: 0 PTX, 1 CUBIN, 2 LTO IR, 3 OptiX IR (the PTX
 * again, when asked for at compile time), 4 the log; n 0 when there
 * is none. */
static nvrtcResult blob(nvrtcProgram prog, int what, const char **b_p,
                        size_t *n_p)
{
    sim_prog_t *p = prog_of(prog);

    *b_p = "";
    *n_p = 0;
    if (p == NULL) {
        return NVRTC_ERROR_INVALID_PROGRAM;
    }
    if (what == 4) {
        *b_p = p->log, *n_p = strlen(p->log) + 1;
    } else if (!p->compiled) {
        return NVRTC_ERROR_INVALID_PROGRAM;
    } else if (what == 0 || (what == 2 && p->lto) ||
               (what == 3 && p->optix)) {
        *b_p = p->ptx, *n_p = p->ptx_n;
    } else if (what == 1) {
        *b_p = p->cubin, *n_p = p->cubin_n;
    }
    return NVRTC_SUCCESS;
}

static nvrtcResult blob_size(nvrtcProgram prog, int what, size_t *size_p)
{
    const char *b;

    if (size_p == NULL) {
        return prog_of(prog) == NULL ? NVRTC_ERROR_INVALID_PROGRAM
                                     : NVRTC_ERROR_INVALID_INPUT;
    }
    return blob(prog, what, &b, size_p);
}

static nvrtcResult blob_copy(nvrtcProgram prog, int what, char *out)
{
    const char *b;
    size_t n;
    nvrtcResult r;

    if (out == NULL) {
        return prog_of(prog) == NULL ? NVRTC_ERROR_INVALID_PROGRAM
                                     : NVRTC_ERROR_INVALID_INPUT;
    }
    r = blob(prog, what, &b, &n);
    if (r == NVRTC_SUCCESS) {
        memcpy(out, b, n);
    }
    return r;
}

SIM nvrtcResult nvrtcGetPTXSize(nvrtcProgram prog, size_t *ptxSizeRet)
{
    return blob_size(prog, 0, ptxSizeRet);
}

SIM nvrtcResult nvrtcGetPTX(nvrtcProgram prog, char *ptx)
{
    return blob_copy(prog, 0, ptx);
}

SIM nvrtcResult nvrtcGetCUBINSize(nvrtcProgram prog, size_t *cubinSizeRet)
{
    return blob_size(prog, 1, cubinSizeRet);
}

SIM nvrtcResult nvrtcGetCUBIN(nvrtcProgram prog, char *cubin)
{
    return blob_copy(prog, 1, cubin);
}

SIM nvrtcResult nvrtcGetLTOIRSize(nvrtcProgram prog, size_t *LTOIRSizeRet)
{
    return blob_size(prog, 2, LTOIRSizeRet);
}

SIM nvrtcResult nvrtcGetLTOIR(nvrtcProgram prog, char *LTOIR)
{
    return blob_copy(prog, 2, LTOIR);
}

SIM nvrtcResult nvrtcGetOptiXIRSize(nvrtcProgram prog,
                                    size_t *optixirSizeRet)
{
    return blob_size(prog, 3, optixirSizeRet);
}

SIM nvrtcResult nvrtcGetOptiXIR(nvrtcProgram prog, char *optixir)
{
    return blob_copy(prog, 3, optixir);
}

SIM nvrtcResult nvrtcGetProgramLogSize(nvrtcProgram prog, size_t *logSizeRet)
{
    return blob_size(prog, 4, logSizeRet);
}

SIM nvrtcResult nvrtcGetProgramLog(nvrtcProgram prog, char *log)
{
    return blob_copy(prog, 4, log);
}

SIM nvrtcResult nvrtcGetLoweredName(nvrtcProgram prog,
                                    const char *const name_expression,
                                    const char **lowered_name)
{
    sim_prog_t *p = prog_of(prog);

    if (p == NULL) {
        return NVRTC_ERROR_INVALID_PROGRAM;
    }
    if (name_expression == NULL || lowered_name == NULL) {
        return NVRTC_ERROR_INVALID_INPUT;
    }
    if (!p->compiled) {
        return NVRTC_ERROR_NO_LOWERED_NAMES_BEFORE_COMPILATION;
    }
    for (int i = 0; i < p->n_expr; i++) {
        if (strcmp(p->expr[i], name_expression) == 0) {
            *lowered_name = p->lowered[i];
            return NVRTC_SUCCESS;
        }
    }
    return NVRTC_ERROR_NAME_EXPRESSION_NOT_VALID;
}
