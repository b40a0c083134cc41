using Ect.IO;

namespace Ect.Training;

/// <summary>Reading the parts of a training checkpoint that sampling and inspection need.</summary>
public static class Checkpoints
{
    /// <summary>The EMA network of a checkpoint, in eval mode, with the network config it was trained with
    /// (resolution and channels as trained).</summary>
    public static (Denoiser Ema, UNetConfig Config) LoadEmaDenoiser(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no checkpoint at {path}");
        var (tensors, metadata) = SafeTensors.Read(path);
        if (!metadata.TryGetValue("config", out var json))
            throw new InvalidDataException($"{path}: no training config in the checkpoint metadata; is it an ect.net checkpoint?");
        var train = TrainConfig.FromJson(json, path);
        // The trained resolution and channels are read off the tensors: the first conv is [mc, C, 3, 3] and the
        // dataset fixed the resolution (32 for the supported datasets).
        var first = tensors["ema/model.enc.32x32_conv.weight"];
        var config = Networks.ByName(train.Network) with { ImageChannels = first.Shape[1], Resolution = 32 };
        var net = new Denoiser(new UNet(config, new Rng(0)));
        foreach (var (name, t) in net.NamedParameters())
        {
            if (!tensors.TryGetValue("ema/" + name, out var entry))
                throw new InvalidDataException($"{path}: tensor ema/{name} is missing; the checkpoint does not match network '{config.Name}'");
            entry.ToFloats().CopyTo(t.HostSpan<float>());
        }
        net.Eval();
        return (net, config);
    }
}
