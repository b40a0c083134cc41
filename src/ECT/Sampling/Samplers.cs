namespace Ect.Sampling;

/// <summary>A denoiser for sampling: x (float64 state) and one σ per image → D(x; σ) as float64. Wrappers around
/// the float32 network cast on the way in and out; tests plug in closed forms.</summary>
public delegate Tensor SamplingDenoiser(Tensor x, double[] sigma);

/// <summary>
/// Consistency sampling in 1, 2 or n steps (spec §5.1), for the EMA network in eval mode:
/// x ← t_max·z; for each pair (τ, τ') of the time list [t_max, mids…, 0]: x ← D(x; τ), then, if τ' &gt; 0,
/// x ← x + τ'·z' with fresh z' (τ'·z', not √(τ'² − σmin²)·z', as the reference does). State in float64.
/// </summary>
public static class ConsistencySampler
{
    public const double TMax = 80, MidT = 0.821;

    /// <summary>The reference's time lists: 1 step [80, 0], 2 steps [80, 0.821, 0]; more steps need explicit mids.</summary>
    public static double[] Times(int steps, IReadOnlyList<double>? mids = null)
    {
        if (mids is not null)
        {
            if (mids.Count != steps - 1) throw new ArgumentException($"{steps} steps need {steps - 1} intermediate times, got {mids.Count}");
            var times = new[] { TMax }.Concat(mids).Append(0.0).ToArray();
            for (int i = 1; i < times.Length; i++)
                if (!(times[i] < times[i - 1])) throw new ArgumentException($"sampling times must decrease strictly: [{string.Join(", ", times)}]");
            return times;
        }
        return steps switch
        {
            1 => [TMax, 0],
            2 => [TMax, MidT, 0],
            _ => throw new ArgumentException($"{steps}-step consistency sampling needs its intermediate times (e.g. --mid-t 1.5 --mid-t 0.821 …)"),
        };
    }

    public static Tensor Sample(SamplingDenoiser denoise, int[] shape, double[] times, Rng rng, Device device = default)
    {
        var x = TensorOps.RandomNormal(shape, rng, DType.Float64, device) * times[0];
        int batch = shape[0];
        for (int i = 0; i + 1 < times.Length; i++)
        {
            // Each step's network activations are freed when it ends; only the new state leaves the scope.
            using var step = TensorScope.Begin();
            x = denoise(x, Enumerable.Repeat(times[i], batch).ToArray());
            if (times[i + 1] > 0) x = x + TensorOps.RandomNormal(shape, rng, DType.Float64, device) * times[i + 1];
            x = step.Keep(x);
        }
        return x;
    }
}

/// <summary>
/// EDM's deterministic sampler (spec §5.2): Karras σ schedule with ρ = 7 between σmax = 80 and σmin = 0.002, then
/// σ_N = 0; Heun steps with a plain Euler step at the end (NFE = 2N − 1). State in float64.
/// </summary>
public static class HeunSampler
{
    public static double[] Schedule(int n, double sigmaMin = 0.002, double sigmaMax = 80, double rho = 7)
    {
        if (n < 1) throw new ArgumentException($"the Heun sampler needs at least 1 step, got {n}");
        var sigmas = new double[n + 1];
        double a = Math.Pow(sigmaMax, 1 / rho), b = Math.Pow(sigmaMin, 1 / rho);
        for (int i = 0; i < n; i++) sigmas[i] = Math.Pow(a + (n == 1 ? 0 : i / (n - 1.0)) * (b - a), rho);
        sigmas[n] = 0;
        return sigmas;
    }

    /// <summary>Integrates the PF-ODE from σ_0·z (z given) down to σ = 0.</summary>
    public static Tensor Sample(SamplingDenoiser denoise, Tensor z, int steps, double sigmaMin = 0.002)
    {
        var sigma = Schedule(steps, sigmaMin);
        int batch = z.Dim(0);
        double[] S(double s) => Enumerable.Repeat(s, batch).ToArray();
        var x = z.Cast(DType.Float64) * sigma[0];
        for (int i = 0; i < steps; i++)
        {
            // Each step's network activations (two evaluations) are freed when it ends: sampling 35 evaluations of a
            // large batch in one scope would hold them all at once. Only the new state leaves the scope.
            using var step = TensorScope.Begin();
            var d = (x - denoise(x, S(sigma[i]))) / sigma[i];
            var next = x + d * (sigma[i + 1] - sigma[i]);
            if (i < steps - 1)
            {
                var d2 = (next - denoise(next, S(sigma[i + 1]))) / sigma[i + 1];
                next = x + (d + d2) * ((sigma[i + 1] - sigma[i]) / 2);
            }
            x = step.Keep(next);
        }
        return x;
    }

    public static Tensor Sample(SamplingDenoiser denoise, int[] shape, int steps, Rng rng, double sigmaMin = 0.002, Device device = default) =>
        Sample(denoise, TensorOps.RandomNormal(shape, rng, DType.Float64, device), steps, sigmaMin);
}
