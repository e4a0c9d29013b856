/*
 * gvd_server.h - gvd's main process: GPU probe, control port, workers.
 */
#ifndef GVD_SERVER_H
#define GVD_SERVER_H

#include "gvd_config.h"

#include <stdint.h>

#define GVD_MAX_GPUS 64

/* One GPU as the probe worker saw it. */
typedef struct gvd_gpu {
    int index;             /* physical CUDA index on this host */
    char uuid[48];
    char name[96];
    char pci[32];
    uint64_t mem_bytes;
    int sm_count;
    int cc_major, cc_minor;
} gvd_gpu_t;

/* Run a probe worker; fills gpus[0..*n_p).  Returns 0; 1 when the
 * runtime ran but found no GPU (no driver, no device); -1 when the probe
 * itself failed (worker missing, bad gpus list).  err says why. */
int gvd_probe(const gvd_config_t *cfg, gvd_gpu_t *gpus, int max, int *n_p,
              char *err, size_t errlen);

/* --list-gpus: print the exposed GPUs; exit code. */
int gvd_list_gpus(const gvd_config_t *cfg);

/* Serve until SIGTERM/SIGINT; exit code. */
int gvd_server_run(const gvd_config_t *cfg);

#endif
