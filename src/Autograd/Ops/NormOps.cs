namespace Ect.Autograd;

public static partial class TensorOps
{
    /// <summary>
    /// Group normalisation of x [N, C, ...]: per sample and group of C/groups channels, (x − mean)/√(var + eps) with
    /// the biased variance, then ·γ[c] + β[c] when given (both or neither). Matches torch.nn.functional.group_norm.
    /// </summary>
    public static Tensor GroupNorm(this Tensor x, int groups, Tensor? gamma = null, Tensor? beta = null, double eps = 1e-5) =>
        GroupNorm(x, groups, gamma, beta, eps, silu: false);

    /// <summary>
    /// SiLU(GroupNorm(x, groups, γ, β, eps)) as one op, as the U-Net uses it: the same values up to float32 rounding,
    /// one pass less over the activation each way, and no saved GroupNorm output (the backward pass recomputes it).
    /// </summary>
    public static Tensor GroupNormSilu(this Tensor x, int groups, Tensor? gamma = null, Tensor? beta = null, double eps = 1e-5) =>
        GroupNorm(x, groups, gamma, beta, eps, silu: true);

    private static Tensor GroupNorm(Tensor x, int groups, Tensor? gamma, Tensor? beta, double eps, bool silu)
    {
        string op = silu ? "GroupNormSilu" : "GroupNorm";
        Check.That(x.Rank >= 2, op, () => $"expects [N, C, ...], got {Check.Fmt(x.Shape.AsSpan())}");
        int c = x.Shape[1];
        Check.That(groups >= 1 && c % groups == 0, op, () => $"{c} channels cannot be split into {groups} equal groups");
        Check.That((gamma is null) == (beta is null), op, () => "pass both gamma and beta, or neither");
        if (gamma is not null)
        {
            Check.SameDType(op, x, gamma);
            Check.That(gamma.Rank == 1 && gamma.Shape[0] == c && beta!.Rank == 1 && beta.Shape[0] == c, op,
                () => $"gamma and beta must be [{c}], got {Check.Fmt(gamma.Shape.AsSpan())} and {Check.Fmt(beta!.Shape.AsSpan())}");
        }
        var backend = Backends.For(x);
        var (y, mean, rstd) = silu ? backend.GroupNormSilu(x, gamma, beta, groups, eps) : backend.GroupNorm(x, gamma, beta, groups, eps);
        Tensor[] inputs = gamma is null ? [x] : [x, gamma, beta!];
        return Graph.Record(y, op, inputs, dy =>
        {
            var (dx, dGamma, dBeta) = silu
                ? backend.GroupNormSiluBackward(dy, x, gamma, beta, mean, rstd, groups)
                : backend.GroupNormBackward(dy, x, gamma, mean, rstd, groups);
            return [x.RequiresGrad ? dx : null, gamma is { RequiresGrad: true } ? dGamma : null, beta is { RequiresGrad: true } ? dBeta : null];
        });
    }

    /// <summary>softmax along <paramref name="axis"/>, max-subtracted. dx = y·(dy − Σ(dy·y)) along the axis.</summary>
    public static Tensor Softmax(this Tensor x, int axis = -1)
    {
        int a = Check.Axis("Softmax", axis, x.Rank);
        var backend = Backends.For(x);
        var y = backend.Softmax(x, a);
        // The one-pass primitive, unless the backward pass is itself recorded (createGraph turns grad mode on inside
        // it): then the rule must be built from differentiable ops.
        return Graph.Record(y, "Softmax", [x], dy =>
            [GradMode.IsEnabled ? y * (dy - (dy * y).Sum([a], keepDims: true)) : backend.SoftmaxBackward(y, dy, a)]);
    }
}
