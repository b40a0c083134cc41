namespace Ect.Autograd;

// Reductions. Sum and Max are backend primitives; Mean and Var are composites and get their gradients for free.
public static partial class TensorOps
{
    /// <summary>Sum over <paramref name="axes"/> (all when null/empty). d/dx = the output gradient broadcast back.</summary>
    public static Tensor Sum(this Tensor x, int[]? axes = null, bool keepDims = false)
    {
        var a = Check.Axes("Sum", axes, x.Rank);
        var y = Backends.For(x).Reduce(ReduceOp.Sum, x, a, keepDims);
        return Graph.Record(y, "Sum", [x], g => [g.Reshape(KeptShape(x, a)).Expand(x.Shape.AsSpan())]);
    }

    public static Tensor Sum(this Tensor x, int axis, bool keepDims = false) => x.Sum([axis], keepDims);

    /// <summary>Mean over <paramref name="axes"/> (all when null/empty).</summary>
    public static Tensor Mean(this Tensor x, int[]? axes = null, bool keepDims = false)
    {
        var a = Check.Axes("Mean", axes, x.Rank);
        long n = 1;
        foreach (int axis in a) n *= x.Shape[axis];
        return x.Sum(a, keepDims) / n;
    }

    public static Tensor Mean(this Tensor x, int axis, bool keepDims = false) => x.Mean([axis], keepDims);

    /// <summary>Variance over <paramref name="axes"/>: Σ(x − mean)² / (n − correction). correction 0 is the biased
    /// (population) variance GroupNorm uses; 1 is Bessel's correction, torch.var's default.</summary>
    public static Tensor Var(this Tensor x, int[]? axes = null, bool keepDims = false, int correction = 1)
    {
        var a = Check.Axes("Var", axes, x.Rank);
        long n = 1;
        foreach (int axis in a) n *= x.Shape[axis];
        var centered = x - x.Mean(a, keepDims: true);
        return centered.Square().Sum(a, keepDims) / Math.Max(n - correction, 0);
    }

    /// <summary>Maximum over <paramref name="axes"/>. The gradient goes to the maximal elements, split evenly on ties.</summary>
    public static Tensor Max(this Tensor x, int[]? axes = null, bool keepDims = false)
    {
        var a = Check.Axes("Max", axes, x.Rank);
        var y = Backends.For(x).Reduce(ReduceOp.Max, x, a, keepDims);
        return Graph.Record(y, "Max", [x], g =>
        {
            var kept = KeptShape(x, a);
            var winners = x.EqualTo(y.Reshape(kept));
            var share = winners / winners.Sum(a, keepDims: true);
            return [share * g.Reshape(kept)];
        });
    }

    public static Tensor Max(this Tensor x, int axis, bool keepDims = false) => x.Max([axis], keepDims);

    /// <summary>Sums a broadcast result back to <paramref name="shape"/> (the inverse of broadcasting x to a larger
    /// shape): leading extra axes and axes where shape has size 1 are summed away.</summary>
    public static Tensor SumTo(this Tensor x, ReadOnlySpan<int> shape)
    {
        if (Shapes.Equal(x.Shape.AsSpan(), shape)) return x;
        int lead = x.Rank - shape.Length;
        if (lead < 0)
            throw new TensorShapeException($"SumTo: cannot sum shape {Check.Fmt(x.Shape.AsSpan())} to the higher-rank shape {Check.Fmt(shape)}");
        var axes = new List<int>();
        for (int i = 0; i < x.Rank; i++)
        {
            if (i < lead) { axes.Add(i); continue; }
            int target = shape[i - lead];
            if (target == x.Shape[i]) continue;
            if (target != 1)
                throw new TensorShapeException($"SumTo: shape {Check.Fmt(x.Shape.AsSpan())} does not broadcast from {Check.Fmt(shape)} (axis {i})");
            axes.Add(i);
        }
        return x.Sum(axes.ToArray(), keepDims: true).Reshape(shape);
    }

    private static int[] KeptShape(Tensor x, int[] axes)
    {
        var shape = x.Shape.ToArray();
        foreach (int a in axes) shape[a] = 1;
        return shape;
    }
}
