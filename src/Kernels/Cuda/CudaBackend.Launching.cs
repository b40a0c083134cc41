namespace Ect.Kernels.Cuda;

// What every primitive file uses to reach its kernels: device addresses of tensors, contiguous copies, launch sizes,
// and Launch(TypedKernel, dtype, …), which picks a kernel's float32 or float64 instantiation.
public sealed partial class CudaBackend
{
    /// <summary>Threads per block of the one-thread-per-element kernels.</summary>
    private const int ElementBlock = 256;

    /// <summary>Most blocks a grid-stride launch uses; each thread then loops.</summary>
    private const long MaxBlocks = 1 << 16;

    private static readonly Dim3 ElementThreads = new(ElementBlock);

    private static CudaStorage StorageOf(Tensor t) => t.Storage as CudaStorage
        ?? throw new InvalidOperationException($"a tensor on {t.Device} reached the CUDA backend; move it with .To(device) first");

    /// <summary>Device address of the tensor's storage (descriptors carry the view's offset).</summary>
    private static ulong Base(Tensor t) => StorageOf(t).Pointer;

    /// <summary>Device address of the view's first element (for kernels that take contiguous data).</summary>
    private static ulong At(Tensor t) => StorageOf(t).At(t.Offset);

    /// <summary>Device address of element <paramref name="index"/> past the view's first.</summary>
    private static ulong At(Tensor t, long index) => StorageOf(t).At(t.Offset + index);

    /// <summary>Blocks for a grid-stride loop over <paramref name="n"/> items with <paramref name="perBlock"/> per block.</summary>
    private static Dim3 Blocks(long n, long perBlock = ElementBlock) => new((uint)Math.Clamp((n + perBlock - 1) / perBlock, 1, MaxBlocks));

    /// <summary>Threads for a block that reduces <paramref name="n"/> items: a multiple of 32 (the block reductions
    /// need whole warps), at most <paramref name="max"/>.</summary>
    private static Dim3 ReductionThreads(long n, int max = 256) => new((uint)Math.Clamp((n + 31) / 32 * 32, 32, max));

    private KernelArgs Args() => Context.Args();

    /// <summary>Launches the float32 or float64 instantiation of <paramref name="kernel"/>.</summary>
    private void Launch(TypedKernel kernel, DType dtype, Dim3 grid, Dim3 block, KernelArgs args) =>
        Context.Launch(kernel.Module, dtype == DType.Float32 ? kernel.F32 : kernel.F64, grid, block, 0, args);
}

/// <summary>
/// A kernel of <see cref="Module"/>.cu instantiated for both dtypes as <c>{Name}_f32</c> and <c>{Name}_f64</c>
/// (extern "C" names). Every launch goes through one of these, declared as
/// <c>static readonly TypedKernel X = new(module, name)</c> with string literals: a test reads those declarations and checks that both
/// names exist in the .cu file, so a renamed kernel fails CI rather than a GPU run.
/// </summary>
internal sealed class TypedKernel(string module, string name)
{
    public string Module { get; } = module;
    public string F32 { get; } = name + "_f32";
    public string F64 { get; } = name + "_f64";
}

internal static class KernelArgsExtensions
{
    /// <summary>A floating-point parameter of the kernel's element type: float for float32, double for float64.</summary>
    public static KernelArgs Real(this KernelArgs args, DType dtype, double value) =>
        dtype == DType.Float32 ? args.F32((float)value) : args.F64(value);
}
