using System.Text.Json;
using Ect.Objectives;
using Ect.Training;

namespace Ect.Reporting;

/// <summary>One log.jsonl line. Only the step is required; older runs lack some fields (wall_s, device), so every
/// other field may be missing and the report says so instead of failing.</summary>
public sealed record LogEntry(long Step, string? Phase, int? Stage, double? Loss, double? LearningRate,
    double? ImagesPerSecond, double? WallSeconds, string? Device)
{
    public bool IsTuning => Phase == "tune";
}

/// <summary>
/// Reads a run's log.jsonl as the trainer writes it (Trainer.AppendLog): one JSON object per line with step, phase
/// ("pretrain" | "tune"), stage, loss, lr, images_per_s, wall_s and device. Lines that are not JSON objects with a
/// step (a torn last line of a killed run, a non-finite number) are skipped and counted.
/// </summary>
public sealed record RunLog(IReadOnlyList<LogEntry> Entries, int SkippedLines)
{
    public static RunLog Read(string path, TrainConfig? config)
    {
        if (!File.Exists(path)) return new RunLog([], 0);
        var entries = new List<LogEntry>();
        int skipped = 0;
        foreach (string line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            if (Parse(line, config) is { } entry) entries.Add(entry);
            else skipped++;
        }
        entries.Sort((a, b) => a.Step.CompareTo(b.Step));
        return new RunLog(entries, skipped);
    }

    private static LogEntry? Parse(string line, TrainConfig? config)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            var o = doc.RootElement;
            if (o.ValueKind != JsonValueKind.Object || JsonFields.Number(o, "step") is not { } stepValue) return null;
            long step = (long)stepValue;
            string? phase = JsonFields.Text(o, "phase");
            int? stage = JsonFields.Integer(o, "stage");
            // A log without phase or stage: the trainer logs step k after running step k − 1 in the phase and stage
            // that k − 1 completed steps imply (Trainer.IsTuning, Trainer.Stage), so both follow from the config.
            if (config is not null)
            {
                long before = step - 1;
                phase ??= before >= config.PretrainSteps ? "tune" : "pretrain";
                stage ??= phase == "tune" ? Mapping.Stage(before - config.PretrainSteps, config.ItersPerStage) : 0;
            }
            return new LogEntry(step, phase, stage, JsonFields.Number(o, "loss"), JsonFields.Number(o, "lr"), JsonFields.Number(o, "images_per_s"),
                JsonFields.Number(o, "wall_s"), JsonFields.Text(o, "device"));
        }
        catch (JsonException) { return null; }   // counted as a skipped line: one bad line must not hide the rest
    }
}
