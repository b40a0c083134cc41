using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using Ect.IO;
using Ect.Reporting;
using Ect.Training;

namespace Ect.Tests.ECT;

/// <summary>The training report: a synthetic run directory gives a well-formed page with every section, the right
/// number of plotted points, escaped text and inlined grids; missing or old inputs still give a page; the trainer
/// writes one at a checkpoint and never fails because of it.</summary>
public class ReportTests
{
    private readonly List<string> _dirs = [];

    private string NewDir()
    {
        string dir = Path.Combine(Path.GetTempPath(), "ect-report-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        _dirs.Add(dir);
        return dir;
    }

    [TearDown]
    public void Clean()
    {
        foreach (var d in _dirs.Where(Directory.Exists)) Directory.Delete(d, recursive: true);
    }

    // 40 pretraining steps then 60 tuning steps in three stages of 20, logged every 10 steps.
    private static readonly TrainConfig Config = new()
    {
        Network = "tiny", Batch = 8, PretrainSteps = 40, TuneSteps = 60, ItersPerStage = 20, LogEvery = 10,
    };

    private const string Hostile = "<script>alert(\"x\")</script> & 'q'";

    /// <summary>A run directory as the trainer leaves it, plus eval/compare.json. Returns the grid PNG's bytes.</summary>
    private static byte[] WriteSyntheticRun(string dir, bool withEval = true)
    {
        File.WriteAllText(Path.Combine(dir, "config.json"), Config.ToJson());
        var lines = new List<string>();
        for (int step = 10; step <= 100; step += 10)
        {
            bool tune = step > 40;
            int stage = tune ? (step - 41) / 20 : 0;
            lines.Add($"{{\"step\":{step},\"phase\":\"{(tune ? "tune" : "pretrain")}\",\"stage\":{stage},\"loss\":{(tune ? 12.5 - stage : 1600.0 / step)}," +
                      $"\"lr\":0.0001,\"images_per_s\":{40 + step % 7},\"wall_s\":{step * 0.5},\"device\":\"cpu (2 threads)\"}}");
        }
        File.WriteAllLines(Path.Combine(dir, "log.jsonl"), lines);
        Directory.CreateDirectory(Path.Combine(dir, "samples"));
        var images = TensorOps.RandomNormal([4, 1, 8, 8], new Rng(3)).Clamp(-1, 1);
        byte[] png = Png.Grid(images, 2);
        File.WriteAllBytes(Path.Combine(dir, "samples", "step000040-heun18.png"), png);
        File.WriteAllBytes(Path.Combine(dir, "samples", "step000100-ect1step.png"), png);
        File.WriteAllBytes(Path.Combine(dir, "samples", "step000100-ect2step.png"), png);
        if (withEval)
        {
            Directory.CreateDirectory(Path.Combine(dir, "eval"));
            File.WriteAllText(Path.Combine(dir, "eval", "compare.json"), """
                {"n": 2000, "classifier": "fmnist-classifier", "reference": "test split", "note": "<script>alert(\"x\")</script> & 'q'",
                 "rows": [
                   {"model": "diffusion", "sampler": "heun", "steps": 18, "nfe": 35, "fd": 12.5, "kid": 0.011, "precision": 0.71, "recall": 0.52, "class_entropy": 2.2, "seconds_per_sample": 0.4},
                   {"model": "consistency", "sampler": "cm", "steps": 1, "nfe": 1, "fd": 30.25, "kid": 0.031, "precision": 0.6, "recall": 0.3, "class_entropy": 2.1, "seconds_per_sample": 0.012},
                   {"model": "consistency", "sampler": "cm", "steps": 2, "nfe": 2, "fd": 20.5, "kid": 0.021, "precision": 0.65, "recall": 0.4, "class_entropy": 2.15, "seconds_per_sample": 0.024}
                 ]}
                """);
        }
        return png;
    }

    /// <summary>Parses the page as XML (it is written XHTML-compatible); throws on any unbalanced tag or bad entity.</summary>
    private static XDocument Parse(string html)
    {
        using var reader = XmlReader.Create(new StringReader(html), new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore });
        return XDocument.Load(reader);
    }

    private static IEnumerable<XElement> Named(XDocument doc, string localName) => doc.Descendants().Where(e => e.Name.LocalName == localName);

    private static XElement Section(XDocument doc, string id) =>
        Named(doc, "section").SingleOrDefault(s => (string?)s.Attribute("id") == id) ?? throw new AssertionException($"no section {id}");

    /// <summary>The polyline or dot group drawing one series, checked to draw as many points as it claims.</summary>
    private static int PointsOf(XElement scope, string series)
    {
        var e = scope.Descendants().Single(d => (string?)d.Attribute("data-series") == series);
        int claimed = (int)e.Attribute("data-points")!;
        int drawn = e.Name.LocalName == "polyline"
            ? ((string)e.Attribute("points")!).Split(' ', StringSplitOptions.RemoveEmptyEntries).Length
            : e.Elements().Count(c => c.Name.LocalName == "circle");
        Assert.That(drawn, Is.EqualTo(claimed), $"series {series}: data-points says {claimed}, the element draws {drawn}");
        return drawn;
    }

    [Test]
    public void SyntheticRunGivesAWellFormedPageWithEverySection()
    {
        string dir = NewDir();
        WriteSyntheticRun(dir);
        string html = File.ReadAllText(TrainingReport.Write(dir));
        var doc = Parse(html);

        foreach (string id in new[] { "summary", "losses", "schedule", "samples", "throughput", "evaluation" })
            Section(doc, id);
        Assert.That(html, Does.Not.Contain("<script").And.Not.Contain("http://www.w3.org/1999/xlink"), "no scripts, no external references");
        Assert.That(Regex.Matches(html, "(src|href)=\"(?!data:)").Count, Is.Zero, "every src/href is inline (data: URI)");

        string summary = Section(doc, "summary").Value;
        Assert.That(summary, Does.Contain("tiny").And.Contain("100 of 100").And.Contain("cpu (2 threads)").And.Contain("50 s"),
            "network, steps, device and logged wall time (wall_s of the last line)");
    }

    [Test]
    public void LossAndThroughputPlotsDrawEveryLoggedPoint()
    {
        string dir = NewDir();
        WriteSyntheticRun(dir);
        var doc = Parse(File.ReadAllText(TrainingReport.Write(dir)));
        var losses = Section(doc, "losses");
        var plots = losses.Descendants().Where(e => e.Name.LocalName == "svg").ToList();
        Assert.That(plots, Has.Count.EqualTo(2), "one EDM loss plot, one ECT loss plot");
        Assert.That(PointsOf(plots[0], "logged"), Is.EqualTo(4), "steps 10–40 are pretraining");
        Assert.That(PointsOf(plots[0], "smoothed"), Is.EqualTo(4));
        // Tuning steps 50–100: stage 0 runs tuning steps 1–20 (logged 50, 60), stage 1 → 70, 80, stage 2 → 90, 100.
        for (int stage = 0; stage < 3; stage++)
        {
            Assert.That(PointsOf(plots[1], $"stage {stage} logged"), Is.EqualTo(2), $"stage {stage}");
            Assert.That(PointsOf(plots[1], $"stage {stage}"), Is.EqualTo(2), $"stage {stage} smoothed");
        }
        var throughput = Section(doc, "throughput");
        Assert.That(PointsOf(throughput, "logged"), Is.EqualTo(10));
    }

    [Test]
    public void ScheduleComesFromTheProjectsMapping()
    {
        string dir = NewDir();
        WriteSyntheticRun(dir);
        var schedule = Section(Parse(File.ReadAllText(TrainingReport.Write(dir))), "schedule");
        var stages = TrSchedule.Stages(Config);
        Assert.That(stages.Select(s => (s.FromStep, s.ToStep)), Is.EqualTo(new[] { (40L, 60L), (60L, 80L), (80L, 100L) }));
        double median = TrSchedule.Times[1];
        Assert.That(median, Is.EqualTo(Math.Exp(-1.1)).Within(1e-12), "the median of ln t ~ N(−1.1, 2²)");
        for (int k = 0; k < 3; k++)
            Assert.That(stages[k].Gap[1], Is.EqualTo(median - Config.Mapping.R(median, k)).Within(1e-15));
        Assert.That(stages[2].Gap[1], Is.LessThan(stages[0].Gap[1]), "the gap shrinks as the stage grows");
        // Δt plot: a step function, two points per stage for each of the three quantile lines; r/t plot: 61 t values per stage.
        var series = schedule.Descendants().Where(e => e.Attribute("data-series") is not null).Select(e => (string)e.Attribute("data-series")!).ToList();
        foreach (string name in series.Where(n => n.StartsWith("t at") || n.StartsWith("median")))
            Assert.That(PointsOf(schedule, name), Is.EqualTo(6), name);
        foreach (int k in new[] { 0, 1, 2 })
            Assert.That(PointsOf(schedule, $"stage {k}"), Is.EqualTo(61));
        Assert.That(schedule.Descendants().Count(e => e.Name.LocalName == "tr"), Is.EqualTo(4), "a header and one row per stage");
    }

    [Test]
    public void SampleGridsAreInlinedAndLabelledByStepAndSampler()
    {
        string dir = NewDir();
        byte[] png = WriteSyntheticRun(dir);
        var samples = Section(Parse(File.ReadAllText(TrainingReport.Write(dir))), "samples");
        var images = samples.Descendants().Where(e => e.Name.LocalName == "img").ToList();
        Assert.That(images, Has.Count.EqualTo(3));
        foreach (var img in images)
        {
            string src = (string)img.Attribute("src")!;
            Assert.That(src, Does.StartWith("data:image/png;base64,"));
            Assert.That(Convert.FromBase64String(src["data:image/png;base64,".Length..]), Is.EqualTo(png), "the PNG bytes themselves");
        }
        var captions = samples.Descendants().Where(e => e.Name.LocalName == "figcaption").Select(e => e.Value).ToList();
        Assert.That(captions, Is.EqualTo(new[]
        {
            "diffusion · Heun 18 steps (35 NFE) · step 40",
            "consistency · 1 step (1 NFE) · step 100",
            "consistency · 2 steps (2 NFE) · step 100",
        }));
    }

    [Test]
    public void EvaluationTableShowsEveryRowAndEscapesFileText()
    {
        string dir = NewDir();
        WriteSyntheticRun(dir);
        string html = File.ReadAllText(TrainingReport.Write(dir));
        var evaluation = Section(Parse(html), "evaluation");
        var rows = evaluation.Descendants().Where(e => e.Name.LocalName == "tr").Skip(1).Select(r => r.Elements().Select(c => c.Value).ToList()).ToList();
        Assert.That(rows, Has.Count.EqualTo(3));
        Assert.That(rows[0].Take(5), Is.EqualTo(new[] { "diffusion", "heun", "18", "35", "12.5" }));
        Assert.That(rows[1][4], Is.EqualTo("30.25"));
        Assert.That(PointsOf(evaluation, "consistency"), Is.EqualTo(2), "FD vs NFE: 1 and 2 NFE");
        Assert.That(PointsOf(evaluation, "diffusion"), Is.EqualTo(1));
        Assert.That(evaluation.Value, Does.Contain(Hostile), "the note reads as the file's text ...");
        Assert.That(html, Does.Contain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;q&#39;"), "... because it was escaped");
    }

    [Test]
    public void MissingEvalAndAnOldLogStillGiveAReport()
    {
        string dir = NewDir();
        File.WriteAllText(Path.Combine(dir, "config.json"), Config.ToJson());
        // An older log: no phase, stage, images/s, wall time or device; and one torn line, as a killed run leaves.
        File.WriteAllLines(Path.Combine(dir, "log.jsonl"),
            ["{\"step\":30,\"loss\":100.5}", "{\"step\":50,\"loss\":11}", "{\"step\":70,\"loss\":10}", "{\"step\":90,\"lo"]);
        string html = File.ReadAllText(TrainingReport.Write(dir));
        var doc = Parse(html);
        Assert.That(Section(doc, "evaluation").Value, Does.Contain($"ect eval --compare {dir}"), "says how to produce the table");
        Assert.That(Section(doc, "summary").Value, Does.Contain("1 unreadable line").And.Contain("not logged"));
        Assert.That(Section(doc, "throughput").Value, Does.Contain("No images/s logged"));
        Assert.That(Section(doc, "samples").Value, Does.Contain("No sample grids yet"));
        var tunePlot = Section(doc, "losses").Descendants().Where(e => e.Name.LocalName == "svg").Last();
        Assert.That(PointsOf(tunePlot, "stage 0 logged"), Is.EqualTo(1), "step 50 is tuning step 10: stage 0, inferred from the config");
        Assert.That(PointsOf(tunePlot, "stage 1 logged"), Is.EqualTo(1), "step 70 is tuning step 30: stage 1");
    }

    [Test]
    public void ALogWithoutConfigStillGivesAReport()
    {
        string dir = NewDir();
        File.WriteAllText(Path.Combine(dir, "log.jsonl"), "{\"step\":10,\"loss\":5}\n");
        var doc = Parse(File.ReadAllText(TrainingReport.Write(dir)));
        Assert.That(Section(doc, "summary").Value, Does.Contain("no config.json"));
        Assert.That(Section(doc, "schedule").Value, Does.Contain("could not be read"));
    }

    [Test]
    public void ADirectoryThatIsNoRunIsRefusedWithAHint()
    {
        string dir = NewDir();
        Assert.That(() => TrainingReport.Write(dir), Throws.ArgumentException.With.Message.Contains("ect train"));
        Assert.That(() => TrainingReport.Write(Path.Combine(dir, "missing")), Throws.InstanceOf<DirectoryNotFoundException>());
    }

    [Test]
    public void LogAxesDropNonPositiveValuesAndCountWhatTheyDraw()
    {
        var plot = new SvgLinePlot { Title = "a < b", LogY = true };
        plot.Series.Add(new PlotSeries("s", "#000", [(1, 10), (2, 0), (3, -1), (4, double.NaN), (5, 1000)]));
        var svg = XDocument.Parse(plot.Render());
        var line = svg.Descendants().Single(e => e.Attribute("data-series") is not null);
        Assert.That((int)line.Attribute("data-points")!, Is.EqualTo(2));
        Assert.That(svg.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value),
            Does.Contain("10").And.Contain("100").And.Contain("1,000").And.Contain("a < b"), "decade ticks; the title unescaped by the parser");
    }

    [Test]
    public void CentredSmoothingHasNoLagAndSkipsMissingValues()
    {
        var line = Enumerable.Range(0, 11).Select(i => (double)i).ToArray();
        Assert.That(Smoothing.Centred(line, 2), Is.EqualTo(new[] { 1, 1.5, 2, 3, 4, 5, 6, 7, 8, 8.5, 9 }), "a straight line stays put inside");
        Assert.That(Smoothing.Centred([1, double.NaN, 3], 1), Is.EqualTo(new[] { 1.0, 2, 3 }));
        Assert.That(Smoothing.Centred([10, 1000], 1, logSpace: true)[0], Is.EqualTo(100).Within(1e-9), "geometric mean in log space");
    }

    [Test]
    public void CheckpointHeaderAloneMatchesTheFullRead()
    {
        string dir = NewDir(), path = Path.Combine(dir, "c.safetensors");
        SafeTensors.Write(path, new Dictionary<string, SafeTensors.Entry>
        {
            ["ema/a"] = SafeTensors.FromFloats(new float[6], [2, 3]),
            ["online/a"] = SafeTensors.FromFloats(new float[6], [2, 3]),
        }, new Dictionary<string, string> { ["step"] = "7" });
        var (header, metadata) = SafeTensors.ReadHeader(path);
        var (full, fullMetadata) = SafeTensors.Read(path);
        Assert.That(header.Keys, Is.EquivalentTo(full.Keys));
        Assert.That(header["ema/a"].Shape, Is.EqualTo(full["ema/a"].Shape));
        Assert.That(header["online/a"].End - header["online/a"].Begin, Is.EqualTo(24));
        Assert.That(metadata, Is.EqualTo(fullMetadata));
    }

    [Test]
    public void TrainerWritesTheReportAtACheckpoint()
    {
        string dir = Path.Combine(NewDir(), "run");
        var trainer = Trainer.Start(new TrainConfig
        {
            Network = "tiny", Batch = 2, PretrainSteps = 1, TuneSteps = 1, LogEvery = 1, CheckpointEvery = 1, SampleEvery = 1000, Seed = 3,
        }, dir);
        trainer.TrainStep();
        string report = Path.Combine(dir, TrainingReport.FileName);
        Assert.That(File.Exists(report), "report.html after the first checkpoint");
        trainer.TrainStep();
        var doc = Parse(File.ReadAllText(report));
        Assert.That(Section(doc, "summary").Value, Does.Contain("2 of 2").And.Contain(trainer.DeviceDescription));
        Assert.That(Section(doc, "samples").Descendants().Count(e => e.Name.LocalName == "img"), Is.EqualTo(3),
            "the end-of-pretraining Heun grid and the final 1- and 2-step grids: the report is written after the grids");
        var last = File.ReadAllLines(Path.Combine(dir, "log.jsonl"))[^1];
        Assert.That(last, Does.Contain("\"phase\":\"tune\"").And.Contain("\"stage\":0").And.Contain("\"images_per_s\":").And.Contain("\"wall_s\":"));
    }

    [Test]
    public void AReportThatCannotBeWrittenIsAWarningNotAFailedStep()
    {
        string dir = Path.Combine(NewDir(), "run");
        var trainer = Trainer.Start(new TrainConfig { Network = "tiny", Batch = 2, PretrainSteps = 2, TuneSteps = 0, CheckpointEvery = 1, SampleEvery = 1000 }, dir);
        Directory.CreateDirectory(Path.Combine(dir, TrainingReport.FileName));   // a directory where the file should go
        var warnings = new List<string>();
        trainer.Warning = warnings.Add;
        Assert.That(() => trainer.TrainStep(), Throws.Nothing);
        Assert.That(warnings, Has.Count.EqualTo(1));
        Assert.That(warnings[0], Does.Contain("report.html not updated at step 1"));
        Assert.That(File.Exists(Trainer.LatestCheckpoint(dir)), "the checkpoint was still written");
        Assert.That(Directory.GetFiles(dir, "*.tmp", SearchOption.AllDirectories), Is.Empty, "no temporary file left behind");
    }
}
