#!/usr/bin/python3
"""Reference figures for bench/README.md: the same kernels and shapes as `ect-bench quick`, run by OpenBLAS (NumPy)
and PyTorch/oneDNN from Debian's packages, printed in the same `kernel shape GFLOP/s GB/s` table.

    sudo apt-get install python3-numpy python3-torch
    bash bench/reference/compare.sh        # runs this script and our quick bench back to back

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
    dst = np.empty_like(src)
    report("numpy", "copy", f"{n}", 0, 8.0 * n, lambda: np.copyto(dst, src))
    for n in (256, 512, 1024, 2048):
        a = rng.standard_normal((n, n), dtype=np.float32)
        b = rng.standard_normal((n, n), dtype=np.float32)
        report("openblas", "gemm", f"{n}x{n}x{n}", 2.0 * n ** 3, 12.0 * n * n, lambda: a @ b)
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

        def fwdbwd():
            xg.grad = None
            wg.grad = None
            F.conv2d(xg, wg, padding=1).sum().backward()

        report("torch", "conv2d3x3.fwdbwd", shape, 3 * flops, 3 * nbytes, fwdbwd)
    with torch.no_grad():
        x = torch.randn(64, 128, 32, 32)
        gamma, beta = torch.ones(128), torch.zeros(128)
        report("torch", "groupnorm", "64x128x32x32g32", 8.0 * x.numel(), 8.0 * x.numel(),
               lambda: F.group_norm(x, 32, gamma, beta, 1e-6))
        report("torch", "silu", "64x128x32x32", 4.0 * x.numel(), 8.0 * x.numel(), lambda: F.silu(x))
        x = torch.randn(64, 256, 256)
        report("torch", "softmax", "64x256x256", 5.0 * x.numel(), 8.0 * x.numel(), lambda: torch.softmax(x, -1))
        B, T, C = 16, 256, 256
        q, k, v = torch.randn(B, T, C), torch.randn(B, T, C), torch.randn(B, T, C)
        report("torch", "attention", f"{B}x{T}x{C}", 4.0 * B * T * T * C, 4.0 * (4 * B * T * C + 2 * B * T * T),
               lambda: torch.softmax(q @ k.transpose(1, 2) / C ** 0.5, -1) @ v)


if __name__ == "__main__":
    sys.exit(main())
