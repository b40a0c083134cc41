namespace Ect.Models;

/// <summary>
/// The DDPM++ residual block (EDM's UNetBlock with resample_proj, additive embedding, skip scale 1/√2, eps 1e-6),
/// spec §6.4:
///   h = conv0(SiLU(norm0(x)))        (conv0 resamples first when up/down)
///   h = SiLU(norm1(h + affine(emb)))  (the embedding is a per-channel bias)
///   h = conv1(dropout(h))
///   x = (h + skip(x)) / √2           (skip = 1×1 conv, resampling first, when channels change or up/down)
///   if attention: x = (proj(attn(norm2(x))) + x) / √2, one head, softmax over key positions.
/// Parameter names follow the reference: norm0, conv0, affine, norm1, conv1, skip, norm2, qkv, proj.
/// Each SiLU(norm(·)) runs as one fused GroupNormSilu op (same parameters, same values up to float32 rounding).
/// </summary>
public sealed class UNetBlock : Module
{
    private static readonly double SkipScale = Math.Sqrt(0.5);

    private readonly GroupNorm _norm0, _norm1;
    private readonly Conv2d _conv0, _conv1;
    private readonly Linear _affine;
    private readonly Conv2d? _skip;
    private readonly GroupNorm? _norm2;
    private readonly Conv2d? _qkv, _proj;

    public int InChannels { get; }
    public int OutChannels { get; }
    public bool HasAttention => _qkv is not null;
    /// <summary>Dropout before conv1 in training mode (ECT raises it from the pretraining value).</summary>
    public double DropoutRate { get; set; }

    public UNetBlock(int inChannels, int outChannels, int embChannels, Rng rng, Resample resample = Resample.None,
        bool attention = false, double dropout = 0, DType dtype = DType.Float32)
    {
        InChannels = inChannels; OutChannels = outChannels; DropoutRate = dropout;
        _norm0 = Child("norm0", new GroupNorm(inChannels, dtype: dtype));
        _conv0 = Child("conv0", new Conv2d(inChannels, outChannels, 3, rng, resample: resample, dtype: dtype));
        _affine = Child("affine", new Linear(embChannels, outChannels, rng, dtype: dtype));
        _norm1 = Child("norm1", new GroupNorm(outChannels, dtype: dtype));
        _conv1 = Child("conv1", new Conv2d(outChannels, outChannels, 3, rng, Init.ZeroGain, dtype: dtype));
        if (outChannels != inChannels || resample != Resample.None)
            _skip = Child("skip", new Conv2d(inChannels, outChannels, 1, rng, resample: resample, dtype: dtype));
        if (attention)
        {
            _norm2 = Child("norm2", new GroupNorm(outChannels, dtype: dtype));
            _qkv = Child("qkv", new Conv2d(outChannels, outChannels * 3, 1, rng, Init.AttentionGain, dtype: dtype));
            _proj = Child("proj", new Conv2d(outChannels, outChannels, 1, rng, Init.ZeroGain, dtype: dtype));
        }
    }

    /// <summary>x [B, in, H, W], emb [B, E] → [B, out, H', W']. Dropout draws its mask from
    /// <paramref name="dropoutRng"/> in training mode (pass a forked Rng to replay the same mask).</summary>
    public Tensor Forward(Tensor x, Tensor emb, Rng? dropoutRng)
    {
        var h = _conv0.Forward(_norm0.ForwardSilu(x));
        h = _norm1.ForwardSilu(h + _affine.Forward(emb).Unsqueeze(2).Unsqueeze(3));
        if (IsTraining && DropoutRate > 0 && dropoutRng is not null) h = h.Dropout(DropoutRate, dropoutRng);
        h = _conv1.Forward(h);
        x = (h + (_skip?.Forward(x) ?? x)) * SkipScale;
        if (_qkv is null) return x;

        int b = x.Dim(0), c = x.Dim(1), hw = x.Dim(2) * x.Dim(3);
        // qkv channel 3c + 0 / 1 / 2 is query / key / value channel c (the reference's interleaved layout).
        var qkv = _qkv.Forward(_norm2!.Forward(x)).Reshape(b, c, 3, hw);
        var q = qkv.Narrow(2, 0, 1).Reshape(b, c, hw);
        var k = qkv.Narrow(2, 1, 1).Reshape(b, c, hw);
        var v = qkv.Narrow(2, 2, 1).Reshape(b, c, hw);
        var w = q.MatMul(k, transposeA: true).Mul(1 / Math.Sqrt(c)).Softmax(-1);   // [B, query, key]
        var a = v.MatMul(w, transposeB: true);                                        // a[c, i] = Σ_j w[i, j]·v[c, j]
        return (_proj!.Forward(a.Reshape(x.Shape.AsSpan())) + x) * SkipScale;
    }

    /// <summary>Forward FLOPs per image (convs, the affine Linear and the two attention matmuls) at output size
    /// <paramref name="res"/>.</summary>
    public long Flops(int res)
    {
        long flops = _conv0.Flops(res) + _affine.Flops + _conv1.Flops(res) + (_skip?.Flops(res) ?? 0);
        if (_qkv is not null)
        {
            long tokens = (long)res * res;
            flops += _qkv.Flops(res) + _proj!.Flops(res) + 2 * (2 * tokens * tokens * OutChannels);
        }
        return flops;
    }
}
