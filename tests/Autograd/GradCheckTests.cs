using Ect.Tests.Numerics;

namespace Ect.Tests.Autograd;

/// <summary>
/// Every differentiable op's backward rule against central finite differences in float64, with a random cotangent,
/// on odd shapes, broadcasts and non-contiguous inputs. Inputs for kinked ops (ReLU, Abs, Max, Clamp) are random
/// normals: the chance that one lies within eps = 1e-6 of a kink is ~1e-6 per element, and the seeds are fixed.
/// </summary>
public class GradCheckTests
{
    private static Tensor N(ulong seed, params int[] shape) => Data.Normal(shape, seed).Leaf();
    private static Tensor Pos(ulong seed, params int[] shape) => Data.Uniform(shape, seed, 0.5, 2.0).Leaf();
    private static Tensor Strided(ulong seed, params int[] shape) => Data.NonContiguous(shape, seed).Leaf();

    public sealed record Case(string Name, Func<Tensor[], Tensor> F, Func<Tensor[]> Inputs, double Tol = 1e-6, double Eps = 1e-6)
    {
        public override string ToString() => Name;
    }

    private static IEnumerable<Case> Cases()
    {
        // Unary
        yield return new("Neg", x => -x[0], () => [N(1, 3, 4)]);
        yield return new("Exp", x => x[0].Exp(), () => [Strided(2, 3, 5)]);
        yield return new("Log", x => x[0].Log(), () => [Pos(3, 7)]);
        yield return new("Sqrt", x => x[0].Sqrt(), () => [Pos(4, 2, 3)]);
        yield return new("Rsqrt", x => x[0].Rsqrt(), () => [Pos(5, 6)]);
        yield return new("Reciprocal", x => x[0].Reciprocal(), () => [Pos(6, 5)]);
        yield return new("Sin", x => x[0].Sin(), () => [N(7, 9)]);
        yield return new("Cos", x => x[0].Cos(), () => [Strided(8, 2, 4)]);
        yield return new("Tanh", x => x[0].Tanh(), () => [N(9, 3, 3)]);
        yield return new("Sigmoid", x => x[0].Sigmoid(), () => [N(10, 11)]);
        yield return new("Silu", x => x[0].Silu(), () => [Strided(11, 3, 4)]);
        yield return new("Relu", x => x[0].Relu(), () => [N(12, 13)]);
        yield return new("Abs", x => x[0].Abs(), () => [N(13, 10)]);
        yield return new("Square", x => x[0].Square(), () => [N(14, 2, 5)]);
        yield return new("Clamp", x => x[0].Clamp(-0.5, 0.7), () => [N(15, 20)]);
        yield return new("NanToNum", x => x[0].NanToNum(), () => [N(16, 6)]);
        // Binary, with broadcasting and strided operands
        yield return new("Add broadcast", x => x[0] + x[1], () => [N(20, 4, 1, 3), N(21, 5, 1)]);
        yield return new("Sub strided", x => x[0] - x[1], () => [Strided(22, 3, 4), N(23, 4)]);
        yield return new("Mul broadcast", x => x[0] * x[1], () => [N(24, 2, 3, 4), Strided(25, 3, 4)]);
        yield return new("Div broadcast", x => x[0] / x[1], () => [N(26, 3, 5), Pos(27, 3, 1)]);
        yield return new("Pow", x => x[0].Pow(x[1]), () => [Pos(28, 2, 3), N(29, 3)]);
        yield return new("Maximum", x => x[0].Maximum(x[1]), () => [N(30, 4, 5), N(31, 5)]);
        yield return new("Minimum", x => x[0].Minimum(x[1]), () => [N(32, 4, 1), N(33, 4, 3)]);
        yield return new("Where", x => TensorOps.Where(x[0].Detach().Greater(0), x[0], x[1]), () => [N(34, 3, 4), N(35, 4)]);
        // Scalar forms
        yield return new("scalar + - * /", x => ((x[0] + 1.5) * 2.0 - 0.5) / 3.0, () => [N(40, 7)]);
        yield return new("scalar - x and s / x", x => (2.0 - x[0]) * (3.0 / x[0]), () => [Pos(41, 6)]);
        yield return new("x ^ s and s ^ x", x => x[0].Pow(2.5) + x[0].PowOf(1.7), () => [Pos(42, 5)]);
        yield return new("Maximum/Minimum scalar", x => x[0].Maximum(0.1) + x[0].Minimum(-0.2), () => [N(43, 9)]);
        // Reductions
        yield return new("Sum axes", x => x[0].Sum([0, 2]), () => [Strided(50, 3, 4, 5)]);
        yield return new("Sum all", x => x[0].Sum(), () => [N(51, 2, 3)]);
        yield return new("Mean keepDims", x => x[0].Mean([1], keepDims: true), () => [N(52, 3, 4, 2)]);
        yield return new("Var", x => x[0].Var([1, 2]), () => [N(53, 2, 3, 4)]);
        yield return new("Var biased", x => x[0].Var(correction: 0), () => [N(54, 5)]);
        yield return new("Max axis", x => x[0].Max([1]), () => [N(55, 3, 6)]);
        yield return new("SumTo", x => x[0].SumTo([1, 4]), () => [N(56, 3, 2, 4)]);
        yield return new("Softmax last", x => x[0].Softmax(-1), () => [N(57, 3, 5)]);
        yield return new("Softmax axis 0 strided", x => x[0].Softmax(0), () => [Strided(58, 4, 3)]);
        yield return new("LogSoftmax last", x => x[0].LogSoftmax(-1), () => [N(59, 3, 5)]);
        yield return new("LogSoftmax axis 0 strided", x => x[0].LogSoftmax(0), () => [Strided(118, 4, 3)]);
        yield return new("CrossEntropy", x => x[0].CrossEntropy([2, 0, 4, 4]), () => [Strided(119, 4, 5)]);
        // Movement
        yield return new("Reshape of strided", x => x[0].Reshape(-1) * Tensor.Arange(1, 13, 1, DType.Float64), () => [Strided(60, 3, 4)]);
        yield return new("Permute", x => x[0].Permute(2, 0, 1), () => [N(61, 2, 3, 4)]);
        yield return new("Transpose", x => x[0].Transpose(), () => [N(62, 3, 4)]);
        yield return new("Narrow with step", x => x[0].Narrow(1, 1, 3, 2), () => [N(63, 2, 7)]);
        yield return new("Slice negative", x => x[0].Slice(0, -3), () => [N(64, 5, 2)]);
        yield return new("Expand", x => x[0].Expand(3, 4, 5), () => [N(65, 4, 1)]);
        yield return new("Squeeze/Unsqueeze", x => x[0].Squeeze(1).Unsqueeze(0), () => [N(66, 3, 1, 2)]);
        yield return new("Flatten", x => x[0].Flatten(1), () => [Strided(67, 2, 3, 4)]);
        yield return new("Contiguous", x => x[0].Contiguous(), () => [Strided(68, 3, 5)]);
        yield return new("Concat", x => TensorOps.Concat([x[0], x[1], x[0]], 1), () => [N(69, 2, 3), Strided(70, 2, 4)]);
        yield return new("Split", x => x[0].Split(0, 1, 3)[1] * 2.0, () => [N(71, 4, 2)]);
        yield return new("Cast round trip", x => x[0].Cast(DType.Float32).Cast(DType.Float64), () => [N(72, 6)], Tol: 1e-4, Eps: 1e-2);
        // Linear algebra
        yield return new("MatMul", x => x[0].MatMul(x[1]), () => [N(80, 3, 4), N(81, 4, 5)]);
        yield return new("MatMul transposeA", x => x[0].MatMul(x[1], transposeA: true), () => [N(82, 4, 3), N(83, 4, 2)]);
        yield return new("MatMul transposeB", x => x[0].MatMul(x[1], transposeB: true), () => [N(84, 3, 4), N(85, 2, 4)]);
        yield return new("MatMul both transposed", x => x[0].MatMul(x[1], true, true), () => [N(86, 4, 3), N(87, 2, 4)]);
        yield return new("MatMul batch broadcast", x => x[0].MatMul(x[1]), () => [N(88, 2, 1, 3, 4), N(89, 3, 4, 2)]);
        yield return new("MatMul strided", x => x[0].MatMul(x[1]), () => [Strided(90, 3, 4), Strided(91, 4, 2)]);
        yield return new("Conv2d 3x3 pad 1 bias", x => x[0].Conv2d(x[1], x[2], 1, 1), () => [N(92, 2, 3, 5, 4), N(93, 4, 3, 3, 3), N(94, 4)]);
        yield return new("Conv2d 1x1", x => x[0].Conv2d(x[1]), () => [N(95, 2, 3, 3, 3), N(96, 2, 3, 1, 1)]);
        yield return new("Conv2d stride 2", x => x[0].Conv2d(x[1], null, 2, 1), () => [N(97, 1, 2, 6, 5), N(98, 3, 2, 3, 3)]);
        yield return new("Conv2d 2x4 kernel strided input", x => x[0].Conv2d(x[1], null, 1, 2), () => [Strided(99, 1, 2, 4, 5), N(100, 2, 2, 2, 4)]);
        yield return new("Downsample2x", x => x[0].Downsample2x(), () => [N(101, 2, 2, 4, 6)]);
        yield return new("Upsample2x", x => x[0].Upsample2x(), () => [Strided(102, 1, 2, 3, 2)]);
        yield return new("GroupNorm affine", x => x[0].GroupNorm(2, x[1], x[2], 1e-6), () => [N(103, 2, 4, 3, 2), N(104, 4), N(105, 4)]);
        yield return new("GroupNorm plain strided", x => x[0].GroupNorm(3, eps: 1e-6), () => [Strided(106, 2, 3, 2, 4)]);
        yield return new("GroupNormSilu affine", x => x[0].GroupNormSilu(2, x[1], x[2], 1e-6), () => [N(114, 2, 4, 3, 2), N(115, 4), N(116, 4)]);
        yield return new("GroupNormSilu plain strided", x => x[0].GroupNormSilu(3, eps: 1e-6), () => [Strided(117, 2, 3, 2, 4)]);
        yield return new("Dropout replayed mask", x => { var rng = new Rng(9); return x[0].Dropout(0.3, rng); }, () => [N(107, 4, 5)]);
        // A composite the U-Net uses: GroupNorm → SiLU → conv, plus a residual.
        yield return new("Block composite", x => (x[0].GroupNorm(2, x[1], x[2], 1e-6).Silu().Conv2d(x[3], null, 1, 1) + x[0]) * (1 / Math.Sqrt(2)),
            () => [N(110, 1, 4, 4, 4), N(111, 4), N(112, 4), N(113, 4, 4, 3, 3)]);
    }

    [TestCaseSource(nameof(Cases))]
    public void BackwardMatchesFiniteDifferences(Case c) => Assertions.Gradients(c.F, c.Inputs(), c.Tol, c.Eps);
}
