namespace Ect.Kernels.Cuda;

/// <summary>
/// The ITensorBackend for one <see cref="CudaContext"/>. This file holds what the backend *is* (its context, device,
/// allocation, and the host↔device transfers inside Copy); the primitives live in CudaBackend.&lt;Family&gt;.cs beside
/// their .cu files.
/// </summary>
public sealed partial class CudaBackend : ITensorBackend
{
    public CudaBackend(CudaContext context) => Context = context;

    public CudaContext Context { get; }

    public Device Device => Context.Device;

    public Tensor Empty(ReadOnlySpan<int> shape, DType dtype) => throw new NotImplementedException();

    public void Copy(Tensor source, Tensor destination) => throw new NotImplementedException();
}
