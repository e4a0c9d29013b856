/*
 * gvt_ctx.c - the process's UCX context and registered memory.
 */
#include "config.h"

#include "gvt_int.h"
#include "gvc_log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

gvc_status_t gvt_ctx_create(const char *name, gvt_ctx_t **ctx_p)
{
    ucp_params_t params = {
        .field_mask = UCP_PARAM_FIELD_FEATURES | UCP_PARAM_FIELD_MT_WORKERS_SHARED,
        .features = UCP_FEATURE_AM | UCP_FEATURE_WAKEUP,
        .mt_workers_shared = 1,
    };
    ucp_config_t *config;
    ucs_status_t us;
    gvt_ctx_t *ctx;

    ctx = calloc(1, sizeof(*ctx));
    if (ctx == NULL) {
        return GVC_ERR_NOMEM;
    }
    snprintf(ctx->name, sizeof(ctx->name), "%s", name ? name : "gvt");
    /* ucp_config_read applies UCX_TLS, UCX_NET_DEVICES and friends. */
    us = ucp_config_read(NULL, NULL, &config);
    if (us != UCS_OK) {
        gvc_error("%s: cannot read UCX configuration: %s", ctx->name,
                  ucs_status_string(us));
        goto err_free;
    }
    us = ucp_init(&params, config, &ctx->ucp);
    ucp_config_release(config);
    if (us != UCS_OK) {
        gvc_error("%s: UCX initialisation failed: %s (check UCX_TLS)",
                  ctx->name, ucs_status_string(us));
        goto err_free;
    }
    *ctx_p = ctx;
    return GVC_OK;

err_free:
    free(ctx);
    return GVC_ERR_TRANSPORT;
}

void gvt_ctx_destroy(gvt_ctx_t *ctx)
{
    if (ctx == NULL) {
        return;
    }
    ucp_cleanup(ctx->ucp);
    free(ctx);
}

static gvc_status_t mem_map(gvt_ctx_t *ctx, void *addr, size_t len,
                            gvt_memh_t *m)
{
    ucp_mem_map_params_t mp = {
        .field_mask = UCP_MEM_MAP_PARAM_FIELD_ADDRESS |
                      UCP_MEM_MAP_PARAM_FIELD_LENGTH,
        .address = addr,
        .length = len,
    };
    ucs_status_t us = ucp_mem_map(ctx->ucp, &mp, &m->mh);

    if (us != UCS_OK) {
        gvc_error("%s: cannot register %zu bytes at %p: %s", ctx->name, len,
                  addr, ucs_status_string(us));
        return GVC_ERR_TRANSPORT;
    }
    m->ctx = ctx;
    m->addr = addr;
    m->len = len;
    return GVC_OK;
}

gvc_status_t gvt_mem_register(gvt_ctx_t *ctx, void *addr, size_t len,
                              gvt_memh_t **memh_p)
{
    gvt_memh_t *m;
    gvc_status_t st;

    if (addr == NULL || len == 0) {
        return GVC_ERR_INVALID;
    }
    m = calloc(1, sizeof(*m));
    if (m == NULL) {
        return GVC_ERR_NOMEM;
    }
    st = mem_map(ctx, addr, len, m);
    if (st != GVC_OK) {
        free(m);
        return st;
    }
    *memh_p = m;
    return GVC_OK;
}

gvc_status_t gvt_mem_alloc(gvt_ctx_t *ctx, size_t len, void **addr_p,
                           gvt_memh_t **memh_p)
{
    gvt_memh_t *m;
    gvc_status_t st;
    void *addr;

    if (len == 0) {
        return GVC_ERR_INVALID;
    }
    addr = mmap(NULL, len, PROT_READ | PROT_WRITE,
                MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (addr == MAP_FAILED) {
        return GVC_ERR_NOMEM;
    }
    /* Huge pages: shared-memory and RDMA transports pin and map the
     * buffer page by page, so 2 MiB pages make large copies much faster. */
    madvise(addr, len, MADV_HUGEPAGE);
    m = calloc(1, sizeof(*m));
    if (m == NULL) {
        st = GVC_ERR_NOMEM;
        goto err_unmap;
    }
    st = mem_map(ctx, addr, len, m);
    if (st != GVC_OK) {
        goto err_free;
    }
    m->allocated = 1;
    *addr_p = addr;
    *memh_p = m;
    return GVC_OK;

err_free:
    free(m);
err_unmap:
    munmap(addr, len);
    return st;
}

void gvt_mem_unregister(gvt_memh_t *memh)
{
    if (memh == NULL) {
        return;
    }
    ucp_mem_unmap(memh->ctx->ucp, memh->mh);
    if (memh->allocated) {
        munmap(memh->addr, memh->len);
    }
    free(memh);
}

void gvt_mem_free(gvt_memh_t *memh)
{
    gvt_mem_unregister(memh);
}

void *gvt_mem_addr(const gvt_memh_t *memh)
{
    return memh->addr;
}

size_t gvt_mem_len(const gvt_memh_t *memh)
{
    return memh->len;
}
