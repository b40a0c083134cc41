using Ect.Sampling;

namespace Ect.Tests.ECT;

/// <summary>Samplers on the analytic case of spec §5.3: data ~ N(0, s²) with s = 0.5, where the ideal denoiser and
/// consistency function are known in closed form, so the samplers' own errors can be pinned exactly.</summary>
public class SamplerTests
{
    private const double S = 0.5;

    private static Tensor Ones() => Tensor.Ones([1, 1, 1, 1], DType.Float64);

    // D(x; σ) = x·s²/(s² + σ²)
    private static readonly SamplingDenoiser IdealDenoiser = (x, sigma) => x * (S * S / (S * S + sigma[0] * sigma[0]));

    [Test]
    public void HeunScheduleMatchesTheSpec()
    {
        double[] expected = [80.0000, 57.5860, 40.7856, 28.3746, 19.3525, 12.9101, 8.4009, 5.3152, 3.2568, 1.9233, 1.0882, 0.5853, 0.2964, 0.1395, 0.0599, 0.0229, 0.0075, 0.0020, 0];
        Assert.That(HeunSampler.Schedule(18), Is.EqualTo(expected).Within(5e-5));
    }

    [TestCase(18, 0.5276246370)]
    [TestCase(50, 0.5030496504)]
    [TestCase(200, 0.5001659467)]
    public void HeunReproducesItsOwnSecondOrderErrorOnAGaussian(int steps, double expected)
    {
        int calls = 0;
        SamplingDenoiser counting = (x, sigma) => { calls++; return IdealDenoiser(x, sigma); };
        var x = HeunSampler.Sample(counting, Ones(), steps);
        Assert.That(x.Item(), Is.EqualTo(expected).Within(1e-9));
        Assert.That(calls, Is.EqualTo(2 * steps - 1), "NFE = 2N − 1: the last step is Euler only");
    }

    [Test]
    public void OneStepConsistencySamplingReturnsTheIdealConsistencyFunction()
    {
        // f(x, σ) = x·s/√(s² + σ²); the 1-step sampler must return f(80z, 80) exactly.
        SamplingDenoiser f = (x, sigma) => x * (S / Math.Sqrt(S * S + sigma[0] * sigma[0]));
        var rng = new Rng(11);
        var z = TensorOps.RandomNormal([3, 1, 2, 2], rng.Fork(), DType.Float64).ToDoubleArray();
        var x = ConsistencySampler.Sample(f, [3, 1, 2, 2], ConsistencySampler.Times(1), rng).ToDoubleArray();
        for (int i = 0; i < z.Length; i++) Assert.That(x[i], Is.EqualTo(80 * z[i] * S / Math.Sqrt(S * S + 6400)).Within(1e-15));
    }

    [Test]
    public void TwoStepSamplingAddsTauTimesFreshNoiseOnlyBetweenSteps()
    {
        var seen = new List<double>();
        SamplingDenoiser record = (x, sigma) => { seen.Add(sigma[0]); return x * 0.0; };   // D ≡ 0 exposes the added noise
        var rng = new Rng(4);
        var probe = rng.Fork();
        _ = TensorOps.RandomNormal([2, 1, 1, 1], probe, DType.Float64);                   // the initial z
        var second = TensorOps.RandomNormal([2, 1, 1, 1], probe, DType.Float64).ToDoubleArray();
        var x = ConsistencySampler.Sample(record, [2, 1, 1, 1], ConsistencySampler.Times(2), rng).ToDoubleArray();
        Assert.That(seen, Is.EqualTo(new[] { 80, 0.821 }));
        // After the last denoise there is no noise: D ≡ 0 gives exactly 0.
        Assert.That(x, Is.All.EqualTo(0));
        // And the intermediate state was 0 + 0.821·z' (checked through a denoiser that returns its input at the 2nd call).
        int call = 0;
        SamplingDenoiser passSecond = (xx, _) => ++call == 1 ? xx * 0.0 : xx;
        var y = ConsistencySampler.Sample(passSecond, [2, 1, 1, 1], ConsistencySampler.Times(2), new Rng(4)).ToDoubleArray();
        Assert.That(y, Is.EqualTo(second.Select(v => 0.821 * v)).Within(1e-15));
    }

    [Test]
    public void MoreStepsNeedDecreasingIntermediateTimes()
    {
        Assert.That(ConsistencySampler.Times(3, [2.0, 0.5]), Is.EqualTo(new[] { 80, 2.0, 0.5, 0 }));
        Assert.Throws<ArgumentException>(() => ConsistencySampler.Times(3));
        Assert.Throws<ArgumentException>(() => ConsistencySampler.Times(3, [0.5, 2.0]));
    }
}
