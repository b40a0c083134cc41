using Ect.Tests.Numerics;

namespace Ect.Tests.Kernels;

/// <summary>Softmax and its one-pass backward against float64 loops: every row length up to 257 (vector tails), every
/// axis, non-contiguous views, and the special values a row of attention scores can hold.</summary>
public class SoftmaxTests
{
    [Test]
    public void SoftmaxAlongEveryAxis()
    {
        var x = Data.Normal([3, 4, 5], 6) * 10.0;
        for (int axis = 0; axis < 3; axis++)
            Assertions.Close(x.Softmax(axis), Naive.Softmax(x, axis), 1e-13, 1e-15, $"axis {axis}");
        var big = Tensor.FromArray([1000.0, 1001.0, 999.0]);   // would overflow exp without the max subtraction
        Assertions.Close(big.Softmax(), Naive.Softmax(big, 0), 1e-14, 0, "large logits");
        var nc = Data.NonContiguous([6, 9], 2);
        Assertions.Close(nc.Softmax(-1), Naive.Softmax(nc, 1), 1e-13, 1e-15, "non-contiguous");
    }

    [Test]
    public void Float32RowsOfEveryLengthUpTo257()
    {
        // exp within 2 ulp, a float32 sum of ≤ 257 terms and one scaling: 2e-6 relative; the atol covers entries
        // ~1e-30 whose exp has lost bits to the subnormal range.
        for (int n = 1; n <= 257; n++)
        {
            var x = Data.Normal([3, n], (ulong)n, DType.Float32) * 10.0;
            Assertions.Close(x.Softmax(-1), Naive.Softmax(x, 1), 2e-6, 1e-12, $"length {n}");
        }
        var strided = Data.NonContiguous([4, 33, 17], 3, DType.Float32) * 5.0;
        for (int axis = 0; axis < 3; axis++)
            Assertions.Close(strided.Softmax(axis), Naive.Softmax(strided, axis), 2e-6, 1e-12, $"non-contiguous, axis {axis}");
    }

    [TestCase(DType.Float32)]
    [TestCase(DType.Float64)]
    public void SpecialValuesInARow(DType dtype)
    {
        double inf = double.PositiveInfinity, nan = double.NaN;
        double[][] rows =
        [
            [1, -inf, 2, -inf, 0.5],     // masked entries get probability 0
            [-inf, -inf, -inf, -inf, -inf], // nothing left: NaN, as PyTorch
            [1, nan, 2, 3, 4],           // a NaN poisons its row
            [1, inf, 2, 3, 4],           // +∞ − +∞ is NaN
            [80, 90, 100, 85, -80],      // float32 exp of the unshifted values would overflow
        ];
        var x = Tensor.FromArray(rows.SelectMany(r => r).ToArray(), rows.Length, 5).Cast(dtype);
        Assertions.Close(x.Softmax(-1), Naive.Softmax(x, 1), dtype == DType.Float32 ? 2e-6 : 1e-14, 1e-30, dtype.Name());
    }

    [TestCase(DType.Float32)]
    [TestCase(DType.Float64)]
    public void BackwardMatchesTheJacobianOnEveryLengthAndAxis(DType dtype)
    {
        double tol = dtype == DType.Float32 ? 2e-6 : 1e-13;
        for (int n = 1; n <= 257; n += n < 40 ? 1 : 27)
        {
            var y = Data.Normal([2, n], (ulong)n, dtype).Softmax(-1); var dy = Data.Normal([2, n], (ulong)n + 900, dtype);
            Assertions.Close(Backends.Cpu.SoftmaxBackward(y, dy, 1), Jacobian(y, dy, 1), tol, tol, $"length {n}");
        }
        var ys = Data.NonContiguous([5, 6, 7], 4, dtype).Softmax(0); var dys = Data.NonContiguous([5, 6, 7], 5, dtype);
        for (int axis = 0; axis < 3; axis++)
            Assertions.Close(Backends.Cpu.SoftmaxBackward(ys, dys, axis), Jacobian(ys, dys, axis), tol, tol, $"non-contiguous, axis {axis}");
    }

    [Test]
    public void FusedBackwardAgreesWithTheDifferentiableRule()
    {
        // A plain backward uses the one-pass primitive; with createGraph the rule is built from differentiable ops.
        var x = Data.Normal([4, 37], 8, DType.Float32).Leaf(); var dy = Data.Normal([4, 37], 9, DType.Float32);
        x.Softmax(-1).Backward(dy);
        var fused = x.Grad!.ToDoubleArray();
        x.Grad = null;
        x.Softmax(-1).Backward(dy, createGraph: true);
        Assertions.Close(x.Grad!, fused, 1e-5, 1e-7, "composite vs fused");
    }

    // dx_i = y_i·(dy_i − Σ_j dy_j·y_j) along axis, in float64.
    private static double[] Jacobian(Tensor y, Tensor dy, int axis)
    {
        var shape = y.Shape.ToArray();
        var dot = Naive.Reduce(y * dy, [axis], v => v.Sum());
        var keptShape = shape.Select((d, i) => i == axis ? 1 : d).ToArray();
        var dx = new double[y.Count];
        for (long i = 0; i < dx.Length; i++)
        {
            var index = Naive.Unravel(i, shape);
            index[axis] = 0;
            dx[i] = y.GetDouble(i) * (dy.GetDouble(i) - dot[Naive.Ravel(index, keptShape)]);
        }
        return dx;
    }
}
