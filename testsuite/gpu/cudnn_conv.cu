// cudnn_conv [--backend] N C H W K R S PAD STRIDE: cuDNN against a
// double-precision CPU reference, FP32 NCHW.
//   legacy API (default): convolution forward, backward data and backward
//   filter (algorithms from the _v7 heuristics, their workspaces), batch
//   normalisation forward training and backward (spatial), on a stream of
//   ours; then convolution forward again through cudnnFindConvolution-
//   ForwardAlgorithm.
//   --backend: the same convolution forward as a backend (graph) API
//   graph: tensor, convolution and operation descriptors, an operation
//   graph, engine heuristics whose configurations are read back into
//   descriptors made beforehand, an execution plan, a variant pack with
//   device pointers and a workspace, executed.
// Inputs are multiples of 1/4 so products are exact; FMA math (no TF32).
#include "common.h"

#include <cudnn.h>

#include <cmath>
#include <vector>

#define DNN(call)                                                          \
    do {                                                                   \
        cudnnStatus_t s_ = (call);                                         \
        if (s_ != CUDNN_STATUS_SUCCESS)                                    \
            test_fail("line %d: %s returned %s", __LINE__, #call,          \
                      cudnnGetErrorString(s_));                            \
    } while (0)

struct Shape {
    int n, c, h, w, k, r, s, pad, str, oh, ow;
};

static void fill(std::vector<float> &v, int seed)
{
    for (size_t i = 0; i < v.size(); i++)
        v[i] = (float)((int)((i * 7 + (size_t)seed) % 13) - 6) * 0.25f;
}

static float *to_device(const std::vector<float> &h)
{
    float *d;
    CHECK(cudaMalloc(&d, h.size() * sizeof(float)));
    CHECK(cudaMemcpy(d, h.data(), h.size() * sizeof(float),
                     cudaMemcpyHostToDevice));
    return d;
}

static std::vector<float> to_host(const float *d, size_t n)
{
    std::vector<float> h(n);
    CHECK(cudaMemcpy(h.data(), d, n * sizeof(float), cudaMemcpyDeviceToHost));
    return h;
}

// Index helpers: x and y NCHW, w KCRS.
static size_t xi(const Shape &s, int n, int c, int h, int w)
{
    return (((size_t)n * s.c + c) * s.h + h) * s.w + w;
}
static size_t yi(const Shape &s, int n, int k, int h, int w)
{
    return (((size_t)n * s.k + k) * s.oh + h) * s.ow + w;
}
static size_t wi(const Shape &s, int k, int c, int r, int q)
{
    return (((size_t)k * s.c + c) * s.r + r) * s.s + q;
}

// Calls f(n, k, oh, ow, c, r, q, ih, iw) for every in-bounds tap.
template <typename F> static void taps(const Shape &s, F f)
{
    for (int n = 0; n < s.n; n++)
        for (int k = 0; k < s.k; k++)
            for (int i = 0; i < s.oh; i++)
                for (int j = 0; j < s.ow; j++)
                    for (int c = 0; c < s.c; c++)
                        for (int r = 0; r < s.r; r++)
                            for (int q = 0; q < s.s; q++) {
                                int ih = i * s.str - s.pad + r;
                                int iw = j * s.str - s.pad + q;
                                if (ih >= 0 && ih < s.h && iw >= 0 && iw < s.w)
                                    f(n, k, i, j, c, r, q, ih, iw);
                            }
}

// Elements of got farther than tol (relative to the magnitude mag) from
// want.
static int count_bad(const char *what, const std::vector<float> &got,
                     const std::vector<double> &want,
                     const std::vector<double> &mag, double tol)
{
    int bad = 0;
    for (size_t i = 0; i < got.size(); i++) {
        if (std::fabs(got[i] - want[i]) > tol * (mag[i] + 1)) {
            if (bad < 3)
                fprintf(stderr, "%s[%zu] = %g, wanted %g\n", what, i, got[i],
                        want[i]);
            bad++;
        }
    }
    return bad;
}

struct Refs {
    std::vector<double> y, ymag, dx, dxmag, dw, dwmag;
};

static Refs conv_refs(const Shape &s, const std::vector<float> &x,
                      const std::vector<float> &w,
                      const std::vector<float> &dy)
{
    Refs R;
    R.y.assign((size_t)s.n * s.k * s.oh * s.ow, 0);
    R.ymag = R.y;
    R.dx.assign(x.size(), 0);
    R.dxmag = R.dx;
    R.dw.assign(w.size(), 0);
    R.dwmag = R.dw;
    taps(s, [&](int n, int k, int i, int j, int c, int r, int q, int ih,
                int iw) {
        double a = x[xi(s, n, c, ih, iw)], b = w[wi(s, k, c, r, q)];
        double g = dy[yi(s, n, k, i, j)];
        R.y[yi(s, n, k, i, j)] += a * b;
        R.ymag[yi(s, n, k, i, j)] += std::fabs(a * b);
        R.dx[xi(s, n, c, ih, iw)] += g * b;
        R.dxmag[xi(s, n, c, ih, iw)] += std::fabs(g * b);
        R.dw[wi(s, k, c, r, q)] += g * a;
        R.dwmag[wi(s, k, c, r, q)] += std::fabs(g * a);
    });
    return R;
}

static int run_legacy(const Shape &s, const std::vector<float> &x,
                      const std::vector<float> &w,
                      const std::vector<float> &dy, const Refs &R)
{
    cudnnHandle_t h;
    cudaStream_t st;
    cudnnTensorDescriptor_t xd, yd;
    cudnnFilterDescriptor_t wd;
    cudnnConvolutionDescriptor_t cd;
    const float one = 1, zero = 0;
    int bad = 0, count = 0;

    DNN(cudnnCreate(&h));
    CHECK(cudaStreamCreate(&st));
    DNN(cudnnSetStream(h, st));
    DNN(cudnnCreateTensorDescriptor(&xd));
    DNN(cudnnCreateTensorDescriptor(&yd));
    DNN(cudnnCreateFilterDescriptor(&wd));
    DNN(cudnnCreateConvolutionDescriptor(&cd));
    DNN(cudnnSetTensor4dDescriptor(xd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT,
                                   s.n, s.c, s.h, s.w));
    DNN(cudnnSetFilter4dDescriptor(wd, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW,
                                   s.k, s.c, s.r, s.s));
    DNN(cudnnSetConvolution2dDescriptor(cd, s.pad, s.pad, s.str, s.str, 1, 1,
                                        CUDNN_CROSS_CORRELATION,
                                        CUDNN_DATA_FLOAT));
    DNN(cudnnSetConvolutionMathType(cd, CUDNN_FMA_MATH));
    int on, ok, ohh, oww;
    DNN(cudnnGetConvolution2dForwardOutputDim(cd, xd, wd, &on, &ok, &ohh,
                                              &oww));
    EXPECT(on == s.n && ok == s.k && ohh == s.oh && oww == s.ow,
           "output %dx%dx%dx%d", on, ok, ohh, oww);
    DNN(cudnnSetTensor4dDescriptor(yd, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT,
                                   s.n, s.k, s.oh, s.ow));
    float *dX = to_device(x), *dW = to_device(w), *dDY = to_device(dy);
    float *dY, *dDX, *dDW;
    size_t ny = (size_t)s.n * s.k * s.oh * s.ow;
    CHECK(cudaMalloc(&dY, ny * sizeof(float)));
    CHECK(cudaMalloc(&dDX, x.size() * sizeof(float)));
    CHECK(cudaMalloc(&dDW, w.size() * sizeof(float)));

    // Forward.
    cudnnConvolutionFwdAlgoPerf_t fp[8];
    DNN(cudnnGetConvolutionForwardAlgorithmMaxCount(h, &count));
    EXPECT(count > 0, "no forward algorithms");
    DNN(cudnnGetConvolutionForwardAlgorithm_v7(h, xd, wd, cd, yd, 8, &count,
                                               fp));
    EXPECT(count > 0, "no forward algorithm suggested");
    size_t ws_size = 0;
    DNN(cudnnGetConvolutionForwardWorkspaceSize(h, xd, wd, cd, yd, fp[0].algo,
                                                &ws_size));
    void *ws = NULL;
    if (ws_size > 0)
        CHECK(cudaMalloc(&ws, ws_size));
    DNN(cudnnConvolutionForward(h, &one, xd, dX, wd, dW, cd, fp[0].algo, ws,
                                ws_size, &zero, yd, dY));
    CHECK(cudaStreamSynchronize(st));
    bad += count_bad("y", to_host(dY, ny), R.y, R.ymag, 1e-5);
    if (ws != NULL)
        CHECK(cudaFree(ws));

    // Backward data.
    cudnnConvolutionBwdDataAlgoPerf_t dp[8];
    DNN(cudnnGetConvolutionBackwardDataAlgorithm_v7(h, wd, yd, cd, xd, 8,
                                                    &count, dp));
    EXPECT(count > 0, "no backward data algorithm suggested");
    DNN(cudnnGetConvolutionBackwardDataWorkspaceSize(h, wd, yd, cd, xd,
                                                     dp[0].algo, &ws_size));
    ws = NULL;
    if (ws_size > 0)
        CHECK(cudaMalloc(&ws, ws_size));
    DNN(cudnnConvolutionBackwardData(h, &one, wd, dW, yd, dDY, cd, dp[0].algo,
                                     ws, ws_size, &zero, xd, dDX));
    CHECK(cudaStreamSynchronize(st));
    bad += count_bad("dx", to_host(dDX, x.size()), R.dx, R.dxmag, 1e-5);
    if (ws != NULL)
        CHECK(cudaFree(ws));

    // Backward filter.
    cudnnConvolutionBwdFilterAlgoPerf_t wp[8];
    DNN(cudnnGetConvolutionBackwardFilterAlgorithm_v7(h, xd, yd, cd, wd, 8,
                                                      &count, wp));
    EXPECT(count > 0, "no backward filter algorithm suggested");
    DNN(cudnnGetConvolutionBackwardFilterWorkspaceSize(h, xd, yd, cd, wd,
                                                       wp[0].algo, &ws_size));
    ws = NULL;
    if (ws_size > 0)
        CHECK(cudaMalloc(&ws, ws_size));
    DNN(cudnnConvolutionBackwardFilter(h, &one, xd, dX, yd, dDY, cd,
                                       wp[0].algo, ws, ws_size, &zero, wd,
                                       dDW));
    CHECK(cudaStreamSynchronize(st));
    bad += count_bad("dw", to_host(dDW, w.size()), R.dw, R.dwmag, 1e-5);
    if (ws != NULL)
        CHECK(cudaFree(ws));

    // Forward again, the algorithm found by timing (cuDNN allocates).
    DNN(cudnnFindConvolutionForwardAlgorithm(h, xd, wd, cd, yd, 8, &count,
                                             fp));
    EXPECT(count > 0 && fp[0].status == CUDNN_STATUS_SUCCESS,
           "find found nothing");
    CHECK(cudaMemset(dY, 0, ny * sizeof(float)));
    DNN(cudnnGetConvolutionForwardWorkspaceSize(h, xd, wd, cd, yd, fp[0].algo,
                                                &ws_size));
    ws = NULL;
    if (ws_size > 0)
        CHECK(cudaMalloc(&ws, ws_size));
    DNN(cudnnConvolutionForward(h, &one, xd, dX, wd, dW, cd, fp[0].algo, ws,
                                ws_size, &zero, yd, dY));
    CHECK(cudaStreamSynchronize(st));
    bad += count_bad("y (found)", to_host(dY, ny), R.y, R.ymag, 1e-5);
    if (ws != NULL)
        CHECK(cudaFree(ws));

    // Batch normalisation of x (spatial): forward training, backward with
    // dy shaped like x.
    cudnnTensorDescriptor_t bd;
    DNN(cudnnCreateTensorDescriptor(&bd));
    DNN(cudnnDeriveBNTensorDescriptor(bd, xd, CUDNN_BATCHNORM_SPATIAL));
    const double eps = 1e-5, factor = 0.25;
    std::vector<float> scale(s.c), bias(s.c), rmean(s.c, 0.5f),
        rvar(s.c, 2.0f), dyx(x.size());
    fill(scale, 2);
    fill(bias, 9);
    fill(dyx, 4);
    for (int c = 0; c < s.c; c++)
        scale[c] += 2; // away from zero
    float *dScale = to_device(scale), *dBias = to_device(bias);
    float *dRM = to_device(rmean), *dRV = to_device(rvar);
    float *dSM, *dSIV, *dBY, *dDYX = to_device(dyx), *dBDX, *dDS, *dDB;
    CHECK(cudaMalloc(&dSM, s.c * sizeof(float)));
    CHECK(cudaMalloc(&dSIV, s.c * sizeof(float)));
    CHECK(cudaMalloc(&dBY, x.size() * sizeof(float)));
    CHECK(cudaMalloc(&dBDX, x.size() * sizeof(float)));
    CHECK(cudaMalloc(&dDS, s.c * sizeof(float)));
    CHECK(cudaMalloc(&dDB, s.c * sizeof(float)));
    DNN(cudnnBatchNormalizationForwardTraining(
        h, CUDNN_BATCHNORM_SPATIAL, &one, &zero, xd, dX, xd, dBY, bd, dScale,
        dBias, factor, dRM, dRV, eps, dSM, dSIV));
    DNN(cudnnBatchNormalizationBackward(
        h, CUDNN_BATCHNORM_SPATIAL, &one, &zero, &one, &zero, xd, dX, xd,
        dDYX, xd, dBDX, bd, dScale, dDS, dDB, eps, dSM, dSIV));
    CHECK(cudaStreamSynchronize(st));
    std::vector<float> by = to_host(dBY, x.size()), bdx = to_host(dBDX, x.size());
    std::vector<float> rm = to_host(dRM, s.c), rv = to_host(dRV, s.c);
    std::vector<float> ds = to_host(dDS, s.c), db = to_host(dDB, s.c);
    double m = (double)s.n * s.h * s.w;
    int bn_bad = 0;
    for (int c = 0; c < s.c; c++) {
        double sum = 0, sq = 0, sdy = 0, sdyx = 0;
        for (int n = 0; n < s.n; n++)
            for (int i = 0; i < s.h; i++)
                for (int j = 0; j < s.w; j++)
                    sum += x[xi(s, n, c, i, j)];
        double mean = sum / m;
        for (int n = 0; n < s.n; n++)
            for (int i = 0; i < s.h; i++)
                for (int j = 0; j < s.w; j++) {
                    double d = x[xi(s, n, c, i, j)] - mean;
                    sq += d * d;
                }
        double var = sq / m, inv = 1 / std::sqrt(var + eps);
        for (int n = 0; n < s.n; n++)
            for (int i = 0; i < s.h; i++)
                for (int j = 0; j < s.w; j++) {
                    size_t e = xi(s, n, c, i, j);
                    double xh = (x[e] - mean) * inv;
                    sdy += dyx[e];
                    sdyx += dyx[e] * xh;
                    if (!close_enough(by[e], scale[c] * xh + bias[c], 1e-4,
                                      1e-4))
                        bn_bad++;
                }
        for (int n = 0; n < s.n; n++)
            for (int i = 0; i < s.h; i++)
                for (int j = 0; j < s.w; j++) {
                    size_t e = xi(s, n, c, i, j);
                    double xh = (x[e] - mean) * inv;
                    double want = scale[c] * inv / m *
                                  (m * dyx[e] - sdy - xh * sdyx);
                    if (!close_enough(bdx[e], want, 1e-3, 1e-3))
                        bn_bad++;
                }
        double unbiased = m > 1 ? sq / (m - 1) : var;
        if (!close_enough(rm[c], (1 - factor) * 0.5 + factor * mean, 1e-4,
                          1e-5) ||
            !close_enough(rv[c], (1 - factor) * 2.0 + factor * unbiased, 1e-4,
                          1e-5) ||
            !close_enough(db[c], sdy, 1e-4, 1e-4) ||
            !close_enough(ds[c], sdyx, 1e-3, 1e-3)) {
            if (bn_bad < 3)
                fprintf(stderr, "batchnorm channel %d: running %g %g, "
                        "dscale %g (%g), dbias %g (%g)\n", c, rm[c], rv[c],
                        ds[c], sdyx, db[c], sdy);
            bn_bad++;
        }
    }
    bad += bn_bad;

    for (float *p : {dX, dW, dDY, dY, dDX, dDW, dScale, dBias, dRM, dRV, dSM,
                     dSIV, dBY, dDYX, dBDX, dDS, dDB})
        CHECK(cudaFree(p));
    DNN(cudnnDestroyTensorDescriptor(bd));
    DNN(cudnnDestroyTensorDescriptor(xd));
    DNN(cudnnDestroyTensorDescriptor(yd));
    DNN(cudnnDestroyFilterDescriptor(wd));
    DNN(cudnnDestroyConvolutionDescriptor(cd));
    DNN(cudnnDestroy(h));
    CHECK(cudaStreamDestroy(st));
    return bad;
}

// ---- the backend API ---------------------------------------------------------

static cudnnBackendDescriptor_t make(cudnnBackendDescriptorType_t t)
{
    cudnnBackendDescriptor_t d;
    DNN(cudnnBackendCreateDescriptor(t, &d));
    return d;
}

static void set(cudnnBackendDescriptor_t d, cudnnBackendAttributeName_t a,
                cudnnBackendAttributeType_t t, int64_t n, const void *v)
{
    cudnnStatus_t st = cudnnBackendSetAttribute(d, a, t, n, v);
    if (st != CUDNN_STATUS_SUCCESS)
        test_fail("set attribute %d: %s", (int)a, cudnnGetErrorString(st));
}

static cudnnBackendDescriptor_t tensor(int64_t uid, const int64_t *dims)
{
    cudnnBackendDescriptor_t d = make(CUDNN_BACKEND_TENSOR_DESCRIPTOR);
    int64_t strides[4] = {dims[1] * dims[2] * dims[3], dims[2] * dims[3],
                          dims[3], 1};
    int64_t align = 4;
    cudnnDataType_t dt = CUDNN_DATA_FLOAT;
    set(d, CUDNN_ATTR_TENSOR_DATA_TYPE, CUDNN_TYPE_DATA_TYPE, 1, &dt);
    set(d, CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, 4, dims);
    set(d, CUDNN_ATTR_TENSOR_STRIDES, CUDNN_TYPE_INT64, 4, strides);
    set(d, CUDNN_ATTR_TENSOR_UNIQUE_ID, CUDNN_TYPE_INT64, 1, &uid);
    set(d, CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT, CUDNN_TYPE_INT64, 1, &align);
    DNN(cudnnBackendFinalize(d));
    return d;
}

static int run_backend(const Shape &s, const std::vector<float> &x,
                       const std::vector<float> &w, const Refs &R)
{
    cudnnHandle_t h;
    DNN(cudnnCreate(&h));
    int64_t xdim[4] = {s.n, s.c, s.h, s.w}, wdim[4] = {s.k, s.c, s.r, s.s};
    int64_t ydim[4] = {s.n, s.k, s.oh, s.ow};
    cudnnBackendDescriptor_t xd = tensor('x', xdim), wd = tensor('w', wdim);
    cudnnBackendDescriptor_t yd = tensor('y', ydim);

    cudnnBackendDescriptor_t cd = make(CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR);
    int64_t dims = 2, pad[2] = {s.pad, s.pad}, str[2] = {s.str, s.str};
    int64_t dil[2] = {1, 1};
    cudnnDataType_t ct = CUDNN_DATA_FLOAT;
    cudnnConvolutionMode_t mode = CUDNN_CROSS_CORRELATION;
    set(cd, CUDNN_ATTR_CONVOLUTION_SPATIAL_DIMS, CUDNN_TYPE_INT64, 1, &dims);
    set(cd, CUDNN_ATTR_CONVOLUTION_COMP_TYPE, CUDNN_TYPE_DATA_TYPE, 1, &ct);
    set(cd, CUDNN_ATTR_CONVOLUTION_CONV_MODE, CUDNN_TYPE_CONVOLUTION_MODE, 1,
        &mode);
    set(cd, CUDNN_ATTR_CONVOLUTION_PRE_PADDINGS, CUDNN_TYPE_INT64, 2, pad);
    set(cd, CUDNN_ATTR_CONVOLUTION_POST_PADDINGS, CUDNN_TYPE_INT64, 2, pad);
    set(cd, CUDNN_ATTR_CONVOLUTION_DILATIONS, CUDNN_TYPE_INT64, 2, dil);
    set(cd, CUDNN_ATTR_CONVOLUTION_FILTER_STRIDES, CUDNN_TYPE_INT64, 2, str);
    DNN(cudnnBackendFinalize(cd));

    cudnnBackendDescriptor_t op = make(
        CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR);
    float alpha = 1, beta = 0;
    set(op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_X,
        CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &xd);
    set(op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_W,
        CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &wd);
    set(op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_Y,
        CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &yd);
    set(op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_CONV_DESC,
        CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &cd);
    set(op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA, CUDNN_TYPE_FLOAT,
        1, &alpha);
    set(op, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_BETA, CUDNN_TYPE_FLOAT,
        1, &beta);
    DNN(cudnnBackendFinalize(op));

    cudnnBackendDescriptor_t graph = make(
        CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR);
    set(graph, CUDNN_ATTR_OPERATIONGRAPH_OPS, CUDNN_TYPE_BACKEND_DESCRIPTOR,
        1, &op);
    set(graph, CUDNN_ATTR_OPERATIONGRAPH_HANDLE, CUDNN_TYPE_HANDLE, 1, &h);
    DNN(cudnnBackendFinalize(graph));

    cudnnBackendDescriptor_t heur = make(
        CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR);
    cudnnBackendHeurMode_t hm = CUDNN_HEUR_MODE_A;
    set(heur, CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH,
        CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &graph);
    set(heur, CUDNN_ATTR_ENGINEHEUR_MODE, CUDNN_TYPE_HEUR_MODE, 1, &hm);
    DNN(cudnnBackendFinalize(heur));
    int64_t n_cfg = 0;
    DNN(cudnnBackendGetAttribute(heur, CUDNN_ATTR_ENGINEHEUR_RESULTS,
                                 CUDNN_TYPE_BACKEND_DESCRIPTOR, 0, &n_cfg,
                                 NULL));
    EXPECT(n_cfg > 0, "no engine configurations");
    if (n_cfg > 8)
        n_cfg = 8;
    // Read back into descriptors made beforehand, as cuDNN wants.
    std::vector<cudnnBackendDescriptor_t> cfgs(n_cfg);
    for (auto &c : cfgs)
        c = make(CUDNN_BACKEND_ENGINECFG_DESCRIPTOR);
    int64_t got = 0;
    DNN(cudnnBackendGetAttribute(heur, CUDNN_ATTR_ENGINEHEUR_RESULTS,
                                 CUDNN_TYPE_BACKEND_DESCRIPTOR, n_cfg, &got,
                                 cfgs.data()));
    EXPECT(got > 0, "no engine configurations read back");
    if (got < n_cfg)
        n_cfg = got;

    float *dX = to_device(x), *dW = to_device(w), *dY;
    size_t ny = (size_t)s.n * s.k * s.oh * s.ow;
    CHECK(cudaMalloc(&dY, ny * sizeof(float)));
    int bad = -1;
    // The first configuration that makes a plan and runs.
    for (int64_t i = 0; i < n_cfg && bad < 0; i++) {
        cudnnBackendDescriptor_t plan = make(
            CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR);
        set(plan, CUDNN_ATTR_EXECUTION_PLAN_HANDLE, CUDNN_TYPE_HANDLE, 1, &h);
        set(plan, CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG,
            CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &cfgs[i]);
        if (cudnnBackendFinalize(plan) != CUDNN_STATUS_SUCCESS) {
            DNN(cudnnBackendDestroyDescriptor(plan));
            continue;
        }
        int64_t ws_size = 0;
        DNN(cudnnBackendGetAttribute(plan,
                                     CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE,
                                     CUDNN_TYPE_INT64, 1, &got, &ws_size));
        void *ws = NULL;
        if (ws_size > 0)
            CHECK(cudaMalloc(&ws, ws_size));
        cudnnBackendDescriptor_t vp = make(
            CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR);
        int64_t uids[3] = {'x', 'w', 'y'};
        void *ptrs[3] = {dX, dW, dY};
        set(vp, CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS, CUDNN_TYPE_INT64, 3, uids);
        set(vp, CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS, CUDNN_TYPE_VOID_PTR, 3,
            ptrs);
        set(vp, CUDNN_ATTR_VARIANT_PACK_WORKSPACE, CUDNN_TYPE_VOID_PTR, 1,
            &ws);
        DNN(cudnnBackendFinalize(vp));
        CHECK(cudaMemset(dY, 0, ny * sizeof(float)));
        cudnnStatus_t st = cudnnBackendExecute(h, plan, vp);
        if (st == CUDNN_STATUS_SUCCESS) {
            CHECK(cudaDeviceSynchronize());
            // Engines may use TF32: exact inputs, a looser bound anyway.
            bad = count_bad("y (backend)", to_host(dY, ny), R.y, R.ymag,
                            1e-3);
        } else {
            fprintf(stderr, "engine configuration %lld: %s\n", (long long)i,
                    cudnnGetErrorString(st));
        }
        DNN(cudnnBackendDestroyDescriptor(vp));
        DNN(cudnnBackendDestroyDescriptor(plan));
        if (ws != NULL)
            CHECK(cudaFree(ws));
    }
    EXPECT(bad >= 0, "no engine configuration ran");
    for (auto c : cfgs)
        DNN(cudnnBackendDestroyDescriptor(c));
    for (auto d : {heur, graph, op, cd, xd, wd, yd})
        DNN(cudnnBackendDestroyDescriptor(d));
    for (float *p : {dX, dW, dY})
        CHECK(cudaFree(p));
    DNN(cudnnDestroy(h));
    return bad;
}

int main(int argc, char **argv)
{
    bool backend = argc > 1 && strcmp(argv[1], "--backend") == 0;
    int a = backend ? 2 : 1;
    test_init(backend ? "cudnn_conv_backend" : "cudnn_conv");
    Shape s;
    int *f[] = {&s.n, &s.c, &s.h, &s.w, &s.k, &s.r, &s.s, &s.pad, &s.str};
    int dflt[] = {4, 8, 20, 18, 16, 3, 3, 1, 1};
    for (int i = 0; i < 9; i++)
        *f[i] = argc > a + i ? atoi(argv[a + i]) : dflt[i];
    EXPECT(s.n > 0 && s.c > 0 && s.h > 0 && s.w > 0 && s.k > 0 && s.r > 0 &&
               s.s > 0 && s.pad >= 0 && s.str > 0,
           "bad sizes");
    s.oh = (s.h + 2 * s.pad - s.r) / s.str + 1;
    s.ow = (s.w + 2 * s.pad - s.s) / s.str + 1;
    EXPECT(s.oh > 0 && s.ow > 0, "filter larger than the padded input");

    warm_up();
    expect_library("cudnnCreate");
    EXPECT(cudnnGetVersion() / 10000 == CUDNN_MAJOR, "cuDNN %zu",
           cudnnGetVersion());
    std::vector<float> x((size_t)s.n * s.c * s.h * s.w);
    std::vector<float> w((size_t)s.k * s.c * s.r * s.s);
    std::vector<float> dy((size_t)s.n * s.k * s.oh * s.ow);
    fill(x, 1);
    fill(w, 5);
    fill(dy, 3);
    Refs R = conv_refs(s, x, w, dy);
    int bad = backend ? run_backend(s, x, w, R) : run_legacy(s, x, w, dy, R);
    EXPECT(bad == 0, "%d elements wrong", bad);
    return test_pass();
}
