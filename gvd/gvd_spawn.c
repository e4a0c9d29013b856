/*
 * gvd_spawn.c - fork + exec of gvd-worker, and the setup pipe.
 */
#include "config.h"

#include "gvd_spawn.h"
#include "gvc_log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *gvd_worker_path(const gvd_config_t *cfg)
{
    char self[PATH_MAX], *slash, *path;
    ssize_t n;

    if (cfg->worker[0] != '\0') {
        return strdup(cfg->worker);
    }
    n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) {
        return strdup(GVD_LIBEXECDIR "/gvd-worker");
    }
    self[n] = '\0';
    slash = strrchr(self, '/');
    *slash = '\0';
    if (asprintf(&path, "%s/gvd-worker", self) < 0) {
        return NULL;
    }
    if (access(path, X_OK) != 0) {
        free(path);
        return strdup(GVD_LIBEXECDIR "/gvd-worker");
    }
    return path;
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    ssize_t r;

    while (n > 0) {
        r = write(fd, c, n);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return -1;
        }
        c += r;
        n -= (size_t)r;
    }
    return 0;
}

static int read_all(int fd, void *p, size_t n)
{
    char *c = p;
    ssize_t r;

    while (n > 0) {
        r = read(fd, c, n);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return -1;
        }
        c += r;
        n -= (size_t)r;
    }
    return 0;
}

_Static_assert(GVD_SETUP_FD == GVD_CTL_FD + 1 &&
               GVD_COUNTERS_FD == GVD_CTL_FD + 2,
               "spawn_child places the worker's fds as 3, 4, 5");

/* In the child, between fork and exec: only async-signal-safe calls.
 * fds[] (or -1) become fds 3, 4, 5: each is first copied above them,
 * so no dup2 clobbers one that is still to be placed. */
static void spawn_child(const char *path, int fds[3], const char *mode,
                        int gpu, int out_fd)
{
    char vis[32], *argv[] = { "gvd-worker", (char *)mode, NULL };
    sigset_t none;
    int devnull;

    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    if (out_fd >= 0) {
        dup2(out_fd, STDOUT_FILENO);
    } else if ((devnull = open("/dev/null", O_WRONLY | O_CLOEXEC)) >= 0) {
        dup2(devnull, STDOUT_FILENO); /* workers never write to stdout */
    }
    for (int i = 0; i < 3; i++) {
        if (fds[i] >= 0) {
            fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, GVD_COUNTERS_FD + 1);
        }
    }
    for (int i = 0; i < 3; i++) {
        if (fds[i] >= 0) {
            dup2(fds[i], GVD_CTL_FD + i); /* the copy is not close-on-exec */
        }
    }
    if (gpu >= 0) {
        snprintf(vis, sizeof(vis), "%d", gpu);
        setenv("CUDA_VISIBLE_DEVICES", vis, 1);
    }
    execv(path, argv);
    _exit(127);
}

/* The config text, and the lease section after it when there is one.
 * *owned_p is what the caller frees (NULL when text is cfg_text). */
static const char *spawn_text(const char *cfg_text, const gvd_lease_t *lease,
                              char **owned_p)
{
    char *sect;

    *owned_p = NULL;
    if (lease == NULL) {
        return cfg_text;
    }
    sect = gvd_config_lease_text(lease);
    if (sect == NULL || asprintf(owned_p, "%s%s", cfg_text, sect) < 0) {
        free(sect);
        *owned_p = NULL;
        return NULL;
    }
    free(sect);
    return *owned_p;
}

/* The setup is small (a few KiB): the pipe buffer takes it whole, so
 * this never blocks on a child that has not started reading yet. */
static void spawn_setup(int fd, pid_t pid, const char *text,
                        const void *hello, size_t hello_len)
{
    uint32_t clen = (uint32_t)strlen(text), hlen = (uint32_t)hello_len;

    if (write_all(fd, &clen, 4) != 0 || write_all(fd, text, clen) != 0 ||
        write_all(fd, &hlen, 4) != 0 ||
        write_all(fd, hello, hello_len) != 0) {
        gvc_warn("cannot pass setup to worker %d: %s", (int)pid,
                 strerror(errno));
    }
}

pid_t gvd_spawn_worker(const gvd_config_t *cfg, const char *cfg_text,
                       const gvd_lease_t *lease, const void *hello,
                       size_t hello_len, int ctl_fd, int counters_fd,
                       const char *mode, int gpu, int out_fd)
{
    char *owned, *path;
    const char *text;
    int pfd[2], saved;
    pid_t pid;

    text = spawn_text(cfg_text, lease, &owned);
    path = text != NULL ? gvd_worker_path(cfg) : NULL;
    if (path == NULL) {
        free(owned);
        errno = ENOMEM;
        return -1;
    }
    if (pipe2(pfd, O_CLOEXEC) != 0) {
        saved = errno;
        free(path);
        free(owned);
        errno = saved;
        return -1;
    }
    pid = fork();
    if (pid == 0) {
        int fds[3] = { ctl_fd, pfd[0], counters_fd };
        close(pfd[1]);
        spawn_child(path, fds, mode, gpu, out_fd);
    }
    saved = errno;
    free(path);
    close(pfd[0]);
    if (pid < 0) {
        close(pfd[1]);
        free(owned);
        errno = saved;
        return -1;
    }
    spawn_setup(pfd[1], pid, text, hello, hello_len);
    close(pfd[1]);
    free(owned);
    return pid;
}

int gvd_spawn_read_setup(int fd, char **cfg_text_p, void **hello_p,
                         size_t *hello_len_p)
{
    uint32_t clen, hlen;
    char *text = NULL;
    void *hello = NULL;

    if (read_all(fd, &clen, 4) != 0 || clen > (1u << 20) ||
        (text = calloc(1, clen + 1)) == NULL ||
        read_all(fd, text, clen) != 0 || read_all(fd, &hlen, 4) != 0 ||
        hlen > (1u << 20) || (hello = malloc(hlen ? hlen : 1)) == NULL ||
        read_all(fd, hello, hlen) != 0) {
        free(text);
        free(hello);
        return -1;
    }
    *cfg_text_p = text;
    *hello_p = hello;
    *hello_len_p = hlen;
    return 0;
}
