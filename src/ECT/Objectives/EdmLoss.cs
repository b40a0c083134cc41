namespace Ect.Objectives;

/// <summary>
/// EDM's diffusion pretraining loss (spec §2): ln σ ~ N(P_mean = −1.2, P_std = 1.2) per sample, n = σ·ε,
/// λ(σ) = (σ² + σd²)/(σ·σd)², loss = (1/B)·Σ_{b,c,h,w} λ(σ_b)·(D(y + n; σ) − y)² (sum over pixels, mean over batch).
/// </summary>
public static class EdmLoss
{
    public const double PMean = -1.2, PStd = 1.2;

    /// <summary>σ_b = exp(P_mean + P_std·z_b) from standard normals z.</summary>
    public static double[] SampleSigma(double[] z) => z.Select(v => Math.Exp(PMean + PStd * v)).ToArray();

    public static double Weight(double sigma)
    {
        const double sd = Models.EdmCoefficients.SigmaData;
        return (sigma * sigma + sd * sd) / (sigma * sd * (sigma * sd));
    }

    public static Tensor Compute(DenoiserFn denoise, Tensor y, double[] sigma, Tensor noise, Rng dropoutRng)
    {
        int b = y.Dim(0);
        var column = PerImage.Column(sigma, y);
        var lambda = PerImage.Column(sigma.Select(Weight), y);
        var d = denoise(y + noise * column, sigma, dropoutRng);
        return (lambda * (d - y).Square()).Sum() / b;
    }
}
