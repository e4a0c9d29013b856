/*
 * gvr_alloc.h - where a lease's GPUs go: the placement policy, as a pure
 * function over the free candidates (no database), so it can be tested
 * on its own.
 *
 * Policy, in order of importance:
 *   1. as few nodes as possible (a job's GPUs talk to each other);
 *   2. GPUs near the node's NIC (hwloc locality: RDMA without crossing
 *      sockets);
 *   3. best fit: the node with the fewest free GPUs that still fits,
 *      leaving whole nodes free for bigger jobs;
 *   4. the node name, for a stable answer.
 * Inside a node: near GPUs first, then (shared leases) GPUs already
 * shared, keeping unshared GPUs whole for exclusive jobs; then by index.
 */
#ifndef GVR_ALLOC_H
#define GVR_ALLOC_H

#include "gvc_status.h"

#include <stddef.h>
#include <stdint.h>

typedef struct gvr_cand {
    const char *node;   /* not owned; equal names must be adjacent */
    uint32_t index;     /* device index on its node */
    int near;           /* 1: near the node's NIC */
    uint32_t load;      /* leases already on this GPU (shared mode) */
} gvr_cand_t;

/*
 * Pick want of the n candidates c.  pick_p receives want indices into c,
 * node by node in the order they should appear in the lease.
 * GVC_ERR_BUSY when fewer than want are free, GVC_ERR_INVALID when
 * candidates of one node are not adjacent, GVC_ERR_NOMEM.
 */
gvc_status_t gvr_alloc_plan(const gvr_cand_t *c, size_t n, uint32_t want,
                            size_t *pick_p);

#endif
