using Ect.Kernels;

namespace Ect.Training;

/// <summary>Exponential moving average of the parameters (spec §4.3): θ_ema ← β·θ_ema + (1−β)·θ after every
/// optimizer step, constant β in ECT (EDM pretraining uses a half-life with ramp-up, see <see cref="EdmBeta"/>).</summary>
public sealed class Ema
{
    private readonly IReadOnlyList<Tensor> _source, _average;

    /// <summary>Averages <paramref name="source"/> into <paramref name="average"/> (same shapes, in order), which
    /// usually starts as a copy of the source.</summary>
    public Ema(IReadOnlyList<Tensor> source, IReadOnlyList<Tensor> average)
    {
        if (source.Count != average.Count)
            throw new ArgumentException($"Ema: {source.Count} source parameters but {average.Count} averaged ones");
        for (int i = 0; i < source.Count; i++)
            if (!Shapes.Equal(source[i].Shape.AsSpan(), average[i].Shape.AsSpan()))
                throw new ArgumentException($"Ema: parameter {i} has shape {Check.Fmt(source[i].Shape.AsSpan())} but its average {Check.Fmt(average[i].Shape.AsSpan())}");
        _source = source; _average = average;
    }

    /// <summary>θ_ema ← β·θ_ema + (1−β)·θ for every pair, on the parameters' device (one fused kernel each).</summary>
    public void Update(double beta)
    {
        for (int i = 0; i < _source.Count; i++) Backends.For(_average[i]).EmaUpdate(_average[i], _source[i], beta);
    }

    /// <summary>EDM's β for a batch: half-life min(0.5 Mimg, rampUp·images seen), β = 0.5^(batch / halfLife).</summary>
    public static double EdmBeta(long imagesSeen, int batch, double halfLifeImages = 0.5e6, double rampUp = 0.05)
    {
        double halfLife = Math.Min(halfLifeImages, rampUp * imagesSeen);
        return Math.Pow(0.5, batch / Math.Max(halfLife, 1e-8));
    }
}
