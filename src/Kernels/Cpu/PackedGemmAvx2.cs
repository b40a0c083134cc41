using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Ect.Kernels.Cpu;

/// <summary>
/// <see cref="PackedGemm"/> for x64 machines with AVX2 and FMA but no AVX-512 (most laptops, Zen 1–3): the same
/// Goto/BLIS loops (NC columns of C, KC-deep packed B panels in L1/L2, MC-row packed A blocks) around a 6×16
/// register tile. AVX2 has 16 ymm registers: 12 accumulators, two B vectors and one A broadcast fill 15 of them,
/// and 12 independent FMAs per step of k cover the FMA latency on two pipes. Tails are zero-padded when packing;
/// edge tiles go through a scratch tile. Single-threaded: the caller splits C, as for PackedGemm.
/// </summary>
public static unsafe class PackedGemmAvx2
{
    public const int MR = 6, NR = 16, KC = 256, MC = 120, NC = 512;

    public static bool IsSupported => Avx2.IsSupported && Fma.IsSupported;

    /// <summary>C[M, N] (+)= A[M, K]·B[K, N]; A[m, k] at a[m·lda + k] (a[k·lda + m] when transposeA), B[k, n] at
    /// b[k·ldb + n] (b[n·ldb + k] when transposeB).</summary>
    public static void Multiply(int m, int n, int k,
        ReadOnlySpan<float> a, int lda, bool transposeA,
        ReadOnlySpan<float> b, int ldb, bool transposeB,
        Span<float> c, int ldc, bool accumulate)
    {
        if (m == 0 || n == 0) return;
        fixed (float* pa = a, pb = b, pc = c)
        {
            if (k == 0)
            {
                if (!accumulate) for (int i = 0; i < m; i++) new Span<float>(pc + (long)i * ldc, n).Clear();
                return;
            }
            float[] aPack = BufferPool<float>.Rent(MC * KC);
            float[] bPack = BufferPool<float>.Rent(KC * RoundUp(Math.Min(n, NC), NR));
            float* tile = stackalloc float[MR * NR];
            fixed (float* ap = aPack, bp = bPack)
                for (int jc = 0; jc < n; jc += NC)
                {
                    int nc = Math.Min(NC, n - jc);
                    for (int p0 = 0; p0 < k; p0 += KC)
                    {
                        int kc = Math.Min(KC, k - p0);
                        PackB(pb, ldb, transposeB, p0, jc, kc, nc, bp);
                        bool add = accumulate || p0 > 0;
                        for (int ic = 0; ic < m; ic += MC)
                        {
                            int mc = Math.Min(MC, m - ic);
                            PackA(pa, lda, transposeA, ic, p0, mc, kc, ap);
                            for (int jr = 0; jr < nc; jr += NR)
                            for (int ir = 0; ir < mc; ir += MR)
                            {
                                int mr = Math.Min(MR, mc - ir), nr = Math.Min(NR, nc - jr);
                                float* cTile = pc + (long)(ic + ir) * ldc + jc + jr;
                                if (mr == MR && nr == NR) Kernel6x16(kc, ap + ir * kc, bp + jr * kc, cTile, ldc, add);
                                else
                                {
                                    Kernel6x16(kc, ap + ir * kc, bp + jr * kc, tile, NR, accumulate: false);
                                    PackedGemm.StoreEdgeTile(tile, NR, mr, nr, cTile, ldc, add);
                                }
                            }
                        }
                    }
                }
            BufferPool<float>.Return(aPack);
            BufferPool<float>.Return(bPack);
        }
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    /// <summary>MR-row panels of A rows ic..ic+mc, columns p0..p0+kc: panel q holds A[ic + q + r, p0 + p] at
    /// p·MR + r, zero past the last row.</summary>
    private static void PackA(float* a, int lda, bool transposed, int ic, int p0, int mc, int kc, float* dst)
    {
        for (int q = 0; q < mc; q += MR)
        {
            int rows = Math.Min(MR, mc - q);
            float* panel = dst + q * kc;
            if (rows < MR) new Span<float>(panel, kc * MR).Clear();
            for (int r = 0; r < rows; r++)
            for (int p = 0; p < kc; p++)
                panel[p * MR + r] = transposed ? a[(long)(p0 + p) * lda + ic + q + r] : a[(long)(ic + q + r) * lda + p0 + p];
        }
    }

    /// <summary>NR-column panels of B rows p0..p0+kc, columns jc..jc+nc: panel j holds B[p0 + p, jc + j + c] at
    /// p·NR + c, zero past the last column.</summary>
    private static void PackB(float* b, int ldb, bool transposed, int p0, int jc, int kc, int nc, float* dst)
    {
        for (int j = 0; j < nc; j += NR)
        {
            int cols = Math.Min(NR, nc - j);
            float* panel = dst + j * kc;
            if (!transposed && cols == NR)
            {
                for (int p = 0; p < kc; p++)
                {
                    float* src = b + (long)(p0 + p) * ldb + jc + j;
                    Vector256.Store(Vector256.Load(src), panel + p * NR);
                    Vector256.Store(Vector256.Load(src + 8), panel + p * NR + 8);
                }
                continue;
            }
            if (cols < NR) new Span<float>(panel, kc * NR).Clear();
            for (int cc = 0; cc < cols; cc++)
            for (int p = 0; p < kc; p++)
                panel[p * NR + cc] = transposed ? b[(long)(jc + j + cc) * ldb + p0 + p] : b[(long)(p0 + p) * ldb + jc + j + cc];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel6x16(int kc, float* a, float* b, float* c, int ldc, bool accumulate)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < kc; p++, a += MR, b += NR)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            Vector256<float> av;
            av = Vector256.Create(a[0]); c00 = Fma.MultiplyAdd(av, b0, c00); c01 = Fma.MultiplyAdd(av, b1, c01);
            av = Vector256.Create(a[1]); c10 = Fma.MultiplyAdd(av, b0, c10); c11 = Fma.MultiplyAdd(av, b1, c11);
            av = Vector256.Create(a[2]); c20 = Fma.MultiplyAdd(av, b0, c20); c21 = Fma.MultiplyAdd(av, b1, c21);
            av = Vector256.Create(a[3]); c30 = Fma.MultiplyAdd(av, b0, c30); c31 = Fma.MultiplyAdd(av, b1, c31);
            av = Vector256.Create(a[4]); c40 = Fma.MultiplyAdd(av, b0, c40); c41 = Fma.MultiplyAdd(av, b1, c41);
            av = Vector256.Create(a[5]); c50 = Fma.MultiplyAdd(av, b0, c50); c51 = Fma.MultiplyAdd(av, b1, c51);
        }
        Store(c, c00, c01, accumulate); c += ldc;
        Store(c, c10, c11, accumulate); c += ldc;
        Store(c, c20, c21, accumulate); c += ldc;
        Store(c, c30, c31, accumulate); c += ldc;
        Store(c, c40, c41, accumulate); c += ldc;
        Store(c, c50, c51, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector256<float> lo, Vector256<float> hi, bool accumulate)
    {
        if (accumulate)
        {
            lo += Vector256.Load(c);
            hi += Vector256.Load(c + 8);
        }
        Vector256.Store(lo, c);
        Vector256.Store(hi, c + 8);
    }
}
