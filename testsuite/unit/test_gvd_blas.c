/*
 * test_gvd_blas.c - cuBLAS and cuBLASLt end to end on gvd's simulated
 * device (whose cuBLAS computes on the host: gvd/sim/gvdsim_blas.c).
 *
 *   programs   blasapp, linked against our libcublas.so.13,
 *              libcublasLt.so.13 and libcudart.so.13: handles and
 *              settings, gemms against the CPU, late errors of one-way
 *              calls, cuBLASLt descriptors, attributes, algorithms and
 *              matmuls, forged and stale records refused on the client
 *   worker     a raw client (hardening_util.h): handles and descriptors
 *              of another client or made up, device pointers and
 *              descriptors inside attributes, each refused by the worker;
 *              what a client leaves is destroyed when it goes
 */
#include "config.h"

#include "gvtest.h"
#include "hardening_util.h"
#include "gv_api_cublas.h"
#include "gv_api_cublaslt.h"
#include "gvx.h"

#include <cublas_v2.h>
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wstrict-prototypes"
#include <cublasLt.h>
#pragma GCC diagnostic pop
#include <stdio.h>
#include <string.h>

static hgvd_t g;        /* the suite's gvd */

/* Run blasapp MODE against gv to the end: 0 when it said "OK MODE". */
static int blasapp(const hgvd_t *gv, const char *mode)
{
    return app_run_ok("testsuite/unit/blasapp", mode, gv);
}

static void test_handles_settings_forged_values(void)
{
    CU_ASSERT_EQUAL(blasapp(&g, "handles"), 0);
}

static void test_gemms_match_the_cpu(void)
{
    CU_ASSERT_EQUAL(blasapp(&g, "gemm"), 0);
}

/* GVIRTUS_STATS=1 names the library calls too (libgvirtus knows every
 * library's ids), not only the runtime's. */
static void test_stats_name_library_calls(void)
{
    app_t a;

    CU_ASSERT_EQUAL_FATAL(app_start(&a, "testsuite/unit/blasapp", "gemm", &g,
                                    "GVIRTUS_STATS=1"), 0);
    CU_ASSERT(app_wait(&a, "OK gemm", 60) != NULL);
    CU_ASSERT_EQUAL(app_finish(&a), 0);
    CU_ASSERT(strstr(a.buf, "per-call statistics") != NULL);
    CU_ASSERT(strstr(a.buf, "cublasCreate_v2") != NULL);
    CU_ASSERT(strstr(a.buf, "cudaMalloc") != NULL);
    CU_ASSERT(strstr(a.buf, "transport GPU 0:") != NULL);
}

/* fork() after cublasCreate: blasapp checks the child's calls fail and
 * the parent's gemm after it; only the parent prints statistics (the
 * child's counts would be the parent's). */
static void test_fork_child_refused_parent_intact(void)
{
    const char *first;
    app_t a;

    CU_ASSERT_EQUAL_FATAL(app_start(&a, "testsuite/unit/blasapp", "fork", &g,
                                    "GVIRTUS_STATS=1"), 0);
    CU_ASSERT(app_wait(&a, "OK fork", 60) != NULL);
    CU_ASSERT_EQUAL(app_finish(&a), 0);
    first = strstr(a.buf, "per-call statistics");
    CU_ASSERT(first != NULL && strstr(first + 1, "per-call statistics") ==
                                   NULL);
}

static void test_oneway_errors_come_back_late(void)
{
    CU_ASSERT_EQUAL(blasapp(&g, "late"), 0);
}

static void test_lt_descriptors_attributes_algorithms(void)
{
    CU_ASSERT_EQUAL(blasapp(&g, "ltdesc"), 0);
}

static void test_lt_matmuls_match_the_cpu(void)
{
    CU_ASSERT_EQUAL(blasapp(&g, "ltmatmul"), 0);
}

static void test_lt_forged_stale_wrong_kind_records(void)
{
    CU_ASSERT_EQUAL(blasapp(&g, "lterrors"), 0);
}

static void test_lt_descriptors_from_the_pool(void)
{
    CU_ASSERT_EQUAL(blasapp(&g, "ltpool"), 0);
}

/* ---- the worker, from a raw client ------------------------------------------ */

static uint64_t hmatmul_desc(hcli_t *c)
{
    gvc_enc_t *e = hargs();

    gvc_enc_u8(e, 1);
    gvc_enc_i32(e, CUBLAS_COMPUTE_32F);
    gvc_enc_i32(e, CUDA_R_32F);
    return hcall(c, GV_API_cublasLtMatmulDescCreate, e) == 0
               ? hreply_u64(c, 0) : 0;
}

static int64_t hset_pmode(hcli_t *c, uint64_t h)
{
    gvc_enc_t *e = hargs();

    gvc_enc_u64(e, h);
    gvc_enc_i32(e, CUBLAS_POINTER_MODE_HOST);
    return hcall(c, GV_API_cublasSetPointerMode_v2, e);
}

static int64_t hdesc_set(hcli_t *c, uint64_t desc, int attr, uint64_t v)
{
    gvc_enc_t *e = hargs();

    gvc_enc_u64(e, desc);
    gvc_enc_i32(e, attr);
    gvc_enc_array(e, &v, sizeof(v), 1);
    gvc_enc_u64(e, sizeof(v));
    return hcall(c, GV_API_cublasLtMatmulDescSetAttribute, e);
}

/* gvLtReserve of one block of kind k: the block, or 0. */
static uint64_t hreserve(hcli_t *c, int k)
{
    gvc_enc_t *e = hargs();

    gvc_enc_i32(e, k);
    gvc_enc_u32(e, 1);
    return hcall(c, GV_API_gvLtReserve, e) == 0 ? hreply_u64(c, 0) : 0;
}

/* gvLtInit of block blk as a layout, synchronously (the status). */
static int64_t hinit_layout(hcli_t *c, uint64_t blk)
{
    gvc_enc_t *e = hargs();

    gvc_enc_i32(e, GVX_LT_LAYOUT);
    gvc_enc_u64(e, blk);
    gvc_enc_i32(e, CUDA_R_32F);
    gvc_enc_i32(e, 0);
    gvc_enc_u64(e, 4);
    gvc_enc_u64(e, 4);
    gvc_enc_i64(e, 4);
    return hcall(c, GV_API_gvLtInit, e);
}

static int64_t hdestroy(hcli_t *c, uint32_t api, uint64_t h)
{
    gvc_enc_t *e = hargs();

    gvc_enc_u64(e, h);
    return hcall(c, api, e);
}

/* A one-way 1x1x1 Sgemm on handle h with device pointer p. */
static int hsgemm(hcli_t *c, uint64_t h, uint64_t p)
{
    gvc_enc_t *e = hargs();
    float one = 1;

    gvc_enc_u64(e, h);
    gvc_enc_i32(e, CUBLAS_OP_N);
    gvc_enc_i32(e, CUBLAS_OP_N);
    for (int i = 0; i < 3; i++) {
        gvc_enc_i32(e, 1);
    }
    gvc_enc_u8(e, 1);                   /* alpha: a host value */
    gvc_enc_array(e, &one, sizeof(one), 1);
    gvc_enc_u64(e, p);
    gvc_enc_i32(e, 1);
    gvc_enc_u64(e, p);
    gvc_enc_i32(e, 1);
    gvc_enc_u8(e, 1);
    gvc_enc_array(e, &one, sizeof(one), 1);
    gvc_enc_u64(e, p);
    gvc_enc_i32(e, 1);
    return hsend_oneway(c, GV_API_cublasSgemm_v2, e);
}

/* Another client's handles and descriptors, made-up ones, foreign
 * pointers and descriptors inside attributes: refused by the worker
 * (the library's invalid value); the worker serves on. */
static void test_worker_refuses_forged_values(void)
{
    uint64_t ha, hb, lta, da, db, pa, bogus = 0xdeadbeef000ull;
    hcli_t a, b;

    CU_ASSERT_EQUAL_FATAL(hcli_open(&a, g.port), 0);
    CU_ASSERT_EQUAL_FATAL(hcli_open(&b, g.port), 0);
    hb = hcreate(&b, GV_API_cublasCreate_v2);
    db = hmatmul_desc(&b);
    /* a's values, none equal to one of b's (separate processes: values
     * may coincide, see test_hardening.c). */
    for (int i = 0; i < 8; i++) {
        ha = hcreate(&a, GV_API_cublasCreate_v2);
        da = hmatmul_desc(&a);
        if (ha != hb && ha != db && da != hb && da != db) {
            break;
        }
    }
    lta = hcreate(&a, GV_API_cublasLtCreate);
    pa = hmalloc(&a, 4096, NULL);
    CU_ASSERT_FATAL(ha && hb && da && db && lta && pa);

    CU_ASSERT_EQUAL(hset_pmode(&a, ha), CUBLAS_STATUS_SUCCESS);
    CU_ASSERT_EQUAL(hset_pmode(&b, ha), CUBLAS_STATUS_INVALID_VALUE);
    CU_ASSERT_EQUAL(hset_pmode(&a, bogus), CUBLAS_STATUS_INVALID_VALUE);
    CU_ASSERT_EQUAL(hset_pmode(&a, da), CUBLAS_STATUS_INVALID_VALUE);
    CU_ASSERT_EQUAL(hdesc_set(&b, da, CUBLASLT_MATMUL_DESC_BIAS_POINTER, 0),
                    CUBLAS_STATUS_INVALID_VALUE);
    CU_ASSERT_EQUAL(hdesc_set(&a, ha, CUBLASLT_MATMUL_DESC_BIAS_POINTER, 0),
                    CUBLAS_STATUS_INVALID_VALUE);
    CU_ASSERT_EQUAL(hdesc_set(&a, lta, CUBLASLT_MATMUL_DESC_BIAS_POINTER, 0),
                    CUBLAS_STATUS_INVALID_VALUE);
    /* Pointers and descriptors inside attributes. */
    CU_ASSERT_EQUAL(hdesc_set(&a, da, CUBLASLT_MATMUL_DESC_BIAS_POINTER, pa),
                    CUBLAS_STATUS_SUCCESS);
    CU_ASSERT_EQUAL(hdesc_set(&a, da, CUBLASLT_MATMUL_DESC_BIAS_POINTER,
                              bogus), CUBLAS_STATUS_INVALID_VALUE);
    CU_ASSERT_EQUAL(hdesc_set(&a, da, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER,
                              bogus + 8), CUBLAS_STATUS_INVALID_VALUE);
    CU_ASSERT_EQUAL(hdesc_set(&a, da,
                              CUBLASLT_MATMUL_DESC_EMULATION_DESCRIPTOR,
                              da), CUBLAS_STATUS_INVALID_VALUE);
    /* One-way: the first failure comes back with the next reply, as the
     * CUDA error the client's runtime reads. */
    CU_ASSERT_EQUAL(hsgemm(&a, ha, pa), 0);
    CU_ASSERT_EQUAL(hset_pmode(&a, ha), CUBLAS_STATUS_SUCCESS);
    CU_ASSERT_EQUAL(a.seq_err, 0);
    CU_ASSERT_EQUAL(hsgemm(&a, hb, pa), 0);
    CU_ASSERT_EQUAL(hsgemm(&a, ha, bogus), 0);
    CU_ASSERT_EQUAL(hset_pmode(&a, ha), CUBLAS_STATUS_SUCCESS);
    CU_ASSERT_EQUAL(a.seq_err, cudaErrorInvalidValue);
    /* Reserved descriptor blocks: initialised only as the kind they
     * were reserved for, only by their client; never destroyed by the
     * library; a descriptor the library made is no block. */
    {
        uint64_t blk = hreserve(&a, GVX_LT_LAYOUT);

        CU_ASSERT_FATAL(blk != 0);
        CU_ASSERT_EQUAL(hinit_layout(&a, blk), CUBLAS_STATUS_SUCCESS);
        CU_ASSERT_EQUAL(hinit_layout(&b, blk), CUBLAS_STATUS_INVALID_VALUE);
        CU_ASSERT_EQUAL(hinit_layout(&a, da), CUBLAS_STATUS_INVALID_VALUE);
        CU_ASSERT_EQUAL(hinit_layout(&a, bogus), CUBLAS_STATUS_INVALID_VALUE);
        CU_ASSERT_EQUAL(hdestroy(&a, GV_API_cublasLtMatrixLayoutDestroy, blk),
                        CUBLAS_STATUS_INVALID_VALUE);
        CU_ASSERT_EQUAL(hreserve(&a, 7), 0);
    }
    CU_ASSERT_EQUAL(hclose_both(&g, &a, &b), 0);
}

/* A client that leaves its cuBLAS handle and cuBLASLt objects: the
 * worker destroys them (and says so) before it exits. */
static void test_objects_left_are_destroyed(void)
{
    static const char *const said[] = {
        "destroyed 1 cuBLAS handle the client left",
        /* The handle and the one layout the library made; the blocks of
         * the pool (a reservation of each kind) freed by the worker. */
        "destroyed 2 cuBLASLt handles and descriptors the client left",
        "freed 96 cuBLASLt descriptor blocks the client reserved",
        NULL
    };

    CU_ASSERT_EQUAL(hleft_destroyed("testsuite/unit/blasapp", said), 0);
}

static const gvtest_case_t program_cases[] = {
    { "handles_settings_forged_values", test_handles_settings_forged_values },
    { "gemms_match_the_cpu", test_gemms_match_the_cpu },
    { "oneway_errors_come_back_late", test_oneway_errors_come_back_late },
    { "lt_descriptors_attributes_algorithms",
      test_lt_descriptors_attributes_algorithms },
    { "lt_matmuls_match_the_cpu", test_lt_matmuls_match_the_cpu },
    { "lt_descriptors_from_the_pool", test_lt_descriptors_from_the_pool },
    { "stats_name_library_calls", test_stats_name_library_calls },
    { "fork_child_refused_parent_intact",
      test_fork_child_refused_parent_intact },
    { "lt_forged_stale_wrong_kind_records",
      test_lt_forged_stale_wrong_kind_records },
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
