/*
 * gvr_client_list.c - list calls: fetch every page and hand back one
 * array.
 */
#include "config.h"

#include "gvr_client.h"
#include "gvr_client_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Move k records of size elem from a page onto the end of *arr.  The
 * records are moved, not copied: what they own moves with them. */
static gvc_status_t list_append(void **arr, uint32_t *n, void *items,
                                uint32_t k, size_t elem)
{
    char *grown;

    if (k == 0) {
        return GVC_OK;
    }
    grown = realloc(*arr, ((size_t)*n + k) * elem);
    if (grown == NULL) {
        return GVC_ERR_NOMEM;
    }
    memcpy(grown + (size_t)*n * elem, items, (size_t)k * elem);
    *arr = grown;
    *n += k;
    return GVC_OK;
}

static gvc_status_t list_req(gvr_list_req_t *req, const char *filter,
                             char *err, size_t errlen)
{
    memset(req, 0, sizeof(*req));
    if (gvr_strlcpy(req->filter, filter != NULL ? filter : "",
                    sizeof(req->filter)) != 0) {
        snprintf(err, errlen, "filter '%s' too long", filter);
        return GVC_ERR_INVALID;
    }
    return GVC_OK;
}

/* A registry that keeps answering with the same offset would loop us
 * forever; pages must move forward. */
static int list_advances(uint32_t offset, uint32_t next)
{
    return next == 0 || next > offset;
}

gvc_status_t gvr_list_nodes(gvr_client_h cl, gvr_node_info_t **nodes_p,
                            uint32_t *n_p, char *err, size_t errlen)
{
    gvr_list_req_t req;
    gvr_nodes_rep_t rep;
    void *all = NULL;
    gvc_status_t st;

    *nodes_p = NULL;
    *n_p = 0;
    st = list_req(&req, "", err, errlen);
    while (st == GVC_OK) {
        st = gvr_client_call(cl, GVR_MSG_LIST_NODES, &req, &rep, err,
                             errlen);
        if (st != GVC_OK) {
            break;
        }
        st = list_append(&all, n_p, rep.nodes, rep.n, sizeof(*rep.nodes));
        free(rep.nodes);
        if (st != GVC_OK || rep.next == 0 ||
            !list_advances(req.offset, rep.next)) {
            break;
        }
        req.offset = rep.next;
    }
    if (st != GVC_OK) {
        free(all);
        *n_p = 0;
        return st;
    }
    *nodes_p = all;
    return GVC_OK;
}

gvc_status_t gvr_list_gpus(gvr_client_h cl, const char *node,
                           gvr_gpu_row_t **gpus_p, uint32_t *n_p, char *err,
                           size_t errlen)
{
    gvr_list_req_t req;
    gvr_gpus_rep_t rep;
    void *all = NULL;
    gvc_status_t st;

    *gpus_p = NULL;
    *n_p = 0;
    st = list_req(&req, node, err, errlen);
    while (st == GVC_OK) {
        st = gvr_client_call(cl, GVR_MSG_LIST_GPUS, &req, &rep, err, errlen);
        if (st != GVC_OK) {
            break;
        }
        st = list_append(&all, n_p, rep.gpus, rep.n, sizeof(*rep.gpus));
        free(rep.gpus);
        if (st != GVC_OK || rep.next == 0 ||
            !list_advances(req.offset, rep.next)) {
            break;
        }
        req.offset = rep.next;
    }
    if (st != GVC_OK) {
        free(all);
        *n_p = 0;
        return st;
    }
    *gpus_p = all;
    return GVC_OK;
}

gvc_status_t gvr_list_leases(gvr_client_h cl, const char *job,
                             gvr_lease_t **leases_p, uint32_t *n_p,
                             char *err, size_t errlen)
{
    gvr_list_req_t req;
    gvr_leases_rep_t rep;
    void *all = NULL;
    gvc_status_t st;

    *leases_p = NULL;
    *n_p = 0;
    st = list_req(&req, job, err, errlen);
    while (st == GVC_OK) {
        st = gvr_client_call(cl, GVR_MSG_LIST_LEASES, &req, &rep, err,
                             errlen);
        if (st != GVC_OK) {
            break;
        }
        st = list_append(&all, n_p, rep.leases, rep.n, sizeof(*rep.leases));
        if (st != GVC_OK) {
            gvr_lease_array_free(rep.leases, rep.n);
            break;
        }
        free(rep.leases); /* the records (and their gpus) moved to all */
        if (rep.next == 0 || !list_advances(req.offset, rep.next)) {
            break;
        }
        req.offset = rep.next;
    }
    if (st != GVC_OK) {
        gvr_lease_array_free(all, *n_p);
        *n_p = 0;
        return st;
    }
    *leases_p = all;
    return GVC_OK;
}
