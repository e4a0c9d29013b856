/*
 * gvc_notify.c - sd_notify without libsystemd: one datagram to the
 * socket named by $NOTIFY_SOCKET.  The protocol is stable and documented
 * (sd_notify(3)); linking libsystemd for one sendto() would add a
 * dependency to every host that runs gvd.
 */
#include "config.h"

#include "gvc_notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Fill sa from the socket name; returns the address length or 0. */
static socklen_t notify_addr(const char *name, struct sockaddr_un *sa)
{
    size_t len = strlen(name);

    /* A path, or "@name" in the abstract namespace (leading NUL). */
    if ((name[0] != '/' && name[0] != '@') || len < 2 ||
        len >= sizeof(sa->sun_path)) {
        return 0;
    }
    memset(sa, 0, sizeof(*sa));
    sa->sun_family = AF_UNIX;
    memcpy(sa->sun_path, name, len);
    if (name[0] == '@') {
        sa->sun_path[0] = '\0';
        return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    }
    return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
}

gvc_status_t gvc_notify(const char *state)
{
    const char *name = getenv("NOTIFY_SOCKET");
    struct sockaddr_un sa;
    socklen_t salen;
    ssize_t n;
    int fd;

    if (name == NULL || name[0] == '\0') {
        return GVC_OK;
    }
    if (state == NULL || state[0] == '\0') {
        return GVC_ERR_INVALID;
    }
    salen = notify_addr(name, &sa);
    if (salen == 0) {
        return GVC_ERR_INVALID;
    }
    fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return GVC_ERR_IO;
    }
    do {
        n = sendto(fd, state, strlen(state), MSG_NOSIGNAL,
                   (const struct sockaddr *)&sa, salen);
    } while (n < 0 && errno == EINTR);
    close(fd);
    return n == (ssize_t)strlen(state) ? GVC_OK : GVC_ERR_IO;
}
