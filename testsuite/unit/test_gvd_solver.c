/*
 * test_gvd_solver.c - cuSOLVER end to end on gvd's simulated device
 * (whose cuSOLVER factorises and solves on the host:
 * gvd/sim/gvdsim_solver.c).
 *
 *   programs   solverapp, linked against our libcusolver.so.12 and
 *              libcudart.so.13: handles, streams, parameters and Jacobi
 *              settings, forged, stale and wrong-kind records refused on
 *              the client, LU and Cholesky solves against the known
 *              solution, a late error of a one-way call, the 64-bit LU
 *              with a host workspace that travels both ways
 *   worker     a raw client (hardening_util.h): handles, parameters and
 *              pointers of another client or made up, each refused with
 *              CUSOLVER_STATUS_INVALID_VALUE; the worker serves on; what
 *              a client leaves is destroyed when it goes
 */
#include "config.h"

#include "gvtest.h"
#include "hardening_util.h"
#include "gv_api_cusolver.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <cusolverDn.h>
#pragma GCC diagnostic pop
#include <stdio.h>
#include <string.h>

static hgvd_t g;        /* the suite's gvd */

/* Run solverapp MODE against gv to the end: 0 when it said "OK MODE". */
static int solverapp(const hgvd_t *gv, const char *mode)
{
    return app_run_ok("testsuite/unit/solverapp", mode, gv);
}

static void test_handles_settings_forged_records(void)
{
    CU_ASSERT_EQUAL(solverapp(&g, "handles"), 0);
}

static void test_lu_and_cholesky_solve(void)
{
    CU_ASSERT_EQUAL(solverapp(&g, "solve"), 0);
}

static void test_64bit_lu_with_host_workspace(void)
{
    CU_ASSERT_EQUAL(solverapp(&g, "x64"), 0);
}

/* ---- the worker, from a raw client --------------------------------------- */

/* cusolverDnGetStream(h, &s): a synchronous call naming a handle. */
static int64_t hget_stream(hcli_t *c, uint64_t h)
{
    gvc_enc_t *e = hargs();

    gvc_enc_u64(e, h);
    gvc_enc_u8(e, 1);
    return hcall(c, GV_API_cusolverDnGetStream, e);
}

/* cusolverDnXgetrf_bufferSize(h, p, 4, 4, R_64F, A, 4, R_64F, ...). */
static int64_t hxgetrf_size(hcli_t *c, uint64_t h, uint64_t p, uint64_t a)
{
    gvc_enc_t *e = hargs();

    gvc_enc_u64(e, h);
    gvc_enc_u64(e, p);
    gvc_enc_i64(e, 4);
    gvc_enc_i64(e, 4);
    gvc_enc_i32(e, CUDA_R_64F);
    gvc_enc_u64(e, a);
    gvc_enc_i64(e, 4);
    gvc_enc_i32(e, CUDA_R_64F);
    gvc_enc_u8(e, 1);
    gvc_enc_u8(e, 1);
    return hcall(c, GV_API_cusolverDnXgetrf_bufferSize, e);
}

/* A one-way cusolverDnSetStream(h, 0). */
static int hset_stream(hcli_t *c, uint64_t h)
{
    gvc_enc_t *e = hargs();

    gvc_enc_u64(e, h);
    gvc_enc_u64(e, 0);
    return hsend_oneway(c, GV_API_cusolverDnSetStream, e);
}

/* Another client's handles and parameters, made-up ones, foreign
 * pointers: refused by the worker with CUSOLVER_STATUS_INVALID_VALUE;
 * the worker serves on. */
static void test_worker_refuses_forged_values(void)
{
    uint64_t ha = 0, hb, pa = 0, pb, ma, mb, bogus = 0xdeadbeef000ull;
    hcli_t a, b;

    CU_ASSERT_EQUAL_FATAL(hcli_open(&a, g.port), 0);
    CU_ASSERT_EQUAL_FATAL(hcli_open(&b, g.port), 0);
    /* Workers allocate alike (the same addresses in the same order under
     * ASan): b makes and destroys a few objects first, so that none of
     * b's values below is one a makes, and none of a's is one b owns. */
    for (int i = 0; i < 8; i++) {
        uint64_t p = hcreate(&b, GV_API_cusolverDnCreateParams);
        gvc_enc_t *e = hargs();

        gvc_enc_u64(e, p);
        CU_ASSERT(p != 0 &&
                  hsend_oneway(&b, GV_API_cusolverDnDestroyParams, e) == 0);
    }
    hb = hcreate(&b, GV_API_cusolverDnCreate);
    pb = hcreate(&b, GV_API_cusolverDnCreateParams);
    for (int i = 0; i < 8; i++) {
        ha = hcreate(&a, GV_API_cusolverDnCreate);
        pa = hcreate(&a, GV_API_cusolverDnCreateParams);
        if (ha != hb && ha != pb && pa != hb && pa != pb) {
            break;
        }
    }
    ma = hmalloc(&a, 4096, NULL);
    mb = hmalloc(&b, 4096, NULL);
    CU_ASSERT_FATAL(ha && hb && pa && pb && ma && mb);

    CU_ASSERT_EQUAL(hget_stream(&a, ha), CUSOLVER_STATUS_SUCCESS);
    CU_ASSERT_EQUAL(hget_stream(&b, ha), CUSOLVER_STATUS_INVALID_VALUE);
    CU_ASSERT_EQUAL(hget_stream(&a, bogus), CUSOLVER_STATUS_INVALID_VALUE);
    CU_ASSERT_EQUAL(hget_stream(&a, pa), CUSOLVER_STATUS_INVALID_VALUE);

    CU_ASSERT_EQUAL(hxgetrf_size(&a, ha, pa, ma), CUSOLVER_STATUS_SUCCESS);
    CU_ASSERT_EQUAL(hxgetrf_size(&a, ha, pb, ma),
                    CUSOLVER_STATUS_INVALID_VALUE);
    CU_ASSERT_EQUAL(hxgetrf_size(&a, ha, ha, ma),
                    CUSOLVER_STATUS_INVALID_VALUE);
    CU_ASSERT_EQUAL(hxgetrf_size(&a, pa, pa, ma),
                    CUSOLVER_STATUS_INVALID_VALUE);
    /* Device pointers: the client's own, not another client's. */
    if (mb != ma) {
        CU_ASSERT_EQUAL(hxgetrf_size(&a, ha, pa, mb),
                        CUSOLVER_STATUS_INVALID_VALUE);
    }
    CU_ASSERT_EQUAL(hxgetrf_size(&a, ha, pa, bogus),
                    CUSOLVER_STATUS_INVALID_VALUE);
    /* One-way: the first failure comes back with the next reply, as the
     * CUDA error the client's runtime reads. */
    CU_ASSERT_EQUAL(hset_stream(&a, ha), 0);
    CU_ASSERT_EQUAL(hget_stream(&a, ha), CUSOLVER_STATUS_SUCCESS);
    CU_ASSERT_EQUAL(a.seq_err, 0);
    CU_ASSERT_EQUAL(hset_stream(&a, hb), 0);
    CU_ASSERT_EQUAL(hget_stream(&a, ha), CUSOLVER_STATUS_SUCCESS);
    CU_ASSERT_EQUAL(a.seq_err, cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(hclose_both(&g, &a, &b), 0);
}

/* A client that leaves a handle, parameters and Jacobi settings: the
 * worker destroys them (and says so) before it exits. */
static void test_objects_left_are_destroyed(void)
{
    static const char *const said[] = {
        "destroyed 3 cuSOLVER handles and settings the client left",
        NULL
    };

    CU_ASSERT_EQUAL(hleft_destroyed("testsuite/unit/solverapp", said), 0);
}

static const gvtest_case_t program_cases[] = {
    { "handles_settings_forged_records",
      test_handles_settings_forged_records },
    { "lu_and_cholesky_solve", test_lu_and_cholesky_solve },
    { "64bit_lu_with_host_workspace", test_64bit_lu_with_host_workspace },
    { NULL, NULL }
};

static const gvtest_case_t worker_cases[] = {
    { "refuses_forged_values", test_worker_refuses_forged_values },
    { "objects_left_are_destroyed", test_objects_left_are_destroyed },
    { NULL, NULL }
};

int main(int argc, char **argv)
{
    return hlib_main(argc, argv, &g, program_cases, worker_cases);
}
