using System.Globalization;
using System.Text.RegularExpressions;

namespace Ect.Reporting;

/// <summary>A sample grid the trainer wrote: samples/step{NNNNNN}-{sampler}.png (Trainer.WriteSamples).</summary>
public sealed record SampleGrid(long Step, string Sampler, string Path)
{
    /// <summary>What the sampler name means: heun18 → the diffusion model with Heun's 18 steps (35 network
    /// evaluations); ect{n}step → the consistency model with n steps (n evaluations).</summary>
    public string Description => Regex.Match(Sampler, "^heun(\\d+)$") is { Success: true } h
        ? $"diffusion · Heun {h.Groups[1].Value} steps ({2 * int.Parse(h.Groups[1].Value, CultureInfo.InvariantCulture) - 1} NFE)"
        : Regex.Match(Sampler, "^ect(\\d+)step$") is { Success: true } e
            ? $"consistency · {e.Groups[1].Value} step{(e.Groups[1].Value == "1" ? "" : "s")} ({e.Groups[1].Value} NFE)"
            : Sampler;
}

public static class SampleGrids
{
    private static readonly Regex FileName = new("^step(\\d+)-(.+)\\.png$", RegexOptions.CultureInvariant);

    /// <summary>The run's grids ordered by step then sampler, from at most <paramref name="maxSteps"/> steps spread
    /// over the run (the first and the last always among them), so a long run's report stays small.</summary>
    public static (IReadOnlyList<SampleGrid> Shown, int TotalSteps) Find(string runDirectory, int maxSteps = 6)
    {
        string dir = Path.Combine(runDirectory, "samples");
        if (!Directory.Exists(dir)) return ([], 0);
        var grids = Directory.EnumerateFiles(dir, "*.png")
            .Select(p => (Path: p, Match: FileName.Match(Path.GetFileName(p))))
            .Where(f => f.Match.Success && long.TryParse(f.Match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            .Select(f => new SampleGrid(long.Parse(f.Match.Groups[1].Value, CultureInfo.InvariantCulture), f.Match.Groups[2].Value, f.Path))
            .OrderBy(g => g.Step).ThenBy(g => g.Sampler, StringComparer.Ordinal).ToList();
        var steps = grids.Select(g => g.Step).Distinct().ToList();
        var keep = steps.Count <= maxSteps
            ? steps.ToHashSet()
            : Enumerable.Range(0, maxSteps).Select(i => steps[(int)Math.Round(i * (steps.Count - 1) / (double)(maxSteps - 1))]).ToHashSet();
        return (grids.Where(g => keep.Contains(g.Step)).ToList(), steps.Count);
    }
}
