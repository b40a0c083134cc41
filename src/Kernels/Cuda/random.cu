// Counter-based random numbers (CudaBackend.Random.cs) that reproduce the CPU's (src/Kernels/Random/Philox.cs)
// exactly: number p of stream `seed` is word (p mod 4) of Philox-4x32-10(key = seed, counter = p div 4), and element i
// of a fill at `offset` is number offset + i. One thread per Philox block (four numbers); the ragged first and last
// blocks write only the words inside [offset, offset + n). Outputs are contiguous.
#include "ect_prelude.cuh"

struct Words { unsigned w0, w1, w2, w3; };

// Random123's philox4x32_R(10) with a 64-bit counter in (c0, c1), c2 = c3 = 0, key (k0, k1) = the seed's halves.
ECT_FN Words philox(ect_u64 seed, ect_u64 counter)
{
    unsigned c0 = (unsigned)counter, c1 = (unsigned)(counter >> 32), c2 = 0u, c3 = 0u;
    unsigned k0 = (unsigned)seed, k1 = (unsigned)(seed >> 32);
    for (int round = 0; round < 10; round++)
    {
        const ect_u64 p0 = 0xD2511F53ull * c0, p1 = 0xCD9E8D57ull * c2;
        const unsigned hi0 = (unsigned)(p0 >> 32), lo0 = (unsigned)p0, hi1 = (unsigned)(p1 >> 32), lo1 = (unsigned)p1;
        c0 = hi1 ^ c1 ^ k0; c1 = lo1; c2 = hi0 ^ c3 ^ k1; c3 = lo0;
        k0 += 0x9E3779B9u; k1 += 0xBB67AE85u;
    }
    Words w = { c0, c1, c2, c3 };
    return w;
}

ECT_FN unsigned word_at(const Words& w, int k) { return k == 0 ? w.w0 : k == 1 ? w.w1 : k == 2 ? w.w2 : w.w3; }

// y[i] = number(words of block (offset + i) div 4, word (offset + i) mod 4) for i < n: threads walk the Philox blocks
// that cover numbers offset … offset + n − 1, each computing its block once.
template <typename T, typename Number> ECT_FN void philox_fill(T* __restrict__ y, ect_i64 n, ect_u64 seed, ect_u64 offset, Number number)
{
    if (n <= 0) return;
    const ect_u64 firstBlock = offset >> 2, endBlock = ((offset + (ect_u64)n - 1) >> 2) + 1;
    for (ect_u64 block = firstBlock + (ect_u64)blockIdx.x * blockDim.x + threadIdx.x; block < endBlock; block += (ect_u64)gridDim.x * blockDim.x)
    {
        const Words w = philox(seed, block);
        for (int k = 0; k < 4; k++)
        {
            const ect_u64 p = block * 4 + k;
            if (p >= offset && p - offset < (ect_u64)n) y[p - offset] = number(w, k);
        }
    }
}

// U[0, 1): the top 24 bits of the word over 2²⁴, exact in float and double (bit-equal to the CPU).
template <typename T> ECT_FN void uniform(T* __restrict__ y, ect_i64 n, ect_u64 seed, ect_u64 offset)
{
    philox_fill(y, n, seed, offset, [](const Words& w, int k) { return (T)(word_at(w, k) >> 8) * (T)(1.0 / 16777216.0); });
}
ECT_KERNEL void uniform_f32(float* y, ect_i64 n, ect_u64 seed, ect_u64 offset) { uniform(y, n, seed, offset); }
ECT_KERNEL void uniform_f64(double* y, ect_i64 n, ect_u64 seed, ect_u64 offset) { uniform(y, n, seed, offset); }

// Inverted-dropout mask: `scale` (1/(1 − p) in T, from the host) where the word's top 24 bits exceed `threshold`
// (⌊p·2²⁴⌋ with p rounded to T first, from the host), else 0: the CPU's integer compare, bit-equal.
template <typename T> ECT_FN void dropout_mask(T* __restrict__ y, ect_i64 n, ect_u64 seed, ect_u64 offset, unsigned threshold, T scale)
{
    philox_fill(y, n, seed, offset, [=](const Words& w, int k) { return (word_at(w, k) >> 8) > threshold ? scale : (T)0; });
}
ECT_KERNEL void dropout_mask_f32(float* y, ect_i64 n, ect_u64 seed, ect_u64 offset, unsigned threshold, float scale)
{ dropout_mask(y, n, seed, offset, threshold, scale); }
ECT_KERNEL void dropout_mask_f64(double* y, ect_i64 n, ect_u64 seed, ect_u64 offset, unsigned threshold, double scale)
{ dropout_mask(y, n, seed, offset, threshold, scale); }

// N(0, 1) by Box–Muller on the word pairs (w0, w1) and (w2, w3), even numbers taking the cosine, odd the sine, computed
// in double as the CPU does and then rounded to T. The arithmetic is the CPU's operation for operation (each number
// recomputes its pair's radius: the same value), but CUDA's double log/sin/cos may differ from .NET's (the C library's)
// in the last bit or two: float32 results are then equal except where a double lands next to a float rounding
// boundary (rare), float64 results agree to a few ulp.
template <typename T> ECT_FN void normal(T* __restrict__ y, ect_i64 n, ect_u64 seed, ect_u64 offset)
{
    philox_fill(y, n, seed, offset, [](const Words& w, int k)
    {
        const double twoPow32 = 4294967296.0, twoPi = 2.0 * 3.141592653589793;
        const unsigned a = k < 2 ? w.w0 : w.w2, b = k < 2 ? w.w1 : w.w3;
        // u1 = (a + 1)/2³² is in (0, 1], so the log is finite.
        const double r = sqrt(-2.0 * log((a + 1.0) / twoPow32)), t = twoPi * (b / twoPow32);
        return (T)((k & 1) == 0 ? r * cos(t) : r * sin(t));
    });
}
ECT_KERNEL void normal_f32(float* y, ect_i64 n, ect_u64 seed, ect_u64 offset) { normal(y, n, seed, offset); }
ECT_KERNEL void normal_f64(double* y, ect_i64 n, ect_u64 seed, ect_u64 offset) { normal(y, n, seed, offset); }
