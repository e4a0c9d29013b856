/*
 * cuda_core.c - our libcuda.so.1's backbone: starting and finishing
 * calls (the one place a gvc_status_t becomes a CUresult), error names
 * and strings, cuInit, versions, devices, and the entry points
 * (cuGetProcAddress) that hand out our own functions.
 */
#include "config.h"

#define __CUDA_API_VERSION_INTERNAL 1

#include "gvcu.h"
#include "gvcu_procs.h"
#include "gv_api_cuda.h"
#include "gv_api_cudart.h"
#include "gvc_log.h"

#include <ctype.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int inited; /* cuInit succeeded (or the runtime initialised us) */

/* ---- calls ------------------------------------------------------------------- */

CUresult gvcu_fail(CUresult err)
{
    return err;
}

CUresult gvcu_status_to_result(gvc_status_t st)
{
    switch (st) {
    case GVC_OK:
        return CUDA_SUCCESS;
    case GVC_ERR_INVALID:
    case GVC_ERR_OVERFLOW:
        return CUDA_ERROR_INVALID_VALUE;
    case GVC_ERR_NOMEM:
        return CUDA_ERROR_OUT_OF_MEMORY;
    case GVC_ERR_NOT_SUPPORTED:
        return CUDA_ERROR_NOT_SUPPORTED;
    case GVC_ERR_NO_DEVICE:
    case GVC_ERR_CONFIG:
        return CUDA_ERROR_NO_DEVICE;
    case GVC_ERR_DENIED:
        return CUDA_ERROR_NOT_PERMITTED;
    case GVC_ERR_VERSION:
        return CUDA_ERROR_SYSTEM_DRIVER_MISMATCH;
    case GVC_ERR_FORKED:
        /* A child forked after the parent initialised CUDA (gvf_forked):
         * there NVIDIA's driver answers CUDA_ERROR_NOT_INITIALIZED to
         * cuInit and every later call ("initialization error"), as
         * reported in triton-lang/triton#10443 (cuInit and
         * cuDeviceGetCount give 3 in such a child), pycuda#137 and
         * tensorflow#57877 (cuCtxSetCurrent in a forked child). */
        return CUDA_ERROR_NOT_INITIALIZED;
    default:
        /* The remote GPU is gone (worker died, network down, stalled). */
        return CUDA_ERROR_DEVICE_UNAVAILABLE;
    }
}

CUresult gvcu_from_runtime(int64_t err)
{
    switch (err) {
    case 12:  /* cudaErrorInvalidPitchValue */
    case 17:  /* cudaErrorInvalidDevicePointer */
    case 21:  /* cudaErrorInvalidMemcpyDirection */
        return CUDA_ERROR_INVALID_VALUE;
    case 13:  /* cudaErrorInvalidSymbol */
        return CUDA_ERROR_NOT_FOUND;
    case 98:  /* cudaErrorInvalidDeviceFunction */
        return CUDA_ERROR_INVALID_HANDLE;
    case 46:  /* cudaErrorDevicesUnavailable */
        return CUDA_ERROR_DEVICE_UNAVAILABLE;
    case 52:  /* cudaErrorMissingConfiguration */
        return CUDA_ERROR_INVALID_VALUE;
    default:
        return (CUresult)err; /* the codes CUDA keeps equal */
    }
}

/* Say once per device why it became unusable. */
static void report_lost(gvf_dev_t *dev, gvc_status_t st)
{
    static _Atomic unsigned long reported;

    gvf_report_lost(dev, st, &reported, "this and every later call on it "
                    "fail with CUDA_ERROR_DEVICE_UNAVAILABLE");
}

CUresult gvcu_init_check(void)
{
    gvc_status_t st;

    if (!inited && gvf_device_count() == 0) {
        return CUDA_ERROR_NOT_INITIALIZED;
    }
    st = gvf_init();
    return gvcu_status_to_result(st);
}

CUresult gvcu_begin_dev(gvf_call_t *c, uint32_t api, int dev,
                        size_t args_hint)
{
    CUresult err = gvcu_init_check();
    gvf_dev_t *d;

    if (err != CUDA_SUCCESS) {
        return err;
    }
    d = gvf_dev(dev);
    if (d == NULL) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    return gvcu_status_to_result(gvf_call_init(c, d, api, args_hint));
}

/* Start a call in context ctx, on device ordinal dev (the context's). */
static CUresult begin_in(gvf_call_t *c, uint32_t api, CUcontext ctx, int dev,
                         size_t args_hint)
{
    gvf_dev_t *d = gvf_dev(dev);
    CUresult err;

    if (d == NULL) {
        return CUDA_ERROR_INVALID_CONTEXT;
    }
    err = gvcu_ctx_enter(d, ctx);
    if (err != CUDA_SUCCESS) {
        return err;
    }
    return gvcu_status_to_result(gvf_call_init(c, d, api, args_hint));
}

CUresult gvcu_begin_ctx(gvf_call_t *c, uint32_t api, CUcontext ctx,
                        size_t args_hint)
{
    CUresult err = gvcu_init_check();

    if (err != CUDA_SUCCESS) {
        return err;
    }
    return begin_in(c, api, ctx, gvcu_ctx_device(ctx), args_hint);
}

CUresult gvcu_begin(gvf_call_t *c, uint32_t api, size_t args_hint)
{
    CUresult err = gvcu_init_check();
    CUcontext ctx;
    int dev;

    if (err != CUDA_SUCCESS) {
        return err;
    }
    gvcu_ctx_current(&ctx, &dev);
    return begin_in(c, api, ctx, dev, args_hint);
}

int gvcu_ok(const gvf_call_t *c, gvc_status_t st)
{
    return st == GVC_OK && c->reply.result == CUDA_SUCCESS;
}

static CUresult end_common(gvf_call_t *c, gvc_status_t st, int sync)
{
    CUresult err;

    if (st != GVC_OK) {
        err = gvcu_status_to_result(st);
        if (err == CUDA_ERROR_DEVICE_UNAVAILABLE) {
            report_lost(c->dev, st);
        }
    } else {
        err = gvcu_from_runtime(c->reply.result);
        if (err == CUDA_SUCCESS && sync) {
            /* An earlier one-way call failed: report it now, as CUDA
             * reports asynchronous errors at synchronisation. */
            err = gvcu_from_runtime(gvf_dev_take_deferred(c->dev));
        }
    }
    gvf_call_fini(c);
    return err;
}

CUresult gvcu_end(gvf_call_t *c, gvc_status_t st)
{
    return end_common(c, st, 0);
}

CUresult gvcu_end_sync(gvf_call_t *c, gvc_status_t st)
{
    return end_common(c, st, 1);
}

CUresult gvcu_unsupported(const char *fn)
{
    gvf_warn_unsupported(fn, "returning CUDA_ERROR_NOT_SUPPORTED");
    return CUDA_ERROR_NOT_SUPPORTED;
}

/* ---- errors -------------------------------------------------------------------- */

static const struct {
    int code;
    const char *name;
    const char *text;
} errors[] = {
#include "cuda_errors.inc"
};

static int error_index(CUresult e)
{
    for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++) {
        if (errors[i].code == (int)e) {
            return (int)i;
        }
    }
    return -1;
}

GVCU_API CUresult CUDAAPI cuGetErrorName(CUresult error, const char **pStr)
{
    int i = error_index(error);

    if (pStr == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    *pStr = i >= 0 ? errors[i].name : NULL;
    return i >= 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

GVCU_API CUresult CUDAAPI cuGetErrorString(CUresult error, const char **pStr)
{
    int i = error_index(error);

    if (pStr == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    *pStr = i >= 0 ? errors[i].text : NULL;
    return i >= 0 ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

/* ---- initialisation, versions, devices --------------------------------------- */

GVCU_API CUresult CUDAAPI cuInit(unsigned int Flags)
{
    gvc_status_t st;

    if (Flags != 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    st = gvf_init();
    if (st != GVC_OK) {
        return gvcu_status_to_result(st);
    }
    if (gvf_device_count() == 0) {
        return CUDA_ERROR_NO_DEVICE;
    }
    inited = 1;
    return CUDA_SUCCESS;
}

GVCU_API CUresult CUDAAPI cuDriverGetVersion(int *driverVersion)
{
    static int cached;
    gvf_call_t c;
    gvc_status_t st;
    int32_t n = 0;

    if (driverVersion == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (cached != 0) {
        *driverVersion = cached;
        return CUDA_SUCCESS;
    }
    /* Works before cuInit, as CUDA's does. */
    st = gvf_init();
    if (st == GVC_OK && gvf_device_count() > 0) {
        st = gvf_call_init(&c, gvf_dev(0), GV_API_cudaDriverGetVersion, 0);
        if (st == GVC_OK) {
            st = gvf_call_sync(&c);
            if (st == GVC_OK && c.reply.result == 0) {
                gvc_dec_i32(&c.dec, &n);
                cached = n;
            }
            gvf_call_fini(&c);
        }
    }
    if (st != GVC_OK || n == 0) {
        n = CUDA_VERSION; /* what we were built for; no GPU to ask */
    }
    *driverVersion = n;
    return CUDA_SUCCESS;
}

GVCU_API CUresult CUDAAPI cuDeviceGetCount(int *count)
{
    CUresult err;

    if (count == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = gvcu_init_check();
    if (err != CUDA_SUCCESS) {
        return err;
    }
    *count = gvf_device_count();
    return CUDA_SUCCESS;
}

GVCU_API CUresult CUDAAPI cuDeviceGet(CUdevice *device, int ordinal)
{
    CUresult err;

    if (device == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = gvcu_init_check();
    if (err != CUDA_SUCCESS) {
        return err;
    }
    if (gvf_dev(ordinal) == NULL) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    *device = ordinal;
    return CUDA_SUCCESS;
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

GVCU_API CUresult CUDAAPI cuDeviceGetByPCIBusId(CUdevice *dev,
                                               const char *pciBusId)
{
    char want[32], have[32], id[32];
    CUresult err;

    if (dev == NULL || pciBusId == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = gvcu_init_check();
    if (err != CUDA_SUCCESS) {
        return err;
    }
    pci_normalise(pciBusId, want, sizeof(want));
    for (int i = 0; i < gvf_device_count(); i++) {
        err = cuDeviceGetPCIBusId(id, sizeof(id), i);
        if (err != CUDA_SUCCESS) {
            return err;
        }
        pci_normalise(id, have, sizeof(have));
        if (strcmp(want, have) == 0) {
            *dev = i;
            return CUDA_SUCCESS;
        }
    }
    return CUDA_ERROR_INVALID_DEVICE;
}

/* GPUs of different hosts (or served by different workers) have no peer
 * access between them: the truthful answer is no. */
GVCU_API CUresult CUDAAPI cuDeviceCanAccessPeer(int *canAccessPeer,
                                               CUdevice dev,
                                               CUdevice peerDev)
{
    CUresult err;

    if (canAccessPeer == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    err = gvcu_init_check();
    if (err != CUDA_SUCCESS) {
        return err;
    }
    if (gvf_dev(dev) == NULL || gvf_dev(peerDev) == NULL) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    *canAccessPeer = 0;
    return CUDA_SUCCESS;
}

GVCU_API CUresult CUDAAPI cuGetExportTable(const void **ppExportTable,
                                          const CUuuid *pExportTableId)
{
    (void)pExportTableId;
    if (ppExportTable != NULL) {
        *ppExportTable = NULL;
    }
    return gvcu_unsupported("cuGetExportTable (NVIDIA-internal tables)");
}

/* ---- entry points ------------------------------------------------------------------ */

/* Our own library, to look our exports up by name. */
static void *self(void)
{
    static void *h;
    Dl_info info;

    if (h == NULL && dladdr((void *)cuInit, &info) != 0 &&
        info.dli_fname != NULL) {
        h = dlopen(info.dli_fname, RTLD_NOW | RTLD_NOLOAD);
    }
    return h;
}

static const char *proc_name(const char *symbol, int ptds)
{
    const gvcu_proc_t *t = ptds ? gvcu_procs_ptds : gvcu_procs;

    for (size_t i = 0; t[i].base != NULL; i++) {
        if (strcmp(t[i].base, symbol) == 0) {
            return t[i].name;
        }
    }
    return NULL;
}

/* The export a (base name, version, flags) names, as cuda.h of CUDA
 * 13.0 maps it: requests for an older cudaVersion get the same function
 * (the ABI versions NVIDIA keeps are all exported by us too, but the
 * version each _vN appeared in is not recorded here). The real driver
 * answers a miss with CUDA_SUCCESS when the caller asked for the status
 * (the status carries the miss), and CUDA_ERROR_NOT_FOUND otherwise. */
static CUresult proc_address(const char *symbol, void **pfn, int version,
                             cuuint64_t flags,
                             CUdriverProcAddressQueryResult *status)
{
    const char *name;
    void *fn = NULL, *lib = self();
    int ptds = (flags & CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM) != 0;

    if (symbol == NULL || pfn == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    *pfn = NULL;
    if (version < 2000) {
        if (status != NULL) {
            *status = CU_GET_PROC_ADDRESS_VERSION_NOT_SUFFICIENT;
            return CUDA_SUCCESS;
        }
        return CUDA_ERROR_NOT_FOUND;
    }
    name = proc_name(symbol, ptds);
    if (name == NULL || lib == NULL || (fn = dlsym(lib, name)) == NULL) {
        if (status != NULL) {
            *status = CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND;
            return CUDA_SUCCESS;
        }
        return CUDA_ERROR_NOT_FOUND;
    }
    *pfn = fn;
    if (status != NULL) {
        *status = CU_GET_PROC_ADDRESS_SUCCESS;
    }
    return CUDA_SUCCESS;
}

GVCU_API CUresult CUDAAPI cuGetProcAddress_v2(
    const char *symbol, void **pfn, int cudaVersion, cuuint64_t flags,
    CUdriverProcAddressQueryResult *symbolStatus)
{
    return proc_address(symbol, pfn, cudaVersion, flags, symbolStatus);
}

GVCU_API CUresult CUDAAPI cuGetProcAddress(const char *symbol, void **pfn,
                                          int cudaVersion, cuuint64_t flags)
{
    return proc_address(symbol, pfn, cudaVersion, flags, NULL);
}
