/*
 * gvd_backend.h - loading the library a worker runs calls on: the real
 * CUDA runtime (device = cuda) or the simulated one (device = sim, tests
 * only).  One per worker process, created before serving, read-only
 * after.
 */
#ifndef GVD_BACKEND_H
#define GVD_BACKEND_H

#include "gvd_config.h"
#include "gvd_rt.h"

#include "gvc_status.h"

typedef struct gvd_backend {
    void *lib;        /* dlopen handle (owned) */
    int sim;          /* the simulated device */
    char path[512];   /* what was loaded, for logs */
    gvd_rt_t rt;
    gvd_drv_t drv;    /* all NULL on the simulator */
} gvd_backend_t;

/* Load and resolve.  Refuses a library that is gvirtus's own frontend
 * (a misconfigured LD_LIBRARY_PATH would make the worker call itself).
 * Errors name the library and the reason. */
gvc_status_t gvd_backend_open(const gvd_config_t *cfg, gvd_backend_t **be_p,
                              char *err, size_t errlen);
void gvd_backend_close(gvd_backend_t *be);

/* dlopen a CUDA library by name (RTLD_LOCAL), trying the toolkit's
 * directories when the loader's path lacks it; path gets what was tried
 * last.  NULL when not found (dlerror says why). */
void *gvd_backend_dlopen(const char *want, char *path, size_t len);

#endif
