/*
 * gvr_munge.c - MUNGE credentials through libmunge.  Each call uses its
 * own context (libmunge contexts are not thread-safe), so any thread may
 * call these.
 */
#include "config.h"

#include "gvr_auth.h"

#include <munge.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gvr_munge_available(void)
{
    return 1;
}

static munge_ctx_t munge_ctx_for(const char *socket, char *err,
                                 size_t errlen)
{
    munge_ctx_t ctx = munge_ctx_create();

    if (ctx == NULL) {
        snprintf(err, errlen, "cannot create a MUNGE context");
        return NULL;
    }
    if (socket != NULL && socket[0] != '\0' &&
        munge_ctx_set(ctx, MUNGE_OPT_SOCKET, socket) != EMUNGE_SUCCESS) {
        snprintf(err, errlen, "cannot use MUNGE socket %s", socket);
        munge_ctx_destroy(ctx);
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
    munge_ctx_t ctx = munge_ctx_for(socket, err, errlen);
    munge_err_t e;
    char *cred = NULL;

    *cred_p = NULL;
    if (ctx == NULL) {
        return GVC_ERR_NOMEM;
    }
    e = munge_encode(&cred, ctx, payload, (int)len);
    if (e != EMUNGE_SUCCESS) {
        snprintf(err, errlen, "cannot make a MUNGE credential: %s",
                 munge_ctx_strerror(ctx) ? munge_ctx_strerror(ctx)
                                         : munge_strerror(e));
        munge_ctx_destroy(ctx);
        free(cred);
        return munge_status(e);
    }
    munge_ctx_destroy(ctx);
    *cred_p = cred;
    return GVC_OK;
}

gvc_status_t gvr_munge_decode(const char *socket, const char *cred,
                              char **payload_p, size_t *len_p,
                              uint32_t *uid_p, char *err, size_t errlen)
{
    munge_ctx_t ctx = munge_ctx_for(socket, err, errlen);
    void *buf = NULL;
    int len = 0;
    uid_t uid = 0;
    gid_t gid = 0;
    munge_err_t e;

    *payload_p = NULL;
    *len_p = 0;
    if (ctx == NULL) {
        return GVC_ERR_NOMEM;
    }
    e = munge_decode(cred, ctx, &buf, &len, &uid, &gid);
    if (e != EMUNGE_SUCCESS) {
        snprintf(err, errlen, "MUNGE credential refused: %s",
                 munge_ctx_strerror(ctx) ? munge_ctx_strerror(ctx)
                                         : munge_strerror(e));
        munge_ctx_destroy(ctx);
        free(buf);
        return munge_status(e);
    }
    munge_ctx_destroy(ctx);
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
