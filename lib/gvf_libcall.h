/*
 * gvf_libcall.h - the call plumbing of the libraries that return a status
 * of their own (cuBLAS and cuBLASLt, cuDNN, cuRAND, cuSOLVER, cuFFT,
 * NVRTC, cuSPARSE): starting a call on the thread's GPU or on a record's,
 * translating further records, finishing it (the one place a
 * gvc_status_t becomes the library's status), and the not-supported
 * stubs' logging.
 *
 * The logic is written once here, on int statuses, and reads what
 * differs from a library's descriptor (gvf_lib_t): its status for each
 * kind of failure, how it refuses a record, its messages.  Each library
 * defines its descriptor (lib/cusparse/cusparse_call.c, ...) and
 * declares its typed calls (gvsp_begin, gvsp_end, ...: what the
 * generated stubs and the hand-written files call) in its header with
 * GVF_LIBCALL() and, when its objects are gvf_obj records,
 * GVF_LIBCALL_RECORDS(): inline wrappers that only convert the status
 * type, so they are no second copy of the logic.
 *
 * Threads: everything here is thread-safe (a call is the calling
 * thread's; records and the lost-device bits are atomic or locked).
 */
#ifndef GVF_LIBCALL_H
#define GVF_LIBCALL_H

#include "gvf.h"

/* A library's call plumbing, constant (one per library, in its
 * *_call.c).  Statuses are the library's enum values as ints. */
typedef struct gvf_lib {
    const char *name;           /* "cuSPARSE", for messages */
    /* gvc_status_t -> the library's status (gvf_lib_status). */
    int ok;                     /* GVC_OK */
    int invalid;                /* GVC_ERR_INVALID, GVC_ERR_OVERFLOW */
    int nomem;                  /* GVC_ERR_NOMEM */
    int unsupported;            /* GVC_ERR_NOT_SUPPORTED; the stubs too */
    int uninit;                 /* no device or server, refused, forked */
    int lost;                   /* anything else: the remote GPU is gone */
    /* A record refused (forged, stale, another kind, another GPU):
     * by gvf_lib_begin_route as the handle (kind handle_kind) or as
     * another kind, by gvf_lib_xlate. */
    int handle_kind;
    int bad_handle;
    int bad_first;
    int bad_other;
    /* A record of kind alias_of also serves where alias_kind is asked
     * (cuBLAS: a cublasHandle_t is a cublasLtHandle_t).  0: none. */
    int alias_kind;
    int alias_of;
    /* Logged once per device when it is lost: "GPU n (host:port#g):
     * <status>; <lost_msg>"; once per stub: "fn is not supported by
     * gvirtus; <unsupported_msg>".  GVF_LIB_LOST/GVF_LIB_UNSUPPORTED
     * set them with the status they name (and the name). */
    const char *lost_msg;
    const char *unsupported_msg;
    /* The library's bit per device ordinal already reported lost
     * (gvf_report_lost); each library (each copy of one) has its own. */
    _Atomic unsigned long *reported;
} gvf_lib_t;

/* Designated initialisers of a descriptor: a status and the message
 * that names it, so the two cannot disagree.  GVF_LIB_LOST sets the
 * library's name too. */
#define GVF_LIB_LOST(lname, s)                                              \
    .name = lname, .lost = (s),                                             \
    .lost_msg = lname " calls on it fail with " #s
#define GVF_LIB_UNSUPPORTED(s)                                              \
    .unsupported = (s), .unsupported_msg = "returning " #s

/* The one mapping of gvc_status_t to lib's status. */
int gvf_lib_status(const gvf_lib_t *lib, gvc_status_t st);

/* Start a call on the thread's current device (no record), or on dev.
 * On failure returns the error and c needs no gvf_lib_end(). */
int gvf_lib_begin(const gvf_lib_t *lib, gvf_call_t *c, uint32_t api,
                  size_t args_hint);
int gvf_lib_begin_on(const gvf_lib_t *lib, gvf_call_t *c, gvf_dev_t *dev,
                     uint32_t api, size_t args_hint);

/* Start a call about record h of kind: on its GPU, with the worker's
 * value in *remote_p.  Anything that is not a live record of that kind
 * (or of lib's alias) is refused: lib->bad_handle when kind is
 * lib->handle_kind, lib->bad_first otherwise. */
int gvf_lib_begin_route(const gvf_lib_t *lib, gvf_call_t *c, uint32_t api,
                        const void *h, int kind, void **remote_p,
                        size_t args_hint);

/* Another record of the call (NULL passes as NULL: the worker says what
 * it means; same GPU required): its worker value.  lib->bad_other
 * otherwise. */
int gvf_lib_xlate(const gvf_lib_t *lib, gvf_call_t *c, const void *h,
                  int kind, void **remote_p);

/* True when the call reached the worker and returned success. */
int gvf_lib_ok(const gvf_lib_t *lib, const gvf_call_t *c, gvc_status_t st);

/* Finish a call: free it, map st / the remote result to the status; a
 * lost GPU is logged once per device. */
int gvf_lib_end(const gvf_lib_t *lib, gvf_call_t *c, gvc_status_t st);

/* A function gvirtus does not remote: log once, lib->unsupported. */
int gvf_lib_unsupported(const gvf_lib_t *lib, const char *fn);

/* A library's GetProperty: its version's part type (a
 * libraryPropertyType: MAJOR_VERSION, MINOR_VERSION, PATCH_LEVEL) in
 * *value_p; lib->invalid for a NULL value_p or another type. */
int gvf_lib_property(const gvf_lib_t *lib, int type, int major, int minor,
                     int patch, int *value_p);

/* After a Create succeeded on c's GPU: *obj_p holds the worker's object;
 * replace it with a record of kind (gvf_obj).  lib->invalid where obj_p
 * is NULL; lib->nomem where no record can be made, *obj_p then NULL and
 * the worker's object left to the worker (destroyed when the client
 * leaves). */
int gvf_lib_wrap(const gvf_lib_t *lib, const gvf_call_t *c, int kind,
                 void **obj_p);

/* After a Destroy succeeded (or was sent): forget record obj of kind;
 * lib->ok. */
int gvf_lib_forget(const gvf_lib_t *lib, const void *obj, int kind);

/*
 * A library's typed calls, p_ the prefix (gvsp), T its status type
 * (cusparseStatus_t), lib its descriptor (gvsp_lib):
 *   T p_begin(c, api, args_hint)   start on the thread's current device
 *   T p_abort(c, err)              give up a started call with err
 *   int p_ok(c, st)                the call reached the worker, succeeded
 *   T p_end(c, st)                 finish a call (gvf_lib_end)
 *   T p_fail(err)                  a failure found locally: returns err
 *   T p_status(st)                 the one mapping of gvc_status_t
 *   T p_unsupported(fn)            a not-supported stub: log once
 * and with GVF_LIBCALL_RECORDS, for objects that are gvf_obj records:
 *   T p_begin_route(c, api, h, kind, remote_p, args_hint)
 *   T p_xlate(c, h, kind, remote_p)
 * and with GVF_LIBCALL_WRAP, for libraries whose Creates all make
 * records the same way (gvf_lib_wrap, gvf_lib_forget):
 *   T p_wrap(c, kind, obj_p)
 *   T p_forget(obj, kind)
 */
#define GVF_LIBCALL(p, T, lib)                                              \
    static inline T p##_status(gvc_status_t st)                            \
    {                                                                       \
        return (T)gvf_lib_status(&(lib), st);                              \
    }                                                                       \
    static inline T p##_begin(gvf_call_t *c, uint32_t api,                 \
                              size_t args_hint)                            \
    {                                                                       \
        return (T)gvf_lib_begin(&(lib), c, api, args_hint);                \
    }                                                                       \
    static inline T p##_abort(gvf_call_t *c, T err)                        \
    {                                                                       \
        gvf_call_fini(c);                                                   \
        return err;                                                         \
    }                                                                       \
    static inline int p##_ok(const gvf_call_t *c, gvc_status_t st)         \
    {                                                                       \
        return gvf_lib_ok(&(lib), c, st);                                   \
    }                                                                       \
    static inline T p##_end(gvf_call_t *c, gvc_status_t st)                \
    {                                                                       \
        return (T)gvf_lib_end(&(lib), c, st);                              \
    }                                                                       \
    static inline T p##_fail(T err)                                        \
    {                                                                       \
        return err;                                                         \
    }                                                                       \
    static inline T p##_unsupported(const char *fn)                        \
    {                                                                       \
        return (T)gvf_lib_unsupported(&(lib), fn);                         \
    }

#define GVF_LIBCALL_RECORDS(p, T, lib)                                      \
    static inline T p##_begin_route(gvf_call_t *c, uint32_t api,           \
                                    const void *h, int kind,               \
                                    void **remote_p, size_t args_hint)     \
    {                                                                       \
        return (T)gvf_lib_begin_route(&(lib), c, api, h, kind, remote_p,   \
                                      args_hint);                           \
    }                                                                       \
    static inline T p##_xlate(gvf_call_t *c, const void *h, int kind,      \
                              void **remote_p)                             \
    {                                                                       \
        return (T)gvf_lib_xlate(&(lib), c, h, kind, remote_p);             \
    }

#define GVF_LIBCALL_WRAP(p, T, lib)                                         \
    static inline T p##_wrap(const gvf_call_t *c, int kind, void **obj_p)  \
    {                                                                       \
        return (T)gvf_lib_wrap(&(lib), c, kind, obj_p);                    \
    }                                                                       \
    static inline T p##_forget(const void *obj, int kind)                  \
    {                                                                       \
        return (T)gvf_lib_forget(&(lib), obj, kind);                       \
    }

#endif
