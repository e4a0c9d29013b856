/*
 * rand_local.c - our libcurand.so.10's generator records (gvrn.h) and
 * the functions answered on the client: the version of the header this
 * library was built with, and its properties.
 */
#include "config.h"

#include "gvrn.h"
#include "gvf_obj.h"

curandStatus_t gvrn_wrap(const gvf_call_t *c, void **gen_p)
{
    return (curandStatus_t)gvf_lib_wrap(&gvrn_lib, c, GVRN_K_GEN, gen_p);
}

curandStatus_t gvrn_forget(const void *gen)
{
    return (curandStatus_t)gvf_lib_forget(&gvrn_lib, gen, GVRN_K_GEN);
}

GVRN_API curandStatus_t curandGetVersion(int *version)
{
    if (version == NULL) {
        return CURAND_STATUS_OUT_OF_RANGE;
    }
    *version = CURAND_VERSION;
    return CURAND_STATUS_SUCCESS;
}

GVRN_API curandStatus_t curandGetProperty(libraryPropertyType type,
                                          int *value)
{
    return (curandStatus_t)gvf_lib_property(&gvrn_lib, type, CURAND_VER_MAJOR,
                                            CURAND_VER_MINOR, CURAND_VER_PATCH,
                                            value);
}
