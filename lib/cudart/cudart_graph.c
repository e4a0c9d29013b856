/*
 * cudart_graph.c - graph nodes whose parameters need the client: kernel
 * nodes (arguments are host pointers: packed with the kernel's layout as
 * a launch packs them), host nodes (the function runs here, through the
 * service thread, at every launch), allocation nodes (the pointer joins
 * the allocation map; device ordinals translated), memcpy nodes to and
 * from symbols (resolved here), external semaphore nodes (the arrays in
 * their parameters travel), cudaGraphAddNode and the generic setters
 * for every kind, user objects (their destructor runs here) and
 * cudaGraphDebugDotPrint (the file is written here).  One RPC,
 * gvGraphNode (lib/gvx.h); gvGraphNodeGet brings parameters back.
 *
 * Parameters that CUDA returns in memory it owns (a kernel node's
 * argument array, an allocation node's access descriptors, conditional
 * bodies) are kept per node here until the next query of that node or
 * exit.
 */
#include "config.h"

#include "gvrt.h"
#include "gvrt_dev.h"
#include "gvf_hostfn.h"
#include "gv_api_cudart.h"
#include "gvx.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPS (1u << 16)

/* ---- memory CUDA would own --------------------------------------------------- */

typedef struct owned {
    struct owned *next;
    const void *node;     /* the node (or a conditional's node) */
    void *mem;            /* owned */
} owned_t;

static pthread_mutex_t olock = PTHREAD_MUTEX_INITIALIZER;
static owned_t *owned;

/* Keep mem (malloc'ed) for node, freeing what the node had. */
static void own(const void *node, void *mem)
{
    owned_t *o;

    pthread_mutex_lock(&olock);
    for (o = owned; o != NULL && o->node != node; o = o->next) {
    }
    if (o == NULL && (o = calloc(1, sizeof(*o))) != NULL) {
        o->node = node;
        o->next = owned;
        owned = o;
    }
    if (o != NULL) {
        free(o->mem);
        o->mem = mem;
    }
    pthread_mutex_unlock(&olock);
    if (o == NULL) {
        free(mem); /* out of memory: the caller's pointer is gone */
    }
}

/* ---- gvGraphNode ------------------------------------------------------------- */

typedef struct gn {
    uint32_t op, type, generic;
    const void *graph;        /* graph (add) or executable (exec) */
    const void *node;
    const cudaGraphNode_t *deps;
    const cudaGraphEdgeData *edges;
    size_t n_deps;
    int dev;                  /* -1: the current device */
} gn_t;

static cudaError_t gn_begin(gvf_call_t *c, const gn_t *g, size_t hint)
{
    cudaError_t err;
    uint64_t d;

    if (g->n_deps > MAX_DEPS || (g->n_deps > 0 && g->deps == NULL)) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    hint += 128 + g->n_deps * (8 + sizeof(cudaGraphEdgeData));
    err = g->dev >= 0 ? gvrt_begin_dev(c, GV_API_gvGraphNode, g->dev, hint)
                      : gvrt_begin(c, GV_API_gvGraphNode, hint);
    if (err != cudaSuccess) {
        return err;
    }
    gvc_enc_u32(&c->enc, g->op);
    gvc_enc_u32(&c->enc, g->type);
    gvc_enc_u32(&c->enc, g->generic);
    gvc_enc_ptr(&c->enc, g->graph);
    gvc_enc_ptr(&c->enc, g->node);
    gvc_enc_u32(&c->enc, (uint32_t)g->n_deps);
    for (size_t i = 0; i < g->n_deps; i++) {
        d = (uint64_t)(uintptr_t)g->deps[i];
        gvc_enc_raw(&c->enc, &d, sizeof(d));
    }
    gvc_enc_array(&c->enc, g->edges, (uint32_t)g->n_deps,
                  sizeof(cudaGraphEdgeData));
    return cudaSuccess;
}

/* Send; an added node comes back (and then whatever its kind made). */
static cudaError_t gn_end(gvf_call_t *c, const gn_t *g,
                          cudaGraphNode_t *node_p,
                          struct cudaGraphNodeParams *gp)
{
    gvc_status_t st = c->enc.status;

    if (st == GVC_OK) {
        st = gvf_call_reply_room(c, 1024);
    }
    if (st == GVC_OK) {
        st = gvf_call_sync(c);
    }
    if (gvrt_ok(c, st) && g->op == GVX_GN_ADD) {
        void *node = NULL, *p = NULL;
        gvc_dec_ptr(&c->dec, &node);
        if (gp != NULL && gp->type == cudaGraphNodeTypeMemAlloc) {
            gvc_dec_ptr(&c->dec, &p);
            if (c->dec.status == GVC_OK) {
                gp->alloc.dptr = p;
                gvrt_alloc_add(c->dev, p, gp->alloc.bytesize);
            }
        } else if (gp != NULL && gp->type == cudaGraphNodeTypeConditional) {
            const void *v = NULL;
            uint32_t n = 0;
            cudaGraph_t *bodies;
            gvc_dec_array(&c->dec, &v, &n, sizeof(uint64_t), 64);
            bodies = calloc(n ? n : 1, sizeof(*bodies));
            for (uint32_t i = 0; bodies != NULL && v != NULL && i < n; i++) {
                uint64_t b;
                memcpy(&b, (const uint8_t *)v + 8 * i, sizeof(b));
                bodies[i] = (cudaGraph_t)(uintptr_t)b;
            }
            gp->conditional.phGraph_out = bodies;
            own(node, bodies);
        }
        st = gvc_dec_finish(&c->dec);
        if (st == GVC_OK && node_p != NULL) {
            *node_p = node;
        }
    }
    return gvrt_end(c, st);
}

/* A memory location of ours: the worker's device is 0; dev_p routes. */
static cudaError_t loc_send(struct cudaMemLocation *l, int *dev_p)
{
    if (l->type != cudaMemLocationTypeDevice) {
        return cudaSuccess;
    }
    if (gvf_dev(l->id) == NULL) {
        return cudaErrorInvalidDevice;
    }
    if (*dev_p >= 0 && *dev_p != l->id) {
        return cudaErrorNotSupported; /* two remote GPUs */
    }
    *dev_p = l->id;
    l->id = 0;
    return cudaSuccess;
}

/* External semaphores of a node: { array of u64 handles, array of raw
 * parameters }. */
static void ext_sems_enc(gvc_enc_t *e, const cudaExternalSemaphore_t *sems,
                         const void *params, size_t psize, unsigned n)
{
    uint64_t h[GVX_MAX_EXT_SEMS];

    for (unsigned i = 0; i < n; i++) {
        h[i] = (uint64_t)(uintptr_t)sems[i];
    }
    gvc_enc_array(e, n > 0 ? h : NULL, n, sizeof(h[0]));
    gvc_enc_array(e, params, n, (uint32_t)psize);
}

/*
 * One node of any kind: encode its parameters (lib/gvx.h) and send.  gp
 * is the caller's; an allocation node's pointer and a conditional node's
 * bodies are written back into it.
 */
static cudaError_t gn_call(gn_t *g, struct cudaGraphNodeParams *gp,
                           cudaGraphNode_t *node_p)
{
    static __thread uint8_t args[GVX_MAX_PARAM_BYTES];
    struct cudaMemPoolProps props;
    struct cudaMemAccessDesc *acc = NULL;
    uint32_t len = 0, dim[7];
    uint64_t fn = 0, id = 0;
    gvf_call_t c;
    gvc_status_t st = gvf_init();
    cudaError_t err = cudaSuccess;

    if (st != GVC_OK) {
        return gvrt_fail(gvrt_status_to_error(st));
    }
    if (gp == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    g->type = gp->type;
    switch (gp->type) {
    case cudaGraphNodeTypeKernel:
        err = gvrt_kernel_pack(gvf_current_dev(), gp->kernel.func,
                               gp->kernel.kernelParams, gp->kernel.extra,
                               args, &len, &fn);
        break;
    case cudaGraphNodeTypeHost:
        if (gp->host.fn == NULL) {
            err = cudaErrorInvalidValue;
        } else if (gvf_hostfn_register(gvf_current_dev(), 0, gp->host.fn,
                                       gp->host.userData, GVF_HOSTFN_PERSIST,
                                       &id) != GVC_OK) {
            err = cudaErrorMemoryAllocation;
        }
        break;
    case cudaGraphNodeTypeMemAlloc:
        props = gp->alloc.poolProps;
        err = loc_send(&props.location, &g->dev);
        if (err == cudaSuccess && gp->alloc.accessDescCount > 64) {
            err = cudaErrorInvalidValue;
        }
        if (err == cudaSuccess && gp->alloc.accessDescCount > 0) {
            acc = malloc(gp->alloc.accessDescCount * sizeof(*acc));
            err = acc == NULL || gp->alloc.accessDescs == NULL
                      ? cudaErrorInvalidValue : cudaSuccess;
            for (size_t i = 0; err == cudaSuccess &&
                               i < gp->alloc.accessDescCount; i++) {
                acc[i] = gp->alloc.accessDescs[i];
                err = loc_send(&acc[i].location, &g->dev);
            }
        }
        break;
    case cudaGraphNodeTypeExtSemaphoreSignal:
        if (gp->extSemSignal.numExtSems > GVX_MAX_EXT_SEMS ||
            (gp->extSemSignal.numExtSems > 0 &&
             (gp->extSemSignal.extSemArray == NULL ||
              gp->extSemSignal.paramsArray == NULL))) {
            err = cudaErrorInvalidValue;
        }
        len = gp->extSemSignal.numExtSems *
              (8 + (uint32_t)sizeof(*gp->extSemSignal.paramsArray));
        break;
    case cudaGraphNodeTypeExtSemaphoreWait:
        if (gp->extSemWait.numExtSems > GVX_MAX_EXT_SEMS ||
            (gp->extSemWait.numExtSems > 0 &&
             (gp->extSemWait.extSemArray == NULL ||
              gp->extSemWait.paramsArray == NULL))) {
            err = cudaErrorInvalidValue;
        }
        len = gp->extSemWait.numExtSems *
              (8 + (uint32_t)sizeof(*gp->extSemWait.paramsArray));
        break;
    default:
        break;
    }
    if (err == cudaSuccess) {
        err = gn_begin(&c, g, len);
    } else {
        free(acc);
        return err == cudaErrorNotSupported
                   ? gvrt_unsupported("graph allocation on two remote GPUs")
                   : gvrt_fail(err);
    }
    if (err != cudaSuccess) {
        free(acc);
        return err;
    }
    switch (gp->type) {
    case cudaGraphNodeTypeKernel:
        dim[0] = gp->kernel.gridDim.x, dim[1] = gp->kernel.gridDim.y;
        dim[2] = gp->kernel.gridDim.z, dim[3] = gp->kernel.blockDim.x;
        dim[4] = gp->kernel.blockDim.y, dim[5] = gp->kernel.blockDim.z;
        gvc_enc_u64(&c.enc, fn);
        gvc_enc_raw(&c.enc, dim, 6 * sizeof(uint32_t));
        gvc_enc_u32(&c.enc, gp->kernel.sharedMemBytes);
        gvc_enc_bytes(&c.enc, args, len);
        break;
    case cudaGraphNodeTypeMemcpy:
        gvc_enc_raw(&c.enc, &gp->memcpy.copyParams,
                    sizeof(gp->memcpy.copyParams));
        break;
    case cudaGraphNodeTypeMemset:
        gvc_enc_raw(&c.enc, &gp->memset, sizeof(gp->memset));
        break;
    case cudaGraphNodeTypeHost:
        gvc_enc_u64(&c.enc, id);
        break;
    case cudaGraphNodeTypeGraph:
        gvc_enc_ptr(&c.enc, gp->graph.graph);
        gvc_enc_u32(&c.enc, (uint32_t)gp->graph.ownership);
        break;
    case cudaGraphNodeTypeWaitEvent:
        gvc_enc_ptr(&c.enc, gp->eventWait.event);
        break;
    case cudaGraphNodeTypeEventRecord:
        gvc_enc_ptr(&c.enc, gp->eventRecord.event);
        break;
    case cudaGraphNodeTypeMemAlloc:
        gvc_enc_raw(&c.enc, &props, sizeof(props));
        gvc_enc_array(&c.enc, acc, (uint32_t)gp->alloc.accessDescCount,
                      sizeof(*acc));
        gvc_enc_u64(&c.enc, gp->alloc.bytesize);
        break;
    case cudaGraphNodeTypeMemFree:
        gvc_enc_ptr(&c.enc, gp->free.dptr);
        break;
    case cudaGraphNodeTypeConditional:
        gvc_enc_u64(&c.enc, gp->conditional.handle);
        gvc_enc_u32(&c.enc, (uint32_t)gp->conditional.type);
        gvc_enc_u32(&c.enc, gp->conditional.size);
        break;
    case cudaGraphNodeTypeExtSemaphoreSignal:
        ext_sems_enc(&c.enc, gp->extSemSignal.extSemArray,
                     gp->extSemSignal.paramsArray,
                     sizeof(*gp->extSemSignal.paramsArray),
                     gp->extSemSignal.numExtSems);
        break;
    case cudaGraphNodeTypeExtSemaphoreWait:
        ext_sems_enc(&c.enc, gp->extSemWait.extSemArray,
                     gp->extSemWait.paramsArray,
                     sizeof(*gp->extSemWait.paramsArray),
                     gp->extSemWait.numExtSems);
        break;
    default:
        break;
    }
    free(acc);
    return gn_end(&c, g, node_p, gp);
}

static cudaError_t add(cudaGraphNode_t *node_p, cudaGraph_t graph,
                       const cudaGraphNode_t *deps,
                       const cudaGraphEdgeData *edges, size_t n,
                       struct cudaGraphNodeParams *gp, int generic)
{
    gn_t g = { .op = GVX_GN_ADD, .generic = (uint32_t)generic,
               .graph = graph, .deps = deps, .edges = edges, .n_deps = n,
               .dev = -1 };

    if (node_p == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    return gn_call(&g, gp, node_p);
}

static cudaError_t set(cudaGraphExec_t exec, cudaGraphNode_t node,
                       struct cudaGraphNodeParams *gp, int generic)
{
    gn_t g = { .op = exec != NULL ? GVX_GN_EXEC : GVX_GN_SET,
               .generic = (uint32_t)generic, .graph = exec, .node = node,
               .dev = -1 };

    return gn_call(&g, gp, NULL);
}

/* The entry points of one kind (cudaGraphAdd<Kind>Node,
 * cudaGraph<Kind>NodeSetParams, cudaGraphExec<Kind>NodeSetParams) turn
 * their parameters into gp first: gp is NULL where they had none. */
static cudaError_t add_kind(cudaGraphNode_t *node_p, cudaGraph_t graph,
                            const cudaGraphNode_t *deps, size_t n,
                            struct cudaGraphNodeParams *gp)
{
    if (gp == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    return add(node_p, graph, deps, NULL, n, gp, 0);
}

static cudaError_t set_kind(cudaGraphNode_t node,
                            struct cudaGraphNodeParams *gp)
{
    if (gp == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    return set(NULL, node, gp, 0);
}

static cudaError_t exec_set_kind(cudaGraphExec_t exec, cudaGraphNode_t node,
                                 struct cudaGraphNodeParams *gp)
{
    if (gp == NULL || exec == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    return set(exec, node, gp, 0);
}

/* ---- every kind: cudaGraphNodeParams ---------------------------------------- */

GVRT_API cudaError_t CUDARTAPI cudaGraphAddNode(
    cudaGraphNode_t *pGraphNode, cudaGraph_t graph,
    const cudaGraphNode_t *pDependencies,
    const cudaGraphEdgeData *dependencyData, size_t numDependencies,
    struct cudaGraphNodeParams *nodeParams)
{
    return add(pGraphNode, graph, pDependencies, dependencyData,
               numDependencies, nodeParams, 1);
}

GVRT_API cudaError_t CUDARTAPI
cudaGraphNodeSetParams(cudaGraphNode_t node,
                       struct cudaGraphNodeParams *nodeParams)
{
    return set(NULL, node, nodeParams, 1);
}

GVRT_API cudaError_t CUDARTAPI
cudaGraphExecNodeSetParams(cudaGraphExec_t graphExec, cudaGraphNode_t node,
                           struct cudaGraphNodeParams *nodeParams)
{
    if (graphExec == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    return set(graphExec, node, nodeParams, 1);
}

/* ---- kernel nodes ------------------------------------------------------------ */

static struct cudaGraphNodeParams *
kernel_params(struct cudaGraphNodeParams *gp,
              const struct cudaKernelNodeParams *p)
{
    if (p == NULL) {
        return NULL;
    }
    memset(gp, 0, sizeof(*gp));
    gp->type = cudaGraphNodeTypeKernel;
    gp->kernel.func = p->func;
    gp->kernel.gridDim = p->gridDim;
    gp->kernel.blockDim = p->blockDim;
    gp->kernel.sharedMemBytes = p->sharedMemBytes;
    gp->kernel.kernelParams = p->kernelParams;
    gp->kernel.extra = p->extra;
    return gp;
}

GVRT_API cudaError_t CUDARTAPI cudaGraphAddKernelNode(
    cudaGraphNode_t *pGraphNode, cudaGraph_t graph,
    const cudaGraphNode_t *pDependencies, size_t numDependencies,
    const struct cudaKernelNodeParams *pNodeParams)
{
    struct cudaGraphNodeParams gp;

    return add_kind(pGraphNode, graph, pDependencies, numDependencies,
                    kernel_params(&gp, pNodeParams));
}

GVRT_API cudaError_t CUDARTAPI cudaGraphKernelNodeSetParams(
    cudaGraphNode_t node, const struct cudaKernelNodeParams *pNodeParams)
{
    struct cudaGraphNodeParams gp;

    return set_kind(node, kernel_params(&gp, pNodeParams));
}

GVRT_API cudaError_t CUDARTAPI cudaGraphExecKernelNodeSetParams(
    cudaGraphExec_t hGraphExec, cudaGraphNode_t node,
    const struct cudaKernelNodeParams *pNodeParams)
{
    struct cudaGraphNodeParams gp;

    return exec_set_kind(hGraphExec, node, kernel_params(&gp, pNodeParams));
}

/* gvGraphNodeGet: the node's parameters, as lib/gvx.h says. */
static cudaError_t get_begin(gvf_call_t *c, uint32_t type,
                             cudaGraphNode_t node)
{
    cudaError_t err = gvrt_begin(c, GV_API_gvGraphNodeGet, 0);

    if (err != cudaSuccess) {
        return err;
    }
    gvc_enc_u32(&c->enc, type);
    gvc_enc_ptr(&c->enc, node);
    if (gvf_call_reply_room(c, GVX_MAX_PARAM_BYTES + 4096) != GVC_OK) {
        gvf_call_fini(c);
        return gvrt_fail(cudaErrorMemoryAllocation);
    }
    return cudaSuccess;
}

/* The arguments come back packed: the array of pointers into them that
 * CUDA would hand out lives here (one block per node). */
static cudaError_t kernel_args_out(gvf_dev_t *dev, const void *node,
                                   uint64_t fn, const void *packed,
                                   size_t len,
                                   struct cudaKernelNodeParams *p)
{
    const uint32_t *off = NULL, *size = NULL;
    uint32_t n = 0;
    const void *host = gvrt_kernel_host(dev, fn, &n, &off, &size);
    void **ptrs;
    uint8_t *vals;

    /* A kernel the program never launched here (a captured driver
     * launch): its function handle, as the driver would give it. */
    p->func = host != NULL ? (void *)host : (void *)(uintptr_t)fn;
    p->extra = NULL;
    p->kernelParams = NULL;
    if (host == NULL || n == 0) {
        return cudaSuccess;
    }
    ptrs = malloc(n * sizeof(*ptrs) + len + 1);
    if (ptrs == NULL) {
        return cudaErrorMemoryAllocation;
    }
    vals = (uint8_t *)(ptrs + n);
    memcpy(vals, packed, len);
    for (uint32_t i = 0; i < n; i++) {
        if (off[i] + size[i] > len) {
            free(ptrs);
            return cudaErrorInvalidValue;
        }
        ptrs[i] = vals + off[i];
    }
    p->kernelParams = ptrs;
    own(node, ptrs);
    return cudaSuccess;
}

GVRT_API cudaError_t CUDARTAPI cudaGraphKernelNodeGetParams(
    cudaGraphNode_t node, struct cudaKernelNodeParams *pNodeParams)
{
    gvf_call_t c;
    gvc_status_t st;
    cudaError_t err;

    if (pNodeParams == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = get_begin(&c, cudaGraphNodeTypeKernel, node);
    if (err != cudaSuccess) {
        return err;
    }
    st = gvf_call_sync(&c);
    if (gvrt_ok(&c, st)) {
        uint64_t fn = 0;
        uint32_t dim[7] = { 0 };
        const void *packed = NULL;
        size_t len = 0;
        gvc_dec_u64(&c.dec, &fn);
        gvc_dec_raw(&c.dec, dim, sizeof(dim));
        gvc_dec_bytes(&c.dec, &packed, &len, GVX_MAX_PARAM_BYTES);
        st = gvc_dec_finish(&c.dec);
        if (st == GVC_OK) {
            pNodeParams->gridDim = (dim3){ dim[0], dim[1], dim[2] };
            pNodeParams->blockDim = (dim3){ dim[3], dim[4], dim[5] };
            pNodeParams->sharedMemBytes = dim[6];
            c.reply.result = kernel_args_out(c.dev, node, fn, packed, len,
                                             pNodeParams);
        }
    }
    return gvrt_end(&c, st);
}

/* ---- host nodes -------------------------------------------------------------- */

static struct cudaGraphNodeParams *
host_params(struct cudaGraphNodeParams *gp, const struct cudaHostNodeParams *p)
{
    if (p == NULL) {
        return NULL;
    }
    memset(gp, 0, sizeof(*gp));
    gp->type = cudaGraphNodeTypeHost;
    gp->host.fn = p->fn;
    gp->host.userData = p->userData;
    return gp;
}

GVRT_API cudaError_t CUDARTAPI cudaGraphAddHostNode(
    cudaGraphNode_t *pGraphNode, cudaGraph_t graph,
    const cudaGraphNode_t *pDependencies, size_t numDependencies,
    const struct cudaHostNodeParams *pNodeParams)
{
    struct cudaGraphNodeParams gp;

    return add_kind(pGraphNode, graph, pDependencies, numDependencies,
                    host_params(&gp, pNodeParams));
}

GVRT_API cudaError_t CUDARTAPI cudaGraphHostNodeSetParams(
    cudaGraphNode_t node, const struct cudaHostNodeParams *pNodeParams)
{
    struct cudaGraphNodeParams gp;

    return set_kind(node, host_params(&gp, pNodeParams));
}

GVRT_API cudaError_t CUDARTAPI cudaGraphExecHostNodeSetParams(
    cudaGraphExec_t hGraphExec, cudaGraphNode_t node,
    const struct cudaHostNodeParams *pNodeParams)
{
    struct cudaGraphNodeParams gp;

    return exec_set_kind(hGraphExec, node, host_params(&gp, pNodeParams));
}

GVRT_API cudaError_t CUDARTAPI cudaGraphHostNodeGetParams(
    cudaGraphNode_t node, struct cudaHostNodeParams *pNodeParams)
{
    gvf_call_t c;
    gvc_status_t st;
    cudaError_t err;

    if (pNodeParams == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = get_begin(&c, cudaGraphNodeTypeHost, node);
    if (err != cudaSuccess) {
        return err;
    }
    st = gvf_call_sync(&c);
    if (gvrt_ok(&c, st)) {
        uint64_t id = 0;
        gvf_hostfn_run_t run;
        void *arg;
        gvc_dec_u64(&c.dec, &id);
        st = gvc_dec_finish(&c.dec);
        if (st == GVC_OK && gvf_hostfn_lookup(c.dev, id, &run, &arg) != 0) {
            c.reply.result = cudaErrorInvalidValue;
        } else if (st == GVC_OK) {
            pNodeParams->fn = run;
            pNodeParams->userData = arg;
        }
    }
    return gvrt_end(&c, st);
}

/* ---- allocation nodes --------------------------------------------------------- */

GVRT_API cudaError_t CUDARTAPI cudaGraphAddMemAllocNode(
    cudaGraphNode_t *pGraphNode, cudaGraph_t graph,
    const cudaGraphNode_t *pDependencies, size_t numDependencies,
    struct cudaMemAllocNodeParams *nodeParams)
{
    struct cudaGraphNodeParams gp;
    cudaError_t err;

    if (nodeParams == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    memset(&gp, 0, sizeof(gp));
    gp.type = cudaGraphNodeTypeMemAlloc;
    gp.alloc.poolProps = nodeParams->poolProps;
    gp.alloc.accessDescs = nodeParams->accessDescs;
    gp.alloc.accessDescCount = nodeParams->accessDescCount;
    gp.alloc.bytesize = nodeParams->bytesize;
    err = add(pGraphNode, graph, pDependencies, NULL, numDependencies, &gp,
              0);
    if (err == cudaSuccess) {
        nodeParams->dptr = gp.alloc.dptr;
    }
    return err;
}

GVRT_API cudaError_t CUDARTAPI cudaGraphMemAllocNodeGetParams(
    cudaGraphNode_t node, struct cudaMemAllocNodeParams *params_out)
{
    gvf_call_t c;
    gvc_status_t st;
    cudaError_t err;

    if (params_out == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = get_begin(&c, cudaGraphNodeTypeMemAlloc, node);
    if (err != cudaSuccess) {
        return err;
    }
    st = gvf_call_sync(&c);
    if (gvrt_ok(&c, st)) {
        struct cudaMemAccessDesc *acc = NULL;
        const void *v = NULL;
        uint32_t n = 0;
        uint64_t bytes = 0;
        void *p = NULL;
        gvc_dec_raw(&c.dec, &params_out->poolProps,
                    sizeof(params_out->poolProps));
        gvc_dec_array(&c.dec, &v, &n, sizeof(*acc), 64);
        gvc_dec_u64(&c.dec, &bytes);
        gvc_dec_ptr(&c.dec, &p);
        st = gvc_dec_finish(&c.dec);
        if (st == GVC_OK && n > 0 &&
            (acc = malloc(n * sizeof(*acc))) == NULL) {
            c.reply.result = cudaErrorMemoryAllocation;
        } else if (st == GVC_OK) {
            struct cudaMemLocation *l = &params_out->poolProps.location;
            /* The worker's device is the one this call went to. */
            if (l->type == cudaMemLocationTypeDevice) {
                l->id = gvf_dev_ordinal(c.dev);
            }
            for (uint32_t i = 0; i < n; i++) {
                memcpy(&acc[i], (const uint8_t *)v + i * sizeof(*acc),
                       sizeof(*acc));
                if (acc[i].location.type == cudaMemLocationTypeDevice) {
                    acc[i].location.id = gvf_dev_ordinal(c.dev);
                }
            }
            if (acc != NULL) {
                own(node, acc);
            }
            params_out->accessDescs = acc;
            params_out->accessDescCount = n;
            params_out->bytesize = bytes;
            params_out->dptr = p;
        }
    }
    return gvrt_end(&c, st);
}

/* ---- memcpy nodes with symbols: resolved here into 1D copies --------------------- */

static cudaError_t symbol_at(const void *symbol, size_t offset, size_t count,
                             void **p)
{
    size_t size = 0;
    cudaError_t err = cudaGetSymbolAddress(p, symbol);

    if (err == cudaSuccess) {
        err = cudaGetSymbolSize(&size, symbol);
    }
    if (err == cudaSuccess && (offset > size || count > size - offset)) {
        err = gvrt_fail(cudaErrorInvalidValue);
    }
    if (err == cudaSuccess) {
        *p = (char *)*p + offset;
    }
    return err;
}

GVRT_API cudaError_t CUDARTAPI cudaGraphAddMemcpyNodeToSymbol(
    cudaGraphNode_t *pGraphNode, cudaGraph_t graph,
    const cudaGraphNode_t *pDependencies, size_t numDependencies,
    const void *symbol, const void *src, size_t count, size_t offset,
    enum cudaMemcpyKind kind)
{
    void *d;
    cudaError_t err = symbol_at(symbol, offset, count, &d);

    return err != cudaSuccess
               ? err
               : cudaGraphAddMemcpyNode1D(pGraphNode, graph, pDependencies,
                                          numDependencies, d, src, count,
                                          kind);
}

GVRT_API cudaError_t CUDARTAPI cudaGraphAddMemcpyNodeFromSymbol(
    cudaGraphNode_t *pGraphNode, cudaGraph_t graph,
    const cudaGraphNode_t *pDependencies, size_t numDependencies, void *dst,
    const void *symbol, size_t count, size_t offset, enum cudaMemcpyKind kind)
{
    void *s;
    cudaError_t err = symbol_at(symbol, offset, count, &s);

    return err != cudaSuccess
               ? err
               : cudaGraphAddMemcpyNode1D(pGraphNode, graph, pDependencies,
                                          numDependencies, dst, s, count,
                                          kind);
}

GVRT_API cudaError_t CUDARTAPI cudaGraphMemcpyNodeSetParamsToSymbol(
    cudaGraphNode_t node, const void *symbol, const void *src, size_t count,
    size_t offset, enum cudaMemcpyKind kind)
{
    void *d;
    cudaError_t err = symbol_at(symbol, offset, count, &d);

    return err != cudaSuccess
               ? err
               : cudaGraphMemcpyNodeSetParams1D(node, d, src, count, kind);
}

GVRT_API cudaError_t CUDARTAPI cudaGraphMemcpyNodeSetParamsFromSymbol(
    cudaGraphNode_t node, void *dst, const void *symbol, size_t count,
    size_t offset, enum cudaMemcpyKind kind)
{
    void *s;
    cudaError_t err = symbol_at(symbol, offset, count, &s);

    return err != cudaSuccess
               ? err
               : cudaGraphMemcpyNodeSetParams1D(node, dst, s, count, kind);
}

GVRT_API cudaError_t CUDARTAPI cudaGraphExecMemcpyNodeSetParamsToSymbol(
    cudaGraphExec_t hGraphExec, cudaGraphNode_t node, const void *symbol,
    const void *src, size_t count, size_t offset, enum cudaMemcpyKind kind)
{
    void *d;
    cudaError_t err = symbol_at(symbol, offset, count, &d);

    return err != cudaSuccess
               ? err
               : cudaGraphExecMemcpyNodeSetParams1D(hGraphExec, node, d, src,
                                                    count, kind);
}

GVRT_API cudaError_t CUDARTAPI cudaGraphExecMemcpyNodeSetParamsFromSymbol(
    cudaGraphExec_t hGraphExec, cudaGraphNode_t node, void *dst,
    const void *symbol, size_t count, size_t offset, enum cudaMemcpyKind kind)
{
    void *s;
    cudaError_t err = symbol_at(symbol, offset, count, &s);

    return err != cudaSuccess
               ? err
               : cudaGraphExecMemcpyNodeSetParams1D(hGraphExec, node, dst, s,
                                                    count, kind);
}

/* ---- external semaphore nodes ------------------------------------------------ */

static struct cudaGraphNodeParams *
sig_params(struct cudaGraphNodeParams *gp,
           const struct cudaExternalSemaphoreSignalNodeParams *p)
{
    if (p == NULL) {
        return NULL;
    }
    memset(gp, 0, sizeof(*gp));
    gp->type = cudaGraphNodeTypeExtSemaphoreSignal;
    gp->extSemSignal.extSemArray = p->extSemArray;
    gp->extSemSignal.paramsArray = p->paramsArray;
    gp->extSemSignal.numExtSems = p->numExtSems;
    return gp;
}

static struct cudaGraphNodeParams *
wait_params(struct cudaGraphNodeParams *gp,
            const struct cudaExternalSemaphoreWaitNodeParams *p)
{
    if (p == NULL) {
        return NULL;
    }
    memset(gp, 0, sizeof(*gp));
    gp->type = cudaGraphNodeTypeExtSemaphoreWait;
    gp->extSemWait.extSemArray = p->extSemArray;
    gp->extSemWait.paramsArray = p->paramsArray;
    gp->extSemWait.numExtSems = p->numExtSems;
    return gp;
}

GVRT_API cudaError_t CUDARTAPI cudaGraphAddExternalSemaphoresSignalNode(
    cudaGraphNode_t *pGraphNode, cudaGraph_t graph,
    const cudaGraphNode_t *pDependencies, size_t numDependencies,
    const struct cudaExternalSemaphoreSignalNodeParams *nodeParams)
{
    struct cudaGraphNodeParams gp;

    return add_kind(pGraphNode, graph, pDependencies, numDependencies,
                    sig_params(&gp, nodeParams));
}

GVRT_API cudaError_t CUDARTAPI cudaGraphAddExternalSemaphoresWaitNode(
    cudaGraphNode_t *pGraphNode, cudaGraph_t graph,
    const cudaGraphNode_t *pDependencies, size_t numDependencies,
    const struct cudaExternalSemaphoreWaitNodeParams *nodeParams)
{
    struct cudaGraphNodeParams gp;

    return add_kind(pGraphNode, graph, pDependencies, numDependencies,
                    wait_params(&gp, nodeParams));
}

GVRT_API cudaError_t CUDARTAPI cudaGraphExternalSemaphoresSignalNodeSetParams(
    cudaGraphNode_t hNode,
    const struct cudaExternalSemaphoreSignalNodeParams *nodeParams)
{
    struct cudaGraphNodeParams gp;

    return set_kind(hNode, sig_params(&gp, nodeParams));
}

GVRT_API cudaError_t CUDARTAPI cudaGraphExternalSemaphoresWaitNodeSetParams(
    cudaGraphNode_t hNode,
    const struct cudaExternalSemaphoreWaitNodeParams *nodeParams)
{
    struct cudaGraphNodeParams gp;

    return set_kind(hNode, wait_params(&gp, nodeParams));
}

GVRT_API cudaError_t CUDARTAPI
cudaGraphExecExternalSemaphoresSignalNodeSetParams(
    cudaGraphExec_t hGraphExec, cudaGraphNode_t hNode,
    const struct cudaExternalSemaphoreSignalNodeParams *nodeParams)
{
    struct cudaGraphNodeParams gp;

    return exec_set_kind(hGraphExec, hNode, sig_params(&gp, nodeParams));
}

GVRT_API cudaError_t CUDARTAPI
cudaGraphExecExternalSemaphoresWaitNodeSetParams(
    cudaGraphExec_t hGraphExec, cudaGraphNode_t hNode,
    const struct cudaExternalSemaphoreWaitNodeParams *nodeParams)
{
    struct cudaGraphNodeParams gp;

    return exec_set_kind(hGraphExec, hNode, wait_params(&gp, nodeParams));
}

/* A node's semaphores and their parameters (psize bytes each) come back
 * as { array of u64 handles, array of raw parameters }: one block per
 * node holds what CUDA would own. */
static cudaError_t ext_sems_get(uint32_t type, cudaGraphNode_t node,
                                size_t psize, cudaExternalSemaphore_t **sems_p,
                                void **params_p, unsigned *n_p)
{
    gvf_call_t c;
    gvc_status_t st;
    cudaError_t err = get_begin(&c, type, node);

    if (err != cudaSuccess) {
        return err;
    }
    st = gvf_call_sync(&c);
    if (gvrt_ok(&c, st)) {
        const void *hv = NULL, *pv = NULL;
        uint32_t nh = 0, np = 0;
        uint8_t *block;
        gvc_dec_array(&c.dec, &hv, &nh, 8, GVX_MAX_EXT_SEMS);
        gvc_dec_array(&c.dec, &pv, &np, (uint32_t)psize, GVX_MAX_EXT_SEMS);
        st = gvc_dec_finish(&c.dec);
        if (st == GVC_OK && nh != np) {
            st = GVC_ERR_PROTO;
        }
        block = st == GVC_OK ? malloc(nh * (sizeof(void *) + psize) + 1)
                             : NULL;
        if (st == GVC_OK && block == NULL) {
            c.reply.result = cudaErrorMemoryAllocation;
        } else if (st == GVC_OK) {
            cudaExternalSemaphore_t *sems = (cudaExternalSemaphore_t *)block;
            for (uint32_t i = 0; i < nh; i++) {
                uint64_t h;
                memcpy(&h, (const uint8_t *)hv + i * 8, 8);
                sems[i] = (cudaExternalSemaphore_t)(uintptr_t)h;
            }
            memcpy(block + nh * sizeof(void *), pv, nh * psize);
            own(node, block);
            *sems_p = nh > 0 ? sems : NULL;
            *params_p = nh > 0 ? block + nh * sizeof(void *) : NULL;
            *n_p = nh;
        }
    }
    return gvrt_end(&c, st);
}

GVRT_API cudaError_t CUDARTAPI cudaGraphExternalSemaphoresSignalNodeGetParams(
    cudaGraphNode_t hNode,
    struct cudaExternalSemaphoreSignalNodeParams *params_out)
{
    void *params = NULL;
    cudaError_t err;

    if (params_out == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = ext_sems_get(cudaGraphNodeTypeExtSemaphoreSignal, hNode,
                                   sizeof(*params_out->paramsArray),
                                   &params_out->extSemArray, &params,
                                   &params_out->numExtSems);
    if (err == cudaSuccess) {
        params_out->paramsArray = params;
    }
    return err;
}

GVRT_API cudaError_t CUDARTAPI cudaGraphExternalSemaphoresWaitNodeGetParams(
    cudaGraphNode_t hNode,
    struct cudaExternalSemaphoreWaitNodeParams *params_out)
{
    void *params = NULL;
    cudaError_t err;

    if (params_out == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = ext_sems_get(cudaGraphNodeTypeExtSemaphoreWait, hNode,
                                   sizeof(*params_out->paramsArray),
                                   &params_out->extSemArray, &params,
                                   &params_out->numExtSems);
    if (err == cudaSuccess) {
        params_out->paramsArray = params;
    }
    return err;
}

/* ---- user objects --------------------------------------------------------------- */

/* gvUserObject: { u32 op, u64 id or object, u64 graph, u32 count,
 * u32 flags } -> { object } when created. */
static cudaError_t uobj_call(uint32_t op, uint64_t x, cudaGraph_t graph,
                             unsigned count, unsigned flags,
                             cudaUserObject_t *out)
{
    gvf_call_t c;
    gvc_status_t st;
    cudaError_t err = gvrt_begin(&c, GV_API_gvUserObject, 0);

    if (err != cudaSuccess) {
        return err;
    }
    gvc_enc_u32(&c.enc, op);
    gvc_enc_u64(&c.enc, x);
    gvc_enc_ptr(&c.enc, graph);
    gvc_enc_u32(&c.enc, count);
    gvc_enc_u32(&c.enc, flags);
    st = gvf_call_sync(&c);
    if (gvrt_ok(&c, st) && out != NULL) {
        void *o = NULL;
        gvc_dec_ptr(&c.dec, &o);
        st = gvc_dec_finish(&c.dec);
        *out = o;
    }
    return gvrt_end(&c, st);
}

/* The destructor runs here, once CUDA on the GPU host drops the last
 * reference (the service thread, as a host function). */
GVRT_API cudaError_t CUDARTAPI cudaUserObjectCreate(
    cudaUserObject_t *object_out, void *ptr, cudaHostFn_t destroy,
    unsigned int initialRefcount, unsigned int flags)
{
    gvc_status_t st = gvf_init();
    uint64_t id = 0;
    cudaError_t err;

    if (st != GVC_OK) {
        return gvrt_fail(gvrt_status_to_error(st));
    }
    if (object_out == NULL || destroy == NULL || initialRefcount == 0 ||
        flags != cudaUserObjectNoDestructorSync) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    if (gvf_current_dev() == NULL) {
        return gvrt_fail(cudaErrorInvalidDevice);
    }
    if (gvf_hostfn_register(gvf_current_dev(), 0, destroy, ptr,
                            GVF_HOSTFN_DORMANT, &id) != GVC_OK) {
        return gvrt_fail(cudaErrorMemoryAllocation);
    }
    err = uobj_call(GVX_UO_CREATE, id, NULL, initialRefcount, flags,
                    object_out);
    if (err != cudaSuccess) {
        gvf_hostfn_cancel(id);
    }
    return err;
}

GVRT_API cudaError_t CUDARTAPI cudaUserObjectRetain(cudaUserObject_t object,
                                                    unsigned int count)
{
    return uobj_call(GVX_UO_RETAIN, (uint64_t)(uintptr_t)object, NULL, count,
                     0, NULL);
}

GVRT_API cudaError_t CUDARTAPI cudaUserObjectRelease(cudaUserObject_t object,
                                                     unsigned int count)
{
    return uobj_call(GVX_UO_RELEASE, (uint64_t)(uintptr_t)object, NULL,
                     count, 0, NULL);
}

GVRT_API cudaError_t CUDARTAPI cudaGraphRetainUserObject(
    cudaGraph_t graph, cudaUserObject_t object, unsigned int count,
    unsigned int flags)
{
    return uobj_call(GVX_UO_GRAPH_RETAIN, (uint64_t)(uintptr_t)object, graph,
                     count, flags, NULL);
}

GVRT_API cudaError_t CUDARTAPI cudaGraphReleaseUserObject(
    cudaGraph_t graph, cudaUserObject_t object, unsigned int count)
{
    return uobj_call(GVX_UO_GRAPH_RELEASE, (uint64_t)(uintptr_t)object,
                     graph, count, 0, NULL);
}

/* ---- cudaGraphDebugDotPrint ------------------------------------------------------ */

/* The worker writes the DOT text into a file of its own and sends it;
 * the file named here is written on this host, as the program expects. */
GVRT_API cudaError_t CUDARTAPI cudaGraphDebugDotPrint(cudaGraph_t graph,
                                                      const char *path,
                                                      unsigned int flags)
{
    gvf_call_t c;
    gvc_status_t st;
    cudaError_t err;

    if (path == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = gvrt_begin(&c, GV_API_gvGraphDot, 0);
    if (err != cudaSuccess) {
        return err;
    }
    gvc_enc_ptr(&c.enc, graph);
    gvc_enc_u32(&c.enc, flags);
    st = gvf_call_reply_room(&c, GVX_MAX_DOT + 64);
    if (st == GVC_OK) {
        st = gvf_call_sync(&c);
    }
    if (gvrt_ok(&c, st)) {
        const void *text = NULL;
        size_t len = 0;
        FILE *fp;
        gvc_dec_bytes(&c.dec, &text, &len, GVX_MAX_DOT);
        st = gvc_dec_finish(&c.dec);
        if (st == GVC_OK) {
            fp = fopen(path, "w");
            if (fp == NULL || (len > 0 && fwrite(text, 1, len, fp) != len)) {
                c.reply.result = cudaErrorOperatingSystem;
            }
            if (fp != NULL && fclose(fp) != 0) {
                c.reply.result = cudaErrorOperatingSystem;
            }
        }
    }
    return gvrt_end(&c, st);
}
