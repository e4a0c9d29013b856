/*
 * bench_rawam.c - the raw UCX ceiling at our message sizes: an
 * active-message ping-pong between two processes, each side reading the
 * message it gets, as any RPC must.
 *
 * ucx_perftest's ucp_am_lat sends 8 bytes that the receiver never reads.
 * Our smallest call is a 24-byte request (16-byte short header, 8 bytes
 * of arguments) answered by a 16-byte reply, both read in full; on hosts
 * where a cache line costs a lot to move between cores, the size alone
 * is a large part of the round trip (over shared memory on the H100/H200
 * hosts: ~1.1 us up to 24 bytes each way, 1.3-1.6 us from 32 bytes on).
 * This loop measures it, so the benchmark can tell the transport's
 * overhead from the cost of the bytes.
 *
 * Usage: bench_rawam REQ_BYTES REPLY_BYTES ITERS [CPU_A CPU_B]
 * Prints "RAWAM req reply rtt_us" (median-free: total time / iters, as
 * ucx_perftest reports).  The peer runs on CPU_A, this process on CPU_B.
 * BENCH_RAWAM_BW=MiB measures a bandwidth stream instead (bw_run).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <ucp/api/ucp.h>
#include <unistd.h>

#define AM_ID  1
#define WARMUP 2000

static volatile unsigned long got;
static volatile unsigned sink;

/* Bandwidth mode (BENCH_RAWAM_BW=MiB): rendezvous payloads land here. */
static ucp_worker_h bw_worker;
static void *bw_sink;
static size_t bw_len;

static void bw_recv_done(void *req, ucs_status_t st, size_t len, void *arg)
{
    (void)st;
    (void)len;
    (void)arg;
    got++;
    ucp_request_free(req);
}

/* Read every byte of the message, as a real handler decodes it. */
static ucs_status_t am_cb(void *arg, const void *header, size_t hlen,
                          void *data, size_t len,
                          const ucp_am_recv_param_t *param)
{
    const unsigned char *p = header;
    unsigned s = 0;

    if (bw_sink != NULL && len == bw_len) {
        ucp_request_param_t rp = {
            .op_attr_mask = UCP_OP_ATTR_FIELD_CALLBACK |
                            UCP_OP_ATTR_FLAG_MULTI_SEND,
            .cb.recv_am = bw_recv_done,
        };
        ucs_status_ptr_t sp;

        if (!(param->recv_attr & UCP_AM_RECV_ATTR_FLAG_RNDV)) {
            memcpy(bw_sink, data, len);
            got++;
            return UCS_OK;
        }
        sp = ucp_am_recv_data_nbx(bw_worker, data, bw_sink, len, &rp);
        if (!UCS_PTR_IS_PTR(sp)) {
            got++;
        }
        return UCS_OK;
    }

    (void)arg;
    for (size_t i = 0; i < hlen; i++) {
        s += p[i];
    }
    p = data;
    if (!(param->recv_attr & UCP_AM_RECV_ATTR_FLAG_RNDV)) {
        for (size_t i = 0; i < len; i++) {
            s += p[i];
        }
    }
    sink += s;
    got++;
    return UCS_OK;
}

static double now_us(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static void pin(int cpu)
{
    cpu_set_t set;

    if (cpu < 0) {
        return;
    }
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    sched_setaffinity(0, sizeof(set), &set);
}

static int xfer(int fd, void *buf, size_t n, int out)
{
    char *p = buf;

    while (n > 0) {
        ssize_t r = out ? write(fd, p, n) : read(fd, p, n);
        if (r <= 0) {
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* BENCH_RAWAM_SPLIT=n: the first n bytes (at most) go as the UCX
 * active-message header, the rest as its data (default: all header, as
 * our transport sends a call without bulk data). */
static size_t split = (size_t)-1;

static void send_wait(ucp_worker_h w, ucp_ep_h ep, const unsigned char *buf,
                      size_t n)
{
    ucp_request_param_t rp = { .op_attr_mask = 0 };
    size_t h = n < split ? n : split;
    ucs_status_ptr_t sp = ucp_am_send_nbx(ep, AM_ID, buf, h, buf + h, n - h,
                                          &rp);

    if (UCS_PTR_IS_PTR(sp)) {
        while (ucp_request_check_status(sp) == UCS_INPROGRESS) {
            ucp_worker_progress(w);
        }
        ucp_request_free(sp);
    }
}

static void bw_sent(void *req, ucs_status_t st, void *arg)
{
    (void)st;
    (*(int *)arg)--;
    ucp_request_free(req);
}

/*
 * BENCH_RAWAM_BW=MiB: the raw UCX ceiling for our bandwidth stream.  The
 * client streams ITERS payloads of MiB mebibytes (a 48-byte header each,
 * at most 16 unfinished, as bench_transport does), the server takes each
 * into one buffer (ucp_am_recv_data_nbx, as ucx_perftest's ucp_am_bw
 * does, with its flags: whole messages, multi-send) and answers the
 * last; the clock stops at that answer, as ours does.  Two rounds, the
 * first a warm-up.  Prints "RAWBW MiB MB/s".  BENCH_ZERO_SRC=1 leaves the
 * source unwritten, as ucx_perftest does (see bench_transport.c): over
 * loopback TCP that alone makes this loop 10-15 % faster.
 */
static int bw_run(ucp_worker_h w, ucp_ep_h e, int server, int iters)
{
    static unsigned char hdr[48];
    void *src = NULL;
    double t0 = 0;

    if (server) {
        bw_sink = calloc(1, bw_len);
    } else {
        src = malloc(bw_len);
    }
    if ((server ? bw_sink : src) == NULL) {
        return 1;
    }
    if (src != NULL && getenv("BENCH_ZERO_SRC") == NULL) {
        memset(src, 1, bw_len); /* else the zero page, as ucx_perftest */
    }
    for (int round = 0; round < 2; round++) {
        unsigned long want = (unsigned long)iters * (round + 1);

        t0 = now_us();
        if (server) {
            while (got < want) {
                ucp_worker_progress(w);
            }
            send_wait(w, e, hdr, 8); /* the answer */
            continue;
        }
        for (int k = 0; k < iters; k++) {
            static int inflight;
            ucp_request_param_t rp = {
                .op_attr_mask = UCP_OP_ATTR_FIELD_CALLBACK |
                                UCP_OP_ATTR_FIELD_USER_DATA |
                                UCP_OP_ATTR_FLAG_MULTI_SEND,
                .cb.send = bw_sent,
                .user_data = &inflight,
            };
            ucs_status_ptr_t sp;

            while (inflight >= 16) {
                ucp_worker_progress(w);
            }
            sp = ucp_am_send_nbx(e, AM_ID, hdr, sizeof(hdr), src, bw_len,
                                 &rp);
            if (UCS_PTR_IS_PTR(sp)) {
                inflight++;
            }
        }
        while (got < (unsigned long)round + 1) {
            ucp_worker_progress(w);
        }
    }
    if (!server) {
        printf("RAWBW %zu %.0f\n", bw_len >> 20,
               (double)bw_len * iters / (now_us() - t0));
        fflush(stdout);
    }
    free(src); /* the server's sink stays: UCX may still own it */
    return 0;
}

/* The ping-pong: REQ bytes out, REPLY bytes back, ITERS times. */
static int lat_run(ucp_worker_h w, ucp_ep_h e, int server, size_t req,
                   size_t rep, int iters)
{
    static unsigned char buf[4096];
    double t0 = 0;

    if (req > sizeof(buf) || rep > sizeof(buf)) {
        return 2;
    }
    memset(buf, 7, sizeof(buf));
    for (long i = -WARMUP; i < iters; i++) {
        if (i == 0) {
            t0 = now_us();
        }
        if (!server) {
            send_wait(w, e, buf, req);
        }
        while (got <= (unsigned long)(i + WARMUP)) {
            ucp_worker_progress(w);
        }
        if (server) {
            send_wait(w, e, buf, rep);
        }
    }
    if (!server) {
        printf("RAWAM %zu %zu %.3f\n", req, rep, (now_us() - t0) / iters);
        fflush(stdout);
    }
    return 0;
}

int main(int argc, char **argv)
{
    ucp_params_t pp = { .field_mask = UCP_PARAM_FIELD_FEATURES,
                        .features = UCP_FEATURE_AM };
    ucp_worker_params_t wp = {
        .field_mask = UCP_WORKER_PARAM_FIELD_THREAD_MODE,
        .thread_mode = UCS_THREAD_MODE_SINGLE,
    };
    ucp_am_handler_param_t hp = {
        .field_mask = UCP_AM_HANDLER_PARAM_FIELD_ID |
                      UCP_AM_HANDLER_PARAM_FIELD_CB |
                      UCP_AM_HANDLER_PARAM_FIELD_FLAGS,
        .id = AM_ID,
        .cb = am_cb,
        .flags = UCP_AM_FLAG_WHOLE_MSG,
    };
    ucp_ep_params_t ep = { .field_mask = UCP_EP_PARAM_FIELD_REMOTE_ADDRESS };
    size_t req, rep, alen, plen;
    ucp_address_t *addr;
    ucp_context_h ctx;
    ucp_config_t *cfg;
    ucp_worker_h w;
    ucp_ep_h e;
    void *peer;
    int sv[2], fd, server, iters, status, rc;
    pid_t pid;
    char c = 0;

    if (argc < 4) {
        fprintf(stderr, "usage: %s REQ_BYTES REPLY_BYTES ITERS "
                "[CPU_A CPU_B]\n", argv[0]);
        return 2;
    }
    req = (size_t)atol(argv[1]);
    rep = (size_t)atol(argv[2]);
    iters = atoi(argv[3]);
    if (getenv("BENCH_RAWAM_SPLIT") != NULL) {
        split = (size_t)atol(getenv("BENCH_RAWAM_SPLIT"));
    }
    if (getenv("BENCH_RAWAM_BW") != NULL) {
        bw_len = (size_t)atol(getenv("BENCH_RAWAM_BW")) << 20;
    }
    /* Our transport's UCX settings, one at a time. */
    if (getenv("BENCH_RAWAM_WAKEUP") != NULL) {
        pp.features |= UCP_FEATURE_WAKEUP;
    }
    if (getenv("BENCH_RAWAM_MT") != NULL) {
        pp.field_mask |= UCP_PARAM_FIELD_MT_WORKERS_SHARED;
        pp.mt_workers_shared = 1;
        wp.thread_mode = UCS_THREAD_MODE_SERIALIZED;
    }
    if (req > 4096 || rep > 4096 || iters <= 0 ||
        socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0) {
        fprintf(stderr, "bench_rawam: bad arguments\n");
        return 2;
    }
    pid = fork();
    if (pid < 0) {
        return 1;
    }
    server = pid == 0;
    pin(argc > 5 ? atoi(argv[server ? 4 : 5]) : -1);
    fd = server ? sv[1] : sv[0];
    if (ucp_config_read(NULL, NULL, &cfg) != UCS_OK ||
        ucp_init(&pp, cfg, &ctx) != UCS_OK) {
        return 1;
    }
    ucp_config_release(cfg);
    if (ucp_worker_create(ctx, &wp, &w) != UCS_OK ||
        ucp_worker_set_am_recv_handler(w, &hp) != UCS_OK ||
        ucp_worker_get_address(w, &addr, &alen) != UCS_OK) {
        return 1;
    }
    if (xfer(fd, &alen, sizeof(alen), 1) != 0 ||
        xfer(fd, addr, alen, 1) != 0 ||
        xfer(fd, &plen, sizeof(plen), 0) != 0 ||
        (peer = malloc(plen)) == NULL || xfer(fd, peer, plen, 0) != 0) {
        return 1;
    }
    ucp_worker_release_address(w, addr);
    bw_worker = w;
    ep.address = peer;
    if (ucp_ep_create(w, &ep, &e) != UCS_OK) {
        return 1;
    }
    rc = bw_len > 0 ? bw_run(w, e, server, iters)
                    : lat_run(w, e, server, req, rep, iters);
    /* Both sides are done before either endpoint goes. */
    if (xfer(fd, &c, 1, 1) != 0 || xfer(fd, &c, 1, 0) != 0) {
        return 1;
    }
    if (server) {
        _exit(rc); /* UCX objects go with the process */
    }
    waitpid(pid, &status, 0);
    return rc;
}
