/*
 * gvc_ctl.h - framed control messages over TCP (client<->gvd handshake,
 * gvctl<->gvd status, registry protocol).
 *
 * The control socket carries the handshake (protocol version, identity,
 * credential, UCX worker addresses) and then stays open as the liveness
 * channel: when either side dies, the other sees EOF.  Messages are gvc
 * wire headers followed by args_len bytes of arguments; data_len is 0.
 * Blocking helpers take a timeout; gvc_ctl_reader_t reads one message
 * incrementally from a non-blocking socket for event loops.
 */
#ifndef GVC_CTL_H
#define GVC_CTL_H

#include "gvc_status.h"
#include "gvc_wire.h"

#include <stddef.h>

/* Largest control message (arguments) either side accepts. */
#define GVC_CTL_MAX_ARGS (64u * 1024u)

/* Listen on addr:port (addr "" or "*" for all).  port 0 picks a free
 * port; *port_p receives the actual one.  GVC_ERR_BUSY if in use. */
gvc_status_t gvc_ctl_listen(const char *addr, int port, int backlog,
                            int *fd_p, int *port_p, char *err,
                            size_t errlen);

/* Connect to host:port within timeout_ms.  err names the target. */
gvc_status_t gvc_ctl_connect(const char *host, int port, long timeout_ms,
                             int *fd_p, char *err, size_t errlen);

/* Send one message (blocking, no SIGPIPE). */
gvc_status_t gvc_ctl_send(int fd, uint32_t api_id, uint16_t flags,
                          int64_t result, const void *args, size_t len);

/* Receive one message within timeout_ms (0: wait forever).  The args are
 * copied to args[0..cap); more than cap is GVC_ERR_OVERFLOW.  EOF before
 * a whole message is GVC_ERR_PEER_DOWN. */
gvc_status_t gvc_ctl_recv(int fd, long timeout_ms, gvc_wire_hdr_t *hdr_p,
                          void *args, size_t cap, size_t *len_p);

/* Incremental reader for a non-blocking socket. */
typedef struct gvc_ctl_reader {
    unsigned char *buf;   /* owned; gvc_ctl_reader_fini frees */
    size_t have;
    size_t want;          /* header size, then header + args */
    int have_hdr;         /* hdr is valid and want includes the args */
    gvc_wire_hdr_t hdr;
} gvc_ctl_reader_t;

void gvc_ctl_reader_init(gvc_ctl_reader_t *r);
void gvc_ctl_reader_fini(gvc_ctl_reader_t *r);
/* Read what is available.  GVC_OK: a whole message is in r->hdr and
 * r->buf + GVC_WIRE_HDR_SIZE; GVC_INPROGRESS: need more; errors: EOF
 * (GVC_ERR_PEER_DOWN), bad header, or args over GVC_CTL_MAX_ARGS. */
gvc_status_t gvc_ctl_reader_feed(gvc_ctl_reader_t *r, int fd);

#endif
