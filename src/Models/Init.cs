namespace Ect.Models;

/// <summary>EDM's weight initialisation (spec §6.7): xavier_uniform, U(−a, a) with a = √(6 / (fan_in + fan_out)),
/// times a per-layer gain (1, 1e-5 for "init_zero" layers, √0.2 for attention qkv). Biases start at zero.</summary>
public static class Init
{
    /// <summary>Gain of the layers EDM calls init_zero (conv1, attention proj, the output conv): tiny, not zero,
    /// so gradients still reach their inputs at step 0.</summary>
    public const double ZeroGain = 1e-5;

    /// <summary>Gain of the attention qkv projection.</summary>
    public static readonly double AttentionGain = Math.Sqrt(0.2);

    public static Tensor XavierUniform(int[] shape, int fanIn, int fanOut, double gain, Rng rng, DType dtype)
    {
        double bound = gain * Math.Sqrt(6.0 / (fanIn + fanOut));
        using (GradMode.NoGrad())
        {
            using var u = TensorOps.RandomUniform(shape, rng, dtype);
            using var scaled = u * (2 * bound);
            return scaled - bound;
        }
    }
}
