namespace Ect.Tests.Numerics;

public static class Assertions
{
    /// <summary>|actual − expected| ≤ atol + rtol·|expected| elementwise (NaN matches NaN, ∞ matches the same ∞).</summary>
    public static void Close(Tensor actual, double[] expected, double rtol, double atol, string what = "")
    {
        var a = actual.ToDoubleArray();
        Assert.That(a.Length, Is.EqualTo(expected.Length), $"{what}: element count");
        for (int i = 0; i < a.Length; i++)
        {
            double e = expected[i], v = a[i];
            if (double.IsNaN(e) && double.IsNaN(v)) continue;
            if (double.IsInfinity(e) && v == e) continue;
            if (!(Math.Abs(v - e) <= atol + rtol * Math.Abs(e)))
                Assert.Fail($"{what}: element {i} (index [{string.Join(", ", Naive.Unravel(i, actual.Shape.ToArray()))}]) is {v:G9}, expected {e:G9} (rtol {rtol}, atol {atol})");
        }
    }

    public static void Close(Tensor actual, Tensor expected, double rtol, double atol, string what = "") =>
        Close(actual, expected.ToDoubleArray(), rtol, atol, what);

    /// <summary>Runs GradCheck and fails listing the first mismatches.</summary>
    public static void Gradients(Func<Tensor[], Tensor> f, Tensor[] inputs, double tol = 1e-6, double eps = 1e-6)
    {
        var mismatches = GradCheck.Check(f, inputs, eps, tol);
        if (mismatches.Count > 0)
            Assert.Fail($"{mismatches.Count} gradient mismatches, e.g. {string.Join("; ", mismatches.Take(3))}. " +
                        "Re-derive the backward rule of the op that consumes this input.");
    }
}
