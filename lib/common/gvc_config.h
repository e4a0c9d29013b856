/*
 * gvc_config.h - table-driven INI configuration (inih underneath).
 *
 * Each module describes its settings once, in a table of gvc_cfg_field_t
 * (section, key, type, default, help, offset into the module's struct).
 * From that table we fill defaults, read an INI file, apply environment
 * overrides (GVIRTUS_<SECTION>_<KEY>, or the field's own variable name) and
 * print the effective values (--dump-config).  Errors name the file and
 * the line, or the variable.
 *
 * String fields are char * owned by the struct: gvc_cfg_free() frees them.
 * Not thread-safe: load configuration before starting threads.
 */
#ifndef GVC_CONFIG_H
#define GVC_CONFIG_H

#include "gvc_status.h"

#include <stddef.h>
#include <stdio.h>

typedef enum gvc_cfg_type {
    GVC_CFG_STR,    /* char *; "" is an empty string, never NULL */
    GVC_CFG_INT,    /* long; decimal, bounded by min/max */
    GVC_CFG_SIZE,   /* size_t; bytes with optional K/M/G/T suffix (x1024) */
    GVC_CFG_BOOL,   /* int; yes/no/true/false/on/off/1/0 */
    GVC_CFG_LOGLVL, /* int; a GVIRTUS_LOGLEVEL number or level name */
    GVC_CFG_MSEC    /* long; milliseconds; suffix ms, s, m accepted */
} gvc_cfg_type_t;

typedef struct gvc_cfg_field {
    const char *section;  /* INI section, e.g. "gvd" */
    const char *key;      /* key inside the section */
    gvc_cfg_type_t type;
    const char *def;      /* default, as it would be written in the file */
    size_t offset;        /* offsetof(struct, field) */
    long long min, max;   /* inclusive bounds for numbers; min > max: none */
    const char *env;      /* override variable; NULL: GVIRTUS_<SEC>_<KEY> */
    const char *help;     /* one line, shown by --dump-config and the docs */
} gvc_cfg_field_t;

/* Called for section/key pairs the table does not know (e.g. repeated
 * [node:NAME] sections).  Return 1 if handled, 0 if unknown (an error),
 * -1 on a bad value after writing a message to err. */
typedef int (*gvc_cfg_extra_cb_t)(void *obj, const char *section,
                                  const char *key, const char *value,
                                  char *err, size_t errlen);

typedef struct gvc_cfg_table {
    const gvc_cfg_field_t *fields;
    size_t n_fields;
    gvc_cfg_extra_cb_t extra; /* may be NULL */
} gvc_cfg_table_t;

/* Fill every field with its default.  Returns GVC_ERR_NOMEM or
 * GVC_ERR_INTERNAL (a default that does not parse: a bug in the table). */
gvc_status_t gvc_cfg_defaults(const gvc_cfg_table_t *t, void *obj);

/* Read an INI file over the current values.  On error returns
 * GVC_ERR_CONFIG (or GVC_ERR_IO when the file cannot be opened) and writes
 * "path:line: what" into err. */
gvc_status_t gvc_cfg_load_file(const gvc_cfg_table_t *t, void *obj,
                               const char *path, char *err, size_t errlen);

/* Same, from a string; name is used in messages. */
gvc_status_t gvc_cfg_load_string(const gvc_cfg_table_t *t, void *obj,
                                 const char *text, const char *name,
                                 char *err, size_t errlen);

/* Apply environment overrides.  A bad value is GVC_ERR_CONFIG naming the
 * variable. */
gvc_status_t gvc_cfg_apply_env(const gvc_cfg_table_t *t, void *obj,
                               char *err, size_t errlen);

/* Set one field by section/key from text (used by the loaders, and by
 * command-line overrides).  GVC_ERR_NOT_FOUND if the table lacks it. */
gvc_status_t gvc_cfg_set(const gvc_cfg_table_t *t, void *obj,
                         const char *section, const char *key,
                         const char *value, char *err, size_t errlen);

/* Print the effective configuration as a commented INI file. */
void gvc_cfg_dump(const gvc_cfg_table_t *t, const void *obj, FILE *out);

/* Free the strings the table owns in obj. */
void gvc_cfg_free(const gvc_cfg_table_t *t, void *obj);

/* Helpers also used outside config files. */
int gvc_parse_size(const char *text, size_t *bytes_p);
int gvc_parse_bool(const char *text, int *value_p);
int gvc_parse_msec(const char *text, long *msec_p);
/* "host:port", "[v6addr]:port", or "*:port" / ":port" (host "": every
 * interface); port 1..65535.  0, or -1 when malformed or host is longer
 * than hostlen - 1. */
int gvc_parse_hostport(const char *text, char *host, size_t hostlen,
                       int *port_p);

#define GVC_CFG_TABLE(fields_, extra_)                                        \
    { (fields_), sizeof(fields_) / sizeof((fields_)[0]), (extra_) }

#endif
