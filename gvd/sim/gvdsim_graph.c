/*
 * gvdsim_graph.c - graphs of the simulated runtime (tests only).  A
 * graph is a list of nodes run in the order they were added, which is
 * one valid order when every node depends on the one before (what the
 * tests build); dependencies are accepted and not otherwise honoured.
 * Nodes: empty, host (called inline, as the simulator's host functions
 * are), memcpy and memset (done at once), external semaphore signals and
 * waits (gvdsim_ext.c's, at once).  There are no kernels.  User
 * objects count references and call their destructor inline at zero.
 */
#include "gvdsim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GRAPH_MAGIC 0x47524150u
#define EXEC_MAGIC  0x47455845u
#define NODE_MAGIC  0x4e4f4445u
#define UOBJ_MAGIC  0x554f424au

typedef struct sim_node {
    uint32_t magic;
    struct sim_node *next;        /* in its graph, in order */
    struct sim_node *orig;        /* an executable's node: the graph's */
    struct cudaGraphNodeParams p; /* what it does */
    void *ext;                    /* owned: an external semaphore node's
                                     arrays, which p points into */
} sim_node_t;

typedef struct sim_uobj {
    uint32_t magic;
    void *ptr;
    cudaHostFn_t destroy;
    unsigned refs;
} sim_uobj_t;

#define MAX_GRAPH_UOBJS 8
typedef struct sim_graph {
    uint32_t magic;
    struct sim_graph *next;       /* all graphs: reset frees them */
    sim_node_t *nodes, **tail;    /* owned */
    sim_uobj_t *uo[MAX_GRAPH_UOBJS];
    unsigned uo_refs[MAX_GRAPH_UOBJS];
} sim_graph_t;

static sim_graph_t *graphs;

static sim_graph_t *graph_of(const void *g, uint32_t magic)
{
    const sim_graph_t *x = g;

    return x != NULL && x->magic == magic ? (sim_graph_t *)x : NULL;
}

static sim_node_t *node_of(const void *n)
{
    const sim_node_t *x = n;

    return x != NULL && x->magic == NODE_MAGIC ? (sim_node_t *)x : NULL;
}

static cudaError_t graph_new(sim_graph_t **out, uint32_t magic)
{
    sim_graph_t *g = calloc(1, sizeof(*g));

    if (g == NULL) {
        return cudaErrorMemoryAllocation;
    }
    g->magic = magic;
    g->tail = &g->nodes;
    g->next = graphs;
    graphs = g;
    *out = g;
    return cudaSuccess;
}

static void uobj_release(sim_uobj_t *u, unsigned n)
{
    u->refs -= n < u->refs ? n : u->refs;
    if (u->refs == 0) {
        u->magic = 0;
        u->destroy(u->ptr);
        free(u);
    }
}

static void graph_free(sim_graph_t *g)
{
    for (sim_graph_t **pp = &graphs; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == g) {
            *pp = g->next;
            break;
        }
    }
    while (g->nodes != NULL) {
        sim_node_t *n = g->nodes;
        g->nodes = n->next;
        n->magic = 0;
        free(n->ext);
        free(n);
    }
    for (int i = 0; i < MAX_GRAPH_UOBJS; i++) {
        if (g->uo[i] != NULL) {
            uobj_release(g->uo[i], g->uo_refs[i]);
        }
    }
    g->magic = 0;
    free(g);
}

void sim_graphs_reset(void)
{
    while (graphs != NULL) {
        graph_free(graphs);
    }
}

/* An external semaphore node keeps copies of its arrays (p's point to
 * the caller's): n->ext replaces what it had. */
static cudaError_t ext_copy(sim_node_t *n)
{
    cudaExternalSemaphore_t **sems;
    const void **params;
    size_t psize;
    unsigned count;
    uint8_t *b;

    if (n->p.type == cudaGraphNodeTypeExtSemaphoreSignal) {
        sems = &n->p.extSemSignal.extSemArray;
        params = (const void **)&n->p.extSemSignal.paramsArray;
        psize = sizeof(*n->p.extSemSignal.paramsArray);
        count = n->p.extSemSignal.numExtSems;
    } else if (n->p.type == cudaGraphNodeTypeExtSemaphoreWait) {
        sems = &n->p.extSemWait.extSemArray;
        params = (const void **)&n->p.extSemWait.paramsArray;
        psize = sizeof(*n->p.extSemWait.paramsArray);
        count = n->p.extSemWait.numExtSems;
    } else {
        return cudaSuccess;
    }
    if (count > 64 || (count > 0 && (*sems == NULL || *params == NULL))) {
        return cudaErrorInvalidValue;
    }
    b = malloc(count * (sizeof(**sems) + psize) + 1);
    if (b == NULL) {
        return cudaErrorMemoryAllocation;
    }
    if (count > 0) {
        memcpy(b, *sems, count * sizeof(**sems));
        memcpy(b + count * sizeof(**sems), *params, count * psize);
    }
    free(n->ext);
    n->ext = b;
    *sems = (cudaExternalSemaphore_t *)b;
    *params = b + count * sizeof(**sems);
    return cudaSuccess;
}

static cudaError_t node_add(sim_graph_t *g,
                            const struct cudaGraphNodeParams *p,
                            sim_node_t *orig, sim_node_t **out)
{
    sim_node_t *n = calloc(1, sizeof(*n));

    if (n == NULL) {
        return cudaErrorMemoryAllocation;
    }
    n->magic = NODE_MAGIC;
    n->orig = orig;
    n->p = *p;
    if (ext_copy(n) != cudaSuccess) {
        free(n);
        return cudaErrorInvalidValue;
    }
    *g->tail = n;
    g->tail = &n->next;
    if (out != NULL) {
        *out = n;
    }
    return cudaSuccess;
}

SIM cudaError_t cudaGraphCreate(cudaGraph_t *g, unsigned int flags)
{
    sim_graph_t *x;
    cudaError_t r;

    if (g == NULL || flags != 0) {
        return sim_ret(cudaErrorInvalidValue);
    }
    r = graph_new(&x, GRAPH_MAGIC);
    if (r == cudaSuccess) {
        *g = (cudaGraph_t)x;
    }
    return sim_ret(r);
}

SIM cudaError_t cudaGraphDestroy(cudaGraph_t g)
{
    sim_graph_t *x = graph_of(g, GRAPH_MAGIC);

    if (x == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    graph_free(x);
    return cudaSuccess;
}

SIM cudaError_t cudaGraphInstantiate(cudaGraphExec_t *e, cudaGraph_t g,
                                     unsigned long long flags)
{
    sim_graph_t *src = graph_of(g, GRAPH_MAGIC), *x = NULL;
    cudaError_t r;

    (void)flags;
    if (e == NULL || src == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    r = graph_new(&x, EXEC_MAGIC);
    for (sim_node_t *n = src->nodes; r == cudaSuccess && n != NULL;
         n = n->next) {
        r = node_add(x, &n->p, n, NULL);
    }
    if (r != cudaSuccess) {
        if (x != NULL) {
            graph_free(x);
        }
        return sim_ret(r);
    }
    *e = (cudaGraphExec_t)x;
    return cudaSuccess;
}

SIM cudaError_t cudaGraphExecDestroy(cudaGraphExec_t e)
{
    sim_graph_t *x = graph_of(e, EXEC_MAGIC);

    if (x == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    graph_free(x);
    return cudaSuccess;
}

static cudaError_t run(const struct cudaGraphNodeParams *p, cudaStream_t s)
{
    const struct cudaMemsetParamsV2 *m = &p->memset;

    switch (p->type) {
    case cudaGraphNodeTypeHost:
        p->host.fn(p->host.userData);
        return cudaSuccess;
    case cudaGraphNodeTypeMemcpy:
        return cudaMemcpy3DAsync(&p->memcpy.copyParams, s);
    case cudaGraphNodeTypeExtSemaphoreSignal:
        return cudaSignalExternalSemaphoresAsync(
            p->extSemSignal.extSemArray, p->extSemSignal.paramsArray,
            p->extSemSignal.numExtSems, s);
    case cudaGraphNodeTypeExtSemaphoreWait:
        return cudaWaitExternalSemaphoresAsync(
            p->extSemWait.extSemArray, p->extSemWait.paramsArray,
            p->extSemWait.numExtSems, s);
    case cudaGraphNodeTypeMemset:
        if (m->elementSize != 1) {
            return cudaErrorNotSupported; /* bytes are enough here */
        }
        return cudaMemset2DAsync(m->dst, m->height > 1 ? m->pitch : m->width,
                                 (int)m->value, m->width,
                                 m->height ? m->height : 1, s);
    default:
        return cudaSuccess;
    }
}

SIM cudaError_t cudaGraphLaunch(cudaGraphExec_t e, cudaStream_t s)
{
    sim_graph_t *x = graph_of(e, EXEC_MAGIC);

    if (x == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    if (!sim_stream_ok(s)) {
        return sim_ret(cudaErrorInvalidResourceHandle);
    }
    for (sim_node_t *n = x->nodes; n != NULL; n = n->next) {
        cudaError_t r = run(&n->p, s);
        if (r != cudaSuccess) {
            return sim_ret(r);
        }
    }
    return cudaSuccess;
}

/* ---- nodes ---------------------------------------------------------------------- */

static cudaError_t add(cudaGraphNode_t *out, cudaGraph_t g,
                       const struct cudaGraphNodeParams *p)
{
    sim_graph_t *x = graph_of(g, GRAPH_MAGIC);
    sim_node_t *n;
    cudaError_t r;

    if (out == NULL || x == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    switch (p->type) {
    case cudaGraphNodeTypeEmpty:
    case cudaGraphNodeTypeHost:
    case cudaGraphNodeTypeMemcpy:
    case cudaGraphNodeTypeMemset:
    case cudaGraphNodeTypeExtSemaphoreSignal:
    case cudaGraphNodeTypeExtSemaphoreWait:
        break;
    default:
        return sim_ret(cudaErrorNotSupported);
    }
    if (p->type == cudaGraphNodeTypeHost && p->host.fn == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    r = node_add(x, p, NULL, &n);
    if (r == cudaSuccess) {
        *out = (cudaGraphNode_t)n;
    }
    return sim_ret(r);
}

SIM cudaError_t cudaGraphAddNode(cudaGraphNode_t *out, cudaGraph_t g,
                                 const cudaGraphNode_t *deps,
                                 const cudaGraphEdgeData *edges, size_t n,
                                 struct cudaGraphNodeParams *p)
{
    (void)deps;
    (void)edges;
    (void)n;
    return p != NULL ? add(out, g, p) : sim_ret(cudaErrorInvalidValue);
}

SIM cudaError_t cudaGraphAddEmptyNode(cudaGraphNode_t *out, cudaGraph_t g,
                                      const cudaGraphNode_t *deps, size_t n)
{
    struct cudaGraphNodeParams p = { .type = cudaGraphNodeTypeEmpty };

    (void)deps;
    (void)n;
    return add(out, g, &p);
}

SIM cudaError_t cudaGraphAddMemcpyNode(cudaGraphNode_t *out, cudaGraph_t g,
                                       const cudaGraphNode_t *deps,
                                       size_t n,
                                       const struct cudaMemcpy3DParms *cp)
{
    struct cudaGraphNodeParams p = { .type = cudaGraphNodeTypeMemcpy };

    (void)deps;
    (void)n;
    p.memcpy.copyParams = *cp;
    return add(out, g, &p);
}

SIM cudaError_t cudaGraphAddMemcpyNode1D(cudaGraphNode_t *out, cudaGraph_t g,
                                         const cudaGraphNode_t *deps,
                                         size_t n, void *dst,
                                         const void *src, size_t count,
                                         enum cudaMemcpyKind kind)
{
    struct cudaMemcpy3DParms cp;

    memset(&cp, 0, sizeof(cp));
    cp.dstPtr = gvx_pitched(dst, count, count, 1);
    cp.srcPtr = gvx_pitched((void *)src, count, count, 1);
    cp.extent = gvx_extent(count, 1, 1);
    cp.kind = kind;
    return cudaGraphAddMemcpyNode(out, g, deps, n, &cp);
}

SIM cudaError_t cudaGraphMemcpyNodeGetParams(cudaGraphNode_t node,
                                             struct cudaMemcpy3DParms *cp)
{
    sim_node_t *n = node_of(node);

    if (n == NULL || cp == NULL || n->p.type != cudaGraphNodeTypeMemcpy) {
        return sim_ret(cudaErrorInvalidValue);
    }
    *cp = n->p.memcpy.copyParams;
    return cudaSuccess;
}

SIM cudaError_t cudaGraphNodeGetType(cudaGraphNode_t node,
                                     enum cudaGraphNodeType *t)
{
    sim_node_t *n = node_of(node);

    if (n == NULL || t == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    *t = n->p.type;
    return cudaSuccess;
}

SIM cudaError_t cudaGraphHostNodeGetParams(cudaGraphNode_t node,
                                           struct cudaHostNodeParams *hp)
{
    sim_node_t *n = node_of(node);

    if (n == NULL || hp == NULL || n->p.type != cudaGraphNodeTypeHost) {
        return sim_ret(cudaErrorInvalidValue);
    }
    hp->fn = n->p.host.fn;
    hp->userData = n->p.host.userData;
    return cudaSuccess;
}

SIM cudaError_t cudaGraphHostNodeSetParams(cudaGraphNode_t node,
                                           const struct cudaHostNodeParams *hp)
{
    sim_node_t *n = node_of(node);

    if (n == NULL || hp == NULL || n->p.type != cudaGraphNodeTypeHost) {
        return sim_ret(cudaErrorInvalidValue);
    }
    n->p.host.fn = hp->fn;
    n->p.host.userData = hp->userData;
    return cudaSuccess;
}

SIM cudaError_t cudaGraphExecHostNodeSetParams(
    cudaGraphExec_t e, cudaGraphNode_t node,
    const struct cudaHostNodeParams *hp)
{
    sim_graph_t *x = graph_of(e, EXEC_MAGIC);

    if (x == NULL || hp == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    for (sim_node_t *n = x->nodes; n != NULL; n = n->next) {
        if (n->orig == (sim_node_t *)node &&
            n->p.type == cudaGraphNodeTypeHost) {
            n->p.host.fn = hp->fn;
            n->p.host.userData = hp->userData;
            return cudaSuccess;
        }
    }
    return sim_ret(cudaErrorInvalidValue);
}

/* ---- external semaphore nodes ------------------------------------------------ */

/* The node of a graph, or of an executable made from it (e non-NULL),
 * of the given type. */
static sim_node_t *typed_node(cudaGraphExec_t e, cudaGraphNode_t node,
                              enum cudaGraphNodeType type)
{
    sim_graph_t *x = e != NULL ? graph_of(e, EXEC_MAGIC) : NULL;
    sim_node_t *n = NULL;

    if (e == NULL) {
        n = node_of(node);
    } else if (x != NULL) {
        for (n = x->nodes; n != NULL && n->orig != (sim_node_t *)node;
             n = n->next) {
        }
    }
    return n != NULL && n->p.type == type ? n : NULL;
}

/* New parameters: p's arrays copied (the old ones kept on failure). */
static cudaError_t ext_set(sim_node_t *n, const struct cudaGraphNodeParams *p)
{
    struct cudaGraphNodeParams old = n->p;
    void *keep = n->ext;
    cudaError_t r;

    n->p = *p;
    n->ext = NULL;
    r = ext_copy(n);
    if (r != cudaSuccess) {
        n->p = old;
        n->ext = keep;
        return r;
    }
    free(keep);
    return cudaSuccess;
}

static cudaError_t sig_set(cudaGraphExec_t e, cudaGraphNode_t node,
                           const struct cudaExternalSemaphoreSignalNodeParams *sp)
{
    sim_node_t *n = typed_node(e, node, cudaGraphNodeTypeExtSemaphoreSignal);
    struct cudaGraphNodeParams p = {
        .type = cudaGraphNodeTypeExtSemaphoreSignal };

    if (n == NULL || sp == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    p.extSemSignal.extSemArray = sp->extSemArray;
    p.extSemSignal.paramsArray = sp->paramsArray;
    p.extSemSignal.numExtSems = sp->numExtSems;
    return sim_ret(ext_set(n, &p));
}

static cudaError_t wait_set(cudaGraphExec_t e, cudaGraphNode_t node,
                            const struct cudaExternalSemaphoreWaitNodeParams *wp)
{
    sim_node_t *n = typed_node(e, node, cudaGraphNodeTypeExtSemaphoreWait);
    struct cudaGraphNodeParams p = {
        .type = cudaGraphNodeTypeExtSemaphoreWait };

    if (n == NULL || wp == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    p.extSemWait.extSemArray = wp->extSemArray;
    p.extSemWait.paramsArray = wp->paramsArray;
    p.extSemWait.numExtSems = wp->numExtSems;
    return sim_ret(ext_set(n, &p));
}

SIM cudaError_t cudaGraphExternalSemaphoresSignalNodeSetParams(
    cudaGraphNode_t node,
    const struct cudaExternalSemaphoreSignalNodeParams *sp)
{
    return sig_set(NULL, node, sp);
}

SIM cudaError_t cudaGraphExecExternalSemaphoresSignalNodeSetParams(
    cudaGraphExec_t e, cudaGraphNode_t node,
    const struct cudaExternalSemaphoreSignalNodeParams *sp)
{
    return e != NULL ? sig_set(e, node, sp)
                     : sim_ret(cudaErrorInvalidValue);
}

SIM cudaError_t cudaGraphExternalSemaphoresWaitNodeSetParams(
    cudaGraphNode_t node, const struct cudaExternalSemaphoreWaitNodeParams *wp)
{
    return wait_set(NULL, node, wp);
}

SIM cudaError_t cudaGraphExecExternalSemaphoresWaitNodeSetParams(
    cudaGraphExec_t e, cudaGraphNode_t node,
    const struct cudaExternalSemaphoreWaitNodeParams *wp)
{
    return e != NULL ? wait_set(e, node, wp)
                     : sim_ret(cudaErrorInvalidValue);
}

SIM cudaError_t cudaGraphExternalSemaphoresSignalNodeGetParams(
    cudaGraphNode_t node, struct cudaExternalSemaphoreSignalNodeParams *out)
{
    sim_node_t *n = typed_node(NULL, node,
                               cudaGraphNodeTypeExtSemaphoreSignal);

    if (n == NULL || out == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    out->extSemArray = n->p.extSemSignal.extSemArray;
    out->paramsArray = n->p.extSemSignal.paramsArray;
    out->numExtSems = n->p.extSemSignal.numExtSems;
    return cudaSuccess;
}

SIM cudaError_t cudaGraphExternalSemaphoresWaitNodeGetParams(
    cudaGraphNode_t node, struct cudaExternalSemaphoreWaitNodeParams *out)
{
    sim_node_t *n = typed_node(NULL, node, cudaGraphNodeTypeExtSemaphoreWait);

    if (n == NULL || out == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    out->extSemArray = n->p.extSemWait.extSemArray;
    out->paramsArray = n->p.extSemWait.paramsArray;
    out->numExtSems = n->p.extSemWait.numExtSems;
    return cudaSuccess;
}

/* A text the tests can recognise (CUDA writes DOT). */
SIM cudaError_t cudaGraphDebugDotPrint(cudaGraph_t g, const char *path,
                                       unsigned int flags)
{
    sim_graph_t *x = graph_of(g, GRAPH_MAGIC);
    FILE *fp;
    int i = 0;

    (void)flags;
    if (x == NULL || path == NULL || (fp = fopen(path, "w")) == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    fprintf(fp, "digraph simulated {\n");
    for (sim_node_t *n = x->nodes; n != NULL; n = n->next, i++) {
        fprintf(fp, "  n%d [label=\"type %d\"];\n", i, (int)n->p.type);
    }
    fprintf(fp, "}\n");
    fclose(fp);
    return cudaSuccess;
}

/* ---- user objects ---------------------------------------------------------------- */

static sim_uobj_t *uobj_of(cudaUserObject_t o)
{
    sim_uobj_t *u = (sim_uobj_t *)o;

    return u != NULL && u->magic == UOBJ_MAGIC ? u : NULL;
}

SIM cudaError_t cudaUserObjectCreate(cudaUserObject_t *out, void *ptr,
                                     cudaHostFn_t destroy, unsigned int n,
                                     unsigned int flags)
{
    sim_uobj_t *u;

    if (out == NULL || destroy == NULL || n == 0 ||
        flags != cudaUserObjectNoDestructorSync) {
        return sim_ret(cudaErrorInvalidValue);
    }
    u = calloc(1, sizeof(*u));
    if (u == NULL) {
        return sim_ret(cudaErrorMemoryAllocation);
    }
    u->magic = UOBJ_MAGIC;
    u->ptr = ptr;
    u->destroy = destroy;
    u->refs = n;
    *out = (cudaUserObject_t)u;
    return cudaSuccess;
}

SIM cudaError_t cudaUserObjectRetain(cudaUserObject_t o, unsigned int n)
{
    sim_uobj_t *u = uobj_of(o);

    if (u == NULL || n == 0) {
        return sim_ret(cudaErrorInvalidValue);
    }
    u->refs += n;
    return cudaSuccess;
}

SIM cudaError_t cudaUserObjectRelease(cudaUserObject_t o, unsigned int n)
{
    sim_uobj_t *u = uobj_of(o);

    if (u == NULL || n == 0 || n > u->refs) {
        return sim_ret(cudaErrorInvalidValue);
    }
    uobj_release(u, n);
    return cudaSuccess;
}

SIM cudaError_t cudaGraphRetainUserObject(cudaGraph_t g, cudaUserObject_t o,
                                          unsigned int n, unsigned int flags)
{
    sim_graph_t *x = graph_of(g, GRAPH_MAGIC);
    sim_uobj_t *u = uobj_of(o);

    if (x == NULL || u == NULL || n == 0) {
        return sim_ret(cudaErrorInvalidValue);
    }
    for (int i = 0; i < MAX_GRAPH_UOBJS; i++) {
        if (x->uo[i] == NULL || x->uo[i] == u) {
            x->uo[i] = u;
            x->uo_refs[i] += n;
            if (!(flags & cudaGraphUserObjectMove)) {
                u->refs += n;
            }
            return cudaSuccess;
        }
    }
    return sim_ret(cudaErrorMemoryAllocation);
}

SIM cudaError_t cudaGraphReleaseUserObject(cudaGraph_t g, cudaUserObject_t o,
                                           unsigned int n)
{
    sim_graph_t *x = graph_of(g, GRAPH_MAGIC);
    sim_uobj_t *u = uobj_of(o);

    for (int i = 0; x != NULL && u != NULL && i < MAX_GRAPH_UOBJS; i++) {
        if (x->uo[i] == u && n <= x->uo_refs[i]) {
            x->uo_refs[i] -= n;
            if (x->uo_refs[i] == 0) {
                x->uo[i] = NULL;
            }
            uobj_release(u, n);
            return cudaSuccess;
        }
    }
    return sim_ret(cudaErrorInvalidValue);
}
