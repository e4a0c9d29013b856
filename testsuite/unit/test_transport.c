/*
 * test_transport.c - the UCX RPC transport, with the server in a child
 * process: echo of every size over TCP and shared memory, ordering of
 * one-way and sync messages, reply parts, detached calls, big arguments,
 * many threads, peer death and stall.
 */
#include "config.h"

#include "gvtest.h"
#include "tpeer.h"
#include "gvc_log.h"

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { API_ECHO = 1, API_ORDER = 2, API_COUNT = 3, API_PARTS = 4,
       API_SUM = 5, API_SLEEP = 6, API_TALLY = 7, API_RESULT = 8 };

static uint64_t order_next; /* child state: next expected number */
static int order_bad;
static uint64_t tally;      /* child state: sum of API_TALLY arguments */
static int order_spin_ns;   /* child: API_ORDER handler takes this long */

static uint64_t sum_bytes(const uint8_t *p, size_t n)
{
    uint64_t s = 0;

    for (size_t i = 0; i < n; i += 4096) {
        s = s * 31 + p[i];
    }
    return n ? s * 31 + p[n - 1] : 0;
}

static void reply(gvt_conn_t *conn, gvt_msg_t *msg, int64_t result,
                  const void *data, size_t len)
{
    gvt_out_t out = { .api_id = msg->hdr.api_id, .flags = GVC_WF_REPLY,
                      .call_id = msg->hdr.call_id, .result = result,
                      .data = data, .data_len = len };
    gvt_send(conn, &out);
}

/* Child-side handler for every test. */
static void handler(gvt_conn_t *conn, gvt_msg_t *msg, void *arg)
{
    uint64_t v = 0, n;

    switch (msg->hdr.api_id) {
    case API_ECHO:
        tpeer_echo(conn, msg, arg);
        break;
    case API_ORDER:
        if (order_spin_ns > 0) {
            struct timespec a, b;
            clock_gettime(CLOCK_MONOTONIC, &a);
            do {
                clock_gettime(CLOCK_MONOTONIC, &b);
            } while ((b.tv_sec - a.tv_sec) * 1000000000L +
                     (b.tv_nsec - a.tv_nsec) < order_spin_ns);
        }
        memcpy(&v, msg->args, sizeof(v));
        if (v != order_next++) {
            order_bad++;
        }
        if (msg->hdr.data_len > 0 &&
            ((uint8_t *)msg->data)[msg->hdr.data_len - 1] != (uint8_t)v) {
            order_bad++;
        }
        if (!(msg->hdr.flags & GVC_WF_ONEWAY)) {
            reply(conn, msg, order_bad ? -1 : (int64_t)order_next, NULL, 0);
        }
        break;
    case API_COUNT:
        reply(conn, msg, (int64_t)order_next, NULL, 0);
        break;
    case API_PARTS: {
        /* args: total size; reply data comes in 4 parts, then the reply */
        uint8_t *buf;
        memcpy(&n, msg->args, sizeof(n));
        buf = malloc(n);
        for (uint64_t i = 0; i < n; i++) {
            buf[i] = (uint8_t)(i * 7);
        }
        for (int k = 3; k >= 0; k--) { /* out of order on purpose */
            uint64_t off = n / 4 * (uint64_t)k;
            uint64_t len = k == 3 ? n - off : n / 4;
            gvt_send_part(conn, msg->hdr.call_id, off, buf + off, len, NULL,
                          NULL, NULL);
        }
        reply(conn, msg, 0, NULL, 0);
        free(buf);
        break;
    }
    case API_SUM:
        reply(conn, msg, (int64_t)sum_bytes(msg->data, msg->hdr.data_len),
              NULL, 0);
        break;
    case API_SLEEP:
        sleep(30);
        break;
    case API_RESULT: { /* args: the result to answer, echoed back */
        int64_t res;
        gvt_out_t out = { .api_id = API_RESULT, .flags = GVC_WF_REPLY,
                          .call_id = msg->hdr.call_id, .args = msg->args,
                          .args_len = msg->hdr.args_len };
        memcpy(&res, msg->args, sizeof(res));
        out.result = res;
        gvt_send(conn, &out);
        break;
    }
    case API_TALLY: /* one-way: add; call: answer the sum */
        if (msg->hdr.flags & GVC_WF_ONEWAY) {
            memcpy(&v, msg->args, sizeof(v));
            tally += v;
        } else {
            reply(conn, msg, (int64_t)tally, NULL, 0);
        }
        break;
    }
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(i * 131 + seed + (i >> 12));
    }
}

static void echo_sizes(const char *tls)
{
    static const size_t sizes[] = { 0, 1, 8, 100, 4096, 8192, 65536,
                                    1 << 20, 16 << 20, 256 << 20 };
    uint8_t *src, *dst;
    tpeer_t tp;

    if (tpeer_start(&tp, tls, handler, NULL, 60000) != 0) {
        CU_FAIL("cannot start peer");
        return;
    }
    src = malloc(256 << 20);
    dst = malloc(256 << 20);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t n = sizes[i];
        uint32_t tag = (uint32_t)i, tag_back = 0;
        gvt_out_t out = { .api_id = API_ECHO, .args = &tag,
                          .args_len = sizeof(tag), .data = src,
                          .data_len = n };
        gvt_reply_t r = { .args = &tag_back, .args_cap = sizeof(tag_back),
                          .data = dst, .data_cap = 256 << 20 };

        fill(src, n, (unsigned)i);
        memset(dst, 0xee, n);
        CU_ASSERT_EQUAL_FATAL(gvt_call(tp.conn, &out, &r), GVC_OK);
        CU_ASSERT_EQUAL(r.result, (int64_t)n);
        CU_ASSERT_EQUAL(r.data_len, n);
        CU_ASSERT_EQUAL(r.args_len, sizeof(tag));
        CU_ASSERT_EQUAL(tag_back, tag);
        CU_ASSERT_EQUAL(memcmp(src, dst, n), 0);
    }
    free(src);
    free(dst);
    CU_ASSERT_EQUAL(tpeer_stop(&tp), 0);
}

static void test_echo_all_sizes_tcp(void) { echo_sizes("tcp"); }
static void test_echo_all_sizes_shm(void) { echo_sizes("sm,self"); }

/* 10,000 interleaved one-way and sync messages, some with rendezvous
 * payloads, arrive in send order.  *stats_p: the client's counters. */
static void ordering_stats(const char *tls, gvt_stats_t *stats_p)
{
    uint8_t *big = malloc(1 << 20);
    tpeer_t tp;
    int bad = 0;

    if (tpeer_start(&tp, tls, handler, NULL, 60000) != 0) {
        CU_FAIL("cannot start peer");
        free(big);
        return;
    }
    for (uint64_t i = 0; i < 10000; i++) {
        size_t dlen = i % 97 == 0 ? (1 << 20) : (i % 5 == 0 ? 300 : 0);
        gvt_out_t out = { .api_id = API_ORDER, .args = &i,
                          .args_len = sizeof(i), .data = big,
                          .data_len = dlen };
        gvt_reply_t r = { 0 };

        if (dlen > 0) {
            big[dlen - 1] = (uint8_t)i;
        }
        if (i % 10 == 9) {
            if (gvt_call(tp.conn, &out, &r) != GVC_OK ||
                r.result != (int64_t)i + 1) {
                bad++;
            }
        } else {
            out.flags = GVC_WF_ONEWAY;
            if (gvt_send(tp.conn, &out) != GVC_OK) {
                bad++;
            }
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
    {
        gvt_out_t out = { .api_id = API_COUNT };
        gvt_reply_t r = { 0 };
        CU_ASSERT_EQUAL(gvt_call(tp.conn, &out, &r), GVC_OK);
        CU_ASSERT_EQUAL(r.result, 10000);
    }
    gvt_conn_stats(tp.conn, stats_p);
    free(big);
    CU_ASSERT_EQUAL(tpeer_stop(&tp), 0);
}

static void ordering(const char *tls)
{
    gvt_stats_t s;

    ordering_stats(tls, &s);
    CU_ASSERT_EQUAL(s.batches_out, 0); /* batching is off by default */
}

static void test_oneway_and_sync_in_order_tcp(void) { ordering("tcp"); }
static void test_oneway_and_sync_in_order_shm(void) { ordering("sm,self"); }

/* While a handler runs, another thread of the receiver polls the
 * connection (as CUDA's callback threads do in a gvd worker while host
 * functions wait) and takes in new messages: they are still delivered in
 * order.  (A request parked meanwhile was once overtaken by the queue
 * behind it: host functions ran out of order on the H100.) */
static void ordering_second_poller(const char *tls)
{
    gvt_stats_t s;

    tpeer_child_poller = 1;
    order_spin_ns = 2000;
    ordering_stats(tls, &s);
    tpeer_child_poller = 0;
    order_spin_ns = 0;
}

static void test_in_order_with_second_poller_tcp(void)
{
    ordering_second_poller("tcp");
}

static void test_in_order_with_second_poller_shm(void)
{
    ordering_second_poller("sm,self");
}

/* ---- batching ---------------------------------------------------------- */

/* The same 10,000 messages with batching on: most travel in batches (the
 * calls join them, the 1 MiB payloads go on their own between them), in
 * order, their data intact. */
static void ordering_batched(const char *tls)
{
    gvt_stats_t s;

    tpeer_client_batch_us = 100000; /* quiet spells only under heavy load */
    tpeer_client_batch_always = 1;
    ordering_stats(tls, &s);
    tpeer_client_batch_us = 0;
    tpeer_client_batch_always = 0;
    CU_ASSERT(s.batched_out > 5000);
    CU_ASSERT(s.batches_out > 0);
    CU_ASSERT(s.batches_out * 4 < s.batched_out);
}

static void test_batched_in_order_tcp(void) { ordering_batched("tcp"); }
static void test_batched_in_order_shm(void) { ordering_batched("sm,self"); }

static void send_order(gvt_conn_t *conn, uint64_t v, int oneway)
{
    gvt_out_t out = { .api_id = API_ORDER, .args = &v,
                      .args_len = sizeof(v),
                      .flags = oneway ? GVC_WF_ONEWAY : 0 };
    gvt_reply_t r = { 0 };

    if (oneway) {
        CU_ASSERT_EQUAL(gvt_send(conn, &out), GVC_OK);
    } else {
        CU_ASSERT_EQUAL(gvt_call(conn, &out, &r), GVC_OK);
        CU_ASSERT_EQUAL(r.result, (int64_t)v + 1);
    }
}

static void nap_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

/* A burst's first message goes at once, the rest wait in a batch, which
 * the flusher sends when the sender goes quiet (no call, no wait); a
 * call joins the batch it finds and takes it along. */
static void test_batch_flushed_when_quiet_and_by_calls(void)
{
    gvt_stats_t s;
    tpeer_t tp;
    int waited = 0;

    tpeer_client_batch_us = 200000; /* wide: load must not end a burst */
    tpeer_client_batch_always = 1;
    CU_ASSERT_EQUAL_FATAL(tpeer_start(&tp, "tcp", handler, NULL, 10000), 0);
    tpeer_client_batch_us = 0;
    tpeer_client_batch_always = 0;
    send_order(tp.conn, 0, 1);
    send_order(tp.conn, 1, 1);
    send_order(tp.conn, 2, 1);
    gvt_conn_stats(tp.conn, &s);
    CU_ASSERT_EQUAL(s.msgs_out, 3);
    CU_ASSERT_EQUAL(s.batched_out, 2);
    /* Quiet from here: only the flusher can send the batch. */
    while (waited < 5000) {
        gvt_conn_stats(tp.conn, &s);
        if (s.batches_out == 1) {
            break;
        }
        nap_ms(1);
        waited++;
    }
    CU_ASSERT_EQUAL(s.batches_out, 1);
    CU_ASSERT(waited >= 50);    /* it waited for the window ... */
    CU_ASSERT(waited < 3000);  /* ... and not much longer */
    /* The peer has them, in order: a call's answer says so. */
    send_order(tp.conn, 3, 0);
    /* After a quiet spell the next message goes straight out; the one
     * after it waits, and the call takes it along. */
    nap_ms(400);
    send_order(tp.conn, 4, 1);
    send_order(tp.conn, 5, 1);
    send_order(tp.conn, 6, 0);
    gvt_conn_stats(tp.conn, &s);
    CU_ASSERT_EQUAL(s.msgs_out, 7);
    CU_ASSERT_EQUAL(s.batched_out, 4);  /* 1, 2, then 5 and the call */
    CU_ASSERT_EQUAL(s.batches_out, 2);
    CU_ASSERT_EQUAL(tpeer_stop(&tp), 0);
}

/* Without batch_always, batching starts by itself once sends are seen
 * to be expensive, as a system call per message over TCP is: a burst
 * after the first few sends travels in batches.  The gate follows a
 * running mean of measured send costs, and now and then UCX queues a
 * send instead of making the system call (cheap), so the burst goes on
 * until more than 100 messages went batched, up to 2,000 of them. */
static void test_tcp_sends_start_batching(void)
{
    gvt_out_t out = { .api_id = API_TALLY };
    gvt_reply_t r = { 0 };
    gvt_stats_t s = { 0 };
    uint64_t i = 0;
    tpeer_t tp;

    tpeer_client_batch_us = 100000; /* quiet spells only under heavy load */
    CU_ASSERT_EQUAL_FATAL(tpeer_start(&tp, "tcp", handler, NULL, 10000), 0);
    tpeer_client_batch_us = 0;
    while (i < 2000 && s.batched_out <= 100) {
        for (int k = 0; k < 200; k++) {
            gvt_out_t o = { .api_id = API_TALLY, .flags = GVC_WF_ONEWAY,
                            .args = &i, .args_len = sizeof(i) };

            i++; /* sends 1, 2, ... */
            CU_ASSERT_EQUAL(gvt_send(tp.conn, &o), GVC_OK);
        }
        gvt_conn_stats(tp.conn, &s);
    }
    CU_ASSERT_EQUAL(gvt_call(tp.conn, &out, &r), GVC_OK);
    CU_ASSERT_EQUAL(r.result, i * (i + 1) / 2);
    gvt_conn_stats(tp.conn, &s);
    CU_ASSERT(s.batched_out > 100);
    CU_ASSERT_EQUAL(tpeer_stop(&tp), 0);
}

typedef struct tally_thr {
    gvt_conn_t *conn;
    int id;
    uint64_t sent;
    int bad;
} tally_thr_t;

/* One-way tallies with small payloads, and now and then a call. */
static void *thread_tally(void *arg)
{
    tally_thr_t *t = arg;
    uint8_t pad[700];

    memset(pad, t->id, sizeof(pad));
    for (uint64_t i = 1; i <= 3000; i++) {
        uint64_t v = i * 8 + (uint64_t)t->id;
        gvt_out_t out = { .api_id = API_TALLY, .flags = GVC_WF_ONEWAY,
                          .args = &v, .args_len = sizeof(v), .data = pad,
                          .data_len = (size_t)(i % 7) * 100 };
        if (gvt_send(t->conn, &out) != GVC_OK) {
            t->bad++;
        }
        t->sent += v;
        if (i % 100 == 0) {
            uint32_t tag = (uint32_t)i, back = 0;
            gvt_out_t e = { .api_id = API_ECHO, .args = &tag,
                            .args_len = sizeof(tag) };
            gvt_reply_t r = { .args = &back, .args_cap = sizeof(back) };
            if (gvt_call(t->conn, &e, &r) != GVC_OK || back != tag) {
                t->bad++;
            }
        }
    }
    return NULL;
}

/* Eight threads batching on one connection: nothing lost or doubled. */
static void batched_threads(const char *tls)
{
    pthread_t th[8];
    tally_thr_t t[8];
    uint64_t want = 0;
    gvt_out_t out = { .api_id = API_TALLY };
    gvt_reply_t r = { 0 };
    gvt_stats_t s;
    tpeer_t tp;
    int bad = 0;

    tpeer_client_batch_us = 200;
    tpeer_client_batch_always = 1;
    CU_ASSERT_EQUAL_FATAL(tpeer_start(&tp, tls, handler, NULL, 60000), 0);
    tpeer_client_batch_us = 0;
    tpeer_client_batch_always = 0;
    for (int i = 0; i < 8; i++) {
        t[i] = (tally_thr_t){ tp.conn, i, 0, 0 };
        pthread_create(&th[i], NULL, thread_tally, &t[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        bad += t[i].bad;
        want += t[i].sent;
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(gvt_call(tp.conn, &out, &r), GVC_OK);
    CU_ASSERT_EQUAL((uint64_t)r.result, want);
    gvt_conn_stats(tp.conn, &s);
    CU_ASSERT(s.batches_out > 0);
    CU_ASSERT_EQUAL(tpeer_stop(&tp), 0);
}

static void test_batched_threads_tcp(void) { batched_threads("tcp"); }
static void test_batched_threads_shm(void) { batched_threads("sm,self"); }

static void test_reply_parts_land_at_offsets(void)
{
    uint64_t n = (8 << 20) + 13;
    uint8_t *dst = malloc(n);
    tpeer_t tp;
    gvt_out_t out = { .api_id = API_PARTS, .args = &n, .args_len = sizeof(n) };
    gvt_reply_t r = { .data = dst, .data_cap = n };
    int bad = 0;

    CU_ASSERT_EQUAL_FATAL(tpeer_start(&tp, "tcp", handler, NULL, 60000), 0);
    memset(dst, 0, n);
    CU_ASSERT_EQUAL(gvt_call(tp.conn, &out, &r), GVC_OK);
    CU_ASSERT_EQUAL(r.data_len, n);
    for (uint64_t i = 0; i < n; i++) {
        bad += dst[i] != (uint8_t)(i * 7);
    }
    CU_ASSERT_EQUAL(bad, 0);
    free(dst);
    CU_ASSERT_EQUAL(tpeer_stop(&tp), 0);
}

static int detached_done;
static void on_detached(gvt_conn_t *c, uint64_t id, gvc_status_t st,
                        int64_t result, void *arg)
{
    (void)c;
    (void)id;
    (void)arg;
    if (st == GVC_OK && result == 4 << 20) {
        detached_done++;
    }
}

/* A detached call's data has landed once a later sync call returns. */
static void test_detached_reply_lands_before_later_reply(void)
{
    size_t n = 4 << 20;
    uint8_t *src = malloc(n), *dst = malloc(n);
    tpeer_t tp;
    int rc;

    tpeer_client_detached_cb = on_detached;
    rc = tpeer_start(&tp, "tcp", handler, NULL, 60000);
    tpeer_client_detached_cb = NULL;
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    fill(src, n, 3);
    memset(dst, 0, n);
    for (int k = 0; k < 3; k++) {
        gvt_out_t out = { .api_id = API_ECHO, .data = src, .data_len = n };
        CU_ASSERT_EQUAL(gvt_call_detached(tp.conn, &out, dst, n, NULL),
                        GVC_OK);
    }
    {
        gvt_out_t out = { .api_id = API_COUNT };
        gvt_reply_t r = { 0 };
        CU_ASSERT_EQUAL(gvt_call(tp.conn, &out, &r), GVC_OK);
    }
    CU_ASSERT_EQUAL(detached_done, 3);
    CU_ASSERT_EQUAL(memcmp(src, dst, n), 0);
    free(src);
    free(dst);
    CU_ASSERT_EQUAL(tpeer_stop(&tp), 0);
}

/*
 * Small calls travel with 16-byte short headers (a request with 8 bytes
 * of arguments is 24 bytes: one cache line with UCX's headers over shared
 * memory), and a reply whose result needs 64 bits with a full one; both
 * arrive intact.  GVIRTUS_SHORT_HEADERS=0 sends full headers only.
 */
static void short_headers(int on)
{
    static const int64_t results[] = { 0, -1, 700, INT32_MAX, INT32_MIN,
                                       (int64_t)INT32_MAX + 1, INT64_MIN };
    size_t hdr = on ? GVC_WIRE_SHORT_SIZE : GVC_WIRE_HDR_SIZE;
    gvt_stats_t s0, s1;
    tpeer_t tp;

    if (!on) {
        setenv("GVIRTUS_SHORT_HEADERS", "0", 1); /* both processes */
    }
    CU_ASSERT_EQUAL_FATAL(tpeer_start(&tp, "sm,self", handler, NULL, 60000),
                          0);
    unsetenv("GVIRTUS_SHORT_HEADERS");
    for (size_t i = 0; i < sizeof(results) / sizeof(results[0]); i++) {
        int64_t arg = results[i], back = 0;
        int fits = arg >= INT32_MIN && arg <= INT32_MAX;
        gvt_out_t out = { .api_id = API_RESULT, .args = &arg,
                          .args_len = sizeof(arg) };
        gvt_reply_t r = { .args = &back, .args_cap = sizeof(back) };

        gvt_conn_stats(tp.conn, &s0);
        CU_ASSERT_EQUAL(gvt_call(tp.conn, &out, &r), GVC_OK);
        gvt_conn_stats(tp.conn, &s1);
        CU_ASSERT_EQUAL(r.result, arg);
        CU_ASSERT_EQUAL(back, arg);
        CU_ASSERT_EQUAL(s1.bytes_out - s0.bytes_out, hdr + sizeof(arg));
        CU_ASSERT_EQUAL(s1.bytes_in - s0.bytes_in,
                        (fits ? hdr : GVC_WIRE_HDR_SIZE) + sizeof(arg));
    }
    CU_ASSERT_EQUAL(tpeer_stop(&tp), 0);
}

static void test_small_calls_use_short_headers(void) { short_headers(1); }
static void test_short_headers_can_be_off(void) { short_headers(0); }

/* Arguments larger than the UCX header limit travel with the data. */
static void test_large_args_travel_in_data(void)
{
    size_t alen = 40000, dlen = 100000;
    uint8_t *args = malloc(alen), *aback = malloc(alen);
    uint8_t *src = malloc(dlen), *dst = malloc(dlen);
    tpeer_t tp;

    CU_ASSERT_EQUAL_FATAL(tpeer_start(&tp, "tcp", handler, NULL, 60000), 0);
    fill(args, alen, 9);
    fill(src, dlen, 10);
    for (int with_data = 0; with_data < 2; with_data++) {
        gvt_out_t out = { .api_id = API_ECHO, .args = args,
                          .args_len = alen, .data = src,
                          .data_len = with_data ? dlen : 0 };
        gvt_reply_t r = { .args = aback, .args_cap = alen, .data = dst,
                          .data_cap = dlen };
        memset(aback, 0, alen);
        CU_ASSERT_EQUAL(gvt_call(tp.conn, &out, &r), GVC_OK);
        CU_ASSERT_EQUAL(r.args_len, alen);
        CU_ASSERT_EQUAL(memcmp(args, aback, alen), 0);
        if (with_data) {
            CU_ASSERT_EQUAL(memcmp(src, dst, dlen), 0);
        }
    }
    free(args);
    free(aback);
    free(src);
    free(dst);
    CU_ASSERT_EQUAL(tpeer_stop(&tp), 0);
}

/* A reply bigger than the buffer the caller gave fails the call (and the
 * connection) instead of overrunning memory. */
static void test_reply_larger_than_buffer_is_refused(void)
{
    uint8_t src[4096], dst[100];
    tpeer_t tp;
    gvt_out_t out = { .api_id = API_ECHO, .data = src, .data_len = 4096 };
    gvt_reply_t r = { .data = dst, .data_cap = sizeof(dst) };

    CU_ASSERT_EQUAL_FATAL(tpeer_start(&tp, "tcp", handler, NULL, 5000), 0);
    memset(src, 1, sizeof(src));
    CU_ASSERT_EQUAL(gvt_call(tp.conn, &out, &r), GVC_ERR_PROTO);
    CU_ASSERT_EQUAL(gvt_conn_status(tp.conn), GVC_ERR_PROTO);
    tpeer_stop(&tp);
}

typedef struct thr {
    gvt_conn_t *conn;
    int id;
    int bad;
} thr_t;

static void *thread_calls(void *arg)
{
    thr_t *t = arg;
    uint8_t src[3000], dst[3000];

    for (int i = 0; i < 1000; i++) {
        uint32_t tag = (uint32_t)(t->id << 16 | i), back = 0;
        size_t n = (size_t)(i * 7 + t->id) % sizeof(src);
        gvt_out_t out = { .api_id = API_ECHO, .args = &tag,
                          .args_len = sizeof(tag), .data = src,
                          .data_len = n };
        gvt_reply_t r = { .args = &back, .args_cap = sizeof(back),
                          .data = dst, .data_cap = sizeof(dst) };
        memset(src, (int)tag, n);
        if (gvt_call(t->conn, &out, &r) != GVC_OK || back != tag ||
            r.data_len != n || memcmp(src, dst, n) != 0) {
            t->bad++;
        }
    }
    return NULL;
}

static void test_many_threads_share_a_connection(void)
{
    pthread_t th[8];
    thr_t t[8];
    tpeer_t tp;
    int bad = 0;

    CU_ASSERT_EQUAL_FATAL(tpeer_start(&tp, "sm,self", handler, NULL, 60000),
                          0);
    for (int i = 0; i < 8; i++) {
        t[i] = (thr_t){ tp.conn, i, 0 };
        pthread_create(&th[i], NULL, thread_calls, &t[i]);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        bad += t[i].bad;
    }
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(tpeer_stop(&tp), 0);
}

/* 1 GiB payload over TCP, from registered memory; the server checksums. */
static void test_one_gib_payload(void)
{
    size_t n = (size_t)1 << 30;
    gvt_memh_t *mh;
    void *buf;
    tpeer_t tp;
    gvt_out_t out = { .api_id = API_SUM, .data_len = n };
    gvt_reply_t r = { 0 };

    CU_ASSERT_EQUAL_FATAL(tpeer_start(&tp, "tcp", handler, NULL, 120000), 0);
    CU_ASSERT_EQUAL_FATAL(gvt_mem_alloc(tp.ctx, n, &buf, &mh), GVC_OK);
    fill(buf, n, 77);
    out.data = buf;
    out.memh = mh;
    CU_ASSERT_EQUAL(gvt_call(tp.conn, &out, &r), GVC_OK);
    CU_ASSERT_EQUAL((uint64_t)r.result, sum_bytes(buf, n));
    gvt_mem_free(mh);
    CU_ASSERT_EQUAL(tpeer_stop(&tp), 0);
}

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The server dies mid-call: the call fails with PEER_DOWN, fast. */
static void test_peer_killed_fails_pending_call(void)
{
    tpeer_t tp;
    gvt_out_t out = { .api_id = API_SLEEP };
    gvt_reply_t r = { 0 };
    double t0;
    pid_t pid;

    CU_ASSERT_EQUAL_FATAL(tpeer_start(&tp, "tcp", handler, NULL, 0), 0);
    pid = tp.pid;
    if (fork() == 0) {
        usleep(200000);
        kill(pid, SIGKILL);
        _exit(0);
    }
    t0 = now_s();
    CU_ASSERT_EQUAL(gvt_call(tp.conn, &out, &r), GVC_ERR_PEER_DOWN);
    CU_ASSERT(now_s() - t0 < 5.0);
    /* Later calls fail at once. */
    t0 = now_s();
    CU_ASSERT_EQUAL(gvt_call(tp.conn, &out, &r), GVC_ERR_PEER_DOWN);
    CU_ASSERT(now_s() - t0 < 0.1);
    tpeer_stop(&tp);
}

/* The server stalls (SIGSTOP): the call times out and later calls fail. */
static void test_stalled_peer_times_out(void)
{
    tpeer_t tp;
    gvt_out_t out = { .api_id = API_ECHO };
    gvt_reply_t r = { 0 };
    double t0;

    CU_ASSERT_EQUAL_FATAL(tpeer_start(&tp, "tcp", handler, NULL, 500), 0);
    CU_ASSERT_EQUAL(gvt_call(tp.conn, &out, &r), GVC_OK);
    kill(tp.pid, SIGSTOP);
    t0 = now_s();
    CU_ASSERT_EQUAL(gvt_call(tp.conn, &out, &r), GVC_ERR_TIMEOUT);
    CU_ASSERT(now_s() - t0 >= 0.45 && now_s() - t0 < 3.0);
    CU_ASSERT_EQUAL(gvt_call(tp.conn, &out, &r), GVC_ERR_TIMEOUT);
    kill(tp.pid, SIGKILL);
    kill(tp.pid, SIGCONT);
    tpeer_stop(&tp);
}

static void test_bad_arguments_rejected(void)
{
    tpeer_t tp;
    gvt_out_t out = { .api_id = API_ECHO, .args_len = 10 }; /* args NULL */
    gvt_out_t ow = { .api_id = API_ECHO, .flags = GVC_WF_ONEWAY };
    gvt_reply_t r = { 0 };

    CU_ASSERT_EQUAL_FATAL(tpeer_start(&tp, "tcp", handler, NULL, 5000), 0);
    CU_ASSERT_EQUAL(gvt_call(tp.conn, &out, &r), GVC_ERR_INVALID);
    CU_ASSERT_EQUAL(gvt_call(tp.conn, &ow, &r), GVC_ERR_INVALID);
    out.args_len = 0;
    CU_ASSERT_EQUAL(gvt_call(tp.conn, &out, &r), GVC_OK);
    CU_ASSERT_EQUAL(tpeer_stop(&tp), 0);
}

static const gvtest_case_t cases[] = {
    { "echo_all_sizes_tcp", test_echo_all_sizes_tcp },
    { "echo_all_sizes_shm", test_echo_all_sizes_shm },
    { "oneway_and_sync_in_order_tcp", test_oneway_and_sync_in_order_tcp },
    { "oneway_and_sync_in_order_shm", test_oneway_and_sync_in_order_shm },
    { "in_order_with_second_poller_tcp",
      test_in_order_with_second_poller_tcp },
    { "in_order_with_second_poller_shm",
      test_in_order_with_second_poller_shm },
    { "batched_in_order_tcp", test_batched_in_order_tcp },
    { "batched_in_order_shm", test_batched_in_order_shm },
    { "batch_flushed_when_quiet_and_by_calls",
      test_batch_flushed_when_quiet_and_by_calls },
    { "tcp_sends_start_batching", test_tcp_sends_start_batching },
    { "batched_threads_tcp", test_batched_threads_tcp },
    { "batched_threads_shm", test_batched_threads_shm },
    { "reply_parts_land_at_offsets", test_reply_parts_land_at_offsets },
    { "detached_reply_lands_before_later_reply",
      test_detached_reply_lands_before_later_reply },
    { "small_calls_use_short_headers", test_small_calls_use_short_headers },
    { "short_headers_can_be_off", test_short_headers_can_be_off },
    { "large_args_travel_in_data", test_large_args_travel_in_data },
    { "reply_larger_than_buffer_is_refused",
      test_reply_larger_than_buffer_is_refused },
    { "many_threads_share_a_connection",
      test_many_threads_share_a_connection },
    { "one_gib_payload", test_one_gib_payload },
    { "peer_killed_fails_pending_call", test_peer_killed_fails_pending_call },
    { "stalled_peer_times_out", test_stalled_peer_times_out },
    { "bad_arguments_rejected", test_bad_arguments_rejected },
    { NULL, NULL }
};

int main(int argc, char **argv)
{
    static const gvtest_suite_t suites[] = {
        { "transport", NULL, NULL, cases },
        { NULL, NULL, NULL, NULL }
    };

    gvc_log_init("test", GVC_LOG_ERROR);
    signal(SIGPIPE, SIG_IGN);
    return gvtest_main(argc, argv, suites);
}
