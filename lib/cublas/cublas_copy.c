/*
 * cublas_copy.c - cublasSet/GetVector and cublasSet/GetMatrix (and their
 * Async and _64 forms): host <-> device copies with strides, through
 * libgvirtus's copy RPCs (gvf_copy.h), the path cudaMemcpy2D takes.
 * Contiguous ones go as plain copies (pipelined in chunks); strided ones
 * are packed on the client and sent as one 2D copy.
 *
 * The GPU is the one holding the device pointer (as with UVA), else the
 * thread's current one.  A failed copy is CUBLAS_STATUS_MAPPING_ERROR,
 * as cuBLAS reports it.  Async forms are ordered on their stream; a
 * strided one completes before it returns (allowed: it is at most
 * earlier than asked).
 */
#include "config.h"

#include "gvbl.h"
#include "gvf_alloc.h"
#include "gvf_copy.h"
#include "gvx.h"

#include <cublas_v2.h>
#include <stdint.h>

/* One copy: n rows of width bytes, host side h (pitch hp), device side d
 * (pitch dp); to_dev says which way. */
typedef struct copy {
    const char *h;
    size_t hp;
    const char *d;
    size_t dp;
    size_t width, rows;
    int to_dev;
    cudaStream_t stream;
    int async;
} copy_t;

static cublasStatus_t run(const copy_t *k)
{
    gvc_status_t st = gvf_init();
    gvf_side_t hs, ds;
    gvf_dev_t *dev;
    int64_t res = 0;
    int o;

    if (st != GVC_OK) {
        return gvbl_status(st);
    }
    if (k->width == 0 || k->rows == 0) {
        return CUBLAS_STATUS_SUCCESS;
    }
    if (k->rows > SIZE_MAX / (k->hp > k->dp ? k->hp : k->dp)) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    o = gvf_alloc_owner(k->d, 0);
    dev = o >= 0 ? gvf_dev(o) : gvf_current_dev();
    if (dev == NULL) {
        return CUBLAS_STATUS_NOT_INITIALIZED;
    }
    if (k->rows == 1 || (k->hp == k->width && k->dp == k->width)) {
        size_t n = k->width * k->rows;
        uint32_t flags = k->async ? GVX_CPY_ASYNC : 0;
        uint64_t s = (uint64_t)(uintptr_t)k->stream;

        st = k->to_dev ? gvf_copy_h2d(dev, (uint64_t)(uintptr_t)k->d, k->h,
                                      n, s, flags, &res)
                       : gvf_copy_d2h(dev, (void *)k->h,
                                      (uint64_t)(uintptr_t)k->d, n, s, flags,
                                      &res);
    } else {
        hs = (gvf_side_t){ (char *)k->h, k->hp, k->rows, 0 };
        ds = (gvf_side_t){ (char *)k->d, k->dp, k->rows, 1 };
        st = gvf_copy_3d(dev, k->to_dev ? &ds : &hs, k->to_dev ? &hs : &ds,
                         k->width, k->rows, 1,
                         (uint64_t)(uintptr_t)k->stream, 0, &res);
    }
    if (st != GVC_OK) {
        return gvbl_status(st) == CUBLAS_STATUS_EXECUTION_FAILED
                   ? CUBLAS_STATUS_MAPPING_ERROR : gvbl_status(st);
    }
    return res == 0 ? CUBLAS_STATUS_SUCCESS : CUBLAS_STATUS_MAPPING_ERROR;
}

/* Strided vectors: n elements of elemSize bytes, inc elements apart. */
static cublasStatus_t vec(int64_t n, int64_t es, const void *hp, int64_t hinc,
                          const void *dp, int64_t dinc, int to_dev,
                          cudaStream_t s, int async)
{
    copy_t k;

    if (n < 0 || es <= 0 || hinc <= 0 || dinc <= 0 ||
        (uint64_t)es > SIZE_MAX / (uint64_t)(hinc > dinc ? hinc : dinc)) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    if (n > 0 && (hp == NULL || dp == NULL)) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    k = (copy_t){ hp, (size_t)(hinc * es), dp, (size_t)(dinc * es),
                  (size_t)es, (size_t)n, to_dev, s, async };
    return run(&k);
}

/* Column-major matrices: rows x cols elements, leading dimensions lh, ld. */
static cublasStatus_t mat(int64_t rows, int64_t cols, int64_t es,
                          const void *hp, int64_t lh, const void *dp,
                          int64_t ld, int to_dev, cudaStream_t s, int async)
{
    copy_t k;

    if (rows < 0 || cols < 0 || es <= 0 || lh <= 0 || ld <= 0 ||
        lh < rows || ld < rows ||
        (uint64_t)es > SIZE_MAX / (uint64_t)(lh > ld ? lh : ld)) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    if (rows > 0 && cols > 0 && (hp == NULL || dp == NULL)) {
        return CUBLAS_STATUS_INVALID_VALUE;
    }
    k = (copy_t){ hp, (size_t)(lh * es), dp, (size_t)(ld * es),
                  (size_t)(rows * es), (size_t)cols, to_dev, s, async };
    return run(&k);
}

/* ---- vectors -------------------------------------------------------------------- */

GVBL_API cublasStatus_t CUBLASWINAPI cublasSetVector(int n, int elemSize,
                                                     const void *x, int incx,
                                                     void *devicePtr, int incy)
{
    return vec(n, elemSize, x, incx, devicePtr, incy, 1, NULL, 0);
}

GVBL_API cublasStatus_t CUBLASWINAPI cublasSetVector_64(int64_t n,
                                                        int64_t elemSize,
                                                        const void *x,
                                                        int64_t incx,
                                                        void *devicePtr,
                                                        int64_t incy)
{
    return vec(n, elemSize, x, incx, devicePtr, incy, 1, NULL, 0);
}

GVBL_API cublasStatus_t CUBLASWINAPI cublasGetVector(int n, int elemSize,
                                                     const void *x, int incx,
                                                     void *y, int incy)
{
    return vec(n, elemSize, y, incy, x, incx, 0, NULL, 0);
}

GVBL_API cublasStatus_t CUBLASWINAPI cublasGetVector_64(int64_t n,
                                                        int64_t elemSize,
                                                        const void *x,
                                                        int64_t incx, void *y,
                                                        int64_t incy)
{
    return vec(n, elemSize, y, incy, x, incx, 0, NULL, 0);
}

GVBL_API cublasStatus_t CUBLASWINAPI
cublasSetVectorAsync(int n, int elemSize, const void *hostPtr, int incx,
                     void *devicePtr, int incy, cudaStream_t stream)
{
    return vec(n, elemSize, hostPtr, incx, devicePtr, incy, 1, stream, 1);
}

GVBL_API cublasStatus_t CUBLASWINAPI
cublasSetVectorAsync_64(int64_t n, int64_t elemSize, const void *hostPtr,
                        int64_t incx, void *devicePtr, int64_t incy,
                        cudaStream_t stream)
{
    return vec(n, elemSize, hostPtr, incx, devicePtr, incy, 1, stream, 1);
}

GVBL_API cublasStatus_t CUBLASWINAPI
cublasGetVectorAsync(int n, int elemSize, const void *devicePtr, int incx,
                     void *hostPtr, int incy, cudaStream_t stream)
{
    return vec(n, elemSize, hostPtr, incy, devicePtr, incx, 0, stream, 1);
}

GVBL_API cublasStatus_t CUBLASWINAPI
cublasGetVectorAsync_64(int64_t n, int64_t elemSize, const void *devicePtr,
                        int64_t incx, void *hostPtr, int64_t incy,
                        cudaStream_t stream)
{
    return vec(n, elemSize, hostPtr, incy, devicePtr, incx, 0, stream, 1);
}

/* ---- matrices ------------------------------------------------------------------- */

GVBL_API cublasStatus_t CUBLASWINAPI cublasSetMatrix(int rows, int cols,
                                                     int elemSize,
                                                     const void *A, int lda,
                                                     void *B, int ldb)
{
    return mat(rows, cols, elemSize, A, lda, B, ldb, 1, NULL, 0);
}

GVBL_API cublasStatus_t CUBLASWINAPI cublasSetMatrix_64(int64_t rows,
                                                        int64_t cols,
                                                        int64_t elemSize,
                                                        const void *A,
                                                        int64_t lda, void *B,
                                                        int64_t ldb)
{
    return mat(rows, cols, elemSize, A, lda, B, ldb, 1, NULL, 0);
}

GVBL_API cublasStatus_t CUBLASWINAPI cublasGetMatrix(int rows, int cols,
                                                     int elemSize,
                                                     const void *A, int lda,
                                                     void *B, int ldb)
{
    return mat(rows, cols, elemSize, B, ldb, A, lda, 0, NULL, 0);
}

GVBL_API cublasStatus_t CUBLASWINAPI cublasGetMatrix_64(int64_t rows,
                                                        int64_t cols,
                                                        int64_t elemSize,
                                                        const void *A,
                                                        int64_t lda, void *B,
                                                        int64_t ldb)
{
    return mat(rows, cols, elemSize, B, ldb, A, lda, 0, NULL, 0);
}

GVBL_API cublasStatus_t CUBLASWINAPI
cublasSetMatrixAsync(int rows, int cols, int elemSize, const void *A, int lda,
                     void *B, int ldb, cudaStream_t stream)
{
    return mat(rows, cols, elemSize, A, lda, B, ldb, 1, stream, 1);
}

GVBL_API cublasStatus_t CUBLASWINAPI
cublasSetMatrixAsync_64(int64_t rows, int64_t cols, int64_t elemSize,
                        const void *A, int64_t lda, void *B, int64_t ldb,
                        cudaStream_t stream)
{
    return mat(rows, cols, elemSize, A, lda, B, ldb, 1, stream, 1);
}

GVBL_API cublasStatus_t CUBLASWINAPI
cublasGetMatrixAsync(int rows, int cols, int elemSize, const void *A, int lda,
                     void *B, int ldb, cudaStream_t stream)
{
    return mat(rows, cols, elemSize, B, ldb, A, lda, 0, stream, 1);
}

GVBL_API cublasStatus_t CUBLASWINAPI
cublasGetMatrixAsync_64(int64_t rows, int64_t cols, int64_t elemSize,
                        const void *A, int64_t lda, void *B, int64_t ldb,
                        cudaStream_t stream)
{
    return mat(rows, cols, elemSize, B, ldb, A, lda, 0, stream, 1);
}
