/*
 * gvd_hand.c - dispatch entries of the hand-written handlers.
 */
#include "config.h"

#include "gvd_client.h"
#include "gvd_hand.h"

#define H(name, fn) { GV_API_##name, #name, GVD_LIB_CUDART, fn }

const gvd_api_t gvd_hand_apis[] = {
    H(cudaGetDeviceCount, gvd_h_get_device_count),
    H(cudaDriverGetVersion, gvd_h_driver_get_version),
    H(cudaDeviceSynchronize, gvd_h_device_synchronize),
    H(cudaDeviceReset, gvd_h_device_reset),
    H(cudaMalloc, gvd_h_malloc),
    H(cudaMallocPitch, gvd_h_malloc_pitch),
    H(cudaMalloc3D, gvd_h_malloc_3d),
    H(cudaFree, gvd_h_free),
    H(cudaMallocAsync, gvd_h_malloc_async),
    H(cudaFreeAsync, gvd_h_free_async),
    H(cudaPointerGetAttributes, gvd_h_pointer_attributes),
    H(gvMemcpyH2D, gvd_h_memcpy_h2d),
    H(gvMemcpyD2H, gvd_h_memcpy_d2h),
    H(gvMemcpyD2D, gvd_h_memcpy_d2d),
    H(gvMemcpy3D, gvd_h_memcpy_3d),
    H(gvMemcpyArray, gvd_h_memcpy_array),
    H(gvIpcOpen, gvd_h_ipc_open),
    H(gvPeerOpen, gvd_h_peer_open),
    H(gvPeerConnect, gvd_h_peer_connect),
    H(gvPeerPut, gvd_h_peer_put),
    H(gvModuleEnsure, gvd_h_module_ensure),
    H(gvKernelResolve, gvd_h_kernel_resolve),
    H(gvLaunch, gvd_h_launch),
    H(gvSymbolResolve, gvd_h_symbol_resolve),
    H(gvFuncGetAttrs, gvd_h_func_get_attrs),
    H(gvFuncSetAttr, gvd_h_func_set_attr),
    H(gvOccupancy, gvd_h_occupancy),
    H(gvOccupancyCluster, gvd_h_occupancy_cluster),
    H(gvHostFn, gvd_h_hostfn),
    H(gvUserObject, gvd_h_user_object),
    H(gvNotifyReg, gvd_h_notify_reg),
    H(gvFdSock, gvd_h_fd_sock),
    H(gvExtImport, gvd_h_ext_import),
    H(gvGraphNode, gvd_h_graph_node),
    H(gvGraphNodeGet, gvd_h_graph_node_get),
    H(gvGraphDot, gvd_h_graph_dot),
};

const size_t gvd_hand_n_apis = sizeof(gvd_hand_apis) / sizeof(gvd_hand_apis[0]);

void gvd_client_urgent(gvt_conn_t *conn, const gvc_wire_hdr_t *hdr,
                       const void *args, void *arg)
{
    (void)conn;
    if (hdr->api_id == GV_API_gvHostFnDone) {
        gvd_hostfn_done(arg, args, hdr->args_len);
    }
}
