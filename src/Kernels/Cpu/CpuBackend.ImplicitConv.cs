namespace Ect.Kernels.Cpu;

// float32 conv2d on AVX-512 machines. Stride 1 (every conv of the U-Net) goes to DirectConv, which needs no packing
// of the image at all; other strides run as implicit GEMM: the packed GEMM reads the im2col matrix straight from the
// image (ConvColumns), so the 9×-larger column buffer of a 3×3 conv is never written. One image per work item,
// both cores over the batch. The im2col paths in CpuBackend.Conv.cs remain for float64 (gradient checks) and
// machines without AVX-512, and serve as the reference these are tested against.
public sealed unsafe partial class CpuBackend
{
    private Tensor ImplicitConv2d(Tensor x, Tensor w, Tensor? bias, ConvShape s)
    {
        var input = this.Dense(x); var weight = this.Dense(w); var b = bias is null ? null : this.Dense(bias);
        var y = Empty([s.N, s.Cout, s.Ho, s.Wo], DType.Float32);
        var xs = (HostStorage<float>)input.Storage; var ws = (HostStorage<float>)weight.Storage; var ys = (HostStorage<float>)y.Storage;
        var bs = (HostStorage<float>?)b?.Storage;
        int xo = input.Offset, wo = weight.Offset, bo = b?.Offset ?? 0;
        if (DirectConv.Handles(s))
        {
            fixed (float* px = xs.Array, pw = ws.Array, py = ys.Array, pb = bs is null ? null : bs.Array)
                DirectConv.Forward(px + xo, pw + wo, bs is null ? null : pb + bo, py, s);
        }
        else Threads.For(s.N, 2L * s.Cout * s.ColRows * s.ColCols, (from, to) =>
        {
            fixed (float* px = xs.Array, pw = ws.Array, py = ys.Array)
                for (long n = from; n < to; n++)
                {
                    float* image = px + xo + n * s.Cin * s.H * s.W, output = py + n * s.Cout * s.ColCols;
                    // Y[n] = W [Cout, Cin·Kh·Kw] · col [Cin·Kh·Kw, Ho·Wo]
                    PackedGemm.Multiply(s.Cout, s.ColCols, s.ColRows, new MatrixA(pw + wo, s.ColRows, false),
                        new ConvColumns(image, s), output, s.ColCols, accumulate: false);
                    if (bs is not null) AddChannelBias(new Span<float>(output, s.Cout * s.ColCols), bs.Span.Slice(bo, s.Cout), s.ColCols);
                }
        });
        BackendOperands.DisposeIfCopy(input, x); BackendOperands.DisposeIfCopy(weight, w);
        if (b is not null) BackendOperands.DisposeIfCopy(b, bias!);
        return y;
    }

    private Tensor ImplicitConv2dBackwardInput(Tensor dy, Tensor w, ConvShape s)
    {
        // w' [Cin, Cout, K, K] with w'[c, co, ky, kx] = w[co, c, K−1−ky, K−1−kx]; dx = conv(dy, w', padding K − 1 − p).
        int k = s.Kh;
        var flipped = Tensor.Empty([s.Cin, s.Cout, k, k], DType.Float32);
        var weight = this.Dense(w);
        var src = weight.StorageSpan<float>()[weight.Offset..]; var dst = flipped.HostSpan<float>();
        for (int co = 0; co < s.Cout; co++)
        for (int c = 0; c < s.Cin; c++)
        for (int ky = 0; ky < k; ky++)
        for (int kx = 0; kx < k; kx++)
            dst[((c * s.Cout + co) * k + ky) * k + kx] = src[((co * s.Cin + c) * k + (k - 1 - ky)) * k + (k - 1 - kx)];
        BackendOperands.DisposeIfCopy(weight, w);
        var transposed = new ConvShape(s.N, s.Cout, s.Ho, s.Wo, s.Cin, k, k, s.H, s.W, 1, k - 1 - s.Pad);
        var dx = ImplicitConv2d(dy, flipped, null, transposed);
        flipped.Dispose();
        return dx;
    }

    private Tensor ImplicitConv2dBackwardWeight(Tensor dy, Tensor x, ConvShape s)
    {
        var grad = this.Dense(dy); var input = this.Dense(x);
        var gs = (HostStorage<float>)grad.Storage; var xs = (HostStorage<float>)input.Storage;
        int go = grad.Offset, xo = input.Offset, size = s.Cout * s.ColRows;
        if (DirectConv.Handles(s))
        {
            var direct = Tensor.Empty([s.Cout, s.Cin, s.Kh, s.Kw], DType.Float32);
            fixed (float* pg = gs.Array, px = xs.Array, pd = direct.HostSpan<float>())
                DirectConv.WeightGradient(pg + go, px + xo, pd, s);
            BackendOperands.DisposeIfCopy(grad, dy); BackendOperands.DisposeIfCopy(input, x);
            return direct;
        }
        var total = Threads.SumOverChunks<float>(s.N, 2L * s.Cout * s.ColRows * s.ColCols, size, (from, to, sum) =>
        {
            fixed (float* px = xs.Array, pg = gs.Array, ps = sum)
                for (long n = from; n < to; n++)
                {
                    var columns = new ConvColumns(px + xo + n * s.Cin * s.H * s.W, s);
                    // dW += dy[n] [Cout, Ho·Wo] · colᵀ [Ho·Wo, Cin·Kh·Kw]
                    PackedGemm.Multiply(s.Cout, s.ColRows, s.ColCols, new MatrixA(pg + go + n * s.Cout * s.ColCols, s.ColCols, false),
                        columns.Transposed, ps, s.ColRows, accumulate: true);
                }
        });
        var dw = Tensor.FromStorage(new HostStorage<float>(total), [s.Cout, s.Cin, s.Kh, s.Kw]);
        BackendOperands.DisposeIfCopy(grad, dy); BackendOperands.DisposeIfCopy(input, x);
        return dw;
    }
}
