/*
 * test_registry_alloc.c - where leases go and that they never collide:
 * the placement policy on its own, then the database operations
 * (exclusive vs shared caps, idempotence, release, expiry, down and
 * drained nodes, static nodes, lease checks) and concurrency (threads
 * and processes allocating at once never double-book, nothing is lost).
 */
#include "config.h"

#include "gvtest.h"
#include "test_registry_util.h"
#include "gvr_alloc.h"
#include "gvr_cred.h"
#include "gvr_db.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- policy (pure) -----------------------------------------------------*/

static gvr_cand_t cand(const char *node, uint32_t index, int near,
                       uint32_t load)
{
    gvr_cand_t c = { node, index, near, load };
    return c;
}

static void test_policy_best_fit_on_one_node(void)
{
    gvr_cand_t c[14];
    size_t pick[8], n = 0;

    for (uint32_t i = 0; i < 4; i++) c[n++] = cand("a", i, 0, 0);
    for (uint32_t i = 0; i < 2; i++) c[n++] = cand("b", i, 0, 0);
    for (uint32_t i = 0; i < 8; i++) c[n++] = cand("c", i, 0, 0);
    CU_ASSERT_EQUAL(gvr_alloc_plan(c, n, 2, pick), GVC_OK);
    CU_ASSERT_STRING_EQUAL(c[pick[0]].node, "b");
    CU_ASSERT_STRING_EQUAL(c[pick[1]].node, "b");
    CU_ASSERT_EQUAL(gvr_alloc_plan(c, n, 3, pick), GVC_OK);
    CU_ASSERT_STRING_EQUAL(c[pick[0]].node, "a");
    CU_ASSERT_EQUAL(gvr_alloc_plan(c, n, 5, pick), GVC_OK);
    for (int i = 0; i < 5; i++) {
        CU_ASSERT_STRING_EQUAL(c[pick[i]].node, "c");
    }
}

static void test_policy_prefers_gpus_near_the_nic(void)
{
    gvr_cand_t c[8];
    size_t pick[4], n = 0;

    /* a fits tighter, but b has GPUs near its NIC: b wins. */
    c[n++] = cand("a", 0, 0, 0);
    c[n++] = cand("a", 1, 0, 0);
    c[n++] = cand("b", 0, 0, 0);
    c[n++] = cand("b", 1, 1, 0);
    c[n++] = cand("b", 2, 1, 0);
    CU_ASSERT_EQUAL(gvr_alloc_plan(c, n, 2, pick), GVC_OK);
    CU_ASSERT_STRING_EQUAL(c[pick[0]].node, "b");
    CU_ASSERT_EQUAL(c[pick[0]].index, 1);
    CU_ASSERT_EQUAL(c[pick[1]].index, 2);
    /* Inside a node the near GPUs come first, then the rest by index. */
    CU_ASSERT_EQUAL(gvr_alloc_plan(c + 2, 3, 3, pick), GVC_OK);
    CU_ASSERT_EQUAL(c[2 + pick[0]].index, 1);
    CU_ASSERT_EQUAL(c[2 + pick[2]].index, 0);
}

static void test_policy_spreads_over_fewest_nodes(void)
{
    gvr_cand_t c[16];
    size_t pick[16], n = 0;
    int on_a = 0, on_d = 0;

    for (uint32_t i = 0; i < 3; i++) c[n++] = cand("a", i, 0, 0);
    for (uint32_t i = 0; i < 3; i++) c[n++] = cand("b", i, 0, 0);
    c[n++] = cand("c", 0, 0, 0);
    for (uint32_t i = 0; i < 2; i++) c[n++] = cand("d", i, 0, 0);
    /* 5 GPUs: two nodes are enough; a (largest, first by name) plus the
     * tightest node that holds the other 2, d. */
    CU_ASSERT_EQUAL(gvr_alloc_plan(c, n, 5, pick), GVC_OK);
    for (int i = 0; i < 5; i++) {
        on_a += strcmp(c[pick[i]].node, "a") == 0;
        on_d += strcmp(c[pick[i]].node, "d") == 0;
    }
    CU_ASSERT_EQUAL(on_a, 3);
    CU_ASSERT_EQUAL(on_d, 2);
    CU_ASSERT_EQUAL(gvr_alloc_plan(c, n, 9, pick), GVC_OK);
    CU_ASSERT_EQUAL(gvr_alloc_plan(c, n, 10, pick), GVC_ERR_BUSY);
}

static void test_policy_packs_shared_leases(void)
{
    gvr_cand_t c[3];
    size_t pick[1];

    c[0] = cand("a", 0, 0, 0);
    c[1] = cand("a", 1, 0, 2);
    c[2] = cand("a", 2, 0, 1);
    CU_ASSERT_EQUAL(gvr_alloc_plan(c, 3, 1, pick), GVC_OK);
    CU_ASSERT_EQUAL(c[pick[0]].index, 1);
}

static void test_policy_rejects_bad_input(void)
{
    gvr_cand_t c[3];
    size_t pick[3];

    c[0] = cand("a", 0, 0, 0);
    c[1] = cand("b", 0, 0, 0);
    c[2] = cand("a", 1, 0, 0);
    CU_ASSERT_EQUAL(gvr_alloc_plan(c, 3, 1, pick), GVC_ERR_INVALID);
    CU_ASSERT_EQUAL(gvr_alloc_plan(c, 3, 0, pick), GVC_ERR_INVALID);
    CU_ASSERT_EQUAL(gvr_alloc_plan(c, 0, 1, pick), GVC_ERR_BUSY);
}

/* ---- database ----------------------------------------------------------*/

static char *tdir;
static char tdb[512];
static gvr_key_t tkey;

static gvr_db_t *open_db(void)
{
    gvr_db_opts_t o = { .fsync = 0, .busy_ms = 30000, .wlock = NULL };
    gvr_db_t *db = NULL;
    char err[256];

    if (gvr_db_open(tdb, &o, &db, err, sizeof(err)) != GVC_OK) {
        printf("\n    %s\n", err);
    }
    return db;
}

/* A fresh database file per test. */
static gvr_db_t *fresh_db(void)
{
    static int n;

    snprintf(tdb, sizeof(tdb), "%s/reg%d.db", tdir, n++);
    return open_db();
}

static gvr_actor_t actor(int64_t now)
{
    gvr_actor_t a = { .uid = 0, .peer = "test", .now_ms = now };
    return a;
}

/* Register node name with n GPUs of mem GiB; GPU i is near the NIC when
 * bit i of near_mask is set. */
static void add_node(gvr_db_t *db, const char *name, uint32_t n,
                     uint64_t mem_gib, unsigned near_mask, int64_t now)
{
    gvr_node_req_t req;
    gvr_gpu_info_t g[16];
    gvr_node_state_t state;
    gvr_actor_t a = actor(now);
    char err[256];

    memset(&req, 0, sizeof(req));
    memset(g, 0, sizeof(g));
    snprintf(req.node, sizeof(req.node), "%s", name);
    snprintf(req.host, sizeof(req.host), "%s.example", name);
    req.port = 7600;
    snprintf(req.nic, sizeof(req.nic), "mlx5_0");
    for (uint32_t i = 0; i < n; i++) {
        g[i].index = i;
        snprintf(g[i].uuid, sizeof(g[i].uuid), "GPU-%s-%u", name, i);
        g[i].mem_bytes = mem_gib << 30;
        snprintf(g[i].nic, sizeof(g[i].nic), "%s",
                 near_mask & (1u << i) ? "mlx5_0" : "");
    }
    req.n_gpus = n;
    req.gpus = g;
    CU_ASSERT_EQUAL(gvr_db_node_update(db, &a, &req, 1, &state, err,
                                       sizeof(err)), GVC_OK);
}

static gvr_alloc_policy_t policy(void)
{
    gvr_alloc_policy_t p = { .ttl_ms = 3600000, .max_ttl_ms = 86400000,
                             .shared_mem_default = 4ull << 30,
                             .heartbeat_timeout_ms = 30000,
                             .lease_key = &tkey };
    return p;
}

static gvc_status_t do_alloc(gvr_db_t *db, const char *job, uint32_t uid,
                             uint32_t count, gvr_lease_mode_t mode,
                             uint64_t mem, int64_t ttl, int64_t now,
                             gvr_lease_rep_t *rep)
{
    gvr_alloc_req_t req;
    gvr_alloc_policy_t p = policy();
    gvr_actor_t a = actor(now);
    char err[512];
    gvc_status_t st;

    memset(&req, 0, sizeof(req));
    snprintf(req.job, sizeof(req.job), "%s", job);
    req.uid = uid;
    req.count = count;
    req.mode = mode;
    req.mem_cap = mem;
    req.ttl_ms = ttl;
    st = gvr_db_alloc(db, &a, &req, &p, rep, err, sizeof(err));
    return st;
}

static gvc_status_t alloc_free(gvr_db_t *db, const char *job, uint32_t count,
                               gvr_lease_mode_t mode, uint64_t mem)
{
    gvr_lease_rep_t rep;
    gvc_status_t st = do_alloc(db, job, 1000, count, mode, mem, 0, 1000,
                               &rep);

    gvr_lease_rep_free(&rep);
    return st;
}

static int db_suite_init(void)
{
    tdir = gvtest_mkdtemp();
    memset(&tkey, 'L', 32);
    tkey.len = 32;
    return tdir == NULL;
}

static int db_suite_fini(void)
{
    gvtest_rmtree(tdir);
    free(tdir);
    return 0;
}

static void test_db_alloc_packs_and_signs(void)
{
    gvr_db_t *db = fresh_db();
    gvr_lease_rep_t rep;
    gvr_lease_info_t info;
    char err[256];

    add_node(db, "n1", 4, 80, 0x6, 1000);
    add_node(db, "n2", 2, 80, 0, 1000);
    CU_ASSERT_EQUAL_FATAL(do_alloc(db, "job1", 1000, 2, GVR_LEASE_EXCLUSIVE,
                                   0, 0, 1000, &rep), GVC_OK);
    /* n1 has the NIC-near GPUs 1 and 2. */
    CU_ASSERT_STRING_EQUAL(rep.servers, "n1.example:7600#1,"
                                        "n1.example:7600#2");
    CU_ASSERT_EQUAL(rep.lease.expires_ms, 1000 + 3600000);
    CU_ASSERT_EQUAL(gvr_cred_verify(&tkey, rep.credential, "job1",
                                    "GPU-n1-2", 1000, 2000, &info, err,
                                    sizeof(err)), GVC_OK);
    gvr_lease_rep_free(&rep);
    /* Two more: n1 and n2 both have two far GPUs left; the name
     * decides, and the rest of n1 goes together. */
    CU_ASSERT_EQUAL_FATAL(do_alloc(db, "job2", 1000, 2, GVR_LEASE_EXCLUSIVE,
                                   0, 0, 1000, &rep), GVC_OK);
    CU_ASSERT_STRING_EQUAL(rep.servers, "n1.example:7600#0,"
                                        "n1.example:7600#3");
    gvr_lease_rep_free(&rep);
    CU_ASSERT_EQUAL(alloc_free(db, "job3", 3, GVR_LEASE_EXCLUSIVE, 0),
                    GVC_ERR_BUSY);
    CU_ASSERT_EQUAL_FATAL(do_alloc(db, "job3", 1000, 2, GVR_LEASE_EXCLUSIVE,
                                   0, 0, 1000, &rep), GVC_OK);
    CU_ASSERT_STRING_EQUAL(rep.lease.gpus[0].node, "n2");
    gvr_lease_rep_free(&rep);
    CU_ASSERT_EQUAL(alloc_free(db, "job4", 1, GVR_LEASE_EXCLUSIVE, 0),
                    GVC_ERR_BUSY);
    CU_ASSERT_TRUE(gvr_db_audit_count(db, "alloc") >= 4);
    gvr_db_close(db);
}

static void test_db_shared_caps_and_exclusion(void)
{
    gvr_db_t *db = fresh_db();
    gvr_status_rep_t s;

    add_node(db, "n1", 1, 16, 0, 1000);
    CU_ASSERT_EQUAL(alloc_free(db, "s1", 1, GVR_LEASE_SHARED, 8ull << 30),
                    GVC_OK);
    CU_ASSERT_EQUAL(alloc_free(db, "x1", 1, GVR_LEASE_EXCLUSIVE, 0),
                    GVC_ERR_BUSY);
    CU_ASSERT_EQUAL(alloc_free(db, "s2", 1, GVR_LEASE_SHARED, 0), GVC_OK);
    CU_ASSERT_EQUAL(alloc_free(db, "s3", 1, GVR_LEASE_SHARED, 4ull << 30),
                    GVC_OK);
    /* 8 + 4 (default) + 4 = 16 GiB: full. */
    CU_ASSERT_EQUAL(alloc_free(db, "s4", 1, GVR_LEASE_SHARED, 1), GVC_ERR_BUSY);
    CU_ASSERT_EQUAL(gvr_db_status(db, &s), GVC_OK);
    CU_ASSERT_EQUAL(s.gpus_shared, 1);
    CU_ASSERT_EQUAL(s.gpus_free, 0);
    CU_ASSERT_EQUAL(s.leases, 3);
    gvr_db_close(db);

    db = fresh_db();
    add_node(db, "n1", 1, 16, 0, 1000);
    CU_ASSERT_EQUAL(alloc_free(db, "x1", 1, GVR_LEASE_EXCLUSIVE, 0), GVC_OK);
    CU_ASSERT_EQUAL(alloc_free(db, "s1", 1, GVR_LEASE_SHARED, 1ull << 30),
                    GVC_ERR_BUSY);
    CU_ASSERT_EQUAL(alloc_free(db, "s2", 1, GVR_LEASE_SHARED, 32ull << 30),
                    GVC_ERR_BUSY);
    gvr_db_close(db);
}

static void test_db_alloc_is_idempotent_per_job(void)
{
    gvr_db_t *db = fresh_db();
    gvr_lease_rep_t a, b;

    add_node(db, "n1", 4, 80, 0, 1000);
    CU_ASSERT_EQUAL_FATAL(do_alloc(db, "j", 1000, 2, GVR_LEASE_EXCLUSIVE, 0,
                                   0, 1000, &a), GVC_OK);
    CU_ASSERT_EQUAL_FATAL(do_alloc(db, "j", 1000, 2, GVR_LEASE_EXCLUSIVE, 0,
                                   0, 1500, &b), GVC_OK);
    CU_ASSERT_EQUAL(b.existing, 1);
    CU_ASSERT_STRING_EQUAL(a.servers, b.servers);
    CU_ASSERT_STRING_EQUAL(a.credential, b.credential);
    gvr_lease_rep_free(&a);
    gvr_lease_rep_free(&b);
    CU_ASSERT_EQUAL(do_alloc(db, "j", 1000, 3, GVR_LEASE_EXCLUSIVE, 0, 0,
                             1500, &b), GVC_ERR_INVALID);
    CU_ASSERT_EQUAL(do_alloc(db, "j", 2000, 2, GVR_LEASE_EXCLUSIVE, 0, 0,
                             1500, &b), GVC_ERR_DENIED);
    CU_ASSERT_EQUAL(do_alloc(db, "bad job", 2000, 2, GVR_LEASE_EXCLUSIVE, 0,
                             0, 1500, &b), GVC_ERR_INVALID);
    CU_ASSERT_EQUAL(do_alloc(db, "k", 2000, 0, GVR_LEASE_EXCLUSIVE, 0, 0,
                             1500, &b), GVC_ERR_INVALID);
    CU_ASSERT_EQUAL(do_alloc(db, "k", 2000, 1, GVR_LEASE_EXCLUSIVE, 0,
                             86400001, 1500, &b), GVC_ERR_INVALID);
    gvr_db_close(db);
}

static void test_db_release(void)
{
    gvr_db_t *db = fresh_db();
    gvr_actor_t a = actor(2000);
    char err[256];
    uint32_t n = 0;

    add_node(db, "n1", 2, 80, 0, 1000);
    CU_ASSERT_EQUAL(alloc_free(db, "j", 2, GVR_LEASE_EXCLUSIVE, 0), GVC_OK);
    CU_ASSERT_EQUAL(alloc_free(db, "k", 1, GVR_LEASE_EXCLUSIVE, 0),
                    GVC_ERR_BUSY);
    CU_ASSERT_EQUAL(gvr_db_release(db, &a, "j", &n, err, sizeof(err)),
                    GVC_OK);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_EQUAL(gvr_db_release(db, &a, "j", &n, err, sizeof(err)),
                    GVC_ERR_NOT_FOUND);
    CU_ASSERT_EQUAL(alloc_free(db, "k", 2, GVR_LEASE_EXCLUSIVE, 0), GVC_OK);
    CU_ASSERT_EQUAL(gvr_db_audit_count(db, "release"), 1);
    gvr_db_close(db);
}

static void test_db_forgotten_leases_expire(void)
{
    gvr_db_t *db = fresh_db();
    gvr_lease_rep_t rep;
    gvr_actor_t a;
    uint32_t expired = 0, downed = 0;
    char err[256];

    add_node(db, "n1", 1, 80, 0, 1000);
    CU_ASSERT_EQUAL_FATAL(do_alloc(db, "old", 1000, 1, GVR_LEASE_EXCLUSIVE, 0,
                                   1000, 1000, &rep), GVC_OK);
    gvr_lease_rep_free(&rep);
    CU_ASSERT_EQUAL(gvr_db_lease_get(db, "old", 1500, &rep, err,
                                     sizeof(err)), GVC_OK);
    gvr_lease_rep_free(&rep);
    /* Expired but not yet swept: invisible already. */
    CU_ASSERT_EQUAL(gvr_db_lease_get(db, "old", 2000, &rep, err,
                                     sizeof(err)), GVC_ERR_NOT_FOUND);
    a = actor(2500);
    CU_ASSERT_EQUAL(gvr_db_sweep(db, &a, 3600000, &expired, &downed), GVC_OK);
    CU_ASSERT_EQUAL(expired, 1);
    CU_ASSERT_EQUAL(downed, 0);
    CU_ASSERT_EQUAL(gvr_db_audit_count(db, "expire"), 1);
    /* An alloc also expires first, without waiting for the sweeper. */
    CU_ASSERT_EQUAL_FATAL(do_alloc(db, "old2", 1000, 1, GVR_LEASE_EXCLUSIVE,
                                   0, 1000, 3000, &rep), GVC_OK);
    gvr_lease_rep_free(&rep);
    CU_ASSERT_EQUAL(do_alloc(db, "new", 1000, 1, GVR_LEASE_EXCLUSIVE, 0, 0,
                             4001, &rep), GVC_OK);
    gvr_lease_rep_free(&rep);
    gvr_db_close(db);
}

static void test_db_silent_nodes_go_down_and_get_nothing(void)
{
    gvr_db_t *db = fresh_db();
    gvr_actor_t a = actor(40000);
    gvr_node_info_t *nodes;
    gvr_node_state_t st;
    uint32_t n, expired, downed;
    int more;
    char err[256];

    add_node(db, "old", 2, 80, 0, 1000);
    add_node(db, "new", 1, 80, 0, 39000);
    CU_ASSERT_EQUAL(gvr_db_sweep(db, &a, 30000, &expired, &downed), GVC_OK);
    CU_ASSERT_EQUAL(downed, 1);
    CU_ASSERT_EQUAL(gvr_db_list_nodes(db, 0, 10, &nodes, &n, &more), GVC_OK);
    CU_ASSERT_EQUAL_FATAL(n, 2);
    CU_ASSERT_STRING_EQUAL(nodes[1].name, "old");
    CU_ASSERT_EQUAL(nodes[1].state, GVR_NODE_DOWN);
    CU_ASSERT_PTR_NOT_NULL(strstr(nodes[1].reason, "no heartbeat"));
    free(nodes);
    /* Only "new" is up, with one GPU. */
    CU_ASSERT_EQUAL(alloc_free(db, "j2", 2, GVR_LEASE_EXCLUSIVE, 0),
                    GVC_ERR_BUSY);
    /* A heartbeat brings it back. */
    add_node(db, "old", 2, 80, 0, 41000);
    CU_ASSERT_EQUAL(alloc_free(db, "j2", 2, GVR_LEASE_EXCLUSIVE, 0), GVC_OK);
    /* Drained: no new leases; resumed: back. */
    CU_ASSERT_EQUAL(gvr_db_node_set_state(db, &a, "new", GVR_NODE_DRAINED,
                                          "maintenance", &st, err,
                                          sizeof(err)), GVC_OK);
    CU_ASSERT_EQUAL(st, GVR_NODE_DRAINED);
    CU_ASSERT_EQUAL(alloc_free(db, "j3", 1, GVR_LEASE_EXCLUSIVE, 0),
                    GVC_ERR_BUSY);
    add_node(db, "new", 1, 80, 0, 42000); /* a heartbeat keeps it drained */
    CU_ASSERT_EQUAL(alloc_free(db, "j3", 1, GVR_LEASE_EXCLUSIVE, 0),
                    GVC_ERR_BUSY);
    CU_ASSERT_EQUAL(gvr_db_node_set_state(db, &a, "new", GVR_NODE_UP, "",
                                          &st, err, sizeof(err)), GVC_OK);
    CU_ASSERT_EQUAL(st, GVR_NODE_UP);
    CU_ASSERT_EQUAL(alloc_free(db, "j3", 1, GVR_LEASE_EXCLUSIVE, 0), GVC_OK);
    CU_ASSERT_EQUAL(gvr_db_node_set_state(db, &a, "nope", GVR_NODE_UP, "",
                                          &st, err, sizeof(err)),
                    GVC_ERR_NOT_FOUND);
    gvr_db_close(db);
}

static void test_db_static_nodes(void)
{
    gvr_db_t *db = fresh_db();
    gvr_gpu_info_t g = { .index = 0, .uuid = "GPU-static-0",
                         .mem_bytes = 1ull << 30, .numa_node = -1 };
    gvr_static_node_t sn[2] = {
        { .name = "s1", .host = "s1.example", .port = 7600, .heartbeat = 0,
          .n_gpus = 1, .gpus = &g },
        { .name = "s2", .host = "s2.example", .port = 7600, .heartbeat = 1 },
    };
    gvr_actor_t a = actor(1000);
    uint32_t expired, downed;
    gvr_status_rep_t s;
    char err[256];

    CU_ASSERT_EQUAL(gvr_db_static_nodes(db, &a, sn, 2, err, sizeof(err)),
                    GVC_OK);
    a.now_ms = 10000000;
    /* A static node without heartbeats never goes down. */
    CU_ASSERT_EQUAL(gvr_db_sweep(db, &a, 30000, &expired, &downed), GVC_OK);
    CU_ASSERT_EQUAL(downed, 0);
    CU_ASSERT_EQUAL(gvr_db_status(db, &s), GVC_OK);
    CU_ASSERT_EQUAL(s.nodes_up, 1);
    CU_ASSERT_EQUAL(s.nodes_down, 1);
    CU_ASSERT_EQUAL(s.gpus_free, 1);
    CU_ASSERT_EQUAL(alloc_free(db, "j", 1, GVR_LEASE_EXCLUSIVE, 0), GVC_OK);
    /* Applying the same static nodes again keeps the lease. */
    CU_ASSERT_EQUAL(gvr_db_static_nodes(db, &a, sn, 2, err, sizeof(err)),
                    GVC_OK);
    CU_ASSERT_EQUAL(gvr_db_status(db, &s), GVC_OK);
    CU_ASSERT_EQUAL(s.gpus_exclusive, 1);
    gvr_db_close(db);
}

static void test_db_vanished_gpu_kept_while_leased(void)
{
    gvr_db_t *db = fresh_db();
    gvr_gpu_row_t *rows;
    gvr_actor_t a = actor(3000);
    uint32_t n, k;
    int more;
    char err[256];

    add_node(db, "n1", 2, 80, 0, 1000);
    CU_ASSERT_EQUAL(alloc_free(db, "j", 2, GVR_LEASE_EXCLUSIVE, 0), GVC_OK);
    add_node(db, "n1", 1, 80, 0, 2000); /* GPU 1 disappeared */
    CU_ASSERT_EQUAL(gvr_db_list_gpus(db, "n1", 0, 10, &rows, &n, &more),
                    GVC_OK);
    CU_ASSERT_EQUAL(n, 2);
    if (n == 2) {
        CU_ASSERT_EQUAL(rows[1].present, 0);
        CU_ASSERT_EQUAL(rows[1].exclusive, 1);
    }
    free(rows);
    CU_ASSERT_EQUAL(gvr_db_release(db, &a, "j", &k, err, sizeof(err)),
                    GVC_OK);
    CU_ASSERT_EQUAL(gvr_db_list_gpus(db, "", 0, 10, &rows, &n, &more),
                    GVC_OK);
    CU_ASSERT_EQUAL(n, 1);
    free(rows);
    CU_ASSERT_EQUAL(alloc_free(db, "k", 2, GVR_LEASE_EXCLUSIVE, 0),
                    GVC_ERR_BUSY);
    gvr_db_close(db);
}

static void test_db_lease_check(void)
{
    gvr_db_t *db = fresh_db();
    gvr_lease_rep_t rep;
    gvr_lease_info_t info;
    gvr_actor_t a = actor(2000);
    char err[256], *cred;
    uint32_t n;

    add_node(db, "n1", 2, 80, 0, 1000);
    CU_ASSERT_EQUAL_FATAL(do_alloc(db, "j", 1000, 1, GVR_LEASE_SHARED,
                                   2ull << 30, 0, 1000, &rep), GVC_OK);
    cred = strdup(rep.credential);
    CU_ASSERT_EQUAL(gvr_db_lease_check(db, "j", cred, rep.lease.gpus[0].uuid,
                                       1000, 2000, &info, err, sizeof(err)),
                    GVC_OK);
    CU_ASSERT_EQUAL(info.mem_cap, 2ull << 30);
    CU_ASSERT_EQUAL(info.mode, GVR_LEASE_SHARED);
    CU_ASSERT_EQUAL(gvr_db_lease_check(db, "j", cred, rep.lease.gpus[0].uuid,
                                       1001, 2000, &info, err, sizeof(err)),
                    GVC_ERR_DENIED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "uid 1000"));
    CU_ASSERT_EQUAL(gvr_db_lease_check(db, "j", cred, "GPU-n1-9", 1000,
                                       2000, &info, err, sizeof(err)),
                    GVC_ERR_DENIED);
    CU_ASSERT_EQUAL(gvr_db_lease_check(db, "j", "gvl1.x.y",
                                       rep.lease.gpus[0].uuid, 1000, 2000,
                                       &info, err, sizeof(err)),
                    GVC_ERR_DENIED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "does not match"));
    CU_ASSERT_EQUAL(gvr_db_release(db, &a, "j", &n, err, sizeof(err)),
                    GVC_OK);
    CU_ASSERT_EQUAL(gvr_db_lease_check(db, "j", cred, rep.lease.gpus[0].uuid,
                                       1000, 2000, &info, err, sizeof(err)),
                    GVC_ERR_DENIED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no active lease"));
    free(cred);
    gvr_lease_rep_free(&rep);
    gvr_db_close(db);
}

static void test_db_lists_page(void)
{
    gvr_db_t *db = fresh_db();
    gvr_lease_t *leases;
    gvr_node_info_t *nodes;
    uint32_t n;
    int more;
    char job[16];

    for (int i = 0; i < 5; i++) {
        snprintf(job, sizeof(job), "n%d", i);
        add_node(db, job, 2, 80, 0, 1000);
    }
    for (int i = 0; i < 7; i++) {
        snprintf(job, sizeof(job), "j%d", i);
        CU_ASSERT_EQUAL(alloc_free(db, job, 1, GVR_LEASE_EXCLUSIVE, 0),
                        GVC_OK);
    }
    CU_ASSERT_EQUAL(gvr_db_list_nodes(db, 0, 3, &nodes, &n, &more), GVC_OK);
    CU_ASSERT_EQUAL(n, 3);
    CU_ASSERT_EQUAL(more, 1);
    free(nodes);
    CU_ASSERT_EQUAL(gvr_db_list_nodes(db, 3, 3, &nodes, &n, &more), GVC_OK);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_EQUAL(more, 0);
    free(nodes);
    CU_ASSERT_EQUAL(gvr_db_list_leases(db, "", -1, 5, 10, &leases, &n,
                                       &more), GVC_OK);
    CU_ASSERT_EQUAL(n, 2);
    CU_ASSERT_EQUAL(leases[0].n_gpus, 1);
    gvr_lease_array_free(leases, n);
    CU_ASSERT_EQUAL(gvr_db_list_leases(db, "j3", -1, 0, 10, &leases, &n,
                                       &more), GVC_OK);
    CU_ASSERT_EQUAL(n, 1);
    gvr_lease_array_free(leases, n);
    CU_ASSERT_EQUAL(gvr_db_list_leases(db, "", 4242, 0, 10, &leases, &n,
                                       &more), GVC_OK);
    CU_ASSERT_EQUAL(n, 0);
    gvr_lease_array_free(leases, n);
    gvr_db_close(db);
}

/* ---- concurrency -------------------------------------------------------*/

#define CONC_GPUS 12

static pthread_mutex_t owner_lock = PTHREAD_MUTEX_INITIALIZER;
static char owner[CONC_GPUS][GVR_NAME_MAX];   /* job holding GPU-c<i>, "" free */
static int conflicts, granted, internal_errors;

static int gpu_slot(const char *uuid)
{
    return atoi(uuid + strlen("GPU-c-"));
}

/* Mark a granted lease in the shadow table; a GPU already marked is a
 * double booking. */
static void shadow_take(const gvr_lease_rep_t *rep)
{
    pthread_mutex_lock(&owner_lock);
    for (uint32_t i = 0; i < rep->lease.n_gpus; i++) {
        int s = gpu_slot(rep->lease.gpus[i].uuid);
        if (owner[s][0] != '\0') {
            conflicts++;
        }
        snprintf(owner[s], sizeof(owner[s]), "%s", rep->lease.job);
    }
    granted++;
    pthread_mutex_unlock(&owner_lock);
}

static void *conc_thread(void *arg)
{
    int id = (int)(intptr_t)arg;
    gvr_db_t *db = open_db();
    gvr_lease_rep_t rep;
    gvr_actor_t a = actor(1000);
    char job[32], err[256];
    gvc_status_t st;
    uint32_t n;

    for (int i = 0; db != NULL && i < 40; i++) {
        snprintf(job, sizeof(job), "t%d-%d", id, i);
        st = do_alloc(db, job, 1000, 1 + (uint32_t)(i + id) % 3,
                      GVR_LEASE_EXCLUSIVE, 0, 0, 1000, &rep);
        if (st == GVC_ERR_BUSY) {
            continue;
        }
        if (st != GVC_OK) {
            __sync_fetch_and_add(&internal_errors, 1);
            continue;
        }
        shadow_take(&rep);
        /* Unmark and release under the shadow lock, so a legitimate
         * reuse is never mistaken for a double booking. */
        pthread_mutex_lock(&owner_lock);
        for (uint32_t g = 0; g < rep.lease.n_gpus; g++) {
            owner[gpu_slot(rep.lease.gpus[g].uuid)][0] = '\0';
        }
        if (gvr_db_release(db, &a, job, &n, err, sizeof(err)) != GVC_OK) {
            internal_errors++;
        }
        pthread_mutex_unlock(&owner_lock);
        gvr_lease_rep_free(&rep);
    }
    gvr_db_close(db);
    return NULL;
}

static void add_conc_nodes(gvr_db_t *db)
{
    gvr_node_req_t req;
    gvr_gpu_info_t g[CONC_GPUS];
    gvr_node_state_t state;
    gvr_actor_t a = actor(1000);
    char err[256];

    /* Three nodes of four GPUs, UUIDs GPU-c-<slot>. */
    for (int node = 0; node < 3; node++) {
        memset(&req, 0, sizeof(req));
        memset(g, 0, sizeof(g));
        snprintf(req.node, sizeof(req.node), "c%d", node);
        snprintf(req.host, sizeof(req.host), "c%d", node);
        req.port = 7600;
        for (int i = 0; i < 4; i++) {
            g[i].index = (uint32_t)i;
            snprintf(g[i].uuid, sizeof(g[i].uuid), "GPU-c-%d", node * 4 + i);
            g[i].mem_bytes = 1ull << 34;
        }
        req.n_gpus = 4;
        req.gpus = g;
        CU_ASSERT_EQUAL(gvr_db_node_update(db, &a, &req, 1, &state, err,
                                           sizeof(err)), GVC_OK);
    }
}

static void test_threads_never_double_book(void)
{
    pthread_t t[16];
    gvr_db_t *db = fresh_db();
    gvr_status_rep_t s;

    add_conc_nodes(db);
    conflicts = granted = internal_errors = 0;
    for (int i = 0; i < 16; i++) {
        pthread_create(&t[i], NULL, conc_thread, (void *)(intptr_t)i);
    }
    for (int i = 0; i < 16; i++) {
        pthread_join(t[i], NULL);
    }
    CU_ASSERT_EQUAL(conflicts, 0);
    CU_ASSERT_EQUAL(internal_errors, 0);
    CU_ASSERT_TRUE(granted > 16);
    CU_ASSERT_EQUAL(gvr_db_status(db, &s), GVC_OK);
    CU_ASSERT_EQUAL(s.leases, 0);
    CU_ASSERT_EQUAL(s.gpus_free, CONC_GPUS);
    gvr_db_close(db);
}

/* Child: take single GPUs until the registry says busy; exit with the
 * number taken (or 255 on an unexpected error). */
static int conc_child(int id)
{
    gvr_db_t *db = open_db();
    gvr_lease_rep_t rep;
    char job[32];
    gvc_status_t st;
    int got = 0;

    for (int i = 0; db != NULL; i++) {
        snprintf(job, sizeof(job), "p%d-%d", id, i);
        st = do_alloc(db, job, 1000, 1, GVR_LEASE_EXCLUSIVE, 0, 0, 1000,
                      &rep);
        if (st == GVC_ERR_BUSY) {
            break;
        }
        if (st != GVC_OK) {
            got = 255;
            break;
        }
        gvr_lease_rep_free(&rep);
        got++;
    }
    gvr_db_close(db);
    return got;
}

static void test_processes_never_double_book_nor_lose(void)
{
    gvr_db_t *db = fresh_db();
    gvr_gpu_row_t *rows;
    pid_t pid[8];
    int total = 0, status, more;
    uint32_t n;

    add_conc_nodes(db);
    gvr_db_close(db);
    for (int i = 0; i < 8; i++) {
        pid[i] = fork();
        if (pid[i] == 0) {
            _exit(conc_child(i));
        }
    }
    for (int i = 0; i < 8; i++) {
        waitpid(pid[i], &status, 0);
        CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) != 255);
        total += WIFEXITED(status) ? WEXITSTATUS(status) : 0;
    }
    /* Every GPU went to exactly one process. */
    CU_ASSERT_EQUAL(total, CONC_GPUS);
    db = open_db();
    CU_ASSERT_EQUAL(gvr_db_list_gpus(db, "", 0, 100, &rows, &n, &more),
                    GVC_OK);
    CU_ASSERT_EQUAL(n, CONC_GPUS);
    for (uint32_t i = 0; i < n; i++) {
        CU_ASSERT_EQUAL(rows[i].n_leases, 1);
    }
    free(rows);
    gvr_db_close(db);
}

static const gvtest_case_t policy_cases[] = {
    { "test_policy_best_fit_on_one_node", test_policy_best_fit_on_one_node },
    { "test_policy_prefers_gpus_near_the_nic",
      test_policy_prefers_gpus_near_the_nic },
    { "test_policy_spreads_over_fewest_nodes",
      test_policy_spreads_over_fewest_nodes },
    { "test_policy_packs_shared_leases", test_policy_packs_shared_leases },
    { "test_policy_rejects_bad_input", test_policy_rejects_bad_input },
    { NULL, NULL }
};

static const gvtest_case_t db_cases[] = {
    { "test_db_alloc_packs_and_signs", test_db_alloc_packs_and_signs },
    { "test_db_shared_caps_and_exclusion",
      test_db_shared_caps_and_exclusion },
    { "test_db_alloc_is_idempotent_per_job",
      test_db_alloc_is_idempotent_per_job },
    { "test_db_release", test_db_release },
    { "test_db_forgotten_leases_expire", test_db_forgotten_leases_expire },
    { "test_db_silent_nodes_go_down_and_get_nothing",
      test_db_silent_nodes_go_down_and_get_nothing },
    { "test_db_static_nodes", test_db_static_nodes },
    { "test_db_vanished_gpu_kept_while_leased",
      test_db_vanished_gpu_kept_while_leased },
    { "test_db_lease_check", test_db_lease_check },
    { "test_db_lists_page", test_db_lists_page },
    { NULL, NULL }
};

static const gvtest_case_t conc_cases[] = {
    { "test_threads_never_double_book", test_threads_never_double_book },
    { "test_processes_never_double_book_nor_lose",
      test_processes_never_double_book_nor_lose },
    { NULL, NULL }
};

static const gvtest_suite_t suites[] = {
    { "registry_policy", NULL, NULL, policy_cases },
    { "registry_db", db_suite_init, db_suite_fini, db_cases },
    { "registry_concurrency", db_suite_init, db_suite_fini, conc_cases },
    { NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
    return gvtest_main(argc, argv, suites);
}
