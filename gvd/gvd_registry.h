/*
 * gvd_registry.h - gvd's side of the registry: announcing this node and
 * its GPUs, heartbeats, and checking the lease a client presents.
 *
 * Created by gvd's main process after the GPU probe and the listen, used
 * only from its event loop (single thread).  Every call into the registry
 * is bounded by [registry] timeout; a registry that cannot be reached
 * costs one warning per outage and a retry with backoff, never the local
 * service: clients gvd admits without the registry keep being admitted.
 */
#ifndef GVD_REGISTRY_H
#define GVD_REGISTRY_H

#include "gvd_config.h"
#include "gvd_server.h"
#include "gvr_client.h"

typedef struct gvd_registry gvd_registry_t;

/*
 * Set up for cfg: a registry client when [registry] address is set or
 * gvd.auth = lease (which may check leases offline, with the lease key
 * alone).  gpus[0..n) are the exposed GPUs, port the control port gvd
 * listens on.  The first registration is due at once (gvd_registry_tick).
 * *reg_p is NULL (and GVC_OK) when neither is configured.
 * GVC_ERR_CONFIG/DENIED/IO with err when a key file or setting is bad.
 * Destroy with gvd_registry_destroy().
 */
gvc_status_t gvd_registry_create(const gvd_config_t *cfg,
                                 const gvd_gpu_t *gpus, int n_gpus, int port,
                                 gvd_registry_t **reg_p, char *err,
                                 size_t errlen);
void gvd_registry_destroy(gvd_registry_t *reg);

/* Register or heartbeat if one is due at now_ms (monotonic).  Called
 * from the event loop on every turn; returns at once when nothing is due. */
void gvd_registry_tick(gvd_registry_t *reg, long now_ms);

/* Milliseconds from now_ms until the next registration or heartbeat is
 * due (0: overdue), or -1 when there is none (no registry address). */
long gvd_registry_due_in(const gvd_registry_t *reg, long now_ms);

/*
 * May uid use exposed GPU gpu under job's lease credential?  GVC_OK and
 * *info_p (mode, memory cap), or GVC_ERR_DENIED with the reason in why
 * (bad or expired credential, another job, another GPU, lease released).
 */
gvc_status_t gvd_registry_verify(gvd_registry_t *reg, const char *job,
                                 const char *credential, int gpu,
                                 uint32_t uid, gvr_lease_info_t *info_p,
                                 char *why, size_t whylen);

/*
 * gvd_topo.c: the registry's view of the exposed GPUs (index = the
 * exposed index clients name after '#'), with each GPU's NUMA node and
 * nearest NIC from hwloc when gvd was built with it and the device is
 * real (-1 and "" otherwise).
 */
void gvd_topo_describe(const gvd_config_t *cfg, const gvd_gpu_t *gpus,
                       int n_gpus, gvr_gpu_info_t *out);

#endif
