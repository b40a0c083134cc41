namespace Ect.Kernels.Cuda;

/// <summary>
/// One GPU: the primary context, one non-blocking stream, the stream-ordered caching allocator, the cuBLAS handle and
/// the NVRTC-compiled modules (compiled lazily per .cu file on first use, cached on disk). All GPU work runs on the
/// thread that calls; every entry point makes the context current first.
/// </summary>
public sealed class CudaContext : IDisposable
{
    private CudaContext() => throw new NotImplementedException();

    /// <summary>Opens GPU <paramref name="ordinal"/>. Never throws for "no driver / no GPU / no library": returns
    /// false with <paramref name="reason"/> as one clear line.</summary>
    public static bool TryOpen(int ordinal, out CudaContext? context, out string reason) => throw new NotImplementedException();

    public Device Device => throw new NotImplementedException();
    public string Name => throw new NotImplementedException();
    public int ComputeCapability => throw new NotImplementedException();
    public bool AllowTf32 { get; set; }

    public CudaStorage Allocate(int length, DType dtype) => throw new NotImplementedException();
    public KernelArgs Args() => throw new NotImplementedException();
    public void Launch(string module, string kernel, Dim3 grid, Dim3 block, int sharedBytes, KernelArgs args) => throw new NotImplementedException();

    public void Gemm(bool transA, bool transB, int m, int n, int k, double alpha,
                     ulong a, long strideA, ulong b, long strideB, double beta, ulong c, long strideC, int batch, DType dtype) =>
        throw new NotImplementedException();

    public void CopyToDevice<T>(ReadOnlySpan<T> source, ulong destination) where T : unmanaged => throw new NotImplementedException();
    public void CopyToHost<T>(ulong source, Span<T> destination) where T : unmanaged => throw new NotImplementedException();
    public void Zero(ulong destination, long bytes) => throw new NotImplementedException();
    public void Synchronize() => throw new NotImplementedException();

    internal void Free(ulong pointer) => throw new NotImplementedException();
    internal void FreeLater(ulong pointer) => throw new NotImplementedException();

    public void Dispose() { }
}
