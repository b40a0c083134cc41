namespace Ect.Kernels.Cuda;

// Softmax along any axis and its backward pass (softmax.cu), one block per row. A row's start comes from a descriptor
// over the other axes and its elements from the axis stride, so a view needs no copy; the output is contiguous in the
// input's shape.
public sealed partial class CudaBackend
{
    private static readonly TypedKernel SoftmaxKernel = new("softmax", "softmax");
    private static readonly TypedKernel SoftmaxBackwardKernel = new("softmax", "softmax_backward");

    public Tensor Softmax(Tensor x, int axis)
    {
        axis = axis < 0 ? axis + x.Rank : axis;
        var y = Empty(x.Shape.AsSpan(), x.DType);
        var (others, rowCount, n) = RowsAlong(x, axis);
        if (rowCount == 0 || n == 0) return y;
        Launch(SoftmaxKernel, x.DType, Blocks(rowCount, 1), ReductionThreads(n),
            Args().Ptr(Base(x)).Struct(StridedDescriptor.Axes(x, others, x.Offset)).I64(x.Strides[axis])
                  .Ptr(Base(y)).Struct(StridedDescriptor.Axes(y, others, 0)).I64(y.Strides[axis])
                  .I64(rowCount).I32(n));
        return y;
    }

    public Tensor SoftmaxBackward(Tensor y, Tensor dy, int axis)
    {
        axis = axis < 0 ? axis + y.Rank : axis;
        var dx = Empty(y.Shape.AsSpan(), y.DType);
        var (others, rowCount, n) = RowsAlong(y, axis);
        if (rowCount == 0 || n == 0) return dx;
        Launch(SoftmaxBackwardKernel, y.DType, Blocks(rowCount, 1), ReductionThreads(n),
            Args().Ptr(Base(y)).Struct(StridedDescriptor.Axes(y, others, y.Offset)).I64(y.Strides[axis])
                  .Ptr(Base(dy)).Struct(StridedDescriptor.Axes(dy, others, dy.Offset)).I64(dy.Strides[axis])
                  .Ptr(Base(dx)).Struct(StridedDescriptor.Axes(dx, others, 0)).I64(dx.Strides[axis])
                  .I64(rowCount).I32(n));
        return dx;
    }

    // The axes other than `axis` (a row is one position in them), how many rows, and the row length.
    private static (int[] Others, long Rows, int Length) RowsAlong(Tensor t, int axis)
    {
        var others = Enumerable.Range(0, t.Rank).Where(a => a != axis).ToArray();
        int n = t.Shape[axis];
        return (others, n == 0 ? 0 : t.Count / n, n);
    }
}
