namespace Ect.Kernels.Cpu;

// Group normalisation (Wu & He 2018) as EDM uses it: biased variance, eps inside the root, per-channel affine, and the
// fused GroupNorm+SiLU that every U-Net block applies. One (sample, group) block is contiguous in NCHW: it is read from
// memory once and the further passes over it hit the cache, so each direction moves each tensor once. The fused op's
// backward recomputes GroupNorm(x) from x, mean and rstd rather than keeping the normalised activation alive.
public sealed unsafe partial class CpuBackend
{
    public (Tensor Y, Tensor Mean, Tensor Rstd) GroupNorm(Tensor x, Tensor? gamma, Tensor? beta, int groups, double eps) =>
        x.DType == DType.Float32 ? GroupNorm<float>(x, gamma, beta, groups, eps, silu: false) : GroupNorm<double>(x, gamma, beta, groups, eps, silu: false);

    public (Tensor Y, Tensor Mean, Tensor Rstd) GroupNormSilu(Tensor x, Tensor? gamma, Tensor? beta, int groups, double eps) =>
        x.DType == DType.Float32 ? GroupNorm<float>(x, gamma, beta, groups, eps, silu: true) : GroupNorm<double>(x, gamma, beta, groups, eps, silu: true);

    public (Tensor Dx, Tensor? DGamma, Tensor? DBeta) GroupNormBackward(Tensor dy, Tensor x, Tensor? gamma, Tensor mean, Tensor rstd, int groups) =>
        x.DType == DType.Float32
            ? GroupNormBackward<float>(dy, x, gamma, null, mean, rstd, groups, silu: false)
            : GroupNormBackward<double>(dy, x, gamma, null, mean, rstd, groups, silu: false);

    public (Tensor Dx, Tensor? DGamma, Tensor? DBeta) GroupNormSiluBackward(Tensor dy, Tensor x, Tensor? gamma, Tensor? beta, Tensor mean, Tensor rstd, int groups) =>
        x.DType == DType.Float32
            ? GroupNormBackward<float>(dy, x, gamma, beta, mean, rstd, groups, silu: true)
            : GroupNormBackward<double>(dy, x, gamma, beta, mean, rstd, groups, silu: true);

    /// <summary>x [N, C, ...] split into (sample, group) blocks of <c>ChannelsPerGroup</c> planes of <c>Spatial</c>
    /// elements; item = sample·groups + group.</summary>
    private readonly record struct GroupLayout(int Samples, int Channels, int Groups, int Spatial)
    {
        public int ChannelsPerGroup => Channels / Groups;
        public int Block => ChannelsPerGroup * Spatial;
        public long Items => (long)Samples * Groups;
        public int FirstChannel(long item) => (int)(item % Groups) * ChannelsPerGroup;

        public static GroupLayout Of(Tensor x, int groups) =>
            new(x.Shape[0], x.Shape[1], groups, (int)(x.Count / Math.Max(1, (long)x.Shape[0] * x.Shape[1])));
    }

    /// <summary>γ[c] and β[c] (1 and 0 when absent) straight from their storage: no per-call copies.</summary>
    private readonly struct ChannelAffine<T>(Tensor? gamma, Tensor? beta) where T : unmanaged, INumberBase<T>
    {
        private readonly HostStorage<T>? _gamma = (HostStorage<T>?)gamma?.Storage, _beta = (HostStorage<T>?)beta?.Storage;
        private readonly int _gammaOffset = gamma?.Offset ?? 0, _gammaStride = gamma?.Strides[0] ?? 0;
        private readonly int _betaOffset = beta?.Offset ?? 0, _betaStride = beta?.Strides[0] ?? 0;

        public T Gamma(int channel) => _gamma is null ? T.One : _gamma.Span[_gammaOffset + channel * _gammaStride];
        public T Beta(int channel) => _beta is null ? T.Zero : _beta.Span[_betaOffset + channel * _betaStride];
    }

    private (Tensor, Tensor, Tensor) GroupNorm<T>(Tensor x, Tensor? gamma, Tensor? beta, int groups, double eps, bool silu)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var input = Dense(x);
        var layout = GroupLayout.Of(x, groups);
        int block = layout.Block, spatial = layout.Spatial, xo = input.Offset;
        var y = Empty(x.Shape.AsSpan(), x.DType);
        var mean = Empty([layout.Samples, groups], x.DType); var rstd = Empty([layout.Samples, groups], x.DType);
        var affine = new ChannelAffine<T>(gamma, beta);
        var xs = (HostStorage<T>)input.Storage; var ys = (HostStorage<T>)y.Storage;
        var ms = (HostStorage<T>)mean.Storage; var rs = (HostStorage<T>)rstd.Storage;
        T count = T.CreateTruncating(block), epsilon = T.CreateTruncating(eps);
        Threads.For(layout.Items, (silu ? 20L : 6L) * block, (from, to) =>
        {
            for (long item = from; item < to; item++)
            {
                int start = (int)item * block, channel0 = layout.FirstChannel(item);
                var src = (ReadOnlySpan<T>)xs.Span.Slice(xo + start, block);
                var dst = ys.Span.Slice(start, block);
                // Two passes (mean, then squared deviations) rather than E[x²] − E[x]², which cancels badly in float32.
                T mu = TensorPrimitives.Sum(src) / count;
                T r = T.One / T.Sqrt(SquaredDeviationSum(src, mu, dst) / count + epsilon);
                ms.Span[(int)item] = mu; rs.Span[(int)item] = r;
                // y = act((x − μ)·(r·γ) + β), plane by plane while the block is still in cache.
                for (int k = 0; k < layout.ChannelsPerGroup; k++)
                {
                    var plane = new Range(k * spatial, (k + 1) * spatial);
                    T scale = r * affine.Gamma(channel0 + k), shift = affine.Beta(channel0 + k);
                    if (silu) NormalizeSilu(src[plane], mu, scale, shift, dst[plane]);
                    else Normalize(src[plane], mu, scale, shift, dst[plane]);
                }
            }
        });
        DisposeIfCopy(input, x);
        return (y, mean, rstd);
    }

    // With x̂ = (x − μ)·r, z = γ·x̂ + β the affine output and g = dL/dz (dy itself, or dy·SiLU′(z) for the fused op):
    // dβ[c] = Σ g and dγ[c] = Σ g·x̂ over samples and the plane; with ĝ = g·γ, dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) over
    // each (sample, group) block, where mean(ĝ) = Σ_c γ[c]·Σg / count and mean(ĝ·x̂) = Σ_c γ[c]·Σg·x̂ / count.
    private (Tensor, Tensor?, Tensor?) GroupNormBackward<T>(Tensor dy, Tensor x, Tensor? gamma, Tensor? beta, Tensor mean, Tensor rstd,
        int groups, bool silu) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var input = Dense(x); var grad = Dense(dy);
        var layout = GroupLayout.Of(x, groups);
        int block = layout.Block, spatial = layout.Spatial, c = layout.Channels, xo = input.Offset, go = grad.Offset;
        var dx = Empty(x.Shape.AsSpan(), x.DType);
        var affine = new ChannelAffine<T>(gamma, beta);
        var xs = (HostStorage<T>)input.Storage; var gs = (HostStorage<T>)grad.Storage; var ds = (HostStorage<T>)dx.Storage;
        var ms = (HostStorage<T>)mean.Storage; var rs = (HostStorage<T>)rstd.Storage;
        int mo = mean.Offset, ro = rstd.Offset;
        // Per-sample sums, added in sample order at the end, so dγ and dβ do not depend on how items split across cores.
        var sumG = BufferPool<T>.Rent(layout.Samples * c); var sumGX = BufferPool<T>.Rent(layout.Samples * c);
        T count = T.CreateTruncating(block);
        Threads.For(layout.Items, (silu ? 30L : 12L) * block, (from, to) =>
        {
            var xhatBuffer = BufferPool<T>.Rent(block);
            for (long item = from; item < to; item++)
            {
                int start = (int)item * block, channel0 = layout.FirstChannel(item), sums = (int)(item / groups) * c + channel0;
                T mu = ms.Span[mo + (int)item], r = rs.Span[ro + (int)item];
                var xhat = xhatBuffer.AsSpan(0, block);
                TensorPrimitives.Subtract(xs.Span.Slice(xo + start, block), mu, xhat);
                TensorPrimitives.Multiply(xhat, r, xhat);
                var dyBlock = (ReadOnlySpan<T>)gs.Span.Slice(go + start, block);
                var d = ds.Span.Slice(start, block);
                // g, plane by plane: the fused op writes dy·SiLU′(z) into dx for now; the plain op's g is dy itself.
                ReadOnlySpan<T> g = silu ? d : dyBlock;
                T meanG = T.Zero, meanGX = T.Zero;
                for (int k = 0; k < layout.ChannelsPerGroup; k++)
                {
                    int channel = channel0 + k;
                    var plane = new Range(k * spatial, (k + 1) * spatial);
                    T gammaC = affine.Gamma(channel);
                    (sumG[sums + k], sumGX[sums + k]) = silu
                        ? SiluGrad<T>(xhat[plane], dyBlock[plane], gammaC, affine.Beta(channel), d[plane])
                        : (TensorPrimitives.Sum(dyBlock[plane]), TensorPrimitives.Dot(dyBlock[plane], xhat[plane]));
                    meanG += gammaC * sumG[sums + k];
                    meanGX += gammaC * sumGX[sums + k];
                }
                meanG /= count; meanGX /= count;
                // dx = g·(r·γ) + x̂·(−r·mean(ĝ·x̂)) − r·mean(ĝ), plane by plane (g may alias d: each plane of g is read
                // before that plane of d is written).
                for (int k = 0; k < layout.ChannelsPerGroup; k++)
                {
                    var plane = new Range(k * spatial, (k + 1) * spatial);
                    TensorPrimitives.Multiply(xhat[plane], -r * meanGX, xhat[plane]);
                    TensorPrimitives.Add(xhat[plane], -r * meanG, xhat[plane]);
                    TensorPrimitives.MultiplyAdd(g[plane], r * affine.Gamma(channel0 + k), xhat[plane], d[plane]);
                }
            }
            BufferPool<T>.Return(xhatBuffer);
        });
        DisposeIfCopy(input, x); DisposeIfCopy(grad, dy);
        var dGamma = gamma is null ? null : SumOverSamples(sumGX, layout, x.DType);
        var dBeta = gamma is null ? null : SumOverSamples(sumG, layout, x.DType);
        BufferPool<T>.Return(sumG); BufferPool<T>.Return(sumGX);
        return (dx, dGamma, dBeta);
    }

    // Σ(x − mean)²: float32 in one read-only pass; float64 through the scratch span (TensorPrimitives has no fused form).
    private static T SquaredDeviationSum<T>(ReadOnlySpan<T> x, T mean, Span<T> scratch) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
            return T.CreateTruncating(FastMath.SquaredDeviationSum(AsFloats(x), float.CreateTruncating(mean)));
        TensorPrimitives.Subtract(x, mean, scratch);
        return TensorPrimitives.SumOfSquares((ReadOnlySpan<T>)scratch);
    }

    // y = (x − mean)·scale + shift: float32 in one pass, float64 in three.
    private static void Normalize<T>(ReadOnlySpan<T> x, T mean, T scale, T shift, Span<T> y) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            FastMath.Normalize(AsFloats(x), float.CreateTruncating(mean), float.CreateTruncating(scale), float.CreateTruncating(shift), AsFloats(y));
            return;
        }
        TensorPrimitives.Subtract(x, mean, y);
        TensorPrimitives.Multiply(y, scale, y);
        TensorPrimitives.Add(y, shift, y);
    }

    // [C] = Σ over samples of the per-(sample, channel) sums, in sample order.
    private static Tensor SumOverSamples<T>(T[] perSample, GroupLayout layout, DType dtype) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int c = layout.Channels;
        var total = Tensor.Zeros([c], dtype);
        var span = total.HostSpan<T>();
        for (int s = 0; s < layout.Samples; s++) TensorPrimitives.Add(span, perSample.AsSpan(s * c, c), span);
        return total;
    }
}
