#!/usr/bin/env python3
"""cupy_smoke.py CASE - one CuPy workload on the GPU, checked against NumPy
on the CPU (issue 5).  Run natively and through gvirtus (gvirtus-run
python3 cupy_smoke.py CASE) by gpu-host.sh run_cupy.

Prints "CASE ok <seconds> <max error>" and exits 0, or "CASE FAIL why" and
exits 1.  Each case runs in its own process.  Cases: info, elementwise
(ufuncs and an ElementwiseKernel: NVRTC and driver launches), raw (a
RawKernel and a RawModule with a template, name expressions), reduce,
matmul (cuBLAS), fft (cuFFT), linalg (cuSOLVER: solve, cholesky, svd),
random (cuRAND), sparse (cuSPARSE).
"""
import sys
import time

import numpy as np
import cupy as cp

TOL = 1e-3


def err(a, b):
    a = cp.asnumpy(a) if isinstance(a, cp.ndarray) else np.asarray(a)
    b = cp.asnumpy(b) if isinstance(b, cp.ndarray) else np.asarray(b)
    scale = max(1.0, float(np.abs(b).max()))
    return float(np.abs(a - b).max()) / scale


def case_info():
    n = cp.cuda.runtime.getDeviceCount()
    p = cp.cuda.runtime.getDeviceProperties(0)
    assert n >= 1 and p["name"], (n, p["name"])
    return 0.0


def case_elementwise():
    x = np.linspace(-3, 3, 1 << 20, dtype=np.float32)
    g = cp.asarray(x)
    k = cp.ElementwiseKernel("float32 x, float32 a", "float32 y",
                             "y = a * x * x + sinf(x)", "gv_poly")
    return max(err(cp.exp(g) * 2 + 1, np.exp(x) * 2 + 1),
               err(k(g, np.float32(0.5)), 0.5 * x * x + np.sin(x)))


def case_raw():
    src = r'''
    extern "C" __global__ void axpy(float a, const float *x, float *y, int n)
    {
        int i = blockIdx.x * blockDim.x + threadIdx.x;
        if (i < n) y[i] += a * x[i];
    }
    template <typename T> __global__ void scale(T *v, T s, int n)
    {
        int i = blockIdx.x * blockDim.x + threadIdx.x;
        if (i < n) v[i] *= s;
    }
    '''
    n = 100000
    x = np.arange(n, dtype=np.float32)
    y = np.ones(n, dtype=np.float32)
    gx, gy = cp.asarray(x), cp.asarray(y)
    cp.RawKernel(src, "axpy")(((n + 255) // 256,), (256,),
                              (np.float32(3), gx, gy, np.int32(n)))
    m = cp.RawModule(code=src, name_expressions=["scale<double>"])
    gd = cp.arange(n, dtype=cp.float64)
    m.get_function("scale<double>")(((n + 255) // 256,), (256,),
                                    (gd, np.float64(0.5), np.int32(n)))
    return max(err(gy, y + 3 * x), err(gd, np.arange(n) * 0.5))


def case_reduce():
    x = np.random.default_rng(0).standard_normal((512, 1024)).astype(np.float32)
    g = cp.asarray(x)
    return max(err(g.sum(axis=1), x.sum(axis=1)), err(g.max(), x.max()),
               err(cp.cumsum(g[0]), np.cumsum(x[0])))


def case_matmul():
    r = np.random.default_rng(1)
    a = r.standard_normal((300, 200)).astype(np.float32)
    b = r.standard_normal((200, 100)).astype(np.float32)
    c = r.standard_normal((64, 64))
    return max(err(cp.asarray(a) @ cp.asarray(b), a @ b),
               err(cp.asarray(c) @ cp.asarray(c).T, c @ c.T))


def case_fft():
    r = np.random.default_rng(2)
    x = r.standard_normal(4096) + 1j * r.standard_normal(4096)
    y = r.standard_normal((64, 48)).astype(np.float32)
    return max(err(cp.fft.fft(cp.asarray(x)), np.fft.fft(x)),
               err(cp.fft.ifft(cp.fft.fft(cp.asarray(x))), x),
               err(cp.fft.rfft2(cp.asarray(y)), np.fft.rfft2(y)))


def case_linalg():
    r = np.random.default_rng(3)
    a = r.standard_normal((64, 64)) + 64 * np.eye(64)
    b = r.standard_normal((64, 3))
    spd = a @ a.T
    s = r.standard_normal((40, 30))
    return max(err(cp.linalg.solve(cp.asarray(a), cp.asarray(b)),
                   np.linalg.solve(a, b)),
               err(cp.linalg.cholesky(cp.asarray(spd)), np.linalg.cholesky(spd)),
               err(cp.linalg.svd(cp.asarray(s), compute_uv=False),
                   np.linalg.svd(s, compute_uv=False)))


def case_random():
    # The legacy RandomState API generates with cuRAND's host API.
    cp.random.seed(7)
    u = cp.random.uniform(size=1 << 20, dtype=cp.float32)
    n = cp.random.standard_normal(size=1 << 20, dtype=cp.float64)
    cp.random.seed(7)
    u2 = cp.random.uniform(size=1 << 20, dtype=cp.float32)
    mu, var = float(n.mean()), float(n.var())
    assert 0.0 <= float(u.min()) and float(u.max()) <= 1.0
    assert bool((u == u2).all()), "same seed, different numbers"
    return max(abs(float(u.mean()) - 0.5) / 10, abs(mu) / 10,
               abs(var - 1) / 10)


def case_sparse():
    import cupyx.scipy.sparse as cs
    r = np.random.default_rng(4)
    d = r.standard_normal((200, 300)) * (r.random((200, 300)) < 0.05)
    v = r.standard_normal(300)
    m = r.standard_normal((300, 8))
    s = cs.csr_matrix(cp.asarray(d))
    return max(err(s @ cp.asarray(v), d @ v), err(s @ cp.asarray(m), d @ m))


CASES = {k[5:]: v for k, v in globals().items() if k.startswith("case_")}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        print("usage: cupy_smoke.py " + "|".join(CASES), file=sys.stderr)
        return 2
    name = sys.argv[1]
    t0 = time.time()
    try:
        e = CASES[name]()
        cp.cuda.runtime.deviceSynchronize()
    except Exception as ex:  # the reason is the result
        print("%s FAIL %s: %s" % (name, type(ex).__name__,
                                  str(ex).splitlines()[0][:200] if str(ex) else ""))
        return 1
    dt = time.time() - t0
    if not e <= TOL:
        print("%s FAIL error %.3g > %g" % (name, e, TOL))
        return 1
    print("%s ok %.3f %.2g" % (name, dt, e))
    return 0


if __name__ == "__main__":
    sys.exit(main())
