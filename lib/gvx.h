/*
 * gvx.h - arguments of the hand-written RPCs (copies, kernels, host
 * functions), packed by the frontend and unpacked by gvd-worker.  Each
 * message has one struct and one pack/unpack pair here, so both sides
 * agree by construction; testsuite/unit/test_gvx.c round-trips them.
 * Unpack functions validate structure only (counts, lengths); semantic
 * checks (is this pointer ours?) are the worker's.
 */
#ifndef GVX_H
#define GVX_H

#include "gvc_wire.h"

#include <stddef.h>
#include <stdint.h>

/* gvMemcpy* flags */
enum {
    GVX_CPY_ASYNC = 1u << 0, /* stream-ordered; do not synchronise */
    GVX_CPY_LAST  = 1u << 1, /* last chunk of a chunked copy */
    GVX_CPY_PTDS  = 1u << 2, /* per-thread default stream semantics */
    GVX_CPY_LINEAR = 1u << 3, /* gvMemcpyArray: width bytes in row order */
};

/* gvMemcpyH2D (data follows), gvMemcpyD2H (data comes back),
 * gvMemcpyD2D. */
typedef struct gvx_copy {
    uint64_t dst;          /* device (H2D, D2D) */
    uint64_t src;          /* device (D2H, D2D) */
    uint64_t total;        /* bytes of the whole copy */
    uint64_t offset;       /* of this chunk (H2D) */
    uint64_t len;          /* bytes in this message (H2D) */
    uint64_t stream;
    uint32_t flags;
} gvx_copy_t;

/* gvMemcpy2D / gvMemcpy3D: a strided copy.  Host-side data travels
 * packed (rows back to back); the device side keeps its pitch. */
typedef struct gvx_copy3d {
    uint64_t dev;          /* device pointer of the device side, or dst */
    uint64_t dev_pitch;
    uint64_t dev_ysize;    /* rows per slice on the device side (3D) */
    uint64_t src;          /* D2D: device source */
    uint64_t src_pitch;
    uint64_t src_ysize;
    uint64_t width, height, depth; /* bytes per row, rows, slices */
    uint32_t kind;         /* cudaMemcpyKind, resolved (no Default) */
    uint64_t stream;
    uint32_t flags;
} gvx_copy3d_t;

/* gvMemcpyArray: a strided copy with a CUDA array on one side or both.
 * The other side is device memory, or host data travelling packed (rows
 * of width bytes back to back: data follows host to array, comes back
 * array to host).  Everything in bytes, as the driver's CUDA_MEMCPY3D;
 * the worker turns array offsets into elements.  With GVX_CPY_LINEAR
 * (cudaMemcpyToArray and friends) width bytes run in row order from
 * (x, y), wrapping at the end of each array row; height and depth are 1. */
enum { GVX_SIDE_HOST = 0, GVX_SIDE_DEVICE = 1, GVX_SIDE_ARRAY = 2 };
typedef struct gvx_aside {
    uint32_t type;         /* GVX_SIDE_* */
    uint64_t ptr;          /* array handle or device pointer; 0 for host */
    uint64_t pitch, ysize; /* device memory: bytes per row, rows per slice */
    uint64_t x, y, z;      /* first byte: x in bytes, row, slice */
} gvx_aside_t;

typedef struct gvx_acopy {
    gvx_aside_t dst, src;
    uint64_t width, height, depth; /* bytes per row, rows, slices */
    uint64_t stream;
    uint32_t flags;        /* GVX_CPY_ASYNC, _PTDS, _LINEAR */
} gvx_acopy_t;

/*
 * Peer copies between two workers (gvd/gvd_x_peer.c).  A link is one
 * UCX connection between two workers of the same client, used in both
 * directions.  gvPeerOpen (client -> worker) creates this worker's end
 * and answers a gvx_peer_link_t with its number, its token and its UCX
 * address; gvPeerConnect (client -> worker) hands it the other end's
 * token and address.  Each worker accepts chunks only when they carry
 * the token it made itself.
 */
#define GVX_PEER_TOKEN 16
#define GVX_PEER_MAX_ADDR 16384   /* = GVC_PROTO_MAX_ADDR */
typedef struct gvx_peer_link {
    uint32_t link;                /* the worker's number for it */
    uint8_t token[GVX_PEER_TOKEN];
    const void *addr;             /* UCX worker address (view) */
    size_t addr_len;
} gvx_peer_link_t;

/* gvPeerPut (client -> source worker): copy total bytes from src (the
 * source worker's memory) to dst (the other end's) over link. */
typedef struct gvx_peer_put {
    uint32_t link;
    uint64_t dst, src, total;
    uint64_t stream;              /* either device's; see gvd_x_peer.c */
    uint32_t flags;               /* GVX_CPY_ASYNC, _PTDS */
} gvx_peer_put_t;

/* gvPeerChunk (source worker -> destination worker, data follows). */
typedef struct gvx_peer_chunk {
    uint8_t token[GVX_PEER_TOKEN]; /* the destination's */
    uint64_t dst, total, offset, len;
    uint64_t stream;              /* the destination's stream, or 0 */
    uint32_t flags;               /* GVX_CPY_LAST, _ASYNC, _PTDS */
} gvx_peer_chunk_t;

/* gvModuleEnsure: "load the fatbin with this hash"; data may follow. */
typedef struct gvx_module {
    uint8_t hash[32];
    uint64_t size;
} gvx_module_t;

/* gvKernelResolve request and reply. */
#define GVX_MAX_PARAMS 1024
#define GVX_ATTR_SIZE 72   /* sizeof(cudaLaunchAttribute), checked in C */
#define GVX_MAX_PARAM_BYTES 32768 /* CUDA 12.1+ kernel parameter limit */
typedef struct gvx_kernel_req {
    uint64_t module;
    const char *name;      /* view into the buffer when unpacked */
} gvx_kernel_req_t;

typedef struct gvx_kernel_info {
    uint64_t func;
    uint32_t n_params;
    uint32_t off[GVX_MAX_PARAMS];
    uint32_t size[GVX_MAX_PARAMS];
    int32_t attr[16];      /* by CUfunction_attribute 0..15 */
} gvx_kernel_info_t;

/* gvLaunch (one-way): packed parameters follow the fixed part. */
typedef struct gvx_launch {
    uint64_t func;
    uint32_t grid[3], block[3];
    uint64_t shmem;
    uint64_t stream;
    uint32_t flags;        /* 1: cooperative */
    const void *params;    /* view when unpacked */
    uint32_t params_len;
    const void *attrs;     /* cudaLaunchAttribute[], raw (view) */
                           /* GVX_ATTR_SIZE bytes each */
    uint32_t n_attrs;
} gvx_launch_t;

/* gvOccupancyCluster: a gvx_launch_t without parameters whose flags say
 * which question it asks. */
enum { GVX_OCC_ACTIVE_CLUSTERS = 1, GVX_OCC_CLUSTER_SIZE = 2 };

/* gvSymbolResolve reply. */
typedef struct gvx_symbol {
    uint64_t dptr;
    uint64_t size;
} gvx_symbol_t;

/* gvHostFn (client -> gvd, one-way), host function request (gvd ->
 * client, event) and gvHostFnDone (client -> gvd, event). */
typedef struct gvx_hostfn {
    uint64_t stream;
    uint64_t id;
    uint32_t status;       /* stream callbacks: the cudaError_t */
} gvx_hostfn_t;

/* gvGraphNode: add a graph node or set a node's parameters, for the
 * node kinds whose parameters carry what the generated calls cannot say
 * (kernel arguments, host functions, allocations, cudaGraphNodeParams):
 *   { u32 op, u32 type, u32 generic, u64 graph or executable, u64 node,
 *     array of u64 dependencies, array of raw cudaGraphEdgeData (or
 *     absent), then by type:
 *       kernel  u64 function, u32 grid[3], u32 block[3], u32 shared
 *               memory, bytes of the packed arguments
 *       memcpy  raw cudaMemcpy3DParms      memset  raw cudaMemsetParamsV2
 *       host    u64 the client's persistent host function id
 *       graph   u64 child graph, u32 ownership
 *       event   u64 event (record and wait nodes)
 *       alloc   raw cudaMemPoolProps, array of raw cudaMemAccessDesc,
 *               u64 bytes (device ordinals are the worker's: 0)
 *       free    u64 device pointer
 *       conditional  u64 handle, u32 type, u32 size
 *       external semaphore signal/wait  array of u64 semaphores, array
 *               of raw signal/wait parameters (GVX_MAX_EXT_SEMS at most) }
 *   -> add: { u64 node } then alloc: { u64 pointer }, conditional:
 *      array of u64 body graphs.
 * generic: the program called cudaGraphNodeSetParams or
 * cudaGraphExecNodeSetParams (else the kind's own setter).
 * gvGraphNodeGet { u32 type, u64 node } -> the kernel's layout as above
 * (the function is the worker's), a host node's id, an allocation's
 * props, access descriptors, bytes and u64 pointer, or an external
 * semaphore node's arrays as above. */
enum { GVX_GN_ADD, GVX_GN_SET, GVX_GN_EXEC };

/* gvGraphDot: { graph, u32 flags } -> bytes of the DOT text (at most
 * GVX_MAX_DOT), which the client writes to the program's file. */
#define GVX_MAX_DOT ((size_t)16 << 20)

/* gvUserObject operations: { u32 op, u64 id (create) or object,
 * u64 graph, u32 count, u32 flags }. */
enum { GVX_UO_CREATE, GVX_UO_RETAIN, GVX_UO_RELEASE, GVX_UO_GRAPH_RETAIN,
       GVX_UO_GRAPH_RELEASE };

/* Driver log callbacks and asynchronous notifications (cudart_notify.c,
 * gvd_x_notify.c).  gvNotifyReg { u32 op, u64 id (add: the client's
 * registration) or handle (del: the worker's) } -> add: { u64 handle }.
 * The worker's event gvNotify { u64 id, bytes payload }: a log is
 * { u32 level, bytes text (at most GVX_MAX_LOG) }, a notification the
 * raw cudaAsyncNotificationInfo_t.  Log dumps are at most GVX_MAX_LOG
 * bytes (the driver keeps 25600). */
enum { GVX_NOTIFY_LOG = 1, GVX_NOTIFY_ASYNC = 2 };
enum { GVX_NOTIFY_LOG_ADD = 1, GVX_NOTIFY_LOG_DEL, GVX_NOTIFY_ASYNC_ADD,
       GVX_NOTIFY_ASYNC_DEL };
#define GVX_MAX_LOG ((size_t)64 << 10)
#define GVX_NOTIFY_MAX_DEVS 64

/* File descriptors for CUDA to import (lib/gvf_fdpass.c, gvd_fdpass.c):
 * gvFdSock {} -> { bytes abstract socket name, raw GVX_FD_NONCE bytes };
 * on that socket the client sends { nonce, u64 tag } with the descriptor.
 * gvExtImport { u32 GVX_EXT_MEM or GVX_EXT_SEM, the raw handle
 * descriptor (its fd -1), u64 tag } -> { handle }. */
#define GVX_FD_NONCE 16
#define GVX_MAX_EXT_SEMS 64 /* in one node of a graph */
enum { GVX_EXT_MEM = 1, GVX_EXT_SEM = 2 };

void gvx_copy_pack(gvc_enc_t *e, const gvx_copy_t *a);
int gvx_copy_unpack(gvc_dec_t *d, gvx_copy_t *a);
void gvx_copy3d_pack(gvc_enc_t *e, const gvx_copy3d_t *a);
int gvx_copy3d_unpack(gvc_dec_t *d, gvx_copy3d_t *a);
void gvx_acopy_pack(gvc_enc_t *e, const gvx_acopy_t *a);
int gvx_acopy_unpack(gvc_dec_t *d, gvx_acopy_t *a);
void gvx_module_pack(gvc_enc_t *e, const gvx_module_t *a);
int gvx_module_unpack(gvc_dec_t *d, gvx_module_t *a);
void gvx_kernel_req_pack(gvc_enc_t *e, const gvx_kernel_req_t *a);
int gvx_kernel_req_unpack(gvc_dec_t *d, gvx_kernel_req_t *a);
void gvx_kernel_info_pack(gvc_enc_t *e, const gvx_kernel_info_t *a);
int gvx_kernel_info_unpack(gvc_dec_t *d, gvx_kernel_info_t *a);
void gvx_launch_pack(gvc_enc_t *e, const gvx_launch_t *a);
int gvx_launch_unpack(gvc_dec_t *d, gvx_launch_t *a);
void gvx_symbol_pack(gvc_enc_t *e, const gvx_symbol_t *a);
int gvx_symbol_unpack(gvc_dec_t *d, gvx_symbol_t *a);
void gvx_peer_link_pack(gvc_enc_t *e, const gvx_peer_link_t *a);
int gvx_peer_link_unpack(gvc_dec_t *d, gvx_peer_link_t *a);
void gvx_peer_put_pack(gvc_enc_t *e, const gvx_peer_put_t *a);
int gvx_peer_put_unpack(gvc_dec_t *d, gvx_peer_put_t *a);
void gvx_peer_chunk_pack(gvc_enc_t *e, const gvx_peer_chunk_t *a);
int gvx_peer_chunk_unpack(gvc_dec_t *d, gvx_peer_chunk_t *a);
void gvx_hostfn_pack(gvc_enc_t *e, const gvx_hostfn_t *a);
int gvx_hostfn_unpack(gvc_dec_t *d, gvx_hostfn_t *a);

/*
 * cuBLASLt descriptors initialised in place (lib/cublaslt/cublaslt_pool.c,
 * gvd/gvd_x_blaslt.c).
 * gvLtReserve: i32 kind, u32 n (1..GVX_LT_RESERVE_MAX) -> n ptr blocks of
 *   GVX_LT_BLOCK bytes, each a descriptor of kind for this client.
 * gvLtInit (one-way): i32 kind, ptr block, i32 a, i32 b, u64 rows,
 *   u64 cols, i64 ld: matmul a = compute type, b = scale type; layout
 *   a = data type, rows, cols, ld; preference nothing.
 */
enum { GVX_LT_MATMUL = 0, GVX_LT_LAYOUT = 1, GVX_LT_PREF = 2, GVX_LT_KINDS };
#define GVX_LT_RESERVE 32       /* blocks a client asks for at a time */
#define GVX_LT_RESERVE_MAX 256
#define GVX_LT_BLOCK 512        /* >= every cuBLASLt *Opaque_t (256) */

#endif
