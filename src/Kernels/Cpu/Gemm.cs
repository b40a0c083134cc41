using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Ect.Kernels.Cpu;

/// <summary>
/// C[M, N] (+)= A[M, K] · B[K, N] on row-major spans with leading dimensions. A may be stored transposed
/// (A[m, k] at a[k·lda + m]); B may be stored transposed (B[k, n] at b[n·ldb + k]).
/// float32 goes to a packed, register-tiled kernel: <see cref="PackedGemm"/> (AVX-512), else
/// <see cref="PackedGemmAvx2"/> (AVX2 + FMA). Everything else (float64, tiny products, other machines) uses the
/// straightforward vectorized kernel below: four rows of C at a time, each B row loaded once per four FMAs
/// (B row-major), or vectorized dot products along k (B transposed).
/// </summary>
public static class Gemm
{
    public static void Multiply<T>(int m, int n, int k,
        ReadOnlySpan<T> a, int lda, bool transposeA,
        ReadOnlySpan<T> b, int ldb, bool transposeB,
        Span<T> c, int ldc, bool accumulate)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        // float32 products big enough to fill a few tiles take a packed kernel: AVX-512 where there is one, else AVX2.
        if (typeof(T) == typeof(float) && (PackedGemm.IsSupported || PackedGemmAvx2.IsSupported) && (long)m * n * k >= 4096)
        {
            ReadOnlySpan<float> af = MemoryMarshal.Cast<T, float>(a), bf = MemoryMarshal.Cast<T, float>(b);
            Span<float> cf = MemoryMarshal.Cast<T, float>(c);
            if (PackedGemm.IsSupported) PackedGemm.Multiply(m, n, k, af, lda, transposeA, bf, ldb, transposeB, cf, ldc, accumulate);
            else PackedGemmAvx2.Multiply(m, n, k, af, lda, transposeA, bf, ldb, transposeB, cf, ldc, accumulate);
            return;
        }
        if (!accumulate)
            for (int i = 0; i < m; i++) c.Slice(i * ldc, n).Clear();
        if (k == 0) return;
        if (transposeB) DotForm(m, n, k, a, lda, transposeA, b, ldb, c, ldc);
        else AxpyForm(m, n, k, a, lda, transposeA, b, ldb, c, ldc);
    }

    // c[i, :] += Σ_k a[i, k] · b[k, :], four rows of C per pass over B.
    private static void AxpyForm<T>(int m, int n, int k, ReadOnlySpan<T> a, int lda, bool transposeA,
        ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int i = 0;
        for (; i + 4 <= m; i += 4)
        {
            var c0 = c.Slice(i * ldc, n); var c1 = c.Slice((i + 1) * ldc, n);
            var c2 = c.Slice((i + 2) * ldc, n); var c3 = c.Slice((i + 3) * ldc, n);
            for (int p = 0; p < k; p++)
            {
                T a0 = A(a, lda, transposeA, i, p), a1 = A(a, lda, transposeA, i + 1, p);
                T a2 = A(a, lda, transposeA, i + 2, p), a3 = A(a, lda, transposeA, i + 3, p);
                Axpy4(b.Slice(p * ldb, n), a0, a1, a2, a3, c0, c1, c2, c3);
            }
        }
        for (; i < m; i++)
        {
            var ci = c.Slice(i * ldc, n);
            for (int p = 0; p < k; p++)
            {
                T ai = A(a, lda, transposeA, i, p);
                if (ai != T.Zero || T.IsNaN(ai)) TensorPrimitives.MultiplyAdd(b.Slice(p * ldb, n), ai, ci, ci);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static T A<T>(ReadOnlySpan<T> a, int lda, bool transposed, int row, int col) where T : unmanaged =>
        transposed ? a[col * lda + row] : a[row * lda + col];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Axpy4<T>(ReadOnlySpan<T> bRow, T a0, T a1, T a2, T a3, Span<T> c0, Span<T> c1, Span<T> c2, Span<T> c3)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int j = 0, n = bRow.Length;
        if (Vector512.IsHardwareAccelerated)
        {
            var v0 = Vector512.Create(a0); var v1 = Vector512.Create(a1);
            var v2 = Vector512.Create(a2); var v3 = Vector512.Create(a3);
            for (; j <= n - Vector512<T>.Count; j += Vector512<T>.Count)
            {
                var bv = Vector512.Create(bRow[j..]);
                (Vector512.Create((ReadOnlySpan<T>)c0[j..]) + v0 * bv).CopyTo(c0[j..]);
                (Vector512.Create((ReadOnlySpan<T>)c1[j..]) + v1 * bv).CopyTo(c1[j..]);
                (Vector512.Create((ReadOnlySpan<T>)c2[j..]) + v2 * bv).CopyTo(c2[j..]);
                (Vector512.Create((ReadOnlySpan<T>)c3[j..]) + v3 * bv).CopyTo(c3[j..]);
            }
        }
        else if (Vector256.IsHardwareAccelerated)
        {
            var v0 = Vector256.Create(a0); var v1 = Vector256.Create(a1);
            var v2 = Vector256.Create(a2); var v3 = Vector256.Create(a3);
            for (; j <= n - Vector256<T>.Count; j += Vector256<T>.Count)
            {
                var bv = Vector256.Create(bRow[j..]);
                (Vector256.Create((ReadOnlySpan<T>)c0[j..]) + v0 * bv).CopyTo(c0[j..]);
                (Vector256.Create((ReadOnlySpan<T>)c1[j..]) + v1 * bv).CopyTo(c1[j..]);
                (Vector256.Create((ReadOnlySpan<T>)c2[j..]) + v2 * bv).CopyTo(c2[j..]);
                (Vector256.Create((ReadOnlySpan<T>)c3[j..]) + v3 * bv).CopyTo(c3[j..]);
            }
        }
        for (; j < n; j++)
        {
            T bv = bRow[j];
            c0[j] += a0 * bv; c1[j] += a1 * bv; c2[j] += a2 * bv; c3[j] += a3 * bv;
        }
    }

    // c[i, j] += dot(a[i, :], bT[j, :]); A is copied to row-major rows first when it is stored transposed.
    private static void DotForm<T>(int m, int n, int k, ReadOnlySpan<T> a, int lda, bool transposeA,
        ReadOnlySpan<T> b, int ldb, Span<T> c, int ldc) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T[]? row = transposeA ? BufferPool<T>.Rent(k) : null;
        for (int i = 0; i < m; i++)
        {
            ReadOnlySpan<T> ai;
            if (row is null) ai = a.Slice(i * lda, k);
            else
            {
                for (int p = 0; p < k; p++) row[p] = a[p * lda + i];
                ai = row.AsSpan(0, k);
            }
            var ci = c.Slice(i * ldc, n);
            for (int j = 0; j < n; j++) ci[j] += TensorPrimitives.Dot(ai, b.Slice(j * ldb, k));
        }
        if (row is not null) BufferPool<T>.Return(row);
    }
}
