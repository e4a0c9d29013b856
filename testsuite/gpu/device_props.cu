// device_props: cudaGetDeviceCount / Properties / Attribute / PCI bus id and
// the version calls. Only stable facts are printed (name prefix, compute
// capability >= 7, positive sizes, properties agreeing with attributes).
#include "common.h"

static void yes(const char *what, bool ok, int *all)
{
    printf("%s: %s\n", what, ok ? "yes" : "no");
    *all &= ok;
}

int main()
{
    test_init("device_props");
    int all = 1;
    warm_up();
    Timer t;
    t.start();
    int count = 0, dev = -1;
    CHECK(cudaGetDeviceCount(&count));
    CHECK(cudaGetDevice(&dev));
    yes("device count >= 1", count >= 1, &all);
    yes("current device is 0", dev == 0, &all);

    cudaDeviceProp p;
    CHECK(cudaGetDeviceProperties(&p, 0));
    yes("name starts with NVIDIA", strncmp(p.name, "NVIDIA", 6) == 0, &all);
    yes("compute capability major >= 7", p.major >= 7, &all);
    yes("totalGlobalMem > 1 GiB", p.totalGlobalMem > (1ull << 30), &all);
    yes("multiProcessorCount > 0", p.multiProcessorCount > 0, &all);
    yes("warpSize == 32", p.warpSize == 32, &all);
    yes("maxThreadsPerBlock == 1024", p.maxThreadsPerBlock == 1024, &all);
    yes("maxThreadsDim = 1024,1024,64", p.maxThreadsDim[0] == 1024 &&
        p.maxThreadsDim[1] == 1024 && p.maxThreadsDim[2] == 64, &all);
    yes("maxGridSize[0] == 2^31-1", p.maxGridSize[0] == 2147483647, &all);
    yes("sharedMemPerBlock == 48 KiB", p.sharedMemPerBlock == 48 * 1024, &all);
    yes("sharedMemPerBlockOptin >= sharedMemPerBlock",
        p.sharedMemPerBlockOptin >= p.sharedMemPerBlock, &all);
    yes("totalConstMem == 64 KiB", p.totalConstMem == 64 * 1024, &all);
    yes("regsPerBlock > 0", p.regsPerBlock > 0, &all);
    yes("l2CacheSize > 0", p.l2CacheSize > 0, &all);
    yes("unifiedAddressing", p.unifiedAddressing == 1, &all);
    yes("concurrentKernels", p.concurrentKernels == 1, &all);
    yes("asyncEngineCount > 0", p.asyncEngineCount > 0, &all);

    // Attributes must agree with the properties.
    struct {
        cudaDeviceAttr a;
        long long want;
        const char *name;
    } attrs[] = {
        {cudaDevAttrComputeCapabilityMajor, p.major, "ComputeCapabilityMajor"},
        {cudaDevAttrComputeCapabilityMinor, p.minor, "ComputeCapabilityMinor"},
        {cudaDevAttrMultiProcessorCount, p.multiProcessorCount, "MultiProcessorCount"},
        {cudaDevAttrMaxThreadsPerBlock, p.maxThreadsPerBlock, "MaxThreadsPerBlock"},
        {cudaDevAttrWarpSize, p.warpSize, "WarpSize"},
        {cudaDevAttrL2CacheSize, p.l2CacheSize, "L2CacheSize"},
        {cudaDevAttrMaxSharedMemoryPerBlockOptin, (long long)p.sharedMemPerBlockOptin,
         "MaxSharedMemoryPerBlockOptin"},
        {cudaDevAttrPciBusId, p.pciBusID, "PciBusId"},
    };
    for (auto &a : attrs) {
        int v = -1;
        CHECK(cudaDeviceGetAttribute(&v, a.a, 0));
        char what[96];
        snprintf(what, sizeof what, "attribute %s matches properties", a.name);
        yes(what, v == a.want, &all);
    }
    int clock = 0;
    CHECK(cudaDeviceGetAttribute(&clock, cudaDevAttrClockRate, 0));
    yes("attribute ClockRate > 0", clock > 0, &all);

    // PCI bus id round trip: "dddd:bb:dd.f".
    char bus[32];
    CHECK(cudaDeviceGetPCIBusId(bus, sizeof bus, 0));
    unsigned dom, b, d, f;
    yes("PCI bus id parses", sscanf(bus, "%x:%x:%x.%x", &dom, &b, &d, &f) == 4, &all);
    yes("PCI bus number matches properties", (int)b == p.pciBusID, &all);
    int back = -1;
    CHECK(cudaDeviceGetByPCIBusId(&back, bus));
    yes("device by PCI bus id is 0", back == 0, &all);

    int rt = 0, drv = 0;
    CHECK(cudaRuntimeGetVersion(&rt));
    CHECK(cudaDriverGetVersion(&drv));
    yes("runtime version >= 13000", rt >= 13000, &all);
    yes("driver version >= runtime version", drv >= rt, &all);

    int lo = 0, hi = 0;
    CHECK(cudaDeviceGetStreamPriorityRange(&lo, &hi));
    yes("greatest priority <= least priority", hi <= lo, &all);
    t.stop();
    EXPECT(all, "some property checks failed");
    t.report();
    return test_pass();
}
