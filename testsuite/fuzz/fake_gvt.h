/*
 * fake_gvt.h - an in-process stand-in for transport/ (gvt.h), linked into
 * the worker fuzz target instead of libgvtransport: no UCX, no peer.
 *
 * Sends are checked (every byte of their args and data is read, so the
 * sanitizers see a reply that points at freed or short memory) and
 * logged; completion callbacks run at once.  A host-function request
 * (GV_API_gvHostFnRun event) is answered at the next gvt_conn_poll() with
 * the matching completion event through the connection's urgent
 * callback, as a well-behaved client would.
 */
#ifndef FAKE_GVT_H
#define FAKE_GVT_H

#include "gvt.h"

#include <stdint.h>

/* The message ids the fake needs to know (from gv_api_cudart.h). */
typedef struct fake_gvt_ids {
    uint32_t hostfn_run;
    uint32_t hostfn_done;
} fake_gvt_ids_t;

void fake_gvt_init(const fake_gvt_ids_t *ids);

/* Forget the send log. */
void fake_gvt_reset(void);

/* Replies (GVC_WF_REPLY) sent for call_id since the last reset. */
unsigned fake_gvt_replies(uint64_t call_id);

/* Messages and bytes sent since the last reset. */
unsigned long fake_gvt_sent(void);

/* Registrations still alive (each gvt_mem_register must be undone). */
long fake_gvt_live_memh(void);

#endif
