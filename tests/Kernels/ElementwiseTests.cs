using Ect.Kernels.Cpu;
using Ect.Tests.Numerics;

namespace Ect.Tests.Kernels;

/// <summary>Forward values of the elementwise ops against float64 loops, on lengths around the vector widths,
/// broadcasts, non-contiguous views, and special values.</summary>
public class ElementwiseTests
{
    private static readonly (string Name, Func<Tensor, Tensor> Op, Func<double, double> Reference, bool PositiveOnly)[] Unaries =
    [
        ("Neg", x => x.Neg(), v => -v, false),
        ("Exp", x => x.Exp(), Math.Exp, false),
        ("Log", x => x.Log(), Math.Log, true),
        ("Sqrt", x => x.Sqrt(), Math.Sqrt, true),
        ("Rsqrt", x => x.Rsqrt(), v => 1 / Math.Sqrt(v), true),
        ("Reciprocal", x => x.Reciprocal(), v => 1 / v, true),
        ("Sin", x => x.Sin(), Math.Sin, false),
        ("Cos", x => x.Cos(), Math.Cos, false),
        ("Tanh", x => x.Tanh(), Math.Tanh, false),
        ("Sigmoid", x => x.Sigmoid(), v => 1 / (1 + Math.Exp(-v)), false),
        ("Silu", x => x.Silu(), v => v / (1 + Math.Exp(-v)), false),
        ("Relu", x => x.Relu(), v => Math.Max(v, 0), false),
        ("Abs", x => x.Abs(), Math.Abs, false),
        ("Square", x => x.Square(), v => v * v, false),
        ("Sign", x => x.Sign(), v => Math.Sign(v), false),
    ];

    private static IEnumerable<string> UnaryNames => Unaries.Select(u => u.Name);

    [TestCaseSource(nameof(UnaryNames))]
    public void UnaryMatchesReferenceOnEveryLengthUpTo257(string name)
    {
        var (_, op, reference, positive) = Unaries.Single(u => u.Name == name);
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            // float32 math functions are accurate to a few ulp; 2e-6 relative (≈16 ulp) leaves room for Sigmoid/Tanh.
            double rtol = dtype == DType.Float32 ? 2e-6 : 1e-13, atol = dtype == DType.Float32 ? 1e-6 : 1e-14;
            for (int n = 0; n <= 257; n++)
            {
                var x = positive ? Data.Uniform([n], (ulong)n, 0.1, 4, dtype) : Data.Normal([n], (ulong)n, dtype) * 3.0;
                Assertions.Close(op(x), Naive.Map(x, reference), rtol, atol, $"{name} {dtype.Name()} length {n}");
            }
        }
    }

    [TestCaseSource(nameof(UnaryNames))]
    public void UnaryOnNonContiguousViewMatchesReference(string name)
    {
        var (_, op, reference, positive) = Unaries.Single(u => u.Name == name);
        var x = Data.NonContiguous([3, 5, 7], 11);
        if (positive) x = x.Abs() + 0.1;
        Assertions.Close(op(x), Naive.Map(x, reference), 1e-13, 1e-14, name);
    }

    [TestCase("Exp")]
    [TestCase("Sigmoid")]
    [TestCase("Silu")]
    public void Float32FastUnariesOnNonContiguousViews(string name)
    {
        // These three take FastMath's path in float32 (the test above runs float64); same tolerance as the length sweep.
        var (_, op, reference, _) = Unaries.Single(u => u.Name == name);
        var x = Data.NonContiguous([3, 5, 37], 12, DType.Float32) * 3.0;
        Assertions.Close(op(x), Naive.Map(x, reference), 2e-6, 1e-6, name);
    }

    [Test]
    public void LargeUnarySplitAcrossCoresMatchesOneCore()
    {
        var x = Data.Normal([300_001], 5, DType.Float32);
        var both = x.Silu().ToFloatArray();
        int saved = Threads.Count;
        try
        {
            Threads.Count = 1;
            Assert.That(x.Silu().ToFloatArray(), Is.EqualTo(both));
        }
        finally { Threads.Count = saved; }
        Assertions.Close(x.Silu(), Naive.Map(x, v => v / (1 + Math.Exp(-v))), 2e-6, 1e-6);
    }

    [Test]
    public void SiluBackwardMatchesTheDerivativeOnEveryLengthAndOnViews()
    {
        static double Derivative(double v) { double s = 1 / (1 + Math.Exp(-v)); return s * (1 + v * (1 - s)); }
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            // float32: a few ulp of σ, and SiLU′ ≤ 1.1 cancels to 0 near x = −1.28, hence the absolute part.
            double rtol = dtype == DType.Float32 ? 2e-6 : 1e-13, atol = dtype == DType.Float32 ? 1e-6 : 1e-14;
            for (int n = 0; n <= 257; n++)
            {
                var x = Data.Normal([n], (ulong)n, dtype) * 4.0; var dy = Data.Normal([n], (ulong)n + 300, dtype);
                Assertions.Close(Backends.Cpu.SiluBackward(x, dy), Naive.Zip(x, dy, (v, g) => g * Derivative(v)), rtol, atol, $"{dtype.Name()} length {n}");
            }
            var view = Data.NonContiguous([5, 7, 3], 9, dtype); var grad = Data.NonContiguous([5, 7, 3], 10, dtype);
            Assertions.Close(Backends.Cpu.SiluBackward(view, grad), Naive.Zip(view, grad, (v, g) => g * Derivative(v)), rtol, atol, $"{dtype.Name()} views");
        }
    }

    [Test]
    public void SiluFusedBackwardAgreesWithTheDifferentiableRule()
    {
        // A plain backward uses the one-pass primitive; with createGraph the rule is built from differentiable ops.
        var x = Data.Normal([3, 41], 4, DType.Float32).Leaf(); var dy = Data.Normal([3, 41], 5, DType.Float32);
        x.Silu().Backward(dy);
        var fused = x.Grad!.ToDoubleArray();
        x.Grad = null;
        x.Silu().Backward(dy, createGraph: true);
        Assertions.Close(x.Grad!, fused, 1e-5, 1e-6, "composite vs fused");
    }

    private static readonly (string Name, Func<Tensor, Tensor, Tensor> Op, Func<double, double, double> Reference)[] Binaries =
    [
        ("Add", (x, y) => x + y, (a, b) => a + b),
        ("Sub", (x, y) => x - y, (a, b) => a - b),
        ("Mul", (x, y) => x * y, (a, b) => a * b),
        ("Div", (x, y) => x / y, (a, b) => a / b),
        ("Pow", (x, y) => x.Abs().Pow(y), (a, b) => Math.Pow(Math.Abs(a), b)),
        ("Maximum", (x, y) => x.Maximum(y), Math.Max),
        ("Minimum", (x, y) => x.Minimum(y), Math.Min),
        ("Greater", (x, y) => x.Greater(y), (a, b) => a > b ? 1 : 0),
        ("Less", (x, y) => x.Less(y), (a, b) => a < b ? 1 : 0),
    ];

    private static IEnumerable<string> BinaryNames => Binaries.Select(b => b.Name);

    // Pairs of shapes: equal, trailing broadcast, leading broadcast, both sides broadcast, scalar, rank mismatch.
    private static readonly int[][][] ShapePairs =
    [
        [[10, 5, 4, 3], [10, 5, 4, 3]],
        [[10, 5, 4, 3], [1, 5, 1, 1]],
        [[10, 5, 4, 3], [3]],
        [[4, 1, 3], [1, 5, 1]],
        [[7, 17], []],
        [[], [6, 33]],
        [[2, 3, 65], [65]],
        [[1, 129], [3, 1]],
    ];

    [TestCaseSource(nameof(BinaryNames))]
    public void BinaryBroadcastsLikeNumPy(string name)
    {
        var (_, op, reference) = Binaries.Single(b => b.Name == name);
        foreach (var pair in ShapePairs)
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = Data.Normal(pair[0], 1, dtype); var y = Data.Normal(pair[1], 2, dtype) + 0.5;
            var expected = Naive.Zip(x, y, (a, b) => reference(a, b));
            double rtol = dtype == DType.Float32 ? 4e-6 : 1e-13;
            Assertions.Close(op(x, y), expected, rtol, rtol, $"{name} {Check.Fmt(pair[0])} with {Check.Fmt(pair[1])} in {dtype.Name()}");
        }
    }

    [TestCaseSource(nameof(BinaryNames))]
    public void BinaryOnNonContiguousAndExpandedViews(string name)
    {
        var (_, op, reference) = Binaries.Single(b => b.Name == name);
        var x = Data.NonContiguous([4, 6, 5], 3);
        var y = View.Expand(Data.Normal([6, 1], 4), [4, 6, 5]);
        Assertions.Close(op(x, y), Naive.Zip(x, y, (a, b) => reference(a, b)), 1e-13, 1e-13, name);
        Assertions.Close(op(y, x), Naive.Zip(y, x, (a, b) => reference(a, b)), 1e-13, 1e-13, name + " swapped");
    }

    [TestCaseSource(nameof(BinaryNames))]
    public void BinaryOnEveryLengthUpTo257(string name)
    {
        var (_, op, reference) = Binaries.Single(b => b.Name == name);
        for (int n = 0; n <= 257; n++)
        {
            var x = Data.Normal([n], (ulong)n, DType.Float32); var y = Data.Normal([n], (ulong)n + 1000, DType.Float32) + 0.5;
            var s = Data.Normal([1], (ulong)n + 2000, DType.Float32) + 0.5;
            Assertions.Close(op(x, y), Naive.Zip(x, y, (a, b) => reference(a, b)), 4e-6, 4e-6, $"{name} length {n}");
            Assertions.Close(op(x, s), Naive.Zip(x, s, (a, b) => reference(a, b)), 4e-6, 4e-6, $"{name} length {n} with a broadcast scalar");
        }
    }

    [Test]
    public void WritesIntoAViewLeaveTheRestOfTheStorageUntouched()
    {
        // Sentinels around a strided window: a copy or fill that overruns would change them.
        var target = Tensor.Full([5, 9], -777.0, DType.Float64);
        var window = View.Narrow(View.Narrow(target, 0, 1, 3), 1, 2, 4, step: 2);
        Backends.Cpu.Copy(Data.Normal([3, 4], 1), window);
        Backends.Cpu.Fill(View.Narrow(target, 0, 4, 1), 5.0);
        var values = target.ToDoubleArray();
        for (int r = 0; r < 5; r++)
        for (int c = 0; c < 9; c++)
        {
            bool inWindow = r is >= 1 and <= 3 && c is 2 or 4 or 6 or 8;
            double v = values[r * 9 + c];
            if (r == 4) Assert.That(v, Is.EqualTo(5.0));
            else if (inWindow) Assert.That(v, Is.Not.EqualTo(-777.0), $"[{r}, {c}] written");
            else Assert.That(v, Is.EqualTo(-777.0), $"[{r}, {c}] must stay untouched");
        }
    }

    [Test]
    public void ScalarFormsMatchReference()
    {
        var x = Data.Uniform([37], 9, 0.5, 3);
        Assertions.Close(x + 2.5, Naive.Map(x, v => v + 2.5), 0, 1e-15);
        Assertions.Close(2.5 - x, Naive.Map(x, v => 2.5 - v), 0, 1e-15);
        Assertions.Close(x * -3.0, Naive.Map(x, v => -3 * v), 0, 1e-15);
        Assertions.Close(1.5 / x, Naive.Map(x, v => 1.5 / v), 1e-15, 0);
        Assertions.Close(x.Pow(1.7), Naive.Map(x, v => Math.Pow(v, 1.7)), 1e-14, 0);
        Assertions.Close(x.PowOf(2.0), Naive.Map(x, v => Math.Pow(2, v)), 1e-14, 0);
        Assertions.Close(x.Maximum(1.5), Naive.Map(x, v => Math.Max(v, 1.5)), 0, 0);
    }

    [Test]
    public void WhereClampAndNanToNum()
    {
        var c = Data.Normal([4, 1], 1).Greater(0);
        var a = Data.Normal([4, 5], 2); var b = Data.Normal([5], 3);
        var expected = new double[20];
        for (int i = 0; i < 20; i++) expected[i] = c.GetDouble(i / 5) != 0 ? a.GetDouble(i) : b.GetDouble(i % 5);
        Assertions.Close(TensorOps.Where(c, a, b), expected, 0, 0, "Where");

        var x = Tensor.FromArray([-2.0, -0.5, 0.25, 3.0, double.NaN, double.PositiveInfinity, double.NegativeInfinity]);
        Assertions.Close(x.Clamp(-1, 1), [-1, -0.5, 0.25, 1, double.NaN, 1, -1], 0, 0, "Clamp");
        Assertions.Close(x.NanToNum(0, 1e5, -1e5), [-2, -0.5, 0.25, 3, 0, 1e5, -1e5], 0, 0, "NanToNum");
    }

    [Test]
    public void SpecialValuesPropagateAsInIeee754()
    {
        var x = Tensor.FromArray([double.NaN, double.PositiveInfinity, double.NegativeInfinity, 0.0, -0.0, 1e-310]);
        Assertions.Close(x.Exp(), [double.NaN, double.PositiveInfinity, 0, 1, 1, 1], 0, 1e-15, "Exp");
        Assertions.Close(x.Relu(), [double.NaN, double.PositiveInfinity, 0, 0, 0, 1e-310], 0, 0, "Relu");
        Assertions.Close(x.Maximum(Tensor.Scalar(0, DType.Float64)), [double.NaN, double.PositiveInfinity, 0, 0, 0, 1e-310], 0, 0, "Maximum");
        Assertions.Close(x.Sigmoid(), [double.NaN, 1, 0, 0.5, 0.5, 0.5], 0, 1e-15, "Sigmoid");
    }

    [Test]
    public void CopyAndCastBetweenDTypes()
    {
        var x = Data.NonContiguous([3, 4, 5], 8);
        var f = x.Cast(DType.Float32);
        Assert.That(f.DType, Is.EqualTo(DType.Float32));
        Assertions.Close(f, x.ToDoubleArray().Select(v => (double)(float)v).ToArray(), 0, 0, "cast to float32");
        Assertions.Close(f.Cast(DType.Float64), f.ToDoubleArray(), 0, 0, "cast back");
        var c = x.Contiguous();
        Assert.That(c.IsContiguous, Is.True);
        Assertions.Close(c, x.ToDoubleArray(), 0, 0, "contiguous copy");
    }
}
