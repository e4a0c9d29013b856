/*
 * cusparse_core.c - our libcusparse.so.12's records (gvsp.h): wrapping
 * the objects a worker made, forgetting them, a handle's pointer mode,
 * and what a legacy matrix descriptor's Set calls set.
 */
#include "config.h"

#include "gvsp.h"
#include "gvf_obj.h"

int gvsp_pmode(cusparseHandle_t h)
{
    gvf_obj_t o;

    if (gvf_obj_get(h, GVSP_K_HANDLE, &o) != GVC_OK) {
        return 0;
    }
    return o.attr[GVSP_A_PMODE] == CUSPARSE_POINTER_MODE_DEVICE;
}

cusparseStatus_t gvsp_note_pmode(cusparseHandle_t h,
                                 cusparsePointerMode_t m)
{
    gvf_obj_set(h, GVSP_K_HANDLE, GVSP_A_PMODE, m);
    return CUSPARSE_STATUS_SUCCESS;
}

cusparseStatus_t gvsp_note_mat(cusparseMatDescr_t d, int i, int v)
{
    gvf_obj_set(d, GVSP_K_MATDESCR, i, v);
    return CUSPARSE_STATUS_SUCCESS;
}

/* Answered from the record: the worker's handle has the same mode. */
GVSP_API cusparseStatus_t CUSPARSEAPI
cusparseGetPointerMode(cusparseHandle_t handle, cusparsePointerMode_t *mode)
{
    gvf_obj_t o;

    if (gvf_obj_get(handle, GVSP_K_HANDLE, &o) != GVC_OK) {
        return CUSPARSE_STATUS_NOT_INITIALIZED;
    }
    if (mode == NULL) {
        return CUSPARSE_STATUS_INVALID_VALUE;
    }
    *mode = (cusparsePointerMode_t)o.attr[GVSP_A_PMODE];
    return CUSPARSE_STATUS_SUCCESS;
}

/* A matrix descriptor's setting from its record; def for an unknown
 * descriptor (cuSPARSE reads whatever the pointer holds). */
static int64_t mat_attr(const cusparseMatDescr_t d, int i)
{
    gvf_obj_t o;

    return gvf_obj_get(d, GVSP_K_MATDESCR, &o) == GVC_OK ? o.attr[i] : 0;
}

GVSP_API cusparseMatrixType_t CUSPARSEAPI
cusparseGetMatType(const cusparseMatDescr_t descrA)
{
    return (cusparseMatrixType_t)mat_attr(descrA, GVSP_A_TYPE);
}

GVSP_API cusparseFillMode_t CUSPARSEAPI
cusparseGetMatFillMode(const cusparseMatDescr_t descrA)
{
    return (cusparseFillMode_t)mat_attr(descrA, GVSP_A_FILL);
}

GVSP_API cusparseDiagType_t CUSPARSEAPI
cusparseGetMatDiagType(const cusparseMatDescr_t descrA)
{
    return (cusparseDiagType_t)mat_attr(descrA, GVSP_A_DIAG);
}

GVSP_API cusparseIndexBase_t CUSPARSEAPI
cusparseGetMatIndexBase(const cusparseMatDescr_t descrA)
{
    return (cusparseIndexBase_t)mat_attr(descrA, GVSP_A_BASE);
}
