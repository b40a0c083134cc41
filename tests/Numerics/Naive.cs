namespace Ect.Tests.Numerics;

/// <summary>
/// Reference implementations as plain float64 loops over logical indices: slow and obviously correct. Every fast
/// kernel is compared against these on random inputs.
/// </summary>
public static class Naive
{
    /// <summary>Row-major multi-index of a flat index.</summary>
    public static int[] Unravel(long flat, int[] shape)
    {
        var index = new int[shape.Length];
        for (int d = shape.Length - 1; d >= 0; d--) { index[d] = (int)(flat % shape[d]); flat /= shape[d]; }
        return index;
    }

    public static long Ravel(int[] index, int[] shape)
    {
        long flat = 0;
        for (int d = 0; d < shape.Length; d++) flat = flat * shape[d] + index[d];
        return flat;
    }

    /// <summary>Value of x at the output index of a broadcast with output shape <paramref name="outShape"/>.</summary>
    public static double At(Tensor x, int[] outIndex)
    {
        int lead = outIndex.Length - x.Rank;
        var index = new int[x.Rank];
        for (int i = 0; i < x.Rank; i++) index[i] = x.Shape[i] == 1 ? 0 : outIndex[lead + i];
        return x.GetDouble(Ravel(index, x.Shape.ToArray()));
    }

    public static int[] BroadcastShape(params Tensor[] xs)
    {
        int rank = xs.Max(x => x.Rank);
        var shape = Enumerable.Repeat(1, rank).ToArray();
        foreach (var x in xs)
            for (int i = 0; i < x.Rank; i++)
            {
                int d = x.Shape[i], o = rank - x.Rank + i;
                if (d != 1) shape[o] = d;
            }
        return shape;
    }

    public static double[] Map(Tensor x, Func<double, double> f) => x.ToDoubleArray().Select(f).ToArray();

    public static double[] Zip(Tensor x, Tensor y, Func<double, double, double> f)
    {
        var shape = BroadcastShape(x, y);
        var result = new double[Shapes.Count(shape)];
        for (long i = 0; i < result.Length; i++)
        {
            var index = Unravel(i, shape);
            result[i] = f(At(x, index), At(y, index));
        }
        return result;
    }

    /// <summary>Reduction over axes with keepDims (the caller reshapes if needed).</summary>
    public static double[] Reduce(Tensor x, int[] axes, Func<IEnumerable<double>, double> f)
    {
        var shape = x.Shape.ToArray();
        var outShape = shape.Select((d, i) => axes.Contains(i) ? 1 : d).ToArray();
        var groups = new List<double>[Shapes.Count(outShape)];
        for (int g = 0; g < groups.Length; g++) groups[g] = [];
        for (long i = 0; i < x.Count; i++)
        {
            var index = Unravel(i, shape);
            foreach (int a in axes) index[a] = 0;
            groups[Ravel(index, outShape)].Add(x.GetDouble(i));
        }
        return groups.Select(f).ToArray();
    }

    public static double[] MatMul(double[] a, double[] b, int m, int k, int n)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++)
        {
            double s = 0;
            for (int p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
            c[i * n + j] = s;
        }
        return c;
    }

    public static double[] Conv2d(Tensor x, Tensor w, Tensor? bias, int stride, int pad)
    {
        int n = x.Shape[0], cin = x.Shape[1], h = x.Shape[2], wd = x.Shape[3];
        int cout = w.Shape[0], kh = w.Shape[2], kw = w.Shape[3];
        int ho = (h + 2 * pad - kh) / stride + 1, wo = (wd + 2 * pad - kw) / stride + 1;
        var xs = x.ToDoubleArray(); var ws = w.ToDoubleArray(); var bs = bias?.ToDoubleArray();
        var y = new double[n * cout * ho * wo];
        for (int b = 0; b < n; b++)
        for (int co = 0; co < cout; co++)
        for (int oy = 0; oy < ho; oy++)
        for (int ox = 0; ox < wo; ox++)
        {
            double s = bs?[co] ?? 0;
            for (int ci = 0; ci < cin; ci++)
            for (int ky = 0; ky < kh; ky++)
            for (int kx = 0; kx < kw; kx++)
            {
                int iy = oy * stride - pad + ky, ix = ox * stride - pad + kx;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                s += xs[((b * cin + ci) * h + iy) * wd + ix] * ws[((co * cin + ci) * kh + ky) * kw + kx];
            }
            y[((b * cout + co) * ho + oy) * wo + ox] = s;
        }
        return y;
    }

    public static double[] GroupNorm(Tensor x, int groups, Tensor? gamma, Tensor? beta, double eps)
    {
        int n = x.Shape[0], c = x.Shape[1], spatial = (int)(x.Count / (n * c)), cpg = c / groups;
        var xs = x.ToDoubleArray(); var y = new double[xs.Length];
        for (int b = 0; b < n; b++)
        for (int g = 0; g < groups; g++)
        {
            int start = (b * c + g * cpg) * spatial, len = cpg * spatial;
            double mean = 0, var = 0;
            for (int i = 0; i < len; i++) mean += xs[start + i];
            mean /= len;
            for (int i = 0; i < len; i++) var += (xs[start + i] - mean) * (xs[start + i] - mean);
            var /= len;
            for (int i = 0; i < len; i++)
            {
                int ch = g * cpg + i / spatial;
                double v = (xs[start + i] - mean) / Math.Sqrt(var + eps);
                y[start + i] = gamma is null ? v : v * gamma.GetDouble(ch) + beta!.GetDouble(ch);
            }
        }
        return y;
    }

    public static double[] Softmax(Tensor x, int axis)
    {
        var shape = x.Shape.ToArray();
        var y = new double[x.Count];
        for (long i = 0; i < x.Count; i++)
        {
            var index = Unravel(i, shape);
            double max = double.NegativeInfinity, sum = 0;
            for (int j = 0; j < shape[axis]; j++) { index[axis] = j; max = Math.Max(max, x.GetDouble(Ravel(index, shape))); }
            for (int j = 0; j < shape[axis]; j++) { index[axis] = j; sum += Math.Exp(x.GetDouble(Ravel(index, shape)) - max); }
            y[i] = Math.Exp(x.GetDouble(i) - max) / sum;
        }
        return y;
    }
}
