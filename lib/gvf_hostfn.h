/*
 * gvf_hostfn.h - host functions run by the client's service thread when
 * the GPU's stream reaches them (see gvf_service.c).
 */
#ifndef GVF_HOSTFN_H
#define GVF_HOSTFN_H

#include "gvf.h"

typedef void (*gvf_hostfn_run_t)(void *arg);

/* Register a host function about to be enqueued on stream of dev; *id_p
 * names it in the gvHostFn request.  run(arg) is called once, on the
 * service thread, when the worker asks. */
gvc_status_t gvf_hostfn_add(gvf_dev_t *dev, uint64_t stream,
                            gvf_hostfn_run_t run, void *arg, uint64_t *id_p);

/* The request could not be sent: forget it (arg is the caller's). */
void gvf_hostfn_cancel(uint64_t id);

#endif
