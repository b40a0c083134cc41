using System.Globalization;
using System.Text;

namespace Ect.Reporting;

/// <summary>
/// The report as one self-contained XHTML-compatible page: a summary table, loss curves (EDM pretraining; ECT per
/// stage), the t → r schedule, sample grids over time (PNG data URIs), throughput, and the evaluation table. No
/// scripts, fonts or external CSS: it opens from a file, an e-mail or a CI artifact the same way. Every section is a
/// &lt;section id="…"&gt;, and each part copes with missing inputs by saying what is missing and how to get it.
/// </summary>
public static class ReportPage
{
    private static readonly string[] StageColours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];
    private static readonly string[] BandFills = ["#eef3f9", "#f9f3e8"];
    private const string Grey = "#9a9a9a";
    /// <summary>A grid larger than this is listed, not inlined, so one odd file cannot bloat the page.</summary>
    private const long MaxInlinedImageBytes = 2_000_000;

    private const string Css =
        "body{font-family:system-ui,'Segoe UI',Helvetica,Arial,sans-serif;color:#222;max-width:1160px;margin:20px auto;padding:0 16px}" +
        "h1{font-size:22px;margin-bottom:4px}h2{font-size:17px;border-bottom:1px solid #ddd;padding-bottom:3px;margin-top:26px}" +
        "h3{font-size:14px;margin:10px 0 4px}.plots{display:flex;flex-wrap:wrap;gap:10px 18px;align-items:flex-start}" +
        ".plot .plot-title{font-size:13px;font-weight:600}.plot .tick{font-size:10px;fill:#555}" +
        ".plot .axis-label{font-size:11px;fill:#333}.plot .legend{font-size:11px;fill:#333}.plot .band-label{font-size:10px;fill:#888}" +
        ".plot .grid{stroke:#e2e2e2;stroke-width:1}.plot .plot-area{fill:none;stroke:#bbb}" +
        "table{border-collapse:collapse;font-size:13px;margin:6px 0}td,th{border:1px solid #ddd;padding:3px 8px;text-align:right}" +
        "th{background:#f4f4f4}td.text,th.text{text-align:left}table.summary td:first-child{color:#555;text-align:left}" +
        "table.summary td{text-align:left}.grids{display:flex;flex-wrap:wrap;gap:14px}" +
        "figure{margin:0;text-align:center}figure img{width:224px;height:auto;image-rendering:pixelated;border:1px solid #ccc}" +
        "figcaption{font-size:12px;color:#444;max-width:224px}.note{color:#666;font-size:13px}" +
        "code{background:#f3f3f3;padding:1px 4px;font-size:12px}pre{background:#f7f7f7;padding:8px;font-size:11px;overflow:auto}";

    public static string Render(RunFiles run, DateTime generatedUtc)
    {
        // The page reads the same on every machine: numbers in interpolated strings ({x:N0}) use the invariant
        // culture rather than the trainer's locale.
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        try { return RenderInvariant(run, generatedUtc); }
        finally { CultureInfo.CurrentCulture = culture; }
    }

    private static string RenderInvariant(RunFiles run, DateTime generatedUtc)
    {
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(run.Directory)));
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\"><head><meta charset=\"utf-8\"/>");
        html.Append($"<title>Training report: {Html.Escape(name)}</title><style>{Css}</style></head><body>");
        html.Append($"<h1>Training report: {Html.Escape(name)}</h1>");
        html.Append($"<p class=\"note\">ECT.NET · generated {generatedUtc.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)} UTC from {Html.Escape(Path.GetFullPath(run.Directory))}</p>");
        Summary(html, run);
        Losses(html, run);
        Schedule(html, run);
        Samples(html, run);
        Throughput(html, run);
        Evaluation(html, run);
        html.Append("</body></html>\n");
        return html.ToString();
    }

    // ---- summary ----

    private static void Summary(StringBuilder html, RunFiles run)
    {
        var c = run.Config;
        var log = run.Log.Entries;
        var last = log.Count > 0 ? log[^1] : null;
        var rows = new List<(string, string)>();
        if (c is not null)
        {
            rows.Add(("network", c.Network));
            rows.Add(("data", c.Data ?? "embedded Fashion-MNIST test set"));
            rows.Add(("plan", $"{c.PretrainSteps:N0} EDM pretraining + {c.TuneSteps:N0} ECT tuning steps, batch {c.Batch}, stage every {c.ItersPerStage:N0} tuning steps"));
        }
        else rows.Add(("config", run.ConfigProblem ?? "unreadable"));
        rows.Add(("parameters", run.Checkpoint is { } ck ? ck.Parameters.ToString("N0", CultureInfo.InvariantCulture)
            : run.CheckpointProblem ?? "unknown (no checkpoint yet)"));
        if (last is not null)
        {
            string progress = c is null ? $"{last.Step:N0}" : $"{last.Step:N0} of {c.TotalSteps:N0}";
            string images = c is null ? "" : $", {last.Step * c.Batch:N0} images";
            rows.Add(("steps logged", $"{progress}{images} (now {last.Phase ?? "?"}{(last.IsTuning ? $", stage {last.Stage}" : "")})"));
        }
        else rows.Add(("steps logged", "none yet (log.jsonl is empty or missing)"));
        if (run.Checkpoint?.Step is { } savedStep) rows.Add(("latest checkpoint", $"step {savedStep:N0} ({run.Checkpoint.Phase ?? "?"})"));
        rows.Add(("device", log.LastOrDefault(e => e.Device is not null)?.Device ?? "not logged (run predates the device field)"));
        rows.Add(("wall time", WallTime(run)));
        foreach (var (phase, label) in new[] { ("pretrain", "pretraining"), ("tune", "tuning") })
            if (Median(log.Where(e => e.Phase == phase).Select(e => e.ImagesPerSecond)) is { } ips)
                rows.Add(($"throughput, {label}", $"{Html.Number(ips)} images/s (median of logged steps)"));
        foreach (var (phase, label) in new[] { ("pretrain", "EDM loss"), ("tune", "ECT loss") })
        {
            var losses = log.Where(e => e.Phase == phase && e.Loss is not null).ToList();
            if (losses.Count > 0) rows.Add((label, $"{Html.Number(losses[0].Loss)} at step {losses[0].Step:N0} → {Html.Number(losses[^1].Loss)} at step {losses[^1].Step:N0}"));
        }
        if (run.Log.SkippedLines > 0) rows.Add(("log", $"{run.Log.SkippedLines} unreadable line(s) of log.jsonl skipped"));

        html.Append("<section id=\"summary\"><h2>Run</h2><table class=\"summary\">");
        foreach (var (key, value) in rows) html.Append($"<tr><td>{Html.Escape(key)}</td><td>{Html.Escape(value)}</td></tr>");
        html.Append("</table>");
        if (run.ConfigJson is not null)
            html.Append($"<details><summary>config.json</summary><pre>{Html.Escape(run.ConfigJson)}</pre></details>");
        html.Append("</section>");
    }

    private static string WallTime(RunFiles run)
    {
        var log = run.Log.Entries;
        if (log.LastOrDefault(e => e.WallSeconds is not null)?.WallSeconds is { } wall) return Html.Duration(wall);
        // Older logs: add up (steps between logged lines) × batch ÷ images/s; sampling and checkpoints are missed.
        if (run.Config is null || log.Count == 0) return "unknown";
        double seconds = 0;
        long previous = 0;
        foreach (var e in log)
        {
            if (e.ImagesPerSecond is { } ips and > 0) seconds += (e.Step - previous) * run.Config.Batch / ips;
            previous = e.Step;
        }
        return seconds > 0 ? $"≈ {Html.Duration(seconds)} (estimated from logged images/s; not logged by this run)" : "unknown";
    }

    private static double? Median(IEnumerable<double?> values)
    {
        var v = values.OfType<double>().Where(double.IsFinite).Order().ToList();
        return v.Count == 0 ? null : v.Count % 2 == 1 ? v[v.Count / 2] : (v[v.Count / 2 - 1] + v[v.Count / 2]) / 2;
    }

    // ---- losses ----

    private static void Losses(StringBuilder html, RunFiles run)
    {
        html.Append("<section id=\"losses\"><h2>Loss</h2>");
        var log = run.Log.Entries.Where(e => e.Loss is not null).ToList();
        if (log.Count == 0)
        {
            html.Append("<p class=\"note\">No losses logged yet.</p></section>");
            return;
        }
        html.Append("<div class=\"plots\">");
        var pretrain = log.Where(e => !e.IsTuning).ToList();
        if (pretrain.Count > 0)
        {
            bool logY = SpansDecade(pretrain.Select(e => e.Loss!.Value));
            var plot = new SvgLinePlot { Title = "EDM loss (diffusion pretraining)", XLabel = "step", YLabel = logY ? "loss (log scale)" : "loss", LogY = logY };
            plot.Series.Add(new PlotSeries("logged", Grey, Points(pretrain, e => e.Loss), SeriesStyle.Dots, 1.3, 0.6));
            plot.Series.Add(new PlotSeries("smoothed", StageColours[0], Smoothed(pretrain, e => e.Loss, logY)));
            html.Append(plot.Render());
        }
        var tune = log.Where(e => e.IsTuning).ToList();
        if (tune.Count > 0)
        {
            bool logY = SpansDecade(tune.Select(e => e.Loss!.Value));
            var plot = new SvgLinePlot { Title = "ECT loss by stage (dots: logged; lines: smoothed)", XLabel = "step", YLabel = logY ? "loss (log scale)" : "loss", LogY = logY };
            plot.Bands.AddRange(Bands(tune, start: run.Config?.PretrainSteps ?? tune[0].Step - 1));
            // Each stage is smoothed on its own: the loss weight 1/(t − r) changes at a stage switch, so the curve jumps.
            foreach (var stage in tune.GroupBy(e => e.Stage ?? 0))
            {
                string colour = StageColours[stage.Key % StageColours.Length];
                var entries = stage.ToList();
                plot.Series.Add(new PlotSeries($"stage {stage.Key} logged", colour, Points(entries, e => e.Loss), SeriesStyle.Dots, 1.3, 0.4, InLegend: false));
                plot.Series.Add(new PlotSeries($"stage {stage.Key}", colour, Smoothed(entries, e => e.Loss, logY)));
            }
            html.Append(plot.Render());
        }
        html.Append("</div></section>");
    }

    private static bool SpansDecade(IEnumerable<double> values)
    {
        var v = values.Where(x => double.IsFinite(x) && x > 0).ToList();
        return v.Count > 1 && v.Max() / v.Min() > 10;
    }

    private static List<(double X, double Y)> Points(IEnumerable<LogEntry> entries, Func<LogEntry, double?> value) =>
        entries.Where(e => value(e) is not null).Select(e => ((double)e.Step, value(e)!.Value)).ToList();

    private static List<(double X, double Y)> Smoothed(IReadOnlyList<LogEntry> entries, Func<LogEntry, double?> value, bool logSpace)
    {
        var points = Points(entries, value);
        var smooth = Smoothing.Centred(points.Select(p => p.Y).ToList(), Smoothing.HalfWidthFor(points.Count), logSpace);
        return points.Select((p, i) => (p.X, smooth[i])).ToList();
    }

    /// <summary>One shaded band per run of consecutive log lines in the same phase and stage, from the step the
    /// previous run ended at (the first from <paramref name="start"/>) to this run's last step.</summary>
    private static IEnumerable<PlotBand> Bands(IReadOnlyList<LogEntry> entries, long start)
    {
        long from = start;
        int colour = 0;
        for (int i = 0; i < entries.Count;)
        {
            int j = i;
            while (j + 1 < entries.Count && entries[j + 1].Phase == entries[i].Phase && entries[j + 1].Stage == entries[i].Stage) j++;
            string label = entries[i].IsTuning ? $"stage {entries[i].Stage}" : entries[i].Phase ?? "";
            yield return new PlotBand(from, entries[j].Step, label, BandFills[colour++ % BandFills.Length]);
            from = entries[j].Step;
            i = j + 1;
        }
    }

    // ---- t → r schedule ----

    private static void Schedule(StringBuilder html, RunFiles run)
    {
        html.Append("<section id=\"schedule\"><h2>t → r schedule</h2>");
        if (run.Config is not { } c)
        {
            html.Append($"<p class=\"note\">The schedule follows from config.json, which could not be read: {Html.Escape(run.ConfigProblem)}.</p></section>");
            return;
        }
        var stages = TrSchedule.Stages(c);
        if (stages.Count == 0)
        {
            html.Append("<p class=\"note\">This run has no ECT tuning steps (pretraining only), so no t → r mapping is used.</p></section>");
            return;
        }
        var times = TrSchedule.Times;
        html.Append("<p class=\"note\">").Append(Html.Escape(
            $"ECT trains on pairs (t, r) with r = r(t, stage) from the run's mapping ({c.Mapping.Kind}, q = {c.Q}, k = {c.K}, b = {c.B}); " +
            $"the stage advances every {c.ItersPerStage:N0} tuning steps and the gap Δt = t − r shrinks as it grows. r = 0 means the target " +
            "is the clean image. t is drawn as ln t ~ N(−1.1, 2²); the left plot follows three of its quantiles.")).Append("</p>");
        html.Append("<div class=\"plots\">");
        var gaps = new SvgLinePlot { Title = "Δt = t − r at fixed t over training", XLabel = "step", YLabel = "t − r (log scale)", LogY = true };
        for (int q = 0; q < times.Length; q++)
            gaps.Series.Add(new PlotSeries($"{TrSchedule.Quantiles[q].Label} = {Html.Number(times[q])}", StageColours[q],
                stages.SelectMany(s => new[] { ((double)s.FromStep, s.Gap[q]), ((double)s.ToStep, s.Gap[q]) }).ToList()));
        gaps.Bands.AddRange(stages.Select(s => new PlotBand(s.FromStep, s.ToStep, $"stage {s.Index}", BandFills[s.Index % 2])));
        html.Append(gaps.Render());

        var ratio = new SvgLinePlot { Title = "r/t as a function of t, one line per stage", XLabel = "t (log scale)", YLabel = "r / t", LogX = true };
        var grid = Enumerable.Range(0, 61).Select(i => 0.002 * Math.Pow(80 / 0.002, i / 60.0)).ToArray();   // EDM's σ range
        foreach (var s in stages)
            ratio.Series.Add(new PlotSeries($"stage {s.Index}", StageColours[s.Index % StageColours.Length],
                grid.Select(t => (t, c.Mapping.R(t, s.Index) / t)).ToList()));
        html.Append(ratio.Render());
        html.Append("</div><table><tr><th>stage</th><th>steps</th>");
        foreach (var (label, _) in TrSchedule.Quantiles) html.Append($"<th>r/t, {Html.Escape(label)}</th>");
        foreach (var (label, _) in TrSchedule.Quantiles) html.Append($"<th>t − r, {Html.Escape(label)}</th>");
        html.Append("</tr>");
        foreach (var s in stages)
        {
            html.Append($"<tr><td>{s.Index}</td><td>{s.FromStep + 1:N0}–{s.ToStep:N0}</td>");
            foreach (double v in s.RatioRt) html.Append($"<td>{Html.Number(v)}</td>");
            foreach (double v in s.Gap) html.Append($"<td>{Html.Number(v)}</td>");
            html.Append("</tr>");
        }
        html.Append("</table></section>");
    }

    // ---- samples ----

    private static void Samples(StringBuilder html, RunFiles run)
    {
        html.Append("<section id=\"samples\"><h2>Samples over training</h2>");
        if (run.Samples.Count == 0)
        {
            html.Append("<p class=\"note\">No sample grids yet (the trainer writes them to samples/ every sampleEvery steps and at the end of each phase).</p></section>");
            return;
        }
        int shownSteps = run.Samples.Select(s => s.Step).Distinct().Count();
        html.Append($"<p class=\"note\">EMA network, the same noise in every grid{(shownSteps < run.SampleSteps ? $"; {shownSteps} of {run.SampleSteps} sampled steps shown" : "")}.</p>");
        // One wrapping row of captioned grids (step and sampler in each caption): a page per step would make a long
        // run's report mostly scrolling.
        html.Append("<div class=\"grids\">");
        foreach (var grid in run.Samples)
        {
            var info = new FileInfo(grid.Path);
            string caption = Html.Escape($"{grid.Description} · step {grid.Step:N0}");
            if (info.Length > MaxInlinedImageBytes)
                html.Append($"<p class=\"note\">{Html.Escape(info.Name)}: {info.Length:N0} bytes, too large to inline.</p>");
            else
                html.Append($"<figure><img src=\"data:image/png;base64,{Convert.ToBase64String(File.ReadAllBytes(grid.Path))}\" alt=\"{caption}\"/><figcaption>{caption}</figcaption></figure>");
        }
        html.Append("</div></section>");
    }

    // ---- throughput ----

    private static void Throughput(StringBuilder html, RunFiles run)
    {
        html.Append("<section id=\"throughput\"><h2>Throughput</h2>");
        var log = run.Log.Entries.Where(e => e.ImagesPerSecond is not null).ToList();
        if (log.Count == 0)
        {
            html.Append("<p class=\"note\">No images/s logged yet.</p></section>");
            return;
        }
        var plot = new SvgLinePlot { Title = "training throughput (each logged step)", XLabel = "step", YLabel = "images/s" };
        plot.Bands.AddRange(Bands(log, start: 0));
        plot.Series.Add(new PlotSeries("logged", Grey, Points(log, e => e.ImagesPerSecond), SeriesStyle.Dots, 1.3, 0.6));
        plot.Series.Add(new PlotSeries("smoothed", StageColours[0], Smoothed(log, e => e.ImagesPerSecond, logSpace: false)));
        html.Append("<div class=\"plots\">").Append(plot.Render()).Append("</div>");
        html.Append("<p class=\"note\">images/s of the logged step alone (batch ÷ its time); sampling and checkpoint writing are not included. " +
            "An ECT step runs the network twice forward (student and teacher) and once backward, so it is slower than a pretraining step.</p></section>");
    }

    // ---- evaluation ----

    private static void Evaluation(StringBuilder html, RunFiles run)
    {
        html.Append("<section id=\"evaluation\"><h2>Evaluation</h2>");
        string dir = Html.Escape(run.Directory);
        if (run.Eval is not { } eval)
        {
            html.Append(run.EvalProblem is null
                ? $"<p class=\"note\">No evaluation yet. <code>ect eval --compare {dir}</code> samples the diffusion model (Heun) and the consistency model (1, 2, 4 steps) and writes eval/compare.json; then <code>ect report {dir}</code> (or the trainer's next checkpoint) adds the table here.</p>"
                : $"<p class=\"note\">{Html.Escape(run.EvalProblem)}</p>");
            html.Append("</section>");
            return;
        }
        var facts = new List<string>();
        if (eval.N is { } n) facts.Add($"{n:N0} samples per row");
        if (eval.Classifier is not null) facts.Add($"features of {eval.Classifier}");
        if (eval.Reference is not null) facts.Add($"reference: {eval.Reference}");
        if (facts.Count > 0) html.Append($"<p class=\"note\">{Html.Escape(string.Join(" · ", facts))}</p>");
        html.Append("<div class=\"plots\"><table><tr><th class=\"text\">model</th><th class=\"text\">sampler</th><th>steps</th><th>NFE</th><th>FD</th><th>KID</th>" +
            "<th>precision</th><th>recall</th><th>class entropy</th><th>s/sample</th></tr>");
        foreach (var r in eval.Rows)
        {
            html.Append($"<tr><td class=\"text\">{Html.Escape(r.Model)}</td><td class=\"text\">{Html.Escape(r.Sampler)}</td>");
            foreach (double? v in new double?[] { r.Steps, r.Nfe, r.Fd, r.Kid, r.Precision, r.Recall, r.ClassEntropy, r.SecondsPerSample })
                html.Append($"<td>{Html.Number(v)}</td>");
            html.Append("</tr>");
        }
        html.Append("</table>");
        var plotted = eval.Rows.Where(r => r.Nfe is > 0 && r.Fd is not null).GroupBy(r => r.Model ?? "?").ToList();
        if (plotted.Count > 0)
        {
            var plot = new SvgLinePlot { Title = "quality vs network evaluations", XLabel = "NFE (log scale)", YLabel = "FD (lower is better)", LogX = true, PadX = true, Width = 420 };
            int colour = 0;
            foreach (var model in plotted)
            {
                var points = model.OrderBy(r => r.Nfe).Select(r => ((double)r.Nfe!.Value, r.Fd!.Value)).ToList();
                string c = StageColours[colour++ % StageColours.Length];
                plot.Series.Add(new PlotSeries(model.Key, c, points));
                plot.Series.Add(new PlotSeries(model.Key + " points", c, points, SeriesStyle.Dots, 3.5, InLegend: false));
            }
            html.Append(plot.Render());
        }
        html.Append("</div>");   // the table and its plot side by side
        if (eval.Note is not null) html.Append($"<p class=\"note\">{Html.Escape(eval.Note)}</p>");
        html.Append("</section>");
    }
}
