/*
 * gvrt_decls.h - prototypes of exports the public headers do not declare
 * in a plain C build: nvcc's registration and launch hooks and the
 * per-thread-default-stream (_ptds / _ptsz) variants we write by hand.
 * Same signatures as NVIDIA's (crt/host_runtime.h, crt/device_functions.h,
 * and the base functions in cuda_runtime_api.h).
 */
#ifndef GVRT_DECLS_H
#define GVRT_DECLS_H

#include <cuda_runtime_api.h>

void **CUDARTAPI __cudaRegisterFatBinary(void *fat_cubin);
void CUDARTAPI __cudaRegisterFatBinaryEnd(void **handle);
void CUDARTAPI __cudaUnregisterFatBinary(void **handle);
char CUDARTAPI __cudaInitModule(void **handle);
void CUDARTAPI __cudaRegisterFunction(void **handle, const char *host_fun,
                                      char *device_fun,
                                      const char *device_name,
                                      int thread_limit, uint3 *tid,
                                      uint3 *bid, dim3 *bdim, dim3 *gdim,
                                      int *wsize);
void CUDARTAPI __cudaRegisterVar(void **handle, char *host_var,
                                 char *device_address,
                                 const char *device_name, int ext,
                                 size_t size, int constant, int global);
void CUDARTAPI __cudaRegisterManagedVar(void **handle, void **host_var_ptr,
                                        char *device_address,
                                        const char *device_name, int ext,
                                        size_t size, int constant,
                                        int global);
cudaError_t CUDARTAPI __cudaGetKernel(cudaKernel_t *kernel, const void *func);
cudaError_t CUDARTAPI __cudaLaunchKernel(cudaKernel_t kernel, dim3 g, dim3 b,
                                         void **args, size_t shmem,
                                         cudaStream_t s);
cudaError_t CUDARTAPI __cudaLaunchKernel_ptsz(cudaKernel_t kernel, dim3 g,
                                              dim3 b, void **args,
                                              size_t shmem, cudaStream_t s);
unsigned CUDARTAPI __cudaPushCallConfiguration(dim3 grid, dim3 block,
                                               size_t shmem, void *stream);
cudaError_t CUDARTAPI __cudaPopCallConfiguration(dim3 *grid, dim3 *block,
                                                 size_t *shmem, void *stream);

void CUDARTAPI __cudaRegisterHostVar(void);
void CUDARTAPI __cudaRegisterUnifiedTable(void);
cudaError_t CUDARTAPI __cudaGetProcAddress(void);
cudaError_t CUDARTAPI cudaGetDriverEntryPoint_ptsz(
    const char *sym, void **fn, unsigned long long flags,
    enum cudaDriverEntryPointQueryResult *q);
cudaError_t CUDARTAPI cudaGetDriverEntryPointByVersion_ptsz(
    const char *sym, void **fn, unsigned int version,
    unsigned long long flags, enum cudaDriverEntryPointQueryResult *q);

cudaError_t CUDARTAPI cudaMallocAsync_ptsz(void **p, size_t size,
                                           cudaStream_t s);
cudaError_t CUDARTAPI cudaFreeAsync_ptsz(void *p, cudaStream_t s);
cudaError_t CUDARTAPI cudaMallocFromPoolAsync_ptsz(void **ptr, size_t size,
                                                   cudaMemPool_t memPool,
                                                   cudaStream_t stream);
cudaError_t CUDARTAPI cudaMemcpy_ptds(void *dst, const void *src, size_t n,
                                      enum cudaMemcpyKind k);
cudaError_t CUDARTAPI cudaMemcpyAsync_ptsz(void *dst, const void *src,
                                           size_t n, enum cudaMemcpyKind k,
                                           cudaStream_t s);
cudaError_t CUDARTAPI cudaMemcpyPeerAsync_ptsz(void *dst, int ddev,
                                               const void *src, int sdev,
                                               size_t n, cudaStream_t s);
cudaError_t CUDARTAPI cudaMemcpy2D_ptds(void *dst, size_t dpitch,
                                        const void *src, size_t spitch,
                                        size_t w, size_t h,
                                        enum cudaMemcpyKind k);
cudaError_t CUDARTAPI cudaMemcpy2DAsync_ptsz(void *dst, size_t dpitch,
                                             const void *src, size_t spitch,
                                             size_t w, size_t h,
                                             enum cudaMemcpyKind k,
                                             cudaStream_t s);
cudaError_t CUDARTAPI cudaMemcpy3D_ptds(const struct cudaMemcpy3DParms *p);
cudaError_t CUDARTAPI cudaMemcpy3DAsync_ptsz(const struct cudaMemcpy3DParms *p,
                                             cudaStream_t s);
cudaError_t CUDARTAPI cudaLaunchKernel_ptsz(const void *func, dim3 g, dim3 b,
                                            void **args, size_t shmem,
                                            cudaStream_t s);
cudaError_t CUDARTAPI cudaLaunchKernelExC_ptsz(const cudaLaunchConfig_t *cfg,
                                               const void *func, void **args);
cudaError_t CUDARTAPI cudaLaunchCooperativeKernel_ptsz(const void *func,
                                                       dim3 g, dim3 b,
                                                       void **args,
                                                       size_t shmem,
                                                       cudaStream_t s);
cudaError_t CUDARTAPI cudaMemcpyToSymbol_ptds(const void *sym,
                                              const void *src, size_t count,
                                              size_t offset,
                                              enum cudaMemcpyKind k);
cudaError_t CUDARTAPI cudaMemcpyToSymbolAsync_ptsz(const void *sym,
                                                   const void *src,
                                                   size_t count,
                                                   size_t offset,
                                                   enum cudaMemcpyKind k,
                                                   cudaStream_t s);
cudaError_t CUDARTAPI cudaMemcpyFromSymbol_ptds(void *dst, const void *sym,
                                                size_t count, size_t offset,
                                                enum cudaMemcpyKind k);
cudaError_t CUDARTAPI cudaMemcpyFromSymbolAsync_ptsz(void *dst,
                                                     const void *sym,
                                                     size_t count,
                                                     size_t offset,
                                                     enum cudaMemcpyKind k,
                                                     cudaStream_t s);
cudaError_t CUDARTAPI cudaLaunchHostFunc_ptsz(cudaStream_t s, cudaHostFn_t fn,
                                              void *arg);
cudaError_t CUDARTAPI cudaStreamAddCallback_ptsz(cudaStream_t s,
                                                 cudaStreamCallback_t cb,
                                                 void *arg,
                                                 unsigned int flags);

/* Copies with CUDA arrays and 3D peer copies (cudart_array.c). */
cudaError_t CUDARTAPI cudaMemcpy2DToArray_ptds(
    cudaArray_t dst, size_t wOffset, size_t hOffset, const void *src,
    size_t spitch, size_t width, size_t height, enum cudaMemcpyKind kind);
cudaError_t CUDARTAPI cudaMemcpy2DToArrayAsync_ptsz(
    cudaArray_t dst, size_t wOffset, size_t hOffset, const void *src,
    size_t spitch, size_t width, size_t height, enum cudaMemcpyKind kind,
    cudaStream_t stream);
cudaError_t CUDARTAPI cudaMemcpy2DFromArray_ptds(
    void *dst, size_t dpitch, cudaArray_const_t src, size_t wOffset,
    size_t hOffset, size_t width, size_t height, enum cudaMemcpyKind kind);
cudaError_t CUDARTAPI cudaMemcpy2DFromArrayAsync_ptsz(
    void *dst, size_t dpitch, cudaArray_const_t src, size_t wOffset,
    size_t hOffset, size_t width, size_t height, enum cudaMemcpyKind kind,
    cudaStream_t stream);
cudaError_t CUDARTAPI cudaMemcpy2DArrayToArray_ptds(
    cudaArray_t dst, size_t wOffsetDst, size_t hOffsetDst,
    cudaArray_const_t src, size_t wOffsetSrc, size_t hOffsetSrc,
    size_t width, size_t height, enum cudaMemcpyKind kind);
cudaError_t CUDARTAPI cudaMemcpyToArray_ptds(
    cudaArray_t dst, size_t wOffset, size_t hOffset, const void *src,
    size_t count, enum cudaMemcpyKind kind);
cudaError_t CUDARTAPI cudaMemcpyToArrayAsync_ptsz(
    cudaArray_t dst, size_t wOffset, size_t hOffset, const void *src,
    size_t count, enum cudaMemcpyKind kind, cudaStream_t stream);
cudaError_t CUDARTAPI cudaMemcpyFromArray_ptds(
    void *dst, cudaArray_const_t src, size_t wOffset, size_t hOffset,
    size_t count, enum cudaMemcpyKind kind);
cudaError_t CUDARTAPI cudaMemcpyFromArrayAsync_ptsz(
    void *dst, cudaArray_const_t src, size_t wOffset, size_t hOffset,
    size_t count, enum cudaMemcpyKind kind, cudaStream_t stream);
cudaError_t CUDARTAPI cudaMemcpyArrayToArray_ptds(
    cudaArray_t dst, size_t wOffsetDst, size_t hOffsetDst,
    cudaArray_const_t src, size_t wOffsetSrc, size_t hOffsetSrc,
    size_t count, enum cudaMemcpyKind kind);
cudaError_t CUDARTAPI
cudaMemcpy3DPeer_ptds(const struct cudaMemcpy3DPeerParms *p);
cudaError_t CUDARTAPI
cudaMemcpy3DPeerAsync_ptsz(const struct cudaMemcpy3DPeerParms *p,
                           cudaStream_t s);

/* Batched copies (cudart_batch.c). */
cudaError_t CUDARTAPI cudaMemcpyBatchAsync_ptsz(
    void *const *dsts, const void *const *srcs, const size_t *sizes,
    size_t count, struct cudaMemcpyAttributes *attrs, size_t *attrsIdxs,
    size_t numAttrs, cudaStream_t stream);
cudaError_t CUDARTAPI cudaMemcpy3DBatchAsync_ptsz(
    size_t numOps, struct cudaMemcpy3DBatchOp *opList,
    unsigned long long flags, cudaStream_t stream);

#endif
