/*
 * bench_counters.c - what the live counters add to a worker's call path,
 * alone: the stores gvd_client_recv and gvd_reply make per call (calls,
 * wire bytes in and out, memory held, the call's name for the log) on a
 * real counter page, against the same loop without them.  Thread CPU
 * time, best of several runs, so a loaded machine (or a neighbour's
 * build) does not show up as counter cost.
 *
 *   bench_counters [CALLS]
 */
#include "config.h"

#include "gvd_counters.h"
#include "gvc_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

typedef struct fake_call {
    uint64_t args_len, data_len, reply_len;
    size_t mem_total;
    const char *name;
} fake_call_t;

static double cpu_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The per-call work both loops share: enough that the compiler cannot
 * fold the loop, nothing that touches the counters. */
__attribute__((noinline)) static uint64_t work(const fake_call_t *c,
                                               uint64_t acc)
{
    return acc * 31 + c->args_len + c->data_len;
}

__attribute__((noinline)) static uint64_t loop_plain(const fake_call_t *c,
                                                     long n)
{
    uint64_t acc = 0;

    for (long i = 0; i < n; i++) {
        acc = work(c, acc);
    }
    return acc;
}

/* What a call adds (gvd_call.c): three counter updates on the way in,
 * the call's name set and cleared, the memory gauge, and the reply's
 * bytes (an error now and then). */
__attribute__((noinline)) static uint64_t loop_counted(gvd_counters_t *ctr,
                                                       const fake_call_t *c,
                                                       long n)
{
    uint64_t acc = 0;

    for (long i = 0; i < n; i++) {
        gvd_ctr_add(ctr, GVC_CTR_CALLS, 1);
        gvd_ctr_add(ctr, GVC_CTR_WIRE_IN, c->args_len + c->data_len);
        gvc_log_set_call(c->name);
        acc = work(c, acc);
        if ((i & 1023) == 0) {
            gvd_ctr_add(ctr, GVC_CTR_ERRORS, 1);
        }
        gvd_ctr_add(ctr, GVC_CTR_WIRE_OUT, c->reply_len);
        gvd_ctr_set(ctr, GVC_CTR_MEM_HELD, c->mem_total);
        gvc_log_set_call(NULL);
    }
    return acc;
}

int main(int argc, char **argv)
{
    long n = argc > 1 ? atol(argv[1]) : 50000000;
    fake_call_t c = { 64, 4096, 32, 1 << 20, "cudaMemcpy" };
    double best_plain = 1e30, best_counted = 1e30, t;
    gvd_counters_t *ctr;
    uint64_t sink = 0;
    int fd;

    if (n < 1 || gvd_counters_create(1, &ctr, &fd) != 0) {
        fprintf(stderr, "usage: bench_counters [CALLS] (needs memfd)\n");
        return 2;
    }
    close(fd);
    for (int r = 0; r < 7; r++) {
        t = cpu_ns();
        sink += loop_plain(&c, n);
        t = (cpu_ns() - t) / (double)n;
        best_plain = t < best_plain ? t : best_plain;
        t = cpu_ns();
        sink += loop_counted(ctr, &c, n);
        t = (cpu_ns() - t) / (double)n;
        best_counted = t < best_counted ? t : best_counted;
    }
    printf("per call, best of 7 runs of %ld: without counters %.2f ns, "
           "with %.2f ns: %.2f ns added (calls counted: %llu)\n", n,
           best_plain, best_counted, best_counted - best_plain,
           (unsigned long long)gvd_ctr_get(ctr, GVC_CTR_CALLS));
    gvd_counters_unmap(ctr);
    return sink == 42; /* keeps the loops */
}
