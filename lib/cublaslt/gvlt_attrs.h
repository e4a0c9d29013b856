/*
 * gvlt_attrs.h - the bytes of each cuBLASLt descriptor attribute, as
 * cublasLt.h (CUDA 13.0) documents its type.  One table for two users:
 * our libcublasLt sends a set of a documented attribute of its own size
 * one-way (cuBLASLt only stores it), and the simulated cuBLASLt
 * (gvd/sim) stores exactly these.  Include after cublasLt.h.
 */
#ifndef GVLT_ATTRS_H
#define GVLT_ATTRS_H

#include <stddef.h>

/* Attribute numbers stay below this. */
#define GVLT_ATTRS_MAX 40

/* Which descriptor an attribute belongs to. */
typedef enum gvlt_desc {
    GVLT_D_NONE = 0,            /* handles: no attributes */
    GVLT_D_MATMUL,
    GVLT_D_LAYOUT,
    GVLT_D_PREF,
    GVLT_D_TRANSFORM,
    GVLT_D_EMUL
} gvlt_desc_t;

static inline size_t gvlt_matmul_attr_bytes(int attr)
{
    switch (attr) {
    case CUBLASLT_MATMUL_DESC_FAST_ACCUM:
        return 1;               /* int8_t */
    case CUBLASLT_MATMUL_DESC_COMPUTE_TYPE:
    case CUBLASLT_MATMUL_DESC_SCALE_TYPE:
    case CUBLASLT_MATMUL_DESC_POINTER_MODE:
    case CUBLASLT_MATMUL_DESC_TRANSA:
    case CUBLASLT_MATMUL_DESC_TRANSB:
    case CUBLASLT_MATMUL_DESC_TRANSC:
    case CUBLASLT_MATMUL_DESC_FILL_MODE:
    case CUBLASLT_MATMUL_DESC_EPILOGUE:
    case CUBLASLT_MATMUL_DESC_SM_COUNT_TARGET:
    case CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_DATA_TYPE:
    case CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE:
    case CUBLASLT_MATMUL_DESC_A_SCALE_MODE:
    case CUBLASLT_MATMUL_DESC_B_SCALE_MODE:
    case CUBLASLT_MATMUL_DESC_C_SCALE_MODE:
    case CUBLASLT_MATMUL_DESC_D_SCALE_MODE:
    case CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_SCALE_MODE:
    case CUBLASLT_MATMUL_DESC_D_OUT_SCALE_MODE:
        return 4;               /* int32_t, uint32_t */
    case CUBLASLT_MATMUL_DESC_BIAS_POINTER:
    case CUBLASLT_MATMUL_DESC_BIAS_BATCH_STRIDE:
    case CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_POINTER:
    case CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_LD:
    case CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_BATCH_STRIDE:
    case CUBLASLT_MATMUL_DESC_ALPHA_VECTOR_BATCH_STRIDE:
    case CUBLASLT_MATMUL_DESC_A_SCALE_POINTER:
    case CUBLASLT_MATMUL_DESC_B_SCALE_POINTER:
    case CUBLASLT_MATMUL_DESC_C_SCALE_POINTER:
    case CUBLASLT_MATMUL_DESC_D_SCALE_POINTER:
    case CUBLASLT_MATMUL_DESC_AMAX_D_POINTER:
    case CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_SCALE_POINTER:
    case CUBLASLT_MATMUL_DESC_EPILOGUE_AUX_AMAX_POINTER:
    case CUBLASLT_MATMUL_DESC_D_OUT_SCALE_POINTER:
    case CUBLASLT_MATMUL_DESC_EMULATION_DESCRIPTOR:
        return 8;               /* pointers, int64_t */
    default:
        return 0;
    }
}

static inline size_t gvlt_layout_attr_bytes(int attr)
{
    switch (attr) {
    case CUBLASLT_MATRIX_LAYOUT_TYPE:
    case CUBLASLT_MATRIX_LAYOUT_ORDER:
    case CUBLASLT_MATRIX_LAYOUT_BATCH_COUNT:
    case CUBLASLT_MATRIX_LAYOUT_BATCH_MODE:
        return 4;
    case CUBLASLT_MATRIX_LAYOUT_ROWS:
    case CUBLASLT_MATRIX_LAYOUT_COLS:
    case CUBLASLT_MATRIX_LAYOUT_LD:
    case CUBLASLT_MATRIX_LAYOUT_STRIDED_BATCH_OFFSET:
    case CUBLASLT_MATRIX_LAYOUT_PLANE_OFFSET:
        return 8;
    default:
        return 0;
    }
}

static inline size_t gvlt_pref_attr_bytes(int attr)
{
    switch (attr) {
    case CUBLASLT_MATMUL_PREF_SEARCH_MODE:
    case CUBLASLT_MATMUL_PREF_REDUCTION_SCHEME_MASK:
    case CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_A_BYTES:
    case CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_B_BYTES:
    case CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_C_BYTES:
    case CUBLASLT_MATMUL_PREF_MIN_ALIGNMENT_D_BYTES:
    case CUBLASLT_MATMUL_PREF_MAX_WAVES_COUNT:
        return 4;               /* uint32_t, float */
    case CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES:
    case CUBLASLT_MATMUL_PREF_IMPL_MASK:
        return 8;
    default:
        return 0;
    }
}

static inline size_t gvlt_transform_attr_bytes(int attr)
{
    switch (attr) {
    case CUBLASLT_MATRIX_TRANSFORM_DESC_SCALE_TYPE:
    case CUBLASLT_MATRIX_TRANSFORM_DESC_POINTER_MODE:
    case CUBLASLT_MATRIX_TRANSFORM_DESC_TRANSA:
    case CUBLASLT_MATRIX_TRANSFORM_DESC_TRANSB:
        return 4;
    default:
        return 0;
    }
}

static inline size_t gvlt_emul_attr_bytes(int attr)
{
    switch (attr) {
    case CUBLASLT_EMULATION_DESC_STRATEGY:
    case CUBLASLT_EMULATION_DESC_SPECIAL_VALUES_SUPPORT:
    case CUBLASLT_EMULATION_DESC_FIXEDPOINT_MANTISSA_CONTROL:
    case CUBLASLT_EMULATION_DESC_FIXEDPOINT_MAX_MANTISSA_BIT_COUNT:
    case CUBLASLT_EMULATION_DESC_FIXEDPOINT_MANTISSA_BIT_OFFSET:
        return 4;
    case CUBLASLT_EMULATION_DESC_FIXEDPOINT_MANTISSA_BIT_COUNT_POINTER:
        return 8;
    default:
        return 0;
    }
}

/* The bytes of attribute attr of descriptor d; 0 when not documented. */
static inline size_t gvlt_attr_bytes(gvlt_desc_t d, int attr)
{
    switch (d) {
    case GVLT_D_MATMUL:
        return gvlt_matmul_attr_bytes(attr);
    case GVLT_D_LAYOUT:
        return gvlt_layout_attr_bytes(attr);
    case GVLT_D_PREF:
        return gvlt_pref_attr_bytes(attr);
    case GVLT_D_TRANSFORM:
        return gvlt_transform_attr_bytes(attr);
    case GVLT_D_EMUL:
        return gvlt_emul_attr_bytes(attr);
    default:
        return 0;
    }
}

#endif
