namespace Ect.Evaluation;

/// <summary>Mean and covariance of a feature set, float64: the Gaussian that the Fréchet distance compares.</summary>
public sealed record GaussianStatistics(double[] Mean, double[] Covariance, int Dim)
{
    /// <summary>Sample mean and unbiased covariance (divisor n − 1, as numpy.cov and pytorch-fid) of features
    /// [n, d] (any float dtype; computed in float64 with one matrix product).</summary>
    public static GaussianStatistics Of(Tensor features)
    {
        Check.That(features.Rank == 2 && features.Shape[0] >= 2, "GaussianStatistics", () => $"needs features [n ≥ 2, d], got {Check.Fmt(features.Shape.AsSpan())}");
        using var _ = GradMode.NoGrad();
        using var scope = TensorScope.Begin();
        int n = features.Shape[0], d = features.Shape[1];
        var x = features.Cast(DType.Float64);
        var mean = x.Mean([0], keepDims: true);
        var centered = x - mean;
        var covariance = centered.MatMul(centered, transposeA: true) / (n - 1);
        return new GaussianStatistics(mean.ToDoubleArray(), covariance.ToDoubleArray(), d);
    }
}

/// <summary>
/// The Fréchet (2-Wasserstein) distance between two Gaussians, as FID computes it (Heusel et al. 2017; Dowson &amp;
/// Landau 1982): FD = |μ₁ − μ₂|² + tr Σ₁ + tr Σ₂ − 2·tr (Σ₁^½ Σ₂ Σ₁^½)^½. The cross term is written with the symmetric
/// PSD matrix Σ₁^½ Σ₂ Σ₁^½ (same eigenvalues as Σ₁Σ₂), so both square roots come from symmetric eigendecompositions
/// in float64 instead of scipy's general sqrtm, and no imaginary part can appear. Units: squared feature units.
/// </summary>
public static class FrechetDistance
{
    public static double Compute(GaussianStatistics a, GaussianStatistics b)
    {
        if (a.Dim != b.Dim) throw new ArgumentException($"FrechetDistance: feature sizes differ ({a.Dim} and {b.Dim}); both sets need the same classifier");
        int d = a.Dim;
        double meanTerm = 0, traces = 0;
        for (int i = 0; i < d; i++)
        {
            double diff = a.Mean[i] - b.Mean[i];
            meanTerm += diff * diff;
            traces += a.Covariance[i * d + i] + b.Covariance[i * d + i];
        }
        var rootA = SymmetricEigen.Sqrt(a.Covariance, d);
        // M = Σ₁^½ Σ₂ Σ₁^½, symmetric up to rounding; tr M^½ = Σ √λ(M).
        var m = Multiply(Multiply(rootA, b.Covariance, d), rootA, d);
        var (values, _) = SymmetricEigen.Decompose(m, d);
        double crossTrace = values.Sum(v => Math.Sqrt(Math.Max(v, 0)));
        return meanTerm + traces - 2 * crossTrace;
    }

    public static double Compute(Tensor featuresA, Tensor featuresB) =>
        Compute(GaussianStatistics.Of(featuresA), GaussianStatistics.Of(featuresB));

    private static double[] Multiply(double[] x, double[] y, int d)
    {
        using var _ = GradMode.NoGrad();
        using var product = Tensor.FromArray(x, d, d).MatMul(Tensor.FromArray(y, d, d));
        return product.ToDoubleArray();
    }
}
