/*
 * gvc_tables.c - see gvc_tables.h.
 */
#include "config.h"

#include "gvc_tables.h"

#include <stdlib.h>
#include <string.h>

#define EMPTY   ((uintptr_t)0)
#define DELETED ((uintptr_t)1)

void gvc_ptrset_init(gvc_ptrset_t *s)
{
    memset(s, 0, sizeof(*s));
}

void gvc_ptrset_fini(gvc_ptrset_t *s)
{
    free(s->slots);
    memset(s, 0, sizeof(*s));
}

static size_t ptr_hash(uintptr_t v)
{
    uint64_t x = (uint64_t)v;

    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return (size_t)x;
}

/* Values 0 and 1 are the markers: store them shifted out of the way. */
static uintptr_t ptr_key(uintptr_t v)
{
    return v + 2 < v ? v : v + 2;
}

static int ptrset_grow(gvc_ptrset_t *s)
{
    size_t cap = s->cap ? s->cap * 2 : 64;
    uintptr_t *old = s->slots, *nw = calloc(cap, sizeof(*nw));
    size_t ocap = s->cap;

    if (nw == NULL) {
        return -1;
    }
    s->slots = nw;
    s->cap = cap;
    s->used = s->count = 0;
    for (size_t i = 0; i < ocap; i++) {
        if (old[i] > DELETED) {
            size_t j = ptr_hash(old[i]) & (cap - 1);
            while (nw[j] != EMPTY) {
                j = (j + 1) & (cap - 1);
            }
            nw[j] = old[i];
            s->used++;
            s->count++;
        }
    }
    free(old);
    return 0;
}

static size_t *ptrset_find(const gvc_ptrset_t *s, uintptr_t key, size_t *at)
{
    size_t j;

    if (s->cap == 0) {
        return NULL;
    }
    j = ptr_hash(key) & (s->cap - 1);
    for (size_t n = 0; n < s->cap; n++) {
        if (s->slots[j] == key) {
            *at = j;
            return at;
        }
        if (s->slots[j] == EMPTY) {
            return NULL;
        }
        j = (j + 1) & (s->cap - 1);
    }
    return NULL;
}

int gvc_ptrset_has(const gvc_ptrset_t *s, uintptr_t v)
{
    size_t at;

    return ptrset_find(s, ptr_key(v), &at) != NULL;
}

int gvc_ptrset_add(gvc_ptrset_t *s, uintptr_t v)
{
    uintptr_t key = ptr_key(v);
    size_t j, at;

    if (ptrset_find(s, key, &at) != NULL) {
        return 0;
    }
    if ((s->used + 1) * 4 >= s->cap * 3 && ptrset_grow(s) != 0) {
        return -1;
    }
    j = ptr_hash(key) & (s->cap - 1);
    while (s->slots[j] > DELETED) {
        j = (j + 1) & (s->cap - 1);
    }
    if (s->slots[j] == EMPTY) {
        s->used++;
    }
    s->slots[j] = key;
    s->count++;
    return 0;
}

size_t gvc_ptrset_values(const gvc_ptrset_t *s, uintptr_t *out, size_t max)
{
    size_t n = 0;

    for (size_t i = 0; i < s->cap && n < max; i++) {
        if (s->slots[i] != EMPTY && s->slots[i] != DELETED) {
            out[n++] = s->slots[i] - 2; /* ptr_key's shift, undone */
        }
    }
    return n;
}

int gvc_ptrset_del(gvc_ptrset_t *s, uintptr_t v)
{
    size_t at;

    if (ptrset_find(s, ptr_key(v), &at) == NULL) {
        return 0;
    }
    s->slots[at] = DELETED;
    s->count--;
    return 1;
}

void gvc_rangeset_init(gvc_rangeset_t *s)
{
    memset(s, 0, sizeof(*s));
}

void gvc_rangeset_fini(gvc_rangeset_t *s)
{
    free(s->r);
    memset(s, 0, sizeof(*s));
}

/* Index of the last range with base <= p, or -1. */
static long range_floor(const gvc_rangeset_t *s, uintptr_t p)
{
    long lo = 0, hi = (long)s->n - 1, best = -1;

    while (lo <= hi) {
        long mid = lo + (hi - lo) / 2;
        if (s->r[mid].base <= p) {
            best = mid;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return best;
}

const gvc_range_t *gvc_rangeset_find(const gvc_rangeset_t *s, uintptr_t p,
                                     size_t len)
{
    long i = range_floor(s, p);
    const gvc_range_t *r;
    uintptr_t off;

    if (i < 0) {
        return NULL;
    }
    r = &s->r[i];
    off = p - r->base;
    if (off >= r->size && !(len == 0 && off == 0)) {
        return NULL;
    }
    return len <= r->size - off ? r : NULL;
}

int gvc_rangeset_add(gvc_rangeset_t *s, uintptr_t base, size_t size,
                     int kind)
{
    long i = range_floor(s, base);
    size_t at = (size_t)(i + 1);

    if (size == 0) {
        size = 1; /* zero-byte allocations still own their address */
    }
    if (base + size < base ||
        (i >= 0 && s->r[i].base + s->r[i].size > base) ||
        (at < s->n && base + size > s->r[at].base)) {
        return -1;
    }
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        gvc_range_t *nr = realloc(s->r, cap * sizeof(*nr));
        if (nr == NULL) {
            return -1;
        }
        s->r = nr;
        s->cap = cap;
    }
    memmove(&s->r[at + 1], &s->r[at], (s->n - at) * sizeof(*s->r));
    s->r[at] = (gvc_range_t){ base, size, kind };
    s->n++;
    s->total += size;
    return 0;
}

size_t gvc_rangeset_del(gvc_rangeset_t *s, uintptr_t base, int *kind_p)
{
    long i = range_floor(s, base);
    size_t size;

    if (i < 0 || s->r[i].base != base) {
        return 0;
    }
    size = s->r[i].size;
    if (kind_p != NULL) {
        *kind_p = s->r[i].kind;
    }
    memmove(&s->r[i], &s->r[i + 1], (s->n - (size_t)i - 1) * sizeof(*s->r));
    s->n--;
    s->total -= size;
    return size;
}
