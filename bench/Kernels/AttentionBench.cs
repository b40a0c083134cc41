using BenchmarkDotNet.Attributes;

namespace Ect.Bench.Kernels;

/// <summary>
/// One DDPM++ self-attention at 16×16 (256 tokens, 256 channels, batch 16) as the U-Net composes it:
/// softmax(q·kᵀ/√C)·v over [B, T, C] tensors, forward only.
/// <c>dotnet run -c Release --project bench -- --filter '*AttentionBench*'</c>
/// </summary>
public class AttentionBench : KernelBench
{
    private const int Batch = 16, Tokens = 256, Channels = 256;

    private Tensor _q = null!, _k = null!, _v = null!;

    public override string ShapeLabel => $"{Batch}x{Tokens}x{Channels}";

    protected override void CreateInputs()
    {
        _q = RandomInput(Batch, Tokens, Channels);
        _k = RandomInput(Batch, Tokens, Channels);
        _v = RandomInput(Batch, Tokens, Channels);
    }

    // Flops: the two products, 2·T·T·C each per batch entry (scale and softmax are negligible beside them).
    // Bytes: q, k, v and the output [B, T, C]; the scores [B, T, T] written once and read once.
    public override Work WorkOf(string benchmark) => new(
        4.0 * Batch * Tokens * Tokens * Channels,
        4.0 * (4L * Batch * Tokens * Channels + 2L * Batch * Tokens * Tokens));

    [Benchmark]
    public void Forward() => Discard(() => _q.MatMul(_k, transposeB: true).Mul(1 / Math.Sqrt(Channels)).Softmax(-1).MatMul(_v));
}
