using System.Text;
using System.Text.Json;
using Ect.IO;
using Ect.Training;

namespace Ect.Reporting;

/// <summary>What the latest checkpoint's header says: the step it holds and the network's parameter count
/// (summed over the EMA tensors' shapes; only the header is read).</summary>
public sealed record CheckpointFacts(long? Step, string? Phase, long Parameters);

/// <summary>Everything the report shows, read from one run directory. Each part may be missing or partial.</summary>
public sealed record RunFiles(string Directory, TrainConfig? Config, string? ConfigJson, string? ConfigProblem, RunLog Log,
    CheckpointFacts? Checkpoint, string? CheckpointProblem, IReadOnlyList<SampleGrid> Samples, int SampleSteps,
    EvalComparison? Eval, string? EvalProblem);

/// <summary>
/// RUN_DIR/report.html: gathers a run directory (config.json, log.jsonl, the checkpoint header, samples/*.png,
/// eval/compare.json) and writes the page ReportPage renders, atomically (temporary file, then rename), so a browser
/// never sees half a report. Written by the trainer at every checkpoint and by `ect report RUN_DIR`. Reads a few
/// small files and the checkpoint header: milliseconds next to a training step.
/// </summary>
public static class TrainingReport
{
    public const string FileName = "report.html";

    /// <summary>Writes RUN_DIR/report.html and returns its path.</summary>
    public static string Write(string runDirectory, DateTime? generatedUtc = null)
    {
        if (!Directory.Exists(runDirectory))
            throw new DirectoryNotFoundException($"{runDirectory}: no such run directory");
        if (!File.Exists(Path.Combine(runDirectory, "config.json")) && !File.Exists(Path.Combine(runDirectory, "log.jsonl")))
            throw new ArgumentException($"{runDirectory} holds neither config.json nor log.jsonl; pass a directory written by `ect train`");
        string html = ReportPage.Render(Gather(runDirectory), generatedUtc ?? DateTime.UtcNow);
        string path = Path.Combine(runDirectory, FileName);
        string temp = Path.Combine(runDirectory, $".{FileName}.{Environment.ProcessId}.tmp");
        try
        {
            File.WriteAllText(temp, html, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            File.Move(temp, path, overwrite: true);
        }
        finally { File.Delete(temp); }   // no-op after a successful move; otherwise no stray temporary is left
        return path;
    }

    public static RunFiles Gather(string runDirectory)
    {
        TrainConfig? config = null;
        string? configJson = null, configProblem = null;
        string configPath = Path.Combine(runDirectory, "config.json");
        if (!File.Exists(configPath)) configProblem = "no config.json in the run directory";
        else
        {
            configJson = File.ReadAllText(configPath);
            try { config = TrainConfig.FromJson(configJson, configPath); }
            catch (JsonException e) { configProblem = $"config.json is not a training config ({e.Message})"; }
        }

        CheckpointFacts? checkpoint = null;
        string? checkpointProblem = null;
        string checkpointPath = Trainer.LatestCheckpoint(runDirectory);
        if (File.Exists(checkpointPath))
            try
            {
                var (tensors, metadata) = SafeTensors.ReadHeader(checkpointPath);
                long parameters = tensors.Where(t => t.Key.StartsWith("ema/", StringComparison.Ordinal))
                    .Sum(t => t.Value.Shape.Aggregate(1L, (a, d) => a * d));
                checkpoint = new CheckpointFacts(metadata.TryGetValue("step", out var s) && long.TryParse(s, out long step) ? step : null,
                    metadata.GetValueOrDefault("phase"), parameters);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or KeyNotFoundException or InvalidOperationException)
            {
                checkpointProblem = $"checkpoint header unreadable ({e.Message})";
            }

        EvalComparison? eval = null;
        string? evalProblem = null;
        try { eval = EvalComparison.TryRead(runDirectory); }
        catch (InvalidDataException e) { evalProblem = e.Message; }

        var (samples, sampleSteps) = SampleGrids.Find(runDirectory);
        return new RunFiles(runDirectory, config, configJson, configProblem, RunLog.Read(Path.Combine(runDirectory, "log.jsonl"), config),
            checkpoint, checkpointProblem, samples, sampleSteps, eval, evalProblem);
    }
}
