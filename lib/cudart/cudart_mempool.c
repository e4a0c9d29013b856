/*
 * cudart_mempool.c - the pool and memory-range calls whose client side
 * is written by hand (their worker handlers are generated, lib/gen
 * "wsync"): pool allocations go into the client's allocation map, and
 * memory-range answers that name devices are turned into the client's
 * ordinals.
 */
#include "config.h"

#include "gvrt.h"
#include "gvrt_dev.h"
#include "gv_api_cudart.h"

#include <string.h>

/* Encoded as the generated handler decodes: { u8 ptr present, u64 size,
 * pool, stream } -> { ptr }. */
static cudaError_t pool_alloc(uint32_t api, void **ptr, size_t size,
                              cudaMemPool_t pool, cudaStream_t s)
{
    gvf_call_t c;
    gvc_status_t st;
    cudaError_t err;

    if (ptr == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = gvrt_begin(&c, api, 0);
    if (err != cudaSuccess) {
        return err;
    }
    gvc_enc_u8(&c.enc, 1);
    gvc_enc_u64(&c.enc, size);
    gvc_enc_ptr(&c.enc, pool);
    gvc_enc_ptr(&c.enc, s);
    st = gvf_call_sync(&c);
    if (gvrt_ok(&c, st)) {
        void *p = NULL;
        gvc_dec_ptr(&c.dec, &p);
        st = gvc_dec_finish(&c.dec);
        if (st == GVC_OK) {
            *ptr = p;
            gvrt_alloc_add(c.dev, p, size);
        }
    }
    return gvrt_end(&c, st);
}

GVRT_API cudaError_t CUDARTAPI cudaMallocFromPoolAsync(void **ptr,
                                                       size_t size,
                                                       cudaMemPool_t memPool,
                                                       cudaStream_t stream)
{
    return pool_alloc(GV_API_cudaMallocFromPoolAsync, ptr, size, memPool,
                      stream);
}

GVRT_API cudaError_t CUDARTAPI cudaMallocFromPoolAsync_ptsz(
    void **ptr, size_t size, cudaMemPool_t memPool, cudaStream_t stream)
{
    return pool_alloc(GV_API_cudaMallocFromPoolAsync_ptsz, ptr, size,
                      memPool, stream);
}

/* ---- memory ranges ------------------------------------------------------------- */

/* Attributes whose values are device ordinals (cudaCpuDeviceId and
 * cudaInvalidDeviceId, both negative, stay as they are). */
static int names_devices(enum cudaMemRangeAttribute a)
{
    return a == cudaMemRangeAttributePreferredLocation ||
           a == cudaMemRangeAttributeAccessedBy ||
           a == cudaMemRangeAttributeLastPrefetchLocation;
}

/* { u8 data present, u64 dataSize, i32 attribute, devPtr, u64 count }
 * -> data (array of dataSize bytes). */
static cudaError_t range_attr(void *data, size_t size,
                              enum cudaMemRangeAttribute a, const void *p,
                              size_t count, gvf_dev_t **dev_p)
{
    int owner = gvrt_alloc_owner(p, 0);
    gvf_call_t c;
    gvc_status_t st;
    cudaError_t err;

    if (data == NULL || size == 0 || size > ((size_t)16 << 20)) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = owner >= 0
              ? gvrt_begin_dev(&c, GV_API_cudaMemRangeGetAttribute, owner, 0)
              : gvrt_begin(&c, GV_API_cudaMemRangeGetAttribute, 0);
    if (err != cudaSuccess) {
        return err;
    }
    *dev_p = c.dev;
    gvc_enc_u8(&c.enc, 1);
    gvc_enc_u64(&c.enc, size);
    gvc_enc_i32(&c.enc, (int32_t)a);
    gvc_enc_ptr(&c.enc, p);
    gvc_enc_u64(&c.enc, count);
    st = gvf_call_reply_room(&c, size + 64);
    if (st == GVC_OK) {
        st = gvf_call_sync(&c);
    }
    if (gvrt_ok(&c, st)) {
        const void *v;
        uint32_t n = 0;
        gvc_dec_array(&c.dec, &v, &n, 1, (uint32_t)size);
        st = gvc_dec_finish(&c.dec);
        if (st == GVC_OK && (v == NULL || n != size)) {
            st = GVC_ERR_PROTO;
        }
        if (st == GVC_OK) {
            memcpy(data, v, size);
        }
    }
    return gvrt_end(&c, st);
}

/* The worker's only device is its ordinal 0: ours is the call's. */
static void ordinals_back(void *data, size_t size,
                          enum cudaMemRangeAttribute a, gvf_dev_t *dev)
{
    int *v = data;

    if (!names_devices(a)) {
        return;
    }
    for (size_t i = 0; i < size / sizeof(int); i++) {
        if (v[i] == 0) {
            v[i] = gvf_dev_ordinal(dev);
        }
    }
}

/* The *Id attributes name a device only when the matching *Type says
 * so (they may be a host NUMA node): ask for the type too. */
static cudaError_t location_id_back(void *data, size_t size,
                                    enum cudaMemRangeAttribute a,
                                    const void *p, size_t count,
                                    gvf_dev_t *dev)
{
    enum cudaMemRangeAttribute ta =
        a == cudaMemRangeAttributePreferredLocationId
            ? cudaMemRangeAttributePreferredLocationType
            : cudaMemRangeAttributeLastPrefetchLocationType;
    int type = 0;
    gvf_dev_t *tdev;
    cudaError_t err;

    if (size < sizeof(int)) {
        return cudaSuccess;
    }
    err = range_attr(&type, sizeof(type), ta, p, count, &tdev);
    if (err == cudaSuccess && type == cudaMemLocationTypeDevice &&
        *(int *)data == 0) {
        *(int *)data = gvf_dev_ordinal(dev);
    }
    return err;
}

GVRT_API cudaError_t CUDARTAPI cudaMemRangeGetAttribute(
    void *data, size_t dataSize, enum cudaMemRangeAttribute attribute,
    const void *devPtr, size_t count)
{
    gvf_dev_t *dev = NULL;
    cudaError_t err = range_attr(data, dataSize, attribute, devPtr, count,
                                 &dev);

    if (err != cudaSuccess) {
        return err;
    }
    if (attribute == cudaMemRangeAttributePreferredLocationId ||
        attribute == cudaMemRangeAttributeLastPrefetchLocationId) {
        return location_id_back(data, dataSize, attribute, devPtr, count,
                                dev);
    }
    ordinals_back(data, dataSize, attribute, dev);
    return cudaSuccess;
}

/* As CUDA: each attribute in turn, stopping at the first failure. */
GVRT_API cudaError_t CUDARTAPI cudaMemRangeGetAttributes(
    void **data, size_t *dataSizes, enum cudaMemRangeAttribute *attributes,
    size_t numAttributes, const void *devPtr, size_t count)
{
    if (data == NULL || dataSizes == NULL || attributes == NULL ||
        numAttributes == 0) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    for (size_t i = 0; i < numAttributes; i++) {
        cudaError_t err = cudaMemRangeGetAttribute(data[i], dataSizes[i],
                                                   attributes[i], devPtr,
                                                   count);
        if (err != cudaSuccess) {
            return err;
        }
    }
    return cudaSuccess;
}
