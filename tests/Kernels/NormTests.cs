using Ect.Kernels.Cpu;
using Ect.Tests.Numerics;

namespace Ect.Tests.Kernels;

/// <summary>The fused GroupNorm+SiLU against GroupNorm followed by SiLU, forward and backward, on odd shapes, strided
/// inputs and affine parameters, and the GroupNorm backward's independence from the thread count.</summary>
public class NormTests
{
    private static double Silu(double v) => v / (1 + Math.Exp(-v));

    // [N, C, spatial...] and groups: planes of 15 and 49 (vector tails), one element per plane, no spatial axes, rank 3.
    private static readonly (int[] Shape, int Groups)[] Shapes =
    [
        ([2, 8, 5, 3], 4), ([3, 6, 1, 1], 3), ([1, 12, 7, 7], 3), ([4, 6], 2), ([2, 10, 33], 5),
    ];

    [Test]
    public void ForwardMatchesGroupNormThenSilu([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        // float32: GroupNorm's own 2e-5 (see LinearAlgebraTests) and SiLU's few ulp.
        double tol = dtype == DType.Float32 ? 2e-5 : 1e-12;
        foreach (var (shape, groups) in Shapes)
        {
            int c = shape[1];
            var x = Data.Normal(shape, 1, dtype) * 3.0 + 1.0;
            var gamma = Data.Normal([c], 2, dtype); var beta = Data.Normal([c], 3, dtype);
            string what = $"{Check.Fmt(shape)} in {groups} groups, {dtype.Name()}";
            Assertions.Close(x.GroupNormSilu(groups, gamma, beta, 1e-6), Naive.GroupNorm(x, groups, gamma, beta, 1e-6).Select(Silu).ToArray(), tol, tol, "affine " + what);
            Assertions.Close(x.GroupNormSilu(groups, eps: 1e-6), Naive.GroupNorm(x, groups, null, null, 1e-6).Select(Silu).ToArray(), tol, tol, "plain " + what);
        }
    }

    [Test]
    public void StridedInputAndParameters([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        double tol = dtype == DType.Float32 ? 2e-5 : 1e-12;
        var x = Data.NonContiguous([2, 6, 4, 5], 4, dtype);
        var gamma = Data.Normal([12], 5, dtype).Narrow(0, 1, 6, step: 2); var beta = Data.Normal([12], 6, dtype).Narrow(0, 0, 6, step: 2);
        Assertions.Close(x.GroupNormSilu(3, gamma, beta, 1e-6), Naive.GroupNorm(x, 3, gamma, beta, 1e-6).Select(Silu).ToArray(), tol, tol, "GroupNormSilu");
        Assertions.Close(x.GroupNorm(3, gamma, beta, 1e-6), Naive.GroupNorm(x, 3, gamma, beta, 1e-6), tol, tol, "GroupNorm");
    }

    [Test]
    public void BackwardMatchesTheUnfusedOps([Values(DType.Float32, DType.Float64)] DType dtype)
    {
        // Both sides run in the same dtype; float32 differs by the two paths' roundings (SiLU′ is cancelled and
        // re-summed over each group), float64 by far less.
        double tol = dtype == DType.Float32 ? 1e-4 : 1e-11;
        foreach (var (shape, groups) in Shapes)
        {
            int c = shape[1];
            var x = (Data.Normal(shape, 7, dtype) * 2.0).Leaf();
            var gamma = Data.Normal([c], 8, dtype).Leaf(); var beta = Data.Normal([c], 9, dtype).Leaf();
            var dy = Data.Normal(shape, 10, dtype);
            x.GroupNormSilu(groups, gamma, beta, 1e-6).Backward(dy);
            var fused = new[] { x, gamma, beta }.Select(t => t.Grad!.ToDoubleArray()).ToArray();
            foreach (var t in new[] { x, gamma, beta }) t.Grad = null;
            x.GroupNorm(groups, gamma, beta, 1e-6).Silu().Backward(dy);
            string what = $"{Check.Fmt(shape)} in {groups} groups, {dtype.Name()}";
            Assertions.Close(x.Grad!, fused[0], tol, tol, "dx " + what);
            Assertions.Close(gamma.Grad!, fused[1], tol, tol, "dγ " + what);
            Assertions.Close(beta.Grad!, fused[2], tol, tol, "dβ " + what);
        }
    }

    [Test]
    public void BackwardDoesNotDependOnTheThreadCount([Values] bool silu)
    {
        var x = Data.Normal([16, 64, 16, 16], 11, DType.Float32).Leaf();
        var gamma = Data.Normal([64], 12, DType.Float32).Leaf(); var beta = Data.Normal([64], 13, DType.Float32).Leaf();
        var dy = Data.Normal([16, 64, 16, 16], 14, DType.Float32);
        float[][] Gradients()
        {
            foreach (var t in new[] { x, gamma, beta }) t.Grad = null;
            (silu ? x.GroupNormSilu(16, gamma, beta, 1e-6) : x.GroupNorm(16, gamma, beta, 1e-6)).Backward(dy);
            return [x.Grad!.ToFloatArray(), gamma.Grad!.ToFloatArray(), beta.Grad!.ToFloatArray()];
        }
        var both = Gradients();
        int saved = Threads.Count;
        try
        {
            Threads.Count = 1;
            Assert.That(Gradients(), Is.EqualTo(both));
        }
        finally { Threads.Count = saved; }
    }
}
