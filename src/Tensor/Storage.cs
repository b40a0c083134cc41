namespace Ect.Tensors;

/// <summary>
/// The memory behind one or more tensors. Views share a storage; the storage counts the tensors that hold it and
/// gives its memory back (to the host pool, later to the device allocator) when the last one is disposed.
/// Tensors that are never disposed are still safe: the GC finalizes the storage and the array returns to the pool.
/// </summary>
public abstract class Storage
{
    private int _references = 1;

    public abstract DType DType { get; }
    public abstract Device Device { get; }

    /// <summary>Number of elements (not bytes).</summary>
    public abstract int Length { get; }

    public bool IsReleased => Volatile.Read(ref _references) <= 0;

    /// <summary>Exactly one tensor holds this storage: no view shares its memory.</summary>
    public bool HasSingleHolder => Volatile.Read(ref _references) == 1;

    /// <summary>Another tensor (a view) now shares this storage.</summary>
    public void Retain()
    {
        if (Interlocked.Increment(ref _references) <= 1)
            throw new ObjectDisposedException(nameof(Storage), "a view was taken of a tensor whose storage was already released (the tensor was disposed)");
    }

    /// <summary>One holder is done with the storage; the last one frees it.</summary>
    public void Release()
    {
        int left = Interlocked.Decrement(ref _references);
        if (left == 0) Free();
    }

    /// <summary>Copies elements [<paramref name="start"/>, start + destination.Length) of this storage into host
    /// memory. A device storage waits for the work queued on it first. For reading values (Item, ToDoubleArray,
    /// checkpoints), not for hot paths.</summary>
    public abstract void CopyToHost<T>(int start, Span<T> destination) where T : unmanaged;

    protected abstract void Free();
}

/// <summary>Host memory: a managed array from <see cref="BufferPool{T}"/>.</summary>
public sealed class HostStorage<T> : Storage where T : unmanaged
{
    private T[]? _array;
    private readonly int _length;

    /// <summary>Rents <paramref name="length"/> elements from the pool; contents are unspecified unless
    /// <paramref name="clear"/>.</summary>
    public HostStorage(int length, bool clear)
    {
        _length = length;
        _array = BufferPool<T>.Rent(length);
        if (clear) System.Array.Clear(_array);
        if (length < BufferPool<T>.MinPooledLength) GC.SuppressFinalize(this);
    }

    /// <summary>Wraps an existing array without copying (the storage then owns it).</summary>
    public HostStorage(T[] array)
    {
        _array = array;
        _length = array.Length;
        if (array.Length < BufferPool<T>.MinPooledLength) GC.SuppressFinalize(this);
    }

    public override DType DType => DTypeExtensions.Of<T>();
    public override Device Device => Device.Cpu;
    public override int Length => _length;

    /// <summary>The backing array. Its length is exactly <see cref="Length"/>.</summary>
    public T[] Array => _array ?? throw new ObjectDisposedException(nameof(Tensor),
        "this tensor's memory was released (Dispose or the end of a TensorScope) and may already hold another tensor's data");

    public Span<T> Span => Array.AsSpan();

    public override void CopyToHost<TOut>(int start, Span<TOut> destination)
    {
        if (typeof(TOut) != typeof(T))
            throw new InvalidOperationException($"CopyToHost: the storage holds {DType.Name()}, not {typeof(TOut).Name}");
        System.Runtime.InteropServices.MemoryMarshal.Cast<T, TOut>(Array.AsSpan(start, destination.Length)).CopyTo(destination);
    }

    protected override void Free()
    {
        var array = Interlocked.Exchange(ref _array, null);
        if (array is not null) BufferPool<T>.Return(array);
        GC.SuppressFinalize(this);
    }

    // The array is unreachable from anywhere else once this runs, so returning it to the pool is safe.
    ~HostStorage()
    {
        var array = Interlocked.Exchange(ref _array, null);
        if (array is not null) BufferPool<T>.Return(array);
    }
}
