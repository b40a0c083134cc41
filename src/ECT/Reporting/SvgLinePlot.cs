using System.Globalization;
using System.Text;

namespace Ect.Reporting;

/// <summary>How a series is drawn: a polyline, or one dot per point (for noisy raw values and sparse data).</summary>
public enum SeriesStyle { Line, Dots }

/// <summary>One named data series. Points with a non-finite coordinate (or ≤ 0 on a log axis) are not drawn.</summary>
public sealed record PlotSeries(string Name, string Colour, IReadOnlyList<(double X, double Y)> Points,
    SeriesStyle Style = SeriesStyle.Line, double StrokeWidth = 1.6, double Opacity = 1, bool InLegend = true);

/// <summary>A shaded x-range with a label at its top (a training phase or ECT stage).</summary>
public sealed record PlotBand(double From, double To, string Label, string Fill);

/// <summary>
/// A self-contained SVG line plot: linear or log axes with round ticks, shaded bands, series as polylines or dots,
/// and a legend. Each series is one element carrying data-series (its name) and data-points (how many points it
/// drew), so tests can count what was plotted. All text is escaped; numbers are written in the invariant culture.
/// </summary>
public sealed class SvgLinePlot
{
    public string Title { get; init; } = "";
    public string XLabel { get; init; } = "";
    public string YLabel { get; init; } = "";
    public bool LogX { get; init; }
    public bool LogY { get; init; }
    /// <summary>Leave a margin left and right of the data (for dots, which the plot edge would cut in half).</summary>
    public bool PadX { get; init; }
    public int Width { get; init; } = 560;
    public int Height { get; init; } = 260;
    public List<PlotSeries> Series { get; } = [];
    public List<PlotBand> Bands { get; } = [];

    private const double Left = 62, Right = 14, Top = 40, Bottom = 40;

    public string Render()
    {
        var x = new Axis(LogX, Series.SelectMany(s => s.Points.Select(p => p.X)).Concat(Bands.SelectMany(b => new[] { b.From, b.To })), PadX);
        var y = new Axis(LogY, Series.SelectMany(s => s.Points.Where(p => x.Accepts(p.X)).Select(p => p.Y)), pad: true);
        double plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        double Px(double v) => Left + x.Fraction(v) * plotW;
        double Py(double v) => Top + (1 - y.Fraction(v)) * plotH;

        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" role=\"img\">"));
        svg.Append($"<title>{Html.Escape(Title)}</title>");
        svg.Append(Invariant($"<text x=\"{Left}\" y=\"16\" class=\"plot-title\">{Html.Escape(Title)}</text>"));
        Legend(svg);
        svg.Append(Invariant($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{plotW}\" height=\"{plotH}\" class=\"plot-area\"/>"));
        foreach (var band in Bands.Where(b => x.Accepts(b.From) && x.Accepts(b.To)))
        {
            double x0 = Px(band.From), x1 = Px(band.To);
            svg.Append(Invariant($"<rect x=\"{F(x0)}\" y=\"{Top}\" width=\"{F(Math.Max(0, x1 - x0))}\" height=\"{plotH}\" fill=\"{Html.Escape(band.Fill)}\"/>"));
            if (x1 - x0 > 6 * band.Label.Length)   // label only where it fits
                svg.Append(Invariant($"<text x=\"{F(x0 + 4)}\" y=\"{Top + 12}\" class=\"band-label\">{Html.Escape(band.Label)}</text>"));
        }
        foreach (double t in x.Ticks())
        {
            double px = Px(t);
            svg.Append(Invariant($"<line x1=\"{F(px)}\" y1=\"{Top}\" x2=\"{F(px)}\" y2=\"{Top + plotH}\" class=\"grid\"/>"));
            svg.Append(Invariant($"<text x=\"{F(px)}\" y=\"{Top + plotH + 14}\" text-anchor=\"middle\" class=\"tick\">{Html.Escape(Html.Number(t))}</text>"));
        }
        foreach (double t in y.Ticks())
        {
            double py = Py(t);
            svg.Append(Invariant($"<line x1=\"{Left}\" y1=\"{F(py)}\" x2=\"{Left + plotW}\" y2=\"{F(py)}\" class=\"grid\"/>"));
            svg.Append(Invariant($"<text x=\"{Left - 5}\" y=\"{F(py + 4)}\" text-anchor=\"end\" class=\"tick\">{Html.Escape(Html.Number(t))}</text>"));
        }
        svg.Append(Invariant($"<text x=\"{F(Left + plotW / 2)}\" y=\"{Height - 6}\" text-anchor=\"middle\" class=\"axis-label\">{Html.Escape(XLabel)}</text>"));
        svg.Append(Invariant($"<text transform=\"translate(13 {F(Top + plotH / 2)}) rotate(-90)\" text-anchor=\"middle\" class=\"axis-label\">{Html.Escape(YLabel)}</text>"));
        foreach (var s in Series)
        {
            var points = s.Points.Where(p => x.Accepts(p.X) && y.Accepts(p.Y)).Select(p => (Px(p.X), Py(p.Y))).ToList();
            string common = Invariant($"data-series=\"{Html.Escape(s.Name)}\" data-points=\"{points.Count}\" opacity=\"{F(s.Opacity)}\"");
            if (s.Style == SeriesStyle.Line)
                svg.Append(Invariant($"<polyline {common} fill=\"none\" stroke=\"{Html.Escape(s.Colour)}\" stroke-width=\"{F(s.StrokeWidth)}\" stroke-linejoin=\"round\" points=\"{string.Join(' ', points.Select(p => F(p.Item1) + "," + F(p.Item2)))}\"/>"));
            else
            {
                svg.Append(Invariant($"<g {common} fill=\"{Html.Escape(s.Colour)}\">"));
                foreach (var (px, py) in points) svg.Append(Invariant($"<circle cx=\"{F(px)}\" cy=\"{F(py)}\" r=\"{F(s.StrokeWidth)}\"/>"));
                svg.Append("</g>");
            }
        }
        svg.Append("</svg>");
        return svg.ToString();
    }

    private void Legend(StringBuilder svg)
    {
        double at = Left;
        foreach (var s in Series.Where(s => s.InLegend))
        {
            svg.Append(Invariant($"<rect x=\"{F(at)}\" y=\"24\" width=\"10\" height=\"10\" fill=\"{Html.Escape(s.Colour)}\"/>"));
            svg.Append(Invariant($"<text x=\"{F(at + 14)}\" y=\"33\" class=\"legend\">{Html.Escape(s.Name)}</text>"));
            at += 24 + 6.2 * s.Name.Length;    // ≈ glyph width of the 11px legend font
        }
    }

    private static string F(double v) => Math.Round(v, 1).ToString(CultureInfo.InvariantCulture);
    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);

    /// <summary>Maps data values to [0, 1] along one axis (in log10 space for a log axis) and picks round ticks.</summary>
    private sealed class Axis
    {
        private readonly bool _log;
        private readonly double _lo, _hi;   // in axis space (log10 of the value for a log axis)

        public Axis(bool log, IEnumerable<double> values, bool pad)
        {
            _log = log;
            var v = values.Where(Accepts).Select(ToAxis).ToList();
            (_lo, _hi) = v.Count == 0 ? (0, 1) : (v.Min(), v.Max());
            if (_hi - _lo < 1e-12) (_lo, _hi) = log ? (_lo - 0.5, _hi + 0.5) : (_lo - Math.Max(1, Math.Abs(_lo) * 0.1), _hi + Math.Max(1, Math.Abs(_hi) * 0.1));
            else if (pad) (_lo, _hi) = (_lo - 0.08 * (_hi - _lo), _hi + 0.08 * (_hi - _lo));   // lines clear of the frame
        }

        public bool Accepts(double value) => double.IsFinite(value) && (!_log || value > 0);
        private double ToAxis(double value) => _log ? Math.Log10(value) : value;
        public double Fraction(double value) => (ToAxis(value) - _lo) / (_hi - _lo);

        public IEnumerable<double> Ticks()
        {
            if (_log && _hi - _lo >= 1)
            {
                // Decades; with fewer than three, also 2× and 5× so the axis has enough labels to read.
                int[] multiples = _hi - _lo < 3 ? [1, 2, 5] : [1];
                for (int k = (int)Math.Floor(_lo); k <= (int)Math.Ceiling(_hi); k++)
                    foreach (int m in multiples)
                    {
                        double t = m * Math.Pow(10, k);
                        if (Math.Log10(t) >= _lo - 1e-9 && Math.Log10(t) <= _hi + 1e-9) yield return t;
                    }
                yield break;
            }
            // Linear spacing of 1, 2 or 5 × 10^k giving about five ticks (in value space for a short log axis).
            double lo = _log ? Math.Pow(10, _lo) : _lo, hi = _log ? Math.Pow(10, _hi) : _hi;
            double raw = (hi - lo) / 5, power = Math.Pow(10, Math.Floor(Math.Log10(raw)));
            double step = raw / power < 1.5 ? power : raw / power < 3.5 ? 2 * power : raw / power < 7.5 ? 5 * power : 10 * power;
            for (double t = Math.Ceiling(lo / step) * step; t <= hi + step * 1e-9; t += step)
                yield return Math.Abs(t) < step * 1e-9 ? 0 : t;
        }
    }
}
