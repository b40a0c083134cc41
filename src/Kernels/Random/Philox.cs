using System.Runtime.CompilerServices;

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
