namespace Ect.Tensors;

/// <summary>Which kind of memory a tensor's storage lives in. The CUDA backend adds device memory later;
/// ops refuse to mix devices instead of copying silently.</summary>
public enum DeviceKind
{
    Cpu,
    Cuda,
}

/// <summary>A device tag: a kind plus an ordinal (which GPU). <c>Device.Cpu</c> is the default everywhere.</summary>
public readonly record struct Device(DeviceKind Kind, int Index = 0)
{
    public static readonly Device Cpu = new(DeviceKind.Cpu);

    public static Device Cuda(int index = 0) => new(DeviceKind.Cuda, index);

    /// <summary>Parses "cpu", "cuda" or "cuda:1" (the CLI's <c>--device</c> values).</summary>
    public static Device Parse(string text)
    {
        string t = text.Trim().ToLowerInvariant();
        if (t == "cpu") return Cpu;
        if (t == "cuda") return Cuda();
        if (t.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(t.AsSpan(5), out int i) && i >= 0)
            return Cuda(i);
        throw new ArgumentException($"unknown device '{text}': expected cpu, cuda or cuda:N", nameof(text));
    }

    public override string ToString() => Kind == DeviceKind.Cpu ? "cpu" : $"cuda:{Index}";
}
