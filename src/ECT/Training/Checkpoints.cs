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
        LoadInto(net, tensors, "ema/", path, config.Name);
        net.Eval();
        return (net, config);
    }

    /// <summary>Copies the checkpoint tensors named <paramref name="prefix"/> + parameter path into the module's
    /// parameters, refusing missing tensors and shape mismatches with the checkpoint's path in the message.</summary>
    public static void LoadInto(Module module, IReadOnlyDictionary<string, SafeTensors.Entry> tensors, string prefix, string path, string network)
    {
        foreach (var (name, t) in module.NamedParameters()) LoadInto(t, tensors, prefix + name, path, network);
    }

    /// <summary>Copies checkpoint tensor <paramref name="name"/> into <paramref name="target"/> (a parameter or an
    /// optimizer moment), on whatever device it lives.</summary>
    public static void LoadInto(Tensor target, IReadOnlyDictionary<string, SafeTensors.Entry> tensors, string name, string path, string network)
    {
        if (target.Device.Kind == DeviceKind.Cpu)
        {
            LoadInto(target.Shape.AsSpan(), target.HostSpan<float>(), tensors, name, path, network);
            return;
        }
        using var host = Tensor.Empty(target.Shape.AsSpan());   // read on the host, then one upload
        LoadInto(target.Shape.AsSpan(), host.HostSpan<float>(), tensors, name, path, network);
        host.CopyInto(target);
    }

    /// <summary>Copies checkpoint tensor <paramref name="name"/> into <paramref name="target"/> of the given shape.</summary>
    public static void LoadInto(ReadOnlySpan<int> shape, Span<float> target, IReadOnlyDictionary<string, SafeTensors.Entry> tensors, string name, string path, string network)
    {
        if (!tensors.TryGetValue(name, out var entry))
            throw new InvalidDataException($"{path}: tensor {name} is missing; the checkpoint does not match network '{network}'");
        if (!entry.Shape.AsSpan().SequenceEqual(shape))
            throw new InvalidDataException($"{path}: tensor {name} has shape {Check.Fmt(entry.Shape)}, the network expects {Check.Fmt(shape)}");
        entry.ToFloats().CopyTo(target);
    }
}
