namespace Ect.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    public Tensor MatMul(Tensor a, Tensor b, bool transposeA = false, bool transposeB = false) =>
        a.DType == DType.Float32 ? MatMul<float>(a, b, transposeA, transposeB) : MatMul<double>(a, b, transposeA, transposeB);

    private Tensor MatMul<T>(Tensor a, Tensor b, bool transposeA, bool transposeB) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int ra = a.Rank, rb = b.Rank;
        int m = transposeA ? a.Shape[ra - 1] : a.Shape[ra - 2], k = transposeA ? a.Shape[ra - 2] : a.Shape[ra - 1];
        int n = transposeB ? b.Shape[rb - 2] : b.Shape[rb - 1];
        var batch = Shapes.Broadcast("MatMul", a.Shape.AsSpan(0, ra - 2), b.Shape.AsSpan(0, rb - 2));
        var outShape = batch.Append(m).Append(n).ToArray();
        var c = Empty(outShape, a.DType);
        long batches = Shapes.Count(batch);

        // Each operand's matrices must have unit stride along one of their two axes; otherwise copy once.
        var (aData, aLd, aT, aBatchStrides, aOffset, aOwned) = MatrixOperand(a, transposeA, batch);
        var (bData, bLd, bT, bBatchStrides, bOffset, bOwned) = MatrixOperand(b, transposeB, batch);
        var aStore = (HostStorage<T>)aData.Storage; var bStore = (HostStorage<T>)bData.Storage; var cStore = (HostStorage<T>)c.Storage;

        // Work items are (batch, range of rows of C). With fewer matrices than cores each matrix is split by rows so
        // every core has work; each item packs its own copy of B, which costs K·N reads against 2·rows·K·N flops.
        int splits = batches >= Threads.Count ? 1 : (int)((Threads.Count + batches - 1) / batches);
        int rowsPerSplit = (m + splits - 1) / splits;
        int rowsPerItem = Math.Max(PackedGemm.MR, (rowsPerSplit + PackedGemm.MR - 1) / PackedGemm.MR * PackedGemm.MR);
        int itemsPerMatrix = Math.Max(1, (m + rowsPerItem - 1) / rowsPerItem);
        Threads.For(batches * itemsPerMatrix, (long)rowsPerItem * n * k, (from, to) =>
        {
            for (long item = from; item < to; item++)
            {
                long bi = item / itemsPerMatrix;
                int row0 = (int)(item % itemsPerMatrix) * rowsPerItem, rows = Math.Min(rowsPerItem, m - row0);
                if (rows <= 0) continue;
                int ao = aOffset + BatchOffset(bi, batch, aBatchStrides), bo = bOffset + BatchOffset(bi, batch, bBatchStrides);
                int co = (int)(bi * m * n) + row0 * n;
                // Rows row0.. of A start row0 rows in (or row0 columns in, when stored transposed).
                int aStart = ao + (aT ? row0 : row0 * aLd);
                Gemm.Multiply<T>(rows, n, k, aStore.Span[aStart..], aLd, aT, bStore.Span[bo..], bLd, bT, cStore.Span[co..], n, accumulate: false);
            }
        });
        if (aOwned) aData.Dispose();
        if (bOwned) bData.Dispose();
        return c;
    }

    /// <summary>How a kernel reads an operand's matrices: the tensor (maybe a contiguous copy), leading dimension,
    /// whether stored transposed, per-batch-axis strides (0 where broadcast) and the base offset.</summary>
    private (Tensor Data, int Ld, bool Transposed, int[] BatchStrides, int Offset, bool Owned) MatrixOperand(Tensor x, bool transposeRequested, int[] batch)
    {
        int r = x.Rank;
        int s0 = x.Strides[r - 2], s1 = x.Strides[r - 1], d0 = x.Shape[r - 2], d1 = x.Shape[r - 1];
        Tensor data = x; bool owned = false;
        bool rowMajor = s1 == 1 || d1 == 1, colMajor = s0 == 1 || d0 == 1;
        int ld; bool storedTransposed;
        if (rowMajor && (d0 == 1 || s0 >= d1)) { ld = d0 == 1 ? Math.Max(d1, 1) : s0; storedTransposed = false; }
        else if (colMajor && (d1 == 1 || s1 >= d0)) { ld = d1 == 1 ? Math.Max(d0, 1) : s1; storedTransposed = true; }
        else
        {
            data = this.Dense(x); owned = !ReferenceEquals(data, x);
            ld = Math.Max(d1, 1); storedTransposed = false;
        }
        // The op's transpose flag composes with how the matrix is stored.
        bool transposed = storedTransposed ^ transposeRequested;
        // Batch axes: the operand's own strides, right-aligned to the broadcast batch shape, 0 where broadcast.
        var batchStrides = new int[batch.Length];
        for (int i = 0, lead = batch.Length - (r - 2); i < r - 2; i++)
            batchStrides[lead + i] = data.Shape[i] == 1 ? 0 : data.Strides[i];
        return (data, ld, transposed, batchStrides, data.Offset, owned);
    }

    private static int BatchOffset(long index, int[] batch, int[] strides)
    {
        int offset = 0;
        for (int d = batch.Length - 1; d >= 0; d--)
        {
            offset += (int)(index % batch[d]) * strides[d];
            index /= batch[d];
        }
        return offset;
    }
}
