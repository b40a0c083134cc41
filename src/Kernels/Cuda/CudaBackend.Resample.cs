namespace Ect.Kernels.Cuda;

// DDPM++ resampling (resample.cu): 2×2 box mean down, nearest-neighbour ×2 up, over contiguous NCHW. The autograd ops
// write each one's backward pass with the other, so these two primitives serve both directions.
public sealed partial class CudaBackend
{
    private static readonly TypedKernel Downsample2xKernel = new("resample", "downsample2x");
    private static readonly TypedKernel Upsample2xKernel = new("resample", "upsample2x");

    public Tensor Downsample2x(Tensor x) => Resample(x, Downsample2xKernel, x.Shape[2] / 2, x.Shape[3] / 2);

    public Tensor Upsample2x(Tensor x) => Resample(x, Upsample2xKernel, 2 * x.Shape[2], 2 * x.Shape[3]);

    private Tensor Resample(Tensor x, TypedKernel kernel, int ho, int wo)
    {
        var y = Empty([x.Shape[0], x.Shape[1], ho, wo], x.DType);
        if (y.Count == 0) return y;
        var input = this.Dense(x);
        Launch(kernel, x.DType, Blocks(y.Count), ElementThreads,
            Args().Ptr(At(input)).Ptr(At(y)).I64((long)x.Shape[0] * x.Shape[1]).I32(x.Shape[2]).I32(x.Shape[3]));
        BackendOperands.DisposeIfCopy(input, x);
        return y;
    }
}
