/*
 * test_registry_proto.c - registry pieces that need no daemon: the
 * protocol records (every message, both directions), lease credentials,
 * key files, the authentication handshake in each mode, and the
 * configuration files.
 */
#include "config.h"

#include "gvtest.h"
#include "test_registry_util.h"
#include "gvc_config.h"
#include "gvc_ctl.h"
#include "gvr_auth.h"
#include "gvr_client.h"
#include "gvr_cred.h"
#include "gvr_proto.h"
#include "gvr_regd_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- a generic record filler/comparer over the layouts -----------------*/

static unsigned rnd_state = 12345;

static unsigned rnd(void)
{
    rnd_state = rnd_state * 1103515245u + 12345u;
    return rnd_state >> 8;
}

static void fill_record(const gvr_layout_t *l, void *obj);

static void fill_string(char *dst, size_t maxlen)
{
    size_t n = maxlen ? rnd() % (maxlen + 1) : 0;

    for (size_t i = 0; i < n; i++) {
        dst[i] = "abcdefghijklmnopqrstuvwxyz0123456789-._"[rnd() % 39];
    }
    dst[n] = '\0';
}

static void fill_array(const gvr_field_t *f, char *base)
{
    uint32_t n = rnd() % (f->max < 5 ? f->max + 1 : 5);
    char *elems = n ? calloc(n, f->size) : NULL;

    for (uint32_t i = 0; i < n; i++) {
        fill_record(f->sub, elems + (size_t)i * f->size);
    }
    *(char **)(base + f->offset) = elems;
    *(uint32_t *)(base + f->count_off) = n;
}

static void fill_field(const gvr_field_t *f, char *base)
{
    char *p = base + f->offset;
    char *s;

    switch (f->type) {
    case GVR_FT_U8:  *(uint8_t *)p = (uint8_t)rnd(); break;
    case GVR_FT_U32: *(uint32_t *)p = rnd() * 7919u; break;
    case GVR_FT_I32: *(int32_t *)p = -(int32_t)(rnd() % 100000); break;
    case GVR_FT_U64: *(uint64_t *)p = (uint64_t)rnd() << 33 | rnd(); break;
    case GVR_FT_I64: *(int64_t *)p = -((int64_t)rnd() << 20); break;
    case GVR_FT_ENUM: *(int *)p = (int)(rnd() % (f->max + 1)); break;
    case GVR_FT_STR: fill_string(p, f->size - 1); break;
    case GVR_FT_PSTR:
        s = malloc(201);
        fill_string(s, f->max < 200 ? f->max : 200);
        *(char **)p = s;
        break;
    case GVR_FT_BLOB:
        for (size_t i = 0; i < f->size; i++) {
            p[i] = (char)rnd();
        }
        break;
    case GVR_FT_STRUCT: fill_record(f->sub, p); break;
    case GVR_FT_ARRAY: fill_array(f, base); break;
    case GVR_FT_NONE: break;
    }
}

static void fill_record(const gvr_layout_t *l, void *obj)
{
    for (size_t i = 0; i < l->n_fields; i++) {
        fill_field(&l->fields[i], obj);
    }
}

static int same_record(const gvr_layout_t *l, const void *a, const void *b);

static int same_field(const gvr_field_t *f, const char *a, const char *b)
{
    const char *pa = a + f->offset, *pb = b + f->offset;
    uint32_t na, nb;

    switch (f->type) {
    case GVR_FT_ENUM: return *(const int *)pa == *(const int *)pb;
    case GVR_FT_STR:  return strcmp(pa, pb) == 0;
    case GVR_FT_PSTR:
        return strcmp(*(char *const *)pa ? *(char *const *)pa : "",
                      *(char *const *)pb ? *(char *const *)pb : "") == 0;
    case GVR_FT_STRUCT: return same_record(f->sub, pa, pb);
    case GVR_FT_ARRAY:
        na = *(const uint32_t *)(a + f->count_off);
        nb = *(const uint32_t *)(b + f->count_off);
        if (na != nb) {
            return 0;
        }
        for (uint32_t i = 0; i < na; i++) {
            if (!same_record(f->sub, *(char *const *)pa + i * f->size,
                             *(char *const *)pb + i * f->size)) {
                return 0;
            }
        }
        return 1;
    case GVR_FT_NONE: return 1;
    default:          return memcmp(pa, pb, f->size) == 0;
    }
}

static int same_record(const gvr_layout_t *l, const void *a, const void *b)
{
    for (size_t i = 0; i < l->n_fields; i++) {
        if (!same_field(&l->fields[i], a, b)) {
            return 0;
        }
    }
    return 1;
}

/* Pack a random instance of l into buf; the record is freed. */
static size_t pack_random(const gvr_layout_t *l, uint8_t *buf, size_t cap,
                          void *copy_p)
{
    void *obj = calloc(1, l->size);
    size_t len = 0;

    fill_record(l, obj);
    CU_ASSERT_EQUAL_FATAL(gvr_pack(l, obj, buf, cap, &len), GVC_OK);
    CU_ASSERT_EQUAL(gvr_packed_size(l, obj), len);
    if (copy_p != NULL) {
        memcpy(copy_p, obj, l->size); /* the caller frees */
    } else {
        gvr_unpack_free(l, obj);
    }
    free(obj);
    return len;
}

/* ---- protocol ----------------------------------------------------------*/

static void test_every_message_round_trips(void)
{
    uint8_t *buf = malloc(GVC_CTL_MAX_ARGS);

    for (size_t m = 0; m < gvr_n_msgs; m++) {
        const gvr_layout_t *ls[2] = { gvr_msgs[m].req, gvr_msgs[m].rep };
        for (int dir = 0; dir < 2; dir++) {
            for (int round = 0; round < 20; round++) {
                const gvr_layout_t *l = ls[dir];
                void *a = calloc(1, l->size), *b = calloc(1, l->size);
                size_t len = pack_random(l, buf, GVC_CTL_MAX_ARGS, a);
                CU_ASSERT_EQUAL(gvr_unpack(l, buf, len, b), GVC_OK);
                CU_ASSERT_TRUE(same_record(l, a, b));
                gvr_unpack_free(l, a);
                gvr_unpack_free(l, b);
                free(a);
                free(b);
            }
        }
    }
    free(buf);
}

static void test_every_message_rejects_truncation(void)
{
    uint8_t *buf = malloc(GVC_CTL_MAX_ARGS);

    for (size_t m = 0; m < gvr_n_msgs; m++) {
        const gvr_layout_t *l = gvr_msgs[m].req;
        size_t len = pack_random(l, buf, GVC_CTL_MAX_ARGS, NULL);
        void *obj = calloc(1, l->size);
        for (size_t cut = 0; cut < len; cut++) {
            gvc_status_t st = gvr_unpack(l, buf, cut, obj);
            CU_ASSERT_NOT_EQUAL(st, GVC_OK);
        }
        /* and one byte too many */
        buf[len] = 0;
        CU_ASSERT_EQUAL(gvr_unpack(l, buf, len + 1, obj), GVC_ERR_PROTO);
        free(obj);
    }
    free(buf);
}

/* Flip bytes at random: decoding may fail or succeed, never crash or
 * leak (ASan/valgrind watch this one). */
static void test_garbled_input_never_crashes(void)
{
    uint8_t *buf = malloc(GVC_CTL_MAX_ARGS);
    unsigned ok = 0, bad = 0;

    for (int round = 0; round < 3000; round++) {
        const gvr_msg_desc_t *d = &gvr_msgs[rnd() % gvr_n_msgs];
        const gvr_layout_t *l = rnd() & 1 ? d->req : d->rep;
        size_t len = pack_random(l, buf, GVC_CTL_MAX_ARGS, NULL);
        void *obj = calloc(1, l->size);
        for (int k = 0; k < 4 && len > 0; k++) {
            buf[rnd() % len] ^= (uint8_t)(1u << (rnd() % 8));
        }
        if (gvr_unpack(l, buf, len, obj) == GVC_OK) {
            ok++;
            gvr_unpack_free(l, obj);
        } else {
            bad++;
        }
        free(obj);
    }
    CU_ASSERT_TRUE(bad > 0);
    free(buf);
}

static void test_unpack_rejects_lies(void)
{
    const gvr_msg_desc_t *node = gvr_msg_find(GVR_MSG_NODE_REGISTER);
    const gvr_msg_desc_t *alloc = gvr_msg_find(GVR_MSG_ALLOC);
    uint8_t buf[512];
    gvr_node_req_t nr;
    gvr_alloc_req_t ar;
    gvc_enc_t e;

    /* A node name longer than its field. */
    gvc_enc_init(&e, buf, sizeof(buf));
    gvc_enc_str(&e, "a-very-long-node-name-that-does-not-fit-in-the-sixty-"
                    "four-byte-field-of-the-record");
    CU_ASSERT_EQUAL(gvr_unpack(node->req, buf, e.len, &nr),
                    GVC_ERR_OVERFLOW);
    /* A GPU count over the limit. */
    gvc_enc_init(&e, buf, sizeof(buf));
    gvc_enc_str(&e, "n");
    gvc_enc_str(&e, "h");
    gvc_enc_u32(&e, 1);
    gvc_enc_str(&e, "");
    gvc_enc_u32(&e, GVR_MAX_NODE_GPUS + 1);
    CU_ASSERT_EQUAL(gvr_unpack(node->req, buf, e.len, &nr),
                    GVC_ERR_OVERFLOW);
    /* A count the remaining bytes cannot hold. */
    gvc_enc_init(&e, buf, sizeof(buf));
    gvc_enc_str(&e, "n");
    gvc_enc_str(&e, "h");
    gvc_enc_u32(&e, 1);
    gvc_enc_str(&e, "");
    gvc_enc_u32(&e, 60);
    CU_ASSERT_EQUAL(gvr_unpack(node->req, buf, e.len, &nr),
                    GVC_ERR_TRUNCATED);
    /* An enum out of range (mode 7). */
    memset(&ar, 0, sizeof(ar));
    strcpy(ar.job, "1");
    size_t len;
    CU_ASSERT_EQUAL(gvr_pack(alloc->req, &ar, buf, sizeof(buf), &len),
                    GVC_OK);
    buf[4 + 2 + 4 + 4 + 1 + 4] = 7; /* job "1", uid, user "", count, mode */
    CU_ASSERT_EQUAL(gvr_unpack(alloc->req, buf, len, &ar), GVC_ERR_PROTO);
    /* Pack refuses a string without its NUL and an enum out of range. */
    memset(ar.job, 'x', sizeof(ar.job));
    CU_ASSERT_EQUAL(gvr_pack(alloc->req, &ar, buf, sizeof(buf), &len),
                    GVC_ERR_INVALID);
    strcpy(ar.job, "1");
    ar.mode = (gvr_lease_mode_t)9;
    CU_ASSERT_EQUAL(gvr_pack(alloc->req, &ar, buf, sizeof(buf), &len),
                    GVC_ERR_INVALID);
    /* A buffer too small. */
    ar.mode = GVR_LEASE_SHARED;
    CU_ASSERT_EQUAL(gvr_pack(alloc->req, &ar, buf, 8, &len),
                    GVC_ERR_OVERFLOW);
}

static void test_message_table_is_consistent(void)
{
    for (size_t i = 0; i < gvr_n_msgs; i++) {
        CU_ASSERT_PTR_EQUAL(gvr_msg_find(gvr_msgs[i].id), &gvr_msgs[i]);
        CU_ASSERT_PTR_NOT_NULL(gvr_msgs[i].req);
        CU_ASSERT_PTR_NOT_NULL(gvr_msgs[i].rep);
    }
    CU_ASSERT_EQUAL(gvr_n_msgs, GVR_MSG_END_ - GVR_MSG_HELLO);
    CU_ASSERT_PTR_NULL(gvr_msg_find(0));
    CU_ASSERT_PTR_NULL(gvr_msg_find(GVR_MSG_END_));
}

static void test_servers_string(void)
{
    gvr_lease_gpu_t g[3] = {
        { "n1", "gpu01.example", 7600, 0, "GPU-1" },
        { "n1", "gpu01.example", 7600, 3, "GPU-2" },
        { "n2", "fe80::1", 7601, 1, "GPU-3" },
    };
    gvr_lease_t l = { .n_gpus = 3, .gpus = g };
    char *s = NULL;

    CU_ASSERT_EQUAL(gvr_lease_servers(&l, &s), 0);
    CU_ASSERT_STRING_EQUAL(s, "gpu01.example:7600#0,gpu01.example:7600#3,"
                              "[fe80::1]:7601#1");
    free(s);
}

/* ---- lease credentials -------------------------------------------------*/

static void make_key(gvr_key_t *k, char fill)
{
    memset(k, 0, sizeof(*k));
    k->len = 32;
    memset(k->bytes, fill, 32);
}

static char *make_cred(const gvr_key_t *k, int64_t expires)
{
    gvr_lease_gpu_t g[2] = { { "n1", "h1", 7600, 0, "GPU-aaa" },
                             { "n2", "h2", 7600, 1, "GPU-bbb" } };
    gvr_lease_t l = { .id = 42, .job = "1234", .uid = 1000,
                      .mode = GVR_LEASE_SHARED, .mem_cap = 8ull << 30,
                      .expires_ms = expires, .n_gpus = 2, .gpus = g };
    char *cred = NULL;

    CU_ASSERT_EQUAL(gvr_cred_make(k, &l, &cred), GVC_OK);
    return cred;
}

static void test_cred_verifies_and_carries_the_quota(void)
{
    gvr_lease_info_t info;
    gvr_key_t k;
    char err[256], *c;

    make_key(&k, 'k');
    c = make_cred(&k, 10000);
    CU_ASSERT_EQUAL(strncmp(c, GVR_CRED_PREFIX, 5), 0);
    CU_ASSERT_EQUAL(gvr_cred_verify(&k, c, "1234", "GPU-bbb", 1000, 9999,
                                    &info, err, sizeof(err)), GVC_OK);
    CU_ASSERT_EQUAL(info.lease_id, 42);
    CU_ASSERT_EQUAL(info.mode, GVR_LEASE_SHARED);
    CU_ASSERT_EQUAL(info.mem_cap, 8ull << 30);
    CU_ASSERT_EQUAL(info.expires_ms, 10000);
    free(c);
}

static void expect_denied(const gvr_key_t *k, const char *cred,
                          const char *job, const char *gpu, uint32_t uid,
                          int64_t now, const char *why)
{
    char err[256] = "";

    CU_ASSERT_EQUAL(gvr_cred_verify(k, cred, job, gpu, uid, now, NULL, err,
                                    sizeof(err)), GVC_ERR_DENIED);
    if (strstr(err, why) == NULL) {
        printf("\n    expected '%s' in '%s'\n", why, err);
        CU_FAIL("refusal does not say why");
    }
}

static void test_cred_refusals_say_why(void)
{
    gvr_key_t k, other;
    char *c, *bad;

    make_key(&k, 'k');
    make_key(&other, 'o');
    c = make_cred(&k, 10000);
    expect_denied(&other, c, "1234", "GPU-aaa", 1000, 1, "signature");
    expect_denied(&k, c, "999", "GPU-aaa", 1000, 1, "not job 999");
    expect_denied(&k, c, "1234", "GPU-aaa", 1001, 1, "belongs to uid 1000");
    expect_denied(&k, c, "1234", "GPU-aaa", 1000, 10000, "expired");
    expect_denied(&k, c, "1234", "GPU-zzz", 1000, 1, "not leased");
    bad = strdup(c);
    bad[10] = bad[10] == 'A' ? 'B' : 'A'; /* tamper with the payload */
    expect_denied(&k, bad, "1234", "GPU-aaa", 1000, 1, "signature");
    expect_denied(&k, "", "1234", "GPU-aaa", 1000, 1, "not a gvirtus");
    expect_denied(&k, "gvl1.", "1234", "GPU-aaa", 1000, 1, "malformed");
    expect_denied(&k, "gvl1.abc.def", "1234", "GPU-aaa", 1000, 1,
                  "malformed");
    expect_denied(&k, "gvl1.!!!.QteRMtCVnb1mzmfNwUy463_9Dv6EA13z7rsv9YY6dxM",
                  "1234", "GPU-aaa", 1000, 1, "signature");
    free(bad);
    free(c);
}

/* ---- key files ---------------------------------------------------------*/

static void test_key_files_must_be_private(void)
{
    char *dir = gvtest_mkdtemp(), path[512], err[256];
    gvr_key_t k;
    FILE *f;

    snprintf(path, sizeof(path), "%s/k", dir);
    CU_ASSERT_EQUAL(gvr_key_generate(path, err, sizeof(err)), GVC_OK);
    CU_ASSERT_EQUAL(gvr_key_generate(path, err, sizeof(err)), GVC_ERR_BUSY);
    CU_ASSERT_EQUAL(gvr_key_load(path, &k, err, sizeof(err)), GVC_OK);
    CU_ASSERT_EQUAL(k.len, 64); /* 32 bytes as hex, newline dropped */
    chmod(path, 0640);
    CU_ASSERT_EQUAL(gvr_key_load(path, &k, err, sizeof(err)),
                    GVC_ERR_DENIED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "chmod 600"));
    chmod(path, 0600);
    if (geteuid() == 0) {
        CU_ASSERT_EQUAL(chown(path, 65534, 65534), 0);
        CU_ASSERT_EQUAL(gvr_key_load(path, &k, err, sizeof(err)),
                        GVC_ERR_DENIED);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, "owned by uid 65534"));
    }
    unlink(path);
    f = fopen(path, "w");
    fputs("short\n", f);
    fclose(f);
    chmod(path, 0600);
    CU_ASSERT_EQUAL(gvr_key_load(path, &k, err, sizeof(err)),
                    GVC_ERR_CONFIG);
    CU_ASSERT_EQUAL(gvr_key_load(dir, &k, err, sizeof(err)), GVC_ERR_DENIED);
    snprintf(path, sizeof(path), "%s/missing", dir);
    CU_ASSERT_EQUAL(gvr_key_load(path, &k, err, sizeof(err)), GVC_ERR_IO);
    gvtest_rmtree(dir);
    free(dir);
}

/* ---- authentication ----------------------------------------------------*/

static const uint8_t nonce_a[32] = { 1, 2, 3 }, nonce_b[32] = { 9, 9, 9 };

static void expect_auth(gvr_auth_mode_t mode, const gvr_key_t *key,
                        const char *sock, gvr_auth_mode_t offered,
                        uint32_t claimed, const char *cred,
                        gvc_status_t want, const char *why)
{
    char err[512] = "";
    uint32_t uid = 77;

    CU_ASSERT_EQUAL(gvr_auth_check(mode, key, sock, nonce_a, offered,
                                   claimed, cred, &uid, err, sizeof(err)),
                    want);
    if (want == GVC_OK) {
        CU_ASSERT_EQUAL(uid, claimed);
    } else if (strstr(err, why) == NULL) {
        printf("\n    expected '%s' in '%s'\n", why, err);
        CU_FAIL("refusal does not say why");
    }
}

static void test_secret_auth(void)
{
    gvr_key_t k, other;
    char err[256], *cred, *cred_b, *cred_o;

    make_key(&k, 's');
    make_key(&other, 'x');
    CU_ASSERT_EQUAL(gvr_auth_make(GVR_AUTH_SECRET, &k, NULL, nonce_a, 1000,
                                  &cred, err, sizeof(err)), GVC_OK);
    CU_ASSERT_EQUAL(gvr_auth_make(GVR_AUTH_SECRET, &k, NULL, nonce_b, 1000,
                                  &cred_b, err, sizeof(err)), GVC_OK);
    CU_ASSERT_EQUAL(gvr_auth_make(GVR_AUTH_SECRET, &other, NULL, nonce_a,
                                  1000, &cred_o, err, sizeof(err)), GVC_OK);
    expect_auth(GVR_AUTH_SECRET, &k, NULL, GVR_AUTH_SECRET, 1000, cred,
                GVC_OK, "");
    expect_auth(GVR_AUTH_SECRET, &k, NULL, GVR_AUTH_SECRET, 0, cred,
                GVC_ERR_DENIED, "does not match");
    expect_auth(GVR_AUTH_SECRET, &k, NULL, GVR_AUTH_SECRET, 1000, cred_b,
                GVC_ERR_DENIED, "does not match");
    expect_auth(GVR_AUTH_SECRET, &k, NULL, GVR_AUTH_SECRET, 1000, cred_o,
                GVC_ERR_DENIED, "secret file differs");
    expect_auth(GVR_AUTH_SECRET, &k, NULL, GVR_AUTH_NONE, 1000, "",
                GVC_ERR_DENIED, "requires secret");
    expect_auth(GVR_AUTH_NONE, NULL, NULL, GVR_AUTH_NONE, 4242, "", GVC_OK,
                "");
    free(cred_o);
    CU_ASSERT_EQUAL(gvr_auth_make(GVR_AUTH_SECRET, NULL, NULL, nonce_a, 1,
                                  &cred_o, err, sizeof(err)),
                    GVC_ERR_CONFIG);
    CU_ASSERT_PTR_NULL(cred_o);
    free(cred);
    free(cred_b);
    free(cred_o);
}

/* A MUNGE credential made by uid 65534 (in a child). */
static char *munge_as_nobody(const char *sock)
{
    char *cred = NULL, err[256], buf[1024] = "";
    int fds[2];
    ssize_t n;
    pid_t pid;

    if (pipe(fds) != 0) {
        return NULL;
    }
    pid = fork();
    if (pid == 0) {
        close(fds[0]);
        if (setgid(65534) != 0 || setuid(65534) != 0 ||
            gvr_auth_make(GVR_AUTH_MUNGE, NULL, sock, nonce_a, 65534, &cred,
                          err, sizeof(err)) != GVC_OK) {
            _exit(1);
        }
        n = write(fds[1], cred, strlen(cred));
        _exit(n > 0 ? 0 : 1);
    }
    close(fds[1]);
    n = read(fds[0], buf, sizeof(buf) - 1);
    close(fds[0]);
    waitpid(pid, NULL, 0);
    return n > 0 ? strndup(buf, (size_t)n) : NULL;
}

static void test_munge_auth(void)
{
    treg_munge_t m;
    char why[256], err[256], *cred, *cred_b, *nobody;

    if (!gvr_munge_available()) {
        GVTEST_SKIP("built without libmunge");
    }
    if (treg_munge_start(&m, why, sizeof(why)) != 0) {
        GVTEST_SKIP(why);
    }
    CU_ASSERT_EQUAL(gvr_auth_make(GVR_AUTH_MUNGE, NULL, m.socket, nonce_a,
                                  0, &cred, err, sizeof(err)), GVC_OK);
    CU_ASSERT_EQUAL(gvr_auth_make(GVR_AUTH_MUNGE, NULL, m.socket, nonce_b,
                                  0, &cred_b, err, sizeof(err)), GVC_OK);
    nobody = munge_as_nobody(m.socket);
    CU_ASSERT_PTR_NOT_NULL(nobody);
    /* Claims are checked before the credential is spent, so order the
     * refusals that decode it last. */
    expect_auth(GVR_AUTH_MUNGE, NULL, m.socket, GVR_AUTH_SECRET, 0, cred,
                GVC_ERR_DENIED, "requires munge");
    expect_auth(GVR_AUTH_MUNGE, NULL, m.socket, GVR_AUTH_MUNGE, 0, cred,
                GVC_OK, "");
    expect_auth(GVR_AUTH_MUNGE, NULL, m.socket, GVR_AUTH_MUNGE, 0, cred,
                GVC_ERR_DENIED, "eplayed");
    expect_auth(GVR_AUTH_MUNGE, NULL, m.socket, GVR_AUTH_MUNGE, 0, cred_b,
                GVC_ERR_DENIED, "nonce mismatch");
    if (nobody != NULL) {
        expect_auth(GVR_AUTH_MUNGE, NULL, m.socket, GVR_AUTH_MUNGE, 0,
                    nobody, GVC_ERR_DENIED, "from uid 65534");
    }
    expect_auth(GVR_AUTH_MUNGE, NULL, m.socket, GVR_AUTH_MUNGE, 0,
                "not-a-credential", GVC_ERR_DENIED, "MUNGE credential");
    expect_auth(GVR_AUTH_MUNGE, NULL, "/nonexistent/sock", GVR_AUTH_MUNGE, 0,
                cred, GVC_ERR_IO, "");
    free(cred);
    free(cred_b);
    free(nobody);
    treg_munge_stop(&m);
}

/* ---- configuration -----------------------------------------------------*/

static const char regd_ini[] =
    "# a registry.ini\n"
    "[registryd]\n"
    "port = 7711\n"
    "auth = secret\n"
    "heartbeat_timeout = 5s\n"
    "[registry]\n"
    "address = localhost\n"
    "[node:gpu01]\n"
    "host = gpu01.cluster\n"
    "port = 7600\n"
    "nic = mlx5_0\n"
    "gpu = GPU-11111111-2222, NVIDIA H100 80GB HBM3, 80G, 132, 0, mlx5_0\n"
    "gpu = GPU-33333333-4444\n"
    "[node:gpu02]\n"
    "host = 10.0.0.2\n"
    "port = 7600\n"
    "heartbeat = yes\n";

static gvc_status_t load_regd_text(const char *text, gvr_regd_config_t *cfg,
                                   char *err, size_t errlen)
{
    char *dir = gvtest_mkdtemp(), path[512];
    gvc_status_t st;
    FILE *f;

    snprintf(path, sizeof(path), "%s/registry.ini", dir);
    f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    st = gvr_regd_config_load(path, cfg, err, errlen);
    gvtest_rmtree(dir);
    free(dir);
    return st;
}

static void test_registry_ini_static_nodes(void)
{
    gvr_regd_config_t cfg;
    char err[512];

    CU_ASSERT_EQUAL_FATAL(load_regd_text(regd_ini, &cfg, err, sizeof(err)),
                          GVC_OK);
    CU_ASSERT_EQUAL(cfg.port, 7711);
    CU_ASSERT_EQUAL(cfg.heartbeat_timeout_ms, 5000);
    CU_ASSERT_STRING_EQUAL(cfg.auth, "secret");
    CU_ASSERT_EQUAL_FATAL(cfg.n_nodes, 2);
    CU_ASSERT_STRING_EQUAL(cfg.nodes[0].name, "gpu01");
    CU_ASSERT_EQUAL(cfg.nodes[0].n_gpus, 2);
    CU_ASSERT_STRING_EQUAL(cfg.nodes[0].gpus[0].name,
                           "NVIDIA H100 80GB HBM3");
    CU_ASSERT_EQUAL(cfg.nodes[0].gpus[0].mem_bytes, 80ull << 30);
    CU_ASSERT_EQUAL(cfg.nodes[0].gpus[0].sm_count, 132);
    CU_ASSERT_STRING_EQUAL(cfg.nodes[0].gpus[0].nic, "mlx5_0");
    CU_ASSERT_EQUAL(cfg.nodes[0].gpus[1].index, 1);
    CU_ASSERT_EQUAL(cfg.nodes[0].gpus[1].numa_node, -1);
    CU_ASSERT_EQUAL(cfg.nodes[0].heartbeat, 0);
    CU_ASSERT_EQUAL(cfg.nodes[1].heartbeat, 1);
    CU_ASSERT_EQUAL(cfg.nodes[1].n_gpus, 0);
    gvr_regd_config_free(&cfg);
}

static void expect_bad_ini(const char *text, const char *why)
{
    gvr_regd_config_t cfg;
    char err[512] = "";

    CU_ASSERT_NOT_EQUAL(load_regd_text(text, &cfg, err, sizeof(err)),
                        GVC_OK);
    if (strstr(err, why) == NULL) {
        printf("\n    expected '%s' in '%s'\n", why, err);
        CU_FAIL("config error does not say why");
    }
    gvr_regd_config_free(&cfg);
}

static void test_registry_ini_errors_name_the_line(void)
{
    expect_bad_ini("[registryd]\nport = 99999\n", "registry.ini:2:");
    expect_bad_ini("[registryd]\nbogus = 1\n", "unknown key 'bogus'");
    expect_bad_ini("[registryd]\nauth = kerberos\n", "auth = 'kerberos'");
    expect_bad_ini("[node:a]\nhost = h\nport = 1\ngpu = x, y, 12Q\n",
                   "registry.ini:4:");
    expect_bad_ini("[node:a]\nhost = h\n", "needs host and port");
    expect_bad_ini("[node:a b]\nhost = h\n", "bad node name");
    expect_bad_ini("[node:a]\nhost = h;rm\n", "not a host name");
    expect_bad_ini("[node:a]\ncolour = red\n", "unknown key 'colour'");
}

static void test_registry_ini_env_override_and_dump(void)
{
    gvr_regd_config_t cfg;
    char err[512], *text = NULL;
    size_t len = 0;
    FILE *f;

    setenv("GVIRTUS_REGISTRYD_PORT", "7999", 1);
    CU_ASSERT_EQUAL_FATAL(load_regd_text(regd_ini, &cfg, err, sizeof(err)),
                          GVC_OK);
    unsetenv("GVIRTUS_REGISTRYD_PORT");
    CU_ASSERT_EQUAL(cfg.port, 7999);
    f = open_memstream(&text, &len);
    gvr_regd_config_dump(&cfg, f);
    fclose(f);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "[node:gpu01]"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "port = 7999"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "GPU-33333333-4444"));
    free(text);
    gvr_regd_config_free(&cfg);
}

/* Another program's config embeds the [registry] fragment. */
typedef struct my_prog_cfg {
    long workers;
    gvr_client_config_t registry;
} my_prog_cfg_t;

static const gvc_cfg_field_t my_fields[] = {
    { "gvd", "workers", GVC_CFG_INT, "4", offsetof(my_prog_cfg_t, workers),
      1, 64, NULL, "workers" },
    GVR_CLIENT_CFG_FIELDS(my_prog_cfg_t, registry)
};
static const gvc_cfg_table_t my_table = GVC_CFG_TABLE(my_fields, NULL);

static void test_client_fragment_embeds_and_loads(void)
{
    my_prog_cfg_t c;
    gvr_client_config_t rc;
    char err[512], *dir = gvtest_mkdtemp(), path[512];
    FILE *f;

    memset(&c, 0, sizeof(c));
    CU_ASSERT_EQUAL(gvc_cfg_defaults(&my_table, &c), GVC_OK);
    CU_ASSERT_EQUAL(gvc_cfg_load_string(&my_table, &c, "[gvd]\nworkers = 8\n"
                                        "[registry]\naddress = reg1\n"
                                        "auth = secret\nheartbeat_interval"
                                        " = 3s\n", "gvd.ini", err,
                                        sizeof(err)), GVC_OK);
    CU_ASSERT_EQUAL(c.workers, 8);
    CU_ASSERT_STRING_EQUAL(c.registry.address, "reg1");
    CU_ASSERT_EQUAL(c.registry.port, GVR_DEFAULT_PORT);
    CU_ASSERT_STRING_EQUAL(c.registry.auth, "secret");
    CU_ASSERT_EQUAL(c.registry.heartbeat_ms, 3000);
    CU_ASSERT_EQUAL(c.registry.verify_online, 1);
    gvc_cfg_free(&my_table, &c);

    /* The standalone loader reads only [registry] of any gvirtus file. */
    snprintf(path, sizeof(path), "%s/gvd.ini", dir);
    f = fopen(path, "w");
    fputs("[gvd]\nworkers = 8\n[registry]\naddress = reg2\nport = 7701\n",
          f);
    fclose(f);
    setenv("GVIRTUS_REGISTRY_AUTH", "none", 1);
    CU_ASSERT_EQUAL(gvr_client_config_load(path, &rc, err, sizeof(err)),
                    GVC_OK);
    unsetenv("GVIRTUS_REGISTRY_AUTH");
    CU_ASSERT_STRING_EQUAL(rc.address, "reg2");
    CU_ASSERT_EQUAL(rc.port, 7701);
    CU_ASSERT_STRING_EQUAL(rc.auth, "none");
    gvr_client_config_free(&rc);
    f = fopen(path, "w");
    fputs("[registry]\nadress = typo\n", f);
    fclose(f);
    CU_ASSERT_EQUAL(gvr_client_config_load(path, &rc, err, sizeof(err)),
                    GVC_ERR_CONFIG);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "adress"));
    gvr_client_config_free(&rc);
    gvtest_rmtree(dir);
    free(dir);
}

static void test_client_create_refuses_bad_settings(void)
{
    gvr_client_config_t cfg;
    gvr_client_h cl = NULL;
    char err[512];

    gvr_client_config_load(NULL, &cfg, err, sizeof(err));
    gvc_cfg_set(&gvr_client_cfg_table, &cfg, "registry", "auth", "kerberos",
                err, sizeof(err));
    CU_ASSERT_EQUAL(gvr_client_create(&cfg, &cl, err, sizeof(err)),
                    GVC_ERR_CONFIG);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "kerberos"));
    gvc_cfg_set(&gvr_client_cfg_table, &cfg, "registry", "auth", "secret",
                err, sizeof(err));
    gvc_cfg_set(&gvr_client_cfg_table, &cfg, "registry", "secret_file",
                "/nonexistent/secret", err, sizeof(err));
    CU_ASSERT_EQUAL(gvr_client_create(&cfg, &cl, err, sizeof(err)),
                    GVC_ERR_IO);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/secret"));
    /* No address: created, but every call says there is no registry. */
    gvc_cfg_set(&gvr_client_cfg_table, &cfg, "registry", "auth", "none",
                err, sizeof(err));
    CU_ASSERT_EQUAL_FATAL(gvr_client_create(&cfg, &cl, err, sizeof(err)),
                          GVC_OK);
    CU_ASSERT_EQUAL(gvr_client_connect(cl, NULL, err, sizeof(err)),
                    GVC_ERR_CONFIG);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no registry configured"));
    gvr_client_destroy(cl);
    gvr_client_config_free(&cfg);
}

static const gvtest_case_t proto_cases[] = {
    { "test_every_message_round_trips", test_every_message_round_trips },
    { "test_every_message_rejects_truncation",
      test_every_message_rejects_truncation },
    { "test_garbled_input_never_crashes", test_garbled_input_never_crashes },
    { "test_unpack_rejects_lies", test_unpack_rejects_lies },
    { "test_message_table_is_consistent", test_message_table_is_consistent },
    { "test_servers_string", test_servers_string },
    { NULL, NULL }
};

static const gvtest_case_t cred_cases[] = {
    { "test_cred_verifies_and_carries_the_quota",
      test_cred_verifies_and_carries_the_quota },
    { "test_cred_refusals_say_why", test_cred_refusals_say_why },
    { "test_key_files_must_be_private", test_key_files_must_be_private },
    { NULL, NULL }
};

static const gvtest_case_t auth_cases[] = {
    { "test_secret_auth", test_secret_auth },
    { "test_munge_auth", test_munge_auth },
    { NULL, NULL }
};

static const gvtest_case_t config_cases[] = {
    { "test_registry_ini_static_nodes", test_registry_ini_static_nodes },
    { "test_registry_ini_errors_name_the_line",
      test_registry_ini_errors_name_the_line },
    { "test_registry_ini_env_override_and_dump",
      test_registry_ini_env_override_and_dump },
    { "test_client_fragment_embeds_and_loads",
      test_client_fragment_embeds_and_loads },
    { "test_client_create_refuses_bad_settings",
      test_client_create_refuses_bad_settings },
    { NULL, NULL }
};

static const gvtest_suite_t suites[] = {
    { "registry_proto", NULL, NULL, proto_cases },
    { "registry_cred", NULL, NULL, cred_cases },
    { "registry_auth", NULL, NULL, auth_cases },
    { "registry_config", NULL, NULL, config_cases },
    { NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
    return gvtest_main(argc, argv, suites);
}
