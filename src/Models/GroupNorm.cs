namespace Ect.Models;

/// <summary>EDM's GroupNorm: groups = min(32, C / 4) (at least 4 channels per group), eps 1e-6 in the U-Net,
/// per-channel γ (init 1) and β (init 0).</summary>
public sealed class GroupNorm : Module
{
    public Tensor Weight { get; }
    public Tensor Bias { get; }
    public int Groups { get; }
    public double Eps { get; }

    public GroupNorm(int channels, double eps = 1e-6, int maxGroups = 32, int minChannelsPerGroup = 4, DType dtype = DType.Float32)
    {
        Groups = Math.Max(1, Math.Min(maxGroups, channels / minChannelsPerGroup));
        if (channels % Groups != 0)
            throw new ArgumentException($"GroupNorm: {channels} channels do not split into {Groups} equal groups");
        Eps = eps;
        Weight = Parameter("weight", Tensor.Ones([channels], dtype));
        Bias = Parameter("bias", Tensor.Zeros([channels], dtype));
    }

    public Tensor Forward(Tensor x) => x.GroupNorm(Groups, Weight, Bias, Eps);

    /// <summary>SiLU(Forward(x)) as one fused op (the same values up to float32 rounding, and no saved
    /// normalised activation).</summary>
    public Tensor ForwardSilu(Tensor x) => x.GroupNormSilu(Groups, Weight, Bias, Eps);
}
