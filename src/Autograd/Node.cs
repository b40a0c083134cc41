namespace Ect.Autograd;

/// <summary>
/// One recorded op: its name, its inputs, and the closure that maps the output's gradient to the inputs' gradients
/// (which holds whatever the op saved for backward). After a backward pass without retainGraph the closure and the
/// inputs are dropped, so saved activations can be reclaimed as soon as the pass has used them.
/// </summary>
public sealed class Node : IGraphNode
{
    private Tensor[] _inputs;
    private Func<Tensor, Tensor?[]>? _backward;

    internal Node(string opName, Tensor[] inputs, Func<Tensor, Tensor?[]> backward, Tensor output)
    {
        OpName = opName;
        _inputs = inputs;
        _backward = backward;
        OutputShape = output.Shape.ToArray();
    }

    public string OpName { get; }
    public IReadOnlyList<Tensor> Inputs => _inputs;
    public int[] OutputShape { get; }
    public bool IsReleased => _backward is null;

    /// <summary>The backward closure's captured state (null once released), for <see cref="GraphExport"/>.</summary>
    internal object? BackwardTarget => _backward?.Target;

    internal Tensor?[] Backward(Tensor gradient)
    {
        if (_backward is null)
            throw new InvalidOperationException(
                $"Backward: the graph through {OpName} was already used by a backward pass and then freed. " +
                "Pass retainGraph: true to the first Backward() call if you need to run backward twice.");
        return _backward(gradient);
    }

    internal void Release()
    {
        _backward = null;
        _inputs = [];
    }
}

/// <summary>Attaches a node to an op's output when recording is on and some input requires a gradient.</summary>
public static class Graph
{
    /// <summary>Returns <paramref name="output"/>, marked as produced by <paramref name="opName"/> when a gradient
    /// can flow through it. <paramref name="backward"/> returns one gradient (or null) per input, each with its
    /// input's shape.</summary>
    public static Tensor Record(Tensor output, string opName, Tensor[] inputs, Func<Tensor, Tensor?[]> backward)
    {
        if (!GradMode.IsEnabled) return output;
        bool any = false;
        foreach (var input in inputs) any |= input.RequiresGrad;
        if (!any) return output;
        output.RequiresGrad = true;
        output.GradFn = new Node(opName, inputs, backward, output);
        return output;
    }
}
