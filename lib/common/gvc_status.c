#include "config.h"

#include "gvc_status.h"

#include <stddef.h>

static const struct {
    gvc_status_t status;
    const char *name;
    const char *text;
} status_table[] = {
    { GVC_OK,                "GVC_OK",                "success" },
    { GVC_INPROGRESS,        "GVC_INPROGRESS",        "in progress" },
    { GVC_ERR_INVALID,       "GVC_ERR_INVALID",       "invalid argument" },
    { GVC_ERR_NOMEM,         "GVC_ERR_NOMEM",         "out of memory" },
    { GVC_ERR_TRUNCATED,     "GVC_ERR_TRUNCATED",     "message truncated" },
    { GVC_ERR_OVERFLOW,      "GVC_ERR_OVERFLOW",      "size limit exceeded" },
    { GVC_ERR_PROTO,         "GVC_ERR_PROTO",         "protocol error" },
    { GVC_ERR_VERSION,       "GVC_ERR_VERSION",
      "protocol version mismatch" },
    { GVC_ERR_IO,            "GVC_ERR_IO",            "I/O error" },
    { GVC_ERR_TRANSPORT,     "GVC_ERR_TRANSPORT",     "transport error" },
    { GVC_ERR_PEER_DOWN,     "GVC_ERR_PEER_DOWN",     "connection lost" },
    { GVC_ERR_TIMEOUT,       "GVC_ERR_TIMEOUT",       "timed out" },
    { GVC_ERR_CONFIG,        "GVC_ERR_CONFIG",        "configuration error" },
    { GVC_ERR_NOT_FOUND,     "GVC_ERR_NOT_FOUND",     "not found" },
    { GVC_ERR_NOT_SUPPORTED, "GVC_ERR_NOT_SUPPORTED", "not supported" },
    { GVC_ERR_BUSY,          "GVC_ERR_BUSY",          "resource busy" },
    { GVC_ERR_DENIED,        "GVC_ERR_DENIED",        "permission denied" },
    { GVC_ERR_NO_DEVICE,     "GVC_ERR_NO_DEVICE",     "no GPU device" },
    { GVC_ERR_LIMIT,         "GVC_ERR_LIMIT",         "quota exceeded" },
    { GVC_ERR_INTERNAL,      "GVC_ERR_INTERNAL",      "internal error" },
    { GVC_ERR_FORKED,        "GVC_ERR_FORKED",
      "forked after CUDA was initialised" },
};

#define N_STATUS (sizeof(status_table) / sizeof(status_table[0]))

static size_t status_index(gvc_status_t status)
{
    for (size_t i = 0; i < N_STATUS; i++) {
        if (status_table[i].status == status) {
            return i;
        }
    }
    return N_STATUS;
}

const char *gvc_status_str(gvc_status_t status)
{
    size_t i = status_index(status);
    return i < N_STATUS ? status_table[i].text : "unknown status";
}

const char *gvc_status_name(gvc_status_t status)
{
    size_t i = status_index(status);
    return i < N_STATUS ? status_table[i].name : "GVC_UNKNOWN";
}
