namespace Ect.Autograd;

// Elementwise functions of one tensor. Each backward rule is the derivative written with the same differentiable ops,
// so a backward pass recorded with createGraph can itself be differentiated. SiLU, which the U-Net runs on every
// activation, also has a one-pass backward primitive; it is used when the backward pass is not itself recorded.
public static partial class TensorOps
{
    private static Tensor Unary(UnaryOp op, Tensor x, Func<Tensor, Tensor, Tensor> backward)
    {
        var y = Backends.For(x).Unary(op, x);
        return Graph.Record(y, op.ToString(), [x], dy => [backward(dy, y)]);
    }

    public static Tensor Neg(this Tensor x) => Unary(UnaryOp.Neg, x, (dy, _) => -dy);

    /// <summary>eˣ. d/dx = eˣ = y.</summary>
    public static Tensor Exp(this Tensor x) => Unary(UnaryOp.Exp, x, (dy, y) => dy * y);

    /// <summary>Natural log; −∞ at 0, NaN below. d/dx = 1/x.</summary>
    public static Tensor Log(this Tensor x) => Unary(UnaryOp.Log, x, (dy, _) => dy / x);

    /// <summary>√x. d/dx = 1/(2√x).</summary>
    public static Tensor Sqrt(this Tensor x) => Unary(UnaryOp.Sqrt, x, (dy, y) => dy * 0.5 / y);

    /// <summary>1/√x. d/dx = −½·x^(−3/2) = −½·y³.</summary>
    public static Tensor Rsqrt(this Tensor x) => Unary(UnaryOp.Rsqrt, x, (dy, y) => dy * (-0.5) * y.Square() * y);

    /// <summary>1/x. d/dx = −1/x² = −y².</summary>
    public static Tensor Reciprocal(this Tensor x) => Unary(UnaryOp.Reciprocal, x, (dy, y) => -dy * y.Square());

    public static Tensor Sin(this Tensor x) => Unary(UnaryOp.Sin, x, (dy, _) => dy * x.Cos());

    public static Tensor Cos(this Tensor x) => Unary(UnaryOp.Cos, x, (dy, _) => -dy * x.Sin());

    /// <summary>tanh x. d/dx = 1 − y².</summary>
    public static Tensor Tanh(this Tensor x) => Unary(UnaryOp.Tanh, x, (dy, y) => dy * (1.0 - y.Square()));

    /// <summary>σ(x) = 1/(1 + e⁻ˣ). d/dx = y(1 − y).</summary>
    public static Tensor Sigmoid(this Tensor x) => Unary(UnaryOp.Sigmoid, x, (dy, y) => dy * y * (1.0 - y));

    /// <summary>SiLU (swish): x·σ(x). d/dx = σ(x)·(1 + x·(1 − σ(x))).</summary>
    public static Tensor Silu(this Tensor x) => Unary(UnaryOp.Silu, x, (dy, _) =>
    {
        // Grad mode is on inside a backward pass only with createGraph: then the rule must be differentiable.
        if (!GradMode.IsEnabled) return Backends.For(x).SiluBackward(x, dy);
        var s = x.Sigmoid();
        return dy * s * (1.0 + x * (1.0 - s));
    });

    /// <summary>max(x, 0). The derivative at 0 is taken as 0, as in PyTorch.</summary>
    public static Tensor Relu(this Tensor x) => Unary(UnaryOp.Relu, x, (dy, _) => dy * x.Greater(0));

    /// <summary>|x|. The derivative at 0 is taken as 0 (sign(0)).</summary>
    public static Tensor Abs(this Tensor x) => Unary(UnaryOp.Abs, x, (dy, _) => dy * x.Sign());

    /// <summary>x². d/dx = 2x.</summary>
    public static Tensor Square(this Tensor x) => Unary(UnaryOp.Square, x, (dy, _) => dy * 2.0 * x);

    /// <summary>−1, 0 or 1 (NaN stays NaN). Piecewise constant: no gradient flows through it.</summary>
    public static Tensor Sign(this Tensor x) => Backends.For(x).Unary(UnaryOp.Sign, x);

    /// <summary>Replaces NaN, +∞ and −∞ (EDM sanitizes gradients with nan 0, ±inf ±1e5). Gradient passes where
    /// x was finite and is 0 elsewhere.</summary>
    public static Tensor NanToNum(this Tensor x, double nan = 0, double posInf = double.MaxValue, double negInf = double.MinValue)
    {
        var y = Backends.For(x).NanToNum(x, nan, posInf, negInf);
        return Graph.Record(y, "NanToNum", [x], dy => [dy * Backends.For(x).Unary(UnaryOp.IsFinite, x)]);
    }

    /// <summary>min(max(x, lo), hi). Gradient 1 inside [lo, hi], 0 outside.</summary>
    public static Tensor Clamp(this Tensor x, double lo, double hi)
    {
        if (lo > hi) throw new TensorShapeException($"Clamp: lower bound {lo} is above upper bound {hi}");
        var y = Backends.For(x).Clamp(x, lo, hi);
        return Graph.Record(y, "Clamp", [x], dy => [dy * (1.0 - x.Less(lo) - x.Greater(hi))]);
    }
}
