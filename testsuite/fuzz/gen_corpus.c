/*
 * gen_corpus.c - writes the seed corpus of the fuzz targets: small, valid
 * inputs in each target's format (see the top of each fuzz_*.c), so the
 * fuzzers start from messages the code accepts and mutate from there.
 *
 *   gen_corpus DIR      writes DIR/{wire,gvx,worker,registry}/seed-*
 *
 * `make fuzz-corpus` runs it on testsuite/fuzz/corpus.  Inputs the
 * fuzzers found (crashes fixed since) live beside the seeds as regress-*
 * and are not generated.
 */
#include "config.h"

#include "gv_api_cudart.h"
#include "gvx.h"
#include "gvc_ctl.h"
#include "gvc_proto.h"
#include "gvc_wire.h"
#include "gvr_proto.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *root;
static uint8_t buf[1 << 20];
static size_t len;

static void put(const void *p, size_t n)
{
    if (len + n > sizeof(buf)) {
        fprintf(stderr, "gen_corpus: seed too large\n");
        exit(1);
    }
    memcpy(buf + len, p, n);
    len += n;
}

static void put_u8(uint8_t v) { put(&v, 1); }
static void put_u16(uint16_t v) { put(&v, 2); }
static void put_u32(uint32_t v) { put(&v, 4); }

static void save(const char *target, const char *name)
{
    char path[4096];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s", root, target);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/%s/seed-%s", root, target, name);
    fp = fopen(path, "wb");
    if (fp == NULL || fwrite(buf, 1, len, fp) != len || fclose(fp) != 0) {
        fprintf(stderr, "gen_corpus: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    len = 0;
}

/* ---- wire ------------------------------------------------------------------ */

static void wire_seeds(void)
{
    uint8_t h[GVC_WIRE_HDR_SIZE], rec[512];
    const char addr[] = "ucx-worker-address";
    gvc_hello_t hello = { .client_host = "node1", .pid = 42, .uid = 1000,
                          .job_id = "77", .credential = "", .gpu = 0,
                          .version = "0.1.0", .ucx_addr = addr,
                          .ucx_addr_len = sizeof(addr) };
    gvc_welcome_t w = { .ucx_addr = addr, .ucx_addr_len = sizeof(addr),
                        .worker_pid = 43, .gpu = 0, .version = "0.1.0",
                        .device = "sim", .chunk = 8 << 20, .chunks = 4 };
    gvc_wire_hdr_t hdr;
    gvx_copy_t cp = { .dst = 0x7f0000001000, .total = 4096, .len = 4096 };
    gvc_enc_t e;
    size_t n;

    gvc_wire_hdr_init(&hdr, GV_API_gvMemcpyH2D, 0, 7);
    hdr.args_len = 52;
    hdr.data_len = 4096;
    hdr.seq = 3;
    gvc_wire_hdr_pack(&hdr, h);
    put_u8(0);
    put(h, sizeof(h));
    save("wire", "header-request");
    gvc_wire_hdr_init(&hdr, GV_API_cudaMalloc, GVC_WF_REPLY, 7);
    hdr.result = 2;
    hdr.seq_err = 400;
    gvc_wire_hdr_pack(&hdr, h);
    put_u8(0);
    put(h, sizeof(h));
    save("wire", "header-reply");
    gvc_wire_hdr_init(&hdr, GV_API_cudaStreamQuery, 0, 9);
    hdr.seq = 4;
    gvc_wire_hdr_pack_short(&hdr, h);
    put_u8(6);
    put(h, GVC_WIRE_SHORT_SIZE);
    put("\x10\x20\x30\x40\0\0\0\0", 8); /* the stream */
    save("wire", "header-short");

    /* A decoder program: the gvx copy record, field by field. */
    gvc_enc_init(&e, rec, sizeof(rec));
    gvx_copy_pack(&e, &cp);
    put_u8(1);
    put_u8(8);
    put("\x03\x03\x03\x03\x03\x03\x02\x0a", 8);
    put(rec, e.len);
    save("wire", "decode-copy");
    gvc_enc_init(&e, rec, sizeof(rec));
    gvc_enc_str(&e, "kernel_name");
    gvc_enc_bytes(&e, "params", 6);
    gvc_enc_array(&e, "\1\0\0\0\2\0\0\0", 2, 4);
    gvc_enc_bytes(&e, NULL, 0);
    put_u8(1);
    put_u8(5);
    put("\x88\x87\x39\x77\x0a", 5);
    put(rec, e.len);
    save("wire", "decode-views");

    gvc_hello_pack(&hello, rec, sizeof(rec), &n);
    put_u8(2);
    put(rec, n);
    save("wire", "hello");
    gvc_welcome_pack(&w, rec, sizeof(rec), &n);
    put_u8(3);
    put(rec, n);
    save("wire", "welcome");
    /* Two control frames: HELLO, then STATUS. */
    gvc_hello_pack(&hello, rec, sizeof(rec), &n);
    gvc_wire_hdr_init(&hdr, GVC_CTL_HELLO, 0, 0);
    hdr.args_len = (uint32_t)n;
    gvc_wire_hdr_pack(&hdr, h);
    put_u8(4);
    put(h, sizeof(h));
    put(rec, n);
    gvc_wire_hdr_init(&hdr, GVC_CTL_STATUS, 0, 0);
    gvc_wire_hdr_pack(&hdr, h);
    put(h, sizeof(h));
    save("wire", "ctl-frames");
    /* A batch of two one-way items and a call. */
    put_u8(5);
    for (uint32_t i = 0; i < 3; i++) {
        gvc_wire_hdr_init(&hdr, GV_API_cudaLaunchKernel,
                          i < 2 ? GVC_WF_ONEWAY : 0, i);
        hdr.args_len = 8 * i + 3;
        hdr.data_len = i == 1 ? 5 : 0;
        hdr.seq = 10 + i;
        gvc_wire_batch_put(rec, &hdr, "argumentsargumentsarguments",
                           "data!");
        put(rec, gvc_wire_batch_item_size(hdr.args_len, hdr.data_len));
    }
    save("wire", "batch");
}

/* ---- gvx ------------------------------------------------------------------- */

static void gvx_seed(uint8_t which, const char *name, const gvc_enc_t *e)
{
    put_u8(which);
    put(e->buf, e->len);
    save("gvx", name);
}

static void gvx_seeds(void)
{
    static gvx_kernel_info_t info;
    uint8_t rec[65536], params[24] = { 1, 2, 3 }, attrs[2 * GVX_ATTR_SIZE];
    gvx_copy_t cp = { .dst = 0x7f0000001000, .src = 0, .total = 1 << 20,
                      .offset = 65536, .len = 65536, .stream = 0x5500,
                      .flags = GVX_CPY_ASYNC };
    gvx_copy3d_t c3 = { .dev = 0x7f0000001000, .dev_pitch = 512,
                        .dev_ysize = 6, .width = 64, .height = 6, .depth = 8,
                        .kind = 1 };
    gvx_module_t mod = { .hash = { 0xab, 0xcd }, .size = 12345 };
    gvx_kernel_req_t kr = { .module = 0x5600, .name = "_Z6kernelPfi" };
    gvx_launch_t la = { .func = 0x5700, .grid = { 4, 1, 1 },
                        .block = { 128, 1, 1 }, .shmem = 1024,
                        .stream = 0x5500, .params = params,
                        .params_len = sizeof(params), .attrs = attrs,
                        .n_attrs = 2 };
    gvx_symbol_t sym = { .dptr = 0x7f0000002000, .size = 256 };
    gvx_hostfn_t hf = { .stream = 0x5500, .id = 9, .status = 0 };
    gvc_enc_t e;

    memset(attrs, 0, sizeof(attrs));
    info.func = 0x5700;
    info.n_params = 3;
    info.off[1] = 8;
    info.off[2] = 16;
    info.size[0] = info.size[1] = 8;
    info.size[2] = 4;
#define SEED(which, name, pack, rec_)                                         \
    gvc_enc_init(&e, rec, sizeof(rec));                                       \
    pack(&e, rec_);                                                           \
    gvx_seed(which, name, &e)
    SEED(0, "copy", gvx_copy_pack, &cp);
    SEED(1, "copy3d", gvx_copy3d_pack, &c3);
    SEED(2, "module", gvx_module_pack, &mod);
    SEED(3, "kernel-req", gvx_kernel_req_pack, &kr);
    SEED(4, "kernel-info", gvx_kernel_info_pack, &info);
    SEED(5, "launch", gvx_launch_pack, &la);
    la.attrs = NULL;
    la.n_attrs = 0;
    SEED(5, "launch-no-attrs", gvx_launch_pack, &la);
    SEED(6, "symbol", gvx_symbol_pack, &sym);
    SEED(7, "hostfn", gvx_hostfn_pack, &hf);
#undef SEED
}

/* ---- worker ---------------------------------------------------------------- */

/* Markers fuzz_worker.c replaces: the k-th handle of type t, or (t ==
 * 0xff) the k-th allocation plus off.  Types as in gvd_htype_t. */
#define H_STREAM 0
#define H_EVENT  1
#define MEM      0xff
static uint64_t mark(unsigned t, unsigned k, int32_t off)
{
    return (uint64_t)0xfeed << 48 | (uint64_t)t << 40 | (uint64_t)k << 32 |
           (uint32_t)off;
}

/* One request in fuzz_worker's input format.  api is a raw id (sel
 * 0xffff) so seeds stay valid when the dispatch table grows. */
static void req(uint32_t api, int oneway, const gvc_enc_t *args,
                uint32_t data_len, uint8_t fill)
{
    put_u16(0xffff);
    put_u32(api);
    put_u8(oneway ? 1 : 0);
    put_u16((uint16_t)(args ? args->len : 0));
    put_u32(data_len);
    put_u8(fill);
    if (args != NULL) {
        put(args->buf, args->len);
    }
}

static uint8_t abuf[4096];

static gvc_enc_t *args0(void)
{
    static gvc_enc_t e;

    gvc_enc_init(&e, abuf, sizeof(abuf));
    return &e;
}

static void w_malloc(uint64_t size)
{
    gvc_enc_t *e = args0();

    gvc_enc_u64(e, size);
    req(GV_API_cudaMalloc, 0, e, 0, 0);
}

static void w_copy(uint32_t api, uint64_t dst, uint64_t src, uint64_t total,
                   uint64_t off, uint64_t n, uint64_t stream, uint32_t flags,
                   uint8_t fill)
{
    gvx_copy_t cp = { .dst = dst, .src = src, .total = total, .offset = off,
                      .len = n, .stream = stream, .flags = flags };
    gvc_enc_t *e = args0();

    gvx_copy_pack(e, &cp);
    req(api, 0, e, api == GV_API_gvMemcpyH2D ? (uint32_t)n : 0, fill);
}

static void w_ptr(uint32_t api, uint64_t p)
{
    gvc_enc_t *e = args0();

    gvc_enc_u64(e, p);
    req(api, 0, e, 0, 0);
}

static void w_create(uint32_t api)
{
    gvc_enc_t *e = args0();

    gvc_enc_u8(e, 1); /* the output pointer is present */
    req(api, 0, e, 0, 0);
}

static void worker_seeds(void)
{
    uint64_t m0 = mark(MEM, 0, 0), s0 = mark(H_STREAM, 0, 0);
    uint64_t e0 = mark(H_EVENT, 0, 0), e1 = mark(H_EVENT, 1, 0);
    gvx_copy3d_t c3;
    gvx_hostfn_t hf = { .stream = 0, .id = 1 };
    gvc_enc_t *e;

    /* Copies: H2D in two chunks, D2H, D2D, then free. */
    w_malloc(1 << 17);
    w_malloc(1 << 17);
    w_copy(GV_API_gvMemcpyH2D, m0, 0, 1 << 17, 0, 1 << 16, 0, 0, 0x5a);
    w_copy(GV_API_gvMemcpyH2D, m0, 0, 1 << 17, 1 << 16, 1 << 16, 0,
           GVX_CPY_LAST, 0x5b);
    w_copy(GV_API_gvMemcpyD2H, 0, m0, 1 << 17, 0, 0, 0, 0, 0);
    w_copy(GV_API_gvMemcpyD2H, 0, mark(MEM, 0, 100), 1000, 0, 0, 0, 0, 0);
    w_copy(GV_API_gvMemcpyD2D, mark(MEM, 1, 0), m0, 1 << 17, 0, 0, 0, 0, 0);
    w_ptr(GV_API_cudaFree, m0);
    w_ptr(GV_API_cudaFree, mark(MEM, 1, 0));
    save("worker", "copies");

    /* Streams and events, an async D2H and a host function. */
    w_create(GV_API_cudaStreamCreate);
    w_create(GV_API_cudaEventCreate);
    w_create(GV_API_cudaEventCreate);
    w_malloc(4096);
    e = args0();
    gvc_enc_u64(e, e0);
    gvc_enc_u64(e, s0);
    req(GV_API_cudaEventRecord, 1, e, 0, 0);
    w_copy(GV_API_gvMemcpyH2D, m0, 0, 4096, 0, 4096, s0,
           GVX_CPY_ASYNC | GVX_CPY_LAST, 7);
    w_copy(GV_API_gvMemcpyD2H, 0, m0, 4096, 0, 0, s0, GVX_CPY_ASYNC, 0);
    hf.stream = s0;
    e = args0();
    gvx_hostfn_pack(e, &hf);
    req(GV_API_gvHostFn, 1, e, 0, 0);
    e = args0();
    gvc_enc_u64(e, e1);
    gvc_enc_u64(e, s0);
    req(GV_API_cudaEventRecord, 1, e, 0, 0);
    e = args0();
    gvc_enc_u64(e, s0);
    gvc_enc_u64(e, e1);
    gvc_enc_u32(e, 0);
    req(GV_API_cudaStreamWaitEvent, 1, e, 0, 0);
    w_ptr(GV_API_cudaStreamSynchronize, s0);
    w_ptr(GV_API_cudaEventSynchronize, e1);
    e = args0();
    gvc_enc_u8(e, 1);
    gvc_enc_u64(e, e0);
    gvc_enc_u64(e, e1);
    req(GV_API_cudaEventElapsedTime, 0, e, 0, 0);
    w_ptr(GV_API_cudaEventDestroy, e0);
    w_ptr(GV_API_cudaEventQuery, e0);
    w_ptr(GV_API_cudaStreamDestroy, s0);
    w_ptr(GV_API_cudaStreamQuery, s0);
    req(GV_API_cudaDeviceSynchronize, 0, NULL, 0, 0);
    save("worker", "streams-events");

    /* Pitched and 3D memory, strided copies, memsets. */
    e = args0();
    gvc_enc_u64(e, 64);
    gvc_enc_u64(e, 48);
    req(GV_API_cudaMallocPitch, 0, e, 0, 0);
    e = args0();
    gvc_enc_u64(e, 64);
    gvc_enc_u64(e, 6);
    gvc_enc_u64(e, 8);
    req(GV_API_cudaMalloc3D, 0, e, 0, 0);
    memset(&c3, 0, sizeof(c3));
    c3.dev = m0;
    c3.dev_pitch = 512;
    c3.dev_ysize = 48;
    c3.width = 64;
    c3.height = 48;
    c3.depth = 1;
    c3.kind = 1; /* cudaMemcpyHostToDevice */
    e = args0();
    gvx_copy3d_pack(e, &c3);
    req(GV_API_gvMemcpy3D, 0, e, 64 * 48, 3);
    c3.kind = 2; /* DeviceToHost */
    e = args0();
    gvx_copy3d_pack(e, &c3);
    req(GV_API_gvMemcpy3D, 0, e, 0, 0);
    c3.kind = 3; /* DeviceToDevice */
    c3.dev = mark(MEM, 1, 0);
    c3.dev_ysize = 6;
    c3.height = 6;
    c3.depth = 8;
    c3.src = m0;
    c3.src_pitch = 512;
    c3.src_ysize = 6;
    e = args0();
    gvx_copy3d_pack(e, &c3);
    req(GV_API_gvMemcpy3D, 0, e, 0, 0);
    e = args0();
    gvc_enc_u64(e, m0);
    gvc_enc_i32(e, 1);
    gvc_enc_u64(e, 512 * 48);
    req(GV_API_cudaMemset, 0, e, 0, 0);
    e = args0();
    gvc_enc_u64(e, m0);
    gvc_enc_u64(e, 512);
    gvc_enc_i32(e, 2);
    gvc_enc_u64(e, 64);
    gvc_enc_u64(e, 48);
    req(GV_API_cudaMemset2D, 0, e, 0, 0);
    save("worker", "pitched-3d");

    /* Device queries, stream-ordered allocation, pointer attributes. */
    req(GV_API_cudaGetDeviceCount, 0, NULL, 0, 0);
    req(GV_API_cudaDriverGetVersion, 0, NULL, 0, 0);
    e = args0();
    gvc_enc_u8(e, 1);
    gvc_enc_u8(e, 1);
    req(GV_API_cudaMemGetInfo, 0, e, 0, 0);
    e = args0();
    gvc_enc_u8(e, 1);
    gvc_enc_i32(e, 0);
    req(GV_API_cudaGetDeviceProperties, 0, e, 0, 0);
    w_create(GV_API_cudaStreamCreate);
    e = args0();
    gvc_enc_u64(e, 1 << 20);
    gvc_enc_u64(e, s0);
    req(GV_API_cudaMallocAsync, 0, e, 0, 0);
    w_ptr(GV_API_cudaPointerGetAttributes, mark(MEM, 0, 16));
    e = args0();
    gvc_enc_u64(e, m0);
    gvc_enc_u64(e, s0);
    req(GV_API_cudaFreeAsync, 1, e, 0, 0);
    req(GV_API_cudaDeviceReset, 0, NULL, 0, 0);
    save("worker", "device");

    /* Forged and stale values: each must be refused, the next call
     * served. */
    w_malloc(4096);
    w_copy(GV_API_gvMemcpyH2D, mark(MEM, 0, 4000), 0, 200, 0, 200, 0,
           GVX_CPY_LAST, 1);
    w_copy(GV_API_gvMemcpyD2H, 0, mark(MEM, 0, -16), 64, 0, 0, 0, 0, 0);
    w_copy(GV_API_gvMemcpyD2H, 0, 0x7f0000123000ull, 64, 0, 0, 0, 0, 0);
    w_ptr(GV_API_cudaStreamSynchronize, 0xdeadbeef000ull);
    w_ptr(GV_API_cudaFree, m0);
    w_ptr(GV_API_cudaFree, m0);
    w_copy(GV_API_gvMemcpyD2H, 0, m0, 64, 0, 0, 0, 0, 0);
    w_malloc(1ull << 40); /* over the quota */
    req(0x0badf00d, 0, NULL, 0, 0); /* unknown id */
    save("worker", "forged");
}

/* ---- registry ------------------------------------------------------------- */

static void reg_msg(gvr_msg_id_t id, const void *rec)
{
    const gvr_msg_desc_t *d = gvr_msg_find(id);
    static uint8_t rb[GVC_CTL_MAX_ARGS];
    size_t n = 0;

    if (gvr_pack(d->req, rec, rb, sizeof(rb), &n) != GVC_OK) {
        fprintf(stderr, "gen_corpus: cannot pack %s\n", d->name);
        exit(1);
    }
    put_u8((uint8_t)(id - GVR_MSG_HELLO));
    put_u8(0);
    put_u16((uint16_t)n);
    put(rb, n);
}

static void registry_seeds(void)
{
    gvr_gpu_info_t gpus[2];
    gvr_node_req_t node = { .node = "gpu1", .host = "gpu1.cluster",
                            .port = 9999, .nic = "mlx5_0", .n_gpus = 2,
                            .gpus = gpus };
    gvr_alloc_req_t al = { .job = "1234", .uid = 1000, .user = "alice",
                           .count = 1, .mode = GVR_LEASE_SHARED,
                           .mem_cap = 1 << 30 };
    gvr_job_req_t job = { .job = "1234" };
    gvr_list_req_t list = { .filter = "", .offset = 0 };
    gvr_state_req_t drain = { .node = "gpu1", .state = GVR_NODE_DRAINED,
                              .reason = "maintenance" };
    gvr_verify_req_t ver = { .job = "1234", .credential = "x",
                             .gpu_uuid = "GPU-0001", .uid = 1000 };
    gvr_empty_t empty = { 0 };
    static uint8_t rb[GVC_CTL_MAX_ARGS];
    size_t n;

    memset(gpus, 0, sizeof(gpus));
    for (int i = 0; i < 2; i++) {
        gpus[i].index = (uint32_t)i;
        snprintf(gpus[i].uuid, sizeof(gpus[i].uuid), "GPU-000%d", i + 1);
        snprintf(gpus[i].name, sizeof(gpus[i].name), "NVIDIA H100");
        gpus[i].mem_bytes = 80ull << 30;
        gpus[i].sm_count = 132;
        gpus[i].numa_node = i;
    }
    /* An admin's session through every request. */
    put_u8(1);
    reg_msg(GVR_MSG_NODE_REGISTER, &node);
    reg_msg(GVR_MSG_NODE_HEARTBEAT, &node);
    reg_msg(GVR_MSG_LIST_NODES, &list);
    reg_msg(GVR_MSG_LIST_GPUS, &list);
    reg_msg(GVR_MSG_ALLOC, &al);
    reg_msg(GVR_MSG_ALLOC, &al);
    reg_msg(GVR_MSG_JOB_SERVERS, &job);
    reg_msg(GVR_MSG_LIST_LEASES, &list);
    reg_msg(GVR_MSG_LEASE_VERIFY, &ver);
    reg_msg(GVR_MSG_STATUS, &empty);
    reg_msg(GVR_MSG_RELEASE, &job);
    reg_msg(GVR_MSG_NODE_SET_STATE, &drain);
    save("registry", "admin-session");
    /* A gvd node account; then a user asking for an admin's request. */
    put_u8(2);
    reg_msg(GVR_MSG_NODE_REGISTER, &node);
    reg_msg(GVR_MSG_NODE_HEARTBEAT, &node);
    save("registry", "node-session");
    put_u8(4);
    reg_msg(GVR_MSG_ALLOC, &al);
    reg_msg(GVR_MSG_JOB_SERVERS, &job);
    save("registry", "user-refused");
    put_u8(0);
    reg_msg(GVR_MSG_STATUS, &empty);
    save("registry", "unauthenticated");
    /* Codec: requests and replies by layout index (2 per message). */
    for (size_t i = 0; i < gvr_n_msgs; i++) {
        const gvr_msg_desc_t *d = &gvr_msgs[i];
        const void *rec = NULL;
        char name[64];
        switch (d->id) {
        case GVR_MSG_NODE_REGISTER: rec = &node; break;
        case GVR_MSG_ALLOC: rec = &al; break;
        case GVR_MSG_LEASE_VERIFY: rec = &ver; break;
        case GVR_MSG_NODE_SET_STATE: rec = &drain; break;
        case GVR_MSG_LIST_GPUS: rec = &list; break;
        default: break;
        }
        if (rec == NULL || gvr_pack(d->req, rec, rb, sizeof(rb), &n) !=
                               GVC_OK) {
            continue;
        }
        put_u8(0x40);
        put_u8((uint8_t)(2 * i));
        put(rb, n);
        snprintf(name, sizeof(name), "codec-%s", d->name);
        save("registry", name);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_corpus DIR\n");
        return 2;
    }
    root = argv[1];
    mkdir(root, 0755);
    wire_seeds();
    gvx_seeds();
    worker_seeds();
    registry_seeds();
    return 0;
}
