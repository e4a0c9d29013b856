/*
 * gvf_stats.c - per-call statistics of the client (GVIRTUS_STATS=1):
 * for every API function, how many calls, how many bytes each way and,
 * for synchronous calls, how long they took.  Printed to stderr at exit.
 *
 * Off by default: then the only cost on the call path is one load of a
 * flag.  Counters are per API id in a fixed table, updated with relaxed
 * atomics, so threads never serialise on statistics.
 */
#include "config.h"

#include "gvf_int.h"
#include "gv_api_cublas.h"
#include "gv_api_cublaslt.h"
#include "gv_api_cuda.h"
#include "gv_api_cudart.h"
#include "gv_api_cudnn.h"
#include "gv_api_cufft.h"
#include "gv_api_curand.h"
#include "gv_api_cusolver.h"
#include "gv_api_cusparse.h"
#include "gv_api_nvml.h"
#include "gv_api_nvrtc.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define STATS_SLOTS 2048 /* power of two, > every API of every library */

typedef struct stat_slot {
    atomic_uint id;              /* 0 free */
    atomic_ullong calls, bytes_out, bytes_in, ns;
} stat_slot_t;

static stat_slot_t slots[STATS_SLOTS];
static int enabled = -1;
static gvf_stats_namer_t namers[16];
static atomic_int n_namers;

static void stats_print(void);

int gvf_stats_on(void)
{
    if (enabled < 0) {
        const char *v = getenv("GVIRTUS_STATS");
        enabled = v != NULL && *v != '\0' && *v != '0';
        if (enabled) {
            /* Every library's ids: a call of any of them is named. */
            static const gvf_stats_namer_t all[] = {
                gv_api_cudart_name, gv_api_cuda_name, gv_api_nvml_name,
                gv_api_cublas_name, gv_api_cublasLt_name,
                gv_api_cudnn_name, gv_api_cufft_name, gv_api_curand_name,
                gv_api_cusolver_name, gv_api_cusparse_name,
                gv_api_nvrtc_name,
            };

            for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
                gvf_stats_add_namer(all[i]);
            }
            atexit(stats_print);
        }
    }
    return enabled;
}

void gvf_stats_add_namer(gvf_stats_namer_t fn)
{
    int i = atomic_fetch_add(&n_namers, 1);

    if (i < (int)(sizeof(namers) / sizeof(namers[0]))) {
        namers[i] = fn;
    }
}

uint64_t gvf_stats_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static stat_slot_t *slot_of(uint32_t id)
{
    unsigned i = (id * 2654435761u) & (STATS_SLOTS - 1);

    for (int n = 0; n < STATS_SLOTS; n++, i = (i + 1) & (STATS_SLOTS - 1)) {
        unsigned cur = atomic_load_explicit(&slots[i].id,
                                            memory_order_relaxed);
        if (cur == id) {
            return &slots[i];
        }
        if (cur == 0) {
            unsigned zero = 0;
            if (atomic_compare_exchange_strong(&slots[i].id, &zero, id) ||
                zero == id) {
                return &slots[i];
            }
        }
    }
    return NULL;
}

void gvf_stats_record(uint32_t id, uint64_t out, uint64_t in, uint64_t ns)
{
    stat_slot_t *s = slot_of(id);

    if (s == NULL) {
        return;
    }
    atomic_fetch_add_explicit(&s->calls, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->bytes_out, out, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->bytes_in, in, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->ns, ns, memory_order_relaxed);
}

static const char *name_of(uint32_t id)
{
    int n = atomic_load(&n_namers);

    for (int i = 0; i < n && i < (int)(sizeof(namers) / sizeof(namers[0]));
         i++) {
        const char *s = namers[i](id);
        if (s != NULL && s[0] != '?') {
            return s;
        }
    }
    return "?";
}

static void stats_print(void)
{
    if (gvf_forked()) {
        return; /* a forked child's counts are its parent's */
    }
    fprintf(stderr, "gvirtus[%d] per-call statistics (GVIRTUS_STATS)\n"
            "%-40s %10s %14s %14s %12s\n", (int)getpid(), "function",
            "calls", "bytes out", "bytes in", "avg us");
    for (int i = 0; i < STATS_SLOTS; i++) {
        unsigned long long c = atomic_load(&slots[i].calls);
        if (atomic_load(&slots[i].id) == 0 || c == 0) {
            continue;
        }
        fprintf(stderr, "%-40s %10llu %14llu %14llu %12.2f\n",
                name_of(atomic_load(&slots[i].id)), c,
                (unsigned long long)atomic_load(&slots[i].bytes_out),
                (unsigned long long)atomic_load(&slots[i].bytes_in),
                (double)atomic_load(&slots[i].ns) / 1e3 / (double)c);
    }    /* How the calls travelled: batching shows here. */
    for (int i = 0; i < gvf_device_count(); i++) {
        gvt_stats_t t;

        if (gvf_dev(i)->conn == NULL) {
            continue;
        }
        gvt_conn_stats(gvf_dev(i)->conn, &t);
        fprintf(stderr, "transport GPU %d: %llu messages out, %llu of them "
                "in %llu batches; %llu messages in\n", i,
                (unsigned long long)t.msgs_out,
                (unsigned long long)t.batched_out,
                (unsigned long long)t.batches_out,
                (unsigned long long)t.msgs_in);
    }
}
