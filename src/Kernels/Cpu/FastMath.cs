using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using W512 = Ect.Kernels.Cpu.FastMath<System.Runtime.Intrinsics.Vector512<float>, Ect.Kernels.Cpu.Lanes512>;
using W256 = Ect.Kernels.Cpu.FastMath<System.Runtime.Intrinsics.Vector256<float>, Ect.Kernels.Cpu.Lanes256>;
using W1 = Ect.Kernels.Cpu.FastMath<float, Ect.Kernels.Cpu.Lane1>;

namespace Ect.Kernels.Cpu;

// float32 exp, σ and SiLU as SIMD approximations within a few ulp, and the memory-bound kernels built on them: the
// activations and SiLU's gradient, the exp pass of softmax, and the passes of GroupNorm and the fused GroupNorm+SiLU. These run at
// memory speed where TensorPrimitives' Sigmoid (three passes) ran at a third of it. float64 does not come here: it
// keeps the exact libm path, which gradchecks rely on. Tests: tests/Kernels/FastMathTests.cs; timing: the silu,
// softmax and groupnorm lines of `dotnet run -c Release --project bench -- quick`.

/// <summary>The float32 kernels of <see cref="FastMath{TV, L}"/> at the widest SIMD width this machine accelerates.
/// Spans may be the same (in place); partial overlap is not allowed.</summary>
internal static class FastMath
{
    public delegate void MapKernel(ReadOnlySpan<float> x, Span<float> y);
    public delegate void NormalizeKernel(ReadOnlySpan<float> x, float mean, float scale, float shift, Span<float> y);
    public delegate float DeviationKernel(ReadOnlySpan<float> x, float mean);
    public delegate (float SumG, float SumGX) SiluGradKernel(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, float scale, float shift, Span<float> g);
    public delegate float ExpSumKernel(ReadOnlySpan<float> x, float shift, Span<float> y);
    public delegate (float SumG, float SumGXhat) NormGradSumsKernel(ReadOnlySpan<float> x, ReadOnlySpan<float> dy,
        float mean, float rstd, float gamma, float beta, Span<float> g);
    public delegate void NormGradApplyKernel(ReadOnlySpan<float> x, ReadOnlySpan<float> g, float mean, float rstd,
        float gScale, float xhatScale, float shift, Span<float> dx);

    /// <summary>y = eˣ.</summary>
    public static readonly MapKernel Exp = Widest<MapKernel>(W512.Exp, W256.Exp, W1.Exp);
    /// <summary>y = σ(x) = 1/(1 + e⁻ˣ).</summary>
    public static readonly MapKernel Sigmoid = Widest<MapKernel>(W512.Sigmoid, W256.Sigmoid, W1.Sigmoid);
    /// <summary>y = (x − mean)·scale + shift (GroupNorm's normalising pass, from x itself).</summary>
    public static readonly NormalizeKernel Normalize = Widest<NormalizeKernel>(W512.Normalize, W256.Normalize, W1.Normalize);
    /// <summary>y = SiLU((x − mean)·scale + shift) (the same pass fused with SiLU).</summary>
    public static readonly NormalizeKernel NormalizeSilu = Widest<NormalizeKernel>(W512.NormalizeSilu, W256.NormalizeSilu, W1.NormalizeSilu);
    /// <summary>Σ(x − mean)² (GroupNorm's variance, without writing the deviations anywhere).</summary>
    public static readonly DeviationKernel SquaredDeviationSum = Widest<DeviationKernel>(W512.SquaredDeviationSum, W256.SquaredDeviationSum, W1.SquaredDeviationSum);
    /// <summary>g = dy·SiLU′(x·scale + shift); returns Σg and Σg·x (GroupNorm's dβ and dγ terms).</summary>
    public static readonly SiluGradKernel SiluGrad = Widest<SiluGradKernel>(W512.SiluGrad, W256.SiluGrad, W1.SiluGrad);
    /// <summary>GroupNorm backward's sums over one channel plane, x̂ = (x − mean)·rstd formed on the fly: Σdy and
    /// Σdy·x̂ (γ, β and g unused).</summary>
    public static readonly NormGradSumsKernel NormGradSums = Widest<NormGradSumsKernel>(W512.NormGradSums, W256.NormGradSums, W1.NormGradSums);
    /// <summary>The fused GroupNorm+SiLU form: writes g = dy·SiLU′(γ·x̂ + β) and returns Σg and Σg·x̂.</summary>
    public static readonly NormGradSumsKernel NormSiluGradSums = Widest<NormGradSumsKernel>(W512.NormSiluGradSums, W256.NormSiluGradSums, W1.NormSiluGradSums);
    /// <summary>GroupNorm backward's last pass: dx = g·gScale + x̂·xhatScale + shift with x̂ = (x − mean)·rstd
    /// (g may be dx).</summary>
    public static readonly NormGradApplyKernel NormGradApply = Widest<NormGradApplyKernel>(W512.NormGradApply, W256.NormGradApply, W1.NormGradApply);
    /// <summary>y = e^(x − shift); returns Σy (softmax's exp pass, shift = the row's maximum).</summary>
    public static readonly ExpSumKernel ExpSum = Widest<ExpSumKernel>(W512.ExpSum, W256.ExpSum, W1.ExpSum);

    /// <summary>y = SiLU(x) = x·σ(x).</summary>
    public static void Silu(ReadOnlySpan<float> x, Span<float> y) => NormalizeSilu(x, 0f, 1f, 0f, y);

    private static TKernel Widest<TKernel>(TKernel wide512, TKernel wide256, TKernel scalar) =>
        Vector512.IsHardwareAccelerated ? wide512 : Vector256.IsHardwareAccelerated ? wide256 : scalar;
}

/// <summary>The approximations and kernels, written once for any lane width <typeparamref name="L"/>.</summary>
internal static class FastMath<TV, L> where TV : struct where L : ILanes<TV>
{
    // eˣ = 2ⁿ·eʳ with n = round(x·log₂e) and r = x − n·ln 2 in [−ln2/2, ln2/2]. ln 2 is split Cody–Waite style into a
    // high part with 9 significant bits (n·Ln2High is exact) and a low correction. eʳ ≈ 1 + r + r²·Q(r) with Q of degree
    // 4, a least-squares fit on Chebyshev nodes of that interval (relative error 3.6e-9, 0.06 ulp, so rounding
    // dominates); 2ⁿ is applied with one correctly rounded scale.
    private const float Log2E = 1.44269504088896341f, Ln2High = 0.693359375f, Ln2Low = -2.12194440e-4f;
    private const float Q0 = 4.9999988595e-01f, Q1 = 1.6666518460e-01f, Q2 = 4.1669533115e-02f, Q3 = 8.3689163403e-03f, Q4 = 1.3751407533e-03f;
    // Below −104, eˣ < 2⁻¹⁵⁰ rounds to 0; above 89 it overflows to ∞. Clamping there keeps n inside ScaleB's range.
    private const float MinArgument = -104f, MaxArgument = 89f;

    /// <summary>eˣ within ~2 ulp; ∞ above 88.72, 0 below −103.97, NaN for NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Exp(TV x) => ExpInRange(L.Min(L.Broadcast(MaxArgument), L.Max(L.Broadcast(MinArgument), x)));

    // eˣ for x ≤ 0 (or NaN): only the lower clamp is needed.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV ExpOfNonPositive(TV x) => ExpInRange(L.Max(L.Broadcast(MinArgument), x));

    // eˣ for x in [MinArgument, MaxArgument] or NaN.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV ExpInRange(TV x)
    {
        TV n = L.Round(L.Multiply(x, L.Broadcast(Log2E)));
        TV r = L.FusedMultiplyAdd(n, L.Broadcast(-Ln2High), x);
        r = L.FusedMultiplyAdd(n, L.Broadcast(-Ln2Low), r);
        TV q = L.FusedMultiplyAdd(L.Broadcast(Q4), r, L.Broadcast(Q3));
        q = L.FusedMultiplyAdd(q, r, L.Broadcast(Q2));
        q = L.FusedMultiplyAdd(q, r, L.Broadcast(Q1));
        q = L.FusedMultiplyAdd(q, r, L.Broadcast(Q0));
        TV p = L.Add(L.FusedMultiplyAdd(q, L.Multiply(r, r), r), L.Broadcast(1f));   // adding the 1 last keeps r's low bits
        return L.ScaleB(p, n);
    }

    /// <summary>σ(x) = 1/(1 + e⁻ˣ) within ~3 ulp: 1 at +∞, 0 at −∞.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Sigmoid(TV x) => SigmoidAndComplement(x).S;

    /// <summary>SiLU(x) = x·σ(x). NaN at −∞ (−∞·0), as PyTorch gives.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV Silu(TV x) => L.Multiply(x, Sigmoid(x));

    /// <summary>SiLU′(x) = σ(x)·(1 + x·σ(−x)), written σ(x) + (x·σ(x))·σ(−x) with σ(−x) = 1 − σ(x) computed on its own:
    /// for large x, 1 − σ(x) formed by subtraction would keep only the few bits σ(x) has below 1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TV SiluDerivative(TV x)
    {
        var (s, complement) = SigmoidAndComplement(x);
        return L.FusedMultiplyAdd(L.Multiply(x, s), complement, s);
    }

    // σ(x) and σ(−x) = 1 − σ(x). With e = e^−|x| ≤ 1: σ(|x|) = 1/(1 + e) and σ(−|x|) = e/(1 + e). The denominator stays
    // in [1, 2], so a reciprocal estimate with one Newton step replaces the division (16 cycles per vector on some
    // cores), nothing overflows, and σ of a very negative x keeps its relative accuracy rather than flushing to 0
    // where e^|x| would overflow.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (TV S, TV Complement) SigmoidAndComplement(TV x)
    {
        TV e = ExpOfNonPositive(L.Negate(L.Abs(x)));
        TV d = L.Add(L.Broadcast(1f), e);
        TV r = L.ReciprocalEstimate(d);
        r = L.FusedMultiplyAdd(r, L.FusedMultiplyAdd(L.Negate(d), r, L.Broadcast(1f)), r);  // Newton: r(2 − d·r)
        TV er = L.Multiply(e, r);
        return (L.SelectWhereNegative(x, er, r), L.SelectWhereNegative(x, r, er));
    }

    public static void Exp(ReadOnlySpan<float> x, Span<float> y) => Map(x, y, new ExpFunction());

    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y) => Map(x, y, new SigmoidFunction());

    public static void Normalize(ReadOnlySpan<float> x, float mean, float scale, float shift, Span<float> y) =>
        Map(x, y, new NormalizeFunction(mean, scale, shift));

    public static void NormalizeSilu(ReadOnlySpan<float> x, float mean, float scale, float shift, Span<float> y) =>
        Map(x, y, new NormalizeSiluFunction(mean, scale, shift));

    // Padding −∞: e^−∞ = 0 adds nothing to the sum.
    public static float ExpSum(ReadOnlySpan<float> x, float shift, Span<float> y) =>
        MapAndSum(x, y, new ExpShiftedFunction(shift), float.NegativeInfinity);

    // Padding with the mean itself adds nothing.
    public static float SquaredDeviationSum(ReadOnlySpan<float> x, float mean) => Sum(x, new SquaredDeviationFunction(mean), mean);

    public static (float SumG, float SumGX) SiluGrad(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, float scale, float shift, Span<float> g)
    {
        ref float xs = ref MemoryMarshal.GetReference(x), dys = ref MemoryMarshal.GetReference(dy), gs = ref MemoryMarshal.GetReference(g);
        TV a = L.Broadcast(scale), b = L.Broadcast(shift), sumG = default, sumGX = default;
        nuint n = (nuint)x.Length, i = 0, width = (nuint)L.Count;
        for (; i + width <= n; i += width)
        {
            TV xi = L.Load(in xs, i), gi = L.Multiply(L.Load(in dys, i), SiluDerivative(L.FusedMultiplyAdd(xi, a, b)));
            sumG = L.Add(sumG, gi);
            sumGX = L.FusedMultiplyAdd(gi, xi, sumGX);
            L.Store(gi, ref gs, i);
        }
        if (i < n)
        {
            // Padding dy = 0 makes the padded lanes' g, and their share of both sums, 0.
            TV xi = LoadTail(x[(int)i..], 0f), gi = L.Multiply(LoadTail(dy[(int)i..], 0f), SiluDerivative(L.FusedMultiplyAdd(xi, a, b)));
            sumG = L.Add(sumG, gi);
            sumGX = L.FusedMultiplyAdd(gi, xi, sumGX);
            StoreTail(gi, g[(int)i..]);
        }
        return (L.Sum(sumG), L.Sum(sumGX));
    }

    public static (float SumG, float SumGXhat) NormGradSums(ReadOnlySpan<float> x, ReadOnlySpan<float> dy,
        float mean, float rstd, float gamma, float beta, Span<float> g) =>
        NormGradSums(x, dy, mean, rstd, gamma, beta, g, silu: false);

    public static (float SumG, float SumGXhat) NormSiluGradSums(ReadOnlySpan<float> x, ReadOnlySpan<float> dy,
        float mean, float rstd, float gamma, float beta, Span<float> g) =>
        NormGradSums(x, dy, mean, rstd, gamma, beta, g, silu: true);

    // One read of x and dy (and, fused with SiLU, one write of g) instead of forming x̂ in a buffer and summing it
    // in further passes. The tail pads x with the mean (x̂ = 0) and dy with 0, so padded lanes add nothing.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (float, float) NormGradSums(ReadOnlySpan<float> x, ReadOnlySpan<float> dy,
        float mean, float rstd, float gamma, float beta, Span<float> g, bool silu)
    {
        ref float xs = ref MemoryMarshal.GetReference(x), dys = ref MemoryMarshal.GetReference(dy), gs = ref MemoryMarshal.GetReference(g);
        TV mu = L.Broadcast(mean), r = L.Broadcast(rstd), a = L.Broadcast(gamma), b = L.Broadcast(beta), sumG = default, sumGX = default;
        nuint n = (nuint)x.Length, i = 0, width = (nuint)L.Count;
        for (; i + width <= n; i += width)
        {
            TV xhat = L.Multiply(L.Subtract(L.Load(in xs, i), mu), r), gi = L.Load(in dys, i);
            if (silu)
            {
                gi = L.Multiply(gi, SiluDerivative(L.FusedMultiplyAdd(xhat, a, b)));
                L.Store(gi, ref gs, i);
            }
            sumG = L.Add(sumG, gi);
            sumGX = L.FusedMultiplyAdd(gi, xhat, sumGX);
        }
        if (i < n)
        {
            TV xhat = L.Multiply(L.Subtract(LoadTail(x[(int)i..], mean), mu), r), gi = LoadTail(dy[(int)i..], 0f);
            if (silu)
            {
                gi = L.Multiply(gi, SiluDerivative(L.FusedMultiplyAdd(xhat, a, b)));
                StoreTail(gi, g[(int)i..]);
            }
            sumG = L.Add(sumG, gi);
            sumGX = L.FusedMultiplyAdd(gi, xhat, sumGX);
        }
        return (L.Sum(sumG), L.Sum(sumGX));
    }

    public static void NormGradApply(ReadOnlySpan<float> x, ReadOnlySpan<float> g, float mean, float rstd,
        float gScale, float xhatScale, float shift, Span<float> dx)
    {
        ref float xs = ref MemoryMarshal.GetReference(x), gs = ref MemoryMarshal.GetReference(g), ds = ref MemoryMarshal.GetReference(dx);
        TV mu = L.Broadcast(mean), r = L.Broadcast(rstd), a = L.Broadcast(gScale), c = L.Broadcast(xhatScale), d = L.Broadcast(shift);
        nuint n = (nuint)x.Length, i = 0, width = (nuint)L.Count;
        for (; i + width <= n; i += width)
        {
            TV xhat = L.Multiply(L.Subtract(L.Load(in xs, i), mu), r);
            L.Store(L.FusedMultiplyAdd(L.Load(in gs, i), a, L.FusedMultiplyAdd(xhat, c, d)), ref ds, i);
        }
        if (i < n)
        {
            TV xhat = L.Multiply(L.Subtract(LoadTail(x[(int)i..], mean), mu), r);
            StoreTail(L.FusedMultiplyAdd(LoadTail(g[(int)i..], 0f), a, L.FusedMultiplyAdd(xhat, c, d)), dx[(int)i..]);
        }
    }

    // A function of one vector of lanes holding its constants as fields, for the drivers below (TensorPrimitives'
    // operator-struct pattern: one loop per kind of kernel, compiled once per function, with the function inlined).
    private interface ILaneFunction
    {
        TV Apply(TV x);
    }

    private readonly struct ExpFunction : ILaneFunction
    {
        public TV Apply(TV x) => Exp(x);
    }

    private readonly struct SigmoidFunction : ILaneFunction
    {
        public TV Apply(TV x) => Sigmoid(x);
    }

    // (x − mean)·scale + shift, the affine step rounded once; subtracting first keeps the deviation exact-ish where
    // x·scale + (shift − mean·scale) would cancel when |mean| ≫ the spread.
    private readonly struct NormalizeFunction(float mean, float scale, float shift) : ILaneFunction
    {
        private readonly TV _mean = L.Broadcast(mean), _scale = L.Broadcast(scale), _shift = L.Broadcast(shift);

        public TV Apply(TV x) => L.FusedMultiplyAdd(L.Subtract(x, _mean), _scale, _shift);
    }

    private readonly struct NormalizeSiluFunction(float mean, float scale, float shift) : ILaneFunction
    {
        private readonly NormalizeFunction _normalize = new(mean, scale, shift);

        public TV Apply(TV x) => Silu(_normalize.Apply(x));
    }

    private readonly struct ExpShiftedFunction(float shift) : ILaneFunction
    {
        private readonly TV _shift = L.Broadcast(shift);

        public TV Apply(TV x) => Exp(L.Subtract(x, _shift));
    }

    private readonly struct SquaredDeviationFunction(float mean) : ILaneFunction
    {
        private readonly TV _mean = L.Broadcast(mean);

        public TV Apply(TV x)
        {
            TV d = L.Subtract(x, _mean);
            return L.Multiply(d, d);
        }
    }

    // y = f(x) over whole vectors, then one padded vector for the tail (padding 0; its lanes are not stored).
    private static void Map<TF>(ReadOnlySpan<float> x, Span<float> y, TF f) where TF : struct, ILaneFunction
    {
        ref float xs = ref MemoryMarshal.GetReference(x), ys = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)x.Length, i = 0, width = (nuint)L.Count;
        for (; i + width <= n; i += width) L.Store(f.Apply(L.Load(in xs, i)), ref ys, i);
        if (i < n) StoreTail(f.Apply(LoadTail(x[(int)i..], 0f)), y[(int)i..]);
    }

    // y = f(x) as Map does, returning Σy; the tail's padding must make f give 0.
    private static float MapAndSum<TF>(ReadOnlySpan<float> x, Span<float> y, TF f, float padding) where TF : struct, ILaneFunction
    {
        ref float xs = ref MemoryMarshal.GetReference(x), ys = ref MemoryMarshal.GetReference(y);
        nuint n = (nuint)x.Length, i = 0, width = (nuint)L.Count;
        TV sum = default;
        for (; i + width <= n; i += width)
        {
            TV v = f.Apply(L.Load(in xs, i));
            sum = L.Add(sum, v);
            L.Store(v, ref ys, i);
        }
        if (i < n)
        {
            TV v = f.Apply(LoadTail(x[(int)i..], padding));
            sum = L.Add(sum, v);
            StoreTail(v, y[(int)i..]);
        }
        return L.Sum(sum);
    }

    // Σf(x); the tail's padding must make f give 0. Two accumulators: with one, each vector would wait out the
    // adder's latency, and this runs over blocks already in L1.
    private static float Sum<TF>(ReadOnlySpan<float> x, TF f, float padding) where TF : struct, ILaneFunction
    {
        ref float xs = ref MemoryMarshal.GetReference(x);
        nuint n = (nuint)x.Length, i = 0, width = (nuint)L.Count;
        TV even = default, odd = default;
        for (; i + 2 * width <= n; i += 2 * width)
        {
            even = L.Add(even, f.Apply(L.Load(in xs, i)));
            odd = L.Add(odd, f.Apply(L.Load(in xs, i + width)));
        }
        if (i + width <= n)
        {
            even = L.Add(even, f.Apply(L.Load(in xs, i)));
            i += width;
        }
        if (i < n) odd = L.Add(odd, f.Apply(LoadTail(x[(int)i..], padding)));
        return L.Sum(L.Add(even, odd));
    }

    // The tail: the lanes past the end of x read `padding`. Out of line, since the JIT does not inline a method that
    // stack-allocates, and the loops above must stay call-free.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TV LoadTail(ReadOnlySpan<float> tail, float padding)
    {
        Span<float> lanes = stackalloc float[L.Count];
        lanes.Fill(padding);
        tail.CopyTo(lanes);
        return L.Load(in lanes[0], 0);
    }

    // Stores the first tail.Length lanes.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StoreTail(TV value, Span<float> tail)
    {
        Span<float> lanes = stackalloc float[L.Count];
        L.Store(value, ref lanes[0], 0);
        lanes[..tail.Length].CopyTo(tail);
    }
}
