using System.Text.Json;

namespace Ect.Reporting;

/// <summary>One row of eval/compare.json: a model sampled with a sampler at a step count, and its quality.</summary>
public sealed record EvalRow(string? Model, string? Sampler, int? Steps, int? Nfe, double? Fd, double? Kid,
    double? Precision, double? Recall, double? ClassEntropy, double? SecondsPerSample);

/// <summary>
/// RUN_DIR/eval/compare.json as `ect eval --compare RUN_DIR` writes it:
/// {"n", "classifier", "reference", "note", "rows": [{"model", "sampler", "steps", "nfe", "fd", "kid", "precision",
/// "recall", "class_entropy", "seconds_per_sample"}]}. Missing fields read as null; a file that is not JSON is an
/// error naming the file.
/// </summary>
public sealed record EvalComparison(int? N, string? Classifier, string? Reference, string? Note, IReadOnlyList<EvalRow> Rows)
{
    public static string PathIn(string runDirectory) => Path.Combine(runDirectory, "eval", "compare.json");

    public static EvalComparison? TryRead(string runDirectory)
    {
        string path = PathIn(runDirectory);
        if (!File.Exists(path)) return null;
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: not valid JSON ({e.Message}); rerun `ect eval --compare {runDirectory}`", e); }
        using (doc)
        {
            var o = doc.RootElement;
            if (o.ValueKind != JsonValueKind.Object)
                throw new InvalidDataException($"{path}: expected a JSON object with \"rows\"; rerun `ect eval --compare {runDirectory}`");
            var rows = new List<EvalRow>();
            if (o.TryGetProperty("rows", out var array) && array.ValueKind == JsonValueKind.Array)
                foreach (var r in array.EnumerateArray().Where(r => r.ValueKind == JsonValueKind.Object))
                    rows.Add(new EvalRow(JsonFields.Text(r, "model"), JsonFields.Text(r, "sampler"), JsonFields.Integer(r, "steps"), JsonFields.Integer(r, "nfe"),
                        JsonFields.Number(r, "fd"), JsonFields.Number(r, "kid"), JsonFields.Number(r, "precision"), JsonFields.Number(r, "recall"),
                        JsonFields.Number(r, "class_entropy"), JsonFields.Number(r, "seconds_per_sample")));
            return new EvalComparison(JsonFields.Integer(o, "n"), JsonFields.Text(o, "classifier"), JsonFields.Text(o, "reference"), JsonFields.Text(o, "note"), rows);
        }
    }
}
