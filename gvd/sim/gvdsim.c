/*
 * gvdsim.c - libgvdsim.so, a simulated CUDA runtime for tests only.
 *
 * gvd loads it instead of the real libcudart when gvd.ini says
 * device = sim, so `make check` can drive the whole data path (memory,
 * copies, streams, events, handle validation, quotas, crash cleanup) on
 * machines without a GPU.  Device memory is host memory; every operation
 * completes at once, in call order, which is one valid schedule of CUDA's
 * stream semantics.  There are no kernels.  It is never a default and
 * never counts as GPU verification.
 *
 * It exports the runtime functions the worker uses, with NVIDIA's
 * prototypes; the worker resolves them with dlsym and treats a missing
 * one as "not supported".  Not thread-safe beyond what the worker needs
 * (one thread, plus host functions called inline).
 */
#include "gvdsim.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct sim_event {
    uint32_t magic;
    struct sim_event *next; /* all live events: reset destroys them */
    double t;             /* ms, CLOCK_MONOTONIC, at the last record */
    int recorded;
    unsigned flags;
} sim_event_t;

typedef struct sim_stream {
    uint32_t magic;
    struct sim_stream *next; /* all live streams: reset destroys them */
} sim_stream_t;


#define EVENT_MAGIC  0x45564e54u
#define STREAM_MAGIC 0x5354524du

static sim_alloc_t *allocs;
static sim_stream_t *streams;
static sim_event_t *events;
static size_t used, total;
static cudaError_t last_error;

static size_t sim_total(void)
{
    const char *v;

    if (total == 0) {
        v = getenv("GVIRTUS_SIM_MEMORY");
        total = v ? strtoull(v, NULL, 10) : (size_t)1 << 30;
    }
    return total;
}

cudaError_t sim_ret(cudaError_t e)
{
    if (e != cudaSuccess) {
        last_error = e;
        sim_log_error(e);
    }
    return e;
}

/*
 * Device addresses are the host memory behind them moved up by
 * DEV_OFFSET, as a GPU's live in a range of their own: a device pointer
 * never equals a host address of the client (under ASan every process's
 * allocator hands out the same addresses, so without this a client's
 * buffer would look like device memory to its unified-address checks).
 * The memory itself stays calloc'ed, so ASan still sees overruns.
 */
#define DEV_OFFSET ((uintptr_t)0x100000000000ull)

void *sim_dev_of(const void *host)
{
    return (void *)((uintptr_t)host + DEV_OFFSET);
}

void *sim_host_of(const void *dev)
{
    return (void *)((uintptr_t)dev - DEV_OFFSET);
}

/* The allocation holding device range [p, p+len). */
sim_alloc_t *sim_find(const void *p, size_t len)
{
    for (sim_alloc_t *a = allocs; a != NULL; a = a->next) {
        uintptr_t b = (uintptr_t)sim_dev_of(a->p), x = (uintptr_t)p;
        if (x >= b && x - b <= a->size && len <= a->size - (x - b)) {
            return a;
        }
    }
    return NULL;
}

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int sim_stream_ok(cudaStream_t s)
{
    return s == NULL || s == cudaStreamLegacy || s == cudaStreamPerThread ||
           ((sim_stream_t *)s)->magic == STREAM_MAGIC;
}

/* ---- device ---------------------------------------------------------------- */

SIM cudaError_t cudaGetDeviceCount(int *count)
{
    if (count == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    *count = 1;
    return cudaSuccess;
}

SIM cudaError_t cudaSetDevice(int dev)
{
    return sim_ret(dev == 0 ? cudaSuccess : cudaErrorInvalidDevice);
}

SIM cudaError_t cudaGetDevice(int *dev)
{
    if (dev == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    *dev = 0;
    return cudaSuccess;
}

SIM cudaError_t cudaGetDeviceProperties(struct cudaDeviceProp *p, int dev)
{
    if (p == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    if (dev != 0) {
        return sim_ret(cudaErrorInvalidDevice);
    }
    memset(p, 0, sizeof(*p));
    strcpy(p->name, "gvirtus simulated GPU");
    p->uuid.bytes[15] = 1;
    p->totalGlobalMem = sim_total();
    p->sharedMemPerBlock = 48 << 10;
    p->sharedMemPerBlockOptin = 227 << 10;
    p->regsPerBlock = 65536;
    p->warpSize = 32;
    p->maxThreadsPerBlock = 1024;
    p->maxThreadsDim[0] = p->maxThreadsDim[1] = 1024;
    p->maxThreadsDim[2] = 64;
    p->maxGridSize[0] = 0x7fffffff;
    p->maxGridSize[1] = p->maxGridSize[2] = 65535;
    p->totalConstMem = 65536;
    p->major = 9;
    p->multiProcessorCount = 1;
    p->unifiedAddressing = 1;
    p->asyncEngineCount = 2;
    p->concurrentKernels = 1;
    return cudaSuccess;
}

SIM cudaError_t cudaDeviceGetAttribute(int *v, enum cudaDeviceAttr a, int d)
{
    struct cudaDeviceProp p;

    if (v == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    if (cudaGetDeviceProperties(&p, d) != cudaSuccess) {
        return sim_ret(cudaErrorInvalidDevice);
    }
    switch (a) {
    case cudaDevAttrMaxThreadsPerBlock: *v = p.maxThreadsPerBlock; break;
    case cudaDevAttrMaxBlockDimX: *v = p.maxThreadsDim[0]; break;
    case cudaDevAttrMaxBlockDimY: *v = p.maxThreadsDim[1]; break;
    case cudaDevAttrMaxBlockDimZ: *v = p.maxThreadsDim[2]; break;
    case cudaDevAttrMaxGridDimX: *v = p.maxGridSize[0]; break;
    case cudaDevAttrMaxGridDimY: *v = p.maxGridSize[1]; break;
    case cudaDevAttrMaxGridDimZ: *v = p.maxGridSize[2]; break;
    case cudaDevAttrWarpSize: *v = 32; break;
    case cudaDevAttrMultiProcessorCount: *v = 1; break;
    case cudaDevAttrComputeCapabilityMajor: *v = p.major; break;
    case cudaDevAttrComputeCapabilityMinor: *v = p.minor; break;
    case cudaDevAttrMaxSharedMemoryPerBlock: *v = (int)p.sharedMemPerBlock; break;
    case cudaDevAttrMaxSharedMemoryPerBlockOptin:
        *v = (int)p.sharedMemPerBlockOptin;
        break;
    default: *v = 0; break;
    }
    return cudaSuccess;
}

SIM cudaError_t cudaDeviceSynchronize(void) { return cudaSuccess; }

SIM cudaError_t cudaDeviceReset(void)
{
    /* Like CUDA: every stream and event of the context goes too. */
    while (streams != NULL) {
        sim_stream_t *st = streams;
        streams = st->next;
        st->magic = 0;
        free(st);
    }
    while (events != NULL) {
        sim_event_t *ev = events;
        events = ev->next;
        ev->magic = 0;
        free(ev);
    }
    sim_graphs_reset();
    while (allocs != NULL) {
        sim_alloc_t *a = allocs;
        allocs = a->next;
        if (!a->borrowed) {
            free(a->p);
        }
        free(a);
    }
    used = 0;
    return cudaSuccess;
}

SIM cudaError_t cudaDriverGetVersion(int *v)
{
    if (v == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    *v = CUDART_VERSION;
    return cudaSuccess;
}

SIM cudaError_t cudaRuntimeGetVersion(int *v)
{
    return cudaDriverGetVersion(v);
}

SIM cudaError_t cudaGetLastError(void)
{
    cudaError_t e = last_error;

    last_error = cudaSuccess;
    return e;
}

SIM cudaError_t cudaPeekAtLastError(void) { return last_error; }

SIM const char *cudaGetErrorName(cudaError_t e)
{
    return e == cudaSuccess ? "cudaSuccess" : "cudaErrorSimulated";
}

SIM const char *cudaGetErrorString(cudaError_t e)
{
    return e == cudaSuccess ? "no error" : "error (simulated device)";
}

/* ---- memory ---------------------------------------------------------------------- */

SIM cudaError_t cudaMalloc(void **p, size_t size)
{
    sim_alloc_t *a;

    if (p == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    if (size > sim_total() - used) {
        sim_over_budget(size - (sim_total() - used));
        return sim_ret(cudaErrorMemoryAllocation);
    }
    a = calloc(1, sizeof(*a));
    if (a == NULL || (a->p = calloc(1, size ? size : 1)) == NULL) {
        free(a);
        return sim_ret(cudaErrorMemoryAllocation);
    }
    a->size = size;
    a->next = allocs;
    allocs = a;
    used += size;
    *p = sim_dev_of(a->p);
    return cudaSuccess;
}

cudaError_t sim_alloc_borrow(void *host, size_t size, void **dev_p)
{
    sim_alloc_t *a = calloc(1, sizeof(*a));

    if (a == NULL) {
        return cudaErrorMemoryAllocation;
    }
    a->p = host;
    a->size = size;
    a->borrowed = 1;
    a->next = allocs;
    allocs = a;
    *dev_p = sim_dev_of(host);
    return cudaSuccess;
}

void sim_alloc_unborrow(const void *host, size_t size)
{
    uintptr_t b = (uintptr_t)host;

    for (sim_alloc_t **pp = &allocs; *pp != NULL;) {
        sim_alloc_t *a = *pp;
        uintptr_t x = (uintptr_t)a->p;
        if (a->borrowed && x >= b && x - b < size) {
            *pp = a->next;
            free(a);
        } else {
            pp = &a->next;
        }
    }
}

SIM cudaError_t cudaFree(void *p)
{
    for (sim_alloc_t **pp = &allocs; *pp != NULL; pp = &(*pp)->next) {
        if (p != NULL && (*pp)->p == sim_host_of(p)) {
            sim_alloc_t *a = *pp;
            *pp = a->next;
            if (!a->borrowed) {
                used -= a->size;
                free(a->p);
            }
            free(a);
            return cudaSuccess;
        }
    }
    return sim_ret(p == NULL ? cudaSuccess : cudaErrorInvalidValue);
}

SIM cudaError_t cudaMallocPitch(void **p, size_t *pitch, size_t w, size_t h)
{
    size_t pt = (w + 511) & ~(size_t)511;

    if (pitch == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    *pitch = pt;
    return cudaMalloc(p, pt * h);
}

SIM cudaError_t cudaMalloc3D(struct cudaPitchedPtr *pp, struct cudaExtent e)
{
    size_t pitch;
    void *p;
    cudaError_t r = cudaMallocPitch(&p, &pitch, e.width, e.height * e.depth);

    if (r == cudaSuccess) {
        *pp = gvx_pitched(p, pitch, e.width, e.height);
    }
    return r;
}

SIM cudaError_t cudaMallocAsync(void **p, size_t size, cudaStream_t s)
{
    return sim_stream_ok(s) ? cudaMalloc(p, size)
                        : sim_ret(cudaErrorInvalidResourceHandle);
}

SIM cudaError_t cudaFreeAsync(void *p, cudaStream_t s)
{
    return sim_stream_ok(s) ? cudaFree(p) : sim_ret(cudaErrorInvalidResourceHandle);
}

SIM cudaError_t cudaMemGetInfo(size_t *free_p, size_t *total_p)
{
    if (free_p == NULL || total_p == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    *total_p = sim_total();
    *free_p = sim_total() - used;
    return cudaSuccess;
}

SIM cudaError_t cudaHostAlloc(void **p, size_t size, unsigned int flags)
{
    (void)flags;
    if (p == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    *p = malloc(size ? size : 1);
    return *p ? cudaSuccess : sim_ret(cudaErrorMemoryAllocation);
}

SIM cudaError_t cudaFreeHost(void *p)
{
    free(p);
    return cudaSuccess;
}

/* Which sides of a copy of kind k are device memory (Default: those
 * that are).  Device addresses must be ours; host addresses are the
 * worker's own. */
static cudaError_t copy_sides(const void *dst, const void *src, size_t n,
                              enum cudaMemcpyKind k, int *dd_p, int *sd_p)
{
    int dd = k == cudaMemcpyHostToDevice || k == cudaMemcpyDeviceToDevice;
    int sd = k == cudaMemcpyDeviceToHost || k == cudaMemcpyDeviceToDevice;

    if (k > cudaMemcpyDefault) {
        return cudaErrorInvalidMemcpyDirection;
    }
    if (k == cudaMemcpyDefault) {
        dd = sim_find(dst, n) != NULL;
        sd = sim_find(src, n) != NULL;
    }
    if ((dd && sim_find(dst, n) == NULL) || (sd && sim_find(src, n) == NULL)) {
        return cudaErrorInvalidValue;
    }
    *dd_p = dd;
    *sd_p = sd;
    return cudaSuccess;
}

SIM cudaError_t cudaMemcpy(void *dst, const void *src, size_t n,
                           enum cudaMemcpyKind k)
{
    int dd = 0, sd = 0;
    cudaError_t r = copy_sides(dst, src, n, k, &dd, &sd);

    if (r == cudaSuccess && n > 0) {
        memmove(dd ? sim_host_of(dst) : dst, sd ? sim_host_of(src) : src, n);
    }
    return sim_ret(r);
}

SIM cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t n,
                                enum cudaMemcpyKind k, cudaStream_t s)
{
    if (!sim_stream_ok(s)) {
        return sim_ret(cudaErrorInvalidResourceHandle);
    }
    return cudaMemcpy(dst, src, n, k);
}

SIM cudaError_t cudaMemcpy3DAsync(const struct cudaMemcpy3DParms *p,
                                  cudaStream_t s)
{
    const struct cudaExtent e = p->extent;
    char *dbase = p->dstPtr.ptr;
    const char *sbase = p->srcPtr.ptr;
    int dd, sd;

    if (sim_stream_ok(s) && (p->srcArray || p->dstArray)) {
        return sim_ret(sim_copy3d_array(p));
    }
    if (!sim_stream_ok(s) ||
        copy_sides(dbase, sbase, 0, p->kind, &dd, &sd) != cudaSuccess) {
        return sim_ret(cudaErrorInvalidValue);
    }
    /* The worker checked the spans; here only the sides. */
    dbase = dd ? sim_host_of(dbase) : dbase;
    sbase = sd ? sim_host_of(sbase) : sbase;
    for (size_t z = 0; z < e.depth; z++) {
        for (size_t y = 0; y < e.height; y++) {
            char *d = dbase +
                      ((z + p->dstPos.z) * p->dstPtr.ysize + y + p->dstPos.y) *
                          p->dstPtr.pitch + p->dstPos.x;
            const char *src = sbase +
                              ((z + p->srcPos.z) * p->srcPtr.ysize + y +
                               p->srcPos.y) * p->srcPtr.pitch + p->srcPos.x;
            memmove(d, src, e.width);
        }
    }
    return cudaSuccess;
}

SIM cudaError_t cudaMemset(void *p, int v, size_t n)
{
    if (sim_find(p, n) == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    memset(sim_host_of(p), v, n);
    return cudaSuccess;
}

SIM cudaError_t cudaMemsetAsync(void *p, int v, size_t n, cudaStream_t s)
{
    return sim_stream_ok(s) ? cudaMemset(p, v, n)
                        : sim_ret(cudaErrorInvalidResourceHandle);
}

SIM cudaError_t cudaMemset2D(void *p, size_t pitch, int v, size_t w,
                             size_t h)
{
    if (h == 0 || w == 0) {
        return cudaSuccess;
    }
    if (w > pitch || sim_find(p, pitch * (h - 1) + w) == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    for (size_t y = 0; y < h; y++) {
        memset((char *)sim_host_of(p) + y * pitch, v, w);
    }
    return cudaSuccess;
}

SIM cudaError_t cudaMemset2DAsync(void *p, size_t pitch, int v, size_t w,
                                  size_t h, cudaStream_t s)
{
    return sim_stream_ok(s) ? cudaMemset2D(p, pitch, v, w, h)
                        : sim_ret(cudaErrorInvalidResourceHandle);
}

SIM cudaError_t cudaPointerGetAttributes(struct cudaPointerAttributes *a,
                                         const void *p)
{
    sim_alloc_t *al = sim_find(p, 0);

    if (a == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    memset(a, 0, sizeof(*a));
    a->type = al ? cudaMemoryTypeDevice : cudaMemoryTypeUnregistered;
    a->devicePointer = al ? (void *)p : NULL;
    return cudaSuccess;
}

/* ---- streams and events -------------------------------------------------------- */

SIM cudaError_t cudaStreamCreateWithPriority(cudaStream_t *s, unsigned f,
                                             int prio)
{
    sim_stream_t *st;

    (void)f;
    (void)prio;
    if (s == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    st = calloc(1, sizeof(*st));
    if (st == NULL) {
        return sim_ret(cudaErrorMemoryAllocation);
    }
    st->magic = STREAM_MAGIC;
    st->next = streams;
    streams = st;
    *s = (cudaStream_t)st;
    return cudaSuccess;
}

SIM cudaError_t cudaStreamCreateWithFlags(cudaStream_t *s, unsigned f)
{
    return cudaStreamCreateWithPriority(s, f, 0);
}

SIM cudaError_t cudaStreamCreate(cudaStream_t *s)
{
    return cudaStreamCreateWithPriority(s, 0, 0);
}

SIM cudaError_t cudaStreamDestroy(cudaStream_t s)
{
    if (s == NULL || !sim_stream_ok(s)) {
        return sim_ret(cudaErrorInvalidResourceHandle);
    }
    for (sim_stream_t **pp = &streams; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == (sim_stream_t *)s) {
            *pp = (*pp)->next;
            break;
        }
    }
    ((sim_stream_t *)s)->magic = 0;
    free(s);
    return cudaSuccess;
}

SIM cudaError_t cudaStreamSynchronize(cudaStream_t s)
{
    return sim_stream_ok(s) ? cudaSuccess : sim_ret(cudaErrorInvalidResourceHandle);
}

SIM cudaError_t cudaStreamQuery(cudaStream_t s)
{
    return cudaStreamSynchronize(s);
}

SIM cudaError_t cudaStreamWaitEvent(cudaStream_t s, cudaEvent_t e,
                                    unsigned f)
{
    (void)f;
    return sim_stream_ok(s) && e != NULL ? cudaSuccess
                                     : sim_ret(cudaErrorInvalidResourceHandle);
}

SIM cudaError_t cudaLaunchHostFunc(cudaStream_t s, cudaHostFn_t fn, void *a)
{
    if (!sim_stream_ok(s) || fn == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    fn(a); /* streams here are always idle: run it now */
    return cudaSuccess;
}

SIM cudaError_t cudaEventCreateWithFlags(cudaEvent_t *e, unsigned flags)
{
    sim_event_t *ev;

    if (e == NULL) {
        return sim_ret(cudaErrorInvalidValue);
    }
    ev = calloc(1, sizeof(*ev));
    if (ev == NULL) {
        return sim_ret(cudaErrorMemoryAllocation);
    }
    ev->magic = EVENT_MAGIC;
    ev->flags = flags;
    ev->next = events;
    events = ev;
    *e = (cudaEvent_t)ev;
    return cudaSuccess;
}

SIM cudaError_t cudaEventCreate(cudaEvent_t *e)
{
    return cudaEventCreateWithFlags(e, 0);
}

SIM cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t s)
{
    sim_event_t *ev = (sim_event_t *)e;

    if (ev == NULL || ev->magic != EVENT_MAGIC || !sim_stream_ok(s)) {
        return sim_ret(cudaErrorInvalidResourceHandle);
    }
    ev->t = now_ms();
    ev->recorded = 1;
    return cudaSuccess;
}

SIM cudaError_t cudaEventQuery(cudaEvent_t e)
{
    sim_event_t *ev = (sim_event_t *)e;

    return ev != NULL && ev->magic == EVENT_MAGIC
               ? cudaSuccess : sim_ret(cudaErrorInvalidResourceHandle);
}

SIM cudaError_t cudaEventSynchronize(cudaEvent_t e)
{
    return cudaEventQuery(e);
}

SIM cudaError_t cudaEventElapsedTime(float *ms, cudaEvent_t a, cudaEvent_t b)
{
    sim_event_t *x = (sim_event_t *)a, *y = (sim_event_t *)b;

    if (ms == NULL || x == NULL || y == NULL || x->magic != EVENT_MAGIC ||
        y->magic != EVENT_MAGIC) {
        return sim_ret(cudaErrorInvalidResourceHandle);
    }
    if ((x->flags | y->flags) & cudaEventDisableTiming) {
        return sim_ret(cudaErrorInvalidResourceHandle);
    }
    if (!x->recorded || !y->recorded) {
        return sim_ret(cudaErrorInvalidResourceHandle);
    }
    *ms = (float)(y->t - x->t);
    return cudaSuccess;
}

SIM cudaError_t cudaEventDestroy(cudaEvent_t e)
{
    sim_event_t *ev = (sim_event_t *)e;

    if (ev == NULL || ev->magic != EVENT_MAGIC) {
        return sim_ret(cudaErrorInvalidResourceHandle);
    }
    for (sim_event_t **pp = &events; *pp != NULL; pp = &(*pp)->next) {
        if (*pp == ev) {
            *pp = ev->next;
            break;
        }
    }
    ev->magic = 0;
    free(ev);
    return cudaSuccess;
}

/* ---- a subset of the driver API ----------------------------------------------------
 *
 * Enough for make check to drive the driver API's generated handlers
 * (routing, handle and pointer validation) on the simulated device: the
 * worker finds these by name in this library.  Each is the runtime
 * function above under the driver's name and codes (the codes used here
 * have the same values in both APIs).
 */
#include <cuda.h>

static int sim_ctx;                     /* the one "primary context" */

SIM CUresult cuDriverGetVersion(int *v)
{
    return (CUresult)cudaDriverGetVersion(v);
}

SIM CUresult cuDeviceGetName(char *name, int len, CUdevice dev)
{
    if (name == NULL || len <= 0) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (dev != 0) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    snprintf(name, (size_t)len, "%s", "gvirtus simulated GPU");
    return CUDA_SUCCESS;
}

SIM CUresult cuDeviceTotalMem_v2(size_t *bytes, CUdevice dev)
{
    if (bytes == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (dev != 0) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    *bytes = sim_total();
    return CUDA_SUCCESS;
}

SIM CUresult cuDeviceGetAttribute(int *v, CUdevice_attribute a, CUdevice d)
{
    return (CUresult)cudaDeviceGetAttribute(v, (enum cudaDeviceAttr)a, d);
}

SIM CUresult cuDevicePrimaryCtxRetain(CUcontext *ctx, CUdevice dev)
{
    if (ctx == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (dev != 0) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    *ctx = (CUcontext)&sim_ctx;
    return CUDA_SUCCESS;
}

/* The primary context's flags, one variable for the runtime's and the
 * driver's view, as on a GPU; it is always active here. */
static unsigned prim_flags;

SIM CUresult cuDevicePrimaryCtxGetState(CUdevice dev, unsigned int *flags,
                                        int *active)
{
    if (flags == NULL || active == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (dev != 0) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    *flags = prim_flags;
    *active = 1;
    return CUDA_SUCCESS;
}

SIM CUresult cuDevicePrimaryCtxSetFlags_v2(CUdevice dev, unsigned int flags)
{
    if (dev != 0) {
        return CUDA_ERROR_INVALID_DEVICE;
    }
    prim_flags = flags;
    return CUDA_SUCCESS;
}

SIM cudaError_t cudaSetDeviceFlags(unsigned int flags)
{
    prim_flags = flags & ~(unsigned)cudaDeviceMapHost;
    return cudaSuccess;
}

SIM cudaError_t cudaGetDeviceFlags(unsigned int *flags)
{
    if (flags == NULL) {
        return cudaErrorInvalidValue;
    }
    *flags = prim_flags | cudaDeviceMapHost;
    return cudaSuccess;
}

SIM CUresult cuCtxGetCurrent(CUcontext *ctx)
{
    if (ctx == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    *ctx = (CUcontext)&sim_ctx;
    return CUDA_SUCCESS;
}

SIM CUresult cuCtxSetCurrent(CUcontext ctx)
{
    return ctx == (CUcontext)&sim_ctx ? CUDA_SUCCESS
                                      : CUDA_ERROR_INVALID_CONTEXT;
}

SIM CUresult cuMemGetInfo_v2(size_t *free_p, size_t *total_p)
{
    return (CUresult)cudaMemGetInfo(free_p, total_p);
}

SIM CUresult cuMemsetD8_v2(CUdeviceptr p, unsigned char v, size_t n)
{
    return (CUresult)cudaMemset((void *)(uintptr_t)p, v, n);
}

SIM CUresult cuMemsetD32_v2(CUdeviceptr p, unsigned int v, size_t n)
{
    uint32_t *q = (uint32_t *)(uintptr_t)p;

    if (n > SIZE_MAX / 4 || sim_find(q, n * 4) == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    q = sim_host_of(q);
    for (size_t i = 0; i < n; i++) {
        q[i] = v;
    }
    return CUDA_SUCCESS;
}

SIM CUresult cuMemsetD8Async(CUdeviceptr p, unsigned char v, size_t n,
                             CUstream s)
{
    return (CUresult)cudaMemsetAsync((void *)(uintptr_t)p, v, n, s);
}

SIM CUresult cuStreamCreate(CUstream *s, unsigned int flags)
{
    return (CUresult)cudaStreamCreateWithFlags(s, flags);
}

SIM CUresult cuStreamDestroy_v2(CUstream s)
{
    return (CUresult)cudaStreamDestroy(s);
}

SIM CUresult cuStreamSynchronize(CUstream s)
{
    return (CUresult)cudaStreamSynchronize(s);
}

SIM CUresult cuStreamQuery(CUstream s)
{
    return (CUresult)cudaStreamQuery(s);
}

SIM CUresult cuEventCreate(CUevent *e, unsigned int flags)
{
    return (CUresult)cudaEventCreateWithFlags(e, flags);
}

SIM CUresult cuEventRecord(CUevent e, CUstream s)
{
    return (CUresult)cudaEventRecord(e, s);
}

SIM CUresult cuEventSynchronize(CUevent e)
{
    return (CUresult)cudaEventSynchronize(e);
}

SIM CUresult cuEventElapsedTime_v2(float *ms, CUevent a, CUevent b)
{
    return (CUresult)cudaEventElapsedTime(ms, a, b);
}

SIM CUresult cuEventDestroy_v2(CUevent e)
{
    return (CUresult)cudaEventDestroy(e);
}

SIM CUresult cuPointerGetAttribute(void *data, CUpointer_attribute a,
                                   CUdeviceptr p)
{
    sim_alloc_t *al = sim_find((void *)(uintptr_t)p, 0);

    if (data == NULL || al == NULL) {
        return CUDA_ERROR_INVALID_VALUE;
    }
    switch (a) {
    case CU_POINTER_ATTRIBUTE_MEMORY_TYPE:
        *(unsigned int *)data = CU_MEMORYTYPE_DEVICE;
        return CUDA_SUCCESS;
    case CU_POINTER_ATTRIBUTE_RANGE_START_ADDR:
        *(CUdeviceptr *)data = (CUdeviceptr)(uintptr_t)sim_dev_of(al->p);
        return CUDA_SUCCESS;
    case CU_POINTER_ATTRIBUTE_RANGE_SIZE:
        *(size_t *)data = al->size;
        return CUDA_SUCCESS;
    default:
        return CUDA_ERROR_NOT_SUPPORTED;
    }
}

SIM CUresult cuMemGetAddressRange_v2(CUdeviceptr *base, size_t *size,
                                     CUdeviceptr p)
{
    sim_alloc_t *al = sim_find((void *)(uintptr_t)p, 0);

    if (al == NULL) {
        return CUDA_ERROR_NOT_FOUND;
    }
    if (base != NULL) {
        *base = (CUdeviceptr)(uintptr_t)sim_dev_of(al->p);
    }
    if (size != NULL) {
        *size = al->size;
    }
    return CUDA_SUCCESS;
}
