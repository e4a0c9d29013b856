/*
 * gvd_config.c - gvd's configuration table and checks, and the [lease]
 * section a worker receives after it.
 */
#include "config.h"

#include "gvd_config.h"
#include "gvc_log.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define F(key, type, def, field, min, max, help)                              \
    { "gvd", key, type, def, offsetof(gvd_config_t, field), min, max, NULL,   \
      help }

static const gvc_cfg_field_t fields[] = {
    F("listen", GVC_CFG_STR, "*", listen, 1, 0,
      "address of the control port; * for every interface"),
    F("port", GVC_CFG_INT, "9999", port, 1, 65535,
      "TCP control port clients connect to"),
    F("max_clients", GVC_CFG_INT, "64", max_clients, 1, 100000,
      "clients served at once; more are refused with a clear error"),
    F("gpus", GVC_CFG_STR, "all", gpus, 1, 0,
      "GPUs to expose, by CUDA index: all, or a list like 0,2"),
    F("device", GVC_CFG_STR, "cuda", device, 1, 0,
      "cuda, or sim for a simulated device (tests only, no kernels)"),
    F("require_gpu", GVC_CFG_BOOL, "yes", require_gpu, 0, 1,
      "no: serve even when no GPU is found (one placeholder GPU 0 whose "
      "calls return CUDA's own error); for demos and CI, never registered"),
    F("cache_dir", GVC_CFG_STR, "/var/cache/gvirtus", cache_dir, 1, 0,
      "directory for the fatbin cache; empty keeps it in memory only"),
    F("log_level", GVC_CFG_LOGLVL, "info", log_level, 1, 0,
      "0 trace, 10000 debug, 20000 info, 30000 warn, 40000 error"),
    F("log_target", GVC_CFG_STR, "stderr", log_target, 1, 0,
      "stderr (under systemd: the journal) or syslog"),
    F("worker", GVC_CFG_STR, "", worker, 1, 0,
      "path of gvd-worker; empty: the one installed beside gvd"),
    F("cuda_runtime", GVC_CFG_STR, "libcudart.so.13", cuda_runtime, 1, 0,
      "the real CUDA runtime library workers load"),
    F("sim_runtime", GVC_CFG_STR, "", sim_runtime, 1, 0,
      "simulated runtime for device = sim; empty: the installed one"),
    F("spin_us", GVC_CFG_INT, "200", spin_us, 0, 1000000,
      "microseconds a worker busy-polls before sleeping"),
    F("hello_timeout", GVC_CFG_MSEC, "5s", hello_timeout, 1, 600000,
      "time a new connection has to complete its handshake"),
    F("shutdown_timeout", GVC_CFG_MSEC, "5s", shutdown_timeout, 1, 600000,
      "time workers get to exit on SIGTERM before SIGKILL"),
    F("memory_limit", GVC_CFG_SIZE, "0", memory_limit, 1, 0,
      "GPU memory one client may hold (e.g. 16G); 0 for no limit"),
    F("staging_chunk", GVC_CFG_SIZE, "8M", staging_chunk, 65536,
      1073741824, "copy pipelining chunk: network and PCIe overlap"),
    F("staging_count", GVC_CFG_INT, "4", staging_count, 2, 64,
      "pinned staging chunks per worker"),
    F("sim_memory", GVC_CFG_SIZE, "1G", sim_memory, 1048576, 0,
      "memory of the simulated device"),
    F("auth", GVC_CFG_STR, "none", auth, 1, 0,
      "client authentication: none, secret (shared secret file) or lease "
      "(a registry lease for the GPU, GVIRTUS_LEASE)"),
    F("secret_file", GVC_CFG_STR, "", secret_file, 1, 0,
      "file holding the shared secret for auth = secret"),
    F("status_secret_file", GVC_CFG_STR, "", status_secret_file, 1, 0,
      "secret a remote status request must carry when auth is not "
      "none (local ones need none)"),
    F("metrics_listen", GVC_CFG_STR, "", metrics_listen, 1, 0,
      "Prometheus endpoint host:port, e.g. 127.0.0.1:9400; empty: off"),
    F("node_name", GVC_CFG_STR, "", node_name, 1, 0,
      "this node's name in the registry; empty: the host name"),
    F("advertise_host", GVC_CFG_STR, "", advertise_host, 1, 0,
      "host name or address the registry gives clients for this gvd; "
      "empty: the host name"),
    F("nic", GVC_CFG_STR, "", nic, 1, 0,
      "network device clients reach gvd through (e.g. mlx5_0), for the "
      "registry's placement; empty: unknown"),
    GVR_CLIENT_CFG_FIELDS(gvd_config_t, registry)
};

const gvc_cfg_table_t gvd_config_table = GVC_CFG_TABLE(fields, NULL);

/* The worker's table: the same keys, plus the [lease] section gvd
 * appends to the config text of a client admitted under a lease.  gvd.ini
 * is read with the table above, so a [lease] there stays an error. */
static int lease_key(void *obj, const char *section, const char *key,
                     const char *value, char *err, size_t errlen)
{
    gvd_lease_t *l = &((gvd_config_t *)obj)->lease;

    if (strcasecmp(section, "lease") != 0) {
        return 0;
    }
    if (strcasecmp(key, "job") == 0) {
        snprintf(l->job, sizeof(l->job), "%s", value);
        return 1;
    }
    if (strcasecmp(key, "mode") == 0 && (strcmp(value, "exclusive") == 0 ||
                                         strcmp(value, "shared") == 0)) {
        l->exclusive = strcmp(value, "exclusive") == 0;
        return 1;
    }
    if (strcasecmp(key, "mem_cap") == 0 &&
        gvc_parse_size(value, &l->mem_cap) == 0) {
        return 1;
    }
    snprintf(err, errlen, "[lease] %s: bad value '%s'", key, value);
    return -1;
}

static const gvc_cfg_table_t worker_table = GVC_CFG_TABLE(fields, lease_key);

char *gvd_config_lease_text(const gvd_lease_t *lease)
{
    char *text;

    if (asprintf(&text, "\n[lease]\njob = %s\nmode = %s\nmem_cap = %zu\n",
                 lease->job, lease->exclusive ? "exclusive" : "shared",
                 lease->mem_cap) < 0) {
        return NULL;
    }
    return text;
}

void gvd_log_target(const gvd_config_t *cfg)
{
    int target = GVC_LOG_TO_STDERR;

    gvc_log_parse_target(cfg->log_target, &target);
    gvc_log_set_target(target);
}

int gvd_config_has_registry(const gvd_config_t *cfg)
{
    return cfg->registry.address[0] != '\0';
}

/* Names the registry accepts: 1..63 of [A-Za-z0-9._:@+-]. */
static int name_ok(const char *s)
{
    size_t n = strlen(s);

    if (n == 0 || n >= GVR_NAME_MAX) {
        return 0;
    }
    for (; *s != '\0'; s++) {
        if (!isalnum((unsigned char)*s) && strchr("._:@+-", *s) == NULL) {
            return 0;
        }
    }
    return 1;
}

static gvc_status_t check_registry(const gvd_config_t *cfg, char *err,
                                   size_t errlen)
{
    const gvr_client_config_t *r = &cfg->registry;

    if (strcmp(r->auth, "munge") != 0 && strcmp(r->auth, "secret") != 0 &&
        strcmp(r->auth, "none") != 0) {
        snprintf(err, errlen, "registry.auth: '%s' is not munge, secret or "
                 "none", r->auth);
        return GVC_ERR_CONFIG;
    }
    if (strcmp(cfg->auth, "lease") == 0 && r->address[0] == '\0' &&
        r->lease_key_file[0] == '\0') {
        snprintf(err, errlen, "gvd.auth = lease needs registry.address (ask "
                 "the registry) or registry.lease_key_file (check offline), "
                 "or both");
        return GVC_ERR_CONFIG;
    }
    if (cfg->node_name[0] != '\0' && !name_ok(cfg->node_name)) {
        snprintf(err, errlen, "gvd.node_name: '%s' must be 1..%d characters "
                 "of A-Z a-z 0-9 . _ : @ + -", cfg->node_name,
                 GVR_NAME_MAX - 1);
        return GVC_ERR_CONFIG;
    }
    if (cfg->nic[0] != '\0' && (!name_ok(cfg->nic) ||
                                strlen(cfg->nic) >= GVR_NIC_MAX)) {
        snprintf(err, errlen, "gvd.nic: '%s' is not a device name like "
                 "mlx5_0", cfg->nic);
        return GVC_ERR_CONFIG;
    }
    return GVC_OK;
}

static gvc_status_t config_check(gvd_config_t *cfg, char *err, size_t errlen)
{
    char host[256];
    int target, port;

    if (strcmp(cfg->device, "cuda") != 0 && strcmp(cfg->device, "sim") != 0) {
        snprintf(err, errlen, "gvd.device: '%s' is not cuda or sim",
                 cfg->device);
        return GVC_ERR_CONFIG;
    }
    if (strcmp(cfg->auth, "none") != 0 && strcmp(cfg->auth, "secret") != 0 &&
        strcmp(cfg->auth, "lease") != 0) {
        snprintf(err, errlen, "gvd.auth: '%s' is not none, secret or lease",
                 cfg->auth);
        return GVC_ERR_CONFIG;
    }
    if (strcmp(cfg->auth, "secret") == 0 && cfg->secret_file[0] == '\0') {
        snprintf(err, errlen, "gvd.auth = secret needs gvd.secret_file");
        return GVC_ERR_CONFIG;
    }
    if (gvc_log_parse_target(cfg->log_target, &target) != 0) {
        snprintf(err, errlen, "gvd.log_target: '%s' is not stderr or syslog",
                 cfg->log_target);
        return GVC_ERR_CONFIG;
    }
    if (cfg->metrics_listen[0] != '\0' &&
        gvc_parse_hostport(cfg->metrics_listen, host, sizeof(host),
                           &port) != 0) {
        snprintf(err, errlen, "gvd.metrics_listen: '%s' is not host:port "
                 "(e.g. 127.0.0.1:9400, [::1]:9400, *:9400)",
                 cfg->metrics_listen);
        return GVC_ERR_CONFIG;
    }
    if (check_registry(cfg, err, errlen) != GVC_OK) {
        return GVC_ERR_CONFIG;
    }
    return gvd_config_gpus(cfg, 1 << 16, NULL, 0, NULL, err, errlen);
}

gvc_status_t gvd_config_load(gvd_config_t *cfg, const char *path,
                             char *err, size_t errlen)
{
    gvc_status_t st;

    memset(cfg, 0, sizeof(*cfg));
    st = gvc_cfg_defaults(&gvd_config_table, cfg);
    if (st == GVC_OK && path != NULL) {
        st = gvc_cfg_load_file(&gvd_config_table, cfg, path, err, errlen);
    }
    if (st == GVC_OK) {
        st = gvc_cfg_apply_env(&gvd_config_table, cfg, err, errlen);
    }
    if (st == GVC_OK) {
        st = config_check(cfg, err, errlen);
    }
    return st;
}

gvc_status_t gvd_config_load_text(gvd_config_t *cfg, const char *text,
                                  char *err, size_t errlen)
{
    gvc_status_t st;

    memset(cfg, 0, sizeof(*cfg));
    st = gvc_cfg_defaults(&gvd_config_table, cfg);
    if (st == GVC_OK) {
        st = gvc_cfg_load_string(&worker_table, cfg, text, "config", err,
                                 errlen);
    }
    return st == GVC_OK ? config_check(cfg, err, errlen) : st;
}

void gvd_config_free(gvd_config_t *cfg)
{
    gvc_cfg_free(&gvd_config_table, cfg);
}

gvc_status_t gvd_config_gpus(const gvd_config_t *cfg, int present,
                             int *map, int max, int *n_p, char *err,
                             size_t errlen)
{
    const char *p = cfg->gpus;
    int n = 0, seen[64] = { 0 };
    char *end;
    long v;

    if (strcmp(p, "all") == 0) {
        for (n = 0; n < present && n < max; n++) {
            map[n] = n;
        }
        if (n_p != NULL) {
            *n_p = n;
        }
        return GVC_OK;
    }
    while (*p != '\0') {
        v = strtol(p, &end, 10);
        if (end == p || v < 0 || v >= 64 || (*end != ',' && *end != '\0')) {
            snprintf(err, errlen, "gvd.gpus: '%s' is not 'all' or a list of "
                     "GPU indices like 0,2", cfg->gpus);
            return GVC_ERR_CONFIG;
        }
        if (v >= present) {
            snprintf(err, errlen, "gvd.gpus: GPU %ld does not exist (this "
                     "host has %d)", v, present);
            return GVC_ERR_CONFIG;
        }
        if (seen[v]++) {
            snprintf(err, errlen, "gvd.gpus: GPU %ld listed twice", v);
            return GVC_ERR_CONFIG;
        }
        if (map != NULL && n < max) {
            map[n] = (int)v;
        }
        n++;
        p = *end == ',' ? end + 1 : end;
    }
    if (n_p != NULL) {
        *n_p = n < max ? n : max;
    }
    return GVC_OK;
}
