/*
 * gvr_msgio.c - records over gvc_ctl framing.
 */
#include "config.h"

#include "gvr_msgio.h"
#include "gvc_ctl.h"

#include <stdlib.h>
#include <string.h>

gvc_status_t gvr_msg_send(int fd, uint32_t id, uint16_t flags,
                          int64_t result, const gvr_layout_t *l,
                          const void *obj)
{
    uint8_t *buf = malloc(GVC_CTL_MAX_ARGS);
    size_t len = 0;
    gvc_status_t st;

    if (buf == NULL) {
        return GVC_ERR_NOMEM;
    }
    st = gvr_pack(l, obj, buf, GVC_CTL_MAX_ARGS, &len);
    if (st == GVC_OK) {
        st = gvc_ctl_send(fd, id, flags, result, buf, len);
    }
    free(buf);
    return st;
}

gvc_status_t gvr_msg_send_error(int fd, uint32_t id, gvc_status_t st,
                                const char *why)
{
    gvr_error_t e;

    gvr_strlcpy(e.message, why != NULL ? why : gvc_status_str(st),
                sizeof(e.message));
    return gvr_msg_send(fd, id, GVC_WF_REPLY, st, &gvr_layout_error, &e);
}

gvc_status_t gvr_msg_recv(int fd, long timeout_ms, gvc_wire_hdr_t *hdr_p,
                          uint8_t **args_p, size_t *len_p)
{
    uint8_t *buf = malloc(GVC_CTL_MAX_ARGS);
    gvc_status_t st;

    *args_p = NULL;
    *len_p = 0;
    if (buf == NULL) {
        return GVC_ERR_NOMEM;
    }
    st = gvc_ctl_recv(fd, timeout_ms, hdr_p, buf, GVC_CTL_MAX_ARGS, len_p);
    if (st != GVC_OK) {
        free(buf);
        return st;
    }
    *args_p = buf;
    return GVC_OK;
}
