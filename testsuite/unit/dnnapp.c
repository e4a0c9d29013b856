/*
 * dnnapp.c - a cuDNN program (no kernels of its own), linked against our
 * libcudnn.so.9 and libcudart.so.13.  Driven by test_gvd_dnn.c against
 * gvd's simulated device, whose cuDNN computes a convolution on the host
 * and keeps backend attributes (gvd/sim/gvdsim_dnn.c).
 *
 *   dnnapp MODE
 *
 * Each mode prints "OK MODE" and exits 0 when every result was right; a
 * failure prints one line saying what differed.  Inputs are multiples of
 * 1/4 small enough that every sum is exact in float, so results are
 * compared with the CPU's exactly.
 */
#include "libapp.h"

#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ST(call, want) \
    LIBAPP_EXPECT(cudnnStatus_t, cudnnGetErrorString, call, want)

#define OK(call) ST(call, CUDNN_STATUS_SUCCESS)

/* Multiples of 1/4 in [-1.5, 1.5]. */
static void fill(float *p, size_t n, int seed)
{
    for (size_t i = 0; i < n; i++) {
        p[i] = (float)((int)((i * 7 + (size_t)seed) % 13) - 6) * 0.25f;
    }
}

static void *dev_copy(const void *host, size_t n)
{
    void *d = NULL;

    CHECK(cudaMalloc(&d, n));
    CHECK(cudaMemcpy(d, host, n, cudaMemcpyHostToDevice));
    return d;
}

/* Handles, streams, versions, status names; forged, stale and
 * wrong-kind records refused on the client; unsupported exports. */
static int mode_handles(void)
{
    cudnnHandle_t h, h2;
    cudnnTensorDescriptor_t t;
    cudnnFilterDescriptor_t f;
    cudaStream_t s, got;
    cudnnDataType_t dt;
    int n, c, hh, w, ns, cs, hs, ws, v;
    size_t bytes;
    long fake = 0;

    TRUE(cudnnGetVersion() == CUDNN_VERSION);
    OK(cudnnGetProperty(MAJOR_VERSION, &v));
    TRUE(v == CUDNN_MAJOR);
    TRUE(strcmp(cudnnGetErrorString(CUDNN_STATUS_BAD_PARAM),
                "CUDNN_STATUS_BAD_PARAM") == 0);
    OK(cudnnCreate(&h));
    OK(cudnnCreate(&h2));
    TRUE(h != h2);
    CHECK(cudaStreamCreate(&s));
    OK(cudnnSetStream(h, s));
    OK(cudnnGetStream(h, &got));
    TRUE(got == s);
    OK(cudnnSetStream(h, NULL));

    OK(cudnnCreateTensorDescriptor(&t));
    OK(cudnnSetTensor4dDescriptor(t, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 2,
                                  3, 4, 5));
    OK(cudnnGetTensor4dDescriptor(t, &dt, &n, &c, &hh, &w, &ns, &cs, &hs,
                                  &ws));
    TRUE(dt == CUDNN_DATA_FLOAT && n == 2 && c == 3 && hh == 4 && w == 5);
    TRUE(ns == 60 && cs == 20 && hs == 5 && ws == 1);
    /* Not in the simulator: the worker says so. */
    ST(cudnnGetTensorSizeInBytes(t, &bytes), CUDNN_STATUS_NOT_SUPPORTED);

    /* Forged, wrong-kind and stale records: refused here. */
    ST(cudnnSetStream((cudnnHandle_t)&fake, NULL), CUDNN_STATUS_BAD_PARAM);
    ST(cudnnSetStream(NULL, NULL), CUDNN_STATUS_BAD_PARAM);
    ST(cudnnSetStream((cudnnHandle_t)t, NULL), CUDNN_STATUS_BAD_PARAM);
    ST(cudnnSetTensor4dDescriptor((cudnnTensorDescriptor_t)h,
                                  CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, 1,
                                  1, 1), CUDNN_STATUS_BAD_PARAM);
    OK(cudnnCreateFilterDescriptor(&f));
    ST(cudnnSetFilter4dDescriptor((cudnnFilterDescriptor_t)t,
                                  CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, 1, 1,
                                  1, 1), CUDNN_STATUS_BAD_PARAM);
    OK(cudnnDestroyFilterDescriptor(f));
    ST(cudnnSetFilter4dDescriptor(f, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, 1,
                                  1, 1, 1), CUDNN_STATUS_BAD_PARAM);
    OK(cudnnDestroy(h2));
    ST(cudnnSetStream(h2, NULL), CUDNN_STATUS_BAD_PARAM);
    /* Exports gvirtus does not remote. */
    ST(cudnnPoolingForward(h, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
       CUDNN_STATUS_NOT_SUPPORTED);
    OK(cudnnDestroyTensorDescriptor(t));
    OK(cudnnDestroy(h));
    CHECK(cudaStreamDestroy(s));
    CHECK(cudaDeviceSynchronize());
    return 0;
}

/* y = alpha * conv(x, w) + beta * y on the CPU, NCHW, KCRS. */
static void conv_cpu(const float *x, const float *w, float *y, int n, int c,
                     int h, int wd, int k, int r, int s, int pad, int str,
                     float alpha, float beta)
{
    int oh = (h + 2 * pad - r) / str + 1, ow = (wd + 2 * pad - s) / str + 1;

    for (int in = 0; in < n; in++)
        for (int ik = 0; ik < k; ik++)
            for (int i = 0; i < oh; i++)
                for (int j = 0; j < ow; j++) {
                    float acc = 0;

                    for (int ic = 0; ic < c; ic++)
                        for (int ir = 0; ir < r; ir++)
                            for (int is = 0; is < s; is++) {
                                int a = i * str - pad + ir;
                                int b = j * str - pad + is;

                                if (a >= 0 && a < h && b >= 0 && b < wd) {
                                    acc += x[((in * c + ic) * h + a) * wd + b] *
                                           w[((ik * c + ic) * r + ir) * s + is];
                                }
                            }
                    float *o = &y[((in * k + ik) * oh + i) * ow + j];
                    *o = alpha * acc + beta * *o;
                }
}

/* A convolution forward through the legacy API, twice (the second
 * accumulates), against the CPU; then one-way failures come back late. */
static int mode_conv(void)
{
    enum { N = 2, C = 3, H = 7, W = 6, K = 4, R = 3, S = 3, P = 1, U = 2 };
    cudnnHandle_t h;
    cudnnTensorDescriptor_t xd, yd;
    cudnnFilterDescriptor_t wd;
    cudnnConvolutionDescriptor_t cd;
    int n, k, oh, ow;
    float x[N * C * H * W], w[K * C * R * S], *y, *want;
    float one = 1, zero = 0, two = 2;
    void *dx, *dw, *dy;
    size_t ny;

    fill(x, sizeof(x) / 4, 1);
    fill(w, sizeof(w) / 4, 5);
    OK(cudnnCreate(&h));
    OK(cudnnCreateTensorDescriptor(&xd));
    OK(cudnnCreateTensorDescriptor(&yd));
    OK(cudnnCreateFilterDescriptor(&wd));
    OK(cudnnCreateConvolutionDescriptor(&cd));
    OK(cudnnSetTensor4dDescriptor(xd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, N,
                                  C, H, W));
    OK(cudnnSetFilter4dDescriptor(wd, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, K,
                                  C, R, S));
    OK(cudnnSetConvolution2dDescriptor(cd, P, P, U, U, 1, 1,
                                       CUDNN_CROSS_CORRELATION,
                                       CUDNN_DATA_FLOAT));
    OK(cudnnGetConvolution2dForwardOutputDim(cd, xd, wd, &n, &k, &oh, &ow));
    TRUE(n == N && k == K && oh == (H + 2 * P - R) / U + 1 &&
         ow == (W + 2 * P - S) / U + 1);
    OK(cudnnSetTensor4dDescriptor(yd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, n,
                                  k, oh, ow));
    ny = (size_t)n * k * oh * ow;
    y = calloc(ny, sizeof(float));
    want = calloc(ny, sizeof(float));
    TRUE(y != NULL && want != NULL);
    fill(want, ny, 3);
    dx = dev_copy(x, sizeof(x));
    dw = dev_copy(w, sizeof(w));
    dy = dev_copy(want, ny * sizeof(float));

    OK(cudnnConvolutionForward(h, &one, xd, dx, wd, dw, cd,
                               CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, NULL,
                               0, &zero, yd, dy));
    conv_cpu(x, w, want, N, C, H, W, K, R, S, P, U, 1, 0);
    OK(cudnnConvolutionForward(h, &two, xd, dx, wd, dw, cd,
                               CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, NULL,
                               0, &one, yd, dy));
    conv_cpu(x, w, want, N, C, H, W, K, R, S, P, U, 2, 1);
    CHECK(cudaMemcpy(y, dy, ny * sizeof(float), cudaMemcpyDeviceToHost));
    for (size_t i = 0; i < ny; i++) {
        if (y[i] != want[i]) {
            FAIL("y[%zu] = %g, wanted %g", i, y[i], want[i]);
        }
    }
    /* One-way: a pointer that is not device memory fails on the worker,
     * and the next synchronising call says so. */
    OK(cudnnConvolutionForward(h, &one, xd, x, wd, dw, cd,
                               CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM, NULL,
                               0, &zero, yd, dy));
    RT(cudaDeviceSynchronize(), cudaErrorInvalidValue);
    CHECK(cudaDeviceSynchronize());
    OK(cudnnDestroyConvolutionDescriptor(cd));
    OK(cudnnDestroyFilterDescriptor(wd));
    OK(cudnnDestroyTensorDescriptor(xd));
    OK(cudnnDestroyTensorDescriptor(yd));
    OK(cudnnDestroy(h));
    CHECK(cudaFree(dx));
    CHECK(cudaFree(dw));
    CHECK(cudaFree(dy));
    free(y);
    free(want);
    CHECK(cudaDeviceSynchronize());
    return 0;
}

/* Set attribute name of type t with n elements from v, read it back
 * and compare. */
static void roundtrip(cudnnBackendDescriptor_t d, cudnnBackendAttributeName_t a,
                      cudnnBackendAttributeType_t t, int64_t n,
                      const void *v, size_t size)
{
    unsigned char back[256];
    int64_t got = -1;

    TRUE(size <= sizeof(back));
    OK(cudnnBackendSetAttribute(d, a, t, n, v));
    memset(back, 0xa5, sizeof(back));
    OK(cudnnBackendGetAttribute(d, a, t, n, &got, back));
    if (got != n || memcmp(back, v, size) != 0) {
        FAIL("attribute %d of type %d: %lld elements back, wanted %lld%s",
             (int)a, (int)t, (long long)got, (long long)n,
             got == n ? ", values differ" : "");
    }
    /* Only the count. */
    got = -1;
    OK(cudnnBackendGetAttribute(d, a, t, 0, &got, NULL));
    TRUE(got == n);
    /* Asking for more elements than the attribute has writes only those
     * it has, as cuDNN does (cudnn_frontend sizes its array from the
     * count and asks for more), with or without the count. */
    for (int with_count = 0; with_count < 2; with_count++) {
        size_t more = size / (size_t)n * (size_t)(n + 4);

        TRUE(more <= sizeof(back));
        memset(back, 0xa5, sizeof(back));
        OK(cudnnBackendGetAttribute(d, a, t, n + 4,
                                    with_count ? &got : NULL, back));
        TRUE(memcmp(back, v, size) == 0);
        for (size_t i = size; i < more; i++) {
            if (back[i] != 0xa5) {
                FAIL("attribute %d of type %d: byte %zu past its %lld "
                     "elements written", (int)a, (int)t, i, (long long)n);
                break;
            }
        }
    }
}

/* The backend API: attribute arrays of each kind of element, descriptors
 * translated both ways, forged elements refused, a graph executed. */
static int mode_backend(void)
{
    cudnnBackendDescriptor_t d, e[2], back[2], plan, vp;
    cudnnHandle_t h;
    int64_t i64[3] = { 1, -2, 1ll << 40 }, got = 0;
    int32_t i32[2] = { 7, -7 };
    float f[2] = { 0.5f, -3 };
    double dbl = 0.125;
    bool b[3] = { true, false, true };
    char str[6] = "conv0";
    cudnnDataType_t dt = CUDNN_DATA_HALF;
    cudnnFraction_t fr = { 3, 4 };
    float hx = 1.25f, hy = 0;
    void *ptrs[2], *bad[2];
    long fake = 0;

    OK(cudnnCreate(&h));
    OK(cudnnBackendCreateDescriptor(CUDNN_BACKEND_TENSOR_DESCRIPTOR, &d));
    roundtrip(d, CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, 3, i64,
              sizeof(i64));
    roundtrip(d, CUDNN_ATTR_TENSOR_STRIDES, CUDNN_TYPE_INT32, 2, i32,
              sizeof(i32));
    roundtrip(d, CUDNN_ATTR_TENSOR_UNIQUE_ID, CUDNN_TYPE_FLOAT, 2, f,
              sizeof(f));
    roundtrip(d, CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, CUDNN_TYPE_DOUBLE, 1,
              &dbl, sizeof(dbl));
    roundtrip(d, CUDNN_ATTR_TENSOR_IS_VIRTUAL, CUDNN_TYPE_BOOLEAN, 3, b,
              sizeof(b));
    roundtrip(d, CUDNN_ATTR_TENSOR_IS_BY_VALUE, CUDNN_TYPE_CHAR, 6, str,
              sizeof(str));
    roundtrip(d, CUDNN_ATTR_TENSOR_DATA_TYPE, CUDNN_TYPE_DATA_TYPE, 1, &dt,
              sizeof(dt));
    roundtrip(d, CUDNN_ATTR_TENSOR_VECTOR_COUNT, CUDNN_TYPE_FRACTION, 1, &fr,
              sizeof(fr));
    /* Wrong type asked: cuDNN's own answer comes back. */
    ST(cudnnBackendGetAttribute(d, CUDNN_ATTR_TENSOR_DIMENSIONS,
                                CUDNN_TYPE_INT32, 3, &got, i32),
       CUDNN_STATUS_BAD_PARAM_ATTRIBUTE_TYPE);
    /* Unknown type, negative counts, missing arrays: refused here. */
    ST(cudnnBackendSetAttribute(d, CUDNN_ATTR_TENSOR_DIMENSIONS,
                                (cudnnBackendAttributeType_t)999, 1, i64),
       CUDNN_STATUS_BAD_PARAM);
    ST(cudnnBackendSetAttribute(d, CUDNN_ATTR_TENSOR_DIMENSIONS,
                                CUDNN_TYPE_INT64, -1, i64),
       CUDNN_STATUS_BAD_PARAM);
    ST(cudnnBackendSetAttribute(d, CUDNN_ATTR_TENSOR_DIMENSIONS,
                                CUDNN_TYPE_INT64, 2, NULL),
       CUDNN_STATUS_BAD_PARAM);

    /* Descriptors as elements: set as the worker's, read back by filling
     * descriptors made beforehand. */
    OK(cudnnBackendCreateDescriptor(CUDNN_BACKEND_TENSOR_DESCRIPTOR, &e[0]));
    OK(cudnnBackendCreateDescriptor(CUDNN_BACKEND_TENSOR_DESCRIPTOR, &e[1]));
    OK(cudnnBackendSetAttribute(e[0], CUDNN_ATTR_TENSOR_UNIQUE_ID,
                                CUDNN_TYPE_INT64, 1, &i64[0]));
    OK(cudnnBackendSetAttribute(e[1], CUDNN_ATTR_TENSOR_UNIQUE_ID,
                                CUDNN_TYPE_INT64, 1, &i64[2]));
    OK(cudnnBackendCreateDescriptor(CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR,
                                    &plan));
    OK(cudnnBackendSetAttribute(plan, CUDNN_ATTR_OPERATIONGRAPH_OPS,
                                CUDNN_TYPE_BACKEND_DESCRIPTOR, 2, e));
    OK(cudnnBackendSetAttribute(plan, CUDNN_ATTR_OPERATIONGRAPH_HANDLE,
                                CUDNN_TYPE_HANDLE, 1, &h));
    OK(cudnnBackendCreateDescriptor(CUDNN_BACKEND_TENSOR_DESCRIPTOR,
                                    &back[0]));
    OK(cudnnBackendCreateDescriptor(CUDNN_BACKEND_TENSOR_DESCRIPTOR,
                                    &back[1]));
    OK(cudnnBackendGetAttribute(plan, CUDNN_ATTR_OPERATIONGRAPH_OPS,
                                CUDNN_TYPE_BACKEND_DESCRIPTOR, 2, &got,
                                back));
    TRUE(got == 2);
    for (int i = 0; i < 2; i++) {
        int64_t id = 0;

        OK(cudnnBackendGetAttribute(back[i], CUDNN_ATTR_TENSOR_UNIQUE_ID,
                                    CUDNN_TYPE_INT64, 1, &got, &id));
        TRUE(got == 1 && id == i64[2 * i]);
    }
    /* Handles read back have no record here. */
    ST(cudnnBackendGetAttribute(plan, CUDNN_ATTR_OPERATIONGRAPH_HANDLE,
                                CUDNN_TYPE_HANDLE, 1, &got, &h),
       CUDNN_STATUS_NOT_SUPPORTED);
    /* Forged or wrong-kind elements: refused before anything is sent. */
    bad[0] = e[0];
    bad[1] = (cudnnBackendDescriptor_t)&fake;
    ST(cudnnBackendSetAttribute(plan, CUDNN_ATTR_OPERATIONGRAPH_OPS,
                                CUDNN_TYPE_BACKEND_DESCRIPTOR, 2, bad),
       CUDNN_STATUS_BAD_PARAM);
    bad[1] = (cudnnBackendDescriptor_t)h;
    ST(cudnnBackendSetAttribute(plan, CUDNN_ATTR_OPERATIONGRAPH_OPS,
                                CUDNN_TYPE_BACKEND_DESCRIPTOR, 2, bad),
       CUDNN_STATUS_BAD_PARAM);
    ST(cudnnBackendSetAttribute(plan, CUDNN_ATTR_OPERATIONGRAPH_HANDLE,
                                CUDNN_TYPE_HANDLE, 1, &e[0]),
       CUDNN_STATUS_BAD_PARAM);
    ST(cudnnBackendSetAttribute((cudnnBackendDescriptor_t)h,
                                CUDNN_ATTR_OPERATIONGRAPH_OPS,
                                CUDNN_TYPE_BACKEND_DESCRIPTOR, 2, e),
       CUDNN_STATUS_BAD_PARAM);

    /* A variant pack: device pointers pass, host memory is refused by
     * the worker; the executed "graph" writes y[0] = 2 * x[0]. */
    OK(cudnnBackendCreateDescriptor(CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR,
                                    &vp));
    ptrs[0] = dev_copy(&hx, sizeof(hx));
    ptrs[1] = dev_copy(&hy, sizeof(hy));
    bad[0] = ptrs[0];
    bad[1] = &hy;
    ST(cudnnBackendSetAttribute(vp, CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS,
                                CUDNN_TYPE_VOID_PTR, 2, bad),
       CUDNN_STATUS_BAD_PARAM);
    roundtrip(vp, CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS, CUDNN_TYPE_VOID_PTR,
              2, ptrs, sizeof(ptrs));
    ST(cudnnBackendExecute(h, plan, vp), CUDNN_STATUS_BAD_PARAM_NOT_FINALIZED);
    OK(cudnnBackendFinalize(plan));
    OK(cudnnBackendFinalize(vp));
    ST(cudnnBackendExecute((cudnnHandle_t)plan, plan, vp),
       CUDNN_STATUS_BAD_PARAM);
    ST(cudnnBackendExecute(h, plan, (cudnnBackendDescriptor_t)&fake),
       CUDNN_STATUS_BAD_PARAM);
    OK(cudnnBackendExecute(h, plan, vp));
    CHECK(cudaMemcpy(&hy, ptrs[1], sizeof(hy), cudaMemcpyDeviceToHost));
    TRUE(hy == 2.5f);

    OK(cudnnBackendDestroyDescriptor(vp));
    OK(cudnnBackendDestroyDescriptor(plan));
    OK(cudnnBackendDestroyDescriptor(back[0]));
    OK(cudnnBackendDestroyDescriptor(back[1]));
    OK(cudnnBackendDestroyDescriptor(e[0]));
    OK(cudnnBackendDestroyDescriptor(e[1]));
    OK(cudnnBackendDestroyDescriptor(d));
    ST(cudnnBackendFinalize(d), CUDNN_STATUS_BAD_PARAM);
    OK(cudnnDestroy(h));
    CHECK(cudaFree(ptrs[0]));
    CHECK(cudaFree(ptrs[1]));
    CHECK(cudaDeviceSynchronize());
    return 0;
}

/* Leave a handle and three descriptors for the worker to destroy. */
static int mode_leave(void)
{
    cudnnHandle_t h;
    cudnnTensorDescriptor_t t;
    cudnnConvolutionDescriptor_t c;
    cudnnBackendDescriptor_t d;

    OK(cudnnCreate(&h));
    OK(cudnnCreateTensorDescriptor(&t));
    OK(cudnnCreateConvolutionDescriptor(&c));
    OK(cudnnBackendCreateDescriptor(CUDNN_BACKEND_TENSOR_DESCRIPTOR, &d));
    CHECK(cudaDeviceSynchronize());
    return 0;
}

int main(int argc, char **argv)
{
    static const libapp_mode_t modes[] = {
        { "handles", mode_handles },
        { "conv", mode_conv },
        { "backend", mode_backend },
        { "leave", mode_leave },
    };

    return libapp_main("dnnapp", argc, argv, modes,
                       sizeof(modes) / sizeof(modes[0]));
}
