/*
 * gvf_session.c - libgvirtus start-up: configuration, server list,
 * connections and the handshake with each gvd.
 *
 * The first CUDA call of the process runs gvf_init(), exactly once
 * (pthread_once).  Every configured GPU is connected then: a job that
 * names a server it cannot use learns it at its first CUDA call, with a
 * message naming the server, rather than half-way through.
 *
 * The server list is GVIRTUS_SERVERS (or client.ini's servers); when
 * that is empty inside a Slurm job (SLURM_JOB_ID) and a registry is
 * configured ([registry] in client.ini, GVIRTUS_REGISTRY_*), the registry
 * says which GPUs the job leased and gives the lease credential that gvd
 * asks for (unless GVIRTUS_LEASE already holds one).
 */
#include "config.h"

#include "gvf_int.h"
#include "gvc_config.h"
#include "gvc_ctl.h"
#include "gvc_log.h"
#include "gvc_proto.h"

#include <ctype.h>
#include <stdatomic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define C(key, type, def, field, min, max, env, help)                         \
    { "client", key, type, def, offsetof(gvf_config_t, field), min, max, env, \
      help }

static const gvc_cfg_field_t fields[] = {
    C("servers", GVC_CFG_STR, "", servers, 1, 0, "GVIRTUS_SERVERS",
      "remote GPUs: host:port[#gpu],... become devices 0..N-1"),
    C("secret", GVC_CFG_STR, "", secret, 1, 0, "GVIRTUS_SECRET",
      "shared secret for gvd's auth = secret"),
    C("secret_file", GVC_CFG_STR, "", secret_file, 1, 0,
      "GVIRTUS_SECRET_FILE", "file holding the shared secret"),
    C("lease", GVC_CFG_STR, "", lease, 1, 0, "GVIRTUS_LEASE",
      "lease credential for gvd's auth = lease (the Slurm TaskProlog sets "
      "it; empty: asked from the registry with the servers)"),
    C("timeout", GVC_CFG_MSEC, "0", timeout, 0, 86400000, "GVIRTUS_TIMEOUT",
      "longest wait for a reply before the GPU counts as lost; 0: none"),
    C("connect_timeout", GVC_CFG_MSEC, "10s", connect_timeout, 1, 600000,
      "GVIRTUS_CONNECT_TIMEOUT", "time to reach gvd and shake hands"),
    C("batch_us", GVC_CFG_INT, "100", batch_us, 0, 100000,
      "GVIRTUS_BATCH_US", "one-way calls (launches, async copies) issued "
      "within this many microseconds of each other travel as one "
      "message, and none waits longer; 0: each on its own"),
    C("log_level", GVC_CFG_LOGLVL, "warn", log_level, 1, 0,
      "GVIRTUS_LOGLEVEL", "0 trace ... 50000 fatal (seed's scale)"),
    GVR_CLIENT_CFG_FIELDS(gvf_config_t, registry)
};

/* The credential field of gvd's HELLO (gvc_hello_unpack's limit). */
#define GVF_CRED_MAX GVC_PROTO_MAX_CRED

static const gvc_cfg_table_t table = GVC_CFG_TABLE(fields, NULL);

static struct {
    pthread_once_t once;
    gvc_status_t status;
    gvf_config_t cfg;
    gvt_ctx_t *ctx;
    gvf_dev_t *devs;
    int n;
} G = { .once = PTHREAD_ONCE_INIT };

/* Set in a child forked after the session was set up (fork_child);
 * read by every call (gvf_call_init), hence a plain int. */
int gvf_forked_;

/* The thread's current device: -1 until it sets one, then the process's
 * default (device 0 unless cudaSetValidDevices chose another). */
static __thread int cur_dev = -1;
static atomic_int default_dev;

/* ---- server list --------------------------------------------------------- */

static int parse_one(const char *s, size_t len, gvf_dev_t *d, char *err,
                     size_t errlen)
{
    char item[300], *p, *hash, *colon;
    long v;

    if (len == 0 || len >= sizeof(item)) {
        snprintf(err, errlen, "empty or overlong entry");
        return -1;
    }
    memcpy(item, s, len);
    item[len] = '\0';
    d->port = 9999;
    d->gpu = 0;
    hash = strchr(item, '#');
    if (hash != NULL) {
        *hash++ = '\0';
        v = strtol(hash, &p, 10);
        if (*hash == '\0' || *p != '\0' || v < 0 || v > 1023) {
            snprintf(err, errlen, "'%.*s': GPU after '#' must be a number",
                     (int)len, s);
            return -1;
        }
        d->gpu = (int)v;
    }
    if (item[0] == '[') { /* [v6-address]:port */
        p = strchr(item, ']');
        if (p == NULL) {
            snprintf(err, errlen, "'%s': missing ']'", item);
            return -1;
        }
        *p++ = '\0';
        snprintf(d->host, sizeof(d->host), "%s", item + 1);
        colon = *p == ':' ? p : NULL;
    } else {
        colon = strrchr(item, ':');
        if (colon != NULL) {
            *colon = '\0';
        }
        snprintf(d->host, sizeof(d->host), "%s", item);
        if (colon != NULL) {
            *colon = ':';
        }
    }
    if (colon != NULL) {
        v = strtol(colon + 1, &p, 10);
        if (colon[1] == '\0' || *p != '\0' || v < 1 || v > 65535) {
            snprintf(err, errlen, "'%.*s': port must be 1..65535", (int)len,
                     s);
            return -1;
        }
        d->port = (int)v;
    }
    if (d->host[0] == '\0') {
        snprintf(err, errlen, "'%.*s': no host", (int)len, s);
        return -1;
    }
    snprintf(d->name, sizeof(d->name), "%s:%d#%d", d->host, d->port, d->gpu);
    return 0;
}

int gvf_parse_servers(const char *text, gvf_dev_t **devs_p, int *n_p,
                      char *err, size_t errlen)
{
    gvf_dev_t *devs = NULL;
    const char *p = text, *end;
    int n = 0;

    while (p != NULL && *p != '\0') {
        while (isspace((unsigned char)*p) || *p == ',') {
            p++;
        }
        if (*p == '\0') {
            break;
        }
        end = p + strcspn(p, ", \t");
        gvf_dev_t *nd = realloc(devs, sizeof(*devs) * (size_t)(n + 1));
        if (nd == NULL) {
            free(devs);
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        devs = nd;
        memset(&devs[n], 0, sizeof(devs[n]));
        if (parse_one(p, (size_t)(end - p), &devs[n], err, errlen) != 0) {
            free(devs);
            return -1;
        }
        devs[n].ordinal = n;
        devs[n].ctl_fd = -1;
        pthread_mutex_init(&devs[n].lock, NULL);
        n++;
        p = end;
    }
    if (n == 0) {
        free(devs);
        snprintf(err, errlen, "no servers");
        return -1;
    }
    *devs_p = devs;
    *n_p = n;
    return 0;
}

/* ---- configuration --------------------------------------------------------- */

static int load_config(char *err, size_t errlen)
{
    const char *path = getenv("GVIRTUS_CONFIG");
    char buf[512];
    FILE *fp;

    if (gvc_cfg_defaults(&table, &G.cfg) != GVC_OK) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (path == NULL && access(GVF_SYSCONFDIR "/client.ini", R_OK) == 0) {
        path = GVF_SYSCONFDIR "/client.ini";
    }
    if (path != NULL &&
        gvc_cfg_load_file(&table, &G.cfg, path, err, errlen) != GVC_OK) {
        return -1;
    }
    if (gvc_cfg_apply_env(&table, &G.cfg, err, errlen) != GVC_OK) {
        return -1;
    }
    if (G.cfg.secret[0] == '\0' && G.cfg.secret_file[0] != '\0') {
        fp = fopen(G.cfg.secret_file, "r");
        if (fp == NULL || fgets(buf, sizeof(buf), fp) == NULL) {
            snprintf(err, errlen, "cannot read secret file %s: %s",
                     G.cfg.secret_file, fp ? "empty" : strerror(errno));
            if (fp != NULL) {
                fclose(fp);
            }
            return -1;
        }
        fclose(fp);
        buf[strcspn(buf, "\r\n")] = '\0';
        free(G.cfg.secret);
        G.cfg.secret = strdup(buf);
    }
    return 0;
}

/* ---- handshake ------------------------------------------------------------- */

static gvc_status_t dev_handshake(gvf_dev_t *d, const void *addr,
                                  size_t alen)
{
    uint8_t buf[GVC_PROTO_MAX_ADDR + GVC_PROTO_MAX_CRED + 2048];
    char host[256] = "", err[512];
    const char *job = getenv("SLURM_JOB_ID");
    gvc_hello_t h = { 0 };
    gvc_welcome_t w;
    gvc_wire_hdr_t hdr;
    gvc_status_t st;
    size_t len;

    st = gvc_ctl_connect(d->host, d->port, G.cfg.connect_timeout, &d->ctl_fd,
                         err, sizeof(err));
    if (st != GVC_OK) {
        gvc_error("GPU %d (%s): %s", d->ordinal, d->name, err);
        return st;
    }
    gethostname(host, sizeof(host) - 1);
    h.client_host = host;
    h.pid = (uint32_t)getpid();
    h.uid = (uint32_t)getuid();
    h.job_id = job ? job : "";
    /* One credential travels: a shared secret, when the user set one,
     * speaks for a gvd in secret mode; otherwise the job's lease. */
    h.credential = G.cfg.secret[0] != '\0' ? G.cfg.secret : G.cfg.lease;
    if (strlen(h.credential) > GVF_CRED_MAX) {
        gvc_error("GPU %d (%s): the lease credential is %zu bytes; gvd's "
                  "handshake carries at most %d", d->ordinal, d->name,
                  strlen(h.credential), GVF_CRED_MAX);
        return GVC_ERR_NOT_SUPPORTED;
    }
    h.gpu = d->gpu;
    h.version = PACKAGE_VERSION;
    h.ucx_addr = addr;
    h.ucx_addr_len = alen;
    if (gvc_hello_pack(&h, buf, sizeof(buf), &len) != GVC_OK ||
        gvc_ctl_send(d->ctl_fd, GVC_CTL_HELLO, 0, 0, buf, len) != GVC_OK) {
        gvc_error("GPU %d (%s): cannot send the handshake", d->ordinal,
                  d->name);
        return GVC_ERR_PEER_DOWN;
    }
    st = gvc_ctl_recv(d->ctl_fd, G.cfg.connect_timeout, &hdr, buf,
                      sizeof(buf) - 1, &len);
    if (st == GVC_ERR_VERSION) {
        gvc_error("GPU %d (%s): gvd speaks protocol version %u, this client "
                  "%u: install matching gvirtus versions", d->ordinal,
                  d->name, hdr.version, GVC_WIRE_VERSION);
        return st;
    }
    if (st != GVC_OK) {
        gvc_error("GPU %d (%s): no answer to the handshake: %s", d->ordinal,
                  d->name, gvc_status_str(st));
        return st;
    }
    if (hdr.api_id == GVC_CTL_REFUSE) {
        buf[len] = '\0';
        gvc_error("GPU %d (%s): gvd refused: %s", d->ordinal, d->name,
                  len ? (char *)buf : "no reason given");
        return hdr.result < 0 ? (gvc_status_t)hdr.result : GVC_ERR_DENIED;
    }
    if (hdr.api_id != GVC_CTL_WELCOME ||
        gvc_welcome_unpack(buf, len, &w) != GVC_OK) {
        gvc_error("GPU %d (%s): garbled handshake answer", d->ordinal,
                  d->name);
        return GVC_ERR_PROTO;
    }
    st = gvt_conn_connect(d->conn, w.ucx_addr, w.ucx_addr_len);
    if (st != GVC_OK) {
        gvc_error("GPU %d (%s): cannot reach the worker over UCX "
                  "(UCX_TLS=%s)", d->ordinal, d->name,
                  getenv("UCX_TLS") ? getenv("UCX_TLS") : "default");
        return st;
    }
    d->chunk = w.chunk;
    d->chunks = (int)w.chunks;
    d->sim = strcmp(w.device, "sim") == 0;
    gvt_conn_set_liveness_fd(d->conn, d->ctl_fd);
    gvc_debug("GPU %d: %s, worker %u, gvd %s, %s device", d->ordinal,
              d->name, w.worker_pid, w.version, w.device);
    return GVC_OK;
}

static gvc_status_t dev_connect(gvf_dev_t *d)
{
    gvt_conn_params_t p = {
        .name = d->name,
        .recv_cb = gvf_service_recv,
        .detached_cb = gvf_detached_done,
        .arg = d,
        .timeout_ms = G.cfg.timeout,
        .batch_us = (unsigned)G.cfg.batch_us,
    };
    gvc_status_t st;
    void *addr;
    size_t alen;

    st = gvt_conn_create(G.ctx, &p, &d->conn);
    if (st != GVC_OK) {
        return st;
    }
    st = gvt_conn_address(d->conn, &addr, &alen);
    if (st != GVC_OK) {
        return st;
    }
    st = dev_handshake(d, addr, alen);
    free(addr);
    return st;
}

/* Sends still in flight when the program ends must leave.  Not in a
 * forked child: those are the parent's connections (see fork_child). */
static void flush_at_exit(void)
{
    if (gvf_forked_) {
        return;
    }
    for (int i = 0; i < G.n; i++) {
        if (G.devs[i].conn != NULL &&
            gvt_conn_status(G.devs[i].conn) == GVC_OK) {
            gvt_conn_flush(G.devs[i].conn);
        }
    }
}

/*
 * No servers configured, SLURM_JOB_ID set, a registry configured: ask the
 * registry for job's GPUs, and its lease credential unless GVIRTUS_LEASE
 * gave one.  MUNGE is used only when it is [registry] auth.
 */
static gvc_status_t servers_from_registry(const char *job, char *err,
                                          size_t errlen)
{
    char *servers = NULL, *cred = NULL;
    gvr_client_h reg;
    gvc_status_t st;

    st = gvr_client_create(&G.cfg.registry, &reg, err, errlen);
    if (st != GVC_OK) {
        return st;
    }
    st = gvr_job_servers(reg, job, &servers, &cred, err, errlen);
    gvr_client_destroy(reg);
    if (st != GVC_OK) {
        return st;
    }
    gvc_debug("registry: job %s holds %s", job, servers);
    free(G.cfg.servers);
    G.cfg.servers = servers;
    if (G.cfg.lease[0] == '\0') {
        free(G.cfg.lease);
        G.cfg.lease = cred;
    } else {
        free(cred);
    }
    return GVC_OK;
}

/* Which GPUs: the configured list, or the registry's answer for the
 * Slurm job.  Returns 0, or -1 with G.status set and the cause logged. */
static int find_servers(void)
{
    const char *job = getenv("SLURM_JOB_ID");
    gvc_status_t st;
    char err[512];

    if (G.cfg.servers[0] == '\0' && job != NULL && job[0] != '\0' &&
        G.cfg.registry.address[0] != '\0') {
        st = servers_from_registry(job, err, sizeof(err));
        if (st != GVC_OK) {
            gvc_error("no GPU servers: asked the registry for job %s's "
                      "GPUs: %s", job, err);
            /* No lease is no device; other failures keep their error. */
            G.status = st == GVC_ERR_NOT_FOUND ? GVC_ERR_NO_DEVICE : st;
            return -1;
        }
    }
    if (G.cfg.servers[0] == '\0') {
        gvc_error("no GPU servers: set GVIRTUS_SERVERS=host:port[#gpu],... "
                  "or servers in client.ini (GVIRTUS_CONFIG), or run in a "
                  "Slurm job with a registry configured ([registry] "
                  "address, GVIRTUS_REGISTRY_ADDRESS)");
        G.status = GVC_ERR_CONFIG;
        return -1;
    }
    if (gvf_parse_servers(G.cfg.servers, &G.devs, &G.n, err,
                          sizeof(err)) != 0) {
        gvc_error("GVIRTUS_SERVERS='%s': %s", G.cfg.servers, err);
        G.status = GVC_ERR_CONFIG;
        return -1;
    }
    return 0;
}

/*
 * fork() after the session was set up (registered by init_once, so a
 * child forked before the first CUDA call sets up its own session).  The
 * child shares the parent's UCX endpoints, sockets and call sequence
 * numbers: one message from it, or a progress that reads the parent's
 * replies, and the worker drops the connection, which kills the PARENT's
 * session.  So, as native CUDA does in such a child, every call fails
 * from now on (GVC_ERR_FORKED: cudaErrorInitializationError,
 * CUDA_ERROR_NOT_INITIALIZED, each library's "not initialised") and
 * nothing of the parent's transport is used, flushed or destroyed (UCX
 * objects are not fork-safe: they are left as they are).  The control
 * sockets are closed in the child only (a close sends nothing): the
 * worker watches its socket to learn that its client is gone, and a
 * child living on must not keep the parent's worker alive.
 * Runs in the child alone, before it returns from fork(): a plain int is
 * enough, and close() is async-signal-safe.
 */
static void fork_child(void)
{
    gvf_forked_ = 1;
    for (int i = 0; i < G.n; i++) {
        if (G.devs[i].ctl_fd >= 0) {
            close(G.devs[i].ctl_fd);
            G.devs[i].ctl_fd = -1;
        }
    }
}

static void init_once(void)
{
    char err[512];

    gvc_log_init("gvirtus", GVC_LOG_WARN);
    if (load_config(err, sizeof(err)) != 0) {
        gvc_error("configuration: %s", err);
        G.status = GVC_ERR_CONFIG;
        return;
    }
    gvc_log_set_level(G.cfg.log_level);
    if (find_servers() != 0) {
        return;
    }
    G.status = gvt_ctx_create("gvirtus", &G.ctx);
    for (int i = 0; i < G.n && G.status == GVC_OK; i++) {
        G.status = dev_connect(&G.devs[i]);
    }
    if (G.status != GVC_OK) {
        G.n = 0; /* no device is usable if one of the job's is not */
        return;
    }
    atexit(flush_at_exit);
    if (pthread_atfork(NULL, NULL, fork_child) != 0) {
        gvc_warn("cannot watch for fork(): a child forked from now on "
                 "must not make CUDA calls");
    }
}

gvc_status_t gvf_init(void)
{
    if (__builtin_expect(gvf_forked_, 0)) {
        return GVC_ERR_FORKED;
    }
    pthread_once(&G.once, init_once);
    return G.status;
}

int gvf_forked(void)
{
    return gvf_forked_;
}

int gvf_device_count(void)
{
    return G.status == GVC_OK ? G.n : 0;
}

gvf_dev_t *gvf_dev(int ordinal)
{
    return ordinal >= 0 && ordinal < gvf_device_count() ? &G.devs[ordinal]
                                                        : NULL;
}

int gvf_current_ordinal(void)
{
    return cur_dev >= 0 ? cur_dev : atomic_load(&default_dev);
}

void gvf_set_current_ordinal(int ordinal)
{
    cur_dev = ordinal;
}

gvf_dev_t *gvf_current_dev(void)
{
    return gvf_dev(gvf_current_ordinal());
}

void gvf_set_default_ordinal(int ordinal)
{
    atomic_store(&default_dev, ordinal);
}

int gvf_dev_ordinal(const gvf_dev_t *dev)
{
    return dev->ordinal;
}

const char *gvf_dev_name(const gvf_dev_t *dev)
{
    return dev->name;
}

gvt_conn_t *gvf_dev_conn(gvf_dev_t *dev)
{
    return dev->conn;
}

uint64_t gvf_dev_chunk(const gvf_dev_t *dev)
{
    return dev->chunk;
}

int gvf_dev_chunks(const gvf_dev_t *dev)
{
    return dev->chunks;
}

gvt_ctx_t *gvf_ctx(void)
{
    return G.ctx;
}

void *gvf_dev_slot(gvf_dev_t *dev, int slot)
{
    return dev->slots[slot];
}

void gvf_dev_set_slot(gvf_dev_t *dev, int slot, void *p)
{
    dev->slots[slot] = p;
}

int64_t gvf_dev_take_deferred(gvf_dev_t *dev)
{
    return atomic_exchange(&dev->deferred, 0);
}

void gvf_report_lost(gvf_dev_t *dev, gvc_status_t st,
                     _Atomic unsigned long *reported,
                     const char *consequence)
{
    int o = gvf_dev_ordinal(dev);
    unsigned long bit = o >= 0 && o < 64 ? 1ul << o : 0;

    /* Ordinals past 63 share no bit and are reported every time. */
    if (bit != 0 && (atomic_fetch_or(reported, bit) & bit)) {
        return;
    }
    gvc_error("GPU %d (%s): %s; %s", o, gvf_dev_name(dev),
              gvc_status_str(st), consequence);
}
