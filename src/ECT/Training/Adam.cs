using Ect.Kernels;

namespace Ect.Training;

/// <summary>The optimizer interface the training loop drives: one update from the parameters' gradients, and
/// access to the state a checkpoint must hold.</summary>
public interface IOptimizer
{
    IReadOnlyList<Tensor> Parameters { get; }
    long Step { get; }
    double LearningRate { get; set; }
    void Update();
    /// <summary>Per-parameter state (first and second moments, each the parameter's shape, on its device), in
    /// parameter order.</summary>
    (Tensor M, Tensor V) Moments(int index);
    void Restore(long step);
}

/// <summary>What Adam and RAdam share: first and second moments per parameter (on the parameter's device, in its
/// dtype), the step counter, and the loop over parameters, each updated by the backend's fused
/// <see cref="ITensorBackend.MomentStep"/>; each subclass supplies the scalar factors of step k. Create the optimizer
/// outside any <see cref="TensorScope"/> (its moments live as long as it does).</summary>
public abstract class MomentOptimizer(IReadOnlyList<Tensor> parameters, double lr, double beta1, double beta2, double eps) : IOptimizer
{
    private readonly Tensor[] _m = parameters.Select(ZerosLike).ToArray();
    private readonly Tensor[] _v = parameters.Select(ZerosLike).ToArray();

    public IReadOnlyList<Tensor> Parameters { get; } = parameters;
    public double LearningRate { get; set; } = lr;
    public double Beta1 { get; } = beta1;
    public double Beta2 { get; } = beta2;
    public double Eps { get; } = eps;
    public long Step { get; private set; }

    public (Tensor M, Tensor V) Moments(int index) => (_m[index], _v[index]);
    public void Restore(long step) => Step = step;

    /// <summary>Applies one update from each parameter's Grad (parameters without a gradient are skipped).</summary>
    public void Update()
    {
        long k = ++Step;
        var factors = Factors(k);
        for (int i = 0; i < Parameters.Count; i++)
        {
            var p = Parameters[i];
            if (p.Grad is null) continue;
            Backends.For(p).MomentStep(p, p.Grad, _m[i], _v[i], factors);
        }
    }

    /// <summary>The scalar factors of step k (the same for every parameter).</summary>
    protected abstract MomentStepFactors Factors(long k);

    private static Tensor ZerosLike(Tensor p)
    {
        var backend = Backends.For(p);
        var zeros = backend.Empty(p.Shape.AsSpan(), p.DType);
        backend.Fill(zeros, 0);
        return zeros;
    }
}

/// <summary>Adam (Kingma &amp; Ba; torch.optim.Adam, no weight decay) for EDM pretraining:
/// θ ← θ − lr·(m/(1−β1^k)) / (√(v/(1−β2^k)) + eps), computed as (lr/(1−β1^k))·m / (√v/√(1−β2^k) + eps).</summary>
public sealed class Adam(IReadOnlyList<Tensor> parameters, double lr = 5e-4, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8)
    : MomentOptimizer(parameters, lr, beta1, beta2, eps)
{
    protected override MomentStepFactors Factors(long k) =>
        new(Beta1, Beta2, StepSize: LearningRate / (1 - Math.Pow(Beta1, k)), RootBias2: Math.Sqrt(1 - Math.Pow(Beta2, k)), Eps, Adaptive: true);
}
