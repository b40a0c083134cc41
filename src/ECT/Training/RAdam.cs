namespace Ect.Training;

/// <summary>
/// RAdam with PyTorch's semantics (spec §4.2; torch.optim.RAdam, weight decay 0), per parameter tensor, step k ≥ 1:
///   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  m̂ = m/(1−β1^k);
///   ρ∞ = 2/(1−β2) − 1;  ρk = ρ∞ − 2k·β2^k/(1−β2^k);
///   ρk &gt; 5: θ ← θ − lr·m̂·√(1−β2^k)/(√v + eps)·√((ρk−4)(ρk−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρk));  else θ ← θ − lr·m̂.
/// With β2 = 0.999 the first five steps are plain momentum steps. Moments are kept in the parameters' dtype, on their device.
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

    protected override MomentStepFactors Factors(long k)
    {
        double bias1 = 1 - Math.Pow(Beta1, k), bias2 = 1 - Math.Pow(Beta2, k);
        double rhoInf = 2 / (1 - Beta2) - 1, rho = Rho(k);
        if (rho <= 5) return new(Beta1, Beta2, StepSize: LearningRate / bias1, RootBias2: 1, Eps, Adaptive: false);
        double rect = Math.Sqrt((rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho));
        return new(Beta1, Beta2, StepSize: LearningRate / bias1 * rect * Math.Sqrt(bias2), RootBias2: 1, Eps, Adaptive: true);
    }
}
