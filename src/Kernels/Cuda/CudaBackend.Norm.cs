using System.Runtime.InteropServices;

namespace Ect.Kernels.Cuda;

// GroupNorm and the fused GroupNorm+SiLU, forward and backward (norm.cu): one block per (sample, group), whose
// elements are contiguous in NCHW; statistics by warp-shuffle block reductions. The backward kernel also writes the
// per-(sample, channel) sums Σg and Σg·x̂, which one reduction over samples turns into dβ and dγ (deterministic: no
// atomics, as the CPU adds them in sample order).
public sealed partial class CudaBackend
{
    private static readonly TypedKernel GroupNormKernel = new("norm", "group_norm");
    private static readonly TypedKernel GroupNormBackwardKernel = new("norm", "group_norm_backward");

    /// <summary>The C struct GroupShape of norm.cu.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private readonly record struct GroupShape(int Channels, int Groups, long Spatial);

    public (Tensor Y, Tensor Mean, Tensor Rstd) GroupNorm(Tensor x, Tensor? gamma, Tensor? beta, int groups, double eps) =>
        GroupNorm(x, gamma, beta, groups, eps, silu: false);

    public (Tensor Y, Tensor Mean, Tensor Rstd) GroupNormSilu(Tensor x, Tensor? gamma, Tensor? beta, int groups, double eps) =>
        GroupNorm(x, gamma, beta, groups, eps, silu: true);

    public (Tensor Dx, Tensor? DGamma, Tensor? DBeta) GroupNormBackward(Tensor dy, Tensor x, Tensor? gamma, Tensor mean, Tensor rstd, int groups) =>
        GroupNormBackward(dy, x, gamma, null, mean, rstd, groups, silu: false);

    public (Tensor Dx, Tensor? DGamma, Tensor? DBeta) GroupNormSiluBackward(Tensor dy, Tensor x, Tensor? gamma, Tensor? beta, Tensor mean, Tensor rstd, int groups) =>
        GroupNormBackward(dy, x, gamma, beta, mean, rstd, groups, silu: true);

    private static GroupShape GroupShapeOf(Tensor x, int groups) =>
        new(x.Shape[1], groups, x.Count / Math.Max(1, (long)x.Shape[0] * x.Shape[1]));

    // γ or β as (address, stride), (0, 0) when absent: the kernels use 1 and 0 then.
    private static (ulong Pointer, long Stride) Affine(Tensor? t) => t is null ? (0, 0) : (At(t), t.Strides[0]);

    private (Tensor, Tensor, Tensor) GroupNorm(Tensor x, Tensor? gamma, Tensor? beta, int groups, double eps, bool silu)
    {
        var shape = GroupShapeOf(x, groups);
        long items = (long)x.Shape[0] * groups, block = shape.Channels / groups * shape.Spatial;
        var y = Empty(x.Shape.AsSpan(), x.DType);
        var mean = Empty([x.Shape[0], groups], x.DType); var rstd = Empty([x.Shape[0], groups], x.DType);
        if (items == 0 || block == 0) return (y, mean, rstd);
        var input = this.Dense(x);
        var (g, gs) = Affine(gamma); var (b, bs) = Affine(beta);
        Launch(GroupNormKernel, x.DType, Blocks(items, 1), ReductionThreads(block, 512),
            Args().Ptr(At(input)).Ptr(At(y)).Ptr(At(mean)).Ptr(At(rstd)).Ptr(g).I64(gs).Ptr(b).I64(bs)
                  .Struct(shape).I64(items).Real(x.DType, eps).I32(silu ? 1 : 0));
        BackendOperands.DisposeIfCopy(input, x);
        return (y, mean, rstd);
    }

    private (Tensor, Tensor?, Tensor?) GroupNormBackward(Tensor dy, Tensor x, Tensor? gamma, Tensor? beta, Tensor mean, Tensor rstd,
        int groups, bool silu)
    {
        var shape = GroupShapeOf(x, groups);
        int samples = x.Shape[0];
        long items = (long)samples * groups, block = shape.Channels / groups * shape.Spatial;
        var dx = Empty(x.Shape.AsSpan(), x.DType);
        // Per-(sample, channel) Σg and Σg·x̂, summed over samples below into dβ and dγ.
        Tensor? sumG = gamma is null ? null : Empty([samples, shape.Channels], x.DType);
        Tensor? sumGX = gamma is null ? null : Empty([samples, shape.Channels], x.DType);
        if (items > 0 && block > 0)
        {
            var input = this.Dense(x); var grad = this.Dense(dy); var mu = this.Dense(mean); var r = this.Dense(rstd);
            var (g, gs) = Affine(gamma); var (b, bs) = Affine(beta);
            Launch(GroupNormBackwardKernel, x.DType, Blocks(items, 1), ReductionThreads(shape.Spatial, 512),
                Args().Ptr(At(grad)).Ptr(At(input)).Ptr(At(mu)).Ptr(At(r)).Ptr(g).I64(gs).Ptr(b).I64(bs).Ptr(At(dx))
                      .Ptr(sumG is null ? 0 : At(sumG)).Ptr(sumGX is null ? 0 : At(sumGX)).Struct(shape).I64(items).I32(silu ? 1 : 0));
            BackendOperands.DisposeIfCopy(input, x); BackendOperands.DisposeIfCopy(grad, dy); BackendOperands.DisposeIfCopy(mu, mean); BackendOperands.DisposeIfCopy(r, rstd);
        }
        else if (sumG is not null) { Fill(sumG, 0); Fill(sumGX!, 0); }
        if (sumG is null) return (dx, null, null);
        var dGamma = Reduce(ReduceOp.Sum, sumGX!, [0], keepDims: false);
        var dBeta = Reduce(ReduceOp.Sum, sumG, [0], keepDims: false);
        sumG.Dispose(); sumGX!.Dispose();
        return (dx, dGamma, dBeta);
    }
}
