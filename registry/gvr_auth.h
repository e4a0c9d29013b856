/*
 * gvr_auth.h - who is talking: MUNGE credentials, shared-secret HMACs and
 * the key files behind them.
 *
 * The same handshake serves registry connections and (later) gvd's
 * client connections: the server sends a fresh nonce; the client answers
 * with gvr_auth_make() for that nonce; the server calls gvr_auth_check()
 * and learns the peer's uid, or a reason to refuse.
 *
 *   munge   payload "gvr1-auth:<hex nonce>" in a MUNGE credential; the uid
 *           is the one munged vouches for, and must equal the claimed one.
 *   secret  hex HMAC-SHA256(secret, "gvr1-auth" | nonce | uid as u32 LE).
 *           Whoever can read the secret file may claim any uid: give it
 *           only to root and the service accounts (mode 0600).
 *   none    the claimed uid is believed.  For tests and closed setups.
 *
 * Key files (shared secrets and the lease key) must be regular files
 * owned by the reading user (or root) with no group/other permissions;
 * anything else is refused with the reason.  Thread-safe: no globals.
 */
#ifndef GVR_AUTH_H
#define GVR_AUTH_H

#include "gvc_status.h"
#include "gvr_types.h"

#include <stddef.h>
#include <stdint.h>

#define GVR_KEY_MIN 16   /* bytes; shorter keys are refused */
#define GVR_KEY_MAX 1024
#define GVR_HMAC_LEN 32

typedef struct gvr_key {
    size_t len;                 /* 0: no key loaded */
    uint8_t bytes[GVR_KEY_MAX];
} gvr_key_t;

/*
 * Read a key file.  Trailing whitespace is dropped, so a hex or base64
 * text key and a raw binary key both work.  GVC_ERR_IO (cannot open or
 * read), GVC_ERR_DENIED (wrong owner or mode: the message says which and
 * how to fix it), GVC_ERR_CONFIG (empty, too short, too long).
 */
gvc_status_t gvr_key_load(const char *path, gvr_key_t *key_p, char *err,
                          size_t errlen);

/* Create path with 32 random bytes as 64 hex digits, mode 0600.  Refuses
 * to overwrite (GVC_ERR_BUSY). */
gvc_status_t gvr_key_generate(const char *path, char *err, size_t errlen);

/* Wipe a key from memory. */
void gvr_key_clear(gvr_key_t *key);

/* HMAC-SHA256 of data with key. */
gvc_status_t gvr_hmac(const gvr_key_t *key, const void *data, size_t len,
                      uint8_t out[GVR_HMAC_LEN]);

/* Fill buf with n bytes from the system's CSPRNG. */
gvc_status_t gvr_random(void *buf, size_t n);

/*
 * Client side: make the credential for nonce as uid.  secret is used in
 * secret mode; munge_socket ("" or NULL: libmunge's default) in munge
 * mode.  *cred_p is malloc'ed; the caller frees it.
 */
gvc_status_t gvr_auth_make(gvr_auth_mode_t mode, const gvr_key_t *secret,
                           const char *munge_socket,
                           const uint8_t nonce[32], uint32_t uid,
                           char **cred_p, char *err, size_t errlen);

/*
 * Server side: check cred (offered in offered mode, claiming
 * claimed_uid) against the server's mode and nonce.  GVC_OK and *uid_p,
 * or GVC_ERR_DENIED with the reason in err (wrong mode, bad signature,
 * expired or replayed MUNGE credential, uid mismatch, wrong nonce),
 * GVC_ERR_NOT_SUPPORTED (built without MUNGE) or GVC_ERR_IO (munged
 * unreachable).
 */
gvc_status_t gvr_auth_check(gvr_auth_mode_t mode, const gvr_key_t *secret,
                            const char *munge_socket,
                            const uint8_t nonce[32],
                            gvr_auth_mode_t offered, uint32_t claimed_uid,
                            const char *cred, uint32_t *uid_p, char *err,
                            size_t errlen);

/* Free this thread's libcrypto state now.  A thread that used the
 * functions above calls it last when the process may exit before the
 * thread's own destructors have run (a detached thread). */
void gvr_crypto_thread_done(void);

/* ---- MUNGE (gvr_munge.c; a stub when built without libmunge) ----------*/

/* Encode payload into a credential; *cred_p malloc'ed, caller frees. */
gvc_status_t gvr_munge_encode(const char *socket, const void *payload,
                              size_t len, char **cred_p, char *err,
                              size_t errlen);

/* Decode cred; *payload_p malloc'ed (NUL-terminated), caller frees. */
gvc_status_t gvr_munge_decode(const char *socket, const char *cred,
                              char **payload_p, size_t *len_p,
                              uint32_t *uid_p, char *err, size_t errlen);

/* 1 when this build has MUNGE and libmunge loads (it is opened on
 * first use, so that programs that never use MUNGE do not need it). */
int gvr_munge_available(void);

#endif
