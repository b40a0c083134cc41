using System.Globalization;
using Ect.IO;
using Ect.Training;

namespace Ect.Evaluation;

/// <summary>
/// A trained feature classifier on disk: a safetensors file with its parameters by path ("level1.down.weight") and
/// metadata saying what it is (format tag, input channels and size, classes, widths) and how it was made (dataset,
/// splits, options, test accuracy). The Fashion-MNIST classifier that `ect eval` uses by default is compiled into the
/// program (Evaluation/Embedded/, see its README), so evaluation works on a fresh machine without retraining.
/// </summary>
public static class ClassifierFile
{
    public const string Format = "ect.net classifier 1";
    public const string EmbeddedName = "fashion-mnist classifier (embedded)";
    private const string EmbeddedResource = "classifiers/fashion-mnist.safetensors";

    public sealed record Loaded(FeatureClassifier Model, int Height, int Width, IReadOnlyDictionary<string, string> Metadata, string Source)
    {
        public string Describe() => $"{Source} ({Model.Classes} classes, {Model.FeatureDim}-d features" +
            (Metadata.TryGetValue("test_accuracy", out var a) ? $", test accuracy {double.Parse(a, CultureInfo.InvariantCulture):P2}" : "") + ")";
    }

    public static void Save(string path, FeatureClassifier model, int height, int width, IReadOnlyDictionary<string, string> about)
    {
        var tensors = model.NamedParameters().ToDictionary(p => p.Path, p => SafeTensors.FromTensor(p.Tensor));
        var metadata = new Dictionary<string, string>(about)
        {
            ["format"] = Format,
            ["channels"] = model.Channels.ToString(CultureInfo.InvariantCulture),
            ["classes"] = model.Classes.ToString(CultureInfo.InvariantCulture),
            ["widths"] = string.Join(",", model.Widths),
            ["height"] = height.ToString(CultureInfo.InvariantCulture),
            ["width"] = width.ToString(CultureInfo.InvariantCulture),
        };
        SafeTensors.Write(path, tensors, metadata);
    }

    /// <summary>The classifier at <paramref name="path"/>, or the embedded Fashion-MNIST one when null.</summary>
    public static Loaded Load(string? path)
    {
        if (path is null) return Parse(EmbeddedResources.Read(EmbeddedResource), EmbeddedName);
        if (!File.Exists(path)) throw new FileNotFoundException($"--classifier {path}: no such file; train one with `ect classifier train --data DIR --out {path}`");
        return Parse(File.ReadAllBytes(path), path);
    }

    private static Loaded Parse(byte[] bytes, string source)
    {
        var (tensors, metadata) = SafeTensors.Read(bytes, source);
        if (!metadata.TryGetValue("format", out var format) || format != Format)
            throw new InvalidDataException($"{source}: not an ect.net classifier (format tag '{format}'); train one with `ect classifier train`");
        int Int(string key) => int.TryParse(metadata.GetValueOrDefault(key), CultureInfo.InvariantCulture, out int v)
            ? v : throw new InvalidDataException($"{source}: metadata '{key}' is missing or not a number");
        var widths = metadata.GetValueOrDefault("widths", "").Split(',').Select(w => int.Parse(w, CultureInfo.InvariantCulture)).ToArray();
        var model = new FeatureClassifier(Int("channels"), Int("classes"), new Rng(0), widths);
        Checkpoints.LoadInto(model, tensors, "", source, "feature classifier");
        model.Eval();
        return new Loaded(model, Int("height"), Int("width"), metadata, source);
    }
}
