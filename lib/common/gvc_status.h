/*
 * gvc_status.h - the one status type of gvirtus.
 *
 * Every module returns gvc_status_t: 0 is success, positive values mean
 * "in progress", negative values are errors.  A status becomes a CUDA error
 * code exactly once, at the frontend boundary (lib/gvf_errmap.c).
 */
#ifndef GVC_STATUS_H
#define GVC_STATUS_H

typedef enum gvc_status {
    GVC_OK                =   0,
    GVC_INPROGRESS        =   1,
    GVC_ERR_INVALID       =  -1, /* bad argument from the caller */
    GVC_ERR_NOMEM         =  -2, /* allocation failed */
    GVC_ERR_TRUNCATED     =  -3, /* wire: input ends before its lengths say */
    GVC_ERR_OVERFLOW      =  -4, /* wire/buffer: does not fit, or too large */
    GVC_ERR_PROTO         =  -5, /* wire: bad magic, garbled, unexpected */
    GVC_ERR_VERSION       =  -6, /* protocol version mismatch */
    GVC_ERR_IO            =  -7, /* system call failed (socket, file) */
    GVC_ERR_TRANSPORT     =  -8, /* UCX reported a failure */
    GVC_ERR_PEER_DOWN     =  -9, /* the other side went away */
    GVC_ERR_TIMEOUT       = -10, /* no answer within the configured time */
    GVC_ERR_CONFIG        = -11, /* bad configuration file or value */
    GVC_ERR_NOT_FOUND     = -12, /* no such object / key / handle */
    GVC_ERR_NOT_SUPPORTED = -13, /* feature not available here */
    GVC_ERR_BUSY          = -14, /* resource in use (port, max clients) */
    GVC_ERR_DENIED        = -15, /* authentication or lease refused */
    GVC_ERR_NO_DEVICE     = -16, /* no GPU / driver where one is needed */
    GVC_ERR_LIMIT         = -17, /* quota exceeded */
    GVC_ERR_INTERNAL      = -18, /* a bug: a state that should not happen */
    GVC_ERR_FORKED        = -19, /* a child forked after CUDA was set up */
    GVC_ERR_LAST_         = -20
} gvc_status_t;

/* A short, static, human-readable string for a status; never NULL. */
const char *gvc_status_str(gvc_status_t status);

/* A stable identifier such as "GVC_ERR_TIMEOUT"; never NULL. */
const char *gvc_status_name(gvc_status_t status);

#endif
