namespace Ect.Kernels.Cuda;

// Batched matrix products through cuBLAS (CudaContext.Gemm: row-major, strided-batched). cuBLAS takes one batch
// stride per operand and matrices with contiguous rows, so an operand is passed in place when its matrices are
// row-major or transposed row-major (the transpose folds into the GEMM's flag) and its batch axes flatten to one
// stride (0 when broadcast over the whole batch); anything else is first copied to a contiguous [batch…, rows, cols].
public sealed partial class CudaBackend
{
    public Tensor MatMul(Tensor a, Tensor b, bool transposeA = false, bool transposeB = false)
    {
        int ra = a.Rank, rb = b.Rank;
        int m = transposeA ? a.Shape[ra - 1] : a.Shape[ra - 2], k = transposeA ? a.Shape[ra - 2] : a.Shape[ra - 1];
        int n = transposeB ? b.Shape[rb - 2] : b.Shape[rb - 1];
        var batch = Shapes.Broadcast("MatMul", a.Shape.AsSpan(0, ra - 2), b.Shape.AsSpan(0, rb - 2));
        var c = Empty([.. batch, m, n], a.DType);
        if (c.Count == 0) return c;
        if (k == 0) { Fill(c, 0); return c; }                     // an empty sum
        var (aData, aT, aStride) = GemmOperand(a, transposeA, batch);
        var (bData, bT, bStride) = GemmOperand(b, transposeB, batch);
        Context.Gemm(aT, bT, m, n, k, 1.0, At(aData), aStride, At(bData), bStride, 0.0, At(c), (long)m * n,
            checked((int)Shapes.Count(batch)), a.DType);
        BackendOperands.DisposeIfCopy(aData, a); BackendOperands.DisposeIfCopy(bData, b);
        return c;
    }

    /// <summary>How cuBLAS reads an operand: the tensor (x itself or a contiguous copy), whether its stored matrices
    /// are to be transposed (the op's flag composed with the storage order) and its one batch stride.</summary>
    private (Tensor Data, bool Transposed, long BatchStride) GemmOperand(Tensor x, bool transposeRequested, int[] batch)
    {
        int r = x.Rank, d0 = x.Shape[r - 2], d1 = x.Shape[r - 1], s0 = x.Strides[r - 2], s1 = x.Strides[r - 1];
        bool rowMajor = (s1 == 1 || d1 == 1) && (s0 == d1 || d0 == 1);
        bool colMajor = (s0 == 1 || d0 == 1) && (s1 == d0 || d1 == 1);
        long? stride = rowMajor || colMajor ? FlatBatchStride(x, batch) : null;
        if (stride is long s) return (x, rowMajor ? transposeRequested : !transposeRequested, s);
        var expanded = View.Expand(x, [.. batch, d0, d1]);
        var copy = Empty(expanded.Shape.AsSpan(), x.DType);
        CopyOnDevice(expanded, copy);
        expanded.Dispose();
        return (copy, transposeRequested, (long)d0 * d1);
    }

    /// <summary>The single stride that steps x from one matrix to the next over the flattened broadcast batch, or null
    /// when x's batch axes (right-aligned to <paramref name="batch"/>, 0 where broadcast) do not flatten to one.</summary>
    private static long? FlatBatchStride(Tensor x, int[] batch)
    {
        int lead = batch.Length - (x.Rank - 2);
        long? flat = null;
        long inner = 1;                                      // matrices per step of the current axis
        for (int i = batch.Length - 1; i >= 0; i--)
        {
            if (batch[i] == 1) continue;
            long stride = i < lead || x.Shape[i - lead] == 1 ? 0 : x.Strides[i - lead];
            flat ??= stride;                                 // the innermost axis that is not size 1 fixes it
            if (stride != flat * inner) return null;
            inner *= batch[i];
        }
        return flat ?? 0;
    }
}
