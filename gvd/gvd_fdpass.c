/*
 * gvd_fdpass.c - file descriptors the client hands over (lib/gvf_fdpass.c
 * says how): the worker's abstract unix socket, and the descriptors that
 * came through it, kept by tag until a call takes them.
 *
 * The socket is made on the client's first gvFdSock and lives as long as
 * the worker.  Only messages that carry the nonce given to the client are
 * kept; anything else that connects is dropped.
 */
#include "config.h"

#include "gvd_client.h"
#include "gvd_hand.h"
#include "gvx.h"
#include "gvc_log.h"

#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define STASH 16
#define WAIT_MS 2000   /* the client sent before calling: never long */

static int lfd = -1;
static char name[48];
static uint8_t nonce[GVX_FD_NONCE];
static struct {
    uint64_t tag;
    int fd;                 /* -1: free */
} stash[STASH] = { [0 ... STASH - 1] = { 0, -1 } };

static int make_socket(void)
{
    uint8_t r[16];
    struct sockaddr_un a;
    size_t len;
    int fd;

    if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r) ||
        getrandom(nonce, sizeof(nonce), 0) != (ssize_t)sizeof(nonce)) {
        return -1;
    }
    len = (size_t)snprintf(name, sizeof(name), "gvirtus-fd-");
    for (size_t i = 0; i < sizeof(r); i++) {
        len += (size_t)snprintf(name + len, sizeof(name) - len, "%02x",
                                r[i]);
    }
    memset(&a, 0, sizeof(a));
    a.sun_family = AF_UNIX;
    memcpy(a.sun_path + 1, name, len); /* abstract: sun_path[0] is 0 */
    fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return -1;
    }
    if (bind(fd, (struct sockaddr *)&a,
             (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len)) !=
            0 ||
        listen(fd, STASH) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* gvFdSock {} -> { bytes name, raw nonce } */
void gvd_h_fd_sock(gvd_call_t *c)
{
    if (gvd_args_end(c)) {
        return;
    }
    if (lfd < 0 && (lfd = make_socket()) < 0) {
        gvc_warn("no socket for the client's file descriptors: %s",
                 strerror(errno));
        gvd_reply(c, gvd_err_not_supported(c));
        return;
    }
    gvc_enc_bytes(&c->enc, name, strlen(name));
    gvc_enc_raw(&c->enc, nonce, sizeof(nonce));
    gvd_reply(c, 0);
}

static void stash_put(uint64_t tag, int fd)
{
    int i;

    for (i = 0; i < STASH && stash[i].fd >= 0; i++) {
    }
    if (i == STASH) {
        /* Full of descriptors nobody asked for: drop the first. */
        i = 0;
        close(stash[0].fd);
    }
    stash[i].tag = tag;
    stash[i].fd = fd;
}

/* Take one waiting connection's descriptor into the stash; 0 when there
 * was a connection (kept or dropped), -1 when none is waiting. */
static int take_one(void)
{
    uint8_t msg[GVX_FD_NONCE + 8];
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } ctl;
    struct iovec iov = { msg, sizeof(msg) };
    struct msghdr mh;
    struct cmsghdr *cm;
    struct pollfd p;
    uint64_t tag;
    ssize_t n;
    int fd = -1, cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

    if (cfd < 0) {
        return -1;
    }
    /* The client sent before closing: the message is there or coming. */
    p.fd = cfd;
    p.events = POLLIN;
    memset(&mh, 0, sizeof(mh));
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl.buf;
    mh.msg_controllen = sizeof(ctl.buf);
    n = poll(&p, 1, WAIT_MS) == 1 ? recvmsg(cfd, &mh, MSG_CMSG_CLOEXEC) : -1;
    cm = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
    if (cm != NULL && cm->cmsg_level == SOL_SOCKET &&
        cm->cmsg_type == SCM_RIGHTS && cm->cmsg_len == CMSG_LEN(sizeof(int))) {
        memcpy(&fd, CMSG_DATA(cm), sizeof(int));
    }
    if (fd >= 0 && (n != (ssize_t)sizeof(msg) ||
                    (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ||
                    memcmp(msg, nonce, sizeof(nonce)) != 0)) {
        close(fd); /* not from our client */
        fd = -1;
    }
    if (fd >= 0) {
        memcpy(&tag, msg + GVX_FD_NONCE, sizeof(tag));
        stash_put(tag, fd);
    }
    close(cfd);
    return 0;
}

static long ms_since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

int gvd_fd_take(uint64_t tag)
{
    struct timespec t0;

    if (lfd < 0) {
        return -1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        struct pollfd p = { lfd, POLLIN, 0 };
        for (int i = 0; i < STASH; i++) {
            if (stash[i].fd >= 0 && stash[i].tag == tag) {
                int fd = stash[i].fd;
                stash[i].fd = -1;
                return fd;
            }
        }
        if (take_one() == 0) {
            continue;
        }
        if (ms_since(&t0) >= WAIT_MS || poll(&p, 1, 100) < 0) {
            return -1;
        }
    }
}

void gvd_fd_fini(void)
{
    for (int i = 0; i < STASH; i++) {
        if (stash[i].fd >= 0) {
            close(stash[i].fd);
            stash[i].fd = -1;
        }
    }
    if (lfd >= 0) {
        close(lfd);
        lfd = -1;
    }
}
