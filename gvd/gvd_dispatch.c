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
    size_t n_hand = gvd_hand_n_apis, n = gvd_cudart_gen_n_apis + n_hand;
    gvd_api_t *all = malloc(n * sizeof(*all));

    if (all == NULL) {
        gvc_fatal("out of memory building the dispatch table");
        abort(); /* daemon side: may abort through this one place */
    }
    memcpy(all, gvd_cudart_gen_apis, gvd_cudart_gen_n_apis * sizeof(*all));
    memcpy(all + gvd_cudart_gen_n_apis, gvd_hand_apis, n_hand * sizeof(*all));
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
