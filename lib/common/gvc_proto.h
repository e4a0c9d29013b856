/*
 * gvc_proto.h - control messages on the TCP control channel.
 *
 * Handshake: the client connects to gvd's port and sends HELLO (who it
 * is, its credential, which exposed GPU it wants, its UCX worker
 * address).  gvd either answers REFUSE (status + reason) and closes, or
 * hands the socket to a new worker process, which answers WELCOME (its
 * UCX address and what it serves).  From then on the socket is silent
 * and only says, by closing, that one side is gone.
 *
 * STATUS (gvctl, monitoring) is the other first message gvd accepts: its
 * arguments are gvc_status_req_pack()'s (a credential and flags); gvd
 * answers STATUS_REPLY with a gvc_report_t (gvc_report.h) or REFUSE, and
 * closes.  No worker is started for it.  Every message carries the
 * protocol version in its header: a mismatch is reported on both sides
 * by number.  A gvd older than STATUS answers it with REFUSE ("malformed
 * HELLO"), which gvctl reports as such.
 */
#ifndef GVC_PROTO_H
#define GVC_PROTO_H

#include "gvc_status.h"

#include <stddef.h>
#include <stdint.h>

/* Control message ids (below the range of generated API ids). */
enum {
    GVC_CTL_HELLO   = 0x100,
    GVC_CTL_WELCOME = 0x101,
    GVC_CTL_REFUSE  = 0x102,
    GVC_CTL_STATUS  = 0x110,
    GVC_CTL_STATUS_REPLY = 0x111,
};

#define GVC_PROTO_MAX_STR  256
#define GVC_PROTO_MAX_ADDR 16384 /* UCX worker addresses are ~100-2000 B */
#define GVC_PROTO_MAX_CRED 8192  /* a registry lease (GVR_CRED_MAX) */

typedef struct gvc_hello {
    const char *client_host;  /* views into the decoded buffer, or owned */
    uint32_t pid;
    uint32_t uid;
    const char *job_id;       /* "" when not in a job */
    const char *credential;   /* lease credential or shared secret; "" */
    int32_t gpu;              /* index into the gvd's exposed GPUs */
    const char *version;      /* client package version */
    const void *ucx_addr;
    size_t ucx_addr_len;
} gvc_hello_t;

typedef struct gvc_welcome {
    const void *ucx_addr;
    size_t ucx_addr_len;
    uint32_t worker_pid;
    int32_t gpu;              /* the exposed index served */
    const char *version;      /* gvd package version */
    const char *device;       /* "cuda" or "sim" */
    uint64_t chunk;           /* copy pipelining chunk (staging size) */
    uint32_t chunks;          /* staging buffers: chunks worth sending ahead */
} gvc_welcome_t;

/* Pack into buf (cap bytes); *len_p gets the size.  GVC_ERR_OVERFLOW. */
gvc_status_t gvc_hello_pack(const gvc_hello_t *h, void *buf, size_t cap,
                            size_t *len_p);
/* Unpack; strings and address point into buf, which must outlive h.
 * GVC_ERR_PROTO on anything malformed or over the limits. */
gvc_status_t gvc_hello_unpack(const void *buf, size_t len, gvc_hello_t *h);

gvc_status_t gvc_welcome_pack(const gvc_welcome_t *w, void *buf,
                              size_t cap, size_t *len_p);
gvc_status_t gvc_welcome_unpack(const void *buf, size_t len,
                                gvc_welcome_t *w);

#endif
