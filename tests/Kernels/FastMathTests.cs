using System.Runtime.Intrinsics;
using Ect.Kernels.Cpu;
using Ect.Tests.Numerics;

namespace Ect.Tests.Kernels;

/// <summary>The float32 approximations of FastMath at every lane width against float64 math: error in ulp over a dense
/// sweep of the whole useful range, special values, bit-identical widths, and tails, sums and in-place use of the
/// span kernels.</summary>
public class FastMathTests
{
    public enum Width { Lanes512, Lanes256, Lane1 }

    public sealed record Function(string Name, Func<double, double> Reference, double Ulps, double AbsoluteFloor)
    {
        public override string ToString() => Name;
    }

    // Ulps: the bounds FastMath documents, plus the final rounding. Floors: SiLU multiplies σ's rounding in the subnormal
    // range by |x| ≤ 104; SiLU′ crosses zero near x = −1.28, where its two terms cancel, so 4 ulp of 1 bounds it there.
    private static readonly Function[] Functions =
    [
        new("Exp", Math.Exp, 2, 0),
        new("Sigmoid", Sigmoid, 3, 0),
        new("Silu", v => v * Sigmoid(v), 4, 104 * float.Epsilon),
        new("SiluDerivative", v => Sigmoid(v) * (1 + v * (1 - Sigmoid(v))), 4, 4 * Math.Pow(2, -24)),
    ];

    private static double Sigmoid(double v) => 1 / (1 + Math.Exp(-v));

    private static IEnumerable<Function> AllFunctions => Functions;

    /// <summary>One function's span kernel at one width (SiLU′ as SiluGrad with dy = 1).</summary>
    private static FastMath.MapKernel Kernel(Width width, string function) => width switch
    {
        Width.Lanes512 when Vector512.IsHardwareAccelerated => Kernel<Vector512<float>, Lanes512>(function),
        Width.Lanes256 when Vector256.IsHardwareAccelerated => Kernel<Vector256<float>, Lanes256>(function),
        Width.Lane1 => Kernel<float, Lane1>(function),
        _ => Ignore($"{width} is not hardware-accelerated on this machine"),
    };

    private static FastMath.MapKernel Kernel<TV, L>(string function) where TV : struct where L : ILanes<TV> => function switch
    {
        "Exp" => FastMath<TV, L>.Exp,
        "Sigmoid" => FastMath<TV, L>.Sigmoid,
        "Silu" => (x, y) => FastMath<TV, L>.NormalizeSilu(x, 0, 1, 0, y),
        "SiluDerivative" => (x, y) => FastMath<TV, L>.SiluGrad(x, Ones(x.Length), 1, 0, y),
        _ => throw new ArgumentException(function),
    };

    private static float[] Ones(int n) => Enumerable.Repeat(1f, n).ToArray();

    private static FastMath.MapKernel Ignore(string reason)
    {
        Assert.Ignore(reason);
        return null!;
    }

    // −110 to 100 in steps of 0.001 (210k points): past both ends of exp's range, through σ's saturation and SiLU′'s
    // zero crossing, and ~700 points per reduction interval of ln 2, enough to catch a bad polynomial coefficient.
    private static readonly float[] Sweep = Enumerable.Range(0, 210_001).Select(i => -110f + i * 0.001f).ToArray();

    [Test]
    public void WithinItsUlpBoundOverTheWholeRange([ValueSource(nameof(AllFunctions))] Function function, [Values] Width width)
    {
        var y = new float[Sweep.Length];
        Kernel(width, function.Name)(Sweep, y);
        for (int i = 0; i < Sweep.Length; i++)
            AssertWithinUlps(y[i], function.Reference(Sweep[i]), function, $"{function.Name} at {width}, x = {Sweep[i]:R}");
    }

    [Test]
    public void SpecialValues([ValueSource(nameof(AllFunctions))] Function function, [Values] Width width)
    {
        float[] x =
        [
            float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, 1e-40f, -1e-40f, float.Epsilon,
            88.72f, 88.73f, -87.5f, -103.9f, -104.5f, 1e30f, -1e30f, float.MaxValue, float.MinValue,
        ];
        var y = new float[x.Length];
        Kernel(width, function.Name)(x, y);
        for (int i = 0; i < x.Length; i++)
            AssertWithinUlps(y[i], function.Reference(x[i]), function, $"{function.Name} at {width}, x = {x[i]:R}");
    }

    [Test]
    public void WidthsAgreeBitForBit([ValueSource(nameof(AllFunctions))] Function function, [Values(Width.Lanes512, Width.Lanes256)] Width width)
    {
        // The same IEEE steps at every width (ILanes): a tail element or the scalar fallback gets the vector's value.
        var wide = new float[Sweep.Length]; var scalar = new float[Sweep.Length];
        Kernel(width, function.Name)(Sweep, wide);
        Kernel(Width.Lane1, function.Name)(Sweep, scalar);
        for (int i = 0; i < Sweep.Length; i++)
            if (BitConverter.SingleToInt32Bits(wide[i]) != BitConverter.SingleToInt32Bits(scalar[i]))
                Assert.Fail($"{function.Name} at x = {Sweep[i]:R}: {width} gives {wide[i]:R}, one lane gives {scalar[i]:R}");
    }

    [Test]
    public void EveryLengthUpTo257WritesOnlyItsOutputAndMatchesElementByElement([ValueSource(nameof(AllFunctions))] Function function)
    {
        var kernel = Kernel(Vector512.IsHardwareAccelerated ? Width.Lanes512 : Vector256.IsHardwareAccelerated ? Width.Lanes256 : Width.Lane1, function.Name);
        var single = new float[1];
        for (int n = 0; n <= 257; n++)
        {
            // Start at element 1 so the vectors are misaligned; sentinels after the output must survive.
            var x = Data.Normal([n + 1], (ulong)n, DType.Float32).ToFloatArray().Select(v => v * 5).ToArray();
            var y = Enumerable.Repeat(-777f, n + 9).ToArray();
            kernel(x.AsSpan(1), y.AsSpan(1, n));
            for (int i = 0; i < n; i++)
            {
                kernel(x.AsSpan(1 + i, 1), single);
                Assert.That(y[1 + i], Is.EqualTo(single[0]), $"{function.Name} length {n}, element {i}: the tail differs from a lone element");
            }
            Assert.That(y[0], Is.EqualTo(-777f), $"length {n}: wrote before its output");
            Assert.That(y.Skip(n + 1), Is.All.EqualTo(-777f), $"length {n}: wrote past its output");
            // In place gives the same values.
            var inPlace = x.ToArray();
            kernel(inPlace.AsSpan(1), inPlace.AsSpan(1));
            Assert.That(inPlace.Skip(1), Is.EqualTo(y.Skip(1).Take(n)), $"{function.Name} length {n} in place");
        }
    }

    [Test]
    public void ExpSumReturnsTheSumOfWhatItWrites()
    {
        for (int n = 0; n <= 257; n++)
        {
            var x = Data.Normal([n], (ulong)n, DType.Float32).ToFloatArray();
            float shift = n == 0 ? 0 : x.Max();
            var y = new float[n];
            float sum = FastMath.ExpSum(x, shift, y);
            Assert.That(sum, Is.EqualTo(y.Sum(v => (double)v)).Within(1e-6 * (1 + n)), $"length {n}: the padded tail lanes must add nothing");
            for (int i = 0; i < n; i++)
                Assert.That(y[i], Is.EqualTo(Math.Exp(x[i] - shift)).Within(2.5e-7 * Math.Exp(x[i] - shift)), $"length {n}, element {i}");
        }
    }

    [Test]
    public void GroupNormPassesOnEveryLengthUpTo257()
    {
        const float scale = 0.8f, shift = -0.3f;
        for (int n = 0; n <= 257; n++)
        {
            // An offset mean, as activations have: the deviation is taken before scaling, so nothing cancels.
            var x = Data.Normal([n], (ulong)n + 40, DType.Float32).ToFloatArray().Select(v => 3 * v + 50).ToArray();
            float mean = n == 0 ? 0 : (float)x.Average(v => (double)v);
            double expectedSum = x.Sum(v => (v - (double)mean) * (v - (double)mean));
            // Two float32 accumulators over ≤ 257 terms of ~9 each: a few ulp of the total.
            Assert.That(FastMath.SquaredDeviationSum(x, mean), Is.EqualTo(expectedSum).Within(1e-6 * (1 + expectedSum)), $"Σ(x − mean)², length {n}");
            var y = new float[n]; var z = new float[n];
            FastMath.Normalize(x, mean, scale, shift, y);
            FastMath.NormalizeSilu(x, mean, scale, shift, z);
            for (int i = 0; i < n; i++)
            {
                double affine = (x[i] - (double)mean) * scale + shift;
                Assert.That(y[i], Is.EqualTo(affine).Within(1e-6 * (1 + Math.Abs(affine))), $"Normalize, length {n}, element {i}");
                Assert.That(z[i], Is.EqualTo(affine / (1 + Math.Exp(-affine))).Within(2e-6 * (1 + Math.Abs(affine))), $"NormalizeSilu, length {n}, element {i}");
            }
        }
    }

    [Test]
    public void SiluGradReturnsTheSumsGroupNormNeeds()
    {
        foreach (int n in new[] { 0, 1, 15, 16, 17, 100, 257 })
        {
            var x = Data.Normal([n], (ulong)n, DType.Float32).ToFloatArray();
            var dy = Data.Normal([n], (ulong)n + 500, DType.Float32).ToFloatArray();
            const float scale = 1.7f, shift = -0.4f;
            var g = new float[n];
            var (sumG, sumGX) = FastMath.SiluGrad(x, dy, scale, shift, g);
            var expected = x.Select((v, i) => dy[i] * Functions[3].Reference(v * (double)scale + shift)).ToArray();
            for (int i = 0; i < n; i++)
                Assert.That(g[i], Is.EqualTo(expected[i]).Within(1e-6 * (1 + Math.Abs(dy[i]))), $"length {n}, element {i}");
            // float32 sums of n terms of size ~1: a few ulp each.
            Assert.That(sumG, Is.EqualTo(expected.Sum()).Within(1e-6 * (1 + n)), $"Σg, length {n}");
            Assert.That(sumGX, Is.EqualTo(expected.Select((e, i) => e * x[i]).Sum()).Within(1e-6 * (1 + n)), $"Σg·x, length {n}");
        }
    }

    /// <summary>GroupNorm backward's fused float32 passes against the float64 formulas, over lengths with and without
    /// a vector tail: the sums (plain and with SiLU′, which also writes g) and the final dx pass.</summary>
    [Test]
    public void GroupNormGradientPassesMatchTheFloat64Formulas()
    {
        const float mean = 0.3f, rstd = 1.9f, gamma = 1.4f, beta = -0.2f, gScale = 0.7f, xhatScale = -0.45f, shift = 0.05f;
        foreach (int n in new[] { 0, 1, 15, 16, 17, 100, 257 })
        {
            var x = Data.Normal([n], (ulong)n + 7, DType.Float32).ToFloatArray();
            var dy = Data.Normal([n], (ulong)n + 900, DType.Float32).ToFloatArray();
            double[] xhat = x.Select(v => (v - (double)mean) * rstd).ToArray();
            var g = new float[n];
            var (sumDy, sumDyX) = FastMath.NormGradSums(x, dy, mean, rstd, gamma, beta, g);
            Assert.That(sumDy, Is.EqualTo(dy.Sum(v => (double)v)).Within(1e-6 * (1 + n)), $"Σdy, length {n}");
            Assert.That(sumDyX, Is.EqualTo(dy.Select((v, i) => v * xhat[i]).Sum()).Within(2e-6 * (1 + n)), $"Σdy·x̂, length {n}");

            var (sumG, sumGX) = FastMath.NormSiluGradSums(x, dy, mean, rstd, gamma, beta, g);
            var expected = xhat.Select((h, i) => dy[i] * Functions[3].Reference(h * gamma + beta)).ToArray();
            for (int i = 0; i < n; i++)
                Assert.That(g[i], Is.EqualTo(expected[i]).Within(2e-6 * (1 + Math.Abs(dy[i]))), $"g, length {n}, element {i}");
            Assert.That(sumG, Is.EqualTo(expected.Sum()).Within(2e-6 * (1 + n)), $"Σg, length {n}");
            Assert.That(sumGX, Is.EqualTo(expected.Select((e, i) => e * xhat[i]).Sum()).Within(4e-6 * (1 + n)), $"Σg·x̂, length {n}");

            var dx = new float[n];
            FastMath.NormGradApply(x, dy, mean, rstd, gScale, xhatScale, shift, dx);
            for (int i = 0; i < n; i++)
                Assert.That(dx[i], Is.EqualTo(dy[i] * (double)gScale + xhat[i] * xhatScale + shift).Within(2e-6 * (1 + Math.Abs(dy[i]) + Math.Abs(xhat[i]))),
                    $"dx, length {n}, element {i}");
        }
    }

    // |got − want| ≤ ulps·ulp(want) + floor, with ulp taken at float32 (the spacing below |want| for subnormals too);
    // NaN matches NaN and each infinity itself.
    private static void AssertWithinUlps(float got, double want, Function function, string what)
    {
        float rounded = (float)want;
        if (double.IsNaN(want) || float.IsInfinity(rounded))
        {
            if (!(float.IsNaN(got) && double.IsNaN(want)) && got != rounded)
                Assert.Fail($"{what}: got {got:R}, expected {rounded:R}");
            return;
        }
        double ulp = Math.Max(MathF.BitIncrement(MathF.Abs(rounded)) - MathF.Abs(rounded), float.Epsilon);
        if (!(Math.Abs(got - want) <= function.Ulps * ulp + function.AbsoluteFloor))
            Assert.Fail($"{what}: got {got:R}, expected {want:R} ({Math.Abs(got - want) / ulp:F1} ulp, bound {function.Ulps})");
    }
}
