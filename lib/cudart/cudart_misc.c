/*
 * cudart_misc.c - the exports that need no remote GPU or cannot have one:
 * channel descriptors (a pure function), graphics interop (OpenGL, EGL,
 * VDPAU: a remote GPU cannot share the client's display resources),
 * registration hooks we have no use for, and device lookups that search
 * the remote devices from here.
 */
#include "config.h"

#include "gvrt.h"
#include "gvrt_dev.h"
#include "gvc_log.h"

#include <ctype.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

GVRT_API struct cudaChannelFormatDesc CUDARTAPI
cudaCreateChannelDesc(int x, int y, int z, int w, enum cudaChannelFormatKind f)
{
    struct cudaChannelFormatDesc d = { x, y, z, w, f };

    return d;
}

/* Registration hooks of nvcc's host code that carry nothing we need. */
GVRT_API void CUDARTAPI __cudaRegisterHostVar(void) {}
GVRT_API void CUDARTAPI __cudaRegisterUnifiedTable(void) {}

GVRT_API cudaError_t CUDARTAPI __cudaGetProcAddress(void)
{
    return gvrt_unsupported("__cudaGetProcAddress");
}

GVRT_API cudaError_t CUDARTAPI cudaGetExportTable(const void **table,
                                                  const cudaUUID_t *id)
{
    (void)id;
    if (table != NULL) {
        *table = NULL;
    }
    return gvrt_unsupported("cudaGetExportTable (NVIDIA-internal tables)");
}

/* Driver entry points are our libcuda.so.1's (loaded next to us: same
 * directory, LD_LIBRARY_PATH or LD_PRELOAD), found with its
 * cuGetProcAddress_v2.  Never NVIDIA's driver: there is no GPU here. */
typedef int (*get_proc_t)(const char *, void **, int, unsigned long long,
                          int *);

static get_proc_t driver_get_proc(void)
{
    static get_proc_t fn;
    static int tried;
    void *lib;

    if (tried) {
        return fn;
    }
    tried = 1;
    lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL);
    if (lib == NULL) {
        gvc_warn("cudaGetDriverEntryPoint: gvirtus's libcuda.so.1 not "
                 "found (%s)", dlerror());
        return NULL;
    }
    if (dlsym(lib, "gvf_init") == NULL) {
        gvc_warn("cudaGetDriverEntryPoint: the libcuda.so.1 found is not "
                 "gvirtus's; driver entry points are not handed out");
        return NULL;
    }
    fn = (get_proc_t)dlsym(lib, "cuGetProcAddress_v2");
    return fn;
}

static cudaError_t entry_point(const char *sym, void **fn, int version,
                               unsigned long long flags,
                               enum cudaDriverEntryPointQueryResult *q)
{
    get_proc_t get = driver_get_proc();
    int status = 0, r;

    if (sym == NULL || fn == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    *fn = NULL;
    if (get == NULL) {
        if (q != NULL) {
            *q = cudaDriverEntryPointSymbolNotFound;
        }
        return gvrt_unsupported("cudaGetDriverEntryPoint (gvirtus's "
                                "libcuda.so.1 not loadable)");
    }
    /* cudaEnable* and CU_GET_PROC_ADDRESS_* flags have the same values,
     * and so have the query results. */
    r = get(sym, fn, version, flags, &status);
    if (q != NULL) {
        *q = (enum cudaDriverEntryPointQueryResult)status;
    }
    /* As the runtime: a symbol not found is success with that status. */
    return r == 0 || r == 500 /* CUDA_ERROR_NOT_FOUND */ ? cudaSuccess
                                                        : gvrt_fail(
                                                              cudaErrorUnknown);
}

GVRT_API cudaError_t CUDARTAPI cudaGetDriverEntryPoint(
    const char *sym, void **fn, unsigned long long flags,
    enum cudaDriverEntryPointQueryResult *q)
{
    return entry_point(sym, fn, CUDART_VERSION, flags, q);
}

GVRT_API cudaError_t CUDARTAPI cudaGetDriverEntryPoint_ptsz(
    const char *sym, void **fn, unsigned long long flags,
    enum cudaDriverEntryPointQueryResult *q)
{
    return entry_point(sym, fn, CUDART_VERSION,
                       flags | cudaEnablePerThreadDefaultStream, q);
}

GVRT_API cudaError_t CUDARTAPI cudaGetDriverEntryPointByVersion(
    const char *sym, void **fn, unsigned int version,
    unsigned long long flags, enum cudaDriverEntryPointQueryResult *q)
{
    return entry_point(sym, fn, (int)version, flags, q);
}

GVRT_API cudaError_t CUDARTAPI cudaGetDriverEntryPointByVersion_ptsz(
    const char *sym, void **fn, unsigned int version,
    unsigned long long flags, enum cudaDriverEntryPointQueryResult *q)
{
    return entry_point(sym, fn, (int)version,
                       flags | cudaEnablePerThreadDefaultStream, q);
}

/* Graphics interop: their prototypes need GL/EGL/VDPAU headers; the
 * arguments do not matter, the answer is always the same. */
#define INTEROP(name)                                                         \
    GVRT_API cudaError_t CUDARTAPI name(void);                                \
    GVRT_API cudaError_t CUDARTAPI name(void)                                 \
    {                                                                         \
        return gvrt_unsupported(#name " (graphics interop with a remote "    \
                                      "GPU)");                                \
    }

INTEROP(cudaEGLStreamConsumerAcquireFrame)
INTEROP(cudaEGLStreamConsumerConnect)
INTEROP(cudaEGLStreamConsumerConnectWithFlags)
INTEROP(cudaEGLStreamConsumerDisconnect)
INTEROP(cudaEGLStreamConsumerReleaseFrame)
INTEROP(cudaEGLStreamProducerConnect)
INTEROP(cudaEGLStreamProducerDisconnect)
INTEROP(cudaEGLStreamProducerPresentFrame)
INTEROP(cudaEGLStreamProducerReturnFrame)
INTEROP(cudaEventCreateFromEGLSync)
INTEROP(cudaGLGetDevices)
INTEROP(cudaGLMapBufferObject)
INTEROP(cudaGLMapBufferObjectAsync)
INTEROP(cudaGLRegisterBufferObject)
INTEROP(cudaGLSetBufferObjectMapFlags)
INTEROP(cudaGLSetGLDevice)
INTEROP(cudaGLUnmapBufferObject)
INTEROP(cudaGLUnmapBufferObjectAsync)
INTEROP(cudaGLUnregisterBufferObject)
INTEROP(cudaGraphicsEGLRegisterImage)
INTEROP(cudaGraphicsGLRegisterBuffer)
INTEROP(cudaGraphicsGLRegisterImage)
INTEROP(cudaGraphicsResourceGetMappedEglFrame)
INTEROP(cudaGraphicsVDPAURegisterOutputSurface)
INTEROP(cudaGraphicsVDPAURegisterVideoSurface)
INTEROP(cudaVDPAUGetDevice)
INTEROP(cudaVDPAUSetVDPAUDevice)

/* ---- device lookups across the remote GPUs ----------------------------- */

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

GVRT_API cudaError_t CUDARTAPI cudaDeviceGetByPCIBusId(int *device,
                                                       const char *bus)
{
    char want[32], have[32], id[32];
    int n = 0;
    cudaError_t err;

    if (device == NULL || bus == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = cudaGetDeviceCount(&n);
    if (err != cudaSuccess) {
        return err;
    }
    pci_normalise(bus, want, sizeof(want));
    for (int i = 0; i < n; i++) {
        err = cudaDeviceGetPCIBusId(id, sizeof(id), i);
        if (err != cudaSuccess) {
            return err;
        }
        pci_normalise(id, have, sizeof(have));
        if (strcmp(want, have) == 0) {
            *device = i;
            return cudaSuccess;
        }
    }
    return gvrt_fail(cudaErrorInvalidDevice);
}

/* The device whose compute capability is nearest to the one asked for
 * (CUDA's rule for the fields that matter in practice). */
GVRT_API cudaError_t CUDARTAPI
cudaChooseDevice(int *device, const struct cudaDeviceProp *want)
{
    int n = 0, best = 0;
    long best_score = -1;
    cudaError_t err;

    if (device == NULL || want == NULL) {
        return gvrt_fail(cudaErrorInvalidValue);
    }
    err = cudaGetDeviceCount(&n);
    if (err != cudaSuccess) {
        return err;
    }
    for (int i = 0; i < n; i++) {
        const struct cudaDeviceProp *p = gvrt_dev_prop(gvf_dev(i));
        long score;
        if (p == NULL) {
            continue;
        }
        score = 1000 - labs((long)(p->major * 10 + p->minor) -
                            (long)(want->major * 10 + want->minor));
        if (want->name[0] != '\0' &&
            strncmp(p->name, want->name, sizeof(p->name)) == 0) {
            score += 10000;
        }
        if (score > best_score) {
            best_score = score;
            best = i;
        }
    }
    *device = best;
    return cudaSuccess;
}
