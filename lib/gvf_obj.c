/*
 * gvf_obj.c - the table of live library-object records (gvf_obj.h).
 */
#include "config.h"

#include "gvf_obj.h"
#include "gvc_tables.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define GVF_OBJ_MAGIC 0x4f424a31u /* "OBJ1" */

static pthread_rwlock_t lock = PTHREAD_RWLOCK_INITIALIZER;
static gvc_ptrset_t live;        /* records, by address (owned) */
static int live_init;

gvc_status_t gvf_obj_new(int kind, gvf_dev_t *dev, void *remote,
                         void **obj_p)
{
    gvf_obj_t *o;
    int rc;

    if (kind <= 0 || dev == NULL || obj_p == NULL) {
        return GVC_ERR_INVALID;
    }
    o = calloc(1, sizeof(*o));
    if (o == NULL) {
        return GVC_ERR_NOMEM;
    }
    o->magic = GVF_OBJ_MAGIC;
    o->kind = kind;
    o->dev = dev;
    o->remote = remote;
    pthread_rwlock_wrlock(&lock);
    if (!live_init) {
        gvc_ptrset_init(&live);
        live_init = 1;
    }
    rc = gvc_ptrset_add(&live, (uintptr_t)o);
    pthread_rwlock_unlock(&lock);
    if (rc != 0) {
        free(o);
        return GVC_ERR_NOMEM;
    }
    *obj_p = o;
    return GVC_OK;
}

/* Under the lock: the live record obj of kind, or NULL. */
static gvf_obj_t *find(const void *obj, int kind)
{
    gvf_obj_t *o = (gvf_obj_t *)obj;

    if (obj == NULL || !live_init ||
        !gvc_ptrset_has(&live, (uintptr_t)obj)) {
        return NULL;
    }
    return o->magic == GVF_OBJ_MAGIC && (kind == 0 || o->kind == kind)
               ? o : NULL;
}

gvc_status_t gvf_obj_get(const void *obj, int kind, gvf_obj_t *copy_p)
{
    gvf_obj_t *o;

    pthread_rwlock_rdlock(&lock);
    o = find(obj, kind);
    if (o != NULL) {
        *copy_p = *o;
    }
    pthread_rwlock_unlock(&lock);
    return o != NULL ? GVC_OK : GVC_ERR_INVALID;
}

gvc_status_t gvf_obj_set(const void *obj, int kind, int i, int64_t v)
{
    gvf_obj_t *o;

    if (i < 0 || i >= GVF_OBJ_ATTRS) {
        return GVC_ERR_INVALID;
    }
    pthread_rwlock_wrlock(&lock);
    o = find(obj, kind);
    if (o != NULL) {
        o->attr[i] = v;
    }
    pthread_rwlock_unlock(&lock);
    return o != NULL ? GVC_OK : GVC_ERR_INVALID;
}

gvc_status_t gvf_obj_free(const void *obj, int kind)
{
    gvf_obj_t *o;

    pthread_rwlock_wrlock(&lock);
    o = find(obj, kind);
    if (o != NULL) {
        gvc_ptrset_del(&live, (uintptr_t)o);
        o->magic = 0;
    }
    pthread_rwlock_unlock(&lock);
    free(o);
    return o != NULL ? GVC_OK : GVC_ERR_INVALID;
}
