using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Ect.Kernels.Cpu;

/// <summary>
/// Single-threaded float32 GEMM in the Goto/BLIS layout: C[M, N] (+)= A[M, K]·B[K, N].
///
/// Loops, outermost first: columns of C in blocks of NC; K in blocks of KC, where a KC×NC block of B is packed into
/// NR-wide column panels (one panel, KC×NR×4 = 32 KB, stays in L1 while it is used); rows of C in blocks of MC,
/// where an MC×KC block of A is packed into MR-tall row panels (128 KB, in L2; the packed KC×NC block of B, 512 KB,
/// shares L2 with it: NC = 2048 spilled to L3 and lost a quarter of the speed at 1024³ on two cores); then the micro-kernel updates one
/// MR×NR tile of C entirely in registers: 8 rows × 32 columns = 16 zmm accumulators, two B loads and eight A
/// broadcasts per step of k, so 16 FMAs cover the 4-cycle FMA latency on both pipes.
/// Tails (M, N not multiples of the tile) are zero-padded when packing, and edge tiles go through a scratch tile.
/// Requires AVX-512 (<see cref="IsSupported"/>); callers fall back to <see cref="Gemm"/> otherwise.
/// Threading is the caller's: it splits C into row ranges and calls this once per range.
/// </summary>
public static unsafe class PackedGemm
{
    public const int MR = 8, NR = 32, KC = 256, MC = 128, NC = 512;

    public static bool IsSupported => Vector512.IsHardwareAccelerated;

    public static void Multiply(int m, int n, int k,
        ReadOnlySpan<float> a, int lda, bool transposeA,
        ReadOnlySpan<float> b, int ldb, bool transposeB,
        Span<float> c, int ldc, bool accumulate)
    {
        fixed (float* pa = a, pb = b, pc = c)
            Multiply(m, n, k, new MatrixA(pa, lda, transposeA), new MatrixB(pb, ldb, transposeB), pc, ldc, accumulate);
    }

    /// <summary>The same product with A and B supplied by packers: a stored matrix (<see cref="MatrixA"/>,
    /// <see cref="MatrixB"/>) or, for convolutions, the im2col matrix read straight from an image
    /// (<see cref="ConvColumns"/>) so it is never materialised.</summary>
    public static void Multiply<TA, TB>(int m, int n, int k, TA a, TB b, float* c, int ldc, bool accumulate)
        where TA : struct, IPackA where TB : struct, IPackB
    {
        if (m == 0 || n == 0) return;
        if (k == 0)
        {
            if (!accumulate) for (int i = 0; i < m; i++) new Span<float>(c + (long)i * ldc, n).Clear();
            return;
        }
        float[] aPack = BufferPool<float>.Rent(MC * KC);
        float[] bPack = BufferPool<float>.Rent(KC * RoundUp(Math.Min(n, NC), NR));
        float* tile = stackalloc float[MR * NR];
        fixed (float* ap = aPack, bp = bPack)
        {
            for (int jc = 0; jc < n; jc += NC)
            {
                int nc = Math.Min(NC, n - jc);
                for (int p0 = 0; p0 < k; p0 += KC)
                {
                    int kc = Math.Min(KC, k - p0);
                    b.Pack(p0, jc, kc, nc, bp);
                    bool add = accumulate || p0 > 0;
                    for (int ic = 0; ic < m; ic += MC)
                    {
                        int mc = Math.Min(MC, m - ic);
                        a.Pack(ic, p0, mc, kc, ap);
                        for (int jr = 0; jr < nc; jr += NR)
                        {
                            int nr = Math.Min(NR, nc - jr);
                            for (int ir = 0; ir < mc; ir += MR)
                            {
                                int mr = Math.Min(MR, mc - ir);
                                float* cTile = c + (long)(ic + ir) * ldc + jc + jr;
                                if (mr == MR && nr == NR)
                                    Kernel8x32(kc, ap + ir * kc, bp + jr * kc, cTile, ldc, add);
                                else
                                {
                                    // Edge tile: compute the full tile into scratch, then add/copy the valid part.
                                    Kernel8x32(kc, ap + ir * kc, bp + jr * kc, tile, NR, false);
                                    StoreEdgeTile(tile, NR, mr, nr, cTile, ldc, add);
                                }
                            }
                        }
                    }
                }
            }
        }
        BufferPool<float>.Return(aPack);
        BufferPool<float>.Return(bPack);
    }

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel8x32(int kc, float* a, float* b, float* c, int ldc, bool accumulate)
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int p = 0; p < kc; p++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            Vector512<float> av;
            av = Vector512.Create(a[0]); c00 = Vector512.FusedMultiplyAdd(av, b0, c00); c01 = Vector512.FusedMultiplyAdd(av, b1, c01);
            av = Vector512.Create(a[1]); c10 = Vector512.FusedMultiplyAdd(av, b0, c10); c11 = Vector512.FusedMultiplyAdd(av, b1, c11);
            av = Vector512.Create(a[2]); c20 = Vector512.FusedMultiplyAdd(av, b0, c20); c21 = Vector512.FusedMultiplyAdd(av, b1, c21);
            av = Vector512.Create(a[3]); c30 = Vector512.FusedMultiplyAdd(av, b0, c30); c31 = Vector512.FusedMultiplyAdd(av, b1, c31);
            av = Vector512.Create(a[4]); c40 = Vector512.FusedMultiplyAdd(av, b0, c40); c41 = Vector512.FusedMultiplyAdd(av, b1, c41);
            av = Vector512.Create(a[5]); c50 = Vector512.FusedMultiplyAdd(av, b0, c50); c51 = Vector512.FusedMultiplyAdd(av, b1, c51);
            av = Vector512.Create(a[6]); c60 = Vector512.FusedMultiplyAdd(av, b0, c60); c61 = Vector512.FusedMultiplyAdd(av, b1, c61);
            av = Vector512.Create(a[7]); c70 = Vector512.FusedMultiplyAdd(av, b0, c70); c71 = Vector512.FusedMultiplyAdd(av, b1, c71);
            a += MR;
            b += NR;
        }
        StoreTile(c, ldc, accumulate, c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51, c60, c61, c70, c71);
    }

    /// <summary>C[0..rows, 0..cols) (+)= the top-left rows × cols of a scratch tile whose rows are tileStride apart:
    /// the valid part of an edge tile that the micro-kernel computed in full.</summary>
    internal static void StoreEdgeTile(float* tile, int tileStride, int rows, int cols, float* c, int ldc, bool accumulate)
    {
        for (int r = 0; r < rows; r++)
        for (int j = 0; j < cols; j++)
            c[(long)r * ldc + j] = accumulate ? c[(long)r * ldc + j] + tile[r * tileStride + j] : tile[r * tileStride + j];
    }

    /// <summary>Writes (or adds) an 8×32 register tile, row r = (c_r0, c_r1), to c + r·ldc.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void StoreTile(float* c, int ldc, bool accumulate,
        Vector512<float> c00, Vector512<float> c01, Vector512<float> c10, Vector512<float> c11,
        Vector512<float> c20, Vector512<float> c21, Vector512<float> c30, Vector512<float> c31,
        Vector512<float> c40, Vector512<float> c41, Vector512<float> c50, Vector512<float> c51,
        Vector512<float> c60, Vector512<float> c61, Vector512<float> c70, Vector512<float> c71)
    {
        Store(c, c00, c01, accumulate); c += ldc;
        Store(c, c10, c11, accumulate); c += ldc;
        Store(c, c20, c21, accumulate); c += ldc;
        Store(c, c30, c31, accumulate); c += ldc;
        Store(c, c40, c41, accumulate); c += ldc;
        Store(c, c50, c51, accumulate); c += ldc;
        Store(c, c60, c61, accumulate); c += ldc;
        Store(c, c70, c71, accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector512<float> lo, Vector512<float> hi, bool accumulate)
    {
        if (accumulate)
        {
            lo += Vector512.Load(c);
            hi += Vector512.Load(c + 16);
        }
        Vector512.Store(lo, c);
        Vector512.Store(hi, c + 16);
    }
}

/// <summary>Fills MR-row panels of A: rows ic..ic+mc, columns p0..p0+kc; panel q holds, for each k, the MR values
/// A[ic + q·MR + r, p0 + k] (zero beyond the last row).</summary>
public unsafe interface IPackA
{
    void Pack(int ic, int p0, int mc, int kc, float* dst);
}

/// <summary>Fills NR-column panels of B: rows p0..p0+kc, columns jc..jc+nc; panel j holds, for each k, the NR values
/// B[p0 + k, jc + j·NR + c] (zero beyond the last column).</summary>
public unsafe interface IPackB
{
    void Pack(int p0, int jc, int kc, int nc, float* dst);
}

/// <summary>A stored in memory: A[row, p] at row·lda + p, or at p·lda + row when transposed.</summary>
public readonly unsafe struct MatrixA(float* a, int lda, bool transposed) : IPackA
{
    private const int MR = PackedGemm.MR;

    // Loops run along whichever axis is contiguous in memory; the scattered side is the small panel, already in L1.
    public void Pack(int ic, int p0, int mc, int kc, float* dst)
    {
        for (int q = 0; q < mc; q += MR)
        {
            int rows = Math.Min(MR, mc - q);
            float* panel = dst + q * kc;
            if (rows < MR) new Span<float>(panel, kc * MR).Clear();
            if (transposed)
                for (int p = 0; p < kc; p++)
                {
                    float* src = a + (long)(p0 + p) * lda + ic + q;   // A[row, p] lives at p·lda + row
                    for (int r = 0; r < rows; r++) panel[p * MR + r] = src[r];
                }
            else
                for (int r = 0; r < rows; r++)
                {
                    float* src = a + (long)(ic + q + r) * lda + p0;   // A[row, p] lives at row·lda + p
                    for (int p = 0; p < kc; p++) panel[p * MR + r] = src[p];
                }
        }
    }
}

/// <summary>B stored in memory: B[p, col] at p·ldb + col, or at col·ldb + p when transposed.</summary>
public readonly unsafe struct MatrixB(float* b, int ldb, bool transposed) : IPackB
{
    private const int NR = PackedGemm.NR;

    public void Pack(int p0, int jc, int kc, int nc, float* dst)
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
                    Vector512.Store(Vector512.Load(src), panel + p * NR);
                    Vector512.Store(Vector512.Load(src + 16), panel + p * NR + 16);
                }
                continue;
            }
            if (cols < NR) new Span<float>(panel, kc * NR).Clear();
            if (transposed)
                for (int cc = 0; cc < cols; cc++)
                {
                    float* src = b + (long)(jc + j + cc) * ldb + p0;   // B[p, col] lives at col·ldb + p
                    for (int p = 0; p < kc; p++) panel[p * NR + cc] = src[p];
                }
            else
                for (int p = 0; p < kc; p++)
                {
                    float* src = b + (long)(p0 + p) * ldb + jc + j;
                    for (int cc = 0; cc < cols; cc++) panel[p * NR + cc] = src[cc];
                }
        }
    }
}
