namespace Ect.Kernels.Cpu;

/// <summary>
/// Splits a loop over [0, n) into one contiguous chunk per core when there is enough work to pay for the hand-off
/// (a Parallel.For task costs a few microseconds; below ~32k elements of simple work one core is faster).
/// </summary>
public static class Threads
{
    /// <summary>Worker count: the ECT_THREADS environment variable if set, else the machine's cores. Tests set 1 to
    /// check results do not depend on it.</summary>
    public static int Count { get; set; } =
        int.TryParse(Environment.GetEnvironmentVariable("ECT_THREADS"), out int n) && n > 0 ? n : Environment.ProcessorCount;

    /// <summary>Runs body(from, to) over chunks covering [0, n). <paramref name="costPerItem"/> is a rough count
    /// of elementary operations per item, used to decide whether to split at all.</summary>
    public static void For(long n, long costPerItem, Action<long, long> body)
    {
        const long MinWorkPerThread = 32_768;
        if (n <= 0) return;
        int chunks = (int)Math.Clamp(n * Math.Max(costPerItem, 1) / MinWorkPerThread, 1, Math.Min(Count, n));
        if (chunks <= 1)
        {
            body(0, n);
            return;
        }
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = chunks }, c =>
        {
            long from = n * c / chunks, to = n * (c + 1) / chunks;
            if (to > from) body(from, to);
        });
    }

    /// <summary>Runs body(from, to, partial) over per-core chunks of [0, n), each chunk accumulating into its own
    /// zeroed array of <paramref name="size"/> elements, and returns the partials added in chunk order, so the result
    /// depends on the thread count only through rounding, never on scheduling (weight gradients summed over images).
    /// All arrays come from <see cref="BufferPool{T}"/> (weight gradients run every step; fresh arrays of this size
    /// would land on the large-object heap each time); the caller owns the returned one.</summary>
    public static T[] SumOverChunks<T>(long n, long costPerItem, int size, Action<long, long, T[]> body) where T : unmanaged, INumberBase<T>
    {
        T[] Zeroed()
        {
            var array = BufferPool<T>.Rent(size);
            Array.Clear(array);
            return array;
        }
        var partials = new List<(long From, T[] Sum)>();
        For(n, costPerItem, (from, to) =>
        {
            var sum = Zeroed();
            body(from, to, sum);
            lock (partials) partials.Add((from, sum));
        });
        if (partials.Count == 0) return Zeroed();
        partials.Sort((a, b) => a.From.CompareTo(b.From));
        var total = partials[0].Sum;
        foreach (var (_, sum) in partials.Skip(1))
        {
            TensorPrimitives.Add(total.AsSpan(0, size), sum.AsSpan(0, size), total.AsSpan(0, size));
            BufferPool<T>.Return(sum);
        }
        return total;
    }
}
