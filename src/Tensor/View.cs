namespace Ect.Tensors;

/// <summary>
/// Stride arithmetic for views: each function returns a new tensor over the same storage, or (Reshape only) null
/// when the request cannot be expressed as a view. These are the raw movements; the autograd room wraps each one
/// with its backward rule (permute ↔ inverse permute, expand ↔ sum, narrow ↔ pad).
/// </summary>
public static class View
{
    /// <summary>Resolves one -1 entry and checks the element count is unchanged.</summary>
    public static int[] InferShape(string op, ReadOnlySpan<int> from, ReadOnlySpan<int> to)
    {
        var shape = to.ToArray();
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] == -1)
            {
                if (unknown >= 0) throw new TensorShapeException($"{op}: only one size may be -1 in {Check.Fmt(to)}");
                unknown = i;
            }
            else if (shape[i] < 0) throw new TensorShapeException($"{op}: negative size in {Check.Fmt(to)}");
            else known *= shape[i];
        }
        long count = Shapes.Count(from);
        if (unknown >= 0)
        {
            if (known == 0 || count % known != 0)
                throw new TensorShapeException($"{op}: cannot infer the -1 in {Check.Fmt(to)} for a tensor of shape {Check.Fmt(from)} ({count} elements)");
            shape[unknown] = (int)(count / known);
        }
        else if (known != count)
            throw new TensorShapeException($"{op}: shape {Check.Fmt(from)} ({count} elements) cannot be viewed as {Check.Fmt(to)} ({known} elements)");
        return shape;
    }

    /// <summary>A view with the new shape, or null when the strides make that impossible without a copy
    /// (e.g. flattening a transposed matrix). Same rule as PyTorch's view: each run of merged axes must be
    /// contiguous with itself.</summary>
    public static Tensor? TryReshape(Tensor x, ReadOnlySpan<int> newShape)
    {
        int[] shape = InferShape("Reshape", x.Shape.AsSpan(), newShape);
        if (x.IsContiguous) return x.ViewOf(shape, Shapes.ContiguousStrides(shape), x.Offset);
        var strides = new int[shape.Length];
        // Walk the old axes in chunks that are contiguous with each other, matching them to runs of new axes.
        var oldShape = x.Shape; var oldStrides = x.Strides;
        int viewD = shape.Length - 1;
        long chunkBase = oldStrides.Length > 0 ? oldStrides[^1] : 1;
        long tensorNumel = 1, viewNumel = 1;
        for (int d = oldShape.Length - 1; d >= 0; d--)
        {
            tensorNumel *= oldShape[d];
            bool chunkEnds = d == 0 || (oldShape[d - 1] != 1 && oldStrides[d - 1] != tensorNumel * chunkBase);
            if (!chunkEnds) continue;
            while (viewD >= 0 && (viewNumel < tensorNumel || shape[viewD] == 1))
            {
                strides[viewD] = (int)(viewNumel * chunkBase);
                viewNumel *= shape[viewD];
                viewD--;
            }
            if (viewNumel != tensorNumel) return null;
            if (d > 0)
            {
                chunkBase = oldStrides[d - 1];
                tensorNumel = 1;
                viewNumel = 1;
            }
        }
        if (viewD != -1)
        {
            for (; viewD >= 0; viewD--) { if (shape[viewD] != 1) return null; strides[viewD] = 1; }
        }
        return x.ViewOf(shape, strides, x.Offset);
    }

    /// <summary>Axes reordered: output axis i is input axis <paramref name="order"/>[i].</summary>
    public static Tensor Permute(Tensor x, ReadOnlySpan<int> order)
    {
        int rank = x.Rank;
        if (order.Length != rank)
            throw new TensorShapeException($"Permute: order {Check.Fmt(order)} has {order.Length} entries but the tensor has rank {rank} (shape {Check.Fmt(x.Shape.AsSpan())})");
        var seen = new bool[rank];
        var shape = new int[rank];
        var strides = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int a = Check.Axis("Permute", order[i], rank);
            if (seen[a]) throw new TensorShapeException($"Permute: axis {a} appears twice in {Check.Fmt(order)}; the order must list every axis once");
            seen[a] = true;
            shape[i] = x.Shape[a];
            strides[i] = x.Strides[a];
        }
        return x.ViewOf(shape, strides, x.Offset);
    }

    /// <summary>The inverse permutation: Permute(Permute(x, p), Inverse(p)) == x.</summary>
    public static int[] InversePermutation(ReadOnlySpan<int> order)
    {
        var inverse = new int[order.Length];
        for (int i = 0; i < order.Length; i++) inverse[order[i] < 0 ? order[i] + order.Length : order[i]] = i;
        return inverse;
    }

    public static int[] SwapAxesOrder(int rank, int a, int b)
    {
        a = Check.Axis("Transpose", a, rank);
        b = Check.Axis("Transpose", b, rank);
        var order = Enumerable.Range(0, rank).ToArray();
        (order[a], order[b]) = (order[b], order[a]);
        return order;
    }

    /// <summary>Elements start, start+step, … (length of them) along one axis.</summary>
    public static Tensor Narrow(Tensor x, int axis, int start, int length, int step = 1)
    {
        axis = Check.Axis("Narrow", axis, x.Rank);
        int size = x.Shape[axis];
        if (step < 1) throw new TensorShapeException($"Narrow: step must be ≥ 1, got {step}");
        if (start < 0 || length < 0 || (length > 0 && start + (long)(length - 1) * step >= size))
            throw new TensorShapeException(
                $"Narrow: elements {start}..{start + (long)(length - 1) * step} (step {step}) along axis {axis} are out of range for size {size} (shape {Check.Fmt(x.Shape.AsSpan())})");
        var shape = x.Shape.ToArray();
        var strides = x.Strides.ToArray();
        shape[axis] = length;
        strides[axis] *= step;
        return x.ViewOf(shape, strides, x.Offset + start * x.Strides[axis]);
    }

    /// <summary>Broadcasts size-1 axes (and new leading axes) to <paramref name="shape"/> with stride 0.</summary>
    public static Tensor Expand(Tensor x, ReadOnlySpan<int> shape)
    {
        int rank = shape.Length, lead = rank - x.Rank;
        if (lead < 0)
            throw new TensorShapeException($"Expand: cannot expand shape {Check.Fmt(x.Shape.AsSpan())} to the lower-rank shape {Check.Fmt(shape)}");
        var strides = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            if (i < lead) { strides[i] = 0; continue; }
            int from = x.Shape[i - lead];
            if (from == shape[i]) strides[i] = x.Strides[i - lead];
            else if (from == 1) strides[i] = 0;
            else
                throw new TensorShapeException(
                    $"Expand: axis {i} has size {from} in {Check.Fmt(x.Shape.AsSpan())}, which cannot be expanded to {shape[i]} in {Check.Fmt(shape)}; only size-1 axes expand");
        }
        return x.ViewOf(shape, strides, x.Offset);
    }

    /// <summary>Inserts a size-1 axis at <paramref name="axis"/> (in [-rank-1, rank]).</summary>
    public static Tensor Unsqueeze(Tensor x, int axis)
    {
        int a = Check.Axis("Unsqueeze", axis, x.Rank + 1);
        var shape = x.Shape.ToList(); var strides = x.Strides.ToList();
        shape.Insert(a, 1);
        strides.Insert(a, a < x.Rank ? x.Shape[a] * x.Strides[a] : 1);
        return x.ViewOf(shape.ToArray(), strides.ToArray(), x.Offset);
    }

    /// <summary>Removes the size-1 axis <paramref name="axis"/>, or every size-1 axis when null.</summary>
    public static Tensor Squeeze(Tensor x, int? axis = null)
    {
        var shape = new List<int>(); var strides = new List<int>();
        int only = axis is int a0 ? Check.Axis("Squeeze", a0, x.Rank) : -1;
        if (only >= 0 && x.Shape[only] != 1)
            throw new TensorShapeException($"Squeeze: axis {only} has size {x.Shape[only]} in {Check.Fmt(x.Shape.AsSpan())}; only size-1 axes can be squeezed");
        for (int i = 0; i < x.Rank; i++)
        {
            if (x.Shape[i] == 1 && (only < 0 || only == i)) continue;
            shape.Add(x.Shape[i]); strides.Add(x.Strides[i]);
        }
        return x.ViewOf(shape.ToArray(), strides.ToArray(), x.Offset);
    }
}
