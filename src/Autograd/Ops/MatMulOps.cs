namespace Ect.Autograd;

public static partial class TensorOps
{
    /// <summary>
    /// Batched matrix product op(a)·op(b), op = transpose when the flag is set. a is [..., M, K], b is [..., K, N]
    /// (before the flags); batch axes broadcast as in numpy.matmul. Both operands need rank ≥ 2.
    /// Backward, with z = op(a)·op(b):  d op(a) = dz·op(b)ᵀ,  d op(b) = op(a)ᵀ·dz, each transposed back when the
    /// operand was, and summed over broadcast batch axes.
    /// </summary>
    public static Tensor MatMul(this Tensor a, Tensor b, bool transposeA = false, bool transposeB = false)
    {
        Check.SameDevice("MatMul", a, b); Check.SameDType("MatMul", a, b);
        Check.That(a.Rank >= 2 && b.Rank >= 2, "MatMul",
            () => $"both operands need at least 2 axes (a is {Check.Fmt(a.Shape.AsSpan())}, b is {Check.Fmt(b.Shape.AsSpan())}); Unsqueeze a vector first");
        int ka = transposeA ? a.Shape[^2] : a.Shape[^1], kb = transposeB ? b.Shape[^1] : b.Shape[^2];
        Check.That(ka == kb, "MatMul", () =>
            $"inner dimensions differ (a is {Check.Fmt(a.Shape.AsSpan())}{(transposeA ? " transposed" : "")}, b is {Check.Fmt(b.Shape.AsSpan())}{(transposeB ? " transposed" : "")}): " +
            $"a's {(transposeA ? "second-to-last" : "last")} dimension ({ka}) must equal b's {(transposeB ? "last" : "second-to-last")} ({kb}). Did you mean b.Transpose()?");
        var z = Backends.For(a).MatMul(a, b, transposeA, transposeB);
        return Graph.Record(z, "MatMul", [a, b], dz =>
        [
            a.RequiresGrad ? (transposeA ? b.MatMul(dz, transposeB, true) : dz.MatMul(b, false, !transposeB)).SumTo(a.Shape.AsSpan()) : null,
            b.RequiresGrad ? (transposeB ? dz.MatMul(a, true, transposeA) : a.MatMul(dz, !transposeA, false)).SumTo(b.Shape.AsSpan()) : null,
        ]);
    }
}
