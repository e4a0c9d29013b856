/*
 * test_gvd.c - gvd's life cycle and the client/daemon path end to end,
 * on gvd's simulated device: real gvd and gvd-worker processes, real
 * clients (simapp, linked against our libcudart.so.13), UCX over TCP and
 * shared memory.
 */
#include "config.h"

#include "gvtest.h"
#include "gvtest_gvd.h"
#include "gvc_ctl.h"
#include "gvc_log.h"
#include "gvc_proto.h"
#include "gvc_wire.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef gvtest_gvd_t gvd_t;

/* test_gvd's gvds simulate 2G of device memory. */
static void write_ini(gvd_t *g, const char *extra)
{
    gvtest_gvd_write_ini(g, "2G", extra);
}

/* Start gvd on the simulated device; wait until it accepts. */
static int gvd_start(gvd_t *g, const char *extra)
{
    return gvtest_gvd_start(g, "2G", extra);
}

/* Start simapp MODE against g (servers may be NULL for the default),
 * stdout to out_fd if >= 0.  Returns the pid. */
static pid_t simapp_spawn(const gvd_t *g, const char *mode, const char *tls,
                          const char *servers, const char *extra_env,
                          int out_fd)
{
    char exe[512], srv[128];
    pid_t pid;

    gvtest_builddir("testsuite/unit/simapp", exe, sizeof(exe));
    if (servers == NULL) {
        snprintf(srv, sizeof(srv), "127.0.0.1:%d", g->port);
        servers = srv;
    }
    pid = fork();
    if (pid == 0) {
        setenv("GVIRTUS_SERVERS", servers, 1);
        setenv("GVIRTUS_LOGLEVEL", "warn", 1);
        if (tls != NULL) {
            setenv("UCX_TLS", tls, 1);
        } else {
            unsetenv("UCX_TLS");
        }
        if (extra_env != NULL) {
            putenv((char *)extra_env);
        }
        if (out_fd >= 0) {
            dup2(out_fd, 1);
            dup2(out_fd, 2);
        }
        execl(exe, "simapp", mode, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Run simapp to completion; output (stdout+stderr) into out. */
static int simapp_run(const gvd_t *g, const char *mode, const char *tls,
                      const char *servers, const char *extra_env, char *out,
                      size_t outlen)
{
    char path[700];
    pid_t pid;
    int fd;

    snprintf(path, sizeof(path), "%s/simapp.%s.out", g->dir, mode);
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    pid = simapp_spawn(g, mode, tls, servers, extra_env, fd);
    return gvtest_client_wait(pid, fd, "simapp", mode, out, outlen);
}

static void run_mode(const char *mode, const char *tls, const char *extra)
{
    char out[8192];
    gvd_t g;

    CU_ASSERT_EQUAL_FATAL(gvd_start(&g, extra), 0);
    CU_ASSERT_EQUAL(simapp_run(&g, mode, tls, NULL, NULL, out, sizeof(out)),
                    0);
    CU_ASSERT_EQUAL(gvtest_gvd_stop(&g), 0);
}

/* ---- start-up ------------------------------------------------------------- */

static void test_refuses_missing_config(void)
{
    const char *args[] = { "-c", "/nonexistent/gvd.ini", NULL };
    gvd_t g = { .dir = gvtest_mkdtemp() };
    int st;

    snprintf(g.log, sizeof(g.log), "%s/gvd.log", g.dir);
    waitpid(gvtest_gvd_spawn(g.log, args, NULL), &st, 0);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    CU_ASSERT(gvtest_file_contains(g.log, "/nonexistent/gvd.ini: cannot open"));
    gvtest_rmtree(g.dir);
    free(g.dir);
}

static void test_refuses_bad_config_naming_line(void)
{
    const char *args[] = { "-c", NULL, NULL };
    gvd_t g = { .dir = gvtest_mkdtemp(), .port = 1 };
    int st;

    write_ini(&g, "max_clients = many");
    args[1] = g.ini;
    waitpid(gvtest_gvd_spawn(g.log, args, NULL), &st, 0);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    CU_ASSERT(gvtest_file_contains(g.log, "gvd.ini:11: gvd.max_clients: "
                                   "'many' is not an integer"));
    gvtest_rmtree(g.dir);
    free(g.dir);
}

static void test_refuses_busy_port(void)
{
    const char *args[] = { "-c", NULL, NULL };
    gvd_t a, b;
    int st;

    CU_ASSERT_EQUAL_FATAL(gvd_start(&a, NULL), 0);
    b.dir = gvtest_mkdtemp();
    b.port = a.port;
    write_ini(&b, NULL);
    args[1] = b.ini;
    waitpid(gvtest_gvd_spawn(b.log, args, NULL), &st, 0);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    CU_ASSERT(gvtest_file_contains(b.log, "Address already in use"));
    gvtest_rmtree(b.dir);
    free(b.dir);
    CU_ASSERT_EQUAL(gvtest_gvd_stop(&a), 0);
}

static void test_refuses_cuda_without_gpu(void)
{
    const char *args[] = { "-c", NULL, NULL };
    gvd_t g = { .dir = gvtest_mkdtemp(), .port = 1 };
    int st;

    if (access("/dev/nvidia0", F_OK) == 0) {
        gvtest_rmtree(g.dir);
        free(g.dir);
        GVTEST_SKIP("this machine has a GPU");
    }
    g.port = gvtest_free_port();
    write_ini(&g, "device = cuda");
    args[1] = g.ini;
    waitpid(gvtest_gvd_spawn(g.log, args, NULL), &st, 0);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 1);
    CU_ASSERT(gvtest_file_contains(g.log, "no GPU found"));
    CU_ASSERT(gvtest_file_contains(g.log, "device = sim"));
    gvtest_rmtree(g.dir);
    free(g.dir);
}

/* require_gpu = no: gvd starts with a placeholder GPU and the client
 * gets the runtime's own failure (here: a runtime that cannot load). */
static void test_serves_without_gpu_when_told(void)
{
    char out[4096];
    gvd_t g;

    CU_ASSERT_EQUAL_FATAL(gvd_start(&g, "device = cuda\n"
                                        "cuda_runtime = /nonexistent/x.so\n"
                                        "require_gpu = no"), 0);
    CU_ASSERT(gvtest_file_contains(g.log, "serving anyway (require_gpu = no)"));
    CU_ASSERT(gvtest_file_contains(g.log, "not registered"));
    CU_ASSERT_EQUAL(simapp_run(&g, "first-error", NULL, NULL, NULL, out,
                               sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "/nonexistent/x.so"));
    CU_ASSERT_EQUAL(gvtest_gvd_stop(&g), 0);
}

static void test_dump_config_reloads(void)
{
    char cmd[2048], exe[512];
    gvd_t g = { .dir = gvtest_mkdtemp(), .port = 4321 };

    write_ini(&g, "memory_limit = 3G");
    gvtest_builddir("gvd/gvd", exe, sizeof(exe));
    snprintf(cmd, sizeof(cmd), "%s -c %s --dump-config > %s/a.ini && "
             "%s -c %s/a.ini --dump-config > %s/b.ini && "
             "cmp -s %s/a.ini %s/b.ini && grep -q '^port = 4321' %s/b.ini && "
             "grep -q '^memory_limit = 3221225472' %s/b.ini", exe, g.ini,
             g.dir, exe, g.dir, g.dir, g.dir, g.dir, g.dir, g.dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
    gvtest_rmtree(g.dir);
    free(g.dir);
}

/* ---- the data path ------------------------------------------------------------ */

static void test_copies_over_tcp(void) { run_mode("copies", "tcp", NULL); }
static void test_copies_over_shm(void) { run_mode("copies", "sm,self", NULL); }
static void test_big_copies_tcp(void) { run_mode("big", "tcp", NULL); }
static void test_device_memory_2d_3d(void) { run_mode("device", NULL, NULL); }
static void test_overlapped_streams_tcp(void)
{
    run_mode("overlap", "tcp", NULL);
}
static void test_overlapped_streams_shm(void)
{
    run_mode("overlap", "sm,self", NULL);
}
static void test_streams_events_hostfns(void)
{
    run_mode("streams", NULL, NULL);
}
static void test_host_functions_see_copied_data(void)
{
    run_mode("hostfns", "tcp", NULL);
    run_mode("hostfns", "sm,self", NULL);
}
static void test_forged_handles_rejected(void)
{
    run_mode("forged", "tcp", NULL);
}
static void test_memory_quota(void)
{
    run_mode("quota", NULL, "memory_limit = 64M");
}
static void test_threads_share_a_device(void)
{
    run_mode("threads", "sm,self", NULL);
}

static void test_eight_clients_at_once(void)
{
    pid_t pids[8];
    int st, ok = 0;
    gvd_t g;

    CU_ASSERT_EQUAL_FATAL(gvd_start(&g, NULL), 0);
    for (int i = 0; i < 8; i++) {
        pids[i] = simapp_spawn(&g, "copies", i % 2 ? "tcp" : NULL, NULL,
                               NULL, -1);
    }
    for (int i = 0; i < 8; i++) {
        waitpid(pids[i], &st, 0);
        ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
    }
    CU_ASSERT_EQUAL(ok, 8);
    CU_ASSERT_EQUAL(gvtest_gvd_stop(&g), 0);
}

/* Read simapp's output until READY (busy mode). */
static int wait_ready(int fd)
{
    char buf[256];
    double t0 = gvtest_now();
    size_t have = 0;
    ssize_t n;

    fcntl(fd, F_SETFL, O_NONBLOCK);
    while (gvtest_now() - t0 < 20) {
        n = read(fd, buf + have, sizeof(buf) - 1 - have);
        if (n > 0) {
            have += (size_t)n;
            buf[have] = '\0';
            if (strstr(buf, "READY") != NULL) {
                return 0;
            }
        }
        usleep(10000);
    }
    return -1;
}

static void test_killed_client_frees_its_worker(void)
{
    int pa[2], st;
    pid_t busy, other;
    double t0;
    gvd_t g;

    CU_ASSERT_EQUAL_FATAL(gvd_start(&g, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(pipe(pa), 0);
    busy = simapp_spawn(&g, "busy", "tcp", NULL, NULL, pa[1]);
    close(pa[1]);
    other = simapp_spawn(&g, "copies", NULL, NULL, NULL, -1);
    CU_ASSERT_EQUAL(wait_ready(pa[0]), 0);
    usleep(200000); /* mid-payload: 64 MiB copies back to back */
    CU_ASSERT(gvtest_children(g.pid, NULL, 0) >= 1);
    kill(busy, SIGKILL);
    waitpid(busy, &st, 0);
    waitpid(other, &st, 0);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    t0 = gvtest_now();
    while (gvtest_children(g.pid, NULL, 0) > 0 && gvtest_now() - t0 < 3) {
        usleep(20000);
    }
    CU_ASSERT_EQUAL(gvtest_children(g.pid, NULL, 0), 0);
    CU_ASSERT(gvtest_now() - t0 < 2.0);
    close(pa[0]);
    CU_ASSERT_EQUAL(gvtest_gvd_stop(&g), 0);
}

static void test_sigterm_with_clients_connected(void)
{
    int pa[2], st;
    pid_t busy;
    gvd_t g;
    char out[256] = "";
    ssize_t n;

    CU_ASSERT_EQUAL_FATAL(gvd_start(&g, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(pipe(pa), 0);
    busy = simapp_spawn(&g, "busy", "tcp", NULL, NULL, pa[1]);
    close(pa[1]);
    CU_ASSERT_EQUAL(wait_ready(pa[0]), 0);
    CU_ASSERT_EQUAL(gvtest_gvd_stop(&g), 0); /* orderly, exit 0 */
    waitpid(busy, &st, 0);
    /* The client saw its GPU go away as an error, not a hang. */
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 3);
    usleep(10000);
    n = read(pa[0], out, sizeof(out) - 1);
    out[n > 0 ? n : 0] = '\0';
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "cudaErrorDevicesUnavailable"));
    close(pa[0]);
}

/* ---- refusals -------------------------------------------------------------------- */

static void test_version_mismatch_refused(void)
{
    uint8_t buf[64], reply[512];
    gvc_wire_hdr_t h;
    char err[256];
    size_t len;
    int fd;
    gvd_t g;

    CU_ASSERT_EQUAL_FATAL(gvd_start(&g, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(gvc_ctl_connect("127.0.0.1", g.port, 2000, &fd, err,
                                          sizeof(err)), GVC_OK);
    gvc_wire_hdr_init(&h, GVC_CTL_HELLO, 0, 0);
    h.version = GVC_WIRE_VERSION + 1;
    gvc_wire_hdr_pack(&h, buf);
    CU_ASSERT_EQUAL(write(fd, buf, GVC_WIRE_HDR_SIZE), GVC_WIRE_HDR_SIZE);
    CU_ASSERT_EQUAL(gvc_ctl_recv(fd, 5000, &h, reply, sizeof(reply) - 1,
                                 &len), GVC_OK);
    reply[len] = '\0';
    CU_ASSERT_EQUAL(h.api_id, GVC_CTL_REFUSE);
    CU_ASSERT_PTR_NOT_NULL(strstr((char *)reply,
                                  "protocol version mismatch"));
    close(fd);
    CU_ASSERT_EQUAL(gvtest_gvd_stop(&g), 0);
}

static void test_bad_gpu_index_refused(void)
{
    char out[4096], srv[64];
    gvd_t g;

    CU_ASSERT_EQUAL_FATAL(gvd_start(&g, NULL), 0);
    snprintf(srv, sizeof(srv), "127.0.0.1:%d#3", g.port);
    CU_ASSERT_EQUAL(simapp_run(&g, "first-error", NULL, srv, NULL, out,
                               sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "there is no GPU #3"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "cudaErrorDevicesUnavailable"));
    CU_ASSERT_EQUAL(gvtest_gvd_stop(&g), 0);
}

static void test_max_clients_refused(void)
{
    char out[4096];
    int pa[2], st;
    pid_t busy;
    gvd_t g;

    CU_ASSERT_EQUAL_FATAL(gvd_start(&g, "max_clients = 1"), 0);
    CU_ASSERT_EQUAL_FATAL(pipe(pa), 0);
    busy = simapp_spawn(&g, "busy", NULL, NULL, NULL, pa[1]);
    close(pa[1]);
    CU_ASSERT_EQUAL(wait_ready(pa[0]), 0);
    CU_ASSERT_EQUAL(simapp_run(&g, "first-error", NULL, NULL, NULL, out,
                               sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "max_clients=1"));
    kill(busy, SIGKILL);
    waitpid(busy, &st, 0);
    close(pa[0]);
    CU_ASSERT_EQUAL(gvtest_gvd_stop(&g), 0);
}

static void test_shared_secret(void)
{
    char out[4096], extra[900], path[700];
    gvd_t g;
    FILE *fp;
    char *dir = gvtest_mkdtemp();

    snprintf(path, sizeof(path), "%s/secret", dir);
    fp = fopen(path, "w");
    fputs("s3cr3t\n", fp);
    fclose(fp);
    snprintf(extra, sizeof(extra), "auth = secret\nsecret_file = %s", path);
    CU_ASSERT_EQUAL_FATAL(gvd_start(&g, extra), 0);
    CU_ASSERT_EQUAL(simapp_run(&g, "first-error", NULL, NULL,
                               "GVIRTUS_SECRET=wrong", out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "wrong or missing shared secret"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "cudaErrorNotPermitted"));
    CU_ASSERT_EQUAL(simapp_run(&g, "first-error", NULL, NULL,
                               "GVIRTUS_SECRET=s3cr3t", out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "cudaSuccess"));
    CU_ASSERT_EQUAL(gvtest_gvd_stop(&g), 0);
    gvtest_rmtree(dir);
    free(dir);
}

static void test_silent_connection_closed(void)
{
    char err[256], b;
    double t0;
    int fd;
    gvd_t g;

    CU_ASSERT_EQUAL_FATAL(gvd_start(&g, "hello_timeout = 300ms"), 0);
    CU_ASSERT_EQUAL_FATAL(gvc_ctl_connect("127.0.0.1", g.port, 2000, &fd, err,
                                          sizeof(err)), GVC_OK);
    t0 = gvtest_now();
    CU_ASSERT_EQUAL(read(fd, &b, 1), 0); /* gvd hangs up */
    CU_ASSERT(gvtest_now() - t0 < 3.0);
    close(fd);
    CU_ASSERT(gvtest_file_contains(g.log, "sent no handshake"));
    CU_ASSERT_EQUAL(gvtest_gvd_stop(&g), 0);
}

static void test_no_servers_configured(void)
{
    char out[4096];
    gvd_t g = { .dir = gvtest_mkdtemp() };

    CU_ASSERT_EQUAL(simapp_run(&g, "first-error", NULL, "", NULL, out,
                               sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "GVIRTUS_SERVERS"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "cudaErrorNoDevice"));
    gvtest_rmtree(g.dir);
    free(g.dir);
}

static void test_unreachable_server_named(void)
{
    char out[4096], srv[64];
    gvd_t g = { .dir = gvtest_mkdtemp() };

    snprintf(srv, sizeof(srv), "127.0.0.1:%d", gvtest_free_port());
    CU_ASSERT_EQUAL(simapp_run(&g, "first-error", NULL, srv, NULL, out,
                               sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, srv));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "Connection refused"));
    gvtest_rmtree(g.dir);
    free(g.dir);
}

static const gvtest_case_t startup_cases[] = {
    { "refuses_missing_config", test_refuses_missing_config },
    { "refuses_bad_config_naming_line", test_refuses_bad_config_naming_line },
    { "refuses_busy_port", test_refuses_busy_port },
    { "refuses_cuda_without_gpu", test_refuses_cuda_without_gpu },
    { "serves_without_gpu_when_told", test_serves_without_gpu_when_told },
    { "dump_config_reloads", test_dump_config_reloads },
    { NULL, NULL }
};

static const gvtest_case_t path_cases[] = {
    { "copies_over_tcp", test_copies_over_tcp },
    { "copies_over_shm", test_copies_over_shm },
    { "big_copies_tcp", test_big_copies_tcp },
    { "device_memory_2d_3d", test_device_memory_2d_3d },
    { "overlapped_streams_tcp", test_overlapped_streams_tcp },
    { "overlapped_streams_shm", test_overlapped_streams_shm },
    { "streams_events_hostfns", test_streams_events_hostfns },
    { "host_functions_see_copied_data",
      test_host_functions_see_copied_data },
    { "forged_handles_rejected", test_forged_handles_rejected },
    { "memory_quota", test_memory_quota },
    { "threads_share_a_device", test_threads_share_a_device },
    { NULL, NULL }
};

static const gvtest_case_t life_cases[] = {
    { "eight_clients_at_once", test_eight_clients_at_once },
    { "killed_client_frees_its_worker", test_killed_client_frees_its_worker },
    { "sigterm_with_clients_connected", test_sigterm_with_clients_connected },
    { "version_mismatch_refused", test_version_mismatch_refused },
    { "bad_gpu_index_refused", test_bad_gpu_index_refused },
    { "max_clients_refused", test_max_clients_refused },
    { "shared_secret", test_shared_secret },
    { "silent_connection_closed", test_silent_connection_closed },
    { "no_servers_configured", test_no_servers_configured },
    { "unreachable_server_named", test_unreachable_server_named },
    { NULL, NULL }
};

int main(int argc, char **argv)
{
    static const gvtest_suite_t suites[] = {
        { "startup", NULL, NULL, startup_cases },
        { "path", NULL, NULL, path_cases },
        { "life", NULL, NULL, life_cases },
        { NULL, NULL, NULL, NULL }
    };

    signal(SIGPIPE, SIG_IGN);
    return gvtest_main(argc, argv, suites);
}
