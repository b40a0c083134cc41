namespace Ect.Models;

/// <summary>How a convolution changes resolution first (EDM's Conv2d up/down with resample filter [1, 1]).</summary>
public enum Resample
{
    None,
    /// <summary>Nearest-neighbour ×2 before the convolution.</summary>
    Up,
    /// <summary>2×2 average (stride 2) before the convolution.</summary>
    Down,
}

/// <summary>
/// EDM's Conv2d: optional 2× resampling, then a k×k convolution with zero padding k/2 (stride 1), weight
/// [out, in, k, k] and bias [out]. Kernel 0 means "resample only" (no parameters).
/// </summary>
public sealed class Conv2d : Module
{
    public Tensor? Weight { get; }
    public Tensor? Bias { get; }
    public int InChannels { get; }
    public int OutChannels { get; }
    public int Kernel { get; }
    public Resample Resample { get; }

    public Conv2d(int inChannels, int outChannels, int kernel, Rng rng, double initGain = 1.0,
        Resample resample = Resample.None, DType dtype = DType.Float32)
    {
        InChannels = inChannels; OutChannels = outChannels; Kernel = kernel; Resample = resample;
        if (kernel == 0) return;
        int k2 = kernel * kernel;
        Weight = Parameter("weight", Init.XavierUniform([outChannels, inChannels, kernel, kernel], inChannels * k2, outChannels * k2, initGain, rng, dtype));
        Bias = Parameter("bias", Tensor.Zeros([outChannels], dtype));
    }

    /// <summary>x [N, in, H, W] → [N, out, H', W'] with H' = 2H (up), H/2 (down) or H.</summary>
    public Tensor Forward(Tensor x)
    {
        x = Resample switch
        {
            Resample.Up => x.Upsample2x(),
            Resample.Down => x.Downsample2x(),
            _ => x,
        };
        return Weight is null ? x : x.Conv2d(Weight, Bias, stride: 1, padding: Kernel / 2);
    }

    /// <summary>Forward FLOPs (2 × multiply-adds) per image at output resolution <paramref name="outputSize"/>.</summary>
    public long Flops(int outputSize) => 2L * InChannels * OutChannels * Kernel * Kernel * outputSize * outputSize;
}
