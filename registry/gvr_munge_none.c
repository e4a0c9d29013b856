/*
 * gvr_munge_none.c - stand-in for gvr_munge.c in builds without libmunge:
 * every MUNGE call says so, so a misconfigured "auth = munge" fails with
 * a clear reason instead of a link error or a silent bypass.
 */
#include "config.h"

#include "gvr_auth.h"

#include <stdio.h>

int gvr_munge_available(void)
{
    return 0;
}

gvc_status_t gvr_munge_encode(const char *socket, const void *payload,
                              size_t len, char **cred_p, char *err,
                              size_t errlen)
{
    *cred_p = NULL;
    snprintf(err, errlen, "this gvirtus was built without MUNGE "
             "(libmunge-dev); use auth = secret");
    return GVC_ERR_NOT_SUPPORTED;
}

gvc_status_t gvr_munge_decode(const char *socket, const char *cred,
                              char **payload_p, size_t *len_p,
                              uint32_t *uid_p, char *err, size_t errlen)
{
    *payload_p = NULL;
    *len_p = 0;
    snprintf(err, errlen, "this gvirtus was built without MUNGE "
             "(libmunge-dev); use auth = secret");
    return GVC_ERR_NOT_SUPPORTED;
}
