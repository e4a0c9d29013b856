/*
 * gvd_hand.h - hand-written worker handlers (the special cases the
 * generator leaves to us) and their dispatch entries.
 */
#ifndef GVD_HAND_H
#define GVD_HAND_H

#include "gvd_call.h"
#include "gv_api_cudart.h"

#include <cuda_runtime_api.h>
#include <stddef.h>

extern const gvd_api_t gvd_hand_apis[];
extern const size_t gvd_hand_n_apis;

/* gvd_x_device.c */
void gvd_h_get_device_count(gvd_call_t *c);
void gvd_h_driver_get_version(gvd_call_t *c);
void gvd_h_device_synchronize(gvd_call_t *c);
void gvd_h_device_reset(gvd_call_t *c);
void gvd_h_malloc(gvd_call_t *c);
void gvd_h_malloc_pitch(gvd_call_t *c);
void gvd_h_malloc_3d(gvd_call_t *c);
void gvd_h_free(gvd_call_t *c);
void gvd_h_malloc_async(gvd_call_t *c);
void gvd_h_free_async(gvd_call_t *c);
void gvd_h_pointer_attributes(gvd_call_t *c);

/* gvd_x_memcpy.c */
void gvd_h_memcpy_h2d(gvd_call_t *c);
void gvd_h_memcpy_d2h(gvd_call_t *c);
void gvd_h_memcpy_d2d(gvd_call_t *c);
void gvd_h_memcpy_3d(gvd_call_t *c);
/* The stream of a copy with flags GVX_CPY_* (0, else the error), and
 * whether a strided device range is this client's memory. */
int64_t gvd_copy_stream(gvd_call_t *c, uint64_t stream, uint32_t flags,
                        cudaStream_t *s_p);
int gvd_span_ok(gvd_client_t *cl, uint64_t p, uint64_t pitch,
                uint64_t ysize, uint64_t width, uint64_t height,
                uint64_t depth);

/* gvd_x_cuda.c: the allocation holding device address p (driver table;
 * a CUresult, whose common values are the runtime's too). */
int64_t gvd_drv_address_range(const gvd_call_t *c, uint64_t p,
                              uint64_t *base_p, size_t *size_p);

/* gvd_x_ipc.c */
void gvd_h_ipc_open(gvd_call_t *c);

/* gvd_x_notify.c: driver log callbacks and async notifications; the
 * client's are undone when it leaves. */
void gvd_h_notify_reg(gvd_call_t *c);
void gvd_notify_fini(gvd_client_t *cl);

/* gvd_fdpass.c: file descriptors from the client (the descriptor of
 * tag, now the caller's, or -1 when none came); gvd_x_ext.c: imports. */
void gvd_h_fd_sock(gvd_call_t *c);
int gvd_fd_take(uint64_t tag);
void gvd_fd_fini(void);
void gvd_h_ext_import(gvd_call_t *c);

/* gvd_x_graph.c */
void gvd_h_graph_node(gvd_call_t *c);
void gvd_h_graph_node_get(gvd_call_t *c);
void gvd_h_graph_dot(gvd_call_t *c);
int gvd_copy3d_ok(gvd_call_t *c, const struct cudaMemcpy3DParms *p);

/* gvd_x_array.c */
void gvd_h_memcpy_array(gvd_call_t *c);

/* gvd_x_peer.c: copies worker to worker */
void gvd_h_peer_open(gvd_call_t *c);
void gvd_h_peer_connect(gvd_call_t *c);
void gvd_h_peer_put(gvd_call_t *c);

/* gvd_x_kernel.c */
void gvd_h_module_ensure(gvd_call_t *c);
void gvd_h_kernel_resolve(gvd_call_t *c);
void gvd_h_launch(gvd_call_t *c);
void gvd_h_symbol_resolve(gvd_call_t *c);
void gvd_h_func_get_attrs(gvd_call_t *c);
void gvd_h_func_set_attr(gvd_call_t *c);
void gvd_h_occupancy(gvd_call_t *c);
void gvd_h_occupancy_cluster(gvd_call_t *c);
void gvd_kernels_reset(gvd_client_t *cl);

/* gvd_x_hostfn.c */
void gvd_h_hostfn(gvd_call_t *c);
void gvd_hostfn_done(gvd_client_t *cl, const void *args, size_t len);
void gvd_h_user_object(gvd_call_t *c);
/* Graph host nodes: the function and argument a node gets for the
 * client's persistent host function id (the argument lives until exit),
 * and back (0 when fn/arg are not one of this client's). */
cudaHostFn_t gvd_hostnode_fn(void);
void *gvd_hostnode_arg(gvd_client_t *cl, uint64_t id);
int gvd_hostnode_id(gvd_client_t *cl, cudaHostFn_t fn, void *arg,
                    uint64_t *id_p);

/* Urgent events from the client (transport urgent callback). */
void gvd_client_urgent(gvt_conn_t *conn, const gvc_wire_hdr_t *hdr,
                       const void *args, void *arg);

#endif
