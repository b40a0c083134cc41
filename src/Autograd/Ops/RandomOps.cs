namespace Ect.Autograd;

// Random tensors from a counter-based Rng: each draw reserves a range of the stream, so the same (seed, offset) gives
// the same numbers on any device and thread count, and a forked Rng replays a draw (ECT's shared dropout mask).
public static partial class TensorOps
{
    public static Tensor RandomUniform(ReadOnlySpan<int> shape, Rng rng, DType dtype = DType.Float32, Device device = default)
    {
        var t = Backends.For(device).Empty(shape, dtype);
        Backends.For(t).FillUniform(t, rng.Seed, rng.Advance(t.Count));
        return t;
    }

    public static Tensor RandomNormal(ReadOnlySpan<int> shape, Rng rng, DType dtype = DType.Float32, Device device = default)
    {
        var t = Backends.For(device).Empty(shape, dtype);
        Backends.For(t).FillNormal(t, rng.Seed, rng.Advance(t.Count));
        return t;
    }

    /// <summary>N(0, 1) numbers of stream <paramref name="seed"/> from its start (tests, initial weights).</summary>
    public static Tensor RandomNormal(ReadOnlySpan<int> shape, ulong seed, DType dtype = DType.Float32) =>
        RandomNormal(shape, new Rng(seed), dtype);

    /// <summary>Inverted-dropout mask: 0 with probability p, else 1/(1 − p) (so E[mask] = 1). Element i keeps where the
    /// uniform number RandomUniform would draw there exceeds p; it uses up the same range of the stream.</summary>
    public static Tensor DropoutMask(ReadOnlySpan<int> shape, double p, Rng rng, DType dtype = DType.Float32, Device device = default)
    {
        if (p is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1)");
        var mask = Backends.For(device).Empty(shape, dtype);
        Backends.For(mask).FillDropoutMask(mask, p, rng.Seed, rng.Advance(mask.Count));
        return mask;
    }

    /// <summary>x · mask with a fresh mask from <paramref name="rng"/>; identity when p = 0.</summary>
    public static Tensor Dropout(this Tensor x, double p, Rng rng)
    {
        if (p == 0) return x;
        return x * DropoutMask(x.Shape.AsSpan(), p, rng, x.DType, x.Device);
    }
}
