using Ect.Kernels.Random;

namespace Ect.Kernels.Cuda;

// Philox-4x32-10 fills (random.cu) that give the CPU's numbers for the same (seed, offset): element i (row-major) is
// number offset + i of the stream. Uniforms and dropout masks are bit-equal to the CPU's; normals agree to the last
// bit or two of CUDA's double log/sin/cos (see random.cu).
public sealed partial class CudaBackend
{
    private static readonly TypedKernel UniformKernel = new("random", "uniform");
    private static readonly TypedKernel NormalKernel = new("random", "normal");
    private static readonly TypedKernel DropoutMaskKernel = new("random", "dropout_mask");

    public void FillUniform(Tensor destination, ulong seed, ulong offset) =>
        FillRandom(destination, UniformKernel, target => Args().Ptr(At(target)).I64(target.Count).I64((long)seed).I64((long)offset));

    public void FillNormal(Tensor destination, ulong seed, ulong offset) =>
        FillRandom(destination, NormalKernel, target => Args().Ptr(At(target)).I64(target.Count).I64((long)seed).I64((long)offset));

    public void FillDropoutMask(Tensor destination, double p, ulong seed, ulong offset)
    {
        bool f32 = destination.DType == DType.Float32;
        uint threshold = f32 ? Philox.DropoutThreshold<float>(p) : Philox.DropoutThreshold<double>(p);
        double scale = f32 ? Philox.DropoutScale<float>(p) : Philox.DropoutScale<double>(p);
        FillRandom(destination, DropoutMaskKernel, target =>
            Args().Ptr(At(target)).I64(target.Count).I64((long)seed).I64((long)offset).I32(unchecked((int)threshold)).Real(target.DType, scale));
    }

    // Writes into the destination when it is contiguous, else into a contiguous tensor copied over afterwards.
    private void FillRandom(Tensor destination, TypedKernel kernel, Func<Tensor, KernelArgs> args)
    {
        long n = destination.Count;
        if (n == 0) return;
        var target = destination.IsContiguous ? destination : Empty(destination.Shape.AsSpan(), destination.DType);
        // One thread per Philox block; a fill that starts mid-block touches one more block.
        Launch(kernel, destination.DType, Blocks(n / 4 + 2), ElementThreads, args(target));
        if (ReferenceEquals(target, destination)) return;
        CopyOnDevice(target, destination);
        target.Dispose();
    }
}
