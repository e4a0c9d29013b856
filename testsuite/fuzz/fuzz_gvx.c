/*
 * fuzz_gvx.c - the unpackers of the hand-written RPCs (lib/gvx.c).
 *
 * Input: one byte picks the record, the rest is its argument blob.  An
 * unpack that succeeds must give a record that packs, unpacks again and
 * packs to the same bytes (so what the worker accepted is what it meant),
 * and whose counts agree with its views.
 */
#include "config.h"

#include "fuzz.h"
#include "gvx.h"
#include "gvc_log.h"

/* Big enough for any record: kernel info with GVX_MAX_PARAMS params. */
#define BUF (2 * 4 * GVX_MAX_PARAMS + 40000)

static uint8_t b1[BUF], b2[BUF];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    gvc_log_init("fuzz", GVC_LOG_OFF);
    return 0;
}

/* Pack with pack(rec) into b1, unpack into rec2, pack into b2: equal. */
#define ROUND_TRIP(type, pack, unpack, rec)                                   \
    do {                                                                      \
        static type rec2_;                                                    \
        gvc_enc_t e1_, e2_;                                                   \
        gvc_dec_t d_;                                                         \
        gvc_enc_init(&e1_, b1, BUF);                                          \
        pack(&e1_, (rec));                                                    \
        FZ_CHECK(e1_.status == GVC_OK);                                       \
        gvc_dec_init(&d_, b1, e1_.len);                                       \
        FZ_CHECK(unpack(&d_, &rec2_) == 0);                                   \
        gvc_enc_init(&e2_, b2, BUF);                                          \
        pack(&e2_, &rec2_);                                                   \
        FZ_CHECK(e2_.status == GVC_OK && e2_.len == e1_.len);                 \
        FZ_CHECK(memcmp(b1, b2, e1_.len) == 0);                               \
    } while (0)

static void view_in(const void *v, size_t len, const uint8_t *p, size_t n)
{
    if (v == NULL) {
        FZ_CHECK(len == 0);
        return;
    }
    FZ_CHECK((const uint8_t *)v >= p && (const uint8_t *)v <= p + n);
    FZ_CHECK(len <= (size_t)(p + n - (const uint8_t *)v));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static gvx_kernel_info_t info; /* 8 KiB: not on the stack */
    fz_t f = { data, size };
    uint8_t which = fz_u8(&f);
    const uint8_t *p = f.p;
    size_t n = f.n;
    gvx_copy_t cp;
    gvx_copy3d_t c3;
    gvx_acopy_t ac;
    gvx_module_t mod;
    gvx_kernel_req_t kr;
    gvx_launch_t la;
    gvx_symbol_t sym;
    gvx_hostfn_t hf;
    gvc_dec_t d;

    gvc_dec_init(&d, p, n);
    switch (which % 9) {
    case 0:
        if (gvx_copy_unpack(&d, &cp) == 0) {
            FZ_CHECK(cp.offset <= cp.total && cp.len <= cp.total - cp.offset);
            ROUND_TRIP(gvx_copy_t, gvx_copy_pack, gvx_copy_unpack, &cp);
        }
        break;
    case 1:
        if (gvx_copy3d_unpack(&d, &c3) == 0) {
            ROUND_TRIP(gvx_copy3d_t, gvx_copy3d_pack, gvx_copy3d_unpack, &c3);
        }
        break;
    case 2:
        if (gvx_module_unpack(&d, &mod) == 0) {
            ROUND_TRIP(gvx_module_t, gvx_module_pack, gvx_module_unpack,
                       &mod);
        }
        break;
    case 3:
        if (gvx_kernel_req_unpack(&d, &kr) == 0) {
            FZ_CHECK(kr.name != NULL);
            view_in(kr.name, strlen(kr.name) + 1, p, n);
            ROUND_TRIP(gvx_kernel_req_t, gvx_kernel_req_pack,
                       gvx_kernel_req_unpack, &kr);
        }
        break;
    case 4:
        if (gvx_kernel_info_unpack(&d, &info) == 0) {
            FZ_CHECK(info.n_params <= GVX_MAX_PARAMS);
            ROUND_TRIP(gvx_kernel_info_t, gvx_kernel_info_pack,
                       gvx_kernel_info_unpack, &info);
        }
        break;
    case 5:
        if (gvx_launch_unpack(&d, &la) == 0) {
            FZ_CHECK(la.params_len <= GVX_MAX_PARAM_BYTES);
            FZ_CHECK(la.n_attrs <= 64);
            view_in(la.params, la.params_len, p, n);
            view_in(la.attrs, (size_t)la.n_attrs * GVX_ATTR_SIZE, p, n);
            ROUND_TRIP(gvx_launch_t, gvx_launch_pack, gvx_launch_unpack,
                       &la);
        }
        break;
    case 6:
        if (gvx_symbol_unpack(&d, &sym) == 0) {
            ROUND_TRIP(gvx_symbol_t, gvx_symbol_pack, gvx_symbol_unpack,
                       &sym);
        }
        break;
    case 7:
        if (gvx_hostfn_unpack(&d, &hf) == 0) {
            ROUND_TRIP(gvx_hostfn_t, gvx_hostfn_pack, gvx_hostfn_unpack,
                       &hf);
        }
        break;
    case 8:
        if (gvx_acopy_unpack(&d, &ac) == 0) {
            FZ_CHECK(ac.dst.type == GVX_SIDE_ARRAY ||
                     ac.src.type == GVX_SIDE_ARRAY);
            ROUND_TRIP(gvx_acopy_t, gvx_acopy_pack, gvx_acopy_unpack, &ac);
        }
        break;
    }
    return 0;
}
