using Ect.Tests.Numerics;

namespace Ect.Tests.Kernels;

/// <summary>MatMul, conv2d, group norm and resampling against float64 loops.</summary>
public class LinearAlgebraTests
{
    private static double[] Matrix(Tensor t) => t.Contiguous().ToDoubleArray();

    [TestCase(1, 1, 1)]
    [TestCase(3, 5, 7)]
    [TestCase(17, 33, 65)]
    [TestCase(64, 48, 31)]
    [TestCase(5, 129, 2)]
    public void MatMulAllTransposeCombinations(int m, int k, int n)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        foreach (bool ta in new[] { false, true })
        foreach (bool tb in new[] { false, true })
        {
            var a = Data.Normal(ta ? [k, m] : [m, k], 1, dtype);
            var b = Data.Normal(tb ? [n, k] : [k, n], 2, dtype);
            var expected = Naive.MatMul(Matrix(ta ? a.Transpose() : a), Matrix(tb ? b.Transpose() : b), m, k, n);
            double tol = dtype == DType.Float32 ? 1e-5 * Math.Sqrt(k) : 1e-12;
            Assertions.Close(a.MatMul(b, ta, tb), expected, tol, tol, $"{m}x{k}x{n} transposeA {ta} transposeB {tb} {dtype.Name()}");
        }
    }

    /// <summary>The AVX2 kernel runs only on machines without AVX-512, so it is called directly here: every transpose
    /// combination, tails in all three sizes (including more than one KC, MC and NC block), accumulating into C.</summary>
    [TestCase(1, 1, 1)]
    [TestCase(7, 9, 17)]
    [TestCase(125, 300, 530)]
    [TestCase(6, 16, 16)]
    public void Avx2PackedGemmMatchesTheFloat64Product(int m, int k, int n)
    {
        if (!Ect.Kernels.Cpu.PackedGemmAvx2.IsSupported) Assert.Ignore("this machine has no AVX2 + FMA");
        foreach (bool ta in new[] { false, true })
        foreach (bool tb in new[] { false, true })
        {
            var a = Data.Normal(ta ? [k, m] : [m, k], 1).ToDoubleArray();
            var b = Data.Normal(tb ? [n, k] : [k, n], 2).ToDoubleArray();
            var c0 = Data.Normal([m, n], 3).ToDoubleArray();
            double[] At = ta ? Transposed(a, k, m) : a, Bt = tb ? Transposed(b, n, k) : b;
            var expected = Naive.MatMul(At, Bt, m, k, n).Select((v, i) => v + c0[i]).ToArray();
            var c = c0.Select(v => (float)v).ToArray();
            Ect.Kernels.Cpu.PackedGemmAvx2.Multiply(m, n, k, a.Select(v => (float)v).ToArray(), ta ? m : k, ta,
                b.Select(v => (float)v).ToArray(), tb ? k : n, tb, c, n, accumulate: true);
            double tol = 1e-5 * Math.Sqrt(k);
            for (int i = 0; i < c.Length; i++)
                Assert.That(c[i], Is.EqualTo(expected[i]).Within(tol + tol * Math.Abs(expected[i])), $"{m}x{k}x{n} transposeA {ta} transposeB {tb} at {i}");
        }
    }

    private static double[] Transposed(double[] x, int rows, int cols)
    {
        var t = new double[x.Length];
        for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) t[c * rows + r] = x[r * cols + c];
        return t;
    }

    [Test]
    public void BatchedMatMulBroadcastsBatchAxes()
    {
        var a = Data.Normal([2, 1, 4, 3], 1); var b = Data.Normal([5, 3, 6], 2);
        var c = a.MatMul(b);
        Assert.That(c.Shape, Is.EqualTo(new[] { 2, 5, 4, 6 }));
        for (int i = 0; i < 2; i++)
        for (int j = 0; j < 5; j++)
        {
            var expected = Naive.MatMul(Matrix(a.Narrow(0, i, 1).Reshape(4, 3)), Matrix(b.Narrow(0, j, 1).Reshape(3, 6)), 4, 3, 6);
            Assertions.Close(c.Narrow(0, i, 1).Narrow(1, j, 1).Reshape(4, 6), expected, 1e-12, 1e-12, $"batch ({i}, {j})");
        }
    }

    [Test]
    public void MatMulOfStridedViewsNeedsNoCallerCopy()
    {
        var big = Data.Normal([9, 12], 3);
        var a = big.Narrow(0, 1, 4, step: 2).Narrow(1, 2, 5);      // rows 1,3,5,7; columns 2..6: strided both ways
        var b = Data.Normal([5, 3], 4);
        Assertions.Close(a.MatMul(b), Naive.MatMul(Matrix(a), Matrix(b), 4, 5, 3), 1e-12, 1e-12);
    }

    [TestCase(2, 3, 4, 9, 7, 3, 3, 1, 1)]
    [TestCase(1, 5, 2, 8, 8, 1, 1, 1, 0)]
    [TestCase(3, 2, 3, 11, 6, 3, 3, 2, 1)]
    [TestCase(2, 4, 5, 6, 9, 2, 4, 1, 2)]
    [TestCase(2, 3, 3, 5, 5, 5, 5, 1, 0)]
    public void Conv2dForwardMatchesReference(int n, int cin, int cout, int h, int w, int kh, int kw, int stride, int pad)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = Data.Normal([n, cin, h, w], 1, dtype); var wt = Data.Normal([cout, cin, kh, kw], 2, dtype);
            var bias = Data.Normal([cout], 3, dtype);
            double tol = dtype == DType.Float32 ? 2e-5 : 1e-12;
            Assertions.Close(x.Conv2d(wt, bias, stride, pad), Naive.Conv2d(x, wt, bias, stride, pad), tol, tol, $"{dtype.Name()} with bias");
            Assertions.Close(x.Conv2d(wt, null, stride, pad), Naive.Conv2d(x, wt, null, stride, pad), tol, tol, $"{dtype.Name()} without bias");
        }
    }

    [Test]
    public void Conv2dAcceptsNonContiguousInput()
    {
        var x = Data.NonContiguous([2, 3, 6, 5], 4); var w = Data.Normal([4, 3, 3, 3], 5);
        Assertions.Close(x.Conv2d(w, null, 1, 1), Naive.Conv2d(x, w, null, 1, 1), 1e-12, 1e-12);
    }

    [TestCase(2, 8, 4, 5, 3)]
    [TestCase(3, 6, 6, 1, 1)]
    [TestCase(1, 12, 3, 7, 7)]
    public void GroupNormMatchesReference(int n, int c, int groups, int h, int w)
    {
        foreach (var dtype in new[] { DType.Float32, DType.Float64 })
        {
            var x = Data.Normal([n, c, h, w], 1, dtype) * 3.0 + 1.0;
            var gamma = Data.Normal([c], 2, dtype); var beta = Data.Normal([c], 3, dtype);
            double tol = dtype == DType.Float32 ? 2e-5 : 1e-12;
            Assertions.Close(x.GroupNorm(groups, gamma, beta, 1e-6), Naive.GroupNorm(x, groups, gamma, beta, 1e-6), tol, tol, "affine " + dtype.Name());
            Assertions.Close(x.GroupNorm(groups, eps: 1e-6), Naive.GroupNorm(x, groups, null, null, 1e-6), tol, tol, "plain " + dtype.Name());
        }
    }

    [Test]
    public void ResamplingMatchesItsDefinition()
    {
        var x = Data.Normal([2, 3, 4, 6], 1);
        var down = x.Downsample2x();
        var up = x.Upsample2x();
        Assert.That(down.Shape, Is.EqualTo(new[] { 2, 3, 2, 3 }));
        Assert.That(up.Shape, Is.EqualTo(new[] { 2, 3, 8, 12 }));
        for (long i = 0; i < down.Count; i++)
        {
            var ix = Naive.Unravel(i, [2, 3, 2, 3]);
            double s = 0;
            for (int dy = 0; dy < 2; dy++)
            for (int dx = 0; dx < 2; dx++)
                s += x.GetDouble(Naive.Ravel([ix[0], ix[1], 2 * ix[2] + dy, 2 * ix[3] + dx], [2, 3, 4, 6]));
            Assert.That(down.GetDouble(i), Is.EqualTo(s / 4).Within(1e-15));
        }
        for (long i = 0; i < up.Count; i++)
        {
            var ix = Naive.Unravel(i, [2, 3, 8, 12]);
            Assert.That(up.GetDouble(i), Is.EqualTo(x.GetDouble(Naive.Ravel([ix[0], ix[1], ix[2] / 2, ix[3] / 2], [2, 3, 4, 6]))));
        }
    }

    [Test]
    public void ResultsDoNotDependOnHowWorkIsSplitAcrossCores()
    {
        var a = Data.Normal([70, 90], 1, DType.Float32); var b = Data.Normal([90, 50], 2, DType.Float32);
        var x = Data.Normal([5, 3, 9, 9], 3, DType.Float32); var w = Data.Normal([4, 3, 3, 3], 4, DType.Float32);
        var matmul = a.MatMul(b).ToFloatArray(); var conv = x.Conv2d(w, null, 1, 1).ToFloatArray();
        int saved = Ect.Kernels.Cpu.Threads.Count;
        try
        {
            Ect.Kernels.Cpu.Threads.Count = 1;
            Assert.That(a.MatMul(b).ToFloatArray(), Is.EqualTo(matmul));
            Assert.That(x.Conv2d(w, null, 1, 1).ToFloatArray(), Is.EqualTo(conv));
        }
        finally { Ect.Kernels.Cpu.Threads.Count = saved; }
    }

    [Test]
    public void ConcatAndSplitRoundTrip()
    {
        var a = Data.Normal([2, 3, 4], 1); var b = Data.NonContiguous([2, 5, 4], 2);
        var c = TensorOps.Concat([a, b], 1);
        Assert.That(c.Shape, Is.EqualTo(new[] { 2, 8, 4 }));
        var parts = c.Split(1, 3, 5);
        Assertions.Close(parts[0], a, 0, 0, "first part");
        Assertions.Close(parts[1], b, 0, 0, "second part");
    }
}

/// <summary>The float32 convolutions (direct for stride 1, implicit GEMM otherwise; forward with bias and both
/// backward passes) against the float64 im2col reference path on random inputs, over the geometries the U-Net and
/// users need, including one image (tiles split across cores), more input channels than one reduction pass holds
/// (80·9 > 640), output channels that fill no whole 8-row or 32-column tile, widths 28 and 13, and 1×1 kernels
/// both through the padded copy and read in place.</summary>
public class ImplicitConvTests
{
    [TestCase(2, 3, 4, 9, 7, 3, 3, 1, 1)]
    [TestCase(3, 16, 16, 32, 32, 3, 3, 1, 1)]
    [TestCase(2, 5, 2, 8, 8, 1, 1, 1, 0)]
    [TestCase(2, 3, 3, 11, 6, 3, 3, 2, 1)]
    [TestCase(1, 4, 5, 6, 9, 2, 4, 1, 2)]
    [TestCase(2, 3, 3, 7, 7, 5, 5, 1, 2)]
    [TestCase(2, 2, 3, 6, 6, 3, 3, 1, 0)]
    [TestCase(1, 80, 37, 13, 28, 3, 3, 1, 1)]
    [TestCase(4, 64, 64, 16, 16, 3, 3, 1, 1)]
    [TestCase(3, 7, 40, 5, 3, 1, 1, 1, 0)]
    [TestCase(2, 3, 33, 28, 28, 3, 3, 1, 1)]
    [TestCase(2, 16, 24, 8, 8, 1, 1, 1, 0)]    // 1×1 read and written in place (forward and input gradient)
    [TestCase(1, 8, 16, 16, 16, 1, 1, 1, 0)]   // the same with one image (tiles split across cores)
    public void Float32ImplicitPathsMatchTheFloat64Reference(int n, int cin, int cout, int h, int w, int kh, int kw, int stride, int pad)
    {
        var backend = Backends.Cpu;
        var geometry = new Conv2dGeometry(stride, pad);
        var x = Ect.Tests.Numerics.Data.Normal([n, cin, h, w], 1); var wt = Ect.Tests.Numerics.Data.Normal([cout, cin, kh, kw], 2);
        int ho = geometry.OutputSize(h, kh), wo = geometry.OutputSize(w, kw);
        var dy = Ect.Tests.Numerics.Data.Normal([n, cout, ho, wo], 3);
        var bias = Ect.Tests.Numerics.Data.Normal([cout], 4);
        Tensor F(Tensor t) => t.Cast(DType.Float32);
        // float32 sums of up to Cin·K² (forward, dx) or Ho·Wo (dw) unit-variance products: 1e-4 relative to √terms.
        double tol = 1e-5 * Math.Sqrt(Math.Max(cin * kh * kw, ho * wo) * 4.0);
        Numerics.Assertions.Close(backend.Conv2d(F(x), F(wt), F(bias), geometry), backend.Conv2d(x, wt, bias, geometry), tol, tol, "forward");
        Numerics.Assertions.Close(backend.Conv2dBackwardInput(F(dy), F(wt), x.Shape.AsSpan(), geometry),
            backend.Conv2dBackwardInput(dy, wt, x.Shape.AsSpan(), geometry), tol, tol, "input gradient");
        Numerics.Assertions.Close(backend.Conv2dBackwardWeight(F(dy), F(x), wt.Shape.AsSpan(), geometry),
            backend.Conv2dBackwardWeight(dy, x, wt.Shape.AsSpan(), geometry), tol, tol, "weight gradient");
    }
}
