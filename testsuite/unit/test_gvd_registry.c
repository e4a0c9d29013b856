/*
 * test_gvd_registry.c - gvd and the CUDA frontend with the registry, end
 * to end: a real gvregistryd and a real gvd (simulated device) started
 * here, gvctl for the admin side, and simapp (linked against our
 * libcudart.so.13) as a job's program.
 *
 *   announce  gvd registers its node and GPU, heartbeats (SIGSTOP makes
 *             it go down, SIGCONT up again), survives a registry that is
 *             down at its start or misconfigured
 *   lease     gvd.auth = lease: a job finds its GPUs through the registry
 *             and runs; refusals name why; the lease's memory cap is the
 *             worker's quota; exclusive leases keep other jobs off a GPU
 *   munge     the same with MUNGE authentication (skipped without munged)
 *
 * Registry authentication is the shared secret unless said otherwise.
 */
#include "config.h"

#include "gvtest.h"
#include "test_registry_util.h"
#include "gvc_ctl.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NODE "simnode"
#define SIM_UUID "GPU-00000000000000000000000000000001"

/* A registry and a gvd that uses it. */
typedef struct rig {
    treg_regd_t r;
    const char *auth;        /* registry auth: secret or munge */
    const char *munge;       /* munged socket, or "" */
    pid_t gvd;               /* 0: not running */
    int port;                /* gvd's control port */
    char ini[400];
    char log[400];
} rig_t;

static rig_t R;              /* the lease suite's rig */

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

static int free_port(void)
{
    int fd, port = 0;

    if (gvc_ctl_listen("127.0.0.1", 0, 1, &fd, &port, NULL, 0) == GVC_OK) {
        close(fd);
    }
    return port;
}

/* Occurrences of needle in the file at path. */
static int file_count(const char *path, const char *needle)
{
    static char buf[1 << 18];
    FILE *fp = fopen(path, "r");
    size_t n;
    int count = 0;

    if (fp == NULL) {
        return 0;
    }
    n = fread(buf, 1, sizeof(buf) - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    for (char *p = buf; (p = strstr(p, needle)) != NULL; p++) {
        count++;
    }
    return count;
}

/* Workers of gvd (its children). */
static int gvd_workers(pid_t gvd)
{
    char path[300], buf[512], *rp;
    struct dirent *de;
    int n = 0, ppid;
    DIR *d = opendir("/proc");
    FILE *fp;

    while (d != NULL && (de = readdir(d)) != NULL) {
        if (de->d_name[0] < '0' || de->d_name[0] > '9') {
            continue;
        }
        snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
        if ((fp = fopen(path, "r")) == NULL) {
            continue;
        }
        if (fgets(buf, sizeof(buf), fp) != NULL &&
            (rp = strrchr(buf, ')')) != NULL &&
            sscanf(rp + 2, "%*c %d", &ppid) == 1 && ppid == gvd) {
            n++;
        }
        fclose(fp);
    }
    if (d != NULL) {
        closedir(d);
    }
    return n;
}

/* ---- the rig ---------------------------------------------------------------*/

static void rig_write_gvd_ini(rig_t *g, const char *gvd_auth,
                              const char *extra)
{
    char sim[512];
    FILE *fp;

    snprintf(g->ini, sizeof(g->ini), "%s/gvd.ini", g->r.dir);
    snprintf(g->log, sizeof(g->log), "%s/gvd.log", g->r.dir);
    gvtest_builddir("gvd/.libs/libgvdsim.so", sim, sizeof(sim));
    fp = fopen(g->ini, "w");
    fprintf(fp, "[gvd]\nlisten = 127.0.0.1\nport = %d\ndevice = sim\n"
            "sim_runtime = %s\ncache_dir =\nsim_memory = 2G\nspin_us = 50\n"
            "shutdown_timeout = 3s\nlog_level = info\nauth = %s\n"
            "node_name = " NODE "\nadvertise_host = 127.0.0.1\n"
            "[registry]\naddress = 127.0.0.1\nport = %d\nauth = %s\n"
            "secret_file = %s\nlease_key_file = %s\nmunge_socket = %s\n"
            "heartbeat_interval = 200ms\ntimeout = 2s\n%s\n", g->port, sim,
            gvd_auth, g->r.port, g->auth, g->r.secret, g->r.lease_key,
            g->munge, extra ? extra : "");
    fclose(fp);
}

/* Start gvd on the rig's ini; wait until it accepts.  0 or -1. */
static int rig_start_gvd(rig_t *g)
{
    char exe[512], err[256];
    long long t0 = treg_now_ms();
    int fd, st;

    gvtest_builddir("gvd/gvd", exe, sizeof(exe));
    g->gvd = fork();
    if (g->gvd == 0) {
        fd = open(g->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        dup2(fd, 2);
        dup2(fd, 1);
        execl(exe, "gvd", "-c", g->ini, (char *)NULL);
        _exit(127);
    }
    while (treg_now_ms() - t0 < 10000) {
        if (waitpid(g->gvd, &st, WNOHANG) == g->gvd) {
            g->gvd = 0;
            return -1;
        }
        if (gvc_ctl_connect("127.0.0.1", g->port, 200, &fd, err,
                            sizeof(err)) == GVC_OK) {
            close(fd);
            return 0;
        }
        sleep_ms(20);
    }
    return -1;
}

/*
 * A registry (auth: secret or munge; started unless regd_port names a
 * port for it to take later) and a gvd (gvd_auth: none or lease; extra:
 * more lines for gvd.ini's [registry]).  reg_extra goes to registry.ini.
 */
static int rig_start(rig_t *g, const char *auth, const char *munge,
                     int regd_port, const char *reg_extra,
                     const char *gvd_auth, const char *gvd_extra)
{
    char extra[2048];

    memset(g, 0, sizeof(*g));
    g->auth = auth;
    g->munge = munge ? munge : "";
    /* A fixed port (a registry started later) overrides port = 0. */
    snprintf(extra, sizeof(extra), "heartbeat_timeout = 1s\n"
             "sweep_interval = 100ms\nport = %d\n%s", regd_port,
             reg_extra ? reg_extra : "");
    if (treg_regd_init(&g->r, auth, g->munge, extra) != 0) {
        return -1;
    }
    if (regd_port != 0) {
        g->r.port = regd_port;
    } else if (treg_regd_start(&g->r) != 0) {
        return -1;
    }
    g->port = free_port();
    rig_write_gvd_ini(g, gvd_auth, gvd_extra);
    return rig_start_gvd(g);
}

/* SIGTERM gvd (0 when it stopped cleanly), stop the registry. */
static int rig_stop(rig_t *g)
{
    int st = -1, rc = -1;

    if (g->gvd > 0) {
        kill(g->gvd, SIGCONT);
        kill(g->gvd, SIGTERM);
        for (int i = 0; i < 500 && waitpid(g->gvd, &st, WNOHANG) == 0; i++) {
            sleep_ms(20);
        }
        if (kill(g->gvd, 0) == 0 && waitpid(g->gvd, &st, WNOHANG) == 0) {
            kill(g->gvd, SIGKILL);
            waitpid(g->gvd, &st, 0);
        }
        rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        g->gvd = 0;
    }
    treg_regd_destroy(&g->r);
    return rc;
}

/* gvctl against the rig's registry; its exit code, output in out. */
static int rig_gvctl(const rig_t *g, const char *args, char *out, size_t cap)
{
    char cmd[2048];

    snprintf(cmd, sizeof(cmd), "GVIRTUS_REGISTRY_SECRET_FILE=%s "
             "GVIRTUS_REGISTRY_MUNGE_SOCKET=%s GVIRTUS_REGISTRY_TIMEOUT=3s "
             "%s -H 127.0.0.1 -p %d -a %s %s 2>&1", g->r.secret, g->munge,
             treg_gvctl(), g->r.port, g->auth, args);
    return treg_run(cmd, out, cap);
}

/* The registry's state of our node ("up", "down", ...; "" unknown). */
static void rig_node_state(const rig_t *g, char *state, size_t cap)
{
    char out[8192], name[64], ep[300], st[32], *line;

    state[0] = '\0';
    if (rig_gvctl(g, "nodes", out, sizeof(out)) != 0) {
        return;
    }
    for (line = strtok(out, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        if (sscanf(line, "%63s %299s %31s", name, ep, st) == 3 &&
            strcmp(name, NODE) == 0) {
            snprintf(state, cap, "%s", st);
        }
    }
}

/* Wait until the node is in state; 0, or -1 after ms. */
static int rig_wait_state(const rig_t *g, const char *want, long ms)
{
    long long end = treg_now_ms() + ms;
    char state[32];

    do {
        rig_node_state(g, state, sizeof(state));
        if (strcmp(state, want) == 0) {
            return 0;
        }
        sleep_ms(50);
    } while (treg_now_ms() < end);
    printf("\n      node " NODE " is '%s', not '%s'\n", state, want);
    return -1;
}

/* Lease a GPU to job (gvctl alloc JOB -n 1 OPTS); the credential in
 * cred.  0 or -1. */
static int rig_lease(const rig_t *g, const char *job, const char *opts,
                     char *cred, size_t cap)
{
    char args[256], out[16384], *p;

    snprintf(args, sizeof(args), "alloc %s -n 1 %s --env", job,
             opts ? opts : "");
    if (rig_gvctl(g, args, out, sizeof(out)) != 0 ||
        (p = strstr(out, "export GVIRTUS_LEASE=")) == NULL) {
        printf("\n      gvctl %s: %s\n", args, out);
        return -1;
    }
    p += strlen("export GVIRTUS_LEASE=");
    p[strcspn(p, "\n")] = '\0';
    snprintf(cred, cap, "%s", p);
    return 0;
}

static void rig_release(const rig_t *g, const char *job)
{
    char args[128], out[1024];

    snprintf(args, sizeof(args), "release %s", job);
    rig_gvctl(g, args, out, sizeof(out));
}

/* ---- the job's program -------------------------------------------------*/

/*
 * Start simapp MODE as a job would run it: env entries ("NAME=value",
 * NULL-terminated) on top of a clean gvirtus environment.  Without
 * GVIRTUS_SERVERS among them it names the rig's gvd; use_registry adds
 * the registry's address and authentication.  stdout+stderr to out_fd.
 */
static pid_t job_spawn(const rig_t *g, const char *mode, const char **env,
                       int use_registry, int out_fd)
{
    static const char *const clean[] = {
        "SLURM_JOB_ID", "GVIRTUS_LEASE", "GVIRTUS_SECRET",
        "GVIRTUS_SECRET_FILE", "GVIRTUS_REGISTRY_ADDRESS", "UCX_TLS", NULL
    };
    char exe[512], srv[64], port[16];
    pid_t pid;

    gvtest_builddir("testsuite/unit/simapp", exe, sizeof(exe));
    pid = fork();
    if (pid != 0) {
        return pid;
    }
    for (int i = 0; clean[i] != NULL; i++) {
        unsetenv(clean[i]);
    }
    setenv("GVIRTUS_CONFIG", "/dev/null", 1);
    setenv("GVIRTUS_LOGLEVEL", "warn", 1);
    snprintf(srv, sizeof(srv), "127.0.0.1:%d", g->port);
    setenv("GVIRTUS_SERVERS", srv, 1);
    if (use_registry) {
        snprintf(port, sizeof(port), "%d", g->r.port);
        setenv("GVIRTUS_REGISTRY_ADDRESS", "127.0.0.1", 1);
        setenv("GVIRTUS_REGISTRY_PORT", port, 1);
        setenv("GVIRTUS_REGISTRY_AUTH", g->auth, 1);
        setenv("GVIRTUS_REGISTRY_SECRET_FILE", g->r.secret, 1);
        setenv("GVIRTUS_REGISTRY_MUNGE_SOCKET", g->munge, 1);
    }
    for (; env != NULL && *env != NULL; env++) {
        putenv((char *)*env);
    }
    dup2(out_fd, 1);
    dup2(out_fd, 2);
    execl(exe, "simapp", mode, (char *)NULL);
    _exit(127);
}

/* Run simapp to the end; its exit code, output in out. */
static int job_run(const rig_t *g, const char *mode, const char **env,
                   int use_registry, char *out, size_t cap)
{
    char path[400];
    int fd, st = 0;
    ssize_t n;

    snprintf(path, sizeof(path), "%s/simapp.out", g->r.dir);
    fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    waitpid(job_spawn(g, mode, env, use_registry, fd), &st, 0);
    lseek(fd, 0, SEEK_SET);
    n = read(fd, out, cap - 1);
    out[n > 0 ? n : 0] = '\0';
    close(fd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Start a busy simapp for a job; returns once it holds the GPU. */
static pid_t job_busy(const rig_t *g, const char **env, int *fd_p)
{
    char buf[512];
    size_t have = 0;
    long long end = treg_now_ms() + 20000;
    int pa[2];
    ssize_t n;
    pid_t pid;

    if (pipe(pa) != 0) {
        return -1;
    }
    pid = job_spawn(g, "busy", env, 0, pa[1]);
    close(pa[1]);
    fcntl(pa[0], F_SETFL, O_NONBLOCK);
    while (treg_now_ms() < end) {
        n = read(pa[0], buf + have, sizeof(buf) - 1 - have);
        if (n > 0) {
            have += (size_t)n;
            buf[have] = '\0';
            if (strstr(buf, "READY") != NULL) {
                *fd_p = pa[0];
                return pid;
            }
        }
        sleep_ms(10);
    }
    printf("\n      busy job did not start: %.*s\n", (int)have, buf);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(pa[0]);
    return -1;
}

static void job_kill(pid_t pid, int fd)
{
    if (pid > 0) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    if (fd >= 0) {
        close(fd);
    }
}

/* Wait until gvd has reaped every worker. */
static int rig_wait_idle(const rig_t *g)
{
    long long end = treg_now_ms() + 5000;

    while (gvd_workers(g->gvd) > 0 && treg_now_ms() < end) {
        sleep_ms(20);
    }
    return gvd_workers(g->gvd) == 0 ? 0 : -1;
}

/* gvd and simapp are built only with the CUDA headers. */
static int have_gvd(void)
{
    char gvd[512], app[512];

    gvtest_builddir("gvd/gvd", gvd, sizeof(gvd));
    gvtest_builddir("testsuite/unit/simapp", app, sizeof(app));
    return access(gvd, X_OK) == 0 && access(app, X_OK) == 0;
}

#define NEED_GVD()                                                            \
    do {                                                                      \
        if (!have_gvd()) {                                                    \
            GVTEST_SKIP("gvd and simapp are not built (no CUDA headers)");    \
        }                                                                     \
    } while (0)

/* ---- announce ------------------------------------------------------------*/

static void test_registers_and_heartbeats(void)
{
    char out[8192];
    rig_t g;

    NEED_GVD();

    CU_ASSERT_EQUAL_FATAL(rig_start(&g, "secret", NULL, 0, NULL, "none",
                                    NULL), 0);
    CU_ASSERT_EQUAL(rig_wait_state(&g, "up", 3000), 0);
    CU_ASSERT_EQUAL(rig_gvctl(&g, "gpus", out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, SIM_UUID));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "gvirtus simulated GPU"));
    CU_ASSERT_EQUAL(rig_gvctl(&g, "nodes", out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "127.0.0.1"));
    /* gvctl status: the nodes from the registry, each gvd's counters. */
    CU_ASSERT_EQUAL(rig_gvctl(&g, "status --json", out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"gvd\": [\n  {\"node\": \"" NODE
                                       "\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"ok\": true, \"version\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "\"uuid\": \"" SIM_UUID "\""));
    CU_ASSERT_EQUAL(rig_gvctl(&g, "status", out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "node " NODE " (127.0.0.1:"));
    /* A gvd that stops heartbeating goes down, and up when it resumes. */
    kill(g.gvd, SIGSTOP);
    CU_ASSERT_EQUAL(rig_wait_state(&g, "down", 5000), 0);
    kill(g.gvd, SIGCONT);
    CU_ASSERT_EQUAL(rig_wait_state(&g, "up", 3000), 0);
    CU_ASSERT_EQUAL(file_count(g.log, "registered node " NODE), 1);
    CU_ASSERT_EQUAL(rig_stop(&g), 0);
}

/* gvd comes up without its registry, serves, warns once, and registers
 * when the registry appears. */
static void test_registry_down_then_up(void)
{
    char out[8192];
    rig_t g;

    NEED_GVD();

    CU_ASSERT_EQUAL_FATAL(rig_start(&g, "secret", NULL, free_port(), NULL,
                                    "none", NULL), 0);
    CU_ASSERT_EQUAL(job_run(&g, "copies", NULL, 0, out, sizeof(out)), 0);
    sleep_ms(1500); /* two attempts: at start and 1 s later */
    CU_ASSERT_EQUAL(file_count(g.log, "cannot register node " NODE), 1);
    CU_ASSERT_EQUAL_FATAL(treg_regd_start(&g.r), 0);
    CU_ASSERT_EQUAL(rig_wait_state(&g, "up", 8000), 0);
    CU_ASSERT_EQUAL(file_count(g.log, "reachable again"), 1);
    CU_ASSERT_EQUAL(file_count(g.log, "cannot register node " NODE), 1);
    CU_ASSERT_EQUAL(rig_stop(&g), 0);
}

/* A [registry] gvd cannot use is logged; local clients are served. */
static void test_bad_registry_setting_keeps_serving(void)
{
    char out[4096];
    rig_t g;

    NEED_GVD();

    CU_ASSERT_EQUAL_FATAL(rig_start(&g, "secret", NULL, 0, NULL, "none",
                                    "secret_file = /nonexistent/secret"), 0);
    CU_ASSERT_EQUAL(job_run(&g, "first-error", NULL, 0, out, sizeof(out)),
                    0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "cudaSuccess"));
    CU_ASSERT(file_count(g.log, "this node will not be registered") == 1);
    CU_ASSERT_EQUAL(rig_stop(&g), 0);
}

/* ---- lease ---------------------------------------------------------------*/

/* A second node, declared in registry.ini and kept drained, holds the
 * GPU of the "lease for another GPU" case. */
#define OTHER_NODE                                                            \
    "[node:other]\nhost = 127.0.0.1\nport = 1\n"                              \
    "gpu = GPU-ffffffff-0000-0000-0000-000000000001, other GPU, 1G, 1\n"

static int lease_init(void)
{
    char out[1024];

    if (!have_gvd()) {
        return 0; /* each test says it is skipped */
    }
    if (rig_start(&R, "secret", NULL, 0, OTHER_NODE, "lease", NULL) != 0 ||
        rig_wait_state(&R, "up", 3000) != 0 ||
        rig_gvctl(&R, "drain other tests", out, sizeof(out)) != 0) {
        rig_stop(&R);
        return -1;
    }
    return 0;
}

static int lease_fini(void)
{
    return !have_gvd() || rig_stop(&R) == 0 ? 0 : -1;
}

/* SLURM_JOB_ID and no GVIRTUS_SERVERS: the registry names the GPU and
 * (without GVIRTUS_LEASE) gives the credential too. */
static void test_job_finds_its_gpu_in_the_registry(void)
{
    char cred[4096], lease[4200], out[8192];
    const char *env[] = { "SLURM_JOB_ID=4242", "GVIRTUS_SERVERS=", lease,
                          NULL };

    NEED_GVD();

    CU_ASSERT_EQUAL_FATAL(rig_lease(&R, "4242", NULL, cred, sizeof(cred)),
                          0);
    snprintf(lease, sizeof(lease), "GVIRTUS_LEASE=%s", cred);
    CU_ASSERT_EQUAL(job_run(&R, "copies", env, 1, out, sizeof(out)), 0);
    env[2] = NULL;
    CU_ASSERT_EQUAL(job_run(&R, "first-error", env, 1, out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "cudaSuccess"));
    CU_ASSERT(file_count(R.log, "lease of job 4242: exclusive") >= 2);
    rig_release(&R, "4242");
    /* After the release the registry has nothing for the job. */
    CU_ASSERT_EQUAL(job_run(&R, "first-error", env, 1, out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "job 4242 has no active lease"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "cudaErrorNoDevice"));
}

/* Present cred as job's lease to gvd directly; the refusal must carry
 * reason and map to cudaErrorNotPermitted. */
static void expect_refused(const char *job, const char *cred,
                           const char *reason)
{
    char e_job[64], e_cred[4200], out[8192];
    const char *env[] = { e_job, e_cred, NULL };

    snprintf(e_job, sizeof(e_job), "SLURM_JOB_ID=%s", job);
    snprintf(e_cred, sizeof(e_cred), "GVIRTUS_LEASE=%s", cred);
    if (job[0] == '\0') {
        env[0] = e_cred;
        env[1] = NULL;
    }
    CU_ASSERT_EQUAL(job_run(&R, "first-error", env, 0, out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "cudaErrorNotPermitted"));
    if (strstr(out, reason) == NULL) {
        printf("\n      wanted '%s' in: %s\n", reason, out);
        CU_FAIL("refusal without its reason");
    }
}

static void test_refusals_say_why(void)
{
    char cred[4096], other[4096], tampered[4200], out[1024], *p;

    NEED_GVD();

    CU_ASSERT_EQUAL_FATAL(rig_lease(&R, "4243", NULL, cred, sizeof(cred)),
                          0);
    expect_refused("", "", "needs a lease");
    expect_refused("4243", "", "no lease credential was sent");
    expect_refused("4243", "gvl1.bm9uc2Vuc2U.AAAA", "lease of job 4243 "
                   "refused for GPU 0");
    /* Another (valid base64url) character in the signature. */
    snprintf(tampered, sizeof(tampered), "%s", cred);
    p = &tampered[strlen(tampered) - 2];
    *p = *p == 'A' ? 'B' : 'A';
    expect_refused("4243", tampered, "signature");
    expect_refused("4244", cred, "is for job 4243, not job 4244");
    /* Released: the signature still holds; the registry says no. */
    rig_release(&R, "4243");
    expect_refused("4243", cred, "no active lease");
    /* Expired. */
    CU_ASSERT_EQUAL_FATAL(rig_lease(&R, "4245", "--ttl 1s", cred,
                                    sizeof(cred)), 0);
    sleep_ms(1300);
    expect_refused("4245", cred, "expired");
    /* A lease on another node's GPU. */
    CU_ASSERT_EQUAL(rig_gvctl(&R, "drain " NODE " test", out, sizeof(out)),
                    0);
    CU_ASSERT_EQUAL(rig_gvctl(&R, "resume other", out, sizeof(out)), 0);
    CU_ASSERT_EQUAL(rig_lease(&R, "4246", NULL, other, sizeof(other)), 0);
    CU_ASSERT_EQUAL(rig_gvctl(&R, "drain other test", out, sizeof(out)), 0);
    CU_ASSERT_EQUAL(rig_gvctl(&R, "resume " NODE, out, sizeof(out)), 0);
    expect_refused("4246", other, "GPU " SIM_UUID " is not leased to job "
                   "4246");
    rig_release(&R, "4246");
}

/* cudaMalloc past the lease's cap fails as past gvd.memory_limit. */
static void test_lease_memory_cap(void)
{
    char cred[4096], lease[4200], out[8192];
    const char *env[] = { "SLURM_JOB_ID=4250", lease, NULL };

    NEED_GVD();

    CU_ASSERT_EQUAL_FATAL(rig_lease(&R, "4250", "--shared --mem 64M", cred,
                                    sizeof(cred)), 0);
    snprintf(lease, sizeof(lease), "GVIRTUS_LEASE=%s", cred);
    /* simapp quota: 40 MiB fits, 40 more do not (ErrorMemoryAllocation),
     * and fit again once the first are freed. */
    CU_ASSERT_EQUAL(job_run(&R, "quota", env, 0, out, sizeof(out)), 0);
    CU_ASSERT_EQUAL(rig_wait_idle(&R), 0);
    CU_ASSERT_EQUAL(file_count(R.log, "memory cap of job 4250's lease"), 1);
    rig_release(&R, "4250");
}

/* A job's exclusive lease keeps another job's client off the GPU (here
 * a client left over after its lease was released and the GPU leased
 * again); shared leases share. */
static void test_exclusive_lease_blocks_other_jobs(void)
{
    char ca[4096], cb[4096], la[4200], lb[4200], out[8192];
    const char *env_a[] = { "SLURM_JOB_ID=4260", la, NULL };
    const char *env_b[] = { "SLURM_JOB_ID=4261", lb, NULL };
    int fd = -1;
    pid_t a;

    NEED_GVD();

    CU_ASSERT_EQUAL_FATAL(rig_lease(&R, "4260", NULL, ca, sizeof(ca)), 0);
    snprintf(la, sizeof(la), "GVIRTUS_LEASE=%s", ca);
    a = job_busy(&R, env_a, &fd);
    CU_ASSERT_FATAL(a > 0);
    rig_release(&R, "4260");
    CU_ASSERT_EQUAL(rig_lease(&R, "4261", NULL, cb, sizeof(cb)), 0);
    snprintf(lb, sizeof(lb), "GVIRTUS_LEASE=%s", cb);
    CU_ASSERT_EQUAL(job_run(&R, "first-error", env_b, 0, out, sizeof(out)),
                    0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "in exclusive use by job 4260"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "cudaErrorDevicesUnavailable"));
    job_kill(a, fd);
    CU_ASSERT_EQUAL(rig_wait_idle(&R), 0);
    CU_ASSERT_EQUAL(job_run(&R, "first-error", env_b, 0, out, sizeof(out)),
                    0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "cudaSuccess"));
    rig_release(&R, "4261");
}

static void test_shared_leases_share_a_gpu(void)
{
    char ca[4096], cb[4096], la[4200], lb[4200], out[8192];
    const char *env_a[] = { "SLURM_JOB_ID=4270", la, NULL };
    const char *env_b[] = { "SLURM_JOB_ID=4271", lb, NULL };
    int fd = -1;
    pid_t a;

    NEED_GVD();

    CU_ASSERT_EQUAL_FATAL(rig_lease(&R, "4270", "--shared --mem 128M", ca,
                                    sizeof(ca)), 0);
    CU_ASSERT_EQUAL_FATAL(rig_lease(&R, "4271", "--shared --mem 128M", cb,
                                    sizeof(cb)), 0);
    snprintf(la, sizeof(la), "GVIRTUS_LEASE=%s", ca);
    snprintf(lb, sizeof(lb), "GVIRTUS_LEASE=%s", cb);
    a = job_busy(&R, env_a, &fd);
    CU_ASSERT_FATAL(a > 0);
    CU_ASSERT_EQUAL(job_run(&R, "first-error", env_b, 0, out, sizeof(out)),
                    0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "cudaSuccess"));
    job_kill(a, fd);
    CU_ASSERT_EQUAL(rig_wait_idle(&R), 0);
    rig_release(&R, "4270");
    rig_release(&R, "4271");
}

/* ---- munge ---------------------------------------------------------------*/

static void test_munge_job_end_to_end(void)
{
    const char *env[] = { "SLURM_JOB_ID=4280", "GVIRTUS_SERVERS=", NULL };
    char why[256], cred[4096], out[8192];
    treg_munge_t m;
    rig_t g;

    NEED_GVD();

    if (treg_munge_start(&m, why, sizeof(why)) != 0) {
        GVTEST_SKIP(why);
    }
    if (rig_start(&g, "munge", m.socket, 0, NULL, "lease", NULL) != 0) {
        rig_stop(&g);
        treg_munge_stop(&m);
        CU_FAIL_FATAL("registry or gvd did not start with MUNGE");
    }
    CU_ASSERT_EQUAL(rig_wait_state(&g, "up", 3000), 0);
    CU_ASSERT_EQUAL(rig_lease(&g, "4280", NULL, cred, sizeof(cred)), 0);
    CU_ASSERT_EQUAL(job_run(&g, "first-error", env, 1, out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "cudaSuccess"));
    rig_release(&g, "4280");
    CU_ASSERT_EQUAL(rig_stop(&g), 0);
    treg_munge_stop(&m);
}

static const gvtest_case_t announce_cases[] = {
    { "registers_and_heartbeats", test_registers_and_heartbeats },
    { "registry_down_then_up", test_registry_down_then_up },
    { "bad_registry_setting_keeps_serving",
      test_bad_registry_setting_keeps_serving },
    { NULL, NULL }
};

static const gvtest_case_t lease_cases[] = {
    { "job_finds_its_gpu_in_the_registry",
      test_job_finds_its_gpu_in_the_registry },
    { "refusals_say_why", test_refusals_say_why },
    { "lease_memory_cap", test_lease_memory_cap },
    { "exclusive_lease_blocks_other_jobs",
      test_exclusive_lease_blocks_other_jobs },
    { "shared_leases_share_a_gpu", test_shared_leases_share_a_gpu },
    { NULL, NULL }
};

static const gvtest_case_t munge_cases[] = {
    { "munge_job_end_to_end", test_munge_job_end_to_end },
    { NULL, NULL }
};

int main(int argc, char **argv)
{
    static const gvtest_suite_t suites[] = {
        { "announce", NULL, NULL, announce_cases },
        { "lease", lease_init, lease_fini, lease_cases },
        { "munge", NULL, NULL, munge_cases },
        { NULL, NULL, NULL, NULL }
    };

    signal(SIGPIPE, SIG_IGN);
    return gvtest_main(argc, argv, suites);
}
