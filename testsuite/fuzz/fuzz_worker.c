/*
 * fuzz_worker.c - a gvd worker's request path, in process: arbitrary
 * requests go through gvd_client_recv() -> gvd_api_find() -> every
 * generated and hand-written handler, against the simulated runtime
 * (libgvdsim, loaded by the real backend code with device = sim).  The
 * transport is fake_gvt.c: no UCX, replies are checked and dropped.
 *
 * Each input is a fresh client (empty handle and memory tables, new
 * staging buffers) and a sequence of up to MAX_MSGS requests:
 *
 *   u16 sel        the API: the sel % n-th id the worker dispatches;
 *                  0xffff: a raw u32 id follows (unknown ids too)
 *   u8  flags      bit 0: one-way
 *   u16 args_len   argument bytes that follow (fewer if the input ends)
 *   u32 data_len   bulk payload, at most MAX_DATA
 *   u8  data_src   0: the payload is the next data_len input bytes;
 *                  else every payload byte is data_src
 *   args, then the payload when it comes from the input
 *
 * To reach past the handle checks the fuzzer may name what the client
 * was given earlier: any 8 argument bytes that read (little-endian) as
 * 0xFEED TT KK OOOOOOOO become the KK-th handle of type TT (gvd_htype_t)
 * this input's client was ever given (freed ones included), or for TT
 * 0xff the KK-th device allocation's base plus the signed offset O.
 *
 * Checked after every request: a request that waits for an answer got
 * exactly one reply, a one-way one at most one; at the end of the input
 * every staging registration was undone.
 */
#include "config.h"

#include "fake_gvt.h"
#include "fuzz.h"
#include "gvd_backend.h"
#include "gvd_client.h"
#include "gvd_hand.h"
#include "gvc_log.h"

#if __has_include("gv_api_cuda.h")
#include "gv_api_cuda.h"
#endif
#if __has_include("gv_api_nvml.h")
#include "gv_api_nvml.h"
#endif
#if __has_include("gv_api_cublas.h")
#include "gv_api_cublas.h"
#endif
#if __has_include("gv_api_cublaslt.h")
#include "gv_api_cublaslt.h"
#endif
#if __has_include("gv_api_cudnn.h")
#include "gv_api_cudnn.h"
#endif
#if __has_include("gv_api_curand.h")
#include "gv_api_curand.h"
#endif
#if __has_include("gv_api_cusolver.h")
#include "gv_api_cusolver.h"
#endif
#if __has_include("gv_api_cufft.h")
#include "gv_api_cufft.h"
#endif
#if __has_include("gv_api_nvrtc.h")
#include "gv_api_nvrtc.h"
#endif
#if __has_include("gv_api_cusparse.h")
#include "gv_api_cusparse.h"
#endif

#include <libgen.h>
#include <limits.h>
#include <unistd.h>

#define MAX_MSGS 64
#define MAX_DATA ((uint32_t)1 << 20)
#define HIST     64
#define MARK     0xfeedu

static const uint32_t all_ids[] = {
#define ID(id, name) id,
    GV_API_CUDART_LIST(ID)
#ifdef GV_API_CUDA_LIST
    GV_API_CUDA_LIST(ID)
#endif
#ifdef GV_API_NVML_LIST
    GV_API_NVML_LIST(ID)
#endif
#ifdef GV_API_CUBLAS_LIST
    GV_API_CUBLAS_LIST(ID)
#endif
#ifdef GV_API_CUBLASLT_LIST
    GV_API_CUBLASLT_LIST(ID)
#endif
#ifdef GV_API_CUDNN_LIST
    GV_API_CUDNN_LIST(ID)
#endif
#ifdef GV_API_CURAND_LIST
    GV_API_CURAND_LIST(ID)
#endif
#ifdef GV_API_CUSOLVER_LIST
    GV_API_CUSOLVER_LIST(ID)
#endif
#ifdef GV_API_CUFFT_LIST
    GV_API_CUFFT_LIST(ID)
#endif
#ifdef GV_API_NVRTC_LIST
    GV_API_NVRTC_LIST(ID)
#endif
#ifdef GV_API_CUSPARSE_LIST
    GV_API_CUSPARSE_LIST(ID)
#endif
#undef ID
};

static uint32_t ids[sizeof(all_ids) / sizeof(all_ids[0])];
static size_t n_ids;
static gvd_config_t cfg;
static gvd_backend_t *be;

/* What this input's client was given, in order (t == GVD_H_MAX: memory
 * allocations' bases). */
static uintptr_t hist[GVD_H_MAX + 1][HIST];
static unsigned n_hist[GVD_H_MAX + 1];

/*
 * The values in a gvc_ptrset's slots: gvc_tables.c stores v as v + 2 (0
 * and 1 mark empty and deleted slots).  ptrset_selftest() checks this at
 * start, so a change there fails loudly here.
 */
static uintptr_t slot_value(uintptr_t k)
{
    return k - 2;
}

static int slot_used(uintptr_t k)
{
    return k > 1;
}

static void ptrset_selftest(void)
{
    gvc_ptrset_t s;
    int found = 0;

    gvc_ptrset_init(&s);
    FZ_CHECK(gvc_ptrset_add(&s, 0x1234560) == 0);
    for (size_t i = 0; i < s.cap; i++) {
        if (slot_used(s.slots[i])) {
            FZ_CHECK(slot_value(s.slots[i]) == 0x1234560);
            found++;
        }
    }
    FZ_CHECK(found == 1);
    gvc_ptrset_fini(&s);
}

static void sim_path(char *buf, size_t len)
{
    const char *b = getenv("GVTEST_BUILDDIR");
    char exe[PATH_MAX];
    ssize_t n;

    if (getenv("FUZZ_GVDSIM") != NULL) {
        snprintf(buf, len, "%s", getenv("FUZZ_GVDSIM"));
        return;
    }
    if (b != NULL) {
        snprintf(buf, len, "%s/gvd/.libs/libgvdsim.so", b);
        return;
    }
    /* builddir/testsuite/fuzz/fuzz_worker -> builddir/gvd/.libs */
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = '\0';
    snprintf(buf, len, "%s/../../gvd/.libs/libgvdsim.so",
             dirname(dirname(exe)));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char sim[PATH_MAX], text[PATH_MAX + 512], err[512];
    fake_gvt_ids_t fids = { GV_API_gvHostFnRun, GV_API_gvHostFnDone };

    (void)argc;
    (void)argv;
    gvc_log_init("fuzz", getenv("FUZZ_VERBOSE") ? GVC_LOG_DEBUG
                                                : GVC_LOG_OFF);
    fake_gvt_init(&fids);
    ptrset_selftest();
    sim_path(sim, sizeof(sim) - 1);
    snprintf(text, sizeof(text),
             "[gvd]\ndevice = sim\nsim_runtime = %s\nsim_memory = 64M\n"
             "memory_limit = 32M\nstaging_chunk = 64K\nstaging_count = 2\n"
             "cache_dir = \n", sim);
    if (gvd_config_load_text(&cfg, text, err, sizeof(err)) != GVC_OK ||
        gvd_backend_open(&cfg, &be, err, sizeof(err)) != GVC_OK) {
        fprintf(stderr, "fuzz_worker: %s\n", err);
        exit(1);
    }
    for (size_t i = 0; i < sizeof(all_ids) / sizeof(all_ids[0]); i++) {
        if (gvd_api_find(all_ids[i]) != NULL) {
            ids[n_ids++] = all_ids[i];
        }
    }
    return 0;
}

static void hist_add(int t, uintptr_t v)
{
    for (unsigned i = 0; i < n_hist[t]; i++) {
        if (hist[t][i] == v) {
            return;
        }
    }
    if (n_hist[t] < HIST) {
        hist[t][n_hist[t]++] = v;
    }
}

static void hist_update(const gvd_client_t *cl)
{
    for (int t = 0; t < GVD_H_MAX; t++) {
        const gvc_ptrset_t *s = &cl->handles[t];
        for (size_t i = 0; i < s->cap; i++) {
            if (slot_used(s->slots[i])) {
                hist_add(t, slot_value(s->slots[i]));
            }
        }
    }
    for (size_t i = 0; i < cl->mem.n; i++) {
        hist_add(GVD_H_MAX, cl->mem.r[i].base);
    }
}

/* Replace the markers in args (see the top of the file). */
static void substitute(uint8_t *a, size_t n)
{
    for (size_t i = 0; i + 8 <= n; i++) {
        uint64_t v, t, k;
        int32_t off;
        memcpy(&v, a + i, 8);
        if (v >> 48 != MARK) {
            continue;
        }
        t = (v >> 40) & 0xff;
        k = (v >> 32) & 0xff;
        off = (int32_t)(uint32_t)v;
        if (t == 0xff) {
            t = GVD_H_MAX;
        } else if (t >= GVD_H_MAX) {
            continue;
        }
        if (n_hist[t] == 0) {
            continue;
        }
        v = hist[t][k % n_hist[t]];
        if (t == GVD_H_MAX) {
            v += (uint64_t)(int64_t)off;
        }
        memcpy(a + i, &v, 8);
        i += 7;
    }
}

static void client_setup(gvd_client_t *cl)
{
    gvt_conn_params_t cp = {
        .name = "fuzz", .recv_cb = gvd_client_recv,
        .data_cb = gvd_staging_data_cb, .urgent_cb = gvd_client_urgent,
        .arg = cl,
    };

    memset(cl, 0, sizeof(*cl));
    cl->cfg = &cfg;
    cl->be = be;
    cl->ctl_fd = -1;
    cl->ctr = gvd_counters_attach(-1);
    snprintf(cl->name, sizeof(cl->name), "fuzz");
    for (int i = 0; i < GVD_H_MAX; i++) {
        gvc_ptrset_init(&cl->handles[i]);
    }
    gvc_rangeset_init(&cl->mem);
    if (gvt_ctx_create("fuzz", &cl->ctx) != GVC_OK ||
        gvt_conn_create(cl->ctx, &cp, &cl->conn) != GVC_OK) {
        abort();
    }
    gvd_staging_init(cl);
    memset(n_hist, 0, sizeof(n_hist));
    fake_gvt_reset();
}

/* What the worker's exit (and the driver) would free. */
static void client_teardown(gvd_client_t *cl)
{
    const gvd_rt_t *rt = &be->rt;

    gvd_hostfn_fini(cl);
    gvd_notify_fini(cl);
    gvd_fd_fini();
    gvd_solver_fini(cl);
    gvd_fft_fini(cl);
    gvd_dnn_fini(cl);
    gvd_rand_fini(cl);
    gvd_rtc_fini(cl);
    gvd_sparse_fini(cl);
    gvd_blas_fini(cl);
    gvd_peer_fini(cl);
    gvd_kernels_fini(cl);
    gvd_staging_fini(cl);
    FZ_CHECK(cl->d2h_head == NULL);
    if (rt->cudaDeviceReset != NULL) {
        /* The simulator frees its allocations, streams, events, graphs. */
        rt->cudaDeviceReset();
    }
    for (int i = 0; i < GVD_H_MAX; i++) {
        gvc_ptrset_fini(&cl->handles[i]);
    }
    gvc_rangeset_fini(&cl->mem);
    gvt_conn_destroy(cl->conn);
    gvt_ctx_destroy(cl->ctx);
    FZ_CHECK(fake_gvt_live_memh() == 0);
}

/* One request, delivered as gvt_rx.c would: payload placed by the data
 * callback (or transport memory), then the receive callback. */
static void deliver(gvd_client_t *cl, gvc_wire_hdr_t *h, const uint8_t *args,
                    const uint8_t *data, uint8_t fill)
{
    gvt_memh_t *memh = NULL;
    void *cookie = NULL, *owned = NULL, *buf = NULL;
    unsigned replies;
    gvt_msg_t msg;

    if (h->data_len > 0) {
        buf = gvd_staging_data_cb(cl->conn, h, args, cl, &memh, &cookie);
        if (buf == NULL) {
            buf = owned = malloc(h->data_len);
            FZ_CHECK(buf != NULL);
        }
        if (data != NULL) {
            memcpy(buf, data, h->data_len);
        } else {
            memset(buf, fill, h->data_len);
        }
    }
    msg.hdr = *h;
    msg.args = args;
    msg.data = buf;
    msg.data_cookie = cookie;
    gvd_client_recv(cl->conn, &msg, cl);
    free(owned);
    gvd_d2h_progress(cl);
    replies = fake_gvt_replies(h->call_id);
    if (h->flags & GVC_WF_ONEWAY) {
        FZ_CHECK(replies <= 1);
    } else {
        FZ_CHECK(replies == 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *input, size_t size)
{
    static uint8_t args[65536];
    fz_t f = { input, size };
    gvd_client_t cl;
    gvc_wire_hdr_t h;
    uint32_t seq = 0;

    client_setup(&cl);
    for (int m = 0; m < MAX_MSGS && f.n > 0; m++) {
        uint16_t sel = fz_u16(&f);
        uint32_t api = sel == 0xffff ? fz_u32(&f) : ids[sel % n_ids];
        uint8_t flags = fz_u8(&f), src;
        size_t alen = fz_u16(&f), got;
        uint32_t dlen = fz_u32(&f);
        const uint8_t *data = NULL;

        src = fz_u8(&f);
        if (dlen > MAX_DATA) {
            dlen %= MAX_DATA + 1;
        }
        const uint8_t *a = fz_take(&f, alen, &got);
        memcpy(args, a, got);
        alen = got;
        if (src == 0) {
            data = fz_take(&f, dlen, &got);
            dlen = (uint32_t)got;
        }
        substitute(args, alen);
        gvc_wire_hdr_init(&h, api, (flags & 1) ? GVC_WF_ONEWAY : 0,
                          (uint64_t)m + 1);
        h.args_len = (uint32_t)alen;
        h.data_len = dlen;
        h.seq = seq++;
        deliver(&cl, &h, args, data, src);
        hist_update(&cl);
    }
    client_teardown(&cl);
    return 0;
}
