/*
 * gvr_alloc.c - the placement policy (see gvr_alloc.h).
 */
#include "config.h"

#include "gvr_alloc.h"

#include <stdlib.h>
#include <string.h>

typedef struct alloc_group {
    size_t start;       /* first candidate of this node */
    size_t count;       /* candidates on this node */
    size_t near;        /* of which near the NIC */
    const char *name;
} alloc_group_t;

typedef struct alloc_slot {
    int near;
    uint32_t load;
    uint32_t index;
    size_t pos;         /* index into the candidate array */
} alloc_slot_t;

static int alloc_slot_cmp(const void *a, const void *b)
{
    const alloc_slot_t *x = a, *y = b;

    if (x->near != y->near) {
        return y->near - x->near;
    }
    if (x->load != y->load) {
        return x->load > y->load ? -1 : 1;
    }
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Groups sorted by free count, largest first, for the multi-node case. */
static int alloc_group_cmp(const void *a, const void *b)
{
    const alloc_group_t *x = a, *y = b;

    if (x->count != y->count) {
        return x->count > y->count ? -1 : 1;
    }
    if (x->near != y->near) {
        return x->near > y->near ? -1 : 1;
    }
    return strcmp(x->name, y->name);
}

static size_t alloc_min(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* Is group a a better home than b for need GPUs (both must fit)? */
static int alloc_better(const alloc_group_t *a, const alloc_group_t *b,
                        size_t need)
{
    size_t na = alloc_min(a->near, need), nb = alloc_min(b->near, need);

    if (na != nb) {
        return na > nb;
    }
    if (a->count != b->count) {
        return a->count < b->count;
    }
    return strcmp(a->name, b->name) < 0;
}

/* The best group among g[from..ng) that fits need; ng if none. */
static size_t alloc_best_fit(const alloc_group_t *g, size_t from, size_t ng,
                             size_t need)
{
    size_t best = ng;

    for (size_t i = from; i < ng; i++) {
        if (g[i].count >= need &&
            (best == ng || alloc_better(&g[i], &g[best], need))) {
            best = i;
        }
    }
    return best;
}

/* Take need GPUs of group g into pick, best ones first. */
static gvc_status_t alloc_take(const gvr_cand_t *c, const alloc_group_t *g,
                               size_t need, size_t *pick)
{
    alloc_slot_t *slot = malloc(g->count * sizeof(*slot));

    if (slot == NULL) {
        return GVC_ERR_NOMEM;
    }
    for (size_t i = 0; i < g->count; i++) {
        const gvr_cand_t *x = &c[g->start + i];
        slot[i] = (alloc_slot_t){ x->near != 0, x->load, x->index,
                                  g->start + i };
    }
    qsort(slot, g->count, sizeof(*slot), alloc_slot_cmp);
    for (size_t i = 0; i < need; i++) {
        pick[i] = slot[i].pos;
    }
    free(slot);
    return GVC_OK;
}

/* Group adjacent candidates by node; -1 if a node reappears later. */
static int alloc_group(const gvr_cand_t *c, size_t n, alloc_group_t *g)
{
    size_t ng = 0;

    for (size_t i = 0; i < n; i++) {
        if (ng == 0 || strcmp(g[ng - 1].name, c[i].node) != 0) {
            for (size_t j = 0; j < ng; j++) {
                if (strcmp(g[j].name, c[i].node) == 0) {
                    return -1;
                }
            }
            g[ng++] = (alloc_group_t){ i, 0, 0, c[i].node };
        }
        g[ng - 1].count++;
        g[ng - 1].near += c[i].near != 0;
    }
    return (int)ng;
}

static gvc_status_t alloc_spread(const gvr_cand_t *c, alloc_group_t *g,
                                 size_t ng, size_t want, size_t *pick)
{
    size_t got = 0, k, best;
    gvc_status_t st = GVC_OK;

    qsort(g, ng, sizeof(*g), alloc_group_cmp);
    /* The k largest nodes are the fewest that can hold want GPUs... */
    for (k = 0; k < ng && got + g[k].count < want; k++) {
        got += g[k].count;
    }
    for (size_t i = 0; st == GVC_OK && i < k; i++) {
        st = alloc_take(c, &g[i], g[i].count, pick);
        pick += g[i].count;
    }
    /* ...and the last one can be any remaining node that fits the rest. */
    best = alloc_best_fit(g, k, ng, want - got);
    if (st == GVC_OK) {
        st = alloc_take(c, &g[best], want - got, pick);
    }
    return st;
}

gvc_status_t gvr_alloc_plan(const gvr_cand_t *c, size_t n, uint32_t want,
                            size_t *pick_p)
{
    alloc_group_t *g;
    gvc_status_t st;
    size_t best;
    int ng;

    if (want == 0) {
        return GVC_ERR_INVALID;
    }
    if (n < want) {
        return GVC_ERR_BUSY;
    }
    g = malloc(n * sizeof(*g));
    if (g == NULL) {
        return GVC_ERR_NOMEM;
    }
    ng = alloc_group(c, n, g);
    if (ng < 0) {
        free(g);
        return GVC_ERR_INVALID;
    }
    best = alloc_best_fit(g, 0, (size_t)ng, want);
    if (best < (size_t)ng) {
        st = alloc_take(c, &g[best], want, pick_p);
    } else {
        st = alloc_spread(c, g, (size_t)ng, want, pick_p);
    }
    free(g);
    return st;
}
