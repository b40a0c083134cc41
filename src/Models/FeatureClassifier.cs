namespace Ect.Models;

/// <summary>
/// The small CNN whose penultimate features the sample-quality metrics compare (our stand-in for FID's Inception
/// network, whose weights cannot be fetched here). Built from the U-Net's own layers:
///
///   stem conv 3×3 (C → w0) at full resolution, then for each level ℓ = 1..3: GroupNorm-SiLU, conv 3×3 with 2×2
///   average-pool downsampling (w_{ℓ−1} → w_ℓ), GroupNorm-SiLU, conv 3×3 (w_ℓ → w_ℓ); a final GroupNorm-SiLU and a
///   global average pool give the feature vector (w_3 = <see cref="FeatureDim"/> values), and one Linear layer maps it
///   to class logits.
///
/// With the default widths (16, 32, 64, 128) on 1×32×32 images that is 293,130 parameters and about 22 MFLOP per image
/// forward. Input sides must divide by 8.
/// </summary>
public sealed class FeatureClassifier : Module
{
    /// <summary>Channel widths of the stem and the three levels.</summary>
    public static readonly int[] DefaultWidths = [16, 32, 64, 128];

    private readonly Conv2d _stem;
    private readonly List<(GroupNorm Norm0, Conv2d Down, GroupNorm Norm1, Conv2d Conv)> _levels = [];
    private readonly GroupNorm _outNorm;
    private readonly Linear _head;

    public int Channels { get; }
    public int Classes { get; }
    public IReadOnlyList<int> Widths { get; }
    public int FeatureDim => Widths[^1];

    public FeatureClassifier(int channels, int classes, Rng rng, IReadOnlyList<int>? widths = null)
    {
        widths ??= DefaultWidths;
        if (channels < 1 || classes < 2 || widths.Count < 2 || widths.Any(w => w < 4 || w % 4 != 0))
            throw new ArgumentException($"FeatureClassifier: needs ≥ 1 input channel, ≥ 2 classes and ≥ 2 widths that are multiples of 4 " +
                                        $"(got {channels} channels, {classes} classes, widths [{string.Join(", ", widths)}])");
        Channels = channels; Classes = classes; Widths = widths.ToArray();
        _stem = Child("stem", new Conv2d(channels, widths[0], 3, rng));
        for (int level = 1; level < widths.Count; level++)
        {
            var norm0 = Child($"level{level}.norm0", new GroupNorm(widths[level - 1], eps: 1e-5));
            var down = Child($"level{level}.down", new Conv2d(widths[level - 1], widths[level], 3, rng, resample: Resample.Down));
            var norm1 = Child($"level{level}.norm1", new GroupNorm(widths[level], eps: 1e-5));
            var conv = Child($"level{level}.conv", new Conv2d(widths[level], widths[level], 3, rng));
            _levels.Add((norm0, down, norm1, conv));
        }
        _outNorm = Child("out_norm", new GroupNorm(widths[^1], eps: 1e-5));
        _head = Child("head", new Linear(widths[^1], classes, rng));
    }

    /// <summary>x [N, C, H, W] in [−1, 1] → penultimate features [N, <see cref="FeatureDim"/>].</summary>
    public Tensor Features(Tensor x)
    {
        Check.That(x.Rank == 4 && x.Shape[1] == Channels && x.Shape[2] % 8 == 0 && x.Shape[3] % 8 == 0, "FeatureClassifier",
            () => $"expects images [N, {Channels}, H, W] with H and W multiples of 8, got {Check.Fmt(x.Shape.AsSpan())}");
        var h = _stem.Forward(x);
        foreach (var (norm0, down, norm1, conv) in _levels)
            h = conv.Forward(norm1.ForwardSilu(down.Forward(norm0.ForwardSilu(h))));
        return _outNorm.ForwardSilu(h).Mean([2, 3]);
    }

    /// <summary>Features [N, FeatureDim] → class logits [N, Classes].</summary>
    public Tensor Logits(Tensor features) => _head.Forward(features);

    /// <summary>x [N, C, H, W] → class logits [N, Classes].</summary>
    public Tensor Forward(Tensor x) => Logits(Features(x));
}
