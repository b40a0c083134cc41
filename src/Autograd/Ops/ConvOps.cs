namespace Ect.Autograd;

// Convolution and the DDPM++ resampling. Their backward passes are backend primitives (not differentiable again).
public static partial class TensorOps
{
    /// <summary>2-D cross-correlation as torch.nn.functional.conv2d: x [N, Cin, H, W], w [Cout, Cin, Kh, Kw],
    /// bias [Cout] or null → [N, Cout, (H + 2·padding − Kh)/stride + 1, …].</summary>
    public static Tensor Conv2d(this Tensor x, Tensor w, Tensor? bias = null, int stride = 1, int padding = 0)
    {
        Check.SameDevice("Conv2d", x, w); Check.SameDType("Conv2d", x, w);
        Check.That(x.Rank == 4 && w.Rank == 4, "Conv2d",
            () => $"expects x [N, Cin, H, W] and w [Cout, Cin, Kh, Kw], got x {Check.Fmt(x.Shape.AsSpan())} and w {Check.Fmt(w.Shape.AsSpan())}");
        Check.That(x.Shape[1] == w.Shape[1], "Conv2d",
            () => $"x has {x.Shape[1]} channels (shape {Check.Fmt(x.Shape.AsSpan())}) but w expects {w.Shape[1]} (shape {Check.Fmt(w.Shape.AsSpan())})");
        Check.That(stride >= 1 && padding >= 0, "Conv2d", () => $"stride must be ≥ 1 and padding ≥ 0 (got {stride}, {padding})");
        var geometry = new Conv2dGeometry(stride, padding);
        Check.That(geometry.OutputSize(x.Shape[2], w.Shape[2]) >= 1 && geometry.OutputSize(x.Shape[3], w.Shape[3]) >= 1, "Conv2d",
            () => $"the {w.Shape[2]}×{w.Shape[3]} kernel does not fit the {x.Shape[2]}×{x.Shape[3]} input with padding {padding}");
        if (bias is not null)
        {
            Check.SameDType("Conv2d", x, bias);
            Check.That(bias.Rank == 1 && bias.Shape[0] == w.Shape[0], "Conv2d",
                () => $"bias must be [{w.Shape[0]}] (one per output channel), got {Check.Fmt(bias.Shape.AsSpan())}");
        }
        var backend = Backends.For(x);
        var y = backend.Conv2d(x, w, bias, geometry);
        Tensor[] inputs = bias is null ? [x, w] : [x, w, bias];
        return Graph.Record(y, "Conv2d", inputs, dy => [
            x.RequiresGrad ? backend.Conv2dBackwardInput(dy, w, x.Shape.AsSpan(), geometry) : null,
            w.RequiresGrad ? backend.Conv2dBackwardWeight(dy, x, w.Shape.AsSpan(), geometry) : null,
            bias is { RequiresGrad: true } ? dy.Sum([0, 2, 3]) : null,
        ]);
    }

    /// <summary>[N, C, H, W] → [N, C, H/2, W/2], the mean of each 2×2 block (H and W must be even).</summary>
    public static Tensor Downsample2x(this Tensor x)
    {
        Check.That(x.Rank == 4 && x.Shape[2] % 2 == 0 && x.Shape[3] % 2 == 0, "Downsample2x",
            () => $"expects [N, C, H, W] with even H and W, got {Check.Fmt(x.Shape.AsSpan())}");
        var y = Backends.For(x).Downsample2x(x);
        // Each input pixel contributes ¼ to one output pixel: dx = ¼·upsample(dy).
        return Graph.Record(y, "Downsample2x", [x], dy => [dy.Upsample2x() * 0.25]);
    }

    /// <summary>[N, C, H, W] → [N, C, 2H, 2W], each pixel repeated into a 2×2 block.</summary>
    public static Tensor Upsample2x(this Tensor x)
    {
        Check.That(x.Rank == 4, "Upsample2x", () => $"expects [N, C, H, W], got {Check.Fmt(x.Shape.AsSpan())}");
        var y = Backends.For(x).Upsample2x(x);
        // Each input pixel feeds four outputs: dx = the sum over its block = 4·downsample(dy).
        return Graph.Record(y, "Upsample2x", [x], dy => [dy.Downsample2x() * 4.0]);
    }
}
