namespace Ect.Kernels.Cpu;

// DDPM++ resampling with the [1, 1] filter: 2×2 box average down, nearest-neighbour ×2 up. Each is the other's
// adjoint up to a factor 4, which is how the autograd room writes their backward passes.
public sealed unsafe partial class CpuBackend
{
    public Tensor Downsample2x(Tensor x) => x.DType == DType.Float32 ? Downsample2x<float>(x) : Downsample2x<double>(x);

    private Tensor Downsample2x<T>(Tensor x) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var input = this.Dense(x);
        int planes = x.Shape[0] * x.Shape[1], h = x.Shape[2], w = x.Shape[3], ho = h / 2, wo = w / 2;
        var y = Empty([x.Shape[0], x.Shape[1], ho, wo], x.DType);
        var src = (HostStorage<T>)input.Storage; var dst = (HostStorage<T>)y.Storage;
        int offset = input.Offset;
        T quarter = T.CreateTruncating(0.25);
        Threads.For(planes, h * w, (from, to) =>
        {
            var s = src.Span; var d = dst.Span;
            for (long p = from; p < to; p++)
            {
                int si = offset + (int)p * h * w, di = (int)p * ho * wo;
                for (int i = 0; i < ho; i++)
                {
                    int r0 = si + 2 * i * w, r1 = r0 + w, o = di + i * wo;
                    for (int j = 0; j < wo; j++)
                        d[o + j] = (s[r0 + 2 * j] + s[r0 + 2 * j + 1] + s[r1 + 2 * j] + s[r1 + 2 * j + 1]) * quarter;
                }
            }
        });
        BackendOperands.DisposeIfCopy(input, x);
        return y;
    }

    public Tensor Upsample2x(Tensor x) => x.DType == DType.Float32 ? Upsample2x<float>(x) : Upsample2x<double>(x);

    private Tensor Upsample2x<T>(Tensor x) where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var input = this.Dense(x);
        int planes = x.Shape[0] * x.Shape[1], h = x.Shape[2], w = x.Shape[3], wo = 2 * w;
        var y = Empty([x.Shape[0], x.Shape[1], 2 * h, wo], x.DType);
        var src = (HostStorage<T>)input.Storage; var dst = (HostStorage<T>)y.Storage;
        int offset = input.Offset;
        Threads.For(planes, 4L * h * w, (from, to) =>
        {
            var s = src.Span; var d = dst.Span;
            for (long p = from; p < to; p++)
            {
                int si = offset + (int)p * h * w, di = (int)p * 4 * h * w;
                for (int i = 0; i < h; i++)
                {
                    var row = d.Slice(di + 2 * i * wo, wo);
                    for (int j = 0; j < w; j++) row[2 * j] = row[2 * j + 1] = s[si + i * w + j];
                    row.CopyTo(d.Slice(di + (2 * i + 1) * wo, wo)); // the second output row repeats the first
                }
            }
        });
        BackendOperands.DisposeIfCopy(input, x);
        return y;
    }
}
