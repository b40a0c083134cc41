namespace Ect.Models;

/// <summary>y = x·Wᵀ + b with W [out, in] (torch.nn.Linear's layout). Initialised as EDM does:
/// xavier_uniform times <paramref name="initGain"/>, bias zero.</summary>
public sealed class Linear : Module
{
    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    public Linear(int inFeatures, int outFeatures, Rng rng, bool bias = true, double initGain = 1.0, DType dtype = DType.Float32)
    {
        double bound = initGain * Math.Sqrt(6.0 / (inFeatures + outFeatures));
        using (GradMode.NoGrad())
        {
            using var u = TensorOps.RandomUniform([outFeatures, inFeatures], rng, dtype);
            Weight = Parameter("weight", (u * (2 * bound) - bound).Contiguous());
        }
        if (bias) Bias = Parameter("bias", Tensor.Zeros([outFeatures], dtype));
    }

    /// <summary>x [..., in] → [..., out].</summary>
    public Tensor Forward(Tensor x)
    {
        var y = x.MatMul(Weight, transposeB: true);
        return Bias is null ? y : y + Bias;
    }
}
