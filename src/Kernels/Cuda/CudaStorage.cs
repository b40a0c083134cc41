namespace Ect.Kernels.Cuda;

/// <summary>
/// Device memory behind a tensor, from its context's stream-ordered caching allocator. <see cref="Storage.Release"/>
/// of the last holder gives the block back on the context's stream (no synchronisation, no driver call beyond
/// cuMemFreeAsync). A storage that is never released is not freed by its finalizer, which runs on a thread without
/// a current context and possibly while queued kernels still read the block (GPU.md §2.8): the finalizer only
/// queues the address, and the context frees it before its next allocation.
/// </summary>
public sealed class CudaStorage : Storage
{
    private ulong _pointer;

    internal CudaStorage(CudaContext context, ulong pointer, int length, DType dtype)
    {
        Context = context;
        _pointer = pointer;
        Length = length;
        DType = dtype;
    }

    public CudaContext Context { get; }

    /// <summary>Address of element 0 of the storage.</summary>
    public ulong Pointer => _pointer != 0 || Length == 0 ? _pointer
        : throw new ObjectDisposedException(nameof(Tensor), "this tensor's device memory was released (Dispose or the end of a TensorScope)");

    public override DType DType { get; }
    public override Device Device => Context.Device;
    public override int Length { get; }

    /// <summary>Bytes of the block.</summary>
    public long Bytes => (long)Length * DType.Size();

    /// <summary>Device address of element <paramref name="index"/>.</summary>
    public ulong At(long index) => Pointer + (ulong)(index * DType.Size());

    public override void CopyToHost<T>(int start, Span<T> destination)
    {
        if (DTypeExtensions.Of<T>() != DType)
            throw new InvalidOperationException($"CopyToHost: the storage holds {DType.Name()}, not {typeof(T).Name}");
        if (start < 0 || start + destination.Length > Length)
            throw new ArgumentOutOfRangeException(nameof(start), $"CopyToHost: elements [{start}, {start + destination.Length}) are outside a storage of {Length}");
        if (destination.IsEmpty) return;
        Context.CopyToHost(At(start), destination);
    }

    protected override void Free()
    {
        ulong p = Interlocked.Exchange(ref _pointer, 0);
        if (p != 0) Context.Free(p);
        GC.SuppressFinalize(this);
    }

    ~CudaStorage()
    {
        ulong p = Interlocked.Exchange(ref _pointer, 0);
        if (p != 0) Context.FreeLater(p);
    }
}
