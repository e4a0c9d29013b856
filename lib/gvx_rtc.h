/*
 * gvx_rtc.h - the wire format of NVRTC's hand-written calls, shared by
 * our libnvrtc.so.13 (lib/nvrtc/nvrtc_prog.c) and gvd-worker
 * (gvd/gvd_x_rtc.c).  Everything else NVRTC does is generated
 * (lib/gen/nvrtc.api).  Programs travel as the worker's value (ptr).
 *
 *   nvrtcCreateProgram   str src, str name (absent: NULL), i32 n, then n
 *                        times str header, str includeName
 *                        -> reply: ptr prog
 *   nvrtcCompileProgram  ptr prog, i32 n, then n times str option
 *   nvrtcDestroyProgram  ptr prog
 *   nvrtcGetPTX, GetCUBIN, GetLTOIR, GetOptiXIR, GetProgramLog
 *                        ptr prog, u64 size (what the matching GetXSize
 *                        said to the client) -> reply: bytes of exactly
 *                        that size (the worker refuses another size with
 *                        NVRTC_ERROR_INVALID_INPUT: the program changed)
 *   nvrtcGetLoweredName  ptr prog, str expression -> reply: str lowered
 *   nvrtcGetSupportedArchs  (nothing) -> reply: array of i32
 */
#ifndef GVX_RTC_H
#define GVX_RTC_H

/* Bounds both sides apply: one source, header, option or name; the
 * number of headers or options; one result (PTX, CUBIN, ...); the
 * number of architectures. */
#define GVX_RTC_STR_MAX   (16u << 20)
#define GVX_RTC_LIST_MAX  4096
#define GVX_RTC_BLOB_MAX  ((size_t)1 << 30)
#define GVX_RTC_ARCHS_MAX 256
/* All the strings of one call together. */
#define GVX_RTC_ARGS_MAX  ((size_t)64 << 20)

#endif
