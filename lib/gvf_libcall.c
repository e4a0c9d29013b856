/*
 * gvf_libcall.c - the call plumbing the libraries with a status of their
 * own share (gvf_libcall.h): one implementation on int statuses, each
 * library's differences read from its descriptor.
 */
#include "config.h"

#include "gvf_libcall.h"
#include "gvf_obj.h"

#include <library_types.h>

/* What a gvc_status_t means to a library's caller. */
enum cls { CLS_OK, CLS_INVALID, CLS_NOMEM, CLS_UNSUPPORTED, CLS_UNINIT,
           CLS_LOST };

static enum cls classify(gvc_status_t st)
{
    switch (st) {
    case GVC_OK:
        return CLS_OK;
    case GVC_ERR_INVALID:
    case GVC_ERR_OVERFLOW:
        return CLS_INVALID;
    case GVC_ERR_NOMEM:
        return CLS_NOMEM;
    case GVC_ERR_NOT_SUPPORTED:
        return CLS_UNSUPPORTED;
    case GVC_ERR_NO_DEVICE:
    case GVC_ERR_CONFIG:
    case GVC_ERR_DENIED:
    case GVC_ERR_VERSION:
    case GVC_ERR_FORKED: /* a forked child: CUDA cannot be used there */
        return CLS_UNINIT;
    default:
        /* The remote GPU is gone (worker died, network down, stalled). */
        return CLS_LOST;
    }
}

int gvf_lib_status(const gvf_lib_t *lib, gvc_status_t st)
{
    switch (classify(st)) {
    case CLS_OK:
        return lib->ok;
    case CLS_INVALID:
        return lib->invalid;
    case CLS_NOMEM:
        return lib->nomem;
    case CLS_UNSUPPORTED:
        return lib->unsupported;
    case CLS_UNINIT:
        return lib->uninit;
    default:
        return lib->lost;
    }
}

int gvf_lib_begin(const gvf_lib_t *lib, gvf_call_t *c, uint32_t api,
                  size_t args_hint)
{
    return gvf_lib_status(lib, gvf_call_begin(c, api, args_hint));
}

int gvf_lib_begin_on(const gvf_lib_t *lib, gvf_call_t *c, gvf_dev_t *dev,
                     uint32_t api, size_t args_hint)
{
    return gvf_lib_status(lib, gvf_call_init(c, dev, api, args_hint));
}

/* The live record h serving as kind: one of that kind or, where kind is
 * lib's alias, of the kind standing in for it. */
static gvc_status_t find(const gvf_lib_t *lib, const void *h, int kind,
                         gvf_obj_t *o)
{
    if (lib->alias_kind == 0 || kind != lib->alias_kind) {
        return gvf_obj_get(h, kind, o);
    }
    if (gvf_obj_get(h, 0, o) != GVC_OK ||
        (o->kind != kind && o->kind != lib->alias_of)) {
        return GVC_ERR_INVALID;
    }
    return GVC_OK;
}

int gvf_lib_begin_route(const gvf_lib_t *lib, gvf_call_t *c, uint32_t api,
                        const void *h, int kind, void **remote_p,
                        size_t args_hint)
{
    gvf_obj_t o;

    if (find(lib, h, kind, &o) != GVC_OK) {
        return kind == lib->handle_kind ? lib->bad_handle : lib->bad_first;
    }
    *remote_p = o.remote;
    return gvf_lib_begin_on(lib, c, o.dev, api, args_hint);
}

int gvf_lib_xlate(const gvf_lib_t *lib, gvf_call_t *c, const void *h,
                  int kind, void **remote_p)
{
    gvf_obj_t o;

    if (h == NULL) {
        *remote_p = NULL;       /* the worker says what NULL means */
        return lib->ok;
    }
    if (find(lib, h, kind, &o) != GVC_OK || o.dev != c->dev) {
        return lib->bad_other;
    }
    *remote_p = o.remote;
    return lib->ok;
}

int gvf_lib_ok(const gvf_lib_t *lib, const gvf_call_t *c, gvc_status_t st)
{
    return st == GVC_OK && c->reply.result == lib->ok;
}

int gvf_lib_end(const gvf_lib_t *lib, gvf_call_t *c, gvc_status_t st)
{
    int err;

    if (st != GVC_OK) {
        err = gvf_lib_status(lib, st);
        if (classify(st) == CLS_LOST) {
            gvf_report_lost(c->dev, st, lib->reported, lib->lost_msg);
        }
    } else {
        err = (int)c->reply.result;
    }
    gvf_call_fini(c);
    return err;
}

int gvf_lib_unsupported(const gvf_lib_t *lib, const char *fn)
{
    gvf_warn_unsupported(fn, lib->unsupported_msg);
    return lib->unsupported;
}

int gvf_lib_wrap(const gvf_lib_t *lib, const gvf_call_t *c, int kind,
                 void **obj_p)
{
    void *obj;

    if (obj_p == NULL) {
        return lib->invalid;
    }
    if (gvf_obj_new(kind, c->dev, *obj_p, &obj) != GVC_OK) {
        *obj_p = NULL;
        return lib->nomem;
    }
    *obj_p = obj;
    return lib->ok;
}

int gvf_lib_forget(const gvf_lib_t *lib, const void *obj, int kind)
{
    gvf_obj_free(obj, kind);
    return lib->ok;
}

int gvf_lib_property(const gvf_lib_t *lib, int type, int major, int minor,
                     int patch, int *value_p)
{
    if (value_p == NULL) {
        return lib->invalid;
    }
    switch (type) {
    case MAJOR_VERSION:
        *value_p = major;
        return lib->ok;
    case MINOR_VERSION:
        *value_p = minor;
        return lib->ok;
    case PATCH_LEVEL:
        *value_p = patch;
        return lib->ok;
    default:
        return lib->invalid;
    }
}
