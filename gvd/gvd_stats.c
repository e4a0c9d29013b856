/*
 * gvd_stats.c - per-call statistics of a worker (GVIRTUS_STATS=1 in
 * gvd's environment): calls, bytes each way and time spent in the
 * handler per API function, logged when the client leaves.  The worker
 * is single-threaded: plain counters.
 */
#include "config.h"

#include "gvd_client.h"
#include "gvc_log.h"

#include <stdlib.h>
#include <time.h>

#define SLOTS 2048

typedef struct wstat {
    const gvd_api_t *api;
    uint64_t calls, bytes_in, bytes_out, ns;
} wstat_t;

static wstat_t tab[SLOTS];
static int enabled = -1;

int gvd_stats_on(void)
{
    if (enabled < 0) {
        const char *v = getenv("GVIRTUS_STATS");
        enabled = v != NULL && *v != '\0' && *v != '0';
    }
    return enabled;
}

uint64_t gvd_stats_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void gvd_stats_record(const gvd_api_t *api, uint64_t in, uint64_t out,
                      uint64_t ns)
{
    unsigned i = (api->id * 2654435761u) & (SLOTS - 1);

    for (int n = 0; n < SLOTS; n++, i = (i + 1) & (SLOTS - 1)) {
        if (tab[i].api == NULL || tab[i].api == api) {
            tab[i].api = api;
            tab[i].calls++;
            tab[i].bytes_in += in;
            tab[i].bytes_out += out;
            tab[i].ns += ns;
            return;
        }
    }
}

void gvd_stats_log(void)
{
    if (gvd_stats_on() <= 0) {
        return;
    }
    gvc_info("per-call statistics: function calls bytes-in bytes-out avg-us");
    for (int i = 0; i < SLOTS; i++) {
        if (tab[i].api != NULL) {
            gvc_info("  %-40s %10llu %14llu %14llu %10.2f", tab[i].api->name,
                     (unsigned long long)tab[i].calls,
                     (unsigned long long)tab[i].bytes_in,
                     (unsigned long long)tab[i].bytes_out,
                     (double)tab[i].ns / 1e3 / (double)tab[i].calls);
        }
    }
}
