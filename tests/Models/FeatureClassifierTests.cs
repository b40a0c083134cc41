using Ect.Models;
using Ect.Tests.Numerics;

namespace Ect.Tests.Models;

/// <summary>The feature classifier's shapes, parameter paths and gradients, and the cross-entropy it trains with.</summary>
public class FeatureClassifierTests
{
    [Test]
    public void ForwardAndBackwardShapes()
    {
        var model = new FeatureClassifier(1, 10, new Rng(3));
        Assert.That(model.ParameterCount(), Is.EqualTo(293_130), "the count FeatureClassifier's summary states");
        Assert.That(model.NamedParameters().Select(p => p.Path).Take(4), Is.EqualTo(new[] { "stem.weight", "stem.bias", "level1.norm0.weight", "level1.norm0.bias" }));
        var x = TensorOps.RandomUniform([3, 1, 32, 32], new Rng(4)) * 2.0 - 1.0;
        var features = model.Features(x);
        Assert.That(features.Shape, Is.EqualTo(new[] { 3, 128 }));
        var logits = model.Logits(features);
        Assert.That(logits.Shape, Is.EqualTo(new[] { 3, 10 }));
        logits.CrossEntropy([1, 7, 7]).Backward();
        foreach (var (path, p) in model.NamedParameters())
        {
            Assert.That(p.Grad, Is.Not.Null, path);
            Assert.That(p.Grad!.Shape, Is.EqualTo(p.Shape), path);
            Assert.That(p.Grad.ToDoubleArray().Any(g => g != 0), Is.True, $"{path}: all-zero gradient");
        }
        var ex = Assert.Throws<TensorShapeException>(() => model.Features(TensorOps.RandomNormal([1, 1, 28, 28], new Rng(1))))!;
        Assert.That(ex.Message, Does.Contain("multiples of 8"));
    }

    [Test]
    public void CrossEntropyIsMinusMeanLogSoftmaxOfTheLabel()
    {
        var logits = Data.Normal([4, 5], 5) * 3.0;
        int[] labels = [0, 4, 2, 2];
        double expected = 0;
        for (int i = 0; i < 4; i++)
        {
            double max = Enumerable.Range(0, 5).Max(c => logits.GetDouble(i * 5 + c));
            double lse = max + Math.Log(Enumerable.Range(0, 5).Sum(c => Math.Exp(logits.GetDouble(i * 5 + c) - max)));
            expected += (lse - logits.GetDouble(i * 5 + labels[i])) / 4;
        }
        Assert.That(logits.CrossEntropy(labels).Item(), Is.EqualTo(expected).Within(1e-14));
        // Huge logits do not overflow: log-softmax subtracts the row maximum first.
        var huge = Tensor.FromArray(new double[] { 1000, 0, -1000, 1000 }, 2, 2);
        Assert.That(huge.LogSoftmax().ToDoubleArray(), Is.EqualTo(new[] { 0, -1000, -2000, 0 }).Within(1e-12));
        Assert.Throws<TensorShapeException>(() => logits.CrossEntropy([0, 1, 2, 5]));
        Assert.Throws<TensorShapeException>(() => logits.CrossEntropy([0, 1]));
    }
}
