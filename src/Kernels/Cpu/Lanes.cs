using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Ect.Kernels.Cpu;

/// <summary>
/// The float32 operations that <see cref="FastMath{TV, L}"/> needs, at one SIMD width. Each
/// approximation is written once against this interface and runs at 512 bits, 256 bits or one lane. Every step is an
/// IEEE operation that rounds the same way at every width (fused multiply-adds included), so the widths give
/// bit-identical results, and a tail element gets the value it would have got inside a vector.
/// </summary>
internal interface ILanes<TV> where TV : struct
{
    static abstract int Count { get; }
    static abstract TV Broadcast(float value);
    static abstract TV Load(ref readonly float source, nuint index);
    static abstract void Store(TV value, ref float destination, nuint index);
    // The vector types' operators are not reachable through a generic constraint (their operator interfaces are not
    // in the public surface), hence methods.
    static abstract TV Add(TV a, TV b);
    static abstract TV Subtract(TV a, TV b);
    static abstract TV Multiply(TV a, TV b);
    static abstract TV Divide(TV a, TV b);
    static abstract TV Negate(TV x);
    /// <summary>a·b + addend with one rounding.</summary>
    static abstract TV FusedMultiplyAdd(TV a, TV b, TV addend);
    /// <summary>To the nearest integer, ties to even.</summary>
    static abstract TV Round(TV x);
    /// <summary>The smaller and the larger of a and b, with x86's minps/maxps rule for NaN: where either is NaN the
    /// result is b. So Min(bound, x) and Max(bound, x) clamp x and keep a NaN x, in one instruction where the IEEE
    /// 754-2019 forms (Vector512.Min/Max) take three.</summary>
    static abstract TV Min(TV a, TV b);
    static abstract TV Max(TV a, TV b);
    static abstract TV Abs(TV x);
    /// <summary>An estimate of 1/x good to at least 14 bits (exactly 1/x where the width has no estimate
    /// instruction); callers refine it with a Newton step.</summary>
    static abstract TV ReciprocalEstimate(TV x);
    /// <summary>Per lane: <paramref name="ifNegative"/> where x's sign bit is set (−0 included), else
    /// <paramref name="otherwise"/>.</summary>
    static abstract TV SelectWhereNegative(TV x, TV ifNegative, TV otherwise);
    /// <summary>x·2ⁿ rounded once (subnormal results included), for integral n in [−150, 150].</summary>
    static abstract TV ScaleB(TV x, TV n);
    /// <summary>The sum of the lanes.</summary>
    static abstract float Sum(TV x);
}

/// <summary>AVX-512: 16 lanes; use only where <see cref="Vector512.IsHardwareAccelerated"/>.</summary>
internal readonly struct Lanes512 : ILanes<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;
    public static Vector512<float> Broadcast(float value) => Vector512.Create(value);
    public static Vector512<float> Load(ref readonly float source, nuint index) => Vector512.LoadUnsafe(in source, index);
    public static void Store(Vector512<float> value, ref float destination, nuint index) => value.StoreUnsafe(ref destination, index);
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;
    public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;
    public static Vector512<float> Divide(Vector512<float> a, Vector512<float> b) => a / b;
    public static Vector512<float> Negate(Vector512<float> x) => -x;
    public static Vector512<float> FusedMultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> addend) => Vector512.FusedMultiplyAdd(a, b, addend);
    public static Vector512<float> Round(Vector512<float> x) => Vector512.Round(x);
    public static Vector512<float> Min(Vector512<float> a, Vector512<float> b) => Avx512F.Min(a, b);
    public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Avx512F.Max(a, b);
    public static Vector512<float> Abs(Vector512<float> x) => Vector512.Abs(x);
    // vrcp14ps: a 14-bit table lookup at the throughput of an add, where vdivps takes 16 cycles per 16 lanes.
    public static Vector512<float> ReciprocalEstimate(Vector512<float> x) => Avx512F.Reciprocal14(x);
    public static Vector512<float> SelectWhereNegative(Vector512<float> x, Vector512<float> ifNegative, Vector512<float> otherwise) =>
        Vector512.ConditionalSelect(Vector512.IsNegative(x), ifNegative, otherwise);
    // vscalefps: one instruction, correctly rounded into the subnormal range.
    public static Vector512<float> ScaleB(Vector512<float> x, Vector512<float> n) => Avx512F.Scale(x, n);
    public static float Sum(Vector512<float> x) => Vector512.Sum(x);
}

/// <summary>AVX2 (or whatever 256-bit vectors map to): 8 lanes.</summary>
internal readonly struct Lanes256 : ILanes<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;
    public static Vector256<float> Broadcast(float value) => Vector256.Create(value);
    public static Vector256<float> Load(ref readonly float source, nuint index) => Vector256.LoadUnsafe(in source, index);
    public static void Store(Vector256<float> value, ref float destination, nuint index) => value.StoreUnsafe(ref destination, index);
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;
    public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;
    public static Vector256<float> Divide(Vector256<float> a, Vector256<float> b) => a / b;
    public static Vector256<float> Negate(Vector256<float> x) => -x;
    public static Vector256<float> FusedMultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> addend) => Vector256.FusedMultiplyAdd(a, b, addend);
    public static Vector256<float> Round(Vector256<float> x) => Vector256.Round(x);
    // Spelled as compare-and-select, which is that rule on any instruction set.
    public static Vector256<float> Min(Vector256<float> a, Vector256<float> b) => Vector256.ConditionalSelect(Vector256.LessThan(a, b), a, b);
    public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.ConditionalSelect(Vector256.GreaterThan(a, b), a, b);

    public static Vector256<float> Abs(Vector256<float> x) => Vector256.Abs(x);
    // The same 14-bit table as the 512-bit path where AVX-512VL has it, so both widths round alike.
    public static Vector256<float> ReciprocalEstimate(Vector256<float> x) => Avx512F.VL.IsSupported ? Avx512F.VL.Reciprocal14(x) : Vector256<float>.One / x;
    public static Vector256<float> SelectWhereNegative(Vector256<float> x, Vector256<float> ifNegative, Vector256<float> otherwise) =>
        Vector256.ConditionalSelect(Vector256.IsNegative(x), ifNegative, otherwise);

    // AVX2 has no vscalefps: multiply by 2^⌊n/2⌋ and then by 2^(n − ⌊n/2⌋). Each factor is a normal float for
    // |n| ≤ 150 and the first product is exact, so only the second one rounds, as vscalefps does.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ScaleB(Vector256<float> x, Vector256<float> n)
    {
        var k = Vector256.ConvertToInt32(n);
        var half = Vector256.ShiftRightArithmetic(k, 1);
        return x * PowerOfTwo(half) * PowerOfTwo(k - half);
    }

    // 2^k for k in [−126, 127], built from its exponent bits.
    private static Vector256<float> PowerOfTwo(Vector256<int> k) => Vector256.ShiftLeft(k + Vector256.Create(127), 23).AsSingle();

    public static float Sum(Vector256<float> x) => Vector256.Sum(x);
}

/// <summary>One lane: the scalar fallback, and the tails of the vector loops.</summary>
internal readonly struct Lane1 : ILanes<float>
{
    public static int Count => 1;
    public static float Broadcast(float value) => value;
    public static float Load(ref readonly float source, nuint index) => Unsafe.Add(ref Unsafe.AsRef(in source), index);
    public static void Store(float value, ref float destination, nuint index) => Unsafe.Add(ref destination, index) = value;
    public static float Add(float a, float b) => a + b;
    public static float Subtract(float a, float b) => a - b;
    public static float Multiply(float a, float b) => a * b;
    public static float Divide(float a, float b) => a / b;
    public static float Negate(float x) => -x;
    public static float FusedMultiplyAdd(float a, float b, float addend) => MathF.FusedMultiplyAdd(a, b, addend);
    public static float Round(float x) => MathF.Round(x);
    public static float Min(float a, float b) => a < b ? a : b;
    public static float Max(float a, float b) => a > b ? a : b;
    public static float Abs(float x) => MathF.Abs(x);
    public static float ReciprocalEstimate(float x) => Avx512F.IsSupported ? Avx512F.Reciprocal14Scalar(Vector128.CreateScalar(x)).ToScalar() : 1f / x;
    public static float SelectWhereNegative(float x, float ifNegative, float otherwise) => float.IsNegative(x) ? ifNegative : otherwise;
    public static float ScaleB(float x, float n) => MathF.ScaleB(x, (int)n);
    public static float Sum(float x) => x;
}
