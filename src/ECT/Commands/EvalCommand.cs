using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Ect.Datasets;
using Ect.Evaluation;
using Ect.IO;
using Ect.Sampling;
using Ect.Training;
using Spectre.Console;

namespace Ect.Cli;

/// <summary>
/// `ect eval`: sample quality in the feature space of our own classifier (not comparable to published FID), against
/// the dataset's reference split. Four modes: --samples S.npy, --checkpoint C (samples it first), --calibrate (the
/// real/noisy/blurred/collapsed table) and --compare RUN_DIR (diffusion vs consistency sampling). Prints a table, then
/// one line of JSON as the last line of output.
/// </summary>
internal static class EvalCommand
{
    public const int CompareDefaultN = 1000;

    public static Command Create()
    {
        var samples = new Option<string?>("--samples") { Description = "A .npy array [N, C, H, W] of images in [−1, 1] (e.g. from `ect sample --out s.npy`)" };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "Sample this checkpoint (a file, or a run directory: its latest EMA weights) and evaluate the samples" };
        var steps = new Option<int>("--steps") { Description = "With --checkpoint: network evaluations for cm, Heun steps for heun", DefaultValueFactory = _ => 1 };
        var sampler = new Option<string>("--sampler") { Description = "With --checkpoint: cm (consistency) or heun (diffusion ODE)", DefaultValueFactory = _ => "cm" };
        var midT = new Option<double[]>("--mid-t") { Description = "With --checkpoint: intermediate times for n-step cm sampling", AllowMultipleArgumentsPerToken = true };
        var count = new Option<int?>("--n") { Description = $"Images to generate/evaluate (default 10000; {CompareDefaultN} per row with --compare, 5000 with --calibrate)" };
        var seed = new Option<ulong>("--seed") { Description = "Noise seed for sampling", DefaultValueFactory = _ => 0 };
        var classifier = new Option<string?>("--classifier") { Description = "Feature classifier (safetensors from `ect classifier train`); default: the embedded Fashion-MNIST one" };
        var data = new Option<string?>("--data") { Description = "Dataset whose reference split (its test split, else all of it) the samples are compared with; default: the embedded Fashion-MNIST test set" };
        var calibrate = new Option<bool>("--calibrate") { Description = "Score real, noisy, blurred and collapsed image sets to show what the values mean" };
        var compare = new Option<string?>("--compare") { Description = "A run directory: Heun 18/9 steps of its pretrained model vs 1/2/4 consistency steps; writes RUN_DIR/eval/compare.json" };
        var pretrained = new Option<string?>("--pretrained") { Description = "With --compare: the diffusion checkpoint (default RUN_DIR/checkpoints/pretrained.safetensors)" };
        var command = new Command("eval", "Sample quality in our own classifier's feature space (not comparable to published FID)")
        {
            samples, checkpoint, steps, sampler, midT, count, seed, classifier, data, calibrate, compare, pretrained,
        };
        command.SetAction(parse =>
        {
            int modes = new[] { parse.GetValue(samples) is not null, parse.GetValue(checkpoint) is not null, parse.GetValue(calibrate), parse.GetValue(compare) is not null }.Count(b => b);
            if (modes != 1)
                throw new ArgumentException("ect eval: pass exactly one of --samples S.npy, --checkpoint C, --calibrate or --compare RUN_DIR");
            int? n = parse.GetValue(count);
            if (n is < 2) throw new ArgumentException($"--n {n}: need at least 2 images");

            var loaded = ClassifierFile.Load(parse.GetValue(classifier));
            var (reference, referenceNote) = LoadReference(parse.GetValue(data));
            if (reference.Height != loaded.Height || reference.Width != loaded.Width || reference.Channels != loaded.Model.Channels)
                throw new ArgumentException($"the classifier ({loaded.Source}) takes {loaded.Model.Channels}×{loaded.Height}×{loaded.Width} images but {reference.Name} has " +
                                            $"{reference.Channels}×{reference.Height}×{reference.Width}; train one for this dataset with `ect classifier train --data DIR`");
            AnsiConsole.MarkupLine($"[bold]ect eval[/]: classifier {Markup.Escape(loaded.Describe())}; reference {Markup.Escape(referenceNote)}");
            AnsiConsole.MarkupLine("[grey]feature-space metrics of our own classifier: not comparable to published FID/KID[/]");

            if (parse.GetValue(calibrate))
                return Calibrate(loaded, reference, n ?? 5000);
            // Bad sample files are refused before the reference pass, which takes a while.
            Tensor? images = null;
            string source = "";
            if (parse.GetValue(samples) is { } npy)
            {
                var (values, shape) = Npy.Read(npy);
                if (shape.Length != 4 || shape[1] != reference.Channels || shape[2] != reference.Height || shape[3] != reference.Width)
                    throw new InvalidDataException($"{npy}: shape ({string.Join(", ", shape)}) is not [N, {reference.Channels}, {reference.Height}, {reference.Width}], the reference images' shape");
                images = Tensor.FromArray(values, shape);
                if (n is { } limit && limit < shape[0]) images = images.Narrow(0, 0, limit);
                source = npy;
            }
            var compareCheckpoints = parse.GetValue(compare) is { } runDir ? CompareCheckpoints(runDir, parse.GetValue(pretrained)) : ((string, string)?)null;
            var clock = Stopwatch.StartNew();
            var metrics = new QualityMetrics(FeatureSet.Extract(loaded.Model, reference), loaded.Model.Classes);
            Console.WriteLine($"reference features: {reference.Count} images in {clock.Elapsed.TotalSeconds:F1} s");
            if (compareCheckpoints is { } pair)
                return Compare(parse.GetValue(compare)!, pair.Item1, pair.Item2, metrics, loaded, referenceNote, n ?? CompareDefaultN, parse.GetValue(seed));
            if (images is null)
            {
                string path = parse.GetValue(checkpoint)!;
                if (Directory.Exists(path)) path = Trainer.LatestCheckpoint(path);
                var (ema, config) = Checkpoints.LoadEmaDenoiser(path);
                string samplerName = parse.GetValue(sampler)!;
                int stepCount = parse.GetValue(steps);
                double[]? times = samplerName == "cm" ? ConsistencySampler.Times(stepCount, parse.GetValue(midT) is { Length: > 0 } m ? m : null) : null;
                clock.Restart();
                images = ModelSampling.Generate(ema, [config.ImageChannels, config.Resolution, config.Resolution], samplerName, stepCount, times, n ?? 10000, parse.GetValue(seed));
                source = $"{path}, {samplerName} {stepCount} steps ({ModelSampling.Nfe(samplerName, stepCount)} NFE)";
                Console.WriteLine($"sampled {images.Shape[0]} images in {clock.Elapsed.TotalSeconds:F1} s ({clock.Elapsed.TotalSeconds / images.Shape[0] * 1000:F1} ms/image)");
            }
            var report = metrics.Evaluate(FeatureSet.Extract(loaded.Model, images));
            PrintReport(source, report, loaded.Model.Classes);
            Console.WriteLine(report.ToJson());
            return 0;
        });
        return command;
    }

    /// <summary>The split samples are compared with: the test split when the dataset has one, else all of it (the
    /// embedded Fashion-MNIST test set, which is what the default run trains on).</summary>
    private static (ImageDataset Data, string Note) LoadReference(string? directory)
    {
        if (DatasetLoader.LoadTestSplit(directory) is { } test) return (test, $"{test.Name} ({test.Count} images, the test split)");
        var all = DatasetLoader.Load(directory);
        return (all, $"{all.Name} (all {all.Count} images)");
    }

    private static int Calibrate(ClassifierFile.Loaded loaded, ImageDataset reference, int n)
    {
        var table = NewMetricTable("image set", "what it shows");
        var rows = new List<Calibration.Row>();
        foreach (var row in Calibration.Run(loaded.Model, reference, n))
        {
            rows.Add(row);
            Console.WriteLine($"  {row.Set}: fd {row.Report.Fd:F3} kid {row.Report.Kid:F4} precision {row.Report.Precision:F3} recall {row.Report.Recall:F3} entropy {row.Report.ClassEntropy:F3}");
            AddMetricRow(table, row.Report, row.Set, row.Meaning);
        }
        AnsiConsole.MarkupLine($"calibration: reference = a fixed half of the reference split ({reference.Count / 2} images), each set n = {rows[0].Report.N}");
        AnsiConsole.Write(table);
        Console.WriteLine("{\"calibration\":[" + string.Join(",", rows.Select(r =>
            r.Report.ToJson(new Dictionary<string, string> { ["set"] = JsonString(r.Set) }))) + "]}");
        return 0;
    }

    /// <summary>The run's pretrained (diffusion) and latest (consistency) checkpoints, refused early if missing.</summary>
    private static (string Pretrained, string Tuned) CompareCheckpoints(string runDir, string? pretrained)
    {
        if (!Directory.Exists(runDir)) throw new DirectoryNotFoundException($"--compare {runDir}: no such run directory");
        string tuned = Trainer.LatestCheckpoint(runDir);
        pretrained ??= Trainer.PretrainedCheckpoint(runDir);
        if (!File.Exists(tuned)) throw new FileNotFoundException($"--compare {runDir}: no {tuned}; has the run saved a checkpoint yet?");
        if (!File.Exists(pretrained))
            throw new FileNotFoundException($"--compare {runDir}: no {pretrained} (runs from before it was kept lack it); pass the diffusion model's checkpoint with --pretrained PATH");
        return (pretrained, tuned);
    }

    private static int Compare(string runDir, string pretrained, string tuned, QualityMetrics metrics, ClassifierFile.Loaded loaded, string referenceNote, int n, ulong seed)
    {
        AnsiConsole.MarkupLine($"comparing {Markup.Escape(pretrained)} (diffusion, Heun) with {Markup.Escape(tuned)} (consistency), n = {n} per row");
        var table = NewMetricTable("model", "sampler, steps (NFE)", "s/sample");
        var rows = Comparison.Run(pretrained, tuned, metrics, loaded.Model, n, seed, row =>
        {
            Console.WriteLine($"  {row.Model} {row.Sampler} {row.Steps} steps ({row.Nfe} NFE): fd {row.Report.Fd:F3} kid {row.Report.Kid:F4} " +
                              $"precision {row.Report.Precision:F3} recall {row.Report.Recall:F3} entropy {row.Report.ClassEntropy:F3}, {row.SecondsPerSample * 1000:F1} ms/sample");
            AddMetricRow(table, row.Report, row.Model, $"{row.Sampler}, {row.Steps} ({row.Nfe} NFE)", (row.SecondsPerSample).ToString("F4", CultureInfo.InvariantCulture));
        });
        string path = Comparison.Write(runDir, rows, n, loaded.Source, referenceNote);
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"wrote {Markup.Escape(path)}");
        Console.WriteLine(Comparison.ToJson(rows, n, loaded.Source, referenceNote, indented: false));
        return 0;
    }

    private static void PrintReport(string source, QualityReport report, int classes)
    {
        var table = new Table().AddColumns("metric", "value", "meaning");
        table.AddRow("n", report.N.ToString(CultureInfo.InvariantCulture), Markup.Escape(source));
        table.AddRow("FD", report.Fd.ToString("F3", CultureInfo.InvariantCulture), "Fréchet distance of features (0 = same Gaussian; see docs/eval.md)");
        table.AddRow("KID", $"{report.Kid:F4} ± {report.KidStd:F4}", "unbiased MMD², cubic kernel (≈ 0 for real images)");
        table.AddRow("precision", report.Precision.ToString("F3", CultureInfo.InvariantCulture), "samples inside the real manifold (k = 3)");
        table.AddRow("recall", report.Recall.ToString("F3", CultureInfo.InvariantCulture), "real images inside the samples' manifold");
        table.AddRow("class entropy", report.ClassEntropy.ToString("F3", CultureInfo.InvariantCulture), $"nats; uniform = ln {classes} = {Math.Log(classes):F3}");
        table.AddRow("class histogram", string.Join(" ", report.Histogram), "predicted class counts");
        AnsiConsole.Write(table);
    }

    private static Table NewMetricTable(params string[] leading) =>
        new Table().AddColumns([.. leading.Take(2), "FD", "KID", "precision", "recall", "class entropy (nats)", .. leading.Skip(2)]);

    private static void AddMetricRow(Table table, QualityReport r, string first, string second, params string[] trailing)
    {
        var inv = CultureInfo.InvariantCulture;
        table.AddRow([Markup.Escape(first), Markup.Escape(second), r.Fd.ToString("F3", inv), r.Kid.ToString("F4", inv),
            r.Precision.ToString("F3", inv), r.Recall.ToString("F3", inv), r.ClassEntropy.ToString("F3", inv), .. trailing]);
    }

    private static string JsonString(string s) => System.Text.Json.JsonSerializer.Serialize(s, EvalJson.Default.String);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal partial class EvalJson : System.Text.Json.Serialization.JsonSerializerContext;
