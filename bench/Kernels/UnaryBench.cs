using BenchmarkDotNet.Attributes;

namespace Ect.Bench.Kernels;

/// <summary>
/// SiLU, x·σ(x), over a 32×32 U-Net activation (batch 64, 128 channels): memory-bound, so watch GB/s.
/// <c>dotnet run -c Release --project bench -- --filter '*SiluBench*'</c>
/// </summary>
public class SiluBench : KernelBench
{
    private static readonly int[] s_shape = [64, 128, 32, 32];

    private Tensor _x = null!;

    public override string ShapeLabel => string.Join('x', s_shape);

    protected override void CreateInputs() => _x = RandomInput(s_shape);

    // negate, exp, add one, divide: 4 flops per element (exp counted as one), reading x and writing y.
    public override Work WorkOf(string benchmark) => Work.Elementwise(s_shape, 4, 2);

    [Benchmark]
    public void Forward() => _x.Silu().Dispose();
}
