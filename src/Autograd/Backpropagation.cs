namespace Ect.Autograd;

/// <summary>The reverse pass: topological order from the output back to the leaves, gradients summed per tensor.</summary>
public static class Backpropagation
{
    /// <summary>
    /// Computes d(root)/d(leaf) for every leaf that requires grad and adds it to the leaf's <see cref="Tensor.Grad"/>
    /// (gradients accumulate across calls: zero them between optimizer steps). <paramref name="gradient"/> is the
    /// cotangent of root; it may be omitted only for a one-element root (it is then 1). With
    /// <paramref name="createGraph"/> the backward computation is itself recorded (for higher derivatives).
    /// </summary>
    public static void Backward(this Tensor root, Tensor? gradient = null, bool retainGraph = false, bool createGraph = false)
    {
        if (!root.RequiresGrad)
            throw new InvalidOperationException(
                "Backward: this tensor does not require grad: none of the inputs it was computed from has RequiresGrad = true, " +
                "or it was computed inside GradMode.NoGrad()");
        if (gradient is null)
        {
            if (root.Count != 1)
                throw new InvalidOperationException(
                    $"Backward: the output has shape {Check.Fmt(root.Shape.AsSpan())}; pass its gradient explicitly, or reduce it to one number first (e.g. .Sum())");
            gradient = TensorOps.Full(root.Shape.AsSpan(), 1, root.DType, root.Device);
        }
        else
            Check.That(Shapes.Equal(gradient.Shape.AsSpan(), root.Shape.AsSpan()), "Backward",
                () => $"the gradient has shape {Check.Fmt(gradient.Shape.AsSpan())} but the output has shape {Check.Fmt(root.Shape.AsSpan())}");

        var order = TopologicalOrder(root);
        var grads = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance) { [root] = gradient };
        // Intermediate gradients are freed as soon as nothing needs them: a training step would otherwise keep every
        // gradient of every activation alive until its TensorScope ends. One gradient object can sit in several
        // entries (Add hands the same tensor to both inputs), so entries are counted per object.
        var holds = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance) { [gradient] = 1 };
        void Hold(Tensor t) => holds[t] = holds.GetValueOrDefault(t) + 1;
        void Drop(Tensor t)
        {
            if (!holds.TryGetValue(t, out int n)) return;
            if (n > 1) { holds[t] = n - 1; return; }
            holds.Remove(t);
            if (!createGraph && !ReferenceEquals(t, gradient)) t.Dispose();
        }

        // g may become a leaf's gradient without a copy only if this pass made it, no other entry or view shares it,
        // and it covers its whole storage contiguously (the leaf then owns exactly its own memory).
        bool IsExclusive(Tensor g) =>
            !ReferenceEquals(g, gradient) && holds.GetValueOrDefault(g) == 1 && g.IsContiguous && g.Offset == 0 &&
            g.Count == g.Storage.Length && g.Storage.HasSingleHolder;

        using var mode = createGraph ? GradMode.EnableGrad() : GradMode.NoGrad();
        for (int i = order.Count - 1; i >= 0; i--)
        {
            var tensor = order[i];
            if (!grads.Remove(tensor, out var g)) continue; // no path from root carries gradient here
            if (tensor.GradFn is not Node node)
            {
                if (tensor.RequiresGrad && tensor.Grad is null && !createGraph && IsExclusive(g))
                {
                    // Nothing else holds g or its memory: the leaf takes it as it is, sparing a copy of a tensor the
                    // size of the leaf (for an activation leaf, two more passes over memory than the backward itself).
                    holds.Remove(g);
                    tensor.Grad = g;
                    continue;
                }
                if (tensor.RequiresGrad) Accumulate(tensor, g);
                Drop(g);
                continue;
            }
            var inputs = node.Inputs.ToArray();
            var inputGrads = node.Backward(g);
            if (!retainGraph) node.Release();
            for (int k = 0; k < inputs.Length; k++)
            {
                var input = inputs[k];
                var ig = k < inputGrads.Length ? inputGrads[k] : null;
                if (ig is null) continue;
                Hold(ig);
                if (!input.RequiresGrad) { Drop(ig); continue; }
                if (!Shapes.Equal(ig.Shape.AsSpan(), input.Shape.AsSpan()))
                    throw new InvalidOperationException(
                        $"Backward: {node.OpName} returned a gradient of shape {Check.Fmt(ig.Shape.AsSpan())} for its input {k} of shape " +
                        $"{Check.Fmt(input.Shape.AsSpan())}; this is a bug in that op's backward rule");
                if (grads.TryGetValue(input, out var existing))
                {
                    var sum = existing + ig;
                    grads[input] = sum;
                    Hold(sum);
                    Drop(existing);
                    Drop(ig);
                }
                else grads[input] = ig;
            }
            Drop(g);
        }
    }

    private static void Accumulate(Tensor leaf, Tensor g)
    {
        // Leaves keep a contiguous gradient of their own (g may be a broadcast view or shared with another leaf).
        g = g.Contiguous(forceCopy: true);
        if (leaf.Grad is null) leaf.Grad = g;
        else
        {
            using (GradMode.NoGrad()) leaf.Grad = leaf.Grad + g;
        }
    }

    /// <summary>Every tensor reachable from root through GradFn edges, inputs before the ops that consume them.</summary>
    public static List<Tensor> TopologicalOrder(Tensor root)
    {
        var order = new List<Tensor>();
        var visited = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        // Iterative DFS (a deep U-Net graph would overflow the stack with recursion).
        var stack = new Stack<(Tensor Tensor, bool Expanded)>();
        stack.Push((root, false));
        while (stack.Count > 0)
        {
            var (t, expanded) = stack.Pop();
            if (expanded) { order.Add(t); continue; }
            if (!visited.Add(t)) continue;
            stack.Push((t, true));
            if (t.GradFn is { } fn)
                foreach (var input in fn.Inputs)
                    if (input.RequiresGrad && !visited.Contains(input)) stack.Push((input, false));
        }
        return order;
    }
}
