/*
 * gvd_client.h - the state of one client inside its gvd-worker process.
 *
 * Created once by the worker's main after the handshake and destroyed
 * when the client leaves.  Everything is touched by the worker's single
 * thread only, except where a field says otherwise.
 */
#ifndef GVD_CLIENT_H
#define GVD_CLIENT_H

#include "gvd_backend.h"
#include "gvd_call.h"
#include "gvd_config.h"
#include "gvc_tables.h"
#include "gvt.h"

#include <stdint.h>
#include <sys/types.h>

/* A pinned buffer copies go through on their way to or from the GPU. */
typedef struct gvd_slot {
    void *buf;            /* pool->size bytes; pinned when 'pinned' */
    gvt_memh_t *memh;     /* its UCX registration, or NULL */
    cudaEvent_t ev;       /* recorded after the copy that uses it */
    int busy;             /* a GPU copy may still use it */
    int sending;          /* a reply part from it is still on the wire */
    int pinned;
} gvd_slot_t;

/* A ring of slots: one for host-to-device, one for device-to-host, so
 * receiving never waits for a send to finish (and vice versa). */
typedef struct gvd_pool {
    gvd_slot_t *s;        /* owned array */
    int n, next;
    size_t size;
} gvd_pool_t;

/* An asynchronous device-to-host copy: the GPU copies into a bounce
 * buffer; once its event fires the buffer goes to the client as the
 * reply of its detached call, and is freed when the send completes. */
typedef struct gvd_d2h {
    struct gvd_d2h *next;
    uint64_t call_id;
    uint32_t api_id;
    void *buf;            /* owned, len bytes */
    size_t len;
    gvt_memh_t *memh;
    cudaEvent_t ev;
    int64_t result;
    int pinned;
    int sent;             /* reply posted; waiting for the send to finish */
} gvd_d2h_t;

struct gvd_client {
    const gvd_config_t *cfg;
    gvd_backend_t *be;
    gvt_ctx_t *ctx;
    gvt_conn_t *conn;
    int ctl_fd;                 /* control socket: liveness */
    char name[128];             /* "pid@host" for logs */
    uint32_t client_pid;
    gvc_ptrset_t handles[GVD_H_MAX];
    gvc_rangeset_t mem;         /* device allocations */
    int64_t deferred;           /* first error of a one-way call */
    gvd_pool_t rx;              /* host-to-device staging */
    gvd_pool_t tx;              /* device-to-host staging */
    gvd_d2h_t *d2h_head, *d2h_tail; /* pending async D2H, in order */
    uint64_t calls, bytes_in, bytes_out, errors;
    void *kernels;              /* gvd_x_kernel.c state (owned there) */
    void *hostfn;               /* gvd_x_hostfn.c state */
    int stop;
};

/* Serve one client until it leaves or the worker is told to stop. */
int gvd_client_serve(gvd_client_t *cl);

/* Dispatch one request (gvt receive callback). */
void gvd_client_recv(gvt_conn_t *conn, gvt_msg_t *msg, void *arg);

/* Staging (gvd_x_memcpy.c). */
int gvd_staging_init(gvd_client_t *cl);
void gvd_staging_fini(gvd_client_t *cl);
void *gvd_staging_data_cb(gvt_conn_t *conn, const gvc_wire_hdr_t *hdr,
                          const void *args, void *arg, gvt_memh_t **memh_p,
                          void **cookie_p);
/* Send what finished of pending async D2H copies.  Called before every
 * reply and from the idle loop.  Returns 1 while copies are pending. */
int gvd_d2h_progress(gvd_client_t *cl);

/* Kernels and modules (gvd_x_kernel.c). */
void gvd_kernels_fini(gvd_client_t *cl);

/* Host functions run on the client (gvd_x_hostfn.c). */
void gvd_hostfn_fini(gvd_client_t *cl);

#endif
