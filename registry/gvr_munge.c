/*
 * gvr_munge.c - MUNGE credentials through libmunge.  Each call uses its
 * own context (libmunge contexts are not thread-safe), so any thread may
 * call these.
 *
 * libmunge is loaded with dlopen on first use, not linked: libgvrclient
 * lives inside the CUDA frontend (libgvirtus.so), which runs on client
 * nodes and in containers that may lack libmunge, and needs it only when
 * [registry] auth = munge.  munge.h still gives the types at build time.
 */
#include "config.h"

#include "gvr_auth.h"

#include <dlfcn.h>
#include <munge.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MUNGE_SONAME "libmunge.so.2"

/* The libmunge functions we call, resolved once. */
static struct {
    pthread_once_t once;
    void *dl;                       /* NULL: not loaded (why in error) */
    char error[256];
    munge_ctx_t (*ctx_create)(void);
    void (*ctx_destroy)(munge_ctx_t);
    munge_err_t (*ctx_set)(munge_ctx_t, int, ...);
    const char *(*ctx_strerror)(munge_ctx_t);
    const char *(*strerror)(munge_err_t);
    munge_err_t (*encode)(char **, munge_ctx_t, const void *, int);
    munge_err_t (*decode)(const char *, munge_ctx_t, void **, int *, uid_t *,
                          gid_t *);
} M = { .once = PTHREAD_ONCE_INIT };

static int munge_sym(void **fn_p, const char *name)
{
    *fn_p = dlsym(M.dl, name);
    if (*fn_p == NULL) {
        snprintf(M.error, sizeof(M.error), "%s lacks %s", MUNGE_SONAME,
                 name);
        return -1;
    }
    return 0;
}

static void munge_load(void)
{
    const char *e;

    M.dl = dlopen(MUNGE_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (M.dl == NULL) {
        e = dlerror();
        snprintf(M.error, sizeof(M.error), "cannot load %s (install the "
                 "munge package, or use auth = secret): %s", MUNGE_SONAME,
                 e ? e : "not found");
        return;
    }
    if (munge_sym((void **)&M.ctx_create, "munge_ctx_create") != 0 ||
        munge_sym((void **)&M.ctx_destroy, "munge_ctx_destroy") != 0 ||
        munge_sym((void **)&M.ctx_set, "munge_ctx_set") != 0 ||
        munge_sym((void **)&M.ctx_strerror, "munge_ctx_strerror") != 0 ||
        munge_sym((void **)&M.strerror, "munge_strerror") != 0 ||
        munge_sym((void **)&M.encode, "munge_encode") != 0 ||
        munge_sym((void **)&M.decode, "munge_decode") != 0) {
        dlclose(M.dl);
        M.dl = NULL;
    }
}

/* Load libmunge if not yet done; 0, or -1 with the reason in err. */
static int munge_ready(char *err, size_t errlen)
{
    pthread_once(&M.once, munge_load);
    if (M.dl == NULL) {
        snprintf(err, errlen, "%s", M.error);
        return -1;
    }
    return 0;
}

int gvr_munge_available(void)
{
    pthread_once(&M.once, munge_load);
    return M.dl != NULL;
}

static munge_ctx_t munge_ctx_for(const char *socket, char *err,
                                 size_t errlen)
{
    munge_ctx_t ctx = M.ctx_create();

    if (ctx == NULL) {
        snprintf(err, errlen, "cannot create a MUNGE context");
        return NULL;
    }
    if (socket != NULL && socket[0] != '\0' &&
        M.ctx_set(ctx, MUNGE_OPT_SOCKET, socket) != EMUNGE_SUCCESS) {
        snprintf(err, errlen, "cannot use MUNGE socket %s", socket);
        M.ctx_destroy(ctx);
        return NULL;
    }
    return ctx;
}

/* Socket trouble means munged is absent or dead: an I/O problem, not a
 * refusal; everything else is a credential we must not accept. */
static gvc_status_t munge_status(munge_err_t e)
{
    return e == EMUNGE_SOCKET ? GVC_ERR_IO
         : e == EMUNGE_NO_MEMORY ? GVC_ERR_NOMEM : GVC_ERR_DENIED;
}

gvc_status_t gvr_munge_encode(const char *socket, const void *payload,
                              size_t len, char **cred_p, char *err,
                              size_t errlen)
{
    munge_ctx_t ctx;
    munge_err_t e;
    char *cred = NULL;

    *cred_p = NULL;
    if (munge_ready(err, errlen) != 0) {
        return GVC_ERR_NOT_SUPPORTED;
    }
    ctx = munge_ctx_for(socket, err, errlen);
    if (ctx == NULL) {
        return GVC_ERR_NOMEM;
    }
    e = M.encode(&cred, ctx, payload, (int)len);
    if (e != EMUNGE_SUCCESS) {
        snprintf(err, errlen, "cannot make a MUNGE credential: %s",
                 M.ctx_strerror(ctx) ? M.ctx_strerror(ctx) : M.strerror(e));
        M.ctx_destroy(ctx);
        free(cred);
        return munge_status(e);
    }
    M.ctx_destroy(ctx);
    *cred_p = cred;
    return GVC_OK;
}

gvc_status_t gvr_munge_decode(const char *socket, const char *cred,
                              char **payload_p, size_t *len_p,
                              uint32_t *uid_p, char *err, size_t errlen)
{
    munge_ctx_t ctx;
    void *buf = NULL;
    int len = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    munge_err_t e;

    *payload_p = NULL;
    *len_p = 0;
    if (munge_ready(err, errlen) != 0) {
        return GVC_ERR_NOT_SUPPORTED;
    }
    ctx = munge_ctx_for(socket, err, errlen);
    if (ctx == NULL) {
        return GVC_ERR_NOMEM;
    }
    e = M.decode(cred, ctx, &buf, &len, &uid, &gid);
    if (e != EMUNGE_SUCCESS) {
        snprintf(err, errlen, "MUNGE credential refused: %s",
                 M.ctx_strerror(ctx) ? M.ctx_strerror(ctx) : M.strerror(e));
        M.ctx_destroy(ctx);
        free(buf);
        return munge_status(e);
    }
    M.ctx_destroy(ctx);
    if (buf == NULL) {
        buf = strdup("");
        if (buf == NULL) {
            return GVC_ERR_NOMEM;
        }
    }
    *payload_p = buf;
    *len_p = (size_t)len;
    *uid_p = (uint32_t)uid;
    return GVC_OK;
}
