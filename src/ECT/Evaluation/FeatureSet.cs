using Ect.Datasets;

namespace Ect.Evaluation;

/// <summary>
/// What the metrics need from one image set: the classifier's penultimate features [n, d] (float64) and its predicted
/// class per image. Images go through the classifier in batches under no-grad, so the pass allocates per batch,
/// never per image, and the convolutions use both cores.
/// </summary>
public sealed record FeatureSet(Tensor Features, int[] Predicted)
{
    public const int BatchSize = 250;

    public int Count => Predicted.Length;

    /// <summary>Features of <paramref name="count"/> images that <paramref name="batch"/>(start, length) supplies as
    /// float32 [length, C, H, W] in [−1, 1].</summary>
    public static FeatureSet Extract(FeatureClassifier classifier, int count, Func<int, int, Tensor> batch)
    {
        int d = classifier.FeatureDim, classes = classifier.Classes;
        var features = new double[(long)count * d];
        var predicted = new int[count];
        using var _ = GradMode.NoGrad();
        for (int start = 0; start < count; start += BatchSize)
        {
            int length = Math.Min(BatchSize, count - start);
            using var scope = TensorScope.Begin();
            var f = classifier.Features(batch(start, length)).Contiguous();
            var logits = classifier.Logits(f).Contiguous().HostSpan<float>();
            var values = f.HostSpan<float>();
            for (int i = 0; i < values.Length; i++) features[(long)start * d + i] = values[i];
            for (int i = 0; i < length; i++) predicted[start + i] = ArgMax(logits.Slice(i * classes, classes));
        }
        return new FeatureSet(Tensor.FromArray(features, count, d), predicted);
    }

    /// <summary>The index of the largest logit (the first on ties).</summary>
    public static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int c = 1; c < row.Length; c++) if (row[c] > row[best]) best = c;
        return best;
    }

    /// <summary>Features of images [n, C, H, W] (float32 or float64, values in [−1, 1]).</summary>
    public static FeatureSet Extract(FeatureClassifier classifier, Tensor images) =>
        Extract(classifier, images.Shape[0], (start, length) => images.Narrow(0, start, length).Cast(DType.Float32));

    /// <summary>Features of images <paramref name="indices"/> of a dataset (all of it when null).</summary>
    public static FeatureSet Extract(FeatureClassifier classifier, ImageDataset data, int[]? indices = null)
    {
        indices ??= Enumerable.Range(0, data.Count).ToArray();
        return Extract(classifier, indices.Length, (start, length) => data.Batch(indices.AsSpan(start, length)));
    }
}
