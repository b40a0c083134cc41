using System.Collections.Concurrent;

namespace Ect.Tensors;

/// <summary>
/// Reuses host arrays so an op's output does not cost a fresh GC allocation (and, for large arrays, page faults on
/// memory the GC just returned to the OS). Arrays are kept per exact length: a training step asks for the same
/// shapes every iteration, so exact matches are the common case and no memory is wasted on rounding up.
/// Small arrays are not pooled: the GC's gen-0 allocator is cheaper than any lock.
/// Thread-safe (storage finalizers return arrays from the finalizer thread).
/// </summary>
public static class BufferPool<T> where T : unmanaged
{
    /// <summary>Arrays shorter than this come straight from the GC and are never returned.</summary>
    public const int MinPooledLength = 2048;

    private static readonly ConcurrentDictionary<int, ConcurrentBag<T[]>> s_free = new();
    private static long s_pooledBytes;
    private static long s_rented, s_reused;

    /// <summary>Upper bound on bytes held idle by this pool; arrays returned beyond it are left to the GC. Default:
    /// half the memory the GC may use (at least 4 GiB), so a large batch's activations are all reused; a smaller cap
    /// made every step allocate the overflow afresh and page-fault it in again.</summary>
    public static long CapacityBytes { get; set; } = Math.Max(4L << 30, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 2);

    /// <summary>Bytes currently idle in the pool.</summary>
    public static long PooledBytes => Interlocked.Read(ref s_pooledBytes);

    /// <summary>How many pooled-size rents were served from the pool (diagnostics for benchmarks and tests).</summary>
    public static (long Rented, long Reused) Statistics => (Interlocked.Read(ref s_rented), Interlocked.Read(ref s_reused));

    /// <summary>An array of exactly <paramref name="length"/> elements with unspecified contents.</summary>
    public static T[] Rent(int length)
    {
        if (length < MinPooledLength) return length == 0 ? [] : GC.AllocateUninitializedArray<T>(length);
        Interlocked.Increment(ref s_rented);
        if (s_free.TryGetValue(length, out var bag) && bag.TryTake(out var array))
        {
            Interlocked.Add(ref s_pooledBytes, -(long)length * Unsafe.SizeOf<T>());
            Interlocked.Increment(ref s_reused);
            return array;
        }
        return GC.AllocateUninitializedArray<T>(length);
    }

    /// <summary>Gives an array back. The caller must hold no other reference to it.</summary>
    public static void Return(T[] array)
    {
        if (array.Length < MinPooledLength) return;
        long bytes = (long)array.Length * Unsafe.SizeOf<T>();
        if (Interlocked.Add(ref s_pooledBytes, bytes) > CapacityBytes)
        {
            Interlocked.Add(ref s_pooledBytes, -bytes);
            return;
        }
        s_free.GetOrAdd(array.Length, static _ => new ConcurrentBag<T[]>()).Add(array);
    }

    /// <summary>Drops every idle array (tests, and callers that want the memory back).</summary>
    public static void Clear()
    {
        s_free.Clear();
        Interlocked.Exchange(ref s_pooledBytes, 0);
    }

    private static class Unsafe
    {
        public static int SizeOf<TElement>() where TElement : unmanaged => System.Runtime.CompilerServices.Unsafe.SizeOf<TElement>();
    }
}
