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

/* A host function the worker may ask for any number of times, at any
 * moment (graph host nodes, run at each launch), or once, later (a user
 * object's destructor: GVF_HOSTFN_DORMANT without GVF_HOSTFN_PERSIST).
 * A persistent registration is made once per (dev, run, arg) and kept
 * until exit; asking again gives the same id.  While such registrations
 * exist the service thread looks for requests every millisecond, so
 * they run even if the program makes no CUDA call. */
enum { GVF_HOSTFN_PERSIST = 1, GVF_HOSTFN_DORMANT = 2 };
gvc_status_t gvf_hostfn_register(gvf_dev_t *dev, uint64_t stream,
                                 gvf_hostfn_run_t run, void *arg,
                                 unsigned flags, uint64_t *id_p);

/* A callback the worker may ask for with data, any number of times, at
 * any moment (driver log messages, asynchronous notifications: its
 * gvNotify events): run(arg, data, len) on the service thread, data
 * valid during the call; nobody waits for it.  Registered until
 * gvf_notify_unregister (which does not wait for a run under way). */
typedef void (*gvf_hostfn_data_t)(void *arg, const void *data, size_t len);
gvc_status_t gvf_notify_register(gvf_dev_t *dev, gvf_hostfn_data_t run,
                                 void *arg, uint64_t *id_p);
void gvf_notify_unregister(gvf_dev_t *dev, uint64_t id);

/* The function and argument of persistent id on dev; -1 if unknown. */
int gvf_hostfn_lookup(gvf_dev_t *dev, uint64_t id, gvf_hostfn_run_t *run_p,
                      void **arg_p);

#endif
