/*
 * gvx_dnn.h - the wire format of cuDNN's backend attribute calls, written
 * by hand on both sides (lib/cudnn/cudnn_backend.c, gvd/gvd_x_dnn.c)
 * because an attribute's elements are what its cudnnBackendAttributeType_t
 * says: descriptors and handles (client records on the client, the
 * worker's values on the wire, checked against the client's tables on
 * the worker), device pointers (checked as the client's memory), or
 * plain values.
 *
 * cudnnBackendSetAttribute (GV_API_cudnnBackendSetAttribute):
 *   ptr descriptor, i32 name, i32 type, i64 count,
 *   array of count * gvx_dnn_elem_size(type) bytes (translated)
 *   reply: nothing
 * cudnnBackendGetAttribute (GV_API_cudnnBackendGetAttribute):
 *   ptr descriptor, i32 name, i32 type, i64 requested, u8 want_count,
 *   u8 has_array, [BACKEND_DESCRIPTOR with has_array: array of
 *   requested worker descriptors, which the call fills]
 *   reply on success: [want_count: i64 count], [has_array and not
 *   BACKEND_DESCRIPTOR: array of the elements cuDNN wrote,
 *   min(requested, count) * size bytes: the caller's array is written
 *   no further than cuDNN writes it]
 */
#ifndef GVX_DNN_H
#define GVX_DNN_H

#include <cudnn_graph.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest attribute value either way, in bytes (attributes are small;
 * the largest are serialized plans and kernel caches). */
#define GVX_DNN_ATTR_MAX ((size_t)64 << 20)

/* Bytes of one element of an attribute of type t, as cuDNN reads it;
 * 0 for a type this build does not know (refused). */
static inline size_t gvx_dnn_elem_size(int t)
{
    switch ((cudnnBackendAttributeType_t)t) {
    case CUDNN_TYPE_HANDLE:
        return sizeof(cudnnHandle_t);
    case CUDNN_TYPE_BACKEND_DESCRIPTOR:
        return sizeof(cudnnBackendDescriptor_t);
    case CUDNN_TYPE_VOID_PTR:
        return sizeof(void *);
    case CUDNN_TYPE_BOOLEAN:
        return sizeof(bool);
    case CUDNN_TYPE_CHAR:
        return sizeof(char);
    case CUDNN_TYPE_INT64:
        return sizeof(int64_t);
    case CUDNN_TYPE_INT32:
        return sizeof(int32_t);
    case CUDNN_TYPE_FLOAT:
        return sizeof(float);
    case CUDNN_TYPE_DOUBLE:
        return sizeof(double);
    case CUDNN_TYPE_FRACTION:
        return sizeof(cudnnFraction_t);
    case CUDNN_TYPE_DATA_TYPE:
    case CUDNN_TYPE_CONVOLUTION_MODE:
    case CUDNN_TYPE_HEUR_MODE:
    case CUDNN_TYPE_KNOB_TYPE:
    case CUDNN_TYPE_NUMERICAL_NOTE:
    case CUDNN_TYPE_LAYOUT_TYPE:
    case CUDNN_TYPE_ATTRIB_NAME:
    case CUDNN_TYPE_POINTWISE_MODE:
    case CUDNN_TYPE_GENSTATS_MODE:
    case CUDNN_TYPE_BN_FINALIZE_STATS_MODE:
    case CUDNN_TYPE_REDUCTION_OPERATOR_TYPE:
    case CUDNN_TYPE_BEHAVIOR_NOTE:
    case CUDNN_TYPE_TENSOR_REORDERING_MODE:
    case CUDNN_TYPE_RESAMPLE_MODE:
    case CUDNN_TYPE_PADDING_MODE:
    case CUDNN_TYPE_SIGNAL_MODE:
    case CUDNN_TYPE_NORM_MODE:
    case CUDNN_TYPE_NORM_FWD_PHASE:
    case CUDNN_TYPE_RNG_DISTRIBUTION:
    case CUDNN_TYPE_MOE_GROUPED_MATMUL_MODE:
        return sizeof(int);     /* C enums */
    default:
        break;
    }
    /* CUDNN_TYPE_NAN_PROPOGATION is deprecated (no case: its name warns);
     * it is an enum too. */
    return t == 10 ? sizeof(int) : 0;
}

#endif
