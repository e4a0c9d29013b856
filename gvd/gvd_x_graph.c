/*
 * gvd_x_graph.c - graph nodes the generated calls cannot make: kernel
 * nodes (arguments packed by the client with the kernel's layout, given
 * to the driver as one buffer), host nodes (a trampoline that runs the
 * client's function, gvd_x_hostfn.c), allocation nodes (the pointer
 * becomes this client's memory), external semaphore nodes (the client's
 * semaphores), and cudaGraphAddNode /
 * cudaGraphNodeSetParams / cudaGraphExecNodeSetParams for every kind.
 * Everything a node names is checked against the client's tables first.
 * Wire formats: lib/gvx.h (gvGraphNode, gvGraphNodeGet).
 */
#include "config.h"

#include "gvd_client.h"
#include "gvd_hand.h"
#include "gvd_rt.h"
#include "gvx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_DEPS (1u << 16)

/* Bytes of one element of an array (0 if it is not the client's). */
static size_t array_elem(gvd_call_t *c, cudaArray_t a)
{
    struct cudaChannelFormatDesc d;
    struct cudaExtent e;
    unsigned int flags;

    if (!gvd_handle_ok(c->cl, GVD_H_ARRAY, a) ||
        gvd_rt(c)->cudaArrayGetInfo == NULL ||
        gvd_rt(c)->cudaArrayGetInfo(&d, &e, &flags, a) != cudaSuccess) {
        return 0;
    }
    return (size_t)(d.x + d.y + d.z + d.w) / 8;
}

/*
 * A memcpy node between device memory and arrays of this client (host
 * memory of the client cannot be named on the GPU host).  Declared in
 * cudart.api's helpers too: the generated memcpy-node calls check with it.
 */
int gvd_copy3d_ok(gvd_call_t *c, const struct cudaMemcpy3DParms *p)
{
    size_t de = 1, se = 1, w;
    const struct cudaExtent *e = &p->extent;

    if (p->kind != cudaMemcpyDeviceToDevice && p->kind != cudaMemcpyDefault) {
        return 0;
    }
    if ((p->dstArray != NULL && (de = array_elem(c, p->dstArray)) == 0) ||
        (p->srcArray != NULL && (se = array_elem(c, p->srcArray)) == 0)) {
        return 0;
    }
    if (e->width == 0 || e->height == 0 || e->depth == 0) {
        return 1;
    }
    w = e->width * (p->dstArray != NULL ? de : se);
    if (w / e->width != (p->dstArray != NULL ? de : se)) {
        return 0;
    }
    if (p->dstArray == NULL &&
        !gvd_span_ok(c->cl, (uintptr_t)p->dstPtr.ptr +
                                ((p->dstPos.z * p->dstPtr.ysize +
                                  p->dstPos.y) * p->dstPtr.pitch +
                                 p->dstPos.x),
                     p->dstPtr.pitch, p->dstPtr.ysize, w, e->height,
                     e->depth)) {
        return 0;
    }
    return p->srcArray != NULL ||
           gvd_span_ok(c->cl, (uintptr_t)p->srcPtr.ptr +
                                  ((p->srcPos.z * p->srcPtr.ysize +
                                    p->srcPos.y) * p->srcPtr.pitch +
                                   p->srcPos.x),
                       p->srcPtr.pitch, p->srcPtr.ysize, w, e->height,
                       e->depth);
}

static int memset_ok(gvd_call_t *c, const struct cudaMemsetParamsV2 *m)
{
    size_t row;

    if (m->elementSize != 1 && m->elementSize != 2 && m->elementSize != 4) {
        return 0;
    }
    row = m->width * m->elementSize;
    if (m->elementSize != 0 && row / m->elementSize != m->width) {
        return 0;
    }
    return gvd_span_ok(c->cl, (uintptr_t)m->dst,
                       m->height > 1 ? m->pitch : row, 1, row,
                       m->height ? m->height : 1, 1);
}

static int loc_ours(const struct cudaMemLocation *l)
{
    return l->type != cudaMemLocationTypeDevice || l->id == 0;
}

/* ---- kernel nodes ------------------------------------------------------------ */

typedef struct knode {
    uint64_t func;
    uint32_t grid[3], block[3], shmem;
    const void *params;
    size_t params_len;
} knode_t;

static int64_t kernel_node(gvd_call_t *c, uint32_t op, uint64_t graph,
                           uint64_t node, const CUgraphNode *deps,
                           const CUgraphEdgeData *edges, size_t n,
                           const knode_t *k, CUgraphNode *out)
{
    const gvd_drv_t *drv = &c->cl->be->drv;
    uint64_t aligned[GVX_MAX_PARAM_BYTES / 8];
    size_t plen = k->params_len;
    void *extra[5] = { CU_LAUNCH_PARAM_BUFFER_POINTER, aligned,
                       CU_LAUNCH_PARAM_BUFFER_SIZE, &plen,
                       CU_LAUNCH_PARAM_END };
    CUDA_KERNEL_NODE_PARAMS p;
    CUgraphNodeParams gp;

    if (drv->cuGraphAddKernelNode == NULL || drv->cuGraphAddNode == NULL) {
        return cudaErrorNotSupported;
    }
    if (!gvd_handle_ok(c->cl, GVD_H_FUNCTION, (void *)(uintptr_t)k->func)) {
        return cudaErrorInvalidDeviceFunction;
    }
    if (plen > sizeof(aligned)) {
        return cudaErrorInvalidValue;
    }
    memcpy(aligned, k->params, plen); /* the driver wants them aligned */
    memset(&p, 0, sizeof(p));
    p.func = (CUfunction)(uintptr_t)k->func;
    p.gridDimX = k->grid[0];
    p.gridDimY = k->grid[1];
    p.gridDimZ = k->grid[2];
    p.blockDimX = k->block[0];
    p.blockDimY = k->block[1];
    p.blockDimZ = k->block[2];
    p.sharedMemBytes = k->shmem;
    p.extra = extra;
    switch (op) {
    case GVX_GN_ADD:
        if (edges == NULL) {
            return drv->cuGraphAddKernelNode(out, (CUgraph)(uintptr_t)graph,
                                             deps, n, &p);
        }
        memset(&gp, 0, sizeof(gp));
        gp.type = CU_GRAPH_NODE_TYPE_KERNEL;
        memcpy(&gp.kernel, &p, sizeof(p)); /* v3 starts as v2 */
        return drv->cuGraphAddNode(out, (CUgraph)(uintptr_t)graph, deps,
                                   edges, n, &gp);
    case GVX_GN_SET:
        return drv->cuGraphKernelNodeSetParams((CUgraphNode)(uintptr_t)node,
                                               &p);
    default:
        return drv->cuGraphExecKernelNodeSetParams(
            (CUgraphExec)(uintptr_t)graph, (CUgraphNode)(uintptr_t)node, &p);
    }
}

/* ---- the other kinds: cudaGraphNodeParams ------------------------------------ */

/* An external semaphore node's { array of u64 handles, array of raw
 * parameters of psize bytes }, into one block (*block, the caller frees)
 * of handles then parameters; 0 or the error. */
static int64_t decode_ext(gvd_call_t *c, size_t psize, void **block,
                          cudaExternalSemaphore_t **sems_p,
                          const void **params_p, unsigned *n_p)
{
    const void *hv = NULL, *pv = NULL;
    uint32_t nh = 0, np = 0;
    uint8_t *b;

    gvc_dec_array(&c->dec, &hv, &nh, 8, GVX_MAX_EXT_SEMS);
    gvc_dec_array(&c->dec, &pv, &np, (uint32_t)psize, GVX_MAX_EXT_SEMS);
    if (nh != np) {
        c->dec.status = GVC_ERR_PROTO;
        return 0;
    }
    b = calloc(1, nh * (sizeof(void *) + psize) + 1);
    if (b == NULL) {
        return cudaErrorMemoryAllocation;
    }
    for (uint32_t i = 0; i < nh; i++) {
        uint64_t h;
        memcpy(&h, (const uint8_t *)hv + i * 8, 8);
        ((cudaExternalSemaphore_t *)b)[i] = (cudaExternalSemaphore_t)h;
    }
    if (nh > 0) {
        memcpy(b + nh * sizeof(void *), pv, nh * psize);
    }
    *block = b;
    *sems_p = nh > 0 ? (cudaExternalSemaphore_t *)b : NULL;
    *params_p = nh > 0 ? b + nh * sizeof(void *) : NULL;
    *n_p = nh;
    return 0;
}

/* Decode and check the type's parameters into gp; 0 or the error.
 * Memory gp points into: *acc and *ext (the caller frees them). */
static int64_t decode_params(gvd_call_t *c, uint32_t type,
                             struct cudaGraphNodeParams *gp,
                             struct cudaMemAccessDesc **acc, void **ext,
                             knode_t *k)
{
    const void *pv = NULL;
    int64_t r;
    const void *v = NULL;
    uint32_t n = 0;
    uint64_t x = 0;

    memset(gp, 0, sizeof(*gp));
    gp->type = (enum cudaGraphNodeType)type;
    switch (type) {
    case cudaGraphNodeTypeKernel:
        gvc_dec_u64(&c->dec, &k->func);
        gvc_dec_raw(&c->dec, k->grid, sizeof(k->grid));
        gvc_dec_raw(&c->dec, k->block, sizeof(k->block));
        gvc_dec_u32(&c->dec, &k->shmem);
        gvc_dec_bytes(&c->dec, &k->params, &k->params_len,
                      GVX_MAX_PARAM_BYTES);
        return 0;
    case cudaGraphNodeTypeMemcpy:
        gvc_dec_raw(&c->dec, &gp->memcpy.copyParams,
                    sizeof(gp->memcpy.copyParams));
        return 0;
    case cudaGraphNodeTypeMemset:
        gvc_dec_raw(&c->dec, &gp->memset, sizeof(gp->memset));
        return 0;
    case cudaGraphNodeTypeHost:
        gvc_dec_u64(&c->dec, &x);
        gp->host.fn = gvd_hostnode_fn();
        gp->host.userData = gvd_hostnode_arg(c->cl, x);
        return gp->host.userData != NULL ? 0 : cudaErrorMemoryAllocation;
    case cudaGraphNodeTypeGraph:
        gvc_dec_ptr(&c->dec, (void **)&gp->graph.graph);
        gvc_dec_u32(&c->dec, &n);
        gp->graph.ownership = (enum cudaGraphChildGraphNodeOwnership)n;
        return 0;
    case cudaGraphNodeTypeEmpty:
        return 0;
    case cudaGraphNodeTypeWaitEvent:
        gvc_dec_ptr(&c->dec, (void **)&gp->eventWait.event);
        return 0;
    case cudaGraphNodeTypeEventRecord:
        gvc_dec_ptr(&c->dec, (void **)&gp->eventRecord.event);
        return 0;
    case cudaGraphNodeTypeMemAlloc:
        gvc_dec_raw(&c->dec, &gp->alloc.poolProps,
                    sizeof(gp->alloc.poolProps));
        gvc_dec_array(&c->dec, &v, &n, sizeof(**acc), 64);
        gvc_dec_u64(&c->dec, &x);
        gp->alloc.bytesize = x;
        gp->alloc.accessDescCount = n;
        if (v != NULL && n > 0) {
            *acc = calloc(n, sizeof(**acc));
            if (*acc == NULL) {
                return cudaErrorMemoryAllocation;
            }
            memcpy(*acc, v, n * sizeof(**acc));
            gp->alloc.accessDescs = *acc;
        }
        return 0;
    case cudaGraphNodeTypeMemFree:
        gvc_dec_ptr(&c->dec, &gp->free.dptr);
        return 0;
    case cudaGraphNodeTypeConditional:
        gvc_dec_u64(&c->dec, &x);
        gp->conditional.handle = x;
        gvc_dec_u32(&c->dec, &n);
        gp->conditional.type = (enum cudaGraphConditionalNodeType)n;
        gvc_dec_u32(&c->dec, &gp->conditional.size);
        return 0;
    case cudaGraphNodeTypeExtSemaphoreSignal:
        r = decode_ext(c, sizeof(*gp->extSemSignal.paramsArray), ext,
                       &gp->extSemSignal.extSemArray, &pv,
                       &gp->extSemSignal.numExtSems);
        gp->extSemSignal.paramsArray = pv;
        return r;
    case cudaGraphNodeTypeExtSemaphoreWait:
        r = decode_ext(c, sizeof(*gp->extSemWait.paramsArray), ext,
                       &gp->extSemWait.extSemArray, &pv,
                       &gp->extSemWait.numExtSems);
        gp->extSemWait.paramsArray = pv;
        return r;
    default:
        return cudaErrorInvalidValue;
    }
}

static int ext_sems_ok(gvd_call_t *c, const cudaExternalSemaphore_t *s,
                       unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        if (!gvd_handle_ok(c->cl, GVD_H_EXTSEM, s[i])) {
            return 0;
        }
    }
    return 1;
}

/* What a node names must be this client's. */
static int64_t check_params(gvd_call_t *c, const struct cudaGraphNodeParams *gp)
{
    switch (gp->type) {
    case cudaGraphNodeTypeMemcpy:
        return gvd_copy3d_ok(c, &gp->memcpy.copyParams)
                   ? 0 : cudaErrorInvalidValue;
    case cudaGraphNodeTypeMemset:
        return memset_ok(c, &gp->memset) ? 0 : cudaErrorInvalidValue;
    case cudaGraphNodeTypeGraph:
        return gvd_handle_ok(c->cl, GVD_H_GRAPH, gp->graph.graph)
                   ? 0 : cudaErrorInvalidResourceHandle;
    case cudaGraphNodeTypeWaitEvent:
        return gvd_handle_ok(c->cl, GVD_H_EVENT, gp->eventWait.event)
                   ? 0 : cudaErrorInvalidResourceHandle;
    case cudaGraphNodeTypeEventRecord:
        return gvd_handle_ok(c->cl, GVD_H_EVENT, gp->eventRecord.event)
                   ? 0 : cudaErrorInvalidResourceHandle;
    case cudaGraphNodeTypeMemAlloc:
        if (!loc_ours(&gp->alloc.poolProps.location) ||
            gp->alloc.poolProps.win32SecurityAttributes != NULL) {
            return cudaErrorInvalidDevice;
        }
        for (size_t i = 0; i < gp->alloc.accessDescCount; i++) {
            if (!loc_ours(&gp->alloc.accessDescs[i].location)) {
                return cudaErrorInvalidDevice;
            }
        }
        return 0;
    case cudaGraphNodeTypeMemFree:
        return gvd_mem_ok(c->cl, gp->free.dptr, 0) ? 0
                                                  : cudaErrorInvalidValue;
    case cudaGraphNodeTypeExtSemaphoreSignal:
        return ext_sems_ok(c, gp->extSemSignal.extSemArray,
                           gp->extSemSignal.numExtSems)
                   ? 0 : cudaErrorInvalidResourceHandle;
    case cudaGraphNodeTypeExtSemaphoreWait:
        return ext_sems_ok(c, gp->extSemWait.extSemArray,
                           gp->extSemWait.numExtSems)
                   ? 0 : cudaErrorInvalidResourceHandle;
    default:
        return 0;
    }
}

/* What an added node made: its allocation, its conditional bodies. */
static int64_t added(gvd_call_t *c, const struct cudaGraphNodeParams *gp)
{
    if (gp->type == cudaGraphNodeTypeMemAlloc) {
        /* The address is fixed at creation: memory of the client from
         * now on (freed by a free node, cudaFree or cudaFreeAsync). */
        if (!gvd_mem_ok(c->cl, gp->alloc.dptr, 0)) {
            gvd_mem_add(c->cl, gp->alloc.dptr, gp->alloc.bytesize,
                        GVD_MEM_ASYNC);
        }
        gvc_enc_ptr(&c->enc, gp->alloc.dptr);
    } else if (gp->type == cudaGraphNodeTypeConditional) {
        uint64_t g[64];
        uint32_t n = gp->conditional.size;

        if (n > 64 || gp->conditional.phGraph_out == NULL) {
            return cudaErrorInvalidValue;
        }
        for (uint32_t i = 0; i < n; i++) {
            g[i] = (uint64_t)(uintptr_t)gp->conditional.phGraph_out[i];
            if (gvd_handle_add(c->cl, GVD_H_GRAPH,
                               gp->conditional.phGraph_out[i]) != 0) {
                return cudaErrorMemoryAllocation;
            }
        }
        gvc_enc_array(&c->enc, g, n, sizeof(g[0]));
    }
    return 0;
}

static int64_t set_host(gvd_call_t *c, uint32_t op, uint64_t graph,
                        uint64_t node, const struct cudaGraphNodeParams *gp)
{
    const gvd_rt_t *rt = gvd_rt(c);
    struct cudaHostNodeParams hp = { gp->host.fn, gp->host.userData };

    if (op == GVX_GN_SET) {
        return rt->cudaGraphHostNodeSetParams(
            (cudaGraphNode_t)(uintptr_t)node, &hp);
    }
    return rt->cudaGraphExecHostNodeSetParams(
        (cudaGraphExec_t)(uintptr_t)graph, (cudaGraphNode_t)(uintptr_t)node,
        &hp);
}

/* The external semaphore nodes' own setters (the program called them,
 * not the generic ones). */
static int64_t set_ext(gvd_call_t *c, uint32_t op, uint64_t graph,
                       uint64_t node, const struct cudaGraphNodeParams *gp)
{
    const gvd_rt_t *rt = gvd_rt(c);
    cudaGraphNode_t n = (cudaGraphNode_t)(uintptr_t)node;
    cudaGraphExec_t e = (cudaGraphExec_t)(uintptr_t)graph;
    struct cudaExternalSemaphoreSignalNodeParams sp;
    struct cudaExternalSemaphoreWaitNodeParams wp;

    if (gp->type == cudaGraphNodeTypeExtSemaphoreSignal) {
        sp.extSemArray = gp->extSemSignal.extSemArray;
        sp.paramsArray = gp->extSemSignal.paramsArray;
        sp.numExtSems = gp->extSemSignal.numExtSems;
        if (op == GVX_GN_SET) {
            return rt->cudaGraphExternalSemaphoresSignalNodeSetParams == NULL
                       ? cudaErrorNotSupported
                       : rt->cudaGraphExternalSemaphoresSignalNodeSetParams(
                             n, &sp);
        }
        return rt->cudaGraphExecExternalSemaphoresSignalNodeSetParams == NULL
                   ? cudaErrorNotSupported
                   : rt->cudaGraphExecExternalSemaphoresSignalNodeSetParams(
                         e, n, &sp);
    }
    wp.extSemArray = gp->extSemWait.extSemArray;
    wp.paramsArray = gp->extSemWait.paramsArray;
    wp.numExtSems = gp->extSemWait.numExtSems;
    if (op == GVX_GN_SET) {
        return rt->cudaGraphExternalSemaphoresWaitNodeSetParams == NULL
                   ? cudaErrorNotSupported
                   : rt->cudaGraphExternalSemaphoresWaitNodeSetParams(n, &wp);
    }
    return rt->cudaGraphExecExternalSemaphoresWaitNodeSetParams == NULL
               ? cudaErrorNotSupported
               : rt->cudaGraphExecExternalSemaphoresWaitNodeSetParams(e, n,
                                                                      &wp);
}

void gvd_h_graph_node(gvd_call_t *c)
{
    const gvd_rt_t *rt = gvd_rt(c);
    struct cudaGraphNodeParams gp;
    struct cudaMemAccessDesc *acc = NULL;
    void *ext = NULL;
    CUgraphEdgeData *edges = NULL;
    cudaGraphNode_t *deps = NULL, out = NULL;
    const void *dv, *ev;
    uint32_t op, type, generic, nd = 0, ne = 0;
    uint64_t graph, node;
    knode_t k;
    int64_t r;

    memset(&k, 0, sizeof(k));
    gvc_dec_u32(&c->dec, &op);
    gvc_dec_u32(&c->dec, &type);
    gvc_dec_u32(&c->dec, &generic);
    gvc_dec_u64(&c->dec, &graph);
    gvc_dec_u64(&c->dec, &node);
    gvc_dec_array(&c->dec, &dv, &nd, sizeof(uint64_t), MAX_DEPS);
    gvc_dec_array(&c->dec, &ev, &ne, sizeof(cudaGraphEdgeData), MAX_DEPS);
    r = decode_params(c, type, &gp, &acc, &ext, &k);
    if (op > GVX_GN_EXEC || (ev != NULL && ne != nd)) {
        c->dec.status = GVC_ERR_PROTO;
    }
    if (gvd_args_end(c)) {
        free(acc);
        free(ext);
        return;
    }
    if (r == 0 && rt->cudaGraphAddNode == NULL) {
        r = cudaErrorNotSupported;
    }
    if (r == 0 && nd > 0) {
        deps = calloc(nd, sizeof(*deps));
        edges = ev != NULL ? calloc(nd, sizeof(*edges)) : NULL;
        if (deps == NULL || (ev != NULL && edges == NULL)) {
            r = cudaErrorMemoryAllocation;
        }
        for (uint32_t i = 0; r == 0 && i < nd; i++) {
            uint64_t d;
            memcpy(&d, (const uint8_t *)dv + i * 8, 8);
            deps[i] = (cudaGraphNode_t)(uintptr_t)d;
            if (!gvd_handle_ok(c->cl, GVD_H_GRAPH_NODE, deps[i])) {
                r = cudaErrorInvalidResourceHandle;
            }
        }
        if (r == 0 && edges != NULL) {
            memcpy(edges, ev, nd * sizeof(*edges));
        }
    }
    if (r == 0 &&
        ((op == GVX_GN_ADD && !gvd_handle_ok(c->cl, GVD_H_GRAPH,
                                             (void *)(uintptr_t)graph)) ||
         (op == GVX_GN_EXEC && !gvd_handle_ok(c->cl, GVD_H_GRAPH_EXEC,
                                              (void *)(uintptr_t)graph)) ||
         (op != GVX_GN_ADD && !gvd_handle_ok(c->cl, GVD_H_GRAPH_NODE,
                                             (void *)(uintptr_t)node)))) {
        r = cudaErrorInvalidResourceHandle;
    }
    if (r == 0 && type != cudaGraphNodeTypeKernel) {
        r = check_params(c, &gp);
    }
    if (r == 0 && type == cudaGraphNodeTypeKernel) {
        r = kernel_node(c, op, graph, node, (const CUgraphNode *)deps,
                        edges, nd, &k, (CUgraphNode *)&out);
    } else if (r == 0 && op == GVX_GN_ADD) {
        r = rt->cudaGraphAddNode(&out, (cudaGraph_t)(uintptr_t)graph, deps,
                                 (cudaGraphEdgeData *)edges, nd, &gp);
    } else if (r == 0 && type == cudaGraphNodeTypeHost && !generic) {
        r = set_host(c, op, graph, node, &gp);
    } else if (r == 0 && !generic &&
               (type == cudaGraphNodeTypeExtSemaphoreSignal ||
                type == cudaGraphNodeTypeExtSemaphoreWait)) {
        r = set_ext(c, op, graph, node, &gp);
    } else if (r == 0 && op == GVX_GN_SET) {
        r = rt->cudaGraphNodeSetParams((cudaGraphNode_t)(uintptr_t)node, &gp);
    } else if (r == 0) {
        r = rt->cudaGraphExecNodeSetParams((cudaGraphExec_t)(uintptr_t)graph,
                                           (cudaGraphNode_t)(uintptr_t)node,
                                           &gp);
    }
    if (r == 0 && op == GVX_GN_ADD) {
        if (gvd_handle_add(c->cl, GVD_H_GRAPH_NODE, out) != 0) {
            r = cudaErrorMemoryAllocation;
        } else {
            gvc_enc_ptr(&c->enc, out);
            r = added(c, &gp);
        }
    }
    free(acc);
    free(ext);
    free(deps);
    free(edges);
    gvd_reply(c, r);
}

/* ---- parameters back --------------------------------------------------------- */

/* A kernel node's arguments, packed as the client packs a launch: from
 * kernelParams with the function's layout, or the extra buffer. */
static int64_t pack_args(const gvd_drv_t *drv, const CUDA_KERNEL_NODE_PARAMS *p,
                         uint8_t *buf, size_t *len)
{
    *len = 0;
    if (p->kernelParams != NULL) {
        for (size_t i = 0; i < GVX_MAX_PARAMS; i++) {
            size_t off, size;
            if (drv->cuFuncGetParamInfo(p->func, i, &off, &size) !=
                CUDA_SUCCESS) {
                break;
            }
            if (off + size > GVX_MAX_PARAM_BYTES) {
                return cudaErrorInvalidValue;
            }
            memcpy(buf + off, p->kernelParams[i], size);
            *len = off + size > *len ? off + size : *len;
        }
        return 0;
    }
    for (size_t i = 0; p->extra != NULL && p->extra[i] != CU_LAUNCH_PARAM_END;
         i += 2) {
        if (p->extra[i] == CU_LAUNCH_PARAM_BUFFER_SIZE) {
            *len = *(size_t *)p->extra[i + 1];
        }
    }
    for (size_t i = 0; p->extra != NULL && p->extra[i] != CU_LAUNCH_PARAM_END;
         i += 2) {
        if (p->extra[i] == CU_LAUNCH_PARAM_BUFFER_POINTER) {
            if (*len > GVX_MAX_PARAM_BYTES) {
                return cudaErrorInvalidValue;
            }
            memcpy(buf, p->extra[i + 1], *len);
        }
    }
    return 0;
}

/* An external semaphore node's semaphores and parameters: { array of u64
 * handles, array of raw parameters }. */
static int64_t get_ext(gvd_call_t *c, uint32_t type, cudaGraphNode_t node)
{
    const gvd_rt_t *rt = gvd_rt(c);
    struct cudaExternalSemaphoreSignalNodeParams sp;
    struct cudaExternalSemaphoreWaitNodeParams wp;
    const cudaExternalSemaphore_t *sems;
    const void *params;
    uint64_t h[GVX_MAX_EXT_SEMS];
    size_t psize;
    unsigned n;
    int64_t r;

    memset(&sp, 0, sizeof(sp));
    memset(&wp, 0, sizeof(wp));
    if (type == cudaGraphNodeTypeExtSemaphoreSignal) {
        r = rt->cudaGraphExternalSemaphoresSignalNodeGetParams == NULL
                ? cudaErrorNotSupported
                : rt->cudaGraphExternalSemaphoresSignalNodeGetParams(node,
                                                                     &sp);
        sems = sp.extSemArray, params = sp.paramsArray, n = sp.numExtSems;
        psize = sizeof(*sp.paramsArray);
    } else {
        r = rt->cudaGraphExternalSemaphoresWaitNodeGetParams == NULL
                ? cudaErrorNotSupported
                : rt->cudaGraphExternalSemaphoresWaitNodeGetParams(node,
                                                                   &wp);
        sems = wp.extSemArray, params = wp.paramsArray, n = wp.numExtSems;
        psize = sizeof(*wp.paramsArray);
    }
    if (r != 0) {
        return r;
    }
    if (n > GVX_MAX_EXT_SEMS || gvd_reply_room(c, 64 + n * (8 + psize))) {
        return cudaErrorInvalidValue;
    }
    for (unsigned i = 0; i < n; i++) {
        h[i] = (uint64_t)(uintptr_t)sems[i];
    }
    gvc_enc_array(&c->enc, n > 0 ? h : NULL, n, 8);
    gvc_enc_array(&c->enc, n > 0 ? params : NULL, n, (uint32_t)psize);
    return 0;
}

/* gvGraphNodeGet: see lib/gvx.h. */
void gvd_h_graph_node_get(gvd_call_t *c)
{
    const gvd_rt_t *rt = gvd_rt(c);
    const gvd_drv_t *drv = &c->cl->be->drv;
    static uint8_t buf[GVX_MAX_PARAM_BYTES];
    CUDA_KERNEL_NODE_PARAMS kp;
    struct cudaHostNodeParams hp;
    struct cudaMemAllocNodeParams ap;
    uint32_t type, dim[7];
    uint64_t node, id = 0;
    size_t len = 0;
    int64_t r;

    gvc_dec_u32(&c->dec, &type);
    gvc_dec_u64(&c->dec, &node);
    if (gvd_args_end(c)) {
        return;
    }
    if (!gvd_handle_ok(c->cl, GVD_H_GRAPH_NODE, (void *)(uintptr_t)node)) {
        gvd_reply(c, cudaErrorInvalidResourceHandle);
        return;
    }
    switch (type) {
    case cudaGraphNodeTypeKernel:
        if (drv->cuGraphKernelNodeGetParams == NULL) {
            r = cudaErrorNotSupported;
            break;
        }
        r = drv->cuGraphKernelNodeGetParams((CUgraphNode)(uintptr_t)node, &kp);
        if (r == 0) {
            r = pack_args(drv, &kp, buf, &len);
        }
        if (r == 0 && gvd_reply_room(c, len + 128) != 0) {
            r = cudaErrorMemoryAllocation;
        }
        if (r == 0) {
            dim[0] = kp.gridDimX, dim[1] = kp.gridDimY, dim[2] = kp.gridDimZ;
            dim[3] = kp.blockDimX, dim[4] = kp.blockDimY;
            dim[5] = kp.blockDimZ, dim[6] = kp.sharedMemBytes;
            gvc_enc_u64(&c->enc, (uint64_t)(uintptr_t)kp.func);
            gvc_enc_raw(&c->enc, dim, sizeof(dim));
            gvc_enc_bytes(&c->enc, buf, len);
        }
        break;
    case cudaGraphNodeTypeHost:
        r = rt->cudaGraphHostNodeGetParams == NULL
                ? cudaErrorNotSupported
                : rt->cudaGraphHostNodeGetParams(
                      (cudaGraphNode_t)(uintptr_t)node, &hp);
        /* A host node the client did not make (a captured host function)
         * names nothing the client can call. */
        if (r == 0 && !gvd_hostnode_id(c->cl, hp.fn, hp.userData, &id)) {
            r = cudaErrorNotSupported;
        }
        if (r == 0) {
            gvc_enc_u64(&c->enc, id);
        }
        break;
    case cudaGraphNodeTypeMemAlloc:
        r = rt->cudaGraphMemAllocNodeGetParams == NULL
                ? cudaErrorNotSupported
                : rt->cudaGraphMemAllocNodeGetParams(
                      (cudaGraphNode_t)(uintptr_t)node, &ap);
        if (r == 0 && (ap.accessDescCount > 64 ||
                       gvd_reply_room(c, 1024 + ap.accessDescCount *
                                                    sizeof(*ap.accessDescs)))) {
            r = cudaErrorInvalidValue;
        }
        if (r == 0) {
            gvc_enc_raw(&c->enc, &ap.poolProps, sizeof(ap.poolProps));
            gvc_enc_array(&c->enc, ap.accessDescs,
                          (uint32_t)ap.accessDescCount,
                          sizeof(*ap.accessDescs));
            gvc_enc_u64(&c->enc, ap.bytesize);
            gvc_enc_ptr(&c->enc, ap.dptr);
        }
        break;
    case cudaGraphNodeTypeExtSemaphoreSignal:
    case cudaGraphNodeTypeExtSemaphoreWait:
        r = get_ext(c, type, (cudaGraphNode_t)(uintptr_t)node);
        break;
    default:
        r = cudaErrorInvalidValue;
        break;
    }
    gvd_reply(c, r);
}

/* gvGraphDot: the DOT text of a graph, through a file of the worker's
 * that nobody else sees (the program's path is the client's). */
void gvd_h_graph_dot(gvd_call_t *c)
{
    const gvd_rt_t *rt = gvd_rt(c);
    char path[] = "/tmp/gvd-dot-XXXXXX";
    cudaGraph_t g;
    uint32_t flags;
    char *text = NULL;
    long len = 0;
    FILE *fp = NULL;
    int64_t r;
    int fd;

    gvc_dec_ptr(&c->dec, (void **)&g);
    gvc_dec_u32(&c->dec, &flags);
    if (gvd_args_end(c)) {
        return;
    }
    if (rt->cudaGraphDebugDotPrint == NULL) {
        gvd_reply(c, cudaErrorNotSupported);
        return;
    }
    if (!gvd_handle_ok(c->cl, GVD_H_GRAPH, g)) {
        gvd_reply(c, cudaErrorInvalidResourceHandle);
        return;
    }
    fd = mkstemp(path);
    if (fd < 0) {
        gvd_reply(c, cudaErrorOperatingSystem);
        return;
    }
    close(fd);
    r = rt->cudaGraphDebugDotPrint(g, path, flags);
    if (r == 0 && ((fp = fopen(path, "rb")) == NULL ||
                   fseek(fp, 0, SEEK_END) != 0 || (len = ftell(fp)) < 0 ||
                   (size_t)len > GVX_MAX_DOT || fseek(fp, 0, SEEK_SET) != 0)) {
        r = cudaErrorOperatingSystem;
    }
    if (r == 0 && ((text = malloc((size_t)len + 1)) == NULL ||
                   fread(text, 1, (size_t)len, fp) != (size_t)len ||
                   gvd_reply_room(c, (size_t)len + 64) != 0)) {
        r = cudaErrorMemoryAllocation;
    }
    if (r == 0) {
        gvc_enc_bytes(&c->enc, text, (size_t)len);
    }
    if (fp != NULL) {
        fclose(fp);
    }
    unlink(path);
    gvd_reply(c, r);
    free(text);
}
