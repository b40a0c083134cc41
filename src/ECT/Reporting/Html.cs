using System.Globalization;
using System.Text;

namespace Ect.Reporting;

/// <summary>
/// Text → markup for the report. Every string that comes from a file (config values, log fields, file names, the
/// eval note) goes through <see cref="Escape"/>, so a run directory cannot inject markup. The output is
/// XHTML-compatible (every element closed, only the five XML entities), so a test can parse a report as XML.
/// </summary>
public static class Html
{
    /// <summary>Escapes &amp;, &lt;, &gt;, quotes and apostrophes (safe in text and in quoted attributes); drops
    /// control characters that XML forbids.</summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var sb = new StringBuilder(text.Length + 8);
        foreach (char c in text)
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&#39;"); break;
                case < ' ' when c is not ('\n' or '\t'): break;
                default: sb.Append(c); break;
            }
        return sb.ToString();
    }

    /// <summary>A number for people: about four significant digits, thousands separated, exponent only for very
    /// large or small magnitudes; "—" for a missing or non-finite value.</summary>
    public static string Number(double? value)
    {
        if (value is not { } v || !double.IsFinite(v)) return "—";
        double a = Math.Abs(v);
        if (a == 0) return "0";
        if (a >= 1e7 || a < 1e-4) return v.ToString("0.###e0", CultureInfo.InvariantCulture);
        if (a >= 1000) return v.ToString("#,0", CultureInfo.InvariantCulture);
        int decimals = Math.Clamp(3 - (int)Math.Floor(Math.Log10(a)), 0, 6);
        return Math.Round(v, decimals).ToString("0." + new string('#', decimals), CultureInfo.InvariantCulture);
    }

    /// <summary>A duration as "1 h 02 min", "23.7 min" or "41 s".</summary>
    public static string Duration(double seconds) => seconds switch
    {
        >= 3600 => $"{(int)(seconds / 3600)} h {(int)(seconds % 3600 / 60):D2} min",
        >= 120 => (seconds / 60).ToString("0.0", CultureInfo.InvariantCulture) + " min",
        _ => seconds.ToString("0", CultureInfo.InvariantCulture) + " s",
    };
}
