namespace Ect.Autograd;

// Classification losses: log-softmax (its own node, for a stable forward and a short backward) and cross-entropy,
// a composite over it.
public static partial class TensorOps
{
    /// <summary>
    /// log softmax along <paramref name="axis"/>: y = x − m − log Σ exp(x − m) with m the maximum along the axis, so
    /// large logits do not overflow (torch.nn.functional.log_softmax). dx = dy − softmax(x)·Σ dy along the axis,
    /// with softmax(x) = exp(y). The rule is written with differentiable ops, so it can itself be differentiated.
    /// </summary>
    public static Tensor LogSoftmax(this Tensor x, int axis = -1)
    {
        int a = Check.Axis("LogSoftmax", axis, x.Rank);
        Tensor y;
        using (GradMode.NoGrad())
        {
            // m is only a shift: any value gives the same y, so it needs no gradient of its own.
            var shifted = x - x.Max([a], keepDims: true);
            y = shifted - shifted.Exp().Sum([a], keepDims: true).Log();
        }
        return Graph.Record(y, "LogSoftmax", [x], dy => [dy - y.Exp() * dy.Sum([a], keepDims: true)]);
    }

    /// <summary>
    /// Mean cross-entropy of logits [N, K] against integer class labels (torch.nn.functional.cross_entropy with
    /// mean reduction): −(1/N) Σᵢ log softmax(xᵢ)[labelᵢ]. Labels must lie in [0, K).
    /// </summary>
    public static Tensor CrossEntropy(this Tensor logits, ReadOnlySpan<int> labels)
    {
        Check.That(logits.Rank == 2, "CrossEntropy", () => $"expects logits [N, classes], got {Check.Fmt(logits.Shape.AsSpan())}");
        int n = logits.Shape[0], classes = logits.Shape[1], given = labels.Length;
        Check.That(given == n, "CrossEntropy", () => $"{given} labels for {n} rows of logits; pass one label per row");
        // The label picks one log-probability per row: a one-hot mask does it with ops every backend has.
        var oneHot = Tensor.Zeros([n, classes], logits.DType);
        for (int i = 0; i < n; i++)
        {
            int label = labels[i];
            if ((uint)label >= (uint)classes)
                throw new TensorShapeException($"CrossEntropy: label {label} at row {i} is outside [0, {classes}); the logits have {classes} classes");
            oneHot.SetDouble((long)i * classes + label, 1);
        }
        return -(logits.LogSoftmax(1) * oneHot).Sum() / n;
    }
}
