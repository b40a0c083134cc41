using Ect.Kernels.Cpu;
using Ect.Tests.Numerics;

namespace Ect.Tests.Kernels;

/// <summary>
/// The CPU's fused optimizer primitives against the scalar loops RAdam, Adam and Ema ran before they moved into the
/// backend (transcribed below): equal bit for bit over many steps, in the vector lanes and the scalar tail alike.
/// </summary>
public class OptimizerStepTests
{
    private const int Length = 1000 + 7;   // vector body plus a ragged tail

    private static float[] Floats(ulong seed, double scale = 1) =>
        Data.Normal([Length], seed, DType.Float32).ToFloatArray().Select(v => (float)(v * scale)).ToArray();

    // The previous MomentOptimizer.Update moment loop, verbatim.
    private static void OldMoments(float[] g, float[] m, float[] v, double beta1, double beta2)
    {
        float b1 = (float)beta1, b2 = (float)beta2;
        for (int j = 0; j < g.Length; j++)
        {
            m[j] = b1 * m[j] + (1 - b1) * g[j];
            v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j];
        }
    }

    // The previous RAdam.Apply, verbatim.
    private static void OldRAdam(long k, float[] w, float[] m, float[] v, double lr, double beta1, double beta2, double eps)
    {
        double bias1 = 1 - Math.Pow(beta1, k), bias2 = 1 - Math.Pow(beta2, k);
        double rhoInf = 2 / (1 - beta2) - 1, b2k = Math.Pow(beta2, k), rho = rhoInf - 2 * k * b2k / (1 - b2k);
        if (rho <= 5)
        {
            float stepSize = (float)(lr / bias1);
            for (int j = 0; j < w.Length; j++) w[j] -= stepSize * m[j];
            return;
        }
        double rect = Math.Sqrt((rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho));
        float adaptive = (float)(lr / bias1 * rect * Math.Sqrt(bias2)), e = (float)eps;
        for (int j = 0; j < w.Length; j++) w[j] -= adaptive * m[j] / (MathF.Sqrt(v[j]) + e);
    }

    // The previous Adam.Apply, verbatim.
    private static void OldAdam(long k, float[] w, float[] m, float[] v, double lr, double beta1, double beta2, double eps)
    {
        float stepSize = (float)(lr / (1 - Math.Pow(beta1, k)));
        float root2 = (float)Math.Sqrt(1 - Math.Pow(beta2, k)), e = (float)eps;
        for (int j = 0; j < w.Length; j++) w[j] -= stepSize * m[j] / (MathF.Sqrt(v[j]) / root2 + e);
    }

    [TestCase(true)]
    [TestCase(false)]
    public void MomentStepEqualsThePreviousScalarLoopsBitForBit(bool radam)
    {
        const double lr = 3e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
        using var scope = TensorScope.Begin();
        float[] w = Floats(1), m = new float[Length], v = new float[Length];
        var wt = Tensor.FromArray((float[])w.Clone(), Length);
        var mt = Tensor.Zeros([Length]); var vt = Tensor.Zeros([Length]);
        var optimizer = radam ? (Ect.Training.MomentOptimizer)new Ect.Training.RAdam([wt], lr, beta1, beta2, eps) : new Ect.Training.Adam([wt], lr, beta1, beta2, eps);
        for (long k = 1; k <= 12; k++)           // RAdam: momentum-only steps 1–5, rectified from 6
        {
            var g = Floats(100 + (ulong)k, scale: k % 3 == 0 ? 1e-3 : 1);
            OldMoments(g, m, v, beta1, beta2);
            if (radam) OldRAdam(k, w, m, v, lr, beta1, beta2, eps);
            else OldAdam(k, w, m, v, lr, beta1, beta2, eps);
            wt.Grad = Tensor.FromArray(g, Length);
            optimizer.Update();
            Assert.That(wt.ToFloatArray(), Is.EqualTo(w), $"parameter after step {k}");
            var (mNew, vNew) = optimizer.Moments(0);
            Assert.That(mNew.ToFloatArray(), Is.EqualTo(m), $"m after step {k}");
            Assert.That(vNew.ToFloatArray(), Is.EqualTo(v), $"v after step {k}");
        }
    }

    [Test]
    public void MomentStepReadsAStridedGradient()
    {
        using var scope = TensorScope.Begin();
        var w = Data.Normal([6, 5], 1, DType.Float64); var wCopy = w.Contiguous(forceCopy: true);
        var m = Tensor.Zeros([6, 5], DType.Float64); var v = Tensor.Zeros([6, 5], DType.Float64);
        var m2 = Tensor.Zeros([6, 5], DType.Float64); var v2 = Tensor.Zeros([6, 5], DType.Float64);
        var g = Data.Normal([5, 6], 2, DType.Float64).Permute([1, 0]);
        var f = new MomentStepFactors(0.9, 0.99, 0.01, 0.5, 1e-8, Adaptive: true);
        CpuBackend.Instance.MomentStep(w, g, m, v, f);
        CpuBackend.Instance.MomentStep(wCopy, g.Contiguous(forceCopy: true), m2, v2, f);
        Assert.That(w.ToDoubleArray(), Is.EqualTo(wCopy.ToDoubleArray()));
        // one step by hand: m = 0.1·g, v = 0.01·g², θ −= 0.01·m / (√v/0.5 + eps)
        var g0 = g.ToDoubleArray()[0];
        double expected = Data.Normal([6, 5], 1, DType.Float64).ToDoubleArray()[0] - 0.01 * (0.1 * g0) / (Math.Sqrt((1 - 0.99) * g0 * g0) / 0.5 + 1e-8);
        Assert.That(w.ToDoubleArray()[0], Is.EqualTo(expected).Within(1e-15));
    }

    [Test]
    public void MomentStepRefusesAViewAsItsState()
    {
        using var scope = TensorScope.Begin();
        var w = Tensor.Zeros([4, 4]); var g = Tensor.Zeros([4, 4]);
        var m = Tensor.Zeros([4, 4]).Permute([1, 0]); var v = Tensor.Zeros([4, 4]);
        var e = Assert.Throws<TensorShapeException>(() => CpuBackend.Instance.MomentStep(w, g, m, v, new MomentStepFactors(0.9, 0.999, 1, 1, 1e-8, true)));
        Assert.That(e!.Message, Does.Contain("MomentStep").And.Contain("contiguous"));
    }

    [Test]
    public void EmaUpdateEqualsThePreviousScalarLoopBitForBit()
    {
        using var scope = TensorScope.Begin();
        float[] e = Floats(7), s = Floats(8);
        var et = Tensor.FromArray((float[])e.Clone(), Length); var st = Tensor.FromArray(s, Length);
        var ema = new Ect.Training.Ema([st], [et]);
        foreach (double beta in new[] { 0.999, 0.9993, 0.5, Ect.Training.Ema.EdmBeta(12_800, 128) })
        {
            float b = (float)beta, a = 1 - b;                        // the previous Ema.Update, verbatim
            for (int j = 0; j < s.Length; j++) e[j] = b * e[j] + a * s[j];
            ema.Update(beta);
            Assert.That(et.ToFloatArray(), Is.EqualTo(e), $"β = {beta}");
        }
    }
}
