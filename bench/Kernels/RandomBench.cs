using BenchmarkDotNet.Attributes;

namespace Ect.Bench.Kernels;

/// <summary>
/// Dropout (p = 0.2, as in ECT's CIFAR-10 U-Net) over a 32×32 activation, in the three stages it is built from:
/// Philox uniforms, the inverted-dropout mask made from them, and mask generation plus the multiply by x.
/// Memory-bound; each stage's GB/s counts only the tensors a fused kernel would have to move.
/// <c>dotnet run -c Release --project bench -- --filter '*DropoutBench*'</c>
/// </summary>
public class DropoutBench : KernelBench
{
    private const double P = 0.2;
    private static readonly int[] s_shape = [64, 128, 32, 32];

    // One stream for the whole run: every call draws fresh numbers, as training does.
    private readonly Rng _rng = new(42);
    private Tensor _x = null!;

    public override string ShapeLabel => $"{string.Join('x', s_shape)}p{P}";

    protected override void CreateInputs() => _x = RandomInput(s_shape);

    // Uniforms: written once, no flops counted (Philox is integer work). Mask: compare and scale, 2 flops, written
    // once. Dropout: those plus the multiply, reading x and writing y.
    public override Work WorkOf(string benchmark) => benchmark switch
    {
        nameof(Uniform) => Work.Elementwise(s_shape, 0, 1),
        nameof(Mask) => Work.Elementwise(s_shape, 2, 1),
        _ => Work.Elementwise(s_shape, 3, 2),
    };

    [Benchmark]
    public void Uniform() => TensorOps.RandomUniform(s_shape, _rng).Dispose();

    [Benchmark]
    public void Mask() => TensorOps.DropoutMask(s_shape, P, _rng).Dispose();

    // A scope, not Dispose: Dropout does not hand back the mask it multiplies by.
    [Benchmark]
    public void Dropout() => Discard(() => _x.Dropout(P, _rng));
}
