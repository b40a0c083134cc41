using BenchmarkDotNet.Attributes;
using Ect.Kernels;

namespace Ect.Bench.Kernels;

/// <summary>
/// The memory-bandwidth reference: a contiguous copy and an add over 256 MB per tensor, far beyond any cache, so
/// their GB/s is what DRAM gives this process and the ceiling for every memory-bound kernel (GroupNorm, SiLU, ...).
/// <c>dotnet run -c Release --project bench -- --filter '*MemoryBandwidthBench*'</c>
/// </summary>
public class MemoryBandwidthBench : KernelBench
{
    private static readonly int[] s_shape = [1 << 26];   // float32: 256 MB

    private Tensor _x = null!, _y = null!, _destination = null!;

    public override string ShapeLabel => $"{s_shape[0]}";

    protected override void CreateInputs()
    {
        _x = RandomInput(s_shape);
        _y = RandomInput(s_shape);
        _destination = Own(Tensor.Empty(s_shape));
    }

    public override Work WorkOf(string benchmark) => benchmark == nameof(Add)
        ? Work.Elementwise(s_shape, 1, 3)
        : Work.Elementwise(s_shape, 0, 2);

    // Into a preallocated destination, as NumPy's copyto in compare.py.
    [Benchmark]
    public void Copy() => Backends.Cpu.Copy(_x, _destination);

    [Benchmark]
    public void Add() => _x.Add(_y).Dispose();
}

/// <summary>Elementwise multiply through the CPU backend against a scalar loop (12 bytes/element moved).</summary>
[MemoryDiagnoser]
public class MulBench : KernelBench
{
    [Params(4_096, 1_000_003)] public int N;   // a round size and an odd one, so the tail shows up
    private Tensor _x = null!, _y = null!;
    private float[] _xs = [], _ys = [], _zs = [];

    public override string ShapeLabel => $"{N}";

    protected override void CreateInputs()
    {
        _x = RandomInput(N);
        _y = RandomInput(N);
        _xs = _x.ToFloatArray(); _ys = _y.ToFloatArray(); _zs = new float[N];
    }

    public override Work WorkOf(string benchmark) => Work.Elementwise([N], 1, 3);

    [Benchmark(Baseline = true)]
    public void ScalarLoop()
    {
        for (int i = 0; i < _xs.Length; i++) _zs[i] = _xs[i] * _ys[i];
    }

    [Benchmark]
    public void Backend() => Backends.Cpu.Binary(BinaryOp.Mul, _x, _y).Dispose();
}
