/*
 * gvf_fatbin.h - the layout of the fatbins nvcc embeds in a program, as
 * the runtime (cudart_kernel.c: __cudaRegisterFatBinary) and the driver
 * API (cuda_module.c: cuModuleLoadData and friends) read them: the
 * wrapper a program registers, and the header every fatbin starts with.
 * Nothing here is ours to change; it is nvcc's.
 */
#ifndef GVF_FATBIN_H
#define GVF_FATBIN_H

#include <stdint.h>

#define GVF_FATBINC_MAGIC 0x466243B1    /* the wrapper's */
#define GVF_FATBIN_MAGIC  0xBA55ED50u   /* the fatbin header's */

/* The data header every fatbin starts with: header_size + fat_size
 * bytes in all. */
typedef struct gvf_fatbin_hdr {
    uint32_t magic;
    uint16_t version;
    uint16_t header_size;
    uint64_t fat_size;
} gvf_fatbin_hdr_t;

/* What a program registers (__cudaRegisterFatBinary): data points at a
 * fatbin header. */
typedef struct gvf_fatbin_wrapper {
    int magic;
    int version;
    const void *data;
    void *filename_or_fatbins;
} gvf_fatbin_wrapper_t;

#endif
