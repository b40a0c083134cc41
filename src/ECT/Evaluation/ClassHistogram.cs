namespace Ect.Evaluation;

/// <summary>
/// Mode coverage from the classifier's votes: how many samples it puts in each class, and the entropy of that
/// histogram in nats (natural log): 0 when every sample lands in one class, ln K (ln 10 ≈ 2.3026 for 10 classes) when
/// the classes are equally frequent, as they are in Fashion-MNIST, MNIST and CIFAR-10.
/// </summary>
public static class ClassHistogram
{
    public static int[] Count(ReadOnlySpan<int> predicted, int classes)
    {
        var counts = new int[classes];
        foreach (int c in predicted)
        {
            if ((uint)c >= (uint)classes) throw new ArgumentException($"ClassHistogram: class {c} is outside [0, {classes})");
            counts[c]++;
        }
        return counts;
    }

    /// <summary>H = −Σ pₖ ln pₖ over the classes with pₖ &gt; 0 (nats).</summary>
    public static double Entropy(ReadOnlySpan<int> counts)
    {
        long total = 0;
        foreach (int c in counts) total += c;
        if (total == 0) throw new ArgumentException("ClassHistogram: the histogram is empty");
        double entropy = 0;
        foreach (int c in counts)
            if (c > 0)
            {
                double p = (double)c / total;
                entropy -= p * Math.Log(p);
            }
        return entropy;
    }
}
