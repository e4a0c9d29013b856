/*
 * test_gvd_dnn.c - cuDNN end to end on gvd's simulated device (whose
 * cuDNN computes a convolution on the host and keeps backend
 * attributes: gvd/sim/gvdsim_dnn.c).
 *
 *   programs   dnnapp, linked against our libcudnn.so.9 and
 *              libcudart.so.13: handles, streams and descriptors,
 *              forged, stale and wrong-kind records refused on the
 *              client, a convolution against the CPU, late errors of
 *              one-way calls, backend attributes of every element kind
 *              (descriptors translated both ways, handles, device
 *              pointers), a backend graph executed
 *   worker     a raw client (hardening_util.h): handles, descriptors and
 *              pointers of another client or made up, as arguments and
 *              inside backend attributes, each refused with
 *              CUDNN_STATUS_BAD_PARAM; the worker serves on; what a
 *              client leaves is destroyed when it goes
 */
#include "config.h"

#include "gvtest.h"
#include "hardening_util.h"
#include "gv_api_cudnn.h"

#include <cudnn.h>
#include <stdio.h>
#include <string.h>

static hgvd_t g;        /* the suite's gvd */

/* Run dnnapp MODE against gv to the end: 0 when it said "OK MODE". */
static int dnnapp(const hgvd_t *gv, const char *mode)
{
    return app_run_ok("testsuite/unit/dnnapp", mode, gv);
}

static void test_handles_descriptors_forged_records(void)
{
    CU_ASSERT_EQUAL(dnnapp(&g, "handles"), 0);
}

static void test_convolution_matches_the_cpu(void)
{
    CU_ASSERT_EQUAL(dnnapp(&g, "conv"), 0);
}

static void test_backend_attributes_and_execute(void)
{
    CU_ASSERT_EQUAL(dnnapp(&g, "backend"), 0);
}

/* ---- the worker, from a raw client --------------------------------------- */

static uint64_t hbackend_desc(hcli_t *c)
{
    gvc_enc_t *e = hargs();

    gvc_enc_i32(e, CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR);
    gvc_enc_u8(e, 1);
    return hcall(c, GV_API_cudnnBackendCreateDescriptor, e) == 0
               ? hreply_u64(c, 0) : 0;
}

static int64_t hset_tensor(hcli_t *c, uint64_t t)
{
    gvc_enc_t *e = hargs();

    gvc_enc_u64(e, t);
    gvc_enc_i32(e, CUDNN_TENSOR_NCHW);
    gvc_enc_i32(e, CUDNN_DATA_FLOAT);
    for (int i = 0; i < 4; i++) {
        gvc_enc_i32(e, 1);
    }
    return hcall(c, GV_API_cudnnSetTensor4dDescriptor, e);
}

/* cudnnBackendSetAttribute with n 8-byte elements of type t. */
static int64_t hset_attr(hcli_t *c, uint64_t d, int t, const uint64_t *v,
                         int n)
{
    gvc_enc_t *e = hargs();

    gvc_enc_u64(e, d);
    gvc_enc_i32(e, CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS);
    gvc_enc_i32(e, t);
    gvc_enc_i64(e, n);
    gvc_enc_array(e, v, (uint32_t)(n * 8), 1);
    return hcall(c, GV_API_cudnnBackendSetAttribute, e);
}

/* A one-way cudnnSetStream(h, 0). */
static int hset_stream(hcli_t *c, uint64_t h)
{
    gvc_enc_t *e = hargs();

    gvc_enc_u64(e, h);
    gvc_enc_u64(e, 0);
    return hsend_oneway(c, GV_API_cudnnSetStream, e);
}

/* Another client's handles and descriptors, made-up ones, foreign
 * pointers and descriptors inside attributes, malformed attribute
 * arrays: refused by the worker with CUDNN_STATUS_BAD_PARAM; the worker
 * serves on. */
static void test_worker_refuses_forged_values(void)
{
    uint64_t ha = 0, hb, ta = 0, tb, da = 0, db, pa, bogus = 0xdeadbeef000ull;
    uint64_t v[2];
    hcli_t a, b;

    CU_ASSERT_EQUAL_FATAL(hcli_open(&a, g.port), 0);
    CU_ASSERT_EQUAL_FATAL(hcli_open(&b, g.port), 0);
    /* Workers allocate alike (the same addresses in the same order under
     * ASan): b makes and destroys a few objects first (ASan does not
     * reuse freed memory at once), so that none of b's values below is
     * one a makes, even in iterations of a's loop it discards, and none
     * of a's is one b owns. */
    for (int i = 0; i < 8; i++) {
        uint64_t t = hcreate(&b, GV_API_cudnnCreateTensorDescriptor);
        gvc_enc_t *e = hargs();

        gvc_enc_u64(e, t);
        CU_ASSERT(t != 0 &&
                  hsend_oneway(&b, GV_API_cudnnDestroyTensorDescriptor,
                               e) == 0);
    }
    hb = hcreate(&b, GV_API_cudnnCreate);
    tb = hcreate(&b, GV_API_cudnnCreateTensorDescriptor);
    db = hbackend_desc(&b);
    /* a's values, none equal to one of b's (separate processes: values
     * may coincide, see test_hardening.c). */
    for (int i = 0; i < 8; i++) {
        ha = hcreate(&a, GV_API_cudnnCreate);
        ta = hcreate(&a, GV_API_cudnnCreateTensorDescriptor);
        da = hbackend_desc(&a);
        if (ha != hb && ha != tb && ha != db && ta != hb && ta != tb &&
            ta != db && da != hb && da != tb && da != db) {
            break;
        }
    }
    pa = hmalloc(&a, 4096, NULL);
    CU_ASSERT_FATAL(ha && hb && ta && tb && da && db && pa);

    CU_ASSERT_EQUAL(hset_tensor(&a, ta), CUDNN_STATUS_SUCCESS);
    CU_ASSERT_EQUAL(hset_tensor(&b, ta), CUDNN_STATUS_BAD_PARAM);
    CU_ASSERT_EQUAL(hset_tensor(&a, bogus), CUDNN_STATUS_BAD_PARAM);
    CU_ASSERT_EQUAL(hset_tensor(&a, ha), CUDNN_STATUS_BAD_PARAM);
    CU_ASSERT_EQUAL(hset_tensor(&a, da), CUDNN_STATUS_BAD_PARAM);

    /* Inside backend attributes: device pointers, descriptors, handles. */
    v[0] = pa, v[1] = pa + 64;
    CU_ASSERT_EQUAL(hset_attr(&a, da, CUDNN_TYPE_VOID_PTR, v, 2),
                    CUDNN_STATUS_SUCCESS);
    CU_ASSERT_EQUAL(hset_attr(&b, da, CUDNN_TYPE_VOID_PTR, v, 2),
                    CUDNN_STATUS_BAD_PARAM);
    v[1] = bogus;
    CU_ASSERT_EQUAL(hset_attr(&a, da, CUDNN_TYPE_VOID_PTR, v, 2),
                    CUDNN_STATUS_BAD_PARAM);
    v[0] = da, v[1] = db;
    CU_ASSERT_EQUAL(hset_attr(&a, da, CUDNN_TYPE_BACKEND_DESCRIPTOR, v, 1),
                    CUDNN_STATUS_SUCCESS);
    CU_ASSERT_EQUAL(hset_attr(&a, da, CUDNN_TYPE_BACKEND_DESCRIPTOR, v, 2),
                    CUDNN_STATUS_BAD_PARAM);
    v[0] = ta;
    CU_ASSERT_EQUAL(hset_attr(&a, da, CUDNN_TYPE_BACKEND_DESCRIPTOR, v, 1),
                    CUDNN_STATUS_BAD_PARAM);
    v[0] = ha, v[1] = hb;
    CU_ASSERT_EQUAL(hset_attr(&a, da, CUDNN_TYPE_HANDLE, v, 1),
                    CUDNN_STATUS_SUCCESS);
    CU_ASSERT_EQUAL(hset_attr(&a, da, CUDNN_TYPE_HANDLE, v + 1, 1),
                    CUDNN_STATUS_BAD_PARAM);
    /* Malformed: unknown type, a count that disagrees with the bytes. */
    CU_ASSERT_EQUAL(hset_attr(&a, da, 999, v, 1), CUDNN_STATUS_BAD_PARAM);
    {
        gvc_enc_t *e = hargs();

        gvc_enc_u64(e, da);
        gvc_enc_i32(e, CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS);
        gvc_enc_i32(e, CUDNN_TYPE_INT64);
        gvc_enc_i64(e, 1000);
        gvc_enc_array(e, v, 16, 1);
        CU_ASSERT_EQUAL(hcall(&a, GV_API_cudnnBackendSetAttribute, e),
                        CUDNN_STATUS_BAD_PARAM);
    }
    /* One-way: the first failure comes back with the next reply, as the
     * CUDA error the client's runtime reads. */
    CU_ASSERT_EQUAL(hset_stream(&a, ha), 0);
    CU_ASSERT_EQUAL(hset_tensor(&a, ta), CUDNN_STATUS_SUCCESS);
    CU_ASSERT_EQUAL(a.seq_err, 0);
    CU_ASSERT_EQUAL(hset_stream(&a, hb), 0);
    CU_ASSERT_EQUAL(hset_tensor(&a, ta), CUDNN_STATUS_SUCCESS);
    CU_ASSERT_EQUAL(a.seq_err, cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(hclose_both(&g, &a, &b), 0);
}

/* A client that leaves a handle and three descriptors: the worker
 * destroys them (and says so) before it exits. */
static void test_objects_left_are_destroyed(void)
{
    static const char *const said[] = {
        "destroyed 4 cuDNN handles and descriptors the client left",
        NULL
    };

    CU_ASSERT_EQUAL(hleft_destroyed("testsuite/unit/dnnapp", said), 0);
}

static const gvtest_case_t program_cases[] = {
    { "handles_descriptors_forged_records",
      test_handles_descriptors_forged_records },
    { "convolution_matches_the_cpu", test_convolution_matches_the_cpu },
    { "backend_attributes_and_execute", test_backend_attributes_and_execute },
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
