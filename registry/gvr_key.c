/*
 * gvr_key.c - key files (shared secret, lease key), HMAC and randomness,
 * all through libcrypto.
 */
#include "config.h"

#include "gvr_auth.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A key file must be private to whoever reads it: a secret that others
 * can read is no secret, and one that another user owns could be
 * swapped under us. */
static gvc_status_t key_check_mode(const char *path, const struct stat *st,
                                   char *err, size_t errlen)
{
    uid_t me = geteuid();

    if (!S_ISREG(st->st_mode)) {
        snprintf(err, errlen, "key file %s is not a regular file", path);
        return GVC_ERR_DENIED;
    }
    if (st->st_uid != me && st->st_uid != 0) {
        snprintf(err, errlen, "key file %s is owned by uid %u, not by "
                 "uid %u (who reads it) or root", path,
                 (unsigned)st->st_uid, (unsigned)me);
        return GVC_ERR_DENIED;
    }
    if ((st->st_mode & 077) != 0) {
        snprintf(err, errlen, "key file %s is accessible by group or "
                 "others (mode %04o); run: chmod 600 %s", path,
                 (unsigned)(st->st_mode & 07777), path);
        return GVC_ERR_DENIED;
    }
    return GVC_OK;
}

static gvc_status_t key_read(int fd, const char *path, gvr_key_t *key,
                             char *err, size_t errlen)
{
    uint8_t buf[GVR_KEY_MAX + 1];
    size_t n = 0;
    ssize_t r;

    while (n < sizeof(buf)) {
        r = read(fd, buf + n, sizeof(buf) - n);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            snprintf(err, errlen, "cannot read key file %s: %s", path,
                     strerror(errno));
            return GVC_ERR_IO;
        }
        if (r == 0) {
            break;
        }
        n += (size_t)r;
    }
    while (n > 0 && isspace(buf[n - 1])) {
        n--;
    }
    if (n > GVR_KEY_MAX) {
        snprintf(err, errlen, "key file %s is longer than %d bytes", path,
                 GVR_KEY_MAX);
        return GVC_ERR_CONFIG;
    }
    if (n < GVR_KEY_MIN) {
        snprintf(err, errlen, "key file %s holds %zu bytes; at least %d "
                 "are needed (gvctl keygen %s)", path, n, GVR_KEY_MIN, path);
        return GVC_ERR_CONFIG;
    }
    memcpy(key->bytes, buf, n);
    key->len = n;
    OPENSSL_cleanse(buf, sizeof(buf));
    return GVC_OK;
}

gvc_status_t gvr_key_load(const char *path, gvr_key_t *key_p, char *err,
                          size_t errlen)
{
    struct stat st;
    gvc_status_t st_;
    int fd;

    gvr_key_clear(key_p);
    if (path == NULL || path[0] == '\0') {
        snprintf(err, errlen, "no key file configured");
        return GVC_ERR_CONFIG;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open key file %s: %s%s%s", path,
                 strerror(errno),
                 errno == ENOENT ? " (create one with: gvctl keygen " : "",
                 errno == ENOENT ? path : "");
        if (errno == ENOENT) {
            strncat(err, ")", errlen - strlen(err) - 1);
        }
        return errno == EACCES ? GVC_ERR_DENIED : GVC_ERR_IO;
    }
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot stat key file %s: %s", path,
                 strerror(errno));
        close(fd);
        return GVC_ERR_IO;
    }
    st_ = key_check_mode(path, &st, err, errlen);
    if (st_ == GVC_OK) {
        st_ = key_read(fd, path, key_p, err, errlen);
    }
    close(fd);
    return st_;
}

gvc_status_t gvr_key_generate(const char *path, char *err, size_t errlen)
{
    static const char hex[] = "0123456789abcdef";
    uint8_t raw[32];
    char text[2 * sizeof(raw) + 1];
    int fd;

    if (gvr_random(raw, sizeof(raw)) != GVC_OK) {
        snprintf(err, errlen, "no random bytes from libcrypto");
        return GVC_ERR_INTERNAL;
    }
    for (size_t i = 0; i < sizeof(raw); i++) {
        text[2 * i] = hex[raw[i] >> 4];
        text[2 * i + 1] = hex[raw[i] & 15];
    }
    text[2 * sizeof(raw)] = '\n';
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot create key file %s: %s", path,
                 strerror(errno));
        return errno == EEXIST ? GVC_ERR_BUSY : GVC_ERR_IO;
    }
    if (write(fd, text, sizeof(text)) != (ssize_t)sizeof(text) ||
        fsync(fd) != 0) {
        snprintf(err, errlen, "cannot write key file %s: %s", path,
                 strerror(errno));
        close(fd);
        unlink(path);
        return GVC_ERR_IO;
    }
    close(fd);
    OPENSSL_cleanse(raw, sizeof(raw));
    OPENSSL_cleanse(text, sizeof(text));
    return GVC_OK;
}

void gvr_key_clear(gvr_key_t *key)
{
    OPENSSL_cleanse(key, sizeof(*key));
}

gvc_status_t gvr_hmac(const gvr_key_t *key, const void *data, size_t len,
                      uint8_t out[GVR_HMAC_LEN])
{
    unsigned int n = 0;

    if (key == NULL || key->len == 0) {
        return GVC_ERR_INVALID;
    }
    if (HMAC(EVP_sha256(), key->bytes, (int)key->len, data, len, out,
             &n) == NULL || n != GVR_HMAC_LEN) {
        return GVC_ERR_INTERNAL;
    }
    return GVC_OK;
}

gvc_status_t gvr_random(void *buf, size_t n)
{
    return RAND_bytes(buf, (int)n) == 1 ? GVC_OK : GVC_ERR_INTERNAL;
}

void gvr_crypto_thread_done(void)
{
    OPENSSL_thread_stop();
}
