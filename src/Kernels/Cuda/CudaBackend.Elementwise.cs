namespace Ect.Kernels.Cuda;

// Elementwise primitives (elementwise.cu): inputs as strided descriptors over the output's shape (broadcast axes have
// stride 0, so views and broadcasts need no copies), outputs new and contiguous, one thread per element.
public sealed partial class CudaBackend
{
    private static readonly TypedKernel UnaryKernel = new("elementwise", "unary");
    private static readonly TypedKernel BinaryKernel = new("elementwise", "binary");
    private static readonly TypedKernel BinaryScalarKernel = new("elementwise", "binary_scalar");
    private static readonly TypedKernel WhereKernel = new("elementwise", "where");
    private static readonly TypedKernel ClampKernel = new("elementwise", "clamp");
    private static readonly TypedKernel NanToNumKernel = new("elementwise", "nan_to_num");
    private static readonly TypedKernel SiluBackwardKernel = new("elementwise", "silu_backward");
    private static readonly TypedKernel FillKernel = new("elementwise", "fill");
    // Named by the source dtype; the instantiation picked is the destination's.
    private static readonly TypedKernel CopyFromF32Kernel = new("elementwise", "copy_f32");
    private static readonly TypedKernel CopyFromF64Kernel = new("elementwise", "copy_f64");

    public Tensor Unary(UnaryOp op, Tensor x)
    {
        var y = Empty(x.Shape.AsSpan(), x.DType);
        long n = y.Count;
        if (n == 0) return y;
        var d = StridedDescriptor.Broadcast(y.Shape.AsSpan(), x);
        Launch(UnaryKernel, x.DType, Blocks(n), ElementThreads, Args().Ptr(Base(x)).Struct(d[0]).Ptr(At(y)).I64(n).I32((int)op));
        return y;
    }

    public Tensor SiluBackward(Tensor x, Tensor dy)
    {
        var dx = Empty(x.Shape.AsSpan(), x.DType);
        long n = dx.Count;
        if (n == 0) return dx;
        var d = StridedDescriptor.Broadcast(dx.Shape.AsSpan(), x, dy);
        Launch(SiluBackwardKernel, x.DType, Blocks(n), ElementThreads,
            Args().Ptr(Base(x)).Struct(d[0]).Ptr(Base(dy)).Struct(d[1]).Ptr(At(dx)).I64(n));
        return dx;
    }

    public Tensor Binary(BinaryOp op, Tensor x, Tensor y)
    {
        var shape = Shapes.Broadcast(op.ToString(), x.Shape.AsSpan(), y.Shape.AsSpan());
        var z = Empty(shape, x.DType);
        long n = z.Count;
        if (n == 0) return z;
        var d = StridedDescriptor.Broadcast(shape, x, y);
        Launch(BinaryKernel, x.DType, Blocks(n), ElementThreads,
            Args().Ptr(Base(x)).Struct(d[0]).Ptr(Base(y)).Struct(d[1]).Ptr(At(z)).I64(n).I32((int)op));
        return z;
    }

    public Tensor BinaryScalar(BinaryOp op, Tensor x, double s, bool scalarFirst = false)
    {
        var z = Empty(x.Shape.AsSpan(), x.DType);
        long n = z.Count;
        if (n == 0) return z;
        var d = StridedDescriptor.Broadcast(z.Shape.AsSpan(), x);
        Launch(BinaryScalarKernel, x.DType, Blocks(n), ElementThreads,
            Args().Ptr(Base(x)).Struct(d[0]).Real(x.DType, s).Ptr(At(z)).I64(n).I32((int)op).I32(scalarFirst ? 1 : 0));
        return z;
    }

    public Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        var shape = Shapes.Broadcast("Where", Shapes.Broadcast("Where", condition.Shape.AsSpan(), a.Shape.AsSpan()), b.Shape.AsSpan());
        var z = Empty(shape, a.DType);
        long n = z.Count;
        if (n == 0) return z;
        var d = StridedDescriptor.Broadcast(shape, condition, a, b);
        Launch(WhereKernel, a.DType, Blocks(n), ElementThreads,
            Args().Ptr(Base(condition)).Struct(d[0]).Ptr(Base(a)).Struct(d[1]).Ptr(Base(b)).Struct(d[2]).Ptr(At(z)).I64(n));
        return z;
    }

    public Tensor Clamp(Tensor x, double lo, double hi)
    {
        var z = Empty(x.Shape.AsSpan(), x.DType);
        long n = z.Count;
        if (n == 0) return z;
        var d = StridedDescriptor.Broadcast(z.Shape.AsSpan(), x);
        Launch(ClampKernel, x.DType, Blocks(n), ElementThreads,
            Args().Ptr(Base(x)).Struct(d[0]).Real(x.DType, lo).Real(x.DType, hi).Ptr(At(z)).I64(n));
        return z;
    }

    public Tensor NanToNum(Tensor x, double nan, double posInf, double negInf)
    {
        var z = Empty(x.Shape.AsSpan(), x.DType);
        long n = z.Count;
        if (n == 0) return z;
        var d = StridedDescriptor.Broadcast(z.Shape.AsSpan(), x);
        Launch(NanToNumKernel, x.DType, Blocks(n), ElementThreads,
            Args().Ptr(Base(x)).Struct(d[0]).Real(x.DType, nan).Real(x.DType, posInf).Real(x.DType, negInf).Ptr(At(z)).I64(n));
        return z;
    }

    public void Fill(Tensor destination, double value)
    {
        long n = destination.Count;
        if (n == 0) return;
        var d = StridedDescriptor.Broadcast(destination.Shape.AsSpan(), destination);
        Launch(FillKernel, destination.DType, Blocks(n), ElementThreads,
            Args().Ptr(Base(destination)).Struct(d[0]).Real(destination.DType, value).I64(n));
    }

    /// <summary>A device-to-device strided copy, casting when the dtypes differ (the part of Copy that needs a kernel).
    /// The destination must not overlap the source.</summary>
    private void CopyOnDevice(Tensor source, Tensor destination)
    {
        long n = destination.Count;
        if (n == 0) return;
        var d = StridedDescriptor.Broadcast(destination.Shape.AsSpan(), source, destination);
        Launch(source.DType == DType.Float32 ? CopyFromF32Kernel : CopyFromF64Kernel, destination.DType, Blocks(n), ElementThreads,
            Args().Ptr(Base(source)).Struct(d[0]).Ptr(Base(destination)).Struct(d[1]).I64(n));
    }
}
