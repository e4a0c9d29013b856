/*
 * gvc_tables.h - a hash set of opaque handles and a sorted set of address
 * ranges ("does [p, p+len) lie inside one allocation?").  gvd keeps one of
 * each per client (what it created); the frontend keeps its allocations.
 * Not locked: owners lock when they share a table between threads.
 */
#ifndef GVC_TABLES_H
#define GVC_TABLES_H

#include <stddef.h>
#include <stdint.h>

typedef struct gvc_ptrset {
    uintptr_t *slots;  /* 0 empty, 1 deleted, else a value (owned array) */
    size_t cap;        /* power of two */
    size_t used;       /* values + deleted */
    size_t count;      /* values */
} gvc_ptrset_t;

void gvc_ptrset_init(gvc_ptrset_t *s);
void gvc_ptrset_fini(gvc_ptrset_t *s);
int gvc_ptrset_has(const gvc_ptrset_t *s, uintptr_t v);
int gvc_ptrset_add(gvc_ptrset_t *s, uintptr_t v);  /* 0 ok, -1 no memory */
int gvc_ptrset_del(gvc_ptrset_t *s, uintptr_t v);  /* 1 removed, 0 absent */
/* Copy up to max of the values into out (any order); returns how many. */
size_t gvc_ptrset_values(const gvc_ptrset_t *s, uintptr_t *out, size_t max);

typedef struct gvc_range {
    uintptr_t base;
    size_t size;
    int kind;
} gvc_range_t;

typedef struct gvc_rangeset {
    gvc_range_t *r;    /* sorted by base, non-overlapping (owned) */
    size_t n, cap;
    size_t total;      /* sum of sizes */
} gvc_rangeset_t;

void gvc_rangeset_init(gvc_rangeset_t *s);
void gvc_rangeset_fini(gvc_rangeset_t *s);
/* Range containing [p, p+len) entirely, or NULL.  len 0: contains p. */
const gvc_range_t *gvc_rangeset_find(const gvc_rangeset_t *s, uintptr_t p,
                                     size_t len);
int gvc_rangeset_add(gvc_rangeset_t *s, uintptr_t base, size_t size,
                     int kind);                     /* -1: overlap/no mem */
/* Remove the range starting at base; returns its size (0 if none). */
size_t gvc_rangeset_del(gvc_rangeset_t *s, uintptr_t base, int *kind_p);

#endif
