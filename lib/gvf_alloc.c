/*
 * gvf_alloc.c - device allocations of this process per remote GPU (see
 * gvf_alloc.h).  A sorted range set per device under a read-write lock:
 * allocations are rare next to the lookups every copy makes.
 */
#include "config.h"

#include "gvf_alloc.h"
#include "gvc_tables.h"

#include <pthread.h>
#include <stdlib.h>

typedef struct dmap {
    pthread_rwlock_t lock;
    gvc_rangeset_t r;
} dmap_t;

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static dmap_t *maps;        /* gvf_device_count() entries, then fixed */
static int n_maps;

/* The maps, created on first use (NULL before gvf_init succeeded). */
static dmap_t *dmap(int ordinal)
{
    dmap_t *m;

    pthread_mutex_lock(&init_lock);
    if (maps == NULL && gvf_device_count() > 0) {
        int n = gvf_device_count();
        m = calloc((size_t)n, sizeof(*m));
        for (int i = 0; m != NULL && i < n; i++) {
            pthread_rwlock_init(&m[i].lock, NULL);
            gvc_rangeset_init(&m[i].r);
        }
        maps = m;
        n_maps = m != NULL ? n : 0;
    }
    m = ordinal >= 0 && ordinal < n_maps ? &maps[ordinal] : NULL;
    pthread_mutex_unlock(&init_lock);
    return m;
}

void gvf_alloc_add(gvf_dev_t *dev, const void *p, size_t size)
{
    dmap_t *m = dev != NULL ? dmap(gvf_dev_ordinal(dev)) : NULL;

    if (m == NULL || p == NULL) {
        return;
    }
    pthread_rwlock_wrlock(&m->lock);
    if (gvc_rangeset_find(&m->r, (uintptr_t)p, 0) == NULL) {
        gvc_rangeset_add(&m->r, (uintptr_t)p, size, 0);
    }
    pthread_rwlock_unlock(&m->lock);
}

void gvf_alloc_del(gvf_dev_t *dev, const void *p)
{
    dmap_t *m = dev != NULL ? dmap(gvf_dev_ordinal(dev)) : NULL;

    if (m == NULL) {
        return;
    }
    pthread_rwlock_wrlock(&m->lock);
    gvc_rangeset_del(&m->r, (uintptr_t)p, NULL);
    pthread_rwlock_unlock(&m->lock);
}

static int find(const void *p, size_t len, uintptr_t *base_p,
                size_t *size_p)
{
    dmap(0);
    for (int i = 0; i < n_maps; i++) {
        const gvc_range_t *r;
        pthread_rwlock_rdlock(&maps[i].lock);
        r = gvc_rangeset_find(&maps[i].r, (uintptr_t)p, len);
        if (r != NULL) {
            if (base_p != NULL) {
                *base_p = r->base;
            }
            if (size_p != NULL) {
                *size_p = r->size;
            }
        }
        pthread_rwlock_unlock(&maps[i].lock);
        if (r != NULL) {
            return i;
        }
    }
    return -1;
}

int gvf_alloc_owner(const void *p, size_t len)
{
    return find(p, len, NULL, NULL);
}

int gvf_alloc_range(const void *p, uintptr_t *base_p, size_t *size_p)
{
    return find(p, 0, base_p, size_p);
}

void gvf_alloc_reset(gvf_dev_t *dev)
{
    dmap_t *m = dev != NULL ? dmap(gvf_dev_ordinal(dev)) : NULL;

    if (m == NULL) {
        return;
    }
    pthread_rwlock_wrlock(&m->lock);
    gvc_rangeset_fini(&m->r);
    gvc_rangeset_init(&m->r);
    pthread_rwlock_unlock(&m->lock);
}
