/*
 * test_gvd_rtc.c - NVRTC end to end on gvd's simulated device (whose
 * NVRTC is a fake compiler: gvd/sim/gvdsim_rtc.c).
 *
 *   programs   rtcapp, linked against our libnvrtc.so.13 and
 *              libcudart.so.13: headers, options and name expressions
 *              arriving, PTX, CUBIN, LTO IR and the log coming back
 *              whole, lowered names kept with stable pointers, a failed
 *              compilation's log, versions and architectures, forged
 *              and stale programs refused on the client
 *   worker     a raw client (hardening_util.h): programs of another
 *              client or made up refused with
 *              NVRTC_ERROR_INVALID_PROGRAM, malformed string lists and
 *              a result of the wrong size refused; the worker serves
 *              on; what a client leaves is destroyed when it goes
 */
#include "config.h"

#include "gvtest.h"
#include "hardening_util.h"
#include "gv_api_nvrtc.h"

#include <nvrtc.h>
#include <stdio.h>
#include <string.h>

static hgvd_t g;        /* the suite's gvd */

/* Run rtcapp MODE against gv to the end: 0 when it said "OK MODE". */
static int rtcapp(const hgvd_t *gv, const char *mode)
{
    return app_run_ok("testsuite/unit/rtcapp", mode, gv);
}

static void test_compile_results_lowered_names_forged(void)
{
    CU_ASSERT_EQUAL(rtcapp(&g, "compile"), 0);
}

/* ---- the worker, from a raw client --------------------------------------- */

/* nvrtcCreateProgram(src, no name, no headers): the program made. */
static uint64_t hprog(hcli_t *c, const char *src)
{
    gvc_enc_t *e = hargs();

    gvc_enc_str(e, src);
    gvc_enc_str(e, NULL);
    gvc_enc_i32(e, 0);
    return hcall(c, GV_API_nvrtcCreateProgram, e) == 0 ? hreply_u64(c, 0)
                                                         : 0;
}

static int64_t hdestroy(hcli_t *c, uint64_t p)
{
    gvc_enc_t *e = hargs();

    gvc_enc_u64(e, p);
    return hcall(c, GV_API_nvrtcDestroyProgram, e);
}

/* nvrtcCompileProgram(p, n, "-DX" ...). */
static int64_t hcompile(hcli_t *c, uint64_t p, int32_t n)
{
    gvc_enc_t *e = hargs();

    gvc_enc_u64(e, p);
    gvc_enc_i32(e, n);
    for (int32_t i = 0; i < n && i < 4; i++) {
        gvc_enc_str(e, "-DX");
    }
    return hcall(c, GV_API_nvrtcCompileProgram, e);
}

static int64_t hget_ptx(hcli_t *c, uint64_t p, uint64_t size)
{
    gvc_enc_t *e = hargs();

    gvc_enc_u64(e, p);
    gvc_enc_u64(e, size);
    return hcall(c, GV_API_nvrtcGetPTX, e);
}

/* Another client's program, a made-up one, malformed lists, a result
 * asked for with the wrong size: refused; the worker serves on. */
static void test_worker_refuses_forged_values(void)
{
    uint64_t pa = 0, pb, bogus = 0xdeadbeef000ull;
    hcli_t a, b;

    CU_ASSERT_EQUAL_FATAL(hcli_open(&a, g.port), 0);
    CU_ASSERT_EQUAL_FATAL(hcli_open(&b, g.port), 0);
    /* Workers allocate alike: b makes and destroys a few programs first
     * so that its value is not one a makes (see test_gvd_dnn.c). */
    for (int i = 0; i < 8; i++) {
        uint64_t t = hprog(&b, "int t;");

        CU_ASSERT(t != 0 && hdestroy(&b, t) == NVRTC_SUCCESS);
    }
    pb = hprog(&b, "int b;");
    for (int i = 0; i < 8 && (pa == 0 || pa == pb); i++) {
        pa = hprog(&a, "int a;");
    }
    CU_ASSERT_FATAL(pa && pb && pa != pb);

    CU_ASSERT_EQUAL(hcompile(&a, pa, 2), NVRTC_SUCCESS);
    CU_ASSERT_EQUAL(hcompile(&b, pa, 0), NVRTC_ERROR_INVALID_PROGRAM);
    CU_ASSERT_EQUAL(hcompile(&a, bogus, 0), NVRTC_ERROR_INVALID_PROGRAM);
    CU_ASSERT_EQUAL(hcompile(&a, 0, 0), NVRTC_ERROR_INVALID_PROGRAM);
    /* Counts that disagree with the strings, or out of bounds. */
    CU_ASSERT_EQUAL(hcompile(&a, pa, 5), NVRTC_ERROR_INVALID_INPUT);
    CU_ASSERT_EQUAL(hcompile(&a, pa, -1), NVRTC_ERROR_INVALID_INPUT);
    CU_ASSERT_EQUAL(hcompile(&a, pa, 1 << 20), NVRTC_ERROR_INVALID_INPUT);
    {
        gvc_enc_t *e = hargs();

        gvc_enc_str(e, "int x;");
        gvc_enc_str(e, NULL);
        gvc_enc_i32(e, 1);
        gvc_enc_str(e, NULL);           /* a header may not be NULL */
        gvc_enc_str(e, "x.h");
        CU_ASSERT_EQUAL(hcall(&a, GV_API_nvrtcCreateProgram, e),
                        NVRTC_ERROR_INVALID_INPUT);
    }
    /* Results: the size must be the program's. */
    CU_ASSERT_EQUAL(hget_ptx(&a, pa, 3), NVRTC_ERROR_INVALID_INPUT);
    CU_ASSERT_EQUAL(hget_ptx(&b, pa, 3), NVRTC_ERROR_INVALID_PROGRAM);
    CU_ASSERT_EQUAL(hdestroy(&b, pa), NVRTC_ERROR_INVALID_PROGRAM);
    CU_ASSERT_EQUAL(hdestroy(&a, pa), NVRTC_SUCCESS);
    CU_ASSERT_EQUAL(hdestroy(&a, pa), NVRTC_ERROR_INVALID_PROGRAM);
    CU_ASSERT_EQUAL(hclose_both(&g, &a, &b), 0);
}

/* A client that leaves two programs: the worker destroys them (and says
 * so) before it exits. */
static void test_programs_left_are_destroyed(void)
{
    static const char *const said[] = {
        "destroyed 2 NVRTC programs the client left",
        NULL
    };

    CU_ASSERT_EQUAL(hleft_destroyed("testsuite/unit/rtcapp", said), 0);
}

static const gvtest_case_t program_cases[] = {
    { "compile_results_lowered_names_forged",
      test_compile_results_lowered_names_forged },
    { NULL, NULL }
};

static const gvtest_case_t worker_cases[] = {
    { "refuses_forged_values", test_worker_refuses_forged_values },
    { "programs_left_are_destroyed", test_programs_left_are_destroyed },
    { NULL, NULL }
};

int main(int argc, char **argv)
{
    return hlib_main(argc, argv, &g, program_cases, worker_cases);
}
