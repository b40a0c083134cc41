namespace Ect.Tensors;

/// <summary>
/// What a tensor knows about the op that produced it. The autograd room implements this; the tensor only keeps a
/// reference so the graph can be walked from the loss back to the leaves.
/// </summary>
public interface IGraphNode
{
    /// <summary>The op's name, as printed in graph dumps ("MulOp").</summary>
    string OpName { get; }

    /// <summary>The tensors the op consumed, in argument order (empty once the graph has been released).</summary>
    IReadOnlyList<Tensor> Inputs { get; }
}
