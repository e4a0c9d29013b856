/*
 * cusolver_core.c - our libcusolver.so.12's records (gvso.h): wrapping
 * the objects a worker made and forgetting them.
 */
#include "config.h"

#include "gvso.h"
#include "gvf_obj.h"

cusolverStatus_t gvso_wrap(const gvf_call_t *c, int kind, void **obj_p)
{
    void *obj;

    if (obj_p == NULL) {
        return CUSOLVER_STATUS_INVALID_VALUE;
    }
    if (gvf_obj_new(kind, c->dev, *obj_p, &obj) != GVC_OK) {
        *obj_p = NULL;
        return CUSOLVER_STATUS_ALLOC_FAILED;
    }
    *obj_p = obj;
    return CUSOLVER_STATUS_SUCCESS;
}

cusolverStatus_t gvso_forget(const void *obj, int kind)
{
    gvf_obj_free(obj, kind);
    return CUSOLVER_STATUS_SUCCESS;
}
