// drv_common.h: helpers for the driver-API programs (on top of common.h).
// CU_CHECK() turns a CUresult into "FAIL <name>: ..." with the error's
// name; drv_image() reads a kernel image built next to the program
// (drv_kernels.ptx/.cubin/.fatbin, made by Makefile.gpu with nvcc).
#pragma once

#include "common.h"

#include <cuda.h>

#include <string>
#include <unistd.h>
#include <vector>

static inline const char *cu_name(CUresult e)
{
    const char *s = nullptr;
    return cuGetErrorName(e, &s) == CUDA_SUCCESS && s ? s : "?";
}

#define CU_CHECK(call)                                                     \
    do {                                                                   \
        CUresult e_ = (call);                                              \
        if (e_ != CUDA_SUCCESS)                                            \
            test_fail("line %d: %s returned %s", __LINE__, #call,          \
                      cu_name(e_));                                        \
    } while (0)

// The directory of this program (images are built beside it).
static inline std::string exe_dir()
{
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
    if (n <= 0)
        test_fail("cannot read /proc/self/exe");
    buf[n] = '\0';
    std::string s(buf);
    return s.substr(0, s.rfind('/'));
}

static inline std::string drv_path(const char *file)
{
    return exe_dir() + "/" + file;
}

// The bytes of an image file, NUL-terminated (PTX is text).
static inline std::vector<char> drv_image(const char *file)
{
    std::string path = drv_path(file);
    FILE *fp = fopen(path.c_str(), "rb");
    if (fp == nullptr)
        test_fail("cannot open %s", path.c_str());
    std::vector<char> v;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), fp)) > 0)
        v.insert(v.end(), buf, buf + n);
    fclose(fp);
    v.push_back('\0');
    return v;
}

// cuInit, device 0 and its primary context made current.
static inline CUcontext drv_init(CUdevice *dev_out = nullptr)
{
    CUdevice dev;
    CUcontext ctx;
    CU_CHECK(cuInit(0));
    CU_CHECK(cuDeviceGet(&dev, 0));
    CU_CHECK(cuDevicePrimaryCtxRetain(&ctx, dev));
    CU_CHECK(cuCtxSetCurrent(ctx));
    if (dev_out)
        *dev_out = dev;
    return ctx;
}
