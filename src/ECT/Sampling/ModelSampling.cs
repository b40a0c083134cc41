namespace Ect.Sampling;

/// <summary>
/// The samplers applied to a trained network: the float32 network wrapped as a float64 <see cref="SamplingDenoiser"/>
/// (with ECT's σmin-shifted coefficients for consistency sampling), and many images generated in batches so memory
/// stays bounded. Batch b draws its noise from the counter range starting at b·2³⁶ of the seed's stream, so an image
/// does not depend on how many come after it, and n ≤ one batch reproduces a single draw of Rng(seed).
/// </summary>
public static class ModelSampling
{
    public const int DefaultBatch = 250;

    /// <summary>D(x; σ) of the EMA network as a consistency model (σmin = 0.003 boundary condition, spec §5.1).</summary>
    public static SamplingDenoiser Consistency(Denoiser net) =>
        FreeingActivations((x, sigma) => net.Forward(x, sigma, null, EdmCoefficients.EctSigmaMin));

    /// <summary>D(x; σ) of the network as EDM's diffusion denoiser (for the Heun sampler).</summary>
    public static SamplingDenoiser Diffusion(Denoiser net) =>
        FreeingActivations((x, sigma) => net.Forward(x, sigma));

    // The float32 network seen as a float64 denoiser. Each call frees its activations on return (its own scope); only
    // its output lives on, so a batch of many evaluations never holds more than one evaluation's activations.
    private static SamplingDenoiser FreeingActivations(Func<Tensor, double[], Tensor> forward) =>
        (x, sigma) =>
        {
            using var call = TensorScope.Begin();
            return call.Keep(forward(x.Cast(DType.Float32), sigma).Cast(DType.Float64));
        };

    /// <summary>Network evaluations per image: the time list's length − 1 for cm, 2N − 1 for N Heun steps.</summary>
    public static int Nfe(string sampler, int steps) => sampler == "heun" ? 2 * steps - 1 : steps;

    /// <summary>
    /// <paramref name="n"/> images [n, C, H, W], float32 clamped to [−1, 1], from <paramref name="net"/> (in eval
    /// mode) with sampler "cm" (time list <paramref name="times"/>, see <see cref="ConsistencySampler.Times"/>) or
    /// "heun" (<paramref name="steps"/> Heun steps), run on <paramref name="device"/> (where the network lives).
    /// </summary>
    public static Tensor Generate(Denoiser net, int[] imageShape, string sampler, int steps, double[]? times, int n, ulong seed,
        int batch = DefaultBatch, Device device = default)
    {
        if (n < 1) throw new ArgumentException($"--n must be at least 1 (got {n})");
        if (sampler is not ("cm" or "heun")) throw new ArgumentException($"--sampler {sampler}: expected cm or heun");
        var denoise = sampler == "cm" ? Consistency(net) : Diffusion(net);
        times ??= sampler == "cm" ? ConsistencySampler.Times(steps) : null;
        var images = Tensor.Empty([n, .. imageShape]);
        int perImage = imageShape.Aggregate(1, (a, b) => a * b);
        using var _ = GradMode.NoGrad();
        for (int start = 0, b = 0; start < n; start += batch, b++)
        {
            int count = Math.Min(batch, n - start);
            using var scope = TensorScope.Begin();
            int[] shape = [count, .. imageShape];
            var rng = new Rng(seed, (ulong)b << 36);
            var x = sampler == "cm" ? ConsistencySampler.Sample(denoise, shape, times!, rng, device) : HeunSampler.Sample(denoise, shape, steps, rng, device: device);
            x.Clamp(-1, 1).Cast(DType.Float32).To(Device.Cpu).Contiguous().HostSpan<float>().CopyTo(images.HostSpan<float>().Slice(start * perImage, count * perImage));
        }
        return images;
    }
}
