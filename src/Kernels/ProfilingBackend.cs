using System.Diagnostics;
using Ect.Tensors;

namespace Ect.Kernels;

/// <summary>
/// Wraps a backend and adds up wall time per primitive (Unary, Binary, Reduce broken down by op; convolutions by
/// pass), so `ect bench step --profile` can say where a training step goes. Calls are timed as the caller sees
/// them, so kernels that run on both cores count once. Costs a closure per call: for diagnosis, not for training.
/// With <paramref name="byShape"/>, convolutions and matrix products are also split by shape and carry their flop
/// count, so the table says which layer shapes run below the kernel's best throughput.
/// </summary>
public sealed class ProfilingBackend(ITensorBackend inner, bool byShape = false) : ITensorBackend
{
    private readonly Dictionary<string, (long Ticks, long Calls, double Flops)> _totals = [];

    /// <summary>(primitive, calls, seconds, flops: 0 where not counted), slowest first.</summary>
    public IReadOnlyList<(string Name, long Calls, double Seconds, double Flops)> Totals()
    {
        lock (_totals)
            return _totals.Select(kv => (kv.Key, kv.Value.Calls, kv.Value.Ticks / (double)Stopwatch.Frequency, kv.Value.Flops))
                .OrderByDescending(t => t.Item3).ToList();
    }

    public void Reset()
    {
        lock (_totals) _totals.Clear();
    }

    private T Time<T>(string name, Func<T> call, double flops = 0, Func<T, double>? flopsOfResult = null)
    {
        long start = Stopwatch.GetTimestamp();
        var result = call();
        long ticks = Stopwatch.GetTimestamp() - start;
        if (flopsOfResult is not null) flops = flopsOfResult(result);
        lock (_totals)
        {
            var (total, calls, work) = _totals.GetValueOrDefault(name);
            _totals[name] = (total + ticks, calls + 1, work + flops);
        }
        return result;
    }

    /// <summary>The row a convolution pass is counted under, and its flops (2 per multiply-add, the same for each
    /// pass): "Conv2d" alone, or with byShape "Conv2d 64→64 3×3 16×16" (channels, kernel, input size; stride when
    /// not 1; batch left out so that one layer shape is one row).</summary>
    private (string Name, double Flops) ConvRow(string pass, ReadOnlySpan<int> x, ReadOnlySpan<int> w, ReadOnlySpan<int> y, Conv2dGeometry g)
    {
        double flops = 2.0 * y[0] * y[1] * y[2] * y[3] * w[1] * w[2] * w[3];
        if (!byShape) return (pass, flops);
        string stride = g.Stride == 1 ? "" : $" s{g.Stride}";
        return ($"{pass} {w[1]}→{w[0]} {w[2]}×{w[3]} {x[2]}×{x[3]}{stride}", flops);
    }

    private static int[] ConvOutputShape(ReadOnlySpan<int> x, ReadOnlySpan<int> w, Conv2dGeometry g) =>
        [x[0], w[0], g.OutputSize(x[2], w[2]), g.OutputSize(x[3], w[3])];

    private void Time(string name, Action call) => Time(name, () => { call(); return 0; });

    public Device Device => inner.Device;
    public Tensor Empty(ReadOnlySpan<int> shape, DType dtype) => inner.Empty(shape, dtype);
    public void Copy(Tensor source, Tensor destination) => Time("Copy", () => inner.Copy(source, destination));
    public void Fill(Tensor destination, double value) => Time("Fill", () => inner.Fill(destination, value));
    public Tensor Unary(UnaryOp op, Tensor x) => Time($"Unary.{op}", () => inner.Unary(op, x));
    public Tensor SiluBackward(Tensor x, Tensor dy) => Time("SiluBackward", () => inner.SiluBackward(x, dy));
    public Tensor Binary(BinaryOp op, Tensor x, Tensor y) => Time($"Binary.{op}", () => inner.Binary(op, x, y));
    public Tensor BinaryScalar(BinaryOp op, Tensor x, double s, bool scalarFirst = false) =>
        Time($"BinaryScalar.{op}", () => inner.BinaryScalar(op, x, s, scalarFirst));
    public Tensor Where(Tensor condition, Tensor a, Tensor b) => Time("Where", () => inner.Where(condition, a, b));
    public Tensor Clamp(Tensor x, double lo, double hi) => Time("Clamp", () => inner.Clamp(x, lo, hi));
    public Tensor NanToNum(Tensor x, double nan, double posInf, double negInf) => Time("NanToNum", () => inner.NanToNum(x, nan, posInf, negInf));
    public Tensor Reduce(ReduceOp op, Tensor x, int[] axes, bool keepDims) => Time($"Reduce.{op}", () => inner.Reduce(op, x, axes, keepDims));
    public Tensor Softmax(Tensor x, int axis) => Time("Softmax", () => inner.Softmax(x, axis));
    public Tensor SoftmaxBackward(Tensor y, Tensor dy, int axis) => Time("SoftmaxBackward", () => inner.SoftmaxBackward(y, dy, axis));
    public Tensor MatMul(Tensor a, Tensor b, bool transposeA = false, bool transposeB = false)
    {
        int m = a.Shape[transposeA ? ^1 : ^2], k = a.Shape[transposeA ? ^2 : ^1], n = b.Shape[transposeB ? ^2 : ^1];
        return Time(byShape ? $"MatMul {m}×{n}×{k}" : "MatMul", () => inner.MatMul(a, b, transposeA, transposeB),
            flopsOfResult: product => 2.0 * product.Count * k);
    }

    public Tensor Conv2d(Tensor x, Tensor w, Tensor? bias, Conv2dGeometry geometry)
    {
        var (name, flops) = ConvRow("Conv2d", x.Shape.AsSpan(), w.Shape.AsSpan(), ConvOutputShape(x.Shape.AsSpan(), w.Shape.AsSpan(), geometry), geometry);
        return Time(name, () => inner.Conv2d(x, w, bias, geometry), flops);
    }

    public Tensor Conv2dBackwardInput(Tensor dy, Tensor w, ReadOnlySpan<int> inputShape, Conv2dGeometry geometry)
    {
        int[] shape = inputShape.ToArray();
        var (name, flops) = ConvRow("Conv2dBackwardInput", shape, w.Shape.AsSpan(), dy.Shape.AsSpan(), geometry);
        return Time(name, () => inner.Conv2dBackwardInput(dy, w, shape, geometry), flops);
    }

    public Tensor Conv2dBackwardWeight(Tensor dy, Tensor x, ReadOnlySpan<int> weightShape, Conv2dGeometry geometry)
    {
        int[] shape = weightShape.ToArray();
        var (name, flops) = ConvRow("Conv2dBackwardWeight", x.Shape.AsSpan(), shape, dy.Shape.AsSpan(), geometry);
        return Time(name, () => inner.Conv2dBackwardWeight(dy, x, shape, geometry), flops);
    }

    public Tensor Downsample2x(Tensor x) => Time("Downsample2x", () => inner.Downsample2x(x));
    public Tensor Upsample2x(Tensor x) => Time("Upsample2x", () => inner.Upsample2x(x));
    public (Tensor Y, Tensor Mean, Tensor Rstd) GroupNorm(Tensor x, Tensor? gamma, Tensor? beta, int groups, double eps) =>
        Time("GroupNorm", () => inner.GroupNorm(x, gamma, beta, groups, eps));
    public (Tensor Dx, Tensor? DGamma, Tensor? DBeta) GroupNormBackward(Tensor dy, Tensor x, Tensor? gamma, Tensor mean, Tensor rstd, int groups) =>
        Time("GroupNormBackward", () => inner.GroupNormBackward(dy, x, gamma, mean, rstd, groups));
    public (Tensor Y, Tensor Mean, Tensor Rstd) GroupNormSilu(Tensor x, Tensor? gamma, Tensor? beta, int groups, double eps) =>
        Time("GroupNormSilu", () => inner.GroupNormSilu(x, gamma, beta, groups, eps));
    public (Tensor Dx, Tensor? DGamma, Tensor? DBeta) GroupNormSiluBackward(Tensor dy, Tensor x, Tensor? gamma, Tensor? beta, Tensor mean, Tensor rstd, int groups) =>
        Time("GroupNormSiluBackward", () => inner.GroupNormSiluBackward(dy, x, gamma, beta, mean, rstd, groups));
    public void FillUniform(Tensor destination, ulong seed, ulong offset) => Time("FillUniform", () => inner.FillUniform(destination, seed, offset));
    public void FillNormal(Tensor destination, ulong seed, ulong offset) => Time("FillNormal", () => inner.FillNormal(destination, seed, offset));
    public void FillDropoutMask(Tensor destination, double p, ulong seed, ulong offset) =>
        Time("FillDropoutMask", () => inner.FillDropoutMask(destination, p, seed, offset));
    public void MomentStep(Tensor parameter, Tensor gradient, Tensor m, Tensor v, MomentStepFactors factors) =>
        Time("MomentStep", () => inner.MomentStep(parameter, gradient, m, v, factors));
    public void EmaUpdate(Tensor average, Tensor source, double beta) => Time("EmaUpdate", () => inner.EmaUpdate(average, source, beta));
}
