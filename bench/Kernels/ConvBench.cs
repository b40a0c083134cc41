using BenchmarkDotNet.Attributes;

namespace Ect.Bench.Kernels;

/// <summary>A 3×3, stride 1, pad 1 convolution of a batch; printed CinxCoutxHxWxbB, as in the quick table.</summary>
public sealed record ConvShape(int Cin, int Cout, int Size, int Batch)
{
    public override string ToString() => $"{Cin}x{Cout}x{Size}x{Size}xb{Batch}";
}

/// <summary>
/// The U-Net's 3×3 convolutions through <c>x.Conv2d(w, null, 1, 1)</c>, forward alone and forward + backward
/// (input and weight gradients). <c>dotnet run -c Release --project bench -- --filter '*Conv3x3Bench*'</c>
/// </summary>
public class Conv3x3Bench : KernelBench
{
    public static IEnumerable<ConvShape> Shapes => [new(32, 32, 32, 64), new(64, 64, 32, 64), new(64, 64, 16, 64)];

    [ParamsSource(nameof(Shapes))] public ConvShape Shape = new(32, 32, 32, 64);

    private Tensor _x = null!, _w = null!, _dy = null!, _xLeaf = null!, _wLeaf = null!;

    public override string ShapeLabel => Shape.ToString();

    protected override void CreateInputs()
    {
        _x = RandomInput(Shape.Batch, Shape.Cin, Shape.Size, Shape.Size);
        _w = RandomInput(Shape.Cout, Shape.Cin, 3, 3);
        _dy = RandomInput(Shape.Batch, Shape.Cout, Shape.Size, Shape.Size);
        _xLeaf = Leaf(_x);
        _wLeaf = Leaf(_w);
    }

    public override Work WorkOf(string benchmark)
    {
        long pixels = (long)Shape.Batch * Shape.Size * Shape.Size;
        var forward = new Work(2.0 * pixels * Shape.Cout * Shape.Cin * 9,
            4.0 * (pixels * Shape.Cin + Shape.Cout * Shape.Cin * 9L + pixels * Shape.Cout));
        // The backward pass is two more products of the forward's size (dL/dx and dL/dw), hence three forwards.
        return benchmark == nameof(ForwardBackward) ? 3 * forward : forward;   // each gradient alone: one forward's work
    }

    [Benchmark]
    public void Forward() => _x.Conv2d(_w, null, 1, 1).Dispose();

    /// <summary>dL/dx alone, through the backend (the pass the autograd op runs for it).</summary>
    [Benchmark]
    public void InputGradient() => Ect.Kernels.Backends.Cpu.Conv2dBackwardInput(_dy, _w, _x.Shape.AsSpan(), new Conv2dGeometry(1, 1)).Dispose();

    /// <summary>dL/dw alone, through the backend.</summary>
    [Benchmark]
    public void WeightGradient() => Ect.Kernels.Backends.Cpu.Conv2dBackwardWeight(_dy, _x, _w.Shape.AsSpan(), new Conv2dGeometry(1, 1)).Dispose();

    [Benchmark]
    public void ForwardBackward() => BackwardFrom(() => _xLeaf.Conv2d(_wLeaf, null, 1, 1), _dy);
}
