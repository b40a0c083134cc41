namespace Ect.Tensors;

/// <summary>
/// State of a counter-based random stream: a seed and an offset. Drawing n numbers hands out the counter range
/// [Offset, Offset + n) and advances the offset, so element i of a draw depends only on (seed, offset, i), never on
/// threads or devices; a CUDA kernel computes the same numbers. Saving (Seed, Offset) and restoring it replays a
/// draw exactly, which is how ECT reuses one dropout mask for two forward passes and how a resumed run continues.
/// The generator itself (Philox-4x32-10) lives in the kernels room.
/// </summary>
public sealed class Rng(ulong seed, ulong offset = 0)
{
    public ulong Seed { get; } = seed;

    /// <summary>Next unused counter position. Always a multiple of 4 (Philox produces four words per counter).</summary>
    public ulong Offset { get; private set; } = offset;

    /// <summary>Reserves <paramref name="count"/> numbers and returns the offset at which they start.</summary>
    public ulong Advance(long count)
    {
        ulong start = Offset;
        Offset += ((ulong)count + 3) & ~3UL;
        return start;
    }

    /// <summary>An independent copy at the same position: drawing from it repeats what this one draws next.</summary>
    public Rng Fork() => new(Seed, Offset);

    public override string ToString() => $"Rng(seed {Seed}, offset {Offset})";
}
