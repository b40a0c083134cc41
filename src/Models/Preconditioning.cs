namespace Ect.Models;

/// <summary>
/// EDM preconditioning (spec §1): D(x; σ) = c_skip(σ)·x + c_out(σ)·F(c_in(σ)·x; c_noise(σ)), with σd = 0.5.
/// Train mode is EDM's formulas (every training pass, diffusion and ECT). Eval mode (the EMA consistency model)
/// shifts σ by σmin = 0.003 in c_skip and c_out so that D(x; σmin) = x exactly; it is an explicit option here,
/// not tied to the dropout flag. All coefficients are computed in double and cast per batch.
/// </summary>
public static class EdmCoefficients
{
    public const double SigmaData = 0.5;

    /// <summary>The ECT wrapper's σmin (iCT/CM use 0.002; do not mix them up).</summary>
    public const double EctSigmaMin = 0.003;

    public static double CIn(double sigma) => 1 / Math.Sqrt(sigma * sigma + SigmaData * SigmaData);

    public static double CNoise(double sigma) => Math.Log(sigma) / 4;

    /// <summary>σd² / ((σ − σmin)² + σd²); σmin = 0 gives EDM's train-mode coefficient.</summary>
    public static double CSkip(double sigma, double sigmaMin = 0)
    {
        double s = sigma - sigmaMin;
        return SigmaData * SigmaData / (s * s + SigmaData * SigmaData);
    }

    /// <summary>(σ − σmin)·σd / √(σ² + σd²) (note: σ, not σ − σmin, under the root).</summary>
    public static double COut(double sigma, double sigmaMin = 0) =>
        (sigma - sigmaMin) * SigmaData / Math.Sqrt(sigma * sigma + SigmaData * SigmaData);
}

/// <summary>Per-image scalars (σ, c_skip, loss weights, …) as a [B, 1, 1, 1] tensor that broadcasts over images.</summary>
public static class PerImage
{
    /// <summary>The values as a [B, 1, 1, 1] column with <paramref name="like"/>'s dtype, on its device.</summary>
    public static Tensor Column(IEnumerable<double> values, Tensor like)
    {
        var v = values.ToArray();
        return Tensor.FromArray(v, v.Length, 1, 1, 1).Cast(like.DType).To(like.Device);
    }
}

/// <summary>The preconditioned denoiser / consistency function D_θ wrapping the raw U-Net as child "model", so
/// parameter paths read "model.enc.…" as in the reference checkpoints.</summary>
public sealed class Denoiser : Module
{
    public UNet Net { get; }

    public Denoiser(UNet net) => Net = Child("model", net);

    /// <summary>x [B, C, H, W], σ per sample → D(x; σ) [B, C, H, W]. <paramref name="sigmaMin"/> is 0 for train
    /// mode and <see cref="EdmCoefficients.EctSigmaMin"/> for the ECT eval-mode boundary condition.</summary>
    public Tensor Forward(Tensor x, double[] sigma, Rng? dropoutRng = null, double sigmaMin = 0)
    {
        int b = x.Dim(0);
        if (sigma.Length != b)
            throw new TensorShapeException($"Denoiser: {sigma.Length} noise levels for a batch of {b} images; pass one σ per image");
        Tensor Column(Func<double, double> f) => PerImage.Column(sigma.Select(f), x);
        var cIn = Column(EdmCoefficients.CIn);
        var cSkip = Column(s => EdmCoefficients.CSkip(s, sigmaMin));
        var cOut = Column(s => EdmCoefficients.COut(s, sigmaMin));
        var cNoise = Tensor.FromArray(sigma.Select(EdmCoefficients.CNoise).ToArray(), b).Cast(x.DType).To(x.Device);
        var f = Net.Forward(x * cIn, cNoise, dropoutRng);
        return cSkip * x + cOut * f;
    }
}
