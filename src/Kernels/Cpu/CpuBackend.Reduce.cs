namespace Ect.Kernels.Cpu;

// Reductions. A reduction is an accumulation of x into an output that is broadcast back to x's shape
// with stride 0 on the reduced axes; walking x row by row, a reduced innermost axis becomes a vector sum (max) of
// the row, and a kept innermost axis becomes a vector add (max) of the row into the output row.
public sealed unsafe partial class CpuBackend
{
    public Tensor Reduce(ReduceOp op, Tensor x, int[] axes, bool keepDims) =>
        x.DType == DType.Float32 ? Reduce<float>(op, x, axes, keepDims) : Reduce<double>(op, x, axes, keepDims);

    private Tensor Reduce<T>(ReduceOp op, Tensor x, int[] axes, bool keepDims) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var reduced = new bool[x.Rank];
        foreach (int a in axes) reduced[a] = true;
        var keptShape = new int[x.Rank];
        for (int i = 0; i < x.Rank; i++) keptShape[i] = reduced[i] ? 1 : x.Shape[i];
        if (op == ReduceOp.Max)
            for (int i = 0; i < x.Rank; i++)
                Check.That(!reduced[i] || x.Shape[i] > 0, "Max", () => $"cannot take the maximum over axis {i} of size 0 (shape {Check.Fmt(x.Shape.AsSpan())})");

        var output = Empty(keptShape, x.DType);
        T init = op == ReduceOp.Sum ? T.Zero : T.NegativeInfinity;
        Fill<T>(output, init);
        var outStrides = output.Strides.ToArray();
        for (int i = 0; i < x.Rank; i++) if (reduced[i]) outStrides[i] = 0;
        var rows = new StridedRows(x.Shape.AsSpan(), [outStrides, x.Strides.ToArray()], [0, x.Offset]);
        var os = (HostStorage<T>)output.Storage; var xs = (HostStorage<T>)x.Storage;
        int n = rows.RowLength, so = rows.RowStride(0), sx = rows.RowStride(1);
        bool sum = op == ReduceOp.Sum;
        Action<int[]> row = o =>
        {
            var d = os.Span; var s = xs.Span;
            if (so == 0 && sx == 1)
            {
                var r = (ReadOnlySpan<T>)s.Slice(o[1], n);
                d[o[0]] = sum ? d[o[0]] + TensorPrimitives.Sum(r) : T.Max(d[o[0]], TensorPrimitives.Max(r));
            }
            else if (so == 1 && sx == 1)
            {
                var dr = d.Slice(o[0], n);
                if (sum) TensorPrimitives.Add(dr, s.Slice(o[1], n), dr);
                else TensorPrimitives.Max(dr, s.Slice(o[1], n), dr);
            }
            else
                for (int i = 0; i < n; i++)
                {
                    ref T acc = ref d[o[0] + i * so];
                    T v = s[o[1] + i * sx];
                    acc = sum ? acc + v : T.Max(acc, v);
                }
        };
        // Rows write disjoint outputs only when every row's output is its own: the reduced axes are all inside the
        // row. Then split across cores; otherwise accumulate on one core (the rows are long vector ops anyway).
        bool rowsDisjoint = so == 0 && rows.Strides[0].Take(rows.Shape.Length - 1).All(s => s != 0);
        if (rowsDisjoint) rows.ForAllRows(row);
        else rows.ForRows(0, rows.RowCount, row);

        if (keepDims) return output;
        var squeezed = x.Shape.Where((_, i) => !reduced[i]).ToArray();
        var result = View.TryReshape(output, squeezed)!;
        output.Dispose();
        return result;
    }
}
