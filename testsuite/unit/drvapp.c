/*
 * drvapp.c - a driver-API program (no kernels) linked against our
 * libcuda.so.1, libcudart.so.13 and libnvidia-ml.so.1, driven by
 * test_gvd_cuda.c against gvd's simulated device.
 *
 *   drvapp MODE
 *
 * Each mode exits 0 when every result was right; a failure prints one
 * line saying what differed.  Calls the simulator has no driver function
 * for must answer CUDA_ERROR_NOT_SUPPORTED cleanly.
 */
#include <cuda.h>
#include <cuda_runtime_api.h>
#include <nvml.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *name_of(CUresult e)
{
    const char *s = NULL;

    return cuGetErrorName(e, &s) == CUDA_SUCCESS ? s : "?";
}

#define EXPECT(call, want)                                                    \
    do {                                                                      \
        CUresult e_ = (call);                                                 \
        if (e_ != (want)) {                                                   \
            printf("FAIL %s:%d %s -> %s (%d), wanted %s\n", __FILE__,         \
                   __LINE__, #call, name_of(e_), (int)e_, name_of(want));     \
            exit(1);                                                          \
        }                                                                     \
    } while (0)

#define CHECK(call) EXPECT(call, CUDA_SUCCESS)

#define TRUE(cond)                                                            \
    do {                                                                      \
        if (!(cond)) {                                                        \
            printf("FAIL %s:%d %s\n", __FILE__, __LINE__, #cond);             \
            exit(1);                                                          \
        }                                                                     \
    } while (0)

static void fill(uint8_t *p, size_t n, unsigned seed)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (uint8_t)(i * 13 + seed + (i >> 11));
    }
}

/* cuInit, versions, devices, errors, the primary context. */
static int mode_basic(void)
{
    CUcontext cur = NULL, prim = NULL;
    CUdevice dev = -1, d2 = -1;
    const char *s = NULL;
    char name[64];
    size_t total = 0;
    int n = 0, v = 0;

    EXPECT(cuDeviceGetCount(&n), CUDA_ERROR_NOT_INITIALIZED);
    CHECK(cuDriverGetVersion(&v)); /* works before cuInit */
    TRUE(v >= 12000);
    EXPECT(cuInit(1), CUDA_ERROR_INVALID_VALUE);
    CHECK(cuInit(0));
    CHECK(cuDeviceGetCount(&n));
    TRUE(n == 1);
    CHECK(cuDeviceGet(&dev, 0));
    EXPECT(cuDeviceGet(&d2, 1), CUDA_ERROR_INVALID_DEVICE);
    CHECK(cuDeviceGetName(name, sizeof(name), dev));
    TRUE(strcmp(name, "gvirtus simulated GPU") == 0);
    CHECK(cuDeviceTotalMem(&total, dev));
    TRUE(total > 0);
    CHECK(cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_WARP_SIZE, dev));
    TRUE(v == 32);
    EXPECT(cuDeviceGetAttribute(&v, CU_DEVICE_ATTRIBUTE_WARP_SIZE, 7),
           CUDA_ERROR_INVALID_DEVICE);
    CHECK(cuGetErrorName(CUDA_ERROR_INVALID_VALUE, &s));
    TRUE(strcmp(s, "CUDA_ERROR_INVALID_VALUE") == 0);
    CHECK(cuGetErrorString(CUDA_ERROR_OUT_OF_MEMORY, &s));
    TRUE(strcmp(s, "out of memory") == 0);
    EXPECT(cuGetErrorName((CUresult)12345, &s), CUDA_ERROR_INVALID_VALUE);
    CHECK(cuCtxGetCurrent(&cur));
    CHECK(cuDevicePrimaryCtxRetain(&prim, dev));
    TRUE(cur != NULL && cur == prim);
    CHECK(cuCtxSetCurrent(prim));
    CHECK(cuCtxGetDevice(&d2));
    TRUE(d2 == 0);
    CHECK(cuCtxSynchronize());
    CHECK(cuCtxPushCurrent(prim));
    CHECK(cuCtxPopCurrent(&cur));
    TRUE(cur == prim);
    EXPECT(cuCtxSetCurrent((CUcontext)(uintptr_t)0x1234),
           CUDA_ERROR_INVALID_CONTEXT);
    CHECK(cuDevicePrimaryCtxRelease(dev));
    printf("OK basic\n");
    return 0;
}

static void round_trip(size_t n, int pinned)
{
    uint8_t *h, *back;
    CUdeviceptr d, d2;
    CUstream s;

    if (pinned) {
        CHECK(cuMemHostAlloc((void **)&h, n, 0));
        CHECK(cuMemAllocHost((void **)&back, n));
    } else {
        h = malloc(n);
        back = malloc(n);
    }
    fill(h, n, (unsigned)n);
    memset(back, 0, n);
    CHECK(cuStreamCreate(&s, CU_STREAM_NON_BLOCKING));
    CHECK(cuMemAlloc(&d, n));
    CHECK(cuMemAlloc(&d2, n));
    CHECK(cuMemcpyHtoD(d, h, n));
    CHECK(cuMemcpyDtoD(d2, d, n));
    CHECK(cuMemcpyDtoH(back, d2, n));
    TRUE(memcmp(h, back, n) == 0);
    memset(back, 0, n);
    CHECK(cuMemcpyHtoDAsync(d, h, n, s));
    CHECK(cuMemcpyDtoDAsync(d2, d, n, s));
    CHECK(cuMemcpyDtoHAsync(back, d2, n, s));
    CHECK(cuStreamSynchronize(s));
    TRUE(memcmp(h, back, n) == 0);
    memset(back, 0, n);
    CHECK(cuMemcpy((CUdeviceptr)(uintptr_t)back, d2, n)); /* unified */
    TRUE(memcmp(h, back, n) == 0);
    CHECK(cuMemFree(d));
    CHECK(cuMemFree(d2));
    CHECK(cuStreamDestroy(s));
    if (pinned) {
        CHECK(cuMemFreeHost(h));
        CHECK(cuMemFreeHost(back));
    } else {
        free(h);
        free(back);
    }
}

/* Allocations, copies, memsets, pinned memory, attributes. */
static int mode_memory(void)
{
    static const size_t sizes[] = { 1, 4096, 65536, (3 << 20) + 5 };
    uint8_t h[64 * 32], back[64 * 32];
    uint32_t words[16];
    CUDA_MEMCPY2D m;
    CUdeviceptr d, base = 0;
    size_t pitch = 0, free0 = 0, total = 0, size = 0;
    unsigned int type = 0;
    int ordinal = -1;

    CHECK(cuInit(0));
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        round_trip(sizes[i], 0);
        round_trip(sizes[i], 1);
    }
    EXPECT(cuMemAlloc(&d, 0), CUDA_ERROR_INVALID_VALUE);
    CHECK(cuMemGetInfo(&free0, &total));
    TRUE(free0 > 0 && free0 <= total);
    CHECK(cuMemAlloc(&d, sizeof(words)));
    CHECK(cuMemsetD32(d, 0xabcd1234u, 16));
    CHECK(cuMemcpyDtoH(words, d, sizeof(words)));
    TRUE(words[0] == 0xabcd1234u && words[15] == 0xabcd1234u);
    CHECK(cuMemsetD8(d, 7, 3));
    CHECK(cuMemcpyDtoH(words, d, 4));
    TRUE(words[0] == 0xab070707u);
    EXPECT(cuMemsetD8(d, 1, sizeof(words) + 1), CUDA_ERROR_INVALID_VALUE);
    CHECK(cuPointerGetAttribute(&type, CU_POINTER_ATTRIBUTE_MEMORY_TYPE,
                                d + 8));
    TRUE(type == CU_MEMORYTYPE_DEVICE);
    CHECK(cuPointerGetAttribute(&ordinal,
                                CU_POINTER_ATTRIBUTE_DEVICE_ORDINAL, d));
    TRUE(ordinal == 0);
    CHECK(cuMemGetAddressRange(&base, &size, d + 5));
    TRUE(base == d && size == sizeof(words));
    CHECK(cuMemFree(d));
    EXPECT(cuMemFree(d), CUDA_ERROR_INVALID_VALUE);

    /* A 2D copy into a pitched allocation and back. */
    CHECK(cuMemAllocPitch(&d, &pitch, 64, 32, 4));
    TRUE(pitch >= 64);
    fill(h, sizeof(h), 3);
    memset(&m, 0, sizeof(m));
    m.srcMemoryType = CU_MEMORYTYPE_HOST;
    m.srcHost = h;
    m.srcPitch = 64;
    m.dstMemoryType = CU_MEMORYTYPE_DEVICE;
    m.dstDevice = d;
    m.dstPitch = pitch;
    m.WidthInBytes = 64;
    m.Height = 32;
    CHECK(cuMemcpy2D(&m));
    memset(&m, 0, sizeof(m));
    m.srcMemoryType = CU_MEMORYTYPE_UNIFIED;
    m.srcDevice = d;
    m.srcPitch = pitch;
    m.dstMemoryType = CU_MEMORYTYPE_HOST;
    m.dstHost = back;
    m.dstPitch = 64;
    m.WidthInBytes = 64;
    m.Height = 32;
    CHECK(cuMemcpy2D(&m));
    TRUE(memcmp(h, back, sizeof(h)) == 0);
    CHECK(cuMemFree(d));
    printf("OK memory\n");
    return 0;
}

/* The runtime and the driver API share pointers, streams and contexts. */
static int mode_interop(void)
{
    uint8_t h[4096], back[4096];
    struct cudaPointerAttributes a;
    CUdeviceptr d;
    CUcontext ctx = NULL, prim = NULL;
    CUstream s;
    void *p = NULL, *fn = NULL;
    enum cudaDriverEntryPointQueryResult q;
    CUdriverProcAddressQueryResult cq;
    typedef CUresult (*alloc_t)(CUdeviceptr *, size_t);

    fill(h, sizeof(h), 9);
    /* cudaMalloc memory in driver copies. */
    TRUE(cudaSetDevice(0) == cudaSuccess);
    TRUE(cudaMalloc(&p, sizeof(h)) == cudaSuccess);
    CHECK(cuMemcpyHtoD((CUdeviceptr)(uintptr_t)p, h, sizeof(h)));
    TRUE(cudaMemcpy(back, p, sizeof(h), cudaMemcpyDeviceToHost) ==
         cudaSuccess);
    TRUE(memcmp(h, back, sizeof(h)) == 0);
    TRUE(cudaFree(p) == cudaSuccess);
    /* cuMemAlloc memory in runtime copies (cudaMemcpyDefault). */
    CHECK(cuMemAlloc(&d, sizeof(h)));
    TRUE(cudaMemcpy((void *)(uintptr_t)d, h, sizeof(h), cudaMemcpyDefault) ==
         cudaSuccess);
    memset(back, 0, sizeof(back));
    CHECK(cuMemcpyDtoH(back, d, sizeof(back)));
    TRUE(memcmp(h, back, sizeof(h)) == 0);
    TRUE(cudaPointerGetAttributes(&a, (void *)(uintptr_t)d) == cudaSuccess);
    TRUE(a.type == cudaMemoryTypeDevice && a.device == 0);
    /* A driver stream in runtime calls. */
    CHECK(cuStreamCreate(&s, 0));
    TRUE(cudaMemcpyAsync(back, (void *)(uintptr_t)d, sizeof(h),
                         cudaMemcpyDeviceToHost, (cudaStream_t)s) ==
         cudaSuccess);
    TRUE(cudaStreamSynchronize((cudaStream_t)s) == cudaSuccess);
    CHECK(cuStreamDestroy(s));
    /* After cudaSetDevice the thread's context is the primary one. */
    CHECK(cuCtxGetCurrent(&ctx));
    CHECK(cuDevicePrimaryCtxRetain(&prim, 0));
    TRUE(ctx == prim);
    /* Its state, kept by the client once active, follows flag changes
     * made through either library. */
    {
        unsigned fl = 0;
        int act = 0;

        CHECK(cuDevicePrimaryCtxGetState(0, &fl, &act));
        TRUE(act == 1);
        CHECK(cuDevicePrimaryCtxGetState(0, &fl, &act));
        TRUE(act == 1);
        CHECK(cuDevicePrimaryCtxSetFlags(0, CU_CTX_SCHED_BLOCKING_SYNC));
        CHECK(cuDevicePrimaryCtxGetState(0, &fl, &act));
        TRUE(fl == CU_CTX_SCHED_BLOCKING_SYNC && act == 1);
        TRUE(cudaSetDeviceFlags(cudaDeviceScheduleSpin) == cudaSuccess);
        CHECK(cuDevicePrimaryCtxGetState(0, &fl, &act));
        TRUE(fl == cudaDeviceScheduleSpin);
        EXPECT(cuDevicePrimaryCtxGetState(0, NULL, &act),
               CUDA_ERROR_INVALID_VALUE);
        EXPECT(cuDevicePrimaryCtxGetState(99, &fl, &act),
               CUDA_ERROR_INVALID_DEVICE);
    }
    /* Entry points are ours. */
    TRUE(cudaGetDriverEntryPointByVersion("cuMemAlloc", &fn, 13000,
                                          cudaEnableDefault, &q) ==
         cudaSuccess);
    TRUE(q == cudaDriverEntryPointSuccess && fn == (void *)cuMemAlloc_v2);
    CHECK(((alloc_t)fn)(&d, 64));
    CHECK(cuMemFree(d));
    CHECK(cuGetProcAddress("cuMemcpyHtoD", &fn, 13000,
                           CU_GET_PROC_ADDRESS_PER_THREAD_DEFAULT_STREAM, &cq));
    TRUE(cq == CU_GET_PROC_ADDRESS_SUCCESS && fn != NULL &&
         fn != (void *)cuMemcpyHtoD_v2);
    /* As the real driver (seen on the H100): a miss is CUDA_SUCCESS when
     * the caller takes the status, which carries the miss. */
    EXPECT(cuGetProcAddress("cuNoSuchThing", &fn, 13000, 0, &cq),
           CUDA_SUCCESS);
    TRUE(cq == CU_GET_PROC_ADDRESS_SYMBOL_NOT_FOUND && fn == NULL);
    printf("OK interop\n");
    return 0;
}

/* Forged values are refused; what the simulator lacks is not supported. */
static int mode_errors(void)
{
    uint8_t h[64] = { 0 };
    CUmodule mod;
    CUevent ev;
    CUdeviceptr d;
    CUstream s;

    CHECK(cuInit(0));
    EXPECT(cuMemcpyHtoD((CUdeviceptr)0x1234000, h, sizeof(h)),
           CUDA_ERROR_INVALID_VALUE);
    EXPECT(cuStreamSynchronize((CUstream)(uintptr_t)0xdead0),
           CUDA_ERROR_INVALID_HANDLE);
    CHECK(cuStreamCreate(&s, 0));
    CHECK(cuMemAlloc(&d, 64));
    EXPECT(cuMemsetD8(d + 60, 0, 8), CUDA_ERROR_INVALID_VALUE);
    /* One-way calls fail later, at a synchronisation. */
    CHECK(cuEventRecord((CUevent)(uintptr_t)0xbad0, s));
    EXPECT(cuStreamSynchronize(s), CUDA_ERROR_INVALID_HANDLE);
    CHECK(cuStreamSynchronize(s));
    CHECK(cuEventCreate(&ev, 0));
    CHECK(cuEventRecord(ev, s));
    CHECK(cuEventSynchronize(ev));
    CHECK(cuEventDestroy(ev));
    EXPECT(cuEventSynchronize(ev), CUDA_ERROR_INVALID_HANDLE);
    /* No driver function of that name on the simulator. */
    EXPECT(cuMemsetD16(d, 1, 4), CUDA_ERROR_NOT_SUPPORTED);
    EXPECT(cuModuleLoadData(&mod, "// not PTX\n"), CUDA_ERROR_NOT_SUPPORTED);
    /* Not remoted at all. */
    EXPECT(cuGraphicsUnregisterResource(NULL), CUDA_ERROR_NOT_SUPPORTED);
    EXPECT(cuMemAllocManaged(&d, 64, CU_MEM_ATTACH_GLOBAL),
           CUDA_ERROR_NOT_SUPPORTED);
    CHECK(cuMemFree(d));
    CHECK(cuStreamDestroy(s));
    printf("OK errors\n");
    return 0;
}

/* NVML: the simulator's worker has no libnvidia-ml.so.1. */
static int mode_nvml(void)
{
    nvmlReturn_t r = nvmlInit_v2();
    unsigned int n = 99;

    printf("nvmlInit: %d (%s)\n", (int)r, nvmlErrorString(r));
    if (r == NVML_SUCCESS) {
        TRUE(nvmlDeviceGetCount_v2(&n) == NVML_SUCCESS && n == 1);
        TRUE(nvmlShutdown() == NVML_SUCCESS);
    } else {
        TRUE(r == NVML_ERROR_LIBRARY_NOT_FOUND);
        TRUE(nvmlDeviceGetCount_v2(&n) == NVML_ERROR_UNINITIALIZED);
    }
    TRUE(nvmlDeviceSetPersistenceMode(NULL, NVML_FEATURE_ENABLED) ==
         NVML_ERROR_NOT_SUPPORTED);
    printf("OK nvml\n");
    return 0;
}

/*
 * fork() after cuInit and the first calls: in the child NVIDIA's driver
 * answers CUDA_ERROR_NOT_INITIALIZED to cuInit and every call (see
 * gvcu_status_to_result), and so do we, without touching the parent's
 * connection, even at exit; the parent carries on.
 */
static int mode_fork(void)
{
    uint8_t h[4096], back[4096];
    CUdeviceptr d = 0, dc = 0;
    CUdevice dev = -1;
    void *pin = NULL;
    int n = -1, st = 0;
    pid_t pid;

    CHECK(cuInit(0));
    fill(h, sizeof(h), 21);
    CHECK(cuMemAlloc(&d, sizeof(h)));
    CHECK(cuMemAllocHost(&pin, sizeof(h)));
    CHECK(cuMemcpyHtoD(d, h, sizeof(h)));
    fflush(stdout);
    pid = fork();
    if (pid == 0) {
        EXPECT(cuInit(0), CUDA_ERROR_NOT_INITIALIZED);
        EXPECT(cuDeviceGetCount(&n), CUDA_ERROR_NOT_INITIALIZED);
        EXPECT(cuDeviceGet(&dev, 0), CUDA_ERROR_NOT_INITIALIZED);
        EXPECT(cuMemAlloc(&dc, 64), CUDA_ERROR_NOT_INITIALIZED);
        EXPECT(cuMemcpyDtoH(back, d, sizeof(back)),
               CUDA_ERROR_NOT_INITIALIZED);
        EXPECT(cuMemFreeHost(pin), CUDA_ERROR_NOT_INITIALIZED);
        EXPECT(cuMemFree(d), CUDA_ERROR_NOT_INITIALIZED);
        EXPECT(cuCtxSynchronize(), CUDA_ERROR_NOT_INITIALIZED);
        TRUE(nvmlInit_v2() == NVML_ERROR_UNINITIALIZED);
        exit(0); /* atexit handlers: nothing may reach the worker */
    }
    TRUE(pid > 0 && waitpid(pid, &st, 0) == pid);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        printf("FAIL the child ended with status %#x\n", st);
        return 1;
    }
    memset(back, 0, sizeof(back));
    CHECK(cuMemcpyDtoH(back, d, sizeof(back)));
    TRUE(memcmp(h, back, sizeof(h)) == 0);
    memcpy(pin, h, sizeof(h));
    ((uint8_t *)pin)[7] ^= 0x3c;
    CHECK(cuMemcpyHtoDAsync(d, pin, sizeof(h), NULL));
    CHECK(cuCtxSynchronize());
    CHECK(cuMemcpyDtoH(back, d, sizeof(back)));
    TRUE(memcmp(pin, back, sizeof(h)) == 0);
    CHECK(cuDeviceGetCount(&n));
    TRUE(n == 1);
    round_trip(65536, 1);
    CHECK(cuMemFree(d));
    CHECK(cuMemFreeHost(pin));
    printf("OK fork\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr,
                "usage: drvapp basic|memory|interop|errors|nvml|fork\n");
        return 2;
    }
    if (strcmp(argv[1], "basic") == 0) {
        return mode_basic();
    }
    if (strcmp(argv[1], "memory") == 0) {
        return mode_memory();
    }
    if (strcmp(argv[1], "interop") == 0) {
        return mode_interop();
    }
    if (strcmp(argv[1], "errors") == 0) {
        return mode_errors();
    }
    if (strcmp(argv[1], "nvml") == 0) {
        return mode_nvml();
    }
    if (strcmp(argv[1], "fork") == 0) {
        return mode_fork();
    }
    fprintf(stderr, "drvapp: unknown mode %s\n", argv[1]);
    return 2;
}
