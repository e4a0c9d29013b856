/*
 * test_gvf_libcall.c - the call plumbing the libraries share
 * (lib/gvf_libcall.[ch]) with each library's real descriptor: the status
 * each gvc_status_t becomes, how records are refused, what is logged
 * (once per device for a lost GPU).  The expected values are those each
 * library's own copy of the plumbing returned before it was shared.
 */
#include "config.h"

#include "gvtest.h"
#include "gvc_log.h"
#include "gvf_int.h"
#include "gvf_obj.h"

/* The descriptors, compiled here (each library's is hidden in it).
 * Every file has a static `lost_devs'; the names keep them apart. */
#include "gvf_libcall.h"
#define lost_devs lost_devs_bl
#include "cublas/cublas_call.c"
#undef lost_devs
#define lost_devs lost_devs_dn
#include "cudnn/cudnn_call.c"
#undef lost_devs
#define lost_devs lost_devs_rn
#include "curand/rand_call.c"
#undef lost_devs
#define lost_devs lost_devs_so
#include "cusolver/cusolver_call.c"
#undef lost_devs
#define lost_devs lost_devs_fft
#include "cufft/cufft_call.c"
#undef lost_devs
#define lost_devs lost_devs_nr
#include "nvrtc/nvrtc_call.c"
#undef lost_devs
#define lost_devs lost_devs_sp
#include "cusparse/cusparse_call.c"
#undef lost_devs

#include <stdio.h>
#include <string.h>

/* cufft_call.c's plan lookup lives in cufft_core.c: every plan is
 * unknown here. */
cufftResult gvfft_lookup(cufftHandle plan, gvf_dev_t **dev_p,
                         void **remote_p)
{
    (void)plan;
    (void)dev_p;
    (void)remote_p;
    return CUFFT_INVALID_PLAN;
}

/* What a library answered before its plumbing was shared. */
typedef struct want {
    const gvf_lib_t *lib;
    int ok, invalid, nomem, unsupported, uninit, lost;
    int handle_kind, other_kind;        /* 0: no records */
    int bad_handle, bad_first, bad_other;
    const char *unsupported_msg;
    const char *lost_msg;
} want_t;

static const want_t wants[] = {
    { &gvbl_lib, CUBLAS_STATUS_SUCCESS, CUBLAS_STATUS_INVALID_VALUE,
      CUBLAS_STATUS_ALLOC_FAILED, CUBLAS_STATUS_NOT_SUPPORTED,
      CUBLAS_STATUS_NOT_INITIALIZED, CUBLAS_STATUS_EXECUTION_FAILED,
      GVBL_K_HANDLE, GVLT_K_MATMUL, CUBLAS_STATUS_NOT_INITIALIZED,
      CUBLAS_STATUS_NOT_INITIALIZED, CUBLAS_STATUS_INVALID_VALUE,
      "returning CUBLAS_STATUS_NOT_SUPPORTED",
      "cuBLAS calls on it fail with CUBLAS_STATUS_EXECUTION_FAILED" },
    { &gvdn_lib, CUDNN_STATUS_SUCCESS, CUDNN_STATUS_BAD_PARAM,
      CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED,
      CUDNN_STATUS_NOT_SUPPORTED, CUDNN_STATUS_NOT_INITIALIZED,
      CUDNN_STATUS_EXECUTION_FAILED, GVDN_K_HANDLE, GVDN_K_TENSOR,
      CUDNN_STATUS_BAD_PARAM, CUDNN_STATUS_BAD_PARAM,
      CUDNN_STATUS_BAD_PARAM, "returning CUDNN_STATUS_NOT_SUPPORTED",
      "cuDNN calls on it fail with CUDNN_STATUS_EXECUTION_FAILED" },
    { &gvrn_lib, CURAND_STATUS_SUCCESS, CURAND_STATUS_OUT_OF_RANGE,
      CURAND_STATUS_ALLOCATION_FAILED, CURAND_STATUS_ARCH_MISMATCH,
      CURAND_STATUS_INITIALIZATION_FAILED, CURAND_STATUS_LAUNCH_FAILURE,
      GVRN_K_GEN, GVRN_K_GEN + 1, CURAND_STATUS_NOT_INITIALIZED,
      CURAND_STATUS_NOT_INITIALIZED, CURAND_STATUS_NOT_INITIALIZED,
      "returning CURAND_STATUS_ARCH_MISMATCH",
      "cuRAND calls on it fail with CURAND_STATUS_LAUNCH_FAILURE" },
    { &gvso_lib, CUSOLVER_STATUS_SUCCESS, CUSOLVER_STATUS_INVALID_VALUE,
      CUSOLVER_STATUS_ALLOC_FAILED, CUSOLVER_STATUS_NOT_SUPPORTED,
      CUSOLVER_STATUS_NOT_INITIALIZED, CUSOLVER_STATUS_EXECUTION_FAILED,
      GVSO_K_HANDLE, GVSO_K_PARAMS, CUSOLVER_STATUS_NOT_INITIALIZED,
      CUSOLVER_STATUS_INVALID_VALUE, CUSOLVER_STATUS_INVALID_VALUE,
      "returning CUSOLVER_STATUS_NOT_SUPPORTED",
      "cuSOLVER calls on it fail with CUSOLVER_STATUS_EXECUTION_FAILED" },
    { &gvfft_lib, CUFFT_SUCCESS, CUFFT_INVALID_VALUE, CUFFT_ALLOC_FAILED,
      CUFFT_NOT_SUPPORTED, CUFFT_SETUP_FAILED, CUFFT_INTERNAL_ERROR,
      0, 0, 0, 0, 0, "returning CUFFT_NOT_SUPPORTED",
      "cuFFT calls on it fail with CUFFT_INTERNAL_ERROR" },
    { &gvnr_lib, NVRTC_SUCCESS, NVRTC_ERROR_INVALID_INPUT,
      NVRTC_ERROR_OUT_OF_MEMORY, NVRTC_ERROR_INTERNAL_ERROR,
      NVRTC_ERROR_INTERNAL_ERROR, NVRTC_ERROR_INTERNAL_ERROR,
      GVNR_K_PROG, GVNR_K_PROG + 1, NVRTC_ERROR_INVALID_PROGRAM,
      NVRTC_ERROR_INVALID_PROGRAM, NVRTC_ERROR_INVALID_PROGRAM,
      "returning NVRTC_ERROR_INTERNAL_ERROR",
      "NVRTC calls on it fail with NVRTC_ERROR_INTERNAL_ERROR" },
    { &gvsp_lib, CUSPARSE_STATUS_SUCCESS, CUSPARSE_STATUS_INVALID_VALUE,
      CUSPARSE_STATUS_ALLOC_FAILED, CUSPARSE_STATUS_NOT_SUPPORTED,
      CUSPARSE_STATUS_NOT_INITIALIZED, CUSPARSE_STATUS_EXECUTION_FAILED,
      GVSP_K_HANDLE, GVSP_K_SPMAT, CUSPARSE_STATUS_NOT_INITIALIZED,
      CUSPARSE_STATUS_INVALID_VALUE, CUSPARSE_STATUS_INVALID_VALUE,
      "returning CUSPARSE_STATUS_NOT_SUPPORTED",
      "cuSPARSE calls on it fail with CUSPARSE_STATUS_EXECUTION_FAILED" },
};
#define NWANTS (sizeof(wants) / sizeof(wants[0]))

/* Two fake remote GPUs: the plumbing reads only ordinal and name. */
static gvf_dev_t dev3 = { .ordinal = 3, .name = "h:1#0" };
static gvf_dev_t dev4 = { .ordinal = 4, .name = "h:1#1" };

/* Log lines at warn and above, captured. */
static char logged[8][512];
static int nlogged;

static void sink(int level, const char *line, void *arg)
{
    (void)arg;
    if (level >= GVC_LOG_WARN && nlogged < 8) {
        snprintf(logged[nlogged++], sizeof(logged[0]), "%s", line);
    }
}

static int capture_start(void)
{
    nlogged = 0;
    gvc_log_set_sink(sink, NULL);
    return 0;
}

static int capture_stop(void)
{
    gvc_log_set_sink(NULL, NULL);
    return 0;
}

/* ---- statuses -------------------------------------------------------------*/

static void test_every_gvc_status_maps_as_before(void)
{
    for (size_t i = 0; i < NWANTS; i++) {
        const want_t *w = &wants[i];
        const gvf_lib_t *l = w->lib;

        CU_ASSERT_EQUAL(gvf_lib_status(l, GVC_OK), w->ok);
        CU_ASSERT_EQUAL(gvf_lib_status(l, GVC_ERR_INVALID), w->invalid);
        CU_ASSERT_EQUAL(gvf_lib_status(l, GVC_ERR_OVERFLOW), w->invalid);
        CU_ASSERT_EQUAL(gvf_lib_status(l, GVC_ERR_NOMEM), w->nomem);
        CU_ASSERT_EQUAL(gvf_lib_status(l, GVC_ERR_NOT_SUPPORTED),
                        w->unsupported);
        CU_ASSERT_EQUAL(gvf_lib_status(l, GVC_ERR_NO_DEVICE), w->uninit);
        CU_ASSERT_EQUAL(gvf_lib_status(l, GVC_ERR_CONFIG), w->uninit);
        CU_ASSERT_EQUAL(gvf_lib_status(l, GVC_ERR_DENIED), w->uninit);
        CU_ASSERT_EQUAL(gvf_lib_status(l, GVC_ERR_VERSION), w->uninit);
        CU_ASSERT_EQUAL(gvf_lib_status(l, GVC_ERR_FORKED), w->uninit);
        /* Everything else: the remote GPU is gone. */
        CU_ASSERT_EQUAL(gvf_lib_status(l, GVC_INPROGRESS), w->lost);
        CU_ASSERT_EQUAL(gvf_lib_status(l, GVC_ERR_TRUNCATED), w->lost);
        CU_ASSERT_EQUAL(gvf_lib_status(l, GVC_ERR_PROTO), w->lost);
        CU_ASSERT_EQUAL(gvf_lib_status(l, GVC_ERR_IO), w->lost);
        CU_ASSERT_EQUAL(gvf_lib_status(l, GVC_ERR_TRANSPORT), w->lost);
        CU_ASSERT_EQUAL(gvf_lib_status(l, GVC_ERR_PEER_DOWN), w->lost);
        CU_ASSERT_EQUAL(gvf_lib_status(l, GVC_ERR_TIMEOUT), w->lost);
        CU_ASSERT_EQUAL(gvf_lib_status(l, GVC_ERR_NOT_FOUND), w->lost);
        CU_ASSERT_EQUAL(gvf_lib_status(l, GVC_ERR_BUSY), w->lost);
        CU_ASSERT_EQUAL(gvf_lib_status(l, GVC_ERR_LIMIT), w->lost);
        CU_ASSERT_EQUAL(gvf_lib_status(l, GVC_ERR_INTERNAL), w->lost);
    }
}

static void test_typed_wrappers_convert_only(void)
{
    CU_ASSERT_EQUAL(gvsp_status(GVC_ERR_NOMEM), CUSPARSE_STATUS_ALLOC_FAILED);
    CU_ASSERT_EQUAL(gvnr_status(GVC_ERR_FORKED), NVRTC_ERROR_INTERNAL_ERROR);
    CU_ASSERT_EQUAL(gvfft_status(GVC_ERR_DENIED), CUFFT_SETUP_FAILED);
    CU_ASSERT_EQUAL(gvrn_fail(CURAND_STATUS_LENGTH_NOT_MULTIPLE),
                    CURAND_STATUS_LENGTH_NOT_MULTIPLE);
    CU_ASSERT_EQUAL(gvfft_begin_route(NULL, 0, 7, NULL, 0),
                    CUFFT_INVALID_PLAN);
}

/* ---- records --------------------------------------------------------------*/

static void test_forged_records_are_refused_as_before(void)
{
    static int forged;
    gvf_call_t c = { .dev = &dev3 };
    void *remote = &forged;

    for (size_t i = 0; i < NWANTS; i++) {
        const want_t *w = &wants[i];

        if (w->handle_kind == 0) {
            continue;
        }
        CU_ASSERT_EQUAL(gvf_lib_begin_route(w->lib, &c, 0, &forged,
                                            w->handle_kind, &remote, 0),
                        w->bad_handle);
        CU_ASSERT_EQUAL(gvf_lib_begin_route(w->lib, &c, 0, NULL,
                                            w->other_kind, &remote, 0),
                        w->bad_first);
        CU_ASSERT_EQUAL(gvf_lib_xlate(w->lib, &c, &forged, w->other_kind,
                                      &remote),
                        w->bad_other);
        /* NULL passes as NULL: the worker says what it means. */
        CU_ASSERT_EQUAL(gvf_lib_xlate(w->lib, &c, NULL, w->other_kind,
                                      &remote), w->ok);
        CU_ASSERT_PTR_NULL(remote);
    }
}

static void test_records_route_and_translate(void)
{
    gvf_call_t c = { 0 };
    void *h, *m, *remote = NULL;

    GVTEST_ASSERT_OK(gvf_obj_new(GVSP_K_HANDLE, &dev3, (void *)0x10, &h));
    GVTEST_ASSERT_OK(gvf_obj_new(GVSP_K_SPMAT, &dev4, (void *)0x20, &m));
    CU_ASSERT_EQUAL(gvsp_begin_route(&c, 1, h, GVSP_K_HANDLE, &remote, 0),
                    CUSPARSE_STATUS_SUCCESS);
    CU_ASSERT_PTR_EQUAL(c.dev, &dev3);
    CU_ASSERT_PTR_EQUAL(remote, (void *)0x10);
    /* Another kind, another GPU. */
    CU_ASSERT_EQUAL(gvsp_xlate(&c, h, GVSP_K_SPMAT, &remote),
                    CUSPARSE_STATUS_INVALID_VALUE);
    CU_ASSERT_EQUAL(gvsp_xlate(&c, m, GVSP_K_SPMAT, &remote),
                    CUSPARSE_STATUS_INVALID_VALUE);
    CU_ASSERT_EQUAL(gvsp_abort(&c, CUSPARSE_STATUS_MATRIX_TYPE_NOT_SUPPORTED),
                    CUSPARSE_STATUS_MATRIX_TYPE_NOT_SUPPORTED);
    CU_ASSERT_EQUAL(gvsp_begin_route(&c, 1, h, GVSP_K_SPMAT, &remote, 0),
                    CUSPARSE_STATUS_INVALID_VALUE);
    CU_ASSERT_EQUAL(gvsp_begin_route(&c, 1, m, GVSP_K_SPMAT, &remote, 0),
                    CUSPARSE_STATUS_SUCCESS);
    CU_ASSERT_EQUAL(gvsp_xlate(&c, m, GVSP_K_SPMAT, &remote),
                    CUSPARSE_STATUS_SUCCESS);
    CU_ASSERT_PTR_EQUAL(remote, (void *)0x20);
    gvsp_abort(&c, CUSPARSE_STATUS_SUCCESS);
    GVTEST_ASSERT_OK(gvf_obj_free(h, GVSP_K_HANDLE));
    GVTEST_ASSERT_OK(gvf_obj_free(m, GVSP_K_SPMAT));
}

/* A cublasHandle_t serves as a cublasLtHandle_t, not the other way round
 * nor as any other cuBLASLt record. */
static void test_cublas_handle_serves_as_cublaslt_handle(void)
{
    gvf_call_t c = { 0 };
    void *bl, *lt, *remote = NULL;

    GVTEST_ASSERT_OK(gvf_obj_new(GVBL_K_HANDLE, &dev3, (void *)0x30, &bl));
    GVTEST_ASSERT_OK(gvf_obj_new(GVLT_K_HANDLE, &dev3, (void *)0x40, &lt));
    CU_ASSERT_EQUAL(gvbl_begin_route(&c, 1, bl, GVLT_K_HANDLE, &remote, 0),
                    CUBLAS_STATUS_SUCCESS);
    CU_ASSERT_PTR_EQUAL(remote, (void *)0x30);
    CU_ASSERT_EQUAL(gvbl_xlate(&c, lt, GVLT_K_HANDLE, &remote),
                    CUBLAS_STATUS_SUCCESS);
    CU_ASSERT_PTR_EQUAL(remote, (void *)0x40);
    CU_ASSERT_EQUAL(gvbl_xlate(&c, lt, GVBL_K_HANDLE, &remote),
                    CUBLAS_STATUS_INVALID_VALUE);
    CU_ASSERT_EQUAL(gvbl_xlate(&c, bl, GVLT_K_MATMUL, &remote),
                    CUBLAS_STATUS_INVALID_VALUE);
    gvbl_abort(&c, CUBLAS_STATUS_SUCCESS);
    CU_ASSERT_EQUAL(gvbl_begin_route(&c, 1, lt, GVBL_K_HANDLE, &remote, 0),
                    CUBLAS_STATUS_NOT_INITIALIZED);
    CU_ASSERT_EQUAL(gvbl_begin_route(&c, 1, bl, GVLT_K_LAYOUT, &remote, 0),
                    CUBLAS_STATUS_NOT_INITIALIZED);
    GVTEST_ASSERT_OK(gvf_obj_free(bl, GVBL_K_HANDLE));
    GVTEST_ASSERT_OK(gvf_obj_free(lt, GVLT_K_HANDLE));
}

/* ---- ends and logs --------------------------------------------------------*/

static void test_end_returns_the_remote_result(void)
{
    gvf_call_t c = { 0 };

    for (size_t i = 0; i < NWANTS; i++) {
        GVTEST_ASSERT_OK(gvf_call_init(&c, &dev3, 1, 0));
        c.reply.result = wants[i].nomem;
        CU_ASSERT_FALSE(gvf_lib_ok(wants[i].lib, &c, GVC_OK));
        CU_ASSERT_EQUAL(gvf_lib_end(wants[i].lib, &c, GVC_OK),
                        wants[i].nomem);
        GVTEST_ASSERT_OK(gvf_call_init(&c, &dev3, 1, 0));
        c.reply.result = wants[i].ok;
        CU_ASSERT_TRUE(gvf_lib_ok(wants[i].lib, &c, GVC_OK));
        CU_ASSERT_FALSE(gvf_lib_ok(wants[i].lib, &c, GVC_ERR_TIMEOUT));
        CU_ASSERT_EQUAL(gvf_lib_end(wants[i].lib, &c, GVC_OK), wants[i].ok);
    }
}

/* A lost GPU is said once per device and library; a refusal (NVRTC's
 * INTERNAL_ERROR for a forked child too) is not a loss. */
static void test_lost_device_is_logged_once_per_device(void)
{
    gvf_call_t c = { 0 };
    char line[256];

    for (size_t i = 0; i < NWANTS; i++) {
        const want_t *w = &wants[i];

        capture_start();
        GVTEST_ASSERT_OK(gvf_call_init(&c, &dev3, 1, 0));
        CU_ASSERT_EQUAL(gvf_lib_end(w->lib, &c, GVC_ERR_FORKED), w->uninit);
        CU_ASSERT_EQUAL(nlogged, 0);
        GVTEST_ASSERT_OK(gvf_call_init(&c, &dev3, 1, 0));
        CU_ASSERT_EQUAL(gvf_lib_end(w->lib, &c, GVC_ERR_PEER_DOWN), w->lost);
        GVTEST_ASSERT_OK(gvf_call_init(&c, &dev3, 1, 0));
        CU_ASSERT_EQUAL(gvf_lib_end(w->lib, &c, GVC_ERR_TIMEOUT), w->lost);
        GVTEST_ASSERT_OK(gvf_call_init(&c, &dev4, 1, 0));
        CU_ASSERT_EQUAL(gvf_lib_end(w->lib, &c, GVC_ERR_IO), w->lost);
        capture_stop();
        CU_ASSERT_EQUAL_FATAL(nlogged, 2);
        snprintf(line, sizeof(line), "GPU 3 (h:1#0): %s; %s",
                 gvc_status_str(GVC_ERR_PEER_DOWN), w->lost_msg);
        CU_ASSERT_PTR_NOT_NULL(strstr(logged[0], line));
        snprintf(line, sizeof(line), "GPU 4 (h:1#1): %s; %s",
                 gvc_status_str(GVC_ERR_IO), w->lost_msg);
        CU_ASSERT_PTR_NOT_NULL(strstr(logged[1], line));
    }
}

static void test_unsupported_logs_once_per_function(void)
{
    /* One name per library: the log is once per name's address. */
    static const char names[NWANTS][16] = {
        "blStub", "dnStub", "rnStub", "soStub", "fftStub", "nrStub",
        "spStub"
    };
    char line[256];

    for (size_t i = 0; i < NWANTS; i++) {
        capture_start();
        CU_ASSERT_EQUAL(gvf_lib_unsupported(wants[i].lib, names[i]),
                        wants[i].unsupported);
        CU_ASSERT_EQUAL(gvf_lib_unsupported(wants[i].lib, names[i]),
                        wants[i].unsupported);
        capture_stop();
        CU_ASSERT_EQUAL_FATAL(nlogged, 1);
        snprintf(line, sizeof(line), "%s is not supported by gvirtus; %s",
                 names[i], wants[i].unsupported_msg);
        CU_ASSERT_PTR_NOT_NULL(strstr(logged[0], line));
    }
}

/* ---- records made and forgotten, version properties --------------------*/

static void test_wrap_makes_a_record_and_forget_drops_it(void)
{
    gvf_call_t c = { .dev = &dev3 };

    for (size_t i = 0; i < NWANTS; i++) {
        const want_t *w = &wants[i];
        void *obj = (void *)0x50;
        gvf_obj_t o;

        if (w->handle_kind == 0) {
            continue;
        }
        /* A Create given no place for its handle (cublasCreate(NULL)). */
        CU_ASSERT_EQUAL(gvf_lib_wrap(w->lib, &c, w->handle_kind, NULL),
                        w->invalid);
        CU_ASSERT_EQUAL_FATAL(gvf_lib_wrap(w->lib, &c, w->handle_kind,
                                           &obj), w->ok);
        CU_ASSERT_NOT_EQUAL(obj, (void *)0x50); /* ours, not the worker's */
        GVTEST_ASSERT_OK(gvf_obj_get(obj, w->handle_kind, &o));
        CU_ASSERT_EQUAL(o.remote, (void *)0x50);
        CU_ASSERT_PTR_EQUAL(o.dev, &dev3);
        CU_ASSERT_EQUAL(gvf_lib_forget(w->lib, obj, w->handle_kind), w->ok);
        CU_ASSERT_NOT_EQUAL(gvf_obj_get(obj, w->handle_kind, &o), GVC_OK);
    }
}

static void test_property_answers_the_version_parts(void)
{
    for (size_t i = 0; i < NWANTS; i++) {
        const gvf_lib_t *l = wants[i].lib;
        int v = -1;

        CU_ASSERT_EQUAL(gvf_lib_property(l, MAJOR_VERSION, 13, 2, 7, &v),
                        wants[i].ok);
        CU_ASSERT_EQUAL(v, 13);
        CU_ASSERT_EQUAL(gvf_lib_property(l, MINOR_VERSION, 13, 2, 7, &v),
                        wants[i].ok);
        CU_ASSERT_EQUAL(v, 2);
        CU_ASSERT_EQUAL(gvf_lib_property(l, PATCH_LEVEL, 13, 2, 7, &v),
                        wants[i].ok);
        CU_ASSERT_EQUAL(v, 7);
        CU_ASSERT_EQUAL(gvf_lib_property(l, MAJOR_VERSION, 13, 2, 7, NULL),
                        wants[i].invalid);
        v = -1;
        CU_ASSERT_EQUAL(gvf_lib_property(l, 99, 13, 2, 7, &v),
                        wants[i].invalid);
        CU_ASSERT_EQUAL(v, -1);
    }
}

static const gvtest_case_t libcall_cases[] = {
    { "every_gvc_status_maps_as_before",
      test_every_gvc_status_maps_as_before },
    { "typed_wrappers_convert_only", test_typed_wrappers_convert_only },
    { "forged_records_are_refused_as_before",
      test_forged_records_are_refused_as_before },
    { "records_route_and_translate", test_records_route_and_translate },
    { "cublas_handle_serves_as_cublaslt_handle",
      test_cublas_handle_serves_as_cublaslt_handle },
    { "end_returns_the_remote_result", test_end_returns_the_remote_result },
    { "lost_device_is_logged_once_per_device",
      test_lost_device_is_logged_once_per_device },
    { "unsupported_logs_once_per_function",
      test_unsupported_logs_once_per_function },
    { "wrap_makes_a_record_and_forget_drops_it",
      test_wrap_makes_a_record_and_forget_drops_it },
    { "property_answers_the_version_parts",
      test_property_answers_the_version_parts },
    { NULL, NULL }
};

int main(int argc, char **argv)
{
    static const gvtest_suite_t suites[] = {
        { "libcall", NULL, NULL, libcall_cases },
        { NULL, NULL, NULL, NULL }
    };

    gvc_log_init("test", GVC_LOG_WARN);
    gvc_log_set_level(GVC_LOG_WARN); /* whatever GVIRTUS_LOGLEVEL says */
    return gvtest_main(argc, argv, suites);
}
