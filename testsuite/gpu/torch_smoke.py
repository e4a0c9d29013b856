#!/usr/bin/env python3
"""torch_smoke.py CASE - one PyTorch workload on the GPU, checked against
the same computation on the CPU (issue 5).  Run natively and through
gvirtus (gvirtus-run python3 torch_smoke.py CASE) by gpu-host.sh run_torch.

Prints "CASE ok <seconds> <max error>" and exits 0, or "CASE FAIL why" and
exits 1.  Each case runs in its own process so one that hangs or crashes
does not hide the others.  Cases: info, add, linear, mlp, conv, fft,
solve, sparse, graph, events, streams.
"""
import sys
import time

import torch

TOL = 1e-3


def err(a, b):
    return (a.detach().float().cpu() - b.detach().float().cpu()).abs().max().item()


def case_info():
    assert torch.cuda.is_available(), "torch.cuda.is_available() is False"
    n = torch.cuda.device_count()
    name = torch.cuda.get_device_name(0)
    assert n >= 1 and name, (n, name)
    return 0.0


def case_add():
    x = torch.arange(1 << 20, dtype=torch.float32)
    y = (x.cuda() * 2 + 1).cpu()
    return err(y, x * 2 + 1)


def case_linear():
    # The seed README's example.
    torch.manual_seed(0)
    lin = torch.nn.Linear(256, 128)
    x = torch.randn(64, 256)
    want = lin(x)
    got = lin.cuda()(x.cuda())
    return err(got, want)


def mlp_train(dev):
    torch.manual_seed(1)
    m = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(),
                            torch.nn.Linear(128, 10)).to(dev)
    opt = torch.optim.SGD(m.parameters(), lr=0.05)
    g = torch.Generator().manual_seed(2)
    x = torch.randn(256, 64, generator=g).to(dev)
    y = torch.randint(0, 10, (256,), generator=g).to(dev)
    for _ in range(20):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(m(x), y)
        loss.backward()
        opt.step()
    return loss


def case_mlp():
    return err(mlp_train("cuda"), mlp_train("cpu"))


def cnn_step(dev):
    torch.manual_seed(3)
    m = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3, padding=1),
                            torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
                            torch.nn.Conv2d(8, 4, 3)).to(dev)
    x = torch.randn(4, 3, 16, 16, generator=torch.Generator().manual_seed(4))
    x = x.to(dev).requires_grad_()
    out = m(x)
    out.sum().backward()
    return out, x.grad


def case_conv():
    torch.backends.cudnn.allow_tf32 = False
    o1, g1 = cnn_step("cuda")
    o2, g2 = cnn_step("cpu")
    return max(err(o1, o2), err(g1, g2))


def case_fft():
    x = torch.randn(4096, generator=torch.Generator().manual_seed(5))
    got = torch.fft.rfft(x.cuda())
    want = torch.fft.rfft(x)
    # Relative to the largest coefficient (about 100 here).
    return (got.cpu() - want).abs().max().item() / want.abs().max().item()


def case_solve():
    g = torch.Generator().manual_seed(6)
    a = torch.randn(64, 64, generator=g, dtype=torch.float64) + 64 * torch.eye(64, dtype=torch.float64)
    b = torch.randn(64, 4, generator=g, dtype=torch.float64)
    return err(torch.linalg.solve(a.cuda(), b.cuda()), torch.linalg.solve(a, b))


def case_sparse():
    g = torch.Generator().manual_seed(7)
    d = torch.randn(128, 128, generator=g)
    d[d.abs() < 1.5] = 0
    s = d.to_sparse_csr()
    v = torch.randn(128, 8, generator=g)
    return err(s.cuda() @ v.cuda(), d @ v)


def case_graph():
    x = torch.ones(1024, device="cuda")
    s = torch.cuda.Stream()
    s.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(s):
        for _ in range(2):
            y = x * 2 + 1  # warm up outside capture
    torch.cuda.current_stream().wait_stream(s)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        y = x * 2 + 1
    for i in range(3):
        x.fill_(float(i))
        graph.replay()
        torch.cuda.synchronize()
        assert y[0].item() == 2 * i + 1, (i, y[0].item())
    return 0.0


def case_events():
    a = torch.cuda.Event(enable_timing=True)
    b = torch.cuda.Event(enable_timing=True)
    x = torch.randn(1024, 1024, device="cuda")
    a.record()
    for _ in range(10):
        x = x @ x / 1024
    b.record()
    b.synchronize()
    ms = a.elapsed_time(b)
    assert ms > 0, ms
    return 0.0


def case_streams():
    streams = [torch.cuda.Stream() for _ in range(4)]
    xs = [torch.full((1 << 16,), float(i), device="cuda") for i in range(4)]
    for s, x in zip(streams, xs):
        with torch.cuda.stream(s):
            x.mul_(3).add_(1)
    torch.cuda.synchronize()
    return max(abs(x[0].item() - (3 * i + 1)) for i, x in enumerate(xs))


CASES = {k[5:]: v for k, v in globals().items() if k.startswith("case_")}


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in CASES:
        print("usage: torch_smoke.py " + "|".join(CASES), file=sys.stderr)
        return 2
    name = sys.argv[1]
    t0 = time.time()
    try:
        e = CASES[name]()
        torch.cuda.synchronize()
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
