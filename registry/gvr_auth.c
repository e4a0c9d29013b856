/*
 * gvr_auth.c - the nonce handshake in its three modes (see gvr_auth.h).
 */
#include "config.h"

#include "gvr_auth.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AUTH_TAG "gvr1-auth"

static void auth_hex(const uint8_t *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

/* The MUNGE payload that binds a credential to one connection. */
static void auth_munge_payload(const uint8_t nonce[32], char out[80])
{
    memcpy(out, AUTH_TAG ":", sizeof(AUTH_TAG));
    auth_hex(nonce, 32, out + sizeof(AUTH_TAG));
}

/* hex HMAC(secret, tag | nonce | uid LE) */
static gvc_status_t auth_secret_mac(const gvr_key_t *secret,
                                    const uint8_t nonce[32], uint32_t uid,
                                    char out[2 * GVR_HMAC_LEN + 1])
{
    uint8_t msg[sizeof(AUTH_TAG) - 1 + 32 + 4];
    uint8_t mac[GVR_HMAC_LEN];
    gvc_status_t st;

    memcpy(msg, AUTH_TAG, sizeof(AUTH_TAG) - 1);
    memcpy(msg + sizeof(AUTH_TAG) - 1, nonce, 32);
    for (int i = 0; i < 4; i++) {
        msg[sizeof(AUTH_TAG) - 1 + 32 + i] = (uint8_t)(uid >> (8 * i));
    }
    st = gvr_hmac(secret, msg, sizeof(msg), mac);
    if (st == GVC_OK) {
        auth_hex(mac, sizeof(mac), out);
    }
    return st;
}

gvc_status_t gvr_auth_make(gvr_auth_mode_t mode, const gvr_key_t *secret,
                           const char *munge_socket,
                           const uint8_t nonce[32], uint32_t uid,
                           char **cred_p, char *err, size_t errlen)
{
    char payload[80], mac[2 * GVR_HMAC_LEN + 1];

    *cred_p = NULL;
    switch (mode) {
    case GVR_AUTH_NONE:
        *cred_p = strdup("");
        break;
    case GVR_AUTH_MUNGE:
        auth_munge_payload(nonce, payload);
        return gvr_munge_encode(munge_socket, payload, strlen(payload),
                                cred_p, err, errlen);
    case GVR_AUTH_SECRET:
        if (secret == NULL || secret->len == 0) {
            snprintf(err, errlen, "secret authentication needs a secret "
                     "file (secret_file)");
            return GVC_ERR_CONFIG;
        }
        if (auth_secret_mac(secret, nonce, uid, mac) != GVC_OK) {
            snprintf(err, errlen, "HMAC-SHA256 failed in libcrypto");
            return GVC_ERR_INTERNAL;
        }
        *cred_p = strdup(mac);
        break;
    default:
        snprintf(err, errlen, "unknown authentication mode %d", (int)mode);
        return GVC_ERR_INVALID;
    }
    if (*cred_p == NULL) {
        snprintf(err, errlen, "out of memory");
        return GVC_ERR_NOMEM;
    }
    return GVC_OK;
}

static gvc_status_t auth_check_munge(const char *munge_socket,
                                     const uint8_t nonce[32],
                                     uint32_t claimed_uid, const char *cred,
                                     uint32_t *uid_p, char *err,
                                     size_t errlen)
{
    char want[80], *payload = NULL;
    size_t len = 0;
    uint32_t uid = 0;
    gvc_status_t st;

    st = gvr_munge_decode(munge_socket, cred, &payload, &len, &uid, err,
                          errlen);
    if (st != GVC_OK) {
        return st;
    }
    auth_munge_payload(nonce, want);
    if (len != strlen(want) || memcmp(payload, want, len) != 0) {
        snprintf(err, errlen, "MUNGE credential was not made for this "
                 "connection (nonce mismatch: replayed or forwarded)");
        st = GVC_ERR_DENIED;
    } else if (uid != claimed_uid) {
        snprintf(err, errlen, "MUNGE credential is from uid %u but the "
                 "client claims uid %u", (unsigned)uid,
                 (unsigned)claimed_uid);
        st = GVC_ERR_DENIED;
    } else {
        *uid_p = uid;
    }
    free(payload);
    return st;
}

static gvc_status_t auth_check_secret(const gvr_key_t *secret,
                                      const uint8_t nonce[32],
                                      uint32_t claimed_uid, const char *cred,
                                      uint32_t *uid_p, char *err,
                                      size_t errlen)
{
    char want[2 * GVR_HMAC_LEN + 1];

    if (secret == NULL || secret->len == 0) {
        snprintf(err, errlen, "the registry has no shared secret loaded");
        return GVC_ERR_INTERNAL;
    }
    if (auth_secret_mac(secret, nonce, claimed_uid, want) != GVC_OK) {
        snprintf(err, errlen, "HMAC-SHA256 failed in libcrypto");
        return GVC_ERR_INTERNAL;
    }
    if (strlen(cred) != strlen(want) ||
        CRYPTO_memcmp(cred, want, strlen(want)) != 0) {
        snprintf(err, errlen, "shared-secret signature does not match "
                 "(the client's secret file differs from the server's)");
        return GVC_ERR_DENIED;
    }
    *uid_p = claimed_uid;
    return GVC_OK;
}

gvc_status_t gvr_auth_check(gvr_auth_mode_t mode, const gvr_key_t *secret,
                            const char *munge_socket,
                            const uint8_t nonce[32],
                            gvr_auth_mode_t offered, uint32_t claimed_uid,
                            const char *cred, uint32_t *uid_p, char *err,
                            size_t errlen)
{
    if (offered != mode) {
        snprintf(err, errlen, "the server requires %s authentication but "
                 "the client offered %s (set auth = %s in its [registry] "
                 "section)", gvr_auth_mode_name(mode),
                 gvr_auth_mode_name(offered), gvr_auth_mode_name(mode));
        return GVC_ERR_DENIED;
    }
    if (cred == NULL) {
        cred = "";
    }
    switch (mode) {
    case GVR_AUTH_NONE:
        *uid_p = claimed_uid;
        return GVC_OK;
    case GVR_AUTH_MUNGE:
        return auth_check_munge(munge_socket, nonce, claimed_uid, cred,
                                uid_p, err, errlen);
    case GVR_AUTH_SECRET:
        return auth_check_secret(secret, nonce, claimed_uid, cred, uid_p,
                                 err, errlen);
    }
    snprintf(err, errlen, "unknown authentication mode %d", (int)mode);
    return GVC_ERR_INVALID;
}
