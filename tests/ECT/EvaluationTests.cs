using Ect.Datasets;
using Ect.Evaluation;

namespace Ect.Tests.ECT;

/// <summary>
/// The metrics on real images through the embedded Fashion-MNIST classifier, at small n so the test stays fast: two
/// disjoint real sets are close, noise pushes FD up monotonically, KID of real vs real sits near 0, and collapsed sets
/// show up in the class entropy and recall. (docs/eval.md has the same table at n = 5000.)
/// </summary>
public class EvaluationTests
{
    private static List<Calibration.Row>? s_rows;

    private static List<Calibration.Row> Rows()
    {
        if (s_rows is not null) return s_rows;
        var classifier = ClassifierFile.Load(null).Model;
        return s_rows = Calibration.Run(classifier, DatasetLoader.Load(null).Take(0, 1000), n: 500).ToList();
    }

    private static QualityReport Row(string prefix) => Rows().Single(r => r.Set.StartsWith(prefix, StringComparison.Ordinal)).Report;

    private static string Table() => string.Join("\n", Rows().Select(r => $"{r.Set}: fd {r.Report.Fd:G4} kid {r.Report.Kid:G3} ± {r.Report.KidStd:G3}"));

    [Test]
    public void FrechetDistanceOfRealSetsIsFarBelowNoisyAndGrowsWithNoise()
    {
        double real = Row("real (disjoint").Fd;
        var noisy = Calibration.NoiseSigmas.Select(s => Row($"real + noise σ={s:0.###}").Fd).ToArray();
        Assert.That(noisy, Is.Ordered.Ascending.And.All.GreaterThan(real), Table());
        Assert.That(noisy[^1], Is.GreaterThan(3 * real), "σ = 0.4 noise is far from real; " + Table());
        var blurred = Calibration.BlurSigmas.Select(s => Row($"real, blurred σ={s:0.#}").Fd).ToArray();
        Assert.That(blurred, Is.Ordered.Ascending, "more blur, larger distance; " + Table());
    }

    [Test]
    public void KidOfRealSetsIsNearZero()
    {
        var real = Row("real (disjoint");
        var noisy = Row("real + noise σ=0.4");
        Assert.That(Math.Abs(real.Kid), Is.LessThan(noisy.Kid / 5), Table());
        Assert.That(Math.Abs(real.Kid), Is.LessThan(3 * real.KidStd), "within the spread over subsets; " + Table());
    }

    [Test]
    public void CollapsedSetsLoseEntropyAndRecall()
    {
        var real = Row("real (disjoint");
        Assert.That(real.ClassEntropy, Is.GreaterThan(2.2), "real images spread over the 10 classes (max ln 10 = 2.303)");
        Assert.That(real.Precision, Is.GreaterThan(0.6)); Assert.That(real.Recall, Is.GreaterThan(0.6));
        var oneClass = Row("one class only");
        Assert.That(oneClass.ClassEntropy, Is.LessThan(0.5));
        Assert.That(oneClass.Recall, Is.LessThan(real.Recall / 2));
        var oneImage = Row("one image repeated");
        Assert.That(oneImage.ClassEntropy, Is.EqualTo(0));
        Assert.That(oneImage.Recall, Is.LessThan(0.05));
        Assert.That(oneImage.Fd, Is.GreaterThan(Row("real + noise σ=0.1").Fd));
    }

    [Test]
    public void EmbeddedClassifierDescribesItself()
    {
        var loaded = ClassifierFile.Load(null);
        Assert.That((loaded.Model.Channels, loaded.Model.Classes, loaded.Height, loaded.Width), Is.EqualTo((1, 10, 32, 32)));
        Assert.That(double.Parse(loaded.Metadata["test_accuracy"], System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(0.90));
        Assert.That(loaded.Metadata["dataset"], Does.Contain("t10k"));
    }
}

/// <summary>The small pieces around the metrics: compare.json's shape, .npy reading, held-out splits.</summary>
public class EvaluationPlumbingTests
{
    [Test]
    public void CompareJsonHasTheShapeTheReportReads()
    {
        var report = new QualityReport(10, 1.5, 0.01, 0.001, 0.7, 0.6, 2.2, new int[10]);
        var rows = new List<ComparisonRow> { new("diffusion", "heun", 18, 35, report, 0.11), new("consistency", "cm", 2, 2, report, 0.006) };
        using var json = System.Text.Json.JsonDocument.Parse(Comparison.ToJson(rows, 10, "c", "r", indented: true));
        var root = json.RootElement;
        Assert.That(root.GetProperty("n").GetInt32(), Is.EqualTo(10));
        Assert.That(root.GetProperty("note").GetString(), Does.Contain("not comparable to published FID"));
        var first = root.GetProperty("rows")[0];
        Assert.That(first.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[]
            { "model", "sampler", "steps", "nfe", "fd", "kid", "precision", "recall", "class_entropy", "seconds_per_sample" }));
        Assert.That((first.GetProperty("nfe").GetInt32(), root.GetProperty("rows")[1].GetProperty("model").GetString()), Is.EqualTo((35, "consistency")));
        Assert.That(Comparison.ConsistencyTimes(2), Is.EqualTo(new[] { 80, 0.821, 0 }));
        Assert.That(Comparison.ConsistencyTimes(4), Is.EqualTo(new[] { 80, 23.6, 5.38, 0.821, 0 }).Within(0.01));
    }

    [Test]
    public void NpyRoundTripsAndRefusesOtherDtypes()
    {
        string path = Path.GetTempFileName();
        try
        {
            Ect.IO.Npy.Write(path, [1, -2, 3.5f, 4, 5, 6], [1, 2, 3]);
            var (values, shape) = Ect.IO.Npy.Read(path);
            Assert.That((values, shape), Is.EqualTo((new[] { 1, -2, 3.5f, 4, 5, 6 }, new[] { 1, 2, 3 })));
            var bytes = File.ReadAllBytes(path);
            int at = System.Text.Encoding.ASCII.GetString(bytes).IndexOf("<f4", StringComparison.Ordinal);
            bytes[at + 1] = (byte)'i';
            File.WriteAllBytes(path, bytes);
            Assert.That(Assert.Throws<InvalidDataException>(() => Ect.IO.Npy.Read(path))!.Message, Does.Contain("not supported"));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void EmbeddedSetHoldsOutItsLastFifth()
    {
        var (train, test, note) = DatasetLoader.LoadSplits(null);
        Assert.That((train.Count, test.Count, test.Height), Is.EqualTo((8000, 2000, 32)));
        Assert.That(note, Does.Contain("held out"));
        Assert.That(test.Labels![0], Is.EqualTo(DatasetLoader.Load(null).Labels![8000]));
    }
}
