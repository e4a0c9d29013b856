/*
 * gvd_stdout.c - device-side printf reaches the client's stdout.
 *
 * The CUDA driver writes a kernel's printf output to fd 1 of the process
 * that runs it, at synchronisation points.  Here that is the worker, so
 * its fd 1 is a pipe: a reader thread keeps the pipe from filling (a full
 * pipe would block the driver inside the very call we are serving), and
 * before every reply the main thread sends what was written as an event,
 * so the client prints it before the synchronising call returns - where a
 * native program would see it.
 */
#include "config.h"

#include "gvd_client.h"
#include "gvd_hand.h"
#include "gvc_log.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct {
    int fd;                 /* read end of the pipe, non-blocking */
    atomic_int maybe;       /* the reader saw output since the last flush */
    pthread_mutex_t lock;   /* guards reads of fd and buf */
    char *buf;
    size_t len, cap;
    pthread_t reader;
    int running;
} so = { .fd = -1, .lock = PTHREAD_MUTEX_INITIALIZER };

/* Read what the pipe holds into buf (lock held). */
static void drain_locked(void)
{
    char tmp[65536];
    ssize_t n;

    while ((n = read(so.fd, tmp, sizeof(tmp))) > 0) {
        if (so.len + (size_t)n > so.cap) {
            size_t cap = so.cap ? so.cap : 65536;
            char *nb;
            while (cap < so.len + (size_t)n) {
                cap *= 2;
            }
            nb = realloc(so.buf, cap);
            if (nb == NULL) {
                return; /* keep what we have; the rest waits in the pipe */
            }
            so.buf = nb;
            so.cap = cap;
        }
        memcpy(so.buf + so.len, tmp, (size_t)n);
        so.len += (size_t)n;
    }
}

static void *reader_main(void *unused)
{
    struct pollfd p = { .fd = so.fd, .events = POLLIN };

    (void)unused;
    for (;;) {
        if (poll(&p, 1, -1) < 0 && errno != EINTR) {
            return NULL;
        }
        if (p.revents & (POLLHUP | POLLERR | POLLNVAL)) {
            return NULL;
        }
        pthread_mutex_lock(&so.lock);
        drain_locked();
        atomic_store(&so.maybe, 1);
        pthread_mutex_unlock(&so.lock);
    }
}

int gvd_stdout_start(void)
{
    int p[2];

    if (pipe2(p, O_CLOEXEC) != 0) {
        return -1;
    }
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
    if (dup2(p[1], STDOUT_FILENO) < 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    close(p[1]);
    so.fd = p[0];
    if (pthread_create(&so.reader, NULL, reader_main, NULL) != 0) {
        return -1;
    }
    so.running = 1;
    return 0;
}

/* The calls after which the driver may have written printf output: it
 * flushes at synchronisation, blocking copies, module loads and frees. */
static int flushes(uint32_t api)
{
    static const uint32_t ids[] = {
        GV_API_cudaDeviceSynchronize, GV_API_cudaStreamSynchronize,
        GV_API_cudaStreamSynchronize_ptsz,
        GV_API_cudaEventSynchronize, GV_API_cudaDeviceReset,
        GV_API_gvMemcpyH2D, GV_API_gvMemcpyD2H, GV_API_gvMemcpyD2D,
        GV_API_gvMemcpy3D, GV_API_cudaFree, GV_API_gvModuleEnsure,
    };

    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        if (ids[i] == api) {
            return 1;
        }
    }
    return 0;
}

void gvd_stdout_flush(gvd_client_t *cl, uint32_t api)
{
    gvt_out_t out = { .api_id = GV_API_gvStdout, .flags = GVC_WF_EVENT };

    /* A read per reply would cost a system call on every call. */
    if (so.fd < 0 || (api != 0 && !flushes(api) && !atomic_load(&so.maybe))) {
        return;
    }
    atomic_store(&so.maybe, 0);
    pthread_mutex_lock(&so.lock);
    drain_locked();
    if (so.len > 0) {
        out.data = so.buf;
        out.data_len = so.len;
        gvt_send(cl->conn, &out); /* waits until the data left */
        so.len = 0;
    }
    pthread_mutex_unlock(&so.lock);
}
