using BenchmarkDotNet.Attributes;

namespace Ect.Bench.Kernels;

/// <summary>
/// SiLU, x·σ(x), over a 32×32 U-Net activation (batch 64, 128 channels), forward alone and forward + backward:
/// memory-bound, so watch GB/s.
/// <c>dotnet run -c Release --project bench -- --filter '*SiluBench*'</c>
/// </summary>
public class SiluBench : OneTensorOpBench
{
    protected override int[] Shape => [64, 128, 32, 32];

    // negate, exp, add one, divide: 4 flops per element (exp counted as one). Backward: σ again and
    // dy·σ·(1 + x·(1 − σ)), ~8 flops.
    protected override double ForwardFlopsPerElement => 4;

    protected override double BackwardFlopsPerElement => 8;

    protected override Tensor Apply(Tensor x) => x.Silu();
}
