namespace Ect.Autograd;

// Movement ops: views over the same storage (a copy only where a reshape cannot be a view). Each backward is
// another movement: reshape ↔ reshape, permute ↔ inverse permute, expand ↔ SumTo, narrow ↔ pad.
public static partial class TensorOps
{
    /// <summary>Same elements, new shape (one entry may be -1). A view when the strides allow, else a copy.</summary>
    public static Tensor Reshape(this Tensor x, params ReadOnlySpan<int> shape)
    {
        var y = View.TryReshape(x, shape) ?? View.TryReshape(x.Contiguous(forceCopy: true), shape)!;
        var from = x.Shape.ToArray();
        return Graph.Record(y, "Reshape", [x], g => [g.Reshape(from)]);
    }

    /// <summary>Collapses axes start..end (inclusive) into one.</summary>
    public static Tensor Flatten(this Tensor x, int start = 0, int end = -1)
    {
        start = Check.Axis("Flatten", start, x.Rank); end = Check.Axis("Flatten", end, x.Rank);
        var shape = x.Shape.Take(start).Append(-1).Concat(x.Shape.Skip(end + 1)).ToArray();
        return x.Reshape(shape);
    }

    public static Tensor Permute(this Tensor x, params ReadOnlySpan<int> order)
    {
        var y = View.Permute(x, order);
        var inverse = View.InversePermutation(order);
        return Graph.Record(y, "Permute", [x], g => [g.Permute(inverse)]);
    }

    /// <summary>Swaps two axes (default: the last two, a matrix transpose).</summary>
    public static Tensor Transpose(this Tensor x, int a = -2, int b = -1) => x.Permute(View.SwapAxesOrder(x.Rank, a, b));

    /// <summary>Elements start, start+step, … (length of them) along one axis, as a view.</summary>
    public static Tensor Narrow(this Tensor x, int axis, int start, int length, int step = 1)
    {
        var y = View.Narrow(x, axis, start, length, step);
        int a = Check.Axis("Narrow", axis, x.Rank);
        var shape = x.Shape.ToArray();
        return Graph.Record(y, "Narrow", [x], g => [g.PadInto(shape, a, start, step)]);
    }

    /// <summary>Python-style slice along one axis: [start, stop) with step; negative indices count from the end.</summary>
    public static Tensor Slice(this Tensor x, int axis, int start, int? stop = null, int step = 1)
    {
        int size = x.Dim(axis);
        int s = start < 0 ? Math.Max(0, start + size) : Math.Min(start, size);
        int e = stop is int t ? (t < 0 ? Math.Max(0, t + size) : Math.Min(t, size)) : size;
        int length = e <= s ? 0 : (e - s + step - 1) / step;
        return x.Narrow(axis, s, length, step);
    }

    // The adjoint of Narrow: zeros of the full shape with x written into the narrowed positions.
    private static Tensor PadInto(this Tensor x, int[] shape, int axis, int start, int step)
    {
        var y = ZerosLike(x, shape);
        using (var window = View.Narrow(y, axis, start, x.Shape[axis], step))
            Backends.For(x).Copy(x, window);
        return Graph.Record(y, "PadInto", [x], g => [g.Narrow(axis, start, x.Shape[axis], step)]);
    }

    /// <summary>Broadcasts to <paramref name="shape"/> as a view (stride 0 on the expanded axes).</summary>
    public static Tensor Expand(this Tensor x, params ReadOnlySpan<int> shape)
    {
        var y = View.Expand(x, shape);
        var from = x.Shape.ToArray();
        return Graph.Record(y, "Expand", [x], g => [g.SumTo(from)]);
    }

    public static Tensor Unsqueeze(this Tensor x, int axis)
    {
        var y = View.Unsqueeze(x, axis);
        var from = x.Shape.ToArray();
        return Graph.Record(y, "Unsqueeze", [x], g => [g.Reshape(from)]);
    }

    public static Tensor Squeeze(this Tensor x, int? axis = null)
    {
        var y = View.Squeeze(x, axis);
        var from = x.Shape.ToArray();
        return Graph.Record(y, "Squeeze", [x], g => [g.Reshape(from)]);
    }

    /// <summary>x itself when already contiguous (unless forceCopy), else a contiguous copy. Gradient passes through.</summary>
    public static Tensor Contiguous(this Tensor x, bool forceCopy = false)
    {
        if (x.IsContiguous && !forceCopy) return x;
        var backend = Backends.For(x);
        var y = backend.Empty(x.Shape.AsSpan(), x.DType);
        backend.Copy(x, y);
        return Graph.Record(y, "Contiguous", [x], g => [g]);
    }

    /// <summary>The same values as another dtype (float32 ↔ float64). The gradient is cast back.</summary>
    public static Tensor Cast(this Tensor x, DType dtype)
    {
        if (x.DType == dtype) return x;
        var backend = Backends.For(x);
        var y = backend.Empty(x.Shape.AsSpan(), dtype);
        backend.Copy(x, y);
        var from = x.DType;
        return Graph.Record(y, "Cast", [x], g => [g.Cast(from)]);
    }

    /// <summary>A tensor sharing x's storage but cut off from the graph: no gradient flows back through it
    /// (the stop-gradient sg(·) of the papers).</summary>
    public static Tensor Detach(this Tensor x) => x.ViewOf(x.Shape.AsSpan(), x.Strides.AsSpan(), x.Offset);

    /// <summary>Marks a leaf as requiring grad and returns it (fluent form for tests and parameters).</summary>
    public static Tensor RequireGrad(this Tensor x, bool requiresGrad = true)
    {
        if (!x.IsLeaf)
            throw new InvalidOperationException("RequireGrad: only leaves (tensors not produced by a recorded op) can be marked; call Detach() first");
        x.RequiresGrad = requiresGrad;
        return x;
    }

    /// <summary>Joins tensors along an existing axis. Each input gets back its slice of the gradient.</summary>
    public static Tensor Concat(IReadOnlyList<Tensor> tensors, int axis)
    {
        Check.That(tensors.Count > 0, "Concat", () => "needs at least one tensor");
        var first = tensors[0];
        int a = Check.Axis("Concat", axis, first.Rank);
        var shape = first.Shape.ToArray();
        int total = 0;
        foreach (var t in tensors)
        {
            Check.SameDevice("Concat", first, t); Check.SameDType("Concat", first, t);
            bool compatible = t.Rank == first.Rank;
            for (int i = 0; compatible && i < t.Rank; i++) compatible = i == a || t.Shape[i] == first.Shape[i];
            Check.That(compatible, "Concat", () =>
                $"shapes {string.Join(", ", tensors.Select(u => Check.Fmt(u.Shape.AsSpan())))} must match on every axis except {a}");
            total += t.Shape[a];
        }
        shape[a] = total;
        var backend = Backends.For(first);
        var y = backend.Empty(shape, first.DType);
        var starts = new int[tensors.Count];
        int at = 0;
        for (int k = 0; k < tensors.Count; k++)
        {
            starts[k] = at;
            using (var window = View.Narrow(y, a, at, tensors[k].Shape[a])) backend.Copy(tensors[k], window);
            at += tensors[k].Shape[a];
        }
        var inputs = tensors.ToArray();
        return Graph.Record(y, "Concat", inputs, g =>
            inputs.Select((t, k) => t.RequiresGrad ? g.Narrow(a, starts[k], t.Shape[a]) : null).ToArray());
    }

    /// <summary>Splits along an axis into pieces of the given sizes (views).</summary>
    public static Tensor[] Split(this Tensor x, int axis, params int[] sizes)
    {
        int a = Check.Axis("Split", axis, x.Rank);
        Check.That(sizes.Sum() == x.Shape[a], "Split", () => $"sizes [{string.Join(", ", sizes)}] add up to {sizes.Sum()}, not to axis {a}'s size {x.Shape[a]}");
        var pieces = new Tensor[sizes.Length];
        for (int k = 0, at = 0; k < sizes.Length; at += sizes[k], k++) pieces[k] = x.Narrow(a, at, sizes[k]);
        return pieces;
    }
}
