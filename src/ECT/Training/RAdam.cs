namespace Ect.Training;

/// <summary>
/// RAdam with PyTorch's semantics (spec §4.2; torch.optim.RAdam, weight decay 0), per parameter tensor, step k ≥ 1:
///   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  m̂ = m/(1−β1^k);
///   ρ∞ = 2/(1−β2) − 1;  ρk = ρ∞ − 2k·β2^k/(1−β2^k);
///   ρk &gt; 5: θ ← θ − lr·m̂·√(1−β2^k)/(√v + eps)·√((ρk−4)(ρk−2)ρ∞ / ((ρ∞−4)(ρ∞−2)ρk));  else θ ← θ − lr·m̂.
/// With β2 = 0.999 the first five steps are plain momentum steps. Moments are kept in float32 like the parameters.
/// </summary>
public sealed class RAdam(IReadOnlyList<Tensor> parameters, double lr = 1e-4, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8) : IOptimizer
{
    private readonly float[][] _m = parameters.Select(p => new float[p.Count]).ToArray();
    private readonly float[][] _v = parameters.Select(p => new float[p.Count]).ToArray();

    public IReadOnlyList<Tensor> Parameters { get; } = parameters;
    public double LearningRate { get; set; } = lr;
    public double Beta1 { get; } = beta1;
    public double Beta2 { get; } = beta2;
    public double Eps { get; } = eps;

    /// <summary>Steps taken so far (k of the last step).</summary>
    public long Step { get; private set; }

    /// <summary>First and second moments of parameter <paramref name="index"/> (checkpoints read and restore them).</summary>
    public (float[] M, float[] V) Moments(int index) => (_m[index], _v[index]);

    public void Restore(long step) => Step = step;

    /// <summary>ρk: above 5 the variance estimate is trusted and the step is rectified.</summary>
    public double Rho(long k)
    {
        double rhoInf = 2 / (1 - Beta2) - 1, b2k = Math.Pow(Beta2, k);
        return rhoInf - 2 * k * b2k / (1 - b2k);
    }

    /// <summary>Applies one update from each parameter's Grad (parameters without a gradient are skipped).</summary>
    public void Update()
    {
        long k = ++Step;
        double bias1 = 1 - Math.Pow(Beta1, k), bias2 = 1 - Math.Pow(Beta2, k);
        double rhoInf = 2 / (1 - Beta2) - 1, rho = Rho(k);
        bool rectified = rho > 5;
        double rect = rectified ? Math.Sqrt((rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho)) : 0;
        float b1 = (float)Beta1, b2 = (float)Beta2;
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            if (p.Grad is null) continue;
            var w = p.HostSpan<float>();
            var g = p.Grad.Contiguous().HostSpan<float>();
            var m = _m[i]; var v = _v[i];
            float stepSize = (float)(LearningRate / bias1), adaptive = (float)(LearningRate / bias1 * rect * Math.Sqrt(bias2)), e = (float)Eps;
            for (int j = 0; j < w.Length; j++)
            {
                m[j] = b1 * m[j] + (1 - b1) * g[j];
                v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j];
                w[j] -= rectified ? adaptive * m[j] / (MathF.Sqrt(v[j]) + e) : stepSize * m[j];
            }
        }
    }
}
