/*
 * rtcapp.c - an NVRTC program, linked against our libnvrtc.so.13 and
 * libcudart.so.13.  Driven by test_gvd_rtc.c against gvd's simulated
 * device, whose NVRTC is a fake compiler that writes the source, its
 * options and headers into its "PTX" and mangles name expressions its
 * own way (gvd/sim/gvdsim_rtc.c).
 *
 *   rtcapp MODE
 *
 * Each mode prints "OK MODE" and exits 0 when every result was right; a
 * failure prints one line saying what differed.
 */
#include "libapp.h"

#include <cuda_runtime_api.h>
#include <nvrtc.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ST(call, want) \
    LIBAPP_EXPECT(nvrtcResult, nvrtcGetErrorString, call, want)

#define OK(call) ST(call, NVRTC_SUCCESS)

static const char *src =
    "#include \"axpy.h\"\n"
    "template <typename T> __global__ void axpy(T a, T *x, int n) {}\n";

/* The result of size_fn/get_fn, NUL-terminated (caller frees). */
static char *get(nvrtcProgram p,
                 nvrtcResult (*size_fn)(nvrtcProgram, size_t *),
                 nvrtcResult (*get_fn)(nvrtcProgram, char *), size_t *n_p)
{
    size_t n = 0;
    char *b;

    OK(size_fn(p, &n));
    b = calloc(n + 1, 1);
    TRUE(b != NULL);
    OK(get_fn(p, b));
    *n_p = n;
    return b;
}

/* Create with headers, name expressions, compile with options; PTX,
 * CUBIN, LTO IR, log; lowered names (kept, stable pointers); the
 * statuses of the fake compiler; versions and architectures; error
 * strings; forged and stale programs refused here. */
static int mode_compile(void)
{
    const char *hdrs[] = { "#define AXPY 1\n", "/* empty */" };
    const char *incs[] = { "axpy.h", "empty.h" };
    const char *opts[] = { "--gpu-architecture=compute_90", "-dlto",
                           "-DN=4" };
    const char *lf, *ld, *lf2;
    nvrtcProgram p, q, stale;
    char *ptx, *cubin, *lto, *log;
    size_t n, nc, nl;
    int major, minor, na, arch[16];
    long fake = 0;

    TRUE(strcmp(nvrtcGetErrorString(NVRTC_ERROR_COMPILATION),
                "NVRTC_ERROR_COMPILATION") == 0);
    TRUE(strcmp(nvrtcGetErrorString((nvrtcResult)999),
                "NVRTC_ERROR unknown") == 0);
    OK(nvrtcVersion(&major, &minor));
    TRUE(major == 13 && minor == 0);
    OK(nvrtcGetNumSupportedArchs(&na));
    TRUE(na == 3);
    OK(nvrtcGetSupportedArchs(arch));
    TRUE(arch[0] == 75 && arch[1] == 80 && arch[2] == 90);

    ST(nvrtcCreateProgram(&p, NULL, "x.cu", 0, NULL, NULL),
       NVRTC_ERROR_INVALID_INPUT);
    ST(nvrtcCreateProgram(&p, src, "x.cu", 1, NULL, incs),
       NVRTC_ERROR_INVALID_INPUT);
    OK(nvrtcCreateProgram(&p, src, "axpy.cu", 2, hdrs, incs));
    OK(nvrtcAddNameExpression(p, "axpy<float>"));
    OK(nvrtcAddNameExpression(p, "&axpy<double>"));
    ST(nvrtcGetLoweredName(p, "axpy<float>", &lf),
       NVRTC_ERROR_NO_LOWERED_NAMES_BEFORE_COMPILATION);
    OK(nvrtcCompileProgram(p, 3, opts));
    ST(nvrtcAddNameExpression(p, "axpy<int>"),
       NVRTC_ERROR_NO_NAME_EXPRESSIONS_AFTER_COMPILATION);

    ptx = get(p, nvrtcGetPTXSize, nvrtcGetPTX, &n);
    TRUE(strstr(ptx, "// sim PTX of axpy.cu") != NULL);
    TRUE(strstr(ptx, "--gpu-architecture=compute_90 -dlto -DN=4") != NULL);
    TRUE(strstr(ptx, "axpy.h=#define AXPY 1\n;empty.h=/* empty */;") !=
         NULL);
    TRUE(strstr(ptx, src) != NULL && n == strlen(ptx) + 1);
    cubin = get(p, nvrtcGetCUBINSize, nvrtcGetCUBIN, &nc);
    TRUE(nc == n - 1);
    for (size_t i = 0; i < nc; i++) {
        TRUE(cubin[i] == ptx[nc - 1 - i]);
    }
    lto = get(p, nvrtcGetLTOIRSize, nvrtcGetLTOIR, &nl);
    TRUE(nl == n && memcmp(lto, ptx, n) == 0);
    OK(nvrtcGetOptiXIRSize(p, &nl));
    TRUE(nl == 0);
    log = get(p, nvrtcGetProgramLogSize, nvrtcGetProgramLog, &nl);
    TRUE(strstr(log, "sim: compiled axpy.cu") != NULL);
    TRUE(strstr(log, "3 options") != NULL);

    OK(nvrtcGetLoweredName(p, "axpy<float>", &lf));
    OK(nvrtcGetLoweredName(p, "&axpy<double>", &ld));
    TRUE(strcmp(lf, "_Z3sim11axpy_float_") == 0);
    TRUE(strcmp(ld, "_Z3sim13_axpy_double_") == 0);
    OK(nvrtcGetLoweredName(p, "axpy<float>", &lf2));
    TRUE(lf2 == lf);
    ST(nvrtcGetLoweredName(p, "axpy<long>", &lf2),
       NVRTC_ERROR_NAME_EXPRESSION_NOT_VALID);
    ST(nvrtcGetLoweredName(p, NULL, &lf2), NVRTC_ERROR_INVALID_INPUT);
    /* Still there after other calls. */
    TRUE(strcmp(lf, "_Z3sim11axpy_float_") == 0);

    /* A compilation that fails: the status, and the log says why. */
    OK(nvrtcCreateProgram(&q, "#error no way\n", NULL, 0, NULL, NULL));
    ST(nvrtcCompileProgram(q, 0, NULL), NVRTC_ERROR_COMPILATION);
    free(log);
    log = get(q, nvrtcGetProgramLogSize, nvrtcGetProgramLog, &nl);
    TRUE(strstr(log, "default_program(1): error: #error no way") != NULL);
    ST(nvrtcGetPTXSize(q, &n), NVRTC_ERROR_INVALID_PROGRAM);
    stale = q;
    OK(nvrtcDestroyProgram(&q));
    TRUE(q == NULL);

    /* Forged, stale and NULL programs: refused here. */
    ST(nvrtcCompileProgram((nvrtcProgram)&fake, 0, NULL),
       NVRTC_ERROR_INVALID_PROGRAM);
    ST(nvrtcGetPTXSize(stale, &n), NVRTC_ERROR_INVALID_PROGRAM);
    ST(nvrtcGetPTX(stale, ptx), NVRTC_ERROR_INVALID_PROGRAM);
    ST(nvrtcGetLoweredName(stale, "axpy<float>", &lf2),
       NVRTC_ERROR_INVALID_PROGRAM);
    ST(nvrtcDestroyProgram(&stale), NVRTC_ERROR_INVALID_PROGRAM);
    ST(nvrtcDestroyProgram(NULL), NVRTC_ERROR_INVALID_INPUT);
    ST(nvrtcGetProgramLogSize(NULL, &n), NVRTC_ERROR_INVALID_PROGRAM);
    /* Not in the simulator (the worker says so), and not remoted. */
    ST(nvrtcGetPCHCreateStatus(p), NVRTC_ERROR_INTERNAL_ERROR);
    ST(nvrtcSetFlowCallback(p, NULL, NULL), NVRTC_ERROR_INTERNAL_ERROR);

    OK(nvrtcDestroyProgram(&p));
    free(ptx);
    free(cubin);
    free(lto);
    free(log);
    return 0;
}

/* Two programs never destroyed: the worker destroys them. */
static int mode_leave(void)
{
    nvrtcProgram p, q;

    OK(nvrtcCreateProgram(&p, "int x;", "a.cu", 0, NULL, NULL));
    OK(nvrtcCreateProgram(&q, "int y;", "b.cu", 0, NULL, NULL));
    OK(nvrtcCompileProgram(q, 0, NULL));
    return 0;
}

int main(int argc, char **argv)
{
    static const libapp_mode_t modes[] = {
        { "compile", mode_compile },
        { "leave", mode_leave },
    };

    return libapp_main("rtcapp", argc, argv, modes,
                       sizeof(modes) / sizeof(modes[0]));
}
