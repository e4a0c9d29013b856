/*
 * gvc_notify.h - state messages to the service manager (systemd's
 * sd_notify protocol) without libsystemd.
 *
 * Under a Type=notify unit systemd passes $NOTIFY_SOCKET, the path of a
 * datagram socket ("@name" for one in the abstract namespace).  A daemon
 * sends "READY=1" once it serves, so units ordered after it start only
 * then, and "STOPPING=1" when it begins an orderly shutdown.  Outside
 * systemd the variable is unset and gvc_notify does nothing.
 *
 * Called from the daemons' main threads only; no state is kept.
 */
#ifndef GVC_NOTIFY_H
#define GVC_NOTIFY_H

#include "gvc_status.h"

/* Send state (newline-separated VAR=value assignments, e.g. "READY=1")
 * to $NOTIFY_SOCKET.  Returns GVC_OK when sent or when the variable is
 * unset, GVC_ERR_INVALID for an unusable socket name or empty state,
 * GVC_ERR_IO when the send fails.  Never blocks for long: the socket is
 * a local datagram socket the manager reads. */
gvc_status_t gvc_notify(const char *state);

#endif
