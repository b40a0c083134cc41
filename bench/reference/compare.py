#!/usr/bin/python3
"""Reference figures for bench/README.md: the same kernels and shapes as our quick bench
(`dotnet run -c Release --project bench -- quick`), run by OpenBLAS (NumPy) and PyTorch/oneDNN from Debian's packages,
printed in the same `kernel shape GFLOP/s GB/s` table with the same flop and byte counts (bench/KernelBench.cs), each
kernel prefixed by the library that ran it.

    sudo apt-get install python3-numpy python3-torch libopenblas0-pthread
    bash bench/reference/compare.sh        # runs this script and our quick bench, then joins the two tables

Only the benchmark documentation uses this; no test depends on Python.
"""
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
os.environ.setdefault("OPENBLAS_CORETYPE", "SkylakeX")
import numpy as np  # noqa: E402  (after the environment variables OpenBLAS reads at load time)
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(2)


def best_time(run, min_seconds=1.0, min_reps=3, max_reps=50):
    run()  # warm-up
    best, reps, start = float("inf"), 0, time.perf_counter()
    while reps < min_reps or (time.perf_counter() - start < min_seconds and reps < max_reps):
        t0 = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - t0)
        reps += 1
    return best


def report(library, kernel, shape, flops, nbytes, run):
    t = best_time(run)
    print(f"{library}:{kernel} {shape} {flops / t / 1e9:.1f} {nbytes / t / 1e9:.1f}", flush=True)


def main():
    print("kernel shape GFLOP/s GB/s")
    rng = np.random.default_rng(0)
    n = 1 << 26  # 256 MB of float32: far beyond the caches
    src = rng.standard_normal(n, dtype=np.float32)
    other = rng.standard_normal(n, dtype=np.float32)
    dst = np.empty_like(src)
    report("numpy", "copy", f"{n}", 0, 8.0 * n, lambda: np.copyto(dst, src))
    report("numpy", "add", f"{n}", n, 12.0 * n, lambda: np.add(src, other, out=dst))
    del src, other, dst  # 768 MB the rest does not need
    # Square products, then the GEMMs of the U-Net's 3x3 convolutions Cin->Cout at HxW, per image (im2col):
    # M = Cout, N = H*W, K = Cin*9.
    gemms = [(n, n, n) for n in (256, 512, 1024, 2048)]
    gemms += [(cout, hw * hw, cin * 9) for cin, cout, hw in ((32, 32, 32), (64, 64, 32), (64, 64, 16), (128, 128, 8))]
    for m, n, k in gemms:
        a = rng.standard_normal((m, k), dtype=np.float32)
        b = rng.standard_normal((k, n), dtype=np.float32)
        report("openblas", "gemm", f"{m}x{n}x{k}", 2.0 * m * n * k, 4.0 * (m * k + k * n + m * n), lambda: a @ b)
    torch.manual_seed(0)
    for cin, cout, hw, batch in ((32, 32, 32, 64), (64, 64, 32, 64), (64, 64, 16, 64)):
        x = torch.randn(batch, cin, hw, hw)
        w = torch.randn(cout, cin, 3, 3)
        flops = 2.0 * batch * cout * cin * 9 * hw * hw
        nbytes = 4.0 * (x.numel() + w.numel() + batch * cout * hw * hw)
        shape = f"{cin}x{cout}x{hw}x{hw}xb{batch}"
        with torch.no_grad():
            report("torch", "conv2d3x3.fwd", shape, flops, nbytes, lambda: F.conv2d(x, w, padding=1))
        xg, wg = x.clone().requires_grad_(), w.clone().requires_grad_()
        dy = torch.randn(batch, cout, hw, hw)
        report("torch", "conv2d3x3.fwdbwd", shape, 3 * flops, 3 * nbytes,
               lambda: backward_from(lambda: F.conv2d(xg, wg, padding=1), dy, xg, wg))
    x = torch.randn(64, 128, 32, 32)
    gamma, beta = torch.randn(128), torch.randn(128)
    with torch.no_grad():
        report("torch", "groupnorm", "64x128x32x32g32", 8.0 * x.numel(), 8.0 * x.numel(),
               lambda: F.group_norm(x, 32, gamma, beta, 1e-6))
    # Forward ~8 flops/element reading x and writing y; backward ~12 reading dy and x and writing dx.
    xg, gg, bg = (t.clone().requires_grad_() for t in (x, gamma, beta))
    dy = torch.randn_like(x)
    report("torch", "groupnorm.fwdbwd", "64x128x32x32g32", 20.0 * x.numel(), 20.0 * x.numel(),
           lambda: backward_from(lambda: F.group_norm(xg, 32, gg, bg, 1e-6), dy, xg, gg, bg))
    # GroupNorm then SiLU, as every U-Net block runs them (PyTorch: two kernels): the fused op's flops, same bytes.
    with torch.no_grad():
        report("torch", "groupnormsilu", "64x128x32x32g32", 12.0 * x.numel(), 8.0 * x.numel(),
               lambda: F.silu(F.group_norm(x, 32, gamma, beta, 1e-6)))
    report("torch", "groupnormsilu.fwdbwd", "64x128x32x32g32", 32.0 * x.numel(), 20.0 * x.numel(),
           lambda: backward_from(lambda: F.silu(F.group_norm(xg, 32, gg, bg, 1e-6)), dy, xg, gg, bg))
    with torch.no_grad():
        report("torch", "silu", "64x128x32x32", 4.0 * x.numel(), 8.0 * x.numel(), lambda: F.silu(x))
        s = torch.randn(64, 256, 256)
        report("torch", "softmax", "64x256x256", 5.0 * s.numel(), 8.0 * s.numel(), lambda: torch.softmax(s, -1))
    # Forward and backward of one-tensor ops: reading x and writing y, then reading x (or y) and dy and writing dx.
    xs, ss = x.clone().requires_grad_(), s.clone().requires_grad_()
    ds = torch.randn_like(s)
    report("torch", "silu.fwdbwd", "64x128x32x32", 12.0 * x.numel(), 20.0 * x.numel(),
           lambda: backward_from(lambda: F.silu(xs), dy, xs))
    report("torch", "softmax.fwdbwd", "64x256x256", 9.0 * s.numel(), 20.0 * s.numel(),
           lambda: backward_from(lambda: torch.softmax(ss, -1), ds, ss))
    with torch.no_grad():
        B, T, C = 16, 256, 256
        q, k, v = torch.randn(B, T, C), torch.randn(B, T, C), torch.randn(B, T, C)
        report("torch", "attention", f"{B}x{T}x{C}", 4.0 * B * T * T * C, 4.0 * (4 * B * T * C + 2 * B * T * T),
               lambda: torch.softmax(q @ k.transpose(1, 2) / C ** 0.5, -1) @ v)
        # Mask generation and the multiply: compare, scale, multiply (3 flops/element), reading x and writing y.
        report("torch", "dropout", "64x128x32x32p0.2", 3.0 * x.numel(), 8.0 * x.numel(),
               lambda: F.dropout(x, 0.2, training=True))
        # The mask alone (keep with probability 0.8, scaled by 1/0.8) and plain uniforms: written once.
        report("torch", "dropout.mask", "64x128x32x32p0.2", 2.0 * x.numel(), 4.0 * x.numel(),
               lambda: torch.empty_like(x).bernoulli_(0.8).div_(0.8))
        report("torch", "uniform", "64x128x32x32p0.2", 0.0, 4.0 * x.numel(), lambda: torch.rand_like(x))


def backward_from(forward, cotangent, *leaves):
    """forward().backward(cotangent) from zero gradients, as a training step runs an op (dy from the next layer, after
    ZeroGrad); the same as KernelBench.BackwardFrom on our side."""
    for leaf in leaves:
        leaf.grad = None
    forward().backward(cotangent)


if __name__ == "__main__":
    sys.exit(main())
