namespace Ect.Autograd;

// Elementwise functions of two tensors with NumPy broadcasting, and their tensor-scalar forms. A broadcast in the
// forward pass becomes a sum over the broadcast axes in the backward pass (SumTo), done here in each rule.
public static partial class TensorOps
{
    private static Tensor Binary(BinaryOp op, Tensor x, Tensor y, Func<Tensor, Tensor, Tensor?>? dx, Func<Tensor, Tensor, Tensor?>? dy)
    {
        Check.SameDevice(op.ToString(), x, y);
        Check.SameDType(op.ToString(), x, y);
        var z = Backends.For(x).Binary(op, x, y);
        if (dx is null && dy is null) return z;
        return Graph.Record(z, op.ToString(), [x, y], g =>
        [
            x.RequiresGrad && dx is not null ? dx(g, z)?.SumTo(x.Shape.AsSpan()) : null,
            y.RequiresGrad && dy is not null ? dy(g, z)?.SumTo(y.Shape.AsSpan()) : null,
        ]);
    }

    public static Tensor Add(this Tensor x, Tensor y) => Binary(BinaryOp.Add, x, y, (g, _) => g, (g, _) => g);

    public static Tensor Sub(this Tensor x, Tensor y) => Binary(BinaryOp.Sub, x, y, (g, _) => g, (g, _) => -g);

    public static Tensor Mul(this Tensor x, Tensor y) => Binary(BinaryOp.Mul, x, y, (g, _) => g * y, (g, _) => g * x);

    /// <summary>x / y. d/dx = 1/y, d/dy = −x/y² = −z/y.</summary>
    public static Tensor Div(this Tensor x, Tensor y) => Binary(BinaryOp.Div, x, y, (g, _) => g / y, (g, z) => -g * z / y);

    /// <summary>xʸ. d/dx = y·x^(y−1), d/dy = xʸ·ln x (NaN for x &lt; 0, as in PyTorch).</summary>
    public static Tensor Pow(this Tensor x, Tensor y) =>
        Binary(BinaryOp.Pow, x, y, (g, _) => g * y * x.Pow(y - 1.0), (g, z) => g * z * x.Log());

    /// <summary>Elementwise maximum (NaN if either is NaN). On ties the gradient is split evenly, as in PyTorch.</summary>
    public static Tensor Maximum(this Tensor x, Tensor y) =>
        Binary(BinaryOp.Maximum, x, y, (g, _) => g * TieShare(x, y), (g, _) => g * (1.0 - TieShare(x, y)));

    /// <summary>Elementwise minimum (NaN if either is NaN). On ties the gradient is split evenly.</summary>
    public static Tensor Minimum(this Tensor x, Tensor y) =>
        Binary(BinaryOp.Minimum, x, y, (g, _) => g * TieShare(y, x), (g, _) => g * (1.0 - TieShare(y, x)));

    // 1 where x wins, ½ on a tie, 0 where y wins.
    private static Tensor TieShare(Tensor x, Tensor y) => x.Greater(y) + 0.5 * x.EqualTo(y);

    /// <summary>1 where x &gt; y, else 0 (no gradient).</summary>
    public static Tensor Greater(this Tensor x, Tensor y) => Binary(BinaryOp.Greater, x, y, null, null);

    /// <summary>1 where x &lt; y, else 0 (no gradient).</summary>
    public static Tensor Less(this Tensor x, Tensor y) => Binary(BinaryOp.Less, x, y, null, null);

    /// <summary>1 where x == y, else 0 (no gradient).</summary>
    public static Tensor EqualTo(this Tensor x, Tensor y) => Binary(BinaryOp.Equal, x, y, null, null);

    // ---- tensor-scalar forms: no broadcast, no scalar gradient ----

    private static Tensor Scalar(BinaryOp op, Tensor x, double s, bool scalarFirst, Func<Tensor, Tensor, Tensor>? dx)
    {
        var z = Backends.For(x).BinaryScalar(op, x, s, scalarFirst);
        return dx is null ? z : Graph.Record(z, op + "Scalar", [x], g => [dx(g, z)]);
    }

    public static Tensor Add(this Tensor x, double s) => Scalar(BinaryOp.Add, x, s, false, (g, _) => g);
    public static Tensor Sub(this Tensor x, double s) => Scalar(BinaryOp.Sub, x, s, false, (g, _) => g);
    public static Tensor SubFrom(this Tensor x, double s) => Scalar(BinaryOp.Sub, x, s, true, (g, _) => -g);
    public static Tensor Mul(this Tensor x, double s) => Scalar(BinaryOp.Mul, x, s, false, (g, _) => g * s);
    public static Tensor Div(this Tensor x, double s) => Scalar(BinaryOp.Div, x, s, false, (g, _) => g / s);
    /// <summary>s / x. d/dx = −s/x² = −z/x.</summary>
    public static Tensor DivInto(this Tensor x, double s) => Scalar(BinaryOp.Div, x, s, true, (g, z) => -g * z / x);
    /// <summary>xˢ. d/dx = s·x^(s−1).</summary>
    public static Tensor Pow(this Tensor x, double s) => Scalar(BinaryOp.Pow, x, s, false, (g, _) => g * s * x.Pow(s - 1));
    /// <summary>sˣ. d/dx = sˣ·ln s.</summary>
    public static Tensor PowOf(this Tensor x, double s) => Scalar(BinaryOp.Pow, x, s, true, (g, z) => g * z * Math.Log(s));
    public static Tensor Maximum(this Tensor x, double s) => Scalar(BinaryOp.Maximum, x, s, false, (g, _) => g * (x.Greater(s) + 0.5 * x.EqualTo(s)));
    public static Tensor Minimum(this Tensor x, double s) => Scalar(BinaryOp.Minimum, x, s, false, (g, _) => g * (x.Less(s) + 0.5 * x.EqualTo(s)));
    public static Tensor Greater(this Tensor x, double s) => Scalar(BinaryOp.Greater, x, s, false, null);
    public static Tensor Less(this Tensor x, double s) => Scalar(BinaryOp.Less, x, s, false, null);
    public static Tensor EqualTo(this Tensor x, double s) => Scalar(BinaryOp.Equal, x, s, false, null);

    /// <summary>condition ≠ 0 ? a : b, all three broadcast together. The gradient goes to a where the condition
    /// holds and to b elsewhere; the condition gets none.</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        Check.SameDevice("Where", a, b); Check.SameDType("Where", a, b);
        Check.SameDevice("Where", condition, a); Check.SameDType("Where", condition, a);
        var z = Backends.For(a).Where(condition, a, b);
        return Graph.Record(z, "Where", [condition, a, b], g =>
        {
            var zero = ZerosLike(g, []);
            return
            [
                null,
                a.RequiresGrad ? Where(condition, g, zero).SumTo(a.Shape.AsSpan()) : null,
                b.RequiresGrad ? Where(condition, zero, g).SumTo(b.Shape.AsSpan()) : null,
            ];
        });
    }
}
