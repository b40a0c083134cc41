using Ect.Kernels.Cpu;

namespace Ect.Evaluation;

/// <summary>
/// Improved precision and recall (Kynkäänniemi et al. 2019) in feature space. Each set's manifold is the union of
/// balls around its points, each ball reaching the point's k-th nearest neighbour in the same set (k = 3, the
/// paper's choice). Precision = the fraction of generated points inside the real manifold (are samples realistic?);
/// recall = the fraction of real points inside the generated manifold (is the data's variety covered?).
/// Distances are Euclidean, in float64, from |a|² + |b|² − 2aᵀb with the products done by the engine's matrix
/// product in blocks of rows; a point counts as inside a ball when its squared distance is at most the squared
/// radius plus 1e-10·(|a|² + |b|²), which absorbs the rounding of that formula (duplicates have radius 0).
/// </summary>
public static class PrecisionRecall
{
    private const int BlockRows = 512;

    public static (double Precision, double Recall) Compute(Tensor real, Tensor generated, int k = 3)
    {
        Check.That(real.Rank == 2 && generated.Rank == 2 && real.Shape[1] == generated.Shape[1], "PrecisionRecall",
            () => $"needs features [n, d] with the same d, got {Check.Fmt(real.Shape.AsSpan())} and {Check.Fmt(generated.Shape.AsSpan())}");
        if (real.Shape[0] <= k || generated.Shape[0] <= k)
            throw new ArgumentException($"PrecisionRecall: each set needs more than k = {k} points (got {real.Shape[0]} and {generated.Shape[0]})");
        using var _ = GradMode.NoGrad();
        var r = real.Cast(DType.Float64).Contiguous();
        var g = generated.Cast(DType.Float64).Contiguous();
        var realRadii = KthNeighbourDistances(r, k);
        var generatedRadii = KthNeighbourDistances(g, k);
        return (CoveredFraction(g, r, realRadii), CoveredFraction(r, g, generatedRadii));
    }

    /// <summary>Squared distance from each row of x to its k-th nearest other row.</summary>
    public static double[] KthNeighbourDistances(Tensor x, int k)
    {
        var radii = new double[x.Shape[0]];
        ForEachDistanceRow(x, x, (row, distances) =>
        {
            // The k + 1 smallest, the point itself (distance ~0) included, by insertion into a tiny sorted list.
            Span<double> smallest = stackalloc double[k + 1];
            smallest.Fill(double.PositiveInfinity);
            foreach (double dist in distances)
            {
                if (dist >= smallest[k]) continue;
                int at = k;
                while (at > 0 && smallest[at - 1] > dist) { smallest[at] = smallest[at - 1]; at--; }
                smallest[at] = dist;
            }
            radii[row] = smallest[k];
        });
        return radii;
    }

    /// <summary>The fraction of rows of <paramref name="points"/> that lie inside at least one ball
    /// (centre = a row of <paramref name="centres"/>, squared radius <paramref name="radii"/>).</summary>
    public static double CoveredFraction(Tensor points, Tensor centres, double[] radii)
    {
        var norms = SquaredNorms(points);
        var centreNorms = SquaredNorms(centres);
        int covered = 0;
        ForEachDistanceRow(points, centres, (row, distances) =>
        {
            for (int j = 0; j < distances.Length; j++)
                if (distances[j] <= radii[j] + 1e-10 * (norms[row] + centreNorms[j]))
                {
                    Interlocked.Increment(ref covered);
                    return;
                }
        });
        return (double)covered / points.Shape[0];
    }

    // Squared distances of each row of a to every row of b, one block of rows of a at a time; visit(row, distances)
    // runs on both cores.
    private delegate void RowVisitor(int row, ReadOnlySpan<double> distances);

    private static void ForEachDistanceRow(Tensor a, Tensor b, RowVisitor visit)
    {
        var aNorms = SquaredNorms(a);
        var bNorms = SquaredNorms(b);
        int n = b.Shape[0];
        for (int start = 0; start < a.Shape[0]; start += BlockRows)
        {
            int rows = Math.Min(BlockRows, a.Shape[0] - start);
            using var scope = TensorScope.Begin();
            var products = a.Narrow(0, start, rows).MatMul(b, transposeB: true);   // [rows, n]
            var storage = products.Contiguous();
            Threads.For(rows, n, (from, to) =>
            {
                var block = storage.HostSpan<double>();
                var distances = new double[n];                                    // one buffer per worker chunk
                for (long i = from; i < to; i++)
                {
                    var dots = block.Slice((int)i * n, n);
                    for (int j = 0; j < n; j++) distances[j] = Math.Max(0, aNorms[start + i] + bNorms[j] - 2 * dots[j]);
                    visit(start + (int)i, distances);
                }
            });
        }
    }

    private static double[] SquaredNorms(Tensor x)
    {
        var values = x.HostSpan<double>();
        int d = x.Shape[1];
        var norms = new double[x.Shape[0]];
        for (int i = 0; i < norms.Length; i++)
        {
            var row = values.Slice(i * d, d);
            norms[i] = System.Numerics.Tensors.TensorPrimitives.Dot(row, row);
        }
        return norms;
    }
}
