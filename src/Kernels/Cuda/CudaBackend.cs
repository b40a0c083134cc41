using Ect.Kernels.Cpu;

namespace Ect.Kernels.Cuda;

/// <summary>
/// The ITensorBackend for one <see cref="CudaContext"/>. This file holds what the backend *is*: its context and
/// device, allocation, and the host↔device side of Copy (the only primitive that may see a host tensor). The
/// primitives live in CudaBackend.&lt;Family&gt;.cs beside their .cu files. Never run on a GPU yet.
/// </summary>
public sealed partial class CudaBackend : ITensorBackend
{
    public CudaBackend(CudaContext context) => Context = context;

    public CudaContext Context { get; }

    public Device Device => Context.Device;

    public Tensor Empty(ReadOnlySpan<int> shape, DType dtype)
    {
        long count = Shapes.Count(shape);
        if (count > int.MaxValue)
            throw new TensorShapeException($"Empty: shape {Check.Fmt(shape)} has {count} elements; tensors index with 32-bit element counts");
        return Tensor.FromStorage(Context.Allocate((int)count, dtype), shape);
    }

    /// <summary>
    /// Any direction between the host and this device, or within this device. Host↔device moves contiguous bytes
    /// only; the layout change (strides, casts) happens on whichever side already has the data in the right place:
    /// on the host through the CPU backend before an upload or after a download, on the device through
    /// <see cref="CopyOnDevice"/>.
    /// </summary>
    public void Copy(Tensor source, Tensor destination)
    {
        Check.That(Shapes.Equal(source.Shape.AsSpan(), destination.Shape.AsSpan()), "Copy",
            () => $"source {Check.Fmt(source.Shape.AsSpan())} and destination {Check.Fmt(destination.Shape.AsSpan())} differ in shape");
        bool fromHere = source.Device == Device, toHere = destination.Device == Device;
        if (fromHere && toHere) CopyWithinDevice(source, destination);
        else if (toHere && source.Device == Ect.Tensors.Device.Cpu) Upload(source, destination);
        else if (fromHere && destination.Device == Ect.Tensors.Device.Cpu) Download(source, destination);
        else
            throw new NotSupportedException($"Copy: from {source.Device} to {destination.Device} is not supported by the {Device} backend; go through the CPU");
    }

    /// <summary>A contiguous view's first element on the device.</summary>
    private static ulong Address(Tensor t) => ((CudaStorage)t.Storage).At(t.Offset);

    private static long Bytes(Tensor t) => t.Count * t.DType.Size();

    private void CopyWithinDevice(Tensor source, Tensor destination)
    {
        if (source.IsContiguous && destination.IsContiguous && source.DType == destination.DType)
            Context.CopyOnDevice(Address(source), Address(destination), Bytes(source));
        else
            CopyOnDevice(source, destination);
    }

    private void Upload(Tensor source, Tensor destination)
    {
        var cpu = CpuBackend.Instance;
        bool hostReady = source.IsContiguous && source.DType == destination.DType;
        var host = hostReady ? source : cpu.Empty(source.Shape.AsSpan(), destination.DType);
        try
        {
            if (!hostReady) cpu.Copy(source, host);   // cast and gather on the host, where the data is
            if (destination.IsContiguous) UploadContiguous(host, Address(destination));
            else
            {
                using var staged = Empty(destination.Shape.AsSpan(), destination.DType);
                UploadContiguous(host, Address(staged));
                CopyOnDevice(staged, destination);
            }
        }
        finally
        {
            if (!hostReady) host.Dispose();
        }
    }

    private void UploadContiguous(Tensor host, ulong address)
    {
        if (host.DType == DType.Float32) Context.CopyToDevice<float>(host.HostSpan<float>(), address);
        else Context.CopyToDevice<double>(host.HostSpan<double>(), address);
    }

    private void Download(Tensor source, Tensor destination)
    {
        var cpu = CpuBackend.Instance;
        var dense = source.IsContiguous ? source : Empty(source.Shape.AsSpan(), source.DType);
        try
        {
            if (!source.IsContiguous) CopyOnDevice(source, dense);   // gather on the device, then move only the elements
            bool direct = destination.IsContiguous && destination.DType == source.DType;
            var host = direct ? destination : cpu.Empty(source.Shape.AsSpan(), source.DType);
            if (host.DType == DType.Float32) Context.CopyToHost(Address(dense), host.HostSpan<float>());
            else Context.CopyToHost(Address(dense), host.HostSpan<double>());
            if (!direct)
            {
                cpu.Copy(host, destination);
                host.Dispose();
            }
        }
        finally
        {
            if (!ReferenceEquals(dense, source)) dense.Dispose();
        }
    }
}
