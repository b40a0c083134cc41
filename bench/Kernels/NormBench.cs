using BenchmarkDotNet.Attributes;

namespace Ect.Bench.Kernels;

/// <summary>
/// GroupNorm with affine γ, β as the U-Net's 32×32 blocks use it (128 channels, 32 groups, batch 64), forward alone
/// and forward + backward (gradients of x, γ and β), plain and fused with the SiLU that follows it in every block.
/// All are memory-bound: the figure to watch is GB/s.
/// <c>dotnet run -c Release --project bench -- --filter '*GroupNormBench*'</c>
/// </summary>
public class GroupNormBench : KernelBench
{
    private const int Groups = 32;
    private static readonly int[] s_shape = [64, 128, 32, 32];

    private Tensor _x = null!, _gamma = null!, _beta = null!, _dy = null!, _xLeaf = null!, _gammaLeaf = null!, _betaLeaf = null!;

    public override string ShapeLabel => $"{string.Join('x', s_shape)}g{Groups}";

    protected override void CreateInputs()
    {
        _x = RandomInput(s_shape);
        _gamma = RandomInput(s_shape[1]);
        _beta = RandomInput(s_shape[1]);
        _dy = RandomInput(s_shape);
        _xLeaf = Leaf(_x);
        _gammaLeaf = Leaf(_gamma);
        _betaLeaf = Leaf(_beta);
    }

    // Per element, forward: mean, variance, normalise, scale and shift ≈ 8 flops, reading x and writing y.
    // Backward: dx from dy, x and the two per-group sums ≈ 12 flops, reading dy and x and writing dx. The fused SiLU
    // adds its 4 flops forward and 8 backward, and no traffic.
    public override Work WorkOf(string benchmark) => benchmark switch
    {
        nameof(ForwardBackward) => Work.Elementwise(s_shape, 8 + 12, 2 + 3),
        nameof(SiluForward) => Work.Elementwise(s_shape, 8 + 4, 2),
        nameof(SiluForwardBackward) => Work.Elementwise(s_shape, 8 + 12 + 4 + 8, 2 + 3),
        _ => Work.Elementwise(s_shape, 8, 2),
    };

    [Benchmark]
    public void Forward() => _x.GroupNorm(Groups, _gamma, _beta, 1e-6).Dispose();

    [Benchmark]
    public void ForwardBackward() => BackwardFrom(() => _xLeaf.GroupNorm(Groups, _gammaLeaf, _betaLeaf, 1e-6), _dy);

    [Benchmark]
    public void SiluForward() => _x.GroupNormSilu(Groups, _gamma, _beta, 1e-6).Dispose();

    [Benchmark]
    public void SiluForwardBackward() => BackwardFrom(() => _xLeaf.GroupNormSilu(Groups, _gammaLeaf, _betaLeaf, 1e-6), _dy);
}

/// <summary>
/// Softmax over the last axis of [64, 256, 256] (attention scores at 16×16 with 256 tokens), forward alone and
/// forward + backward.
/// <c>dotnet run -c Release --project bench -- --filter '*SoftmaxBench*'</c>
/// </summary>
public class SoftmaxBench : OneTensorOpBench
{
    protected override int[] Shape => [64, 256, 256];

    // max, subtract, exp, sum, divide: 5 flops per element (exp counted as one). Backward: Σ dy·y, then
    // y·(dy − Σ): 4 flops.
    protected override double ForwardFlopsPerElement => 5;

    protected override double BackwardFlopsPerElement => 4;

    protected override Tensor Apply(Tensor x) => x.Softmax(-1);
}
