using Ect.Models;
using Ect.Objectives;
using Ect.Tests.Numerics;
using Ect.Training;

namespace Ect.Tests.ECT;

/// <summary>RAdam, EMA and the EDM pretraining loss against the spec's formulas.</summary>
public class TrainingPiecesTests
{
    [Test]
    public void RAdamRhoMatchesTheSpecAndRectifiesFromStepSix()
    {
        var opt = new RAdam([Tensor.Zeros([1]).RequireGrad()]);
        double[] expected = [1.000, 1.9995, 2.9987, 3.9975, 4.9960, 5.9942];
        for (int k = 1; k <= 6; k++) Assert.That(opt.Rho(k), Is.EqualTo(expected[k - 1]).Within(1e-4), $"ρ_{k}");
    }

    [Test]
    public void RAdamMatchesAFloat64TranscriptionOfTorchRAdam()
    {
        const double lr = 1e-2, b1 = 0.9, b2 = 0.999, eps = 1e-8;
        var p = Data.Normal([37], 1, DType.Float32).RequireGrad();
        var opt = new RAdam([p], lr);
        double[] w = p.ToDoubleArray(), m = new double[37], v = new double[37];
        for (int k = 1; k <= 12; k++)
        {
            var g = Data.Normal([37], (ulong)(100 + k), DType.Float32);
            p.Grad = g;
            opt.Update();
            var gs = g.ToDoubleArray();
            double rhoInf = 2 / (1 - b2) - 1, rho = rhoInf - 2 * k * Math.Pow(b2, k) / (1 - Math.Pow(b2, k));
            for (int j = 0; j < 37; j++)
            {
                m[j] = b1 * m[j] + (1 - b1) * gs[j];
                v[j] = b2 * v[j] + (1 - b2) * gs[j] * gs[j];
                double mHat = m[j] / (1 - Math.Pow(b1, k));
                if (rho > 5)
                {
                    double rect = Math.Sqrt((rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho));
                    w[j] -= lr * mHat * rect * Math.Sqrt(1 - Math.Pow(b2, k)) / (Math.Sqrt(v[j]) + eps);
                }
                else w[j] -= lr * mHat;
            }
            Assertions.Close(p, w, 1e-5, 1e-6, $"after step {k}");
        }
    }

    [Test]
    public void EmaMovesTowardTheSourceByOneMinusBeta()
    {
        var source = Tensor.FromArray([1f, 2f, 3f]); var average = Tensor.FromArray([0f, 0f, 0f]);
        var ema = new Ema([source], [average]);
        ema.Update(0.9);
        Assert.That(average.ToDoubleArray(), Is.EqualTo(new[] { 0.1, 0.2, 0.3 }).Within(1e-6));
        ema.Update(0.9);
        Assert.That(average.ToDoubleArray(), Is.EqualTo(new[] { 0.19, 0.38, 0.57 }).Within(1e-6));
        // EDM: at 1 Mimg seen the half-life is 0.05 Mimg; β = 0.5^(512 / 50 000).
        Assert.That(Ema.EdmBeta(1_000_000, 512), Is.EqualTo(Math.Pow(0.5, 512 / 50_000.0)).Within(1e-15));
    }

    [Test]
    public void EdmLossEqualsTheEffectiveTargetForm()
    {
        // With F ≡ 0, D = c_skip·x, and λ·c_out² = 1 makes the loss ‖F_target‖²/B, F_target = (y − c_skip·(y+n))/c_out.
        var y = Data.Normal([3, 1, 4, 4], 1); var eps = Data.Normal([3, 1, 4, 4], 2);
        double[] sigma = EdmLoss.SampleSigma([-1.0, 0.0, 1.5]);
        Assert.That(sigma[1], Is.EqualTo(Math.Exp(-1.2)).Within(1e-15));
        DenoiserFn cSkipOnly = (x, s, _) => x * Tensor.FromArray(s.Select(v => EdmCoefficients.CSkip(v)).ToArray(), s.Length, 1, 1, 1);
        double loss = EdmLoss.Compute(cSkipOnly, y, sigma, eps, new Rng(0)).Item();
        var ys = y.ToDoubleArray(); var es = eps.ToDoubleArray();
        double expected = 0;
        for (int i = 0; i < ys.Length; i++)
        {
            double s = sigma[i / 16], noisy = ys[i] + s * es[i];
            double fTarget = (ys[i] - EdmCoefficients.CSkip(s) * noisy) / EdmCoefficients.COut(s);
            expected += fTarget * fTarget / 3;
        }
        Assert.That(loss, Is.EqualTo(expected).Within(1e-10 * expected));
    }
}
