/*
 * gvr_cred.c - sign, parse and verify lease credentials (gvr_cred.h).
 */
#include "config.h"

#include "gvr_cred.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAYLOAD_MAX 6144
#define B64_MAX     (4 * (PAYLOAD_MAX / 3 + 1) + 1)

int gvr_ident_ok(const char *s, size_t max)
{
    size_t n = 0;

    if (s == NULL || s[0] == '\0') {
        return 0;
    }
    for (; s[n] != '\0'; n++) {
        if (!isalnum((unsigned char)s[n]) && strchr("._:@+-", s[n]) == NULL) {
            return 0;
        }
    }
    return n < max;
}

int gvr_host_ok(const char *s)
{
    size_t n = 0;

    if (s == NULL || s[0] == '\0') {
        return 0;
    }
    for (; s[n] != '\0'; n++) {
        if (!isalnum((unsigned char)s[n]) && strchr(".-:[]%_", s[n]) == NULL) {
            return 0;
        }
    }
    return n < GVR_HOST_MAX;
}

/* base64url without padding (RFC 4648 section 5) on top of libcrypto's
 * standard base64. */
static void b64url_encode(const uint8_t *in, size_t n, char *out)
{
    int len = EVP_EncodeBlock((unsigned char *)out, in, (int)n);

    while (len > 0 && out[len - 1] == '=') {
        len--;
    }
    out[len] = '\0';
    for (int i = 0; i < len; i++) {
        out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
    }
}

static int b64url_decode(const char *in, size_t n, uint8_t *out,
                         size_t cap, size_t *len_p)
{
    char tmp[B64_MAX + 4];
    size_t pad = (4 - n % 4) % 4;
    int len;

    if (n % 4 == 1 || n + pad >= sizeof(tmp) || (n + pad) / 4 * 3 > cap) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        char c = in[i];
        if (!isalnum((unsigned char)c) && c != '-' && c != '_') {
            return -1;
        }
        tmp[i] = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    memset(tmp + n, '=', pad);
    tmp[n + pad] = '\0';
    len = EVP_DecodeBlock(out, (unsigned char *)tmp, (int)(n + pad));
    if (len < 0 || (size_t)len < pad) {
        return -1;
    }
    *len_p = (size_t)len - pad;
    return 0;
}

static int cred_payload(const gvr_lease_t *lease, int64_t exp_ms,
                        char *out, size_t cap)
{
    size_t n;
    int r;

    r = snprintf(out, cap, "lease=%" PRId64 "\njob=%s\nuid=%u\nmode=%s\n"
                 "mem=%" PRIu64 "\nexp=%" PRId64 "\ngpus=", lease->id,
                 lease->job, (unsigned)lease->uid,
                 gvr_lease_mode_name(lease->mode), lease->mem_cap, exp_ms);
    if (r < 0 || (size_t)r >= cap) {
        return -1;
    }
    n = (size_t)r;
    for (uint32_t i = 0; i < lease->n_gpus; i++) {
        r = snprintf(out + n, cap - n, "%s%s", i ? "," : "",
                     lease->gpus[i].uuid);
        if (r < 0 || (size_t)r >= cap - n) {
            return -1;
        }
        n += (size_t)r;
    }
    return 0;
}

gvc_status_t gvr_cred_make(const gvr_key_t *key, const gvr_lease_t *lease,
                           char **cred_p)
{
    char payload[PAYLOAD_MAX], b64[B64_MAX], sig[64];
    uint8_t mac[GVR_HMAC_LEN];
    size_t n;
    char *out;

    *cred_p = NULL;
    if (cred_payload(lease, lease->expires_ms, payload,
                     sizeof(payload)) != 0) {
        return GVC_ERR_OVERFLOW;
    }
    memcpy(b64, GVR_CRED_PREFIX, sizeof(GVR_CRED_PREFIX) - 1);
    b64url_encode((const uint8_t *)payload, strlen(payload),
                  b64 + sizeof(GVR_CRED_PREFIX) - 1);
    n = strlen(b64);
    if (gvr_hmac(key, b64, n, mac) != GVC_OK) {
        return GVC_ERR_INTERNAL;
    }
    b64url_encode(mac, sizeof(mac), sig);
    out = malloc(n + 1 + strlen(sig) + 1);
    if (out == NULL) {
        return GVC_ERR_NOMEM;
    }
    sprintf(out, "%s.%s", b64, sig);
    *cred_p = out;
    return GVC_OK;
}

/* Split "gvl1.<payload>.<sig>" and check the HMAC over the first two
 * parts before looking at the payload at all. */
static gvc_status_t cred_check_sig(const gvr_key_t *key, const char *cred,
                                   char *payload, size_t cap, char *err,
                                   size_t errlen)
{
    const char *dot;
    uint8_t mac[GVR_HMAC_LEN], got[GVR_HMAC_LEN + 3];
    size_t n, glen = 0;

    if (cred == NULL || strncmp(cred, GVR_CRED_PREFIX,
                                sizeof(GVR_CRED_PREFIX) - 1) != 0) {
        snprintf(err, errlen, "lease credential is not a gvirtus lease "
                 "(no '%s' prefix)", GVR_CRED_PREFIX);
        return GVC_ERR_DENIED;
    }
    dot = strchr(cred + sizeof(GVR_CRED_PREFIX) - 1, '.');
    if (dot == NULL || strlen(cred) >= GVR_CRED_MAX ||
        b64url_decode(dot + 1, strlen(dot + 1), got, sizeof(got),
                      &glen) != 0 || glen != GVR_HMAC_LEN) {
        snprintf(err, errlen, "lease credential is malformed");
        return GVC_ERR_DENIED;
    }
    n = (size_t)(dot - cred);
    if (gvr_hmac(key, cred, n, mac) != GVC_OK) {
        snprintf(err, errlen, "no lease key to check the credential with");
        return GVC_ERR_INTERNAL;
    }
    if (CRYPTO_memcmp(mac, got, GVR_HMAC_LEN) != 0) {
        snprintf(err, errlen, "lease credential signature is invalid "
                 "(tampered, or signed with another lease key)");
        return GVC_ERR_DENIED;
    }
    n -= sizeof(GVR_CRED_PREFIX) - 1;
    if (b64url_decode(cred + sizeof(GVR_CRED_PREFIX) - 1, n,
                      (uint8_t *)payload, cap - 1, &glen) != 0) {
        snprintf(err, errlen, "lease credential payload is malformed");
        return GVC_ERR_DENIED;
    }
    payload[glen] = '\0';
    return GVC_OK;
}

static int cred_num(const char *v, int64_t lo, int64_t hi, int64_t *out)
{
    char *end;
    long long x;

    errno = 0;
    x = strtoll(v, &end, 10);
    if (errno != 0 || end == v || *end != '\0' || x < lo || x > hi) {
        return -1;
    }
    *out = x;
    return 0;
}

static int cred_gpus(char *v, gvr_cred_t *c)
{
    char *save = NULL;

    for (char *u = strtok_r(v, ",", &save); u != NULL;
         u = strtok_r(NULL, ",", &save)) {
        if (c->n_uuids >= GVR_MAX_LEASE_GPUS ||
            gvr_strlcpy(c->uuids[c->n_uuids], u, GVR_UUID_MAX) != 0) {
            return -1;
        }
        c->n_uuids++;
    }
    return 0;
}

static int cred_field(const char *k, char *v, gvr_cred_t *c)
{
    gvr_lease_info_t *i = &c->info;
    int64_t x;

    if (strcmp(k, "lease") == 0) {
        return cred_num(v, 0, INT64_MAX, &i->lease_id);
    } else if (strcmp(k, "job") == 0) {
        return gvr_strlcpy(i->job, v, sizeof(i->job));
    } else if (strcmp(k, "uid") == 0) {
        if (cred_num(v, 0, UINT32_MAX, &x) != 0) {
            return -1;
        }
        i->uid = (uint32_t)x;
        return 0;
    } else if (strcmp(k, "mode") == 0) {
        return gvr_lease_mode_parse(v, &i->mode);
    } else if (strcmp(k, "mem") == 0) {
        if (cred_num(v, 0, INT64_MAX, &x) != 0) {
            return -1;
        }
        i->mem_cap = (uint64_t)x;
        return 0;
    } else if (strcmp(k, "exp") == 0) {
        return cred_num(v, 0, INT64_MAX, &i->expires_ms);
    } else if (strcmp(k, "gpus") == 0) {
        return cred_gpus(v, c);
    }
    return 0; /* later versions may add keys */
}

gvc_status_t gvr_cred_parse(const gvr_key_t *key, const char *cred,
                            gvr_cred_t *out_p, char *err, size_t errlen)
{
    char payload[PAYLOAD_MAX], *save = NULL, *eq;
    gvc_status_t st;

    memset(out_p, 0, sizeof(*out_p));
    st = cred_check_sig(key, cred, payload, sizeof(payload), err, errlen);
    if (st != GVC_OK) {
        return st;
    }
    for (char *line = strtok_r(payload, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        eq = strchr(line, '=');
        if (eq == NULL) {
            continue;
        }
        *eq = '\0';
        if (cred_field(line, eq + 1, out_p) != 0) {
            snprintf(err, errlen, "lease credential has a bad '%s' field",
                     line);
            return GVC_ERR_DENIED;
        }
    }
    if (out_p->info.job[0] == '\0' || out_p->n_uuids == 0) {
        snprintf(err, errlen, "lease credential lacks a job or GPUs");
        return GVC_ERR_DENIED;
    }
    return GVC_OK;
}

static gvc_status_t cred_claims(const gvr_cred_t *c, const char *job,
                                const char *gpu_uuid, uint32_t uid,
                                int64_t now_ms, char *err, size_t errlen)
{
    uint32_t i;

    if (strcmp(c->info.job, job) != 0) {
        snprintf(err, errlen, "lease credential is for job %s, not job %s",
                 c->info.job, job);
        return GVC_ERR_DENIED;
    }
    if (c->info.uid != uid) {
        snprintf(err, errlen, "lease of job %s belongs to uid %u; the "
                 "client is uid %u", job, (unsigned)c->info.uid,
                 (unsigned)uid);
        return GVC_ERR_DENIED;
    }
    if (c->info.expires_ms <= now_ms) {
        snprintf(err, errlen, "lease of job %s expired %" PRId64 " s ago",
                 job, (now_ms - c->info.expires_ms) / 1000);
        return GVC_ERR_DENIED;
    }
    for (i = 0; i < c->n_uuids; i++) {
        if (strcmp(c->uuids[i], gpu_uuid) == 0) {
            return GVC_OK;
        }
    }
    snprintf(err, errlen, "GPU %s is not leased to job %s", gpu_uuid, job);
    return GVC_ERR_DENIED;
}

gvc_status_t gvr_cred_verify(const gvr_key_t *key, const char *cred,
                             const char *job, const char *gpu_uuid,
                             uint32_t uid, int64_t now_ms,
                             gvr_lease_info_t *info_p, char *err,
                             size_t errlen)
{
    gvr_cred_t *c;
    gvc_status_t st;

    c = malloc(sizeof(*c));
    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        return GVC_ERR_NOMEM;
    }
    st = gvr_cred_parse(key, cred, c, err, errlen);
    if (st == GVC_OK) {
        st = cred_claims(c, job != NULL ? job : "",
                         gpu_uuid != NULL ? gpu_uuid : "", uid, now_ms, err,
                         errlen);
    }
    if (st == GVC_OK && info_p != NULL) {
        *info_p = c->info;
    }
    free(c);
    return st;
}
