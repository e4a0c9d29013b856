/*
 * gvr_types.h - the value types the registry, gvd, gvctl and the frontend
 * share: GPU inventory, nodes, leases.
 *
 * Strings are fixed-size, NUL-terminated arrays so that these records can
 * be copied, put in arrays and freed without per-field ownership rules.
 * The one exception is gvr_lease_t, whose GPU list is a heap array (a
 * lease may span up to GVR_MAX_LEASE_GPUS GPUs on many hosts).
 */
#ifndef GVR_TYPES_H
#define GVR_TYPES_H

#include <stddef.h>
#include <stdint.h>

#define GVR_NAME_MAX      64   /* node names, job ids, user names */
#define GVR_HOST_MAX      256  /* a DNS name or an address literal */
#define GVR_UUID_MAX      64   /* "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" */
#define GVR_GPU_NAME_MAX  96   /* "NVIDIA H100 80GB HBM3" */
#define GVR_NIC_MAX       32   /* "mlx5_0" */
#define GVR_REASON_MAX    256  /* refusal reasons, drain reasons */
#define GVR_CRED_MAX      8192 /* a lease credential (GVIRTUS_LEASE) */
#define GVR_SERVERS_MAX   (GVR_MAX_LEASE_GPUS * (GVR_HOST_MAX + 16))

#define GVR_MAX_NODE_GPUS  64  /* GPUs one gvd may announce */
#define GVR_MAX_LEASE_GPUS 64  /* GPUs one lease may hold */

/* Default TCP port of gvregistryd. */
#define GVR_DEFAULT_PORT 7700

typedef enum gvr_node_state {
    GVR_NODE_UP      = 0, /* heartbeating (or static): gets new leases */
    GVR_NODE_DOWN    = 1, /* missed heartbeats: no new leases */
    GVR_NODE_DRAINED = 2  /* taken out by an admin: no new leases */
} gvr_node_state_t;
#define GVR_NODE_STATE_MAX GVR_NODE_DRAINED

typedef enum gvr_lease_mode {
    GVR_LEASE_EXCLUSIVE = 0, /* the job is the GPU's only user */
    GVR_LEASE_SHARED    = 1  /* several jobs, each under a memory cap */
} gvr_lease_mode_t;
#define GVR_LEASE_MODE_MAX GVR_LEASE_SHARED

typedef enum gvr_auth_mode {
    GVR_AUTH_NONE   = 0, /* trust the uid the peer claims (tests only) */
    GVR_AUTH_MUNGE  = 1, /* MUNGE credential; uid from munged */
    GVR_AUTH_SECRET = 2  /* HMAC-SHA256 with a shared secret file */
} gvr_auth_mode_t;
#define GVR_AUTH_MODE_MAX GVR_AUTH_SECRET

/* One GPU as gvd found it (NVML/cudart + hwloc). */
typedef struct gvr_gpu_info {
    uint32_t index;                  /* device index on its gvd */
    char uuid[GVR_UUID_MAX];         /* NVML UUID; unique in the cluster */
    char name[GVR_GPU_NAME_MAX];     /* marketing name */
    uint64_t mem_bytes;              /* total memory; 0 unknown */
    uint32_t sm_count;               /* multiprocessors; 0 unknown */
    int32_t numa_node;               /* -1 unknown */
    char nic[GVR_NIC_MAX];           /* nearest NIC (hwloc); "" none */
} gvr_gpu_info_t;

/* A node as the registry sees it. */
typedef struct gvr_node_info {
    char name[GVR_NAME_MAX];
    char host[GVR_HOST_MAX];         /* where clients reach its gvd */
    uint32_t port;
    char nic[GVR_NIC_MAX];           /* NIC gvd serves on; "" unknown */
    gvr_node_state_t state;
    uint8_t is_static;               /* declared in registry.ini */
    int64_t last_heartbeat_ms;       /* unix ms; 0 never */
    uint32_t n_gpus;                 /* GPUs present */
    uint32_t n_free;                 /* GPUs with no lease at all */
    char reason[GVR_REASON_MAX];     /* why drained or down */
} gvr_node_info_t;

/* A GPU row of `gvctl gpus`: the inventory plus who uses it. */
typedef struct gvr_gpu_row {
    char node[GVR_NAME_MAX];
    gvr_gpu_info_t gpu;
    uint8_t present;                 /* 0: gvd no longer reports it */
    uint32_t n_leases;               /* leases holding it */
    uint8_t exclusive;               /* held by an exclusive lease */
    uint64_t mem_leased;             /* sum of shared leases' caps */
} gvr_gpu_row_t;

/* One GPU of a lease, with the gvd that serves it. */
typedef struct gvr_lease_gpu {
    char node[GVR_NAME_MAX];
    char host[GVR_HOST_MAX];
    uint32_t port;
    uint32_t index;                  /* device index on that gvd */
    char uuid[GVR_UUID_MAX];
} gvr_lease_gpu_t;

/* A lease: GPUs granted to a job.  gpus is owned by the record:
 * gvr_lease_fini() frees it. */
typedef struct gvr_lease {
    int64_t id;
    char job[GVR_NAME_MAX];          /* SLURM_JOB_ID or any job name */
    uint32_t uid;                    /* owner */
    char user[GVR_NAME_MAX];
    gvr_lease_mode_t mode;
    uint64_t mem_cap;                /* shared: bytes per GPU; 0 none */
    int64_t created_ms;              /* unix ms */
    int64_t expires_ms;              /* unix ms; the lease ends then */
    uint32_t n_gpus;
    gvr_lease_gpu_t *gpus;           /* owned, n_gpus entries */
} gvr_lease_t;

/* What a verified lease credential says (gvr_lease_verify). */
typedef struct gvr_lease_info {
    int64_t lease_id;
    char job[GVR_NAME_MAX];
    uint32_t uid;
    gvr_lease_mode_t mode;
    uint64_t mem_cap;                /* the quota gvd enforces; 0 none */
    int64_t expires_ms;
} gvr_lease_info_t;

/* Free what a lease owns and clear it (safe on a zeroed record). */
void gvr_lease_fini(gvr_lease_t *lease);
/* Free an array of n leases from a list call. */
void gvr_lease_array_free(gvr_lease_t *leases, uint32_t n);

const char *gvr_node_state_name(gvr_node_state_t state);
const char *gvr_lease_mode_name(gvr_lease_mode_t mode);
const char *gvr_auth_mode_name(gvr_auth_mode_t mode);
/* Parse "up"/"down"/"drained", "exclusive"/"shared", "munge"/"secret"/
 * "none".  Return 0 and set *_p, or -1. */
int gvr_node_state_parse(const char *text, gvr_node_state_t *state_p);
int gvr_lease_mode_parse(const char *text, gvr_lease_mode_t *mode_p);
int gvr_auth_mode_parse(const char *text, gvr_auth_mode_t *mode_p);

/* A lease's GPUs in GVIRTUS_SERVERS syntax: "host:port#index,..." with
 * IPv6 literals in [].  *out_p is malloc'ed; the caller frees it.
 * Returns 0, or -1 when out of memory. */
int gvr_lease_servers(const gvr_lease_t *lease, char **out_p);

/* Wall-clock time in unix milliseconds (lease times are wall-clock). */
int64_t gvr_now_ms(void);

/* Copy src into a fixed array of size cap; -1 (and dst truncated) when
 * it does not fit. */
int gvr_strlcpy(char *dst, const char *src, size_t cap);

#endif
