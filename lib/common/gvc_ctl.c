/*
 * gvc_ctl.c - TCP control channel: listen, connect, framed messages.
 */
#include "config.h"

#include "gvc_ctl.h"
#include "gvc_log.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long ctl_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

gvc_status_t gvc_ctl_listen(const char *addr, int port, int backlog,
                            int *fd_p, int *port_p, char *err,
                            size_t errlen)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC,
                              .ai_socktype = SOCK_STREAM,
                              .ai_flags = AI_PASSIVE };
    struct addrinfo *res = NULL, *ai;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    char portstr[16];
    int fd = -1, one = 1, r, saved = 0;

    snprintf(portstr, sizeof(portstr), "%d", port);
    if (addr != NULL && (addr[0] == '\0' || strcmp(addr, "*") == 0)) {
        addr = NULL;
    }
    r = getaddrinfo(addr, portstr, &hints, &res);
    if (r != 0) {
        snprintf(err, errlen, "cannot resolve listen address '%s': %s",
                 addr ? addr : "*", gai_strerror(r));
        return GVC_ERR_CONFIG;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
                    ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
            listen(fd, backlog) == 0) {
            break;
        }
        saved = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, errlen, "cannot listen on %s:%d: %s",
                 addr ? addr : "*", port, strerror(saved));
        return saved == EADDRINUSE ? GVC_ERR_BUSY : GVC_ERR_IO;
    }
    if (port_p != NULL) {
        *port_p = port;
        if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
            *port_p = ss.ss_family == AF_INET6
                ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                : ntohs(((struct sockaddr_in *)&ss)->sin_port);
        }
    }
    *fd_p = fd;
    return GVC_OK;
}

static gvc_status_t ctl_wait(int fd, short events, long deadline)
{
    struct pollfd pfd = { .fd = fd, .events = events };
    long left;
    int r;

    for (;;) {
        left = deadline > 0 ? deadline - ctl_now_ms() : -1;
        if (deadline > 0 && left <= 0) {
            return GVC_ERR_TIMEOUT;
        }
        r = poll(&pfd, 1, deadline > 0 ? (int)left : -1);
        if (r > 0) {
            return GVC_OK;
        }
        if (r < 0 && errno != EINTR) {
            return GVC_ERR_IO;
        }
    }
}

gvc_status_t gvc_ctl_connect(const char *host, int port, long timeout_ms,
                             int *fd_p, char *err, size_t errlen)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC,
                              .ai_socktype = SOCK_STREAM };
    long deadline = timeout_ms > 0 ? ctl_now_ms() + timeout_ms : 0;
    struct addrinfo *res = NULL, *ai;
    gvc_status_t st = GVC_ERR_IO;
    char portstr[16];
    int fd = -1, r, one = 1, saved = ECONNREFUSED, flags;
    socklen_t sl;

    snprintf(portstr, sizeof(portstr), "%d", port);
    r = getaddrinfo(host, portstr, &hints, &res);
    if (r != 0) {
        snprintf(err, errlen, "cannot resolve %s: %s", host,
                 gai_strerror(r));
        return GVC_ERR_CONFIG;
    }
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
                                       SOCK_NONBLOCK, ai->ai_protocol);
        if (fd < 0) {
            saved = errno;
            continue;
        }
        r = connect(fd, ai->ai_addr, ai->ai_addrlen);
        if (r < 0 && errno == EINPROGRESS) {
            st = ctl_wait(fd, POLLOUT, deadline);
            sl = sizeof(saved);
            if (st == GVC_OK &&
                getsockopt(fd, SOL_SOCKET, SO_ERROR, &saved, &sl) == 0 &&
                saved == 0) {
                r = 0;
            } else if (st == GVC_ERR_TIMEOUT) {
                saved = ETIMEDOUT;
            }
        } else if (r < 0) {
            saved = errno;
        }
        if (r == 0) {
            break;
        }
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0) {
        snprintf(err, errlen, "cannot connect to gvd at %s:%d: %s", host,
                 port, strerror(saved));
        return saved == ETIMEDOUT ? GVC_ERR_TIMEOUT : GVC_ERR_PEER_DOWN;
    }
    flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    *fd_p = fd;
    return GVC_OK;
}

static gvc_status_t ctl_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    ssize_t r;

    while (len > 0) {
        r = send(fd, p, len, MSG_NOSIGNAL);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                ctl_wait(fd, POLLOUT, ctl_now_ms() + 5000);
                continue;
            }
            return errno == EPIPE || errno == ECONNRESET ? GVC_ERR_PEER_DOWN
                                                         : GVC_ERR_IO;
        }
        p += r;
        len -= (size_t)r;
    }
    return GVC_OK;
}

gvc_status_t gvc_ctl_send(int fd, uint32_t api_id, uint16_t flags,
                          int64_t result, const void *args, size_t len)
{
    unsigned char *buf;
    gvc_wire_hdr_t hdr;
    gvc_status_t st;

    if (len > GVC_CTL_MAX_ARGS) {
        return GVC_ERR_OVERFLOW;
    }
    buf = malloc(GVC_WIRE_HDR_SIZE + len);
    if (buf == NULL) {
        return GVC_ERR_NOMEM;
    }
    gvc_wire_hdr_init(&hdr, api_id, flags, 0);
    hdr.args_len = (uint32_t)len;
    hdr.result = result;
    gvc_wire_hdr_pack(&hdr, buf);
    if (len > 0) {
        memcpy(buf + GVC_WIRE_HDR_SIZE, args, len);
    }
    st = ctl_write_all(fd, buf, GVC_WIRE_HDR_SIZE + len);
    free(buf);
    return st;
}

static gvc_status_t ctl_read_all(int fd, void *buf, size_t len,
                                 long deadline)
{
    char *p = buf;
    gvc_status_t st;
    ssize_t r;

    while (len > 0) {
        st = ctl_wait(fd, POLLIN, deadline);
        if (st != GVC_OK) {
            return st;
        }
        r = recv(fd, p, len, 0);
        if (r == 0) {
            return GVC_ERR_PEER_DOWN;
        }
        if (r < 0) {
            if (errno == EINTR || errno == EAGAIN) {
                continue;
            }
            return errno == ECONNRESET ? GVC_ERR_PEER_DOWN : GVC_ERR_IO;
        }
        p += r;
        len -= (size_t)r;
    }
    return GVC_OK;
}

gvc_status_t gvc_ctl_recv(int fd, long timeout_ms, gvc_wire_hdr_t *hdr_p,
                          void *args, size_t cap, size_t *len_p)
{
    long deadline = timeout_ms > 0 ? ctl_now_ms() + timeout_ms : 0;
    unsigned char hbuf[GVC_WIRE_HDR_SIZE];
    gvc_status_t st;

    *len_p = 0;
    st = ctl_read_all(fd, hbuf, sizeof(hbuf), deadline);
    if (st != GVC_OK) {
        return st;
    }
    st = gvc_wire_hdr_unpack(hbuf, sizeof(hbuf), hdr_p);
    if (st != GVC_OK) {
        return st;
    }
    if (hdr_p->data_len != 0 || hdr_p->args_len > GVC_CTL_MAX_ARGS) {
        return GVC_ERR_PROTO;
    }
    if (hdr_p->args_len > cap) {
        return GVC_ERR_OVERFLOW;
    }
    st = ctl_read_all(fd, args, hdr_p->args_len, deadline);
    if (st == GVC_OK) {
        *len_p = hdr_p->args_len;
    }
    return st;
}

void gvc_ctl_reader_init(gvc_ctl_reader_t *r)
{
    memset(r, 0, sizeof(*r));
    r->want = GVC_WIRE_HDR_SIZE;
}

void gvc_ctl_reader_fini(gvc_ctl_reader_t *r)
{
    free(r->buf);
    r->buf = NULL;
}

gvc_status_t gvc_ctl_reader_feed(gvc_ctl_reader_t *r, int fd)
{
    gvc_status_t st;
    ssize_t n;

    if (r->buf == NULL) {
        r->buf = malloc(GVC_WIRE_HDR_SIZE + GVC_CTL_MAX_ARGS);
        if (r->buf == NULL) {
            return GVC_ERR_NOMEM;
        }
    }
    for (;;) {
        if (r->have == r->want) {
            if (r->have_hdr) {
                return GVC_OK;
            }
            st = gvc_wire_hdr_unpack(r->buf, r->have, &r->hdr);
            if (st != GVC_OK) {
                return st;
            }
            if (r->hdr.data_len != 0 ||
                r->hdr.args_len > GVC_CTL_MAX_ARGS) {
                return GVC_ERR_PROTO;
            }
            r->have_hdr = 1;
            r->want = GVC_WIRE_HDR_SIZE + r->hdr.args_len;
            if (r->want == r->have) {
                return GVC_OK;
            }
        }
        n = recv(fd, r->buf + r->have, r->want - r->have, MSG_DONTWAIT);
        if (n == 0) {
            return GVC_ERR_PEER_DOWN;
        }
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return errno == EAGAIN || errno == EWOULDBLOCK ? GVC_INPROGRESS
                                                           : GVC_ERR_IO;
        }
        r->have += (size_t)n;
    }
}
