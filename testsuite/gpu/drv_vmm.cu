// drv_vmm: virtual memory management.  Granularity, cuMemCreate,
// cuMemAddressReserve, cuMemMap, cuMemSetAccess/GetAccess, copies and a
// kernel on the mapped range, allocation properties and
// cuMemRetainAllocationHandle, pointer attributes, then unmap, free and
// release.
#include "drv_common.h"

__global__ void add_one(unsigned *p, size_t n)
{
    for (size_t i = blockIdx.x * blockDim.x + threadIdx.x; i < n;
         i += (size_t)gridDim.x * blockDim.x)
        p[i] += 1;
}

int main()
{
    test_init("drv_vmm");
    CUdevice dev;
    drv_init(&dev);
    Timer t;
    t.start();

    CUmemAllocationProp prop;
    memset(&prop, 0, sizeof(prop));
    prop.type = CU_MEM_ALLOCATION_TYPE_PINNED;
    prop.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
    prop.location.id = dev;
    size_t gran = 0;
    CU_CHECK(cuMemGetAllocationGranularity(&gran, &prop,
                                           CU_MEM_ALLOC_GRANULARITY_MINIMUM));
    EXPECT(gran > 0, "granularity 0");
    printf("granularity is a power of two: %s\n",
           (gran & (gran - 1)) == 0 ? "yes" : "no");
    size_t size = 4 * gran;

    CUmemGenericAllocationHandle h;
    CU_CHECK(cuMemCreate(&h, size, &prop, 0));
    CUdeviceptr ptr;
    CU_CHECK(cuMemAddressReserve(&ptr, size, 0, 0, 0));
    CU_CHECK(cuMemMap(ptr, size, 0, h, 0));
    CUmemAccessDesc acc;
    memset(&acc, 0, sizeof(acc));
    acc.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
    acc.location.id = dev;
    acc.flags = CU_MEM_ACCESS_FLAGS_PROT_READWRITE;
    CU_CHECK(cuMemSetAccess(ptr, size, &acc, 1));
    unsigned long long flags = 0;
    CU_CHECK(cuMemGetAccess(&flags, &acc.location, ptr));
    printf("access is read-write: %s\n",
           flags == CU_MEM_ACCESS_FLAGS_PROT_READWRITE ? "yes" : "no");

    size_t n = size / 4;
    std::vector<unsigned> hbuf(n), back(n);
    for (size_t i = 0; i < n; i++)
        hbuf[i] = (unsigned)(i * 2654435761u);
    CU_CHECK(cuMemcpyHtoD(ptr, hbuf.data(), size));
    add_one<<<128, 256>>>((unsigned *)(uintptr_t)ptr, n);
    CHECK_LAUNCH();
    CU_CHECK(cuCtxSynchronize());
    CU_CHECK(cuMemcpyDtoH(back.data(), ptr, size));
    for (size_t i = 0; i < n; i++)
        EXPECT(back[i] == hbuf[i] + 1, "[%zu] = %u", i, back[i]);
    printf("mapped range: copy, kernel and copy back of %zu words ok\n", n);
    // Through the runtime too (the map is shared).
    std::fill(back.begin(), back.end(), 0u);
    CHECK(cudaMemcpy(back.data(), (void *)(uintptr_t)ptr, size,
                     cudaMemcpyDefault));
    EXPECT(back[n - 1] == hbuf[n - 1] + 1, "runtime copy of a mapped range");
    printf("runtime copy of the mapped range ok\n");

    CUmemAllocationProp got;
    CU_CHECK(cuMemGetAllocationPropertiesFromHandle(&got, h));
    printf("allocation on device %d, pinned: %s\n", got.location.id,
           got.type == CU_MEM_ALLOCATION_TYPE_PINNED ? "yes" : "no");
    CUmemGenericAllocationHandle h2;
    CU_CHECK(cuMemRetainAllocationHandle(&h2, (void *)(uintptr_t)ptr));
    CU_CHECK(cuMemRelease(h2));
    unsigned type = 0;
    CU_CHECK(cuPointerGetAttribute(&type, CU_POINTER_ATTRIBUTE_MEMORY_TYPE,
                                   ptr + 64));
    printf("pointer is device memory: %s\n",
           type == CU_MEMORYTYPE_DEVICE ? "yes" : "no");

    CU_CHECK(cuMemUnmap(ptr, size));
    CU_CHECK(cuMemAddressFree(ptr, size));
    CU_CHECK(cuMemRelease(h));
    t.stop();
    t.report();
    return test_pass();
}
