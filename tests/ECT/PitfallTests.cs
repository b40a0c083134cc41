using Ect.Models;
using Ect.Objectives;
using Ect.Tests.Numerics;
using Ect.Training;

namespace Ect.Tests.ECT;

/// <summary>Spec §10 pitfalls not already pinned by the objective, sampler and model tests.</summary>
public class PitfallTests
{
    [Test]
    public void Pitfall3_LognormalParametersAreInLogSpace()
    {
        var z = TensorOps.RandomNormal([1_000_000], new Rng(3), DType.Float64).ToDoubleArray();
        var lnT = EctLoss.SampleT(z).Select(v => Math.Log(v)).ToArray();
        double mean = lnT.Average(), std = Math.Sqrt(lnT.Sum(v => (v - mean) * (v - mean)) / lnT.Length);
        Assert.That(mean, Is.EqualTo(-1.1).Within(0.01));   // σ of the mean: 2/√1e6 = 0.002
        Assert.That(std, Is.EqualTo(2.0).Within(0.01));
        var lnSigma = EdmLoss.SampleSigma(z).Select(v => Math.Log(v)).ToArray();
        Assert.That(lnSigma.Average(), Is.EqualTo(-1.2).Within(0.01));
        // Stage 0, default mapping: P(r = 0) = P(t ≤ ln 7) ≈ 0.811 (spec §3.2 table).
        var t = EctLoss.SampleT(z);
        Assert.That(t.Count(ti => new Mapping().R(ti, 0) == 0) / (double)t.Length, Is.EqualTo(0.8113).Within(0.003));
    }

    [Test]
    public void Pitfall4_OneSharedNoiseForBothBranches()
    {
        var y = Data.Normal([2, 1, 3, 3], 1); var eps = Data.Normal([2, 1, 3, 3], 2);
        // Values, not tensors: the teacher's tensors are released when its scope closes.
        var inputs = new List<(double[] X, double[] Sigma)>();
        DenoiserFn record = (x, sigma, _) => { inputs.Add((x.ToDoubleArray(), sigma)); return x * 0.5; };
        EctLoss.Compute(record, y, [2.0, 3.0], [1.0, 1.5], eps, new Rng(0));
        Assert.That(inputs, Has.Count.EqualTo(2));
        for (int k = 0; k < 2; k++)
        {
            var sigma = Tensor.FromArray(inputs[k].Sigma, 2, 1, 1, 1);
            Assertions.Close(Tensor.FromArray(inputs[k].X, 2, 1, 3, 3) - sigma * eps, y, 0, 1e-14, $"pass {k}: x − σ·ε = y");
        }
    }

    [Test]
    public void Pitfall11_BatchLossIsTheMeanOfSingleSampleLosses()
    {
        var y = Data.Normal([3, 1, 4, 4], 1); var eps = Data.Normal([3, 1, 4, 4], 2);
        double[] t = [0.4, 2.5, 9.0], r = [0.0, 1.2, 8.0];
        DenoiserFn cSkipOnly = (x, s, _) => x * Tensor.FromArray(s.Select(v => EdmCoefficients.CSkip(v)).ToArray(), s.Length, 1, 1, 1);
        double batch = EctLoss.Compute(cSkipOnly, y, t, r, eps, new Rng(0)).Loss.Item();
        double singles = Enumerable.Range(0, 3).Average(i =>
            EctLoss.Compute(cSkipOnly, y.Narrow(0, i, 1), [t[i]], [r[i]], eps.Narrow(0, i, 1), new Rng(0)).Loss.Item());
        Assert.That(batch, Is.EqualTo(singles).Within(1e-12 * singles));
    }

    [Test]
    public void Pitfall12_SanitizedNonFiniteGradientsKeepTheStepFinite()
    {
        var p = Tensor.FromArray([1f, 2f, 3f, 4f]).RequireGrad();
        p.Grad = Tensor.FromArray([float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0.5f]);
        GradientSanitizer.Apply([p]);
        Assert.That(p.Grad.ToDoubleArray(), Is.EqualTo(new[] { 0, 1e5, -1e5, 0.5 }).Within(1e-2));
        new RAdam([p]).Update();
        Assert.That(p.ToDoubleArray(), Is.All.Matches<double>(double.IsFinite));
    }

    [Test]
    public void Pitfall14_EmaWithBetaOneHalfAveragesExactly()
    {
        var w = Tensor.FromArray([4f]); var avg = Tensor.FromArray([0f]);
        var ema = new Ema([w], [avg]);
        ema.Update(0.5);                      // 0.5·0 + 0.5·4 = 2
        w.HostSpan<float>()[0] = 8;
        ema.Update(0.5);                      // 0.5·2 + 0.5·8 = 5
        Assert.That(avg.Item(), Is.EqualTo(5));
    }

    [Test]
    public void Pitfall23_FreshTinyNetGivesEveryParameterANonZeroGradient()
    {
        var net = new Denoiser(new UNet(UNetConfig.Tiny, new Rng(1)));
        var y = Data.Normal([2, 1, 8, 8], 1, DType.Float32);
        EdmLoss.Compute((x, s, rng) => net.Forward(x, s, rng), y, [0.5, 2.0], Data.Normal([2, 1, 8, 8], 2, DType.Float32), new Rng(0)).Backward();
        foreach (var (name, p) in net.NamedParameters())
            Assert.That(p.Grad!.ToDoubleArray().Any(v => v != 0), Is.True, $"{name} got an all-zero gradient");
    }
}
