using Ect.Kernels.Cuda;

namespace Ect.Tests.Kernels.Cuda;

/// <summary>
/// The row-major → column-major argument mapping of CudaContext.Gemm, checked without a GPU: the mapped arguments go
/// to a column-major reference GEMM that reads memory exactly as BLAS documents it (element (r, c) of a matrix with
/// leading dimension ld at r + c·ld, op = T swaps the indices), and the result must equal a plain row-major product.
/// </summary>
public class RowMajorGemmTests
{
    private const ulong AddressA = 1UL << 40, AddressB = 2UL << 40, AddressC = 3UL << 40;

    /// <summary>cublasGemmStridedBatchedEx's semantics, on host arrays named by fake device addresses.</summary>
    private static void ColumnMajorReference(ColumnMajorGemm g, double alpha, double beta, IReadOnlyDictionary<ulong, double[]> memory)
    {
        var (a, b, c) = (memory[g.A], memory[g.B], memory[g.C]);
        for (int batch = 0; batch < g.Batch; batch++)
        {
            long oa = batch * g.StrideA, ob = batch * g.StrideB, oc = batch * g.StrideC;
            for (int r = 0; r < g.M; r++)
                for (int col = 0; col < g.N; col++)
                {
                    double sum = 0;
                    for (int l = 0; l < g.K; l++)
                    {
                        double opA = g.TransA ? a[oa + l + (long)r * g.Lda] : a[oa + r + (long)l * g.Lda];
                        double opB = g.TransB ? b[ob + col + (long)l * g.Ldb] : b[ob + l + (long)col * g.Ldb];
                        sum += opA * opB;
                    }
                    long at = oc + r + (long)col * g.Ldc;
                    c[at] = alpha * sum + beta * c[at];
                }
        }
    }

    private static double[] Values(int n, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => Math.Round(random.NextDouble() * 8 - 4, 2)).ToArray();
    }

    [TestCase(false, false), TestCase(true, false), TestCase(false, true), TestCase(true, true)]
    public void MatchesARowMajorProductForEveryTransposeAndBatchStride(bool transA, bool transB)
    {
        const int m = 3, n = 5, k = 4, batch = 3;
        const double alpha = 1.5, beta = 0.5;
        foreach (var (broadcastA, broadcastB) in new[] { (false, false), (true, false), (false, true) })
        {
            long strideA = broadcastA ? 0 : m * k, strideB = broadcastB ? 0 : k * n, strideC = m * n;
            var a = Values((broadcastA ? 1 : batch) * m * k, 1);
            var b = Values((broadcastB ? 1 : batch) * k * n, 2);
            var c = Values(batch * m * n, 3);
            var expected = (double[])c.Clone();
            for (int i = 0; i < batch; i++)
                for (int row = 0; row < m; row++)
                    for (int col = 0; col < n; col++)
                    {
                        double sum = 0;
                        for (int l = 0; l < k; l++)
                        {
                            // A stored [m,k] row-major, or [k,m] when transposed; B [k,n], or [n,k].
                            double av = transA ? a[i * strideA + l * m + row] : a[i * strideA + row * k + l];
                            double bv = transB ? b[i * strideB + col * k + l] : b[i * strideB + l * n + col];
                            sum += av * bv;
                        }
                        int at = i * m * n + row * n + col;
                        expected[at] = alpha * sum + beta * c[at];
                    }

            var mapped = RowMajorGemm.Map(transA, transB, m, n, k, AddressA, strideA, AddressB, strideB, AddressC, strideC, batch);
            ColumnMajorReference(mapped, alpha, beta, new Dictionary<ulong, double[]> { [AddressA] = a, [AddressB] = b, [AddressC] = c });
            Assert.That(c, Is.EqualTo(expected).Within(1e-12), $"transA {transA}, transB {transB}, broadcast A {broadcastA}, B {broadcastB}");
        }
    }

    [Test]
    public void TheLinearLayerProductsMapAsGpuMdTabulates()
    {
        // Y[M,N] = X[M,K]·Wᵀ with W [N,K]: gemm(T, N, m=N, n=M, k=K, A=W, lda=K, B=X, ldb=K, C=Y, ldc=N).
        const int M = 8, N = 3, K = 5;
        var g = RowMajorGemm.Map(false, true, M, N, K, AddressA, 0, AddressB, 0, AddressC, 0, 1);
        Assert.That((g.TransA, g.TransB, g.M, g.N, g.K), Is.EqualTo((true, false, N, M, K)));
        Assert.That((g.A, g.Lda, g.B, g.Ldb, g.C, g.Ldc), Is.EqualTo((AddressB, K, AddressA, K, AddressC, N)));
    }

    [Test]
    public void BadArgumentsAreRefusedBeforeCuBlasSeesThem()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RowMajorGemm.Map(false, false, -1, 2, 2, AddressA, 0, AddressB, 0, AddressC, 0, 1));
        Assert.Throws<ArgumentException>(() => RowMajorGemm.Map(false, false, 2, 2, 2, AddressA, 4, AddressB, 4, AddressC, 0, 2));
        var empty = RowMajorGemm.Map(false, false, 0, 0, 0, AddressA, 0, AddressB, 0, AddressC, 0, 1);
        Assert.That((empty.Lda, empty.Ldb, empty.Ldc), Is.EqualTo((1, 1, 1)), "leading dimensions stay ≥ 1");
    }
}
