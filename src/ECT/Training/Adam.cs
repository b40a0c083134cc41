namespace Ect.Training;

/// <summary>The optimizer interface the training loop drives: one update from the parameters' gradients, and
/// access to the state a checkpoint must hold.</summary>
public interface IOptimizer
{
    IReadOnlyList<Tensor> Parameters { get; }
    long Step { get; }
    double LearningRate { get; set; }
    void Update();
    /// <summary>Per-parameter state buffers (first and second moments), in parameter order.</summary>
    (float[] M, float[] V) Moments(int index);
    void Restore(long step);
}

/// <summary>What Adam and RAdam share: float32 first and second moments per parameter, the step counter, and the
/// loop over parameters; each subclass supplies the update of one parameter tensor at step k.</summary>
public abstract class MomentOptimizer(IReadOnlyList<Tensor> parameters, double lr, double beta1, double beta2, double eps) : IOptimizer
{
    private readonly float[][] _m = parameters.Select(p => new float[p.Count]).ToArray();
    private readonly float[][] _v = parameters.Select(p => new float[p.Count]).ToArray();

    public IReadOnlyList<Tensor> Parameters { get; } = parameters;
    public double LearningRate { get; set; } = lr;
    public double Beta1 { get; } = beta1;
    public double Beta2 { get; } = beta2;
    public double Eps { get; } = eps;
    public long Step { get; private set; }

    public (float[] M, float[] V) Moments(int index) => (_m[index], _v[index]);
    public void Restore(long step) => Step = step;

    /// <summary>Applies one update from each parameter's Grad (parameters without a gradient are skipped).</summary>
    public void Update()
    {
        long k = ++Step;
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            if (p.Grad is null) continue;
            var g = p.Grad.Contiguous().HostSpan<float>();
            var m = _m[i]; var v = _v[i];
            float b1 = (float)Beta1, b2 = (float)Beta2;
            for (int j = 0; j < g.Length; j++)
            {
                m[j] = b1 * m[j] + (1 - b1) * g[j];
                v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j];
            }
            Apply(k, p.HostSpan<float>(), m, v);
        }
    }

    /// <summary>θ update of one tensor at step k from the already-updated moments.</summary>
    protected abstract void Apply(long k, Span<float> w, float[] m, float[] v);
}

/// <summary>Adam (Kingma &amp; Ba; torch.optim.Adam, no weight decay) for EDM pretraining:
/// θ ← θ − lr·(m/(1−β1^k)) / (√(v/(1−β2^k)) + eps).</summary>
public sealed class Adam(IReadOnlyList<Tensor> parameters, double lr = 5e-4, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    : MomentOptimizer(parameters, lr, beta1, beta2, eps)
{
    protected override void Apply(long k, Span<float> w, float[] m, float[] v)
    {
        float stepSize = (float)(LearningRate / (1 - Math.Pow(Beta1, k)));
        float root2 = (float)Math.Sqrt(1 - Math.Pow(Beta2, k)), e = (float)Eps;
        for (int j = 0; j < w.Length; j++) w[j] -= stepSize * m[j] / (MathF.Sqrt(v[j]) / root2 + e);
    }
}
