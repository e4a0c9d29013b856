/*
 * test_hardening.c - what gvd does with hostile or broken clients, on
 * its simulated device (issue 9, CPU parts).
 *
 * The clients here are raw: they shake hands with gvd like libgvirtus
 * does (HELLO/WELCOME on the control socket, then a gvt connection to
 * the worker) and then send whatever requests they like, so no check of
 * our libcudart can hide a missing check in the worker.  A few tests
 * speak UCX directly to send what the transport would never send (a bad
 * header, a message out of sequence).  The failure tests use real
 * clients linked against libcudart (unit/hardapp, unit/simapp).
 *
 *   validation  forged pointers and handles (another client's, freed,
 *               out of range, in range but too long), absurd lengths and
 *               counts, truncated arguments, unknown ids, garbled and
 *               reordered messages: each gets the API's error, the
 *               worker lives on (or, for a broken stream, exits alone)
 *               and the other client is unaffected
 *   quota       gvd.memory_limit over every allocation call
 *   failure     killed clients, killed and stalled workers, restarts
 */
#include "config.h"

#include "gvtest.h"
#include "hardening_util.h"
#include "gvc_log.h"
#include "gvx.h"
#include "gv_api_cudart.h"

#include <cuda_runtime_api.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- validation ---------------------------------------------------------------- */

static void test_forged_pointers_two_clients(void)
{
    uint8_t data[4096], back[4096];
    int64_t r;
    uint64_t pa, pb;
    hcli_t a, b;
    hgvd_t g;
    gvc_enc_t *e;

    CU_ASSERT_EQUAL_FATAL(hgvd_start(&g, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(hcli_open(&a, g.port), 0);
    CU_ASSERT_EQUAL_FATAL(hcli_open(&b, g.port), 0);
    memset(data, 0xa5, sizeof(data));
    /* Each worker is its own process: the same value can be a pointer in
     * both (under ASan their allocators even hand out the same
     * addresses).  a's pointer is foreign to b only when b holds no
     * allocation there, so b allocates first and a until that holds. */
    pb = hmalloc(&b, 4096, NULL);
    for (int i = 0; i < 8; i++) {
        pa = hmalloc(&a, 4096, NULL);
        if (pa + 4096 <= pb || pa >= pb + 4096) {
            break;
        }
    }
    CU_ASSERT_FATAL(pa != 0 && pb != 0 && (pa + 4096 <= pb ||
                                           pa >= pb + 4096));
    CU_ASSERT_EQUAL(hh2d(&a, pa, data, 4096, 0, 0), 0);

    /* Another client's allocation: every path refuses it. */
    CU_ASSERT_EQUAL(hh2d(&b, pa, data, 16, 0, 0), cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(hd2h(&b, pa, back, 16, 16), cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(hmemset(&b, pa, 0, 16), cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(hfree(&b, pa), cudaErrorInvalidValue);
    {
        gvx_copy_t d2d = { .dst = pb, .src = pa, .total = 16 };
        e = hargs();
        gvx_copy_pack(e, &d2d);
        CU_ASSERT_EQUAL(hcall(&b, GV_API_gvMemcpyD2D, e),
                        cudaErrorInvalidValue);
    }
    /* Pointer attributes of a foreign pointer: as for unknown memory. */
    e = hargs();
    gvc_enc_u64(e, pa);
    CU_ASSERT_EQUAL(hcall(&b, GV_API_cudaPointerGetAttributes, e), 0);
    {
        struct cudaPointerAttributes at;
        CU_ASSERT_EQUAL(b.rargs_len, sizeof(at));
        memcpy(&at, b.rargs, sizeof(at));
        CU_ASSERT_EQUAL(at.type, cudaMemoryTypeUnregistered);
        CU_ASSERT_PTR_NULL(at.devicePointer);
    }
    CU_ASSERT(halive(&b));

    /* Out of range: one past the end, before the start, nowhere. */
    CU_ASSERT_EQUAL(hh2d(&b, pb + 4096, data, 1, 0, 0),
                    cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(hd2h(&b, pb - 8, back, 16, 16), cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(hd2h(&b, 0x7f0000123000ull, back, 16, 16),
                    cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(hmemset(&b, 0, 0, 16), cudaErrorInvalidValue);
    /* In range, but the size runs past the end. */
    CU_ASSERT_EQUAL(hh2d(&b, pb + 4000, data, 200, 0, 0),
                    cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(hd2h(&b, pb + 100, back, 4000, sizeof(back)),
                    cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(hmemset(&b, pb + 1, 0, 4096), cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(hfree(&b, pb + 16), cudaErrorInvalidValue);
    CU_ASSERT(halive(&b));

    /* Freed: stale pointers are refused, double free too. */
    CU_ASSERT_EQUAL(hfree(&b, pb), 0);
    CU_ASSERT_EQUAL(hd2h(&b, pb, back, 16, 16), cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(hh2d(&b, pb, data, 16, 0, 0), cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(hfree(&b, pb), cudaErrorInvalidValue);
    CU_ASSERT(halive(&b));

    /* a's memory was never touched; a is served as before. */
    memset(back, 0, sizeof(back));
    CU_ASSERT_EQUAL(hd2h(&a, pa, back, 4096, sizeof(back)), 0);
    CU_ASSERT_EQUAL(memcmp(back, data, sizeof(back)), 0);
    CU_ASSERT(halive(&a));
    CU_ASSERT_EQUAL(hfree(&a, pa), 0);
    r = hfree(&a, pa);
    CU_ASSERT_EQUAL(r, cudaErrorInvalidValue);
    hcli_close(&a);
    hcli_close(&b);
    CU_ASSERT(hgvd_alive(&g));
    CU_ASSERT_EQUAL(hgvd_stop(&g), 0);
}

static void test_forged_streams_events_graphs(void)
{
    uint64_t sa, ea, sb, eb, ga, xa, bogus = 0xdeadbeef000ull, p;
    uint8_t data[64] = { 0 };
    hcli_t a, b;
    hgvd_t g;
    gvc_enc_t *e;

    CU_ASSERT_EQUAL_FATAL(hgvd_start(&g, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(hcli_open(&a, g.port), 0);
    CU_ASSERT_EQUAL_FATAL(hcli_open(&b, g.port), 0);
    /* b's handles first; then a's, none equal to one of b's (see
     * test_forged_pointers_two_clients: the workers are separate
     * processes, values may coincide). */
    sb = hcreate(&b, GV_API_cudaStreamCreate);
    eb = hcreate(&b, GV_API_cudaEventCreate);
    p = hmalloc(&b, 64, NULL);
    for (int i = 0; i < 8; i++) {
        sa = hcreate(&a, GV_API_cudaStreamCreate);
        ea = hcreate(&a, GV_API_cudaEventCreate);
        e = hargs();
        gvc_enc_u8(e, 1);
        gvc_enc_u32(e, 0);
        CU_ASSERT_EQUAL(hcall(&a, GV_API_cudaGraphCreate, e), 0);
        ga = hreply_u64(&a, 0);
        e = hargs();
        gvc_enc_u8(e, 1);
        gvc_enc_u64(e, ga);
        gvc_enc_u64(e, 0);
        CU_ASSERT_EQUAL(hcall(&a, GV_API_cudaGraphInstantiate, e), 0);
        xa = hreply_u64(&a, 0);
        if (sa != sb && sa != eb && ea != sb && ea != eb) {
            break;
        }
    }
    CU_ASSERT_FATAL(sa && ea && sb && eb && ga && xa && sa != sb &&
                    sa != eb && ea != sb && ea != eb);

    /* b uses a's stream, event, graph, executable graph; and made-up
     * values of each. */
    for (int i = 0; i < 2; i++) {
        uint64_t s = i ? bogus : sa, ev = i ? bogus + 64 : ea;
        uint64_t gr = i ? bogus + 128 : ga, x = i ? bogus + 192 : xa;
        CU_ASSERT_EQUAL(hptr_call(&b, GV_API_cudaStreamSynchronize, s),
                        cudaErrorInvalidResourceHandle);
        CU_ASSERT_EQUAL(hptr_call(&b, GV_API_cudaStreamQuery, s),
                        cudaErrorInvalidResourceHandle);
        CU_ASSERT_EQUAL(hptr_call(&b, GV_API_cudaStreamDestroy, s),
                        cudaErrorInvalidResourceHandle);
        CU_ASSERT_EQUAL(hptr_call(&b, GV_API_cudaEventSynchronize, ev),
                        cudaErrorInvalidResourceHandle);
        CU_ASSERT_EQUAL(hptr_call(&b, GV_API_cudaEventDestroy, ev),
                        cudaErrorInvalidResourceHandle);
        e = hargs();
        gvc_enc_u64(e, ev);
        gvc_enc_u64(e, sb);
        CU_ASSERT_EQUAL(hcall(&b, GV_API_cudaEventRecord, e),
                        cudaErrorInvalidResourceHandle);
        e = hargs();
        gvc_enc_u64(e, eb);
        gvc_enc_u64(e, s);
        CU_ASSERT_EQUAL(hcall(&b, GV_API_cudaEventRecord, e),
                        cudaErrorInvalidResourceHandle);
        e = hargs();
        gvc_enc_u64(e, sb);
        gvc_enc_u64(e, ev);
        gvc_enc_u32(e, 0);
        CU_ASSERT_EQUAL(hcall(&b, GV_API_cudaStreamWaitEvent, e),
                        cudaErrorInvalidResourceHandle);
        e = hargs();
        gvc_enc_u8(e, 1);
        gvc_enc_u64(e, ev);
        gvc_enc_u64(e, eb);
        CU_ASSERT_EQUAL(hcall(&b, GV_API_cudaEventElapsedTime, e),
                        cudaErrorInvalidResourceHandle);
        /* Stream-ordered work on a foreign stream. */
        CU_ASSERT_EQUAL(hh2d(&b, p, data, sizeof(data), s, GVX_CPY_ASYNC),
                        cudaErrorInvalidResourceHandle);
        e = hargs();
        gvc_enc_u64(e, 64);
        gvc_enc_u64(e, s);
        CU_ASSERT_EQUAL(hcall(&b, GV_API_cudaMallocAsync, e),
                        cudaErrorInvalidResourceHandle);
        {
            gvx_hostfn_t hf = { .stream = s, .id = 1 };
            e = hargs();
            gvx_hostfn_pack(e, &hf);
            CU_ASSERT_EQUAL(hcall(&b, GV_API_gvHostFn, e),
                            cudaErrorInvalidResourceHandle);
        }
        /* Graphs. */
        e = hargs();
        gvc_enc_u64(e, x);
        gvc_enc_u64(e, sb);
        CU_ASSERT_EQUAL(hcall(&b, GV_API_cudaGraphLaunch, e),
                        cudaErrorInvalidResourceHandle);
        e = hargs();
        gvc_enc_u8(e, 1);
        gvc_enc_u64(e, gr);
        gvc_enc_u64(e, 0);
        CU_ASSERT_EQUAL(hcall(&b, GV_API_cudaGraphInstantiate, e),
                        cudaErrorInvalidResourceHandle);
        CU_ASSERT_EQUAL(hptr_call(&b, GV_API_cudaGraphExecDestroy, x),
                        cudaErrorInvalidResourceHandle);
        CU_ASSERT_EQUAL(hptr_call(&b, GV_API_cudaGraphDestroy, gr),
                        cudaErrorInvalidResourceHandle);
        CU_ASSERT(halive(&b));
    }

    /* Destroyed handles are stale at once. */
    CU_ASSERT_EQUAL(hptr_call(&b, GV_API_cudaStreamDestroy, sb), 0);
    CU_ASSERT_EQUAL(hptr_call(&b, GV_API_cudaStreamSynchronize, sb),
                    cudaErrorInvalidResourceHandle);
    CU_ASSERT_EQUAL(hptr_call(&b, GV_API_cudaStreamDestroy, sb),
                    cudaErrorInvalidResourceHandle);
    CU_ASSERT_EQUAL(hptr_call(&b, GV_API_cudaEventDestroy, eb), 0);
    CU_ASSERT_EQUAL(hptr_call(&b, GV_API_cudaEventQuery, eb),
                    cudaErrorInvalidResourceHandle);
    CU_ASSERT_EQUAL(hptr_call(&a, GV_API_cudaGraphExecDestroy, xa), 0);
    e = hargs();
    gvc_enc_u64(e, xa);
    gvc_enc_u64(e, 0);
    CU_ASSERT_EQUAL(hcall(&a, GV_API_cudaGraphLaunch, e),
                    cudaErrorInvalidResourceHandle);
    CU_ASSERT(halive(&b));

    /* a's own handles still work. */
    CU_ASSERT_EQUAL(hptr_call(&a, GV_API_cudaStreamSynchronize, sa), 0);
    e = hargs();
    gvc_enc_u64(e, ea);
    gvc_enc_u64(e, sa);
    CU_ASSERT_EQUAL(hcall(&a, GV_API_cudaEventRecord, e), 0);
    CU_ASSERT_EQUAL(hptr_call(&a, GV_API_cudaEventSynchronize, ea), 0);
    CU_ASSERT_EQUAL(hptr_call(&a, GV_API_cudaGraphDestroy, ga), 0);
    CU_ASSERT(halive(&a));
    hcli_close(&a);
    hcli_close(&b);
    CU_ASSERT_EQUAL(hgvd_stop(&g), 0);
}

static void test_absurd_lengths_and_counts(void)
{
    uint8_t data[64] = { 0 }, back[64];
    int64_t r;
    uint64_t p;
    hcli_t a;
    hgvd_t g;
    gvc_enc_t *e;

    CU_ASSERT_EQUAL_FATAL(hgvd_start(&g, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(hcli_open(&a, g.port), 0);
    p = hmalloc(&a, 4096, NULL);
    CU_ASSERT(p != 0);

    /* Sizes no device has. */
    hmalloc(&a, (uint64_t)1 << 62, &r);
    CU_ASSERT_EQUAL(r, cudaErrorMemoryAllocation);
    hmalloc(&a, UINT64_MAX, &r);
    CU_ASSERT_EQUAL(r, cudaErrorMemoryAllocation);
    CU_ASSERT_EQUAL(hmemset(&a, p, 0, (uint64_t)1 << 62),
                    cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(hmemset(&a, p, 0, UINT64_MAX), cudaErrorInvalidValue);
    /* A copy announcing far more than the allocation. */
    {
        gvx_copy_t c = { .dst = p, .total = UINT64_MAX, .len = 16 };
        e = hargs();
        gvx_copy_pack(e, &c);
        CU_ASSERT_EQUAL(hcall_raw(&a, GV_API_gvMemcpyH2D, e->buf, e->len,
                                  data, 16, NULL, 0),
                        cudaErrorInvalidValue);
        c.total = 64;
        c.offset = (uint64_t)1 << 63; /* offset past the total */
        e = hargs();
        gvx_copy_pack(e, &c);
        CU_ASSERT_EQUAL(hcall_raw(&a, GV_API_gvMemcpyH2D, e->buf, e->len,
                                  data, 16, NULL, 0),
                        cudaErrorInvalidValue);
    }
    CU_ASSERT_EQUAL(hd2h(&a, p, back, (uint64_t)1 << 40, sizeof(back)),
                    cudaErrorInvalidValue);
    /* 2D memset whose pitch * height overflows. */
    e = hargs();
    gvc_enc_u64(e, p);
    gvc_enc_u64(e, (uint64_t)1 << 40);
    gvc_enc_i32(e, 0);
    gvc_enc_u64(e, 16);
    gvc_enc_u64(e, (uint64_t)1 << 30);
    CU_ASSERT_EQUAL(hcall(&a, GV_API_cudaMemset2D, e), cudaErrorInvalidValue);
    /* 3D copy whose width * height * depth overflows. */
    {
        gvx_copy3d_t c = { .dev = p, .dev_pitch = 64, .dev_ysize = 1,
                           .width = (uint64_t)1 << 40,
                           .height = (uint64_t)1 << 30, .depth = 1 << 20,
                           .kind = cudaMemcpyDeviceToHost };
        e = hargs();
        gvx_copy3d_pack(e, &c);
        CU_ASSERT_EQUAL(hcall(&a, GV_API_gvMemcpy3D, e),
                        cudaErrorInvalidValue);
        /* Fits the arithmetic, not the allocation. */
        c.width = 64;
        c.height = 64;
        c.depth = 64;
        e = hargs();
        gvx_copy3d_pack(e, &c);
        CU_ASSERT_EQUAL(hcall(&a, GV_API_gvMemcpy3D, e),
                        cudaErrorInvalidValue);
    }
    /* An array argument announcing 2^31 elements it does not carry. */
    e = hargs();
    gvc_enc_u8(e, 1);
    gvc_enc_u64(e, 0x1000);
    gvc_enc_u32(e, 0x7ffffff0u);
    gvc_enc_u64(e, 0x7ffffff0u);
    gvc_enc_u64(e, 0x2000);
    CU_ASSERT_EQUAL(hcall(&a, GV_API_cudaGraphAddChildGraphNode, e),
                    cudaErrorInvalidValue);
    /* Kernel parameters and names beyond their limits. */
    e = hargs();
    gvc_enc_u64(e, 0x1000);
    gvc_enc_u32(e, 0x40000000u);
    gvc_enc_raw(e, "name", 4);
    CU_ASSERT_EQUAL(hcall(&a, GV_API_gvKernelResolve, e),
                    cudaErrorInvalidValue);
    {
        static uint8_t params[GVX_MAX_PARAM_BYTES + 8];
        gvx_launch_t l = { .func = 0x1000, .grid = { 1, 1, 1 },
                           .block = { 1, 1, 1 }, .params = params,
                           .params_len = sizeof(params) };
        e = hargs();
        gvx_launch_pack(e, &l);
        CU_ASSERT_EQUAL(hcall(&a, GV_API_gvLaunch, e),
                        cudaErrorInvalidValue);
    }
    /* A one-way call with an absurd count: reported at the next reply. */
    e = hargs();
    gvc_enc_u64(e, p);
    gvc_enc_i32(e, 0);
    gvc_enc_u64(e, UINT64_MAX);
    gvc_enc_u64(e, 0);
    CU_ASSERT_EQUAL(hsend_oneway(&a, GV_API_cudaMemsetAsync, e), 0);
    CU_ASSERT_EQUAL(hcall(&a, GV_API_cudaDeviceSynchronize, NULL), 0);
    CU_ASSERT_EQUAL(a.seq_err, cudaErrorInvalidValue);
    CU_ASSERT(halive(&a));
    hcli_close(&a);
    CU_ASSERT_EQUAL(hgvd_stop(&g), 0);
}

static void test_truncated_and_trailing_args(void)
{
    uint8_t junk[64];
    hcli_t a;
    hgvd_t g;
    gvc_enc_t *e;
    uint64_t p;

    memset(junk, 0x11, sizeof(junk));
    CU_ASSERT_EQUAL_FATAL(hgvd_start(&g, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(hcli_open(&a, g.port), 0);
    p = hmalloc(&a, 4096, NULL);
    /* Short, empty and over-long argument blocks. */
    CU_ASSERT_EQUAL(hcall_raw(&a, GV_API_cudaMalloc, junk, 4, NULL, 0, NULL,
                              0), cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(hcall_raw(&a, GV_API_cudaMalloc, junk, 9, NULL, 0, NULL,
                              0), cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(hcall_raw(&a, GV_API_cudaMemset, NULL, 0, NULL, 0, NULL,
                              0), cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(hcall_raw(&a, GV_API_cudaStreamCreate, NULL, 0, NULL, 0,
                              NULL, 0), cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(hcall_raw(&a, GV_API_cudaEventRecord, junk, 15, NULL, 0,
                              NULL, 0), cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(hcall_raw(&a, GV_API_cudaDeviceSynchronize, junk, 1,
                              NULL, 0, NULL, 0), cudaErrorInvalidValue);
    /* A copy record cut in the middle, and one with bytes after it. */
    {
        gvx_copy_t c = { .dst = p, .total = 16, .len = 16,
                         .flags = GVX_CPY_LAST };
        e = hargs();
        gvx_copy_pack(e, &c);
        CU_ASSERT_EQUAL(hcall_raw(&a, GV_API_gvMemcpyH2D, e->buf,
                                  e->len / 2, junk, 16, NULL, 0),
                        cudaErrorInvalidValue);
        gvc_enc_u8(e, 0);
        CU_ASSERT_EQUAL(hcall_raw(&a, GV_API_gvMemcpyH2D, e->buf, e->len,
                                  junk, 16, NULL, 0),
                        cudaErrorInvalidValue);
        /* The payload does not match what the record announces. */
        e = hargs();
        gvx_copy_pack(e, &c);
        CU_ASSERT_EQUAL(hcall_raw(&a, GV_API_gvMemcpyH2D, e->buf, e->len,
                                  junk, 8, NULL, 0), cudaErrorInvalidValue);
        CU_ASSERT_EQUAL(hcall_raw(&a, GV_API_gvMemcpyH2D, e->buf, e->len,
                                  junk, 64, NULL, 0), cudaErrorInvalidValue);
    }
    /* A string without its NUL; a bytes field longer than the message. */
    e = hargs();
    gvc_enc_u64(e, 0x1000);
    gvc_enc_u32(e, 4);
    gvc_enc_raw(e, "abcdX", 5);
    CU_ASSERT_EQUAL(hcall(&a, GV_API_gvKernelResolve, e),
                    cudaErrorInvalidValue);
    e = hargs();
    gvc_enc_raw(e, junk, 32); /* hash */
    gvc_enc_u64(e, 100);
    CU_ASSERT_EQUAL(hcall_raw(&a, GV_API_gvModuleEnsure, e->buf, e->len - 3,
                              NULL, 0, NULL, 0), cudaErrorInvalidValue);
    CU_ASSERT(halive(&a));
    hcli_close(&a);
    CU_ASSERT_EQUAL(hgvd_stop(&g), 0);
}

static void test_unknown_api_ids(void)
{
    static const uint32_t ids[] = {
        0, 1, GVC_CTL_HELLO, GVC_CTL_WELCOME, 0x0badf00d, 0xffffffffu,
        GV_API_gvHostFnRun, GV_API_gvStdout, /* worker -> client only */
    };
    hcli_t a;
    hgvd_t g;

    CU_ASSERT_EQUAL_FATAL(hgvd_start(&g, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(hcli_open(&a, g.port), 0);
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        CU_ASSERT_EQUAL(hcall_raw(&a, ids[i], "xyz", 3, NULL, 0, NULL, 0),
                        cudaErrorNotSupported);
    }
    CU_ASSERT(halive(&a));
    CU_ASSERT(hfile_contains(g.log, "unknown API id 0xbadf00d"));
    hcli_close(&a);
    CU_ASSERT_EQUAL(hgvd_stop(&g), 0);
}

/*
 * A message the transport cannot trust ends that client's worker, and
 * only it: gvd and the other client go on, a new client is served.
 * make(c, buf, data, &dlen) builds the bad message for client c: its
 * header into buf (returning the length) and any data into data; it is
 * sent from a UCX worker of our own.
 */
typedef size_t (*bad_msg_fn)(const hcli_t *c, uint8_t *buf, uint8_t *data,
                             size_t *dlen_p);

static void drop_case(bad_msg_fn make, const char *log_says)
{
    uint8_t msg[256], data[512];
    size_t n, dlen = 0;
    pid_t w;
    hcli_t a, b, c;
    hgvd_t g;

    CU_ASSERT_EQUAL_FATAL(hgvd_start(&g, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(hcli_open(&a, g.port), 0);
    CU_ASSERT_EQUAL_FATAL(hcli_open(&b, g.port), 0);
    CU_ASSERT(halive(&a) && halive(&b));
    w = a.worker;
    n = make(&a, msg, data, &dlen);
    CU_ASSERT_EQUAL(raw_ucx_send(a.waddr, msg, n, dlen ? data : NULL, dlen),
                    0);
    CU_ASSERT(hpid_gone_within(w, 5));
    CU_ASSERT(hfile_contains(g.log, log_says));
    /* a learns at once that its GPU is gone; no hang. */
    CU_ASSERT_EQUAL(hcall(&a, GV_API_cudaDeviceSynchronize, NULL), HFAIL);
    CU_ASSERT(hgvd_alive(&g));
    CU_ASSERT(halive(&b));
    CU_ASSERT_EQUAL(hcli_open(&c, g.port), 0);
    CU_ASSERT(halive(&c));
    hcli_close(&c);
    hcli_close(&a);
    hcli_close(&b);
    CU_ASSERT_EQUAL(hgvd_wait_workers(&g, 0, 5) >= 0, 1);
    CU_ASSERT_EQUAL(hgvd_stop(&g), 0);
}

static size_t bad_magic(const hcli_t *c, uint8_t *buf, uint8_t *data,
                        size_t *dlen_p)
{
    gvc_wire_hdr_t h;

    (void)data;
    *dlen_p = 0;
    gvc_wire_hdr_init(&h, GV_API_cudaDeviceSynchronize, 0, 99);
    h.seq = c->sent;
    gvc_wire_hdr_pack(&h, buf);
    buf[0] ^= 0xff;
    return GVC_WIRE_HDR_SIZE;
}

static size_t bad_version(const hcli_t *c, uint8_t *buf, uint8_t *data,
                          size_t *dlen_p)
{
    gvc_wire_hdr_t h;

    (void)data;
    *dlen_p = 0;
    gvc_wire_hdr_init(&h, GV_API_cudaDeviceSynchronize, 0, 99);
    h.version = GVC_WIRE_VERSION + 1;
    h.seq = c->sent;
    gvc_wire_hdr_pack(&h, buf);
    return GVC_WIRE_HDR_SIZE;
}

static size_t bad_lengths(const hcli_t *c, uint8_t *buf, uint8_t *data,
                          size_t *dlen_p)
{
    gvc_wire_hdr_t h;

    (void)data;
    *dlen_p = 0;
    gvc_wire_hdr_init(&h, GV_API_cudaMalloc, 0, 99);
    h.args_len = 100; /* but none follow */
    h.seq = c->sent;
    gvc_wire_hdr_pack(&h, buf);
    return GVC_WIRE_HDR_SIZE;
}

static size_t bad_seq(const hcli_t *c, uint8_t *buf, uint8_t *data,
                      size_t *dlen_p)
{
    gvc_wire_hdr_t h;

    (void)data;
    *dlen_p = 0;
    gvc_wire_hdr_init(&h, GV_API_cudaDeviceSynchronize, GVC_WF_ONEWAY, 99);
    h.seq = c->sent + 5; /* skips ahead: reordered */
    gvc_wire_hdr_pack(&h, buf);
    return GVC_WIRE_HDR_SIZE;
}

static size_t replayed_seq(const hcli_t *c, uint8_t *buf, uint8_t *data,
                           size_t *dlen_p)
{
    gvc_wire_hdr_t h;

    (void)data;
    *dlen_p = 0;
    gvc_wire_hdr_init(&h, GV_API_cudaDeviceSynchronize, GVC_WF_ONEWAY, 99);
    h.seq = c->sent - 1; /* a message already delivered */
    gvc_wire_hdr_pack(&h, buf);
    return GVC_WIRE_HDR_SIZE;
}

static size_t bad_reply(const hcli_t *c, uint8_t *buf, uint8_t *data,
                        size_t *dlen_p)
{
    gvc_wire_hdr_t h;

    (void)data;
    *dlen_p = 0;
    /* In sequence, but a reply to a call the worker never made. */
    gvc_wire_hdr_init(&h, GV_API_cudaMalloc, GVC_WF_REPLY, 12345);
    h.seq = c->sent;
    gvc_wire_hdr_pack(&h, buf);
    return GVC_WIRE_HDR_SIZE;
}

/* Short headers (16 bytes, gvc_wire_hdr_pack_short): an in-sequence
 * call, then spoilt as each case says. */
static size_t short_call(const hcli_t *c, uint8_t *buf, uint16_t flags)
{
    gvc_wire_hdr_t h;

    gvc_wire_hdr_init(&h, GV_API_cudaDeviceSynchronize, flags, 99);
    h.seq = c->sent;
    gvc_wire_hdr_pack_short(&h, buf);
    return GVC_WIRE_SHORT_SIZE;
}

static size_t short_truncated(const hcli_t *c, uint8_t *buf, uint8_t *data,
                              size_t *dlen_p)
{
    (void)data;
    *dlen_p = 0;
    short_call(c, buf, 0);
    return GVC_WIRE_SHORT_SIZE - 6;
}

static size_t short_bad_version(const hcli_t *c, uint8_t *buf,
                                uint8_t *data, size_t *dlen_p)
{
    (void)data;
    *dlen_p = 0;
    short_call(c, buf, 0);
    buf[1] = GVC_WIRE_VERSION + 1;
    return GVC_WIRE_SHORT_SIZE;
}

static size_t short_bad_flags(const hcli_t *c, uint8_t *buf, uint8_t *data,
                              size_t *dlen_p)
{
    (void)data;
    *dlen_p = 0;
    short_call(c, buf, 0);
    buf[2] = GVC_WF_PART; /* the short form carries no parts */
    return GVC_WIRE_SHORT_SIZE;
}

static size_t short_with_data(const hcli_t *c, uint8_t *buf, uint8_t *data,
                              size_t *dlen_p)
{
    memset(data, 0, 64);
    *dlen_p = 64; /* the short form says there is none */
    return short_call(c, buf, GVC_WF_ONEWAY);
}

/* A batch (see gvc_wire_batch_next) carrying item, in sequence, after
 * a good one-way item. */
static size_t batch_with(const hcli_t *c, uint8_t *buf, uint8_t *data,
                         size_t *dlen_p, const gvc_wire_hdr_t *item)
{
    gvc_wire_hdr_t h;
    size_t off;

    gvc_wire_hdr_init(&h, GV_API_cudaDeviceSynchronize, GVC_WF_ONEWAY, 0);
    h.seq = c->sent;
    gvc_wire_batch_put(data, &h, NULL, NULL);
    off = gvc_wire_batch_item_size(0, 0);
    gvc_wire_hdr_pack(item, data + off);
    off += GVC_WIRE_HDR_SIZE;
    memset(data + off, 0, 64);
    *dlen_p = off + 64;
    gvc_wire_hdr_init(&h, 0, GVC_WF_BATCH, 0);
    h.data_len = *dlen_p;
    h.seq = c->sent;
    gvc_wire_hdr_pack(&h, buf);
    return GVC_WIRE_HDR_SIZE;
}

static size_t batch_overrun(const hcli_t *c, uint8_t *buf, uint8_t *data,
                            size_t *dlen_p)
{
    gvc_wire_hdr_t h;

    gvc_wire_hdr_init(&h, GV_API_cudaMalloc, GVC_WF_ONEWAY, 0);
    h.seq = c->sent + 1;
    h.args_len = 4096; /* runs past the batch */
    return batch_with(c, buf, data, dlen_p, &h);
}

static size_t batch_reply(const hcli_t *c, uint8_t *buf, uint8_t *data,
                          size_t *dlen_p)
{
    gvc_wire_hdr_t h;

    gvc_wire_hdr_init(&h, GV_API_cudaMalloc, GVC_WF_REPLY, 12345);
    h.seq = c->sent + 1;
    return batch_with(c, buf, data, dlen_p, &h);
}

static size_t batch_reordered(const hcli_t *c, uint8_t *buf, uint8_t *data,
                              size_t *dlen_p)
{
    gvc_wire_hdr_t h;

    gvc_wire_hdr_init(&h, GV_API_cudaDeviceSynchronize, GVC_WF_ONEWAY, 0);
    h.seq = c->sent + 3;
    h.args_len = 16;
    return batch_with(c, buf, data, dlen_p, &h);
}

static size_t batch_malformed(const hcli_t *c, uint8_t *buf, uint8_t *data,
                              size_t *dlen_p)
{
    gvc_wire_hdr_t h;
    size_t n = batch_reordered(c, buf, data, dlen_p);

    gvc_wire_hdr_init(&h, 0, GVC_WF_BATCH | GVC_WF_ONEWAY, 0);
    h.data_len = *dlen_p;
    h.seq = c->sent;
    gvc_wire_hdr_pack(&h, buf);
    return n;
}

static void test_batch_overrun_drops_worker(void)
{
    drop_case(batch_overrun, "garbled message in a batch");
}

static void test_batch_with_reply_drops_worker(void)
{
    drop_case(batch_reply, "garbled message in a batch");
}

static void test_batch_reordered_drops_worker(void)
{
    drop_case(batch_reordered, "message out of sequence in a batch");
}

static void test_malformed_batch_drops_worker(void)
{
    drop_case(batch_malformed, "malformed batch");
}

static void test_bad_magic_drops_worker(void)
{
    drop_case(bad_magic, "bad message header");
}

static void test_bad_version_drops_worker(void)
{
    drop_case(bad_version, "bad message header");
}

static void test_bad_lengths_drops_worker(void)
{
    drop_case(bad_lengths, "message lengths do not match");
}

static void test_reordered_drops_worker(void)
{
    drop_case(bad_seq, "message out of sequence");
}

static void test_replayed_drops_worker(void)
{
    drop_case(replayed_seq, "message out of sequence");
}

static void test_stray_reply_drops_worker(void)
{
    drop_case(bad_reply, "reply to no pending call");
}

static void test_bad_short_headers_drop_worker(void)
{
    drop_case(short_truncated, "bad message header");
    drop_case(short_bad_version, "bad message header");
    drop_case(short_bad_flags, "bad message header");
    drop_case(short_with_data, "message lengths do not match");
}

/* ---- quota -------------------------------------------------------------------- */

/* Each allocation call over gvd.memory_limit gets
 * cudaErrorMemoryAllocation, and gvd's log names the limit. */
static void test_quota_every_allocation_call(void)
{
    int64_t r;
    uint64_t big, s;
    hcli_t a, b;
    hgvd_t g;
    gvc_enc_t *e;

    CU_ASSERT_EQUAL_FATAL(hgvd_start(&g, "memory_limit = 64M"), 0);
    CU_ASSERT_EQUAL_FATAL(hcli_open(&a, g.port), 0);
    big = hmalloc(&a, 40 << 20, &r);
    CU_ASSERT_EQUAL(r, 0);
    hmalloc(&a, 40 << 20, &r);
    CU_ASSERT_EQUAL(r, cudaErrorMemoryAllocation);
    e = hargs();
    gvc_enc_u64(e, 8192);
    gvc_enc_u64(e, 4096); /* 32 MiB */
    CU_ASSERT_EQUAL(hcall(&a, GV_API_cudaMallocPitch, e),
                    cudaErrorMemoryAllocation);
    e = hargs();
    gvc_enc_u64(e, 1024);
    gvc_enc_u64(e, 1024);
    gvc_enc_u64(e, 32); /* 32 MiB */
    CU_ASSERT_EQUAL(hcall(&a, GV_API_cudaMalloc3D, e),
                    cudaErrorMemoryAllocation);
    s = hcreate(&a, GV_API_cudaStreamCreate);
    e = hargs();
    gvc_enc_u64(e, 40 << 20);
    gvc_enc_u64(e, s);
    CU_ASSERT_EQUAL(hcall(&a, GV_API_cudaMallocAsync, e),
                    cudaErrorMemoryAllocation);
    CU_ASSERT(hfile_contains(g.log, "67108864-byte limit (gvd.memory_limit)"));
    /* Under the limit everything works; the quota is per client. */
    CU_ASSERT(halive(&a));
    CU_ASSERT_EQUAL_FATAL(hcli_open(&b, g.port), 0);
    hmalloc(&b, 40 << 20, &r);
    CU_ASSERT_EQUAL(r, 0);
    CU_ASSERT_EQUAL(hfree(&a, big), 0);
    e = hargs();
    gvc_enc_u64(e, 8192);
    gvc_enc_u64(e, 4096);
    CU_ASSERT_EQUAL(hcall(&a, GV_API_cudaMallocPitch, e), 0);
    hcli_close(&a);
    hcli_close(&b);
    CU_ASSERT_EQUAL(hgvd_stop(&g), 0);
}

/* Regression: the quota judged cudaMallocPitch and cudaMalloc3D by the
 * bytes asked for (width * height), not the pitched bytes allocated:
 * one-byte rows are padded to the pitch, 512 times more.  And a product
 * that overflowed passed as small. */
static void test_quota_counts_pitched_bytes(void)
{
    hcli_t a;
    hgvd_t g;
    gvc_enc_t *e;

    CU_ASSERT_EQUAL_FATAL(hgvd_start(&g, "memory_limit = 64M"), 0);
    CU_ASSERT_EQUAL_FATAL(hcli_open(&a, g.port), 0);
    e = hargs();
    gvc_enc_u64(e, 1);
    gvc_enc_u64(e, 1 << 18); /* 256 KiB asked, 128 MiB pitched */
    CU_ASSERT_EQUAL(hcall(&a, GV_API_cudaMallocPitch, e),
                    cudaErrorMemoryAllocation);
    e = hargs();
    gvc_enc_u64(e, 1);
    gvc_enc_u64(e, 1 << 12);
    gvc_enc_u64(e, 1 << 6);
    CU_ASSERT_EQUAL(hcall(&a, GV_API_cudaMalloc3D, e),
                    cudaErrorMemoryAllocation);
    e = hargs();
    gvc_enc_u64(e, (uint64_t)1 << 33);
    gvc_enc_u64(e, (uint64_t)1 << 31); /* the product wraps to 0 */
    CU_ASSERT_EQUAL(hcall(&a, GV_API_cudaMallocPitch, e),
                    cudaErrorMemoryAllocation);
    e = hargs();
    gvc_enc_u64(e, (uint64_t)1 << 22);
    gvc_enc_u64(e, (uint64_t)1 << 21);
    gvc_enc_u64(e, (uint64_t)1 << 21);
    CU_ASSERT_EQUAL(hcall(&a, GV_API_cudaMalloc3D, e),
                    cudaErrorMemoryAllocation);
    /* What fits is still granted. */
    e = hargs();
    gvc_enc_u64(e, 1);
    gvc_enc_u64(e, 1 << 16); /* 32 MiB pitched */
    CU_ASSERT_EQUAL(hcall(&a, GV_API_cudaMallocPitch, e), 0);
    CU_ASSERT(halive(&a));
    hcli_close(&a);
    CU_ASSERT_EQUAL(hgvd_stop(&g), 0);
}

/* Without a limit, a wrapped size is no allocation either; and an empty
 * pitched allocation owns no bytes (regression, found by fuzz_worker:
 * height 0 was recorded as one whole pitch, so copies into the next
 * bytes of the worker's memory passed the range check). */
static void test_pitch_overflow_refused(void)
{
    uint8_t data[64] = { 0 };
    uint64_t p;
    hcli_t a;
    hgvd_t g;
    gvc_enc_t *e;

    CU_ASSERT_EQUAL_FATAL(hgvd_start(&g, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(hcli_open(&a, g.port), 0);
    e = hargs();
    gvc_enc_u64(e, 64);
    gvc_enc_u64(e, 0);
    CU_ASSERT_EQUAL(hcall(&a, GV_API_cudaMallocPitch, e), 0);
    p = hreply_u64(&a, 0);
    if (p != 0) {
        CU_ASSERT_EQUAL(hh2d(&a, p, data, sizeof(data), 0, 0),
                        cudaErrorInvalidValue);
        CU_ASSERT_EQUAL(hfree(&a, p), 0);
    }
    e = hargs();
    gvc_enc_u64(e, 64);
    gvc_enc_u64(e, 4);
    gvc_enc_u64(e, 0);
    CU_ASSERT_EQUAL(hcall(&a, GV_API_cudaMalloc3D, e), 0);
    p = hreply_u64(&a, 0);
    if (p != 0) {
        CU_ASSERT_EQUAL(hh2d(&a, p, data, sizeof(data), 0, 0),
                        cudaErrorInvalidValue);
    }
    e = hargs();
    gvc_enc_u64(e, (uint64_t)1 << 33);
    gvc_enc_u64(e, (uint64_t)1 << 31);
    CU_ASSERT_EQUAL(hcall(&a, GV_API_cudaMallocPitch, e),
                    cudaErrorMemoryAllocation);
    e = hargs();
    gvc_enc_u64(e, (uint64_t)1 << 33);
    gvc_enc_u64(e, (uint64_t)1 << 16);
    gvc_enc_u64(e, (uint64_t)1 << 15);
    CU_ASSERT_EQUAL(hcall(&a, GV_API_cudaMalloc3D, e),
                    cudaErrorMemoryAllocation);
    CU_ASSERT(halive(&a));
    hcli_close(&a);
    CU_ASSERT_EQUAL(hgvd_stop(&g), 0);
}

/* ---- failures ----------------------------------------------------------------- */

/* SIGKILL a client while 64 MiB copies are on the wire: its worker
 * exits within a second, gvd is back to its baseline of workers, and
 * another client carries on. */
static void test_killed_client_mid_transfer(void)
{
    app_t busy, other;
    double t;
    int st;
    hgvd_t g;

    CU_ASSERT_EQUAL_FATAL(hgvd_start(&g, NULL), 0);
    CU_ASSERT_EQUAL(hgvd_workers(&g, NULL, 0), 0);
    CU_ASSERT_EQUAL_FATAL(app_start(&other, "testsuite/unit/hardapp",
                                    "idle", &g, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(app_wait(&other, "READY", 20));
    CU_ASSERT_EQUAL_FATAL(app_start(&busy, "testsuite/unit/simapp", "busy",
                                    &g, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(app_wait(&busy, "READY", 20));
    usleep(300000); /* mid-payload */
    CU_ASSERT_EQUAL(hgvd_workers(&g, NULL, 0), 2);
    kill(busy.pid, SIGKILL);
    waitpid(busy.pid, &st, 0);
    t = hgvd_wait_workers(&g, 1, 3);
    CU_ASSERT(t >= 0 && t < 1.0);
    if (t >= 1.0 || t < 0) {
        printf("\n      the killed client's worker took %.2f s\n", t);
    }
    /* The survivor still computes. */
    CU_ASSERT_EQUAL(write(other.in, "go\n", 3), 3);
    CU_ASSERT_PTR_NOT_NULL(app_wait(&other, "DONE ok", 20));
    CU_ASSERT_EQUAL(app_finish(&other), 0);
    CU_ASSERT(hgvd_wait_workers(&g, 0, 3) >= 0);
    close(busy.in);
    close(busy.out);
    CU_ASSERT_EQUAL(hgvd_stop(&g), 0);
}

/* The client's GPU loses its worker (SIGKILL): the next call says
 * cudaErrorDevicesUnavailable within 5 s, later ones at once. */
static void test_killed_worker_fails_fast(void)
{
    double first = -1, later = -1;
    const char *p;
    pid_t w[4];
    app_t a;
    hgvd_t g;

    CU_ASSERT_EQUAL_FATAL(hgvd_start(&g, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(app_start(&a, "testsuite/unit/hardapp", "lost",
                                    &g, NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(app_wait(&a, "READY", 20));
    CU_ASSERT_EQUAL_FATAL(hgvd_workers(&g, w, 4), 1);
    kill(w[0], SIGKILL);
    CU_ASSERT_EQUAL(write(a.in, "go\n", 3), 3);
    p = app_wait(&a, "FIRST ", 10);
    CU_ASSERT(p != NULL && sscanf(p, "cudaErrorDevicesUnavailable %lf",
                                  &first) == 1);
    p = app_wait(&a, "LATER ", 10);
    CU_ASSERT(p != NULL && sscanf(p, "cudaErrorDevicesUnavailable %lf",
                                  &later) == 1);
    CU_ASSERT(first >= 0 && first < 5000);
    CU_ASSERT(later >= 0 && later < 10);
    printf("\n      first call %.1f ms, later calls at most %.3f ms\n",
           first, later);
    CU_ASSERT_EQUAL(app_finish(&a), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(a.buf, "this and every later call"));
    /* gvd reaped it and serves a new client. */
    CU_ASSERT(hgvd_wait_workers(&g, 0, 3) >= 0);
    CU_ASSERT(hgvd_alive(&g));
    CU_ASSERT_EQUAL(app_start(&a, "testsuite/unit/simapp", "copies", &g,
                              NULL), 0);
    CU_ASSERT_EQUAL(app_finish(&a), 0);
    CU_ASSERT_EQUAL(hgvd_stop(&g), 0);
}

/* A stalled worker (SIGSTOP): with GVIRTUS_TIMEOUT=1s the client gets
 * its error after about a second, and says why.  mode: hardapp's, with
 * the size of the copy that meets the stall. */
static void stalled_case(const char *mode)
{
    double first = -1;
    const char *p;
    pid_t w[4];
    app_t a;
    hgvd_t g;

    CU_ASSERT_EQUAL_FATAL(hgvd_start(&g, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(app_start(&a, "testsuite/unit/hardapp", mode,
                                    &g, "GVIRTUS_TIMEOUT=1s"), 0);
    CU_ASSERT_PTR_NOT_NULL(app_wait(&a, "READY", 20));
    CU_ASSERT_EQUAL_FATAL(hgvd_workers(&g, w, 4), 1);
    kill(w[0], SIGSTOP);
    CU_ASSERT_EQUAL(write(a.in, "go\n", 3), 3);
    p = app_wait(&a, "FIRST ", 10);
    CU_ASSERT(p != NULL && sscanf(p, "cudaErrorDevicesUnavailable %lf",
                                  &first) == 1);
    CU_ASSERT(first >= 900 && first < 3000);
    printf("\n      stalled worker (%s): error after %.0f ms\n", mode, first);
    app_wait(&a, "LATER ", 30);
    CU_ASSERT_EQUAL(app_finish(&a), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(a.buf, "within 1000 ms"));
    CU_ASSERT_PTR_NOT_NULL(strstr(a.buf, "timed out"));
    kill(w[0], SIGKILL);
    kill(w[0], SIGCONT);
    CU_ASSERT(hgvd_wait_workers(&g, 0, 3) >= 0);
    CU_ASSERT_EQUAL(hgvd_stop(&g), 0);
}

static void test_stalled_worker_times_out(void)
{
    stalled_case("lost");
}

/* Regression: a copy larger than the worker's staging chunk waited for
 * its sends without a limit, so a stalled worker hung the client
 * forever whatever GVIRTUS_TIMEOUT said. */
static void test_stalled_worker_big_copy_times_out(void)
{
    stalled_case("lost 64");
}

/* gvd stopped (cleanly, then killed) and started again on the same
 * port: new clients are served. */
static void test_gvd_restart_serves_new_clients(void)
{
    app_t a;
    hgvd_t g;
    int st;

    CU_ASSERT_EQUAL_FATAL(hgvd_start(&g, NULL), 0);
    CU_ASSERT_EQUAL(app_start(&a, "testsuite/unit/simapp", "copies", &g,
                              NULL), 0);
    CU_ASSERT_EQUAL(app_finish(&a), 0);
    kill(g.pid, SIGTERM);
    waitpid(g.pid, &st, 0);
    CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    CU_ASSERT_EQUAL_FATAL(hgvd_run(&g), 0);
    CU_ASSERT_EQUAL(app_start(&a, "testsuite/unit/simapp", "copies", &g,
                              NULL), 0);
    CU_ASSERT_EQUAL(app_finish(&a), 0);
    /* A crash, with a client connected. */
    CU_ASSERT_EQUAL(app_start(&a, "testsuite/unit/hardapp", "idle", &g,
                              NULL), 0);
    CU_ASSERT_PTR_NOT_NULL(app_wait(&a, "READY", 20));
    kill(g.pid, SIGKILL);
    waitpid(g.pid, &st, 0);
    CU_ASSERT_EQUAL_FATAL(hgvd_run(&g), 0);
    {
        app_t b;
        CU_ASSERT_EQUAL(app_start(&b, "testsuite/unit/simapp", "copies", &g,
                                  NULL), 0);
        CU_ASSERT_EQUAL(app_finish(&b), 0);
    }
    kill(a.pid, SIGKILL);
    app_finish(&a);
    CU_ASSERT_EQUAL(hgvd_stop(&g), 0);
}

/* gvPeerOpen on c: its link end (address copied into addr). */
static int peer_open(hcli_t *c, gvx_peer_link_t *l, uint8_t *addr,
                     size_t cap)
{
    gvc_dec_t d;

    if (hcall(c, GV_API_gvPeerOpen, NULL) != 0) {
        return -1;
    }
    gvc_dec_init(&d, c->rargs, c->rargs_len);
    if (gvx_peer_link_unpack(&d, l) != 0 || l->addr_len > cap) {
        return -1;
    }
    memcpy(addr, l->addr, l->addr_len);
    l->addr = addr;
    return 0;
}

static int64_t peer_connect(hcli_t *c, uint32_t link,
                            const gvx_peer_link_t *other,
                            const uint8_t *token)
{
    gvx_peer_link_t a = *other;
    gvc_enc_t *e = hargs();

    a.link = link;
    memcpy(a.token, token, sizeof(a.token));
    gvx_peer_link_pack(e, &a);
    return hcall(c, GV_API_gvPeerConnect, e);
}

static int64_t peer_put(hcli_t *c, uint32_t link, uint64_t dst,
                        uint64_t src, uint64_t n)
{
    gvx_peer_put_t a = { .link = link, .dst = dst, .src = src, .total = n };
    gvc_enc_t *e = hargs();

    gvx_peer_put_pack(e, &a);
    return hcall(c, GV_API_gvPeerPut, e);
}

/*
 * Peer links (worker to worker copies): x and y are two workers of one
 * raw client, v another client.  A link works with the right tokens;
 * a chunk carrying a forged token, a destination or source that is not
 * the worker's own client's memory, ranges past the end, unknown or
 * reused link numbers are refused with cudaErrorInvalidValue, nothing
 * is written, and every worker goes on serving.
 */
static void test_peer_links_forged(void)
{
    static uint8_t addr_x[GVC_PROTO_MAX_ADDR], addr_y[GVC_PROTO_MAX_ADDR];
    uint8_t data[4096], back[4096], forged[GVX_PEER_TOKEN];
    gvx_peer_link_t lx, ly;
    uint64_t px, py, pv = 0;
    hcli_t x, y, v;
    hgvd_t g;

    CU_ASSERT_EQUAL_FATAL(hgvd_start(&g, NULL), 0);
    CU_ASSERT_EQUAL_FATAL(hcli_open(&x, g.port), 0);
    CU_ASSERT_EQUAL_FATAL(hcli_open(&y, g.port), 0);
    CU_ASSERT_EQUAL_FATAL(hcli_open(&v, g.port), 0);
    px = hmalloc(&x, 4096, NULL);
    py = hmalloc(&y, 4096, NULL);
    /* v's pointer must be foreign to x and y (see forged_pointers). */
    for (int i = 0; i < 8; i++) {
        pv = hmalloc(&v, 4096, NULL);
        if ((pv + 4096 <= px || pv >= px + 4096) &&
            (pv + 4096 <= py || pv >= py + 4096)) {
            break;
        }
    }
    CU_ASSERT_FATAL(px != 0 && py != 0 && pv != 0);
    memset(data, 0x3c, sizeof(data));
    CU_ASSERT_EQUAL(hh2d(&x, px, data, 4096, 0, 0), 0);
    CU_ASSERT_EQUAL(hmemset(&y, py, 0, 4096), 0);

    CU_ASSERT_EQUAL_FATAL(peer_open(&x, &lx, addr_x, sizeof(addr_x)), 0);
    CU_ASSERT_EQUAL_FATAL(peer_open(&y, &ly, addr_y, sizeof(addr_y)), 0);
    CU_ASSERT(memcmp(lx.token, ly.token, GVX_PEER_TOKEN) != 0);
    /* x sends y's own token; y sends x a forged one. */
    memcpy(forged, lx.token, sizeof(forged));
    forged[0] ^= 1;
    CU_ASSERT_EQUAL(peer_connect(&x, lx.link, &ly, ly.token), 0);
    CU_ASSERT_EQUAL(peer_connect(&y, ly.link, &lx, forged), 0);
    CU_ASSERT_EQUAL(peer_connect(&x, lx.link, &ly, ly.token),
                    cudaErrorInvalidValue); /* already connected */
    CU_ASSERT_EQUAL(peer_connect(&x, 77, &ly, ly.token),
                    cudaErrorInvalidValue);

    /* The right token: x's memory lands in y's. */
    CU_ASSERT_EQUAL(peer_put(&x, lx.link, py, px, 4096), 0);
    CU_ASSERT_EQUAL(hd2h(&y, py, back, 4096, sizeof(back)), 0);
    CU_ASSERT_EQUAL(memcmp(back, data, sizeof(back)), 0);

    /* A forged token: x refuses the chunk; px is untouched. */
    CU_ASSERT_EQUAL(hmemset(&y, py, 0x11, 4096), 0);
    CU_ASSERT_EQUAL(peer_put(&y, ly.link, px, py, 4096),
                    cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(hd2h(&x, px, back, 4096, sizeof(back)), 0);
    CU_ASSERT_EQUAL(memcmp(back, data, sizeof(back)), 0);

    /* Another client's memory, as destination or source. */
    CU_ASSERT_EQUAL(peer_put(&x, lx.link, pv, px, 16),
                    cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(peer_put(&x, lx.link, py, pv, 16),
                    cudaErrorInvalidValue);
    /* Past the end on either side; nowhere; no such link. */
    CU_ASSERT_EQUAL(peer_put(&x, lx.link, py + 1, px, 4096),
                    cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(peer_put(&x, lx.link, py, px + 1, 4096),
                    cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(peer_put(&x, lx.link, 0x7f0000123000ull, px, 16),
                    cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(peer_put(&x, 0, py, px, 16), cudaErrorInvalidValue);
    CU_ASSERT_EQUAL(peer_put(&x, 999, py, px, 16), cudaErrorInvalidValue);
    /* Malformed arguments. */
    {
        gvc_enc_t *e = hargs();
        gvc_enc_u32(e, lx.link);
        CU_ASSERT_EQUAL(hcall(&x, GV_API_gvPeerPut, e),
                        cudaErrorInvalidValue);
        e = hargs();
        gvc_enc_u32(e, lx.link);
        CU_ASSERT_EQUAL(hcall(&x, GV_API_gvPeerConnect, e),
                        cudaErrorInvalidValue);
    }
    /* The link still copies after every refusal; v's memory is v's. */
    CU_ASSERT_EQUAL(hmemset(&y, py, 0, 4096), 0);
    CU_ASSERT_EQUAL(peer_put(&x, lx.link, py, px, 4096), 0);
    CU_ASSERT_EQUAL(hd2h(&y, py, back, 4096, sizeof(back)), 0);
    CU_ASSERT_EQUAL(memcmp(back, data, sizeof(back)), 0);
    CU_ASSERT(halive(&x) && halive(&y) && halive(&v));
    hcli_close(&v);
    hcli_close(&y);
    hcli_close(&x);
    CU_ASSERT_EQUAL(hgvd_stop(&g), 0);
}

static const gvtest_case_t validation_cases[] = {
    { "forged_pointers_two_clients", test_forged_pointers_two_clients },
    { "forged_streams_events_graphs", test_forged_streams_events_graphs },
    { "absurd_lengths_and_counts", test_absurd_lengths_and_counts },
    { "truncated_and_trailing_args", test_truncated_and_trailing_args },
    { "unknown_api_ids", test_unknown_api_ids },
    { "bad_magic_drops_worker", test_bad_magic_drops_worker },
    { "bad_version_drops_worker", test_bad_version_drops_worker },
    { "bad_lengths_drops_worker", test_bad_lengths_drops_worker },
    { "reordered_drops_worker", test_reordered_drops_worker },
    { "replayed_drops_worker", test_replayed_drops_worker },
    { "stray_reply_drops_worker", test_stray_reply_drops_worker },
    { "bad_short_headers_drop_worker", test_bad_short_headers_drop_worker },
    { "batch_overrun_drops_worker", test_batch_overrun_drops_worker },
    { "batch_with_reply_drops_worker", test_batch_with_reply_drops_worker },
    { "batch_reordered_drops_worker", test_batch_reordered_drops_worker },
    { "malformed_batch_drops_worker", test_malformed_batch_drops_worker },
    { "peer_links_forged", test_peer_links_forged },
    { NULL, NULL }
};

static const gvtest_case_t quota_cases[] = {
    { "every_allocation_call", test_quota_every_allocation_call },
    { "counts_pitched_bytes", test_quota_counts_pitched_bytes },
    { "pitch_overflow_refused", test_pitch_overflow_refused },
    { NULL, NULL }
};

static const gvtest_case_t failure_cases[] = {
    { "killed_client_mid_transfer", test_killed_client_mid_transfer },
    { "killed_worker_fails_fast", test_killed_worker_fails_fast },
    { "stalled_worker_times_out", test_stalled_worker_times_out },
    { "stalled_worker_big_copy_times_out",
      test_stalled_worker_big_copy_times_out },
    { "gvd_restart_serves_new_clients", test_gvd_restart_serves_new_clients },
    { NULL, NULL }
};

int main(int argc, char **argv)
{
    static const gvtest_suite_t suites[] = {
        { "validation", NULL, NULL, validation_cases },
        { "quota", NULL, NULL, quota_cases },
        { "failure", NULL, NULL, failure_cases },
        { NULL, NULL, NULL, NULL }
    };

    signal(SIGPIPE, SIG_IGN);
    gvc_log_init("test", GVC_LOG_FATAL);
    return gvtest_main(argc, argv, suites);
}
