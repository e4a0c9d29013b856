/*
 * gvctl_live.c - THE HOOK for live gvd counters in `gvctl status --live`.
 *
 * The registry knows nodes, GPUs and leases; the per-client and per-GPU
 * counters (connected clients, calls, bytes each way, GPU memory held,
 * errors, worker uptime) live in each gvd.  When gvd answers a status
 * request on its control port, this function asks every node in nodes
 * (host:port from the registry) and prints them, as a table or --json.
 * Until then it says so and fails, so scripts do not mistake silence
 * for zero counters.
 */
#include "config.h"

#include "gvctl.h"

int gvctl_live_status(gvctl_t *g, const gvr_node_info_t *nodes, uint32_t n)
{
    (void)g;
    (void)nodes;
    fprintf(stderr, "gvctl: live gvd counters for %u node(s) are not "
            "available: this gvd does not serve them yet\n", n);
    return GVCTL_EXIT_ERROR;
}
