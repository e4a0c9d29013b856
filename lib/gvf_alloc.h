/*
 * gvf_alloc.h - the device memory this process holds on each remote GPU,
 * shared by every replacement library: an allocation made through the
 * driver API (cuMemAlloc, cuMemMap, a module global) is device memory to
 * the runtime too (cudaMemcpyDefault, cudaPointerGetAttributes), and the
 * other way round, as with UVA.  Ranges only: the owner of an address is
 * the device whose worker returned it.
 *
 * Threads: thread-safe (one read-write lock per device).
 */
#ifndef GVF_ALLOC_H
#define GVF_ALLOC_H

#include "gvf.h"

#include <stddef.h>
#include <stdint.h>

/* Record [p, p+size) as memory of dev (ignored if p is already inside a
 * recorded range, or NULL).  Never fails the caller: out of memory only
 * loses the record (the worker still validates every pointer). */
void gvf_alloc_add(gvf_dev_t *dev, const void *p, size_t size);

/* Forget the range starting at p on dev. */
void gvf_alloc_del(gvf_dev_t *dev, const void *p);

/* The device (ordinal) holding [p, p+len) (len 0: p), or -1; with
 * base_p/size_p (either may be NULL) the range found. */
int gvf_alloc_owner(const void *p, size_t len);
int gvf_alloc_range(const void *p, uintptr_t *base_p, size_t *size_p);

/* Forget every range of dev (device reset). */
void gvf_alloc_reset(gvf_dev_t *dev);

#endif
