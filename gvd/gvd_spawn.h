/*
 * gvd_spawn.h - starting gvd-worker processes.
 *
 * The main process forks and execs gvd-worker for each accepted client
 * (and once at start to probe the GPUs).  The child gets the client's
 * control socket as fd 3, its counter page (gvd_counters.h) as fd 5
 * and, on fd 4, a pipe carrying the effective
 * configuration (INI text) and the client's HELLO arguments:
 *   u32 config_len, config text, u32 hello_len, hello bytes
 * so the worker sees exactly what the main process decided, even if the
 * file changed meanwhile.
 */
#ifndef GVD_SPAWN_H
#define GVD_SPAWN_H

#include "gvd_config.h"
#include "gvd_counters.h"

#include <sys/types.h>

#define GVD_CTL_FD   3
#define GVD_SETUP_FD 4

/* Path of the worker binary for cfg.  Caller frees. */
char *gvd_worker_path(const gvd_config_t *cfg);

/*
 * Start a worker.  ctl_fd (or -1) becomes its fd 3, counters_fd (or -1)
 * its fd 5 (GVD_COUNTERS_FD); mode is "serve" or
 * "probe"; gpu (>= 0) restricts it to that physical GPU via
 * CUDA_VISIBLE_DEVICES; out_fd (or -1) becomes its stdout; lease (or
 * NULL) is the client's lease.  Returns the child's pid, or -1 with errno
 * set.
 */
pid_t gvd_spawn_worker(const gvd_config_t *cfg, const char *cfg_text,
                       const gvd_lease_t *lease, const void *hello,
                       size_t hello_len, int ctl_fd, int counters_fd,
                       const char *mode, int gpu, int out_fd);

/* Worker side: read what gvd_spawn_worker wrote.  Caller frees both. */
int gvd_spawn_read_setup(int fd, char **cfg_text_p, void **hello_p,
                         size_t *hello_len_p);

#endif
