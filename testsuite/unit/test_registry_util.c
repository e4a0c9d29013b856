/*
 * test_registry_util.c - see test_registry_util.h.
 */
#include "config.h"

#include "test_registry_util.h"
#include "gvtest.h"
#include "gvr_auth.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

long long treg_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void treg_sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    nanosleep(&ts, NULL);
}

const char *treg_gvctl(void)
{
    static char buf[512];

    return gvtest_builddir("registry/gvctl", buf, sizeof(buf));
}

const char *treg_gvregistryd(void)
{
    static char buf[512];

    return gvtest_builddir("registry/gvregistryd", buf, sizeof(buf));
}

int treg_run(const char *cmd, char *out, size_t cap)
{
    FILE *p = popen(cmd, "r");
    size_t n = 0, r;
    int status;

    if (out != NULL && cap > 0) {
        out[0] = '\0';
    }
    if (p == NULL) {
        return -1;
    }
    while (out != NULL && n + 1 < cap &&
           (r = fread(out + n, 1, cap - 1 - n, p)) > 0) {
        n += r;
    }
    if (out != NULL && cap > 0) {
        out[n] = '\0';
    }
    /* Drain what did not fit so the child never blocks on a pipe. */
    while (fgetc(p) != EOF) {
    }
    status = pclose(p);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int treg_which(const char *prog)
{
    char cmd[256];

    snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", prog);
    return treg_run(cmd, NULL, 0) == 0;
}

static int treg_write(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    size_t n = strlen(text);

    if (fd < 0) {
        return -1;
    }
    if (write(fd, text, n) != (ssize_t)n) {
        close(fd);
        return -1;
    }
    fchmod(fd, mode);
    return close(fd);
}

/* Wait for path to exist, up to ms. */
static int treg_wait_file(const char *path, long ms)
{
    long long end = treg_now_ms() + ms;

    while (access(path, F_OK) != 0) {
        if (treg_now_ms() > end) {
            return -1;
        }
        treg_sleep_ms(20);
    }
    return 0;
}

int treg_munge_start(treg_munge_t *m, char *why, size_t whylen)
{
    char *dir, cmd[4096], key[300], buf[64];
    FILE *f;

    memset(m, 0, sizeof(*m));
    if (!treg_which("munged") || !treg_which("munge")) {
        snprintf(why, whylen, "munged not installed (apt-get install "
                 "munge)");
        return -1;
    }
    if (geteuid() != 0) {
        snprintf(why, whylen, "a private munged needs root here");
        return -1;
    }
    dir = gvtest_mkdtemp();
    if (dir == NULL) {
        snprintf(why, whylen, "mkdtemp failed");
        return -1;
    }
    /* munged insists that every directory above its socket is
     * traversable by all. */
    chmod(dir, 0755);
    snprintf(m->dir, sizeof(m->dir), "%s", dir);
    free(dir);
    snprintf(m->socket, sizeof(m->socket), "%s/munge.sock", m->dir);
    snprintf(key, sizeof(key), "%s/munge.key", m->dir);
    snprintf(cmd, sizeof(cmd), "dd if=/dev/urandom of=%s bs=128 count=1 "
             "2>/dev/null && chmod 600 %s && munged --socket=%s "
             "--key-file=%s --pid-file=%s/munged.pid --log-file=%s/munged.log "
             "--seed-file=%s/munged.seed", key, key, m->socket, key, m->dir,
             m->dir, m->dir);
    if (treg_run(cmd, NULL, 0) != 0 || treg_wait_file(m->socket, 5000)) {
        snprintf(why, whylen, "munged did not start (see %s/munged.log)",
                 m->dir);
        return -1;
    }
    snprintf(cmd, sizeof(cmd), "%s/munged.pid", m->dir);
    f = fopen(cmd, "r");
    if (f != NULL && fgets(buf, sizeof(buf), f) != NULL) {
        m->pid = (pid_t)atol(buf);
    }
    if (f != NULL) {
        fclose(f);
    }
    return 0;
}

void treg_munge_stop(treg_munge_t *m)
{
    char cmd[400];

    if (m->dir[0] == '\0') {
        return;
    }
    snprintf(cmd, sizeof(cmd), "munged --socket=%s --stop >/dev/null 2>&1",
             m->socket);
    if (treg_run(cmd, NULL, 0) != 0 && m->pid > 0) {
        kill(m->pid, SIGTERM);
    }
    gvtest_rmtree(m->dir);
    m->dir[0] = '\0';
}

int treg_regd_init(treg_regd_t *r, const char *auth, const char *munge_socket,
                   const char *extra)
{
    char *dir, ini[8192], err[256];

    memset(r, 0, sizeof(*r));
    dir = gvtest_mkdtemp();
    if (dir == NULL) {
        return -1;
    }
    chmod(dir, 0755);
    snprintf(r->dir, sizeof(r->dir), "%s", dir);
    free(dir);
    snprintf(r->ini, sizeof(r->ini), "%s/registry.ini", r->dir);
    snprintf(r->db, sizeof(r->db), "%s/registry.db", r->dir);
    snprintf(r->lease_key, sizeof(r->lease_key), "%s/lease.key", r->dir);
    snprintf(r->secret, sizeof(r->secret), "%s/registry.secret", r->dir);
    snprintf(r->portfile, sizeof(r->portfile), "%s/port", r->dir);
    snprintf(r->log, sizeof(r->log), "%s/gvregistryd.log", r->dir);
    if (gvr_key_generate(r->lease_key, err, sizeof(err)) != GVC_OK ||
        gvr_key_generate(r->secret, err, sizeof(err)) != GVC_OK) {
        return -1;
    }
    snprintf(ini, sizeof(ini), "[registryd]\nport = 0\nlisten = 127.0.0.1\n"
             "database = %s\nauth = %s\nsecret_file = %s\n"
             "lease_key_file = %s\nmunge_socket = %s\n%s\n", r->db, auth,
             r->secret, r->lease_key, munge_socket ? munge_socket : "",
             extra ? extra : "");
    return treg_write(r->ini, ini, 0644);
}

int treg_regd_start(treg_regd_t *r)
{
    pid_t pid;
    int fd;

    unlink(r->portfile);
    pid = fork();
    if (pid < 0) {
        return -1;
    }
    if (pid == 0) {
        fd = open(r->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        if (fd >= 0) {
            dup2(fd, 2);
            dup2(fd, 1);
        }
        execl(treg_gvregistryd(), "gvregistryd", "-c", r->ini,
              "--port-file", r->portfile, (char *)NULL);
        _exit(127);
    }
    r->pid = pid;
    if (treg_wait_file(r->portfile, 10000) != 0) {
        treg_regd_kill(r);
        return -1;
    }
    FILE *f = fopen(r->portfile, "r");
    if (f == NULL || fscanf(f, "%d", &r->port) != 1) {
        if (f != NULL) {
            fclose(f);
        }
        treg_regd_kill(r);
        return -1;
    }
    fclose(f);
    return 0;
}

int treg_regd_alive(treg_regd_t *r)
{
    if (r->pid <= 0) {
        return 0;
    }
    if (waitpid(r->pid, NULL, WNOHANG) == r->pid) {
        r->pid = 0; /* reaped: it died */
        return 0;
    }
    return 1;
}

/* When the daemon did not stop cleanly, the test log should say why. */
static void treg_show_log(const treg_regd_t *r)
{
    char cmd[400];

    printf("\n    gvregistryd log (%s):\n", r->log);
    fflush(stdout);
    snprintf(cmd, sizeof(cmd), "tail -n 40 %s | sed 's/^/    /'", r->log);
    if (system(cmd) != 0) {
        printf("    (no log)\n");
    }
}

int treg_regd_stop(treg_regd_t *r)
{
    int status = 0;

    if (r->pid <= 0) {
        return -1;
    }
    kill(r->pid, SIGTERM);
    for (int i = 0; i < 500; i++) {
        if (waitpid(r->pid, &status, WNOHANG) == r->pid) {
            r->pid = 0;
            status = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
            if (status != 0) {
                treg_show_log(r);
            }
            return status;
        }
        treg_sleep_ms(20);
    }
    treg_regd_kill(r);
    return -1;
}

void treg_regd_kill(treg_regd_t *r)
{
    if (r->pid > 0) {
        kill(r->pid, SIGKILL);
        waitpid(r->pid, NULL, 0);
        r->pid = 0;
    }
}

void treg_regd_destroy(treg_regd_t *r)
{
    treg_regd_kill(r);
    if (r->dir[0] != '\0') {
        gvtest_rmtree(r->dir);
        r->dir[0] = '\0';
    }
}

void treg_client_cfg(const treg_regd_t *r, const char *auth,
                     const char *munge_socket, gvr_client_config_t *cfg_p)
{
    char err[256], port[16];

    gvr_client_config_load(NULL, cfg_p, err, sizeof(err));
    snprintf(port, sizeof(port), "%d", r->port);
    gvc_cfg_set(&gvr_client_cfg_table, cfg_p, "registry", "address",
                "127.0.0.1", err, sizeof(err));
    gvc_cfg_set(&gvr_client_cfg_table, cfg_p, "registry", "port", port, err,
                sizeof(err));
    gvc_cfg_set(&gvr_client_cfg_table, cfg_p, "registry", "auth", auth, err,
                sizeof(err));
    gvc_cfg_set(&gvr_client_cfg_table, cfg_p, "registry", "secret_file",
                r->secret, err, sizeof(err));
    gvc_cfg_set(&gvr_client_cfg_table, cfg_p, "registry", "munge_socket",
                munge_socket ? munge_socket : "", err, sizeof(err));
    gvc_cfg_set(&gvr_client_cfg_table, cfg_p, "registry", "timeout", "10s",
                err, sizeof(err));
}
