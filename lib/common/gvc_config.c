#include "config.h"

#include "gvc_config.h"
#include "gvc_log.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct cfg_parse {
    const gvc_cfg_table_t *t;
    void *obj;
    char *err;      /* first error message, without the "path:line: " */
    size_t errlen;
    int failed;
    int line;       /* lines read so far (our reader counts them) */
    int err_line;   /* line of our first error */
    FILE *fp;       /* source: a file ... */
    const char *str;/* ... or a string cursor */
} cfg_parse_t;

int gvc_parse_bool(const char *text, int *value_p)
{
    static const char *yes[] = { "1", "yes", "true", "on" };
    static const char *no[] = { "0", "no", "false", "off" };

    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(text, yes[i]) == 0) {
            *value_p = 1;
            return 0;
        }
        if (strcasecmp(text, no[i]) == 0) {
            *value_p = 0;
            return 0;
        }
    }
    return -1;
}

int gvc_parse_hostport(const char *text, char *host, size_t hostlen,
                       int *port_p)
{
    const char *colon, *h = text;
    size_t n;
    char *end;
    long port;

    if (text[0] == '[') {
        colon = strstr(text, "]:");
        h = text + 1;
        n = colon != NULL ? (size_t)(colon - h) : 0;
        colon = colon != NULL ? colon + 1 : NULL;
    } else {
        colon = strrchr(text, ':');
        n = colon != NULL ? (size_t)(colon - text) : 0;
        if (colon != NULL && memchr(text, ':', n) != NULL) {
            return -1; /* a bare IPv6 address: brackets needed */
        }
    }
    if (colon == NULL || n >= hostlen) {
        return -1;
    }
    port = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || port < 1 || port > 65535) {
        return -1;
    }
    memcpy(host, h, n);
    host[n] = '\0';
    if (strcmp(host, "*") == 0) {
        host[0] = '\0';
    }
    *port_p = (int)port;
    return 0;
}

int gvc_parse_size(const char *text, size_t *bytes_p)
{
    unsigned long long v, mult = 1;
    char *end;

    if (!isdigit((unsigned char)text[0])) {
        return -1;
    }
    errno = 0;
    v = strtoull(text, &end, 10);
    if (errno != 0) {
        return -1;
    }
    switch (toupper((unsigned char)*end)) {
    case '\0':
        break;
    case 'K': mult = 1ULL << 10; end++; break;
    case 'M': mult = 1ULL << 20; end++; break;
    case 'G': mult = 1ULL << 30; end++; break;
    case 'T': mult = 1ULL << 40; end++; break;
    default:
        return -1;
    }
    if (mult > 1 && (*end == 'i' || *end == 'I')) {
        end++;
    }
    if (mult > 1 && (*end == 'B' || *end == 'b')) {
        end++;
    }
    if (*end != '\0' || (v != 0 && mult > UINT64_MAX / v) ||
        v * mult > SIZE_MAX) {
        return -1;
    }
    *bytes_p = (size_t)(v * mult);
    return 0;
}

int gvc_parse_msec(const char *text, long *msec_p)
{
    long long v, mult = 1;
    char *end;

    if (!isdigit((unsigned char)text[0])) {
        return -1;
    }
    errno = 0;
    v = strtoll(text, &end, 10);
    if (errno != 0) {
        return -1;
    }
    if (strcmp(end, "ms") == 0 || *end == '\0') {
        mult = 1;
    } else if (strcmp(end, "s") == 0) {
        mult = 1000;
    } else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0) {
        mult = 60000;
    } else {
        return -1;
    }
    if (v > (long long)(LONG_MAX / mult)) {
        return -1;
    }
    *msec_p = (long)(v * mult);
    return 0;
}

static const gvc_cfg_field_t *cfg_find(const gvc_cfg_table_t *t,
                                       const char *section, const char *key)
{
    for (size_t i = 0; i < t->n_fields; i++) {
        const gvc_cfg_field_t *f = &t->fields[i];
        if (strcasecmp(f->section, section) == 0 &&
            strcasecmp(f->key, key) == 0) {
            return f;
        }
    }
    return NULL;
}

static int cfg_in_bounds(const gvc_cfg_field_t *f, long long v)
{
    return f->min > f->max || (v >= f->min && v <= f->max);
}

/* Parse text for field f and store it into obj. */
static gvc_status_t cfg_store(const gvc_cfg_field_t *f, void *obj,
                              const char *text, char *err, size_t errlen)
{
    char *base = (char *)obj + f->offset;
    long long v;
    char *end;
    size_t sz;
    long ms;
    int b;

    switch (f->type) {
    case GVC_CFG_STR: {
        char *copy = strdup(text);
        if (copy == NULL) {
            return GVC_ERR_NOMEM;
        }
        free(*(char **)base);
        *(char **)base = copy;
        return GVC_OK;
    }
    case GVC_CFG_INT:
        errno = 0;
        v = strtoll(text, &end, 0);
        if (errno != 0 || *text == '\0' || *end != '\0') {
            snprintf(err, errlen, "%s.%s: '%s' is not an integer",
                     f->section, f->key, text);
            return GVC_ERR_CONFIG;
        }
        if (!cfg_in_bounds(f, v)) {
            snprintf(err, errlen, "%s.%s: %lld is outside %lld..%lld",
                     f->section, f->key, v, f->min, f->max);
            return GVC_ERR_CONFIG;
        }
        *(long *)base = (long)v;
        return GVC_OK;
    case GVC_CFG_SIZE:
        if (gvc_parse_size(text, &sz) != 0) {
            snprintf(err, errlen, "%s.%s: '%s' is not a size (e.g. 64M)",
                     f->section, f->key, text);
            return GVC_ERR_CONFIG;
        }
        if (!cfg_in_bounds(f, (long long)sz)) {
            snprintf(err, errlen, "%s.%s: %zu is outside %lld..%lld",
                     f->section, f->key, sz, f->min, f->max);
            return GVC_ERR_CONFIG;
        }
        *(size_t *)base = sz;
        return GVC_OK;
    case GVC_CFG_BOOL:
        if (gvc_parse_bool(text, &b) != 0) {
            snprintf(err, errlen, "%s.%s: '%s' is not yes/no",
                     f->section, f->key, text);
            return GVC_ERR_CONFIG;
        }
        *(int *)base = b;
        return GVC_OK;
    case GVC_CFG_LOGLVL:
        if (gvc_log_parse_level(text, &b) != 0) {
            snprintf(err, errlen, "%s.%s: '%s' is not a log level "
                     "(0..50000 or trace/debug/info/warn/error/fatal)",
                     f->section, f->key, text);
            return GVC_ERR_CONFIG;
        }
        *(int *)base = b;
        return GVC_OK;
    case GVC_CFG_MSEC:
        if (gvc_parse_msec(text, &ms) != 0 || !cfg_in_bounds(f, ms)) {
            snprintf(err, errlen, "%s.%s: '%s' is not a duration in range "
                     "(e.g. 500ms, 5s)", f->section, f->key, text);
            return GVC_ERR_CONFIG;
        }
        *(long *)base = ms;
        return GVC_OK;
    }
    return GVC_ERR_INTERNAL;
}

gvc_status_t gvc_cfg_set(const gvc_cfg_table_t *t, void *obj,
                         const char *section, const char *key,
                         const char *value, char *err, size_t errlen)
{
    const gvc_cfg_field_t *f = cfg_find(t, section, key);

    if (f == NULL) {
        snprintf(err, errlen, "unknown key '%s' in section [%s]", key,
                 section);
        return GVC_ERR_NOT_FOUND;
    }
    return cfg_store(f, obj, value, err, errlen);
}

gvc_status_t gvc_cfg_defaults(const gvc_cfg_table_t *t, void *obj)
{
    char err[256];

    for (size_t i = 0; i < t->n_fields; i++) {
        const gvc_cfg_field_t *f = &t->fields[i];
        gvc_status_t st = cfg_store(f, obj, f->def ? f->def : "", err,
                                    sizeof(err));
        if (st == GVC_ERR_NOMEM) {
            return st;
        }
        if (st != GVC_OK && f->def != NULL) {
            gvc_error("config table: default of %s.%s does not parse: %s",
                      f->section, f->key, err);
            return GVC_ERR_INTERNAL;
        }
    }
    return GVC_OK;
}

/* inih callback: return 1 to go on, 0 to record an error at this line. */
static int cfg_ini_handler(void *user, const char *section, const char *key,
                           const char *value)
{
    cfg_parse_t *p = user;
    gvc_status_t st;
    int r;

    if (p->failed) {
        return 1; /* keep only the first error */
    }
    st = gvc_cfg_set(p->t, p->obj, section, key, value, p->err, p->errlen);
    if (st == GVC_ERR_NOT_FOUND && p->t->extra != NULL) {
        r = p->t->extra(p->obj, section, key, value, p->err, p->errlen);
        if (r == 1) {
            return 1;
        }
        if (r == 0) {
            snprintf(p->err, p->errlen, "unknown key '%s' in section [%s]",
                     key, section);
        }
        st = GVC_ERR_CONFIG;
    }
    if (st == GVC_OK) {
        return 1;
    }
    p->failed = 1;
    p->err_line = p->line;
    return 0;
}

/* inih reader: one line per call, counted so errors get their line. */
static char *cfg_reader(char *buf, int size, void *stream)
{
    cfg_parse_t *p = stream;
    size_t n = 0;

    if (p->fp != NULL) {
        if (fgets(buf, size, p->fp) == NULL) {
            return NULL;
        }
    } else {
        if (*p->str == '\0') {
            return NULL;
        }
        while (p->str[n] != '\0' && p->str[n] != '\n' &&
               n + 2 < (size_t)size) {
            n++;
        }
        if (p->str[n] == '\n') {
            n++;
        }
        memcpy(buf, p->str, n);
        buf[n] = '\0';
        p->str += n;
    }
    p->line++;
    return buf;
}

static gvc_status_t cfg_result(cfg_parse_t *p, int r, const char *name,
                               char *err, size_t errlen)
{
    char first[256];

    if (r == 0) {
        return GVC_OK;
    }
    if (r == -1) {
        snprintf(err, errlen, "%s: cannot open: %s", name, strerror(errno));
        return GVC_ERR_IO;
    }
    if (r == -2) {
        snprintf(err, errlen, "%s: out of memory while parsing", name);
        return GVC_ERR_NOMEM;
    }
    if (p->failed && p->err_line <= r) {
        snprintf(first, sizeof(first), "%s", p->err);
    } else {
        snprintf(first, sizeof(first), "syntax error (expected "
                 "[section] or key = value)");
    }
    snprintf(err, errlen, "%s:%d: %s", name, r, first);
    return GVC_ERR_CONFIG;
}

gvc_status_t gvc_cfg_load_file(const gvc_cfg_table_t *t, void *obj,
                               const char *path, char *err, size_t errlen)
{
    char msg[256] = "";
    cfg_parse_t p = { .t = t, .obj = obj, .err = msg, .errlen = sizeof(msg) };
    int r;

    p.fp = fopen(path, "r");
    if (p.fp == NULL) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return GVC_ERR_IO;
    }
    r = ini_parse_stream(cfg_reader, &p, cfg_ini_handler, &p);
    fclose(p.fp);
    return cfg_result(&p, r, path, err, errlen);
}

gvc_status_t gvc_cfg_load_string(const gvc_cfg_table_t *t, void *obj,
                                 const char *text, const char *name,
                                 char *err, size_t errlen)
{
    char msg[256] = "";
    cfg_parse_t p = { .t = t, .obj = obj, .err = msg, .errlen = sizeof(msg),
                      .str = text };

    return cfg_result(&p, ini_parse_stream(cfg_reader, &p, cfg_ini_handler,
                                           &p), name, err, errlen);
}

/* GVIRTUS_<SECTION>_<KEY>, upper case, non-alphanumerics as '_'. */
static void cfg_env_name(const gvc_cfg_field_t *f, char *buf, size_t len)
{
    size_t n;

    if (f->env != NULL) {
        snprintf(buf, len, "%s", f->env);
        return;
    }
    snprintf(buf, len, "GVIRTUS_%s_%s", f->section, f->key);
    for (n = 0; buf[n] != '\0'; n++) {
        buf[n] = isalnum((unsigned char)buf[n])
                     ? (char)toupper((unsigned char)buf[n]) : '_';
    }
}

gvc_status_t gvc_cfg_apply_env(const gvc_cfg_table_t *t, void *obj,
                               char *err, size_t errlen)
{
    char name[128], msg[256];
    const char *val;
    gvc_status_t st;

    for (size_t i = 0; i < t->n_fields; i++) {
        cfg_env_name(&t->fields[i], name, sizeof(name));
        val = getenv(name);
        if (val == NULL) {
            continue;
        }
        st = cfg_store(&t->fields[i], obj, val, msg, sizeof(msg));
        if (st != GVC_OK) {
            snprintf(err, errlen, "environment %s: %s", name, msg);
            return st;
        }
    }
    return GVC_OK;
}

void gvc_cfg_dump(const gvc_cfg_table_t *t, const void *obj, FILE *out)
{
    const char *cur = NULL;
    char env[128];

    for (size_t i = 0; i < t->n_fields; i++) {
        const gvc_cfg_field_t *f = &t->fields[i];
        const char *base = (const char *)obj + f->offset;

        if (cur == NULL || strcmp(cur, f->section) != 0) {
            fprintf(out, "%s[%s]\n", cur ? "\n" : "", f->section);
            cur = f->section;
        }
        cfg_env_name(f, env, sizeof(env));
        fprintf(out, "# %s (default: %s; env %s)\n", f->help,
                f->def && *f->def ? f->def : "empty", env);
        switch (f->type) {
        case GVC_CFG_STR:
            fprintf(out, "%s = %s\n", f->key, *(char *const *)base);
            break;
        case GVC_CFG_INT:
            fprintf(out, "%s = %ld\n", f->key, *(const long *)base);
            break;
        case GVC_CFG_MSEC:
            fprintf(out, "%s = %ldms\n", f->key, *(const long *)base);
            break;
        case GVC_CFG_SIZE:
            fprintf(out, "%s = %zu\n", f->key, *(const size_t *)base);
            break;
        case GVC_CFG_BOOL:
            fprintf(out, "%s = %s\n", f->key,
                    *(const int *)base ? "yes" : "no");
            break;
        case GVC_CFG_LOGLVL:
            fprintf(out, "%s = %d\n", f->key, *(const int *)base);
            break;
        }
    }
}

void gvc_cfg_free(const gvc_cfg_table_t *t, void *obj)
{
    for (size_t i = 0; i < t->n_fields; i++) {
        if (t->fields[i].type == GVC_CFG_STR) {
            char **s = (char **)((char *)obj + t->fields[i].offset);
            free(*s);
            *s = NULL;
        }
    }
}
