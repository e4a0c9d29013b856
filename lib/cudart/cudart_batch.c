/*
 * cudart_batch.c - batched copies (cudaMemcpyBatchAsync,
 * cudaMemcpy3DBatchAsync): the copies one after the other, in stream
 * order.  CUDA lets a batch's copies run in any order, so this is one
 * valid schedule; the attributes are hints about access order and
 * locations that copies in order satisfy.
 */
#include "config.h"

#include "gvrt.h"
#include "gvx.h"
#include "gvx_cuda.h"

#include <string.h>

/* CUDA refuses batches on the legacy default stream. */
static int legacy(cudaStream_t s, int per_thread)
{
    return (s == NULL && !per_thread) || s == cudaStreamLegacy;
}

static int order_ok(enum cudaMemcpySrcAccessOrder o)
{
    return o == cudaMemcpySrcAccessOrderStream ||
           o == cudaMemcpySrcAccessOrderDuringApiCall ||
           o == cudaMemcpySrcAccessOrderAny;
}

static cudaError_t batch(void *const *dsts, const void *const *srcs,
                         const size_t *sizes, size_t count,
                         const struct cudaMemcpyAttributes *attrs,
                         const size_t *idxs, size_t n_attrs, cudaStream_t s,
                         int per_thread)
{
    uint32_t flags = GVX_CPY_ASYNC | (per_thread ? GVX_CPY_PTDS : 0);

    if (dsts == NULL || srcs == NULL || sizes == NULL || count == 0 ||
        legacy(s, per_thread) || n_attrs > count ||
        (n_attrs > 0 && (attrs == NULL || idxs == NULL || idxs[0] != 0))) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    for (size_t i = 0; i < n_attrs; i++) {
        if (!order_ok(attrs[i].srcAccessOrder) || idxs[i] >= count ||
            (i > 0 && idxs[i] <= idxs[i - 1])) {
            return gvrt_fail(cudaErrorInvalidValue);
        }
    }
    if (per_thread && s == NULL) {
        s = cudaStreamPerThread;
    }
    for (size_t i = 0; i < count; i++) {
        cudaError_t err = gvrt_copy(dsts[i], srcs[i], sizes[i],
                                    cudaMemcpyDefault, s, flags);
        if (err != cudaSuccess) {
            return err;
        }
    }
    return cudaSuccess;
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpyBatchAsync(
    void *const *dsts, const void *const *srcs, const size_t *sizes,
    size_t count, struct cudaMemcpyAttributes *attrs, size_t *attrsIdxs,
    size_t numAttrs, cudaStream_t stream)
{
    return batch(dsts, srcs, sizes, count, attrs, attrsIdxs, numAttrs, stream,
                 0);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpyBatchAsync_ptsz(
    void *const *dsts, const void *const *srcs, const size_t *sizes,
    size_t count, struct cudaMemcpyAttributes *attrs, size_t *attrsIdxs,
    size_t numAttrs, cudaStream_t stream)
{
    return batch(dsts, srcs, sizes, count, attrs, attrsIdxs, numAttrs, stream,
                 1);
}

/* Element bytes of an array operand (1 for pointers). */
static cudaError_t operand_elem(const struct cudaMemcpy3DOperand *o,
                                size_t *elem)
{
    struct cudaChannelFormatDesc d;
    struct cudaExtent e;
    unsigned int flags;
    cudaError_t err;

    *elem = 1;
    if (o->type != cudaMemcpyOperandTypeArray) {
        return o->type == cudaMemcpyOperandTypePointer
                   ? cudaSuccess
                   : cudaErrorInvalidValue;
    }
    err = cudaArrayGetInfo(&d, &e, &flags, o->op.array.array);
    if (err == cudaSuccess) {
        *elem = (size_t)(d.x + d.y + d.z + d.w) / 8;
    }
    return err == cudaSuccess && *elem == 0 ? cudaErrorInvalidValue : err;
}

/* One operand as a side of cudaMemcpy3DParms; elem is the copy's
 * element size (the array's, 1 between pointers). */
static void operand_side(const struct cudaMemcpy3DOperand *o,
                         const struct cudaExtent *ext, size_t elem,
                         cudaArray_t *array, struct cudaPos *pos,
                         struct cudaPitchedPtr *pp)
{
    size_t row, layer;

    if (o->type == cudaMemcpyOperandTypeArray) {
        *array = o->op.array.array;
        pos->x = o->op.array.offset.x;
        pos->y = o->op.array.offset.y;
        pos->z = o->op.array.offset.z;
        return;
    }
    row = o->op.ptr.rowLength != 0 ? o->op.ptr.rowLength : ext->width;
    layer = o->op.ptr.layerHeight != 0 ? o->op.ptr.layerHeight : ext->height;
    *pp = gvx_pitched(o->op.ptr.ptr, row * elem, ext->width * elem, layer);
}

static cudaError_t op3d(const struct cudaMemcpy3DBatchOp *op, cudaStream_t s,
                        int per_thread)
{
    struct cudaMemcpy3DParms p;
    size_t se, de, elem;
    cudaError_t err;

    if (op->extent.width == 0 || op->extent.height == 0 ||
        op->extent.depth == 0 || !order_ok(op->srcAccessOrder)) {
        return cudaErrorInvalidValue;
    }
    err = operand_elem(&op->src, &se);
    if (err == cudaSuccess) {
        err = operand_elem(&op->dst, &de);
    }
    if (err != cudaSuccess) {
        return err;
    }
    if (op->src.type == cudaMemcpyOperandTypeArray &&
        op->dst.type == cudaMemcpyOperandTypeArray && se != de) {
        return cudaErrorInvalidValue;
    }
    elem = op->src.type == cudaMemcpyOperandTypeArray ? se : de;
    if ((op->src.type == cudaMemcpyOperandTypePointer &&
         op->src.op.ptr.rowLength != 0 &&
         op->src.op.ptr.rowLength < op->extent.width) ||
        (op->dst.type == cudaMemcpyOperandTypePointer &&
         op->dst.op.ptr.rowLength != 0 &&
         op->dst.op.ptr.rowLength < op->extent.width)) {
        return cudaErrorInvalidValue;
    }
    memset(&p, 0, sizeof(p));
    operand_side(&op->src, &op->extent, elem, &p.srcArray, &p.srcPos,
                 &p.srcPtr);
    operand_side(&op->dst, &op->extent, elem, &p.dstArray, &p.dstPos,
                 &p.dstPtr);
    p.kind = cudaMemcpyDefault;
    /* Between pointers the extent counts bytes already (elem 1). */
    p.extent = op->extent;
    return per_thread ? cudaMemcpy3DAsync_ptsz(&p, s)
                      : cudaMemcpy3DAsync(&p, s);
}

static cudaError_t batch3d(size_t n, const struct cudaMemcpy3DBatchOp *ops,
                           unsigned long long flags, cudaStream_t s,
                           int per_thread)
{
    if (ops == NULL || n == 0 || flags != 0 || legacy(s, per_thread)) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    for (size_t i = 0; i < n; i++) {
        cudaError_t err = op3d(&ops[i], s, per_thread);
        if (err != cudaSuccess) {
            return gvrt_fail(err);
        }
    }
    return cudaSuccess;
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpy3DBatchAsync(
    size_t numOps, struct cudaMemcpy3DBatchOp *opList,
    unsigned long long flags, cudaStream_t stream)
{
    return batch3d(numOps, opList, flags, stream, 0);
}

GVRT_API cudaError_t CUDARTAPI cudaMemcpy3DBatchAsync_ptsz(
    size_t numOps, struct cudaMemcpy3DBatchOp *opList,
    unsigned long long flags, cudaStream_t stream)
{
    return batch3d(numOps, opList, flags, stream, 1);
}
