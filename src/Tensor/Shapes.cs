namespace Ect.Tensors;

/// <summary>Shape arithmetic shared by every room: element counts, contiguous strides, NumPy broadcasting.</summary>
public static class Shapes
{
    public static long Count(ReadOnlySpan<int> shape)
    {
        long n = 1;
        foreach (int d in shape) n *= d;
        return n;
    }

    /// <summary>Row-major (C order) strides in elements: the last axis has stride 1.</summary>
    public static int[] ContiguousStrides(ReadOnlySpan<int> shape)
    {
        var strides = new int[shape.Length];
        int s = 1;
        for (int i = shape.Length - 1; i >= 0; i--)
        {
            strides[i] = s;
            s *= Math.Max(shape[i], 1);
        }
        return strides;
    }

    /// <summary>The broadcast shape of two shapes under NumPy rules: align from the right; each pair of sizes must be
    /// equal or one of them 1.</summary>
    public static int[] Broadcast(string op, ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int i = 0; i < rank; i++)
        {
            int da = i < rank - a.Length ? 1 : a[i - (rank - a.Length)];
            int db = i < rank - b.Length ? 1 : b[i - (rank - b.Length)];
            if (da != db && da != 1 && db != 1)
                throw new TensorShapeException(
                    $"{op}: shapes {Check.Fmt(a)} and {Check.Fmt(b)} cannot be broadcast together: axis {i} of the " +
                    $"aligned shapes has sizes {da} and {db}; sizes must be equal or one of them 1");
            result[i] = da == 1 ? db : da;
        }
        return result;
    }

    public static bool Equal(ReadOnlySpan<int> a, ReadOnlySpan<int> b) => a.SequenceEqual(b);
}
