/*
 * gvr_proto.c - layouts of the registry records and the generic
 * pack/unpack that walks them.
 */
#include "config.h"

#include "gvr_proto.h"
#include "gvc_wire.h"

#include <stdlib.h>
#include <string.h>

/* GVR_FT_ENUM fields are read and written as int. */
_Static_assert(sizeof(gvr_node_state_t) == sizeof(int) &&
               sizeof(gvr_lease_mode_t) == sizeof(int) &&
               sizeof(gvr_auth_mode_t) == sizeof(int),
               "registry enums must be int-sized");

#define FLD(T, f, ty)                                                         \
    { #f, (ty), offsetof(T, f), sizeof(((T *)0)->f), 0, 0, NULL }
#define FLD_ENUM(T, f, mx)                                                    \
    { #f, GVR_FT_ENUM, offsetof(T, f), sizeof(((T *)0)->f), 0, (mx), NULL }
#define FLD_PSTR(T, f, mx)                                                    \
    { #f, GVR_FT_PSTR, offsetof(T, f), sizeof(char *), 0, (mx), NULL }
#define FLD_STRUCT(T, f, sub)                                                 \
    { #f, GVR_FT_STRUCT, offsetof(T, f), sizeof(((T *)0)->f), 0, 0, &(sub) }
#define FLD_ARRAY(T, f, cnt, mx, sub)                                         \
    { #f, GVR_FT_ARRAY, offsetof(T, f), sizeof(*((T *)0)->f),                 \
      offsetof(T, cnt), (mx), &(sub) }
#define LAYOUT(T, fields)                                                     \
    { #T, sizeof(T), (fields), sizeof(fields) / sizeof((fields)[0]) }

/* ---- value types -----------------------------------------------------*/

static const gvr_field_t gpu_info_f[] = {
    FLD(gvr_gpu_info_t, index, GVR_FT_U32),
    FLD(gvr_gpu_info_t, uuid, GVR_FT_STR),
    FLD(gvr_gpu_info_t, name, GVR_FT_STR),
    FLD(gvr_gpu_info_t, mem_bytes, GVR_FT_U64),
    FLD(gvr_gpu_info_t, sm_count, GVR_FT_U32),
    FLD(gvr_gpu_info_t, numa_node, GVR_FT_I32),
    FLD(gvr_gpu_info_t, nic, GVR_FT_STR),
};
static const gvr_layout_t gpu_info_l = LAYOUT(gvr_gpu_info_t, gpu_info_f);

static const gvr_field_t node_info_f[] = {
    FLD(gvr_node_info_t, name, GVR_FT_STR),
    FLD(gvr_node_info_t, host, GVR_FT_STR),
    FLD(gvr_node_info_t, port, GVR_FT_U32),
    FLD(gvr_node_info_t, nic, GVR_FT_STR),
    FLD_ENUM(gvr_node_info_t, state, GVR_NODE_STATE_MAX),
    FLD(gvr_node_info_t, is_static, GVR_FT_U8),
    FLD(gvr_node_info_t, last_heartbeat_ms, GVR_FT_I64),
    FLD(gvr_node_info_t, n_gpus, GVR_FT_U32),
    FLD(gvr_node_info_t, n_free, GVR_FT_U32),
    FLD(gvr_node_info_t, reason, GVR_FT_STR),
};
static const gvr_layout_t node_info_l = LAYOUT(gvr_node_info_t, node_info_f);

static const gvr_field_t gpu_row_f[] = {
    FLD(gvr_gpu_row_t, node, GVR_FT_STR),
    FLD_STRUCT(gvr_gpu_row_t, gpu, gpu_info_l),
    FLD(gvr_gpu_row_t, present, GVR_FT_U8),
    FLD(gvr_gpu_row_t, n_leases, GVR_FT_U32),
    FLD(gvr_gpu_row_t, exclusive, GVR_FT_U8),
    FLD(gvr_gpu_row_t, mem_leased, GVR_FT_U64),
};
static const gvr_layout_t gpu_row_l = LAYOUT(gvr_gpu_row_t, gpu_row_f);

static const gvr_field_t lease_gpu_f[] = {
    FLD(gvr_lease_gpu_t, node, GVR_FT_STR),
    FLD(gvr_lease_gpu_t, host, GVR_FT_STR),
    FLD(gvr_lease_gpu_t, port, GVR_FT_U32),
    FLD(gvr_lease_gpu_t, index, GVR_FT_U32),
    FLD(gvr_lease_gpu_t, uuid, GVR_FT_STR),
};
static const gvr_layout_t lease_gpu_l = LAYOUT(gvr_lease_gpu_t, lease_gpu_f);

static const gvr_field_t lease_f[] = {
    FLD(gvr_lease_t, id, GVR_FT_I64),
    FLD(gvr_lease_t, job, GVR_FT_STR),
    FLD(gvr_lease_t, uid, GVR_FT_U32),
    FLD(gvr_lease_t, user, GVR_FT_STR),
    FLD_ENUM(gvr_lease_t, mode, GVR_LEASE_MODE_MAX),
    FLD(gvr_lease_t, mem_cap, GVR_FT_U64),
    FLD(gvr_lease_t, created_ms, GVR_FT_I64),
    FLD(gvr_lease_t, expires_ms, GVR_FT_I64),
    FLD_ARRAY(gvr_lease_t, gpus, n_gpus, GVR_MAX_LEASE_GPUS, lease_gpu_l),
};
static const gvr_layout_t lease_l = LAYOUT(gvr_lease_t, lease_f);

static const gvr_field_t lease_info_f[] = {
    FLD(gvr_lease_info_t, lease_id, GVR_FT_I64),
    FLD(gvr_lease_info_t, job, GVR_FT_STR),
    FLD(gvr_lease_info_t, uid, GVR_FT_U32),
    FLD_ENUM(gvr_lease_info_t, mode, GVR_LEASE_MODE_MAX),
    FLD(gvr_lease_info_t, mem_cap, GVR_FT_U64),
    FLD(gvr_lease_info_t, expires_ms, GVR_FT_I64),
};
static const gvr_layout_t lease_info_l =
    LAYOUT(gvr_lease_info_t, lease_info_f);

/* ---- messages --------------------------------------------------------*/

static const gvr_field_t hello_f[] = {
    FLD(gvr_hello_t, proto, GVR_FT_U32),
    FLD_ENUM(gvr_hello_t, auth, GVR_AUTH_MODE_MAX),
    FLD(gvr_hello_t, nonce, GVR_FT_BLOB),
    FLD(gvr_hello_t, server, GVR_FT_STR),
};
static const gvr_layout_t hello_l = LAYOUT(gvr_hello_t, hello_f);

static const gvr_field_t auth_req_f[] = {
    FLD_ENUM(gvr_auth_req_t, mode, GVR_AUTH_MODE_MAX),
    FLD(gvr_auth_req_t, uid, GVR_FT_U32),
    FLD_PSTR(gvr_auth_req_t, cred, 4096),
};
static const gvr_layout_t auth_req_l = LAYOUT(gvr_auth_req_t, auth_req_f);

static const gvr_field_t auth_rep_f[] = {
    FLD(gvr_auth_rep_t, uid, GVR_FT_U32),
    FLD(gvr_auth_rep_t, roles, GVR_FT_U32),
    FLD(gvr_auth_rep_t, user, GVR_FT_STR),
};
static const gvr_layout_t auth_rep_l = LAYOUT(gvr_auth_rep_t, auth_rep_f);

static const gvr_field_t node_req_f[] = {
    FLD(gvr_node_req_t, node, GVR_FT_STR),
    FLD(gvr_node_req_t, host, GVR_FT_STR),
    FLD(gvr_node_req_t, port, GVR_FT_U32),
    FLD(gvr_node_req_t, nic, GVR_FT_STR),
    FLD_ARRAY(gvr_node_req_t, gpus, n_gpus, GVR_MAX_NODE_GPUS, gpu_info_l),
};
static const gvr_layout_t node_req_l = LAYOUT(gvr_node_req_t, node_req_f);

static const gvr_field_t node_rep_f[] = {
    FLD_ENUM(gvr_node_rep_t, state, GVR_NODE_STATE_MAX),
    FLD(gvr_node_rep_t, heartbeat_timeout_ms, GVR_FT_I64),
};
static const gvr_layout_t node_rep_l = LAYOUT(gvr_node_rep_t, node_rep_f);

static const gvr_field_t state_req_f[] = {
    FLD(gvr_state_req_t, node, GVR_FT_STR),
    FLD_ENUM(gvr_state_req_t, state, GVR_NODE_STATE_MAX),
    FLD(gvr_state_req_t, reason, GVR_FT_STR),
};
static const gvr_layout_t state_req_l = LAYOUT(gvr_state_req_t, state_req_f);

static const gvr_field_t state_rep_f[] = {
    FLD_ENUM(gvr_state_rep_t, state, GVR_NODE_STATE_MAX),
};
static const gvr_layout_t state_rep_l = LAYOUT(gvr_state_rep_t, state_rep_f);

static const gvr_field_t alloc_req_f[] = {
    FLD(gvr_alloc_req_t, job, GVR_FT_STR),
    FLD(gvr_alloc_req_t, uid, GVR_FT_U32),
    FLD(gvr_alloc_req_t, user, GVR_FT_STR),
    FLD(gvr_alloc_req_t, count, GVR_FT_U32),
    FLD_ENUM(gvr_alloc_req_t, mode, GVR_LEASE_MODE_MAX),
    FLD(gvr_alloc_req_t, mem_cap, GVR_FT_U64),
    FLD(gvr_alloc_req_t, ttl_ms, GVR_FT_I64),
};
static const gvr_layout_t alloc_req_l = LAYOUT(gvr_alloc_req_t, alloc_req_f);

static const gvr_field_t lease_rep_f[] = {
    FLD_STRUCT(gvr_lease_rep_t, lease, lease_l),
    FLD_PSTR(gvr_lease_rep_t, credential, GVR_CRED_MAX),
    FLD_PSTR(gvr_lease_rep_t, servers, GVR_SERVERS_MAX),
    FLD(gvr_lease_rep_t, existing, GVR_FT_U8),
};
static const gvr_layout_t lease_rep_l = LAYOUT(gvr_lease_rep_t, lease_rep_f);

static const gvr_field_t job_req_f[] = {
    FLD(gvr_job_req_t, job, GVR_FT_STR),
};
static const gvr_layout_t job_req_l = LAYOUT(gvr_job_req_t, job_req_f);

static const gvr_field_t release_rep_f[] = {
    FLD(gvr_release_rep_t, n_gpus, GVR_FT_U32),
};
static const gvr_layout_t release_rep_l =
    LAYOUT(gvr_release_rep_t, release_rep_f);

static const gvr_field_t list_req_f[] = {
    FLD(gvr_list_req_t, filter, GVR_FT_STR),
    FLD(gvr_list_req_t, offset, GVR_FT_U32),
};
static const gvr_layout_t list_req_l = LAYOUT(gvr_list_req_t, list_req_f);

static const gvr_field_t nodes_rep_f[] = {
    FLD(gvr_nodes_rep_t, next, GVR_FT_U32),
    FLD_ARRAY(gvr_nodes_rep_t, nodes, n, 1024, node_info_l),
};
static const gvr_layout_t nodes_rep_l = LAYOUT(gvr_nodes_rep_t, nodes_rep_f);

static const gvr_field_t gpus_rep_f[] = {
    FLD(gvr_gpus_rep_t, next, GVR_FT_U32),
    FLD_ARRAY(gvr_gpus_rep_t, gpus, n, 1024, gpu_row_l),
};
static const gvr_layout_t gpus_rep_l = LAYOUT(gvr_gpus_rep_t, gpus_rep_f);

static const gvr_field_t leases_rep_f[] = {
    FLD(gvr_leases_rep_t, next, GVR_FT_U32),
    FLD_ARRAY(gvr_leases_rep_t, leases, n, 1024, lease_l),
};
static const gvr_layout_t leases_rep_l =
    LAYOUT(gvr_leases_rep_t, leases_rep_f);

static const gvr_field_t status_rep_f[] = {
    FLD(gvr_status_rep_t, version, GVR_FT_STR),
    FLD(gvr_status_rep_t, now_ms, GVR_FT_I64),
    FLD(gvr_status_rep_t, uptime_ms, GVR_FT_I64),
    FLD(gvr_status_rep_t, nodes_up, GVR_FT_U32),
    FLD(gvr_status_rep_t, nodes_down, GVR_FT_U32),
    FLD(gvr_status_rep_t, nodes_drained, GVR_FT_U32),
    FLD(gvr_status_rep_t, gpus_total, GVR_FT_U32),
    FLD(gvr_status_rep_t, gpus_free, GVR_FT_U32),
    FLD(gvr_status_rep_t, gpus_exclusive, GVR_FT_U32),
    FLD(gvr_status_rep_t, gpus_shared, GVR_FT_U32),
    FLD(gvr_status_rep_t, gpus_unavailable, GVR_FT_U32),
    FLD(gvr_status_rep_t, leases, GVR_FT_U32),
    FLD(gvr_status_rep_t, clients, GVR_FT_U32),
};
static const gvr_layout_t status_rep_l =
    LAYOUT(gvr_status_rep_t, status_rep_f);

static const gvr_field_t verify_req_f[] = {
    FLD(gvr_verify_req_t, job, GVR_FT_STR),
    FLD_PSTR(gvr_verify_req_t, credential, GVR_CRED_MAX),
    FLD(gvr_verify_req_t, gpu_uuid, GVR_FT_STR),
    FLD(gvr_verify_req_t, uid, GVR_FT_U32),
};
static const gvr_layout_t verify_req_l =
    LAYOUT(gvr_verify_req_t, verify_req_f);

static const gvr_field_t verify_rep_f[] = {
    FLD_STRUCT(gvr_verify_rep_t, info, lease_info_l),
};
static const gvr_layout_t verify_rep_l =
    LAYOUT(gvr_verify_rep_t, verify_rep_f);

static const gvr_field_t error_f[] = {
    FLD(gvr_error_t, message, GVR_FT_STR),
};
const gvr_layout_t gvr_layout_error = LAYOUT(gvr_error_t, error_f);

static const gvr_field_t empty_f[] = {
    { "unused", GVR_FT_NONE, 0, 0, 0, 0, NULL },
};
static const gvr_layout_t empty_l = LAYOUT(gvr_empty_t, empty_f);

const gvr_msg_desc_t gvr_msgs[] = {
    { GVR_MSG_HELLO, "hello", 0, &hello_l, &empty_l },
    { GVR_MSG_AUTH, "auth", 0, &auth_req_l, &auth_rep_l },
    { GVR_MSG_NODE_REGISTER, "node-register",
      GVR_ROLE_NODE | GVR_ROLE_ADMIN, &node_req_l, &node_rep_l },
    { GVR_MSG_NODE_HEARTBEAT, "node-heartbeat",
      GVR_ROLE_NODE | GVR_ROLE_ADMIN, &node_req_l, &node_rep_l },
    { GVR_MSG_NODE_SET_STATE, "node-set-state", GVR_ROLE_ADMIN,
      &state_req_l, &state_rep_l },
    { GVR_MSG_ALLOC, "alloc", GVR_ROLE_ADMIN, &alloc_req_l, &lease_rep_l },
    { GVR_MSG_RELEASE, "release", GVR_ROLE_ADMIN, &job_req_l,
      &release_rep_l },
    { GVR_MSG_LIST_NODES, "list-nodes", GVR_ROLE_ANY, &list_req_l,
      &nodes_rep_l },
    { GVR_MSG_LIST_GPUS, "list-gpus", GVR_ROLE_ANY, &list_req_l,
      &gpus_rep_l },
    { GVR_MSG_LIST_LEASES, "list-leases", GVR_ROLE_ANY, &list_req_l,
      &leases_rep_l },
    { GVR_MSG_STATUS, "status", GVR_ROLE_ANY, &empty_l, &status_rep_l },
    { GVR_MSG_JOB_SERVERS, "job-servers", GVR_ROLE_ANY, &job_req_l,
      &lease_rep_l },
    { GVR_MSG_LEASE_VERIFY, "lease-verify", GVR_ROLE_NODE | GVR_ROLE_ADMIN,
      &verify_req_l, &verify_rep_l },
};
const size_t gvr_n_msgs = sizeof(gvr_msgs) / sizeof(gvr_msgs[0]);

const gvr_msg_desc_t *gvr_msg_find(uint32_t id)
{
    for (size_t i = 0; i < gvr_n_msgs; i++) {
        if ((uint32_t)gvr_msgs[i].id == id) {
            return &gvr_msgs[i];
        }
    }
    return NULL;
}

/* ---- pack ----------------------------------------------------------------*/

static gvc_status_t pack_record(const gvr_layout_t *l, const void *obj,
                                gvc_enc_t *enc);

static gvc_status_t pack_array(const gvr_field_t *f, const char *base,
                               gvc_enc_t *enc)
{
    uint32_t count = *(const uint32_t *)(base + f->count_off);
    const char *elems = *(const char *const *)(base + f->offset);
    gvc_status_t st;

    if (count > f->max || (count > 0 && elems == NULL)) {
        return GVC_ERR_INVALID;
    }
    gvc_enc_u32(enc, count);
    for (uint32_t i = 0; i < count; i++) {
        st = pack_record(f->sub, elems + (size_t)i * f->size, enc);
        if (st != GVC_OK) {
            return st;
        }
    }
    return GVC_OK;
}

static gvc_status_t pack_field(const gvr_field_t *f, const char *base,
                               gvc_enc_t *enc)
{
    const char *p = base + f->offset;
    const char *s;

    switch (f->type) {
    case GVR_FT_U8:  gvc_enc_u8(enc, *(const uint8_t *)p); break;
    case GVR_FT_U32: gvc_enc_u32(enc, *(const uint32_t *)p); break;
    case GVR_FT_I32: gvc_enc_i32(enc, *(const int32_t *)p); break;
    case GVR_FT_U64: gvc_enc_u64(enc, *(const uint64_t *)p); break;
    case GVR_FT_I64: gvc_enc_i64(enc, *(const int64_t *)p); break;
    case GVR_FT_ENUM:
        if (*(const int *)p < 0 || *(const int *)p > (int)f->max) {
            return GVC_ERR_INVALID;
        }
        gvc_enc_u8(enc, (uint8_t)*(const int *)p);
        break;
    case GVR_FT_STR:
        if (memchr(p, '\0', f->size) == NULL) {
            return GVC_ERR_INVALID;
        }
        gvc_enc_str(enc, p);
        break;
    case GVR_FT_PSTR:
        s = *(const char *const *)p;
        if (s != NULL && strlen(s) > f->max) {
            return GVC_ERR_INVALID;
        }
        gvc_enc_str(enc, s != NULL ? s : "");
        break;
    case GVR_FT_BLOB:   gvc_enc_raw(enc, p, f->size); break;
    case GVR_FT_STRUCT: return pack_record(f->sub, p, enc);
    case GVR_FT_ARRAY:  return pack_array(f, base, enc);
    case GVR_FT_NONE:   break;
    }
    return GVC_OK;
}

static gvc_status_t pack_record(const gvr_layout_t *l, const void *obj,
                                gvc_enc_t *enc)
{
    gvc_status_t st;

    for (size_t i = 0; i < l->n_fields; i++) {
        st = pack_field(&l->fields[i], obj, enc);
        if (st != GVC_OK) {
            return st;
        }
    }
    return enc->status;
}

gvc_status_t gvr_pack(const gvr_layout_t *l, const void *obj, void *buf,
                      size_t cap, size_t *len_p)
{
    gvc_enc_t enc;
    gvc_status_t st;

    *len_p = 0;
    gvc_enc_init(&enc, buf, cap);
    st = pack_record(l, obj, &enc);
    if (st != GVC_OK) {
        return st;
    }
    *len_p = enc.len;
    return GVC_OK;
}

static size_t size_field(const gvr_field_t *f, const char *base)
{
    const char *p = base + f->offset, *s;
    size_t n = 0;
    uint32_t count;

    switch (f->type) {
    case GVR_FT_U8:
    case GVR_FT_ENUM:   return 1;
    case GVR_FT_U32:
    case GVR_FT_I32:    return 4;
    case GVR_FT_U64:
    case GVR_FT_I64:    return 8;
    case GVR_FT_STR:    return 4 + strnlen(p, f->size) + 1;
    case GVR_FT_PSTR:
        s = *(const char *const *)p;
        return 4 + (s != NULL ? strlen(s) : 0) + 1;
    case GVR_FT_BLOB:   return f->size;
    case GVR_FT_STRUCT: return gvr_packed_size(f->sub, p);
    case GVR_FT_ARRAY:
        count = *(const uint32_t *)(base + f->count_off);
        s = *(const char *const *)p;
        for (uint32_t i = 0; s != NULL && i < count; i++) {
            n += gvr_packed_size(f->sub, s + (size_t)i * f->size);
        }
        return 4 + n;
    case GVR_FT_NONE:   return 0;
    }
    return 0;
}

size_t gvr_packed_size(const gvr_layout_t *l, const void *obj)
{
    size_t n = 0;

    for (size_t i = 0; i < l->n_fields; i++) {
        n += size_field(&l->fields[i], obj);
    }
    return n;
}

/* ---- unpack --------------------------------------------------------------*/

static gvc_status_t unpack_record(const gvr_layout_t *l, gvc_dec_t *dec,
                                  void *obj);

static gvc_status_t unpack_array(const gvr_field_t *f, char *base,
                                 gvc_dec_t *dec)
{
    uint32_t count = 0;
    char *elems;
    gvc_status_t st;

    gvc_dec_u32(dec, &count);
    if (dec->status != GVC_OK) {
        return dec->status;
    }
    if (count > f->max) {
        return GVC_ERR_OVERFLOW;
    }
    /* Every element takes at least one byte: a count larger than what
     * is left is a lie, refused before we allocate for it. */
    if (count > dec->len - dec->pos) {
        return GVC_ERR_TRUNCATED;
    }
    if (count == 0) {
        return GVC_OK;
    }
    elems = calloc(count, f->size);
    if (elems == NULL) {
        return GVC_ERR_NOMEM;
    }
    *(char **)(base + f->offset) = elems;
    *(uint32_t *)(base + f->count_off) = count;
    for (uint32_t i = 0; i < count; i++) {
        st = unpack_record(f->sub, dec, elems + (size_t)i * f->size);
        if (st != GVC_OK) {
            return st; /* the caller frees what was built */
        }
    }
    return GVC_OK;
}

static gvc_status_t unpack_string(const gvr_field_t *f, char *p,
                                  gvc_dec_t *dec)
{
    const char *s = NULL;
    size_t max = f->type == GVR_FT_STR ? f->size - 1 : f->max;

    gvc_dec_str(dec, &s, max);
    if (dec->status != GVC_OK) {
        return dec->status;
    }
    if (s == NULL) {
        return GVC_ERR_PROTO; /* our records never hold an absent string */
    }
    if (f->type == GVR_FT_STR) {
        memcpy(p, s, strlen(s) + 1);
        return GVC_OK;
    }
    *(char **)p = strdup(s);
    return *(char **)p != NULL ? GVC_OK : GVC_ERR_NOMEM;
}

static gvc_status_t unpack_field(const gvr_field_t *f, char *base,
                                 gvc_dec_t *dec)
{
    char *p = base + f->offset;
    uint8_t u8 = 0;

    switch (f->type) {
    case GVR_FT_U8:  gvc_dec_u8(dec, (uint8_t *)p); break;
    case GVR_FT_U32: gvc_dec_u32(dec, (uint32_t *)p); break;
    case GVR_FT_I32: gvc_dec_i32(dec, (int32_t *)p); break;
    case GVR_FT_U64: gvc_dec_u64(dec, (uint64_t *)p); break;
    case GVR_FT_I64: gvc_dec_i64(dec, (int64_t *)p); break;
    case GVR_FT_ENUM:
        gvc_dec_u8(dec, &u8);
        if (dec->status == GVC_OK && u8 > f->max) {
            return GVC_ERR_PROTO;
        }
        *(int *)p = u8;
        break;
    case GVR_FT_STR:
    case GVR_FT_PSTR:   return unpack_string(f, p, dec);
    case GVR_FT_BLOB:   gvc_dec_raw(dec, p, f->size); break;
    case GVR_FT_STRUCT: return unpack_record(f->sub, dec, p);
    case GVR_FT_ARRAY:  return unpack_array(f, base, dec);
    case GVR_FT_NONE:   break;
    }
    return dec->status;
}

static gvc_status_t unpack_record(const gvr_layout_t *l, gvc_dec_t *dec,
                                  void *obj)
{
    gvc_status_t st;

    for (size_t i = 0; i < l->n_fields; i++) {
        st = unpack_field(&l->fields[i], obj, dec);
        if (st != GVC_OK) {
            return st;
        }
    }
    return GVC_OK;
}

gvc_status_t gvr_unpack(const gvr_layout_t *l, const void *buf, size_t len,
                        void *obj)
{
    gvc_dec_t dec;
    gvc_status_t st;

    memset(obj, 0, l->size);
    gvc_dec_init(&dec, buf, len);
    st = unpack_record(l, &dec, obj);
    if (st == GVC_OK) {
        st = gvc_dec_finish(&dec);
    }
    if (st != GVC_OK) {
        gvr_unpack_free(l, obj);
    }
    return st;
}

void gvr_unpack_free(const gvr_layout_t *l, void *obj)
{
    char *base = obj;

    for (size_t i = 0; i < l->n_fields; i++) {
        const gvr_field_t *f = &l->fields[i];
        char **pp = (char **)(base + f->offset);
        uint32_t *count;

        if (f->type == GVR_FT_PSTR) {
            free(*pp);
            *pp = NULL;
        } else if (f->type == GVR_FT_STRUCT) {
            gvr_unpack_free(f->sub, base + f->offset);
        } else if (f->type == GVR_FT_ARRAY) {
            count = (uint32_t *)(base + f->count_off);
            for (uint32_t j = 0; *pp != NULL && j < *count; j++) {
                gvr_unpack_free(f->sub, *pp + (size_t)j * f->size);
            }
            free(*pp);
            *pp = NULL;
            *count = 0;
        }
    }
}

void gvr_lease_rep_free(gvr_lease_rep_t *rep)
{
    gvr_unpack_free(&lease_rep_l, rep);
}
