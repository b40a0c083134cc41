using Ect.Models;
using Ect.Objectives;
using Ect.Tests.Numerics;

namespace Ect.Tests.ECT;

/// <summary>Preconditioning, the t → r mapping and the ECT loss against values derived independently from the
/// spec's formulas (§1, §3.2, §3.9), plus the spec's "easy to get wrong" points they touch.</summary>
public class EctObjectiveTests
{
    // Spec §1 test values: σ, c_skip (train), c_out (train), c_in, c_noise, c_skip (eval), c_out (eval).
    [TestCase(0.002, 0.99998400, 0.00199998, 1.99998400, -1.55365202, 0.99999600, -0.00099999)]
    [TestCase(0.003, 0.99996400, 0.00299995, 1.99996400, -1.45228575, 1.00000000, 0.00000000)]
    [TestCase(0.1, 0.96153846, 0.09805807, 1.96116135, -0.57564627, 0.96372909, 0.09511633)]
    [TestCase(0.5, 0.50000000, 0.35355339, 1.41421356, -0.17328680, 0.50300900, 0.35143207)]
    [TestCase(0.821, 0.27055077, 0.42703900, 1.04028989, -0.04930804, 0.27199812, 0.42547857)]
    [TestCase(1.0, 0.20000000, 0.44721360, 0.89442719, 0.00000000, 0.20096318, 0.44587195)]
    [TestCase(80.0, 0.00003906, 0.49999023, 0.01249976, 1.09550666, 0.00003906, 0.49997149)]
    public void PreconditioningCoefficientsMatchTheSpecTable(double sigma, double cSkip, double cOut, double cIn, double cNoise, double cSkipEval, double cOutEval)
    {
        const double tol = 6e-9; // the table has 8 decimals
        Assert.That(EdmCoefficients.CSkip(sigma), Is.EqualTo(cSkip).Within(tol));
        Assert.That(EdmCoefficients.COut(sigma), Is.EqualTo(cOut).Within(tol));
        Assert.That(EdmCoefficients.CIn(sigma), Is.EqualTo(cIn).Within(tol));
        Assert.That(EdmCoefficients.CNoise(sigma), Is.EqualTo(cNoise).Within(tol));
        Assert.That(EdmCoefficients.CSkip(sigma, EdmCoefficients.EctSigmaMin), Is.EqualTo(cSkipEval).Within(tol));
        Assert.That(EdmCoefficients.COut(sigma, EdmCoefficients.EctSigmaMin), Is.EqualTo(cOutEval).Within(tol));
    }

    [Test]
    public void EvalModeIsExactlyTheIdentityAtSigmaMin()
    {
        var net = new Denoiser(new UNet(UNetConfig.Tiny, new Rng(1), DType.Float64));
        var x = Data.Normal([2, 1, 8, 8], 3);
        var d = net.Forward(x, [EdmCoefficients.EctSigmaMin, EdmCoefficients.EctSigmaMin], null, EdmCoefficients.EctSigmaMin);
        Assertions.Close(d, x, 0, 1e-15, "D(x; σmin) = x in eval mode");
    }

    // Spec §3.2 test vectors (q = 2, k = 8, b = 1 unless noted).
    [TestCase(0.05, 0, 0, 0.019375, 0.034687, 0.042344, 0.049043, 0.025)]
    [TestCase(0.5, 0, 0, 0.248730, 0.374365, 0.437182, 0.492148, 0.25)]
    [TestCase(1.0, 0, 0.212117, 0.606059, 0.803029, 0.901515, 0.987689, 0.5)]
    [TestCase(2.0, 0.046377, 1.023188, 1.511594, 1.755797, 1.877899, 1.984737, 1.0)]
    [TestCase(5.0, 2.366143, 3.683071, 4.341536, 4.670768, 4.835384, 4.979423, 2.5)]
    [TestCase(80, 40.0, 60.0, 70.0, 75.0, 77.5, 79.6875, 40.0)]
    public void MappingMatchesTheSpecTable(double t, double s0, double s1, double s2, double s3, double s4, double q256, double constant)
    {
        var sigmoid = new Mapping();
        double[] expected = [s0, s1, s2, s3, s4];
        for (int stage = 0; stage < 5; stage++)
            Assert.That(sigmoid.R(t, stage), Is.EqualTo(expected[stage]).Within(1e-6), $"stage {stage}");
        Assert.That((sigmoid with { Q = 256 }).R(t, 0), Is.EqualTo(q256).Within(1e-6), "q = 256");
        Assert.That(new Mapping(MappingKind.Const).R(t, 0), Is.EqualTo(constant).Within(1e-12), "const");
    }

    [Test]
    public void StageZeroIsNotDeltaTEqualsT()
    {
        // Pitfall: the exponent is stage + 1. With const mapping, stage 0 halves t (q = 2); it does not give r = 0.
        Assert.That(new Mapping(MappingKind.Const).R(1.0, 0), Is.EqualTo(0.5));
        // Sigmoid stage 0: r > 0 iff t > ln 7; stage 1: iff t > ln(5/3) (spec §3.2 positivity table).
        var m = new Mapping();
        Assert.That(m.R(Math.Log(7) - 1e-9, 0), Is.EqualTo(0));
        Assert.That(m.R(Math.Log(7) + 1e-6, 0), Is.GreaterThan(0));
        Assert.That(m.R(Math.Log(5.0 / 3) + 1e-6, 1), Is.GreaterThan(0));
        Assert.That(Mapping.Stage(24_999, 25_000), Is.EqualTo(0));
        Assert.That(Mapping.Stage(25_000, 25_000), Is.EqualTo(1));
    }

    /// <summary>Spec §3.9: with F ≡ 0 the denoiser is c_skip(σ)·x, and the loss has a closed form.</summary>
    [TestCase(0.0, 0)]
    [TestCase(0.0, 1)]
    [TestCase(0.0, 2)]
    [TestCase(0.03, 1)]
    public void LossMatchesTheClosedFormWithANetworkFreeDenoiser(double c, int stage)
    {
        var y = Data.Normal([4, 1, 3, 3], 1); var eps = Data.Normal([4, 1, 3, 3], 2);
        double[] t = [0.3, 1.0, 2.5, 7.0];
        var mapping = new Mapping();
        double[] r = t.Select(ti => mapping.R(ti, stage)).ToArray();
        DenoiserFn cSkipOnly = (x, sigma, _) =>
            x * Tensor.FromArray(sigma.Select(s => EdmCoefficients.CSkip(s)).ToArray(), sigma.Length, 1, 1, 1);
        var result = EctLoss.Compute(cSkipOnly, y, t, r, eps, new Rng(3), c);

        var ys = y.ToDoubleArray(); var es = eps.ToDoubleArray();
        double mean = 0;
        for (int i = 0; i < 4; i++)
        {
            double delta = 0;
            for (int j = 0; j < 9; j++)
            {
                double yv = ys[i * 9 + j], ev = es[i * 9 + j];
                double student = EdmCoefficients.CSkip(t[i]) * (yv + t[i] * ev);
                double target = r[i] > 0 ? EdmCoefficients.CSkip(r[i]) * (yv + r[i] * ev) : yv;
                delta += (student - target) * (student - target);
            }
            double l = (c > 0 ? Math.Sqrt(delta + c * c) - c : Math.Sqrt(delta)) / (t[i] - r[i]);
            Assert.That(result.PerSample.GetDouble(i), Is.EqualTo(l).Within(1e-12 * (1 + l)), $"sample {i} (r = {r[i]})");
            mean += l / 4;
        }
        Assert.That(result.Loss.Item(), Is.EqualTo(mean).Within(1e-12 * (1 + mean)));
        if (stage == 0) Assert.That(r.Count(v => v == 0), Is.GreaterThan(0), "this case must exercise the r = 0 rows");
    }

    [Test]
    public void TeacherReusesTheStudentsDropoutMaskAndGetsNoGradient()
    {
        // Dropout 0.5 and r = t forced: the two passes see the same input, so identical masks give identical outputs.
        var net = new Denoiser(new UNet(UNetConfig.Tiny with { Dropout = 0.5 }, new Rng(2)));
        var y = Data.Normal([3, 1, 8, 8], 4, DType.Float32); var eps = Data.Normal([3, 1, 8, 8], 5, DType.Float32);
        double[] t = [0.5, 1.5, 3.0];
        var result = EctLoss.Compute((x, s, rng) => net.Forward(x, s, rng), y, t, t, eps, new Rng(9));
        Assert.That(result.StudentOutput.ToFloatArray(), Is.EqualTo(result.Target.ToFloatArray()));
        Assert.That(result.StudentOutput.RequiresGrad, Is.True);
        Assert.That(result.Target.RequiresGrad, Is.False, "stop-gradient on the teacher branch");
    }

    [Test]
    public void ZeroResidualGivesZeroGradientNotNaN()
    {
        var y = Data.Normal([2, 1, 2, 2], 1).Leaf();
        DenoiserFn identity = (x, _, _) => x * 0.0 + y;                 // D ≡ y: student equals the r = 0 target
        var result = EctLoss.Compute(identity, y, [1.0, 2.0], [0.0, 0.0], Data.Normal([2, 1, 2, 2], 2), new Rng(1));
        result.Loss.Backward();
        Assert.That(result.Loss.Item(), Is.LessThan(1e-14));
        Assert.That(y.Grad!.ToDoubleArray(), Is.All.Not.NaN);
    }
}
