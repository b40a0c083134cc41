namespace Ect.Models;

/// <summary>
/// EDM's SongUNet in the DDPM++ configuration (spec §6): F_θ(x; c_noise). Reads like the reference's networks.py:
/// a mapping network for the noise embedding, an encoder keyed by resolution ("32x32_conv", "16x16_down",
/// "16x16_block0", …) whose outputs go on an explicit skip stack, and a decoder ("8x8_in0", "8x8_in1", "16x16_up",
/// "16x16_block0", …, "32x32_aux_norm", "32x32_aux_conv") that concatenates a popped skip whenever a block's input
/// width differs from the running width. Parameter paths match the reference's state dict under the "model." prefix
/// the preconditioning wrapper adds.
/// </summary>
public sealed class UNet : Module
{
    private readonly Linear _mapLayer0, _mapLayer1;
    private readonly Container<Module> _enc, _dec;
    private readonly Dictionary<Module, int> _outputRes = [];

    public UNetConfig Config { get; }

    public UNet(UNetConfig config, Rng rng, DType dtype = DType.Float32)
    {
        config.Validate();
        Config = config;
        int e = config.EmbChannels, mc = config.ModelChannels, r = config.Resolution;
        _mapLayer0 = Child("map_layer0", new Linear(config.NoiseChannels, e, rng, dtype: dtype));
        _mapLayer1 = Child("map_layer1", new Linear(e, e, rng, dtype: dtype));
        _enc = Child("enc", new Container<Module>());
        _dec = Child("dec", new Container<Module>());

        UNetBlock Block(int cin, int cout, int res, Resample resample = Resample.None, bool attention = false) =>
            new(cin, cout, e, rng, resample, attention, config.Dropout, dtype);

        // Encoder: the outputs of every module go on the skip stack.
        var skips = new Stack<int>();
        int cur = config.ImageChannels;
        for (int level = 0; level < config.ChannelMult.Length; level++)
        {
            int res = r >> level;
            Module first = level == 0
                ? new Conv2d(cur, mc, 3, rng, dtype: dtype)
                : Block(cur, cur, res, Resample.Down);
            _enc.Add(level == 0 ? $"{res}x{res}_conv" : $"{res}x{res}_down", first);
            _outputRes[first] = res;
            cur = level == 0 ? mc : cur;
            skips.Push(cur);
            for (int i = 0; i < config.NumBlocks; i++)
            {
                int cout = mc * config.ChannelMult[level];
                var block = _enc.Add($"{res}x{res}_block{i}", Block(cur, cout, res, attention: config.AttentionResolutions.Contains(res)));
                _outputRes[block] = res;
                cur = cout;
                skips.Push(cur);
            }
        }

        // Decoder: each level's blocks consume one skip each (x first, then the skip, along channels).
        for (int level = config.ChannelMult.Length - 1; level >= 0; level--)
        {
            int res = r >> level;
            if (level == config.ChannelMult.Length - 1)
            {
                _outputRes[_dec.Add($"{res}x{res}_in0", Block(cur, cur, res, attention: true))] = res;
                _outputRes[_dec.Add($"{res}x{res}_in1", Block(cur, cur, res))] = res;
            }
            else _outputRes[_dec.Add($"{res}x{res}_up", Block(cur, cur, res, Resample.Up))] = res;
            for (int i = 0; i <= config.NumBlocks; i++)
            {
                int cin = cur + skips.Pop(), cout = mc * config.ChannelMult[level];
                bool attention = i == config.NumBlocks && config.AttentionResolutions.Contains(res);
                _outputRes[_dec.Add($"{res}x{res}_block{i}", Block(cin, cout, res, attention: attention))] = res;
                cur = cout;
            }
        }
        if (skips.Count != 0) throw new InvalidOperationException($"UNet: {skips.Count} encoder skips were not consumed");
        _outputRes[_dec.Add($"{r}x{r}_aux_norm", new GroupNorm(cur, dtype: dtype))] = r;
        _outputRes[_dec.Add($"{r}x{r}_aux_conv", new Conv2d(cur, config.ImageChannels, 3, rng, Init.ZeroGain, dtype: dtype))] = r;
    }

    /// <summary>x [B, C, R, R] (already scaled by c_in), noiseLabels [B] (c_noise = ln(σ)/4) → [B, C, R, R].
    /// Dropout (training mode only) draws from <paramref name="dropoutRng"/>; pass the same forked Rng to two calls
    /// to reuse one mask.</summary>
    public Tensor Forward(Tensor x, Tensor noiseLabels, Rng? dropoutRng = null)
    {
        Check.That(x.Rank == 4 && x.Dim(1) == Config.ImageChannels && x.Dim(2) == Config.Resolution && x.Dim(3) == Config.Resolution,
            "UNet", () => $"expects images [B, {Config.ImageChannels}, {Config.Resolution}, {Config.Resolution}] for config '{Config.Name}', got {Check.Fmt(x.Shape.AsSpan())}");
        Check.That(noiseLabels.Rank == 1 && noiseLabels.Dim(0) == x.Dim(0), "UNet",
            () => $"expects one noise label per image ([{x.Dim(0)}]), got {Check.Fmt(noiseLabels.Shape.AsSpan())}");

        var emb = PositionalEmbedding.Forward(noiseLabels, Config.NoiseChannels);
        emb = _mapLayer0.Forward(emb).Silu();
        emb = _mapLayer1.Forward(emb).Silu();

        var skips = new Stack<Tensor>();
        foreach (var (_, module) in _enc.Items)
        {
            x = module switch
            {
                UNetBlock block => block.Forward(x, emb, dropoutRng),
                Conv2d conv => conv.Forward(x),
                _ => throw new InvalidOperationException($"unexpected encoder module {module.GetType().Name}"),
            };
            skips.Push(x);
        }
        Tensor? tmp = null;
        foreach (var (_, module) in _dec.Items)
        {
            switch (module)
            {
                case GroupNorm norm: tmp = norm.ForwardSilu(x); break;   // aux_norm, then SiLU, feeding aux_conv
                case Conv2d conv: x = conv.Forward(tmp!); break;
                case UNetBlock block:
                    if (x.Dim(1) != block.InChannels) x = TensorOps.Concat([x, skips.Pop()], 1);
                    x = block.Forward(x, emb, dropoutRng);
                    break;
            }
        }
        return x;
    }

    /// <summary>Sets the dropout probability of every residual block (pretraining 0.10–0.13 → ECT 0.20).</summary>
    public void SetDropout(double p)
    {
        foreach (var (_, module) in _enc.Items.Concat(_dec.Items))
            if (module is UNetBlock block) block.DropoutRate = p;
    }

    /// <summary>Forward FLOPs per image (2 × multiply-adds of convs, linears and attention matmuls; norms,
    /// activations and resampling excluded), as in spec §6.8.</summary>
    public long FlopsPerImage()
    {
        long flops = _mapLayer0.Flops + _mapLayer1.Flops;
        foreach (var (_, module) in _enc.Items.Concat(_dec.Items))
            flops += module switch
            {
                UNetBlock block => block.Flops(_outputRes[module]),
                Conv2d conv => conv.Flops(_outputRes[module]),
                _ => 0,
            };
        return flops;
    }
}
