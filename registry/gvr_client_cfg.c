/*
 * gvr_client_cfg.c - the [registry] section as a config table of its own
 * (gvctl, the frontend) and its loader.
 */
#include "config.h"

#include "gvr_client.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* GVR_CLIENT_CFG_FIELDS names a member inside a larger struct; for a
 * bare gvr_client_config_t we wrap it as the first (offset 0) member. */
typedef struct client_cfg_wrap {
    gvr_client_config_t c;
} client_cfg_wrap_t;

static const gvc_cfg_field_t wrap_fields[] = {
    GVR_CLIENT_CFG_FIELDS(client_cfg_wrap_t, c)
};

/* Other programs' sections are not ours to judge; unknown keys inside
 * [registry] are typos and stay errors. */
static int client_cfg_extra(void *obj, const char *section, const char *key,
                            const char *value, char *err, size_t errlen)
{
    return strcasecmp(section, "registry") == 0 ? 0 : 1;
}

const gvc_cfg_table_t gvr_client_cfg_table =
    GVC_CFG_TABLE(wrap_fields, client_cfg_extra);

gvc_status_t gvr_client_config_load(const char *path,
                                    gvr_client_config_t *cfg_p, char *err,
                                    size_t errlen)
{
    gvc_status_t st;

    memset(cfg_p, 0, sizeof(*cfg_p));
    st = gvc_cfg_defaults(&gvr_client_cfg_table, cfg_p);
    if (st != GVC_OK) {
        snprintf(err, errlen, "cannot set registry defaults: %s",
                 gvc_status_str(st));
        return st;
    }
    if (path != NULL) {
        st = gvc_cfg_load_file(&gvr_client_cfg_table, cfg_p, path, err,
                               errlen);
        if (st != GVC_OK) {
            return st;
        }
    }
    return gvc_cfg_apply_env(&gvr_client_cfg_table, cfg_p, err, errlen);
}

void gvr_client_config_free(gvr_client_config_t *cfg)
{
    gvc_cfg_free(&gvr_client_cfg_table, cfg);
}
