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

/// <summary>Adam (Kingma &amp; Ba; torch.optim.Adam, no weight decay) for EDM pretraining:
/// m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; θ ← θ − lr·(m/(1−β1^k)) / (√(v/(1−β2^k)) + eps).</summary>
public sealed class Adam(IReadOnlyList<Tensor> parameters, double lr = 5e-4, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8) : IOptimizer
{
    private readonly float[][] _m = parameters.Select(p => new float[p.Count]).ToArray();
    private readonly float[][] _v = parameters.Select(p => new float[p.Count]).ToArray();

    public IReadOnlyList<Tensor> Parameters { get; } = parameters;
    public double LearningRate { get; set; } = lr;
    public long Step { get; private set; }
    public (float[] M, float[] V) Moments(int index) => (_m[index], _v[index]);
    public void Restore(long step) => Step = step;

    public void Update()
    {
        long k = ++Step;
        float b1 = (float)beta1, b2 = (float)beta2, e = (float)eps;
        float stepSize = (float)(LearningRate / (1 - Math.Pow(beta1, k)));
        float root2 = (float)Math.Sqrt(1 - Math.Pow(beta2, k));
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            if (p.Grad is null) continue;
            var w = p.HostSpan<float>();
            var g = p.Grad.Contiguous().HostSpan<float>();
            var m = _m[i]; var v = _v[i];
            for (int j = 0; j < w.Length; j++)
            {
                m[j] = b1 * m[j] + (1 - b1) * g[j];
                v[j] = b2 * v[j] + (1 - b2) * g[j] * g[j];
                w[j] -= stepSize * m[j] / (MathF.Sqrt(v[j]) / root2 + e);
            }
        }
    }
}
