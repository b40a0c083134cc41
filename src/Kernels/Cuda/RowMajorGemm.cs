namespace Ect.Kernels.Cuda;

/// <summary>One column-major (BLAS) strided-batched GEMM call: C_i = α·op(A_i)·op(B_i) + β·C_i, op(A_i) m×k,
/// op(B_i) k×n, C_i m×n, each matrix stored by columns with its leading dimension.</summary>
internal readonly record struct ColumnMajorGemm(
    bool TransA, bool TransB, int M, int N, int K,
    ulong A, int Lda, long StrideA, ulong B, int Ldb, long StrideB, ulong C, int Ldc, long StrideC, int Batch);

/// <summary>
/// Our tensors are row-major; cuBLAS is column-major. A contiguous row-major [R, C] buffer read column-major with
/// leading dimension C *is* its transpose, so row-major C = op(A)·op(B) is column-major Cᵀ = op(B)ᵀ·op(A)ᵀ: swap the
/// operands and m/n, keep each operand's transpose flag, and use row lengths as leading dimensions (GPU.md §4.2).
/// Pure arithmetic, tested against a column-major reference GEMM without a GPU.
/// </summary>
internal static class RowMajorGemm
{
    /// <summary>Row-major C_i[m,n] = op(A_i)·op(B_i): A_i stored [m,k] ([k,m] if transA), B_i stored [k,n] ([n,k] if
    /// transB), contiguous rows; stride 0 broadcasts an operand.</summary>
    public static ColumnMajorGemm Map(bool transA, bool transB, int m, int n, int k,
                                      ulong a, long strideA, ulong b, long strideB, ulong c, long strideC, int batch)
    {
        if (m < 0 || n < 0 || k < 0 || batch < 0)
            throw new ArgumentOutOfRangeException(nameof(m), $"Gemm: sizes must be non-negative (m {m}, n {n}, k {k}, batch {batch})");
        if (strideC == 0 && batch > 1)
            throw new ArgumentException("Gemm: the output cannot be broadcast (strideC is 0 with more than one batch)", nameof(strideC));
        int rowLengthA = transA ? m : k, rowLengthB = transB ? k : n;
        // Leading dimensions must be ≥ 1 even for empty matrices.
        return new ColumnMajorGemm(transB, transA, n, m, k,
            b, Math.Max(1, rowLengthB), strideB, a, Math.Max(1, rowLengthA), strideA, c, Math.Max(1, n), strideC, batch);
    }
}
