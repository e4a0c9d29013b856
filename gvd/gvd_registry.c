/*
 * gvd_registry.c - registration, heartbeats and lease checks against
 * gvregistryd (see gvd_registry.h and docs/registry.md).
 *
 * The event loop asks gvd_registry_due_in() how long it may sleep and
 * calls gvd_registry_tick() on every turn.  A registration or heartbeat
 * that fails leaves gvd serving as before: one warning for the outage,
 * then quiet retries, 1 s apart at first and doubling up to a minute (or
 * the heartbeat interval, if longer), with some jitter so that a
 * cluster's gvds do not all knock at once on a restarted registry.  The
 * first success after a failure registers again, since a registry that
 * lost its state would not know the node from a heartbeat alone.
 */
#include "config.h"

#include "gvd_registry.h"
#include "gvc_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RETRY_FIRST_MS 1000L
#define RETRY_MAX_MS   60000L

struct gvd_registry {
    const gvd_config_t *cfg;     /* gvd's, outlives this */
    gvr_client_h cl;             /* owned */
    gvr_gpu_info_t gpus[GVD_MAX_GPUS];
    int n_gpus;
    char node[GVR_NAME_MAX + 64];
    char host[GVR_HOST_MAX];
    int port;
    int announce;                /* register/heartbeat: address is set */
    int registered;              /* the last announcement succeeded */
    int outage;                  /* a failure was reported; quiet now */
    gvr_node_state_t state;      /* as the registry last said */
    long next_ms;                /* monotonic time of the next one */
    long retry_ms;               /* delay after the last failure */
    unsigned seed;               /* jitter */
};

static long mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Configured value, else this host's name. */
static void reg_name(const char *configured, char *out, size_t len)
{
    char host[256] = "";

    if (configured[0] != '\0') {
        snprintf(out, len, "%s", configured);
        return;
    }
    gethostname(host, sizeof(host) - 1);
    snprintf(out, len, "%s", host[0] != '\0' ? host : "localhost");
}

gvc_status_t gvd_registry_create(const gvd_config_t *cfg,
                                 const gvd_gpu_t *gpus, int n_gpus, int port,
                                 gvd_registry_t **reg_p, char *err,
                                 size_t errlen)
{
    gvd_registry_t *reg;
    gvc_status_t st;

    *reg_p = NULL;
    if (!gvd_config_has_registry(cfg) && strcmp(cfg->auth, "lease") != 0) {
        return GVC_OK;
    }
    reg = calloc(1, sizeof(*reg));
    if (reg == NULL) {
        snprintf(err, errlen, "out of memory");
        return GVC_ERR_NOMEM;
    }
    st = gvr_client_create(&cfg->registry, &reg->cl, err, errlen);
    if (st != GVC_OK) {
        free(reg);
        return st;
    }
    reg->cfg = cfg;
    reg->n_gpus = n_gpus < GVD_MAX_GPUS ? n_gpus : GVD_MAX_GPUS;
    gvd_topo_describe(cfg, gpus, reg->n_gpus, reg->gpus);
    reg_name(cfg->node_name, reg->node, sizeof(reg->node));
    reg_name(cfg->advertise_host, reg->host, sizeof(reg->host));
    reg->port = port;
    reg->announce = gvd_config_has_registry(cfg);
    reg->state = GVR_NODE_UP;
    reg->next_ms = mono_ms();
    reg->seed = (unsigned)getpid() ^ (unsigned)time(NULL);
    for (int i = 0; i < reg->n_gpus; i++) {
        gvc_debug("registry: GPU %d %s: NUMA node %d, NIC '%s'", i,
                  reg->gpus[i].uuid, reg->gpus[i].numa_node,
                  reg->gpus[i].nic);
    }
    *reg_p = reg;
    return GVC_OK;
}

void gvd_registry_destroy(gvd_registry_t *reg)
{
    if (reg == NULL) {
        return;
    }
    gvr_client_destroy(reg->cl);
    free(reg);
}

long gvd_registry_due_in(const gvd_registry_t *reg, long now_ms)
{
    if (reg == NULL || !reg->announce) {
        return -1;
    }
    return reg->next_ms > now_ms ? reg->next_ms - now_ms : 0;
}

/* The registry answered: say what changed, heartbeat on schedule. */
static void reg_succeeded(gvd_registry_t *reg, gvr_node_state_t state)
{
    const gvr_client_config_t *rc = &reg->cfg->registry;

    if (!reg->registered) {
        gvc_info("registered node %s (%s:%d, %d GPU(s)) with the registry "
                 "at %s:%ld%s", reg->node, reg->host, reg->port, reg->n_gpus,
                 rc->address, rc->port, reg->outage ? "; it is reachable "
                 "again" : "");
    }
    if (state != reg->state) {
        gvc_info("the registry has node %s %s", reg->node,
                 gvr_node_state_name(state));
    }
    reg->state = state;
    reg->registered = 1;
    reg->outage = 0;
    reg->retry_ms = 0;
    reg->next_ms = mono_ms() + rc->heartbeat_ms;
}

/* The registry did not answer or refused: warn once, retry later. */
static void reg_failed(gvd_registry_t *reg, const char *err)
{
    long cap = reg->cfg->registry.heartbeat_ms > RETRY_MAX_MS
                   ? reg->cfg->registry.heartbeat_ms : RETRY_MAX_MS;

    reg->retry_ms = reg->retry_ms == 0 ? RETRY_FIRST_MS : 2 * reg->retry_ms;
    if (reg->retry_ms > cap) {
        reg->retry_ms = cap;
    }
    if (!reg->outage) {
        gvc_warn("cannot %s node %s: %s; gvd keeps serving and retries",
                 reg->registered ? "heartbeat" : "register", reg->node, err);
    } else {
        gvc_debug("registry still unavailable: %s", err);
    }
    reg->outage = 1;
    reg->registered = 0;
    reg->next_ms = mono_ms() + reg->retry_ms +
                   (long)(rand_r(&reg->seed) % (unsigned)(reg->retry_ms / 5 + 1));
}

void gvd_registry_tick(gvd_registry_t *reg, long now_ms)
{
    gvr_node_state_t state = GVR_NODE_UP;
    gvc_status_t st;
    char err[GVR_ERRMSG_MAX];

    if (reg == NULL || !reg->announce || now_ms < reg->next_ms) {
        return;
    }
    if (reg->registered) {
        st = gvr_node_heartbeat(reg->cl, reg->node, reg->host, reg->port,
                                reg->cfg->nic, reg->gpus,
                                (size_t)reg->n_gpus, &state, err,
                                sizeof(err));
    } else {
        st = gvr_node_register(reg->cl, reg->node, reg->host, reg->port,
                               reg->cfg->nic, reg->gpus, (size_t)reg->n_gpus,
                               &state, err, sizeof(err));
    }
    if (st == GVC_OK) {
        reg_succeeded(reg, state);
    } else {
        reg_failed(reg, err);
    }
}

gvc_status_t gvd_registry_verify(gvd_registry_t *reg, const char *job,
                                 const char *credential, int gpu,
                                 uint32_t uid, gvr_lease_info_t *info_p,
                                 char *why, size_t whylen)
{
    if (reg == NULL || gpu < 0 || gpu >= reg->n_gpus) {
        snprintf(why, whylen, "gvd cannot check leases (no registry)");
        return GVC_ERR_DENIED;
    }
    return gvr_lease_verify(reg->cl, job, credential, reg->gpus[gpu].uuid,
                            uid, info_p, why, whylen);
}
