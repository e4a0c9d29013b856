#!/usr/bin/env python3
"""torch_bench.py - stock PyTorch timings for make bench (issue 8), as
"BENCH <name> <size> <value> <unit>" lines like cuda_bench:

  torch_startup      seconds from interpreter start to the first CUDA
                     result (CUDA initialisation, module loading)
  torch_mlp_step     ms per training step of a 4-layer MLP (batch 512,
                     width 1024; forward, backward, SGD), median of 50
  torch_small_ops    us per small elementwise kernel (x.add_(1) on 4096
                     floats), 2000 in a row, then one synchronisation

Run natively and through gvirtus-run; gpu-host.sh prints the ratios.
"""
import time

T0 = time.time()
import torch  # noqa: E402  (timed: importing torch is part of start-up)


def median(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def main():
    x = torch.ones(4096, device="cuda")
    x.add_(1)
    torch.cuda.synchronize()
    print("BENCH torch_startup 0 %.3f s" % (time.time() - T0))

    torch.manual_seed(0)
    m = torch.nn.Sequential(
        torch.nn.Linear(1024, 1024), torch.nn.ReLU(),
        torch.nn.Linear(1024, 1024), torch.nn.ReLU(),
        torch.nn.Linear(1024, 1024), torch.nn.ReLU(),
        torch.nn.Linear(1024, 10)).cuda()
    opt = torch.optim.SGD(m.parameters(), lr=0.01)
    xb = torch.randn(512, 1024, device="cuda")
    yb = torch.randint(0, 10, (512,), device="cuda")
    times = []
    for i in range(60):
        torch.cuda.synchronize()
        t = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(m(xb), yb)
        loss.backward()
        opt.step()
        torch.cuda.synchronize()
        if i >= 10:
            times.append(time.perf_counter() - t)
    print("BENCH torch_mlp_step 512 %.3f ms" % (median(times) * 1e3))

    runs = []
    for _ in range(5):
        torch.cuda.synchronize()
        t = time.perf_counter()
        for _ in range(2000):
            x.add_(1)
        torch.cuda.synchronize()
        runs.append((time.perf_counter() - t) / 2000)
    print("BENCH torch_small_ops 4096 %.3f us" % (median(runs) * 1e6))


if __name__ == "__main__":
    main()
