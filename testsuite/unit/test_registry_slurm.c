/*
 * test_registry_slurm.c - the real thing: munged, gvregistryd, slurmctld
 * and slurmd (Debian's slurm-wlm) started here as root with a generated
 * slurm.conf for one node "localhost" (proctrack/linuxproc, no cgroups),
 * our etc/slurm scripts as PrologSlurmctld, Prolog, TaskProlog and
 * Epilog.  A job that asks with --comment=gvgpu:N sees GVIRTUS_SERVERS
 * for its leased GPU (on a static node of registry.ini; no gvd or GPU
 * needed), and the lease is gone once the job has ended.
 *
 * Skipped, with the reason, when not root or when slurm or munge
 * binaries are missing.
 */
#include "config.h"

#include "gvtest.h"
#include "test_registry_util.h"
#include "gvr_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

typedef struct slurm_env {
    int up;
    char why[320];            /* why not up: the skip reason */
    treg_munge_t munge;
    treg_regd_t regd;
    char dir[256];            /* slurm.conf, state, logs, scripts */
    char conf[320];
    char client_ini[320];
    pid_t ctld, slurmd;
} slurm_env_t;

static slurm_env_t S;

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

static int write_file(const char *path, mode_t mode, const char *text)
{
    FILE *f = fopen(path, "w");

    if (f == NULL) {
        return -1;
    }
    fputs(text, f);
    fclose(f);
    return chmod(path, mode);
}

static int free_port(void)
{
    struct sockaddr_in a = { .sin_family = AF_INET };
    socklen_t len = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0) {
        port = ntohs(a.sin_port);
    }
    if (fd >= 0) {
        close(fd);
    }
    return port;
}

static int have(const char *prog)
{
    char cmd[256];

    snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", prog);
    return treg_run(cmd, NULL, 0) == 0;
}

/* A wrapper that gives one of our scripts its settings: Slurm runs
 * prologs with an empty environment, so they cannot come from ours. */
static int write_wrapper(const char *name, const char *script)
{
    char path[400], src[512], text[4096];

    snprintf(path, sizeof(path), "%s/%s", S.dir, name);
    gvtest_srcdir(script, src, sizeof(src));
    snprintf(text, sizeof(text), "#!/bin/sh\n"
             "GVIRTUS_SLURM_DEFAULTS=/nonexistent\n"
             "GVCTL='%s'\nGVCTL_OPTS='-c %s'\n"
             "GVIRTUS_SLURM_SPOOL='%s/gvspool'\n"
             "export GVIRTUS_SLURM_DEFAULTS GVCTL GVCTL_OPTS "
             "GVIRTUS_SLURM_SPOOL\nexec /bin/sh '%s'\n", treg_gvctl(),
             S.client_ini, S.dir, src);
    return write_file(path, 0755, text);
}

static int write_slurm_conf(void)
{
    char text[4096];
    int p1 = free_port(), p2 = free_port();

    snprintf(text, sizeof(text),
             "ClusterName=gvtest\n"
             "SlurmctldHost=localhost(127.0.0.1)\n"
             "SlurmctldPort=%d\nSlurmdPort=%d\n"
             "SlurmUser=root\nSlurmdUser=root\n"
             "AuthType=auth/munge\nAuthInfo=socket=%s\n"
             "CredType=cred/munge\n"
             "StateSaveLocation=%s/state\nSlurmdSpoolDir=%s/spool\n"
             "SlurmctldPidFile=%s/slurmctld.pid\n"
             "SlurmdPidFile=%s/slurmd.pid\n"
             "SlurmctldLogFile=%s/slurmctld.log\n"
             "SlurmdLogFile=%s/slurmd.log\n"
             "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
             "JobAcctGatherType=jobacct_gather/none\n"
             "AccountingStorageType=accounting_storage/none\n"
             "JobCompType=jobcomp/none\n"
             "SelectType=select/cons_tres\nSelectTypeParameters=CR_Core\n"
             "MpiDefault=none\nSwitchType=switch/none\nReturnToService=2\n"
             "SlurmdParameters=config_overrides\nPrologFlags=Alloc\n"
             "PrologSlurmctld=%s/prolog\nProlog=%s/prolog\n"
             "TaskProlog=%s/taskprolog\nEpilog=%s/epilog\n"
             "NodeName=localhost NodeAddr=127.0.0.1 CPUs=1 RealMemory=500 "
             "State=UNKNOWN\n"
             "PartitionName=test Nodes=localhost Default=YES "
             "MaxTime=INFINITE State=UP\n",
             p1, p2, S.munge.socket, S.dir, S.dir, S.dir, S.dir, S.dir,
             S.dir, S.dir, S.dir, S.dir, S.dir);
    snprintf(S.conf, sizeof(S.conf), "%s/slurm.conf", S.dir);
    return p1 < 0 || p2 < 0 ? -1 : write_file(S.conf, 0644, text);
}

static pid_t spawn(const char *log, char *const argv[])
{
    pid_t pid = fork();
    int fd;

    if (pid == 0) {
        fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        setsid();
        execvp(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static int wait_idle(void)
{
    char out[256];

    for (int i = 0; i < 150; i++) {
        if (treg_run("sinfo -h -o %T 2>/dev/null", out, sizeof(out)) == 0 &&
            strstr(out, "idle") != NULL) {
            return 0;
        }
        sleep_ms(100);
    }
    return -1;
}

static int start_slurm(void)
{
    char log1[400], log2[400];
    char *ctld[] = { "slurmctld", "-D", "-c", "-f", S.conf, NULL };
    char *slurmd[] = { "slurmd", "-D", "-N", "localhost", "-f", S.conf,
                       NULL };

    snprintf(log1, sizeof(log1), "%s/slurmctld.out", S.dir);
    snprintf(log2, sizeof(log2), "%s/slurmd.out", S.dir);
    setenv("SLURM_CONF", S.conf, 1);
    S.ctld = spawn(log1, ctld);
    sleep_ms(300);
    S.slurmd = spawn(log2, slurmd);
    if (wait_idle() != 0) {
        snprintf(S.why, sizeof(S.why), "slurm did not come up (logs in %s)",
                 S.dir);
        return -1;
    }
    return 0;
}

static const char regd_nodes[] =
    "[node:gpunode]\nhost = gpuhost.example\nport = 7600\n"
    "gpu = GPU-slurm-0, Fake GPU, 16G, 80, 0\n";

static int setup_dirs(void)
{
    char *dir = gvtest_mkdtemp(), text[1024], path[400];

    if (dir == NULL) {
        return -1;
    }
    chmod(dir, 0755);
    snprintf(S.dir, sizeof(S.dir), "%s", dir);
    free(dir);
    snprintf(path, sizeof(path), "%s/state", S.dir);
    mkdir(path, 0755);
    snprintf(path, sizeof(path), "%s/spool", S.dir);
    mkdir(path, 0755);
    snprintf(S.client_ini, sizeof(S.client_ini), "%s/client.ini", S.dir);
    snprintf(text, sizeof(text), "[registry]\naddress = 127.0.0.1\n"
             "port = %d\nauth = munge\nmunge_socket = %s\n", S.regd.port,
             S.munge.socket);
    return write_file(S.client_ini, 0644, text);
}

static int slurm_init(void)
{
    memset(&S, 0, sizeof(S));
    if (geteuid() != 0) {
        snprintf(S.why, sizeof(S.why), "needs root to run slurmd");
        return 0;
    }
    if (!have("slurmctld") || !have("slurmd") || !have("sbatch") ||
        !have("srun")) {
        snprintf(S.why, sizeof(S.why), "slurm not installed (apt-get "
                 "install slurm-wlm)");
        return 0;
    }
    if (treg_munge_start(&S.munge, S.why, sizeof(S.why)) != 0) {
        return 0;
    }
    if (treg_regd_init(&S.regd, "munge", S.munge.socket, regd_nodes) != 0 ||
        treg_regd_start(&S.regd) != 0) {
        snprintf(S.why, sizeof(S.why), "gvregistryd did not start");
        return 0;
    }
    if (setup_dirs() != 0 || write_slurm_conf() != 0 ||
        write_wrapper("prolog", "etc/slurm/gvirtus-prolog") != 0 ||
        write_wrapper("taskprolog", "etc/slurm/gvirtus-taskprolog") != 0 ||
        write_wrapper("epilog", "etc/slurm/gvirtus-epilog") != 0) {
        snprintf(S.why, sizeof(S.why), "cannot write the slurm setup");
        return 0;
    }
    S.up = start_slurm() == 0;
    return 0;
}

static void stop_pid(pid_t pid)
{
    if (pid <= 0) {
        return;
    }
    kill(pid, SIGTERM);
    for (int i = 0; i < 100; i++) {
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            return;
        }
        sleep_ms(50);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static int slurm_fini(void)
{
    stop_pid(S.slurmd);
    stop_pid(S.ctld);
    treg_regd_destroy(&S.regd);
    treg_munge_stop(&S.munge);
    if (S.dir[0] != '\0' && getenv("GVTEST_KEEP") == NULL) {
        gvtest_rmtree(S.dir);
    }
    unsetenv("SLURM_CONF");
    return 0;
}

/* The number of the registry's leases for job ("" all). */
static int leases_of(const char *job)
{
    gvr_client_config_t cfg;
    gvr_client_h cl;
    gvr_lease_t *l;
    char err[512];
    uint32_t n = 0;
    int r = -1;

    treg_client_cfg(&S.regd, "munge", S.munge.socket, &cfg);
    if (gvr_client_create(&cfg, &cl, err, sizeof(err)) == GVC_OK &&
        gvr_list_leases(cl, job, &l, &n, err, sizeof(err)) == GVC_OK) {
        r = (int)n;
        gvr_lease_array_free(l, n);
    }
    gvr_client_destroy(cl);
    gvr_client_config_free(&cfg);
    return r;
}

static int wait_job_done(const char *job)
{
    char cmd[128], out[256];

    snprintf(cmd, sizeof(cmd), "squeue -h -j %s 2>/dev/null", job);
    for (int i = 0; i < 300; i++) {
        if (treg_run(cmd, out, sizeof(out)) != 0 || out[0] == '\0') {
            return 0;
        }
        sleep_ms(100);
    }
    return -1;
}

static int wait_no_lease(const char *job)
{
    for (int i = 0; i < 100; i++) {
        if (leases_of(job) == 0) {
            return 0;
        }
        sleep_ms(100);
    }
    return -1;
}

static void read_file(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    size_t n = 0;

    buf[0] = '\0';
    if (f != NULL) {
        n = fread(buf, 1, cap - 1, f);
        buf[n] = '\0';
        fclose(f);
    }
}

static void test_sbatch_job_sees_its_gpu_and_the_lease_ends(void)
{
    char cmd[2048], job[64], out[4096], path[400];

    if (!S.up) {
        GVTEST_SKIP(S.why);
    }
    /* The job prints its environment and what the registry holds for
     * it while it runs. */
    snprintf(cmd, sizeof(cmd), "sbatch --parsable --comment=gvgpu:1 "
             "-o %s/job.%%j.out --wrap 'echo SERVERS=$GVIRTUS_SERVERS; "
             "echo LEASE=$GVIRTUS_LEASE; %s -c %s leases $SLURM_JOB_ID' "
             "2>&1", S.dir, treg_gvctl(), S.client_ini);
    CU_ASSERT_EQUAL_FATAL(treg_run(cmd, job, sizeof(job)), 0);
    job[strcspn(job, "\n;")] = '\0';
    CU_ASSERT_EQUAL_FATAL(wait_job_done(job), 0);
    snprintf(path, sizeof(path), "%s/job.%s.out", S.dir, job);
    read_file(path, out, sizeof(out));
    if (strstr(out, "SERVERS=gpuhost.example:7600#0\n") == NULL ||
        strstr(out, "LEASE=gvl1.") == NULL ||
        strstr(out, "exclusive") == NULL) {
        printf("\n    job %s output:\n%s\n", job, out);
        CU_FAIL("the job did not see its leased GPU");
    }
    CU_ASSERT_EQUAL(wait_no_lease(job), 0);
}

static void test_srun_shared_request(void)
{
    char cmd[1024], out[1024];

    if (!S.up) {
        GVTEST_SKIP(S.why);
    }
    snprintf(cmd, sizeof(cmd), "srun --comment='run gvgpu:1:shared:2G' "
             "sh -c 'echo SERVERS=$GVIRTUS_SERVERS; %s -c %s --json leases "
             "$SLURM_JOB_ID' 2>&1", treg_gvctl(), S.client_ini);
    CU_ASSERT_EQUAL(treg_run(cmd, out, sizeof(out)), 0);
    if (strstr(out, "SERVERS=gpuhost.example:7600#0") == NULL ||
        strstr(out, "\"mode\": \"shared\"") == NULL ||
        strstr(out, "\"mem_cap\": 2147483648") == NULL) {
        printf("\n    srun output:\n%s\n", out);
        CU_FAIL("the srun step did not see its shared GPU");
    }
    for (int i = 0; i < 100 && leases_of("") != 0; i++) {
        sleep_ms(100);
    }
    CU_ASSERT_EQUAL(leases_of(""), 0);
}

static void test_jobs_without_a_request_get_nothing(void)
{
    char out[1024];

    if (!S.up) {
        GVTEST_SKIP(S.why);
    }
    CU_ASSERT_EQUAL(treg_run("srun sh -c 'echo SERVERS=$GVIRTUS_SERVERS' "
                             "2>&1", out, sizeof(out)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "SERVERS=\n"));
    CU_ASSERT_EQUAL(leases_of(""), 0);
}

/* More GPUs than the registry has: PrologSlurmctld refuses the job (an
 * interactive one is cancelled) and the node stays in service. */
static void test_unsatisfiable_request_fails_the_job_not_the_node(void)
{
    char out[2048];

    if (!S.up) {
        GVTEST_SKIP(S.why);
    }
    CU_ASSERT_NOT_EQUAL(treg_run("srun --comment=gvgpu:5 true 2>&1", out,
                                 sizeof(out)), 0);
    CU_ASSERT_EQUAL(treg_run("sinfo -h -o %T 2>&1", out, sizeof(out)), 0);
    if (strstr(out, "idle") == NULL) {
        printf("\n    node state: %s\n", out);
        CU_FAIL("the node left service");
    }
    CU_ASSERT_EQUAL(leases_of(""), 0);
}

static const gvtest_case_t slurm_cases[] = {
    { "test_sbatch_job_sees_its_gpu_and_the_lease_ends",
      test_sbatch_job_sees_its_gpu_and_the_lease_ends },
    { "test_srun_shared_request", test_srun_shared_request },
    { "test_jobs_without_a_request_get_nothing",
      test_jobs_without_a_request_get_nothing },
    { "test_unsatisfiable_request_fails_the_job_not_the_node",
      test_unsatisfiable_request_fails_the_job_not_the_node },
    { NULL, NULL }
};

static const gvtest_suite_t suites[] = {
    { "registry_slurm", slurm_init, slurm_fini, slurm_cases },
    { NULL, NULL, NULL, NULL }
};

int main(int argc, char **argv)
{
    return gvtest_main(argc, argv, suites);
}
