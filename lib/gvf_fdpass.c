/*
 * gvf_fdpass.c - file descriptors of this process handed to a worker on
 * the same host (CUDA imports external memory and semaphores from one).
 *
 * The worker listens on an abstract unix socket with a random name and
 * tells only its client the name and a random nonce (gvFdSock, asked
 * once per device).  To pass a descriptor the client connects, sends the
 * nonce and a tag with the descriptor (SCM_RIGHTS) and then names the
 * tag in the call that uses it; the worker takes descriptors only with
 * its nonce.  An abstract socket exists in one network namespace of one
 * host: from anywhere else the connection fails and the caller gets
 * GVC_ERR_NOT_SUPPORTED.
 */
#include "config.h"

#include "gvf.h"
#include "gvx.h"
#include "gv_api_cudart.h"
#include "gvc_log.h"

#include <errno.h>
#include <stddef.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* A worker's socket, asked for once per device; kept until exit. */
typedef struct fdsock {
    struct fdsock *next;
    gvf_dev_t *dev;
    gvc_status_t st;              /* GVC_OK, or why there is none */
    struct sockaddr_un addr;
    socklen_t addr_len;
    uint8_t nonce[GVX_FD_NONCE];
} fdsock_t;

static pthread_mutex_t flock = PTHREAD_MUTEX_INITIALIZER;
static fdsock_t *socks;
static atomic_ullong next_tag = 1;

/* gvFdSock {} -> { bytes name, raw nonce }: the worker's socket. */
static gvc_status_t ask(fdsock_t *s)
{
    const void *name = NULL;
    size_t len = 0;
    gvf_call_t c;
    gvc_status_t st = gvf_call_init(&c, s->dev, GV_API_gvFdSock, 0);

    if (st != GVC_OK) {
        return st;
    }
    st = gvf_call_sync(&c);
    if (st == GVC_OK && c.reply.result != 0) {
        st = GVC_ERR_NOT_SUPPORTED;
    }
    if (st == GVC_OK) {
        gvc_dec_bytes(&c.dec, &name, &len, sizeof(s->addr.sun_path) - 1);
        gvc_dec_raw(&c.dec, s->nonce, sizeof(s->nonce));
        st = gvc_dec_finish(&c.dec);
    }
    if (st == GVC_OK && len == 0) {
        st = GVC_ERR_PROTO;
    }
    if (st == GVC_OK) {
        s->addr.sun_family = AF_UNIX;
        s->addr.sun_path[0] = '\0'; /* abstract */
        memcpy(s->addr.sun_path + 1, name, len);
        s->addr_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
                                  1 + len);
    }
    gvf_call_fini(&c);
    return st;
}

/* The worker's socket of dev (asked for on first use); NULL when the
 * worker has none (*st_p says why). */
static const fdsock_t *sock_of(gvf_dev_t *dev, gvc_status_t *st_p)
{
    fdsock_t *s;

    pthread_mutex_lock(&flock);
    for (s = socks; s != NULL && s->dev != dev; s = s->next) {
    }
    if (s == NULL && (s = calloc(1, sizeof(*s))) != NULL) {
        s->dev = dev;
        s->st = ask(s);
        s->next = socks;
        socks = s;
    }
    pthread_mutex_unlock(&flock);
    *st_p = s == NULL ? GVC_ERR_NOMEM : s->st;
    return s != NULL && s->st == GVC_OK ? s : NULL;
}

gvc_status_t gvf_fd_send(gvf_dev_t *dev, int fd, uint64_t *tag_p)
{
    static atomic_int warned;
    uint8_t msg[GVX_FD_NONCE + 8];
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } ctl;
    struct iovec iov = { msg, sizeof(msg) };
    struct msghdr mh;
    struct cmsghdr *cm;
    const fdsock_t *s;
    gvc_status_t st;
    uint64_t tag;
    int sk;

    if (dev == NULL || fd < 0 || tag_p == NULL) {
        return GVC_ERR_INVALID;
    }
    if (gvf_forked()) {
        return GVC_ERR_FORKED; /* the socket is the parent's worker's */
    }
    s = sock_of(dev, &st);
    if (s == NULL) {
        return st;
    }
    sk = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (sk < 0) {
        return GVC_ERR_IO;
    }
    if (connect(sk, (const struct sockaddr *)&s->addr, s->addr_len) != 0) {
        if (atomic_exchange(&warned, 1) == 0) {
            gvc_warn("GPU %d (%s): file descriptors cannot reach its "
                     "worker (%s): CUDA imports them only on the GPU's "
                     "own host", gvf_dev_ordinal(dev), gvf_dev_name(dev),
                     strerror(errno));
        }
        close(sk);
        return GVC_ERR_NOT_SUPPORTED;
    }
    tag = atomic_fetch_add(&next_tag, 1);
    memcpy(msg, s->nonce, GVX_FD_NONCE);
    memcpy(msg + GVX_FD_NONCE, &tag, sizeof(tag));
    memset(&ctl, 0, sizeof(ctl));
    memset(&mh, 0, sizeof(mh));
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl.buf;
    mh.msg_controllen = sizeof(ctl.buf);
    cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cm), &fd, sizeof(int));
    st = sendmsg(sk, &mh, MSG_NOSIGNAL) == (ssize_t)sizeof(msg) ? GVC_OK
                                                                 : GVC_ERR_IO;
    close(sk);
    if (st == GVC_OK) {
        *tag_p = tag;
    }
    return st;
}
