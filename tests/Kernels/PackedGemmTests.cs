using Ect.Kernels.Cpu;

namespace Ect.Tests.Kernels;

/// <summary>The packed AVX-512 GEMM against a float64 triple loop at sizes around its tile and block edges
/// (MR = 8, NR = 32, KC = 256, NC = 512), for every storage order of A and B, overwriting and accumulating.</summary>
public class PackedGemmTests
{
    [Test]
    public void MatchesReferenceAroundTileAndBlockEdges(
        [Values(1, 7, 8, 9, 17, 130)] int m,
        [Values(1, 31, 32, 33, 513)] int n,
        [Values(1, 255, 257)] int k)
    {
        if (!PackedGemm.IsSupported) Assert.Ignore("no AVX-512 on this machine: the packed kernel is not used here");
        var rng = new Random(m * 1_000_000 + n * 1000 + k);
        float[] a = Enumerable.Range(0, m * k).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[] b = Enumerable.Range(0, k * n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        float[] c0 = Enumerable.Range(0, m * n).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        foreach (bool ta in new[] { false, true })
        foreach (bool tb in new[] { false, true })
        foreach (bool accumulate in new[] { false, true })
        {
            // Store A and B in the requested order: transposed storage holds the transpose row-major.
            float[] aStored = ta ? Transpose(a, m, k) : a, bStored = tb ? Transpose(b, k, n) : b;
            var c = (float[])c0.Clone();
            PackedGemm.Multiply(m, n, k, aStored, ta ? m : k, ta, bStored, tb ? k : n, tb, c, n, accumulate);
            for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = accumulate ? c0[i * n + j] : 0;
                for (int p = 0; p < k; p++) s += (double)a[i * k + p] * b[p * n + j];
                // float32 accumulation over k terms of size ≤ 1: error grows like √k·ulp; 2e-6·√k·(1 + |s|) is generous.
                double tol = 2e-6 * Math.Sqrt(k) * (1 + Math.Abs(s));
                if (Math.Abs(c[i * n + j] - s) > tol)
                    Assert.Fail($"m {m} n {n} k {k} transposeA {ta} transposeB {tb} accumulate {accumulate}: C[{i}, {j}] = {c[i * n + j]}, expected {s}");
            }
        }
    }

    private static float[] Transpose(float[] x, int rows, int cols)
    {
        var t = new float[x.Length];
        for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) t[j * rows + i] = x[i * cols + j];
        return t;
    }
}
