/*
 * cudart_peer.c - peer access between devices, and device lists.
 *
 * Every remote GPU is served by its own worker process (often on its own
 * host), so no device can map another's memory: the answers are those
 * CUDA gives for two GPUs that cannot reach each other (access 0 with
 * cudaSuccess, enabling refused with cudaErrorPeerAccessUnsupported).
 * Copies between devices still work: cudaMemcpyPeer and copies between
 * pointers of two devices go worker to worker (cudart_copy.c,
 * lib/gvf_peer.c), cudaMemcpy3DPeer through the client.  PyTorch and
 * NCCL ask these before every multi-GPU setup.
 */
#include "config.h"

#include "gvrt.h"

#include <string.h>

/* Both ordinals name remote devices: 0, or the error to return. */
static cudaError_t two_devices(int a, int b)
{
    gvc_status_t st = gvf_init();

    if (st != GVC_OK) {
        return gvrt_status_to_error(st);
    }
    if (gvf_dev(a) == NULL || gvf_dev(b) == NULL) {
        return cudaErrorInvalidDevice;
    }
    return cudaSuccess;
}

GVRT_API cudaError_t CUDARTAPI cudaDeviceCanAccessPeer(int *canAccessPeer,
                                                       int device,
                                                       int peerDevice)
{
    cudaError_t err;

    if (canAccessPeer == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = two_devices(device, peerDevice);
    if (err != cudaSuccess) {
        return gvrt_fail(err);
    }
    *canAccessPeer = 0;
    return cudaSuccess;
}

GVRT_API cudaError_t CUDARTAPI cudaDeviceEnablePeerAccess(int peerDevice,
                                                          unsigned int flags)
{
    cudaError_t err = two_devices(gvf_current_ordinal(), peerDevice);

    if (err == cudaSuccess && flags != 0) {
        err = cudaErrorInvalidValue;
    } else if (err == cudaSuccess && peerDevice == gvf_current_ordinal()) {
        err = cudaErrorInvalidDevice;
    } else if (err == cudaSuccess) {
        err = cudaErrorPeerAccessUnsupported;
    }
    return gvrt_fail(err);
}

GVRT_API cudaError_t CUDARTAPI cudaDeviceDisablePeerAccess(int peerDevice)
{
    cudaError_t err = two_devices(gvf_current_ordinal(), peerDevice);

    /* Access was never enabled, so there is nothing to disable. */
    return gvrt_fail(err != cudaSuccess ? err
                                        : cudaErrorPeerAccessNotEnabled);
}

GVRT_API cudaError_t CUDARTAPI cudaDeviceGetP2PAttribute(
    int *value, enum cudaDeviceP2PAttr attr, int srcDevice, int dstDevice)
{
    cudaError_t err;

    if (value == NULL || attr < cudaDevP2PAttrPerformanceRank ||
        attr > cudaDevP2PAttrOnlyPartialNativeAtomicSupported) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = two_devices(srcDevice, dstDevice);
    if (err == cudaSuccess && srcDevice == dstDevice) {
        err = cudaErrorInvalidDevice;
    }
    if (err != cudaSuccess) {
        return gvrt_fail(err);
    }
    *value = 0; /* no access, no atomics, no arrays, rank 0 */
    return cudaSuccess;
}

GVRT_API cudaError_t CUDARTAPI cudaDeviceGetP2PAtomicCapabilities(
    unsigned int *capabilities, const enum cudaAtomicOperation *operations,
    unsigned int count, int srcDevice, int dstDevice)
{
    cudaError_t err;

    if (capabilities == NULL || operations == NULL || count == 0) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = two_devices(srcDevice, dstDevice);
    if (err == cudaSuccess && srcDevice == dstDevice) {
        err = cudaErrorInvalidDevice;
    }
    if (err != cudaSuccess) {
        return gvrt_fail(err);
    }
    memset(capabilities, 0, count * sizeof(*capabilities));
    return cudaSuccess;
}

/*
 * The devices a thread that never called cudaSetDevice uses, in order of
 * preference: the first one becomes the process's default device (every
 * remote GPU is usable once connected, so the first is taken).  An empty
 * list restores device 0.
 */
GVRT_API cudaError_t CUDARTAPI cudaSetValidDevices(int *device_arr, int len)
{
    gvc_status_t st = gvf_init();

    if (st != GVC_OK) {
        return gvrt_fail(gvrt_status_to_error(st));
    }
    if (len < 0 || (len > 0 && device_arr == NULL)) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    for (int i = 0; i < len; i++) {
        if (gvf_dev(device_arr[i]) == NULL) {
            return gvrt_fail(cudaErrorInvalidDevice);
        }
        for (int j = 0; j < i; j++) {
            if (device_arr[j] == device_arr[i]) {
                return gvrt_fail(cudaErrorInvalidValue);
            }
        }
    }
    gvf_set_default_ordinal(len > 0 ? device_arr[0] : 0);
    return cudaSuccess;
}
