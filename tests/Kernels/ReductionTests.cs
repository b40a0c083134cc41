using Ect.Tests.Numerics;

namespace Ect.Tests.Kernels;

public class ReductionTests
{
    private static readonly int[][] AxisSets = [[0], [1], [2], [3], [0, 2], [1, 3], [0, 2, 3], [0, 1, 2, 3], [2, 3], [-1]];

    [Test]
    public void SumMeanMaxVarOverAnyAxisSet([Values] bool nonContiguous)
    {
        var x = nonContiguous ? Data.NonContiguous([5, 3, 4, 7], 3) : Data.Normal([5, 3, 4, 7], 3);
        foreach (var axes in AxisSets)
        {
            var norm = axes.Select(a => a < 0 ? a + 4 : a).ToArray();
            string what = $"axes [{string.Join(", ", axes)}]";
            Assertions.Close(x.Sum(axes, keepDims: true), Naive.Reduce(x, norm, v => v.Sum()), 1e-12, 1e-12, "Sum " + what);
            Assertions.Close(x.Mean(axes, keepDims: true), Naive.Reduce(x, norm, v => v.Average()), 1e-12, 1e-12, "Mean " + what);
            Assertions.Close(x.Max(axes, keepDims: true), Naive.Reduce(x, norm, v => v.Max()), 0, 0, "Max " + what);
            Assertions.Close(x.Var(axes, keepDims: true, correction: 0), Naive.Reduce(x, norm, v =>
            {
                double m = v.Average();
                return v.Sum(e => (e - m) * (e - m)) / v.Count();
            }), 1e-12, 1e-12, "Var " + what);
        }
    }

    [Test]
    public void KeepDimsFalseDropsTheReducedAxes()
    {
        var x = Data.Normal([2, 3, 4], 1);
        Assert.That(x.Sum([1]).Shape, Is.EqualTo(new[] { 2, 4 }));
        Assert.That(x.Sum().Shape, Is.Empty);
        Assert.That(x.Mean([0, 2], keepDims: true).Shape, Is.EqualTo(new[] { 1, 3, 1 }));
        Assert.That(x.Var([2]).Shape, Is.EqualTo(new[] { 2, 3 }));
    }

    [Test]
    public void UnbiasedVarianceUsesBesselsCorrection()
    {
        var x = Tensor.FromArray([1.0, 2.0, 3.0, 4.0]);
        Assert.That(x.Var().Item(), Is.EqualTo(5.0 / 3.0).Within(1e-15));
        Assert.That(x.Var(correction: 0).Item(), Is.EqualTo(1.25).Within(1e-15));
    }

    [Test]
    public void Float32SumsOfLongRowsStayAccurate()
    {
        var x = Data.Normal([3, 100_003], 4, DType.Float32);
        // Vectorized partial sums keep the error near √n·ulp; 1e-4 absolute on sums of magnitude ~300.
        Assertions.Close(x.Sum([1]), Naive.Reduce(x, [1], v => v.Sum()), 0, 1e-3, "float32 row sums");
        Assertions.Close(x.Sum([0]), Naive.Reduce(x, [0], v => v.Sum()), 0, 1e-5, "float32 column sums");
    }
}
