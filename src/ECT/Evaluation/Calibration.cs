using Ect.Datasets;

namespace Ect.Evaluation;

/// <summary>
/// What the metric values mean, measured: the reference split is shuffled once (fixed seed) and cut into two
/// disjoint halves; half A is the reference, and image sets built from half B are scored against it: B itself (real
/// vs real: the floor a perfect generator would reach at this n), B with Gaussian pixel noise at several σ, B blurred,
/// and two collapsed sets (one class repeated, one image repeated). `ect eval --calibrate` prints the table that
/// docs/eval.md shows.
/// </summary>
public static class Calibration
{
    public sealed record Row(string Set, string Meaning, QualityReport Report);

    public static readonly double[] NoiseSigmas = [0.05, 0.1, 0.2, 0.4];
    public static readonly double[] BlurSigmas = [0.5, 1.0, 2.0];

    public static IEnumerable<Row> Run(FeatureClassifier classifier, ImageDataset reference, int n, ulong seed = 0)
    {
        var order = Enumerable.Range(0, reference.Count).ToArray();
        new Random((int)seed).Shuffle(order);
        int half = reference.Count / 2;
        n = Math.Min(n, half);
        if (n < 10) throw new ArgumentException($"calibration needs at least 20 reference images (got {reference.Count})");
        var metrics = new QualityMetrics(FeatureSet.Extract(classifier, reference, order[..half]), classifier.Classes);
        var comparison = order[half..(half + n)];
        var real = reference.Batch(comparison);
        Row Score(string set, string meaning, Tensor images) => new(set, meaning, metrics.Evaluate(FeatureSet.Extract(classifier, images)));

        yield return Score("real (disjoint half)", "floor: what a perfect generator scores at this n", real);
        var rng = new Rng(seed + 1);
        foreach (double sigma in NoiseSigmas)
            yield return Score($"real + noise σ={sigma:0.###}", "pixel noise (σ in [−1, 1] units; 1 = half the range)", AddNoise(real, sigma, rng));
        foreach (double sigma in BlurSigmas)
            yield return Score($"real, blurred σ={sigma:0.#} px", "lost detail (Gaussian blur)", Blur(real, sigma));
        if (reference.Labels is { } labels && labels.Contains(1))
        {
            const int cls = 1;   // a class the classifier rarely confuses (Fashion-MNIST trousers, MNIST ones)
            var oneClass = order[half..].Where(i => labels[i] == cls).ToArray();
            var repeated = Enumerable.Range(0, n).Select(i => oneClass[i % oneClass.Length]).ToArray();
            yield return Score($"one class only (class {cls})", "mode collapse onto one class", reference.Batch(repeated));
        }
        yield return Score("one image repeated", "total collapse", reference.Batch(Enumerable.Repeat(comparison[0], n).ToArray()));
    }

    /// <summary>clamp(x + σ·z, −1, 1), z standard normal: images stay in the range samples are clamped to.</summary>
    public static Tensor AddNoise(Tensor images, double sigma, Rng rng)
    {
        using var _ = GradMode.NoGrad();
        return (images + TensorOps.RandomNormal(images.Shape.AsSpan(), rng, images.DType) * sigma).Clamp(-1, 1);
    }

    /// <summary>Gaussian blur with standard deviation <paramref name="sigma"/> pixels (kernel radius ⌈3σ⌉), per channel.
    /// The convolution pads with zeros, so it runs on x + 1 (background −1 becomes 0) and shifts back.</summary>
    public static Tensor Blur(Tensor images, double sigma)
    {
        int radius = (int)Math.Ceiling(3 * sigma), size = 2 * radius + 1;
        var taps = new double[size];
        for (int i = 0; i < size; i++) taps[i] = Math.Exp(-0.5 * (i - radius) * (i - radius) / (sigma * sigma));
        double total = taps.Sum();
        var kernel = new double[size * size];
        for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++) kernel[y * size + x] = taps[y] * taps[x] / (total * total);
        using var _ = GradMode.NoGrad();
        int n = images.Shape[0], c = images.Shape[1], h = images.Shape[2], w = images.Shape[3];
        var weight = Tensor.FromArray(kernel, 1, 1, size, size).Cast(images.DType);
        var planes = (images + 1.0).Reshape(n * c, 1, h, w);
        return (planes.Conv2d(weight, padding: radius) - 1.0).Reshape(n, c, h, w);
    }
}
