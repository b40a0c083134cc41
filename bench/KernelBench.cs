using BenchmarkDotNet.Attributes;

namespace Ect.Bench;

/// <summary>
/// How much one call of a benchmark does: floating-point operations, and bytes moved counting each input read once
/// and each output written once (the least any implementation must move, so GB/s compares with the memory bandwidth).
/// bench/reference/compare.py uses the same formulas, so ratios of these figures are ratios of times.
/// </summary>
public readonly record struct Work(double Flops, double Bytes)
{
    /// <summary>An elementwise pass over a float32 tensor of <paramref name="shape"/> that reads or writes
    /// <paramref name="tensorsMoved"/> tensors of that shape.</summary>
    public static Work Elementwise(ReadOnlySpan<int> shape, double flopsPerElement, int tensorsMoved) =>
        new(flopsPerElement * Shapes.Count(shape), 4.0 * tensorsMoved * Shapes.Count(shape));

    /// <summary>[M, K]·[K, N] in float32: 2·M·N·K flops.</summary>
    public static Work Gemm(int m, int n, int k) => new(2.0 * m * n * k, 4.0 * ((long)m * k + (long)k * n + (long)m * n));

    public static Work operator *(double factor, Work work) => new(factor * work.Flops, factor * work.Bytes);
}

/// <summary>
/// Base of the kernel suites in bench/Kernels. It owns the input tensors (created by <see cref="CreateInputs"/>,
/// disposed by the global cleanup) and says how much <see cref="WorkOf"/> each benchmark method does; the GFLOP/s and
/// GB/s columns (<see cref="ThroughputColumn"/>) and the quick mode (<see cref="QuickBench"/>) divide that by time,
/// so the suites and the quick table cannot disagree about a shape or a flop count.
/// </summary>
public abstract class KernelBench : IDisposable
{
    private readonly List<Tensor> _inputs = [];
    private ulong _seed;

    [GlobalSetup]
    public void Setup() => CreateInputs();

    /// <summary>Work done by one call of the benchmark method named <paramref name="benchmark"/>. Called by the
    /// column on a fresh instance with only the [Params] set, so it must not need <see cref="Setup"/>.</summary>
    public abstract Work WorkOf(string benchmark);

    /// <summary>The shape as the quick table and compare.py print it.</summary>
    public abstract string ShapeLabel { get; }

    protected abstract void CreateInputs();

    /// <summary>An owned N(0, 1) input; each call draws from its own seed, so no two inputs are equal.</summary>
    protected Tensor RandomInput(params int[] shape) => Own(TensorOps.RandomNormal(shape, ++_seed));

    /// <summary>A gradient-tracking leaf over <paramref name="input"/>'s data; forward-only benchmarks keep using
    /// the original, so they record no graph.</summary>
    protected Tensor Leaf(Tensor input) => Own(input.Detach().RequireGrad());

    protected Tensor Own(Tensor tensor)
    {
        _inputs.Add(tensor);
        return tensor;
    }

    /// <summary>Runs <paramref name="forward"/> and frees everything it created, intermediates included (a
    /// composite such as attention leaves several temporaries that a single Dispose of the result would miss).</summary>
    protected static void Discard(Func<Tensor> forward)
    {
        using (TensorScope.Begin()) forward();
    }

    /// <summary>forward().Backward(cotangent): the op's forward and backward from a given upstream gradient, as a
    /// training step runs them (dy comes from the next layer). Then frees the graph and the leaves' gradients, so
    /// every call starts from no gradient (as after ZeroGrad) and the buffers go back to the pool for the next call.
    /// (Backward from a Sum instead would also time reading y and filling a ones-gradient: two passes over a tensor
    /// that no kernel here owes and the work counts do not include.)</summary>
    protected void BackwardFrom(Func<Tensor> forward, Tensor cotangent)
    {
        using (TensorScope.Begin()) forward().Backward(cotangent);
        foreach (var input in _inputs) input.Grad = null; // disposed with the scope above
    }

    [GlobalCleanup]
    public void Dispose()
    {
        foreach (var input in _inputs) input.Dispose();
        _inputs.Clear();
    }
}

/// <summary>
/// An op of one tensor (SiLU, softmax), timed forward alone and forward + backward. Subclasses name the op, the shape
/// and the flops per element of each direction; bytes count x read and y written forward, and x (or y), dy read and
/// dx written backward.
/// </summary>
public abstract class OneTensorOpBench : KernelBench
{
    private Tensor _x = null!, _xLeaf = null!, _dy = null!;

    protected abstract int[] Shape { get; }

    protected abstract double ForwardFlopsPerElement { get; }

    protected abstract double BackwardFlopsPerElement { get; }

    protected abstract Tensor Apply(Tensor x);

    public override string ShapeLabel => string.Join('x', Shape);

    protected override void CreateInputs()
    {
        _x = RandomInput(Shape);
        _xLeaf = Leaf(_x);
        _dy = RandomInput(Shape);
    }

    public override Work WorkOf(string benchmark) => benchmark == nameof(ForwardBackward)
        ? Work.Elementwise(Shape, ForwardFlopsPerElement + BackwardFlopsPerElement, 2 + 3)
        : Work.Elementwise(Shape, ForwardFlopsPerElement, 2);

    [Benchmark]
    public void Forward() => Apply(_x).Dispose();

    [Benchmark]
    public void ForwardBackward() => BackwardFrom(() => Apply(_xLeaf), _dy);
}
