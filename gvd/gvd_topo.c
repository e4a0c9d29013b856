/*
 * gvd_topo.c - what the registry learns about each GPU: the probe's
 * inventory, plus its NUMA node and nearest NIC from hwloc.
 *
 * The registry places leases near a node's NIC, so a GPU is given a NIC
 * only when hwloc puts both under the same non-I/O object (the same
 * package or NUMA node): a NIC across the socket link is not "near".
 * InfiniBand/RoCE devices (mlx5_0) are preferred over plain network
 * interfaces (eth0), and virtual interfaces (no PCI device) are ignored.
 * Without hwloc, or on the simulated device (whose PCI address is made
 * up), the locality is unknown: -1 and "".
 */
#include "config.h"

#include "gvd_registry.h"
#include "gvc_log.h"

#include <stdio.h>
#include <string.h>

#ifdef HAVE_HWLOC
#include <hwloc.h>

/* The NUMA node of a non-I/O object, when it spans exactly one. */
static int topo_numa(hwloc_obj_t anc)
{
    if (anc == NULL || anc->nodeset == NULL ||
        hwloc_bitmap_weight(anc->nodeset) != 1) {
        return -1;
    }
    return hwloc_bitmap_first(anc->nodeset);
}

/* Rank of an OS device as a NIC: 2 RDMA, 1 network, 0 not a NIC. */
static int topo_nic_rank(hwloc_obj_t os)
{
    if (os->parent == NULL || os->parent->type != HWLOC_OBJ_PCI_DEVICE ||
        os->name == NULL || strlen(os->name) >= GVR_NIC_MAX) {
        return 0;
    }
    switch (os->attr->osdev.type) {
    case HWLOC_OBJ_OSDEV_OPENFABRICS:
        return 2;
    case HWLOC_OBJ_OSDEV_NETWORK:
        return 1;
    default:
        return 0;
    }
}

/* The best NIC sharing anc as its non-I/O ancestor, or NULL. */
static const char *topo_nic(hwloc_topology_t topo, hwloc_obj_t anc)
{
    hwloc_obj_t os = NULL, best = NULL;
    int best_rank = 0, r;

    while ((os = hwloc_get_next_osdev(topo, os)) != NULL) {
        r = topo_nic_rank(os);
        if (r > best_rank && hwloc_get_non_io_ancestor_obj(topo, os) == anc) {
            best = os;
            best_rank = r;
        }
    }
    return best != NULL ? best->name : NULL;
}

static void topo_locate(const gvd_gpu_t *gpus, int n, gvr_gpu_info_t *out)
{
    hwloc_topology_t topo;
    hwloc_obj_t pci, anc;
    const char *nic;

    if (hwloc_topology_init(&topo) != 0) {
        return;
    }
    hwloc_topology_set_io_types_filter(topo, HWLOC_TYPE_FILTER_KEEP_IMPORTANT);
    if (hwloc_topology_load(topo) != 0) {
        gvc_warn("hwloc cannot read this host's topology: GPU locality "
                 "unknown to the registry");
        hwloc_topology_destroy(topo);
        return;
    }
    for (int i = 0; i < n; i++) {
        pci = hwloc_get_pcidev_by_busidstring(topo, gpus[i].pci);
        if (pci == NULL) {
            gvc_debug("hwloc: no PCI device %s for GPU %d", gpus[i].pci, i);
            continue;
        }
        anc = hwloc_get_non_io_ancestor_obj(topo, pci);
        out[i].numa_node = topo_numa(anc);
        nic = topo_nic(topo, anc);
        snprintf(out[i].nic, sizeof(out[i].nic), "%s", nic ? nic : "");
    }
    hwloc_topology_destroy(topo);
}

#else /* !HAVE_HWLOC */

static void topo_locate(const gvd_gpu_t *gpus, int n, gvr_gpu_info_t *out)
{
    (void)gpus;
    (void)n;
    (void)out;
}

#endif

void gvd_topo_describe(const gvd_config_t *cfg, const gvd_gpu_t *gpus,
                       int n_gpus, gvr_gpu_info_t *out)
{
    for (int i = 0; i < n_gpus; i++) {
        gvr_gpu_info_t *g = &out[i];

        memset(g, 0, sizeof(*g));
        g->index = (uint32_t)i;
        snprintf(g->uuid, sizeof(g->uuid), "%s", gpus[i].uuid);
        snprintf(g->name, sizeof(g->name), "%s", gpus[i].name);
        g->mem_bytes = gpus[i].mem_bytes;
        g->sm_count = gpus[i].sm_count > 0 ? (uint32_t)gpus[i].sm_count : 0;
        g->numa_node = -1;
    }
    if (strcmp(cfg->device, "cuda") == 0) {
        topo_locate(gpus, n_gpus, out);
    }
}
