/*
 * gvdsim_array.c - CUDA arrays, mipmapped arrays, texture and surface
 * objects of the simulated runtime (tests only).  An array is host
 * memory of width x height x depth elements; copies with arrays address
 * it as CUDA does (positions and extents in elements); a texture or
 * surface object is a record of its descriptors, never sampled (there
 * are no kernels).
 */
#include "gvdsim.h"

#include <stdlib.h>
#include <string.h>

#define ARRAY_MAGIC  0x41525259u
#define MIPMAP_MAGIC 0x4d49504du
#define MAX_LEVELS   16
#define MAX_OBJECTS  64

typedef struct sim_array {
    uint32_t magic;
    struct cudaChannelFormatDesc desc;
    struct cudaExtent extent;   /* as created (0 height/depth kept) */
    size_t w, h, d;             /* at least 1 each */
    size_t elem;                /* bytes per element */
    unsigned flags;
    int level;                  /* owned by a mipmapped array */
    char *data;                 /* owned */
} sim_array_t;

typedef struct sim_mipmap {
    uint32_t magic;
    unsigned n;
    sim_array_t *lv[MAX_LEVELS];
} sim_mipmap_t;

/* Texture and surface objects: small integers, as CUDA's are. */
typedef struct sim_obj {
    int used, surface;
    struct cudaResourceDesc res;
    struct cudaTextureDesc tex;
    struct cudaResourceViewDesc view;
} sim_obj_t;

static sim_obj_t objs[MAX_OBJECTS];

static sim_array_t *array_of(const void *a)
{
    sim_array_t *x = (sim_array_t *)a;

    return x != NULL && x->magic == ARRAY_MAGIC ? x : NULL;
}

static sim_mipmap_t *mipmap_of(const void *m)
{
    sim_mipmap_t *x = (sim_mipmap_t *)m;

    return x != NULL && x->magic == MIPMAP_MAGIC ? x : NULL;
}

static cudaError_t array_new(sim_array_t **out,
                             const struct cudaChannelFormatDesc *desc,
                             struct cudaExtent e, unsigned flags)
{
    size_t elem, n;
    sim_array_t *a;

    if (desc == NULL || e.width == 0) {
        return cudaErrorInvalidValue;
    }
    /* Channels are 0 to 32 bits each; anything else (from the wire) must
     * not reach the sum, which could overflow. */
    if (desc->x < 0 || desc->x > 32 || desc->y < 0 || desc->y > 32 ||
        desc->z < 0 || desc->z > 32 || desc->w < 0 || desc->w > 32) {
        return cudaErrorInvalidChannelDescriptor;
    }
    elem = (size_t)(desc->x + desc->y + desc->z + desc->w) / 8;
    if (elem == 0 || elem > 16) {
        return cudaErrorInvalidChannelDescriptor;
    }
    a = calloc(1, sizeof(*a));
    if (a == NULL) {
        return cudaErrorMemoryAllocation;
    }
    a->magic = ARRAY_MAGIC;
    a->desc = *desc;
    a->extent = e;
    a->w = e.width;
    a->h = e.height ? e.height : 1;
    a->d = e.depth ? e.depth : 1;
    a->elem = elem;
    a->flags = flags;
    n = a->w * a->h * a->d * elem;
    a->data = calloc(1, n ? n : 1);
    if (a->data == NULL) {
        free(a);
        return cudaErrorMemoryAllocation;
    }
    *out = a;
    return cudaSuccess;
}

static void array_free(sim_array_t *a)
{
    a->magic = 0;
    free(a->data);
    free(a);
}

SIM cudaError_t cudaMalloc3DArray(cudaArray_t *array,
                                  const struct cudaChannelFormatDesc *desc,
                                  struct cudaExtent e, unsigned int flags)
{
    sim_array_t *a;
    cudaError_t r;

    if (array == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    r = array_new(&a, desc, e, flags);
    if (r == cudaSuccess) {
        *array = (cudaArray_t)a;
    }
    return sim_ret(r);
}

SIM cudaError_t cudaMallocArray(cudaArray_t *array,
                                const struct cudaChannelFormatDesc *desc,
                                size_t width, size_t height,
                                unsigned int flags)
{
    return cudaMalloc3DArray(array, desc, gvx_extent(width, height, 0),
                             flags);
}

SIM cudaError_t cudaFreeArray(cudaArray_t array)
{
    sim_array_t *a = array_of(array);

    if (array == NULL) {
        return cudaSuccess;
    }
    if (a == NULL || a->level) {
        return sim_ret(cudaErrorInvalidValue);
    }
    array_free(a);
    return cudaSuccess;
}

SIM cudaError_t cudaArrayGetInfo(struct cudaChannelFormatDesc *desc,
                                 struct cudaExtent *e, unsigned int *flags,
                                 cudaArray_t array)
{
    sim_array_t *a = array_of(array);

    if (a == NULL) {
        return sim_ret(cudaErrorInvalidResourceHandle);
    }
    if (desc != NULL) {
        *desc = a->desc;
    }
    if (e != NULL) {
        *e = a->extent;
    }
    if (flags != NULL) {
        *flags = a->flags;
    }
    return cudaSuccess;
}

/* ---- mipmapped arrays -------------------------------------------------------- */

SIM cudaError_t cudaMallocMipmappedArray(
    cudaMipmappedArray_t *m, const struct cudaChannelFormatDesc *desc,
    struct cudaExtent e, unsigned int levels, unsigned int flags)
{
    sim_mipmap_t *mm;
    cudaError_t r = cudaSuccess;

    if (m == NULL || levels == 0 || levels > MAX_LEVELS) {
        return sim_ret(cudaErrorInvalidValue);
    }
    mm = calloc(1, sizeof(*mm));
    if (mm == NULL) {
        return sim_ret(cudaErrorMemoryAllocation);
    }
    mm->magic = MIPMAP_MAGIC;
    for (unsigned i = 0; i < levels && r == cudaSuccess; i++) {
        r = array_new(&mm->lv[i], desc, e, flags);
        if (r == cudaSuccess) {
            mm->lv[i]->level = 1;
            mm->n++;
        }
        e.width = e.width > 1 ? e.width / 2 : 1;
        e.height = e.height > 1 ? e.height / 2 : e.height;
        e.depth = e.depth > 1 ? e.depth / 2 : e.depth;
    }
    if (r != cudaSuccess) {
        for (unsigned i = 0; i < mm->n; i++) {
            array_free(mm->lv[i]);
        }
        free(mm);
        return sim_ret(r);
    }
    *m = (cudaMipmappedArray_t)mm;
    return cudaSuccess;
}

SIM cudaError_t cudaGetMipmappedArrayLevel(cudaArray_t *level,
                                           cudaMipmappedArray_const_t m,
                                           unsigned int i)
{
    sim_mipmap_t *mm = mipmap_of(m);

    if (level == NULL || mm == NULL) {
        return sim_ret(mm == NULL ? cudaErrorInvalidResourceHandle
                                  : cudaErrorInvalidValue);
    }
    if (i >= mm->n) {
        return sim_ret(cudaErrorInvalidValue);
    }
    *level = (cudaArray_t)mm->lv[i];
    return cudaSuccess;
}

SIM cudaError_t cudaFreeMipmappedArray(cudaMipmappedArray_t m)
{
    sim_mipmap_t *mm = mipmap_of(m);

    if (mm == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    for (unsigned i = 0; i < mm->n; i++) {
        array_free(mm->lv[i]);
    }
    mm->magic = 0;
    free(mm);
    return cudaSuccess;
}

/* ---- copies ------------------------------------------------------------------ */

/* The first byte of row (y, z) of a side, with x in its elements; NULL
 * when the row runs out of the array (n bytes from x). */
static char *row_at(const sim_array_t *a, size_t x, size_t y, size_t z,
                    size_t n)
{
    if (x > a->w || n > (a->w - x) * a->elem || y >= a->h || z >= a->d) {
        return NULL;
    }
    return a->data + ((z * a->h + y) * a->w + x) * a->elem;
}

static char *ptr_at(const struct cudaPitchedPtr *pp, int dev, size_t x,
                    size_t y, size_t z)
{
    char *base = dev ? sim_host_of(pp->ptr) : pp->ptr;

    return base + (z * pp->ysize + y) * pp->pitch + x;
}

/* cudaMemcpy3DAsync when a side is an array (gvdsim.c hands it over). */
cudaError_t sim_copy3d_array(const struct cudaMemcpy3DParms *p)
{
    sim_array_t *da = array_of(p->dstArray), *sa = array_of(p->srcArray);
    size_t elem, n;
    int ddev = p->kind == cudaMemcpyHostToDevice ||
               p->kind == cudaMemcpyDeviceToDevice;
    int sdev = p->kind == cudaMemcpyDeviceToHost ||
               p->kind == cudaMemcpyDeviceToDevice;

    if ((p->dstArray != NULL && da == NULL) ||
        (p->srcArray != NULL && sa == NULL)) {
        return cudaErrorInvalidResourceHandle;
    }
    if (p->kind == cudaMemcpyDefault) {
        ddev = da != NULL || sim_find(p->dstPtr.ptr, 0) != NULL;
        sdev = sa != NULL || sim_find(p->srcPtr.ptr, 0) != NULL;
    }
    if ((da != NULL && !ddev) || (sa != NULL && !sdev)) {
        return cudaErrorInvalidMemcpyDirection;
    }
    /* A pointer's x counts the array's elements too, as the runtime
     * does on the H100 (not bytes, as its documentation says). */
    elem = da != NULL ? da->elem : sa->elem;
    n = p->extent.width * elem;
    for (size_t z = 0; z < p->extent.depth; z++) {
        for (size_t y = 0; y < p->extent.height; y++) {
            char *d = da != NULL
                          ? row_at(da, p->dstPos.x, p->dstPos.y + y,
                                   p->dstPos.z + z, n)
                          : ptr_at(&p->dstPtr, ddev, p->dstPos.x * elem,
                                   p->dstPos.y + y, p->dstPos.z + z);
            const char *s = sa != NULL
                                ? row_at(sa, p->srcPos.x, p->srcPos.y + y,
                                         p->srcPos.z + z, n)
                                : ptr_at(&p->srcPtr, sdev, p->srcPos.x * elem,
                                         p->srcPos.y + y, p->srcPos.z + z);
            if (d == NULL || s == NULL) {
                return cudaErrorInvalidValue;
            }
            memmove(d, s, n);
        }
    }
    return cudaSuccess;
}

/* ---- texture and surface objects ---------------------------------------------- */

static int res_ok(const struct cudaResourceDesc *r, int surface)
{
    if (r == NULL) {
        return 0;
    }
    switch (r->resType) {
    case cudaResourceTypeArray:
        return array_of(r->res.array.array) != NULL;
    case cudaResourceTypeMipmappedArray:
        return !surface && mipmap_of(r->res.mipmap.mipmap) != NULL;
    case cudaResourceTypeLinear:
        return !surface && sim_find(r->res.linear.devPtr,
                                    r->res.linear.sizeInBytes) != NULL;
    case cudaResourceTypePitch2D:
        return !surface && sim_find(r->res.pitch2D.devPtr, 0) != NULL;
    default:
        return 0;
    }
}

static cudaError_t obj_new(unsigned long long *o, int surface,
                           const struct cudaResourceDesc *r,
                           const struct cudaTextureDesc *t,
                           const struct cudaResourceViewDesc *v)
{
    if (o == NULL || !res_ok(r, surface) || (!surface && t == NULL)) {
        return sim_ret(cudaErrorInvalidValue);
    }
    for (int i = 1; i < MAX_OBJECTS; i++) {
        if (!objs[i].used) {
            memset(&objs[i], 0, sizeof(objs[i]));
            objs[i].used = 1;
            objs[i].surface = surface;
            objs[i].res = *r;
            if (t != NULL) {
                objs[i].tex = *t;
            }
            if (v != NULL) {
                objs[i].view = *v;
            }
            *o = (unsigned long long)i;
            return cudaSuccess;
        }
    }
    return sim_ret(cudaErrorMemoryAllocation);
}

static sim_obj_t *obj_of(unsigned long long o, int surface)
{
    return o > 0 && o < MAX_OBJECTS && objs[o].used &&
                   objs[o].surface == surface
               ? &objs[o]
               : NULL;
}

SIM cudaError_t cudaCreateTextureObject(cudaTextureObject_t *o,
                                        const struct cudaResourceDesc *r,
                                        const struct cudaTextureDesc *t,
                                        const struct cudaResourceViewDesc *v)
{
    return obj_new(o, 0, r, t, v);
}

SIM cudaError_t cudaDestroyTextureObject(cudaTextureObject_t o)
{
    sim_obj_t *x = obj_of(o, 0);

    if (x == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    x->used = 0;
    return cudaSuccess;
}

SIM cudaError_t cudaGetTextureObjectResourceDesc(struct cudaResourceDesc *r,
                                                 cudaTextureObject_t o)
{
    sim_obj_t *x = obj_of(o, 0);

    if (x == NULL || r == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    *r = x->res;
    return cudaSuccess;
}

SIM cudaError_t cudaGetTextureObjectTextureDesc(struct cudaTextureDesc *t,
                                                cudaTextureObject_t o)
{
    sim_obj_t *x = obj_of(o, 0);

    if (x == NULL || t == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    *t = x->tex;
    return cudaSuccess;
}

SIM cudaError_t cudaCreateSurfaceObject(cudaSurfaceObject_t *o,
                                        const struct cudaResourceDesc *r)
{
    return obj_new(o, 1, r, NULL, NULL);
}

SIM cudaError_t cudaDestroySurfaceObject(cudaSurfaceObject_t o)
{
    sim_obj_t *x = obj_of(o, 1);

    if (x == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    x->used = 0;
    return cudaSuccess;
}

SIM cudaError_t cudaGetSurfaceObjectResourceDesc(struct cudaResourceDesc *r,
                                                 cudaSurfaceObject_t o)
{
    sim_obj_t *x = obj_of(o, 1);

    if (x == NULL || r == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    *r = x->res;
    return cudaSuccess;
}
