namespace Ect.Kernels.Cpu;

// Group normalisation (Wu & He 2018) as EDM uses it: biased variance, eps inside the root, per-channel affine.
// One (sample, group) block is contiguous in NCHW, so every step below is a vector op over a contiguous span.
public sealed unsafe partial class CpuBackend
{
    public (Tensor Y, Tensor Mean, Tensor Rstd) GroupNorm(Tensor x, Tensor? gamma, Tensor? beta, int groups, double eps) =>
        x.DType == DType.Float32 ? GroupNorm<float>(x, gamma, beta, groups, eps) : GroupNorm<double>(x, gamma, beta, groups, eps);

    private (Tensor, Tensor, Tensor) GroupNorm<T>(Tensor x, Tensor? gamma, Tensor? beta, int groups, double eps) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var input = Dense(x);
        int n = x.Shape[0], c = x.Shape[1], cpg = c / groups, spatial = (int)(x.Count / Math.Max(1, (long)n * c)), block = cpg * spatial;
        var y = Empty(x.Shape.AsSpan(), x.DType);
        var mean = Empty([n, groups], x.DType); var rstd = Empty([n, groups], x.DType);
        T[]? g = gamma is null ? null : gamma.ToDoubleArray().Select(T.CreateTruncating).ToArray();
        T[]? b = beta is null ? null : beta.ToDoubleArray().Select(T.CreateTruncating).ToArray();
        var xs = (HostStorage<T>)input.Storage; var ys = (HostStorage<T>)y.Storage;
        var ms = new T[n * groups]; var rs = new T[n * groups];
        int xo = input.Offset;
        T count = T.CreateTruncating(block), epsilon = T.CreateTruncating(eps);
        Threads.For((long)n * groups, 4L * block, (from, to) =>
        {
            for (long item = from; item < to; item++)
            {
                int start = (int)item * block;
                var src = (ReadOnlySpan<T>)xs.Span.Slice(xo + start, block);
                var dst = ys.Span.Slice(start, block);
                // Two passes (mean, then squared deviations) rather than E[x²] − E[x]², which cancels badly in float32.
                T mu = TensorPrimitives.Sum(src) / count;
                TensorPrimitives.Subtract(src, mu, dst);
                T variance = TensorPrimitives.SumOfSquares((ReadOnlySpan<T>)dst) / count;
                T r = T.One / T.Sqrt(variance + epsilon);
                ms[item] = mu; rs[item] = r;
                TensorPrimitives.Multiply(dst, r, dst);
                if (g is null && b is null) continue;
                int channel0 = (int)(item % groups) * cpg;
                for (int k = 0; k < cpg; k++)
                {
                    var plane = dst.Slice(k * spatial, spatial);
                    T scale = g is null ? T.One : g[channel0 + k], shift = b is null ? T.Zero : b[channel0 + k];
                    TensorPrimitives.Multiply(plane, scale, plane);
                    TensorPrimitives.Add(plane, shift, plane);
                }
            }
        });
        ms.CopyTo(mean.HostSpan<T>()); rs.CopyTo(rstd.HostSpan<T>());
        DisposeIfCopy(input, x);
        return (y, mean, rstd);
    }

    public (Tensor Dx, Tensor? DGamma, Tensor? DBeta) GroupNormBackward(Tensor dy, Tensor x, Tensor? gamma, Tensor mean, Tensor rstd, int groups) =>
        x.DType == DType.Float32 ? GroupNormBackward<float>(dy, x, gamma, mean, rstd, groups) : GroupNormBackward<double>(dy, x, gamma, mean, rstd, groups);

    // With x̂ = (x − μ)·r and ĝ = dy·γ:  dx = r·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)) over each (sample, group) block;
    // dγ[c] = Σ_{n, spatial} dy·x̂ and dβ[c] = Σ_{n, spatial} dy.
    private (Tensor, Tensor?, Tensor?) GroupNormBackward<T>(Tensor dy, Tensor x, Tensor? gamma, Tensor mean, Tensor rstd, int groups) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var input = Dense(x); var grad = Dense(dy);
        int n = x.Shape[0], c = x.Shape[1], cpg = c / groups, spatial = (int)(x.Count / Math.Max(1, (long)n * c)), block = cpg * spatial;
        var dx = Empty(x.Shape.AsSpan(), x.DType);
        T[]? g = gamma is null ? null : gamma.ToDoubleArray().Select(T.CreateTruncating).ToArray();
        var mu = mean.ToDoubleArray(); var r = rstd.ToDoubleArray();
        var xs = (HostStorage<T>)input.Storage; var gs = (HostStorage<T>)grad.Storage; var ds = (HostStorage<T>)dx.Storage;
        int xo = input.Offset, go = grad.Offset;
        var dGammaPerSample = new T[n * c]; var dBetaPerSample = new T[n * c];
        T count = T.CreateTruncating(block);
        Threads.For((long)n * groups, 10L * block, (from, to) =>
        {
            var xhat = BufferPool<T>.Rent(block); var ghat = BufferPool<T>.Rent(block);
            for (long item = from; item < to; item++)
            {
                int start = (int)item * block, channel0 = (int)(item % groups) * cpg, sample = (int)(item / groups);
                T m = T.CreateTruncating(mu[item]), rs = T.CreateTruncating(r[item]);
                var xh = xhat.AsSpan(0, block); var gh = ghat.AsSpan(0, block);
                var dyBlock = (ReadOnlySpan<T>)gs.Span.Slice(go + start, block);
                TensorPrimitives.Subtract(xs.Span.Slice(xo + start, block), m, xh);
                TensorPrimitives.Multiply(xh, rs, xh);
                for (int k = 0; k < cpg; k++)
                {
                    var dyPlane = dyBlock.Slice(k * spatial, spatial);
                    int channel = channel0 + k;
                    dGammaPerSample[sample * c + channel] = TensorPrimitives.Dot(dyPlane, xh.Slice(k * spatial, spatial));
                    dBetaPerSample[sample * c + channel] = TensorPrimitives.Sum(dyPlane);
                    TensorPrimitives.Multiply(dyPlane, g is null ? T.One : g[channel], gh.Slice(k * spatial, spatial));
                }
                T meanG = TensorPrimitives.Sum((ReadOnlySpan<T>)gh) / count;
                T meanGx = TensorPrimitives.Dot((ReadOnlySpan<T>)gh, xh) / count;
                var d = ds.Span.Slice(start, block);
                // d = r·(ĝ − meanG − x̂·meanGx)
                TensorPrimitives.Multiply(xh, -meanGx, d);
                TensorPrimitives.Add(d, (ReadOnlySpan<T>)gh, d);
                TensorPrimitives.Add(d, -meanG, d);
                TensorPrimitives.Multiply(d, rs, d);
            }
            BufferPool<T>.Return(xhat); BufferPool<T>.Return(ghat);
        });
        DisposeIfCopy(input, x); DisposeIfCopy(grad, dy);
        if (gamma is null) return (dx, null, null);
        var dGamma = Tensor.Zeros([c], x.DType); var dBeta = Tensor.Zeros([c], x.DType);
        var dg = dGamma.HostSpan<T>(); var db = dBeta.HostSpan<T>();
        for (int s = 0; s < n; s++)
        {
            TensorPrimitives.Add(dg, dGammaPerSample.AsSpan(s * c, c), dg);
            TensorPrimitives.Add(db, dBetaPerSample.AsSpan(s * c, c), db);
        }
        return (dx, dGamma, dBeta);
    }
}
