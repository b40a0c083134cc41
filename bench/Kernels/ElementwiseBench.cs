using BenchmarkDotNet.Attributes;
using Ect.Kernels;

namespace Ect.Bench.Kernels;

/// <summary>Elementwise multiply through the CPU backend against a scalar loop (12 bytes/element moved).</summary>
[MemoryDiagnoser]
public class MulBench
{
    [Params(4_096, 1_000_003)] public int N;   // a round size and an odd one, so the tail shows up
    private Tensor _x = null!, _y = null!;
    private float[] _xs = [], _ys = [], _zs = [];

    [GlobalSetup]
    public void Setup()
    {
        _x = TensorOps.RandomNormal([N], 1); _y = TensorOps.RandomNormal([N], 2);
        _xs = _x.ToFloatArray(); _ys = _y.ToFloatArray(); _zs = new float[N];
    }

    [Benchmark(Baseline = true)]
    public void ScalarLoop()
    {
        for (int i = 0; i < _xs.Length; i++) _zs[i] = _xs[i] * _ys[i];
    }

    [Benchmark]
    public void Backend() => Backends.Cpu.Binary(BinaryOp.Mul, _x, _y).Dispose();
}

/// <summary>Square matrix products through the CPU backend (2·n³ flops).</summary>
public class MatMulBench
{
    [Params(256, 512, 1024)] public int N;
    private Tensor _a = null!, _b = null!;

    [GlobalSetup]
    public void Setup() { _a = TensorOps.RandomNormal([N, N], 1); _b = TensorOps.RandomNormal([N, N], 2); }

    [Benchmark]
    public void MatMul() => _a.MatMul(_b).Dispose();
}
