/*
 * test_gvd_status.c - gvd's live counters end to end, on the simulated
 * device: a simapp client moves known byte counts, `gvctl status` (JSON
 * and table) and the Prometheus endpoint show exactly those, while it is
 * connected and, folded into the GPU's totals, after it left.  Also
 * malformed and hostile status and HTTP requests (gvd answers or closes,
 * and keeps serving), who may read the counters, nodes that do not
 * answer, and log_target = syslog.
 */
#include "config.h"

#include "gvtest.h"
#include "gvtest_gvd.h"
#include "gvc_ctl.h"
#include "gvc_proto.h"
#include "gvc_report.h"
#include "gvc_status.h"
#include "gvc_wire.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIB ((uint64_t)1 << 20)

typedef gvtest_gvd_t gvd_t;

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");

    if (fp != NULL) {
        fputs(text, fp);
        fclose(fp);
    }
}

/* Start gvd on the simulated device with its metrics endpoint on and
 * extra [gvd] lines; env (or NULL) is one NAME=value for gvd's
 * environment.  Waits until it accepts. */
static int gvd_start(gvd_t *g, const char *extra, const char *env)
{
    char lines[4096];

    gvtest_gvd_init(g);
    g->mport = gvtest_free_port();
    snprintf(lines, sizeof(lines), "metrics_listen = 127.0.0.1:%d\n%s",
             g->mport, extra ? extra : "");
    gvtest_gvd_write_ini(g, "1G", lines);
    return gvtest_gvd_run(g, env);
}

/* SIGTERM; gvd's exit status (-1 if killed or too slow).  Its
 * directory (and log) stays until gvtest_gvd_rm. */
static int gvd_halt(gvd_t *g)
{
    return gvtest_gvd_halt(&g->pid);
}

/* ---- a simapp in mode "counters", driven line by line ---------------------- */

typedef struct app {
    pid_t pid;
    int in, out;           /* its stdin (we write), its stdout (we read) */
    char buf[4096];
    size_t have;
} app_t;

/* simapp MODE against g; env (or NULL): one more NAME=value.  Its
 * stdout and stderr come back through a->out. */
static int app_start(app_t *a, const gvd_t *g, const char *mode,
                     const char *env)
{
    int pin[2], pout[2];
    char exe[512], srv[64];

    memset(a, 0, sizeof(*a));
    gvtest_builddir("testsuite/unit/simapp", exe, sizeof(exe));
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
        if (env != NULL) {
            putenv((char *)env);
        }
        execl(exe, "simapp", mode, (char *)NULL);
        _exit(127);
    }
    close(pin[0]);
    close(pout[1]);
    a->in = pin[1];
    a->out = pout[0];
    return a->pid > 0 ? 0 : -1;
}

/* Wait (up to 20 s) until the app printed word. */
static int app_expect(app_t *a, const char *word)
{
    struct pollfd pfd = { .fd = a->out, .events = POLLIN };
    double t0 = gvtest_now();
    ssize_t n;

    while (gvtest_now() - t0 < 20) {
        if (strstr(a->buf, word) != NULL) {
            return 0;
        }
        if (poll(&pfd, 1, 100) > 0) {
            n = read(a->out, a->buf + a->have, sizeof(a->buf) - 1 - a->have);
            if (n <= 0) {
                break;
            }
            a->have += (size_t)n;
            a->buf[a->have] = '\0';
        }
    }
    printf("\n      simapp never said %s: '%s'\n", word, a->buf);
    return -1;
}

static void app_go(app_t *a)
{
    if (write(a->in, "go\n", 3) != 3) {
        CU_FAIL("cannot write to simapp");
    }
}

static int app_wait(app_t *a)
{
    int st = -1;

    waitpid(a->pid, &st, 0);
    close(a->in);
    close(a->out);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* ---- gvctl and parsing ------------------------------------------------------------- */

/* gvctl ARGS (env before it); exit code, stdout+stderr into out. */
static int gvctl(const char *env, const char *args, char *out, size_t cap)
{
    char exe[512], cmd[2048];
    size_t n = 0, r;
    FILE *p;
    int st;

    gvtest_builddir("registry/gvctl", exe, sizeof(exe));
    snprintf(cmd, sizeof(cmd), "%s %s %s 2>&1", env ? env : "", exe, args);
    out[0] = '\0';
    p = popen(cmd, "r");
    if (p == NULL) {
        return -1;
    }
    while (n + 1 < cap && (r = fread(out + n, 1, cap - 1 - n, p)) > 0) {
        n += r;
    }
    out[n] = '\0';
    st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int status_json(const gvd_t *g, char *out, size_t cap)
{
    char args[128];

    snprintf(args, sizeof(args), "status --node 127.0.0.1:%d --json",
             g->port);
    return gvctl(NULL, args, out, cap);
}

/* The number after "key": in text, searching from the first occurrence
 * of after (NULL: from the start).  UINT64_MAX when absent. */
static uint64_t json_num(const char *text, const char *after, const char *key)
{
    char pat[96];
    const char *p = after ? strstr(text, after) : text;

    snprintf(pat, sizeof(pat), "\"%s\": ", key);
    p = p ? strstr(p, pat) : NULL;
    return p ? strtoull(p + strlen(pat), NULL, 10) : UINT64_MAX;
}

#define GPU_AT    "\"gpus\": ["
#define CLIENT_AT "\"clients\": [{"

/* The value of the first sample line starting with prefix. */
static uint64_t metric(const char *text, const char *prefix)
{
    const char *p = text;
    size_t n = strlen(prefix);

    while (p != NULL && *p != '\0') {
        const char *eol = strchr(p, '\n');
        if (strncmp(p, prefix, n) == 0) {
            const char *sp = memrchr(p, ' ', eol ? (size_t)(eol - p)
                                                 : strlen(p));
            return sp ? strtoull(sp + 1, NULL, 10) : UINT64_MAX;
        }
        p = eol ? eol + 1 : NULL;
    }
    return UINT64_MAX;
}

/* Send req to port, read everything until gvd closes (up to 5 s). */
static int http(int port, const char *req, size_t len, char *out, size_t cap)
{
    struct pollfd pfd = { .events = POLLIN };
    double t0 = gvtest_now();
    size_t n = 0;
    char err[256];
    ssize_t r;
    int fd;

    out[0] = '\0';
    if (gvc_ctl_connect("127.0.0.1", port, 2000, &fd, err, sizeof(err)) !=
        GVC_OK) {
        return -1;
    }
    if (len > 0 && send(fd, req, len, MSG_NOSIGNAL) != (ssize_t)len) {
        close(fd);
        return -1;
    }
    pfd.fd = fd;
    while (gvtest_now() - t0 < 5 && n + 1 < cap) {
        if (poll(&pfd, 1, 100) <= 0) {
            continue;
        }
        r = recv(fd, out + n, cap - 1 - n, 0);
        if (r <= 0) {
            break;
        }
        n += (size_t)r;
    }
    out[n] = '\0';
    close(fd);
    return (int)n;
}

static int get_metrics(const gvd_t *g, char *out, size_t cap)
{
    static const char req[] = "GET /metrics HTTP/1.0\r\nHost: x\r\n\r\n";

    http(g->mport, req, sizeof(req) - 1, out, cap);
    return strncmp(out, "HTTP/1.0 200 OK", 15) == 0 ? 0 : -1;
}

/* ---- counters --------------------------------------------------------------------- */

/* Wait until the GPU has no client connected (the worker was reaped). */
static int wait_no_clients(const gvd_t *g, char *out, size_t cap)
{
    double t0 = gvtest_now();

    while (gvtest_now() - t0 < 10) {
        if (status_json(g, out, cap) == 0 &&
            json_num(out, GPU_AT, "clients") == 0) {
            return 0;
        }
        usleep(50000);
    }
    return -1;
}

static void check_gpu_metrics(const char *m, uint64_t calls, uint64_t mem,
                              uint64_t clients)
{
    CU_ASSERT_EQUAL(metric(m, "gvirtus_gpu_calls_total{gpu=\"0\""), calls);
    CU_ASSERT_EQUAL(metric(m, "gvirtus_gpu_errors_total{gpu=\"0\""), 1);
    CU_ASSERT_EQUAL(metric(m, "gvirtus_gpu_h2d_bytes_total{gpu=\"0\""),
                    3 * MIB);
    CU_ASSERT_EQUAL(metric(m, "gvirtus_gpu_d2h_bytes_total{gpu=\"0\""), MIB);
    CU_ASSERT_EQUAL(metric(m, "gvirtus_gpu_memory_held_bytes{gpu=\"0\""),
                    mem);
    CU_ASSERT_EQUAL(metric(m, "gvirtus_gpu_clients{gpu=\"0\""), clients);
    CU_ASSERT_EQUAL(metric(m, "gvirtus_gpu_clients_served_total{gpu=\"0\""),
                    1);
    CU_ASSERT_PTR_NOT_NULL(strstr(m, "# TYPE gvirtus_gpu_calls_total "
                                     "counter\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(m, "# TYPE gvirtus_gpu_memory_held_bytes "
                                     "gauge\n"));
}

/*
 * simapp "counters": 7 calls, 3 MiB to the GPU, 1 MiB back, one refused
 * cudaFree, 4 MiB held.  gvctl (JSON and table) and /metrics show exactly
 * that on top of the baseline taken once it connected; after it left,
 * the GPU's totals keep calls, bytes and the error, and hold no memory.
 */
static void test_counters_while_connected_and_after(void)
{
    static char out[65536], m[65536];
    uint64_t c0, calls;
    char *row;
    app_t a;
    gvd_t g;

    CU_ASSERT_EQUAL_FATAL(gvd_start(&g, NULL, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(app_start(&a, &g, "counters", NULL), 0);
    CU_ASSERT_EQUAL_FATAL(app_expect(&a, "READY"), 0);
    CU_ASSERT_EQUAL(status_json(&g, out, sizeof(out)), 0);
    c0 = json_num(out, CLIENT_AT, "calls");
    CU_ASSERT(c0 >= 1 && c0 < 100);
    CU_ASSERT_EQUAL(json_num(out, CLIENT_AT, "errors"), 0);
    CU_ASSERT_EQUAL(json_num(out, CLIENT_AT, "h2d_bytes"), 0);
    CU_ASSERT_EQUAL(json_num(out, CLIENT_AT, "pid"), (uint64_t)a.pid);
    CU_ASSERT_EQUAL(json_num(out, CLIENT_AT, "uid"), (uint64_t)getuid());

    app_go(&a);
    CU_ASSERT_EQUAL_FATAL(app_expect(&a, "DONE"), 0);
    CU_ASSERT_EQUAL(status_json(&g, out, sizeof(out)), 0);
    calls = json_num(out, CLIENT_AT, "calls");
    CU_ASSERT_EQUAL(calls, c0 + 7);
    CU_ASSERT_EQUAL(json_num(out, CLIENT_AT, "errors"), 1);
    CU_ASSERT_EQUAL(json_num(out, CLIENT_AT, "h2d_bytes"), 3 * MIB);
    CU_ASSERT_EQUAL(json_num(out, CLIENT_AT, "d2h_bytes"), MIB);
    CU_ASSERT_EQUAL(json_num(out, CLIENT_AT, "memory_held_bytes"), 4 * MIB);
    CU_ASSERT(json_num(out, CLIENT_AT, "wire_in_bytes") > 3 * MIB);
    CU_ASSERT(json_num(out, CLIENT_AT, "wire_out_bytes") > MIB);
    CU_ASSERT_EQUAL(json_num(out, GPU_AT, "clients"), 1);
    CU_ASSERT_EQUAL(json_num(out, GPU_AT, "calls"), calls);
    CU_ASSERT_EQUAL(json_num(out, GPU_AT, "h2d_bytes"), 3 * MIB);
    CU_ASSERT_EQUAL(json_num(out, GPU_AT, "memory_held_bytes"), 4 * MIB);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"ok\": true"));
    if (json_num(out, CLIENT_AT, "calls") != c0 + 7) {
        printf("\n      %s\n", out);
    }
    /* The table: client 1's row, bytes scaled. */
    {
        char args[128];
        snprintf(args, sizeof(args), "status --node 127.0.0.1:%d", g.port);
        CU_ASSERT_EQUAL(gvctl(NULL, args, out, sizeof(out)), 0);
        row = strstr(out, "\n  1 ");
        CU_ASSERT_PTR_NOT_NULL(row);
        if (row != NULL) {
            char want[64];
            *strchrnul(row + 1, '\n') = '\0';
            snprintf(want, sizeof(want), " %8" PRIu64 " %8d ", calls, 1);
            CU_ASSERT_PTR_NOT_NULL(strstr(row, want));
            CU_ASSERT_PTR_NOT_NULL(strstr(row, "     3.0M     1.0M "));
            CU_ASSERT_PTR_NOT_NULL(strstr(row, "     4.0M  "));
        }
    }
    CU_ASSERT_EQUAL(get_metrics(&g, m, sizeof(m)), 0);
    check_gpu_metrics(m, calls, 4 * MIB, 1);
    CU_ASSERT_EQUAL(metric(m, "gvirtus_client_h2d_bytes_total{client=\"1\""),
                    3 * MIB);
    CU_ASSERT_EQUAL(metric(m, "gvirtus_client_memory_held_bytes{client="
                              "\"1\""), 4 * MIB);

    app_go(&a);
    CU_ASSERT_EQUAL(app_wait(&a), 0);
    CU_ASSERT_EQUAL_FATAL(wait_no_clients(&g, out, sizeof(out)), 0);
    /* Folded into the GPU: the exit may have sent a call or two more. */
    CU_ASSERT(json_num(out, GPU_AT, "calls") >= calls);
    CU_ASSERT(json_num(out, GPU_AT, "calls") <= calls + 2);
    calls = json_num(out, GPU_AT, "calls");
    CU_ASSERT_EQUAL(json_num(out, GPU_AT, "errors"), 1);
    CU_ASSERT_EQUAL(json_num(out, GPU_AT, "h2d_bytes"), 3 * MIB);
    CU_ASSERT_EQUAL(json_num(out, GPU_AT, "d2h_bytes"), MIB);
    CU_ASSERT_EQUAL(json_num(out, GPU_AT, "memory_held_bytes"), 0);
    CU_ASSERT_EQUAL(json_num(out, GPU_AT, "clients_served"), 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"clients\": []"));
    CU_ASSERT_EQUAL(get_metrics(&g, m, sizeof(m)), 0);
    check_gpu_metrics(m, calls, 0, 0);
    CU_ASSERT_PTR_NULL(strstr(m, "gvirtus_client_calls_total{"));
    CU_ASSERT(gvtest_file_contains(g.log, "client 1 left after"));
    CU_ASSERT_EQUAL(gvtest_gvd_stop(&g), 0);
}

/*
 * Peer copies between two gvd: a client with a GPU of each as devices 0
 * and 1 copies known sizes both ways (simapp "peer" checks the data).
 * Each gvd's counters show exactly those bytes sent and received worker
 * to worker, per client and per GPU, in JSON, the table and /metrics,
 * while the client's own wire bytes stayed far below them: the data did
 * not pass through the client.
 */
static void test_peer_copies_between_two_gvd(void)
{
    static char out[1 << 16], m[1 << 16];
    uint64_t out0 = 0, out1 = 0, w;
    char env[96], args[128];
    const char *p;
    gvd_t g0, g1;
    app_t a;

    CU_ASSERT_EQUAL_FATAL(gvd_start(&g0, NULL, NULL), 0);
    if (gvd_start(&g1, NULL, NULL) != 0) {
        CU_FAIL("second gvd did not start");
        gvtest_gvd_stop(&g0);
        return;
    }
    snprintf(env, sizeof(env), "GVIRTUS_SERVERS=127.0.0.1:%d,127.0.0.1:%d",
             g0.port, g1.port);
    CU_ASSERT_EQUAL_FATAL(app_start(&a, &g0, "peer", env), 0);
    CU_ASSERT_EQUAL_FATAL(app_expect(&a, "READY"), 0);
    app_go(&a);
    CU_ASSERT_EQUAL_FATAL(app_expect(&a, "DONE"), 0);
    p = strstr(a.buf, "PEER ");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    CU_ASSERT_EQUAL(sscanf(p, "PEER %" SCNu64 " %" SCNu64, &out0, &out1), 2);
    CU_ASSERT(out0 > 30 * MIB && out1 > 30 * MIB);

    CU_ASSERT_EQUAL(status_json(&g0, out, sizeof(out)), 0);
    CU_ASSERT_EQUAL(json_num(out, CLIENT_AT, "peer_out_bytes"), out0);
    CU_ASSERT_EQUAL(json_num(out, CLIENT_AT, "peer_in_bytes"), out1);
    CU_ASSERT_EQUAL(json_num(out, GPU_AT, "peer_out_bytes"), out0);
    CU_ASSERT_EQUAL(json_num(out, GPU_AT, "peer_in_bytes"), out1);
    /* The client sent each source once (host to device) and read each
     * destination back: about out0 + out1 each way, never twice that. */
    w = json_num(out, CLIENT_AT, "wire_in_bytes");
    CU_ASSERT(w < out0 + out1 + MIB);
    w = json_num(out, CLIENT_AT, "wire_out_bytes");
    CU_ASSERT(w < out0 + out1 + MIB);
    CU_ASSERT_EQUAL(status_json(&g1, out, sizeof(out)), 0);
    CU_ASSERT_EQUAL(json_num(out, CLIENT_AT, "peer_out_bytes"), out1);
    CU_ASSERT_EQUAL(json_num(out, CLIENT_AT, "peer_in_bytes"), out0);
    CU_ASSERT_EQUAL(json_num(out, GPU_AT, "peer_in_bytes"), out0);
    if (json_num(out, CLIENT_AT, "peer_in_bytes") != out0) {
        printf("\n      %s\n", out);
    }
    snprintf(args, sizeof(args), "status --node 127.0.0.1:%d", g1.port);
    CU_ASSERT_EQUAL(gvctl(NULL, args, out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "P2P-OUT"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, " P2P-IN"));
    CU_ASSERT_EQUAL(get_metrics(&g1, m, sizeof(m)), 0);
    CU_ASSERT_EQUAL(metric(m, "gvirtus_gpu_peer_in_bytes_total{gpu=\"0\""),
                    out0);
    CU_ASSERT_EQUAL(metric(m, "gvirtus_client_peer_out_bytes_total{client="
                              "\"1\""), out1);

    app_go(&a);
    CU_ASSERT_EQUAL(app_wait(&a), 0);
    /* Both workers exit with the client; the GPU totals keep the bytes. */
    CU_ASSERT_EQUAL_FATAL(wait_no_clients(&g0, out, sizeof(out)), 0);
    CU_ASSERT_EQUAL(json_num(out, GPU_AT, "peer_out_bytes"), out0);
    CU_ASSERT_EQUAL_FATAL(wait_no_clients(&g1, out, sizeof(out)), 0);
    CU_ASSERT_EQUAL(json_num(out, GPU_AT, "peer_in_bytes"), out0);
    CU_ASSERT_EQUAL(gvtest_gvd_stop(&g1), 0);
    CU_ASSERT_EQUAL(gvtest_gvd_stop(&g0), 0);
}

/* ---- malformed and hostile requests ------------------------------------------- */

/* Send a STATUS header announcing args_len, then args (len bytes);
 * return gvd's answer (api id, result, text) or -1. */
static int raw_status(int port, uint16_t version, uint32_t args_len,
                      const void *args, size_t len, gvc_wire_hdr_t *h,
                      char *text, size_t cap)
{
    uint8_t hb[GVC_WIRE_HDR_SIZE];
    char err[256];
    size_t got;
    int fd, rc = -1;

    if (gvc_ctl_connect("127.0.0.1", port, 2000, &fd, err, sizeof(err)) !=
        GVC_OK) {
        return -1;
    }
    gvc_wire_hdr_init(h, GVC_CTL_STATUS, 0, 0);
    h->version = version;
    h->args_len = args_len;
    gvc_wire_hdr_pack(h, hb);
    if (write(fd, hb, sizeof(hb)) == (ssize_t)sizeof(hb) &&
        (len == 0 || write(fd, args, len) == (ssize_t)len) &&
        gvc_ctl_recv(fd, 5000, h, text, cap - 1, &got) == GVC_OK) {
        text[got] = '\0';
        rc = 0;
    }
    close(fd);
    return rc;
}

static void test_malformed_status_requests_refused(void)
{
    uint8_t req[64];
    gvc_wire_hdr_t h;
    char text[4096];
    size_t len;
    gvd_t g;

    CU_ASSERT_EQUAL_FATAL(gvd_start(&g, NULL, NULL), 0);
    /* Arguments that are not a status request. */
    CU_ASSERT_EQUAL(raw_status(g.port, GVC_WIRE_VERSION, 3, "xyz", 3, &h,
                               text, sizeof(text)), 0);
    CU_ASSERT_EQUAL(h.api_id, GVC_CTL_REFUSE);
    CU_ASSERT_EQUAL(h.result, GVC_ERR_PROTO);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "malformed STATUS request"));
    /* Flags this gvd does not know. */
    gvc_status_req_pack("", 1, req, sizeof(req), &len);
    CU_ASSERT_EQUAL(raw_status(g.port, GVC_WIRE_VERSION, (uint32_t)len, req,
                               len, &h, text, sizeof(text)), 0);
    CU_ASSERT_EQUAL(h.api_id, GVC_CTL_REFUSE);
    /* Over the size limit, and another protocol version. */
    CU_ASSERT_EQUAL(raw_status(g.port, GVC_WIRE_VERSION, 1u << 30, NULL, 0,
                               &h, text, sizeof(text)), 0);
    CU_ASSERT_EQUAL(h.api_id, GVC_CTL_REFUSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "bad handshake"));
    gvc_status_req_pack("", 0, req, sizeof(req), &len);
    CU_ASSERT_EQUAL(raw_status(g.port, GVC_WIRE_VERSION + 1, (uint32_t)len,
                               req, len, &h, text, sizeof(text)), 0);
    CU_ASSERT_EQUAL(h.api_id, GVC_CTL_REFUSE);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "protocol version mismatch"));
    /* A good one still works. */
    CU_ASSERT_EQUAL(raw_status(g.port, GVC_WIRE_VERSION, (uint32_t)len, req,
                               len, &h, text, sizeof(text)), 0);
    CU_ASSERT_EQUAL(h.api_id, GVC_CTL_STATUS_REPLY);
    CU_ASSERT(gvtest_file_contains(g.log, "status request from 127.0.0.1"));
    CU_ASSERT_EQUAL(gvtest_gvd_stop(&g), 0);
}

/* Half-sent requests and answers nobody reads hold connections, never
 * the loop: gvctl is answered at once meanwhile, and gvd closes them
 * after hello_timeout. */
static void test_stalled_status_peers_do_not_block(void)
{
    static char out[65536];
    uint8_t hb[GVC_WIRE_HDR_SIZE], req[64];
    int fds[20], closed = 0, one = 1;
    gvc_wire_hdr_t h;
    char err[256], b;
    size_t len;
    double t0;
    gvd_t g;

    CU_ASSERT_EQUAL_FATAL(gvd_start(&g, "hello_timeout = 700ms", NULL), 0);
    gvc_status_req_pack("", 0, req, sizeof(req), &len);
    gvc_wire_hdr_init(&h, GVC_CTL_STATUS, 0, 0);
    h.args_len = (uint32_t)len;
    gvc_wire_hdr_pack(&h, hb);
    for (int i = 0; i < 20; i++) {
        fds[i] = -1;
        if (gvc_ctl_connect("127.0.0.1", g.port, 2000, &fds[i], err,
                            sizeof(err)) != GVC_OK) {
            CU_FAIL("connect");
            continue;
        }
        /* A tiny receive window: the answer cannot all be sent. */
        setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &one, sizeof(one));
        if (i % 2 == 0) {
            CU_ASSERT_EQUAL(write(fds[i], hb, 10), 10); /* half a header */
        } else {
            CU_ASSERT_EQUAL(write(fds[i], hb, sizeof(hb)), sizeof(hb));
            CU_ASSERT_EQUAL(write(fds[i], req, len), (ssize_t)len);
        }
    }
    t0 = gvtest_now();
    CU_ASSERT_EQUAL(status_json(&g, out, sizeof(out)), 0);
    CU_ASSERT(gvtest_now() - t0 < 0.5);
    CU_ASSERT_EQUAL(get_metrics(&g, out, sizeof(out)), 0);
    usleep(1500000);
    for (int i = 0; i < 20; i++) {
        struct pollfd pfd = { .fd = fds[i], .events = POLLIN };
        ssize_t r = 1;
        /* Drain what gvd wrote; EOF or a reset means it closed. */
        while (fds[i] >= 0 && poll(&pfd, 1, 200) > 0 &&
               (r = recv(fds[i], &b, 1, 0)) > 0) {
        }
        closed += r <= 0;
        if (fds[i] >= 0) {
            close(fds[i]);
        }
    }
    CU_ASSERT_EQUAL(closed, 20);
    CU_ASSERT(gvtest_file_contains(g.log, "sent no handshake within 700 ms"));
    CU_ASSERT_EQUAL(status_json(&g, out, sizeof(out)), 0);
    CU_ASSERT_EQUAL(gvtest_gvd_stop(&g), 0);
}

/* ---- who may ask ---------------------------------------------------------------- */

/* An IPv4 address of this host that is not loopback, or -1. */
static int outside_address(char *buf, size_t len)
{
    struct ifaddrs *ifa, *i;
    int rc = -1;

    if (getifaddrs(&ifa) != 0) {
        return -1;
    }
    for (i = ifa; i != NULL && rc != 0; i = i->ifa_next) {
        const struct sockaddr_in *a = (const void *)i->ifa_addr;
        if (a != NULL && a->sin_family == AF_INET &&
            (ntohl(a->sin_addr.s_addr) >> 24) != 127 &&
            inet_ntop(AF_INET, &a->sin_addr, buf, (socklen_t)len) != NULL) {
            rc = 0;
        }
    }
    freeifaddrs(ifa);
    return rc;
}

static void test_status_needs_secret_from_elsewhere(void)
{
    char out[16384], extra[1600], sec[700], ssec[700], ip[64], args[1024],
        env[800];
    gvd_t g;
    char *dir;

    if (outside_address(ip, sizeof(ip)) != 0) {
        GVTEST_SKIP("no non-loopback IPv4 address to connect from");
    }
    dir = gvtest_mkdtemp();
    snprintf(sec, sizeof(sec), "%s/secret", dir);
    snprintf(ssec, sizeof(ssec), "%s/status-secret", dir);
    write_file(sec, "clients-secret\n");
    write_file(ssec, "status-secret\n");
    snprintf(extra, sizeof(extra), "auth = secret\nsecret_file = %s\n"
             "status_secret_file = %s\nlisten = *", sec, ssec);
    CU_ASSERT_EQUAL_FATAL(gvd_start(&g, extra, NULL), 0);
    /* From this host's outside address: refused without a secret. */
    snprintf(args, sizeof(args), "status --node %s:%d", ip, g.port);
    CU_ASSERT_EQUAL(gvctl("GVIRTUS_SECRET= GVIRTUS_SECRET_FILE=", args, out,
                          sizeof(out)), 4);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "NO ANSWER: refused: status needs"));
    snprintf(args, sizeof(args), "status --node %s:%d --secret-file %s", ip,
             g.port, sec);
    CU_ASSERT_EQUAL(gvctl(NULL, args, out, sizeof(out)), 0); /* clients' */
    snprintf(args, sizeof(args), "status --node %s:%d --secret-file %s", ip,
             g.port, ssec);
    CU_ASSERT_EQUAL(gvctl(NULL, args, out, sizeof(out)), 0);
    snprintf(args, sizeof(args), "status --node %s:%d", ip, g.port);
    CU_ASSERT_EQUAL(gvctl("GVIRTUS_SECRET=status-secret", args, out,
                          sizeof(out)), 0);
    CU_ASSERT_EQUAL(gvctl("GVIRTUS_SECRET=wrong", args, out, sizeof(out)),
                    4);
    snprintf(env, sizeof(env), "GVIRTUS_SECRET_FILE=%s", ssec);
    CU_ASSERT_EQUAL(gvctl(env, args, out, sizeof(out)), 0);
    /* From this host: no secret needed. */
    snprintf(args, sizeof(args), "status --node 127.0.0.1:%d", g.port);
    CU_ASSERT_EQUAL(gvctl(NULL, args, out, sizeof(out)), 0);
    CU_ASSERT_EQUAL(gvtest_gvd_stop(&g), 0);
    gvtest_rmtree(dir);
    free(dir);
}

/* Nodes that do not answer are rows saying why, and the exit code says
 * so; the answering one is complete. */
static void test_unanswering_nodes_reported(void)
{
    static char out[65536];
    char args[256];
    gvd_t g;

    CU_ASSERT_EQUAL_FATAL(gvd_start(&g, NULL, NULL), 0);
    /* Nobody there; gvd's HTTP port (not a gvd control port). */
    snprintf(args, sizeof(args), "status --timeout 500ms --node 127.0.0.1:%d"
             " --node 127.0.0.1:%d --node 127.0.0.1:%d --json",
             gvtest_free_port(), g.port, g.mport);
    CU_ASSERT_EQUAL(gvctl(NULL, args, out, sizeof(out)), 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"ok\": false, \"error\": \"cannot "
                                       "connect"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"ok\": true"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"error\": \"no answer in time\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"gpus\": [{\"gpu\": 0"));
    snprintf(args, sizeof(args), "status --node 127.0.0.1:%d",
             gvtest_free_port());
    CU_ASSERT_EQUAL(gvctl(NULL, args, out, sizeof(out)), 3);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "NO ANSWER: cannot connect"));
    CU_ASSERT_EQUAL(gvctl(NULL, "status --node nocolon", out, sizeof(out)),
                    2);
    CU_ASSERT_EQUAL(gvctl(NULL, "status --node x:1 --timeout soon", out,
                          sizeof(out)), 2);
    CU_ASSERT_EQUAL(gvtest_gvd_stop(&g), 0);
}

/* ---- the HTTP endpoint ----------------------------------------------------------- */

static void test_metrics_http_edge_cases(void)
{
    static char out[65536], big[8192];
    int fds[17], closed = 0;
    char err[256], b;
    double t0;
    gvd_t g;

    CU_ASSERT_EQUAL_FATAL(gvd_start(&g, "hello_timeout = 700ms", NULL), 0);
    http(g.mport, "GET /nope HTTP/1.0\r\n\r\n", 22, out, sizeof(out));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "HTTP/1.0 404 "));
    http(g.mport, "POST /metrics HTTP/1.0\r\n\r\n", 26, out, sizeof(out));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "HTTP/1.0 405 "));
    http(g.mport, "garbage\n\n", 9, out, sizeof(out));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "HTTP/1.0 400 "));
    memset(big, 'a', sizeof(big));
    memcpy(big, "GET /metrics", 12);
    http(g.mport, big, sizeof(big), out, sizeof(out));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "HTTP/1.0 431 "));
    http(g.mport, "GET /metrics?x=1 HTTP/1.1\nHost: y\n\n", 35, out,
         sizeof(out));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "HTTP/1.0 200 OK"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Content-Type: text/plain; "
                                       "version=0.0.4"));
    /* Sixteen silent connections fill the endpoint: a seventeenth is
     * closed at once, the control port is unaffected, and they are
     * closed after hello_timeout. */
    for (int i = 0; i < 17; i++) {
        if (gvc_ctl_connect("127.0.0.1", g.mport, 2000, &fds[i], err,
                            sizeof(err)) != GVC_OK) {
            fds[i] = -1;
        }
        CU_ASSERT_EQUAL(write(fds[i], "GET /met", 8), 8);
    }
    t0 = gvtest_now();
    CU_ASSERT_EQUAL(status_json(&g, out, sizeof(out)), 0);
    CU_ASSERT(gvtest_now() - t0 < 0.5);
    {
        struct pollfd pfd = { .fd = fds[16], .events = POLLIN };
        CU_ASSERT(poll(&pfd, 1, 500) == 1 && recv(fds[16], &b, 1, 0) <= 0);
    }
    usleep(1200000);
    for (int i = 0; i < 16; i++) {
        struct pollfd pfd = { .fd = fds[i], .events = POLLIN };
        closed += poll(&pfd, 1, 200) == 1 && recv(fds[i], &b, 1, 0) <= 0;
    }
    for (int i = 0; i < 17; i++) {
        close(fds[i]);
    }
    CU_ASSERT_EQUAL(closed, 16);
    CU_ASSERT_EQUAL(get_metrics(&g, out, sizeof(out)), 0);
    CU_ASSERT_EQUAL(gvtest_gvd_stop(&g), 0);
}

/* ---- syslog ------------------------------------------------------------------------- */

/*
 * log_target = syslog: gvd and its worker log through openlog/syslog,
 * nothing to stderr.  A preloaded shim (unit/syslogshim.c) records the
 * calls in a file instead of sending them to a syslog daemon.
 */
#if defined(__SANITIZE_ADDRESS__)
#define ASAN_FIRST "libasan.so.8 " /* its runtime must be loaded first */
#else
#define ASAN_FIRST ""
#endif

static void test_log_target_syslog(void)
{
    static char env[2][800], out[65536];
    char shim[512], path[700];
    app_t a;
    gvd_t g;

    gvtest_builddir("testsuite/unit/.libs/syslogshim.so", shim,
                    sizeof(shim));
    if (access(shim, R_OK) != 0) {
        GVTEST_SKIP("testsuite/unit/.libs/syslogshim.so was not built");
    }
    snprintf(path, sizeof(path), "%s/syslog.%d", getenv("TMPDIR") ?
             getenv("TMPDIR") : "/tmp", (int)getpid());
    unlink(path);
    snprintf(env[0], sizeof(env[0]), "GVTEST_SYSLOG=%s", path);
    putenv(env[0]); /* gvd inherits it; LD_PRELOAD only for gvd */
    snprintf(env[1], sizeof(env[1]), "LD_PRELOAD=" ASAN_FIRST "%s", shim);
    CU_ASSERT_EQUAL_FATAL(gvd_start(&g, "log_target = syslog\n"
                                    "memory_limit = 64M", env[1]), 0);
    /* Its second 40 MiB allocation is refused: the worker says so. */
    CU_ASSERT_EQUAL_FATAL(app_start(&a, &g, "quota", NULL), 0);
    CU_ASSERT_EQUAL(app_wait(&a), 0);
    CU_ASSERT_EQUAL(wait_no_clients(&g, out, sizeof(out)), 0);
    CU_ASSERT_EQUAL(gvd_halt(&g), 0);
    CU_ASSERT(gvtest_file_contains(path, "openlog gvd 1 24\n"));
    CU_ASSERT(gvtest_file_contains(path, "openlog gvd-worker 1 24\n"));
    CU_ASSERT(gvtest_file_contains(path,
                                   "syslog 6 INFO: gvd 0.1.0 listening on"));
    /* The worker's lines name the client, and the call when known. */
    CU_ASSERT(gvtest_file_contains(path, "syslog 6 INFO [client 1 "));
    CU_ASSERT(gvtest_file_contains(path, "syslog 4 WARN [client 1 "));
    CU_ASSERT(gvtest_file_contains(path, "] cudaMalloc: allocation of 41943040 "
                                  "bytes refused"));
    CU_ASSERT(gvtest_file_contains(path, "syslog 6 INFO: client 1 left after"));
    CU_ASSERT(!gvtest_file_contains(g.log, "listening on"));
    gvtest_gvd_rm(&g);
    unlink(path);
    unsetenv("GVTEST_SYSLOG");
}

/* GVIRTUS_LOGLEVEL wins over log_level in gvd, its workers, the client
 * library and gvctl. */
static void test_loglevel_env_everywhere(void)
{
    static char out[65536];
    char args[128];
    app_t a;
    gvd_t g;

    /* trace: the worker logs every call by name, with its client. */
    CU_ASSERT_EQUAL_FATAL(gvd_start(&g, "log_level = warn",
                                    "GVIRTUS_LOGLEVEL=trace"), 0);
    CU_ASSERT_EQUAL_FATAL(app_start(&a, &g, "counters",
                                    "GVIRTUS_LOGLEVEL=debug"), 0);
    CU_ASSERT_EQUAL(app_expect(&a, "READY"), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(a.buf, "DEBUG: GPU 0")); /* client */
    app_go(&a);
    CU_ASSERT_EQUAL(app_expect(&a, "DONE"), 0);
    app_go(&a);
    CU_ASSERT_EQUAL(app_wait(&a), 0);
    CU_ASSERT_EQUAL(wait_no_clients(&g, out, sizeof(out)), 0);
    CU_ASSERT(gvtest_file_contains(g.log, "INFO: gvd 0.1.0 listening on"));
    CU_ASSERT(gvtest_file_contains(g.log, "TRACE [client 1 "));
    CU_ASSERT(gvtest_file_contains(g.log, "] cudaMalloc: called"));
    CU_ASSERT_EQUAL(gvtest_gvd_stop(&g), 0);
    /* error: not even gvd's start-up line. */
    CU_ASSERT_EQUAL_FATAL(gvd_start(&g, "log_level = info",
                                    "GVIRTUS_LOGLEVEL=error"), 0);
    CU_ASSERT_EQUAL(gvd_halt(&g), 0);
    CU_ASSERT(!gvtest_file_contains(g.log, "listening on"));
    gvtest_gvd_rm(&g);
    /* gvctl reads it too (and says when it is not a level). */
    snprintf(args, sizeof(args), "status --node 127.0.0.1:%d",
             gvtest_free_port());
    CU_ASSERT_EQUAL(gvctl("GVIRTUS_LOGLEVEL=loud", args, out, sizeof(out)),
                    3);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "GVIRTUS_LOGLEVEL='loud' is not a "
                                       "level"));
}

static const gvtest_case_t counter_cases[] = {
    { "counters_while_connected_and_after",
      test_counters_while_connected_and_after },
    { "peer_copies_between_two_gvd", test_peer_copies_between_two_gvd },
    { NULL, NULL }
};

static const gvtest_case_t request_cases[] = {
    { "malformed_status_requests_refused",
      test_malformed_status_requests_refused },
    { "stalled_status_peers_do_not_block",
      test_stalled_status_peers_do_not_block },
    { "status_needs_secret_from_elsewhere",
      test_status_needs_secret_from_elsewhere },
    { "unanswering_nodes_reported", test_unanswering_nodes_reported },
    { "metrics_http_edge_cases", test_metrics_http_edge_cases },
    { NULL, NULL }
};

static const gvtest_case_t log_cases[] = {
    { "log_target_syslog", test_log_target_syslog },
    { "loglevel_env_everywhere", test_loglevel_env_everywhere },
    { NULL, NULL }
};

int main(int argc, char **argv)
{
    static const gvtest_suite_t suites[] = {
        { "counters", NULL, NULL, counter_cases },
        { "requests", NULL, NULL, request_cases },
        { "log", NULL, NULL, log_cases },
        { NULL, NULL, NULL, NULL }
    };

    signal(SIGPIPE, SIG_IGN);
    return gvtest_main(argc, argv, suites);
}
