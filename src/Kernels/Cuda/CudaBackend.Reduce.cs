namespace Ect.Kernels.Cuda;

// Sum and max over axes (reduce.cu). x is read in place through two descriptors, the kept axes (output row r) and the
// reduced ones (column c), so no permuted copy is made. Long rows get a block each (split into chunks, and a second
// pass over the partial results, when there are too few rows to fill the GPU); many short rows get a thread each.
public sealed partial class CudaBackend
{
    private static readonly TypedKernel ReduceBlocksKernel = new("reduce", "reduce_blocks");
    private static readonly TypedKernel ReduceThreadsKernel = new("reduce", "reduce_threads");

    /// <summary>Blocks a reduction aims for when it splits rows into chunks (a few per SM of an H100).</summary>
    private const long ReductionBlocksTarget = 1024;

    public Tensor Reduce(ReduceOp op, Tensor x, int[] axes, bool keepDims)
    {
        var reduced = new bool[x.Rank];
        foreach (int a in axes) reduced[a] = true;
        var keptShape = new int[x.Rank];
        List<int> keptAxes = [], reducedAxes = [];
        for (int i = 0; i < x.Rank; i++)
        {
            keptShape[i] = reduced[i] ? 1 : x.Shape[i];
            (reduced[i] ? reducedAxes : keptAxes).Add(i);
            Check.That(op != ReduceOp.Max || !reduced[i] || x.Shape[i] > 0, "Max",
                () => $"cannot take the maximum over axis {i} of size 0 (shape {Check.Fmt(x.Shape.AsSpan())})");
        }
        var output = Empty(keptShape, x.DType);
        long rows = output.Count, cols = rows == 0 ? 0 : x.Count / rows;
        if (rows > 0 && cols == 0) Fill(output, 0);                 // a sum over nothing
        else if (rows > 0)
            ReduceInto(op, x, StridedDescriptor.Axes(x, keptAxes, x.Offset), StridedDescriptor.Axes(x, reducedAxes, 0), rows, cols, output);
        if (keepDims) return output;
        var squeezed = x.Shape.Where((_, i) => !reduced[i]).ToArray();
        var result = View.TryReshape(output, squeezed)!;
        output.Dispose();
        return result;
    }

    /// <summary>output[r] = op over c of x[rowsDesc(r) + colsDesc(c)]; output is contiguous with <paramref name="rows"/> elements.</summary>
    private void ReduceInto(ReduceOp op, Tensor x, StridedDescriptor rowsDesc, StridedDescriptor colsDesc, long rows, long cols, Tensor output)
    {
        if (cols <= 32 || (rows >= 2048 && cols <= 512))
        {
            Launch(ReduceThreadsKernel, x.DType, Blocks(rows), ElementThreads,
                Args().Ptr(Base(x)).Struct(rowsDesc).Struct(colsDesc).Ptr(At(output)).I64(rows).I64(cols).I32((int)op));
            return;
        }
        // Chunks of at least 4096 columns, enough of them to give the GPU ~ReductionBlocksTarget blocks.
        int chunks = (int)Math.Clamp(Math.Min((cols + 4095) / 4096, (ReductionBlocksTarget + rows - 1) / rows), 1, ReductionBlocksTarget);
        if (chunks == 1)
        {
            Launch(ReduceBlocksKernel, x.DType, Blocks(rows, 1), ReductionThreads(cols),
                Args().Ptr(Base(x)).Struct(rowsDesc).Struct(colsDesc).Ptr(At(output)).I64(rows).I64(cols).I32(1).I32((int)op));
            return;
        }
        using var partial = Empty([checked((int)(rows * chunks))], x.DType);
        Launch(ReduceBlocksKernel, x.DType, Blocks(rows * chunks, 1), ReductionThreads(cols),
            Args().Ptr(Base(x)).Struct(rowsDesc).Struct(colsDesc).Ptr(At(partial)).I64(rows).I64(cols).I32(chunks).I32((int)op));
        ReduceInto(op, partial, StridedDescriptor.Line(rows, chunks), StridedDescriptor.Line(chunks, 1), rows, chunks, output);
    }
}
