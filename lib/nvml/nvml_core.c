/*
 * nvml_core.c - our libnvidia-ml.so.1: initialisation (each remote GPU's
 * worker initialises NVML and names its GPU), the device list, lookups
 * across the remote GPUs, error strings.  Everything a tool asks about a
 * device is a generated stub (nvml.api).
 */
#include "config.h"

#define NVML_NO_UNVERSIONED_FUNC_DEFS 1

#include "gvnv.h"
#include "gv_api_nvml.h"
#include "gvc_log.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#define DEV_MAGIC 0x4e564d4cu
#define MAX_DEV 64

typedef struct gvnv_dev {
    uint32_t magic;
    int ordinal;
    void *remote;         /* the worker's nvmlDevice_t */
    nvmlReturn_t status;  /* of its gvNvmlInit */
} gvnv_dev_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static gvnv_dev_t devs[MAX_DEV];
static int n_devs;
static int refs;              /* nvmlInit minus nvmlShutdown */

/* ---- calls ----------------------------------------------------------------------- */

nvmlReturn_t gvnv_fail(nvmlReturn_t err)
{
    return err;
}

static nvmlReturn_t from_status(gvc_status_t st)
{
    switch (st) {
    case GVC_OK:
        return NVML_SUCCESS;
    case GVC_ERR_INVALID:
    case GVC_ERR_OVERFLOW:
        return NVML_ERROR_INVALID_ARGUMENT;
    case GVC_ERR_NOMEM:
        return NVML_ERROR_MEMORY;
    case GVC_ERR_NOT_SUPPORTED:
        return NVML_ERROR_NOT_SUPPORTED;
    case GVC_ERR_NO_DEVICE:
    case GVC_ERR_CONFIG:
        return NVML_ERROR_DRIVER_NOT_LOADED;
    case GVC_ERR_DENIED:
        return NVML_ERROR_NO_PERMISSION;
    case GVC_ERR_FORKED: /* a forked child: the parent's session */
        return NVML_ERROR_UNINITIALIZED;
    default:
        return NVML_ERROR_GPU_IS_LOST;
    }
}

nvmlReturn_t gvnv_begin_dev(gvf_call_t *c, uint32_t api, int dev,
                            size_t args_hint)
{
    if (refs == 0) {
        return NVML_ERROR_UNINITIALIZED;
    }
    if (gvf_dev(dev) == NULL) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    return from_status(gvf_call_init(c, gvf_dev(dev), api, args_hint));
}

nvmlReturn_t gvnv_begin(gvf_call_t *c, uint32_t api, size_t args_hint)
{
    return gvnv_begin_dev(c, api, 0, args_hint);
}

nvmlReturn_t gvnv_begin_route(gvf_call_t *c, uint32_t api,
                              nvmlDevice_t device, void **remote_p,
                              size_t args_hint)
{
    gvnv_dev_t *d = (gvnv_dev_t *)device;

    if (d < devs || d >= devs + n_devs || d->magic != DEV_MAGIC) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    *remote_p = d->remote;
    return gvnv_begin_dev(c, api, d->ordinal, args_hint);
}

int gvnv_ok(const gvf_call_t *c, gvc_status_t st)
{
    return st == GVC_OK && c->reply.result == NVML_SUCCESS;
}

nvmlReturn_t gvnv_end(gvf_call_t *c, gvc_status_t st)
{
    nvmlReturn_t r = st != GVC_OK ? from_status(st)
                                  : (nvmlReturn_t)c->reply.result;

    gvf_call_fini(c);
    return r;
}

nvmlReturn_t gvnv_unsupported(const char *fn)
{
    gvf_warn_unsupported(fn, "returning NVML_ERROR_NOT_SUPPORTED");
    return NVML_ERROR_NOT_SUPPORTED;
}

/* ---- initialisation -------------------------------------------------------------- */

/* Ask every remote GPU's worker for its NVML device.  The first failure
 * of all of them is the answer; GPUs whose worker has no NVML answer
 * that error for their handle. */
static nvmlReturn_t init_all(void)
{
    gvc_status_t st = gvf_init();
    nvmlReturn_t first = NVML_SUCCESS;
    int ok = 0;

    if (st != GVC_OK) {
        return from_status(st);
    }
    n_devs = gvf_device_count() < MAX_DEV ? gvf_device_count() : MAX_DEV;
    for (int i = 0; i < n_devs; i++) {
        gvf_call_t c;
        uint64_t h = 0;

        devs[i].magic = DEV_MAGIC;
        devs[i].ordinal = i;
        st = gvf_call_init(&c, gvf_dev(i), GV_API_gvNvmlInit, 0);
        if (st == GVC_OK) {
            st = gvf_call_sync(&c);
            if (gvnv_ok(&c, st)) {
                gvc_dec_u64(&c.dec, &h);
            }
        }
        devs[i].status = st == GVC_OK ? gvnv_end(&c, st) : from_status(st);
        devs[i].remote = (void *)(uintptr_t)h;
        if (devs[i].status == NVML_SUCCESS) {
            ok++;
        } else if (first == NVML_SUCCESS) {
            first = devs[i].status;
        }
    }
    if (n_devs == 0) {
        return NVML_ERROR_DRIVER_NOT_LOADED;
    }
    return ok > 0 ? NVML_SUCCESS : first;
}

static nvmlReturn_t init(unsigned int flags)
{
    nvmlReturn_t r = NVML_SUCCESS;

    (void)flags;
    pthread_mutex_lock(&lock);
    if (refs == 0) {
        r = init_all();
    }
    if (r == NVML_SUCCESS) {
        refs++;
    }
    pthread_mutex_unlock(&lock);
    return r;
}

GVNV_API nvmlReturn_t nvmlInit_v2(void)
{
    return init(0);
}

GVNV_API nvmlReturn_t nvmlInit(void)
{
    return init(0);
}

GVNV_API nvmlReturn_t nvmlInitWithFlags(unsigned int flags)
{
    return init(flags);
}

GVNV_API nvmlReturn_t nvmlShutdown(void)
{
    nvmlReturn_t r = NVML_SUCCESS;

    pthread_mutex_lock(&lock);
    if (refs == 0) {
        r = NVML_ERROR_UNINITIALIZED;
    } else {
        refs--;
    }
    pthread_mutex_unlock(&lock);
    return r;
}

/* ---- devices ---------------------------------------------------------------------- */

GVNV_API nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *deviceCount)
{
    if (refs == 0) {
        return NVML_ERROR_UNINITIALIZED;
    }
    if (deviceCount == NULL) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    *deviceCount = (unsigned)n_devs;
    return NVML_SUCCESS;
}

GVNV_API nvmlReturn_t nvmlDeviceGetCount(unsigned int *deviceCount)
{
    return nvmlDeviceGetCount_v2(deviceCount);
}

GVNV_API nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index,
                                                    nvmlDevice_t *device)
{
    if (refs == 0) {
        return NVML_ERROR_UNINITIALIZED;
    }
    if (device == NULL || index >= (unsigned)n_devs) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    if (devs[index].status != NVML_SUCCESS) {
        return devs[index].status;
    }
    *device = (nvmlDevice_t)&devs[index];
    return NVML_SUCCESS;
}

GVNV_API nvmlReturn_t nvmlDeviceGetHandleByIndex(unsigned int index,
                                                 nvmlDevice_t *device)
{
    return nvmlDeviceGetHandleByIndex_v2(index, device);
}

GVNV_API nvmlReturn_t nvmlDeviceGetIndex(nvmlDevice_t device,
                                         unsigned int *index)
{
    gvnv_dev_t *d = (gvnv_dev_t *)device;

    if (refs == 0) {
        return NVML_ERROR_UNINITIALIZED;
    }
    if (index == NULL || d < devs || d >= devs + n_devs ||
        d->magic != DEV_MAGIC) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    *index = (unsigned)d->ordinal;
    return NVML_SUCCESS;
}

typedef nvmlReturn_t (*str_query_t)(nvmlDevice_t, char *, unsigned int);

/* The device whose string (UUID, serial) is want. */
static nvmlReturn_t find_by(str_query_t q, const char *want,
                            nvmlDevice_t *device)
{
    char have[96];

    if (refs == 0) {
        return NVML_ERROR_UNINITIALIZED;
    }
    if (want == NULL || device == NULL) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    for (int i = 0; i < n_devs; i++) {
        if (devs[i].status == NVML_SUCCESS &&
            q((nvmlDevice_t)&devs[i], have, sizeof(have)) == NVML_SUCCESS &&
            strcmp(have, want) == 0) {
            *device = (nvmlDevice_t)&devs[i];
            return NVML_SUCCESS;
        }
    }
    return NVML_ERROR_NOT_FOUND;
}

GVNV_API nvmlReturn_t nvmlDeviceGetHandleByUUID(const char *uuid,
                                                nvmlDevice_t *device)
{
    return find_by(nvmlDeviceGetUUID, uuid, device);
}

GVNV_API nvmlReturn_t nvmlDeviceGetHandleBySerial(const char *serial,
                                                  nvmlDevice_t *device)
{
    return find_by(nvmlDeviceGetSerial, serial, device);
}

GVNV_API nvmlReturn_t nvmlDeviceGetHandleByUUIDV(const nvmlUUID_t *uuid,
                                                 nvmlDevice_t *device)
{
    if (uuid == NULL || uuid->type != NVML_UUID_TYPE_ASCII) {
        return uuid == NULL ? NVML_ERROR_INVALID_ARGUMENT
                            : gvnv_unsupported("nvmlDeviceGetHandleByUUIDV "
                                               "with a binary UUID");
    }
    return find_by(nvmlDeviceGetUUID, uuid->value.str, device);
}

/* "0000:00:06.0" and "00:06.0" name the same bus id. */
static void pci_normalise(const char *in, char *out, size_t len)
{
    unsigned dom = 0, bus = 0, dev = 0, fn = 0;

    if (sscanf(in, "%x:%x:%x.%x", &dom, &bus, &dev, &fn) != 4) {
        dom = 0;
        if (sscanf(in, "%x:%x.%x", &bus, &dev, &fn) != 3) {
            snprintf(out, len, "?");
            return;
        }
    }
    snprintf(out, len, "%08x:%02x:%02x.%x", dom, bus, dev, fn);
}

GVNV_API nvmlReturn_t nvmlDeviceGetHandleByPciBusId_v2(const char *pciBusId,
                                                       nvmlDevice_t *device)
{
    char want[32], have[32];
    nvmlPciInfo_t pci;

    if (refs == 0) {
        return NVML_ERROR_UNINITIALIZED;
    }
    if (pciBusId == NULL || device == NULL) {
        return NVML_ERROR_INVALID_ARGUMENT;
    }
    pci_normalise(pciBusId, want, sizeof(want));
    for (int i = 0; i < n_devs; i++) {
        if (devs[i].status != NVML_SUCCESS ||
            nvmlDeviceGetPciInfo_v3((nvmlDevice_t)&devs[i], &pci) !=
                NVML_SUCCESS) {
            continue;
        }
        pci_normalise(pci.busId, have, sizeof(have));
        if (strcmp(want, have) == 0) {
            *device = (nvmlDevice_t)&devs[i];
            return NVML_SUCCESS;
        }
    }
    return NVML_ERROR_NOT_FOUND;
}

GVNV_API nvmlReturn_t nvmlDeviceGetHandleByPciBusId(const char *pciBusId,
                                                    nvmlDevice_t *device)
{
    return nvmlDeviceGetHandleByPciBusId_v2(pciBusId, device);
}

/* ---- errors ------------------------------------------------------------------------ */

GVNV_API const char *nvmlErrorString(nvmlReturn_t result)
{
    static const struct {
        nvmlReturn_t r;
        const char *s;
    } texts[] = {
        { NVML_SUCCESS, "Success" },
        { NVML_ERROR_UNINITIALIZED, "Uninitialized" },
        { NVML_ERROR_INVALID_ARGUMENT, "Invalid Argument" },
        { NVML_ERROR_NOT_SUPPORTED, "Not Supported" },
        { NVML_ERROR_NO_PERMISSION, "Insufficient Permissions" },
        { NVML_ERROR_ALREADY_INITIALIZED, "Already Initialized" },
        { NVML_ERROR_NOT_FOUND, "Not Found" },
        { NVML_ERROR_INSUFFICIENT_SIZE, "Insufficient Size" },
        { NVML_ERROR_INSUFFICIENT_POWER, "Insufficient External Power" },
        { NVML_ERROR_DRIVER_NOT_LOADED, "Driver Not Loaded" },
        { NVML_ERROR_TIMEOUT, "Timeout" },
        { NVML_ERROR_IRQ_ISSUE, "Interrupt Request Issue" },
        { NVML_ERROR_LIBRARY_NOT_FOUND, "NVML Shared Library Not Found" },
        { NVML_ERROR_FUNCTION_NOT_FOUND, "Function Not Found" },
        { NVML_ERROR_CORRUPTED_INFOROM, "Corrupted infoROM" },
        { NVML_ERROR_GPU_IS_LOST, "GPU is lost" },
        { NVML_ERROR_RESET_REQUIRED, "GPU requires restart" },
        { NVML_ERROR_OPERATING_SYSTEM, "GPU access blocked by the "
                                       "operating system" },
        { NVML_ERROR_LIB_RM_VERSION_MISMATCH, "Driver/library version "
                                              "mismatch" },
        { NVML_ERROR_IN_USE, "In use by another client" },
        { NVML_ERROR_MEMORY, "Insufficient Memory" },
        { NVML_ERROR_NO_DATA, "No data" },
        { NVML_ERROR_VGPU_ECC_NOT_SUPPORTED, "vGPU ECC not supported" },
        { NVML_ERROR_INSUFFICIENT_RESOURCES, "Insufficient Resources" },
        { NVML_ERROR_FREQ_NOT_SUPPORTED, "Frequency not supported" },
        { NVML_ERROR_ARGUMENT_VERSION_MISMATCH, "Argument version mismatch" },
        { NVML_ERROR_DEPRECATED, "Deprecated" },
        { NVML_ERROR_NOT_READY, "Not ready" },
        { NVML_ERROR_GPU_NOT_FOUND, "GPU not found" },
        { NVML_ERROR_INVALID_STATE, "Invalid state" },
        { NVML_ERROR_UNKNOWN, "Unknown Error" },
    };

    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        if (texts[i].r == result) {
            return texts[i].s;
        }
    }
    return "Unknown Error";
}
