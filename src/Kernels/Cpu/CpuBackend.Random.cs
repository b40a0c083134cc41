using Ect.Kernels.Random;

namespace Ect.Kernels.Cpu;

public sealed unsafe partial class CpuBackend
{
    public void FillUniform(Tensor destination, ulong seed, ulong offset) => FillRandom(destination, seed, offset, normal: false);

    public void FillNormal(Tensor destination, ulong seed, ulong offset) => FillRandom(destination, seed, offset, normal: true);

    // Element i (row-major) gets stream number offset + i, so results do not depend on how work is split.
    private void FillRandom(Tensor destination, ulong seed, ulong offset, bool normal)
    {
        var target = Dense(destination);
        if (target.DType == DType.Float32) FillRandom<float>(target, seed, offset, normal);
        else FillRandom<double>(target, seed, offset, normal);
        if (!ReferenceEquals(target, destination))
        {
            Copy(target, destination);
            target.Dispose();
        }
    }

    private static void FillRandom<T>(Tensor target, ulong seed, ulong offset, bool normal) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var store = (HostStorage<T>)target.Storage;
        int baseIndex = target.Offset;
        // Chunks start on multiples of 4 so no Philox block is computed twice.
        long blocks = (target.Count + 3) / 4;
        Threads.For(blocks, 4 * 40, (from, to) =>
        {
            long start = from * 4, end = Math.Min(to * 4, target.Count);
            var span = store.Span.Slice(baseIndex + (int)start, (int)(end - start));
            if (normal) Philox.Normal(span, seed, offset + (ulong)start);
            else Philox.Uniform(span, seed, offset + (ulong)start);
        });
    }
}
