namespace Ect.Objectives;

/// <summary>A denoiser call D(x; σ) with a dropout stream (train mode): the network, or a closed form in tests.</summary>
public delegate Tensor DenoiserFn(Tensor x, double[] sigma, Rng? dropoutRng);

/// <summary>What one ECT loss evaluation produced: the batch loss (mean of the per-sample losses), the per-sample
/// losses L_i, the student output D_t and the (stop-gradient) target.</summary>
public sealed record EctLossResult(Tensor Loss, Tensor PerSample, Tensor StudentOutput, Tensor Target);

/// <summary>
/// The ECT objective for one batch, following the CIFAR-10 code (spec §3.1, §3.5, §3.6):
///   x_t = y + t·ε and x_r = y + r·ε with ONE shared ε;
///   D_t = D(x_t; t) with gradients and a dropout mask drawn from the step's Rng;
///   target = r &gt; 0 ? sg(D(x_r; r)) with the SAME mask (replayed from a fork taken before the student pass) : y;
///   ℓ_i = √(‖D_t − target‖² + c²) − c (c = 0: the L2 norm);  L_i = ℓ_i / (t_i − r_i);  loss = mean_i L_i.
/// Rows with r = 0 feed σ = t to the teacher (never ln 0 = −∞) and then take y through a row-wise where; the teacher
/// output is still sanitised (NaN → 0, ±∞ → ±float.MaxValue) as the reference does.
/// </summary>
public static class EctLoss
{
    /// <summary>The smallest squared norm the square root sees: at Δ = 0 its gradient is then 0·finite = 0 rather
    /// than NaN (spec §3.6), while any real Δ (float32 ‖Δ‖² ≫ 1e-30) is unchanged.</summary>
    private const double NormFloor = 1e-30;

    public const double PMean = -1.1, PStd = 2.0;

    /// <summary>t_b = exp(P_mean + P_std·z_b) with P_mean = −1.1, P_std = 2.0 (log-space parameters; std, not
    /// variance; no clamp), spec §3.1.</summary>
    public static double[] SampleT(double[] z) => z.Select(v => Math.Exp(PMean + PStd * v)).ToArray();

    public static EctLossResult Compute(DenoiserFn denoise, Tensor y, double[] t, double[] r, Tensor noise, Rng dropoutRng, double c = 0)
    {
        int b = y.Dim(0);
        if (t.Length != b || r.Length != b)
            throw new ArgumentException($"EctLoss: {t.Length} values of t and {r.Length} of r for a batch of {b}");
        Tensor Column(IEnumerable<double> values) => PerImage.Column(values, y);

        // The teacher runs first, in a scope of its own that keeps only the target: its activations (a whole forward
        // pass) go back to the pool before the student's forward and backward, instead of living to the step's end.
        // It replays the dropout masks the student is about to draw from the same state (a fork, so order is free).
        var teacherRng = dropoutRng.Fork();
        Tensor target = y;
        if (r.Max() > 0)
        {
            var rSafe = r.Select((ri, i) => ri > 0 ? ri : t[i]).ToArray();
            using var teacherScope = TensorScope.Begin();
            using (GradMode.NoGrad())
            {
                var teacher = denoise(y + Column(rSafe) * noise, rSafe, teacherRng).NanToNum(0, float.MaxValue, float.MinValue);
                target = teacherScope.Keep(TensorOps.Where(Column(r.Select(ri => ri > 0 ? 1.0 : 0.0)), teacher, y));
            }
        }
        var student = denoise(y + Column(t) * noise, t, dropoutRng);

        var squared = (student - target).Square().Sum([1, 2, 3]);            // ‖Δ_i‖², [B]
        var norm = c > 0 ? (squared + c * c).Sqrt() - c : squared.Maximum(NormFloor).Sqrt();
        var weight = Tensor.FromArray(t.Select((ti, i) => 1 / (ti - r[i])).ToArray(), b).Cast(y.DType).To(y.Device);
        var perSample = norm * weight;
        return new EctLossResult(perSample.Mean(), perSample, student, target);
    }
}
