namespace Ect.Reporting;

/// <summary>The smoothed line drawn over noisy logged values: a centred moving average, optionally in log space
/// (a geometric mean, right for losses on a log axis). Centred rather than an exponential average so the line does
/// not lag behind a falling loss; near the ends the window shrinks to what exists.</summary>
public static class Smoothing
{
    /// <summary>A half-width of about a thirtieth of the series, so any run length gets a similar look; at least one
    /// neighbour each side once there are enough points for a line to be worth drawing over the dots.</summary>
    public static int HalfWidthFor(int count) => count < 8 ? 0 : Math.Max(1, count / 30);

    /// <summary>result_i = mean of the finite values among v_(i−h) … v_(i+h) (of ln v in log space, then exp);
    /// NaN where the window holds none. Non-positive values count as missing in log space.</summary>
    public static double[] Centred(IReadOnlyList<double> values, int halfWidth, bool logSpace = false)
    {
        int n = values.Count;
        // Prefix sums over the transformed values make every window O(1).
        var sum = new double[n + 1];
        var count = new int[n + 1];
        for (int i = 0; i < n; i++)
        {
            double v = logSpace ? (values[i] > 0 ? Math.Log(values[i]) : double.NaN) : values[i];
            bool ok = double.IsFinite(v);
            sum[i + 1] = sum[i] + (ok ? v : 0);
            count[i + 1] = count[i] + (ok ? 1 : 0);
        }
        var result = new double[n];
        for (int i = 0; i < n; i++)
        {
            int lo = Math.Max(0, i - halfWidth), hi = Math.Min(n, i + halfWidth + 1);
            int k = count[hi] - count[lo];
            double mean = k > 0 ? (sum[hi] - sum[lo]) / k : double.NaN;
            result[i] = logSpace ? Math.Exp(mean) : mean;
        }
        return result;
    }
}
