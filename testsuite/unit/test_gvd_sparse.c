/*
 * test_gvd_sparse.c - cuSPARSE end to end on gvd's simulated device
 * (whose cuSPARSE computes SpMV, SpMM and SpGEMM on the host:
 * gvd/sim/gvdsim_sparse.c).
 *
 *   programs   spapp, linked against our libcusparse.so.12 and
 *              libcudart.so.13: handles, streams, pointer modes, legacy
 *              matrix descriptors answered from records, forged, stale
 *              and wrong-kind records refused on the client, pointers
 *              a descriptor would keep checked; CSR and COO SpMV and
 *              CSR SpMM against the CPU in host and device pointer
 *              modes; SpGEMM with its buffer sizes asked and checked;
 *              late errors of one-way calls
 *   worker     a raw client (hardening_util.h): handles, descriptors and
 *              pointers of another client or made up, each refused with
 *              CUSPARSE_STATUS_INVALID_VALUE; a one-way failure comes
 *              back as a CUDA error; the worker serves on; what a client
 *              leaves is destroyed when it goes
 */
#include "config.h"

#include "gvtest.h"
#include "hardening_util.h"
#include "gv_api_cusparse.h"

#define DISABLE_CUSPARSE_DEPRECATED 1
#include <cusparse.h>
#include <stdio.h>
#include <string.h>

static hgvd_t g;        /* the suite's gvd */

/* Run spapp MODE against gv to the end: 0 when it said "OK MODE". */
static int spapp(const hgvd_t *gv, const char *mode)
{
    return app_run_ok("testsuite/unit/spapp", mode, gv);
}

static void test_handles_descriptors_forged_records(void)
{
    CU_ASSERT_EQUAL(spapp(&g, "handles"), 0);
}

static void test_spmv_spmm_match_the_cpu(void)
{
    CU_ASSERT_EQUAL(spapp(&g, "compute"), 0);
}

static void test_spgemm_matches_the_cpu(void)
{
    CU_ASSERT_EQUAL(spapp(&g, "spgemm"), 0);
}

/* ---- the worker, from a raw client --------------------------------------- */

/* cusparseCreate: the handle made. */
static uint64_t hsp_create(hcli_t *c)
{
    gvc_enc_t *e = hargs();

    gvc_enc_u8(e, 1);
    return hcall(c, GV_API_cusparseCreate, e) == 0 ? hreply_u64(c, 0) : 0;
}

/* cusparseCreateDnVec(n floats at p): the descriptor made, or 0 (the
 * status in *res_p). */
static uint64_t hsp_dnvec(hcli_t *c, uint64_t p, int64_t *res_p)
{
    gvc_enc_t *e = hargs();
    int64_t res;

    gvc_enc_u8(e, 1);
    gvc_enc_i64(e, 4);
    gvc_enc_u64(e, p);
    gvc_enc_i32(e, CUDA_R_32F);
    res = hcall(c, GV_API_cusparseCreateDnVec, e);
    if (res_p != NULL) {
        *res_p = res;
    }
    return res == 0 ? hreply_u64(c, 0) : 0;
}

static int64_t hsp_pmode(hcli_t *c, uint64_t h)
{
    gvc_enc_t *e = hargs();

    gvc_enc_u64(e, h);
    gvc_enc_i32(e, CUSPARSE_POINTER_MODE_HOST);
    return hcall(c, GV_API_cusparseSetPointerMode, e);
}

/* cusparseDnVecSetValues(d, p). */
static int64_t hsp_setvals(hcli_t *c, uint64_t d, uint64_t p)
{
    gvc_enc_t *e = hargs();

    gvc_enc_u64(e, d);
    gvc_enc_u64(e, p);
    return hcall(c, GV_API_cusparseDnVecSetValues, e);
}

/* A one-way cusparseSetStream(h, 0). */
static int hsp_set_stream(hcli_t *c, uint64_t h)
{
    gvc_enc_t *e = hargs();

    gvc_enc_u64(e, h);
    gvc_enc_u64(e, 0);
    return hsend_oneway(c, GV_API_cusparseSetStream, e);
}

/* Another client's handles, descriptors and memory, made-up ones, a
 * descriptor where a handle goes: refused by the worker with
 * CUSPARSE_STATUS_INVALID_VALUE before cuSPARSE sees them; the worker
 * serves on. */
static void test_worker_refuses_forged_values(void)
{
    uint64_t ha = 0, hb, va = 0, vb, pa, pb = 0, bogus = 0xdeadbeef000ull;
    int64_t res = -1;
    hcli_t a, b;

    CU_ASSERT_EQUAL_FATAL(hcli_open(&a, g.port), 0);
    CU_ASSERT_EQUAL_FATAL(hcli_open(&b, g.port), 0);
    /* Workers allocate alike (the same addresses in the same order under
     * ASan): b makes and destroys a few objects first, so that none of
     * b's values below is one a makes (see test_gvd_dnn.c). */
    for (int i = 0; i < 8; i++) {
        uint64_t h = hsp_create(&b);
        gvc_enc_t *e = hargs();

        gvc_enc_u64(e, h);
        CU_ASSERT(h != 0 && hcall(&b, GV_API_cusparseDestroy, e) == 0);
    }
    /* Device memory too: b allocates until its block is not where a's
     * is (the simulated allocations of two workers may coincide). */
    pa = hmalloc(&a, 4096, NULL);
    for (int i = 0; i < 8; i++) {
        pb = hmalloc(&b, 4096, NULL);
        if (pb + 4096 <= pa || pa + 4096 <= pb) {
            break;
        }
    }
    hb = hsp_create(&b);
    vb = hsp_dnvec(&b, pb, NULL);
    for (int i = 0; i < 8; i++) {
        ha = hsp_create(&a);
        va = hsp_dnvec(&a, pa, NULL);
        if (ha != hb && ha != vb && va != hb && va != vb) {
            break;
        }
    }
    CU_ASSERT_FATAL(ha && hb && va && vb && pa && pb);

    CU_ASSERT_EQUAL(hsp_pmode(&a, ha), CUSPARSE_STATUS_SUCCESS);
    CU_ASSERT_EQUAL(hsp_pmode(&b, ha), CUSPARSE_STATUS_INVALID_VALUE);
    CU_ASSERT_EQUAL(hsp_pmode(&a, bogus), CUSPARSE_STATUS_INVALID_VALUE);
    CU_ASSERT_EQUAL(hsp_pmode(&a, va), CUSPARSE_STATUS_INVALID_VALUE);
    CU_ASSERT_EQUAL(hsp_pmode(&a, 0), CUSPARSE_STATUS_INVALID_VALUE);

    /* Pointers a descriptor would keep: the client's memory only. */
    CU_ASSERT_EQUAL(hsp_setvals(&a, va, pa + 64), CUSPARSE_STATUS_SUCCESS);
    CU_ASSERT_EQUAL(hsp_setvals(&a, va, pb), CUSPARSE_STATUS_INVALID_VALUE);
    CU_ASSERT_EQUAL(hsp_setvals(&a, va, bogus),
                    CUSPARSE_STATUS_INVALID_VALUE);
    CU_ASSERT_EQUAL(hsp_setvals(&b, va, pb), CUSPARSE_STATUS_INVALID_VALUE);
    CU_ASSERT_EQUAL(hsp_dnvec(&a, pb, &res), 0);
    CU_ASSERT_EQUAL(res, CUSPARSE_STATUS_INVALID_VALUE);
    CU_ASSERT_EQUAL(hsp_dnvec(&a, bogus, &res), 0);
    CU_ASSERT_EQUAL(res, CUSPARSE_STATUS_INVALID_VALUE);

    /* One-way: the first failure comes back with the next reply, as the
     * CUDA error the client's runtime reads. */
    CU_ASSERT_EQUAL(hsp_set_stream(&a, ha), 0);
    CU_ASSERT_EQUAL(hsp_pmode(&a, ha), CUSPARSE_STATUS_SUCCESS);
    CU_ASSERT_EQUAL(a.seq_err, 0);
    CU_ASSERT_EQUAL(hsp_set_stream(&a, hb), 0);
    CU_ASSERT_EQUAL(hsp_pmode(&a, ha), CUSPARSE_STATUS_SUCCESS);
    CU_ASSERT_EQUAL(a.seq_err, cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(hclose_both(&g, &a, &b), 0);
}

/* A client that leaves a handle, a sparse matrix, a dense vector and a
 * matrix descriptor: the worker destroys them (and says so) before it
 * exits. */
static void test_objects_left_are_destroyed(void)
{
    static const char *const said[] = {
        "destroyed 4 cuSPARSE handles and descriptors the client left",
        NULL
    };

    CU_ASSERT_EQUAL(hleft_destroyed("testsuite/unit/spapp", said), 0);
}

static const gvtest_case_t program_cases[] = {
    { "handles_descriptors_forged_records",
      test_handles_descriptors_forged_records },
    { "spmv_spmm_match_the_cpu", test_spmv_spmm_match_the_cpu },
    { "spgemm_matches_the_cpu", test_spgemm_matches_the_cpu },
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
