using System.Diagnostics;
using Ect.Datasets;
using Ect.Training;

namespace Ect.Evaluation;

/// <summary>How the feature classifier is trained (defaults: what produced the embedded Fashion-MNIST classifier).</summary>
public sealed record ClassifierTrainingOptions
{
    public int Epochs { get; init; } = 3;
    public int Batch { get; init; } = 64;
    /// <summary>Peak Adam learning rate, reached after a linear warm-up of 100 steps, then cosine decay to 0.</summary>
    public double LearningRate { get; init; } = 2e-3;
    public ulong Seed { get; init; } = 1;
    /// <summary>Random left-right mirroring of training images (clothes, digits aside, look alike mirrored).</summary>
    public bool Flip { get; init; } = true;

    public void Validate()
    {
        if (Epochs < 1 || Batch < 1 || !(LearningRate > 0))
            throw new ArgumentException($"classifier training: epochs and batch must be ≥ 1 and the learning rate > 0 (got {Epochs}, {Batch}, {LearningRate})");
    }
}

/// <summary>One logged training step of the classifier.</summary>
public sealed record ClassifierProgress(long Step, long TotalSteps, int Epoch, double Loss, double Accuracy, double ImagesPerSecond);

/// <summary>
/// Trains <see cref="FeatureClassifier"/> with the engine's autograd and the training loop's Adam: shuffled epochs of
/// mini-batches, cross-entropy loss, warm-up then cosine learning-rate decay. Every random choice (initial weights,
/// order, mirroring) comes from the seed, so a run is repeatable on the same thread count.
/// </summary>
public static class ClassifierTraining
{
    private const int WarmupSteps = 100;

    public static FeatureClassifier Train(ImageDataset train, int classes, ClassifierTrainingOptions options, Action<ClassifierProgress>? progress = null)
    {
        options.Validate();
        var labels = train.Labels ?? throw new InvalidDataException($"{train.Name}: the classifier needs labels, and this dataset has none (a PNG folder?); pass MNIST/Fashion-MNIST idx files or CIFAR-10 batches");
        var model = new FeatureClassifier(train.Channels, classes, new Rng(options.Seed));
        var optimizer = new Adam(model.Parameters().ToList(), options.LearningRate);
        long stepsPerEpoch = train.Count / options.Batch, total = stepsPerEpoch * options.Epochs;
        if (stepsPerEpoch == 0) throw new ArgumentException($"{train.Name}: {train.Count} images do not fill one batch of {options.Batch}");
        var random = new Random((int)options.Seed);
        var order = Enumerable.Range(0, train.Count).ToArray();
        var indices = new int[options.Batch];
        var batchLabels = new int[options.Batch];
        var flips = new bool[options.Batch];
        var clock = Stopwatch.StartNew();
        double lossSum = 0, correct = 0; int window = 0;
        for (long step = 0; step < total; step++)
        {
            long inEpoch = step % stepsPerEpoch;
            if (inEpoch == 0) random.Shuffle(order);
            for (int i = 0; i < options.Batch; i++)
            {
                indices[i] = order[inEpoch * options.Batch + i];
                batchLabels[i] = labels[indices[i]];
                flips[i] = options.Flip && random.Next(2) == 1;
            }
            optimizer.LearningRate = LearningRate(options.LearningRate, step, total);
            using (TensorScope.Begin())
            {
                var logits = model.Forward(train.Batch(indices, flips));
                var loss = logits.CrossEntropy(batchLabels);
                model.ZeroGrad();
                loss.Backward();
                optimizer.Update();
                model.ZeroGrad();
                lossSum += loss.Item();
                correct += CountCorrect(logits.HostSpan<float>(), batchLabels, classes);
                window++;
            }
            if (progress is not null && ((step + 1) % 50 == 0 || step + 1 == total))
            {
                progress(new ClassifierProgress(step + 1, total, (int)(step / stepsPerEpoch) + 1, lossSum / window,
                    correct / (window * (double)options.Batch), window * options.Batch / clock.Elapsed.TotalSeconds));
                lossSum = correct = 0; window = 0;
                clock.Restart();
            }
        }
        model.Eval();
        return model;
    }

    /// <summary>Linear warm-up over the first 100 steps, then cosine decay to 0 at the last step.</summary>
    public static double LearningRate(double peak, long step, long total)
    {
        if (step < WarmupSteps) return peak * (step + 1) / WarmupSteps;
        double progress = (double)(step - WarmupSteps) / Math.Max(1, total - WarmupSteps);
        return peak * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }

    /// <summary>Fraction of <paramref name="data"/>'s images whose label the classifier predicts.</summary>
    public static double Accuracy(FeatureClassifier model, ImageDataset data)
    {
        var labels = data.Labels ?? throw new InvalidDataException($"{data.Name}: no labels to measure accuracy against");
        var predicted = FeatureSet.Extract(model, data).Predicted;
        return (double)predicted.Where((p, i) => p == labels[i]).Count() / data.Count;
    }

    private static int CountCorrect(ReadOnlySpan<float> logits, int[] labels, int classes)
    {
        int correct = 0;
        for (int i = 0; i < labels.Length; i++)
            if (FeatureSet.ArgMax(logits.Slice(i * classes, classes)) == labels[i]) correct++;
        return correct;
    }
}
