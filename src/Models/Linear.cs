namespace Ect.Models;

/// <summary>y = x·Wᵀ + b with W [out, in] (torch.nn.Linear's layout). Initialised as EDM does:
/// xavier_uniform (fan_in = in, fan_out = out) times <paramref name="initGain"/>, bias zero.</summary>
public sealed class Linear : Module
{
    public Tensor Weight { get; }
    public Tensor? Bias { get; }
    public int InFeatures { get; }
    public int OutFeatures { get; }

    public Linear(int inFeatures, int outFeatures, Rng rng, bool bias = true, double initGain = 1.0, DType dtype = DType.Float32)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = Parameter("weight", Init.XavierUniform([outFeatures, inFeatures], inFeatures, outFeatures, initGain, rng, dtype));
        if (bias) Bias = Parameter("bias", Tensor.Zeros([outFeatures], dtype));
    }

    /// <summary>x [..., in] → [..., out].</summary>
    public Tensor Forward(Tensor x)
    {
        var y = x.MatMul(Weight, transposeB: true);
        return Bias is null ? y : y + Bias;
    }

    /// <summary>Multiply-adds ×2 per input row.</summary>
    public long Flops => 2L * InFeatures * OutFeatures;
}
