/*
 * gvd_server.c - gvd's event loop: accept, handshake, spawn, reap, and
 * the registry's heartbeat timer.
 */
#include "config.h"

#include "gvd_server.h"
#include "gvd_server_int.h"
#include "gvd_spawn.h"
#include "gvc_log.h"
#include "gvc_notify.h"
#include "gvc_proto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Every lease the registry issues must fit the client's HELLO. */
_Static_assert(GVR_CRED_MAX <= GVC_PROTO_MAX_CRED,
               "a registry lease does not fit the HELLO credential");

long gvd_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* ---- probe -------------------------------------------------------------- */

static int parse_probe_line(const char *line, gvd_gpu_t *g)
{
    int off = 0;

    memset(g, 0, sizeof(*g));
    if (sscanf(line, "GPU %d %47s %llu %d %d.%d %31s %n", &g->index, g->uuid,
               (unsigned long long *)&g->mem_bytes, &g->sm_count,
               &g->cc_major, &g->cc_minor, g->pci, &off) < 7 || off == 0) {
        return -1;
    }
    snprintf(g->name, sizeof(g->name), "%s", line + off);
    g->name[strcspn(g->name, "\n")] = '\0';
    return 0;
}

int gvd_probe(const gvd_config_t *cfg, gvd_gpu_t *gpus, int max, int *n_p,
              char *err, size_t errlen)
{
    gvd_gpu_t all[GVD_MAX_GPUS];
    int pfd[2], status, n_all = 0, map[GVD_MAX_GPUS], n_map;
    char line[512], why[512] = "";
    char *text = NULL;
    size_t tlen;
    FILE *fp, *mem;
    pid_t pid;

    mem = open_memstream(&text, &tlen);
    gvc_cfg_dump(&gvd_config_table, cfg, mem);
    fclose(mem);
    if (pipe2(pfd, O_CLOEXEC) != 0) {
        free(text);
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    pid = gvd_spawn_worker(cfg, text, NULL, "", 0, -1, -1, "probe", -1,
                           pfd[1]);
    free(text);
    close(pfd[1]);
    if (pid < 0) {
        close(pfd[0]);
        snprintf(err, errlen, "cannot start gvd-worker: %s", strerror(errno));
        return -1;
    }
    fp = fdopen(pfd[0], "r");
    while (fgets(line, sizeof(line), fp) != NULL) {
        if (strncmp(line, "GPU ", 4) == 0 && n_all < GVD_MAX_GPUS &&
            parse_probe_line(line, &all[n_all]) == 0) {
            n_all++;
        } else if (strncmp(line, "ERROR ", 6) == 0) {
            snprintf(why, sizeof(why), "%s", line + 6);
            why[strcspn(why, "\n")] = '\0';
        }
    }
    fclose(fp);
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) == 127) {
        snprintf(err, errlen, "gvd-worker (probe) failed to run; is it "
                 "installed beside gvd or set in gvd.worker?");
        return -1;
    }
    if (n_all == 0) {
        snprintf(err, errlen, "no GPU found: %s", why[0] ? why : "the CUDA "
                 "runtime reports no device");
        return 1;
    }
    if (gvd_config_gpus(cfg, n_all, map, GVD_MAX_GPUS, &n_map, err,
                        errlen) != GVC_OK) {
        return -1;
    }
    for (int i = 0; i < n_map && i < max; i++) {
        gpus[i] = all[map[i]];
    }
    *n_p = n_map < max ? n_map : max;
    return 0;
}

int gvd_list_gpus(const gvd_config_t *cfg)
{
    gvd_gpu_t gpus[GVD_MAX_GPUS];
    char err[512];
    int n;

    if (gvd_probe(cfg, gpus, GVD_MAX_GPUS, &n, err, sizeof(err)) != 0) {
        fprintf(stderr, "gvd: %s\n", err);
        return 1;
    }
    printf("#  cuda  name                             memory     SMs  cc   "
           "pci           uuid\n");
    for (int i = 0; i < n; i++) {
        printf("%-2d %-5d %-32s %6.1f GiB %4d  %d.%d  %-13s %s\n", i,
               gpus[i].index, gpus[i].name,
               (double)gpus[i].mem_bytes / (1 << 30), gpus[i].sm_count,
               gpus[i].cc_major, gpus[i].cc_minor, gpus[i].pci,
               gpus[i].uuid);
    }
    return 0;
}

/* ---- connections ------------------------------------------------------- */

static void refuse(server_t *s, pending_t *p, gvc_status_t st,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void refuse(server_t *s, pending_t *p, gvc_status_t st,
                   const char *fmt, ...)
{
    char msg[768];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    gvc_warn("refusing client %s: %s", p->peer, msg);
    gvd_pending_send(s, p, GVC_CTL_REFUSE, st, msg, strlen(msg) + 1);
}

static void pending_close(server_t *s, int i)
{
    pending_t *p = &s->pend[i];

    epoll_ctl(s->epfd, EPOLL_CTL_DEL, p->fd, NULL);
    close(p->fd);
    gvc_ctl_reader_fini(&p->rd);
    free(p->out);
    s->pend[i] = s->pend[--s->n_pend];
}

void gvd_pending_send(server_t *s, pending_t *p, uint32_t api_id,
                      int64_t result, const void *args, size_t len)
{
    struct epoll_event ev = { .events = EPOLLOUT, .data.fd = p->fd };
    gvc_wire_hdr_t hdr;

    if (p->out != NULL || len > GVC_CTL_MAX_ARGS ||
        (p->out = malloc(GVC_WIRE_HDR_SIZE + len)) == NULL) {
        return; /* closed without an answer */
    }
    gvc_wire_hdr_init(&hdr, api_id, 0, 0);
    hdr.args_len = (uint32_t)len;
    hdr.result = result;
    gvc_wire_hdr_pack(&hdr, p->out);
    if (len > 0) {
        memcpy(p->out + GVC_WIRE_HDR_SIZE, args, len);
    }
    p->out_len = GVC_WIRE_HDR_SIZE + len;
    p->out_off = 0;
    /* The peer gets as long to read the answer as it had to ask. */
    p->deadline_ms = gvd_now_ms() + s->cfg->hello_timeout;
    epoll_ctl(s->epfd, EPOLL_CTL_MOD, p->fd, &ev);
}

/* Write what is queued on pend[i] without blocking; close it once all
 * is written, on an error, or when nothing was queued. */
static void pending_flush(server_t *s, int i)
{
    pending_t *p = &s->pend[i];
    ssize_t n;

    while (p->out != NULL && p->out_off < p->out_len) {
        n = send(p->fd, p->out + p->out_off, p->out_len - p->out_off,
                 MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n > 0) {
            p->out_off += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return; /* EPOLLOUT brings us back */
        } else {
            break;
        }
    }
    pending_close(s, i);
}

int gvd_secret_eq(const char *secret, const char *cred)
{
    size_t a = strlen(secret), b = strlen(cred);
    unsigned char diff = (unsigned char)(a != b);

    /* Constant time in the secret's length. */
    for (size_t i = 0; i < a; i++) {
        diff |= (unsigned char)(secret[i] ^ (i < b ? cred[i] : 0));
    }
    return diff == 0;
}

/* The worker's counter page, or NULL (the client is served without
 * live counters; said once). */
static gvd_counters_t *counters_for(server_t *s, uint32_t id, int *fd_p)
{
    gvd_counters_t *c;

    *fd_p = -1;
    if (gvd_counters_create(id, &c, fd_p) == 0) {
        return c;
    }
    if (!s->no_counters_warned) {
        gvc_warn("cannot create a counter page (%s): status shows zeros "
                 "for such clients", strerror(errno));
        s->no_counters_warned = 1;
    }
    return NULL;
}

/* Start the client's worker; lease is NULL unless auth = lease. */
static void spawn_client(server_t *s, pending_t *p, const gvc_hello_t *h,
                         const gvd_lease_t *lease)
{
    const gvd_gpu_t *g = &s->gpus[h->gpu];
    int phys = strcmp(s->cfg->device, "cuda") == 0 ? g->index : -1;
    uint32_t id = s->next_id + 1;
    gvd_counters_t *ctr;
    int cfd;
    child_t *k;
    pid_t pid;

    k = realloc(s->kids, sizeof(*k) * (size_t)(s->n_kids + 1));
    if (k == NULL) {
        refuse(s, p, GVC_ERR_NOMEM, "gvd is out of memory");
        return;
    }
    s->kids = k;
    ctr = counters_for(s, id, &cfd);
    pid = gvd_spawn_worker(s->cfg, s->cfg_text, lease,
                           p->rd.buf + GVC_WIRE_HDR_SIZE, p->rd.hdr.args_len,
                           p->fd, cfd, "serve", phys, -1);
    if (cfd >= 0) {
        close(cfd); /* the worker has its own; gvd keeps the mapping */
    }
    if (pid < 0) {
        refuse(s, p, GVC_ERR_IO, "gvd cannot start a worker: %s",
               strerror(errno));
        gvd_counters_unmap(ctr);
        return;
    }
    s->next_id = id;
    k = &s->kids[s->n_kids++];
    memset(k, 0, sizeof(*k));
    k->pid = pid;
    k->id = id;
    k->gpu = h->gpu;
    k->client_pid = h->pid;
    k->uid = h->uid;
    k->start_ms = gvd_now_ms();
    k->ctr = ctr;
    snprintf(k->peer, sizeof(k->peer), "%s", p->peer);
    snprintf(k->host, sizeof(k->host), "%s", h->client_host);
    snprintf(k->job, sizeof(k->job), "%s", lease ? lease->job : "");
    snprintf(k->job_id, sizeof(k->job_id), "%s", h->job_id);
    k->exclusive = lease != NULL && lease->exclusive;
    s->served[h->gpu]++;
    gvc_info("client %u %s (%u@%s, uid %u%s%s) on GPU %d: worker %d", id,
             p->peer, h->pid, h->client_host, h->uid,
             h->job_id[0] ? ", job " : "", h->job_id, h->gpu, (int)pid);
    if (lease != NULL) {
        gvc_info("  lease of job %s: %s, memory cap %zu bytes%s", lease->job,
                 lease->exclusive ? "exclusive" : "shared", lease->mem_cap,
                 lease->mem_cap ? "" : " (none)");
    }
}

/* A client of another job already on gpu, when either lease is
 * exclusive; NULL when the new client may share the GPU. */
static const child_t *lease_conflict(const server_t *s, int gpu,
                                     const char *job, int exclusive)
{
    for (int i = 0; i < s->n_kids; i++) {
        const child_t *k = &s->kids[i];
        if (k->gpu == gpu && strcmp(k->job, job) != 0 &&
            (exclusive || k->exclusive)) {
            return k;
        }
    }
    return NULL;
}

/*
 * auth = lease: the client's job must hold a lease on this GPU for its
 * uid (gvr_lease_verify: signature and claims offline, then the registry
 * online), and no other job's client may be on the GPU when either lease
 * is exclusive (a lease released or expired while its clients still run
 * must not share the next job's GPU).  Fills *lease or refuses.
 */
static int lease_admit(server_t *s, pending_t *p, const gvc_hello_t *h,
                       gvd_lease_t *lease)
{
    gvr_lease_info_t info;
    const child_t *k;
    char why[GVR_ERRMSG_MAX];

    if (h->job_id[0] == '\0' || h->credential[0] == '\0') {
        refuse(s, p, GVC_ERR_DENIED, "GPU %d needs a lease: run in a job "
               "that holds one (SLURM_JOB_ID and GVIRTUS_LEASE, which the "
               "Slurm TaskProlog sets)%s", h->gpu,
               h->job_id[0] ? "; no lease credential was sent"
                            : "; no job id was sent");
        return -1;
    }
    if (gvd_registry_verify(s->reg, h->job_id, h->credential, h->gpu, h->uid,
                            &info, why, sizeof(why)) != GVC_OK) {
        refuse(s, p, GVC_ERR_DENIED, "lease of job %s refused for GPU %d "
               "(%s): %s", h->job_id, h->gpu, s->gpus[h->gpu].uuid, why);
        return -1;
    }
    memset(lease, 0, sizeof(*lease));
    snprintf(lease->job, sizeof(lease->job), "%s", h->job_id);
    lease->exclusive = info.mode == GVR_LEASE_EXCLUSIVE;
    lease->mem_cap = (size_t)info.mem_cap;
    k = lease_conflict(s, h->gpu, lease->job, lease->exclusive);
    if (k != NULL && k->exclusive) {
        refuse(s, p, GVC_ERR_BUSY, "GPU %d is in exclusive use by job %s "
               "(client %s, pid %u)", h->gpu, k->job, k->peer,
               k->client_pid);
        return -1;
    }
    if (k != NULL) {
        refuse(s, p, GVC_ERR_BUSY, "job %s's lease on GPU %d is exclusive, "
               "but job %s's client %s (pid %u) still uses it", lease->job,
               h->gpu, k->job, k->peer, k->client_pid);
        return -1;
    }
    return 0;
}

/* A whole HELLO arrived: admit the client or refuse it. */
static void admit(server_t *s, pending_t *p)
{
    gvd_lease_t lease;
    gvc_hello_t h;

    if (gvc_hello_unpack(p->rd.buf + GVC_WIRE_HDR_SIZE, p->rd.hdr.args_len,
                         &h) != GVC_OK || p->rd.hdr.api_id != GVC_CTL_HELLO) {
        refuse(s, p, GVC_ERR_PROTO, "malformed HELLO");
        return;
    }
    if (h.gpu < 0 || h.gpu >= s->n_gpus) {
        refuse(s, p, GVC_ERR_NOT_FOUND, "this gvd exposes %d GPU(s), "
               "numbered 0..%d; there is no GPU #%d", s->n_gpus,
               s->n_gpus - 1, h.gpu);
        return;
    }
    if (s->n_kids >= s->cfg->max_clients) {
        refuse(s, p, GVC_ERR_BUSY, "gvd serves max_clients=%ld clients "
               "already", s->cfg->max_clients);
        return;
    }
    if (s->secret != NULL && !gvd_secret_eq(s->secret, h.credential)) {
        refuse(s, p, GVC_ERR_DENIED, "wrong or missing shared secret "
               "(set GVIRTUS_SECRET or client.ini's secret)");
        return;
    }
    if (strcmp(s->cfg->auth, "lease") == 0) {
        if (lease_admit(s, p, &h, &lease) != 0) {
            return;
        }
        spawn_client(s, p, &h, &lease);
        return;
    }
    spawn_client(s, p, &h, NULL);
}

/* pend[i] is readable (a HELLO or STATUS arriving) or, once an answer
 * is queued, writable. */
static void pending_event(server_t *s, int i)
{
    pending_t *p = &s->pend[i];
    gvc_status_t st;

    if (p->out != NULL) {
        pending_flush(s, i);
        return;
    }
    st = gvc_ctl_reader_feed(&p->rd, p->fd);
    if (st == GVC_INPROGRESS) {
        return;
    }
    if (st == GVC_OK && p->rd.hdr.api_id == GVC_CTL_STATUS) {
        gvd_status_answer(s, p);
    } else if (st == GVC_OK) {
        admit(s, p);
    } else if (st == GVC_ERR_VERSION) {
        refuse(s, p, GVC_ERR_VERSION, "protocol version mismatch: client "
               "speaks %u, gvd speaks %u; install matching gvirtus versions",
               p->rd.hdr.version, GVC_WIRE_VERSION);
    } else if (st != GVC_ERR_PEER_DOWN) {
        refuse(s, p, st, "bad handshake: %s", gvc_status_str(st));
    }
    pending_flush(s, i); /* closes it now when no answer is queued */
}

/* 127.0.0.0/8, ::1 or ::ffff:127.x: a peer on this host. */
static int is_loopback(const struct sockaddr_storage *ss)
{
    const struct in6_addr *a6;

    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
    }
    if (ss->ss_family != AF_INET6) {
        return 0;
    }
    a6 = &((const struct sockaddr_in6 *)ss)->sin6_addr;
    return IN6_IS_ADDR_LOOPBACK(a6) ||
           (IN6_IS_ADDR_V4MAPPED(a6) && a6->s6_addr[12] == 127);
}

static void do_accept(server_t *s)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof(ss);
    struct epoll_event ev = { .events = EPOLLIN };
    char host[48] = "?";
    pending_t *p;
    int fd, one = 1;

    fd = accept4(s->lfd, (struct sockaddr *)&ss, &sl,
                 SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        return;
    }
    if (s->n_pend == s->cap_pend) {
        int cap = s->cap_pend ? 2 * s->cap_pend : 16;
        pending_t *np = realloc(s->pend, sizeof(*np) * (size_t)cap);
        if (np == NULL) {
            close(fd);
            return;
        }
        s->pend = np;
        s->cap_pend = cap;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    p = &s->pend[s->n_pend++];
    memset(p, 0, sizeof(*p));
    p->fd = fd;
    p->deadline_ms = gvd_now_ms() + s->cfg->hello_timeout;
    p->loopback = is_loopback(&ss);
    gvc_ctl_reader_init(&p->rd);
    if (ss.ss_family == AF_INET6) {
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host,
                  sizeof(host));
        snprintf(p->peer, sizeof(p->peer), "[%s]:%d", host,
                 ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
    } else {
        inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host,
                  sizeof(host));
        snprintf(p->peer, sizeof(p->peer), "%s:%d", host,
                 ntohs(((struct sockaddr_in *)&ss)->sin_port));
    }
    ev.data.fd = fd;
    epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev);
}

static void expire_pending(server_t *s)
{
    long now = gvd_now_ms();

    for (int i = s->n_pend - 1; i >= 0; i--) {
        if (s->pend[i].deadline_ms > now) {
            continue;
        }
        if (s->pend[i].out != NULL) {
            gvc_warn("%s did not read gvd's answer within %ld ms; closed",
                     s->pend[i].peer, s->cfg->hello_timeout);
        } else {
            gvc_warn("client %s sent no handshake within %ld ms; closed",
                     s->pend[i].peer, s->cfg->hello_timeout);
        }
        pending_close(s, i);
    }
}

/* ---- children ----------------------------------------------------------- */

static void reap(server_t *s)
{
    int status;
    pid_t pid;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (int i = 0; i < s->n_kids; i++) {
            child_t *k = &s->kids[i];
            if (k->pid != pid) {
                continue;
            }
            if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
                gvc_info("worker %d for client %u %s finished", (int)pid,
                         k->id, k->peer);
            } else if (WIFSIGNALED(status)) {
                gvc_warn("worker %d for client %u %s killed by signal %d",
                         (int)pid, k->id, k->peer, WTERMSIG(status));
            } else {
                gvc_warn("worker %d for client %u %s exited with status %d",
                         (int)pid, k->id, k->peer, WEXITSTATUS(status));
            }
            gvd_status_fold(s, k);
            s->kids[i] = s->kids[--s->n_kids];
            break;
        }
    }
}

static void stop_children(server_t *s)
{
    long deadline = gvd_now_ms() + s->cfg->shutdown_timeout;

    for (int i = 0; i < s->n_kids; i++) {
        kill(s->kids[i].pid, SIGTERM);
    }
    while (s->n_kids > 0 && gvd_now_ms() < deadline) {
        reap(s);
        if (s->n_kids > 0) {
            usleep(10000);
        }
    }
    for (int i = 0; i < s->n_kids; i++) {
        gvc_warn("worker %d did not stop in time; killing it",
                 (int)s->kids[i].pid);
        kill(s->kids[i].pid, SIGKILL);
    }
    while (s->n_kids > 0) {
        child_t *k = &s->kids[s->n_kids - 1];
        waitpid(k->pid, NULL, 0);
        gvd_status_fold(s, k);
        s->n_kids--;
    }
}

/* ---- setup and loop --------------------------------------------------------*/

/* The first line of path, for a gvd.ini key (named in err). */
static int read_secret_file(const char *key, const char *path, char **out_p,
                            char *err, size_t errlen)
{
    char buf[512];
    FILE *fp;

    fp = fopen(path, "r");
    if (fp == NULL || fgets(buf, sizeof(buf), fp) == NULL) {
        snprintf(err, errlen, "cannot read gvd.%s %s: %s", key, path,
                 fp ? "empty" : strerror(errno));
        if (fp != NULL) {
            fclose(fp);
        }
        return -1;
    }
    fclose(fp);
    buf[strcspn(buf, "\r\n")] = '\0';
    *out_p = strdup(buf);
    return *out_p != NULL ? 0 : -1;
}

/* auth = secret: the clients' secret; status_secret_file: the one that
 * lets a remote gvctl or monitor read the counters. */
static int read_secrets(server_t *s, char *err, size_t errlen)
{
    if (strcmp(s->cfg->auth, "secret") == 0 &&
        read_secret_file("secret_file", s->cfg->secret_file, &s->secret, err,
                         errlen) != 0) {
        return -1;
    }
    if (s->cfg->status_secret_file[0] != '\0' &&
        read_secret_file("status_secret_file", s->cfg->status_secret_file,
                         &s->status_secret, err, errlen) != 0) {
        return -1;
    }
    return 0;
}

/*
 * The registry client, for registration and (auth = lease) lease checks.
 * Without lease checks gvd can do its job without the registry, so a bad
 * [registry] setting is logged and gvd serves on; with them it cannot
 * admit anyone, so it does not start.
 */
static int registry_setup(server_t *s, int port, char *err, size_t errlen)
{
    char why[384];

    if (gvd_registry_create(s->cfg, s->gpus, s->n_gpus, port, &s->reg, why,
                            sizeof(why)) == GVC_OK) {
        return 0;
    }
    if (strcmp(s->cfg->auth, "lease") == 0) {
        snprintf(err, errlen, "gvd.auth = lease: %s", why);
        return -1;
    }
    gvc_error("registry: %s; this node will not be registered", why);
    return 0;
}

static int server_setup(server_t *s, char *err, size_t errlen)
{
    struct epoll_event ev = { .events = EPOLLIN };
    sigset_t mask;
    size_t tlen;
    FILE *mem;
    int port, rc;

    mem = open_memstream(&s->cfg_text, &tlen);
    gvc_cfg_dump(&gvd_config_table, s->cfg, mem);
    fclose(mem);
    if (read_secrets(s, err, errlen) != 0) {
        return -1;
    }
    s->start_ms = gvd_now_ms();
    if (s->cfg->node_name[0] != '\0') {
        snprintf(s->node, sizeof(s->node), "%s", s->cfg->node_name);
    } else if (gethostname(s->node, sizeof(s->node) - 1) != 0) {
        snprintf(s->node, sizeof(s->node), "localhost");
    }
    rc = gvd_probe(s->cfg, s->gpus, GVD_MAX_GPUS, &s->n_gpus, err, errlen);
    if (rc == 1 && !s->cfg->require_gpu) {
        /* One placeholder GPU: clients get through to the worker, whose
         * CUDA runtime then reports its own error (no driver, no
         * device); that is what a demo on a GPU-less machine shows. */
        gvc_warn("%s; serving anyway (require_gpu = no)", err);
        memset(&s->gpus[0], 0, sizeof(s->gpus[0]));
        snprintf(s->gpus[0].name, sizeof(s->gpus[0].name),
                 "(none: require_gpu = no)");
        snprintf(s->gpus[0].uuid, sizeof(s->gpus[0].uuid), "none");
        snprintf(s->gpus[0].pci, sizeof(s->gpus[0].pci), "none");
        s->n_gpus = 1;
        s->no_gpu = 1;
    } else if (rc != 0) {
        if (strcmp(s->cfg->device, "cuda") == 0) {
            size_t n = strlen(err);
            snprintf(err + n, errlen - n, " (device = sim runs without a "
                     "GPU, for tests only)");
        }
        return -1;
    }
    if (gvc_ctl_listen(s->cfg->listen, (int)s->cfg->port, 128, &s->lfd,
                       &port, err, errlen) != GVC_OK) {
        return -1;
    }
    if (s->no_gpu) {
        if (strcmp(s->cfg->auth, "lease") == 0) {
            snprintf(err, errlen, "gvd.auth = lease needs the registry, "
                     "which is never told about a placeholder GPU "
                     "(require_gpu = no)");
            return -1;
        }
        gvc_warn("no GPU: this node is not registered");
    } else if (registry_setup(s, port, err, errlen) != 0) {
        return -1;
    }
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGCHLD);
    sigaddset(&mask, SIGHUP);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    signal(SIGPIPE, SIG_IGN);
    s->sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    s->epfd = epoll_create1(EPOLL_CLOEXEC);
    ev.data.fd = s->lfd;
    epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->lfd, &ev);
    ev.data.fd = s->sfd;
    epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->sfd, &ev);
    if (gvd_metrics_create(s->cfg->metrics_listen, s->cfg->hello_timeout,
                           s->epfd, &s->metrics, err, errlen) != GVC_OK) {
        return -1;
    }
    gvc_info("gvd %s listening on %s:%d, %d GPU(s) exposed (%s), "
             "max_clients %ld", PACKAGE_VERSION, s->cfg->listen, port,
             s->n_gpus, s->cfg->device, s->cfg->max_clients);
    for (int i = 0; i < s->n_gpus; i++) {
        gvc_info("  GPU %d: %s (cuda %d, %s)", i, s->gpus[i].name,
                 s->gpus[i].index, s->gpus[i].uuid);
    }
    return 0;
}

static void on_signal(server_t *s)
{
    struct signalfd_siginfo si;

    while (read(s->sfd, &si, sizeof(si)) == sizeof(si)) {
        if (si.ssi_signo == SIGCHLD) {
            reap(s);
        } else if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
            gvc_info("signal %u: shutting down (%d worker(s))",
                     si.ssi_signo, s->n_kids);
            s->stopping = 1;
        }
    }
}

static int next_timeout(const server_t *s)
{
    long now = gvd_now_ms(), t = 1000, reg = gvd_registry_due_in(s->reg, now);

    if (reg >= 0 && reg < t) {
        t = reg;
    }
    reg = gvd_metrics_due_in(s->metrics, now);
    if (reg >= 0 && reg < t) {
        t = reg;
    }

    for (int i = 0; i < s->n_pend; i++) {
        long left = s->pend[i].deadline_ms - now;
        t = left < t ? (left > 0 ? left : 0) : t;
    }
    return (int)t;
}

int gvd_server_run(const gvd_config_t *cfg)
{
    server_t s = { .cfg = cfg, .lfd = -1, .sfd = -1, .epfd = -1 };
    struct epoll_event evs[32];
    char err[512];
    int n, rc = 0;

    if (server_setup(&s, err, sizeof(err)) != 0) {
        gvc_error("%s", err);
        fprintf(stderr, "gvd: %s\n", err);
        rc = 1;
        goto out;
    }
    /* systemd (Type=notify): listening, and registered when configured. */
    gvc_notify("READY=1");
    while (!s.stopping) {
        n = epoll_wait(s.epfd, evs, 32, next_timeout(&s));
        for (int i = 0; i < n; i++) {
            int fd = evs[i].data.fd;
            if (fd == s.lfd) {
                do_accept(&s);
            } else if (fd == s.sfd) {
                on_signal(&s);
            } else if (gvd_metrics_event(&s, fd, evs[i].events)) {
                continue;
            } else {
                for (int j = 0; j < s.n_pend; j++) {
                    if (s.pend[j].fd == fd) {
                        pending_event(&s, j);
                        break;
                    }
                }
            }
        }
        expire_pending(&s);
        gvd_metrics_expire(s.metrics, gvd_now_ms());
        gvd_registry_tick(s.reg, gvd_now_ms());
    }
    gvc_notify("STOPPING=1");
    stop_children(&s);
    gvc_info("gvd stopped");
out:
    while (s.n_pend > 0) {
        pending_close(&s, s.n_pend - 1);
    }
    if (s.lfd >= 0) {
        close(s.lfd);
    }
    if (s.sfd >= 0) {
        close(s.sfd);
    }
    if (s.epfd >= 0) {
        close(s.epfd);
    }
    gvd_metrics_destroy(s.metrics);
    free(s.pend);
    free(s.kids);
    free(s.secret);
    free(s.status_secret);
    free(s.cfg_text);
    gvd_registry_destroy(s.reg);
    return rc;
}
