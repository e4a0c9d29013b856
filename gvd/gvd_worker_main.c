/*
 * gvd_worker_main.c - gvd-worker: one process per client (or a probe).
 *
 *   gvd-worker probe   print the GPUs ("GPU idx uuid mem sms cc pci name")
 *   gvd-worker serve   serve the client whose control socket is fd 3
 *
 * gvd starts it with the effective configuration and the client's HELLO
 * on fd 4 (gvd_spawn.h), and the page its live counters go to on fd 5
 * (gvd_counters.h).  The worker loads the real CUDA runtime (or the
 * simulator), opens its own UCX worker, answers WELCOME with its address,
 * and serves until the client disconnects: then it exits and the driver
 * frees every GPU resource the client held.
 */
#include "config.h"

#include "gvd_client.h"
#include "gvd_hand.h"
#include "gvd_spawn.h"
#include "gvc_ctl.h"
#include "gvc_log.h"
#include "gvc_proto.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t g_term;

static void on_term(int sig)
{
    (void)sig;
    g_term = 1;
}

static int probe(const gvd_config_t *cfg)
{
    gvd_backend_t *be;
    char err[512], uuid[48], pci[32];
    int n = 0;

    if (gvd_backend_open(cfg, &be, err, sizeof(err)) != GVC_OK) {
        printf("ERROR %s\n", err);
        return 0;
    }
    if (be->rt.cudaGetDeviceCount == NULL ||
        be->rt.cudaGetDeviceCount(&n) != cudaSuccess) {
        cudaError_t e = be->rt.cudaGetDeviceCount
                            ? be->rt.cudaGetDeviceCount(&n) : cudaErrorUnknown;
        printf("ERROR %s (%s)\n", be->rt.cudaGetErrorString
                   ? be->rt.cudaGetErrorString(e) : "no runtime",
               be->rt.cudaGetErrorName ? be->rt.cudaGetErrorName(e) : "?");
        n = 0;
    }
    for (int i = 0; i < n; i++) {
        struct cudaDeviceProp p;
        if (be->rt.cudaGetDeviceProperties(&p, i) != cudaSuccess) {
            continue;
        }
        for (int k = 0; k < 16; k++) {
            snprintf(uuid + 2 * k, 3, "%02x", (unsigned char)p.uuid.bytes[k]);
        }
        snprintf(pci, sizeof(pci), "%04x:%02x:%02x.0", p.pciDomainID,
                 p.pciBusID, p.pciDeviceID);
        printf("GPU %d GPU-%s %zu %d %d.%d %s %s\n", i, uuid,
               p.totalGlobalMem, p.multiProcessorCount, p.major, p.minor,
               pci, p.name);
    }
    fflush(stdout);
    gvd_backend_close(be);
    return 0;
}

static void refuse(int fd, gvc_status_t st, const char *msg)
{
    gvc_error("%s", msg);
    gvc_ctl_send(fd, GVC_CTL_REFUSE, 0, st, msg, strlen(msg) + 1);
}

/* Handshake done on gvd's side: set up UCX and CUDA, answer WELCOME. */
static int serve(gvd_config_t *cfg, const void *hello_buf, size_t len,
                 gvd_counters_t *ctr)
{
    gvt_conn_params_t cp = { .name = "worker" };
    gvd_client_t cl = { .cfg = cfg, .ctl_fd = GVD_CTL_FD };
    uint8_t wbuf[GVC_PROTO_MAX_ADDR + 512];
    char ctx[160];
    gvc_welcome_t w = { 0 };
    gvc_hello_t h;
    void *addr = NULL;
    char err[512];
    size_t alen, wlen;
    int rc = 1;

    if (gvc_hello_unpack(hello_buf, len, &h) != GVC_OK) {
        refuse(cl.ctl_fd, GVC_ERR_PROTO, "worker got a malformed HELLO");
        return 1;
    }
    cl.client_pid = h.pid;
    cl.ctr = ctr;
    snprintf(cl.name, sizeof(cl.name), "%u@%s", h.pid, h.client_host);
    /* The client number gvd logs too, and the job, on every line. */
    snprintf(ctx, sizeof(ctx), "client %u %s%s%s", ctr->client_id, cl.name,
             h.job_id[0] ? " job " : "", h.job_id);
    gvc_log_set_context(ctx);
    if (gvd_backend_open(cfg, &cl.be, err, sizeof(err)) != GVC_OK) {
        refuse(cl.ctl_fd, GVC_ERR_NO_DEVICE, err);
        return 1;
    }
    cp.recv_cb = gvd_client_recv;
    cp.data_cb = gvd_staging_data_cb;
    cp.urgent_cb = gvd_client_urgent;
    cp.arg = &cl;
    if (gvt_ctx_create("gvd-worker", &cl.ctx) != GVC_OK ||
        gvt_conn_create(cl.ctx, &cp, &cl.conn) != GVC_OK ||
        gvt_conn_address(cl.conn, &addr, &alen) != GVC_OK) {
        refuse(cl.ctl_fd, GVC_ERR_TRANSPORT, "worker cannot start UCX");
        goto out;
    }
    for (int i = 0; i < GVD_H_MAX; i++) {
        gvc_ptrset_init(&cl.handles[i]);
    }
    gvc_rangeset_init(&cl.mem);
    /* Create the CUDA context now, so the client's first call does not
     * pay for it.  Failure is not fatal here: each call will return the
     * real CUDA error (no driver, no device). */
    if (cl.be->rt.cudaSetDevice != NULL &&
        cl.be->rt.cudaSetDevice(0) == cudaSuccess &&
        cl.be->rt.cudaFree != NULL) {
        cl.be->rt.cudaFree(NULL);
    }
    gvd_staging_init(&cl);
    if (gvd_stdout_start() != 0) {
        gvc_warn("cannot capture stdout: device printf output is lost");
    }
    if (gvt_conn_connect(cl.conn, h.ucx_addr, h.ucx_addr_len) != GVC_OK) {
        refuse(cl.ctl_fd, GVC_ERR_TRANSPORT,
               "worker cannot reach the client's UCX address");
        goto out;
    }
    gvt_conn_set_liveness_fd(cl.conn, cl.ctl_fd);
    w.ucx_addr = addr;
    w.ucx_addr_len = alen;
    w.worker_pid = (uint32_t)getpid();
    w.gpu = h.gpu;
    w.version = PACKAGE_VERSION;
    w.device = cl.be->sim ? "sim" : "cuda";
    w.chunk = cfg->staging_chunk;
    w.chunks = (uint32_t)cfg->staging_count;
    if (gvc_welcome_pack(&w, wbuf, sizeof(wbuf), &wlen) != GVC_OK ||
        gvc_ctl_send(cl.ctl_fd, GVC_CTL_WELCOME, 0, 0, wbuf, wlen) !=
            GVC_OK) {
        gvc_error("cannot answer the client's handshake");
        goto out;
    }
    gvc_debug("serving GPU %d with %s", h.gpu, cl.be->path);
    rc = gvd_client_serve(&cl);
out:
    if (cl.conn != NULL && gvt_conn_status(cl.conn) == GVC_OK) {
        gvd_stdout_flush(&cl, 0);
    }
    gvd_peer_fini(&cl); /* its sends use the staging slots */
    gvd_hostfn_fini(&cl);
    gvd_notify_fini(&cl);
    gvd_fd_fini();
    gvd_solver_fini(&cl);
    gvd_fft_fini(&cl);
    gvd_dnn_fini(&cl);
    gvd_rand_fini(&cl);
    gvd_rtc_fini(&cl);
    gvd_sparse_fini(&cl);
    gvd_blas_fini(&cl);
    gvd_kernels_fini(&cl);
    gvd_staging_fini(&cl);
    if (cl.conn != NULL) {
        gvt_conn_destroy(cl.conn);
    }
    if (cl.ctx != NULL) {
        gvt_ctx_destroy(cl.ctx);
    }
    for (int i = 0; i < GVD_H_MAX; i++) {
        gvc_ptrset_fini(&cl.handles[i]);
    }
    gvc_rangeset_fini(&cl.mem);
    free(addr);
    gvd_backend_close(cl.be);
    return rc;
}

int gvd_client_serve(gvd_client_t *cl)
{
    gvt_conn_t *conns[GVT_SERVE_MAX];
    char b;

    while (!cl->stop && !g_term) {
        int busy = gvd_d2h_progress(cl);
        /* The client, and the other workers it linked us with. */
        int n = 1 + gvd_peer_conns(cl, conns + 1, GVT_SERVE_MAX - 1);
        conns[0] = cl->conn;
        if (gvt_conns_serve(conns, n, cl->ctl_fd, cl->cfg->spin_us,
                            busy ? 1 : 1000) &&
            recv(cl->ctl_fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) <= 0) {
            gvc_info("client left (%llu calls, %llu errors)",
                     (unsigned long long)gvd_ctr_get(cl->ctr, GVC_CTR_CALLS),
                     (unsigned long long)gvd_ctr_get(cl->ctr,
                                                     GVC_CTR_ERRORS));
            gvd_stats_log();
            return 0;
        }
        if (gvt_conn_status(cl->conn) != GVC_OK) {
            gvc_warn("connection to the client failed: %s",
                     gvc_status_str(gvt_conn_status(cl->conn)));
            return 0;
        }
    }
    gvc_info("stopping on request");
    return 0;
}

int main(int argc, char **argv)
{
    struct sigaction sa = { .sa_handler = on_term };
    char *text = NULL, err[512];
    void *hello = NULL;
    size_t hlen = 0;
    gvd_counters_t *ctr = NULL;
    gvd_config_t cfg;
    int rc;

    gvc_log_init("gvd-worker", GVC_LOG_INFO);
    if (argc != 2 || (strcmp(argv[1], "probe") != 0 &&
                      strcmp(argv[1], "serve") != 0)) {
        fprintf(stderr, "gvd-worker is started by gvd, not by hand\n");
        return 2;
    }
    if (gvd_spawn_read_setup(GVD_SETUP_FD, &text, &hello, &hlen) != 0) {
        fprintf(stderr, "gvd-worker: no setup from gvd on fd %d\n",
                GVD_SETUP_FD);
        return 2;
    }
    close(GVD_SETUP_FD);
    /* Before anything else opens files: fd 5 must still be gvd's page. */
    if (strcmp(argv[1], "serve") == 0) {
        ctr = gvd_counters_attach(GVD_COUNTERS_FD);
    }
    if (gvd_config_load_text(&cfg, text, err, sizeof(err)) != GVC_OK) {
        fprintf(stderr, "gvd-worker: %s\n", err);
        free(text);
        free(hello);
        return 2;
    }
    free(text);
    gvc_log_init("gvd-worker", cfg.log_level);
    gvd_log_target(&cfg);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    rc = strcmp(argv[1], "probe") == 0 ? probe(&cfg)
                                       : serve(&cfg, hello, hlen, ctr);
    free(hello);
    gvd_config_free(&cfg);
    return rc;
}
