namespace Ect.Kernels.Cpu;

// Softmax along one axis, and its backward pass. Each row along the axis is independent: the axis is brought last and
// made contiguous, so a row is a span that stays in L1 while three vector passes run over it and memory sees one read
// of each input and one write of the result. float32 rows take their exp from FastMath.
public sealed unsafe partial class CpuBackend
{
    public Tensor Softmax(Tensor x, int axis) =>
        x.DType == DType.Float32 ? AlongAxis<float>(x, null, axis, SoftmaxRow) : AlongAxis<double>(x, null, axis, SoftmaxRow);

    public Tensor SoftmaxBackward(Tensor y, Tensor dy, int axis) =>
        y.DType == DType.Float32 ? AlongAxis<float>(y, dy, axis, SoftmaxBackwardRow) : AlongAxis<double>(y, dy, axis, SoftmaxBackwardRow);

    // y = exp(x − max) / Σ exp(x − max). Subtracting the max keeps exp from overflowing; a row holding NaN or +∞
    // gives NaN, as PyTorch does.
    private static void SoftmaxRow<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> unused, Span<T> y) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T max = TensorPrimitives.Max(x);
        T sum;
        if (typeof(T) == typeof(float))
            sum = T.CreateTruncating(FastMath.ExpSum(AsFloats(x), float.CreateTruncating(max), AsFloats(y)));
        else
        {
            TensorPrimitives.Subtract(x, max, y);
            TensorPrimitives.Exp(y, y);
            sum = TensorPrimitives.Sum((ReadOnlySpan<T>)y);
        }
        TensorPrimitives.Multiply(y, T.One / sum, y);
    }

    // dx = y·(dy − Σ dy·y): the Jacobian of softmax, diag(y) − y·yᵀ, applied to dy.
    private static void SoftmaxBackwardRow<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> dy, Span<T> dx) where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        TensorPrimitives.AddMultiply(dy, -TensorPrimitives.Dot(dy, y), y, dx);

    private delegate void RowKernel<T>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> result);

    /// <summary>Runs <paramref name="kernel"/> on every row of a (and b, which has a's shape, or is null and then
    /// passed as an empty span) along <paramref name="axis"/>, writing a result of a's shape.</summary>
    private Tensor AlongAxis<T>(Tensor a, Tensor? b, int axis, RowKernel<T> kernel) where T : unmanaged
    {
        // Bring the axis last so every row is contiguous, then put the axes back; the swap is its own inverse.
        int last = a.Rank - 1;
        bool moved = axis != last;
        var order = View.SwapAxesOrder(a.Rank, axis, last);
        var (aRows, aView) = RowsLast(a, moved, order);
        var (bRows, bView) = b is null ? (null, null) : RowsLast(b, moved, order);
        var result = Empty(aRows.Shape.AsSpan(), a.DType);
        int n = a.Shape[axis], ao = aRows.Offset, bo = bRows?.Offset ?? 0;
        long rowCount = n == 0 ? 0 : a.Count / n;
        var sa = (HostStorage<T>)aRows.Storage; var sb = (HostStorage<T>?)bRows?.Storage; var sr = (HostStorage<T>)result.Storage;
        Threads.For(rowCount, n * 8L, (from, to) =>
        {
            for (long r = from; r < to; r++)
            {
                int start = (int)(r * n);
                kernel(sa.Span.Slice(ao + start, n), sb is null ? default : sb.Span.Slice(bo + start, n), sr.Span.Slice(start, n));
            }
        });
        void Release(Tensor rows, Tensor view)
        {
            BackendOperands.DisposeIfCopy(rows, view);
            if (moved) view.Dispose();
        }
        Release(aRows, aView);
        if (bRows is not null) Release(bRows, bView!);
        if (!moved) return result;
        var back = View.Permute(result, order);
        result.Dispose();
        var dense = this.Dense(back);
        if (!ReferenceEquals(dense, back)) back.Dispose();
        return dense;
    }

    // t with its axes permuted by order (when moved) and made contiguous: (the contiguous rows, the permuted view).
    private (Tensor Rows, Tensor View) RowsLast(Tensor t, bool moved, int[] order)
    {
        var view = moved ? View.Permute(t, order) : t;
        return (this.Dense(view), view);
    }
}
