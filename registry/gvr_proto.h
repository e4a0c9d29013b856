/*
 * gvr_proto.h - the registry protocol: message ids, argument records and
 * the one table that describes them.
 *
 * Transport: gvc_ctl framing over TCP (a 48-byte gvc wire header, then at
 * most GVC_CTL_MAX_ARGS bytes of arguments).  On accept the registry sends
 * GVR_MSG_HELLO (protocol version, auth mode, a fresh nonce); the client
 * answers GVR_MSG_AUTH; then requests follow, one reply each.  A reply
 * carries the request's id with GVC_WF_REPLY, its gvc_status_t in the
 * header's result, and either the reply record (result >= 0) or a
 * gvr_error_t naming why (result < 0).
 *
 * Every record below is described by a gvr_layout_t (field type, offset,
 * bounds).  gvr_pack()/gvr_unpack() walk that description, so the layout
 * table in gvr_proto.c is the single source of truth for the encoding;
 * the round-trip and rejection tests walk the same table.  Unpacking
 * validates every length, enum and count; it never trusts the peer.
 */
#ifndef GVR_PROTO_H
#define GVR_PROTO_H

#include "gvc_status.h"
#include "gvr_types.h"

#include <stddef.h>
#include <stdint.h>

/* Bumped on any incompatible change of a record below. */
#define GVR_PROTO_VERSION 1u
#define GVR_NONCE_LEN     32u
#define GVR_ERRMSG_MAX    512

/* Message ids ("RG" in the high half keeps them apart from gvd's). */
typedef enum gvr_msg_id {
    GVR_MSG_HELLO = 0x52470001, /* registry -> client, first message */
    GVR_MSG_AUTH,               /* client -> registry, answers HELLO */
    GVR_MSG_NODE_REGISTER,      /* gvd: I started, here is my inventory */
    GVR_MSG_NODE_HEARTBEAT,     /* gvd: still alive (same record) */
    GVR_MSG_NODE_SET_STATE,     /* admin: drain / resume a node */
    GVR_MSG_ALLOC,              /* admin (prolog): lease GPUs to a job */
    GVR_MSG_RELEASE,            /* admin (epilog): end a job's lease */
    GVR_MSG_LIST_NODES,
    GVR_MSG_LIST_GPUS,
    GVR_MSG_LIST_LEASES,
    GVR_MSG_STATUS,             /* registry-level counters */
    GVR_MSG_JOB_SERVERS,        /* a job's GVIRTUS_SERVERS and credential */
    GVR_MSG_LEASE_VERIFY,       /* gvd: may this uid use this GPU? */
    GVR_MSG_END_
} gvr_msg_id_t;

/* Who may send a request (bit mask, see gvr_msg_desc_t.roles). */
enum {
    GVR_ROLE_USER  = 1u << 0, /* any authenticated uid */
    GVR_ROLE_NODE  = 1u << 1, /* a gvd service account (node_users) */
    GVR_ROLE_ADMIN = 1u << 2, /* admins (root, the Slurm prolog user) */
    GVR_ROLE_ANY   = GVR_ROLE_USER | GVR_ROLE_NODE | GVR_ROLE_ADMIN
};

/* ---- records -------------------------------------------------------------*/

typedef struct gvr_hello {
    uint32_t proto;                  /* GVR_PROTO_VERSION */
    gvr_auth_mode_t auth;            /* what AUTH must carry */
    uint8_t nonce[GVR_NONCE_LEN];    /* fresh per connection */
    char server[GVR_NAME_MAX];       /* "gvregistryd 0.1.0" */
} gvr_hello_t;

typedef struct gvr_auth_req {
    gvr_auth_mode_t mode;
    uint32_t uid;                    /* claimed; checked per mode */
    char *cred;                      /* owned; munge or HMAC credential */
} gvr_auth_req_t;

typedef struct gvr_auth_rep {
    uint32_t uid;                    /* as the registry authenticated it */
    uint32_t roles;                  /* GVR_ROLE_* granted */
    char user[GVR_NAME_MAX];
} gvr_auth_rep_t;

/* NODE_REGISTER and NODE_HEARTBEAT. */
typedef struct gvr_node_req {
    char node[GVR_NAME_MAX];
    char host[GVR_HOST_MAX];
    uint32_t port;
    char nic[GVR_NIC_MAX];
    uint32_t n_gpus;
    gvr_gpu_info_t *gpus;            /* owned; n_gpus entries */
} gvr_node_req_t;

typedef struct gvr_node_rep {
    gvr_node_state_t state;          /* drained nodes learn it here */
    int64_t heartbeat_timeout_ms;    /* miss this and you are down */
} gvr_node_rep_t;

typedef struct gvr_state_req {
    char node[GVR_NAME_MAX];
    gvr_node_state_t state;          /* UP (resume) or DRAINED */
    char reason[GVR_REASON_MAX];
} gvr_state_req_t;

typedef struct gvr_state_rep {
    gvr_node_state_t state;          /* after the change */
} gvr_state_rep_t;

typedef struct gvr_alloc_req {
    char job[GVR_NAME_MAX];
    uint32_t uid;                    /* the job's owner */
    char user[GVR_NAME_MAX];
    uint32_t count;                  /* GPUs wanted, 1..GVR_MAX_LEASE_GPUS */
    gvr_lease_mode_t mode;
    uint64_t mem_cap;                /* shared: bytes per GPU; 0 default */
    int64_t ttl_ms;                  /* 0: the registry's lease_ttl */
} gvr_alloc_req_t;

/* Reply to ALLOC and JOB_SERVERS. */
typedef struct gvr_lease_rep {
    gvr_lease_t lease;               /* lease.gpus owned */
    char *credential;                /* owned; GVIRTUS_LEASE */
    char *servers;                   /* owned; GVIRTUS_SERVERS */
    uint8_t existing;                /* ALLOC: the job already had it */
} gvr_lease_rep_t;

/* RELEASE, JOB_SERVERS. */
typedef struct gvr_job_req {
    char job[GVR_NAME_MAX];
} gvr_job_req_t;

typedef struct gvr_release_rep {
    uint32_t n_gpus;                 /* GPUs the lease held */
} gvr_release_rep_t;

/* LIST_*: filter is a node name (gpus) or job id (leases); "" all. */
typedef struct gvr_list_req {
    char filter[GVR_NAME_MAX];
    uint32_t offset;                 /* rows to skip (paging) */
} gvr_list_req_t;

typedef struct gvr_nodes_rep {
    uint32_t next;                   /* offset of the next page; 0 last */
    uint32_t n;
    gvr_node_info_t *nodes;          /* owned */
} gvr_nodes_rep_t;

typedef struct gvr_gpus_rep {
    uint32_t next;
    uint32_t n;
    gvr_gpu_row_t *gpus;             /* owned */
} gvr_gpus_rep_t;

typedef struct gvr_leases_rep {
    uint32_t next;
    uint32_t n;
    gvr_lease_t *leases;             /* owned, with their gpus */
} gvr_leases_rep_t;

typedef struct gvr_status_rep {
    char version[GVR_NAME_MAX];
    int64_t now_ms;
    int64_t uptime_ms;
    uint32_t nodes_up, nodes_down, nodes_drained;
    uint32_t gpus_total;             /* present GPUs on any node */
    uint32_t gpus_free;              /* no lease, on an up node */
    uint32_t gpus_exclusive;         /* held by an exclusive lease */
    uint32_t gpus_shared;            /* held by shared leases */
    uint32_t gpus_unavailable;       /* unleased, on a down/drained node */
    uint32_t leases;
    uint32_t clients;                /* connections now */
} gvr_status_rep_t;

typedef struct gvr_verify_req {
    char job[GVR_NAME_MAX];
    char *credential;                /* owned */
    char gpu_uuid[GVR_UUID_MAX];
    uint32_t uid;                    /* the client's uid, as gvd knows it */
} gvr_verify_req_t;

typedef struct gvr_verify_rep {
    gvr_lease_info_t info;
} gvr_verify_rep_t;

typedef struct gvr_error {
    char message[GVR_ERRMSG_MAX];
} gvr_error_t;

typedef struct gvr_empty {
    uint8_t unused;                  /* records have no zero size in C */
} gvr_empty_t;

/* ---- layouts -------------------------------------------------------------*/

typedef enum gvr_ftype {
    GVR_FT_U8,     /* uint8_t */
    GVR_FT_U32,    /* uint32_t */
    GVR_FT_I32,    /* int32_t */
    GVR_FT_U64,    /* uint64_t */
    GVR_FT_I64,    /* int64_t */
    GVR_FT_ENUM,   /* an enum; wire u8; 0..max */
    GVR_FT_STR,    /* char[size]; wire gvc str */
    GVR_FT_PSTR,   /* char *, owned, strlen <= max; NULL travels as "" */
    GVR_FT_BLOB,   /* uint8_t[size], exactly size bytes */
    GVR_FT_STRUCT, /* an embedded record laid out by sub */
    GVR_FT_ARRAY,  /* T * (owned) + uint32_t count at count_off; <= max */
    GVR_FT_NONE    /* gvr_empty_t: nothing on the wire */
} gvr_ftype_t;

typedef struct gvr_layout gvr_layout_t;

typedef struct gvr_field {
    const char *name;
    gvr_ftype_t type;
    size_t offset;
    size_t size;          /* STR, BLOB: bytes; ARRAY: element size */
    size_t count_off;     /* ARRAY: offset of its uint32_t count */
    uint32_t max;         /* ENUM: largest value; PSTR: longest; ARRAY */
    const gvr_layout_t *sub; /* STRUCT and ARRAY elements */
} gvr_field_t;

struct gvr_layout {
    const char *name;
    size_t size;          /* sizeof the record */
    const gvr_field_t *fields;
    size_t n_fields;
};

/* One row per message: its requester roles and both records. */
typedef struct gvr_msg_desc {
    gvr_msg_id_t id;
    const char *name;
    uint32_t roles;              /* 0: only before authentication */
    const gvr_layout_t *req;
    const gvr_layout_t *rep;
} gvr_msg_desc_t;

extern const gvr_msg_desc_t gvr_msgs[];
extern const size_t gvr_n_msgs;
extern const gvr_layout_t gvr_layout_error;

/* The row for id, or NULL. */
const gvr_msg_desc_t *gvr_msg_find(uint32_t id);

/*
 * Encode the record obj (laid out by l) into buf[0..cap).  GVC_OK and
 * *len_p, GVC_ERR_OVERFLOW when it does not fit, GVC_ERR_INVALID when a
 * value breaks the layout's bounds (a string too long, a count over max).
 */
gvc_status_t gvr_pack(const gvr_layout_t *l, const void *obj, void *buf,
                      size_t cap, size_t *len_p);

/*
 * Decode exactly len bytes into obj (zeroed first).  Errors:
 * GVC_ERR_TRUNCATED, GVC_ERR_OVERFLOW (a length over its bound),
 * GVC_ERR_PROTO (bad enum, bad string, trailing bytes), GVC_ERR_NOMEM.
 * On success the caller frees what obj owns with gvr_unpack_free(); on
 * failure nothing is left allocated.
 */
gvc_status_t gvr_unpack(const gvr_layout_t *l, const void *buf, size_t len,
                        void *obj);

/* Bytes gvr_pack() would produce for obj (to fit pages under the
 * message limit before packing). */
size_t gvr_packed_size(const gvr_layout_t *l, const void *obj);

/* Free what a gvr_lease_rep_t owns (lease GPUs, credential, servers). */
void gvr_lease_rep_free(gvr_lease_rep_t *rep);

/* Free the arrays and strings a record owns (as unpacked or built by
 * hand with malloc) and zero them. */
void gvr_unpack_free(const gvr_layout_t *l, void *obj);

#endif
