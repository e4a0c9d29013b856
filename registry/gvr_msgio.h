/*
 * gvr_msgio.h - send and receive registry records over a gvc_ctl socket.
 * Shared by the client library and the daemon.  Stateless and
 * thread-safe; buffers are per call.
 */
#ifndef GVR_MSGIO_H
#define GVR_MSGIO_H

#include "gvc_status.h"
#include "gvc_wire.h"
#include "gvr_proto.h"

#include <stddef.h>
#include <stdint.h>

/* Pack obj with l and send it as one message (id, flags, result).
 * GVC_ERR_OVERFLOW when it exceeds GVC_CTL_MAX_ARGS. */
gvc_status_t gvr_msg_send(int fd, uint32_t id, uint16_t flags,
                          int64_t result, const gvr_layout_t *l,
                          const void *obj);

/* A failure reply: result st (< 0) and a gvr_error_t saying why. */
gvc_status_t gvr_msg_send_error(int fd, uint32_t id, gvc_status_t st,
                                const char *why);

/*
 * Receive one message within timeout_ms.  *args_p is malloc'ed (the
 * caller frees it, also on failure it is NULL); *len_p its length.
 */
gvc_status_t gvr_msg_recv(int fd, long timeout_ms, gvc_wire_hdr_t *hdr_p,
                          uint8_t **args_p, size_t *len_p);

#endif
