namespace Ect.Training;

/// <summary>
/// RAdam with PyTorch's semantics (spec §4.2; torch.optim.RAdam, weight decay 0), per parameter tensor, step k ≥ 1:
///   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  m̂ = m/(1−β1^k);
///   ρ∞ = 2/(1−β2) − 1;  ρk = ρ∞ − 2k·β2^k/(1−β2^k);
///   ρk &gt; 5: θ ← θ − lr·m̂·√(1−β2^k)/(√v + eps)·√((ρk−4)(ρk−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρk));  else θ ← θ − lr·m̂.
/// With β2 = 0.999 the first five steps are plain momentum steps. Moments are kept in float32 like the parameters.
/// </summary>
public sealed class RAdam(IReadOnlyList<Tensor> parameters, double lr = 1e-4, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    : MomentOptimizer(parameters, lr, beta1, beta2, eps)
{
    /// <summary>ρk: above 5 the variance estimate is trusted and the step is rectified.</summary>
    public double Rho(long k)
    {
        double rhoInf = 2 / (1 - Beta2) - 1, b2k = Math.Pow(Beta2, k);
        return rhoInf - 2 * k * b2k / (1 - b2k);
    }

    protected override void Apply(long k, Span<float> w, float[] m, float[] v)
    {
        double bias1 = 1 - Math.Pow(Beta1, k), bias2 = 1 - Math.Pow(Beta2, k);
        double rhoInf = 2 / (1 - Beta2) - 1, rho = Rho(k);
        if (rho <= 5)
        {
            float stepSize = (float)(LearningRate / bias1);
            for (int j = 0; j < w.Length; j++) w[j] -= stepSize * m[j];
            return;
        }
        double rect = Math.Sqrt((rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho));
        float adaptive = (float)(LearningRate / bias1 * rect * Math.Sqrt(bias2)), e = (float)Eps;
        for (int j = 0; j < w.Length; j++) w[j] -= adaptive * m[j] / (MathF.Sqrt(v[j]) + e);
    }
}
