/*
 * gvr_types.c - names of the registry enums and small helpers on records.
 */
#include "config.h"

#include "gvr_types.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const node_states[] = { "up", "down", "drained" };
static const char *const lease_modes[] = { "exclusive", "shared" };
static const char *const auth_modes[] = { "none", "munge", "secret" };

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static int name_parse(const char *const *names, size_t n, const char *text)
{
    for (size_t i = 0; text != NULL && i < n; i++) {
        if (strcmp(names[i], text) == 0) {
            return (int)i;
        }
    }
    return -1;
}

const char *gvr_node_state_name(gvr_node_state_t state)
{
    return (unsigned)state < N_OF(node_states) ? node_states[state] : "?";
}

const char *gvr_lease_mode_name(gvr_lease_mode_t mode)
{
    return (unsigned)mode < N_OF(lease_modes) ? lease_modes[mode] : "?";
}

const char *gvr_auth_mode_name(gvr_auth_mode_t mode)
{
    return (unsigned)mode < N_OF(auth_modes) ? auth_modes[mode] : "?";
}

int gvr_node_state_parse(const char *text, gvr_node_state_t *state_p)
{
    int i = name_parse(node_states, N_OF(node_states), text);

    if (i < 0) {
        return -1;
    }
    *state_p = (gvr_node_state_t)i;
    return 0;
}

int gvr_lease_mode_parse(const char *text, gvr_lease_mode_t *mode_p)
{
    int i = name_parse(lease_modes, N_OF(lease_modes), text);

    if (i < 0) {
        return -1;
    }
    *mode_p = (gvr_lease_mode_t)i;
    return 0;
}

int gvr_auth_mode_parse(const char *text, gvr_auth_mode_t *mode_p)
{
    int i = name_parse(auth_modes, N_OF(auth_modes), text);

    if (i < 0) {
        return -1;
    }
    *mode_p = (gvr_auth_mode_t)i;
    return 0;
}

void gvr_lease_fini(gvr_lease_t *lease)
{
    if (lease != NULL) {
        free(lease->gpus);
        memset(lease, 0, sizeof(*lease));
    }
}

void gvr_lease_array_free(gvr_lease_t *leases, uint32_t n)
{
    for (uint32_t i = 0; leases != NULL && i < n; i++) {
        gvr_lease_fini(&leases[i]);
    }
    free(leases);
}

int gvr_strlcpy(char *dst, const char *src, size_t cap)
{
    size_t n = src != NULL ? strlen(src) : 0;

    if (cap == 0) {
        return -1;
    }
    if (n >= cap) {
        memcpy(dst, src, cap - 1);
        dst[cap - 1] = '\0';
        return -1;
    }
    if (n > 0) {
        memcpy(dst, src, n);
    }
    dst[n] = '\0';
    return 0;
}

int gvr_lease_servers(const gvr_lease_t *lease, char **out_p)
{
    size_t cap = (size_t)lease->n_gpus * (GVR_HOST_MAX + 24) + 1, n = 0;
    char *out = malloc(cap);
    const char *fmt;

    *out_p = NULL;
    if (out == NULL) {
        return -1;
    }
    out[0] = '\0';
    for (uint32_t i = 0; i < lease->n_gpus; i++) {
        const gvr_lease_gpu_t *g = &lease->gpus[i];
        /* An IPv6 literal needs brackets before ":port". */
        fmt = strchr(g->host, ':') != NULL && g->host[0] != '['
                  ? "%s[%s]:%u#%u" : "%s%s:%u#%u";
        n += (size_t)snprintf(out + n, cap - n, fmt, i ? "," : "", g->host,
                              (unsigned)g->port, (unsigned)g->index);
    }
    *out_p = out;
    return 0;
}

int64_t gvr_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
