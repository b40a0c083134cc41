using System.Diagnostics;
using Ect.Bench.Kernels;

namespace Ect.Bench;

/// <summary>
/// The BenchmarkDotNet suites' own setups, bodies and flop counts, timed crudely (best of a few repetitions after
/// warm-up) so the whole table takes well under a minute. Output: `kernel shape GFLOP/s GB/s`, whitespace separated,
/// one line per measurement, so scripts can track the figures across commits; bench/reference/compare.py prints the
/// same kernels and shapes for OpenBLAS and PyTorch, and compare.sh joins the two tables. GB/s counts each input read
/// once and each output written once (see <see cref="Work"/>); the `copy` line is the measured memory bandwidth.
/// </summary>
public static class QuickBench
{
    /// <summary>Prints every line, or with <paramref name="only"/> just the kernels whose name starts with it
    /// (`quick conv2d3x3.wgrad` while working on one kernel).</summary>
    public static int Run(string? only = null)
    {
        s_only = only;
        Console.WriteLine("kernel shape GFLOP/s GB/s");
        Report(new MemoryBandwidthBench(), ("copy", nameof(MemoryBandwidthBench.Copy)), ("add", nameof(MemoryBandwidthBench.Add)));
        foreach (var shape in GemmBench.Shapes)
            Report(new GemmBench { Shape = shape }, ("gemm", nameof(GemmBench.MatMul)), ("gemm.avx2", nameof(GemmBench.MatMulAvx2)));
        foreach (var shape in Conv3x3Bench.Shapes)
            Report(new Conv3x3Bench { Shape = shape },
                ("conv2d3x3.fwd", nameof(Conv3x3Bench.Forward)), ("conv2d3x3.dgrad", nameof(Conv3x3Bench.InputGradient)),
                ("conv2d3x3.wgrad", nameof(Conv3x3Bench.WeightGradient)), ("conv2d3x3.fwdbwd", nameof(Conv3x3Bench.ForwardBackward)));
        Report(new GroupNormBench(), ("groupnorm", nameof(GroupNormBench.Forward)), ("groupnorm.fwdbwd", nameof(GroupNormBench.ForwardBackward)),
            ("groupnormsilu", nameof(GroupNormBench.SiluForward)), ("groupnormsilu.fwdbwd", nameof(GroupNormBench.SiluForwardBackward)));
        Report(new SiluBench(), ("silu", nameof(SiluBench.Forward)), ("silu.fwdbwd", nameof(SiluBench.ForwardBackward)));
        Report(new SoftmaxBench(), ("softmax", nameof(SoftmaxBench.Forward)), ("softmax.fwdbwd", nameof(SoftmaxBench.ForwardBackward)));
        Report(new AttentionBench(), ("attention", nameof(AttentionBench.Forward)));
        Report(new DropoutBench(), ("dropout", nameof(DropoutBench.Dropout)), ("dropout.mask", nameof(DropoutBench.Mask)),
            ("uniform", nameof(DropoutBench.Uniform)));
        return 0;
    }

    /// <summary>Sets <paramref name="bench"/> up, prints one line per (kernel name, benchmark method), and frees its
    /// inputs before the next suite allocates its own.</summary>
    private static string? s_only;

    private static void Report(KernelBench bench, params (string Kernel, string Method)[] lines)
    {
        lines = lines.Where(l => s_only is null || l.Kernel.StartsWith(s_only, StringComparison.Ordinal)).ToArray();
        if (lines.Length == 0) { bench.Dispose(); return; }
        using (bench)
        {
            bench.Setup();
            foreach (var (kernel, method) in lines)
            {
                var run = bench.GetType().GetMethod(method)!.CreateDelegate<Action>(bench);
                double seconds = BestTime(run);
                var work = bench.WorkOf(method);
                Console.WriteLine($"{kernel} {bench.ShapeLabel} {work.Flops / seconds / 1e9:F1} {work.Bytes / seconds / 1e9:F1}");
            }
        }
    }

    private static double BestTime(Action run)
    {
        // Warm-up: the pool, and the JIT's tiering. Methods start as quick unoptimised code and are recompiled in the
        // background after ~30 calls; a single warm-up call left some kernels (softmax backward) on either side of
        // that switch by chance, and their best time moved 3× between runs.
        var warmup = Stopwatch.StartNew();
        for (int calls = 0; calls < 3 || warmup.Elapsed.TotalSeconds < 0.3; calls++) run();
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
        return best;
    }
}
