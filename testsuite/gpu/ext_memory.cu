// ext_memory: external memory imported from a file descriptor, as a program
// does with memory Vulkan exports.  The exporter here is NVIDIA's driver API
// itself, loaded by path so that it is the real driver even when the runtime
// is gvirtus's: a cuMemCreate allocation with a POSIX file descriptor handle,
// filled and exported (cuMemExportToShareableHandle).  The runtime imports
// the descriptor (cudaImportExternalMemory), maps a buffer, reads it, adds 1
// to every word with a kernel (the exporter's mapping sees it) and maps a
// mipmapped array over it.  Through gvirtus the descriptor reaches the
// worker on this host.  Set NATIVE_LIBCUDA to the driver's path if it is
// not in /usr/lib/x86_64-linux-gnu or /usr/lib64.
#include "common.h"

#include <cuda.h>
#include <dlfcn.h>
#include <unistd.h>
#include <vector>

__global__ void inc(unsigned *p, size_t n)
{
    size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x;
    if (i < n)
        p[i] += 1;
}

// The few driver functions the exporter needs, from NVIDIA's library.
struct Drv {
    CUresult (*init)(unsigned);
    CUresult (*device_get)(CUdevice *, int);
    CUresult (*ctx_retain)(CUcontext *, CUdevice);
    CUresult (*ctx_set)(CUcontext);
    CUresult (*granularity)(size_t *, const CUmemAllocationProp *,
                            CUmemAllocationGranularity_flags);
    CUresult (*create)(CUmemGenericAllocationHandle *, size_t,
                       const CUmemAllocationProp *, unsigned long long);
    CUresult (*reserve)(CUdeviceptr *, size_t, size_t, CUdeviceptr,
                        unsigned long long);
    CUresult (*map)(CUdeviceptr, size_t, size_t, CUmemGenericAllocationHandle,
                    unsigned long long);
    CUresult (*set_access)(CUdeviceptr, size_t, const CUmemAccessDesc *,
                           size_t);
    CUresult (*htod)(CUdeviceptr, const void *, size_t);
    CUresult (*dtoh)(void *, CUdeviceptr, size_t);
    CUresult (*export_fd)(void *, CUmemGenericAllocationHandle,
                          CUmemAllocationHandleType, unsigned long long);
    CUresult (*unmap)(CUdeviceptr, size_t);
    CUresult (*release)(CUmemGenericAllocationHandle);
    CUresult (*address_free)(CUdeviceptr, size_t);
};

#define DRV_CHECK(call)                                                    \
    do {                                                                   \
        CUresult e_ = (call);                                              \
        if (e_ != CUDA_SUCCESS)                                            \
            test_fail("line %d: %s returned CUresult %d", __LINE__, #call, \
                      (int)e_);                                            \
    } while (0)

static void *sym(void *h, const char *name)
{
    void *p = dlsym(h, name);
    if (p == nullptr)
        test_fail("NVIDIA's driver has no %s", name);
    return p;
}

static Drv load_driver()
{
    const char *env = getenv("NATIVE_LIBCUDA");
    const char *paths[] = { env, "/usr/lib/x86_64-linux-gnu/libcuda.so.1",
                            "/usr/lib64/libcuda.so.1",
                            "/usr/lib/libcuda.so.1" };
    void *h = nullptr;
    for (const char *p : paths) {
        if (p == nullptr || access(p, R_OK) != 0)
            continue;
        h = dlopen(p, RTLD_NOW | RTLD_LOCAL);
        // gvirtus's libcuda.so.1 is not the exporter we want.
        if (h != nullptr && dlsym(h, "gvf_init") == nullptr)
            break;
        h = nullptr;
    }
    if (h == nullptr)
        test_fail("NVIDIA's libcuda.so.1 not found (set NATIVE_LIBCUDA)");
    Drv d;
    d.init = (decltype(d.init))sym(h, "cuInit");
    d.device_get = (decltype(d.device_get))sym(h, "cuDeviceGet");
    d.ctx_retain = (decltype(d.ctx_retain))sym(h, "cuDevicePrimaryCtxRetain");
    d.ctx_set = (decltype(d.ctx_set))sym(h, "cuCtxSetCurrent");
    d.granularity = (decltype(d.granularity))sym(
        h, "cuMemGetAllocationGranularity");
    d.create = (decltype(d.create))sym(h, "cuMemCreate");
    d.reserve = (decltype(d.reserve))sym(h, "cuMemAddressReserve");
    d.map = (decltype(d.map))sym(h, "cuMemMap");
    d.set_access = (decltype(d.set_access))sym(h, "cuMemSetAccess");
    d.htod = (decltype(d.htod))sym(h, "cuMemcpyHtoD_v2");
    d.dtoh = (decltype(d.dtoh))sym(h, "cuMemcpyDtoH_v2");
    d.export_fd = (decltype(d.export_fd))sym(h,
                                             "cuMemExportToShareableHandle");
    d.unmap = (decltype(d.unmap))sym(h, "cuMemUnmap");
    d.release = (decltype(d.release))sym(h, "cuMemRelease");
    d.address_free = (decltype(d.address_free))sym(h, "cuMemAddressFree");
    return d;
}

int main()
{
    test_init("ext_memory");
    warm_up();
    Drv d = load_driver();
    Timer t;
    t.start();

    // The exporter: VMM memory with a POSIX descriptor, filled.
    CUdevice dev;
    CUcontext ctx;
    DRV_CHECK(d.init(0));
    DRV_CHECK(d.device_get(&dev, 0));
    DRV_CHECK(d.ctx_retain(&ctx, dev));
    DRV_CHECK(d.ctx_set(ctx));
    CUmemAllocationProp prop = {};
    prop.type = CU_MEM_ALLOCATION_TYPE_PINNED;
    prop.location.type = CU_MEM_LOCATION_TYPE_DEVICE;
    prop.location.id = 0;
    prop.requestedHandleTypes = CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR;
    size_t gran = 0;
    DRV_CHECK(d.granularity(&gran, &prop, CU_MEM_ALLOC_GRANULARITY_MINIMUM));
    const size_t size = ((4u << 20) + gran - 1) / gran * gran;
    const size_t words = size / sizeof(unsigned);
    CUmemGenericAllocationHandle h;
    CUdeviceptr va;
    DRV_CHECK(d.create(&h, size, &prop, 0));
    DRV_CHECK(d.reserve(&va, size, 0, 0, 0));
    DRV_CHECK(d.map(va, size, 0, h, 0));
    CUmemAccessDesc acc = {};
    acc.location = prop.location;
    acc.flags = CU_MEM_ACCESS_FLAGS_PROT_READWRITE;
    DRV_CHECK(d.set_access(va, size, &acc, 1));
    std::vector<unsigned> data(words), back(words);
    for (size_t i = 0; i < words; i++)
        data[i] = (unsigned)(i * 2654435761u);
    DRV_CHECK(d.htod(va, data.data(), size));
    int fd = -1;
    DRV_CHECK(d.export_fd(&fd, h, CU_MEM_HANDLE_TYPE_POSIX_FILE_DESCRIPTOR,
                          0));

    // The runtime imports the descriptor.
    cudaExternalMemoryHandleDesc md = {};
    md.type = cudaExternalMemoryHandleTypeOpaqueFd;
    md.handle.fd = fd;
    md.size = size;
    cudaExternalMemory_t em;
    cudaError_t e = cudaImportExternalMemory(&em, &md);
    printf("cudaImportExternalMemory: %s\n", cudaGetErrorName(e));
    if (e == cudaSuccess) {
        // A buffer from offset 64 KiB: the exporter's bytes.
        const size_t off = 64 << 10, n = (size - off) / sizeof(unsigned);
        cudaExternalMemoryBufferDesc bd = {};
        bd.offset = off;
        bd.size = n * sizeof(unsigned);
        unsigned *p;
        CHECK(cudaExternalMemoryGetMappedBuffer((void **)&p, em, &bd));
        CHECK(cudaMemcpy(back.data(), p, n * sizeof(unsigned),
                         cudaMemcpyDeviceToHost));
        size_t first = off / sizeof(unsigned);
        for (size_t i = 0; i < n; i++)
            EXPECT(back[i] == data[first + i], "mapped [%zu] = %u, want %u",
                   i, back[i], data[first + i]);
        printf("mapped buffer: the exporter's %zu words\n", n);
        // The runtime's kernel writes; the exporter's mapping sees it.
        inc<<<(unsigned)((n + 255) / 256), 256>>>(p, n);
        CHECK_LAUNCH();
        CHECK(cudaDeviceSynchronize());
        DRV_CHECK(d.dtoh(back.data(), va, size));
        for (size_t i = 0; i < words; i++) {
            unsigned want = data[i] + (i >= first ? 1u : 0u);
            EXPECT(back[i] == want, "exporter [%zu] = %u, want %u", i,
                   back[i], want);
        }
        printf("exporter sees the kernel's increments: yes\n");
        CHECK(cudaFree(p));

        // A mipmapped array over the same memory: a round trip.
        cudaExternalMemoryMipmappedArrayDesc ad = {};
        ad.formatDesc = cudaCreateChannelDesc<float>();
        ad.extent = make_cudaExtent(64, 64, 0);
        ad.numLevels = 1;
        cudaMipmappedArray_t mm;
        e = cudaExternalMemoryGetMappedMipmappedArray(&mm, em, &ad);
        printf("mipmapped array over it: %s\n", cudaGetErrorName(e));
        (void)cudaGetLastError();
        if (e == cudaSuccess) {
            cudaArray_t lv;
            CHECK(cudaGetMipmappedArrayLevel(&lv, mm, 0));
            std::vector<float> img(64 * 64), iback(64 * 64);
            for (int i = 0; i < 64 * 64; i++)
                img[i] = (float)i;
            CHECK(cudaMemcpy2DToArray(lv, 0, 0, img.data(), 256, 256, 64,
                                      cudaMemcpyHostToDevice));
            CHECK(cudaMemcpy2DFromArray(iback.data(), 256, lv, 0, 0, 256, 64,
                                        cudaMemcpyDeviceToHost));
            printf("array round trip: %s\n", img == iback ? "exact" : "wrong");
            CHECK(cudaFreeMipmappedArray(mm));
        }
        CHECK(cudaDestroyExternalMemory(em));
    } else {
        close(fd); // still ours when the import failed
    }
    (void)cudaGetLastError();
    DRV_CHECK(d.unmap(va, size));
    DRV_CHECK(d.release(h));
    DRV_CHECK(d.address_free(va, size));
    t.stop();
    t.report();
    return test_pass();
}
