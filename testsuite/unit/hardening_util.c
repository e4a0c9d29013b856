/*
 * hardening_util.c - see hardening_util.h.
 */
#include "config.h"

#include "hardening_util.h"
#include "gvtest.h"
#include "gvtest_gvd.h"
#include "gvc_ctl.h"
#include "gvc_log.h"
#include "gvt_int.h" /* GVT_AM_ID, for the raw UCX sender */
#include "gvx.h"
#include "gv_api_cudart.h"

#include <cuda_runtime_api.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <ucp/api/ucp.h>
#include <unistd.h>

double hnow(void)
{
    return gvtest_now();
}

int hfile_contains(const char *path, const char *needle)
{
    return gvtest_file_contains(path, needle);
}

/* The end of a log, for a failing test's output. */
static void hprint_tail(const char *path)
{
    char buf[2048];
    size_t n;
    FILE *fp = fopen(path, "r");

    if (fp == NULL) {
        return;
    }
    fseek(fp, 0, SEEK_END);
    if (ftell(fp) > (long)sizeof(buf) - 1) {
        fseek(fp, -(long)(sizeof(buf) - 1), SEEK_END);
    } else {
        fseek(fp, 0, SEEK_SET);
    }
    n = fread(buf, 1, sizeof(buf) - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    printf("\n      --- %s ---\n%s\n", path, buf);
}

/* ---- gvd on the simulated device ------------------------------------------ */


static pid_t hgvd_spawn(hgvd_t *g)
{
    char exe[512];
    pid_t pid;
    int fd;

    gvtest_builddir("gvd/gvd", exe, sizeof(exe));
    pid = fork();
    if (pid == 0) {
        fd = open(g->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        dup2(fd, 2);
        dup2(fd, 1);
        execl(exe, "gvd", "-c", g->ini, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* (Re)start gvd with g's configuration; wait until it accepts. */
/* How often gvd said it listens, in its log (restarts append). */
static int hgvd_listening(const hgvd_t *g)
{
    char line[1024];
    int n = 0;
    FILE *fp = fopen(g->log, "r");

    while (fp != NULL && fgets(line, sizeof(line), fp) != NULL) {
        n += strstr(line, " listening on ") != NULL;
    }
    if (fp != NULL) {
        fclose(fp);
    }
    return n;
}

int hgvd_run(hgvd_t *g)
{
    double t0 = hnow();
    int st, before = hgvd_listening(g);

    g->pid = hgvd_spawn(g);
    /* Ready when this gvd says so: a connect alone could reach another
     * process that took the port meanwhile. */
    while (hnow() - t0 < 10) {
        if (waitpid(g->pid, &st, WNOHANG) == g->pid) {
            g->pid = 0;
            hprint_tail(g->log);
            return -1;
        }
        if (hgvd_listening(g) > before) {
            return 0;
        }
        usleep(20000);
    }
    return -1;
}

int hgvd_start(hgvd_t *g, const char *extra)
{
    char sim[512];
    FILE *fp;

    memset(g, 0, sizeof(*g));
    g->dir = gvtest_mkdtemp();
    g->port = gvtest_free_port();
    snprintf(g->ini, sizeof(g->ini), "%s/gvd.ini", g->dir);
    snprintf(g->log, sizeof(g->log), "%s/gvd.log", g->dir);
    gvtest_builddir("gvd/.libs/libgvdsim.so", sim, sizeof(sim));
    fp = fopen(g->ini, "w");
    if (fp == NULL) {
        return -1;
    }
    fprintf(fp, "[gvd]\nlisten = 127.0.0.1\nport = %d\ndevice = sim\n"
            "sim_runtime = %s\ncache_dir = %s\nlog_level = info\n"
            "sim_memory = 1G\nspin_us = 50\nshutdown_timeout = 3s\n%s\n",
            g->port, sim, g->dir, extra ? extra : "");
    fclose(fp);
    return hgvd_run(g);
}

int hgvd_alive(const hgvd_t *g)
{
    return g->pid > 0 && waitpid(g->pid, NULL, WNOHANG) == 0;
}

/* SIGTERM, wait, remove the directory; gvd's exit status or -1. */
int hgvd_stop(hgvd_t *g)
{
    int rc = gvtest_gvd_halt(&g->pid);

    if (rc != 0) {
        hprint_tail(g->log);
    }
    gvtest_rmtree(g->dir);
    free(g->dir);
    g->dir = NULL;
    return rc;
}

/* gvd's children (its workers); pids into pids[0..max) if not NULL. */
int hgvd_workers(const hgvd_t *g, pid_t *pids, int max)
{
    return gvtest_children(g->pid, pids, max);
}

/* Wait up to secs for gvd to have n workers; the time it took, or -1. */
double hgvd_wait_workers(const hgvd_t *g, int n, double secs)
{
    double t0 = hnow();

    while (hnow() - t0 < secs) {
        if (hgvd_workers(g, NULL, 0) == n) {
            return hnow() - t0;
        }
        usleep(5000);
    }
    return -1;
}

/* ---- a raw client ---------------------------------------------------------- */


/* Shake hands with gvd on port as libgvirtus does.  0 or -1. */
int hcli_open(hcli_t *c, int port)
{
    gvt_conn_params_t cp = { .name = "hcli", .timeout_ms = 10000 };
    uint8_t buf[GVC_PROTO_MAX_ADDR + 2048];
    gvc_hello_t h = { 0 };
    gvc_welcome_t w;
    gvc_wire_hdr_t hdr;
    char err[256];
    void *addr = NULL;
    size_t alen, len;
    int rc = -1;

    memset(c, 0, sizeof(*c));
    c->ctl_fd = -1;
    if (gvc_ctl_connect("127.0.0.1", port, 5000, &c->ctl_fd, err,
                        sizeof(err)) != GVC_OK ||
        gvt_ctx_create("hcli", &c->ctx) != GVC_OK ||
        gvt_conn_create(c->ctx, &cp, &c->conn) != GVC_OK ||
        gvt_conn_address(c->conn, &addr, &alen) != GVC_OK) {
        goto out;
    }
    h.client_host = "localhost";
    h.pid = (uint32_t)getpid();
    h.uid = (uint32_t)getuid();
    h.job_id = "";
    h.credential = "";
    h.version = PACKAGE_VERSION;
    h.ucx_addr = addr;
    h.ucx_addr_len = alen;
    if (gvc_hello_pack(&h, buf, sizeof(buf), &len) != GVC_OK ||
        gvc_ctl_send(c->ctl_fd, GVC_CTL_HELLO, 0, 0, buf, len) != GVC_OK ||
        gvc_ctl_recv(c->ctl_fd, 10000, &hdr, buf, sizeof(buf), &len) !=
            GVC_OK ||
        hdr.api_id != GVC_CTL_WELCOME ||
        gvc_welcome_unpack(buf, len, &w) != GVC_OK ||
        w.ucx_addr_len > sizeof(c->waddr)) {
        goto out;
    }
    memcpy(c->waddr, w.ucx_addr, w.ucx_addr_len);
    c->waddr_len = w.ucx_addr_len;
    c->worker = (pid_t)w.worker_pid;
    if (gvt_conn_connect(c->conn, c->waddr, c->waddr_len) != GVC_OK) {
        goto out;
    }
    gvt_conn_set_liveness_fd(c->conn, c->ctl_fd);
    rc = 0;
out:
    free(addr);
    return rc;
}

void hcli_close(hcli_t *c)
{
    if (c->conn != NULL) {
        gvt_conn_destroy(c->conn);
    }
    if (c->ctx != NULL) {
        gvt_ctx_destroy(c->ctx);
    }
    if (c->ctl_fd >= 0) {
        close(c->ctl_fd);
    }
    memset(c, 0, sizeof(*c));
    c->ctl_fd = -1;
}

/*
 * Call api with args[0..alen) and data[0..dlen); reply data (if any)
 * lands in rdata[0..rcap).  Returns the API's result, or HFAIL when the
 * transport failed.
 */
int64_t hcall_raw(hcli_t *c, uint32_t api, const void *args,
                  size_t alen, const void *data, size_t dlen,
                  void *rdata, size_t rcap)
{
    gvt_out_t out = { .api_id = api, .args = args, .args_len = alen,
                      .data = data, .data_len = dlen };
    gvt_reply_t rep = { .args = c->rargs, .args_cap = sizeof(c->rargs),
                        .data = rdata, .data_cap = rcap };
    gvc_status_t st;

    c->sent++;
    st = gvt_call(c->conn, &out, &rep);
    if (st != GVC_OK) {
        return HFAIL;
    }
    c->rargs_len = rep.args_len;
    c->seq_err = rep.seq_err;
    return rep.result;
}

int64_t hcall(hcli_t *c, uint32_t api, const gvc_enc_t *e)
{
    return hcall_raw(c, api, e ? e->buf : NULL, e ? e->len : 0, NULL, 0,
                     NULL, 0);
}

/* A one-way request: no reply, errors come back later as seq_err. */
int hsend_oneway(hcli_t *c, uint32_t api, const gvc_enc_t *e)
{
    gvt_out_t out = { .api_id = api, .flags = GVC_WF_ONEWAY,
                      .args = e->buf, .args_len = e->len };

    c->sent++;
    return gvt_send(c->conn, &out) == GVC_OK ? 0 : -1;
}

/* The first u64 of the last reply (a pointer or handle). */
uint64_t hreply_u64(const hcli_t *c, size_t at)
{
    uint64_t v = 0;

    if (c->rargs_len >= at + 8) {
        memcpy(&v, c->rargs + at, 8);
    }
    return v;
}

/* Argument buffers. */
static uint8_t abuf[65536];

gvc_enc_t *hargs(void)
{
    static gvc_enc_t e;

    gvc_enc_init(&e, abuf, sizeof(abuf));
    return &e;
}

uint64_t hmalloc(hcli_t *c, uint64_t size, int64_t *res_p)
{
    gvc_enc_t *e = hargs();
    int64_t r;

    gvc_enc_u64(e, size);
    r = hcall(c, GV_API_cudaMalloc, e);
    if (res_p != NULL) {
        *res_p = r;
    }
    return r == 0 ? hreply_u64(c, 0) : 0;
}

int64_t hfree(hcli_t *c, uint64_t p)
{
    gvc_enc_t *e = hargs();

    gvc_enc_u64(e, p);
    return hcall(c, GV_API_cudaFree, e);
}

/* cudaStreamCreate, cudaEventCreate: a handle, or 0. */
uint64_t hcreate(hcli_t *c, uint32_t api)
{
    gvc_enc_t *e = hargs();

    gvc_enc_u8(e, 1);
    return hcall(c, api, e) == 0 ? hreply_u64(c, 0) : 0;
}

int64_t hptr_call(hcli_t *c, uint32_t api, uint64_t p)
{
    gvc_enc_t *e = hargs();

    gvc_enc_u64(e, p);
    return hcall(c, api, e);
}

int64_t hh2d(hcli_t *c, uint64_t dst, const void *data, uint64_t n,
             uint64_t stream, uint32_t flags)
{
    gvx_copy_t a = { .dst = dst, .total = n, .len = n, .stream = stream,
                     .flags = flags | GVX_CPY_LAST };
    gvc_enc_t *e = hargs();

    gvx_copy_pack(e, &a);
    return hcall_raw(c, GV_API_gvMemcpyH2D, e->buf, e->len, data, n, NULL,
                     0);
}

int64_t hd2h(hcli_t *c, uint64_t src, void *out, uint64_t n,
             uint64_t cap)
{
    gvx_copy_t a = { .src = src, .total = n };
    gvc_enc_t *e = hargs();

    gvx_copy_pack(e, &a);
    return hcall_raw(c, GV_API_gvMemcpyD2H, e->buf, e->len, NULL, 0, out,
                     cap);
}

int64_t hmemset(hcli_t *c, uint64_t p, int v, uint64_t n)
{
    gvc_enc_t *e = hargs();

    gvc_enc_u64(e, p);
    gvc_enc_i32(e, v);
    gvc_enc_u64(e, n);
    return hcall(c, GV_API_cudaMemset, e);
}

/* The worker still serves c: a round trip through device memory. */
int halive(hcli_t *c)
{
    uint8_t in[256], out[256];
    uint64_t p;
    int ok;

    for (size_t i = 0; i < sizeof(in); i++) {
        in[i] = (uint8_t)(i * 13 + 7);
    }
    p = hmalloc(c, sizeof(in), NULL);
    ok = p != 0 && hh2d(c, p, in, sizeof(in), 0, 0) == 0 &&
         hd2h(c, p, out, sizeof(out), sizeof(out)) == 0 &&
         memcmp(in, out, sizeof(in)) == 0 && hfree(c, p) == 0;
    return ok;
}

/* ---- raw UCX: messages the transport would never send ------------------- */

/*
 * Send one active message with header hdr[0..hlen) (and data) to the
 * UCX worker at addr, from a UCX worker of our own.  0 once sent.
 */
int raw_ucx_send(const void *addr, const void *hdr, size_t hlen,
                 const void *data, size_t dlen)
{
    ucp_params_t p = { .field_mask = UCP_PARAM_FIELD_FEATURES,
                       .features = UCP_FEATURE_AM };
    ucp_worker_params_t wp = {
        .field_mask = UCP_WORKER_PARAM_FIELD_THREAD_MODE,
        .thread_mode = UCS_THREAD_MODE_SINGLE };
    ucp_ep_params_t ep = { .field_mask = UCP_EP_PARAM_FIELD_REMOTE_ADDRESS,
                           .address = addr };
    ucp_request_param_t rp = { .op_attr_mask = 0 };
    ucp_context_h ctx = NULL;
    ucp_worker_h w = NULL;
    ucp_config_t *cfg;
    ucp_ep_h e = NULL;
    ucs_status_ptr_t sp;
    double t0 = hnow();
    int rc = -1;

    if (ucp_config_read(NULL, NULL, &cfg) != UCS_OK) {
        return -1;
    }
    if (ucp_init(&p, cfg, &ctx) != UCS_OK) {
        ucp_config_release(cfg);
        return -1;
    }
    ucp_config_release(cfg);
    if (ucp_worker_create(ctx, &wp, &w) != UCS_OK ||
        ucp_ep_create(w, &ep, &e) != UCS_OK) {
        goto out;
    }
    sp = ucp_am_send_nbx(e, GVT_AM_ID, hdr, hlen, data, dlen, &rp);
    while (UCS_PTR_IS_PTR(sp) &&
           ucp_request_check_status(sp) == UCS_INPROGRESS &&
           hnow() - t0 < 5) {
        ucp_worker_progress(w);
    }
    if (UCS_PTR_IS_PTR(sp)) {
        rc = ucp_request_check_status(sp) == UCS_OK ? 0 : -1;
        ucp_request_free(sp);
    } else {
        rc = UCS_PTR_STATUS(sp) == UCS_OK ? 0 : -1;
    }
    /* Let the message leave before the endpoint goes. */
    sp = ucp_ep_close_nbx(e, &(ucp_request_param_t){
                                 .op_attr_mask = UCP_OP_ATTR_FIELD_FLAGS,
                                 .flags = 0 });
    while (UCS_PTR_IS_PTR(sp) &&
           ucp_request_check_status(sp) == UCS_INPROGRESS &&
           hnow() - t0 < 5) {
        ucp_worker_progress(w);
    }
    if (UCS_PTR_IS_PTR(sp)) {
        ucp_request_free(sp);
    }
    e = NULL;
out:
    if (w != NULL) {
        ucp_worker_destroy(w);
    }
    ucp_cleanup(ctx);
    return rc;
}

/* Has process pid exited (a child of someone else: poll /proc)? */
int hpid_gone_within(pid_t pid, double secs)
{
    char path[64], buf[256];
    double t0 = hnow();

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    while (hnow() - t0 < secs) {
        FILE *fp = fopen(path, "r");
        char *rp;
        if (fp == NULL) {
            return 1;
        }
        /* A zombie is gone for our purposes: gvd reaps it. */
        if (fgets(buf, sizeof(buf), fp) != NULL &&
            (rp = strrchr(buf, ')')) != NULL && rp[2] == 'Z') {
            fclose(fp);
            return 1;
        }
        fclose(fp);
        usleep(5000);
    }
    return 0;
}

/* Start a client program (unit/hardapp or unit/simapp) MODE with its
 * stdin and stdout on pipes. */

int app_start(app_t *a, const char *prog, const char *mode,
              const hgvd_t *g, const char *env)
{
    char exe[512], srv[64];
    int pin[2], pout[2];

    memset(a, 0, sizeof(*a));
    gvtest_builddir(prog, exe, sizeof(exe));
    snprintf(srv, sizeof(srv), "127.0.0.1:%d", g->port);
    if (pipe(pin) != 0 || pipe(pout) != 0) {
        return -1;
    }
    a->pid = fork();
    if (a->pid == 0) {
        dup2(pin[0], 0);
        dup2(pout[1], 1);
        dup2(pout[1], 2);
        close(pin[1]);
        close(pout[0]);
        setenv("GVIRTUS_SERVERS", srv, 1);
        setenv("GVIRTUS_LOGLEVEL", "warn", 1);
        setenv("UCX_TLS", "tcp", 1);
        if (env != NULL) {
            putenv((char *)env);
        }
        {
            char m[64], *arg;
            snprintf(m, sizeof(m), "%s", mode);
            arg = strchr(m, ' ');
            if (arg != NULL) {
                *arg++ = '\0';
            }
            execl(exe, prog, m, arg, (char *)NULL);
        }
        _exit(127);
    }
    close(pin[0]);
    close(pout[1]);
    a->in = pin[1];
    a->out = pout[0];
    fcntl(a->out, F_SETFL, O_NONBLOCK);
    return a->pid > 0 ? 0 : -1;
}

/* Read until the output holds needle (within secs); the line after it
 * starts at the return value, NULL when it never came. */
const char *app_wait(app_t *a, const char *needle, double secs)
{
    double t0 = hnow();
    const char *p;
    ssize_t n;

    while (hnow() - t0 < secs) {
        n = read(a->out, a->buf + a->have, sizeof(a->buf) - 1 - a->have);
        if (n > 0) {
            a->have += (size_t)n;
            a->buf[a->have] = '\0';
        }
        if ((p = strstr(a->buf, needle)) != NULL) {
            return p + strlen(needle);
        }
        if (n <= 0) {
            usleep(5000);
        }
    }
    printf("\n      no '%s' from the client; it said: %s\n", needle, a->buf);
    return NULL;
}

static void app_drain(app_t *a)
{
    ssize_t n;

    while (a->have < sizeof(a->buf) - 1 &&
           (n = read(a->out, a->buf + a->have,
                     sizeof(a->buf) - 1 - a->have)) > 0) {
        a->have += (size_t)n;
    }
    a->buf[a->have] = '\0';
}

int app_finish(app_t *a)
{
    double t0 = hnow();
    int st = 0;

    close(a->in);
    while (waitpid(a->pid, &st, WNOHANG) == 0) {
        if (hnow() - t0 > 10) {
            kill(a->pid, SIGKILL);
        }
        usleep(5000);
    }
    app_drain(a); /* the rest of its output, for the test to read */
    close(a->out);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        printf("\n      client exited with status %d; it said: %s\n", st,
               a->buf);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}


int app_run_ok(const char *prog, const char *mode, const hgvd_t *g)
{
    char want[64];
    app_t a;
    int ok, rc;

    if (app_start(&a, prog, mode, g, NULL) != 0) {
        return -1;
    }
    snprintf(want, sizeof(want), "OK %s", mode);
    ok = app_wait(&a, want, 60) != NULL;
    rc = app_finish(&a);
    return ok && rc == 0 ? 0 : -1;
}

/* ---- a library's end-to-end test --------------------------------------- */

int hclose_both(const hgvd_t *g, hcli_t *a, hcli_t *b)
{
    int rc = 0;

    if (!halive(a) || !halive(b)) {
        printf("\n      a worker stopped serving its client\n");
        rc = -1;
    }
    hcli_close(a);
    hcli_close(b);
    if (hgvd_wait_workers(g, 0, 5) < 0) {
        printf("\n      the workers did not exit\n");
        rc = -1;
    }
    return rc;
}

int hleft_destroyed(const char *prog, const char *const *said)
{
    hgvd_t own;
    int rc = 0;

    if (hgvd_start(&own, NULL) != 0) {
        hgvd_stop(&own);
        return -1;
    }
    if (app_run_ok(prog, "leave", &own) != 0 ||
        hgvd_wait_workers(&own, 0, 5) < 0) {
        rc = -1;
    }
    for (; *said != NULL; said++) {
        if (!hfile_contains(own.log, *said)) {
            printf("\n      gvd never said '%s'\n", *said);
            rc = -1;
        }
    }
    if (hgvd_stop(&own) != 0) {
        rc = -1;
    }
    return rc;
}

static hgvd_t *hlib_gvd; /* hlib_main's g, for its suites */

static int hlib_suite_init(void)
{
    return hgvd_start(hlib_gvd, NULL);
}

static int hlib_suite_fini(void)
{
    return hgvd_stop(hlib_gvd) == 0 ? 0 : -1;
}

int hlib_main(int argc, char **argv, hgvd_t *g,
              const gvtest_case_t *programs, const gvtest_case_t *worker)
{
    const gvtest_suite_t suites[] = {
        { "programs", hlib_suite_init, hlib_suite_fini, programs },
        { "worker", hlib_suite_init, hlib_suite_fini, worker },
        { NULL, NULL, NULL, NULL }
    };

    hlib_gvd = g;
    signal(SIGPIPE, SIG_IGN);
    gvc_log_init("test", GVC_LOG_FATAL);
    return gvtest_main(argc, argv, suites);
}
