/*
 * test_registry_daemon.c - a real gvregistryd, started and stopped by the
 * tests: gvd registration and heartbeats, lease verification, the
 * frontend's job lookup, roles, bad input (the daemon lives on), gvctl's
 * output and exit codes, 32 parallel clients, SIGKILL under load, and
 * the secret and MUNGE modes end to end.
 */
#include "config.h"

#include "gvtest.h"
#include "test_registry_util.h"
#include "gvc_ctl.h"
#include "gvr_auth.h"
#include "gvr_client.h"
#include "gvr_msgio.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXTRA_FAST "heartbeat_timeout = 1s\nsweep_interval = 100ms\n" \
                   "client_timeout = 2s\nnode_users = root, 999\n"

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

/* A client of r claiming uid (auth none). */
static gvr_client_h client_as(const treg_regd_t *r, uint32_t uid,
                              const char *lease_key)
{
    gvr_client_config_t cfg;
    gvr_client_h cl = NULL;
    char err[256];

    treg_client_cfg(r, "none", NULL, &cfg);
    gvc_cfg_set(&gvr_client_cfg_table, &cfg, "registry",
                "heartbeat_interval", "200ms", err, sizeof(err));
    if (lease_key != NULL) {
        gvc_cfg_set(&gvr_client_cfg_table, &cfg, "registry",
                    "lease_key_file", lease_key, err, sizeof(err));
    }
    if (gvr_client_create(&cfg, &cl, err, sizeof(err)) != GVC_OK) {
        printf("\n    %s\n", err);
    } else {
        gvr_client_set_uid(cl, uid);
    }
    gvr_client_config_free(&cfg);
    return cl;
}

static void fake_gpus(gvr_gpu_info_t *g, int n, const char *node)
{
    memset(g, 0, (size_t)n * sizeof(*g));
    for (int i = 0; i < n; i++) {
        g[i].index = (uint32_t)i;
        snprintf(g[i].uuid, sizeof(g[i].uuid), "GPU-%s-%d", node, i);
        snprintf(g[i].name, sizeof(g[i].name), "Fake GPU");
        g[i].mem_bytes = 16ull << 30;
        g[i].sm_count = 80;
        g[i].numa_node = i % 2;
    }
}

static gvc_status_t alloc_job(gvr_client_h cl, const char *job,
                              uint32_t uid, uint32_t count,
                              gvr_lease_rep_t *rep, char *err,
                              size_t errlen)
{
    gvr_alloc_req_t req;

    memset(&req, 0, sizeof(req));
    snprintf(req.job, sizeof(req.job), "%s", job);
    req.uid = uid;
    req.count = count;
    return gvr_alloc(cl, &req, rep, err, errlen);
}

static int start_regd(treg_regd_t *r, const char *auth, const char *sock,
                      const char *extra)
{
    if (treg_regd_init(r, auth, sock, extra) != 0 ||
        treg_regd_start(r) != 0) {
        char cmd[400];

        printf("\n    gvregistryd did not start; log:\n");
        snprintf(cmd, sizeof(cmd), "cat %s", r->log);
        fflush(stdout);
        if (system(cmd) != 0) {
            printf("    (no log)\n");
        }
        return -1;
    }
    return 0;
}

/* ---- gvd side ----------------------------------------------------------*/

static void test_gvd_registers_heartbeats_and_goes_down(void)
{
    treg_regd_t r;
    gvr_client_h gvd, admin;
    gvr_gpu_info_t g[2];
    gvr_node_info_t *nodes = NULL;
    gvr_lease_rep_t rep;
    gvr_node_state_t st;
    gvr_status_rep_t s;
    char err[512];
    uint32_t n = 0;

    if (start_regd(&r, "none", NULL, EXTRA_FAST) != 0) {
        CU_FAIL("gvregistryd did not start");
        treg_regd_destroy(&r);
        return;
    }
    fake_gpus(g, 2, "n1");
    gvd = client_as(&r, 999, NULL); /* a node_users account */
    admin = client_as(&r, 0, NULL);
    CU_ASSERT_EQUAL(gvr_node_register(gvd, "n1", "n1.example", 7600, "",
                                      g, 2, &st, err, sizeof(err)), GVC_OK);
    CU_ASSERT_EQUAL(st, GVR_NODE_UP);
    CU_ASSERT_EQUAL(gvr_status(admin, &s, err, sizeof(err)), GVC_OK);
    CU_ASSERT_EQUAL(s.nodes_up, 1);
    CU_ASSERT_EQUAL(s.gpus_free, 2);
    /* Heartbeats keep it up... */
    for (int i = 0; i < 4; i++) {
        sleep_ms(400);
        CU_ASSERT_EQUAL(gvr_node_heartbeat(gvd, "n1", "n1.example", 7600,
                                           "", g, 2, &st, err, sizeof(err)),
                        GVC_OK);
    }
    CU_ASSERT_EQUAL(gvr_list_nodes(admin, &nodes, &n, err, sizeof(err)),
                    GVC_OK);
    CU_ASSERT_TRUE(n == 1 && nodes[0].state == GVR_NODE_UP);
    free(nodes);
    /* ...silence marks it down, and a down node leases nothing. */
    sleep_ms(1600);
    CU_ASSERT_EQUAL(gvr_list_nodes(admin, &nodes, &n, err, sizeof(err)),
                    GVC_OK);
    CU_ASSERT_TRUE(n == 1 && nodes[0].state == GVR_NODE_DOWN);
    free(nodes);
    CU_ASSERT_EQUAL(alloc_job(admin, "j1", 1000, 1, &rep, err, sizeof(err)),
                    GVC_ERR_BUSY);
    CU_ASSERT_EQUAL(gvr_node_heartbeat(gvd, "n1", "n1.example", 7600, "", g,
                                       2, &st, err, sizeof(err)), GVC_OK);
    CU_ASSERT_EQUAL(alloc_job(admin, "j1", 1000, 1, &rep, err, sizeof(err)),
                    GVC_OK);
    gvr_lease_rep_free(&rep);
    gvr_client_destroy(gvd);
    gvr_client_destroy(admin);
    CU_ASSERT_EQUAL(treg_regd_stop(&r), 0);
    treg_regd_destroy(&r);
}

static void test_lease_verify_offline_and_online(void)
{
    treg_regd_t r;
    gvr_client_h admin, gvd, gvd_nokey;
    gvr_gpu_info_t g[2];
    gvr_lease_rep_t rep;
    gvr_lease_info_t info;
    char err[512], uuid[GVR_UUID_MAX], *cred;
    uint32_t n;

    if (start_regd(&r, "none", NULL, EXTRA_FAST "heartbeat_timeout = 60s\n")
        != 0) {
        CU_FAIL("gvregistryd did not start");
        treg_regd_destroy(&r);
        return;
    }
    fake_gpus(g, 2, "v1");
    admin = client_as(&r, 0, NULL);
    gvd = client_as(&r, 999, r.lease_key);
    gvd_nokey = client_as(&r, 999, NULL);
    CU_ASSERT_EQUAL(gvr_node_register(gvd, "v1", "127.0.0.1", 7600, "", g,
                                      2, NULL, err, sizeof(err)), GVC_OK);
    CU_ASSERT_EQUAL_FATAL(alloc_job(admin, "77", 1000, 1, &rep, err,
                                    sizeof(err)), GVC_OK);
    cred = strdup(rep.credential);
    snprintf(uuid, sizeof(uuid), "%s", rep.lease.gpus[0].uuid);
    gvr_lease_rep_free(&rep);
    CU_ASSERT_EQUAL(gvr_lease_verify(gvd, "77", cred, uuid, 1000, &info, err,
                                     sizeof(err)), GVC_OK);
    CU_ASSERT_EQUAL(info.mode, GVR_LEASE_EXCLUSIVE);
    CU_ASSERT_EQUAL(gvr_lease_verify(gvd_nokey, "77", cred, uuid, 1000,
                                     &info, err, sizeof(err)), GVC_OK);
    CU_ASSERT_EQUAL(gvr_lease_verify(gvd, "77", cred, uuid, 1001, &info, err,
                                     sizeof(err)), GVC_ERR_DENIED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "uid 1000"));
    CU_ASSERT_EQUAL(gvr_lease_verify(gvd_nokey, "78", cred, uuid, 1000,
                                     &info, err, sizeof(err)),
                    GVC_ERR_DENIED);
    /* Released: the signature is still good, the registry says no. */
    CU_ASSERT_EQUAL(gvr_release(admin, "77", &n, err, sizeof(err)), GVC_OK);
    CU_ASSERT_EQUAL(gvr_lease_verify(gvd, "77", cred, uuid, 1000, &info, err,
                                     sizeof(err)), GVC_ERR_DENIED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "no active lease"));
    /* Registry gone: with the lease key the offline check decides. */
    CU_ASSERT_EQUAL_FATAL(alloc_job(admin, "79", 1000, 1, &rep, err,
                                    sizeof(err)), GVC_OK);
    CU_ASSERT_EQUAL(treg_regd_stop(&r), 0);
    CU_ASSERT_EQUAL(gvr_lease_verify(gvd, "79", rep.credential,
                                     rep.lease.gpus[0].uuid, 1000, &info,
                                     err, sizeof(err)), GVC_OK);
    CU_ASSERT_EQUAL(gvr_lease_verify(gvd_nokey, "79", rep.credential,
                                     rep.lease.gpus[0].uuid, 1000, &info,
                                     err, sizeof(err)), GVC_ERR_DENIED);
    gvr_lease_rep_free(&rep);
    free(cred);
    gvr_client_destroy(admin);
    gvr_client_destroy(gvd);
    gvr_client_destroy(gvd_nokey);
    treg_regd_destroy(&r);
}

#define STATIC_NODE                                                           \
    "[node:s1]\nhost = 127.0.0.1\nport = 7600\n"                            \
    "gpu = GPU-s1-0, Fake GPU, 16G, 80, 0\n"                                 \
    "gpu = GPU-s1-1, Fake GPU, 16G, 80, 1\n"

static void test_job_servers_only_for_the_owner(void)
{
    treg_regd_t r;
    gvr_client_h admin, alice, bob;
    gvr_lease_rep_t rep;
    gvr_lease_t *leases;
    char err[512], *servers, *cred;
    uint32_t n;

    if (start_regd(&r, "none", NULL, STATIC_NODE) != 0) {
        CU_FAIL("gvregistryd did not start");
        treg_regd_destroy(&r);
        return;
    }
    admin = client_as(&r, 0, NULL);
    alice = client_as(&r, 1000, NULL);
    bob = client_as(&r, 1001, NULL);
    CU_ASSERT_EQUAL_FATAL(alloc_job(admin, "555", 1000, 2, &rep, err,
                                    sizeof(err)), GVC_OK);
    CU_ASSERT_EQUAL(gvr_job_servers(alice, "555", &servers, &cred, err,
                                    sizeof(err)), GVC_OK);
    CU_ASSERT_STRING_EQUAL(servers, "127.0.0.1:7600#0,127.0.0.1:7600#1");
    CU_ASSERT_STRING_EQUAL(cred, rep.credential);
    free(servers);
    free(cred);
    CU_ASSERT_EQUAL(gvr_job_servers(bob, "555", &servers, &cred, err,
                                    sizeof(err)), GVC_ERR_DENIED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "belongs to uid 1000"));
    CU_ASSERT_EQUAL(gvr_job_servers(alice, "556", &servers, &cred, err,
                                    sizeof(err)), GVC_ERR_NOT_FOUND);
    /* Users see their own leases only. */
    CU_ASSERT_EQUAL(gvr_list_leases(bob, "", &leases, &n, err, sizeof(err)),
                    GVC_OK);
    CU_ASSERT_EQUAL(n, 0);
    gvr_lease_array_free(leases, n);
    CU_ASSERT_EQUAL(gvr_list_leases(alice, "", &leases, &n, err,
                                    sizeof(err)), GVC_OK);
    CU_ASSERT_EQUAL(n, 1);
    gvr_lease_array_free(leases, n);
    gvr_lease_rep_free(&rep);
    gvr_client_destroy(admin);
    gvr_client_destroy(alice);
    gvr_client_destroy(bob);
    treg_regd_destroy(&r);
}

static void test_roles_are_enforced(void)
{
    treg_regd_t r;
    gvr_client_h alice;
    gvr_lease_rep_t rep;
    gvr_gpu_info_t g[1];
    gvr_node_info_t *nodes;
    gvr_lease_info_t info;
    char err[512];
    uint32_t n, roles = 0;

    if (start_regd(&r, "none", NULL, STATIC_NODE) != 0) {
        CU_FAIL("gvregistryd did not start");
        treg_regd_destroy(&r);
        return;
    }
    alice = client_as(&r, 1000, NULL);
    CU_ASSERT_EQUAL(gvr_client_connect(alice, &roles, err, sizeof(err)),
                    GVC_OK);
    CU_ASSERT_EQUAL(roles, GVR_ROLE_USER);
    CU_ASSERT_EQUAL(alloc_job(alice, "1", 1000, 1, &rep, err, sizeof(err)),
                    GVC_ERR_DENIED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "may not alloc"));
    CU_ASSERT_EQUAL(gvr_release(alice, "1", &n, err, sizeof(err)),
                    GVC_ERR_DENIED);
    CU_ASSERT_EQUAL(gvr_node_set_state(alice, "s1", GVR_NODE_DRAINED, "x",
                                       NULL, err, sizeof(err)),
                    GVC_ERR_DENIED);
    fake_gpus(g, 1, "evil");
    CU_ASSERT_EQUAL(gvr_node_register(alice, "evil", "10.0.0.1", 7600, "",
                                      g, 1, NULL, err, sizeof(err)),
                    GVC_ERR_DENIED);
    CU_ASSERT_EQUAL(gvr_lease_verify(alice, "1", "gvl1.x.y", "GPU-s1-0",
                                     1000, &info, err, sizeof(err)),
                    GVC_ERR_DENIED);
    CU_ASSERT_EQUAL(gvr_list_nodes(alice, &nodes, &n, err, sizeof(err)),
                    GVC_OK);
    CU_ASSERT_EQUAL(n, 1);
    free(nodes);
    gvr_client_destroy(alice);
    treg_regd_destroy(&r);
}

/* ---- bad input -----------------------------------------------------------*/

static int raw_connect(const treg_regd_t *r, int read_hello)
{
    gvc_wire_hdr_t hdr;
    uint8_t *args = NULL;
    size_t len;
    char err[256];
    int fd = -1;

    if (gvc_ctl_connect("127.0.0.1", r->port, 5000, &fd, err,
                        sizeof(err)) != GVC_OK) {
        return -1;
    }
    if (read_hello &&
        gvr_msg_recv(fd, 5000, &hdr, &args, &len) != GVC_OK) {
        close(fd);
        fd = -1;
    }
    free(args);
    return fd;
}

/* Read the reply to a bad message: its status, or PEER_DOWN when the
 * registry just closed. */
static int64_t raw_reply(int fd)
{
    gvc_wire_hdr_t hdr;
    uint8_t *args = NULL;
    size_t len;
    gvc_status_t st = gvr_msg_recv(fd, 5000, &hdr, &args, &len);

    free(args);
    return st == GVC_OK ? hdr.result : st;
}

static int raw_auth(int fd)
{
    gvr_auth_req_t a = { .mode = GVR_AUTH_NONE, .uid = 0, .cred = "" };

    return gvr_msg_send(fd, GVR_MSG_AUTH, 0, 0,
                        gvr_msg_find(GVR_MSG_AUTH)->req, &a) == GVC_OK &&
                   raw_reply(fd) == GVC_OK ? 0 : -1;
}

static void test_bad_input_is_refused_and_the_daemon_lives(void)
{
    treg_regd_t r;
    gvr_client_h admin;
    gvr_status_rep_t s;
    uint8_t junk[256], hdrbuf[GVC_WIRE_HDR_SIZE];
    gvc_wire_hdr_t hdr;
    char err[512];
    int fd;

    if (start_regd(&r, "none", NULL, EXTRA_FAST STATIC_NODE) != 0) {
        CU_FAIL("gvregistryd did not start");
        treg_regd_destroy(&r);
        return;
    }
    /* Garbage instead of a header. */
    fd = raw_connect(&r, 1);
    memset(junk, 0xa5, sizeof(junk));
    CU_ASSERT_EQUAL(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
    CU_ASSERT_EQUAL(raw_reply(fd), GVC_ERR_PROTO);
    close(fd);
    /* An oversized message: refused before its bytes are read. */
    fd = raw_connect(&r, 1);
    gvc_wire_hdr_init(&hdr, GVR_MSG_STATUS, 0, 1);
    hdr.args_len = 1u << 20;
    gvc_wire_hdr_pack(&hdr, hdrbuf);
    CU_ASSERT_EQUAL(write(fd, hdrbuf, sizeof(hdrbuf)),
                    (ssize_t)sizeof(hdrbuf));
    CU_ASSERT_EQUAL(raw_reply(fd), GVC_ERR_PROTO);
    close(fd);
    /* Another wire version. */
    fd = raw_connect(&r, 1);
    gvc_wire_hdr_init(&hdr, GVR_MSG_STATUS, 0, 1);
    gvc_wire_hdr_pack(&hdr, hdrbuf);
    hdrbuf[4] = 99;
    CU_ASSERT_EQUAL(write(fd, hdrbuf, sizeof(hdrbuf)),
                    (ssize_t)sizeof(hdrbuf));
    CU_ASSERT_EQUAL(raw_reply(fd), GVC_ERR_VERSION);
    close(fd);
    /* A request before authenticating. */
    fd = raw_connect(&r, 1);
    CU_ASSERT_EQUAL(gvc_ctl_send(fd, GVR_MSG_ALLOC, 0, 0, NULL, 0), GVC_OK);
    CU_ASSERT_EQUAL(raw_reply(fd), GVC_ERR_DENIED);
    close(fd);
    /* Authenticated, then malformed arguments and unknown requests: an
     * error each, and the connection goes on. */
    fd = raw_connect(&r, 1);
    CU_ASSERT_EQUAL_FATAL(raw_auth(fd), 0);
    CU_ASSERT_EQUAL(gvc_ctl_send(fd, GVR_MSG_ALLOC, 0, 0, junk, 7), GVC_OK);
    CU_ASSERT_EQUAL(raw_reply(fd), GVC_ERR_PROTO);
    CU_ASSERT_EQUAL(gvc_ctl_send(fd, 0x12345678, 0, 0, NULL, 0), GVC_OK);
    CU_ASSERT_EQUAL(raw_reply(fd), GVC_ERR_NOT_SUPPORTED);
    CU_ASSERT_EQUAL(gvc_ctl_send(fd, GVR_MSG_AUTH, 0, 0, junk, 3), GVC_OK);
    CU_ASSERT_EQUAL(raw_reply(fd), GVC_ERR_PROTO);
    CU_ASSERT_EQUAL(gvc_ctl_send(fd, GVR_MSG_STATUS, 0, 0, NULL, 0), GVC_OK);
    CU_ASSERT_EQUAL(raw_reply(fd), GVC_OK);
    close(fd);
    /* A header and then silence: dropped after client_timeout. */
    fd = raw_connect(&r, 1);
    gvc_wire_hdr_init(&hdr, GVR_MSG_STATUS, 0, 1);
    hdr.args_len = 100;
    gvc_wire_hdr_pack(&hdr, hdrbuf);
    CU_ASSERT_EQUAL(write(fd, hdrbuf, sizeof(hdrbuf)),
                    (ssize_t)sizeof(hdrbuf));
    CU_ASSERT_EQUAL(raw_reply(fd), GVC_ERR_PEER_DOWN);
    close(fd);
    /* Connections dropped at once. */
    for (int i = 0; i < 20; i++) {
        fd = raw_connect(&r, 0);
        if (fd >= 0) {
            close(fd);
        }
    }
    CU_ASSERT_TRUE(treg_regd_alive(&r));
    admin = client_as(&r, 0, NULL);
    CU_ASSERT_EQUAL(gvr_status(admin, &s, err, sizeof(err)), GVC_OK);
    CU_ASSERT_EQUAL(s.gpus_total, 2);
    gvr_client_destroy(admin);
    CU_ASSERT_EQUAL(treg_regd_stop(&r), 0);
    treg_regd_destroy(&r);
}

static void test_too_many_clients_are_told_so(void)
{
    treg_regd_t r;
    gvr_client_h admin;
    gvr_status_rep_t s;
    char err[512];
    int fd[3];

    if (start_regd(&r, "none", NULL, "max_clients = 3\n") != 0) {
        CU_FAIL("gvregistryd did not start");
        treg_regd_destroy(&r);
        return;
    }
    for (int i = 0; i < 3; i++) {
        fd[i] = raw_connect(&r, 1);
        CU_ASSERT_TRUE(fd[i] >= 0);
    }
    admin = client_as(&r, 0, NULL);
    CU_ASSERT_EQUAL(gvr_status(admin, &s, err, sizeof(err)),
                    GVC_ERR_PEER_DOWN);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "registry busy"));
    close(fd[0]);
    sleep_ms(200);
    CU_ASSERT_EQUAL(gvr_status(admin, &s, err, sizeof(err)), GVC_OK);
    gvr_client_destroy(admin);
    close(fd[1]);
    close(fd[2]);
    CU_ASSERT_EQUAL(treg_regd_stop(&r), 0);
    treg_regd_destroy(&r);
}

/* ---- gvctl -----------------------------------------------------------*/

static int gvctl(const treg_regd_t *r, const char *args, char *out,
                 size_t cap)
{
    char cmd[1024];

    snprintf(cmd, sizeof(cmd), "GVIRTUS_REGISTRY_TIMEOUT=3s %s -H 127.0.0.1 "
             "-p %d -a none %s 2>&1", treg_gvctl(), r->port, args);
    return treg_run(cmd, out, cap);
}

static void expect_gvctl(const treg_regd_t *r, const char *args, int code,
                         const char *text)
{
    char out[8192];
    int rc = gvctl(r, args, out, sizeof(out));

    if (rc != code || (text != NULL && strstr(out, text) == NULL)) {
        printf("\n    gvctl %s: exit %d (want %d), output:\n%s\n", args, rc,
               code, out);
        CU_FAIL("gvctl output or exit code");
    }
}

static void test_gvctl_output_and_exit_codes(void)
{
    treg_regd_t r;
    char cmd[1024];

    if (start_regd(&r, "none", NULL, STATIC_NODE) != 0) {
        CU_FAIL("gvregistryd did not start");
        treg_regd_destroy(&r);
        return;
    }
    /* The summary, then each node's gvd: s1 has none (exit 3). */
    expect_gvctl(&r, "status", 3, "2 total: 2 free");
    expect_gvctl(&r, "status", 3, "node s1 (127.0.0.1:7600): NO ANSWER");
    expect_gvctl(&r, "status --json", 3, "\"free\": 2");
    expect_gvctl(&r, "status --json", 3, "\"node\": \"s1\", \"host\": "
                 "\"127.0.0.1\", \"port\": 7600, \"ok\": false");
    expect_gvctl(&r, "nodes", 0, "127.0.0.1:7600");
    expect_gvctl(&r, "--json nodes", 0, "\"name\": \"s1\"");
    expect_gvctl(&r, "gpus s1", 0, "GPU-s1-1");
    expect_gvctl(&r, "alloc 900 -n 1 --uid 1000", 0, "servers    127.0.0.1");
    expect_gvctl(&r, "alloc 900 -n 1 --uid 1000", 0, "already held");
    expect_gvctl(&r, "alloc 901 -n 2", 6, "only 1 available");
    expect_gvctl(&r, "alloc 901 -n 1 --shared --mem 4G --ttl 2h --env", 0,
                 "export GVIRTUS_SERVERS=127.0.0.1:7600#");
    expect_gvctl(&r, "leases", 0, "901");
    expect_gvctl(&r, "leases 900 --json", 0, "\"uid\": 1000");
    expect_gvctl(&r, "leases 999", 5, NULL);
    expect_gvctl(&r, "job-env 900", 0, "export GVIRTUS_LEASE=gvl1.");
    expect_gvctl(&r, "job-env 999", 5, "no active lease");
    expect_gvctl(&r, "release 900", 0, "released 1 GPUs");
    expect_gvctl(&r, "release 900", 5, "has no lease");
    expect_gvctl(&r, "drain s1 disk swap", 0, "drained");
    expect_gvctl(&r, "nodes", 0, "disk swap");
    expect_gvctl(&r, "alloc 902 -n 1", 6, NULL);
    expect_gvctl(&r, "resume s1", 0, "node s1: up");
    expect_gvctl(&r, "drain nosuch", 5, "no node named");
    expect_gvctl(&r, "alloc 'bad job' -n 1", 9, "bad job id");
    expect_gvctl(&r, "alloc 903", 2, "usage");
    expect_gvctl(&r, "frobnicate", 2, "unknown command");
    expect_gvctl(&r, "status --live", 3, "cannot connect to gvd");
    expect_gvctl(&r, "-a secret status", 8, "registry.secret");
    /* The wrong mode with a readable secret: refused by the registry. */
    snprintf(cmd, sizeof(cmd), "-a secret status");
    setenv("GVIRTUS_REGISTRY_SECRET_FILE", r.secret, 1);
    expect_gvctl(&r, cmd, 4, "requires none authentication");
    unsetenv("GVIRTUS_REGISTRY_SECRET_FILE");
    CU_ASSERT_EQUAL(treg_regd_stop(&r), 0);
    /* Nobody listening. */
    expect_gvctl(&r, "status", 3, "cannot connect");
    treg_regd_destroy(&r);
}

/* ---- load --------------------------------------------------------------*/

#define LOAD_CLIENTS 32
#define LOAD_OPS     1000
#define LOAD_GPUS    32

static pthread_mutex_t shadow_lock = PTHREAD_MUTEX_INITIALIZER;
static char shadow[LOAD_GPUS][GVR_NAME_MAX];
static int load_conflicts, load_granted, load_busy, load_errors;

typedef struct load_arg {
    const treg_regd_t *r;
    int id;
    int ops;
    int hold;                 /* keep leases (SIGKILL test) */
    char held[64][GVR_NAME_MAX]; /* jobs granted and kept */
    char gpus[64][GVR_UUID_MAX * 2];
    int n_held;
} load_arg_t;

static int load_slot(const char *uuid)
{
    /* GPU-l<node>-<i> */
    return (uuid[5] - '0') * 8 + atoi(uuid + 7);
}

static void load_take(const gvr_lease_rep_t *rep)
{
    pthread_mutex_lock(&shadow_lock);
    for (uint32_t i = 0; i < rep->lease.n_gpus; i++) {
        int s = load_slot(rep->lease.gpus[i].uuid);
        if (shadow[s][0] != '\0') {
            load_conflicts++;
        }
        snprintf(shadow[s], sizeof(shadow[s]), "%s", rep->lease.job);
    }
    load_granted++;
    pthread_mutex_unlock(&shadow_lock);
}

static void load_give_back(gvr_client_h cl, const gvr_lease_rep_t *rep)
{
    char err[512];
    uint32_t n;

    pthread_mutex_lock(&shadow_lock);
    for (uint32_t i = 0; i < rep->lease.n_gpus; i++) {
        shadow[load_slot(rep->lease.gpus[i].uuid)][0] = '\0';
    }
    if (gvr_release(cl, rep->lease.job, &n, err, sizeof(err)) != GVC_OK) {
        load_errors++;
    }
    pthread_mutex_unlock(&shadow_lock);
}

/* Hold mode (SIGKILL test): keep granted leases, releasing the oldest
 * now and then so the registry keeps writing.  A release that fails
 * leaves its lease uncertain, so it is dropped from the record. */
static void load_hold_one(gvr_client_h cl, load_arg_t *a,
                          const gvr_lease_rep_t *rep)
{
    char err[512];
    uint32_t n;

    if (a->n_held < 64) {
        snprintf(a->held[a->n_held], GVR_NAME_MAX, "%s", rep->lease.job);
        snprintf(a->gpus[a->n_held], sizeof(a->gpus[0]), "%s",
                 rep->servers);
        a->n_held++;
    }
    if (a->n_held > 1) {
        gvr_release(cl, a->held[0], &n, err, sizeof(err));
        memmove(a->held, a->held + 1, (size_t)(a->n_held - 1) *
                sizeof(a->held[0]));
        memmove(a->gpus, a->gpus + 1, (size_t)(a->n_held - 1) *
                sizeof(a->gpus[0]));
        a->n_held--;
    }
}

static void *load_thread(void *p)
{
    load_arg_t *a = p;
    gvr_client_h cl = client_as(a->r, 0, NULL);
    gvr_lease_rep_t rep;
    char job[64], err[512];
    gvc_status_t st;

    /* ops successful allocations each (a busy registry is retried). */
    for (int i = 0, tries = 0; cl != NULL && i < a->ops && tries < 100000;
         tries++) {
        snprintf(job, sizeof(job), "L%d-%d", a->id, i);
        st = alloc_job(cl, job, 1000 + (uint32_t)a->id,
                       1 + (uint32_t)(i % 2), &rep, err, sizeof(err));
        if (st == GVC_ERR_BUSY) {
            __sync_fetch_and_add(&load_busy, 1);
            sleep_ms(5);
            continue;
        }
        i++;
        if (st != GVC_OK) {
            __sync_fetch_and_add(&load_errors, 1);
            if (a->hold) {
                break; /* the registry was killed */
            }
            continue;
        }
        if (a->hold) {
            load_hold_one(cl, a, &rep);
        } else {
            load_take(&rep);
            load_give_back(cl, &rep);
        }
        gvr_lease_rep_free(&rep);
    }
    gvr_client_destroy(cl);
    return NULL;
}

static const char load_nodes[] =
    "[node:l0]\nhost = l0\nport = 7600\n"
    "gpu = GPU-l0-0\ngpu = GPU-l0-1\ngpu = GPU-l0-2\ngpu = GPU-l0-3\n"
    "gpu = GPU-l0-4\ngpu = GPU-l0-5\ngpu = GPU-l0-6\ngpu = GPU-l0-7\n"
    "[node:l1]\nhost = l1\nport = 7600\n"
    "gpu = GPU-l1-0\ngpu = GPU-l1-1\ngpu = GPU-l1-2\ngpu = GPU-l1-3\n"
    "gpu = GPU-l1-4\ngpu = GPU-l1-5\ngpu = GPU-l1-6\ngpu = GPU-l1-7\n"
    "[node:l2]\nhost = l2\nport = 7600\n"
    "gpu = GPU-l2-0\ngpu = GPU-l2-1\ngpu = GPU-l2-2\ngpu = GPU-l2-3\n"
    "gpu = GPU-l2-4\ngpu = GPU-l2-5\ngpu = GPU-l2-6\ngpu = GPU-l2-7\n"
    "[node:l3]\nhost = l3\nport = 7600\n"
    "gpu = GPU-l3-0\ngpu = GPU-l3-1\ngpu = GPU-l3-2\ngpu = GPU-l3-3\n"
    "gpu = GPU-l3-4\ngpu = GPU-l3-5\ngpu = GPU-l3-6\ngpu = GPU-l3-7\n";

static void test_parallel_clients_never_double_book(void)
{
    static load_arg_t args[LOAD_CLIENTS];
    pthread_t t[LOAD_CLIENTS];
    treg_regd_t r;
    gvr_client_h admin;
    gvr_status_rep_t s;
    char err[512];
    long long t0;

    if (start_regd(&r, "none", NULL, load_nodes) != 0) {
        CU_FAIL("gvregistryd did not start");
        treg_regd_destroy(&r);
        return;
    }
    load_conflicts = load_granted = load_busy = load_errors = 0;
    memset(shadow, 0, sizeof(shadow));
    t0 = treg_now_ms();
    for (int i = 0; i < LOAD_CLIENTS; i++) {
        memset(&args[i], 0, sizeof(args[i]));
        args[i].r = &r;
        args[i].id = i;
        /* 1000 granted allocations in all, over 32 clients. */
        args[i].ops = LOAD_OPS / LOAD_CLIENTS + (i < LOAD_OPS % LOAD_CLIENTS);
        pthread_create(&t[i], NULL, load_thread, &args[i]);
    }
    for (int i = 0; i < LOAD_CLIENTS; i++) {
        pthread_join(t[i], NULL);
    }
    printf("\n    %d granted, %d busy in %lld ms ", load_granted, load_busy,
           treg_now_ms() - t0);
    CU_ASSERT_EQUAL(load_conflicts, 0);
    CU_ASSERT_EQUAL(load_errors, 0);
    CU_ASSERT_EQUAL(load_granted, LOAD_OPS);
    admin = client_as(&r, 0, NULL);
    CU_ASSERT_EQUAL(gvr_status(admin, &s, err, sizeof(err)), GVC_OK);
    CU_ASSERT_EQUAL(s.leases, 0);
    CU_ASSERT_EQUAL(s.gpus_free, LOAD_GPUS);
    gvr_client_destroy(admin);
    CU_ASSERT_EQUAL(treg_regd_stop(&r), 0);
    treg_regd_destroy(&r);
}

/* Every lease a client was told it got must survive a SIGKILL. */
static void check_held_after_restart(const treg_regd_t *r,
                                     const load_arg_t *args, int n_args)
{
    gvr_client_h admin = client_as(r, 0, NULL);
    gvr_gpu_row_t *rows;
    char err[512], *servers, *cred;
    int checked = 0;
    uint32_t n;

    for (int i = 0; i < n_args; i++) {
        for (int j = 0; j < args[i].n_held; j++) {
            CU_ASSERT_EQUAL(gvr_job_servers(admin, args[i].held[j],
                                            &servers, &cred, err,
                                            sizeof(err)), GVC_OK);
            if (servers != NULL) {
                CU_ASSERT_STRING_EQUAL(servers, args[i].gpus[j]);
            }
            free(servers);
            free(cred);
            checked++;
        }
    }
    printf("\n    %d granted leases checked after restart ", checked);
    CU_ASSERT_TRUE(checked > 0);
    /* And no GPU is in two exclusive leases. */
    CU_ASSERT_EQUAL(gvr_list_gpus(admin, "", &rows, &n, err, sizeof(err)),
                    GVC_OK);
    for (uint32_t i = 0; i < n; i++) {
        CU_ASSERT_TRUE(rows[i].n_leases <= 1);
    }
    free(rows);
    gvr_client_destroy(admin);
}

static void test_sigkill_under_load_keeps_granted_leases(void)
{
    static load_arg_t args[LOAD_CLIENTS];
    pthread_t t[LOAD_CLIENTS];
    treg_regd_t r;

    if (start_regd(&r, "none", NULL, load_nodes) != 0) {
        CU_FAIL("gvregistryd did not start");
        treg_regd_destroy(&r);
        return;
    }
    load_errors = load_busy = 0;
    for (int i = 0; i < LOAD_CLIENTS; i++) {
        memset(&args[i], 0, sizeof(args[i]));
        args[i].r = &r;
        args[i].id = i;
        args[i].ops = 1000;
        args[i].hold = 1;
        pthread_create(&t[i], NULL, load_thread, &args[i]);
    }
    /* Kill it while allocations and releases are in flight. */
    sleep_ms(300);
    treg_regd_kill(&r);
    for (int i = 0; i < LOAD_CLIENTS; i++) {
        pthread_join(t[i], NULL);
    }
    CU_ASSERT_EQUAL_FATAL(treg_regd_start(&r), 0);
    check_held_after_restart(&r, args, LOAD_CLIENTS);
    CU_ASSERT_EQUAL(treg_regd_stop(&r), 0);
    treg_regd_destroy(&r);
}

/* ---- authentication end to end -------------------------------------------*/

static void test_secret_mode_end_to_end(void)
{
    treg_regd_t r;
    gvr_client_config_t cfg;
    gvr_client_h cl;
    gvr_status_rep_t s;
    char err[512], other[400];
    uint32_t roles = 0;

    if (start_regd(&r, "secret", NULL, STATIC_NODE) != 0) {
        CU_FAIL("gvregistryd did not start");
        treg_regd_destroy(&r);
        return;
    }
    treg_client_cfg(&r, "secret", NULL, &cfg);
    CU_ASSERT_EQUAL_FATAL(gvr_client_create(&cfg, &cl, err, sizeof(err)),
                          GVC_OK);
    CU_ASSERT_EQUAL(gvr_client_connect(cl, &roles, err, sizeof(err)),
                    GVC_OK);
    CU_ASSERT_TRUE(roles & GVR_ROLE_ADMIN);
    CU_ASSERT_EQUAL(gvr_status(cl, &s, err, sizeof(err)), GVC_OK);
    gvr_client_destroy(cl);
    /* Another secret: refused, with the reason. */
    snprintf(other, sizeof(other), "%s/other.secret", r.dir);
    gvr_key_generate(other, err, sizeof(err));
    gvc_cfg_set(&gvr_client_cfg_table, &cfg, "registry", "secret_file",
                other, err, sizeof(err));
    CU_ASSERT_EQUAL_FATAL(gvr_client_create(&cfg, &cl, err, sizeof(err)),
                          GVC_OK);
    CU_ASSERT_EQUAL(gvr_status(cl, &s, err, sizeof(err)), GVC_ERR_DENIED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "secret file differs"));
    gvr_client_destroy(cl);
    /* No authentication at all: refused. */
    gvc_cfg_set(&gvr_client_cfg_table, &cfg, "registry", "auth", "none",
                err, sizeof(err));
    CU_ASSERT_EQUAL_FATAL(gvr_client_create(&cfg, &cl, err, sizeof(err)),
                          GVC_OK);
    CU_ASSERT_EQUAL(gvr_status(cl, &s, err, sizeof(err)), GVC_ERR_DENIED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "requires secret"));
    gvr_client_destroy(cl);
    gvr_client_config_free(&cfg);
    CU_ASSERT_EQUAL(treg_regd_stop(&r), 0);
    treg_regd_destroy(&r);
}

/* In a child as uid 65534: list nodes (allowed), alloc (refused). */
static int munge_nobody_child(const treg_regd_t *r, const char *sock)
{
    gvr_client_config_t cfg;
    gvr_client_h cl;
    gvr_node_info_t *nodes;
    gvr_lease_rep_t rep;
    char err[512];
    uint32_t n;

    if (setgid(65534) != 0 || setuid(65534) != 0) {
        return 10;
    }
    treg_client_cfg(r, "munge", sock, &cfg);
    if (gvr_client_create(&cfg, &cl, err, sizeof(err)) != GVC_OK) {
        return 11;
    }
    if (gvr_list_nodes(cl, &nodes, &n, err, sizeof(err)) != GVC_OK) {
        return 12;
    }
    free(nodes);
    if (alloc_job(cl, "x", 65534, 1, &rep, err, sizeof(err)) !=
            GVC_ERR_DENIED || strstr(err, "nobody (uid 65534)") == NULL) {
        return 13;
    }
    gvr_client_destroy(cl);
    gvr_client_config_free(&cfg);
    return 0;
}

static void test_munge_mode_end_to_end(void)
{
    treg_munge_t m;
    treg_regd_t r;
    gvr_client_config_t cfg;
    gvr_client_h cl;
    gvr_status_rep_t s;
    char why[256], err[512];
    int status = -1;
    pid_t pid;

    if (!gvr_munge_available()) {
        GVTEST_SKIP("built without libmunge");
    }
    if (treg_munge_start(&m, why, sizeof(why)) != 0) {
        GVTEST_SKIP(why);
    }
    if (start_regd(&r, "munge", m.socket, STATIC_NODE) != 0) {
        CU_FAIL("gvregistryd did not start");
        treg_regd_destroy(&r);
        treg_munge_stop(&m);
        return;
    }
    treg_client_cfg(&r, "munge", m.socket, &cfg);
    CU_ASSERT_EQUAL_FATAL(gvr_client_create(&cfg, &cl, err, sizeof(err)),
                          GVC_OK);
    CU_ASSERT_EQUAL(gvr_status(cl, &s, err, sizeof(err)), GVC_OK);
    /* Claiming a uid munged does not vouch for. */
    gvr_client_set_uid(cl, 1000);
    CU_ASSERT_EQUAL(gvr_status(cl, &s, err, sizeof(err)), GVC_ERR_DENIED);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "claims uid 1000"));
    gvr_client_destroy(cl);
    gvr_client_config_free(&cfg);
    pid = fork();
    if (pid == 0) {
        _exit(munge_nobody_child(&r, m.socket));
    }
    waitpid(pid, &status, 0);
    CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CU_ASSERT_EQUAL(treg_regd_stop(&r), 0);
    treg_regd_destroy(&r);
    treg_munge_stop(&m);
}

static const gvtest_case_t daemon_cases[] = {
    { "test_gvd_registers_heartbeats_and_goes_down",
      test_gvd_registers_heartbeats_and_goes_down },
    { "test_lease_verify_offline_and_online",
      test_lease_verify_offline_and_online },
    { "test_job_servers_only_for_the_owner",
      test_job_servers_only_for_the_owner },
    { "test_roles_are_enforced", test_roles_are_enforced },
    { "test_bad_input_is_refused_and_the_daemon_lives",
      test_bad_input_is_refused_and_the_daemon_lives },
    { "test_too_many_clients_are_told_so",
      test_too_many_clients_are_told_so },
    { "test_gvctl_output_and_exit_codes", test_gvctl_output_and_exit_codes },
    { NULL, NULL }
};

static const gvtest_case_t load_cases[] = {
    { "test_parallel_clients_never_double_book",
      test_parallel_clients_never_double_book },
    { "test_sigkill_under_load_keeps_granted_leases",
      test_sigkill_under_load_keeps_granted_leases },
    { NULL, NULL }
};

static const gvtest_case_t auth_cases[] = {
    { "test_secret_mode_end_to_end", test_secret_mode_end_to_end },
    { "test_munge_mode_end_to_end", test_munge_mode_end_to_end },
    { NULL, NULL }
};

static const gvtest_suite_t suites[] = {
    { "registry_daemon", NULL, NULL, daemon_cases },
    { "registry_load", NULL, NULL, load_cases },
    { "registry_daemon_auth", NULL, NULL, auth_cases },
    { NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    return gvtest_main(argc, argv, suites);
}
