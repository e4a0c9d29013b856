/*
 * gvr_cred.h - lease credentials: the token a job presents to gvd
 * (GVIRTUS_LEASE) to prove that the registry leased it a GPU.
 *
 *   gvl1.<base64url(payload)>.<base64url(HMAC-SHA256(lease key,
 *                                  "gvl1." base64url(payload)))>
 *
 * The payload is text, one "key=value" per line: lease (id), job, uid,
 * mode, mem (cap in bytes), exp (unix ms), gpus (comma-separated UUIDs).
 * The registry signs with the lease key; every gvd holds the same key
 * and can check a credential offline, without asking the registry.
 * Revocation (a lease released before it expires) is what the online
 * check (GVR_MSG_LEASE_VERIFY) adds; see docs/registry.md.
 */
#ifndef GVR_CRED_H
#define GVR_CRED_H

#include "gvc_status.h"
#include "gvr_auth.h"
#include "gvr_types.h"

#define GVR_CRED_PREFIX "gvl1."

/* A parsed, signature-checked credential. */
typedef struct gvr_cred {
    gvr_lease_info_t info;
    uint32_t n_uuids;
    char uuids[GVR_MAX_LEASE_GPUS][GVR_UUID_MAX];
} gvr_cred_t;

/* Sign lease into a credential; *cred_p malloc'ed, the caller frees. */
gvc_status_t gvr_cred_make(const gvr_key_t *key, const gvr_lease_t *lease,
                           char **cred_p);

/* Check the signature and parse.  GVC_ERR_DENIED (with why) for anything
 * malformed, forged or signed with another key. */
gvc_status_t gvr_cred_parse(const gvr_key_t *key, const char *cred,
                            gvr_cred_t *out_p, char *err, size_t errlen);

/*
 * Offline verification: signature, then job, uid, expiry (against now_ms)
 * and that gpu_uuid is one of the lease's GPUs.  GVC_OK fills *info_p;
 * GVC_ERR_DENIED says which check failed.
 */
gvc_status_t gvr_cred_verify(const gvr_key_t *key, const char *cred,
                             const char *job, const char *gpu_uuid,
                             uint32_t uid, int64_t now_ms,
                             gvr_lease_info_t *info_p, char *err,
                             size_t errlen);

/* Is s a safe identifier (job ids, node names, UUIDs, NIC names, user
 * names): 1..max-1 characters from [A-Za-z0-9._:@+-]. */
int gvr_ident_ok(const char *s, size_t max);
/* Is s a host name or an address literal (IPv6 in or out of []). */
int gvr_host_ok(const char *s);

#endif
