/*
 * gvd_dispatch.c - the table from API id to handler: the generated
 * entries plus the hand-written special cases, merged and sorted once.
 */
#include "config.h"

#include "gvd_call.h"
#include "gvd_hand.h"
#include "gvc_log.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

extern const gvd_api_t gvd_cudart_gen_apis[];
extern const size_t gvd_cudart_gen_n_apis;
extern const gvd_api_t gvd_cuda_gen_apis[];     /* driver API, generated */
extern const size_t gvd_cuda_gen_n_apis;
extern const gvd_api_t gvd_cuda_hand_apis[];    /* gvd_x_cuda.c */
extern const size_t gvd_cuda_hand_n_apis;
extern const gvd_api_t gvd_nvml_gen_apis[];     /* NVML, generated */
extern const size_t gvd_nvml_gen_n_apis;
extern const gvd_api_t gvd_nvml_hand_apis[];    /* gvd_x_nvml.c */
extern const size_t gvd_nvml_hand_n_apis;
extern const gvd_api_t gvd_cublas_gen_apis[];   /* cuBLAS, generated */
extern const size_t gvd_cublas_gen_n_apis;
extern const gvd_api_t gvd_cublasLt_gen_apis[]; /* cuBLASLt, generated */
extern const size_t gvd_cublasLt_gen_n_apis;
extern const gvd_api_t gvd_blaslt_hand_apis[];  /* gvd_x_blaslt.c */
extern const size_t gvd_blaslt_hand_n_apis;
extern const gvd_api_t gvd_cudnn_gen_apis[];    /* cuDNN, generated */
extern const size_t gvd_cudnn_gen_n_apis;
extern const gvd_api_t gvd_dnn_hand_apis[];     /* gvd_x_dnn.c */
extern const size_t gvd_dnn_hand_n_apis;
extern const gvd_api_t gvd_curand_gen_apis[];   /* cuRAND, generated */
extern const size_t gvd_curand_gen_n_apis;
extern const gvd_api_t gvd_cusolver_gen_apis[]; /* cuSOLVER, generated */
extern const size_t gvd_cusolver_gen_n_apis;
extern const gvd_api_t gvd_cufft_gen_apis[];    /* cuFFT, generated */
extern const size_t gvd_cufft_gen_n_apis;
extern const gvd_api_t gvd_nvrtc_gen_apis[];    /* NVRTC, generated */
extern const size_t gvd_nvrtc_gen_n_apis;
extern const gvd_api_t gvd_rtc_hand_apis[];     /* gvd_x_rtc.c */
extern const size_t gvd_rtc_hand_n_apis;
extern const gvd_api_t gvd_cusparse_gen_apis[]; /* cuSPARSE, generated */
extern const size_t gvd_cusparse_gen_n_apis;

static const gvd_api_t *apis;
static size_t n_apis;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static int api_cmp(const void *a, const void *b)
{
    uint32_t x = ((const gvd_api_t *)a)->id, y = ((const gvd_api_t *)b)->id;

    return x < y ? -1 : x > y;
}

static void dispatch_build(void)
{
    const struct {
        const gvd_api_t *t;
        size_t n;
    } parts[] = {
        { gvd_cudart_gen_apis, gvd_cudart_gen_n_apis },
        { gvd_hand_apis, gvd_hand_n_apis },
        { gvd_cuda_gen_apis, gvd_cuda_gen_n_apis },
        { gvd_cuda_hand_apis, gvd_cuda_hand_n_apis },
        { gvd_nvml_gen_apis, gvd_nvml_gen_n_apis },
        { gvd_nvml_hand_apis, gvd_nvml_hand_n_apis },
        { gvd_cublas_gen_apis, gvd_cublas_gen_n_apis },
        { gvd_cublasLt_gen_apis, gvd_cublasLt_gen_n_apis },
        { gvd_blaslt_hand_apis, gvd_blaslt_hand_n_apis },
        { gvd_cudnn_gen_apis, gvd_cudnn_gen_n_apis },
        { gvd_dnn_hand_apis, gvd_dnn_hand_n_apis },
        { gvd_curand_gen_apis, gvd_curand_gen_n_apis },
        { gvd_cusolver_gen_apis, gvd_cusolver_gen_n_apis },
        { gvd_cufft_gen_apis, gvd_cufft_gen_n_apis },
        { gvd_nvrtc_gen_apis, gvd_nvrtc_gen_n_apis },
        { gvd_rtc_hand_apis, gvd_rtc_hand_n_apis },
        { gvd_cusparse_gen_apis, gvd_cusparse_gen_n_apis },
    };
    size_t n = 0, k = 0;
    gvd_api_t *all;

    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        n += parts[i].n;
    }
    all = malloc(n * sizeof(*all));
    if (all == NULL) {
        gvc_fatal("out of memory building the dispatch table");
        abort(); /* daemon side: may abort through this one place */
    }
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        memcpy(all + k, parts[i].t, parts[i].n * sizeof(*all));
        k += parts[i].n;
    }
    qsort(all, n, sizeof(*all), api_cmp);
    for (size_t i = 1; i < n; i++) {
        if (all[i].id == all[i - 1].id) {
            gvc_error("API %s and %s share id %#x: hand-written handler "
                      "shadows a generated one", all[i - 1].name, all[i].name,
                      all[i].id);
        }
    }
    apis = all;
    n_apis = n;
}

const gvd_api_t *gvd_api_find(uint32_t id)
{
    size_t lo = 0, hi;

    pthread_once(&once, dispatch_build);
    hi = n_apis;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (apis[mid].id == id) {
            return &apis[mid];
        }
        if (apis[mid].id < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}
