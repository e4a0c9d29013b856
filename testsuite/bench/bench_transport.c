/*
 * bench_transport.c - our transport's round trip and bandwidth.
 *
 *   bench_transport TLS ITERS MiB
 *
 * Starts a peer process (UCX_TLS=TLS), then measures:
 *   rtt_us   median round trip of a call with 8 bytes of arguments;
 *   bw_MBps  one-way payloads of MiB mebibytes, streamed back to back and
 *            closed by one sync call, landing in a reused buffer on the
 *            server (as gvd's staging buffers do).
 * Prints "TRANSPORT tls rtt_us bw_MBps" for bench-transport.sh.
 *
 * Diagnostics for the bandwidth stream (environment): BENCH_MSGS messages
 * a round (16), at most BENCH_INFLIGHT of them unfinished (no limit),
 * BENCH_PLAIN=1 malloc'd buffers on both sides instead of registered
 * ones, BENCH_PIECE=m each payload as messages of m MiB landing at their
 * offsets.  None of them moved our 64 MiB TCP stream against
 * ucx_perftest's; what did is below (testsuite/bench/RESULTS.md).
 *
 * BENCH_ZERO_SRC=1 sends from a buffer never written, as ucx_perftest's
 * ucp_am_bw does: every page of it reads as the kernel's one zero page,
 * which stays in cache, so the sender's copy into the socket is cheaper
 * than for real data.  For comparisons with ucx_perftest only.
 */
#include "config.h"

#include "tpeer.h"
#include "gvc_log.h"

#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { API_PING = 1, API_SINK = 2 };

static void *sink_buf;
static gvt_memh_t *sink_mh;

static void *sink_plain;
static size_t sink_plain_len;
static int plain;         /* BENCH_PLAIN: malloc'd buffers */
static size_t piece;      /* BENCH_PIECE: bytes a message, 0 for all */
static size_t sink_total; /* bytes of one payload, however sent */

/* A positive integer from the environment, else dflt. */
static int env_int(const char *name, int dflt)
{
    const char *v = getenv(name);

    return v != NULL && atoi(v) > 0 ? atoi(v) : dflt;
}

/* Payloads land in one registered buffer, as in gvd's staging
 * (BENCH_PLAIN=1: a malloc'd one). */
static void *sink_data(gvt_conn_t *conn, const gvc_wire_hdr_t *hdr,
                       const void *args, void *arg, gvt_memh_t **memh_p,
                       void **cookie_p)
{
    if (plain) {
        if (sink_plain_len < hdr->data_len) {
            free(sink_plain);
            sink_plain = malloc(hdr->data_len);
            sink_plain_len = sink_plain ? hdr->data_len : 0;
        }
        return sink_plain;
    }
    if (piece != 0 && hdr->args_len == sizeof(uint64_t)) {
        uint64_t off;

        /* A piece of a payload: it lands at its offset. */
        memcpy(&off, args, sizeof(off));
        if (sink_mh == NULL &&
            gvt_mem_alloc(gvt_conn_ctx(conn), sink_total, &sink_buf,
                          &sink_mh) != GVC_OK) {
            return NULL;
        }
        if (off > sink_total || hdr->data_len > sink_total - off) {
            return NULL;
        }
        *memh_p = sink_mh;
        return (uint8_t *)sink_buf + off;
    }
    if (sink_mh != NULL && hdr->data_len > gvt_mem_len(sink_mh)) {
        gvt_mem_free(sink_mh);
        sink_mh = NULL;
    }
    if (sink_mh == NULL &&
        gvt_mem_alloc(gvt_conn_ctx(conn), hdr->data_len, &sink_buf,
                      &sink_mh) != GVC_OK) {
        return NULL;
    }
    *memh_p = sink_mh;
    return sink_buf;
}

/* In the peer, before its UCX context goes. */
static void sink_free(void)
{
    gvt_mem_free(sink_mh);
    sink_mh = NULL;
    free(sink_plain);
    sink_plain = NULL;
}

static void handler(gvt_conn_t *conn, gvt_msg_t *msg, void *arg)
{
    gvt_out_t out = { .api_id = msg->hdr.api_id, .flags = GVC_WF_REPLY,
                      .call_id = msg->hdr.call_id };

    if (!(msg->hdr.flags & GVC_WF_ONEWAY)) {
        gvt_send(conn, &out);
    }
}

static void sent_cb(void *arg, gvc_status_t st)
{
    (void)st;
    (*(int *)arg)--;
}

/* BENCH_CPUS="a b": the peer runs on CPU a, this process on b (as
 * bench-transport.sh pins ucx_perftest), so both benchmarks see the same
 * placement.  Returns b, or -1 when unpinned. */
static int pin_self(const char *which)
{
    const char *env = getenv("BENCH_CPUS");
    int a, b;
    cpu_set_t set;

    if (env == NULL || sscanf(env, "%d %d", &a, &b) != 2) {
        return -1;
    }
    CPU_ZERO(&set);
    CPU_SET(which[0] == 'p' ? a : b, &set);
    if (sched_setaffinity(0, sizeof(set), &set) != 0) {
        perror("sched_setaffinity");
        return -1;
    }
    return b;
}

static double now_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    const char *tls = argc > 1 ? argv[1] : "tcp";
    int iters = argc > 2 ? atoi(argv[2]) : 20000;
    size_t mib = argc > 3 ? (size_t)atoi(argv[3]) : 64;
    size_t n = mib << 20;
    uint64_t arg8 = 42;
    double *lat, t0, bw;
    int reps = 16, window = 0;
    tpeer_t tp;
    void *buf;
    gvt_memh_t *mh;

    gvc_log_init("bench", GVC_LOG_WARN);
    /* The diagnostics (see the top); the forked peer inherits them. */
    plain = getenv("BENCH_PLAIN") != NULL;
    piece = (size_t)env_int("BENCH_PIECE", 0) << 20;
    if (piece >= n) {
        piece = 0;
    }
    reps = env_int("BENCH_MSGS", reps);
    window = env_int("BENCH_INFLIGHT", 0);
    sink_total = n;
    pin_self("peer"); /* the forked peer inherits it */
    tpeer_child_exit = sink_free;
    if (tpeer_start(&tp, tls, handler, sink_data, 0) != 0) {
        fprintf(stderr, "cannot start peer over %s\n", tls);
        return 1;
    }
    pin_self("self");
    lat = calloc((size_t)iters, sizeof(double));
    for (int i = -1000; i < iters; i++) {
        gvt_out_t out = { .api_id = API_PING, .args = &arg8,
                          .args_len = sizeof(arg8) };
        gvt_reply_t r = { 0 };
        t0 = now_us();
        if (gvt_call(tp.conn, &out, &r) != GVC_OK) {
            fprintf(stderr, "call failed\n");
            return 1;
        }
        if (i >= 0) {
            lat[i] = now_us() - t0;
        }
    }
    qsort(lat, (size_t)iters, sizeof(double), cmp_double);

    mh = NULL;
    if (plain) {
        buf = malloc(n);
    } else if (gvt_mem_alloc(tp.ctx, n, &buf, &mh) != GVC_OK) {
        buf = NULL;
    }
    if (buf == NULL) {
        return 1;
    }
    if (getenv("BENCH_ZERO_SRC") == NULL) {
        memset(buf, 1, n);
    }
    for (int round = 0; round < 2; round++) { /* first round warms up */
        static int inflight;
        gvt_out_t out = { .api_id = API_SINK, .flags = GVC_WF_ONEWAY,
                          .data = buf, .data_len = n, .memh = mh,
                          .done = sent_cb, .done_arg = &inflight };
        gvt_out_t fin = { .api_id = API_PING };
        gvt_reply_t r = { 0 };
        t0 = now_us();
        for (int k = 0; k < reps; k++) {
            while (window > 0 && inflight >= window) {
                gvt_conn_progress(tp.conn);
            }
            for (uint64_t off = 0; off < n; off += piece ? piece : n) {
                gvt_out_t o = out;

                if (piece != 0) {
                    o.args = &off;
                    o.args_len = sizeof(off);
                    o.data = (uint8_t *)buf + off;
                    o.data_len = n - off < piece ? n - off : piece;
                }
                inflight++;
                if (gvt_send(tp.conn, &o) != GVC_OK) {
                    return 1;
                }
            }
        }
        if (gvt_call(tp.conn, &fin, &r) != GVC_OK) {
            return 1;
        }
        bw = (double)n * reps / (now_us() - t0); /* bytes/us = MB/s */
    }
    printf("TRANSPORT %s %.2f %.0f\n", tls, lat[iters / 2], bw);
    if (mh != NULL) {
        gvt_mem_free(mh);
    } else {
        free(buf);
    }
    free(lat);
    tpeer_stop(&tp);
    return 0;
}
