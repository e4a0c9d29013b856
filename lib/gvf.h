/*
 * gvf.h - the frontend core (libgvirtus): remote devices and calls.
 *
 * Every replacement library (libcudart.so.13, libcuda.so.1, ...) sits on
 * this.  On first use gvf_init() reads the server list (GVIRTUS_SERVERS,
 * client.ini), connects to each gvd and shakes hands; the remote GPUs
 * become devices 0..N-1.  A call is marshalled into a gvf_call_t on the
 * caller's stack, sent with gvf_call_sync() or gvf_call_oneway(), and the
 * reply is decoded from c->dec.
 *
 * Threads: everything here is thread-safe.  The current device is per
 * thread.  gvf_dev_t objects live until process exit (devices are never
 * removed), so pointers to them may be kept.
 */
#ifndef GVF_H
#define GVF_H

#include "gvc_status.h"
#include "gvc_wire.h"
#include "gvt.h"

#include <stddef.h>
#include <stdint.h>

#define GVF_INLINE_ARGS  512  /* args encoded on the stack; more: heap */
#define GVF_INLINE_REPLY 512

typedef struct gvf_dev gvf_dev_t;

/* ---- initialisation and devices ------------------------------------------ */

/* Connect to every configured server, once.  Thread-safe; later calls
 * return the first call's status at once.  Failures are logged with the
 * server's name and the reason. */
gvc_status_t gvf_init(void);

/* Nonzero in a child forked after this process's session was set up
 * (its first CUDA call): there gvf_init, gvf_call_init and
 * gvf_call_begin fail with GVC_ERR_FORKED, as native CUDA fails every
 * call in such a child, and nothing touches the parent's connections.
 * Code that reaches the transport without a call (pinned memory, file
 * descriptors) asks this first.  A child forked before the first CUDA
 * call sets up a session of its own. */
int gvf_forked(void);

/* Number of remote devices (0 before a successful gvf_init). */
int gvf_device_count(void);

/* Device by ordinal, or NULL when out of range. */
gvf_dev_t *gvf_dev(int ordinal);

/* The calling thread's current device and its setter; a thread that
 * never set one uses the process's default (0 unless changed with
 * gvf_set_default_ordinal, cudaSetValidDevices).  The setters do not
 * check the range; callers do. */
int gvf_current_ordinal(void);
void gvf_set_current_ordinal(int ordinal);
void gvf_set_default_ordinal(int ordinal);
gvf_dev_t *gvf_current_dev(void);

int gvf_dev_ordinal(const gvf_dev_t *dev);
const char *gvf_dev_name(const gvf_dev_t *dev); /* "host:port#gpu" */
gvt_conn_t *gvf_dev_conn(gvf_dev_t *dev);
uint64_t gvf_dev_chunk(const gvf_dev_t *dev); /* copy pipelining chunk */
int gvf_dev_chunks(const gvf_dev_t *dev); /* staging buffers of the worker */
gvt_ctx_t *gvf_ctx(void);

/* Log, once per device and per library (*reported: that library's bit
 * per ordinal), why calls on dev fail from now on: st, then "consequence"
 * (e.g. "cuBLAS calls on it fail with CUBLAS_STATUS_EXECUTION_FAILED"). */
void gvf_report_lost(gvf_dev_t *dev, gvc_status_t st,
                     _Atomic unsigned long *reported,
                     const char *consequence);

/* Hand file descriptor fd (still the caller's) to dev's worker, which
 * must be on this host; *tag_p names it in the call that uses it (the
 * worker takes it once).  GVC_ERR_NOT_SUPPORTED when the worker cannot
 * be reached that way (another host), logged once (gvf_fdpass.c). */
gvc_status_t gvf_fd_send(gvf_dev_t *dev, int fd, uint64_t *tag_p);

/* Per-device slots the replacement libraries use for their own state
 * (e.g. cudart's kernel cache).  Index by GVF_SLOT_*. */
enum {
    GVF_SLOT_CUDART = 0, GVF_SLOT_DRIVER = 1, GVF_SLOT_CUBLASLT = 2,
    GVF_SLOT_MAX = 8
};
void *gvf_dev_slot(gvf_dev_t *dev, int slot);

/* How many calls that change dev's primary context (flags, reset) have
 * run: what was read of it while this stayed the same still holds. */
unsigned gvf_dev_prim_gen(gvf_dev_t *dev);
void gvf_dev_set_slot(gvf_dev_t *dev, int slot, void *p);

/* An error reported later for an earlier one-way call on dev (the first
 * one since the last take), or 0.  Taking clears it. */
int64_t gvf_dev_take_deferred(gvf_dev_t *dev);

/* ---- calls ------------------------------------------------------------------ */

typedef struct gvf_call {
    gvf_dev_t *dev;
    gvt_out_t out;
    gvt_reply_t reply;
    gvc_enc_t enc;          /* encode the arguments here */
    gvc_dec_t dec;          /* after a sync call: the reply's arguments */
    uint8_t *heap_args;     /* owned: args larger than abuf */
    uint8_t *heap_reply;    /* owned: reply args larger than rbuf */
    uint8_t abuf[GVF_INLINE_ARGS];
    uint8_t rbuf[GVF_INLINE_REPLY];
} gvf_call_t;

/* Start a call of api on dev.  args_hint > GVF_INLINE_ARGS makes room on
 * the heap for that many argument bytes (for arrays, kernel params).
 * GVC_ERR_NOMEM, or GVC_ERR_FORKED in a forked child (gvf_forked); after
 * a failure, sending c fails with the same status and gvf_call_fini is
 * optional. */
gvc_status_t gvf_call_init(gvf_call_t *c, gvf_dev_t *dev, uint32_t api,
                           size_t args_hint);

/* The same on the calling thread's current device, the session started
 * first: GVC_OK, the session's error, GVC_ERR_NO_DEVICE (no current
 * device), GVC_ERR_NOMEM or GVC_ERR_FORKED (gvf_forked).  Each library
 * maps these to its statuses. */
gvc_status_t gvf_call_begin(gvf_call_t *c, uint32_t api, size_t args_hint);

/* Log "fn is not supported by gvirtus; what" once per fn (its string's
 * address), whichever library says it: every not-supported stub. */
void gvf_warn_unsupported(const char *fn, const char *what);

/* Make room for cap bytes of arguments (keeps what is encoded). */
gvc_status_t gvf_call_args_room(gvf_call_t *c, size_t cap);

/* Bulk payload to send with the request (zero-copy: valid until the call
 * returns).  memh may be NULL. */
void gvf_call_data_out(gvf_call_t *c, const void *data, size_t len,
                       gvt_memh_t *memh);

/* Where the reply's bulk data lands (up to cap bytes), and room for
 * reply arguments beyond GVF_INLINE_REPLY. */
void gvf_call_data_in(gvf_call_t *c, void *buf, size_t cap);
gvc_status_t gvf_call_reply_room(gvf_call_t *c, size_t cap);

/* Send and wait.  On GVC_OK, c->reply.result is the API's return code
 * and c->dec decodes the reply arguments.  Transport failures come back
 * as their gvc_status_t, never as a made-up API result. */
gvc_status_t gvf_call_sync(gvf_call_t *c);

/* Send without waiting; the daemon keeps any error for a later reply. */
gvc_status_t gvf_call_oneway(gvf_call_t *c);

/* Send a request whose reply only brings data into buf[0..cap) later
 * (asynchronous device-to-host copies into pinned memory).  Returns once
 * sent; an error in the eventual reply becomes the device's deferred
 * error.  Later replies on this device arrive after this one's data. */
gvc_status_t gvf_call_detached(gvf_call_t *c, void *buf, size_t cap);

/* Free what the call allocated.  Safe to call twice. */
void gvf_call_fini(gvf_call_t *c);

/* Per-call statistics (GVIRTUS_STATS=1), printed at exit.  Libraries
 * add a function naming their API ids. */
typedef const char *(*gvf_stats_namer_t)(uint32_t id);
int gvf_stats_on(void);
void gvf_stats_add_namer(gvf_stats_namer_t fn);
void gvf_stats_record(uint32_t id, uint64_t out, uint64_t in, uint64_t ns);
uint64_t gvf_stats_now(void);

/* Register or look up host memory registered with UCX (pinned buffers).
 * gvf_mem_find returns the registration covering [p, p+len) or NULL. */
gvc_status_t gvf_mem_add(void *p, size_t len, gvt_memh_t *memh);
gvt_memh_t *gvf_mem_remove(void *p);
gvt_memh_t *gvf_mem_find(const void *p, size_t len);

#endif
