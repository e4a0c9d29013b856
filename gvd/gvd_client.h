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
#include "gvd_counters.h"
#include "gvc_tables.h"
#include "gvt.h"

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

/* A pinned buffer copies go through on their way to or from the GPU. */
typedef struct gvd_slot {
    void *buf;            /* pool->size bytes; pinned when 'pinned' */
    gvt_memh_t *memh;     /* its UCX registration, or NULL */
    cudaEvent_t ev;       /* recorded after the copy that uses it */
    int busy;             /* a GPU copy may still use it */
    int queued;           /* data landed for a message not yet handled */
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
 * buffer, then a host function in the same stream sends it to the client
 * as the reply of its detached call (from CUDA's callback thread: the
 * transport is thread-safe, and no CUDA call is made there).  The main
 * thread frees it once the send completed. */
typedef struct gvd_d2h {
    struct gvd_d2h *next;
    gvd_client_t *cl;
    uint64_t call_id;
    uint32_t api_id;
    void *buf;            /* owned, len bytes */
    size_t len;
    gvt_memh_t *memh;
    int64_t result;
    int pinned;
    atomic_int sent;      /* 1: reply posted; 2: send finished */
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
    gvd_counters_t *ctr;        /* live counters, shared with gvd; never
                                   NULL (gvd_counters_attach) */
    void *kernels;              /* gvd_x_kernel.c state (owned there) */
    void *hostfn;               /* gvd_x_hostfn.c state */
    void *peer;                 /* gvd_x_peer.c state (owned there) */
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
/* Free finished asynchronous D2H copies.  Returns 1 while some are
 * still pending (the idle loop then wakes up often to reap them). */
int gvd_d2h_progress(gvd_client_t *cl);

/* Per-call statistics (gvd_stats.c), on with GVIRTUS_STATS=1. */
int gvd_stats_on(void);
uint64_t gvd_stats_now(void);
void gvd_stats_record(const gvd_api_t *api, uint64_t in, uint64_t out,
                      uint64_t ns);
void gvd_stats_log(void);

/* Device printf output (gvd_stdout.c): capture fd 1, and send what it
 * got to the client before the reply of api (0: unconditionally). */
int gvd_stdout_start(void);
void gvd_stdout_flush(gvd_client_t *cl, uint32_t api);

/* Kernels and modules (gvd_x_kernel.c). */
void gvd_kernels_fini(gvd_client_t *cl);

/* Peer links to other workers of this client (gvd_x_peer.c): the
 * connections to wait on besides the client's (at most max), and
 * teardown at exit. */
int gvd_peer_conns(gvd_client_t *cl, gvt_conn_t **out, int max);
void gvd_peer_fini(gvd_client_t *cl);

/* Host functions run on the client (gvd_x_hostfn.c). */
void gvd_hostfn_fini(gvd_client_t *cl);

/* cuBLAS / cuBLASLt objects the client left (gvd_x_blas.c,
 * gvd_x_blaslt.c): destroyed before the context goes. */
void gvd_blas_fini(gvd_client_t *cl);

/* cuDNN objects the client left (gvd_x_dnn.c): destroyed before the
 * context goes. */
void gvd_dnn_fini(gvd_client_t *cl);

/* cuRAND generators the client left (gvd_x_rand.c): destroyed before
 * the context goes. */
void gvd_rand_fini(gvd_client_t *cl);

/* cuSOLVER objects the client left (gvd_x_solver.c): destroyed before
 * the context goes. */
void gvd_solver_fini(gvd_client_t *cl);

/* cuFFT plans the client left (gvd_x_fft.c): destroyed before the
 * context goes. */
void gvd_fft_fini(gvd_client_t *cl);

/* NVRTC programs the client left (gvd_x_rtc.c): destroyed. */
void gvd_rtc_fini(gvd_client_t *cl);

/* cuSPARSE objects the client left (gvd_x_sparse.c): destroyed before
 * the context goes. */
void gvd_sparse_fini(gvd_client_t *cl);

#endif
