using System.Diagnostics;
using System.Text.Json;
using Ect.Sampling;
using Ect.Training;

namespace Ect.Evaluation;

/// <summary>One line of `ect eval --compare`: a model and sampler, its network evaluations per image, the metrics of
/// its samples and the wall time per sample.</summary>
public sealed record ComparisonRow(string Model, string Sampler, int Steps, int Nfe, QualityReport Report, double SecondsPerSample);

/// <summary>
/// Quality against network evaluations for one run: the diffusion model at the end of pretraining with EDM's Heun
/// sampler at 18 steps (35 NFE, EDM's CIFAR-10 setting) and 9 steps (17 NFE), and the ECT-tuned consistency model
/// (the run's latest EMA weights) at 1, 2 and 4 steps. The 2-step time list is the spec's [80, 0.821, 0]; 4 steps
/// continue the same idea with a Karras ρ = 7 spacing between 80 and 0.821: [80, 23.6, 5.38, 0.821, 0]. Every row
/// uses the same noise seed and n. The rows go to RUN_DIR/eval/compare.json, which the training report reads.
/// </summary>
public static class Comparison
{
    public const string Note = "feature-space metrics of our own classifier; not comparable to published FID";

    public static readonly (string Model, string Sampler, int Steps)[] Plan =
    [
        ("diffusion", "heun", 18), ("diffusion", "heun", 9),
        ("consistency", "cm", 1), ("consistency", "cm", 2), ("consistency", "cm", 4),
    ];

    /// <summary>The consistency sampler's time list for <paramref name="steps"/> steps: t_max = 80 down to
    /// mid_t = 0.821 in Karras spacing, then 0 (1 step: [80, 0]; 2 steps: the spec's [80, 0.821, 0]).</summary>
    public static double[] ConsistencyTimes(int steps) =>
        steps <= 2 ? ConsistencySampler.Times(steps) : HeunSampler.Schedule(steps, sigmaMin: ConsistencySampler.MidT, sigmaMax: ConsistencySampler.TMax);

    /// <summary>Runs the plan; <paramref name="pretrained"/> is the diffusion checkpoint, <paramref name="tuned"/>
    /// the consistency one. Each row is handed to <paramref name="done"/> as soon as it is measured.</summary>
    public static List<ComparisonRow> Run(string pretrained, string tuned, QualityMetrics metrics, FeatureClassifier classifier, int n, ulong seed,
        Action<ComparisonRow>? done = null)
    {
        var rows = new List<ComparisonRow>();
        var networks = new Dictionary<string, (Denoiser Net, UNetConfig Config)>();
        foreach (var (model, sampler, steps) in Plan)
        {
            string path = model == "diffusion" ? pretrained : tuned;
            if (!networks.TryGetValue(path, out var loaded)) networks[path] = loaded = Checkpoints.LoadEmaDenoiser(path);
            var clock = Stopwatch.StartNew();
            var images = ModelSampling.Generate(loaded.Net, [loaded.Config.ImageChannels, loaded.Config.Resolution, loaded.Config.Resolution],
                sampler, steps, sampler == "cm" ? ConsistencyTimes(steps) : null, n, seed);
            double seconds = clock.Elapsed.TotalSeconds;
            var row = new ComparisonRow(model, sampler, steps, ModelSampling.Nfe(sampler, steps),
                metrics.Evaluate(FeatureSet.Extract(classifier, images)), seconds / n);
            rows.Add(row);
            done?.Invoke(row);
        }
        return rows;
    }

    /// <summary>Writes RUN_DIR/eval/compare.json: {"n", "classifier", "reference", "note", "rows": [{"model",
    /// "sampler", "steps", "nfe", "fd", "kid", "precision", "recall", "class_entropy", "seconds_per_sample"}, …]}.</summary>
    public static string Write(string runDirectory, IReadOnlyList<ComparisonRow> rows, int n, string classifier, string reference)
    {
        string path = Path.Combine(runDirectory, "eval", "compare.json");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, ToJson(rows, n, classifier, reference, indented: true) + "\n");
        return path;
    }

    public static string ToJson(IReadOnlyList<ComparisonRow> rows, int n, string classifier, string reference, bool indented)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented }))
        {
            json.WriteStartObject();
            json.WriteNumber("n", n);
            json.WriteString("classifier", classifier);
            json.WriteString("reference", reference);
            json.WriteString("note", Note);
            json.WriteStartArray("rows");
            foreach (var row in rows)
            {
                json.WriteStartObject();
                json.WriteString("model", row.Model);
                json.WriteString("sampler", row.Sampler);
                json.WriteNumber("steps", row.Steps);
                json.WriteNumber("nfe", row.Nfe);
                json.WriteNumber("fd", row.Report.Fd);
                json.WriteNumber("kid", row.Report.Kid);
                json.WriteNumber("precision", row.Report.Precision);
                json.WriteNumber("recall", row.Report.Recall);
                json.WriteNumber("class_entropy", row.Report.ClassEntropy);
                json.WriteNumber("seconds_per_sample", row.SecondsPerSample);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }
}
