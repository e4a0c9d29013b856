/*
 * gvdsim_dnn.c - a simulated cuDNN in libgvdsim.so (tests only), so that
 * `make check` drives the cuDNN marshalling end to end: handles and
 * their streams, tensor, filter and convolution descriptors, an FP32
 * NCHW convolution forward computed on the host memory behind the
 * simulated device memory, and backend descriptors that keep every
 * attribute set (any type, any count) and give it back.
 *
 * Backend descriptors read back as CUDNN_TYPE_BACKEND_DESCRIPTOR are
 * "filled" as cuDNN fills them: the caller's descriptor gets the stored
 * descriptor's attributes.  cudnnBackendExecute needs a finalized plan
 * and a variant pack whose CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS hold
 * two device pointers x and y: it writes y[0] = 2 * x[0] (a stand-in
 * for a graph, enough to prove the pointers arrived).
 *
 * Everything else is absent (the worker answers
 * CUDNN_STATUS_NOT_SUPPORTED).  Memory a call would touch outside the
 * client's allocations fails with CUDNN_STATUS_EXECUTION_FAILED, as a
 * faulting kernel would.
 */
#include "gvdsim.h"

#include <cudnn.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DNN_MAGIC  0x444e4e48u  /* handle */
#define TENS_MAGIC 0x444e4e54u
#define FILT_MAGIC 0x444e4e46u
#define CONV_MAGIC 0x444e4e43u
#define BE_MAGIC   0x444e4e42u

#define SIM_DNN_ATTRS 16

typedef struct sim_obj {
    uint32_t magic;
    cudaStream_t stream;                /* handle */
    cudnnDataType_t dt;                 /* tensor, filter */
    int nb, dims[CUDNN_DIM_MAX], strides[CUDNN_DIM_MAX];
    int pad[2], stride[2], dil[2];      /* convolution */
    int btype, finalized;               /* backend */
    struct sim_attr {
        int name, type;
        int64_t count;
        void *v;                        /* owned */
        size_t n;
    } attr[SIM_DNN_ATTRS];
    int n_attr;
} sim_obj_t;

static sim_obj_t *obj_of(const void *p, uint32_t magic)
{
    sim_obj_t *o = (sim_obj_t *)p;

    return o != NULL && o->magic == magic ? o : NULL;
}

static cudnnStatus_t obj_new(uint32_t magic, void **out)
{
    sim_obj_t *o;

    if (out == NULL) {
        return CUDNN_STATUS_BAD_PARAM;
    }
    o = calloc(1, sizeof(*o));
    if (o == NULL) {
        return CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED;
    }
    o->magic = magic;
    o->dt = CUDNN_DATA_FLOAT;
    *out = o;
    return CUDNN_STATUS_SUCCESS;
}

static cudnnStatus_t obj_free(void *p, uint32_t magic)
{
    sim_obj_t *o = obj_of(p, magic);

    if (o == NULL) {
        return CUDNN_STATUS_BAD_PARAM;
    }
    for (int i = 0; i < o->n_attr; i++) {
        free(o->attr[i].v);
    }
    o->magic = 0;
    free(o);
    return CUDNN_STATUS_SUCCESS;
}

/* ---- handles ------------------------------------------------------------- */

SIM cudnnStatus_t cudnnCreate(cudnnHandle_t *handle)
{
    return obj_new(DNN_MAGIC, (void **)handle);
}

SIM cudnnStatus_t cudnnDestroy(cudnnHandle_t handle)
{
    return obj_free(handle, DNN_MAGIC);
}

SIM cudnnStatus_t cudnnSetStream(cudnnHandle_t handle, cudaStream_t streamId)
{
    sim_obj_t *o = obj_of(handle, DNN_MAGIC);

    if (o == NULL || !sim_stream_ok(streamId)) {
        return CUDNN_STATUS_BAD_PARAM;
    }
    o->stream = streamId;
    return CUDNN_STATUS_SUCCESS;
}

SIM cudnnStatus_t cudnnGetStream(cudnnHandle_t handle, cudaStream_t *streamId)
{
    sim_obj_t *o = obj_of(handle, DNN_MAGIC);

    if (o == NULL || streamId == NULL) {
        return CUDNN_STATUS_BAD_PARAM;
    }
    *streamId = o->stream;
    return CUDNN_STATUS_SUCCESS;
}

/* ---- tensor, filter, convolution descriptors ----------------------------- */

SIM cudnnStatus_t cudnnCreateTensorDescriptor(cudnnTensorDescriptor_t *d)
{
    return obj_new(TENS_MAGIC, (void **)d);
}

SIM cudnnStatus_t cudnnDestroyTensorDescriptor(cudnnTensorDescriptor_t d)
{
    return obj_free(d, TENS_MAGIC);
}

SIM cudnnStatus_t cudnnSetTensor4dDescriptor(cudnnTensorDescriptor_t d,
                                             cudnnTensorFormat_t format,
                                             cudnnDataType_t dataType, int n,
                                             int c, int h, int w)
{
    sim_obj_t *o = obj_of(d, TENS_MAGIC);

    if (o == NULL || format != CUDNN_TENSOR_NCHW || n <= 0 || c <= 0 ||
        h <= 0 || w <= 0) {
        return o == NULL ? CUDNN_STATUS_BAD_PARAM
                         : CUDNN_STATUS_NOT_SUPPORTED;
    }
    o->dt = dataType;
    o->nb = 4;
    o->dims[0] = n, o->dims[1] = c, o->dims[2] = h, o->dims[3] = w;
    o->strides[3] = 1, o->strides[2] = w, o->strides[1] = h * w;
    o->strides[0] = c * h * w;
    return CUDNN_STATUS_SUCCESS;
}

SIM cudnnStatus_t cudnnGetTensorNdDescriptor(const cudnnTensorDescriptor_t d,
                                             int nbDimsRequested,
                                             cudnnDataType_t *dataType,
                                             int *nbDims, int dimA[],
                                             int strideA[])
{
    sim_obj_t *o = obj_of(d, TENS_MAGIC);

    if (o == NULL || dataType == NULL || nbDims == NULL ||
        nbDimsRequested < 0) {
        return CUDNN_STATUS_BAD_PARAM;
    }
    *dataType = o->dt;
    *nbDims = o->nb;
    for (int i = 0; i < o->nb && i < nbDimsRequested; i++) {
        if (dimA != NULL) {
            dimA[i] = o->dims[i];
        }
        if (strideA != NULL) {
            strideA[i] = o->strides[i];
        }
    }
    return CUDNN_STATUS_SUCCESS;
}

SIM cudnnStatus_t cudnnGetTensor4dDescriptor(
    const cudnnTensorDescriptor_t d, cudnnDataType_t *dataType, int *n,
    int *c, int *h, int *w, int *nStride, int *cStride, int *hStride,
    int *wStride)
{
    sim_obj_t *o = obj_of(d, TENS_MAGIC);
    int *out[8] = { n, c, h, w, nStride, cStride, hStride, wStride };

    if (o == NULL || dataType == NULL || o->nb != 4) {
        return CUDNN_STATUS_BAD_PARAM;
    }
    *dataType = o->dt;
    for (int i = 0; i < 8; i++) {
        if (out[i] == NULL) {
            return CUDNN_STATUS_BAD_PARAM;
        }
        *out[i] = i < 4 ? o->dims[i] : o->strides[i - 4];
    }
    return CUDNN_STATUS_SUCCESS;
}

SIM cudnnStatus_t cudnnCreateFilterDescriptor(cudnnFilterDescriptor_t *d)
{
    return obj_new(FILT_MAGIC, (void **)d);
}

SIM cudnnStatus_t cudnnDestroyFilterDescriptor(cudnnFilterDescriptor_t d)
{
    return obj_free(d, FILT_MAGIC);
}

SIM cudnnStatus_t cudnnSetFilter4dDescriptor(cudnnFilterDescriptor_t d,
                                             cudnnDataType_t dataType,
                                             cudnnTensorFormat_t format,
                                             int k, int c, int h, int w)
{
    sim_obj_t *o = obj_of(d, FILT_MAGIC);

    if (o == NULL || k <= 0 || c <= 0 || h <= 0 || w <= 0) {
        return CUDNN_STATUS_BAD_PARAM;
    }
    if (format != CUDNN_TENSOR_NCHW) {
        return CUDNN_STATUS_NOT_SUPPORTED;
    }
    o->dt = dataType;
    o->nb = 4;
    o->dims[0] = k, o->dims[1] = c, o->dims[2] = h, o->dims[3] = w;
    return CUDNN_STATUS_SUCCESS;
}

SIM cudnnStatus_t cudnnCreateConvolutionDescriptor(
    cudnnConvolutionDescriptor_t *d)
{
    return obj_new(CONV_MAGIC, (void **)d);
}

SIM cudnnStatus_t cudnnDestroyConvolutionDescriptor(
    cudnnConvolutionDescriptor_t d)
{
    return obj_free(d, CONV_MAGIC);
}

SIM cudnnStatus_t cudnnSetConvolution2dDescriptor(
    cudnnConvolutionDescriptor_t d, int pad_h, int pad_w, int u, int v,
    int dilation_h, int dilation_w, cudnnConvolutionMode_t mode,
    cudnnDataType_t computeType)
{
    sim_obj_t *o = obj_of(d, CONV_MAGIC);

    (void)computeType;
    if (o == NULL || pad_h < 0 || pad_w < 0 || u <= 0 || v <= 0 ||
        dilation_h <= 0 || dilation_w <= 0) {
        return CUDNN_STATUS_BAD_PARAM;
    }
    if (mode != CUDNN_CROSS_CORRELATION) {
        return CUDNN_STATUS_NOT_SUPPORTED;
    }
    o->pad[0] = pad_h, o->pad[1] = pad_w;
    o->stride[0] = u, o->stride[1] = v;
    o->dil[0] = dilation_h, o->dil[1] = dilation_w;
    return CUDNN_STATUS_SUCCESS;
}

static int out_dim(int in, int k, int pad, int stride, int dil)
{
    return (in + 2 * pad - ((k - 1) * dil + 1)) / stride + 1;
}

SIM cudnnStatus_t cudnnGetConvolution2dForwardOutputDim(
    const cudnnConvolutionDescriptor_t convDesc,
    const cudnnTensorDescriptor_t inputTensorDesc,
    const cudnnFilterDescriptor_t filterDesc, int *n, int *c, int *h, int *w)
{
    sim_obj_t *cv = obj_of(convDesc, CONV_MAGIC);
    sim_obj_t *x = obj_of(inputTensorDesc, TENS_MAGIC);
    sim_obj_t *f = obj_of(filterDesc, FILT_MAGIC);

    if (cv == NULL || x == NULL || f == NULL || x->nb != 4 || f->nb != 4 ||
        n == NULL || c == NULL || h == NULL || w == NULL ||
        x->dims[1] != f->dims[1]) {
        return CUDNN_STATUS_BAD_PARAM;
    }
    *n = x->dims[0];
    *c = f->dims[0];
    *h = out_dim(x->dims[2], f->dims[2], cv->pad[0], cv->stride[0],
                 cv->dil[0]);
    *w = out_dim(x->dims[3], f->dims[3], cv->pad[1], cv->stride[1],
                 cv->dil[1]);
    return *h > 0 && *w > 0 ? CUDNN_STATUS_SUCCESS : CUDNN_STATUS_BAD_PARAM;
}

/* Host memory behind device range [p, p + len), or NULL. */
static void *host_range(const void *p, size_t len)
{
    return p != NULL && sim_find(p, len) != NULL ? sim_host_of(p) : NULL;
}

/* FP32 NCHW cross-correlation: y = alpha * conv(x, w) + beta * y. */
SIM cudnnStatus_t cudnnConvolutionForward(
    cudnnHandle_t handle, const void *alpha,
    const cudnnTensorDescriptor_t xDesc, const void *x,
    const cudnnFilterDescriptor_t wDesc, const void *w,
    const cudnnConvolutionDescriptor_t convDesc,
    cudnnConvolutionFwdAlgo_t algo,
    void *workSpace, size_t workSpaceSizeInBytes, const void *beta,
    const cudnnTensorDescriptor_t yDesc, void *y)
{
    sim_obj_t *xd = obj_of(xDesc, TENS_MAGIC), *yd = obj_of(yDesc, TENS_MAGIC);
    sim_obj_t *fd = obj_of(wDesc, FILT_MAGIC), *cv = obj_of(convDesc,
                                                           CONV_MAGIC);
    int n, k, oh, ow, c, r, s;
    const float *hx, *hw;
    float *hy, a, b;

    (void)algo, (void)workSpace, (void)workSpaceSizeInBytes;
    if (obj_of(handle, DNN_MAGIC) == NULL || xd == NULL || yd == NULL ||
        fd == NULL || cv == NULL || alpha == NULL || beta == NULL ||
        cudnnGetConvolution2dForwardOutputDim(convDesc, xDesc, wDesc, &n, &k,
                                              &oh, &ow) !=
            CUDNN_STATUS_SUCCESS ||
        yd->dims[0] != n || yd->dims[1] != k || yd->dims[2] != oh ||
        yd->dims[3] != ow) {
        return CUDNN_STATUS_BAD_PARAM;
    }
    if (xd->dt != CUDNN_DATA_FLOAT) {
        return CUDNN_STATUS_NOT_SUPPORTED;
    }
    c = xd->dims[1], r = fd->dims[2], s = fd->dims[3];
    hx = host_range(x, (size_t)n * c * xd->dims[2] * xd->dims[3] * 4);
    hw = host_range(w, (size_t)k * c * r * s * 4);
    hy = host_range(y, (size_t)n * k * oh * ow * 4);
    if (hx == NULL || hw == NULL || hy == NULL) {
        return CUDNN_STATUS_EXECUTION_FAILED;
    }
    memcpy(&a, alpha, sizeof(a));
    memcpy(&b, beta, sizeof(b));
    for (int in = 0; in < n; in++) {
        for (int ik = 0; ik < k; ik++) {
            for (int i = 0; i < oh; i++) {
                for (int j = 0; j < ow; j++) {
                    float acc = 0;

                    for (int ic = 0; ic < c; ic++) {
                        for (int ir = 0; ir < r; ir++) {
                            for (int is = 0; is < s; is++) {
                                int hh = i * cv->stride[0] - cv->pad[0] +
                                         ir * cv->dil[0];
                                int ww = j * cv->stride[1] - cv->pad[1] +
                                         is * cv->dil[1];

                                if (hh < 0 || hh >= xd->dims[2] || ww < 0 ||
                                    ww >= xd->dims[3]) {
                                    continue;
                                }
                                acc += hx[((in * c + ic) * xd->dims[2] + hh) *
                                              xd->dims[3] + ww] *
                                       hw[((ik * c + ic) * r + ir) * s + is];
                            }
                        }
                    }
                    float *o = &hy[((in * k + ik) * oh + i) * ow + j];
                    *o = a * acc + (b != 0 ? b * *o : 0);
                }
            }
        }
    }
    return CUDNN_STATUS_SUCCESS;
}

/* ---- backend descriptors ------------------------------------------------- */

SIM cudnnStatus_t cudnnBackendCreateDescriptor(
    cudnnBackendDescriptorType_t descriptorType,
    cudnnBackendDescriptor_t *descriptor)
{
    cudnnStatus_t st = obj_new(BE_MAGIC, descriptor);

    if (st == CUDNN_STATUS_SUCCESS) {
        ((sim_obj_t *)*descriptor)->btype = (int)descriptorType;
    }
    return st;
}

SIM cudnnStatus_t cudnnBackendDestroyDescriptor(
    cudnnBackendDescriptor_t descriptor)
{
    return obj_free(descriptor, BE_MAGIC);
}

SIM cudnnStatus_t cudnnBackendFinalize(cudnnBackendDescriptor_t descriptor)
{
    sim_obj_t *o = obj_of(descriptor, BE_MAGIC);

    if (o == NULL) {
        return CUDNN_STATUS_BAD_PARAM;
    }
    o->finalized = 1;
    return CUDNN_STATUS_SUCCESS;
}

static struct sim_attr *attr_find(sim_obj_t *o, int name)
{
    for (int i = 0; i < o->n_attr; i++) {
        if (o->attr[i].name == name) {
            return &o->attr[i];
        }
    }
    return NULL;
}

/* Element sizes as cuDNN reads them (what lib/gvx_dnn.h says). */
static size_t elem_size(int t)
{
    switch (t) {
    case CUDNN_TYPE_HANDLE: case CUDNN_TYPE_VOID_PTR:
    case CUDNN_TYPE_BACKEND_DESCRIPTOR: case CUDNN_TYPE_INT64:
    case CUDNN_TYPE_DOUBLE:
        return 8;
    case CUDNN_TYPE_BOOLEAN: case CUDNN_TYPE_CHAR:
        return 1;
    case CUDNN_TYPE_FRACTION:
        return 16;
    default:
        return 4;
    }
}

SIM cudnnStatus_t cudnnBackendSetAttribute(
    cudnnBackendDescriptor_t descriptor,
    cudnnBackendAttributeName_t attributeName,
    cudnnBackendAttributeType_t attributeType, int64_t elementCount,
    const void *arrayOfElements)
{
    sim_obj_t *o = obj_of(descriptor, BE_MAGIC);
    struct sim_attr *a;
    size_t n;
    void *v;

    if (o == NULL || elementCount < 0 || elementCount > 4096 ||
        (elementCount > 0 && arrayOfElements == NULL)) {
        return CUDNN_STATUS_BAD_PARAM;
    }
    if (o->finalized) {
        return CUDNN_STATUS_NOT_SUPPORTED;
    }
    a = attr_find(o, (int)attributeName);
    if (a == NULL && o->n_attr == SIM_DNN_ATTRS) {
        return CUDNN_STATUS_NOT_SUPPORTED;
    }
    n = (size_t)elementCount * elem_size((int)attributeType);
    v = malloc(n > 0 ? n : 1);
    if (v == NULL) {
        return CUDNN_STATUS_INTERNAL_ERROR_HOST_ALLOCATION_FAILED;
    }
    if (n > 0) {
        memcpy(v, arrayOfElements, n);
    }
    if (a == NULL) {
        a = &o->attr[o->n_attr++];
    } else {
        free(a->v);
    }
    a->name = (int)attributeName;
    a->type = (int)attributeType;
    a->count = elementCount;
    a->v = v;
    a->n = n;
    return CUDNN_STATUS_SUCCESS;
}

/* Fill descriptor dst as a copy of src's attributes. */
static cudnnStatus_t fill_from(sim_obj_t *dst, const sim_obj_t *src)
{
    for (int i = 0; i < src->n_attr; i++) {
        const struct sim_attr *a = &src->attr[i];
        cudnnStatus_t st = cudnnBackendSetAttribute(
            dst, (cudnnBackendAttributeName_t)a->name,
            (cudnnBackendAttributeType_t)a->type, a->count, a->v);

        if (st != CUDNN_STATUS_SUCCESS) {
            return st;
        }
    }
    dst->btype = src->btype;
    return CUDNN_STATUS_SUCCESS;
}

SIM cudnnStatus_t cudnnBackendGetAttribute(
    cudnnBackendDescriptor_t const descriptor,
    cudnnBackendAttributeName_t attributeName,
    cudnnBackendAttributeType_t attributeType, int64_t requestedElementCount,
    int64_t *elementCount, void *arrayOfElements)
{
    sim_obj_t *o = obj_of(descriptor, BE_MAGIC);
    struct sim_attr *a = o != NULL ? attr_find(o, (int)attributeName) : NULL;
    int64_t k;

    if (o == NULL || requestedElementCount < 0) {
        return CUDNN_STATUS_BAD_PARAM;
    }
    if (a == NULL) {
        return CUDNN_STATUS_BAD_PARAM;
    }
    if (a->type != (int)attributeType) {
        return CUDNN_STATUS_BAD_PARAM_ATTRIBUTE_TYPE;
    }
    k = a->count < requestedElementCount ? a->count : requestedElementCount;
    if (elementCount != NULL) {
        *elementCount = a->count;
    }
    if (arrayOfElements == NULL) {
        return CUDNN_STATUS_SUCCESS;
    }
    if (attributeType != CUDNN_TYPE_BACKEND_DESCRIPTOR) {
        memcpy(arrayOfElements, a->v, (size_t)k * elem_size(a->type));
        return CUDNN_STATUS_SUCCESS;
    }
    for (int64_t i = 0; i < k; i++) {
        sim_obj_t *src, *dst;

        memcpy(&src, (char *)a->v + i * 8, 8);
        memcpy(&dst, (char *)arrayOfElements + i * 8, 8);
        if (obj_of(src, BE_MAGIC) == NULL || obj_of(dst, BE_MAGIC) == NULL ||
            src == dst) {
            return CUDNN_STATUS_BAD_PARAM;
        }
        if (fill_from(dst, src) != CUDNN_STATUS_SUCCESS) {
            return CUDNN_STATUS_INTERNAL_ERROR;
        }
    }
    return CUDNN_STATUS_SUCCESS;
}

SIM cudnnStatus_t cudnnBackendExecute(cudnnHandle_t handle,
                                      cudnnBackendDescriptor_t executionPlan,
                                      cudnnBackendDescriptor_t variantPack)
{
    sim_obj_t *plan = obj_of(executionPlan, BE_MAGIC);
    sim_obj_t *vp = obj_of(variantPack, BE_MAGIC);
    struct sim_attr *a;
    void *p[2];
    float *x, *y;

    if (obj_of(handle, DNN_MAGIC) == NULL || plan == NULL || vp == NULL) {
        return CUDNN_STATUS_BAD_PARAM;
    }
    if (!plan->finalized || !vp->finalized) {
        return CUDNN_STATUS_BAD_PARAM_NOT_FINALIZED;
    }
    a = attr_find(vp, CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS);
    if (a == NULL || a->count != 2 || a->type != CUDNN_TYPE_VOID_PTR) {
        return CUDNN_STATUS_BAD_PARAM;
    }
    memcpy(p, a->v, sizeof(p));
    x = host_range(p[0], sizeof(float));
    y = host_range(p[1], sizeof(float));
    if (x == NULL || y == NULL) {
        return CUDNN_STATUS_EXECUTION_FAILED;
    }
    y[0] = 2 * x[0];
    return CUDNN_STATUS_SUCCESS;
}
