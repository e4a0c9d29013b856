/*
 * gvf_peer.c - links between the workers of two remote devices, for
 * copies that go worker to worker (gvd/gvd_x_peer.c) instead of through
 * this process.
 *
 * The first copy between devices a and b opens a link end on each
 * worker (gvPeerOpen: its number, a random token, its UCX address) and
 * hands each the other's address and token (gvPeerConnect).  The pair
 * is kept, whichever the direction, for the life of the process; a
 * link whose other end went away is forgotten (gvf_peer_forget) and the
 * next copy makes a new one.  A worker that does not know gvPeerOpen
 * (an older gvd) makes the pair GVC_ERR_NOT_SUPPORTED for good: callers
 * then copy through this process as before.
 *
 * Threads: one lock over the list; it is held while a link is made (a
 * few calls, once per pair), not during copies.
 */
#include "config.h"

#include "gvf_copy.h"
#include "gvf_int.h"
#include "gv_api_cudart.h"
#include "gvx.h"
#include "gvc_log.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct pair {
    struct pair *next;
    int lo, hi;            /* ordinals, lo < hi */
    uint32_t link_lo;      /* each worker's number for its end */
    uint32_t link_hi;
    gvc_status_t st;       /* GVC_OK, or _NOT_SUPPORTED (old gvd) */
} pair_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pair_t *pairs;      /* kept until exit */

/* gvPeerOpen on dev: its link end; the address is copied to *addr_p
 * (caller frees).  *res_p: the worker's answer. */
static gvc_status_t link_open(gvf_dev_t *dev, gvx_peer_link_t *l,
                              void **addr_p, int64_t *res_p)
{
    gvf_call_t c;
    gvc_status_t st = gvf_call_init(&c, dev, GV_API_gvPeerOpen, 0);

    *addr_p = NULL;
    if (st == GVC_OK) {
        st = gvf_call_reply_room(&c, GVX_PEER_MAX_ADDR + 64);
    }
    if (st == GVC_OK) {
        st = gvf_call_sync(&c);
    }
    if (st == GVC_OK) {
        *res_p = c.reply.result;
    }
    if (st == GVC_OK && c.reply.result == 0) {
        if (gvx_peer_link_unpack(&c.dec, l) != 0) {
            st = GVC_ERR_PROTO;
        } else if ((*addr_p = malloc(l->addr_len)) == NULL) {
            st = GVC_ERR_NOMEM;
        } else {
            memcpy(*addr_p, l->addr, l->addr_len);
            l->addr = *addr_p;
        }
    }
    gvf_call_fini(&c);
    return st;
}

/* gvPeerConnect on dev: its end `link` talks to the other end l. */
static gvc_status_t link_connect(gvf_dev_t *dev, uint32_t link,
                                 const gvx_peer_link_t *other,
                                 int64_t *res_p)
{
    gvx_peer_link_t a = *other;
    gvf_call_t c;
    gvc_status_t st = gvf_call_init(&c, dev, GV_API_gvPeerConnect,
                                    other->addr_len + 64);

    a.link = link;
    if (st == GVC_OK) {
        gvx_peer_link_pack(&c.enc, &a);
        st = gvf_call_sync(&c);
    }
    if (st == GVC_OK) {
        *res_p = c.reply.result;
    }
    gvf_call_fini(&c);
    return st;
}

/* Make the link of p (lock held).  GVC_OK with *res_p the first
 * worker error (0: linked). */
static gvc_status_t pair_make(pair_t *p, int64_t *res_p)
{
    gvf_dev_t *lo = gvf_dev(p->lo), *hi = gvf_dev(p->hi);
    gvx_peer_link_t a = { 0 }, b = { 0 };
    void *addr_a = NULL, *addr_b = NULL;
    gvc_status_t st;

    *res_p = 0;
    st = link_open(lo, &a, &addr_a, res_p);
    if (st == GVC_OK && *res_p == 0) {
        st = link_open(hi, &b, &addr_b, res_p);
    }
    if (st == GVC_OK && *res_p == 0) {
        st = link_connect(lo, a.link, &b, res_p);
    }
    if (st == GVC_OK && *res_p == 0) {
        st = link_connect(hi, b.link, &a, res_p);
    }
    if (st == GVC_OK && *res_p == 0) {
        p->link_lo = a.link;
        p->link_hi = b.link;
        gvc_debug("peer link %s <-> %s made", gvf_dev_name(lo),
                  gvf_dev_name(hi));
    }
    free(addr_a);
    free(addr_b);
    return st;
}

static pair_t **pair_find(int lo, int hi)
{
    pair_t **pp;

    for (pp = &pairs; *pp != NULL; pp = &(*pp)->next) {
        if ((*pp)->lo == lo && (*pp)->hi == hi) {
            break;
        }
    }
    return pp;
}

gvc_status_t gvf_peer_link(gvf_dev_t *src, gvf_dev_t *dst,
                           uint32_t *link_p, int64_t *res_p)
{
    int s = gvf_dev_ordinal(src), d = gvf_dev_ordinal(dst);
    int lo = s < d ? s : d, hi = s < d ? d : s;
    gvc_status_t st = GVC_OK;
    pair_t **pp, *p;

    *res_p = 0;
    if (s == d) {
        return GVC_ERR_INVALID;
    }
    pthread_mutex_lock(&lock);
    pp = pair_find(lo, hi);
    p = *pp;
    if (p == NULL) {
        p = calloc(1, sizeof(*p));
        if (p == NULL) {
            pthread_mutex_unlock(&lock);
            return GVC_ERR_NOMEM;
        }
        p->lo = lo;
        p->hi = hi;
        st = pair_make(p, res_p);
        if (st == GVC_OK && *res_p == 801) {
            /* cudaErrorNotSupported: a gvd without peer copies. */
            gvc_info("%s or %s cannot copy to the other directly; copies "
                     "between them go through this process",
                     gvf_dev_name(gvf_dev(lo)), gvf_dev_name(gvf_dev(hi)));
            p->st = GVC_ERR_NOT_SUPPORTED;
            *res_p = 0;
        }
        if (st != GVC_OK || *res_p != 0) {
            free(p); /* not kept: the next copy tries again */
            pthread_mutex_unlock(&lock);
            return st;
        }
        *pp = p;
    }
    st = p->st;
    *link_p = s == lo ? p->link_lo : p->link_hi;
    pthread_mutex_unlock(&lock);
    return st;
}

void gvf_peer_forget(gvf_dev_t *a, gvf_dev_t *b)
{
    int x = gvf_dev_ordinal(a), y = gvf_dev_ordinal(b);
    pair_t **pp, *p;

    pthread_mutex_lock(&lock);
    pp = pair_find(x < y ? x : y, x < y ? y : x);
    p = *pp;
    if (p != NULL) {
        *pp = p->next;
        free(p);
    }
    pthread_mutex_unlock(&lock);
}

gvc_status_t gvf_copy_peer(gvf_dev_t *ddev, uint64_t dst, gvf_dev_t *sdev,
                           uint64_t src, size_t n, uint64_t stream,
                           uint32_t flags, int64_t *res_p)
{
    gvx_peer_put_t a = { .dst = dst, .src = src, .total = n,
                         .stream = stream,
                         .flags = flags & (GVX_CPY_ASYNC | GVX_CPY_PTDS) };
    gvf_call_t c;
    gvc_status_t st = gvf_peer_link(sdev, ddev, &a.link, res_p);

    if (st != GVC_OK || *res_p != 0) {
        return st;
    }
    st = gvf_call_init(&c, sdev, GV_API_gvPeerPut, 0);
    if (st == GVC_OK) {
        gvx_peer_put_pack(&c.enc, &a);
        st = gvf_call_sync(&c);
    }
    if (st == GVC_OK) {
        *res_p = c.reply.result;
        if (*res_p == 46) {
            /* cudaErrorDevicesUnavailable: the link failed (the other
             * worker left, or stalled); the next copy makes a new one. */
            gvf_peer_forget(sdev, ddev);
        }
    }
    gvf_call_fini(&c);
    return st;
}
