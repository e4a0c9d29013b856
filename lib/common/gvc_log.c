#include "config.h"

#include "gvc_log.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static _Atomic int log_level = GVC_LOG_WARN;
static char log_component[32] = "gvirtus";
static gvc_log_sink_t log_sink;
static void *log_sink_arg;
static int log_target = GVC_LOG_TO_STDERR;
static __thread char log_ctx[128];
__thread const char *gvc_log_call_;

static const struct {
    const char *name;
    int level;
} level_names[] = {
    { "trace", GVC_LOG_TRACE }, { "debug", GVC_LOG_DEBUG },
    { "info", GVC_LOG_INFO },   { "warn", GVC_LOG_WARN },
    { "warning", GVC_LOG_WARN }, { "error", GVC_LOG_ERROR },
    { "fatal", GVC_LOG_FATAL }, { "off", GVC_LOG_OFF },
};

int gvc_log_parse_level(const char *text, int *level_p)
{
    char *end;
    long v;

    if (text == NULL || *text == '\0') {
        return -1;
    }
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]);
         i++) {
        if (strcasecmp(text, level_names[i].name) == 0) {
            *level_p = level_names[i].level;
            return 0;
        }
    }
    v = strtol(text, &end, 10);
    if (*end != '\0' || v < 0 || v > GVC_LOG_OFF) {
        return -1;
    }
    *level_p = (int)v;
    return 0;
}

const char *gvc_log_level_name(int level)
{
    if (level >= GVC_LOG_OFF) {
        return "OFF";
    } else if (level >= GVC_LOG_FATAL) {
        return "FATAL";
    } else if (level >= GVC_LOG_ERROR) {
        return "ERROR";
    } else if (level >= GVC_LOG_WARN) {
        return "WARN";
    } else if (level >= GVC_LOG_INFO) {
        return "INFO";
    } else if (level >= GVC_LOG_DEBUG) {
        return "DEBUG";
    }
    return "TRACE";
}

void gvc_log_init(const char *component, int def_level)
{
    const char *env = getenv("GVIRTUS_LOGLEVEL");
    int level = def_level;

    if (component != NULL) {
        snprintf(log_component, sizeof(log_component), "%s", component);
    }
    if (env != NULL && gvc_log_parse_level(env, &level) != 0) {
        level = def_level;
        atomic_store(&log_level, level);
        gvc_warn("GVIRTUS_LOGLEVEL='%s' is not a level (0..50000 or "
                 "trace/debug/info/warn/error/fatal); using %d", env, level);
        return;
    }
    atomic_store(&log_level, level);
}

int gvc_log_level(void)
{
    return atomic_load_explicit(&log_level, memory_order_relaxed);
}

void gvc_log_set_level(int level)
{
    atomic_store(&log_level, level);
}

int gvc_log_enabled(int level)
{
    return level >= atomic_load_explicit(&log_level, memory_order_relaxed);
}

void gvc_log_set_sink(gvc_log_sink_t sink, void *arg)
{
    log_sink_arg = arg;
    log_sink = sink;
}

void gvc_log_set_context(const char *ctx)
{
    snprintf(log_ctx, sizeof(log_ctx), "%s", ctx != NULL ? ctx : "");
}

int gvc_log_parse_target(const char *text, int *target_p)
{
    if (text != NULL && strcasecmp(text, "stderr") == 0) {
        *target_p = GVC_LOG_TO_STDERR;
        return 0;
    }
    if (text != NULL && strcasecmp(text, "syslog") == 0) {
        *target_p = GVC_LOG_TO_SYSLOG;
        return 0;
    }
    return -1;
}

void gvc_log_set_target(int target)
{
    if (target == GVC_LOG_TO_SYSLOG && log_target != GVC_LOG_TO_SYSLOG) {
        /* log_component is static: openlog keeps the pointer. */
        openlog(log_component, LOG_PID, LOG_DAEMON);
    } else if (target != GVC_LOG_TO_SYSLOG &&
               log_target == GVC_LOG_TO_SYSLOG) {
        closelog();
    }
    log_target = target;
}

static int syslog_priority(int level)
{
    if (level >= GVC_LOG_FATAL) {
        return LOG_CRIT;
    } else if (level >= GVC_LOG_ERROR) {
        return LOG_ERR;
    } else if (level >= GVC_LOG_WARN) {
        return LOG_WARNING;
    } else if (level >= GVC_LOG_INFO) {
        return LOG_INFO;
    }
    return LOG_DEBUG;
}

void gvc_log_vmsg(int level, const char *fmt, va_list ap)
{
    char line[1024];
    struct timeval tv;
    struct tm tm;
    size_t n;
    int r;

    if (log_target == GVC_LOG_TO_SYSLOG && log_sink == NULL) {
        r = 0; /* syslog stamps time, ident and pid itself */
    } else {
        gettimeofday(&tv, NULL);
        localtime_r(&tv.tv_sec, &tm);
        r = snprintf(line, sizeof(line), "%02d:%02d:%02d.%03ld %s[%d] ",
                     tm.tm_hour, tm.tm_min, tm.tm_sec,
                     (long)tv.tv_usec / 1000, log_component, (int)getpid());
    }
    n = r > 0 ? (size_t)r : 0;
    r = snprintf(line + n, sizeof(line) - n, "%s%s%s%s%s%s: ",
                 gvc_log_level_name(level), log_ctx[0] ? " [" : "", log_ctx,
                 log_ctx[0] ? "]" : "", gvc_log_call_ ? " " : "",
                 gvc_log_call_ ? gvc_log_call_ : "");
    n += r > 0 ? (size_t)r : 0;
    if (n < sizeof(line)) {
        r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
        n += r > 0 ? (size_t)r : 0;
    }
    if (n >= sizeof(line) - 1) {
        n = sizeof(line) - 2; /* truncated: keep room for the newline */
    }
    if (log_sink != NULL) {
        line[n] = '\0';
        log_sink(level, line, log_sink_arg);
        return;
    }
    if (log_target == GVC_LOG_TO_SYSLOG) {
        line[n] = '\0';
        syslog(syslog_priority(level), "%s", line);
        return;
    }
    line[n++] = '\n';
    /* One write per line: lines from threads and processes stay whole. */
    if (write(STDERR_FILENO, line, n) < 0) {
        /* Nowhere left to report it. */
    }
}

void gvc_log_msg(int level, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    gvc_log_vmsg(level, fmt, ap);
    va_end(ap);
}
