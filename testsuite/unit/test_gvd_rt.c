/*
 * test_gvd_rt.c - the runtime functions of issue 4 (peer answers, pools
 * and memory locations, arrays and their copies, texture and surface
 * objects, IPC, graph nodes, user objects) and fork() before and after
 * the first CUDA call, end to end on gvd's simulated device: a real gvd,
 * real workers, rtapp linked against our libcudart.so.13.  The
 * simulator (gvd/sim) answers what it can hold in host memory; kernels
 * do not exist there.
 */
#include "config.h"

#include "gvtest.h"
#include "gvc_ctl.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct gvd {
    pid_t pid;
    int port;
    char *dir;
    char ini[600];
    char log[600];
} gvd_t;

static gvd_t g;      /* one gvd for the whole suite */

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int free_port(void)
{
    int fd, port = 0;

    if (gvc_ctl_listen("127.0.0.1", 0, 1, &fd, &port, NULL, 0) == GVC_OK) {
        close(fd);
    }
    return port;
}

static int suite_init(void)
{
    const char *argv[4] = { "gvd", "-c", NULL, NULL };
    char sim[512], cache[700], exe[512], err[256];
    double t0 = now_s();
    FILE *fp;
    int fd;

    memset(&g, 0, sizeof(g));
    g.dir = gvtest_mkdtemp();
    g.port = free_port();
    snprintf(g.ini, sizeof(g.ini), "%s/gvd.ini", g.dir);
    snprintf(g.log, sizeof(g.log), "%s/gvd.log", g.dir);
    snprintf(cache, sizeof(cache), "%s/cache", g.dir);
    mkdir(cache, 0700);
    gvtest_builddir("gvd/.libs/libgvdsim.so", sim, sizeof(sim));
    fp = fopen(g.ini, "w");
    if (fp == NULL) {
        return -1;
    }
    fprintf(fp, "[gvd]\nlisten = 127.0.0.1\nport = %d\ndevice = sim\n"
                "sim_runtime = %s\ncache_dir = %s\nlog_level = info\n"
                "sim_memory = 1G\nspin_us = 50\nshutdown_timeout = 3s\n",
            g.port, sim, cache);
    fclose(fp);
    argv[2] = g.ini;
    gvtest_builddir("gvd/gvd", exe, sizeof(exe));
    g.pid = fork();
    if (g.pid == 0) {
        fd = open(g.log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1);
        dup2(fd, 2);
        execv(exe, (char **)argv);
        _exit(127);
    }
    while (now_s() - t0 < 10) {
        if (gvc_ctl_connect("127.0.0.1", g.port, 200, &fd, err,
                            sizeof(err)) == GVC_OK) {
            close(fd);
            return 0;
        }
        usleep(20000);
    }
    return -1;
}

static int suite_fini(void)
{
    double t0 = now_s();
    int st;

    if (g.pid > 0) {
        kill(g.pid, SIGTERM);
        while (now_s() - t0 < 10 && waitpid(g.pid, &st, WNOHANG) == 0) {
            usleep(10000);
        }
        if (now_s() - t0 >= 10) {
            kill(g.pid, SIGKILL);
            waitpid(g.pid, &st, 0);
        }
    }
    gvtest_rmtree(g.dir);
    free(g.dir);
    return 0;
}

/* Run rtapp MODE to completion; its output into out. */
static int rtapp(const char *mode, char *out, size_t outlen)
{
    char exe[512], srv[64], path[700];
    int fd, st = 0;
    ssize_t n;
    pid_t pid;

    gvtest_builddir("testsuite/unit/rtapp", exe, sizeof(exe));
    snprintf(srv, sizeof(srv), "127.0.0.1:%d", g.port);
    snprintf(path, sizeof(path), "%s/rtapp.%s.out", g.dir, mode);
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    pid = fork();
    if (pid == 0) {
        setenv("GVIRTUS_SERVERS", srv, 1);
        setenv("GVIRTUS_LOGLEVEL", "error", 1);
        unsetenv("UCX_TLS");
        dup2(fd, 1);
        dup2(fd, 2);
        execl(exe, "rtapp", mode, (char *)NULL);
        _exit(127);
    }
    waitpid(pid, &st, 0);
    lseek(fd, 0, SEEK_SET);
    n = read(fd, out, outlen - 1);
    out[n > 0 ? n : 0] = '\0';
    close(fd);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        printf("\n      rtapp %s: status %d: %s\n", mode, st, out);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void run(const char *mode)
{
    char out[8192], want[64];

    CU_ASSERT_EQUAL(rtapp(mode, out, sizeof(out)), 0);
    snprintf(want, sizeof(want), "OK %s", mode);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, want));
}

/* What a worker logs when its client sent a bad message (one of the
 * parent's sequence numbers again, from a forked child): it drops the
 * connection.  (A client's plain exit may read "connection lost".) */
static int drops(void)
{
    return gvtest_file_lines(g.log, "dropping connection") +
           gvtest_file_lines(g.log, "failed: protocol error");
}

static void test_peer_answers_and_device_lists(void) { run("peer"); }
static void test_pools_locations_and_hints(void) { run("pools"); }
static void test_array_copies(void) { run("arrays"); }
static void test_textures_surfaces_mipmaps(void) { run("textures"); }
static void test_batched_copies(void) { run("batch"); }
static void test_ipc_answers(void) { run("ipc"); }
static void test_graph_nodes_user_objects(void) { run("graphs"); }
static void test_libraries_through_the_driver(void) { run("library"); }
static void test_driver_logs_and_notifications(void) { run("notify"); }
static void test_external_memory_and_semaphores(void) { run("external"); }

/* The child's calls fail, its exit touches nothing: the worker saw no
 * bad message and the parent's session works on (rtapp checks). */
static void test_fork_after_init_child_refused_parent_intact(void)
{
    int before = drops();

    run("fork");
    CU_ASSERT_EQUAL(drops(), before);
}

static void test_fork_before_init_child_has_own_session(void)
{
    int before = drops();

    run("forkfirst");
    CU_ASSERT_EQUAL(drops(), before);
}

static const gvtest_case_t cases[] = {
    { "peer_answers_and_device_lists", test_peer_answers_and_device_lists },
    { "pools_locations_and_hints", test_pools_locations_and_hints },
    { "array_copies", test_array_copies },
    { "textures_surfaces_mipmaps", test_textures_surfaces_mipmaps },
    { "batched_copies", test_batched_copies },
    { "ipc_answers", test_ipc_answers },
    { "graph_nodes_user_objects", test_graph_nodes_user_objects },
    { "libraries_through_the_driver", test_libraries_through_the_driver },
    { "driver_logs_and_notifications", test_driver_logs_and_notifications },
    { "external_memory_and_semaphores",
      test_external_memory_and_semaphores },
    { "fork_after_init_child_refused_parent_intact",
      test_fork_after_init_child_refused_parent_intact },
    { "fork_before_init_child_has_own_session",
      test_fork_before_init_child_has_own_session },
    { NULL, NULL }
};

int main(int argc, char **argv)
{
    static const gvtest_suite_t suites[] = {
        { "runtime", suite_init, suite_fini, cases },
        { NULL, NULL, NULL, NULL }
    };

    signal(SIGPIPE, SIG_IGN);
    return gvtest_main(argc, argv, suites);
}
