/*
 * test_gvd_fft.c - cuFFT end to end on gvd's simulated device (whose
 * cuFFT computes transforms on the host by a naive DFT:
 * gvd/sim/gvdsim_fft.c).
 *
 *   programs   fftapp, linked against our libcufft.so.12 and
 *              libcudart.so.13: plans as numbers of ours, forged and
 *              stale numbers refused on the client, versions answered
 *              locally, unsupported exports; 1D and 2D C2C, batched
 *              R2C and C2R, Z2Z, D2Z and Z2D against a CPU DFT;
 *              PyTorch's sequence (cufftXtMakePlanMany, a work area, a
 *              stream, cufftXtExec) and late errors of one-way calls
 *   worker     a raw client (hardening_util.h): plans of another client
 *              or made up, device pointers not the client's, refused;
 *              the worker serves on; plans a client leaves are
 *              destroyed when it goes
 */
#include "config.h"

#include "gvtest.h"
#include "hardening_util.h"
#include "gv_api_cufft.h"

#include <cufft.h>
#include <stdio.h>
#include <string.h>

static hgvd_t g;        /* the suite's gvd */

/* Run fftapp MODE against gv to the end: 0 when it said "OK MODE". */
static int fftapp(const hgvd_t *gv, const char *mode)
{
    return app_run_ok("testsuite/unit/fftapp", mode, gv);
}

static void test_plans_and_forged_numbers(void)
{
    CU_ASSERT_EQUAL(fftapp(&g, "plans"), 0);
}

static void test_transforms_match_the_cpu(void)
{
    CU_ASSERT_EQUAL(fftapp(&g, "transforms"), 0);
}

static void test_double_precision_matches_the_cpu(void)
{
    CU_ASSERT_EQUAL(fftapp(&g, "double"), 0);
}

static void test_xt_work_area_stream_late_errors(void)
{
    CU_ASSERT_EQUAL(fftapp(&g, "xt"), 0);
}

/* ---- the worker, from a raw client --------------------------------------- */

/* cufftCreate: the worker's plan, or -1. */
static int hplan(hcli_t *c)
{
    gvc_enc_t *e = hargs();
    int32_t p = -1;

    gvc_enc_u8(e, 1);
    if (hcall(c, GV_API_cufftCreate, e) == CUFFT_SUCCESS &&
        c->rargs_len >= 4) {
        memcpy(&p, c->rargs, 4);
    }
    return p;
}

/* cufftMakePlan1d(plan, 8, C2C, 1, &ws). */
static int64_t hmake(hcli_t *c, int plan)
{
    gvc_enc_t *e = hargs();

    gvc_enc_u64(e, (uint64_t)(int64_t)plan);
    gvc_enc_i32(e, 8);
    gvc_enc_i32(e, CUFFT_C2C);
    gvc_enc_i32(e, 1);
    gvc_enc_u8(e, 1);
    return hcall(c, GV_API_cufftMakePlan1d, e);
}

/* cufftGetSize(plan, &ws). */
static int64_t hsize(hcli_t *c, int plan)
{
    gvc_enc_t *e = hargs();

    gvc_enc_u64(e, (uint64_t)(int64_t)plan);
    gvc_enc_u8(e, 1);
    return hcall(c, GV_API_cufftGetSize, e);
}

/* A one-way cufftExecC2C(plan, in, out, FORWARD). */
static int hexec(hcli_t *c, int plan, uint64_t in, uint64_t out)
{
    gvc_enc_t *e = hargs();

    gvc_enc_u64(e, (uint64_t)(int64_t)plan);
    gvc_enc_u64(e, in);
    gvc_enc_u64(e, out);
    gvc_enc_i32(e, CUFFT_FORWARD);
    return hsend_oneway(c, GV_API_cufftExecC2C, e);
}

/* A one-way cufftSetWorkArea(plan, p). */
static int hwork(hcli_t *c, int plan, uint64_t p)
{
    gvc_enc_t *e = hargs();

    gvc_enc_u64(e, (uint64_t)(int64_t)plan);
    gvc_enc_u64(e, p);
    return hsend_oneway(c, GV_API_cufftSetWorkArea, e);
}

/* Another client's plans, made-up ones, pointers not the client's:
 * refused by the worker (CUFFT_INVALID_PLAN, CUFFT_INVALID_VALUE; late
 * for one-way calls, as the CUDA error the client's runtime reads); the
 * worker serves on. */
static void test_worker_refuses_forged_values(void)
{
    uint64_t pa, bogus = 0xdeadbeef000ull;
    int a0, b0, b1;
    hcli_t a, b;

    CU_ASSERT_EQUAL_FATAL(hcli_open(&a, g.port), 0);
    CU_ASSERT_EQUAL_FATAL(hcli_open(&b, g.port), 0);
    /* Each worker's simulated cuFFT hands out 0, 1, ...: b owns one
     * more plan than a, which a then names. */
    a0 = hplan(&a);
    b0 = hplan(&b);
    b1 = hplan(&b);
    CU_ASSERT_FATAL(a0 >= 0 && b0 >= 0 && b1 >= 0 && b1 != a0);
    pa = hmalloc(&a, 4096, NULL);
    CU_ASSERT_FATAL(pa != 0);

    CU_ASSERT_EQUAL(hmake(&a, a0), CUFFT_SUCCESS);
    CU_ASSERT_EQUAL(hmake(&a, b1), CUFFT_INVALID_PLAN);
    CU_ASSERT_EQUAL(hmake(&a, 12345), CUFFT_INVALID_PLAN);
    CU_ASSERT_EQUAL(hmake(&a, -1), CUFFT_INVALID_PLAN);
    CU_ASSERT_EQUAL(hsize(&a, a0), CUFFT_SUCCESS);
    CU_ASSERT_EQUAL(hsize(&a, b1), CUFFT_INVALID_PLAN);

    /* One-way: the first failure comes back with the next reply. */
    CU_ASSERT_EQUAL(hexec(&a, a0, pa, pa), 0);
    CU_ASSERT_EQUAL(hsize(&a, a0), CUFFT_SUCCESS);
    CU_ASSERT_EQUAL(a.seq_err, 0);
    CU_ASSERT_EQUAL(hexec(&a, b1, pa, pa), 0);
    CU_ASSERT_EQUAL(hsize(&a, a0), CUFFT_SUCCESS);
    CU_ASSERT_EQUAL(a.seq_err, cudaErrorInvalidResourceHandle);
    CU_ASSERT_EQUAL(hexec(&a, a0, pa, bogus), 0);
    CU_ASSERT_EQUAL(hsize(&a, a0), CUFFT_SUCCESS);
    CU_ASSERT_EQUAL(a.seq_err, cudaErrorInvalidValue);
    /* A work area outside the client's memory, or too small for the
     * plan (64 of its 64 bytes from the allocation's end: fine; 8 from
     * the end: too small). */
    CU_ASSERT_EQUAL(hwork(&a, a0, bogus), 0);
    CU_ASSERT_EQUAL(hsize(&a, a0), CUFFT_SUCCESS);
    CU_ASSERT_EQUAL(a.seq_err, cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(hwork(&a, a0, pa + 4096 - 64), 0);
    CU_ASSERT_EQUAL(hsize(&a, a0), CUFFT_SUCCESS);
    CU_ASSERT_EQUAL(a.seq_err, 0);
    CU_ASSERT_EQUAL(hwork(&a, a0, pa + 4096 - 8), 0);
    CU_ASSERT_EQUAL(hsize(&a, a0), CUFFT_SUCCESS);
    CU_ASSERT_EQUAL(a.seq_err, cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(hclose_both(&g, &a, &b), 0);
}

/* A client that leaves three plans: the worker destroys them (and says
 * so) before it exits. */
static void test_plans_left_are_destroyed(void)
{
    static const char *const said[] = {
        "destroyed 3 cuFFT plans the client left",
        NULL
    };

    CU_ASSERT_EQUAL(hleft_destroyed("testsuite/unit/fftapp", said), 0);
}

static const gvtest_case_t program_cases[] = {
    { "plans_and_forged_numbers", test_plans_and_forged_numbers },
    { "transforms_match_the_cpu", test_transforms_match_the_cpu },
    { "double_precision_matches_the_cpu",
      test_double_precision_matches_the_cpu },
    { "xt_work_area_stream_late_errors",
      test_xt_work_area_stream_late_errors },
    { NULL, NULL }
};

static const gvtest_case_t worker_cases[] = {
    { "refuses_forged_values", test_worker_refuses_forged_values },
    { "plans_left_are_destroyed", test_plans_left_are_destroyed },
    { NULL, NULL }
};

int main(int argc, char **argv)
{
    return hlib_main(argc, argv, &g, program_cases, worker_cases);
}
