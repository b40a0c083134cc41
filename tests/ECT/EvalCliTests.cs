using System.Diagnostics;
using System.Text.Json;
using Ect.Datasets;
using Ect.IO;

namespace Ect.Tests.ECT;

/// <summary>`ect classifier train` and `ect eval` as a user runs them (a child process), on a tiny idx dataset.</summary>
public class EvalCliTests
{
    private string _dir = "";

    [SetUp]
    public void MakeDirectory() => Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "ect-eval-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void RemoveDirectory() => Directory.Delete(_dir, recursive: true);

    private static (int ExitCode, string Stdout, string Stderr) Ect(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ect.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr);
    }

    // idx files of embedded images [start, start + count) (28×28 bytes) with their labels.
    private void WriteIdx(string prefix, ImageDataset source, int start, int count)
    {
        var images = new List<byte> { 0, 0, 8, 3 };
        foreach (int d in new[] { count, 28, 28 }) images.AddRange([(byte)(d >> 24), (byte)(d >> 16), (byte)(d >> 8), (byte)d]);
        var labels = new List<byte> { 0, 0, 8, 1, (byte)(count >> 24), (byte)(count >> 16), (byte)(count >> 8), (byte)count };
        for (int i = start; i < start + count; i++)
        {
            images.AddRange(source.Image(i).ToArray());
            labels.Add((byte)source.Labels![i]);
        }
        File.WriteAllBytes(Path.Combine(_dir, $"{prefix}-images-idx3-ubyte"), images.ToArray());
        File.WriteAllBytes(Path.Combine(_dir, $"{prefix}-labels-idx1-ubyte"), labels.ToArray());
    }

    [Test]
    public void ClassifierTrainThenEvalEndsWithAJsonLine()
    {
        var embedded = DatasetLoader.LoadEmbedded();
        WriteIdx("train", embedded, 0, 256);
        WriteIdx("t10k", embedded, 256, 120);
        string classifier = Path.Combine(_dir, "c.safetensors");
        var train = Ect("classifier", "train", "--data", _dir, "--epochs", "1", "--batch", "32", "--out", classifier);
        Assert.That(train.ExitCode, Is.EqualTo(0), train.Stderr + train.Stdout);
        Assert.That(train.Stdout, Does.Contain("test accuracy").And.Contain("120 images"));

        string npy = Path.Combine(_dir, "s.npy");
        var samples = DatasetLoader.Load(null).Batch(Enumerable.Range(400, 40).ToArray());
        Npy.Write(npy, samples.ToFloatArray(), [40, 1, 32, 32]);
        var eval = Ect("eval", "--samples", npy, "--data", _dir, "--classifier", classifier);
        Assert.That(eval.ExitCode, Is.EqualTo(0), eval.Stderr + eval.Stdout);
        string last = eval.Stdout.TrimEnd().Split('\n')[^1];
        using var json = JsonDocument.Parse(last);
        foreach (var key in new[] { "fd", "kid", "precision", "recall", "class_entropy" })
            Assert.That(json.RootElement.GetProperty(key).ValueKind, Is.EqualTo(JsonValueKind.Number), key);
        Assert.That(json.RootElement.GetProperty("n").GetInt32(), Is.EqualTo(40));
        Assert.That(json.RootElement.GetProperty("class_entropy").GetDouble(), Is.InRange(0, Math.Log(10)));
    }

    [Test]
    public void BadInvocationsGetOneLineErrors()
    {
        var none = Ect("eval");
        Assert.That(none.ExitCode, Is.EqualTo(1));
        Assert.That(none.Stderr.Trim(), Does.StartWith("ect: ").And.Contain("exactly one of").And.Not.Contain("   at "));
        File.WriteAllText(Path.Combine(_dir, "bad.npy"), "not numpy");
        var bad = Ect("eval", "--samples", Path.Combine(_dir, "bad.npy"));
        Assert.That(bad.ExitCode, Is.EqualTo(1));
        Assert.That(bad.Stderr, Does.Contain("not a .npy file").And.Not.Contain("   at "));
    }
}
