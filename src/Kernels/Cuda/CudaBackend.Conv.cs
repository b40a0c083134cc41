using System.Runtime.InteropServices;

namespace Ect.Kernels.Cuda;

// conv2d as im2col + cuBLAS (conv.cu, GPU.md §5): for a chunk of images, the column matrices [Cin·Kh·Kw, Ho·Wo] are
// built by one kernel and multiplied by the weight [Cout, Cin·Kh·Kw] in one strided-batched GEMM (weight stride 0).
// A 1×1, stride-1, unpadded conv skips im2col: the image already is its column matrix. The backward input pass is
// Wᵀ·dy into columns, then a gather-form col2im (deterministic, no atomics); the weight gradient sums dy_n·col_nᵀ
// over the images with one GEMM per image accumulating (β = 1) into dW.
public sealed partial class CudaBackend
{
    private static readonly TypedKernel Im2ColKernel = new("conv", "im2col");
    private static readonly TypedKernel Col2ImKernel = new("conv", "col2im");
    private static readonly TypedKernel AddChannelBiasKernel = new("conv", "add_channel_bias");

    /// <summary>Most column-buffer elements one chunk of images may use (256 MB in float32).</summary>
    private const long ColumnBudget = 64L << 20;

    /// <summary>The C struct ConvShape of conv.cu.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct ConvShape(int Images, int Cin, int H, int W, int Kh, int Kw, int Ho, int Wo, int Stride, int Pad)
    {
        public int ColRows => Cin * Kh * Kw;
        public long ColCols => (long)Ho * Wo;
        public long ImageSize => (long)Cin * H * W;
        public bool IsPointwise => Kh == 1 && Kw == 1 && Stride == 1 && Pad == 0;

        /// <summary>Images per chunk so that the chunk's columns fit <see cref="ColumnBudget"/> (at least one).</summary>
        public int Chunk => (int)Math.Clamp(ColumnBudget / Math.Max(1, ColRows * ColCols), 1, Math.Max(Images, 1));

        public static ConvShape Of(ReadOnlySpan<int> x, ReadOnlySpan<int> w, Conv2dGeometry g) =>
            new(x[0], x[1], x[2], x[3], w[2], w[3], g.OutputSize(x[2], w[2]), g.OutputSize(x[3], w[3]), g.Stride, g.Padding);
    }

    public Tensor Conv2d(Tensor x, Tensor w, Tensor? bias, Conv2dGeometry geometry)
    {
        var s = ConvShape.Of(x.Shape.AsSpan(), w.Shape.AsSpan(), geometry);
        int cout = w.Shape[0];
        var y = Empty([s.Images, cout, s.Ho, s.Wo], x.DType);
        if (y.Count == 0) return y;
        var input = this.Dense(x); var weight = this.Dense(w);
        long outImage = cout * s.ColCols;
        if (s.IsPointwise)
            Context.Gemm(false, false, cout, (int)s.ColCols, s.Cin, 1.0, At(weight), 0, At(input), s.ImageSize, 0.0, At(y), outImage, s.Images, x.DType);
        else
        {
            using var col = Empty([checked((int)((long)s.Chunk * s.ColRows * s.ColCols))], x.DType);
            for (int n0 = 0; n0 < s.Images; n0 += s.Chunk)
            {
                var part = s with { Images = Math.Min(s.Chunk, s.Images - n0) };
                long n = (long)part.Images * s.ColRows * s.ColCols;
                Launch(Im2ColKernel, x.DType, Blocks(n), ElementThreads, Args().Ptr(At(input, n0 * s.ImageSize)).Ptr(At(col)).Struct(part));
                Context.Gemm(false, false, cout, (int)s.ColCols, s.ColRows, 1.0, At(weight), 0, At(col), s.ColRows * s.ColCols,
                    0.0, At(y, n0 * outImage), outImage, part.Images, x.DType);
            }
        }
        if (bias is not null)
            Launch(AddChannelBiasKernel, x.DType, Blocks(y.Count), ElementThreads,
                Args().Ptr(At(y)).Ptr(At(bias)).I64(bias.Strides[0]).I64(y.Count).I32(cout).I64(s.ColCols));
        BackendOperands.DisposeIfCopy(input, x); BackendOperands.DisposeIfCopy(weight, w);
        return y;
    }

    public Tensor Conv2dBackwardInput(Tensor dy, Tensor w, ReadOnlySpan<int> inputShape, Conv2dGeometry geometry)
    {
        var s = ConvShape.Of(inputShape, w.Shape.AsSpan(), geometry);
        int cout = w.Shape[0];
        var dx = Empty(inputShape, dy.DType);
        if (dx.Count == 0) return dx;
        if (cout == 0 || s.ColCols == 0) { Fill(dx, 0); return dx; }
        var grad = this.Dense(dy); var weight = this.Dense(w);
        long outImage = cout * s.ColCols;
        // dcol_n = Wᵀ·dy_n: [Cin·Kh·Kw, Cout]·[Cout, Ho·Wo], W stored [Cout, Cin·Kh·Kw] and read transposed.
        if (s.IsPointwise)
            Context.Gemm(true, false, s.Cin, (int)s.ColCols, cout, 1.0, At(weight), 0, At(grad), outImage, 0.0, At(dx), s.ImageSize, s.Images, dy.DType);
        else
        {
            using var col = Empty([checked((int)((long)s.Chunk * s.ColRows * s.ColCols))], dy.DType);
            for (int n0 = 0; n0 < s.Images; n0 += s.Chunk)
            {
                var part = s with { Images = Math.Min(s.Chunk, s.Images - n0) };
                Context.Gemm(true, false, s.ColRows, (int)s.ColCols, cout, 1.0, At(weight), 0, At(grad, n0 * outImage), outImage,
                    0.0, At(col), s.ColRows * s.ColCols, part.Images, dy.DType);
                Launch(Col2ImKernel, dy.DType, Blocks(part.Images * s.ImageSize), ElementThreads,
                    Args().Ptr(At(col)).Ptr(At(dx, n0 * s.ImageSize)).Struct(part));
            }
        }
        BackendOperands.DisposeIfCopy(grad, dy); BackendOperands.DisposeIfCopy(weight, w);
        return dx;
    }

    public Tensor Conv2dBackwardWeight(Tensor dy, Tensor x, ReadOnlySpan<int> weightShape, Conv2dGeometry geometry)
    {
        var s = ConvShape.Of(x.Shape.AsSpan(), weightShape, geometry);
        int cout = weightShape[0];
        var dw = Empty(weightShape, dy.DType);
        if (dw.Count == 0) return dw;
        if (s.Images == 0 || s.ColCols == 0) { Fill(dw, 0); return dw; }
        var grad = this.Dense(dy); var input = this.Dense(x);
        long outImage = cout * s.ColCols;
        // dW = Σ_n dy_n·col_nᵀ: [Cout, Ho·Wo]·[Ho·Wo, Cin·Kh·Kw], col_n stored [Cin·Kh·Kw, Ho·Wo] and read transposed;
        // the first image writes (β = 0), the others add (β = 1), in image order.
        if (s.IsPointwise)
            for (int n = 0; n < s.Images; n++)
                Context.Gemm(false, true, cout, s.ColRows, (int)s.ColCols, 1.0, At(grad, n * outImage), 0, At(input, n * s.ImageSize), 0,
                    n == 0 ? 0.0 : 1.0, At(dw), 0, 1, dy.DType);
        else
        {
            using var col = Empty([checked((int)((long)s.Chunk * s.ColRows * s.ColCols))], dy.DType);
            for (int n0 = 0; n0 < s.Images; n0 += s.Chunk)
            {
                var part = s with { Images = Math.Min(s.Chunk, s.Images - n0) };
                Launch(Im2ColKernel, dy.DType, Blocks((long)part.Images * s.ColRows * s.ColCols), ElementThreads,
                    Args().Ptr(At(input, n0 * s.ImageSize)).Ptr(At(col)).Struct(part));
                for (int b = 0; b < part.Images; b++)
                    Context.Gemm(false, true, cout, s.ColRows, (int)s.ColCols, 1.0, At(grad, (n0 + b) * outImage), 0,
                        At(col, (long)b * s.ColRows * s.ColCols), 0, n0 + b == 0 ? 0.0 : 1.0, At(dw), 0, 1, dy.DType);
            }
        }
        BackendOperands.DisposeIfCopy(grad, dy); BackendOperands.DisposeIfCopy(input, x);
        return dw;
    }
}
