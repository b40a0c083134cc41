using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Ect.Kernels.Random;

/// <summary>
/// Philox-4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a keyed bijection of a
/// 128-bit counter, ten rounds of multiply-hi/lo and xor. Counter-based, so any element can be computed on its own.
///
/// Stream layout shared with the CUDA kernel (rng.cu): number p of stream `seed` is word (p mod 4) of
/// Philox(key = seed, counter = p div 4). Uniforms take the top 24 bits (exact in float32); normals pair the words
/// (0,1) and (2,3) through Box–Muller, even p taking the cosine branch and odd p the sine.
/// </summary>
public static class Philox
{
    private const uint M0 = 0xD2511F53, M1 = 0xCD9E8D57, W0 = 0x9E3779B9, W1 = 0xBB67AE85;

    /// <summary>The four output words for 64-bit counter <paramref name="counter"/> under key <paramref name="seed"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (uint, uint, uint, uint) Block(ulong seed, ulong counter) =>
        Block((uint)counter, (uint)(counter >> 32), 0, 0, (uint)seed, (uint)(seed >> 32));

    /// <summary>The full 128-bit-counter, 64-bit-key form (Random123's philox4x32_R with R = 10).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static (uint, uint, uint, uint) Block(uint c0, uint c1, uint c2, uint c3, uint k0, uint k1)
    {
        for (int round = 0; round < 10; round++)
        {
            ulong p0 = (ulong)M0 * c0, p1 = (ulong)M1 * c2;
            uint hi0 = (uint)(p0 >> 32), lo0 = (uint)p0, hi1 = (uint)(p1 >> 32), lo1 = (uint)p1;
            c0 = hi1 ^ c1 ^ k0; c1 = lo1; c2 = hi0 ^ c3 ^ k1; c3 = lo0;
            k0 += W0; k1 += W1;
        }
        return (c0, c1, c2, c3);
    }

    private const double TwoPow24 = 16777216.0, TwoPow32 = 4294967296.0;

    /// <summary>Fills <paramref name="destination"/> with U[0,1) numbers p = start, start+1, … of stream seed.</summary>
    public static void Uniform<T>(Span<T> destination, ulong seed, ulong start) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && Avx512F.IsSupported && destination.Length >= 128)
        {
            // Scalar up to a block boundary, 16 blocks (64 numbers) at a time, then the scalar tail.
            int head = (int)((4 - (start & 3)) & 3);
            UniformScalar(destination[..head], seed, start);
            var body = MemoryMarshal.Cast<T, float>(destination[head..]);
            int done = Uniform16Blocks(body, seed, (start + (ulong)head) >> 2);
            UniformScalar(destination[(head + done)..], seed, start + (ulong)(head + done));
            return;
        }
        UniformScalar(destination, seed, start);
    }

    /// <summary>
    /// Philox on 16 counters at once, one per Vector512 lane: the 32×32→64 multiplies split into even lanes
    /// (vpmuludq) and odd lanes (shifted down first), the low halves come from vpmulld. The four output words of
    /// each counter are then interleaved back into stream order with two unpack steps and 128-bit stores.
    /// Bit-identical to <see cref="Block(ulong, ulong)"/>. Returns how many numbers it wrote (a multiple of 64).
    /// </summary>
    private static unsafe int Uniform16Blocks(Span<float> destination, ulong seed, ulong firstBlock)
    {
        var lane = Vector512.Create(0u, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        var m0 = Vector512.Create(M0); var m1 = Vector512.Create(M1);
        var highHalves = Vector512.Create(0xFFFF_FFFF_0000_0000ul);
        var scale = Vector512.Create(1f / 16777216f);
        int written = 0;
        fixed (float* dst = destination)
            for (ulong block = firstBlock; written + 64 <= destination.Length; block += 16, written += 64)
            {
                var c0 = Vector512.Create((uint)block) + lane;
                // Carry into the counter's high word where the low word wrapped (c0 < lane only then).
                var c1 = Vector512.Create((uint)(block >> 32)) - Vector512.LessThan(c0, lane);
                Vector512<uint> c2 = Vector512<uint>.Zero, c3 = Vector512<uint>.Zero;
                uint k0 = (uint)seed, k1 = (uint)(seed >> 32);
                for (int round = 0; round < 10; round++)
                {
                    var hi0 = MultiplyHigh(c0, m0, highHalves); var lo0 = c0 * m0;
                    var hi1 = MultiplyHigh(c2, m1, highHalves); var lo1 = c2 * m1;
                    c0 = hi1 ^ c1 ^ Vector512.Create(k0); c1 = lo1;
                    c2 = hi0 ^ c3 ^ Vector512.Create(k1); c3 = lo0;
                    k0 += W0; k1 += W1;
                }
                // Top 24 bits → [0, 1), exactly as the scalar path.
                var a = Vector512.ConvertToSingle((c0 >> 8).AsInt32()) * scale;
                var b = Vector512.ConvertToSingle((c1 >> 8).AsInt32()) * scale;
                var c = Vector512.ConvertToSingle((c2 >> 8).AsInt32()) * scale;
                var d = Vector512.ConvertToSingle((c3 >> 8).AsInt32()) * scale;
                // Within each 128-bit lane k (counters 4k..4k+3): rj holds counter 4k + j's words 0..3.
                var ab0 = Avx512F.UnpackLow(a, b).AsDouble(); var ab1 = Avx512F.UnpackHigh(a, b).AsDouble();
                var cd0 = Avx512F.UnpackLow(c, d).AsDouble(); var cd1 = Avx512F.UnpackHigh(c, d).AsDouble();
                var r0 = Avx512F.UnpackLow(ab0, cd0).AsSingle(); var r1 = Avx512F.UnpackHigh(ab0, cd0).AsSingle();
                var r2 = Avx512F.UnpackLow(ab1, cd1).AsSingle(); var r3 = Avx512F.UnpackHigh(ab1, cd1).AsSingle();
                float* o = dst + written;
                for (int k = 0; k < 4; k++)
                {
                    Vector128.Store(Lane128(r0, k), o + 16 * k);
                    Vector128.Store(Lane128(r1, k), o + 16 * k + 4);
                    Vector128.Store(Lane128(r2, k), o + 16 * k + 8);
                    Vector128.Store(Lane128(r3, k), o + 16 * k + 12);
                }
            }
        return written;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<uint> MultiplyHigh(Vector512<uint> x, Vector512<uint> m, Vector512<ulong> highHalves)
    {
        var even = Avx512F.Multiply(x, m);                                                  // lanes 0, 2, …: full products
        var odd = Avx512F.Multiply((x.AsUInt64() >> 32).AsUInt32(), m);                     // lanes 1, 3, … moved down
        return ((even >> 32) | (odd & highHalves)).AsUInt32();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Lane128(Vector512<float> v, int k) => k switch
    {
        0 => v.GetLower().GetLower(),
        1 => v.GetLower().GetUpper(),
        2 => v.GetUpper().GetLower(),
        _ => v.GetUpper().GetUpper(),
    };

    private static void UniformScalar<T>(Span<T> destination, ulong seed, ulong start) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ulong p = start;
        int i = 0;
        while (i < destination.Length)
        {
            var (w0, w1, w2, w3) = Block(seed, p >> 2);
            for (int word = (int)(p & 3); word < 4 && i < destination.Length; word++, i++, p++)
            {
                uint w = word switch { 0 => w0, 1 => w1, 2 => w2, _ => w3 };
                destination[i] = T.CreateTruncating((w >> 8) / TwoPow24);
            }
        }
    }

    /// <summary>Fills <paramref name="destination"/> with N(0,1) numbers p = start, start+1, … of stream seed.</summary>
    public static void Normal<T>(Span<T> destination, ulong seed, ulong start) where T : unmanaged, IFloatingPointIeee754<T>
    {
        ulong p = start;
        int i = 0;
        while (i < destination.Length)
        {
            var (w0, w1, w2, w3) = Block(seed, p >> 2);
            // Box–Muller on each pair; u1 in (0, 1] so the log is finite.
            double r0 = Math.Sqrt(-2.0 * Math.Log((w0 + 1.0) / TwoPow32)), t0 = 2.0 * Math.PI * (w1 / TwoPow32);
            double r1 = Math.Sqrt(-2.0 * Math.Log((w2 + 1.0) / TwoPow32)), t1 = 2.0 * Math.PI * (w3 / TwoPow32);
            for (int word = (int)(p & 3); word < 4 && i < destination.Length; word++, i++, p++)
            {
                double z = word switch
                {
                    0 => r0 * Math.Cos(t0),
                    1 => r0 * Math.Sin(t0),
                    2 => r1 * Math.Cos(t1),
                    _ => r1 * Math.Sin(t1),
                };
                destination[i] = T.CreateTruncating(z);
            }
        }
    }
}
