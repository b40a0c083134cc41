using System.Globalization;

namespace Ect.Evaluation;

/// <summary>
/// Sample quality of one image set against the reference set, all in the feature space of our own classifier
/// (<see cref="FeatureClassifier"/>): the numbers are NOT comparable to published FID/KID, which use Inception-v3.
/// </summary>
/// <param name="N">Images evaluated.</param>
/// <param name="Fd">Fréchet distance of the features (lower is better; biased upwards at small n).</param>
/// <param name="Kid">Kernel distance, unbiased MMD² (≈ 0 for the data's own distribution), and its std over subsets.</param>
/// <param name="Precision">Fraction of samples inside the real manifold (realism).</param>
/// <param name="Recall">Fraction of real images inside the samples' manifold (coverage).</param>
/// <param name="ClassEntropy">Entropy (nats) of the predicted-class histogram; ln 10 = 2.303 is uniform.</param>
public sealed record QualityReport(int N, double Fd, double Kid, double KidStd, double Precision, double Recall, double ClassEntropy, int[] Histogram)
{
    /// <summary>One JSON object (invariant culture, no indentation): the line `ect eval` prints last.</summary>
    public string ToJson(IReadOnlyDictionary<string, string>? extra = null)
    {
        string F(double v) => double.IsFinite(v) ? v.ToString("R", CultureInfo.InvariantCulture) : "null";
        var fields = new List<string>
        {
            $"\"fd\":{F(Fd)}", $"\"kid\":{F(Kid)}", $"\"kid_std\":{F(KidStd)}", $"\"precision\":{F(Precision)}",
            $"\"recall\":{F(Recall)}", $"\"class_entropy\":{F(ClassEntropy)}", $"\"n\":{N}",
            $"\"class_histogram\":[{string.Join(",", Histogram)}]",
        };
        if (extra is not null) fields.AddRange(extra.Select(kv => $"\"{kv.Key}\":{kv.Value}"));
        return "{" + string.Join(",", fields) + "}";
    }
}

/// <summary>
/// Computes every metric of a sample set against fixed reference features (statistics computed once). Precision and
/// recall compare sets of equal size, as Kynkäänniemi et al. do (k-NN radii shrink as a set grows): with fewer samples
/// than reference images, the reference side is a fixed random subset of the sample count.
/// </summary>
public sealed class QualityMetrics
{
    public const int NearestNeighbourK = 3;

    private readonly int _classes;
    private readonly GaussianStatistics _referenceStatistics;
    private readonly Tensor _shuffledReference;

    public QualityMetrics(FeatureSet reference, int classes)
    {
        Reference = reference; _classes = classes;
        _referenceStatistics = GaussianStatistics.Of(reference.Features);
        var order = Enumerable.Range(0, reference.Count).ToArray();
        new Random(0).Shuffle(order);
        int d = reference.Features.Shape[1];
        var rows = reference.Features.Contiguous().ToDoubleArray();
        var shuffled = new double[rows.Length];
        for (int i = 0; i < order.Length; i++) rows.AsSpan(order[i] * d, d).CopyTo(shuffled.AsSpan(i * d, d));
        _shuffledReference = Tensor.FromArray(shuffled, reference.Count, d);
    }

    public FeatureSet Reference { get; }

    public QualityReport Evaluate(FeatureSet samples)
    {
        double fd = FrechetDistance.Compute(_referenceStatistics, GaussianStatistics.Of(samples.Features));
        var (kid, kidStd) = KernelDistance.Compute(Reference.Features, samples.Features);
        var matched = _shuffledReference.Narrow(0, 0, Math.Min(samples.Count, Reference.Count));
        var (precision, recall) = PrecisionRecall.Compute(matched, samples.Features, NearestNeighbourK);
        var histogram = ClassHistogram.Count(samples.Predicted, _classes);
        return new QualityReport(samples.Count, fd, kid, kidStd, precision, recall, ClassHistogram.Entropy(histogram), histogram);
    }
}
