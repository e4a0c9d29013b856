/*
 * gvc_log.h - logging on the seed's GVIRTUS_LOGLEVEL scale.
 *
 * Levels are the log4cplus numbers GVirtuS users already set:
 * 0 trace, 10000 debug, 20000 info, 30000 warn, 40000 error, 50000 fatal.
 * Messages at or above the threshold go to the sink (stderr by default,
 * never stdout: the frontend lives inside the user's program), or to
 * syslog for daemons that are told so (log_target = syslog).  A line is
 * formatted in one buffer and written with one call, so lines from several
 * threads or processes never interleave.  All functions are thread-safe,
 * except that the target, component and sink are set at start-up, before
 * threads log.
 */
#ifndef GVC_LOG_H
#define GVC_LOG_H

#include <stdarg.h>

enum {
    GVC_LOG_TRACE = 0,
    GVC_LOG_DEBUG = 10000,
    GVC_LOG_INFO  = 20000,
    GVC_LOG_WARN  = 30000,
    GVC_LOG_ERROR = 40000,
    GVC_LOG_FATAL = 50000,
    GVC_LOG_OFF   = 60000
};

/* Where formatted lines go; line has no trailing newline. */
typedef void (*gvc_log_sink_t)(int level, const char *line, void *arg);

/*
 * Set the component name shown on each line ("gvd", "client", ...) and the
 * threshold: GVIRTUS_LOGLEVEL when set and valid, otherwise def_level.
 * May be called again (e.g. after a config file was read).
 */
void gvc_log_init(const char *component, int def_level);

/* Threshold get/set; gvc_log_enabled() is the cheap test used by macros. */
int gvc_log_level(void);
void gvc_log_set_level(int level);
int gvc_log_enabled(int level);

/* Parse a level: a number or a name (trace, debug, info, warn, error,
 * fatal, off).  Returns 0 and sets *level_p, or -1 when unrecognised. */
int gvc_log_parse_level(const char *text, int *level_p);
const char *gvc_log_level_name(int level);

/* Replace the sink; NULL restores the target (stderr or syslog). */
void gvc_log_set_sink(gvc_log_sink_t sink, void *arg);

/* Where lines go when no sink is set. */
enum { GVC_LOG_TO_STDERR, GVC_LOG_TO_SYSLOG };
/* "stderr" or "syslog".  0 and *target_p, or -1 when unrecognised. */
int gvc_log_parse_target(const char *text, int *target_p);
/* syslog: openlog() with the component as ident, the pid, facility
 * daemon; each level maps to its syslog priority (trace and debug to
 * LOG_DEBUG, fatal to LOG_CRIT), and the line leaves out the time and
 * pid syslog adds itself.  The journal takes either. */
void gvc_log_set_target(int target);

/* Set a context tag printed on each line of this thread (e.g. "client 7"). */
void gvc_log_set_context(const char *ctx);

/* The call this thread is executing, printed after the context; name
 * must outlive the call (a static string); NULL: none.  Inline, one
 * thread-local store: cheap enough to set around every call. */
extern __thread const char *gvc_log_call_; /* set it through this: */
static inline void gvc_log_set_call(const char *name)
{
    gvc_log_call_ = name;
}

void gvc_log_msg(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void gvc_log_vmsg(int level, const char *fmt, va_list ap);

#define GVC_LOG(level, ...)                                                   \
    do {                                                                      \
        if (gvc_log_enabled(level)) {                                         \
            gvc_log_msg((level), __VA_ARGS__);                                \
        }                                                                     \
    } while (0)

#define gvc_trace(...) GVC_LOG(GVC_LOG_TRACE, __VA_ARGS__)
#define gvc_debug(...) GVC_LOG(GVC_LOG_DEBUG, __VA_ARGS__)
#define gvc_info(...)  GVC_LOG(GVC_LOG_INFO, __VA_ARGS__)
#define gvc_warn(...)  GVC_LOG(GVC_LOG_WARN, __VA_ARGS__)
#define gvc_error(...) GVC_LOG(GVC_LOG_ERROR, __VA_ARGS__)
#define gvc_fatal(...) GVC_LOG(GVC_LOG_FATAL, __VA_ARGS__)

#endif
