namespace Ect.Evaluation;

/// <summary>
/// Kernel distance, KID (Bińkowski et al. 2018, "Demystifying MMD GANs"): the unbiased estimate of the squared MMD
/// between the two feature distributions under the cubic polynomial kernel k(x, y) = (xᵀy/d + 1)³,
///   MMD²ᵤ = Σ_{i≠j} k(xᵢ, xⱼ)/(m(m−1)) + Σ_{i≠j} k(yᵢ, yⱼ)/(m(m−1)) − 2·Σ_{i,j} k(xᵢ, yⱼ)/m²,
/// averaged over random subsets of m images from each set, as torch-fidelity and the paper's code do (100 subsets of
/// 1,000 by default). Unbiased: two samples of the same distribution give values scattered around 0, negative ones
/// included; the standard deviation over subsets says how far apart two values must be to differ. By default, sets
/// smaller than 2,000 are drawn from in subsets of half their size, so the subsets still differ and the standard
/// deviation stays informative (a subset holding a whole set would repeat the same value every time).
/// </summary>
public static class KernelDistance
{
    public const int DefaultSubsetSize = 1000;

    /// <summary>KID of features x and y ([n, d], same d). <paramref name="subsetSize"/>: images per subset, at most the
    /// smaller set (default: 1,000, or half the smaller set below 2,000).</summary>
    public static (double Mean, double Std) Compute(Tensor x, Tensor y, int subsets = 100, int? subsetSize = null, ulong seed = 0)
    {
        Check.That(x.Rank == 2 && y.Rank == 2 && x.Shape[1] == y.Shape[1], "KernelDistance",
            () => $"needs features [n, d] with the same d, got {Check.Fmt(x.Shape.AsSpan())} and {Check.Fmt(y.Shape.AsSpan())}");
        int smaller = Math.Min(x.Shape[0], y.Shape[0]), d = x.Shape[1];
        int m = subsetSize is { } size ? Math.Min(size, smaller) : smaller >= 2 * DefaultSubsetSize ? DefaultSubsetSize : Math.Max(2, smaller / 2);
        if (smaller < 2) throw new ArgumentException($"KernelDistance: needs at least 2 images in each set (got {x.Shape[0]} and {y.Shape[0]})");
        using var _ = GradMode.NoGrad();
        var xs = x.Cast(DType.Float64).Contiguous().ToDoubleArray();
        var ys = y.Cast(DType.Float64).Contiguous().ToDoubleArray();
        var random = new Random((int)seed);
        var values = new double[subsets];
        // The subsets reuse two buffers; the Gram matrices come from the engine's matrix product.
        var subsetX = Tensor.Empty([m, d], DType.Float64);
        var subsetY = Tensor.Empty([m, d], DType.Float64);
        for (int s = 0; s < subsets; s++)
        {
            Gather(xs, x.Shape[0], d, m, random, subsetX.HostSpan<double>());
            Gather(ys, y.Shape[0], d, m, random, subsetY.HostSpan<double>());
            using var scope = TensorScope.Begin();
            double kxx = KernelSum(subsetX, subsetX, d, excludeDiagonal: true);
            double kyy = KernelSum(subsetY, subsetY, d, excludeDiagonal: true);
            double kxy = KernelSum(subsetX, subsetY, d, excludeDiagonal: false);
            values[s] = (kxx + kyy) / ((double)m * (m - 1)) - 2 * kxy / ((double)m * m);
        }
        double mean = values.Average();
        double std = subsets > 1 ? Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (subsets - 1)) : 0;
        return (mean, std);
    }

    // m rows drawn without replacement (a partial Fisher–Yates shuffle of the row indices).
    private static void Gather(double[] rows, int count, int d, int m, Random random, Span<double> target)
    {
        var index = Enumerable.Range(0, count).ToArray();
        for (int i = 0; i < m; i++)
        {
            int j = random.Next(i, count);
            (index[i], index[j]) = (index[j], index[i]);
            rows.AsSpan(index[i] * d, d).CopyTo(target.Slice(i * d, d));
        }
    }

    // Σ k(aᵢ, bⱼ) over all pairs, or over i ≠ j.
    private static double KernelSum(Tensor a, Tensor b, int d, bool excludeDiagonal)
    {
        var gram = a.MatMul(b, transposeB: true);
        var values = gram.HostSpan<double>();
        int n = b.Shape[0];
        double sum = 0;
        for (int i = 0; i < values.Length; i++)
        {
            if (excludeDiagonal && i / n == i % n) continue;
            double k = values[i] / d + 1;
            sum += k * k * k;
        }
        return sum;
    }
}
