namespace Ect.Models;

/// <summary>Hyperparameters of EDM's SongUNet in its DDPM++ configuration (spec §6.1, §7.1). Immutable; make
/// variants with <c>with</c>; <see cref="Validate"/> runs when a network is built.</summary>
public sealed record UNetConfig
{
    /// <summary>Config name used on the command line and in checkpoints.</summary>
    public string Name { get; init; } = "custom";
    /// <summary>Image side length R (square images); must be divisible by 2^(levels − 1).</summary>
    public int Resolution { get; init; } = 32;
    /// <summary>Image channels in and out (3 for CIFAR-10, 1 for (Fashion-)MNIST).</summary>
    public int ImageChannels { get; init; } = 3;
    /// <summary>Base channel count mc.</summary>
    public int ModelChannels { get; init; } = 128;
    /// <summary>Per-level channel multipliers; level ℓ runs at resolution R / 2^ℓ with mc·mult[ℓ] channels.</summary>
    public int[] ChannelMult { get; init; } = [2, 2, 2];
    /// <summary>Residual blocks per encoder level (the decoder has one more per level).</summary>
    public int NumBlocks { get; init; } = 4;
    /// <summary>Resolutions whose blocks get self-attention.</summary>
    public int[] AttentionResolutions { get; init; } = [16];
    /// <summary>Embedding width E = mc · this.</summary>
    public int ChannelMultEmb { get; init; } = 4;
    /// <summary>Noise-embedding width Cn = mc · this.</summary>
    public int ChannelMultNoise { get; init; } = 1;
    /// <summary>Dropout probability in the residual blocks (EDM pretraining 0.13, ECT 0.20).</summary>
    public double Dropout { get; init; } = 0.13;

    public int EmbChannels => ModelChannels * ChannelMultEmb;
    public int NoiseChannels => ModelChannels * ChannelMultNoise;

    /// <summary>CIFAR-10 unconditional DDPM++ (EDM's cifar10-32x32-uncond-vp network): 55,732,739 parameters.</summary>
    public static readonly UNetConfig Cifar10 = new() { Name = "cifar10-ddpmpp" };

    /// <summary>Fashion-MNIST at 32×32 (28×28 padded): 1,752,993 parameters, 0.90 GFLOP per image forward.</summary>
    public static readonly UNetConfig FmnistSmall = new()
    {
        Name = "fmnist-small", ImageChannels = 1, ModelChannels = 32, ChannelMult = [1, 2, 2], NumBlocks = 2, Dropout = 0.10,
    };

    /// <summary>8×8×1 network that exercises every layer type, for unit tests: 12,393 parameters.</summary>
    public static readonly UNetConfig Tiny = new()
    {
        Name = "tiny", Resolution = 8, ImageChannels = 1, ModelChannels = 4, ChannelMult = [1, 2], NumBlocks = 1,
        AttentionResolutions = [4], Dropout = 0,
    };

    public static IReadOnlyList<UNetConfig> Named { get; } = [Cifar10, FmnistSmall, Tiny];

    public static UNetConfig ByName(string name) =>
        Named.FirstOrDefault(c => c.Name == name)
        ?? throw new ArgumentException($"unknown network config '{name}'; known: {string.Join(", ", Named.Select(c => c.Name))}");

    public void Validate()
    {
        void Require(bool ok, string what) { if (!ok) throw new ArgumentException($"UNetConfig '{Name}': {what}"); }
        Require(ChannelMult.Length >= 1, "ChannelMult needs at least one level");
        Require(Resolution % (1 << (ChannelMult.Length - 1)) == 0, $"resolution {Resolution} must be divisible by 2^{ChannelMult.Length - 1}");
        Require(ModelChannels >= 1 && NumBlocks >= 1 && ImageChannels >= 1, "channel and block counts must be positive");
        Require(NoiseChannels % 2 == 0, $"noise-embedding width {NoiseChannels} must be even (sin and cos halves)");
        Require(Dropout is >= 0 and < 1, $"dropout {Dropout} must be in [0, 1)");
    }
}
