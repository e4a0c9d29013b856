// nvml_query: what nvidia-smi-like tools and PyTorch ask NVML, printed
// only as stable facts (counts, name prefix, UUID format, memory total >
// 0, compute capability, the CUDA driver version agreeing with CUDA's).
// libnvidia-ml.so.1 is opened with dlopen, as PyTorch does.
#include "common.h"

#include <nvml.h>

#include <ctype.h>
#include <dlfcn.h>

static void *lib;

template <typename F> static F sym(const char *name)
{
    void *p = dlsym(lib, name);
    if (p == nullptr)
        test_fail("libnvidia-ml.so.1 has no %s", name);
    return (F)p;
}

#define NV(name) sym<decltype(&name)>(#name)

static bool uuid_ok(const char *u)
{
    // GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx
    static const int groups[] = { 8, 4, 4, 4, 12 };
    if (strncmp(u, "GPU-", 4) != 0)
        return false;
    u += 4;
    for (int g = 0; g < 5; g++) {
        for (int i = 0; i < groups[g]; i++, u++)
            if (!isxdigit((unsigned char)*u))
                return false;
        if (g < 4 && *u++ != '-')
            return false;
    }
    return *u == '\0';
}

int main()
{
    test_init("nvml_query");
    lib = dlopen("libnvidia-ml.so.1", RTLD_NOW);
    if (lib == nullptr)
        test_fail("cannot load libnvidia-ml.so.1: %s", dlerror());
    auto err = NV(nvmlErrorString);
    Timer t;
    t.start();
    nvmlReturn_t r = NV(nvmlInit_v2)();
    if (r != NVML_SUCCESS)
        test_fail("nvmlInit_v2: %s", err(r));

    unsigned n = 0;
    int cuda_n = 0;
    if ((r = NV(nvmlDeviceGetCount_v2)(&n)) != NVML_SUCCESS)
        test_fail("nvmlDeviceGetCount_v2: %s", err(r));
    CHECK(cudaGetDeviceCount(&cuda_n));
    printf("NVML devices == CUDA devices: %s\n",
           (int)n == cuda_n ? "yes" : "no");

    nvmlDevice_t dev;
    if ((r = NV(nvmlDeviceGetHandleByIndex_v2)(0, &dev)) != NVML_SUCCESS)
        test_fail("nvmlDeviceGetHandleByIndex_v2: %s", err(r));
    char name[NVML_DEVICE_NAME_V2_BUFFER_SIZE];
    if ((r = NV(nvmlDeviceGetName)(dev, name, sizeof(name))) != NVML_SUCCESS)
        test_fail("nvmlDeviceGetName: %s", err(r));
    printf("name starts with NVIDIA: %s\n",
           strncmp(name, "NVIDIA", 6) == 0 ? "yes" : "no");
    cudaDeviceProp p;
    CHECK(cudaGetDeviceProperties(&p, 0));
    printf("name matches CUDA's: %s\n", strcmp(name, p.name) == 0 ? "yes"
                                                                   : "no");

    char uuid[NVML_DEVICE_UUID_V2_BUFFER_SIZE];
    if ((r = NV(nvmlDeviceGetUUID)(dev, uuid, sizeof(uuid))) != NVML_SUCCESS)
        test_fail("nvmlDeviceGetUUID: %s", err(r));
    printf("UUID format ok: %s\n", uuid_ok(uuid) ? "yes" : "no");
    nvmlDevice_t again;
    r = NV(nvmlDeviceGetHandleByUUID)(uuid, &again);
    printf("handle by UUID: %d, same device: %s\n", (int)r,
           r == NVML_SUCCESS && again == dev ? "yes" : "no");

    nvmlPciInfo_t pci;
    if ((r = NV(nvmlDeviceGetPciInfo_v3)(dev, &pci)) != NVML_SUCCESS)
        test_fail("nvmlDeviceGetPciInfo_v3: %s", err(r));
    r = NV(nvmlDeviceGetHandleByPciBusId_v2)(pci.busId, &again);
    printf("handle by PCI bus id: %d, same device: %s\n", (int)r,
           r == NVML_SUCCESS && again == dev ? "yes" : "no");
    unsigned idx = 99;
    r = NV(nvmlDeviceGetIndex)(dev, &idx);
    printf("index of device 0: %d %u\n", (int)r, idx);

    nvmlMemory_t mem;
    if ((r = NV(nvmlDeviceGetMemoryInfo)(dev, &mem)) != NVML_SUCCESS)
        test_fail("nvmlDeviceGetMemoryInfo: %s", err(r));
    printf("memory total > 0: %s, used <= total: %s\n",
           mem.total > 0 ? "yes" : "no", mem.used <= mem.total ? "yes" : "no");
    printf("memory total equals CUDA's: %s\n",
           mem.total == p.totalGlobalMem ? "yes" : "no");

    int major = 0, minor = 0;
    r = NV(nvmlDeviceGetCudaComputeCapability)(dev, &major, &minor);
    printf("compute capability: %d %d.%d (CUDA says %d.%d)\n", (int)r, major,
           minor, p.major, p.minor);
    int drv = 0, cuda_drv = 0;
    r = NV(nvmlSystemGetCudaDriverVersion)(&drv);
    CHECK(cudaDriverGetVersion(&cuda_drv));
    printf("CUDA driver version agrees: %d %s\n", (int)r,
           drv == cuda_drv ? "yes" : "no");
    char dver[NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE];
    r = NV(nvmlSystemGetDriverVersion)(dver, sizeof(dver));
    printf("driver version: %d, non-empty: %s\n", (int)r,
           dver[0] ? "yes" : "no");

    nvmlUtilization_t u;
    r = NV(nvmlDeviceGetUtilizationRates)(dev, &u);
    printf("utilization: %d, in range: %s\n", (int)r,
           r != NVML_SUCCESS || (u.gpu <= 100 && u.memory <= 100) ? "yes"
                                                                    : "no");
    nvmlComputeMode_t mode = NVML_COMPUTEMODE_DEFAULT;
    r = NV(nvmlDeviceGetComputeMode)(dev, &mode);
    printf("compute mode: %d %d\n", (int)r, (int)mode);
    unsigned temp = 0;
    r = NV(nvmlDeviceGetTemperature)(dev, NVML_TEMPERATURE_GPU, &temp);
    printf("temperature: %d, plausible: %s\n", (int)r,
           r != NVML_SUCCESS || (temp > 0 && temp < 150) ? "yes" : "no");
    unsigned power = 0;
    r = NV(nvmlDeviceGetPowerUsage)(dev, &power);
    printf("power usage: %d, positive: %s\n", (int)r,
           r != NVML_SUCCESS || power > 0 ? "yes" : "no");

    if ((r = NV(nvmlShutdown)()) != NVML_SUCCESS)
        test_fail("nvmlShutdown: %s", err(r));
    t.stop();
    t.report();
    return test_pass();
}
