using System.Diagnostics;

namespace Ect.Bench;

/// <summary>
/// The same kernels as the BenchmarkDotNet suites, timed crudely (best of a few repetitions after warm-up) so the
/// whole table takes seconds. Output: `kernel shape GFLOP/s GB/s`, whitespace separated, one line per measurement,
/// so scripts can track the figures across commits. GB/s counts each input read once and each output written once.
/// </summary>
public static class QuickBench
{
    public static int Run()
    {
        Console.WriteLine("kernel shape GFLOP/s GB/s");
        foreach (int n in new[] { 256, 512, 1024 })
        {
            var a = TensorOps.RandomNormal([n, n], 1); var b = TensorOps.RandomNormal([n, n], 2);
            Report("gemm", $"{n}x{n}x{n}", 2.0 * n * n * n, 3.0 * n * n * 4, () => a.MatMul(b).Dispose());
        }
        foreach (var (cin, cout, hw, batch) in new[] { (32, 32, 32, 64), (64, 64, 32, 64), (64, 64, 16, 64) })
        {
            var x = TensorOps.RandomNormal([batch, cin, hw, hw], 3); var w = TensorOps.RandomNormal([cout, cin, 3, 3], 4);
            double flops = 2.0 * batch * cout * cin * 9 * hw * hw;
            double bytes = 4.0 * (x.Count + w.Count + (long)batch * cout * hw * hw);
            Report("conv2d3x3.fwd", $"{cin}x{cout}x{hw}x{hw}xb{batch}", flops, bytes, () => x.Conv2d(w, null, 1, 1).Dispose());
            var dyy = TensorOps.RandomNormal([batch, cout, hw, hw], 5);
            Report("conv2d3x3.dgrad", $"{cin}x{cout}x{hw}x{hw}xb{batch}", flops, bytes, () => Ect.Kernels.Backends.Cpu.Conv2dBackwardInput(dyy, w, x.Shape.AsSpan(), new Conv2dGeometry(1, 1)).Dispose());
            Report("conv2d3x3.wgrad", $"{cin}x{cout}x{hw}x{hw}xb{batch}", flops, bytes, () => Ect.Kernels.Backends.Cpu.Conv2dBackwardWeight(dyy, x, w.Shape.AsSpan(), new Conv2dGeometry(1, 1)).Dispose());
            var xg = x.Detach().RequireGrad(); var wg = w.Detach().RequireGrad();
            Report("conv2d3x3.fwdbwd", $"{cin}x{cout}x{hw}x{hw}xb{batch}", 3 * flops, 3 * bytes, () =>
            {
                xg.Grad = null; wg.Grad = null;
                xg.Conv2d(wg, null, 1, 1).Sum().Backward();
            });
        }
        {
            var x = TensorOps.RandomNormal([64, 128, 32, 32], 5);
            var gamma = Tensor.Ones([128]); var beta = Tensor.Zeros([128]);
            Report("groupnorm", "64x128x32x32g32", 8.0 * x.Count, 2.0 * 4 * x.Count, () => x.GroupNorm(32, gamma, beta, 1e-6).Dispose());
            Report("silu", "64x128x32x32", 4.0 * x.Count, 2.0 * 4 * x.Count, () => x.Silu().Dispose());
        }
        {
            var x = TensorOps.RandomNormal([64, 256, 256], 6);
            Report("softmax", "64x256x256", 5.0 * x.Count, 2.0 * 4 * x.Count, () => x.Softmax(-1).Dispose());
        }
        {
            // One DDPM++ attention layer at 16×16: q·kᵀ [B, 256, C]·[B, C, 256], softmax, then ·v.
            const int B = 16, T = 256, C = 256;
            var q = TensorOps.RandomNormal([B, T, C], 7); var k = TensorOps.RandomNormal([B, T, C], 8); var v = TensorOps.RandomNormal([B, T, C], 9);
            Report("attention", $"{B}x{T}x{C}", 4.0 * B * T * T * C, 4.0 * (4L * B * T * C + 2L * B * T * T),
                () => q.MatMul(k, transposeB: true).Mul(1 / Math.Sqrt(C)).Softmax(-1).MatMul(v).Dispose());
        }
        return 0;
    }

    private static void Report(string kernel, string shape, double flops, double bytes, Action run)
    {
        run(); // warm-up: JIT, pool
        var watch = Stopwatch.StartNew();
        double best = double.MaxValue;
        int reps = 0;
        while (reps < 3 || (watch.Elapsed.TotalSeconds < 1.0 && reps < 50))
        {
            long start = Stopwatch.GetTimestamp();
            run();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
            reps++;
        }
        Console.WriteLine($"{kernel} {shape} {flops / best / 1e9:F1} {bytes / best / 1e9:F1}");
    }
}
