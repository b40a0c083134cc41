namespace Ect.Evaluation;

/// <summary>
/// Eigendecomposition of a real symmetric matrix by the cyclic Jacobi method (Golub &amp; Van Loan §8.5; the
/// rotation formulas of Numerical Recipes §11.1), in float64: A = V·diag(λ)·Vᵀ with V orthogonal. Each sweep visits
/// every off-diagonal pair (p, q) once and zeroes it with a plane rotation; the off-diagonal mass falls
/// quadratically once it is small, so a 128×128 covariance takes well under 20 sweeps and a few milliseconds.
/// Jacobi is slower than tridiagonal QR but has the better accuracy for small eigenvalues (Demmel &amp; Veselić),
/// which the matrix square root of a nearly singular covariance needs. Matrices are n×n row-major spans.
/// </summary>
public static class SymmetricEigen
{
    private const int MaxSweeps = 100;

    /// <summary>
    /// Eigenvalues (ascending) and eigenvectors (column j of the row-major n×n <c>Vectors</c> belongs to
    /// <c>Values[j]</c>) of the symmetric matrix <paramref name="a"/>. Only symmetry to rounding is assumed: the
    /// upper triangle is used. Throws on NaN/∞ entries and when the sweeps do not converge.
    /// </summary>
    public static (double[] Values, double[] Vectors) Decompose(ReadOnlySpan<double> a, int n)
    {
        if (n < 0 || a.Length != n * n)
            throw new ArgumentException($"SymmetricEigen: {a.Length} values do not make a {n}×{n} matrix");
        var m = new double[n * n];
        for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
        {
            double v = i <= j ? a[i * n + j] : a[j * n + i];   // symmetrise from the upper triangle
            if (!double.IsFinite(v)) throw new ArgumentException($"SymmetricEigen: entry ({i}, {j}) is {v}; the matrix must be finite");
            m[i * n + j] = v;
        }
        var vectors = new double[n * n];
        for (int i = 0; i < n; i++) vectors[i * n + i] = 1;

        double total = 0;
        foreach (double v in m) total += v * v;
        for (int sweep = 0; ; sweep++)
        {
            double off = 0;
            for (int p = 0; p < n; p++)
                for (int q = p + 1; q < n; q++) off += 2 * m[p * n + q] * m[p * n + q];
            // Converged when the off-diagonal part is at rounding level of the whole matrix.
            if (off <= 1e-30 * total) break;
            if (sweep == MaxSweeps)
                throw new InvalidOperationException($"SymmetricEigen: no convergence after {MaxSweeps} Jacobi sweeps (off-diagonal mass {off:G3} of {total:G3})");
            for (int p = 0; p < n; p++)
                for (int q = p + 1; q < n; q++)
                    Rotate(m, vectors, n, p, q);
        }

        // Sort ascending, permuting the eigenvector columns with the values.
        var values = new double[n];
        for (int i = 0; i < n; i++) values[i] = m[i * n + i];
        var order = Enumerable.Range(0, n).OrderBy(i => values[i]).ToArray();
        var sortedValues = new double[n];
        var sortedVectors = new double[n * n];
        for (int j = 0; j < n; j++)
        {
            sortedValues[j] = values[order[j]];
            for (int i = 0; i < n; i++) sortedVectors[i * n + j] = vectors[i * n + order[j]];
        }
        return (sortedValues, sortedVectors);
    }

    // One Jacobi rotation in the (p, q) plane that zeroes m[p, q] (NR eqs. 11.1.4–11.1.18): θ = (a_qq − a_pp)/(2a_pq),
    // t = sgn(θ)/(|θ| + √(θ² + 1)) (the smaller root, so the rotation angle is at most π/4), c = 1/√(t² + 1), s = t·c.
    private static void Rotate(double[] m, double[] vectors, int n, int p, int q)
    {
        double apq = m[p * n + q];
        if (apq == 0) return;
        double theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        double t = (theta >= 0 ? 1 : -1) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
        double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
        m[p * n + p] -= t * apq;
        m[q * n + q] += t * apq;
        m[p * n + q] = m[q * n + p] = 0;
        for (int r = 0; r < n; r++)
        {
            if (r != p && r != q)
            {
                double arp = m[r * n + p], arq = m[r * n + q];
                m[r * n + p] = m[p * n + r] = c * arp - s * arq;
                m[r * n + q] = m[q * n + r] = s * arp + c * arq;
            }
            double vrp = vectors[r * n + p], vrq = vectors[r * n + q];
            vectors[r * n + p] = c * vrp - s * vrq;
            vectors[r * n + q] = s * vrp + c * vrq;
        }
    }

    /// <summary>
    /// The principal square root of a symmetric positive semi-definite matrix: V·diag(√λ)·Vᵀ. Eigenvalues that
    /// rounding pushed slightly below zero are taken as 0; a clearly negative one (below −1e-9 of the largest
    /// magnitude) means the matrix is not PSD and throws.
    /// </summary>
    public static double[] Sqrt(ReadOnlySpan<double> a, int n)
    {
        var (values, vectors) = Decompose(a, n);
        double scale = values.Length == 0 ? 0 : Math.Max(Math.Abs(values[0]), Math.Abs(values[^1]));
        var roots = new double[n];
        for (int j = 0; j < n; j++)
        {
            if (values[j] < -1e-9 * scale)
                throw new ArgumentException($"SymmetricEigen.Sqrt: eigenvalue {values[j]:G6} is negative; the matrix is not positive semi-definite");
            roots[j] = Math.Sqrt(Math.Max(values[j], 0));
        }
        var result = new double[n * n];
        for (int i = 0; i < n; i++)
        for (int k = 0; k < n; k++)
        {
            double sum = 0;
            for (int j = 0; j < n; j++) sum += vectors[i * n + j] * roots[j] * vectors[k * n + j];
            result[i * n + k] = sum;
        }
        return result;
    }
}
