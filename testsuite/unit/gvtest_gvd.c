/*
 * gvtest_gvd.c - see gvtest_gvd.h.
 */
#include "config.h"

#include "gvtest_gvd.h"
#include "gvtest.h"
#include "gvc_ctl.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

double gvtest_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int gvtest_free_port(void)
{
    int fd, port = 0;

    if (gvc_ctl_listen("127.0.0.1", 0, 1, &fd, &port, NULL, 0) == GVC_OK) {
        close(fd);
    }
    return port;
}

int gvtest_children(pid_t pid, pid_t *pids, int max)
{
    char path[300], buf[512];
    struct dirent *de;
    int n = 0, ppid;
    DIR *d = opendir("/proc");
    FILE *fp;

    while (d != NULL && (de = readdir(d)) != NULL) {
        char *rp;
        if (de->d_name[0] < '0' || de->d_name[0] > '9') {
            continue;
        }
        snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
        fp = fopen(path, "r");
        if (fp == NULL) {
            continue;
        }
        if (fgets(buf, sizeof(buf), fp) != NULL &&
            (rp = strrchr(buf, ')')) != NULL &&
            sscanf(rp + 2, "%*c %d", &ppid) == 1 && ppid == pid) {
            if (pids != NULL && n < max) {
                pids[n] = (pid_t)atoi(de->d_name);
            }
            n++;
        }
        fclose(fp);
    }
    if (d != NULL) {
        closedir(d);
    }
    return n;
}

pid_t gvtest_gvd_spawn(const char *log, const char *const *args,
                       const char *env)
{
    char exe[512];
    const char *argv[16] = { "gvd" };
    int i = 1, fd;
    pid_t pid;

    gvtest_builddir("gvd/gvd", exe, sizeof(exe));
    for (; args != NULL && *args != NULL && i < 15; args++) {
        argv[i++] = *args;
    }
    argv[i] = NULL;
    pid = fork();
    if (pid == 0) {
        fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 2);
        dup2(fd, 1);
        if (env != NULL) {
            putenv((char *)env);
        }
        execv(exe, (char **)argv);
        _exit(127);
    }
    return pid;
}

int gvtest_gvd_ready(pid_t *pid_p, int port)
{
    double t0 = gvtest_now();
    char err[256];
    int fd, st;

    while (gvtest_now() - t0 < 10) {
        if (waitpid(*pid_p, &st, WNOHANG) == *pid_p) {
            *pid_p = 0;
            return -1;
        }
        if (gvc_ctl_connect("127.0.0.1", port, 200, &fd, err,
                            sizeof(err)) == GVC_OK) {
            close(fd);
            return 0;
        }
        usleep(20000);
    }
    return -1;
}

int gvtest_gvd_halt(pid_t *pid_p)
{
    double t0 = gvtest_now();
    int st = 0, rc = -1;

    if (*pid_p > 0) {
        kill(*pid_p, SIGTERM);
        while (gvtest_now() - t0 < 10 &&
               waitpid(*pid_p, &st, WNOHANG) == 0) {
            usleep(10000);
        }
        if (gvtest_now() - t0 >= 10) {
            kill(*pid_p, SIGKILL);
            waitpid(*pid_p, &st, 0);
        } else if (WIFEXITED(st)) {
            rc = WEXITSTATUS(st);
        }
        *pid_p = 0;
    }
    return rc;
}

void gvtest_gvd_init(gvtest_gvd_t *g)
{
    memset(g, 0, sizeof(*g));
    g->dir = gvtest_mkdtemp();
    g->port = gvtest_free_port();
}

void gvtest_gvd_write_ini(gvtest_gvd_t *g, const char *mem,
                          const char *extra)
{
    char sim[512], cache[700];
    FILE *fp;

    snprintf(g->ini, sizeof(g->ini), "%s/gvd.ini", g->dir);
    snprintf(g->log, sizeof(g->log), "%s/gvd.log", g->dir);
    snprintf(cache, sizeof(cache), "%s/cache", g->dir);
    mkdir(cache, 0700);
    gvtest_builddir("gvd/.libs/libgvdsim.so", sim, sizeof(sim));
    fp = fopen(g->ini, "w");
    if (fp == NULL) {
        return; /* gvd then refuses the missing file, and says so */
    }
    fprintf(fp, "[gvd]\nlisten = 127.0.0.1\nport = %d\ndevice = sim\n"
                "sim_runtime = %s\ncache_dir = %s\nlog_level = info\n"
                "sim_memory = %s\nspin_us = 50\nshutdown_timeout = 3s\n%s\n",
            g->port, sim, cache, mem, extra ? extra : "");
    fclose(fp);
}

int gvtest_gvd_run(gvtest_gvd_t *g, const char *env)
{
    const char *args[] = { "-c", NULL, NULL };

    args[1] = g->ini;
    g->pid = gvtest_gvd_spawn(g->log, args, env);
    return gvtest_gvd_ready(&g->pid, g->port);
}

int gvtest_gvd_start(gvtest_gvd_t *g, const char *mem, const char *extra)
{
    gvtest_gvd_init(g);
    gvtest_gvd_write_ini(g, mem, extra);
    return gvtest_gvd_run(g, NULL);
}

void gvtest_gvd_rm(gvtest_gvd_t *g)
{
    gvtest_rmtree(g->dir);
    free(g->dir);
    g->dir = NULL;
}

int gvtest_gvd_stop(gvtest_gvd_t *g)
{
    int rc = gvtest_gvd_halt(&g->pid);

    gvtest_gvd_rm(g);
    return rc;
}

int gvtest_client_wait(pid_t pid, int fd, const char *prog,
                       const char *mode, char *out, size_t outlen)
{
    int st = 0;
    ssize_t n;

    waitpid(pid, &st, 0);
    lseek(fd, 0, SEEK_SET);
    n = read(fd, out, outlen - 1);
    out[n > 0 ? n : 0] = '\0';
    close(fd);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        printf("\n      %s %s: status %d: %s\n", prog, mode, st, out);
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int gvtest_gvd_client(const gvtest_gvd_t *g, const char *prog,
                      const char *mode, char *out, size_t outlen)
{
    char rel[128], exe[512], srv[64], path[700];
    pid_t pid;
    int fd;

    snprintf(rel, sizeof(rel), "testsuite/unit/%s", prog);
    gvtest_builddir(rel, exe, sizeof(exe));
    snprintf(srv, sizeof(srv), "127.0.0.1:%d", g->port);
    snprintf(path, sizeof(path), "%s/%s.%s.out", g->dir, prog, mode);
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    pid = fork();
    if (pid == 0) {
        setenv("GVIRTUS_SERVERS", srv, 1);
        setenv("GVIRTUS_LOGLEVEL", "error", 1);
        unsetenv("UCX_TLS");
        dup2(fd, 1);
        dup2(fd, 2);
        execl(exe, prog, mode, (char *)NULL);
        _exit(127);
    }
    return gvtest_client_wait(pid, fd, prog, mode, out, outlen);
}

int gvtest_gvd_client_ok(const gvtest_gvd_t *g, const char *prog,
                         const char *mode)
{
    char out[8192], want[64];

    if (gvtest_gvd_client(g, prog, mode, out, sizeof(out)) != 0) {
        return -1;
    }
    snprintf(want, sizeof(want), "OK %s", mode);
    if (strstr(out, want) == NULL) {
        printf("\n      %s %s: no '%s' in: %s\n", prog, mode, want, out);
        return -1;
    }
    return 0;
}

static gvtest_gvd_t *suite_gvd; /* gvtest_gvd_main's g, for its suite */

static int suite_init(void)
{
    return gvtest_gvd_start(suite_gvd, "1G", NULL);
}

static int suite_fini(void)
{
    gvtest_gvd_stop(suite_gvd);
    return 0;
}

int gvtest_gvd_main(int argc, char **argv, gvtest_gvd_t *g,
                    const char *name, const gvtest_case_t *cases)
{
    const gvtest_suite_t suites[] = {
        { name, suite_init, suite_fini, cases },
        { NULL, NULL, NULL, NULL }
    };

    suite_gvd = g;
    signal(SIGPIPE, SIG_IGN);
    return gvtest_main(argc, argv, suites);
}
