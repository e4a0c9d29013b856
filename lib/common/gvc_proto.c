#include "config.h"

#include "gvc_proto.h"
#include "gvc_wire.h"

#include <string.h>

gvc_status_t gvc_hello_pack(const gvc_hello_t *h, void *buf, size_t cap,
                            size_t *len_p)
{
    gvc_enc_t e;

    gvc_enc_init(&e, buf, cap);
    gvc_enc_str(&e, h->client_host ? h->client_host : "");
    gvc_enc_u32(&e, h->pid);
    gvc_enc_u32(&e, h->uid);
    gvc_enc_str(&e, h->job_id ? h->job_id : "");
    gvc_enc_str(&e, h->credential ? h->credential : "");
    gvc_enc_i32(&e, h->gpu);
    gvc_enc_str(&e, h->version ? h->version : "");
    gvc_enc_bytes(&e, h->ucx_addr, h->ucx_addr_len);
    *len_p = e.len;
    return e.status;
}

gvc_status_t gvc_hello_unpack(const void *buf, size_t len, gvc_hello_t *h)
{
    gvc_dec_t d;

    memset(h, 0, sizeof(*h));
    gvc_dec_init(&d, buf, len);
    gvc_dec_str(&d, &h->client_host, GVC_PROTO_MAX_STR);
    gvc_dec_u32(&d, &h->pid);
    gvc_dec_u32(&d, &h->uid);
    gvc_dec_str(&d, &h->job_id, GVC_PROTO_MAX_STR);
    gvc_dec_str(&d, &h->credential, GVC_PROTO_MAX_CRED);
    gvc_dec_i32(&d, &h->gpu);
    gvc_dec_str(&d, &h->version, GVC_PROTO_MAX_STR);
    gvc_dec_bytes(&d, &h->ucx_addr, &h->ucx_addr_len, GVC_PROTO_MAX_ADDR);
    if (gvc_dec_finish(&d) != GVC_OK || h->client_host == NULL ||
        h->job_id == NULL || h->credential == NULL || h->version == NULL ||
        h->ucx_addr == NULL || h->ucx_addr_len == 0) {
        memset(h, 0, sizeof(*h));
        return GVC_ERR_PROTO;
    }
    return GVC_OK;
}

gvc_status_t gvc_welcome_pack(const gvc_welcome_t *w, void *buf,
                              size_t cap, size_t *len_p)
{
    gvc_enc_t e;

    gvc_enc_init(&e, buf, cap);
    gvc_enc_bytes(&e, w->ucx_addr, w->ucx_addr_len);
    gvc_enc_u32(&e, w->worker_pid);
    gvc_enc_i32(&e, w->gpu);
    gvc_enc_str(&e, w->version ? w->version : "");
    gvc_enc_str(&e, w->device ? w->device : "");
    gvc_enc_u64(&e, w->chunk);
    gvc_enc_u32(&e, w->chunks);
    *len_p = e.len;
    return e.status;
}

gvc_status_t gvc_welcome_unpack(const void *buf, size_t len,
                                gvc_welcome_t *w)
{
    gvc_dec_t d;

    memset(w, 0, sizeof(*w));
    gvc_dec_init(&d, buf, len);
    gvc_dec_bytes(&d, &w->ucx_addr, &w->ucx_addr_len, GVC_PROTO_MAX_ADDR);
    gvc_dec_u32(&d, &w->worker_pid);
    gvc_dec_i32(&d, &w->gpu);
    gvc_dec_str(&d, &w->version, GVC_PROTO_MAX_STR);
    gvc_dec_str(&d, &w->device, GVC_PROTO_MAX_STR);
    gvc_dec_u64(&d, &w->chunk);
    gvc_dec_u32(&d, &w->chunks);
    if (gvc_dec_finish(&d) != GVC_OK || w->ucx_addr == NULL ||
        w->ucx_addr_len == 0 || w->version == NULL || w->device == NULL ||
        w->chunk < 4096 || w->chunks < 1) {
        memset(w, 0, sizeof(*w));
        return GVC_ERR_PROTO;
    }
    return GVC_OK;
}
