// pointer_attrs: cudaPointerGetAttributes on device memory (and an interior
// pointer), cudaMallocHost and cudaHostRegister memory, plain malloc and a
// stack variable. The memory type of each is printed.
#include "common.h"

static const char *type_name(cudaMemoryType t)
{
    switch (t) {
    case cudaMemoryTypeUnregistered: return "Unregistered";
    case cudaMemoryTypeHost: return "Host";
    case cudaMemoryTypeDevice: return "Device";
    case cudaMemoryTypeManaged: return "Managed";
    }
    return "?";
}

static cudaPointerAttributes show(const char *what, const void *ptr)
{
    cudaPointerAttributes a;
    memset(&a, 0, sizeof a);
    CHECK(cudaPointerGetAttributes(&a, ptr));
    printf("%-22s type=%s\n", what, type_name(a.type));
    return a;
}

int main()
{
    test_init("pointer_attrs");
    warm_up();
    const size_t bytes = 1 << 20;
    char *dev, *pinned, *reg, *plain;
    CHECK(cudaMalloc(&dev, bytes));
    CHECK(cudaMallocHost(&pinned, bytes));
    reg = (char *)aligned_alloc(4096, bytes);
    plain = (char *)malloc(bytes);
    EXPECT(reg && plain, "out of host memory");
    CHECK(cudaHostRegister(reg, bytes, cudaHostRegisterDefault));
    int on_stack = 0;

    Timer t;
    t.start();
    cudaPointerAttributes a1 = show("cudaMalloc", dev);
    cudaPointerAttributes a2 = show("cudaMalloc + 4096", dev + 4096);
    cudaPointerAttributes a3 = show("cudaMallocHost", pinned);
    cudaPointerAttributes a4 = show("cudaHostRegister", reg);
    cudaPointerAttributes a5 = show("cudaHostRegister + 8", reg + 8);
    cudaPointerAttributes a6 = show("malloc", plain);
    cudaPointerAttributes a7 = show("stack variable", &on_stack);
    t.stop();

    bool ok = a1.type == cudaMemoryTypeDevice && a1.device == 0 && a1.devicePointer == dev &&
              a1.hostPointer == nullptr;
    printf("device pointer: device 0, devicePointer == ptr, no hostPointer: %s\n",
           ok ? "yes" : "no");
    bool ok2 = a2.type == cudaMemoryTypeDevice && a2.devicePointer == dev + 4096;
    printf("interior device pointer resolved: %s\n", ok2 ? "yes" : "no");
    bool ok3 = a3.type == cudaMemoryTypeHost && a3.hostPointer == pinned &&
               a4.type == cudaMemoryTypeHost && a4.hostPointer == reg &&
               a5.type == cudaMemoryTypeHost && a5.hostPointer == reg + 8;
    printf("pinned pointers: hostPointer == ptr: %s\n", ok3 ? "yes" : "no");
    bool ok4 = a6.type == cudaMemoryTypeUnregistered && a7.type == cudaMemoryTypeUnregistered;

    CHECK(cudaHostUnregister(reg));
    free(reg);
    free(plain);
    CHECK(cudaFreeHost(pinned));
    CHECK(cudaFree(dev));
    EXPECT(ok && ok2 && ok3 && ok4, "unexpected attributes");
    t.report();
    return test_pass();
}
