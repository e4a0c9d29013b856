/*
 * gvf_copy.h - memory copies with a remote GPU, for the replacement
 * libraries (the driver API's cuMemcpy*; the runtime keeps its own copy
 * of the same logic in lib/cudart/cudart_copy.c).  They speak the copy
 * RPCs of gvd/gvd_x_memcpy.c (gvMemcpyH2D/D2H/D2D/3D, lib/gvx.h): host to
 * device in chunks of the worker's staging size, sent straight from the
 * caller's memory; device to host into the destination; asynchronous
 * copies into registered memory as detached calls.
 *
 * Each returns the transport status; when that is GVC_OK, *res_p is the
 * worker's answer (0 or the runtime's error code, which for copies is
 * the driver's code too).  Errors of earlier one-way calls are the
 * caller's to collect (gvf_dev_take_deferred).
 *
 * Threads: thread-safe, like gvf calls.
 */
#ifndef GVF_COPY_H
#define GVF_COPY_H

#include "gvf.h"

#include <stddef.h>
#include <stdint.h>

/* flags: GVX_CPY_ASYNC (stream-ordered, no wait), GVX_CPY_PTDS. */
gvc_status_t gvf_copy_h2d(gvf_dev_t *dev, uint64_t dst, const void *src,
                          size_t n, uint64_t stream, uint32_t flags,
                          int64_t *res_p);
gvc_status_t gvf_copy_d2h(gvf_dev_t *dev, void *dst, uint64_t src, size_t n,
                          uint64_t stream, uint32_t flags, int64_t *res_p);
gvc_status_t gvf_copy_d2d(gvf_dev_t *dev, uint64_t dst, uint64_t src,
                          size_t n, uint64_t stream, uint32_t flags,
                          int64_t *res_p);

/* One side of a strided copy: first byte, bytes between rows, rows per
 * slice; on_dev says which memory p is in. */
typedef struct gvf_side {
    char *p;
    size_t pitch, ysize;
    int on_dev;
} gvf_side_t;

/* Host side h's rows to (to_buf) or from buf, where they lie packed:
 * w bytes a row, rows rows a slice, depth slices. */
void gvf_host_pack(const gvf_side_t *h, char *buf, size_t w, size_t rows,
                   size_t depth, int to_buf);

/* width bytes x height rows x depth slices.  Host to host is done here;
 * otherwise the device side(s) must be on dev. */
gvc_status_t gvf_copy_3d(gvf_dev_t *dev, const gvf_side_t *dst,
                         const gvf_side_t *src, size_t width, size_t height,
                         size_t depth, uint64_t stream, uint32_t flags,
                         int64_t *res_p);

/*
 * Between the remote devices of two workers, worker to worker over UCX
 * (gvf_peer.c, gvd/gvd_x_peer.c): n bytes from src on sdev to dst on
 * ddev.  Returns when the data is on ddev's GPU, asynchronous copies
 * (GVX_CPY_ASYNC, in stream, which may be either device's) included.
 * GVC_ERR_NOT_SUPPORTED when a gvd is too old for it: copy through this
 * process then.  The link between the two workers is made on the first
 * copy and kept (gvf_peer_link); gvf_peer_forget drops it.
 */
gvc_status_t gvf_copy_peer(gvf_dev_t *ddev, uint64_t dst, gvf_dev_t *sdev,
                           uint64_t src, size_t n, uint64_t stream,
                           uint32_t flags, int64_t *res_p);
gvc_status_t gvf_peer_link(gvf_dev_t *src, gvf_dev_t *dst,
                           uint32_t *link_p, int64_t *res_p);
void gvf_peer_forget(gvf_dev_t *a, gvf_dev_t *b);

#endif
