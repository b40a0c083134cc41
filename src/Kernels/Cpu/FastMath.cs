using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using W512 = Ect.Kernels.Cpu.FastMath<System.Runtime.Intrinsics.Vector512<float>, Ect.Kernels.Cpu.Lanes512>;
using W256 = Ect.Kernels.Cpu.FastMath<System.Runtime.Intrinsics.Vector256<float>, Ect.Kernels.Cpu.Lanes256>;
using W1 = Ect.Kernels.Cpu.FastMath<float, Ect.Kernels.Cpu.Lane1>;

namespace Ect.Kernels.Cpu;

// float32 exp, σ and SiLU as SIMD approximations within a few ulp, and the memory-bound kernels built on them: the
// activations and SiLU's gradient, the exp pass of softmax, and the SiLU halves of fused GroupNorm+SiLU. These run at
// memory speed where TensorPrimitives' Sigmoid (three passes) ran at a third of it. float64 does not come here: it
// keeps the exact libm path, which gradchecks rely on. Tests: tests/Kernels/FastMathTests.cs; timing: the silu,
// softmax and groupnorm lines of `dotnet run -c Release --project bench -- quick`.

/// <summary>The float32 kernels of <see cref="FastMath{TV, L}"/> at the widest SIMD width this machine accelerates.
/// Spans may be the same (in place); partial overlap is not allowed.</summary>
internal static class FastMath
{
    public delegate void MapKernel(ReadOnlySpan<float> x, Span<float> y);
    public delegate void AffineMapKernel(ReadOnlySpan<float> x, float scale, float shift, Span<float> y);
    public delegate (float SumG, float SumGX) SiluGradKernel(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, float scale, float shift, Span<float> g);
    public delegate float ExpSumKernel(ReadOnlySpan<float> x, float shift, Span<float> y);

    /// <summary>y = eˣ.</summary>
    public static readonly MapKernel Exp = Widest<MapKernel>(W512.Exp, W256.Exp, W1.Exp);
    /// <summary>y = σ(x) = 1/(1 + e⁻ˣ).</summary>
    public static readonly MapKernel Sigmoid = Widest<MapKernel>(W512.Sigmoid, W256.Sigmoid, W1.Sigmoid);
    /// <summary>y = SiLU(x·scale + shift), the affine step rounded once (one fused multiply-add).</summary>
    public static readonly AffineMapKernel AffineSilu = Widest<AffineMapKernel>(W512.AffineSilu, W256.AffineSilu, W1.AffineSilu);
    /// <summary>g = dy·SiLU′(x·scale + shift); returns Σg and Σg·x (GroupNorm's dβ and dγ terms).</summary>
    public static readonly SiluGradKernel SiluGrad = Widest<SiluGradKernel>(W512.SiluGrad, W256.SiluGrad, W1.SiluGrad);
    /// <summary>y = e^(x − shift); returns Σy (softmax's exp pass, shift = the row's maximum).</summary>
    public static readonly ExpSumKernel ExpSum = Widest<ExpSumKernel>(W512.ExpSum, W256.ExpSum, W1.ExpSum);

    /// <summary>y = SiLU(x) = x·σ(x).</summary>
    public static void Silu(ReadOnlySpan<float> x, Span<float> y) => AffineSilu(x, 1f, 0f, y);

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

    public static void Exp(ReadOnlySpan<float> x, Span<float> y)
    {
        for (nuint i = 0; i < (nuint)x.Length; i += (nuint)L.Count)
            Store(Exp(Load(x, i, 0f)), y, i);
    }

    public static void Sigmoid(ReadOnlySpan<float> x, Span<float> y)
    {
        for (nuint i = 0; i < (nuint)x.Length; i += (nuint)L.Count)
            Store(Sigmoid(Load(x, i, 0f)), y, i);
    }

    public static void AffineSilu(ReadOnlySpan<float> x, float scale, float shift, Span<float> y)
    {
        TV a = L.Broadcast(scale), b = L.Broadcast(shift);
        for (nuint i = 0; i < (nuint)x.Length; i += (nuint)L.Count)
            Store(Silu(L.FusedMultiplyAdd(Load(x, i, 0f), a, b)), y, i);
    }

    public static (float SumG, float SumGX) SiluGrad(ReadOnlySpan<float> x, ReadOnlySpan<float> dy, float scale, float shift, Span<float> g)
    {
        TV a = L.Broadcast(scale), b = L.Broadcast(shift), sumG = default, sumGX = default;
        for (nuint i = 0; i < (nuint)x.Length; i += (nuint)L.Count)
        {
            TV xi = Load(x, i, 0f);
            TV gi = L.Multiply(Load(dy, i, 0f), SiluDerivative(L.FusedMultiplyAdd(xi, a, b)));   // padding: dy = 0 adds nothing
            sumG = L.Add(sumG, gi);
            sumGX = L.FusedMultiplyAdd(gi, xi, sumGX);
            Store(gi, g, i);
        }
        return (L.Sum(sumG), L.Sum(sumGX));
    }

    public static float ExpSum(ReadOnlySpan<float> x, float shift, Span<float> y)
    {
        TV m = L.Broadcast(shift), sum = default;
        for (nuint i = 0; i < (nuint)x.Length; i += (nuint)L.Count)
        {
            TV e = Exp(L.Subtract(Load(x, i, float.NegativeInfinity), m));                       // padding: e^−∞ = 0 adds nothing
            sum = L.Add(sum, e);
            Store(e, y, i);
        }
        return L.Sum(sum);
    }

    // Loads the lanes at [i, i + Count); past the end of x (the tail) the missing lanes read `padding`. A tail thus goes
    // through the same vector code as the body, and a kernel that sums chooses a padding that adds nothing.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TV Load(ReadOnlySpan<float> x, nuint i, float padding) =>
        i + (nuint)L.Count <= (nuint)x.Length ? L.Load(in MemoryMarshal.GetReference(x), i) : LoadTail(x[(int)i..], padding);

    // Stores the lanes at [i, i + Count), or only those before the end of y.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(TV value, Span<float> y, nuint i)
    {
        if (i + (nuint)L.Count <= (nuint)y.Length) L.Store(value, ref MemoryMarshal.GetReference(y), i);
        else StoreTail(value, y[(int)i..]);
    }

    // Out of line: the JIT does not inline a method that stack-allocates, and the loops above must stay call-free.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TV LoadTail(ReadOnlySpan<float> tail, float padding)
    {
        Span<float> lanes = stackalloc float[L.Count];
        lanes.Fill(padding);
        tail.CopyTo(lanes);
        return L.Load(in lanes[0], 0);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void StoreTail(TV value, Span<float> tail)
    {
        Span<float> lanes = stackalloc float[L.Count];
        L.Store(value, ref lanes[0], 0);
        lanes[..tail.Length].CopyTo(tail);
    }
}
