/*
 * cudnn_core.c - our libcudnn.so.9's records (gvdn.h): wrapping the
 * objects a worker made, forgetting them, and the data type a tensor
 * descriptor's record keeps (the size of alpha and beta).
 */
#include "config.h"

#include "gvdn.h"
#include "gvf_obj.h"

cudnnStatus_t gvdn_note_dtype(cudnnTensorDescriptor_t t, cudnnDataType_t dt)
{
    gvf_obj_set(t, GVDN_K_TENSOR, GVDN_A_DTYPE, (int64_t)dt + 1);
    return CUDNN_STATUS_SUCCESS;
}

/* cuDNN derives a batch norm descriptor of x's type (or float for half
 * and bfloat16 x; the scale size is the same either way). */
cudnnStatus_t gvdn_note_dtype_of(cudnnTensorDescriptor_t t,
                                 cudnnTensorDescriptor_t src)
{
    gvf_obj_t o;

    if (gvf_obj_get(src, GVDN_K_TENSOR, &o) == GVC_OK) {
        gvf_obj_set(t, GVDN_K_TENSOR, GVDN_A_DTYPE, o.attr[GVDN_A_DTYPE]);
    }
    return CUDNN_STATUS_SUCCESS;
}

size_t gvdn_scale_size(cudnnTensorDescriptor_t t)
{
    gvf_obj_t o;

    if (gvf_obj_get(t, GVDN_K_TENSOR, &o) == GVC_OK &&
        o.attr[GVDN_A_DTYPE] == (int64_t)CUDNN_DATA_DOUBLE + 1) {
        return sizeof(double);
    }
    return sizeof(float);
}
