using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using System.Runtime.InteropServices;

namespace Ect.Kernels.Random;

/// <summary>
/// Philox-4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): a keyed bijection of a
/// 128-bit counter, ten rounds of multiply-hi/lo and xor. Counter-based, so any element can be computed on its own.
///
/// Stream layout shared with the CUDA kernel (rng.cu): number p of stream `seed` is word (p mod 4) of
/// Philox(key = seed, counter = p div 4). Uniforms take the top 24 bits (exact in float32); normals pair the words
/// (0,1) and (2,3) through Box–Muller, even p taking the cosine branch and odd p the sine. Dropout masks compare the
/// uniforms with p. With AVX-512, uniforms and masks compute sixteen (or eight) blocks at once; the bits are the same either way.
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

    /// <summary>Fills <paramref name="destination"/> with U[0,1) numbers p = start, start+1, … of stream seed: the top
    /// 24 bits of word p, over 2²⁴.</summary>
    public static void Uniform<T>(Span<T> destination, ulong seed, ulong start) where T : unmanaged, IFloatingPointIeee754<T> =>
        FromWords(destination, seed, start, new UniformFromWords<T>());

    /// <summary>Fills <paramref name="destination"/> with an inverted-dropout mask drawn from numbers p = start, … of
    /// stream seed: 1/(1 − p) where the uniform number (as <see cref="Uniform{T}"/> makes it, in T) exceeds p rounded to
    /// T, else 0. Bit for bit what comparing <see cref="Uniform{T}"/>'s output with p and scaling gives.</summary>
    public static void DropoutMask<T>(Span<T> destination, ulong seed, ulong start, double p) where T : unmanaged, IFloatingPointIeee754<T>
    {
        FromWords(destination, seed, start, new MaskFromWords<T>(DropoutThreshold<T>(p), DropoutScale<T>(p)));
    }

    /// <summary>The integer a dropout mask compares each word's top 24 bits with (keep where greater): u = k/2²⁴ with
    /// k = word >> 8, and p·2²⁴ is exact in T, so u &gt; p ⟺ k &gt; ⌊p·2²⁴⌋. Shared with the CUDA kernel.</summary>
    public static uint DropoutThreshold<T>(double p) where T : unmanaged, IFloatingPointIeee754<T> =>
        (uint)Math.Floor(double.CreateTruncating(T.CreateTruncating(p)) * TwoPow24);

    /// <summary>The value a dropout mask keeps: 1/(1 − p) rounded to T.</summary>
    public static T DropoutScale<T>(double p) where T : unmanaged, IFloatingPointIeee754<T> => T.CreateTruncating(1.0 / (1.0 - p));

    /// <summary>Raw words p = start, start+1, … of stream seed (word p mod 4 of block p div 4).</summary>
    public static void Words(Span<uint> destination, ulong seed, ulong start)
    {
        ulong p = start;
        int i = 0;
        // The key schedule (k₀ + r·W0, k₁ + r·W1 in round r) is the same for every block: computed once here, and read
        // by each vector round as a broadcast memory operand.
        Span<ulong> roundKeys = stackalloc ulong[20];
        for (int round = 0; round < 10; round++)
        {
            roundKeys[2 * round] = (uint)seed + (uint)round * W0;
            roundKeys[2 * round + 1] = (uint)(seed >> 32) + (uint)round * W1;
        }
        while (i < destination.Length)
        {
            // Eight whole blocks at a time once p is at a block boundary; the ragged ends one block at a time.
            if (Vector512.IsHardwareAccelerated && (p & 3) == 0 && destination.Length - i >= WordsPerSixteenBlocks)
            {
                SixteenBlocks(roundKeys, p >> 2, destination.Slice(i, WordsPerSixteenBlocks));
                i += WordsPerSixteenBlocks; p += WordsPerSixteenBlocks;
                continue;
            }
            if (Vector512.IsHardwareAccelerated && (p & 3) == 0 && destination.Length - i >= WordsPerEightBlocks)
            {
                EightBlocks(roundKeys, p >> 2, destination.Slice(i, WordsPerEightBlocks));
                i += WordsPerEightBlocks; p += WordsPerEightBlocks;
                continue;
            }
            var (w0, w1, w2, w3) = Block(seed, p >> 2);
            for (int word = (int)(p & 3); word < 4 && i < destination.Length; word++, i++, p++)
                destination[i] = word switch { 0 => w0, 1 => w1, 2 => w2, _ => w3 };
        }
    }

    private const int WordsPerEightBlocks = 32;

    // Blocks counter … counter + 7, one per 64-bit lane. vpmuludq multiplies the low 32 bits of each lane into the
    // whole 64-bit product, so a round's multiply-hi/lo is one multiply and one shift. The high halves of the state
    // lanes carry junk that nothing reads: vpmuludq ignores them and only the low halves are stored.
    private static void EightBlocks(ReadOnlySpan<ulong> roundKeys, ulong counter, Span<uint> destination)
    {
        var c0 = Vector512.Create(counter) + Vector512<ulong>.Indices;
        var c1 = c0 >> 32;
        Vector512<ulong> c2 = Vector512<ulong>.Zero, c3 = Vector512<ulong>.Zero;
        var m0 = Vector512.Create((ulong)M0).AsUInt32(); var m1 = Vector512.Create((ulong)M1).AsUInt32();
        for (int round = 0; round < 10; round++)
        {
            var p0 = Avx512F.Multiply(c0.AsUInt32(), m0); var p1 = Avx512F.Multiply(c2.AsUInt32(), m1);
            // Not a tuple assignment: the JIT spills the four vectors of one to the stack every round.
            c0 = (p1 >> 32) ^ c1 ^ Vector512.Create(roundKeys[2 * round]);
            c2 = (p0 >> 32) ^ c3 ^ Vector512.Create(roundKeys[2 * round + 1]);
            c1 = p1;
            c3 = p0;
        }
        StoreStreamOrder(c0, c1, c2, c3, destination);
    }

    private const int WordsPerSixteenBlocks = 64;

    // EightBlocks twice over (blocks counter … + 15), the two groups' rounds interleaved: a round is a chain of
    // multiply, shift and xor, so one group alone leaves the vector units waiting on latency. Dropout mask 12.8 → 14.7
    // GB/s on Zen 4, where a word then costs ~1.5 cycles, about what the units can issue.
    private static void SixteenBlocks(ReadOnlySpan<ulong> roundKeys, ulong counter, Span<uint> destination)
    {
        var a0 = Vector512.Create(counter) + Vector512<ulong>.Indices;
        var b0 = a0 + Vector512.Create(8ul);
        var a1 = a0 >> 32; var b1 = b0 >> 32;
        Vector512<ulong> a2 = Vector512<ulong>.Zero, a3 = Vector512<ulong>.Zero, b2 = Vector512<ulong>.Zero, b3 = Vector512<ulong>.Zero;
        var m0 = Vector512.Create((ulong)M0).AsUInt32(); var m1 = Vector512.Create((ulong)M1).AsUInt32();
        for (int round = 0; round < 10; round++)
        {
            var k0 = Vector512.Create(roundKeys[2 * round]); var k1 = Vector512.Create(roundKeys[2 * round + 1]);
            var pa0 = Avx512F.Multiply(a0.AsUInt32(), m0); var pa1 = Avx512F.Multiply(a2.AsUInt32(), m1);
            var pb0 = Avx512F.Multiply(b0.AsUInt32(), m0); var pb1 = Avx512F.Multiply(b2.AsUInt32(), m1);
            a0 = (pa1 >> 32) ^ a1 ^ k0;
            b0 = (pb1 >> 32) ^ b1 ^ k0;
            a2 = (pa0 >> 32) ^ a3 ^ k1;
            b2 = (pb0 >> 32) ^ b3 ^ k1;
            a1 = pa1; b1 = pb1;
            a3 = pa0; b3 = pb0;
        }
        StoreStreamOrder(a0, a1, a2, a3, destination);
        StoreStreamOrder(b0, b1, b2, b3, destination[WordsPerEightBlocks..]);
    }

    // Eight blocks' state (word w of block j in lane j of cw) into stream order, block j's words at 4j … 4j + 3: pair
    // w0 with w1 and w2 with w3 in each 64-bit lane, then interleave the two pair vectors lane by lane. (The index
    // constants are spelled here: a static readonly vector costs a helper call, and with it the JIT kept the state
    // vectors on the stack.)
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreStreamOrder(Vector512<ulong> c0, Vector512<ulong> c1, Vector512<ulong> c2, Vector512<ulong> c3, Span<uint> destination)
    {
        var lowHalvesInterleaved = Vector512.Create(0u, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30);
        var w01 = Avx512F.PermuteVar16x32x2(c0.AsUInt32(), lowHalvesInterleaved, c1.AsUInt32()).AsUInt64();
        var w23 = Avx512F.PermuteVar16x32x2(c2.AsUInt32(), lowHalvesInterleaved, c3.AsUInt32()).AsUInt64();
        Avx512F.PermuteVar8x64x2(w01, Vector512.Create(0ul, 8, 1, 9, 2, 10, 3, 11), w23).AsUInt32().CopyTo(destination);
        Avx512F.PermuteVar8x64x2(w01, Vector512.Create(4ul, 12, 5, 13, 6, 14, 7, 15), w23).AsUInt32().CopyTo(destination[16..]);
    }

    // Converts a chunk of words into the destination's numbers.
    private interface IWordConverter<T>
    {
        void Convert(ReadOnlySpan<uint> words, Span<T> destination);
    }

    // Generates words in stack chunks (a multiple of 4, so every chunk starts at the same place in its block as the
    // whole draw) and converts each.
    private static void FromWords<T, TConverter>(Span<T> destination, ulong seed, ulong start, TConverter converter)
        where TConverter : struct, IWordConverter<T>
    {
        Span<uint> words = stackalloc uint[256];
        for (int i = 0; i < destination.Length; i += words.Length)
        {
            var chunk = destination.Slice(i, Math.Min(words.Length, destination.Length - i));
            Words(words[..chunk.Length], seed, start + (ulong)i);
            converter.Convert(words[..chunk.Length], chunk);
        }
    }

    private readonly struct UniformFromWords<T> : IWordConverter<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Convert(ReadOnlySpan<uint> words, Span<T> destination)
        {
            int i = 0;
            if (typeof(T) == typeof(float) && Vector512.IsHardwareAccelerated)
            {
                var floats = MemoryMarshal.Cast<T, float>(destination);
                for (; i <= words.Length - Vector512<uint>.Count; i += Vector512<uint>.Count)
                    (Vector512.ConvertToSingle((Vector512.Create(words[i..]) >> 8).AsInt32()) * (float)(1 / TwoPow24)).CopyTo(floats[i..]);
            }
            for (; i < words.Length; i++)
                destination[i] = T.CreateTruncating((words[i] >> 8) / TwoPow24);
        }
    }

    private readonly struct MaskFromWords<T>(uint threshold, T scale) : IWordConverter<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public void Convert(ReadOnlySpan<uint> words, Span<T> destination)
        {
            int i = 0;
            if (typeof(T) == typeof(float) && Vector512.IsHardwareAccelerated)
            {
                var bits = MemoryMarshal.Cast<T, uint>(destination);
                var keep = Vector512.Create(threshold); var scaleBits = Vector512.Create(BitConverter.SingleToUInt32Bits(float.CreateTruncating(scale)));
                for (; i <= words.Length - Vector512<uint>.Count; i += Vector512<uint>.Count)
                    (Vector512.GreaterThan(Vector512.Create(words[i..]) >> 8, keep) & scaleBits).CopyTo(bits[i..]);
            }
            for (; i < words.Length; i++)
                destination[i] = words[i] >> 8 > threshold ? scale : T.Zero;
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
