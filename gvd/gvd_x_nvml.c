/*
 * gvd_x_nvml.c - NVML on the worker: loading libnvidia-ml.so.1 and
 * finding the one GPU this worker serves among the host's.
 *
 * gvNvmlInit initialises NVML (once per worker) and answers with the
 * NVML handle of the worker's GPU, found by its PCI bus id (the CUDA
 * device 0 of the worker is that GPU).  The handle is recorded for this
 * client: every generated handler validates it.
 */
#include "config.h"

#define NVML_NO_UNVERSIONED_FUNC_DEFS 1

#include "gvd_client.h"
#include "gvd_nvml.h"
#include "gv_api_nvml.h"
#include "gvc_log.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

static gvd_nvml_t table;
static int table_state;         /* 0 not tried, 1 loaded, -1 absent */
static nvmlDevice_t my_device;

static const struct {
    const char *name;
    size_t off;
} nvml_syms[] = {
#define GVD_NVML_FN(ret, name, params) { #name, offsetof(gvd_nvml_t, name) },
#include "gvd_nvml_list.h"
#undef GVD_NVML_FN
};

static void table_open(void)
{
    void *lib = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);

    table_state = -1;
    if (lib == NULL) {
        gvc_info("libnvidia-ml.so.1 not found: NVML calls answer "
                 "NVML_ERROR_LIBRARY_NOT_FOUND");
        return;
    }
    if (dlsym(lib, "gvf_init") != NULL) {
        gvc_error("libnvidia-ml.so.1 is gvirtus's own frontend, not "
                  "NVIDIA's: fix the worker's library path");
        return;
    }
    for (size_t i = 0; i < sizeof(nvml_syms) / sizeof(nvml_syms[0]); i++) {
        void *fn = dlsym(lib, nvml_syms[i].name);
        memcpy((char *)&table + nvml_syms[i].off, &fn, sizeof(fn));
    }
    table_state = 1;
}

const gvd_nvml_t *gvd_nvml(const gvd_call_t *c)
{
    (void)c;
    if (table_state == 0) {
        table_open();
    }
    return &table;
}

/* The NVML device of the worker's GPU: same PCI bus id as CUDA's. */
static nvmlReturn_t find_device(gvd_client_t *cl, nvmlDevice_t *dev_p)
{
    const gvd_rt_t *rt = &cl->be->rt;
    char bus[64];

    if (rt->cudaDeviceGetPCIBusId == NULL ||
        rt->cudaDeviceGetPCIBusId(bus, sizeof(bus), 0) != cudaSuccess) {
        return NVML_ERROR_NOT_FOUND;
    }
    if (table.nvmlDeviceGetHandleByPciBusId_v2 == NULL) {
        return NVML_ERROR_FUNCTION_NOT_FOUND;
    }
    return table.nvmlDeviceGetHandleByPciBusId_v2(bus, dev_p);
}

/* gvNvmlInit: {} -> { u64 device }. */
static void h_init(gvd_call_t *c)
{
    nvmlReturn_t r = NVML_SUCCESS;

    if (gvd_args_end(c)) {
        return;
    }
    gvd_nvml(c);
    if (table_state < 0 || table.nvmlInit_v2 == NULL) {
        gvd_reply(c, NVML_ERROR_LIBRARY_NOT_FOUND);
        return;
    }
    if (my_device == NULL) {
        r = table.nvmlInit_v2();
        if (r == NVML_SUCCESS) {
            r = find_device(c->cl, &my_device);
        }
        if (r == NVML_SUCCESS &&
            gvd_handle_add(c->cl, GVD_H_NVML_DEVICE, my_device) != 0) {
            r = NVML_ERROR_MEMORY;
        }
        if (r != NVML_SUCCESS) {
            my_device = NULL;
        }
    }
    gvc_enc_u64(&c->enc, (uint64_t)(uintptr_t)my_device);
    gvd_reply(c, r);
}

#define H(name, fn) { GV_API_##name, #name, GVD_LIB_NVML, fn }

const gvd_api_t gvd_nvml_hand_apis[] = {
    H(gvNvmlInit, h_init),
};

const size_t gvd_nvml_hand_n_apis =
    sizeof(gvd_nvml_hand_apis) / sizeof(gvd_nvml_hand_apis[0]);
