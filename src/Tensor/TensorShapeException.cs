namespace Ect.Tensors;

/// <summary>Thrown when an op receives shapes, axes, dtypes or devices it cannot work with. The message names the
/// op, the offending shapes and what was expected, so the caller can fix the call without reading our code.</summary>
public sealed class TensorShapeException(string message) : ArgumentException(message);

/// <summary>Formatting and throwing helpers for the messages above, kept in one place so they read alike.</summary>
public static class Check
{
    public static string Fmt(ReadOnlySpan<int> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    /// <summary>Throws unless <paramref name="condition"/> holds; <paramref name="message"/> is built only on failure.</summary>
    public static void That(bool condition, string op, Func<string> message)
    {
        if (!condition) throw new TensorShapeException($"{op}: {message()}");
    }

    /// <summary>Maps a possibly negative axis (-1 = last) into [0, rank), or throws naming the op.</summary>
    public static int Axis(string op, int axis, int rank)
    {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank)
            throw new TensorShapeException(
                $"{op}: axis {axis} is out of range for a tensor of rank {rank}; valid axes are {-rank}..{rank - 1}");
        return a;
    }

    /// <summary>Normalised, sorted, duplicate-free axes; null or empty means "all axes".</summary>
    public static int[] Axes(string op, int[]? axes, int rank)
    {
        if (axes is null || axes.Length == 0) return Enumerable.Range(0, rank).ToArray();
        var result = new SortedSet<int>();
        foreach (int axis in axes)
            if (!result.Add(Axis(op, axis, rank)))
                throw new TensorShapeException($"{op}: axis {axis} is listed twice in [{string.Join(", ", axes)}]");
        return result.ToArray();
    }

    public static void SameDevice(string op, Tensor a, Tensor b)
    {
        if (a.Device != b.Device)
            throw new TensorShapeException(
                $"{op}: inputs live on different devices ({a.Device} and {b.Device}); move one with .To(device) first");
    }

    public static void SameDType(string op, Tensor a, Tensor b)
    {
        if (a.DType != b.DType)
            throw new TensorShapeException(
                $"{op}: inputs have different dtypes ({a.DType.Name()} and {b.DType.Name()}); cast one with .Cast(dtype) first");
    }
}
