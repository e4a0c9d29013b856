/*
 * gvf_obj.h - the client's records of objects a library made on a
 * worker: cuBLAS handles, cuBLASLt handles and descriptors, and whatever
 * later libraries need.  The value a program holds (a cublasHandle_t) is
 * the address of one of these records; it names the remote GPU whose
 * worker made the object, the worker's own value (what travels), and a
 * few settings the library keeps on the client (a handle's pointer
 * mode, ...).
 *
 * A value the program passes is looked up in a table of live records
 * before it is read, so a forged, stale or wrong-kind value is refused
 * (never dereferenced), and two remote GPUs may hand out the same value.
 *
 * Threads: thread-safe (one read-write lock); a record is freed by
 * gvf_obj_free only, and readers get copies.
 */
#ifndef GVF_OBJ_H
#define GVF_OBJ_H

#include "gvf.h"

#include <stdint.h>

#define GVF_OBJ_ATTRS 4

typedef struct gvf_obj {
    uint32_t magic;             /* GVF_OBJ_MAGIC while live */
    int kind;                   /* the library's tag (> 0) */
    gvf_dev_t *dev;             /* the GPU whose worker made it */
    void *remote;               /* the worker's value */
    int64_t attr[GVF_OBJ_ATTRS]; /* the library's settings, 0 at first */
} gvf_obj_t;

/* A new record of kind for remote on dev; *obj_p is what the program
 * holds.  GVC_ERR_NOMEM, GVC_ERR_INVALID (kind <= 0). */
gvc_status_t gvf_obj_new(int kind, gvf_dev_t *dev, void *remote,
                         void **obj_p);

/* A copy of the live record obj of kind (kind 0: any kind), or
 * GVC_ERR_INVALID when obj is not one. */
gvc_status_t gvf_obj_get(const void *obj, int kind, gvf_obj_t *copy_p);

/* Set attribute i (0 .. GVF_OBJ_ATTRS-1) of a live record. */
gvc_status_t gvf_obj_set(const void *obj, int kind, int i, int64_t v);

/* Forget and free a live record of kind. */
gvc_status_t gvf_obj_free(const void *obj, int kind);

#endif
