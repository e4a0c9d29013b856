/*
 * gvr_regd_config.c - registry.ini: the [registryd] table and static
 * [node:NAME] sections.
 */
#include "config.h"

#include "gvr_regd_config.h"
#include "gvc_log.h"
#include "gvr_cred.h"

#include <ctype.h>
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define F(key, type, def, field, lo, hi, help)                                \
    { "registryd", key, type, def, offsetof(gvr_regd_config_t, field), lo,    \
      hi, NULL, help }

static const gvc_cfg_field_t regd_fields[] = {
    F("listen", GVC_CFG_STR, "*", listen, 1, 0,
      "address to listen on; * for all"),
    F("port", GVC_CFG_INT, "7700", port, 0, 65535,
      "TCP port (0: pick a free one and print it)"),
    F("database", GVC_CFG_STR, "/var/lib/gvirtus/registry.db", database, 1,
      0, "SQLite state file (WAL mode; keep it on local disk)"),
    F("auth", GVC_CFG_STR, "munge", auth, 1, 0,
      "client authentication: munge, secret or none"),
    F("secret_file", GVC_CFG_STR, "/etc/gvirtus/registry.secret",
      secret_file, 1, 0, "shared secret for auth = secret (mode 0600)"),
    F("lease_key_file", GVC_CFG_STR, "/etc/gvirtus/lease.key",
      lease_key_file, 1, 0,
      "key that signs lease credentials; every gvd holds a copy (0600)"),
    F("munge_socket", GVC_CFG_STR, "", munge_socket, 1, 0,
      "munged socket; empty: libmunge's default"),
    F("admins", GVC_CFG_STR, "root", admins, 1, 0,
      "users (names or uids) who may allocate, release, drain"),
    F("node_users", GVC_CFG_STR, "root", node_users, 1, 0,
      "users gvd runs as: may register nodes and verify leases"),
    F("heartbeat_timeout", GVC_CFG_MSEC, "30s", heartbeat_timeout_ms, 100,
      86400000, "a node silent this long is marked down"),
    F("lease_ttl", GVC_CFG_MSEC, "10080m", lease_ttl_ms, 1000, 31536000000LL,
      "lifetime of a lease when the request names none"),
    F("lease_max_ttl", GVC_CFG_MSEC, "43200m", lease_max_ttl_ms, 1000,
      31536000000LL, "longest lifetime a request may ask for"),
    F("sweep_interval", GVC_CFG_MSEC, "1s", sweep_ms, 10, 3600000,
      "how often to expire leases and mark silent nodes down"),
    F("client_timeout", GVC_CFG_MSEC, "60s", client_timeout_ms, 100,
      86400000, "drop a connection idle (or stalled mid-message) this long"),
    F("max_clients", GVC_CFG_INT, "256", max_clients, 1, 65536,
      "connections served at once; more are refused"),
    F("shared_mem_default", GVC_CFG_SIZE, "4G", shared_mem_default, 1,
      1LL << 50, "memory cap of a shared lease that names none"),
    F("db_fsync", GVC_CFG_BOOL, "yes", db_fsync, 1, 0,
      "fsync each commit (synchronous=FULL): leases survive power loss"),
    F("log_level", GVC_CFG_LOGLVL, "info", log_level, 1, 0,
      "GVIRTUS_LOGLEVEL scale: 0 trace ... 50000 fatal, or a name"),
    F("log_target", GVC_CFG_STR, "stderr", log_target, 1, 0,
      "stderr (under systemd: the journal) or syslog (facility daemon)"),
};

static gvr_static_node_t *regd_node(gvr_regd_config_t *cfg, const char *name,
                                    char *err, size_t errlen)
{
    gvr_static_node_t *grown, *n;

    for (size_t i = 0; i < cfg->n_nodes; i++) {
        if (strcmp(cfg->nodes[i].name, name) == 0) {
            return &cfg->nodes[i];
        }
    }
    if (!gvr_ident_ok(name, GVR_NAME_MAX)) {
        snprintf(err, errlen, "[node:%s]: bad node name (letters, digits, "
                 "._:@+- only)", name);
        return NULL;
    }
    grown = realloc(cfg->nodes, (cfg->n_nodes + 1) * sizeof(*grown));
    if (grown == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    cfg->nodes = grown;
    n = &cfg->nodes[cfg->n_nodes++];
    memset(n, 0, sizeof(*n));
    gvr_strlcpy(n->name, name, sizeof(n->name));
    return n;
}

static int regd_node_gpu(gvr_static_node_t *n, const char *value, char *err,
                         size_t errlen)
{
    gvr_gpu_info_t *grown;

    if (n->n_gpus >= GVR_MAX_NODE_GPUS) {
        snprintf(err, errlen, "[node:%s]: more than %d GPUs", n->name,
                 GVR_MAX_NODE_GPUS);
        return -1;
    }
    grown = realloc(n->gpus, (n->n_gpus + 1) * sizeof(*grown));
    if (grown == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    n->gpus = grown;
    if (gvr_static_gpu_parse(value, n->n_gpus, &n->gpus[n->n_gpus], err,
                             errlen) != GVC_OK) {
        return -1;
    }
    n->n_gpus++;
    return 1;
}

static int regd_node_key(gvr_static_node_t *n, const char *key,
                         const char *value, char *err, size_t errlen)
{
    char *end;
    long v;
    int b;

    if (strcasecmp(key, "host") == 0) {
        if (!gvr_host_ok(value)) {
            snprintf(err, errlen, "[node:%s] host: '%s' is not a host name "
                     "or address", n->name, value);
            return -1;
        }
        gvr_strlcpy(n->host, value, sizeof(n->host));
    } else if (strcasecmp(key, "port") == 0) {
        v = strtol(value, &end, 10);
        if (*value == '\0' || *end != '\0' || v < 1 || v > 65535) {
            snprintf(err, errlen, "[node:%s] port: '%s' is not 1..65535",
                     n->name, value);
            return -1;
        }
        n->port = (uint32_t)v;
    } else if (strcasecmp(key, "nic") == 0) {
        if (value[0] != '\0' && !gvr_ident_ok(value, GVR_NIC_MAX)) {
            snprintf(err, errlen, "[node:%s] nic: bad name '%s'", n->name,
                     value);
            return -1;
        }
        gvr_strlcpy(n->nic, value, sizeof(n->nic));
    } else if (strcasecmp(key, "heartbeat") == 0) {
        if (gvc_parse_bool(value, &b) != 0) {
            snprintf(err, errlen, "[node:%s] heartbeat: '%s' is not yes/no",
                     n->name, value);
            return -1;
        }
        n->heartbeat = b;
    } else if (strcasecmp(key, "gpu") == 0) {
        return regd_node_gpu(n, value, err, errlen);
    } else {
        return 0;
    }
    return 1;
}

/* The table's extra callback: the keys of [node:NAME] sections. */
static int regd_extra(void *obj, const char *section, const char *key,
                      const char *value, char *err, size_t errlen)
{
    gvr_regd_config_t *cfg = obj;
    gvr_static_node_t *n;
    if (strcasecmp(section, "registry") == 0) {
        return 1; /* the client side's section: gvctl on this host */
    }
    if (strncasecmp(section, "node:", 5) != 0) {
        return 0;
    }
    n = regd_node(cfg, section + 5, err, errlen);
    if (n == NULL) {
        return -1;
    }
    return regd_node_key(n, key, value, err, errlen);
}

const gvc_cfg_table_t gvr_regd_cfg_table =
    GVC_CFG_TABLE(regd_fields, regd_extra);

/* Split off the next comma-separated field of a GPU line, trimmed. */
static char *regd_next_field(char **cur)
{
    char *s = *cur, *e, *comma;

    if (s == NULL) {
        return NULL;
    }
    comma = strchr(s, ',');
    *cur = comma != NULL ? comma + 1 : NULL;
    if (comma != NULL) {
        *comma = '\0';
    }
    while (isspace((unsigned char)*s)) {
        s++;
    }
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) {
        *--e = '\0';
    }
    return s;
}

static int regd_gpu_numbers(const char *mem, const char *sms,
                            const char *numa, gvr_gpu_info_t *g)
{
    size_t bytes = 0;
    char *end;
    long v;

    if (mem != NULL && *mem != '\0') {
        if (gvc_parse_size(mem, &bytes) != 0) {
            return -1;
        }
        g->mem_bytes = bytes;
    }
    if (sms != NULL && *sms != '\0') {
        v = strtol(sms, &end, 10);
        if (*end != '\0' || v < 0 || v > 100000) {
            return -1;
        }
        g->sm_count = (uint32_t)v;
    }
    if (numa != NULL && *numa != '\0') {
        v = strtol(numa, &end, 10);
        if (*end != '\0' || v < -1 || v > 4096) {
            return -1;
        }
        g->numa_node = (int32_t)v;
    }
    return 0;
}

gvc_status_t gvr_static_gpu_parse(const char *text, uint32_t index,
                                  gvr_gpu_info_t *gpu_p, char *err,
                                  size_t errlen)
{
    char copy[512], *cur = copy, *uuid, *name, *mem, *sms, *numa, *nic;

    memset(gpu_p, 0, sizeof(*gpu_p));
    gpu_p->index = index;
    gpu_p->numa_node = -1;
    if (gvr_strlcpy(copy, text, sizeof(copy)) != 0) {
        snprintf(err, errlen, "gpu line too long");
        return GVC_ERR_CONFIG;
    }
    uuid = regd_next_field(&cur);
    name = regd_next_field(&cur);
    mem = regd_next_field(&cur);
    sms = regd_next_field(&cur);
    numa = regd_next_field(&cur);
    nic = regd_next_field(&cur);
    if (!gvr_ident_ok(uuid, GVR_UUID_MAX) || cur != NULL ||
        (name != NULL && gvr_strlcpy(gpu_p->name, name,
                                     sizeof(gpu_p->name)) != 0) ||
        regd_gpu_numbers(mem, sms, numa, gpu_p) != 0 ||
        (nic != NULL && *nic != '\0' && !gvr_ident_ok(nic, GVR_NIC_MAX))) {
        snprintf(err, errlen, "gpu = '%s': expected UUID[, name[, memory"
                 "[, SMs[, NUMA node[, NIC]]]]]", text);
        return GVC_ERR_CONFIG;
    }
    gvr_strlcpy(gpu_p->uuid, uuid, sizeof(gpu_p->uuid));
    gvr_strlcpy(gpu_p->nic, nic != NULL ? nic : "", sizeof(gpu_p->nic));
    return GVC_OK;
}

static gvc_status_t regd_check(gvr_regd_config_t *cfg, char *err,
                               size_t errlen)
{
    gvr_auth_mode_t mode;
    int target;

    if (gvr_auth_mode_parse(cfg->auth, &mode) != 0) {
        snprintf(err, errlen, "[registryd] auth = '%s': expected munge, "
                 "secret or none", cfg->auth);
        return GVC_ERR_CONFIG;
    }
    if (gvc_log_parse_target(cfg->log_target, &target) != 0) {
        snprintf(err, errlen, "[registryd] log_target = '%s': expected "
                 "stderr or syslog", cfg->log_target);
        return GVC_ERR_CONFIG;
    }
    if (cfg->lease_ttl_ms > cfg->lease_max_ttl_ms) {
        snprintf(err, errlen, "[registryd] lease_ttl exceeds lease_max_ttl");
        return GVC_ERR_CONFIG;
    }
    for (size_t i = 0; i < cfg->n_nodes; i++) {
        const gvr_static_node_t *n = &cfg->nodes[i];
        if (n->host[0] == '\0' || n->port == 0) {
            snprintf(err, errlen, "[node:%s] needs host and port (where its "
                     "gvd listens)", n->name);
            return GVC_ERR_CONFIG;
        }
    }
    return GVC_OK;
}

gvc_status_t gvr_regd_config_load(const char *path, gvr_regd_config_t *cfg_p,
                                  char *err, size_t errlen)
{
    gvc_status_t st;

    memset(cfg_p, 0, sizeof(*cfg_p));
    st = gvc_cfg_defaults(&gvr_regd_cfg_table, cfg_p);
    if (st != GVC_OK) {
        snprintf(err, errlen, "cannot set defaults: %s", gvc_status_str(st));
        return st;
    }
    if (path != NULL) {
        st = gvc_cfg_load_file(&gvr_regd_cfg_table, cfg_p, path, err,
                               errlen);
        if (st != GVC_OK) {
            return st;
        }
    }
    st = gvc_cfg_apply_env(&gvr_regd_cfg_table, cfg_p, err, errlen);
    if (st != GVC_OK) {
        return st;
    }
    return regd_check(cfg_p, err, errlen);
}

void gvr_regd_config_free(gvr_regd_config_t *cfg)
{
    gvc_cfg_free(&gvr_regd_cfg_table, cfg);
    for (size_t i = 0; i < cfg->n_nodes; i++) {
        free(cfg->nodes[i].gpus);
    }
    free(cfg->nodes);
    cfg->nodes = NULL;
    cfg->n_nodes = 0;
}

void gvr_regd_config_dump(const gvr_regd_config_t *cfg, FILE *out)
{
    gvc_cfg_dump(&gvr_regd_cfg_table, cfg, out);
    for (size_t i = 0; i < cfg->n_nodes; i++) {
        const gvr_static_node_t *n = &cfg->nodes[i];
        fprintf(out, "\n[node:%s]\nhost = %s\nport = %u\n", n->name,
                n->host, n->port);
        if (n->nic[0] != '\0') {
            fprintf(out, "nic = %s\n", n->nic);
        }
        fprintf(out, "heartbeat = %s\n", n->heartbeat ? "yes" : "no");
        for (uint32_t g = 0; g < n->n_gpus; g++) {
            const gvr_gpu_info_t *x = &n->gpus[g];
            fprintf(out, "gpu = %s, %s, %llu, %u, %d, %s\n", x->uuid,
                    x->name, (unsigned long long)x->mem_bytes, x->sm_count,
                    x->numa_node, x->nic);
        }
    }
}

static gvc_status_t regd_uid_of(const char *name, uid_t *uid_p, char *err,
                                size_t errlen)
{
    struct passwd pw, *res = NULL;
    char buf[4096], *end;
    unsigned long v;

    errno = 0;
    v = strtoul(name, &end, 10);
    if (*name != '\0' && *end == '\0' && errno == 0 && v <= UINT32_MAX) {
        *uid_p = (uid_t)v;
        return GVC_OK;
    }
    if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) != 0 || res == NULL) {
        snprintf(err, errlen, "unknown user '%s'", name);
        return GVC_ERR_CONFIG;
    }
    *uid_p = pw.pw_uid;
    return GVC_OK;
}

gvc_status_t gvr_uid_list_parse(const char *text, uid_t **uids_p,
                                size_t *n_p, char *err, size_t errlen)
{
    char copy[1024], *cur = copy, *name;
    uid_t *uids = NULL, *grown;
    size_t n = 0;
    gvc_status_t st = GVC_OK;

    *uids_p = NULL;
    *n_p = 0;
    if (gvr_strlcpy(copy, text, sizeof(copy)) != 0) {
        snprintf(err, errlen, "user list too long");
        return GVC_ERR_CONFIG;
    }
    while (st == GVC_OK && (name = regd_next_field(&cur)) != NULL) {
        if (*name == '\0') {
            continue;
        }
        grown = realloc(uids, (n + 1) * sizeof(*uids));
        if (grown == NULL) {
            st = GVC_ERR_NOMEM;
            break;
        }
        uids = grown;
        st = regd_uid_of(name, &uids[n], err, errlen);
        n += st == GVC_OK;
    }
    if (st != GVC_OK) {
        free(uids);
        return st;
    }
    *uids_p = uids;
    *n_p = n;
    return GVC_OK;
}
