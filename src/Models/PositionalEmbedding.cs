namespace Ect.Models;

/// <summary>
/// DDPM++'s positional noise embedding (spec §6.3): for c [B] and width Cn (half = Cn/2),
/// f_j = (1/10000)^(j / (half − 1)) ("endpoint" spacing), output [B, Cn] = [sin(c·f) | cos(c·f)].
/// The sin block comes first: the reference builds cos|sin and then swaps the halves. No parameters.
/// </summary>
public static class PositionalEmbedding
{
    public static Tensor Forward(Tensor c, int channels, double maxPositions = 10000)
    {
        int half = channels / 2;
        var f = new double[half];
        for (int j = 0; j < half; j++) f[j] = Math.Pow(1 / maxPositions, j / (double)Math.Max(half - 1, 1));
        var freqs = Tensor.FromArray(f, 1, half).Cast(c.DType).To(c.Device);
        var phase = c.Reshape(-1, 1) * freqs;                       // [B, half]
        return TensorOps.Concat([phase.Sin(), phase.Cos()], 1);
    }
}
