using Ect.Kernels.Random;

namespace Ect.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void FillUniform(Tensor destination, ulong seed, ulong offset) => FillRandom(destination, seed, offset, Distribution.Uniform);

    public void FillNormal(Tensor destination, ulong seed, ulong offset) => FillRandom(destination, seed, offset, Distribution.Normal);

    public void FillDropoutMask(Tensor destination, double p, ulong seed, ulong offset) =>
        FillRandom(destination, seed, offset, Distribution.DropoutMask, p);

    private enum Distribution { Uniform, Normal, DropoutMask }

    // Element i (row-major) gets stream number offset + i, so results do not depend on how work is split.
    private void FillRandom(Tensor destination, ulong seed, ulong offset, Distribution distribution, double p = 0)
    {
        var target = this.Dense(destination);
        if (target.DType == DType.Float32) FillRandom<float>(target, seed, offset, distribution, p);
        else FillRandom<double>(target, seed, offset, distribution, p);
        if (!ReferenceEquals(target, destination))
        {
            Copy(target, destination);
            target.Dispose();
        }
    }

    private static void FillRandom<T>(Tensor target, ulong seed, ulong offset, Distribution distribution, double p) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var store = (HostStorage<T>)target.Storage;
        int baseIndex = target.Offset;
        // Chunks start on multiples of 4 so no Philox block is computed twice.
        long blocks = (target.Count + 3) / 4;
        Threads.For(blocks, 4 * 40, (from, to) =>
        {
            long start = from * 4, end = Math.Min(to * 4, target.Count);
            var span = store.Span.Slice(baseIndex + (int)start, (int)(end - start));
            ulong first = offset + (ulong)start;
            switch (distribution)
            {
                case Distribution.Uniform: Philox.Uniform(span, seed, first); break;
                case Distribution.Normal: Philox.Normal(span, seed, first); break;
                default: Philox.DropoutMask(span, seed, first, p); break;
            }
        });
    }
}
