namespace Ect.Kernels.Cpu;

/// <summary>
/// The CPU implementation of the primitive op set: SIMD through TensorPrimitives and System.Runtime.Intrinsics on
/// contiguous rows, both cores through <see cref="Threads"/>, and generic code so float32 and float64 share one
/// implementation. Split across files by op family (CpuBackend.*.cs).
/// </summary>
public sealed unsafe partial class CpuBackend : ITensorBackend
{
    public static readonly CpuBackend Instance = new();

    private CpuBackend() { }

    public Device Device => Device.Cpu;

    public Tensor Empty(ReadOnlySpan<int> shape, DType dtype) => Tensor.Empty(shape, dtype);

    private static Span<T> Data<T>(Tensor t) where T : unmanaged => t.StorageSpan<T>();
}
