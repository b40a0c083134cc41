namespace Ect.Kernels.Cpu;

// conv2d as im2col + GEMM, one image at a time per core: the column buffer of one image ([Cin·Kh·Kw, Ho·Wo]) stays
// small and comes from the pool. A 1×1, stride-1, unpadded conv skips im2col: the image already is the column matrix.
// The CPU-speed issue replaces this with implicit GEMM (packing fused into the GEMM) behind the same methods.
public sealed unsafe partial class CpuBackend
{
    private static ConvShape Geometry(ReadOnlySpan<int> x, ReadOnlySpan<int> w, Conv2dGeometry g) =>
        new(x[0], x[1], x[2], x[3], w[0], w[2], w[3], g.OutputSize(x[2], w[2]), g.OutputSize(x[3], w[3]), g.Stride, g.Padding);

    public Tensor Conv2d(Tensor x, Tensor w, Tensor? bias, Conv2dGeometry geometry) =>
        x.DType == DType.Float32 ? Conv2d<float>(x, w, bias, geometry) : Conv2d<double>(x, w, bias, geometry);

    private Tensor Conv2d<T>(Tensor x, Tensor w, Tensor? bias, Conv2dGeometry geometry) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var s = Geometry(x.Shape.AsSpan(), w.Shape.AsSpan(), geometry);
        if (typeof(T) == typeof(float) && PackedGemm.IsSupported) return ImplicitConv2d(x, w, bias, s);
        var input = this.Dense(x); var weight = this.Dense(w); var b = bias is null ? null : this.Dense(bias);
        var y = Empty([s.N, s.Cout, s.Ho, s.Wo], x.DType);
        var xs = (HostStorage<T>)input.Storage; var ws = (HostStorage<T>)weight.Storage; var ys = (HostStorage<T>)y.Storage;
        var bs = (HostStorage<T>?)b?.Storage;
        int xo = input.Offset, wo = weight.Offset, bo = b?.Offset ?? 0;
        Threads.For(s.N, 2L * s.Cout * s.ColRows * s.ColCols, (from, to) =>
        {
            T[]? col = s.IsPointwise ? null : BufferPool<T>.Rent(s.ColRows * s.ColCols);
            for (long n = from; n < to; n++)
            {
                int image = xo + (int)n * s.Cin * s.H * s.W;
                ReadOnlySpan<T> cols;
                if (col is null) cols = xs.Span.Slice(image, s.Cin * s.H * s.W);
                else { Im2Col(xs.Span[image..], s, col); cols = col; }
                var output = ys.Span.Slice((int)n * s.Cout * s.ColCols, s.Cout * s.ColCols);
                Gemm.Multiply<T>(s.Cout, s.ColCols, s.ColRows, ws.Span[wo..], s.ColRows, false, cols, s.ColCols, false, output, s.ColCols, accumulate: false);
                if (bs is not null) AddChannelBias(output, bs.Span.Slice(bo, s.Cout), s.ColCols);
            }
            if (col is not null) BufferPool<T>.Return(col);
        });
        BackendOperands.DisposeIfCopy(input, x); BackendOperands.DisposeIfCopy(weight, w);
        if (b is not null) BackendOperands.DisposeIfCopy(b, bias!);
        return y;
    }

    public Tensor Conv2dBackwardInput(Tensor dy, Tensor w, ReadOnlySpan<int> inputShape, Conv2dGeometry geometry) =>
        dy.DType == DType.Float32 ? Conv2dBackwardInput<float>(dy, w, inputShape, geometry) : Conv2dBackwardInput<double>(dy, w, inputShape, geometry);

    private Tensor Conv2dBackwardInput<T>(Tensor dy, Tensor w, ReadOnlySpan<int> inputShape, Conv2dGeometry geometry) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var s = Geometry(inputShape, w.Shape.AsSpan(), geometry);
        // Stride 1: dx is the convolution of dy with the flipped, channel-transposed kernel and padding K − 1 − p,
        // so it runs on the implicit-GEMM forward path with no col2im.
        if (typeof(T) == typeof(float) && PackedGemm.IsSupported && s.Stride == 1 && s.Kh == s.Kw && s.Pad <= s.Kh - 1)
            return ImplicitConv2dBackwardInput(dy, w, s);
        var grad = this.Dense(dy); var weight = this.Dense(w);
        var dx = Tensor.Zeros(inputShape, dy.DType);
        var gs = (HostStorage<T>)grad.Storage; var ws = (HostStorage<T>)weight.Storage; var xs = (HostStorage<T>)dx.Storage;
        int go = grad.Offset, wo = weight.Offset;
        Threads.For(s.N, 2L * s.Cout * s.ColRows * s.ColCols, (from, to) =>
        {
            T[] col = BufferPool<T>.Rent(s.ColRows * s.ColCols);
            for (long n = from; n < to; n++)
            {
                // dcol = Wᵀ · dy[n]: [Cin·Kh·Kw, Cout] · [Cout, Ho·Wo]; W is stored [Cout, Cin·Kh·Kw], so read it transposed.
                Gemm.Multiply<T>(s.ColRows, s.ColCols, s.Cout, ws.Span[wo..], s.ColRows, true,
                    gs.Span[(go + (int)n * s.Cout * s.ColCols)..], s.ColCols, false, col, s.ColCols, accumulate: false);
                var image = xs.Span.Slice((int)n * s.Cin * s.H * s.W, s.Cin * s.H * s.W);
                if (s.IsPointwise) col.AsSpan(0, image.Length).CopyTo(image);
                else Col2Im(col, s, image);
            }
            BufferPool<T>.Return(col);
        });
        BackendOperands.DisposeIfCopy(grad, dy); BackendOperands.DisposeIfCopy(weight, w);
        return dx;
    }

    public Tensor Conv2dBackwardWeight(Tensor dy, Tensor x, ReadOnlySpan<int> weightShape, Conv2dGeometry geometry) =>
        dy.DType == DType.Float32 ? Conv2dBackwardWeight<float>(dy, x, weightShape, geometry) : Conv2dBackwardWeight<double>(dy, x, weightShape, geometry);

    private Tensor Conv2dBackwardWeight<T>(Tensor dy, Tensor x, ReadOnlySpan<int> weightShape, Conv2dGeometry geometry) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var s = Geometry(x.Shape.AsSpan(), weightShape, geometry);
        if (typeof(T) == typeof(float) && PackedGemm.IsSupported) return ImplicitConv2dBackwardWeight(dy, x, s);
        var grad = this.Dense(dy); var input = this.Dense(x);
        var gs = (HostStorage<T>)grad.Storage; var xs = (HostStorage<T>)input.Storage;
        int go = grad.Offset, xo = input.Offset, size = s.Cout * s.ColRows;
        var total = Threads.SumOverChunks<T>(s.N, 2L * s.Cout * s.ColRows * s.ColCols, size, (from, to, sum) =>
        {
            T[]? col = s.IsPointwise ? null : BufferPool<T>.Rent(s.ColRows * s.ColCols);
            for (long n = from; n < to; n++)
            {
                int image = xo + (int)n * s.Cin * s.H * s.W;
                ReadOnlySpan<T> cols;
                if (col is null) cols = xs.Span.Slice(image, s.Cin * s.H * s.W);
                else { Im2Col(xs.Span[image..], s, col); cols = col; }
                // dW += dy[n] · colᵀ: [Cout, Ho·Wo] · [Ho·Wo, Cin·Kh·Kw]; col is [Cin·Kh·Kw, Ho·Wo], i.e. Bᵀ stored.
                Gemm.Multiply<T>(s.Cout, s.ColRows, s.ColCols, gs.Span[(go + (int)n * s.Cout * s.ColCols)..], s.ColCols, false,
                    cols, s.ColCols, true, sum, s.ColRows, accumulate: true);
            }
            if (col is not null) BufferPool<T>.Return(col);
        });
        var dw = Tensor.FromStorage(new HostStorage<T>(total), weightShape);
        BackendOperands.DisposeIfCopy(grad, dy); BackendOperands.DisposeIfCopy(input, x);
        return dw;
    }

    // output [Cout, plane] += bias[co] on each channel's plane (both conv paths add the bias after the GEMM).
    private static void AddChannelBias<T>(Span<T> output, ReadOnlySpan<T> bias, int plane) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int co = 0; co < bias.Length; co++)
        {
            var channel = output.Slice(co * plane, plane);
            TensorPrimitives.Add(channel, bias[co], channel);
        }
    }

    // col[(c·Kh + ky)·Kw + kx, oy·Wo + ox] = x[c, oy·stride − pad + ky, ox·stride − pad + kx], zero outside the image.
    // For stride 1 the in-image part of each output row is one contiguous slice of an input row: a block copy.
    private static void Im2Col<T>(ReadOnlySpan<T> image, ConvShape s, Span<T> col) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int c = 0; c < s.Cin; c++)
        for (int ky = 0; ky < s.Kh; ky++)
        for (int kx = 0; kx < s.Kw; kx++)
        {
            var row = col.Slice(((c * s.Kh + ky) * s.Kw + kx) * s.ColCols, s.ColCols);
            var (lo, hi) = s.ValidColumns(kx);
            for (int oy = 0; oy < s.Ho; oy++)
            {
                int iy = oy * s.Stride - s.Pad + ky;
                var outRow = row.Slice(oy * s.Wo, s.Wo);
                if ((uint)iy >= (uint)s.H) { outRow.Clear(); continue; }
                var inRow = image.Slice((c * s.H + iy) * s.W, s.W);
                outRow[..lo].Clear();
                outRow[hi..].Clear();
                if (s.Stride == 1) inRow.Slice(lo - s.Pad + kx, hi - lo).CopyTo(outRow[lo..hi]);
                else for (int ox = lo; ox < hi; ox++) outRow[ox] = inRow[ox * s.Stride - s.Pad + kx];
            }
        }
    }

    // The adjoint of Im2Col: every column entry is added back to the pixel it was read from.
    private static void Col2Im<T>(ReadOnlySpan<T> col, ConvShape s, Span<T> image) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        for (int c = 0; c < s.Cin; c++)
        for (int ky = 0; ky < s.Kh; ky++)
        for (int kx = 0; kx < s.Kw; kx++)
        {
            var row = col.Slice(((c * s.Kh + ky) * s.Kw + kx) * s.ColCols, s.ColCols);
            var (lo, hi) = s.ValidColumns(kx);
            for (int oy = 0; oy < s.Ho; oy++)
            {
                int iy = oy * s.Stride - s.Pad + ky;
                if ((uint)iy >= (uint)s.H) continue;
                var inRow = image.Slice((c * s.H + iy) * s.W, s.W);
                var src = row.Slice(oy * s.Wo, s.Wo);
                if (s.Stride == 1)
                {
                    var target = inRow.Slice(lo - s.Pad + kx, hi - lo);
                    TensorPrimitives.Add(target, src[lo..hi], target);
                }
                else for (int ox = lo; ox < hi; ox++) inRow[ox * s.Stride - s.Pad + kx] += src[ox];
            }
        }
    }
}
