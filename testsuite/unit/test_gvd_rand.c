/*
 * test_gvd_rand.c - cuRAND end to end on gvd's simulated device (whose
 * cuRAND computes its numbers on the host: gvd/sim/gvdsim_rand.c).
 *
 *   programs   randapp, linked against our libcurand.so.10 and
 *              libcudart.so.13: generators, streams, seeds, offsets,
 *              quasi-random dimensions, cuRAND's statuses, forged and
 *              stale records refused on the client, every distribution
 *              checked by range, moments and determinism
 *   worker     a raw client (hardening_util.h): generators and device
 *              pointers of another client or made up, each refused (a
 *              generator with CURAND_STATUS_NOT_INITIALIZED, memory with
 *              CURAND_STATUS_OUT_OF_RANGE); the worker serves on; what a
 *              client leaves is destroyed when it goes
 */
#include "config.h"

#include "gvtest.h"
#include "hardening_util.h"
#include "gv_api_curand.h"

#include <curand.h>
#include <stdio.h>
#include <string.h>

static hgvd_t g;        /* the suite's gvd */

/* Run randapp MODE against gv to the end: 0 when it said "OK MODE". */
static int randapp(const hgvd_t *gv, const char *mode)
{
    return app_run_ok("testsuite/unit/randapp", mode, gv);
}

static void test_generators_statuses_forged_records(void)
{
    CU_ASSERT_EQUAL(randapp(&g, "gens"), 0);
}

static void test_distributions_ranges_moments_determinism(void)
{
    CU_ASSERT_EQUAL(randapp(&g, "numbers"), 0);
}

/* ---- the worker, from a raw client --------------------------------------- */

/* curandCreateGenerator(type): the generator made. */
static uint64_t hgen_create(hcli_t *c, int type)
{
    gvc_enc_t *e = hargs();

    gvc_enc_u8(e, 1);
    gvc_enc_i32(e, type);
    return hcall(c, GV_API_curandCreateGenerator, e) == 0
               ? hreply_u64(c, 0) : 0;
}

static int64_t hseed(hcli_t *c, uint64_t gen)
{
    gvc_enc_t *e = hargs();

    gvc_enc_u64(e, gen);
    gvc_enc_u64(e, 99);
    return hcall(c, GV_API_curandSetPseudoRandomGeneratorSeed, e);
}

static int64_t huniform(hcli_t *c, uint64_t gen, uint64_t p, uint64_t n)
{
    gvc_enc_t *e = hargs();

    gvc_enc_u64(e, gen);
    gvc_enc_u64(e, p);
    gvc_enc_u64(e, n);
    return hcall(c, GV_API_curandGenerateUniform, e);
}

/* Another client's generator, a made-up one, foreign and too short
 * memory: refused by the worker; it serves on. */
static void test_worker_refuses_forged_values(void)
{
    uint64_t ga = 0, gb, pa, pb, bogus = 0xdeadbeef000ull;
    hcli_t a, b;

    CU_ASSERT_EQUAL_FATAL(hcli_open(&a, g.port), 0);
    CU_ASSERT_EQUAL_FATAL(hcli_open(&b, g.port), 0);
    /* Workers allocate alike (the same addresses in the same order):
     * b makes and destroys a few generators first, so that b's value is
     * not one a makes (see test_gvd_dnn.c). */
    for (int i = 0; i < 8; i++) {
        uint64_t t = hgen_create(&b, CURAND_RNG_PSEUDO_DEFAULT);
        gvc_enc_t *e = hargs();

        gvc_enc_u64(e, t);
        CU_ASSERT(t != 0 &&
                  hcall(&b, GV_API_curandDestroyGenerator, e) == 0);
    }
    gb = hgen_create(&b, CURAND_RNG_PSEUDO_DEFAULT);
    for (int i = 0; i < 8 && (ga == 0 || ga == gb); i++) {
        ga = hgen_create(&a, CURAND_RNG_PSEUDO_DEFAULT);
    }
    pa = hmalloc(&a, 4096, NULL);
    pb = hmalloc(&b, 4096, NULL);
    CU_ASSERT_FATAL(ga && gb && ga != gb && pa && pb);

    CU_ASSERT_EQUAL(hseed(&a, ga), CURAND_STATUS_SUCCESS);
    CU_ASSERT_EQUAL(hseed(&b, ga), CURAND_STATUS_NOT_INITIALIZED);
    CU_ASSERT_EQUAL(hseed(&a, bogus), CURAND_STATUS_NOT_INITIALIZED);
    CU_ASSERT_EQUAL(hseed(&a, 0), CURAND_STATUS_NOT_INITIALIZED);
    CU_ASSERT_EQUAL(huniform(&a, ga, pa, 1024), CURAND_STATUS_SUCCESS);
    CU_ASSERT_EQUAL(huniform(&a, ga, pa, 1025), CURAND_STATUS_OUT_OF_RANGE);
    CU_ASSERT_EQUAL(huniform(&a, ga, pa + 8, 1024),
                    CURAND_STATUS_OUT_OF_RANGE);
    CU_ASSERT_EQUAL(huniform(&a, ga, pa, UINT64_MAX / 2),
                    CURAND_STATUS_OUT_OF_RANGE);
    if (pb != pa) {
        CU_ASSERT_EQUAL(huniform(&a, ga, pb, 16),
                        CURAND_STATUS_OUT_OF_RANGE);
    }
    CU_ASSERT_EQUAL(huniform(&a, ga, bogus, 16), CURAND_STATUS_OUT_OF_RANGE);
    CU_ASSERT_EQUAL(huniform(&b, ga, pb, 16), CURAND_STATUS_NOT_INITIALIZED);
    CU_ASSERT_EQUAL(hclose_both(&g, &a, &b), 0);
}

/* A client that leaves two generators: the worker destroys them (and
 * says so) before it exits. */
static void test_generators_left_are_destroyed(void)
{
    static const char *const said[] = {
        "destroyed 2 cuRAND generators the client left",
        NULL
    };

    CU_ASSERT_EQUAL(hleft_destroyed("testsuite/unit/randapp", said), 0);
}

static const gvtest_case_t program_cases[] = {
    { "generators_statuses_forged_records",
      test_generators_statuses_forged_records },
    { "distributions_ranges_moments_determinism",
      test_distributions_ranges_moments_determinism },
    { NULL, NULL }
};

static const gvtest_case_t worker_cases[] = {
    { "refuses_forged_values", test_worker_refuses_forged_values },
    { "generators_left_are_destroyed", test_generators_left_are_destroyed },
    { NULL, NULL }
};

int main(int argc, char **argv)
{
    return hlib_main(argc, argv, &g, program_cases, worker_cases);
}
