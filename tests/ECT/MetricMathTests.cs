using Ect.Evaluation;
using Ect.Tests.Numerics;

namespace Ect.Tests.ECT;

/// <summary>
/// The metrics' mathematics on inputs with known answers: the Jacobi eigendecomposition and matrix square root, the
/// Fréchet distance of Gaussians given in closed form, KID against a direct double loop, precision/recall at the
/// extremes and against brute force, and the class-histogram entropy.
/// </summary>
public class MetricMathTests
{
    private static double[] RandomSymmetric(int n, int seed)
    {
        var random = new Random(seed);
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = i; j < n; j++) a[i * n + j] = a[j * n + i] = random.NextDouble() * 2 - 1;
        return a;
    }

    // B·Bᵀ + shift·I: symmetric positive definite for shift > 0, semi-definite of rank `rank` for shift = 0.
    private static double[] RandomSpd(int n, int rank, double shift, int seed)
    {
        var random = new Random(seed);
        var b = new double[n * rank];
        for (int i = 0; i < b.Length; i++) b[i] = random.NextDouble() * 2 - 1;
        var a = new double[n * n];
        for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
        {
            double sum = i == j ? shift : 0;
            for (int k = 0; k < rank; k++) sum += b[i * rank + k] * b[j * rank + k];
            a[i * n + j] = sum;
        }
        return a;
    }

    private static double[] Multiply(double[] x, double[] y, int n) => Naive.MatMul(x, y, n, n, n);

    private static void AssertMatrixClose(double[] actual, double[] expected, double tol, string what)
    {
        for (int i = 0; i < expected.Length; i++)
            Assert.That(actual[i], Is.EqualTo(expected[i]).Within(tol), $"{what}: entry {i}");
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(7)]
    [TestCase(40)]
    public void EigendecompositionReconstructsTheMatrixWithOrthonormalVectors(int n)
    {
        var a = RandomSymmetric(n, seed: n);
        var (values, v) = SymmetricEigen.Decompose(a, n);
        Assert.That(values, Is.Ordered.Ascending);
        // A·V = V·Λ column by column, and VᵀV = I.
        var av = Multiply(a, v, n);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) Assert.That(av[i * n + j], Is.EqualTo(v[i * n + j] * values[j]).Within(1e-12), $"(A·V − V·Λ)[{i},{j}]");
        for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
        {
            double dot = 0;
            for (int k = 0; k < n; k++) dot += v[k * n + i] * v[k * n + j];
            Assert.That(dot, Is.EqualTo(i == j ? 1 : 0).Within(1e-12), $"(VᵀV)[{i},{j}]");
        }
        Assert.That(values.Sum(), Is.EqualTo(Enumerable.Range(0, n).Sum(i => a[i * n + i])).Within(1e-11), "trace = Σλ");
    }

    [Test]
    public void EigenvaluesOfKnownMatrices()
    {
        Assert.That(SymmetricEigen.Decompose([2, 1, 1, 2], 2).Values, Is.EqualTo(new[] { 1.0, 3.0 }).Within(1e-15));
        // The path graph's Laplacian-like tridiagonal [2 −1; −1 2 −1; −1 2]: λ = 2 − 2cos(kπ/4), k = 1..3.
        var expected = new[] { 1, 2, 3 }.Select(k => 2 - 2 * Math.Cos(k * Math.PI / 4)).ToArray();
        Assert.That(SymmetricEigen.Decompose([2, -1, 0, -1, 2, -1, 0, -1, 2], 3).Values, Is.EqualTo(expected).Within(1e-14));
        Assert.That(SymmetricEigen.Decompose([5, 0, 0, 0, -1, 0, 0, 0, 3], 3).Values, Is.EqualTo(new[] { -1.0, 3.0, 5.0 }));
        Assert.Throws<ArgumentException>(() => SymmetricEigen.Decompose([1, double.NaN, double.NaN, 1], 2));
    }

    [TestCase(5, 5, 1.0)]     // positive definite
    [TestCase(30, 30, 0.1)]
    [TestCase(12, 4, 0.0)]    // rank 4 of 12: zero eigenvalues, as a covariance of fewer samples than features has
    public void SquareRootSquaresBackToTheMatrix(int n, int rank, double shift)
    {
        var a = RandomSpd(n, rank, shift, seed: n + rank);
        var root = SymmetricEigen.Sqrt(a, n);
        AssertMatrixClose(Multiply(root, root, n), a, 1e-11, "sqrtm(A)² − A");
        AssertMatrixClose(root, Enumerable.Range(0, n * n).Select(i => root[i % n * n + i / n]).ToArray(), 1e-13, "sqrtm(A) symmetric");
        Assert.That(SymmetricEigen.Decompose(root, n).Values[0], Is.GreaterThan(-1e-7), "the principal root is PSD");
    }

    [Test]
    public void SquareRootOfDiagonalAndRefusalOfIndefinite()
    {
        AssertMatrixClose(SymmetricEigen.Sqrt([4, 0, 0, 9], 2), [2, 0, 0, 3], 1e-15, "sqrt diag(4, 9)");
        var ex = Assert.Throws<ArgumentException>(() => SymmetricEigen.Sqrt([1, 2, 2, 1], 2))!;   // λ = −1, 3
        Assert.That(ex.Message, Does.Contain("not positive semi-definite"));
    }

    private static GaussianStatistics Stats(double[] mean, double[] covariance) => new(mean, covariance, mean.Length);

    [Test]
    public void FrechetDistanceOfGaussiansInClosedForm()
    {
        int d = 6;
        var sigma = RandomSpd(d, d, 0.5, seed: 3);
        double[] mu1 = [1, 2, 3, 4, 5, 6], mu2 = [1.5, 2, 2, 4, 5, 7];
        Assert.That(Math.Abs(FrechetDistance.Compute(Stats(mu1, sigma), Stats(mu1, sigma))), Is.LessThan(1e-10), "identical Gaussians");
        double meanTerm = mu1.Zip(mu2, (a, b) => (a - b) * (a - b)).Sum();
        Assert.That(FrechetDistance.Compute(Stats(mu1, sigma), Stats(mu2, sigma)), Is.EqualTo(meanTerm).Within(1e-10), "same Σ: |μ1 − μ2|²");
        // Diagonal covariances commute: FD = |μ1 − μ2|² + Σ (√a − √b)².
        double[] a = [1, 4, 0.25], b = [9, 1, 0.25];
        double expected = a.Zip(b, (x, y) => (Math.Sqrt(x) - Math.Sqrt(y)) * (Math.Sqrt(x) - Math.Sqrt(y))).Sum();
        static double[] Diag(double[] v) => Enumerable.Range(0, v.Length * v.Length).Select(i => i % (v.Length + 1) == 0 ? v[i / (v.Length + 1)] : 0).ToArray();
        Assert.That(FrechetDistance.Compute(Stats([0, 0, 0], Diag(a)), Stats([0, 0, 0], Diag(b))), Is.EqualTo(expected).Within(1e-12));
        // Symmetric in its arguments although the formula is not written symmetrically.
        var other = RandomSpd(d, d, 0.2, seed: 4);
        Assert.That(FrechetDistance.Compute(Stats(mu1, sigma), Stats(mu2, other)),
            Is.EqualTo(FrechetDistance.Compute(Stats(mu2, other), Stats(mu1, sigma))).Within(1e-9));
    }

    [Test]
    public void SampleStatisticsAreMeanAndUnbiasedCovariance()
    {
        var x = Tensor.FromArray(new double[] { 1, 2, 3, 6, 5, 10 }, 3, 2);   // rows (1,2), (3,6), (5,10)
        var s = GaussianStatistics.Of(x);
        Assert.That(s.Mean, Is.EqualTo(new[] { 3.0, 6.0 }).Within(1e-15));
        Assert.That(s.Covariance, Is.EqualTo(new[] { 4.0, 8.0, 8.0, 16.0 }).Within(1e-13));
    }

    // Direct double loop over the unbiased MMD² with k(x, y) = (xᵀy/d + 1)³.
    private static double NaiveMmd(double[,] x, double[,] y)
    {
        int m = x.GetLength(0), d = x.GetLength(1);
        double K(double[,] a, int i, double[,] b, int j)
        {
            double dot = 0;
            for (int k = 0; k < d; k++) dot += a[i, k] * b[j, k];
            return Math.Pow(dot / d + 1, 3);
        }
        double xx = 0, yy = 0, xy = 0;
        for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++)
        {
            if (i != j) { xx += K(x, i, x, j); yy += K(y, i, y, j); }
            xy += K(x, i, y, j);
        }
        return (xx + yy) / (m * (m - 1.0)) - 2 * xy / ((double)m * m);
    }

    [Test]
    public void KidMatchesTheDirectFormulaOnAWholeSet()
    {
        // With subset size = set size every subset is a permutation of the set, and MMD² does not depend on order.
        var x = Data.Normal([9, 4], 1); var y = Data.Normal([9, 4], 2) + 0.7;
        var (kid, std) = KernelDistance.Compute(x, y, subsets: 3, subsetSize: 9);
        var xa = new double[9, 4]; var ya = new double[9, 4];
        for (int i = 0; i < 36; i++) { xa[i / 4, i % 4] = x.GetDouble(i); ya[i / 4, i % 4] = y.GetDouble(i); }
        Assert.That(kid, Is.EqualTo(NaiveMmd(xa, ya)).Within(1e-12));
        Assert.That(std, Is.LessThan(1e-12));
    }

    [Test]
    public void KidIsNearZeroForOneDistributionAndPositiveForAShiftedOne()
    {
        var a = Data.Normal([2000, 16], 11); var b = Data.Normal([2000, 16], 12);
        var (same, sameStd) = KernelDistance.Compute(a, b, subsets: 20, subsetSize: 500);
        var (shifted, _) = KernelDistance.Compute(a, b + 0.3, subsets: 20, subsetSize: 500);
        Assert.That(Math.Abs(same), Is.LessThan(3 * sameStd + 1e-3), $"same distribution: {same} ± {sameStd}");
        Assert.That(shifted, Is.GreaterThan(20 * Math.Abs(same)), $"shifted: {shifted} vs same {same}");
    }

    [Test]
    public void PrecisionRecallAtTheExtremes()
    {
        var a = Data.Normal([200, 8], 21);
        var (p, r) = PrecisionRecall.Compute(a, a);
        Assert.That((p, r), Is.EqualTo((1.0, 1.0)), "identical sets");
        var (pFar, rFar) = PrecisionRecall.Compute(a, Data.Normal([150, 8], 22) + 100);
        Assert.That((pFar, rFar), Is.EqualTo((0.0, 0.0)), "disjoint, far apart");
        // Data with two far-apart modes, a generator that covers only one: all samples realistic, half the data missed.
        var twoModes = TensorOps.Concat([a.Narrow(0, 0, 100), a.Narrow(0, 100, 100) + 50], 0);
        var (pMode, rMode) = PrecisionRecall.Compute(twoModes, Data.Normal([100, 8], 23));
        Assert.That(pMode, Is.GreaterThan(0.9), "samples of the covered mode lie in the real manifold");
        Assert.That(rMode, Is.InRange(0.4, 0.5), "the other mode's 100 points are not covered");
    }

    [Test]
    public void PrecisionRecallMatchBruteForce()
    {
        var real = Data.Normal([120, 5], 31); var fake = Data.Normal([90, 5], 32) * 1.3 + 0.2;
        double Dist2(Tensor x, int i, Tensor y, int j) => Enumerable.Range(0, 5).Sum(k => Math.Pow(x.GetDouble(i * 5 + k) - y.GetDouble(j * 5 + k), 2));
        double[] Radii(Tensor x) => Enumerable.Range(0, x.Shape[0]).Select(i =>
            Enumerable.Range(0, x.Shape[0]).Where(j => j != i).Select(j => Dist2(x, i, x, j)).Order().ElementAt(2)).ToArray();
        double Covered(Tensor points, Tensor centres, double[] radii) => Enumerable.Range(0, points.Shape[0]).Count(i =>
            Enumerable.Range(0, centres.Shape[0]).Any(j => Dist2(points, i, centres, j) <= radii[j])) / (double)points.Shape[0];
        var (p, r) = PrecisionRecall.Compute(real, fake, k: 3);
        Assert.That(p, Is.EqualTo(Covered(fake, real, Radii(real))));
        Assert.That(r, Is.EqualTo(Covered(real, fake, Radii(fake))));
        Assert.That(p, Is.GreaterThan(0).And.LessThan(1), "a case with something to count");
    }

    [Test]
    public void EntropyOfOneClassIsZeroAndOfUniformIsLnK()
    {
        Assert.That(ClassHistogram.Entropy(ClassHistogram.Count([3, 3, 3, 3], 10)), Is.EqualTo(0));
        var uniform = Enumerable.Range(0, 50).Select(i => i % 10).ToArray();
        Assert.That(ClassHistogram.Entropy(ClassHistogram.Count(uniform, 10)), Is.EqualTo(Math.Log(10)).Within(1e-15));
        Assert.That(ClassHistogram.Entropy([1, 1, 0, 0]), Is.EqualTo(Math.Log(2)).Within(1e-15));
        Assert.Throws<ArgumentException>(() => ClassHistogram.Count([10], 10));
    }
}
