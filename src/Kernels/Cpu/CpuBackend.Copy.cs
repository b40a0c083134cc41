namespace Ect.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void Copy(Tensor source, Tensor destination)
    {
        Check.That(Shapes.Equal(source.Shape.AsSpan(), destination.Shape.AsSpan()), "Copy",
            () => $"source {Check.Fmt(source.Shape.AsSpan())} and destination {Check.Fmt(destination.Shape.AsSpan())} differ in shape");
        switch (source.DType, destination.DType)
        {
            case (DType.Float32, DType.Float32): CopyCast<float, float>(source, destination); break;
            case (DType.Float64, DType.Float64): CopyCast<double, double>(source, destination); break;
            case (DType.Float32, DType.Float64): CopyCast<float, double>(source, destination); break;
            default: CopyCast<double, float>(source, destination); break;
        }
    }

    private static void CopyCast<TFrom, TTo>(Tensor source, Tensor destination)
        where TFrom : unmanaged, INumberBase<TFrom> where TTo : unmanaged, INumberBase<TTo>
    {
        var shape = destination.Shape.AsSpan();
        var rows = new StridedRows(shape, [destination.Strides.ToArray(), StridedRows.BroadcastStrides(source, shape)],
            [destination.Offset, source.Offset]);
        var src = source.Storage as HostStorage<TFrom> ?? throw new InvalidOperationException("Copy: source is not on the CPU");
        var dst = destination.Storage as HostStorage<TTo> ?? throw new InvalidOperationException("Copy: destination is not on the CPU");
        int n = rows.RowLength, sd = rows.RowStride(0), ss = rows.RowStride(1);
        rows.ForAllRows(o =>
        {
            var d = dst.Span; var s = src.Span;
            if (typeof(TFrom) == typeof(TTo) && sd == 1 && ss == 1)
                System.Runtime.InteropServices.MemoryMarshal.Cast<TFrom, TTo>(s.Slice(o[1], n)).CopyTo(d.Slice(o[0], n));
            else if (sd == 1 && ss == 0)
                d.Slice(o[0], n).Fill(TTo.CreateTruncating(s[o[1]]));   // a broadcast row, e.g. the gradient of a sum
            else
                for (int i = 0; i < n; i++) d[o[0] + i * sd] = TTo.CreateTruncating(s[o[1] + i * ss]);
        });
    }

    public void Fill(Tensor destination, double value)
    {
        if (destination.DType == DType.Float32) Fill<float>(destination, (float)value);
        else Fill<double>(destination, value);
    }

    private static void Fill<T>(Tensor destination, T value) where T : unmanaged
    {
        var rows = new StridedRows(destination.Shape.AsSpan(), [destination.Strides.ToArray()], [destination.Offset]);
        var dst = (HostStorage<T>)destination.Storage;
        int n = rows.RowLength, stride = rows.RowStride(0);
        rows.ForAllRows(o =>
        {
            var d = dst.Span;
            if (stride == 1) d.Slice(o[0], n).Fill(value);
            else for (int i = 0; i < n; i++) d[o[0] + i * stride] = value;
        });
    }
}
